package dev.otlpffi.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** bench/python/receiver_proc.py --kind sink: an OTLP/HTTP receiver that counts spans per service. */
final class Sink implements AutoCloseable {
    private final Process p;
    private final BufferedReader in;
    private final Writer out;
    final int port;

    Sink() throws IOException {
        Path repo = Path.of(System.getProperty("otlpffi.repo", "../.."));
        p = new ProcessBuilder("python3", repo.resolve("bench/python/receiver_proc.py").toString(), "--kind", "sink")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        out = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
        String line = in.readLine();
        if (line == null || !line.startsWith("PORT ")) {
            throw new IOException("sink did not start: " + line);
        }
        port = Integer.parseInt(line.substring(5).trim());
    }

    String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Spans received for {@code service}. */
    long count(String service) throws IOException {
        out.write("count\n");
        out.flush();
        String json = in.readLine();
        String key = "\"" + service + "\": ";
        int i = json.indexOf(key);
        if (i < 0) {
            return 0;
        }
        int j = i + key.length();
        int k = j;
        while (k < json.length() && Character.isDigit(json.charAt(k))) {
            k++;
        }
        return Long.parseLong(json.substring(j, k));
    }

    @Override
    public void close() throws IOException {
        try {
            out.write("quit\n");
            out.flush();
        } catch (IOException ignored) {
            // already gone
        }
        p.destroy();
    }
}
