//! Export: one background runtime per process (`runtime`), a bounded queue with its worker
//! per provider (`processor`), OTLP encoding (`encode`) and the OTLP/HTTP transport (`http`).

pub mod encode;
pub mod http;
pub mod processor;
pub mod runtime;
