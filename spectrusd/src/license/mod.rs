//! The premium licence as the running daemon holds it: the last check's record (loaded from
//! the database at start), this server's fingerprint, the Keygen client and the clock every
//! licence rule reads. [`Licensing::is_premium`] is the one question premium routes ask.
//!
//! The use cases that change the licence (activate, import, revalidate, deactivate) are in
//! `service::license`; they store the record, then hand it here.

pub(crate) mod keygen;

use std::path::Path;
use std::sync::{Arc, RwLock};

use spectrus_proto::admin::LicenseStatus;

use crate::config::LicenseConfig;
use crate::domain::license::{self, Record, Standing};
use crate::domain::time::{Clock, SkewClock, rfc3339};
use keygen::Keygen;

/// The file in the data directory holding this server's fingerprint (a random id made once).
const FINGERPRINT_FILE: &str = "license-fingerprint";

/// The licence state of the daemon.
pub(crate) struct Licensing {
    clock: Arc<dyn Clock>,
    /// The clock's handle when tests may move it (`debug.license_clock`).
    skew: Option<Arc<SkewClock>>,
    keygen: Keygen,
    public_key: Option<String>,
    fingerprint: String,
    record: RwLock<Option<Record>>,
    /// Checks and changes run one at a time.
    pub busy: tokio::sync::Mutex<()>,
}

impl Licensing {
    /// The licence service for `cfg`, with `record` as last stored, reading time from `clock`;
    /// `skew` lets the admin API move that clock.
    pub(crate) fn new(
        cfg: &LicenseConfig,
        data_dir: &Path,
        record: Option<Record>,
        clock: Arc<dyn Clock>,
        skew: Option<Arc<SkewClock>>,
    ) -> anyhow::Result<Licensing> {
        Ok(Licensing {
            clock,
            skew,
            keygen: Keygen::new(cfg)?,
            public_key: cfg.keygen_public_key.clone(),
            fingerprint: fingerprint(data_dir)?,
            record: RwLock::new(record),
            busy: tokio::sync::Mutex::new(()),
        })
    }

    /// Now, by the licence's clock.
    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Whether premium features are unlocked now.
    pub(crate) fn is_premium(&self) -> bool {
        self.standing().premium
    }

    /// Where the licence stands now.
    pub(crate) fn standing(&self) -> Standing {
        let record = self.record.read().unwrap_or_else(|p| p.into_inner());
        license::standing(record.as_ref(), self.now_ms())
    }

    /// The last check's record.
    pub(crate) fn record(&self) -> Option<Record> {
        self.record
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the record (after it is stored).
    pub(crate) fn set_record(&self, record: Option<Record>) {
        *self.record.write().unwrap_or_else(|p| p.into_inner()) = record;
    }

    pub(crate) fn keygen(&self) -> &Keygen {
        &self.keygen
    }

    /// This server's fingerprint (the Keygen machine's).
    pub(crate) fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The Ed25519 public key (hex) offline files are checked with.
    pub(crate) fn public_key(&self) -> Option<&str> {
        self.public_key.as_deref()
    }

    /// Moves the clock ahead; `false` when that is not allowed (`debug.license_clock` off).
    pub(crate) fn advance_clock(&self, ms: i64) -> bool {
        match &self.skew {
            Some(c) => {
                c.advance(ms);
                true
            }
            None => false,
        }
    }

    /// What `spectrusctl license status` and `status` show.
    pub(crate) fn status(&self) -> LicenseStatus {
        let record = self.record();
        let s = self.standing();
        let r = record.as_ref();
        let mut message = license::explain(&s.code);
        if let Some(detail) = r.and_then(|r| r.detail.as_deref()).filter(|_| !s.premium) {
            message.push_str(&format!(" (Keygen: {detail})"));
        }
        LicenseStatus {
            state: s.state,
            premium: s.premium,
            source: r.map(|r| r.source.as_str().to_owned()),
            key: r.and_then(|r| r.key.as_ref()).map(|k| k.masked()),
            plan: r.and_then(|r| r.plan.clone()),
            code: s.code,
            message,
            expires_at: r.and_then(|r| r.expiry_ms).map(rfc3339),
            lapses_at: s.lapses_at_ms.map(rfc3339),
            last_valid_at: r.and_then(|r| r.last_valid_ms).map(rfc3339),
            last_checked_at: r.map(|r| rfc3339(r.last_checked_ms)),
        }
    }
}

/// Reads this server's fingerprint, making it on first use.
fn fingerprint(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join(FINGERPRINT_FILE);
    match std::fs::read_to_string(&path) {
        Ok(s) if !s.trim().is_empty() => return Ok(s.trim().to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
    let bytes: [u8; 16] = rand::random();
    let id = hex::encode(bytes);
    std::fs::write(&path, format!("{id}\n"))
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(id)
}
