//! PATCH semantics: an absent field is left alone, `null` clears it.
//!
//! Use `Option<Option<T>>` with `#[serde(default, deserialize_with = "patch::nullable")]`:
//! `None` = absent, `Some(None)` = null, `Some(Some(v))` = set.

use serde::{Deserialize, Deserializer};

/// Deserializes a present field (null or value) into `Some(..)`; pair with `#[serde(default)]`.
pub fn nullable<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct P {
        #[serde(default, deserialize_with = "super::nullable")]
        topic: Option<Option<String>>,
    }

    #[test]
    fn absent_null_and_value_differ() {
        let p: P = serde_json::from_str("{}").unwrap();
        assert_eq!(p.topic, None);
        let p: P = serde_json::from_str(r#"{"topic":null}"#).unwrap();
        assert_eq!(p.topic, Some(None));
        let p: P = serde_json::from_str(r#"{"topic":"x"}"#).unwrap();
        assert_eq!(p.topic, Some(Some("x".into())));
    }
}
