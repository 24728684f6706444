//! The operator's licence use cases: activate a key (checked online with Keygen), import a
//! signed offline file, revalidate (at start, every 24 h, on demand), deactivate. Each stores
//! the outcome, then hands it to [`crate::license::Licensing`], which answers `is_premium()`.
//! The key is never logged: it travels as [`LicenseKey`], whose `Debug` is `KEY-…last4`.

use serde_json::json;
use spectrus_proto::admin::LicenseStatus;
use spectrus_proto::gateway::Dispatch;

use super::{Actor, audit};
use crate::bus::Audience;
use crate::domain::license::{LicenseKey, Record, Source, explain};
use crate::domain::license_file;
use crate::error::ApiError;
use crate::license::keygen::{Answer, code_of};
use crate::state::AppState;
use crate::store;

/// How often a key is checked again with Keygen.
pub(crate) const REVALIDATE_EVERY: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// `GET /admin/v1/license`.
pub(crate) fn status(state: &AppState) -> LicenseStatus {
    state.license.status()
}

/// `POST /admin/v1/license/activate`: checks `key` with Keygen (activating this server when
/// needed) and keeps it when valid. A refusal or no answer stores nothing.
pub(crate) async fn activate(
    state: &AppState,
    actor: Actor,
    key: &str,
) -> Result<LicenseStatus, ApiError> {
    let key = LicenseKey::parse(key).map_err(|m| ApiError::field("key", m))?;
    if !state.license.keygen().configured() {
        return Err(ApiError::LicenseRefused(explain("NO_ACCOUNT")));
    }
    let _busy = state.license.busy.lock().await;
    let answer = state
        .license
        .keygen()
        .check(&key, state.license.fingerprint())
        .await;
    let now = state.license.now_ms();
    let record = match answer {
        Answer::Valid {
            license_id,
            plan,
            expiry_ms,
        } => Record {
            source: Source::Online,
            key: Some(key.clone()),
            file: None,
            license_id,
            valid: true,
            code: "VALID".into(),
            detail: None,
            plan,
            expiry_ms,
            file_issued_ms: None,
            file_expiry_ms: None,
            last_valid_ms: Some(now),
            last_checked_ms: now,
            reachable: true,
        },
        Answer::Invalid { code, detail } => {
            tracing::info!(key = ?key, code, "licence key refused by Keygen");
            let mut msg = explain(&code);
            if let Some(d) = detail {
                msg.push_str(&format!(" (Keygen: {d})"));
            }
            return Err(ApiError::LicenseRefused(msg));
        }
        Answer::Unreachable(why) => {
            tracing::warn!(key = ?key, why, "Keygen unreachable while activating a licence");
            return Err(ApiError::KeygenUnreachable(format!(
                "Keygen could not be reached ({why}); nothing was changed. Check this server's \
                 outbound HTTPS to license.keygen_url and try again."
            )));
        }
    };
    let entry = audit::Entry::new(state, actor, "license.activate");
    let changes = json!({"key": key.masked(), "plan": record.plan});
    store_record(state, record, entry, changes).await?;
    tracing::info!(key = ?key, "licence activated");
    Ok(state.license.status())
}

/// `POST /admin/v1/license/import`: a signed offline licence file. A file that does not
/// verify, or does not count now, is refused and nothing is stored.
pub(crate) async fn import(
    state: &AppState,
    actor: Actor,
    file: &str,
    key: Option<&str>,
) -> Result<LicenseStatus, ApiError> {
    let key = match key {
        Some(k) => Some(LicenseKey::parse(k).map_err(|m| ApiError::field("key", m))?),
        None => state.license.record().and_then(|r| r.key),
    };
    let _busy = state.license.busy.lock().await;
    let opened = license_file::open(file, state.license.public_key(), key.as_ref())
        .map_err(|e| ApiError::LicenseRefused(e.to_string()))?;
    let now = state.license.now_ms();
    opened
        .check(now)
        .map_err(|e| ApiError::LicenseRefused(e.to_string()))?;
    let record = Record {
        source: Source::File,
        key,
        file: Some(file.trim().to_owned()),
        license_id: opened.license_id,
        valid: true,
        code: "VALID".into(),
        detail: None,
        plan: opened.plan,
        expiry_ms: opened.expiry_ms,
        file_issued_ms: Some(opened.issued_ms),
        file_expiry_ms: opened.file_expiry_ms,
        last_valid_ms: Some(now),
        last_checked_ms: now,
        reachable: true,
    };
    let entry = audit::Entry::new(state, actor, "license.import");
    let changes = json!({"plan": record.plan, "license_id": record.license_id});
    store_record(state, record, entry, changes).await?;
    tracing::info!("offline licence file imported");
    Ok(state.license.status())
}

