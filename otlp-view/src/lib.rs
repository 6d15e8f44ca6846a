//! otlp-view: a small OpenTelemetry trace viewer. It receives OTLP traces over HTTP (protobuf and
//! JSON) and gRPC, keeps a bounded store of recent traces, prints each completed trace to stdout
//! as an indented tree, writes every span as a JSON line, and serves a web page with a JSON API.
//!
//! Modules, each import pointing down the list:
//! 1. `cli` (the command line), `span` (OTLP request → flat spans, the JSON span object)
//! 2. `store` (the bounded trace store and its statistics), `tree` (the text rendering)
//! 3. `app` (shared state: ingest, output, settle loop, events)
//! 4. `serve` (the hyper accept loop with its limits), `otlp_http`, `grpc`, `web`
//! 5. `run` (binds the listeners, writes the ready file, waits for the end)

pub mod cli;
pub mod span;

pub mod store;
pub mod tree;

pub mod app;

pub mod grpc;
pub mod otlp_http;
pub mod serve;
pub mod web;

pub mod run;
