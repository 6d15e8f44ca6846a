module otlp-ffi/tests/collector/smoke

go 1.26

require otlp-ffi/otlp v0.0.0

replace otlp-ffi/otlp => ../../../../bindings/go
