//! The licence: one row holding the key or offline file and the last check's outcome.

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;
use crate::domain::license::{LicenseKey, Record, Source};

/// The stored licence, if any.
pub(crate) fn load(c: &Connection) -> Result<Option<Record>, StoreError> {
    Ok(c.query_row(
        "SELECT source, license_key, license_file, license_id, valid, code, detail, plan,
                expiry_ms, file_issued_ms, file_expiry_ms, last_valid_ms, last_checked_ms,
                reachable
         FROM license WHERE id = 1",
        [],
        |r| {
            Ok(Record {
                source: Source::parse(&r.get::<_, String>(0)?),
                key: r
                    .get::<_, Option<String>>(1)?
                    .and_then(|k| LicenseKey::parse(&k).ok()),
                file: r.get(2)?,
                license_id: r.get(3)?,
                valid: r.get(4)?,
                code: r.get(5)?,
                detail: r.get(6)?,
                plan: r.get(7)?,
                expiry_ms: r.get(8)?,
                file_issued_ms: r.get(9)?,
                file_expiry_ms: r.get(10)?,
                last_valid_ms: r.get(11)?,
                last_checked_ms: r.get(12)?,
                reachable: r.get(13)?,
            })
        },
    )
    .optional()?)
}

/// Replaces the stored licence.
pub(crate) fn save(c: &Connection, r: &Record) -> Result<(), StoreError> {
    c.execute(
        "INSERT OR REPLACE INTO license (id, source, license_key, license_file, license_id,
             valid, code, detail, plan, expiry_ms, file_issued_ms, file_expiry_ms,
             last_valid_ms, last_checked_ms, reachable)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            r.source.as_str(),
            r.key.as_ref().map(LicenseKey::expose),
            r.file,
            r.license_id,
            r.valid,
            r.code,
            r.detail,
            r.plan,
            r.expiry_ms,
            r.file_issued_ms,
            r.file_expiry_ms,
            r.last_valid_ms,
            r.last_checked_ms,
            r.reachable,
        ],
    )?;
    Ok(())
}

/// Forgets the licence.
pub(crate) fn delete(c: &Connection) -> Result<(), StoreError> {
    c.execute("DELETE FROM license", [])?;
    Ok(())
}
