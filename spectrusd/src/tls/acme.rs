//! Certificates over ACME (instant-acme, HTTP-01): an account and a certificate for
//! `tls.acme_domain`, cached in `<data dir>/acme/` (files 0600), put in force in the
//! [`CertStore`] and renewed when less than [`RENEW_BEFORE`] is left.
//!
//! The HTTP-01 answers are served by the plain-HTTP listener's router from [`Challenges`]
//! at `/.well-known/acme-challenge/{token}`.

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, ChallengeType, Identifier, NewAccount,
    NewOrder, OrderStatus, RetryPolicy,
};
use tokio::sync::watch;

use super::CertStore;

/// Renew when less than this is left of the certificate's life.
pub(crate) const RENEW_BEFORE: Duration = Duration::from_secs(30 * 24 * 3600);
/// Look again at least this often (a clock jump, a certificate replaced by hand).
const RECHECK: Duration = Duration::from_secs(12 * 3600);
/// After a failure: the first wait, doubled each time up to [`RETRY_MAX`].
const RETRY_MIN: Duration = Duration::from_secs(60);
const RETRY_MAX: Duration = Duration::from_secs(6 * 3600);

/// What the ACME task needs.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub domain: String,
    pub email: Option<String>,
    pub directory: String,
    /// A CA certificate (PEM file) for the directory's HTTPS, instead of the system's roots.
    pub ca_file: Option<PathBuf>,
    /// `<data dir>/acme`.
    pub cache: PathBuf,
}

/// HTTP-01 answers waiting to be fetched: token → key authorization.
#[derive(Debug, Default)]
pub(crate) struct Challenges(RwLock<HashMap<String, String>>);

impl Challenges {
    /// The key authorization for `token`, while its challenge is open.
    pub(crate) fn answer(&self, token: &str) -> Option<String> {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(token)
            .cloned()
    }

    fn put(&self, token: String, key_authorization: String) {
        self.0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(token, key_authorization);
    }

    fn clear(&self) {
        self.0.write().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// An ACME step that failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AcmeError {
    #[error("ACME: {0}")]
    Acme(#[from] instant_acme::Error),
    #[error("ACME cache: {0}")]
    Cache(#[from] std::io::Error),
    #[error("ACME: {0}")]
    Other(String),
}

fn cert_path(cache: &Path) -> PathBuf {
    cache.join("cert.pem")
}

fn key_path(cache: &Path) -> PathBuf {
    cache.join("key.pem")
}

fn account_path(cache: &Path) -> PathBuf {
    cache.join("account.json")
}

/// Writes `bytes` to `path` with mode 0600, replacing it whole (a temporary file renamed).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// When the first certificate in `pem` expires (seconds since the epoch).
pub(crate) fn not_after(pem: &[u8]) -> Option<i64> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let der = CertificateDer::from_pem_slice(pem).ok()?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der).ok()?;
    Some(cert.validity().not_after.timestamp())
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// How long until the certificate in `pem` is due for renewal (zero: now).
fn until_renewal(pem: &[u8]) -> Duration {
    match not_after(pem) {
        Some(end) => {
            let due = end - RENEW_BEFORE.as_secs() as i64;
            Duration::from_secs(due.saturating_sub(now_secs()).max(0) as u64)
        }
        None => Duration::ZERO,
    }
}

/// Puts the cached certificate in force, if there is a usable one; returns its PEM.
pub(crate) fn load_cached(settings: &Settings, store: &CertStore) -> Option<Vec<u8>> {
    let cert = std::fs::read(cert_path(&settings.cache)).ok()?;
    let key = std::fs::read(key_path(&settings.cache)).ok()?;
    match super::certified_key(&cert, &key, "the cached ACME certificate", "its key") {
        Ok(k) => {
            store.set(k);
            Some(cert)
        }
        Err(e) => {
            tracing::warn!("{e}; a new one will be ordered");
            None
        }
    }
}

/// Runs until `stop`: orders a certificate when there is none or it is due, and puts it in
/// force.
pub(crate) fn spawn(
    settings: Settings,
    store: Arc<CertStore>,
    challenges: Arc<Challenges>,
    mut stop: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let mut current = load_cached(&settings, &store);
        let mut retry = RETRY_MIN;
        loop {
            let wait = match &current {
                Some(pem) => until_renewal(pem),
                None => Duration::ZERO,
            };
            if !wait.is_zero() {
                tracing::info!(
                    domain = %settings.domain,
                    renew_in_days = wait.as_secs() / 86_400,
                    "ACME certificate in force"
                );
                tokio::select! {
                    _ = tokio::time::sleep(wait.min(RECHECK)) => continue,
                    _ = stop.wait_for(|v| *v) => return,
                }
            }
            let ordered = tokio::select! {
                r = order(&settings, &challenges) => r,
                _ = stop.wait_for(|v| *v) => return,
            };
            challenges.clear();
            match ordered {
                Ok((cert, key)) => {
                    match super::certified_key(
                        cert.as_bytes(),
                        key.as_bytes(),
                        "the ACME certificate",
                        "its key",
                    ) {
                        Ok(k) => {
                            store.set(k);
                            tracing::info!(domain = %settings.domain, "ACME certificate installed");
                            current = Some(cert.into_bytes());
                            retry = RETRY_MIN;
                            continue;
                        }
                        Err(e) => tracing::error!("{e}"),
                    }
                }
                Err(e) => {
                    tracing::error!(domain = %settings.domain, retry_in_secs = retry.as_secs(), "cannot get a certificate: {e}")
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(retry) => {}
                _ = stop.wait_for(|v| *v) => return,
            }
            retry = (retry * 2).min(RETRY_MAX);
        }
    });
}

/// The ACME account: the cached one, else a new one (then cached).
async fn account(settings: &Settings) -> Result<Account, AcmeError> {
    let builder = || match &settings.ca_file {
        Some(ca) => Account::builder_with_root(ca),
        None => Account::builder(),
    };
    let path = account_path(&settings.cache);
    if let Ok(text) = std::fs::read_to_string(&path) {
        match serde_json::from_str::<AccountCredentials>(&text) {
            Ok(creds) => return Ok(builder()?.from_credentials(creds).await?),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "unreadable ACME account; creating a new one")
            }
        }
    }
    let contact: Vec<String> = settings
        .email
        .iter()
        .map(|e| format!("mailto:{e}"))
        .collect();
    let contact: Vec<&str> = contact.iter().map(String::as_str).collect();
    let (account, creds) = builder()?
        .create(
            &NewAccount {
                contact: &contact,
                terms_of_service_agreed: true,
                only_return_existing: false,
            },
            settings.directory.clone(),
            None,
        )
        .await?;
    let json = serde_json::to_vec(&creds).map_err(|e| AcmeError::Other(e.to_string()))?;
    write_private(&path, &json)?;
    tracing::info!(directory = %settings.directory, "ACME account created");
    Ok(account)
}

