//! Durations on the command line: `90s`, `30m`, `1h`, `7d`, `2w`, and sums like `1h30m`; and
//! the times built from them (`--since`, timeouts).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Parses a duration into seconds. Every number needs a unit (`s`, `m`, `h`, `d`, `w`); the
/// total must be positive. Used as a clap value parser, so the error is a sentence.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration; use e.g. 30m, 1h, 7d".to_owned());
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => {
                return Err(format!(
                    "unknown unit {c:?} in {text:?}; use s, m, h, d or w"
                ));
            }
        };
        if number.is_empty() {
            return Err(format!("{text:?}: a unit without a number"));
        }
        let n: u64 = number
            .parse()
            .map_err(|_| format!("{text:?}: number too large"))?;
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| format!("{text:?}: duration too large"))?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(format!(
            "{text:?}: {number} needs a unit (s, m, h, d or w), e.g. {number}h"
        ));
    }
    if total == 0 {
        return Err(format!("{text:?}: the duration must be longer than zero"));
    }
    Ok(total)
}

/// A `--since` value: a duration back from now, or a fixed time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Since {
    /// This many seconds before now.
    Ago(u64),
    /// An RFC 3339 time, as given.
    At(String),
}

impl Since {
    /// The time as RFC 3339 UTC, `Ago` counted back from `now`.
    pub fn to_rfc3339(&self, now: OffsetDateTime) -> String {
        match self {
            Since::At(t) => t.clone(),
            Since::Ago(secs) => {
                let secs = i64::try_from(*secs).unwrap_or(i64::MAX);
                rfc3339(now.saturating_sub(time::Duration::seconds(secs)))
            }
        }
    }
}

/// Parses `--since`: a duration (`30m`, `1h`, `2d`) or an RFC 3339 time.
pub fn parse_since(text: &str) -> Result<Since, String> {
    let text = text.trim();
    if OffsetDateTime::parse(text, &Rfc3339).is_ok() {
        return Ok(Since::At(text.to_owned()));
    }
    parse_duration(text).map(Since::Ago).map_err(|_| {
        format!(
            "{text:?} is neither a duration (30m, 1h, 2d) nor an RFC 3339 time \
             (2026-01-01T12:00:00Z)"
        )
    })
}

/// A `members timeout` value: how long, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutFor {
    /// For this many seconds from now.
    Seconds(u64),
    /// Lift the timeout.
    Off,
}

impl TimeoutFor {
    /// The end of the timeout as RFC 3339 UTC (`None`: lift it).
    pub fn until(self, now: OffsetDateTime) -> Option<String> {
        match self {
            TimeoutFor::Off => None,
            TimeoutFor::Seconds(s) => {
                let s = i64::try_from(s).unwrap_or(i64::MAX);
                Some(rfc3339(now.saturating_add(time::Duration::seconds(s))))
            }
        }
    }
}

/// Parses a timeout: a duration, or `off` to lift it.
pub fn parse_timeout(text: &str) -> Result<TimeoutFor, String> {
    match text.trim() {
        "off" | "none" | "lift" => Ok(TimeoutFor::Off),
        t => parse_duration(t).map(TimeoutFor::Seconds),
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_sums() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("30m"), Ok(1_800));
        assert_eq!(parse_duration("1h"), Ok(3_600));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration("2w"), Ok(1_209_600));
        assert_eq!(parse_duration("1h30m"), Ok(5_400));
        assert_eq!(parse_duration(" 1d12h "), Ok(129_600));
    }

    #[test]
    fn bad_durations_say_why() {
        assert!(parse_duration("").is_err());
        assert!(parse_duration("10").unwrap_err().contains("needs a unit"));
        assert!(parse_duration("1y").unwrap_err().contains("unknown unit"));
        assert!(
            parse_duration("h")
                .unwrap_err()
                .contains("without a number")
        );
        assert!(
            parse_duration("0h")
                .unwrap_err()
                .contains("longer than zero")
        );
        assert!(parse_duration("-1h").is_err());
        assert!(parse_duration("99999999999999999999w").is_err());
        assert!(
            parse_duration("9999999999999999w")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn since_is_a_duration_back_or_a_time() {
        let now = OffsetDateTime::parse("2026-03-01T12:00:00Z", &Rfc3339).unwrap();
        let ago = parse_since("90m").unwrap();
        assert_eq!(ago, Since::Ago(5_400));
        assert_eq!(ago.to_rfc3339(now), "2026-03-01T10:30:00Z");
        let at = parse_since("2026-02-01T00:00:00Z").unwrap();
        assert_eq!(at.to_rfc3339(now), "2026-02-01T00:00:00Z");
        assert!(parse_since("yesterday").unwrap_err().contains("RFC 3339"));
    }

    #[test]
    fn timeouts_count_forward_or_lift() {
        let now = OffsetDateTime::parse("2026-03-01T12:00:00Z", &Rfc3339).unwrap();
        assert_eq!(
            parse_timeout("1h").unwrap().until(now).as_deref(),
            Some("2026-03-01T13:00:00Z")
        );
        assert_eq!(parse_timeout("off").unwrap().until(now), None);
        assert!(parse_timeout("soon").is_err());
    }
}
