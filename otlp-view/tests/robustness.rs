//! What a misbehaving client gets: each bad request its status (and a google.rpc.Status body in
//! the request's encoding), and the viewer still takes a good export afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use prost::Message as _;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use support::*;

#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

const PROTO: (&str, &str) = ("Content-Type", "application/x-protobuf");
const JSON: (&str, &str) = ("Content-Type", "application/json");
const GZIP: (&str, &str) = ("Content-Encoding", "gzip");
const LIMIT: usize = 65_536;

fn good_export(v: &Viewer, n: u32) {
    let body = request([n], "good").encode_to_vec();
    let r = post(v.http, "/v1/traces", &[PROTO], &body);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/x-protobuf"));
    assert!(opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse::decode(&r.body[..]).is_ok());
}

fn proto_status(r: &Response) -> RpcStatus {
    assert_eq!(r.header("content-type"), Some("application/x-protobuf"), "{r:?}");
    RpcStatus::decode(&r.body[..]).unwrap()
}

#[test]
fn bad_http_requests_get_the_right_status() {
    let mut v = Viewer::start("robust-http", &["--max-request-bytes", &LIMIT.to_string(), "--read-timeout-ms", "1000"]);
    good_export(&v, 1);

    // Malformed protobuf: 400, google.rpc.Status as protobuf.
    let r = post(v.http, "/v1/traces", &[PROTO], b"\x0a\xff\xff\xff\xff\x0f");
    assert_eq!(r.status, 400);
    let st = proto_status(&r);
    assert_eq!(st.code, 3);
    assert!(st.message.contains("invalid protobuf"), "{st:?}");

    // Malformed JSON: 400, google.rpc.Status as JSON.
    let r = post(v.http, "/v1/traces", &[JSON], b"{\"resourceSpans\": [");
    assert_eq!((r.status, r.header("content-type")), (400, Some("application/json")));
    let st = r.json();
    assert_eq!(st["code"], 3);
    assert!(st["message"].as_str().unwrap().contains("invalid OTLP/JSON"), "{st}");

    // Valid JSON, invalid ids: 400 naming the field.
    let bad_id = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"abcd","spanId":"0102030405060708","name":"x"}]}]}]}"#;
    let r = post(v.http, "/v1/traces", &[JSON], bad_id);
    assert_eq!(r.status, 400);
    assert!(r.json()["message"].as_str().unwrap().contains("traceId"), "{}", r.text());

    // Content type and encoding.
    let r = post(v.http, "/v1/traces", &[("Content-Type", "text/plain")], b"hello");
    assert_eq!(r.status, 415);
    let r = post(v.http, "/v1/traces", &[PROTO, ("Content-Encoding", "br")], b"hello");
    assert_eq!(r.status, 415);
    assert!(proto_status(&r).message.contains("br"));

    // Path and method.
    let r = post(v.http, "/v1/logs", &[PROTO], b"");
    assert_eq!(r.status, 404);
    let r = http(v.http, b"GET /v1/traces HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));

    // Too large: by Content-Length, and chunked without one.
    let r = post(v.http, "/v1/traces", &[PROTO], &vec![0u8; LIMIT + 1]);
    assert_eq!(r.status, 413);
    assert_eq!(proto_status(&r).code, 8);
    let mut chunked = b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..5 {
        chunked.extend_from_slice(format!("{:x}\r\n", 20_000).as_bytes());
        chunked.extend_from_slice(&vec![0u8; 20_000]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    assert_eq!(http(v.http, &chunked).status, 413);

    // A gzip bomb: 64 MiB of zeros in a few kilobytes.
    let bomb = gzip(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < LIMIT);
    let r = post(v.http, "/v1/traces", &[PROTO, GZIP], &bomb);
    assert_eq!(r.status, 413);
    assert!(proto_status(&r).message.contains("decompressed"));

    // A truncated gzip stream, and gzip that is not gzip.
    let good = gzip(&request([7], "cut").encode_to_vec());
    let r = post(v.http, "/v1/traces", &[PROTO, GZIP], &good[..good.len() - 6]);
    assert_eq!(r.status, 400);
    assert!(proto_status(&r).message.contains("gzip"));
    let r = post(v.http, "/v1/traces", &[JSON, GZIP], b"{}");
    assert_eq!(r.status, 400);
    // The same body, whole, is fine; JSON gzip too.
    assert_eq!(post(v.http, "/v1/traces", &[PROTO, GZIP], &good).status, 200);
    assert_eq!(post(v.http, "/v1/traces", &[JSON, GZIP], &gzip(b"{}")).status, 200);

    // A body that never finishes: 408 after the read timeout, the connection closed.
    let started = Instant::now();
    let mut s = TcpStream::connect(("127.0.0.1", v.http)).unwrap();
    s.write_all(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100\r\n\r\n0123456789").unwrap();
    let r = read_response(s);
    assert_eq!(r.status, 408);
    assert!(started.elapsed() < Duration::from_secs(5));

    // Headers that never finish, and a connection that sends nothing: closed by the server.
    for partial in [&b"POST /v1/traces HTTP/1.1\r\nHost:"[..], b"", b"PRI * HTTP/2.0\r\n"] {
        let started = Instant::now();
        let mut s = TcpStream::connect(("127.0.0.1", v.http)).unwrap();
        s.write_all(partial).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf); // EOF (or a 408) once the server gives up
        assert!(started.elapsed() < Duration::from_secs(5), "{partial:?} held the connection");
    }

    // Still alive and taking exports; the rejections were counted.
    good_export(&v, 2);
    v.assert_alive();
    let good: Vec<_> = v.spans().into_iter().filter(|s| s["service_name"] == "good").collect();
    assert_eq!(good.len(), 2);
}

fn grpc_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Sends one raw gRPC message frame (`payload` after the 5-byte prefix) over h2; returns
/// grpc-status.
async fn raw_grpc(port: u16, payload: &[u8]) -> u32 {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let (client, conn) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(conn);
    let mut client = client.ready().await.unwrap();
    let req = http::Request::post(format!(
        "http://127.0.0.1:{port}/opentelemetry.proto.collector.trace.v1.TraceService/Export"
    ))
    .header("content-type", "application/grpc")
    .header("te", "trailers")
    .body(())
    .unwrap();
    let (resp, mut stream) = client.send_request(req, false).unwrap();
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    frame.extend_from_slice(payload);
    stream.send_data(frame.into(), true).unwrap();
    let resp = resp.await.unwrap();
    let status = |h: &http::HeaderMap| h.get("grpc-status").map(|v| v.to_str().unwrap().parse::<u32>().unwrap());
    if let Some(s) = status(resp.headers()) {
        return s;
    }
    let mut body = resp.into_body();
    while let Some(chunk) = body.data().await {
        let _ = chunk.unwrap();
    }
    status(&body.trailers().await.unwrap().unwrap()).unwrap()
}

#[test]
fn bad_grpc_requests_get_the_right_status() {
    let mut v = Viewer::start("robust-grpc", &[]);
    let rt = grpc_rt();
    rt.block_on(async {
        // Garbage bytes as the message: tonic's decode error.
        let code = raw_grpc(v.grpc, b"\x0a\xff\xff\xff\xff\x0f garbage").await;
        assert!(code == tonic::Code::Internal as u32 || code == tonic::Code::InvalidArgument as u32, "{code}");

        let mut client =
            TraceServiceClient::connect(v.grpc_endpoint()).await.unwrap().max_encoding_message_size(64 << 20);
        // Over tonic's 4 MiB decode limit.
        let mut big = request([1], "big");
        big.resource_spans[0].scope_spans[0].spans[0].name = "x".repeat(5 << 20);
        let err = client.export(big).await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::ResourceExhausted, "{err:?}");
        // Ids of the wrong size.
        let mut bad = request([2], "bad");
        bad.resource_spans[0].scope_spans[0].spans[0].trace_id = vec![1, 2, 3];
        let err = client.export(bad).await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument, "{err:?}");
        assert!(err.message().contains("traceId"), "{err:?}");
        // Then a good one, gzip-compressed.
        let mut gz = TraceServiceClient::connect(v.grpc_endpoint())
            .await
            .unwrap()
            .send_compressed(tonic::codec::CompressionEncoding::Gzip);
        gz.export(request([3], "good")).await.unwrap();
        let plain: ExportTraceServiceRequest = request([4], "good");
        client.export(plain).await.unwrap();
    });
    v.assert_alive();
    assert_eq!(v.wait_spans(2).iter().filter(|s| s["service_name"] == "good" && s["protocol"] == "grpc").count(), 2);
}

#[test]
fn otlp_http_over_h2c() {
    let mut v = Viewer::start("h2c", &[]);
    let port = v.http;
    let status = grpc_rt().block_on(async move {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let (client, conn) = h2::client::handshake(tcp).await.unwrap();
        tokio::spawn(conn);
        let mut client = client.ready().await.unwrap();
        let req = http::Request::post(format!("http://127.0.0.1:{port}/v1/traces"))
            .header("content-type", "application/x-protobuf")
            .body(())
            .unwrap();
        let (resp, mut stream) = client.send_request(req, false).unwrap();
        stream.send_data(request([5], "h2c").encode_to_vec().into(), true).unwrap();
        resp.await.unwrap().status()
    });
    assert_eq!(status, 200);
    let spans = v.wait_spans(1);
    assert_eq!(
        (&spans[0]["service_name"], &spans[0]["protocol"]),
        (&serde_json::json!("h2c"), &serde_json::json!("http/protobuf"))
    );
    v.assert_alive();
}
