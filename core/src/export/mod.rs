//! Export: one background runtime per process (`runtime`), a bounded queue with its worker
//! per provider (`processor`), OTLP encoding (`encode`, protobuf written directly with `pb`),
//! and the exporter chosen by
//! OTEL_TRACES_EXPORTER (`exporter`): OTLP over HTTP (`http`, protobuf or JSON: `json`) or gRPC
//! (`grpc`), which share the client and error types of `otlp`, with TLS (`tls`) and the OTLP
//! retry rules (`retry`); or the console (`console`). `stats` counts what happened to spans.
//!
//! Imports within: stats <- otlp <- retry <- {http, grpc}; pb <- encode (and the attribute
//! lists' own encoding); {json, console, tls} stand alone; exporter uses them all; processor
//! uses exporter, encode and lanes (the per-thread queue side); lane (a thread's lane, held by
//! spans) uses processor and pipelines (a provider's pipeline per process: the one it started
//! with, or a fork()ed child's own), which uses processor, exporter and runtime; runtime stands
//! alone.

pub mod console;
pub mod encode;
pub mod exporter;
pub mod grpc;
pub mod http;
pub mod json;
pub mod lane;
pub mod lanes;
pub mod otlp;
pub mod pb;
pub mod pipelines;
pub mod processor;
pub mod retry;
pub mod runtime;
pub mod stats;
pub mod tls;
