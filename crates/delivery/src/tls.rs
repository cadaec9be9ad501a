//! Whom delivery trusts over https: the system's root certificates, extra CA or
//! self-signed certificates (`--delivery-ca-cert`), or anyone (`--delivery-insecure-tls`,
//! for local testing).
//!
//! A certificate given with `--delivery-ca-cert` is also trusted as is when the server
//! presents exactly it: `openssl req -x509` makes self-signed certificates marked as CAs,
//! which webpki refuses as a server's own certificate (`CaUsedAsEndEntity`).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use tokio_rustls::rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::crypto::{self, CryptoProvider};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// The trust settings of the delivery HTTP client.
#[derive(Debug, Clone, Default)]
pub struct TlsTrust {
    /// PEM files of extra CA (or self-signed) certificates, trusted besides the system's.
    pub ca_files: Vec<PathBuf>,
    /// Accept any server certificate (local testing only).
    pub insecure: bool,
}

/// The system's root certificates, read once per process (unreadable ones are skipped).
fn native_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::debug!(error = %e, "system root certificate skipped");
        }
        found.certs
    })
}

impl TlsTrust {
    /// Reads the CA files once, so that a missing or empty one is reported at start-up.
    pub fn check_files(&self) -> Result<(), String> {
        self.ca_files.iter().try_for_each(|p| read_pem(p).map(drop))
    }
}

/// Reads every certificate of a PEM file.
fn read_pem(path: &PathBuf) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("--delivery-ca-cert {}: {e}", path.display()))?;
    let certs = rustls_pemfile::certs(&mut &bytes[..])
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("--delivery-ca-cert {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("--delivery-ca-cert {}: no PEM certificate in the file", path.display()));
    }
    Ok(certs)
}

/// The rustls client configuration for these trust settings (ring provider).
pub fn client_config(trust: &TlsTrust) -> Result<ClientConfig, String> {
    let provider = Arc::new(crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    if trust.insecure {
        let verifier = Verifier { provider, webpki: None, pinned: Vec::new(), any: true };
        return Ok(builder.dangerous().with_custom_certificate_verifier(Arc::new(verifier)).with_no_client_auth());
    }
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(native_roots().iter().cloned());
    let mut pinned = Vec::new();
    for path in &trust.ca_files {
        for cert in read_pem(path)? {
            roots.add(cert.clone()).map_err(|e| format!("--delivery-ca-cert {}: {e}", path.display()))?;
            pinned.push(cert);
        }
    }
    // No roots at all (no system certificates, no files): nothing but pins is trusted.
    let webpki = if roots.is_empty() {
        None
    } else {
        Some(
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| e.to_string())?,
        )
    };
    let verifier = Verifier { provider, webpki, pinned, any: false };
    Ok(builder.dangerous().with_custom_certificate_verifier(Arc::new(verifier)).with_no_client_auth())
}

/// webpki's verification, else the exact certificates given, else (insecure) anything.
/// Handshake signatures are always checked, so the connection is encrypted to whoever
/// holds the certificate's key.
#[derive(Debug)]
struct Verifier {
    provider: Arc<CryptoProvider>,
    webpki: Option<Arc<WebPkiServerVerifier>>,
    pinned: Vec<CertificateDer<'static>>,
    any: bool,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, tokio_rustls::rustls::Error> {
        if self.any {
            return Ok(ServerCertVerified::assertion());
        }
        let verdict = match &self.webpki {
            Some(w) => w.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now),
            None => Err(tokio_rustls::rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)),
        };
        match verdict {
            Err(_) if self.pinned.iter().any(|p| p.as_ref() == end_entity.as_ref()) => {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, tokio_rustls::rustls::Error> {
        crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, tokio_rustls::rustls::Error> {
        crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_must_hold_a_certificate() {
        let dir = std::env::temp_dir().join(format!("kinesin-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let missing = dir.join("missing.pem");
        let e = client_config(&TlsTrust { ca_files: vec![empty], insecure: false }).unwrap_err();
        assert!(e.contains("no PEM certificate"), "{e}");
        let e = client_config(&TlsTrust { ca_files: vec![missing], insecure: false }).unwrap_err();
        assert!(e.contains("missing.pem"), "{e}");
        assert!(client_config(&TlsTrust::default()).is_ok());
        let _ = std::fs::remove_dir_all(dir);
    }
}
