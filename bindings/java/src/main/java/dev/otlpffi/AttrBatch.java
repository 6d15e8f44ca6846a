package dev.otlpffi;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Typed attributes packed the way the JNI shim reads them: parallel arrays of keys, type tags
 * (otlp_attribute_type_t), primitive values (long; boolean as 0/1; double as raw bits) and
 * objects (String, String[], boolean[], long[], double[]).
 */
final class AttrBatch {
    static final int STRING = 1;
    static final int BOOL = 2;
    static final int INT = 3;
    static final int DOUBLE = 4;
    static final int STRING_ARRAY = 5;
    static final int BOOL_ARRAY = 6;
    static final int INT_ARRAY = 7;
    static final int DOUBLE_ARRAY = 8;

    String[] keys;
    int[] types;
    long[] prims;
    Object[] objs;
    int size;

    AttrBatch() {
        this(4);
    }

    AttrBatch(int capacity) {
        keys = new String[capacity];
        types = new int[capacity];
        prims = new long[capacity];
        objs = new Object[capacity];
    }

    void add(String key, int type, long prim, Object obj) {
        Objects.requireNonNull(key, "key");
        if (size == keys.length) {
            int cap = Math.max(4, size * 2);
            keys = Arrays.copyOf(keys, cap);
            types = Arrays.copyOf(types, cap);
            prims = Arrays.copyOf(prims, cap);
            objs = Arrays.copyOf(objs, cap);
        }
        keys[size] = key;
        types[size] = type;
        prims[size] = prim;
        objs[size] = obj;
        size++;
    }

    void put(String key, String value) {
        add(key, STRING, 0, Objects.requireNonNull(value, "value"));
    }

    void put(String key, long value) {
        add(key, INT, value, null);
    }

    void put(String key, double value) {
        add(key, DOUBLE, Double.doubleToRawLongBits(value), null);
    }

    void put(String key, boolean value) {
        add(key, BOOL, value ? 1 : 0, null);
    }

    /** A homogeneous list of Boolean, Long/Integer/Short/Byte, Double/Float or String. */
    void putList(String key, List<?> values) {
        Objects.requireNonNull(values, "values");
        if (values.isEmpty()) {
            add(key, STRING_ARRAY, 0, new String[0]);
            return;
        }
        Object first = values.get(0);
        int n = values.size();
        if (first instanceof String) {
            String[] a = new String[n];
            for (int i = 0; i < n; i++) {
                a[i] = element(values, i, String.class, key);
            }
            add(key, STRING_ARRAY, 0, a);
        } else if (first instanceof Boolean) {
            boolean[] a = new boolean[n];
            for (int i = 0; i < n; i++) {
                a[i] = element(values, i, Boolean.class, key);
            }
            add(key, BOOL_ARRAY, 0, a);
        } else if (first instanceof Long || first instanceof Integer || first instanceof Short
                || first instanceof Byte) {
            long[] a = new long[n];
            for (int i = 0; i < n; i++) {
                Object o = values.get(i);
                if (!(o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte)) {
                    throw mixed(key, i, o);
                }
                a[i] = ((Number) o).longValue();
            }
            add(key, INT_ARRAY, 0, a);
        } else if (first instanceof Double || first instanceof Float) {
            double[] a = new double[n];
            for (int i = 0; i < n; i++) {
                Object o = values.get(i);
                if (!(o instanceof Double || o instanceof Float)) {
                    throw mixed(key, i, o);
                }
                a[i] = ((Number) o).doubleValue();
            }
            add(key, DOUBLE_ARRAY, 0, a);
        } else {
            throw new IllegalArgumentException("attribute " + key + ": list elements must be Boolean, "
                    + "Long, Double or String, not " + (first == null ? "null" : first.getClass().getName()));
        }
    }

    private static <T> T element(List<?> values, int i, Class<T> type, String key) {
        Object o = values.get(i);
        if (!type.isInstance(o)) {
            throw mixed(key, i, o);
        }
        return type.cast(o);
    }

    private static IllegalArgumentException mixed(String key, int i, Object o) {
        return new IllegalArgumentException("attribute " + key + ": element " + i + " is "
                + (o == null ? "null" : o.getClass().getName()) + "; a list must be homogeneous");
    }

    /**
     * Whether every string here is one the native side accepts without an error (keys not
     * empty; no U+0000 or lone surrogate in keys and values), so the batch can wait on the Java
     * side; otherwise the native call reports the problem.
     */
    boolean convertible() {
        for (int i = 0; i < size; i++) {
            if (!validKey(keys[i])) {
                return false;
            }
            Object o = objs[i];
            if (o instanceof String) {
                if (!validString((String) o)) {
                    return false;
                }
            } else if (o instanceof String[]) {
                for (String e : (String[]) o) {
                    if (!validString(e)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    static boolean validKey(String k) {
        return k != null && !k.isEmpty() && validString(k);
    }

    /** Not null, no U+0000, no lone surrogate: what the shim converts to UTF-8. */
    static boolean validString(String s) {
        if (s == null) {
            return false;
        }
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c == 0) {
                return false;
            }
            if (c >= 0xD800 && c <= 0xDFFF) {
                if (c <= 0xDBFF && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return false;
                }
            }
        }
        return true;
    }

    void addAll(AttrBatch other) {
        for (int i = 0; i < other.size; i++) {
            add(other.keys[i], other.types[i], other.prims[i], other.objs[i]);
        }
    }
}
