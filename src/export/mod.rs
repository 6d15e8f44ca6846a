//! Export: one background runtime per process (`runtime`), a bounded queue with its worker
//! per provider (`processor`), OTLP encoding (`encode`), and the exporter chosen by
//! OTEL_TRACES_EXPORTER (`exporter`): OTLP over HTTP (`http`, protobuf or JSON: `json`) or gRPC
//! (`grpc`), with TLS (`tls`) and the OTLP retry rules (`retry`); or the console (`console`).

pub mod console;
pub mod encode;
pub mod exporter;
pub mod grpc;
pub mod http;
pub mod json;
pub mod processor;
pub mod retry;
pub mod runtime;
pub mod tls;
