package dev.otlpffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The raw layer against include/otlp_ffi.h: functions the shim calls and enum values. */
class HeaderContractTest {
    static String header() throws Exception {
        return Files.readString(Path.of(System.getProperty("otlpffi.header")));
    }

    static Map<String, Integer> enumValues(String h) {
        Map<String, Integer> m = new HashMap<>();
        Matcher mt = Pattern.compile("^\\s*(OTLP_[A-Z_]+)\\s*=\\s*(-?\\d+)\\s*,", Pattern.MULTILINE).matcher(h);
        while (mt.find()) {
            m.put(mt.group(1), Integer.parseInt(mt.group(2)));
        }
        return m;
    }

    @Test
    void everyFunctionTheShimCallsIsDeclared() throws Exception {
        String h = header();
        Set<String> declared = new TreeSet<>();
        Matcher d = Pattern.compile("\\b(otlp_[a-z_]+)\\s*\\(").matcher(h);
        while (d.find()) {
            declared.add(d.group(1));
        }
        String shim = Files.readString(Path.of(System.getProperty("otlpffi.shim")));
        Set<String> called = new TreeSet<>();
        Matcher c = Pattern.compile("\\b(otlp_[a-z_]+)\\s*\\(").matcher(shim);
        while (c.find()) {
            called.add(c.group(1));
        }
        assertTrue(called.size() > 30, called.toString());
        Set<String> missing = new TreeSet<>(called);
        missing.removeAll(declared);
        assertEquals(Set.of(), missing, "called in otlp_jni.c but not declared in otlp_ffi.h");
    }

    @Test
    void enumValuesMatchTheHeader() throws Exception {
        Map<String, Integer> h = enumValues(header());
        for (SpanKind k : SpanKind.values()) {
            assertEquals(h.get("OTLP_SPAN_KIND_" + k.name()), k.value(), k.name());
        }
        assertEquals(5, h.keySet().stream().filter(s -> s.startsWith("OTLP_SPAN_KIND_")).count());
        for (StatusCode s : StatusCode.values()) {
            assertEquals(h.get("OTLP_STATUS_" + s.name()), s.value(), s.name());
        }
        int errors = 0;
        for (Map.Entry<String, Integer> e : h.entrySet()) {
            if (e.getKey().equals("OTLP_OK") || e.getKey().startsWith("OTLP_ERROR_")) {
                assertEquals(e.getKey(), OtlpException.codeName(e.getValue()));
                errors++;
            }
        }
        assertEquals(9, errors);
        String[] types = {"STRING", "BOOL", "INT", "DOUBLE", "STRING_ARRAY", "BOOL_ARRAY", "INT_ARRAY", "DOUBLE_ARRAY"};
        int[] ours = {AttrBatch.STRING, AttrBatch.BOOL, AttrBatch.INT, AttrBatch.DOUBLE, AttrBatch.STRING_ARRAY,
            AttrBatch.BOOL_ARRAY, AttrBatch.INT_ARRAY, AttrBatch.DOUBLE_ARRAY};
        for (int i = 0; i < types.length; i++) {
            assertEquals(h.get("OTLP_ATTRIBUTE_" + types[i]), ours[i], types[i]);
        }
    }

    @Test
    void loaderNamesThePlatform() {
        assertEquals("linux-x86_64", NativeLibrary.platform());
        assertTrue(NativeLibrary.load().length() > 0);
    }
}
