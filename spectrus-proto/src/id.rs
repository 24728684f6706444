//! Snowflake identifiers, sent on the wire as decimal strings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Milliseconds since the Unix epoch of the Spectrus epoch (2026-01-01T00:00:00Z).
pub const EPOCH_MS: u64 = 1_767_225_600_000;

/// A 64-bit time-ordered identifier: 42 bits of milliseconds since [`EPOCH_MS`], 10 bits of
/// worker, 12 bits of sequence. Sorting ids sorts by creation time.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Id(pub u64);

impl Id {
    /// The raw integer.
    pub fn get(self) -> u64 {
        self.0
    }

    /// Unix milliseconds at which this id was minted.
    pub fn unix_millis(self) -> u64 {
        (self.0 >> 22) + EPOCH_MS
    }

    /// The smallest id minted at or after `unix_ms` (useful as a time bound).
    pub fn from_unix_millis(unix_ms: u64) -> Id {
        Id(unix_ms.saturating_sub(EPOCH_MS) << 22)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The text was not a decimal 64-bit id.
#[derive(Debug, thiserror::Error)]
#[error("not a valid id: {0:?}")]
pub struct ParseIdError(pub String);

impl FromStr for Id {
    type Err = ParseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseIdError(s.to_owned()));
        }
        s.parse::<u64>()
            .map(Id)
            .map_err(|_| ParseIdError(s.to_owned()))
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id as a decimal string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Id, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Id, E> {
                Ok(Id(v))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_travel_as_strings() {
        let id = Id(1234567890123456789);
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"1234567890123456789\""
        );
        let back: Id = serde_json::from_str("\"1234567890123456789\"").unwrap();
        assert_eq!(back, id);
    }

    #[test]
    fn garbage_is_refused() {
        for bad in [
            "\"\"",
            "\"-1\"",
            "\"12a\"",
            "\"99999999999999999999999\"",
            "true",
        ] {
            assert!(serde_json::from_str::<Id>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn time_round_trips() {
        let id = Id::from_unix_millis(EPOCH_MS + 5000);
        assert_eq!(id.unix_millis(), EPOCH_MS + 5000);
    }
}
