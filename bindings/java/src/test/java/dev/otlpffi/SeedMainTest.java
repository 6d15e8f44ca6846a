package dev.otlpffi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import dev.otlpffi.examples.SeedMain;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The document's main, unchanged but for package/imports, against a receiver on 4318. */
class SeedMainTest {
    static Receiver onDefaultPort() throws Exception {
        IOException last = null;
        for (int i = 0; i < 40; i++) { // another suite may hold 4318 for a moment
            try {
                return new Receiver(4318, true);
            } catch (IOException e) {
                last = e;
                Thread.sleep(500);
            }
        }
        throw last;
    }

    @Test
    void documentMainDeliversItsSpan() throws Exception {
        try (Receiver rx = onDefaultPort()) {
            SeedMain.main(new String[0]);
            JsonObject j = rx.awaitName("my_operation");
            assertEquals("java-app", j.get("service_name").getAsString());
            JsonObject a = j.getAsJsonObject("attributes");
            assertEquals("int", a.getAsJsonObject("user.id").get("type").getAsString());
            assertEquals("12345", a.getAsJsonObject("user.id").get("value").getAsString());
            assertEquals("string", a.getAsJsonObject("action").get("type").getAsString());
            assertEquals("purchase", a.getAsJsonObject("action").get("value").getAsString());
            assertEquals(1, j.get("kind").getAsInt());
            assertEquals("", j.get("parent_span_id").getAsString());
        }
    }
}
