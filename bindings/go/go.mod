module otlp-ffi/otlp

go 1.26
