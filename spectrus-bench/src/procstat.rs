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

/// A sample of a process's CPU time in nanoseconds, per thread, from
/// `/proc/<pid>/task/<tid>/schedstat` (the scheduler's own runtime, not 10 ms ticks), with
/// the tick count of `/proc/<pid>/stat` beside it.
#[derive(Debug, Clone)]
pub(crate) struct NanoSample {
    /// (thread id, nanoseconds on the CPU since it started).
    threads: Vec<(u32, u64)>,
    ticks: u64,
    at: Instant,
}

/// CPU used between two [`NanoSample`]s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NanoDelta {
    /// Nanoseconds on the CPU, summed over the threads alive at the second sample (a thread
    /// that started in between counts from its start).
    pub nanos: u64,
    /// Threads alive at the first sample and gone at the second: their time between the
    /// first sample and their exit is not in `nanos` (it is in `ticks`).
    pub exited: usize,
    /// utime + stime ticks of the whole process (exited threads included), 10 ms each.
    pub ticks: u64,
    /// Wall-clock seconds between the samples.
    pub secs: f64,
}

impl NanoDelta {
    /// CPU in percent of one core. From `nanos`; if a thread exited in the window and the
    /// tick count says more than `nanos` by over two ticks, from the ticks (they include
    /// the exited thread's time).
    pub(crate) fn percent(&self) -> f64 {
        if self.secs <= 0.0 {
            return 0.0;
        }
        let nanos = self.nanos as f64;
        let tick_nanos = self.ticks as f64 * 1e9 / TICKS_PER_SEC;
        let used = if self.exited > 0 && tick_nanos > nanos + 2e9 / TICKS_PER_SEC {
            tick_nanos
        } else {
            nanos
        };
        used / 1e9 / self.secs * 100.0
    }

    /// CPU in percent of one core from the ticks alone (the old measure, for comparison).
    pub(crate) fn tick_percent(&self) -> f64 {
        if self.secs <= 0.0 {
            0.0
        } else {
            self.ticks as f64 / TICKS_PER_SEC / self.secs * 100.0
        }
    }
}

/// The first field of a `schedstat` file: nanoseconds spent on the CPU.
pub(crate) fn parse_schedstat(s: &str) -> Option<u64> {
    s.split_whitespace().next()?.parse().ok()
}

/// utime + stime from the text of a `/proc/<pid>/stat` file.
pub(crate) fn parse_stat_ticks(s: &str) -> Option<u64> {
    // Fields after the ")" of the command name (which may hold spaces and parentheses):
    // state is field 3; utime 14, stime 15.
    let rest = s.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Per-thread CPU nanoseconds and the process's ticks of `pid`.
pub(crate) fn cpu_nanos(pid: u32) -> NanoSample {
    let mut threads = Vec::new();
    if let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for e in dir.flatten() {
            let Some(tid) = e.file_name().to_str().and_then(|t| t.parse().ok()) else {
                continue;
            };
            if let Some(ns) = std::fs::read_to_string(e.path().join("schedstat"))
                .ok()
                .as_deref()
                .and_then(parse_schedstat)
            {
                threads.push((tid, ns));
            }
        }
    }
    let ticks = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .as_deref()
        .and_then(parse_stat_ticks)
        .unwrap_or(0);
    NanoSample {
        threads,
        ticks,
        at: Instant::now(),
    }
}

/// CPU used between two samples of the same process.
pub(crate) fn nanos_between(a: &NanoSample, b: &NanoSample) -> NanoDelta {
    let mut nanos = 0;
    for &(tid, ns) in &b.threads {
        let before = a
            .threads
            .iter()
            .find(|&&(t, _)| t == tid)
            .map_or(0, |&(_, n)| n);
        nanos += ns.saturating_sub(before);
    }
    let exited = a
        .threads
        .iter()
        .filter(|(t, _)| !b.threads.iter().any(|(u, _)| u == t))
        .count();
    NanoDelta {
        nanos,
        exited,
        ticks: b.ticks.saturating_sub(a.ticks),
        secs: b.at.duration_since(a.at).as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedstat_first_field_is_the_runtime() {
        assert_eq!(parse_schedstat("123456789 2175851 17\n"), Some(123_456_789));
        assert_eq!(parse_schedstat(""), None);
        assert_eq!(parse_schedstat("x 1 2"), None);
    }

    #[test]
    fn stat_ticks_survive_a_command_name_with_spaces_and_parentheses() {
        let s = "4242 (tokio (rt) 1) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 9 0 \
                 100 1000 200 18446744073709551615";
        assert_eq!(parse_stat_ticks(s), Some(287));
        assert_eq!(parse_stat_ticks("4242 (x) S 1"), None);
    }

    fn sample(threads: &[(u32, u64)], ticks: u64, at: Instant) -> NanoSample {
        NanoSample {
            threads: threads.to_vec(),
            ticks,
            at,
        }
    }

    #[test]
    fn a_delta_sums_threads_counts_new_ones_whole_and_notes_exited_ones() {
        let t0 = Instant::now();
        let t1 = t0 + std::time::Duration::from_secs(10);
        let a = sample(&[(1, 1_000), (2, 5_000_000), (3, 7)], 100, t0);
        // Thread 3 exited; thread 4 started in the window.
        let b = sample(&[(1, 2_000), (2, 105_000_000), (4, 400_000)], 111, t1);
        let d = nanos_between(&a, &b);
        assert_eq!(d.nanos, 1_000 + 100_000_000 + 400_000);
        assert_eq!(d.exited, 1);
        assert_eq!(d.ticks, 11);
        // 100.401 ms measured, 110 ms ticked with an exited thread: the ticks win
        // only beyond two ticks' slack, so 100.401 ms stands.
        assert!((d.percent() - 100.401e-3 / 10.0 * 100.0).abs() < 1e-9);
        assert!((d.tick_percent() - 1.1).abs() < 1e-9);
        // With more ticked than measured by over two ticks, the ticks are used.
        let b2 = sample(&[(1, 2_000), (2, 105_000_000)], 140, t1);
        let d2 = nanos_between(&a, &b2);
        assert!((d2.percent() - 4.0).abs() < 1e-9);
        // Without an exited thread the nanoseconds always stand.
        let a3 = sample(&[(1, 0)], 0, t0);
        let b3 = sample(&[(1, 50_000_000)], 9, t1);
        assert!((nanos_between(&a3, &b3).percent() - 0.5).abs() < 1e-9);
    }
}
