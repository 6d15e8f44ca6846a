package dev.otlpffi;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** The project's test receiver (tests/receiver/otlp_receiver.py --jsonl) in a subprocess. */
final class Receiver implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final boolean keep;
    private long count;
    final int port;

    Receiver() throws IOException {
        this(0, true);
    }

    Receiver(int port, boolean keep) throws IOException {
        this.keep = keep;
        String script = System.getProperty("otlpffi.receiver");
        ProcessBuilder pb = new ProcessBuilder("python3", script, "--port", Integer.toString(port), "--jsonl");
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        process = pb.start();
        BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String first = r.readLine();
        if (first == null) {
            process.destroy();
            throw new IOException("receiver exited before listening (port " + port + ")");
        }
        this.port = JsonParser.parseString(first).getAsJsonObject().get("listening").getAsInt();
        Thread t = new Thread(() -> {
            try {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (this) {
                        count++;
                        if (keep) {
                            lines.add(line);
                        }
                        notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // process ended
            }
        }, "receiver-reader");
        t.setDaemon(true);
        t.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    synchronized long count() {
        return count;
    }

    /** Waits until at least n spans arrived; returns the count. */
    synchronized long awaitCount(long n, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (count < n) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        return count;
    }

    synchronized List<JsonObject> spans() {
        List<JsonObject> out = new ArrayList<>();
        for (String l : lines) {
            out.add(JsonParser.parseString(l).getAsJsonObject());
        }
        return out;
    }

    /** Waits for the first span matching {@code p}. */
    JsonObject await(Predicate<JsonObject> p, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            for (JsonObject o : spans()) {
                if (p.test(o)) {
                    return o;
                }
            }
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new AssertionError("no matching span arrived within " + timeoutMs + " ms; got " + spans());
            }
            synchronized (this) {
                wait(Math.min(left, 200));
            }
        }
    }

    JsonObject awaitName(String name) throws InterruptedException {
        return await(o -> name.equals(o.get("name").getAsString()), 15000);
    }

    @Override
    public void close() throws Exception {
        process.getOutputStream().close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
