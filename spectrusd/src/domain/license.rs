//! Licences: the key (never printed whole), Keygen's validation codes in an operator's words,
//! and whether a stored licence is premium at a given moment (expiry, the offline grace).

use std::fmt;

use spectrus_proto::admin::LicenseState;

/// How long a licence that last validated online stays premium while Keygen cannot be reached.
pub(crate) const OFFLINE_GRACE_MS: i64 = 7 * 24 * 3600 * 1000;

/// A licence key. Its `Debug` and `Display` show only `KEY-…` and the last four characters,
/// so it cannot reach a log line whole by accident.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct LicenseKey(String);

impl LicenseKey {
    /// Checks the shape of a key: printable ASCII without spaces, 8 to 512 characters.
    pub(crate) fn parse(text: &str) -> Result<LicenseKey, String> {
        let key = text.trim();
        if key.len() < 8 || key.len() > 512 {
            return Err("a licence key is 8 to 512 characters long".into());
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("a licence key has no spaces or control characters".into());
        }
        Ok(LicenseKey(key.to_owned()))
    }

    /// The whole key, for Keygen and the database only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// `KEY-…abcd`: what status output and logs show.
    pub(crate) fn masked(&self) -> String {
        let tail: String = {
            let chars: Vec<char> = self.0.chars().collect();
            chars[chars.len().saturating_sub(4)..].iter().collect()
        };
        format!("KEY-…{tail}")
    }
}

impl fmt::Debug for LicenseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Display for LicenseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// The code recorded when Keygen could not be reached (network error, timeout, 5xx, 429).
pub(crate) const UNREACHABLE: &str = "UNREACHABLE";

/// A Keygen validation code (or one of ours) as a sentence an operator can act on.
pub(crate) fn explain(code: &str) -> String {
    let s = match code {
        "VALID" => "The licence is valid.",
        "NOT_FOUND" => {
            "Keygen does not know this licence key: check it for typos, and that \
             license.keygen_account is the account that issued it."
        }
        "SUSPENDED" => {
            "The licence has been suspended by its issuer; contact them to reinstate it."
        }
        "EXPIRED" => {
            "The licence has expired; renew it, then run `spectrusctl license activate` again."
        }
        "OVERDUE" => "The licence is overdue for a check-in with its issuer.",
        "BANNED" => "The licence's owner has been banned by the issuer.",
        "NO_MACHINE" | "NO_MACHINES" => {
            "This server is not activated for the licence and activating it failed."
        }
        "TOO_MANY_MACHINES" | "MACHINE_LIMIT_EXCEEDED" => {
            "The licence is already activated on as many servers as it allows; deactivate one \
             (`spectrusctl license deactivate` there) or raise the limit with the issuer."
        }
        "TOO_MANY_CORES" | "MACHINE_CORE_LIMIT_EXCEEDED" => {
            "This server has more CPU cores than the licence allows."
        }
        "TOO_MANY_PROCESSES" => "The licence is in use by too many processes.",
        "FINGERPRINT_SCOPE_MISMATCH" | "FINGERPRINT_SCOPE_EMPTY" | "FINGERPRINT_SCOPE_REQUIRED" => {
            "The licence is activated for other servers, not this one, and this one could not \
             be added."
        }
        "HEARTBEAT_NOT_STARTED" | "HEARTBEAT_DEAD" => {
            "The licence requires machine heartbeats, which Spectrus does not send; ask the \
             issuer for a policy without them."
        }
        "PRODUCT_SCOPE_MISMATCH"
        | "PRODUCT_SCOPE_REQUIRED"
        | "POLICY_SCOPE_MISMATCH"
        | "POLICY_SCOPE_REQUIRED" => "The licence is for another product than Spectrus.",
        "ENTITLEMENTS_MISSING" | "ENTITLEMENTS_SCOPE_EMPTY" => {
            "The licence lacks an entitlement this server needs."
        }
        "NO_ACCOUNT" => {
            "license.keygen_account is not set: set it (or SPECTRUS_KEYGEN_ACCOUNT) to the \
             Keygen account that issued the licence."
        }
        "FINGERPRINT_TAKEN" => "This server is already activated for the licence.",
        UNREACHABLE => {
            "Keygen could not be reached; the last good check counts for 7 days (offline \
             grace), after which premium features stop until Keygen answers again."
        }
        "GRACE_OVER" => {
            "Keygen has not been reachable for more than 7 days, so premium features are off \
             until it answers again (check this server's outbound HTTPS to license.keygen_url)."
        }
        "FILE_EXPIRED" => {
            "The offline licence file has expired; import a fresh one with `spectrusctl license \
             import FILE`."
        }
        "NOT_CONFIGURED" => {
            "No licence: premium features are off. Activate one with `spectrusctl license \
             activate KEY` (or `spectrusctl license import FILE` on an air-gapped server)."
        }
        other if other.starts_with("HTTP_") => {
            return format!(
                "Keygen refused the request ({other}): check license.keygen_url and \
                 license.keygen_account."
            );
        }
        other => {
            return format!(
                "Keygen says the licence is not valid ({other}); contact the licence's issuer."
            );
        }
    };
    s.to_owned()
}

/// Where a licence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A key checked against Keygen's API.
    Online,
    /// A signed offline licence file.
    File,
}

impl Source {
    /// The stored and wire name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Source::Online => "online",
            Source::File => "file",
        }
    }

    /// The stored name back.
    pub(crate) fn parse(s: &str) -> Source {
        if s == "file" {
            Source::File
        } else {
            Source::Online
        }
    }
}

