//! CPU time and resident memory of a process, from `/proc`.

use std::time::Instant;

/// A sample of a process's CPU time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CpuSample {
    ticks: u64,
    at: Instant,
}

const TICKS_PER_SEC: f64 = 100.0;

/// User + system CPU ticks of `pid`.
pub(crate) fn cpu(pid: u32) -> CpuSample {
    let ticks = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the ")" of the command name: state is field 3; utime 14, stime 15.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    CpuSample {
        ticks,
        at: Instant::now(),
    }
}

/// CPU use between two samples, in percent of one core.
pub(crate) fn cpu_percent(a: CpuSample, b: CpuSample) -> f64 {
    let secs = b.at.duration_since(a.at).as_secs_f64();
    if secs <= 0.0 {
        0.0
    } else {
        (b.ticks.saturating_sub(a.ticks)) as f64 / TICKS_PER_SEC / secs * 100.0
    }
}

/// Resident memory of `pid`, in KiB.
pub(crate) fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// Threads of `pid`.
pub(crate) fn threads(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Threads:"))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// CPU seconds `pid` used between two samples.
pub(crate) fn cpu_seconds(a: CpuSample, b: CpuSample) -> f64 {
    b.ticks.saturating_sub(a.ticks) as f64 / TICKS_PER_SEC
}
