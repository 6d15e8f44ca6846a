//! https with rustls against real TLS receivers using a CA and certificates generated here
//! (rcgen): verification succeeds with OTEL_EXPORTER_OTLP_CERTIFICATE naming the CA and fails
//! without it (export failure counted, a clear error); mTLS receivers require the client
//! identity (OTEL_EXPORTER_OTLP_CLIENT_KEY / _CLIENT_CERTIFICATE); the same over gRPC; bad
//! TLS files fail otlp_init_with_config with OTLP_ERROR_INITIALIZATION_FAILED.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod transport_support;

use otlp_ffi::error::otlp_error_t;
use transport_support::*;

#[test]
fn https_verifies_with_the_custom_ca_and_fails_without_it() {
    let pki = Pki::generate("tls-ca");
    let receiver = HttpReceiver::start_tls(pki.server_config(false));
    let endpoint = receiver.endpoint("https");
    for protocol in ["http/protobuf", "http/json"] {
        let p = init(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", Pki::path(&pki.ca)),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ]);
        record_span(p, "trusted");
        flush(p, 10_000).unwrap_or_else(|e| panic!("{protocol}: {e:?}"));
        let s = stats(p);
        assert_eq!((s.spans_exported, s.export_failures), (1, 0), "{protocol}");
        free(p);
    }
    assert_eq!(receiver.requests().len(), 2);

    // Without the CA only the system roots are trusted: the test CA is not among them.
    match try_init(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]) {
        Ok(p) => {
            record_span(p, "untrusted");
            let (code, message) = flush(p, 10_000).unwrap_err();
            assert_eq!(code, otlp_error_t::OTLP_ERROR_EXPORT_FAILED);
            assert!(
                message.contains("invalid peer certificate: UnknownIssuer")
                    && message.contains("OTEL_EXPORTER_OTLP_CERTIFICATE names the CA to trust"),
                "a clear error: {message}"
            );
            let s = stats(p);
            assert_eq!(s.spans_exported, 0);
            assert_eq!(s.export_failures, 1, "no immediate retry of an untrusted certificate: {s:?}");
            free(p);
        }
        // A machine without a system CA store: init says so instead.
        Err((code, message)) => {
            assert_eq!(code, otlp_error_t::OTLP_ERROR_INITIALIZATION_FAILED);
            assert!(message.contains("CA certificates"), "{message}");
        }
    }
    assert_eq!(receiver.requests().len(), 2, "nothing reached the receiver without trust");

    // A CA that did not sign the server's certificate fails the same way.
    let other = Pki::generate("tls-other-ca");
    let p =
        init(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint), ("OTEL_EXPORTER_OTLP_CERTIFICATE", Pki::path(&other.ca))]);
    record_span(p, "wrong ca");
    let (_, message) = flush(p, 10_000).unwrap_err();
    assert!(message.contains("UnknownIssuer") || message.contains("BadSignature"), "{message}");
    free(p);
}

#[test]
fn mtls_needs_the_client_identity() {
    let pki = Pki::generate("tls-mtls");
    let receiver = HttpReceiver::start_tls(pki.server_config(true));
    let endpoint = receiver.endpoint("https");
    let p = init(&[
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &format!("{endpoint}/v1/traces")),
        ("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", Pki::path(&pki.ca)),
        ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", Pki::path(&pki.client_key)),
        ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", Pki::path(&pki.client_cert)),
    ]);
    record_span(p, "mutual");
    flush(p, 10_000).unwrap();
    assert_eq!(stats(p).spans_exported, 1);
    free(p);
    assert_eq!(receiver.requests().len(), 1);

    let p = init(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint), ("OTEL_EXPORTER_OTLP_CERTIFICATE", Pki::path(&pki.ca))]);
    record_span(p, "anonymous");
    let (code, message) = flush(p, 10_000).unwrap_err();
    assert_eq!(code, otlp_error_t::OTLP_ERROR_EXPORT_FAILED, "{message}");
    assert!(message.contains("CertificateRequired") && message.contains("client certificate"), "{message}");
    let s = stats(p);
    assert!(s.spans_exported == 0 && s.export_failures >= 1, "{s:?}");
    free(p);
    assert_eq!(receiver.requests().len(), 1, "the receiver refused the client without a certificate");
}

#[test]
fn grpc_over_tls_and_mtls() {
    let pki = Pki::generate("tls-grpc");
    let receiver = GrpcReceiver::start(true, Some(pki.tonic_tls(true)));
    let endpoint = receiver.endpoint("https");
    let p = init(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20t0ken"),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", Pki::path(&pki.ca)),
        ("OTEL_EXPORTER_OTLP_CLIENT_KEY", Pki::path(&pki.client_key)),
        ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", Pki::path(&pki.client_cert)),
    ]);
    let n = record_span_set(p);
    flush(p, 10_000).unwrap();
    assert_eq!(stats(p).spans_exported, n);
    free(p);
    let requests = receiver.requests();
    assert_eq!(requests[0].metadata.get("authorization").unwrap(), "Bearer t0ken");
    assert_eq!(normalize(&requests.into_iter().map(|r| r.message).collect::<Vec<_>>()).len(), 3);

    // Without the client identity the handshake is refused.
    let p = init(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", Pki::path(&pki.ca)),
    ]);
    record_span(p, "anonymous");
    let (code, _) = flush(p, 10_000).unwrap_err();
    assert_eq!(code, otlp_error_t::OTLP_ERROR_EXPORT_FAILED);
    assert!(stats(p).export_failures >= 1);
    free(p);

    // Without the CA the server is not trusted.
    let p = init(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    record_span(p, "untrusted");
    let (_, message) = flush(p, 10_000).unwrap_err();
    assert!(message.contains("UnknownIssuer"), "{message}");
    free(p);
}

#[test]
fn bad_tls_files_fail_init_with_a_clear_message() {
    let pki = Pki::generate("tls-bad");
    let not_pem = pki.dir.join("not.pem");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let not_pem = Pki::path(&not_pem);
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem")],
            "OTEL_EXPORTER_OTLP_CERTIFICATE: cannot read `/nonexistent/ca.pem`",
        ),
        (&[("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", not_pem)], "contains no PEM certificate"),
        (
            &[
                ("OTEL_EXPORTER_OTLP_CLIENT_KEY", Pki::path(&pki.client_cert)),
                ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", Pki::path(&pki.client_cert)),
            ],
            "OTEL_EXPORTER_OTLP_CLIENT_KEY: `",
        ),
        (&[("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", Pki::path(&pki.client_cert))], "needs both"),
    ];
    for (settings, expected) in cases {
        // otlp_config_set only checks the syntax (inside try_init); init reads the files.
        let mut all = vec![("OTEL_EXPORTER_OTLP_ENDPOINT", "https://127.0.0.1:1")];
        all.extend_from_slice(settings);
        let (code, message) = try_init(&all).map(free).unwrap_err();
        assert_eq!(code, otlp_error_t::OTLP_ERROR_INITIALIZATION_FAILED, "{message}");
        assert!(message.starts_with("OTLP_ERROR_INITIALIZATION_FAILED") && message.contains(expected), "{message}");
    }
}
