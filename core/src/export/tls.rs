//! TLS for https endpoints: rustls with the `ring` crypto provider, given to the HTTP client
//! explicitly (never installed process-wide, so a host that uses rustls itself keeps its own
//! default).
//!
//! Trust: the system's roots by default, through `rustls-platform-verifier` (the verifier
//! reqwest itself uses: on Linux the system CA bundle, read with rustls-native-certs and
//! honouring SSL_CERT_FILE / SSL_CERT_DIR; on macOS and Windows the OS verifier). With
//! OTEL_EXPORTER_OTLP_[TRACES_]CERTIFICATE, the certificates of that PEM file are the only
//! roots trusted (as the other OpenTelemetry SDKs do). OTEL_EXPORTER_OTLP_[TRACES_]CLIENT_KEY
//! and _CLIENT_CERTIFICATE (both needed) give the client identity for mTLS.
//!
//! The files are read when the provider is created, whatever the endpoint's scheme, so a wrong
//! path or a file without PEM content fails `otlp_init*` with OTLP_ERROR_INITIALIZATION_FAILED
//! and a message naming the setting, instead of failing every export later.

use crate::config::{ConfigPath, TlsFiles};
use crate::error::{Error, Result};
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;

fn init_failed(why: String) -> Error {
    Error::initialization_failed(why)
}

/// The rustls configuration of an exporter's HTTP client. `https` says whether the system
/// roots are needed (an http:// endpoint never verifies a certificate); `h2` selects the ALPN
/// protocol (HTTP/2 for gRPC, HTTP/1.1 otherwise).
pub(crate) fn client_config(files: &TlsFiles, https: bool, h2: bool) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| init_failed(format!("cannot configure TLS: {e}")))?;
    let builder = match &files.certificate {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for cert in certificates(ca)? {
                roots.add(cert).map_err(|e| {
                    init_failed(format!("{}: `{}` is not a usable CA certificate: {e}", ca.key, ca.path))
                })?;
            }
            builder.with_root_certificates(roots)
        }
        None if https => {
            let verifier = rustls_platform_verifier::Verifier::new(provider).map_err(|e| {
                init_failed(format!(
                    "cannot load the system's CA certificates for the https endpoint ({e}); install them \
                     (e.g. the ca-certificates package) or name a CA file with OTEL_EXPORTER_OTLP_CERTIFICATE"
                ))
            })?;
            builder.dangerous().with_custom_certificate_verifier(Arc::new(verifier))
        }
        None => builder.with_root_certificates(RootCertStore::empty()),
    };
    let mut config = match (&files.client_key, &files.client_certificate) {
        (Some(key), Some(cert)) => {
            let chain = certificates(cert)?;
            let key_der = private_key(key)?;
            builder.with_client_auth_cert(chain, key_der).map_err(|e| {
                init_failed(format!(
                    "{} `{}` and {} `{}` are not a usable client identity: {e}",
                    cert.key, cert.path, key.key, key.path
                ))
            })?
        }
        (Some(only), None) | (None, Some(only)) => {
            return Err(init_failed(format!(
                "{} is set but mTLS needs both OTEL_EXPORTER_OTLP_CLIENT_KEY and OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
                only.key
            )));
        }
        (None, None) => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![if h2 { b"h2".to_vec() } else { b"http/1.1".to_vec() }];
    Ok(config)
}

fn read(file: &ConfigPath) -> Result<Vec<u8>> {
    std::fs::read(&file.path).map_err(|e| init_failed(format!("{}: cannot read `{}`: {e}", file.key, file.path)))
}

/// Every certificate of a PEM file (at least one).
fn certificates(file: &ConfigPath) -> Result<Vec<CertificateDer<'static>>> {
    let pem = read(file)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| init_failed(format!("{}: `{}` is not valid PEM: {e}", file.key, file.path)))?;
    if certs.is_empty() {
        return Err(init_failed(format!("{}: `{}` contains no PEM certificate", file.key, file.path)));
    }
    Ok(certs)
}

/// The private key of a PEM file (PKCS#8, PKCS#1 or SEC1).
fn private_key(file: &ConfigPath) -> Result<PrivateKeyDer<'static>> {
    let pem = read(file)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound => {
            init_failed(format!("{}: `{}` contains no PEM private key", file.key, file.path))
        }
        e => init_failed(format!("{}: `{}` is not valid PEM: {e}", file.key, file.path)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(key: &'static str, path: &str) -> Option<ConfigPath> {
        Some(ConfigPath { key, path: path.to_owned() })
    }

    #[test]
    fn plain_http_needs_no_files() {
        let c = client_config(&TlsFiles::default(), false, true).unwrap();
        assert_eq!(c.alpn_protocols, vec![b"h2".to_vec()]);
    }

    #[test]
    fn bad_files_fail_with_the_setting_named() {
        let dir = std::env::temp_dir().join(format!("otlp-ffi-tls-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let not_pem = dir.join("not.pem");
        std::fs::write(&not_pem, "hello").unwrap();
        let not_pem = not_pem.to_str().unwrap();

        let files = TlsFiles {
            certificate: path("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem"),
            ..Default::default()
        };
        let e = client_config(&files, true, false).unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::InitializationFailed);
        assert!(
            e.message().contains("OTEL_EXPORTER_OTLP_CERTIFICATE: cannot read `/nonexistent/ca.pem`"),
            "{}",
            e.message()
        );

        let files =
            TlsFiles { certificate: path("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", not_pem), ..Default::default() };
        let e = client_config(&files, false, false).unwrap_err();
        assert!(
            e.message().contains("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE") && e.message().contains("no PEM certificate"),
            "{}",
            e.message()
        );

        let files = TlsFiles { client_key: path("OTEL_EXPORTER_OTLP_CLIENT_KEY", not_pem), ..Default::default() };
        let e = client_config(&files, true, false).unwrap_err();
        assert!(e.message().contains("needs both"), "{}", e.message());

        let files = TlsFiles {
            client_key: path("OTEL_EXPORTER_OTLP_CLIENT_KEY", not_pem),
            client_certificate: path("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/nonexistent/c.pem"),
            ..Default::default()
        };
        let e = client_config(&files, true, false).unwrap_err();
        assert!(e.message().contains("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: cannot read"), "{}", e.message());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
