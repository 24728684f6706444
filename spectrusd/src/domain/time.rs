//! Time helpers: Unix milliseconds in storage, RFC 3339 on the wire.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Now, in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Where a rule that depends on the time reads it, injected so tests can move it.
pub(crate) trait Clock: Send + Sync {
    /// Now, in Unix milliseconds.
    fn now_ms(&self) -> i64;
}

/// The system clock plus an offset that only moves forward when asked (tests of the licence's
/// offline grace move it days ahead; it is zero otherwise).
#[derive(Debug, Default)]
pub(crate) struct SkewClock {
    offset_ms: AtomicI64,
}

impl SkewClock {
    /// Moves this clock `ms` milliseconds ahead.
    pub(crate) fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

impl Clock for SkewClock {
    fn now_ms(&self) -> i64 {
        now_ms().saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }
}

/// Unix milliseconds as an RFC 3339 UTC string.
pub(crate) fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

/// Parses an RFC 3339 string into Unix milliseconds.
pub(crate) fn parse_rfc3339(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let s = rfc3339(1_767_225_600_123);
        assert_eq!(s, "2026-01-01T00:00:00.123Z");
        assert_eq!(parse_rfc3339(&s), Some(1_767_225_600_123));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn skew_clock_moves_ahead() {
        let c = SkewClock::default();
        let before = c.now_ms();
        c.advance(86_400_000);
        assert!(c.now_ms() >= before + 86_400_000);
    }
}