/// Orders a certificate over HTTP-01; returns the chain and key (PEM), cached 0600.
async fn order(
    settings: &Settings,
    challenges: &Challenges,
) -> Result<(String, String), AcmeError> {
    std::fs::create_dir_all(&settings.cache)?;
    let account = account(settings).await?;
    let ids = [Identifier::Dns(settings.domain.clone())];
    let mut order = account.new_order(&NewOrder::new(&ids)).await?;
    let mut authorizations = order.authorizations();
    while let Some(authz) = authorizations.next().await {
        let mut authz = authz?;
        match authz.status {
            AuthorizationStatus::Pending => {}
            AuthorizationStatus::Valid => continue,
            other => return Err(AcmeError::Other(format!("authorization is {other:?}"))),
        }
        let mut challenge = authz
            .challenge(ChallengeType::Http01)
            .ok_or_else(|| AcmeError::Other("the CA offers no http-01 challenge".into()))?;
        challenges.put(
            challenge.token.clone(),
            challenge.key_authorization().as_str().to_owned(),
        );
        challenge.set_ready().await?;
    }
    let retries = RetryPolicy::default();
    let status = order.poll_ready(&retries).await?;
    if status != OrderStatus::Ready {
        return Err(AcmeError::Other(format!("the order is {status:?}")));
    }
    let key = order.finalize().await?;
    let cert = order.poll_certificate(&retries).await?;
    write_private(&key_path(&settings.cache), key.as_bytes())?;
    write_private(&cert_path(&settings.cache), cert.as_bytes())?;
    Ok((cert, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert_valid_for(days: i64) -> Vec<u8> {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(days);
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().pem().into_bytes()
    }

    #[test]
    fn renewal_is_due_thirty_days_before_expiry() {
        assert_eq!(until_renewal(&cert_valid_for(10)), Duration::ZERO);
        let left = until_renewal(&cert_valid_for(60));
        assert!(
            (29 * 86_400..=30 * 86_400).contains(&left.as_secs()),
            "{left:?}"
        );
        assert_eq!(until_renewal(b"not a certificate"), Duration::ZERO);
    }
}