/// Checks a stored key with Keygen again (at start, every 24 h, `POST
/// /admin/v1/license/refresh`). No answer keeps the last good check (the offline grace); a
/// definite "not valid" ends premium at once. Offline files and no licence: nothing to do.
pub(crate) async fn revalidate(state: &AppState) -> Result<LicenseStatus, ApiError> {
    let _busy = state.license.busy.lock().await;
    let Some(mut record) = state.license.record() else {
        return Ok(state.license.status());
    };
    let (Source::Online, Some(key)) = (record.source, record.key.clone()) else {
        return Ok(state.license.status());
    };
    let premium_before = state.license.is_premium();
    let answer = state
        .license
        .keygen()
        .check(&key, state.license.fingerprint())
        .await;
    let now = state.license.now_ms();
    let previous_code = std::mem::replace(&mut record.code, code_of(&answer).to_owned());
    record.last_checked_ms = now;
    match answer {
        Answer::Valid {
            license_id,
            plan,
            expiry_ms,
        } => {
            record.valid = true;
            record.reachable = true;
            record.detail = None;
            record.license_id = license_id.or(record.license_id);
            record.plan = plan.or(record.plan);
            record.expiry_ms = expiry_ms;
            record.last_valid_ms = Some(now);
        }
        Answer::Invalid { code, detail } => {
            tracing::warn!(key = ?key, code, "Keygen says the licence is no longer valid");
            record.valid = false;
            record.reachable = true;
            record.detail = detail;
        }
        Answer::Unreachable(why) => {
            tracing::warn!(key = ?key, why, "Keygen unreachable; the offline grace applies");
            record.reachable = false;
            if !record.valid {
                // Still the last definite answer's reason.
                record.code = previous_code;
            }
        }
    }
    let stored = record.clone();
    super::write(state, move |c| Ok(store::license::save(c, &stored)?)).await?;
    state.license.set_record(Some(record));
    announce_if_changed(state, premium_before).await;
    Ok(state.license.status())
}

/// `DELETE /admin/v1/license`: tells Keygen this server no longer uses the licence (best
/// effort) and forgets the key or file.
pub(crate) async fn deactivate(state: &AppState, actor: Actor) -> Result<(), ApiError> {
    let _busy = state.license.busy.lock().await;
    let Some(record) = state.license.record() else {
        return Err(ApiError::NotFound("licence"));
    };
    if let (Source::Online, Some(key)) = (record.source, record.key.as_ref())
        && let Err(why) = state
            .license
            .keygen()
            .deactivate(key, state.license.fingerprint())
            .await
    {
        tracing::warn!(key = ?key, why, "could not deactivate this server on Keygen");
    }
    let premium_before = state.license.is_premium();
    let entry = audit::Entry::new(state, actor, "license.deactivate");
    let changes = json!({"key": record.key.as_ref().map(LicenseKey::masked)});
    super::write(state, move |c| {
        store::license::delete(c)?;
        Ok(entry.write(c, changes)?)
    })
    .await?;
    state.license.set_record(None);
    announce_if_changed(state, premium_before).await;
    Ok(())
}

/// `POST /admin/v1/debug/license-clock`: moves the licence clock ahead (only with
/// `debug.license_clock`; "not found" otherwise).
pub(crate) async fn advance_clock(
    state: &AppState,
    seconds: i64,
) -> Result<LicenseStatus, ApiError> {
    let premium_before = state.license.is_premium();
    if !state.license.advance_clock(seconds.saturating_mul(1000)) {
        return Err(ApiError::NotFound("route"));
    }
    announce_if_changed(state, premium_before).await;
    Ok(state.license.status())
}

/// Stores a new licence with its audit entry, then puts it in force.
async fn store_record(
    state: &AppState,
    record: Record,
    entry: audit::Entry,
    changes: serde_json::Value,
) -> Result<(), ApiError> {
    let premium_before = state.license.is_premium();
    let stored = record.clone();
    super::write(state, move |c| {
        store::license::save(c, &stored)?;
        Ok(entry.write(c, changes)?)
    })
    .await?;
    state.license.set_record(Some(record));
    announce_if_changed(state, premium_before).await;
    Ok(())
}

/// Tells connected clients when premium came or went (their branding changes with it).
async fn announce_if_changed(state: &AppState, premium_before: bool) {
    announce_change(state, premium_before).await;
}

/// Publishes `SERVER_UPDATE` when premium is no longer `premium_before`; returns premium now.
pub(crate) async fn announce_change(state: &AppState, premium_before: bool) -> bool {
    let now = state.license.is_premium();
    if now != premium_before {
        tracing::info!(premium = now, "premium state changed");
        if let Ok(info) = super::server::info(state).await {
            state
                .hub
                .publish(Dispatch::ServerUpdate(info), Audience::All);
        }
    }
    now
}
