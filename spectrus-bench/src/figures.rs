//! What one side of the community comparison measured (spectrusd's or InspIRCd's), and the
//! machine's load next to it: shared by [`crate::community`] and [`crate::irc`], so neither
//! imports the other.

/// What one side of the comparison measured.
#[derive(Debug, Default, Clone)]
pub(crate) struct Figures {
    pub(crate) connected: usize,
    pub(crate) connect_secs: f64,
    pub(crate) connect_cpu_secs: f64,
    pub(crate) rss_before_kib: u64,
    pub(crate) rss_connected_kib: u64,
    pub(crate) frames_before_first: u64,
    pub(crate) presence_before_first: u64,
    pub(crate) delivered: u64,
    /// The clients' reads that brought at least one delivery (how many deliveries a reader
    /// wakes for: the server's writes and the scheduler decide it, not the reader).
    pub(crate) reads: u64,
    pub(crate) expected: u64,
    pub(crate) fanout_cpu_percent: f64,
    /// The server's CPU during the fan-out, in nanoseconds (`schedstat`).
    pub(crate) fanout_cpu_nanos: u64,
    /// The load generator's readers during the fan-out (the bench's runtime threads, where
    /// every session or IRC client reads; the poster's own thread is not in it): percent of
    /// a core and nanoseconds.
    pub(crate) generator_cpu_percent: f64,
    pub(crate) generator_cpu_nanos: u64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
}

/// The server's and the load generator's CPU from the start of a fan-out
/// ([`FanoutCpu::start`]) until [`FanoutCpu::finish`] writes them into the figures.
pub(crate) struct FanoutCpu {
    pid: u32,
    server: crate::procstat::NanoSample,
    own: crate::procstat::NanoSample,
}

impl FanoutCpu {
    /// Starts counting the server `pid`'s CPU and this process's.
    pub(crate) fn start(pid: u32) -> FanoutCpu {
        FanoutCpu {
            pid,
            server: crate::procstat::cpu_nanos(pid),
            own: crate::procstat::cpu_nanos(std::process::id()),
        }
    }

    /// The CPU used since the start, into `f`'s fan-out and generator figures.
    pub(crate) fn finish(self, f: &mut Figures) {
        use crate::procstat::{cpu_nanos, nanos_between};
        let server = nanos_between(&self.server, &cpu_nanos(self.pid));
        let own = nanos_between(&self.own, &cpu_nanos(std::process::id()));
        f.fanout_cpu_percent = server.percent();
        f.fanout_cpu_nanos = server.nanos;
        f.generator_cpu_percent = own.percent();
        f.generator_cpu_nanos = own.nanos;
    }
}

impl Figures {
    /// Prints the figures under `name`.
    pub(crate) fn print(&self, name: &str) {
        let n = self.connected.max(1) as f64;
        println!(
            "{name}: {} connected in {:.1} s; CPU to connect {:.2} s ({:.2} ms per login); \
             RSS {:.1} → {:.1} MiB ({:.1} KiB per member); {} frames before the first message \
             ({} presence); delivered {} of {} ({} lost), p50 {:.2} ms, p99 {:.2} ms; \
             CPU during fan-out {:.0}% of a core ({:.2} µs per delivery); the load generator's \
             readers {:.0}% of a core ({:.2} µs per delivery, {:.2} deliveries per read)",
            self.connected,
            self.connect_secs,
            self.connect_cpu_secs,
            self.connect_cpu_secs * 1000.0 / n,
            self.rss_before_kib as f64 / 1024.0,
            self.rss_connected_kib as f64 / 1024.0,
            self.rss_connected_kib.saturating_sub(self.rss_before_kib) as f64 / n,
            self.frames_before_first,
            self.presence_before_first,
            self.delivered,
            self.expected,
            self.expected.saturating_sub(self.delivered),
            self.p50_ms,
            self.p99_ms,
            self.fanout_cpu_percent,
            per_delivery_micros(self.fanout_cpu_nanos, self.delivered),
            self.generator_cpu_percent,
            per_delivery_micros(self.generator_cpu_nanos, self.delivered),
            self.delivered as f64 / self.reads.max(1) as f64,
        );
    }
}

/// CPU nanoseconds per delivery, in µs.
pub(crate) fn per_delivery_micros(nanos: u64, delivered: u64) -> f64 {
    nanos as f64 / 1000.0 / delivered.max(1) as f64
}

/// The machine's load average (1, 5, 15 min), for the record next to the figures.
pub(crate) fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
