/* Hand-written C helpers of the Go binding (the generated wrappers are in ogo_raw.h).
 * Everything here calls only functions of include/otlp_ffi.h. */
#ifndef OGO_H
#define OGO_H

#include <stddef.h>
#include "ogo_raw.h"

/* Attributes a span collects on the Go side before it must cross the boundary. */
#define OGO_REC_ATTRS 64
/* Bytes of the per-span string arena (names, keys, values, arrays). */
#define OGO_REC_ARENA 4096

/* The C memory of one span while it runs: the finished-span description handed to
 * otlp_span_emit, the options of otlp_span_start_with_options when the span needs a handle,
 * the attributes and the arena their strings live in. Allocated once, reused span after span. */
typedef struct {
  otlp_finished_span_t fin;
  otlp_span_options_t opts;
  otlp_span_t *span;
  otlp_attribute_t attrs[OGO_REC_ATTRS];
  char arena[OGO_REC_ARENA];
} ogo_rec;

static inline ogo_rec *ogo_rec_new(void) {
  return (ogo_rec *)calloc(1, sizeof(ogo_rec));
}

/* Ends a span that never needed a handle: one crossing for the whole span. */
static inline ogo_res ogo_rec_emit(otlp_tracer_t *tracer, ogo_rec *r) {
  r->fin.struct_size = sizeof(otlp_finished_span_t);
  return ogo_res_of(otlp_span_emit(tracer, &r->fin));
}

/* Starts the span described by r->fin as a live span (its start time, start attributes,
 * kind, parent, links), then sets the attributes collected so far; r->span receives the
 * handle. When only the second call fails, r->span is set and the code says why. */
static inline ogo_res ogo_rec_start(otlp_tracer_t *tracer, ogo_rec *r) {
  otlp_error_t rc;
  memset(&r->opts, 0, sizeof r->opts);
  r->opts.struct_size = sizeof r->opts;
  r->opts.kind = r->fin.kind;
  r->opts.parent = r->fin.parent;
  r->opts.attributes = r->fin.start_attributes;
  r->opts.attribute_count = r->fin.start_attribute_count;
  r->opts.links = r->fin.links;
  r->opts.link_count = r->fin.link_count;
  r->opts.start_time_unix_nano = r->fin.start_time_unix_nano;
  r->span = NULL;
  rc = otlp_span_start_with_options(tracer, r->fin.name, &r->opts, &r->span);
  if (rc == OTLP_OK && r->fin.attribute_count > 0) {
    rc = otlp_span_set_attributes(r->span, r->fin.attributes, r->fin.attribute_count);
  }
  return ogo_res_of(rc);
}

/* Layout facts as the C compiler sees them, for the layout test. */
typedef struct {
  size_t attribute_size, attribute_key, attribute_type, attribute_value, value_size;
  size_t array_size, array_items, array_len;
  size_t link_size, options_size, finished_size, stats_size;
  size_t finished_start_time, finished_end_time, finished_attributes, finished_attribute_count;
  size_t bool_size;
} ogo_layout;

static inline ogo_layout ogo_layout_of(void) {
  ogo_layout l;
  l.attribute_size = sizeof(otlp_attribute_t);
  l.attribute_key = offsetof(otlp_attribute_t, key);
  l.attribute_type = offsetof(otlp_attribute_t, type);
  l.attribute_value = offsetof(otlp_attribute_t, value);
  l.value_size = sizeof(otlp_attribute_value_t);
  l.array_size = sizeof(otlp_array_t);
  l.array_items = offsetof(otlp_array_t, items);
  l.array_len = offsetof(otlp_array_t, len);
  l.link_size = sizeof(otlp_link_t);
  l.options_size = sizeof(otlp_span_options_t);
  l.finished_size = sizeof(otlp_finished_span_t);
  l.stats_size = sizeof(otlp_stats_t);
  l.finished_start_time = offsetof(otlp_finished_span_t, start_time_unix_nano);
  l.finished_end_time = offsetof(otlp_finished_span_t, end_time_unix_nano);
  l.finished_attributes = offsetof(otlp_finished_span_t, attributes);
  l.finished_attribute_count = offsetof(otlp_finished_span_t, attribute_count);
  l.bool_size = sizeof(bool);
  return l;
}

/* An empty crossing, and one that also locks nothing: the benchmark's reference points. */
static inline int32_t ogo_noop(void) { return 0; }

#endif /* OGO_H */
