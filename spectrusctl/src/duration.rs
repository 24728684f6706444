//! Durations on the command line: `90s`, `30m`, `1h`, `7d`, `2w`, and sums like `1h30m`.

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
}
