//! Durable writes: concurrent posters; every 201 means committed (group commit, fsync).

use std::time::{Duration, Instant};

use anyhow::Context;

use crate::fanout::{BENCH_ENV, accounts, general};
use crate::procstat;
use crate::report::{histogram, latency_line};

/// The write benchmark.
pub(crate) async fn run(posters: usize, duration: u64) -> anyhow::Result<()> {
    let d = spectrus_testkit::TestDaemon::start_with(BENCH_ENV).await?;
    let pid = d.pid().context("no daemon pid")?;
    let clients = accounts(&d, 8).await?;
    let ch = general(&clients[0]).await?;
    let cpu0 = procstat::cpu(pid);
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs(duration);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..posters {
        let c = clients[i % clients.len()].clone();
        tasks.spawn(async move {
            let mut h = histogram();
            let mut errors = 0u64;
            let mut n = 0u64;
            while Instant::now() < end {
                let s = Instant::now();
                match c.say(ch, &format!("write {i} {n}")).await {
                    Ok(_) => {
                        let _ = h.record(s.elapsed().as_micros().max(1) as u64);
                    }
                    Err(_) => errors += 1,
                }
                n += 1;
            }
            (h, errors)
        });
    }
    let mut all = histogram();
    let mut errors = 0;
    while let Some(r) = tasks.join_next().await {
        let (h, e) = r?;
        all.add(&h).ok();
        errors += e;
    }
    let secs = t0.elapsed().as_secs_f64();
    let cpu1 = procstat::cpu(pid);
    println!("writes: {posters} concurrent posters for {duration} s");
    println!(
        "acknowledged: {} ({:.0}/s), errors: {errors}",
        all.len(),
        all.len() as f64 / secs
    );
    println!("{}", latency_line("post latency", &all));
    println!(
        "daemon: CPU {:.0}% of one core",
        procstat::cpu_percent(cpu0, cpu1)
    );
    Ok(())
}
