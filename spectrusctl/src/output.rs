//! Where command output goes and in which form: `--json` prints the daemon's JSON
//! (pretty-printed, one document per command; events are one compact document per line),
//! otherwise tables and sentences for people. Also the small human formatters (sizes, spans,
//! yes/no) the command groups share.

use std::fmt::Display;
use std::io::Write;

use serde_json::Value;

use crate::error::{CtlError, Result};
use crate::table::{Table, clean};

/// The command's standard output, with the mode chosen on the command line.
pub struct Out<'a> {
    w: &'a mut dyn Write,
    json: bool,
}

impl<'a> Out<'a> {
    /// Output into `w`, as JSON when `json`.
    pub fn new(w: &'a mut dyn Write, json: bool) -> Out<'a> {
        Out { w, json }
    }

    /// Whether `--json` was given.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Prints a JSON document, pretty, followed by a newline. `null` prints nothing (an answer
    /// without a body).
    pub fn json(&mut self, value: &Value) -> Result<()> {
        if value.is_null() {
            return Ok(());
        }
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| CtlError::Invalid(format!("cannot print JSON: {e}")))?;
        writeln!(self.w, "{text}")?;
        Ok(())
    }

    /// Prints one JSON document on one line (for streams).
    pub fn json_line(&mut self, value: &Value) -> Result<()> {
        writeln!(self.w, "{value}")?;
        self.w.flush()?;
        Ok(())
    }

    /// Prints a line of text for people; control characters are neutralised.
    pub fn line(&mut self, text: impl Display) -> Result<()> {
        writeln!(self.w, "{}", clean(&text.to_string()))?;
        Ok(())
    }

    /// Prints a line and flushes at once (for streams).
    pub fn line_now(&mut self, text: impl Display) -> Result<()> {
        self.line(text)?;
        self.w.flush()?;
        Ok(())
    }

    /// Prints raw text as is (generated documents: TOML, completion scripts).
    pub fn raw(&mut self, text: &str) -> Result<()> {
        self.w.write_all(text.as_bytes())?;
        Ok(())
    }

    /// Prints a table.
    pub fn table(&mut self, table: &Table) -> Result<()> {
        table.write_to(self.w)?;
        Ok(())
    }

    /// `--json`: the daemon's answer as is; otherwise `human` renders it.
    pub fn either(
        &mut self,
        value: &Value,
        human: impl FnOnce(&mut Self) -> Result<()>,
    ) -> Result<()> {
        if self.json {
            self.json(value)
        } else {
            human(self)
        }
    }
}

/// `yes` or blank: flags in tables read better sparse.
pub fn yes(flag: bool) -> &'static str {
    if flag { "yes" } else { "" }
}

/// `-` for an absent value.
pub fn or_dash(value: Option<impl Display>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// A byte count in binary units: `512 B`, `1.5 KiB`, `12.3 MiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A span of seconds as its two largest units: `45s`, `12m 3s`, `3d 4h`.
pub fn human_span(seconds: u64) -> String {
    let parts = [
        (seconds / 86_400, "d"),
        (seconds % 86_400 / 3_600, "h"),
        (seconds % 3_600 / 60, "m"),
        (seconds % 60, "s"),
    ];
    let first = parts.iter().position(|(n, _)| *n > 0).unwrap_or(3);
    parts[first..]
        .iter()
        .take(2)
        .filter(|(n, _)| *n > 0 || first == 3)
        .map(|(n, u)| format!("{n}{u}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_use_binary_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(12 * 1024 * 1024 + 300 * 1024), "12.3 MiB");
    }

    #[test]
    fn spans_show_two_units() {
        assert_eq!(human_span(0), "0s");
        assert_eq!(human_span(45), "45s");
        assert_eq!(human_span(723), "12m 3s");
        assert_eq!(human_span(3 * 86_400 + 4 * 3_600 + 12 * 60), "3d 4h");
        assert_eq!(human_span(86_400), "1d");
        assert_eq!(human_span(3_600 + 5), "1h");
    }

    #[test]
    fn json_mode_pretty_prints_and_skips_null() {
        let mut buf = Vec::new();
        let mut out = Out::new(&mut buf, true);
        out.json(&serde_json::json!({"a": 1})).unwrap();
        out.json(&Value::Null).unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), "{\n  \"a\": 1\n}\n");
    }

    #[test]
    fn either_picks_the_mode() {
        let v = serde_json::json!({"x": true});
        let mut buf = Vec::new();
        Out::new(&mut buf, false)
            .either(&v, |o| o.line("human"))
            .unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), "human\n");
    }
}
