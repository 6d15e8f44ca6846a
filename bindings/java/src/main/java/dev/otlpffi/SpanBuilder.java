package dev.otlpffi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything known when a span starts: kind, parent, attributes (seen by the sampler), links
 * and start time; {@link #startSpan()} crosses into the library once.
 */
public final class SpanBuilder {
    private final Tracer tracer;
    private final String name;
    private SpanKind kind = SpanKind.INTERNAL;
    private SpanContext parent;
    private Span parentSpan;
    private AttrBatch attributes;
    private List<SpanContext> links;
    private List<Attributes> linkAttributes;
    private long startNanos;

    SpanBuilder(Tracer tracer, String name) {
        this.tracer = tracer;
        this.name = name;
    }

    public SpanBuilder setKind(SpanKind kind) {
        this.kind = Objects.requireNonNull(kind, "kind");
        return this;
    }

    /** A remote or local parent context (null: a root span). */
    public SpanBuilder setParent(SpanContext parent) {
        this.parent = parent;
        this.parentSpan = null;
        return this;
    }

    /** A local parent span (must not be ended yet). */
    public SpanBuilder setParent(Span parent) {
        this.parentSpan = parent;
        this.parent = null;
        return this;
    }

    /** Starts a new trace, whatever parent was set before. */
    public SpanBuilder setNoParent() {
        this.parent = null;
        this.parentSpan = null;
        return this;
    }

    private AttrBatch attrs() {
        if (attributes == null) {
            attributes = new AttrBatch();
        }
        return attributes;
    }

    public SpanBuilder setAttribute(String key, String value) {
        attrs().put(key, value);
        return this;
    }

    public SpanBuilder setAttribute(String key, long value) {
        attrs().put(key, value);
        return this;
    }

    public SpanBuilder setAttribute(String key, double value) {
        attrs().put(key, value);
        return this;
    }

    public SpanBuilder setAttribute(String key, boolean value) {
        attrs().put(key, value);
        return this;
    }

    public SpanBuilder setAttribute(String key, List<?> values) {
        attrs().putList(key, values);
        return this;
    }

    public SpanBuilder setAllAttributes(Attributes attributes) {
        attrs().addAll(Objects.requireNonNull(attributes, "attributes").batch);
        return this;
    }

    public SpanBuilder addLink(SpanContext context) {
        return addLink(context, Attributes.empty());
    }

    /** Links the span to {@code context} (read at startSpan; the caller still closes it). */
    public SpanBuilder addLink(SpanContext context, Attributes attributes) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(attributes, "attributes");
        if (links == null) {
            links = new ArrayList<>();
            linkAttributes = new ArrayList<>();
        }
        links.add(context);
        linkAttributes.add(attributes);
        return this;
    }

    /** Start time in nanoseconds since the Unix epoch (0: now). */
    public SpanBuilder setStartTimestamp(long epochNanos) {
        if (epochNanos < 0) {
            throw new IllegalArgumentException("epochNanos is negative: " + epochNanos);
        }
        this.startNanos = epochNanos;
        return this;
    }

    public SpanBuilder setStartTimestamp(Instant start) {
        return setStartTimestamp(Span.epochNanos(Objects.requireNonNull(start, "start")));
    }

    public Span startSpan() {
        tracer.provider.checkOpen();
        if (parentSpan == null && parent == null && links == null && AttrBatch.validString(name)
                && (attributes == null || attributes.convertible())) {
            AttrBatch start = null;
            if (attributes != null && attributes.size > 0) {
                start = new AttrBatch(attributes.size);
                start.addAll(attributes);
            }
            return tracer.newLocalSpan(name, kind.value, startNanos == 0 ? Span.nowNanos() : startNanos, start);
        }
        long parentHandle = 0;
        long tmp = 0;
        if (parentSpan != null) {
            tmp = parentSpan.newContextHandle();
            parentHandle = tmp;
        } else if (parent != null) {
            parentHandle = parent.handle();
        }
        try {
            if (attributes == null && links == null) {
                return tracer.start(name, kind.value, parentHandle, startNanos);
            }
            AttrBatch all = new AttrBatch();
            int startCount = 0;
            if (attributes != null) {
                all.addAll(attributes);
                startCount = attributes.size;
            }
            long[] linkCtx = null;
            int[] linkOff = null;
            if (links != null) {
                linkCtx = new long[links.size()];
                linkOff = new int[links.size() + 1];
                for (int i = 0; i < links.size(); i++) {
                    linkCtx[i] = links.get(i).handle();
                    linkOff[i] = all.size;
                    all.addAll(linkAttributes.get(i).batch);
                }
                linkOff[links.size()] = all.size;
            }
            tracer.provider.checkOpen();
            long h;
            try {
                h = Native.spanStartWithOptions(tracer.handle, name, kind.value, parentHandle, startNanos,
                        all.keys, all.types, all.prims, all.objs, all.size, startCount, linkCtx, linkOff);
            } catch (OtlpException e) {
                throw tracer.closedOr(e);
            }
            return tracer.newSpan(h);
        } finally {
            if (tmp != 0) {
                Native.contextFree(tmp);
            }
        }
    }
}
