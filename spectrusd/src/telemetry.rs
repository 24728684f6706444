//! Metrics in Prometheus text format for `/metrics`: one recorder per daemon, held in the
//! state (never installed as the process-global recorder), and the names in one place.
//!
//! Off (`metrics.enabled = false`, the default) every handle is a no-op. Counters that
//! other modules bump go through a method here, so there is one list of names:
//! [`Telemetry::rate_limited`] is the one every rate limiter calls when it refuses.

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Label, Metadata, Recorder, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusRecorder};

/// Gateway sessions with a socket attached.
pub(crate) const SESSIONS: &str = "spectrus_gateway_sessions";
/// Frames delivered to gateway sessions.
pub(crate) const DELIVERIES: &str = "spectrus_gateway_deliveries_total";
/// Sessions closed because their outbound queue overflowed (too slow, 4010).
pub(crate) const QUEUE_OVERFLOWS: &str = "spectrus_gateway_queue_overflows_total";
/// Requests and frames refused by a rate limit, by `scope`.
pub(crate) const RATE_LIMITED: &str = "spectrus_rate_limited_total";
/// Time of one database batch commit (`BEGIN` to `COMMIT`, fsync included).
pub(crate) const COMMIT_SECONDS: &str = "spectrus_store_commit_seconds";
/// Database batches that failed (disk full, read-only, I/O).
pub(crate) const COMMIT_FAILURES: &str = "spectrus_store_commit_failures_total";
/// Members in voice.
pub(crate) const VOICE_PEERS: &str = "spectrus_voice_peers";
/// Voice channels with someone in them.
pub(crate) const VOICE_ROOMS: &str = "spectrus_voice_rooms";
/// RTP packets the SFU received from members.
pub(crate) const VOICE_PACKETS_IN: &str = "spectrus_voice_packets_in_total";
/// RTP packets the SFU forwarded to members.
pub(crate) const VOICE_PACKETS_OUT: &str = "spectrus_voice_packets_out_total";
/// Datagrams the SFU dropped (unknown senders, garbage, failed sends).
pub(crate) const VOICE_PACKETS_DROPPED: &str = "spectrus_voice_packets_dropped_total";
/// Seconds since the daemon started.
pub(crate) const UPTIME: &str = "spectrus_uptime_seconds";
/// Plugin webhook deliveries queued or being retried.
pub(crate) const WEBHOOK_BACKLOG: &str = "spectrus_webhook_backlog";
/// Plugin webhook deliveries dropped (queue full, or retried for too long).
pub(crate) const WEBHOOK_DROPPED: &str = "spectrus_webhook_dropped_total";
/// Tasks alive on the daemon's async runtime (a leak shows as a steady climb).
pub(crate) const RUNTIME_TASKS: &str = "spectrus_runtime_tasks";

/// Bucket bounds of [`COMMIT_SECONDS`]: 0.5 ms to 2.5 s.
const COMMIT_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), metrics::Level::INFO, Some(module_path!()));

/// The daemon's metrics; see the module comment.
pub(crate) struct Telemetry {
    recorder: Option<PrometheusRecorder>,
}

impl Telemetry {
    /// Metrics kept when `enabled`, else every handle is a no-op.
    pub(crate) fn new(enabled: bool) -> Telemetry {
        if !enabled {
            return Telemetry { recorder: None };
        }
        // Only an empty bucket list is refused; a summary is the fallback.
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(COMMIT_SECONDS.into()), COMMIT_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let describe = |name: &'static str, unit: Option<Unit>, text: &'static str| {
            recorder.describe_counter(KeyName::from_const_str(name), unit, text.into());
        };
        describe(SESSIONS, None, "Gateway sessions with a socket attached.");
        describe(
            WEBHOOK_BACKLOG,
            None,
            "Plugin webhook deliveries queued or being retried.",
        );
        describe(
            WEBHOOK_DROPPED,
            None,
            "Plugin webhook deliveries dropped (queue full, or retried for too long).",
        );
        describe(DELIVERIES, None, "Frames delivered to gateway sessions.");
        describe(
            QUEUE_OVERFLOWS,
            None,
            "Gateway sessions closed because their outbound queue overflowed (4010).",
        );
        describe(
            RATE_LIMITED,
            None,
            "Requests and gateway frames refused by a rate limit, by scope.",
        );
        recorder.describe_histogram(
            KeyName::from_const_str(COMMIT_SECONDS),
            Some(Unit::Seconds),
            "Time of one database batch commit, fsync included.".into(),
        );
        describe(
            COMMIT_FAILURES,
            None,
            "Database batches that failed (disk full, read-only, I/O error).",
        );
        describe(VOICE_PEERS, None, "Members in voice.");
        describe(VOICE_ROOMS, None, "Voice channels with someone in them.");
        describe(VOICE_PACKETS_IN, None, "RTP packets received by the SFU.");
        describe(VOICE_PACKETS_OUT, None, "RTP packets forwarded by the SFU.");
        describe(VOICE_PACKETS_DROPPED, None, "Datagrams dropped by the SFU.");
        describe(
            UPTIME,
            Some(Unit::Seconds),
            "Seconds since the daemon started.",
        );
        describe(
            RUNTIME_TASKS,
            None,
            "Tasks alive on the daemon's async runtime.",
        );
        Telemetry {
            recorder: Some(recorder),
        }
    }

    pub(crate) fn counter(&self, name: &'static str, labels: Vec<Label>) -> Counter {
        match &self.recorder {
            Some(r) => r.register_counter(&Key::from_parts(name, labels), &METADATA),
            None => Counter::noop(),
        }
    }

    pub(crate) fn gauge(&self, name: &'static str) -> Gauge {
        match &self.recorder {
            Some(r) => r.register_gauge(&Key::from_static_name(name), &METADATA),
            None => Gauge::noop(),
        }
    }

    pub(crate) fn histogram(&self, name: &'static str) -> Histogram {
        match &self.recorder {
            Some(r) => r.register_histogram(&Key::from_static_name(name), &METADATA),
            None => Histogram::noop(),
        }
    }

    /// Counts one refusal by a rate limit; `scope` names the limit (`"http"`, `"gateway"`,
    /// `"login"`, ...). Every limiter calls this when it refuses.
    pub(crate) fn rate_limited(&self, scope: &'static str) {
        self.counter(RATE_LIMITED, vec![Label::from_static_parts("scope", scope)])
            .increment(1);
    }

    /// Everything in Prometheus text format (empty when off).
    pub(crate) fn render(&self) -> String {
        match &self.recorder {
            Some(r) => r.handle().render(),
            None => String::new(),
        }
    }
}
