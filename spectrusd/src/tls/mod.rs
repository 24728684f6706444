//! HTTPS on the main listener: the certificate in force and the TLS settings around it.
//!
//! [`CertStore`] is rustls's certificate resolver: it holds the current certificate and key,
//! and a new one can be put in force at any time (SIGHUP re-reads the PEM files; ACME puts
//! in a renewed certificate) — connections already open keep the one they shook hands with.
//! [`acceptor`] builds the TLS side of the listener (aws-lc-rs, HTTP/1.1 only);
//! `redirect` is the plain-HTTP listener's router (308 to https); `acme` gets and renews
//! a certificate over ACME.

pub(crate) mod acme;
pub(crate) mod redirect;

use std::path::Path;
use std::sync::{Arc, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// A certificate or key that cannot be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TlsError {
    /// The certificate file cannot be read or holds no PEM certificate.
    #[error("cannot read the TLS certificate {path}: {message}")]
    Cert { path: String, message: String },
    /// The key file cannot be read or holds no PEM private key.
    #[error("cannot read the TLS key {path}: {message}")]
    Key { path: String, message: String },
    /// rustls refused the pair (an unsupported key, or a key that is not the certificate's).
    #[error("the TLS certificate {cert} and key {key} cannot be used together: {message}")]
    Pair {
        cert: String,
        key: String,
        message: String,
    },
    /// The TLS settings could not be built.
    #[error("cannot set up TLS: {0}")]
    Setup(String),
}

/// The crypto provider every TLS part of the daemon uses (aws-lc-rs, as the WebRTC stack).
pub(crate) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// A certificate chain and its key from PEM text.
pub(crate) fn certified_key(
    cert_pem: &[u8],
    key_pem: &[u8],
    cert_name: &str,
    key_name: &str,
) -> Result<CertifiedKey, TlsError> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Cert {
            path: cert_name.into(),
            message: e.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::Cert {
            path: cert_name.into(),
            message: "no PEM certificate in it".into(),
        });
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| TlsError::Key {
        path: key_name.into(),
        message: match e {
            rustls_pki_types::pem::Error::NoItemsFound => "no PEM private key in it".into(),
            e => e.to_string(),
        },
    })?;
    CertifiedKey::from_der(chain, key, &provider()).map_err(|e| TlsError::Pair {
        cert: cert_name.into(),
        key: key_name.into(),
        message: e.to_string(),
    })
}

/// Reads a certificate chain and its key from PEM files.
pub(crate) fn load_files(cert: &Path, key: &Path) -> Result<CertifiedKey, TlsError> {
    let cert_name = cert.display().to_string();
    let key_name = key.display().to_string();
    let cert_pem = std::fs::read(cert).map_err(|e| TlsError::Cert {
        path: cert_name.clone(),
        message: e.to_string(),
    })?;
    let key_pem = std::fs::read(key).map_err(|e| TlsError::Key {
        path: key_name.clone(),
        message: e.to_string(),
    })?;
    certified_key(&cert_pem, &key_pem, &cert_name, &key_name)
}

/// The certificate in force; rustls asks it at every handshake.
#[derive(Debug, Default)]
pub(crate) struct CertStore {
    current: RwLock<Option<Arc<CertifiedKey>>>,
}

impl CertStore {
    /// A store serving `key`.
    pub(crate) fn new(key: Option<CertifiedKey>) -> Arc<CertStore> {
        Arc::new(CertStore {
            current: RwLock::new(key.map(Arc::new)),
        })
    }

    /// Puts `key` in force for new connections.
    pub(crate) fn set(&self, key: CertifiedKey) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(key));
    }

    /// Re-reads the PEM files; on failure the certificate in force stays.
    pub(crate) fn reload_files(&self, cert: &Path, key: &Path) -> Result<(), TlsError> {
        self.set(load_files(cert, key)?);
        Ok(())
    }

    /// The certificate in force, if any.
    pub(crate) fn current(&self) -> Option<Arc<CertifiedKey>> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.current()
    }
}

/// The TLS side of the listener: certificates from `store`, HTTP/1.1 (the gateway upgrades
/// it to a WebSocket).
pub(crate) fn acceptor(store: Arc<CertStore>) -> Result<TlsAcceptor, TlsError> {
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Setup(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(store);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_that_are_not_pem_are_refused_naming_the_file() {
        let e = certified_key(b"nope", b"nope", "c.pem", "k.pem").unwrap_err();
        assert!(e.to_string().contains("c.pem"), "{e}");
        let e = load_files(Path::new("/nonexistent/c.pem"), Path::new("k.pem")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/c.pem"), "{e}");
    }
}
