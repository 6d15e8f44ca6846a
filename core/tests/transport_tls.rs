//! https with rustls against real TLS receivers using a CA and certificates generated here
//! (rcgen): verification succeeds with OTEL_EXPORTER_OTLP_CERTIFICATE naming the CA and fails
//! without it (export failure counted, a clear error); mTLS receivers require the client
//! identity (OTEL_EXPORTER_OTLP_CLIENT_KEY / _CLIENT_CERTIFICATE); the same over gRPC; bad
//! TLS files fail TracerProvider::new with ErrorKind::InitializationFailed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod transport_support;

use otlp_ffi_core::ErrorKind;
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
        record_span(&p, "trusted");
        p.force_flush(FLUSH).unwrap_or_else(|e| panic!("{protocol}: {e:?}"));
        let s = p.stats();
        assert_eq!((s.spans_exported, s.export_failures), (1, 0), "{protocol}");
        drop(p);
    }
    assert_eq!(receiver.requests().len(), 2);

    // Without the CA only the system roots are trusted: the test CA is not among them.
    match try_init(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]) {
        Ok(p) => {
            record_span(&p, "untrusted");
            let e = p.force_flush(FLUSH).unwrap_err();
            let message = e.message();
            assert_eq!(e.kind(), ErrorKind::ExportFailed);
            assert!(
                message.contains("invalid peer certificate: UnknownIssuer")
                    && message.contains("OTEL_EXPORTER_OTLP_CERTIFICATE names the CA to trust"),
                "a clear error: {message}"
            );
            let s = p.stats();
            assert_eq!(s.spans_exported, 0);
            assert_eq!(s.export_failures, 1, "no immediate retry of an untrusted certificate: {s:?}");
            drop(p);
        }
        // A machine without a system CA store: init says so instead.
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::InitializationFailed);
            assert!(e.message().contains("CA certificates"), "{}", e.message());
        }
    }
    assert_eq!(receiver.requests().len(), 2, "nothing reached the receiver without trust");

    // A CA that did not sign the server's certificate fails the same way.
    let other = Pki::generate("tls-other-ca");
    let p =
        init(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint), ("OTEL_EXPORTER_OTLP_CERTIFICATE", Pki::path(&other.ca))]);
    record_span(&p, "wrong ca");
    let e = p.force_flush(FLUSH).unwrap_err();
    let message = e.message();
    assert!(message.contains("UnknownIssuer") || message.contains("BadSignature"), "{message}");
    drop(p);
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
    record_span(&p, "mutual");
    p.force_flush(FLUSH).unwrap();
    assert_eq!(p.stats().spans_exported, 1);
    drop(p);
    assert_eq!(receiver.requests().len(), 1);

    let p = init(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint), ("OTEL_EXPORTER_OTLP_CERTIFICATE", Pki::path(&pki.ca))]);
    record_span(&p, "anonymous");
    let e = p.force_flush(FLUSH).unwrap_err();
    let message = e.message();
    assert_eq!(e.kind(), ErrorKind::ExportFailed, "{message}");
    assert!(message.contains("CertificateRequired") && message.contains("client certificate"), "{message}");
    let s = p.stats();
    assert!(s.spans_exported == 0 && s.export_failures >= 1, "{s:?}");
    drop(p);
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
    let n = record_span_set(&p);
    p.force_flush(FLUSH).unwrap();
    assert_eq!(p.stats().spans_exported, n);
    drop(p);
    let requests = receiver.requests();
    assert_eq!(requests[0].metadata.get("authorization").unwrap(), "Bearer t0ken");
    assert_eq!(normalize(&requests.into_iter().map(|r| r.message).collect::<Vec<_>>()).len(), 3);

    // Without the client identity the handshake is refused.
    let p = init(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", Pki::path(&pki.ca)),
    ]);
    record_span(&p, "anonymous");
    let e = p.force_flush(FLUSH).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ExportFailed);
    assert!(p.stats().export_failures >= 1);
    drop(p);

    // Without the CA the server is not trusted.
    let p = init(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    record_span(&p, "untrusted");
    let e = p.force_flush(FLUSH).unwrap_err();
    let message = e.message();
    assert!(message.contains("UnknownIssuer"), "{message}");
    drop(p);
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
        // Config::set only checks the syntax (inside try_init); TracerProvider::new reads the files.
        let mut all = vec![("OTEL_EXPORTER_OTLP_ENDPOINT", "https://127.0.0.1:1")];
        all.extend_from_slice(settings);
        let e = try_init(&all).map(drop).unwrap_err();
        let message = e.message();
        // The C boundary prefixes the message with the code's name; here the kind says it.
        assert_eq!(e.kind(), ErrorKind::InitializationFailed, "{message}");
        assert!(message.contains(expected), "{message}");
    }
}
