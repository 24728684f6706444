//! The daemon's Prometheus `/metrics` for tests: where it listens (the address it logs
//! when `metrics.enabled` is on), and one sample's value in a scrape.

use std::time::Duration;

use crate::{TestDaemon, eventually};

/// The `http://…/metrics` URL `d` logged, waiting up to 5 s for the line; `None` when it
/// logged none (metrics off).
pub async fn url(d: &TestDaemon) -> Option<String> {
    eventually(Duration::from_secs(5), || {
        d.log().iter().any(|l| l.contains("metrics at http://"))
    })
    .await;
    d.log().iter().find_map(|l| {
        l.split("metrics at ")
            .nth(1)
            .map(|u| u.split_whitespace().next().unwrap_or_default().to_owned())
    })
}

/// The value of the first sample line of `text` starting with `name` (labels included in
/// `name`); panics (failing the test) when there is none.
pub fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name) && !l.starts_with('#'))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no sample {name} in:\n{text}"))
}
