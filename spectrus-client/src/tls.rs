//! TLS for `https://` servers: rustls with aws-lc-rs (as the rest of the tree), trusting the
//! system's roots plus any CA certificates the caller gives.

use std::sync::Arc;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::error::ClientError;

/// A client configuration trusting the system's roots and the certificates in `ca_pem`.
pub(crate) fn client_config(
    ca_pem: Option<&[u8]>,
) -> Result<Arc<rustls::ClientConfig>, ClientError> {
    let extra = match ca_pem {
        Some(pem) => {
            let certs = CertificateDer::pem_slice_iter(pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ClientError::Tls(format!("not a PEM certificate: {e}")))?;
            if certs.is_empty() {
                return Err(ClientError::Tls("no PEM certificate found".into()));
            }
            certs
        }
        None => Vec::new(),
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
            .map_err(|e| ClientError::Tls(e.to_string()))?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))?
        // "dangerous" is rustls's name for any verifier of one's own: this one checks the
        // chain, the name and the dates in full.
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}
