package dev.otlpffi;

import java.util.List;

/**
 * An immutable set of typed attributes: boolean, long, double, String and homogeneous lists of
 * them, for span builders, events and links. Build with {@link #builder()}.
 */
public final class Attributes {
    private static final Attributes EMPTY = new Attributes(new AttrBatch(0));

    final AttrBatch batch;

    private Attributes(AttrBatch batch) {
        this.batch = batch;
    }

    public static Attributes empty() {
        return EMPTY;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The number of entries. */
    public int size() {
        return batch.size;
    }

    /** Collects attributes; each put appends (a key set again replaces the earlier value). */
    public static final class Builder {
        private final AttrBatch batch = new AttrBatch();

        public Builder put(String key, String value) {
            batch.put(key, value);
            return this;
        }

        public Builder put(String key, long value) {
            batch.put(key, value);
            return this;
        }

        public Builder put(String key, double value) {
            batch.put(key, value);
            return this;
        }

        public Builder put(String key, boolean value) {
            batch.put(key, value);
            return this;
        }

        /** A homogeneous list of Boolean, Long (or Integer), Double or String. */
        public Builder put(String key, List<?> values) {
            batch.putList(key, values);
            return this;
        }

        public Attributes build() {
            AttrBatch copy = new AttrBatch(Math.max(1, batch.size));
            copy.addAll(batch);
            return new Attributes(copy);
        }
    }
}