/// What the last check of the licence established (the `license` table's row).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    pub source: Source,
    pub key: Option<LicenseKey>,
    /// The offline licence file, as imported.
    pub file: Option<String>,
    /// Keygen's id of the licence.
    pub license_id: Option<String>,
    /// Whether the last definite answer said valid (an unreachable Keygen changes nothing).
    pub valid: bool,
    /// The last answer's code (`VALID`, `EXPIRED`, …, or [`UNREACHABLE`]).
    pub code: String,
    /// Keygen's own words about the last answer, if any.
    pub detail: Option<String>,
    /// The plan's name.
    pub plan: Option<String>,
    /// When the licence itself expires (Unix ms).
    pub expiry_ms: Option<i64>,
    /// An offline file's issue time and the end of its TTL.
    pub file_issued_ms: Option<i64>,
    pub file_expiry_ms: Option<i64>,
    /// The last time Keygen (or the file's signature) said valid.
    pub last_valid_ms: Option<i64>,
    /// The last time the licence was checked, reachable or not.
    pub last_checked_ms: i64,
    /// Whether Keygen answered the last check.
    pub reachable: bool,
}

/// Where a licence stands at one moment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Standing {
    pub premium: bool,
    pub state: LicenseState,
    /// The code behind the state (a Keygen code or one of ours).
    pub code: String,
    /// When premium ends unless something changes (a good check moves it on).
    pub lapses_at_ms: Option<i64>,
}

/// Whether `record` is premium at `now` (Unix ms): valid at its last definite answer, not past
/// its expiry, and (online) validated within [`OFFLINE_GRACE_MS`]; an offline file within its
/// issue time and TTL.
pub(crate) fn standing(record: Option<&Record>, now: i64) -> Standing {
    let Some(r) = record else {
        return Standing {
            premium: false,
            state: LicenseState::None,
            code: "NOT_CONFIGURED".into(),
            lapses_at_ms: None,
        };
    };
    let lapsed = |state, code: &str| Standing {
        premium: false,
        state,
        code: code.to_owned(),
        lapses_at_ms: None,
    };
    if !r.valid {
        let state = if r.code == "EXPIRED" {
            LicenseState::Expired
        } else {
            LicenseState::Invalid
        };
        return lapsed(state, &r.code);
    }
    if r.expiry_ms.is_some_and(|e| now >= e) {
        return lapsed(LicenseState::Expired, "EXPIRED");
    }
    let ends = match r.source {
        Source::File => {
            if r.file_expiry_ms.is_some_and(|e| now >= e) {
                return lapsed(LicenseState::Expired, "FILE_EXPIRED");
            }
            r.file_expiry_ms
        }
        Source::Online => {
            let grace_end = r.last_valid_ms.unwrap_or(r.last_checked_ms) + OFFLINE_GRACE_MS;
            if now >= grace_end {
                return lapsed(LicenseState::Lapsed, "GRACE_OVER");
            }
            Some(grace_end)
        }
    };
    let lapses_at_ms = match (ends, r.expiry_ms) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Standing {
        premium: true,
        state: LicenseState::Valid,
        code: r.code.clone(),
        lapses_at_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 3600 * 1000;

    fn online(valid: bool, code: &str) -> Record {
        Record {
            source: Source::Online,
            key: LicenseKey::parse("ABCD-1234-EFGH-5678").ok(),
            file: None,
            license_id: Some("lic".into()),
            valid,
            code: code.into(),
            detail: None,
            plan: Some("Pro".into()),
            expiry_ms: None,
            file_issued_ms: None,
            file_expiry_ms: None,
            last_valid_ms: valid.then_some(0),
            last_checked_ms: 0,
            reachable: true,
        }
    }

    #[test]
    fn key_never_prints_whole() {
        let k = LicenseKey::parse(" ABCD-1234-EFGH-5678 ").unwrap();
        assert_eq!(format!("{k:?}"), "KEY-…5678");
        assert_eq!(k.to_string(), "KEY-…5678");
        assert_eq!(k.expose(), "ABCD-1234-EFGH-5678");
        assert!(LicenseKey::parse("short").is_err());
        assert!(LicenseKey::parse("has a space in it").is_err());
    }

    #[test]
    fn grace_lasts_seven_days() {
        let mut r = online(true, "VALID");
        r.reachable = false;
        r.code = UNREACHABLE.into();
        r.last_checked_ms = 6 * DAY;
        let s = standing(Some(&r), 6 * DAY);
        assert!(s.premium);
        assert_eq!(s.lapses_at_ms, Some(7 * DAY));
        let s = standing(Some(&r), 8 * DAY);
        assert!(!s.premium);
        assert_eq!(s.state, LicenseState::Lapsed);
    }

    #[test]
    fn definite_invalid_and_expiry_end_premium() {
        let s = standing(Some(&online(false, "SUSPENDED")), 0);
        assert!(!s.premium);
        assert_eq!(s.state, LicenseState::Invalid);
        let mut r = online(true, "VALID");
        r.expiry_ms = Some(DAY);
        assert!(standing(Some(&r), DAY - 1).premium);
        assert_eq!(standing(Some(&r), DAY).state, LicenseState::Expired);
        assert!(!standing(None, 0).premium);
    }

    #[test]
    fn every_code_has_words() {
        for code in [
            "VALID",
            "NOT_FOUND",
            "SUSPENDED",
            "NO_MACHINE",
            "WHATEVER",
            "HTTP_401",
        ] {
            assert!(explain(code).len() > 20, "{code}");
        }
    }
}
