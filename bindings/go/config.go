package otlp

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// Option configures a TracerProvider. Each option is one OTEL_* key of the library's
// configuration object (otlp_config_set); an option wins over the environment, the
// environment over the defaults. NewTracerProvider's explicit endpoint and service name win
// over everything.
type Option func(*settings)

type settings struct {
	keys     []string // OTEL_* keys in the order given (a key given twice: the last wins)
	values   map[string]string
	resource [][2]string
}

func (s *settings) set(key, value string) {
	if s.values == nil {
		s.values = map[string]string{}
	}
	if _, ok := s.values[key]; !ok {
		s.keys = append(s.keys, key)
	}
	s.values[key] = value
}

// WithSetting sets any OTEL_* key the library supports (see the project README's
// configuration table), e.g. WithSetting("OTEL_TRACES_SAMPLER", "always_off"). An unknown
// key or a value that does not parse makes NewTracerProvider fail with ErrInvalidArgument.
func WithSetting(key, value string) Option {
	return func(s *settings) { s.set(key, value) }
}

// WithHeaders sets OTEL_EXPORTER_OTLP_HEADERS: headers sent with every export.
func WithHeaders(headers map[string]string) Option {
	keys := make([]string, 0, len(headers))
	for k := range headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, percentEncode(k)+"="+percentEncode(headers[k]))
	}
	return WithSetting("OTEL_EXPORTER_OTLP_HEADERS", strings.Join(parts, ","))
}

// WithTracesEndpoint sets OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: the full URL, used as given
// (NewTracerProvider's endpoint is a base URL to which /v1/traces is appended).
func WithTracesEndpoint(url string) Option {
	return WithSetting("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url)
}

// WithProtocol sets OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" (default), "http/json" or
// "grpc".
func WithProtocol(protocol string) Option {
	return WithSetting("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
}

// WithCompression sets OTEL_EXPORTER_OTLP_COMPRESSION: "gzip" or "none".
func WithCompression(compression string) Option {
	return WithSetting("OTEL_EXPORTER_OTLP_COMPRESSION", compression)
}

// WithExportTimeout sets OTEL_EXPORTER_OTLP_TIMEOUT: the bound of one export with its
// retries, also the bound of Free's shutdown (capped at 30 s by the library).
func WithExportTimeout(d time.Duration) Option {
	return WithSetting("OTEL_EXPORTER_OTLP_TIMEOUT", millis(d))
}

// WithExporter sets OTEL_TRACES_EXPORTER: "otlp" (default), "console" (one line per span on
// stderr) or "none".
func WithExporter(name string) Option { return WithSetting("OTEL_TRACES_EXPORTER", name) }

// WithSampler sets OTEL_TRACES_SAMPLER (always_on, always_off, traceidratio,
// parentbased_always_on, parentbased_always_off, parentbased_traceidratio) and, for the
// ratio samplers, OTEL_TRACES_SAMPLER_ARG when arg is not empty.
func WithSampler(name, arg string) Option {
	return func(s *settings) {
		s.set("OTEL_TRACES_SAMPLER", name)
		if arg != "" {
			s.set("OTEL_TRACES_SAMPLER_ARG", arg)
		}
	}
}

// WithBatch sets the batch processor: OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE
// and OTEL_BSP_SCHEDULE_DELAY. A zero value keeps that setting's default.
func WithBatch(maxQueueSize, maxExportBatchSize int, scheduleDelay time.Duration) Option {
	return func(s *settings) {
		if maxQueueSize > 0 {
			s.set("OTEL_BSP_MAX_QUEUE_SIZE", strconv.Itoa(maxQueueSize))
		}
		if maxExportBatchSize > 0 {
			s.set("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", strconv.Itoa(maxExportBatchSize))
		}
		if scheduleDelay > 0 {
			s.set("OTEL_BSP_SCHEDULE_DELAY", millis(scheduleDelay))
		}
	}
}

// WithAttributeCountLimit sets OTEL_ATTRIBUTE_COUNT_LIMIT (attributes kept per span, event
// and link).
func WithAttributeCountLimit(n int) Option {
	return WithSetting("OTEL_ATTRIBUTE_COUNT_LIMIT", strconv.Itoa(n))
}

// WithResourceAttribute adds a resource attribute (otlp_config_add_resource_attribute): it
// wins over OTEL_RESOURCE_ATTRIBUTES and the detected attributes.
func WithResourceAttribute(key, value string) Option {
	return func(s *settings) { s.resource = append(s.resource, [2]string{key, value}) }
}

// WithDisabled sets OTEL_SDK_DISABLED: every call works, nothing records or exports.
func WithDisabled(disabled bool) Option {
	return WithSetting("OTEL_SDK_DISABLED", strconv.FormatBool(disabled))
}

func millis(d time.Duration) string {
	ms := d.Milliseconds()
	if ms < 0 {
		ms = 0
	}
	return strconv.FormatInt(ms, 10)
}

// percentEncode escapes what would break the k=v,k2=v2 list (the library percent-decodes).
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ',' || c == '=' || c == '%' || c <= ' ' || c >= 0x7f {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
