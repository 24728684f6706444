//! Durable writes: concurrent posters; every 201 means committed (group commit, fsync).
//! `--no-fts` drops the search index's triggers from the bench daemon's database before the
//! run, so posting with and without full-text indexing can be compared on the same binary.

use std::time::{Duration, Instant};

use anyhow::Context;

use crate::fanout::{BENCH_ENV, accounts, general};
use crate::procstat;
use crate::report::{histogram, latency_line};

/// The write benchmark.
pub(crate) async fn run(posters: usize, duration: u64, no_fts: bool) -> anyhow::Result<()> {
    let mut d = spectrus_testkit::TestDaemon::start_with(BENCH_ENV).await?;
    if no_fts {
        d.terminate()?;
        let conn = rusqlite::Connection::open(d.data_dir.join("spectrus.db"))?;
        conn.execute_batch(
            "DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_delete;
             DROP TRIGGER messages_fts_update;",
        )?;
        drop(conn);
        d.restart().await?;
    }
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
                match c.say(ch, &text(i, n)).await {
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
    let index = if no_fts {
        "without full-text indexing"
    } else {
        "with full-text indexing"
    };
    println!("writes: {posters} concurrent posters for {duration} s, {index}");
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

/// A chat-like line of about 80 characters, different for every post, so the search index
/// has real words to add.
fn text(poster: usize, n: u64) -> String {
    const WORDS: &[&str] = &[
        "voice",
        "tonight",
        "server",
        "patch",
        "raid",
        "meeting",
        "coffee",
        "release",
        "bug",
        "screenshot",
        "weekend",
        "stream",
        "deploy",
        "lunch",
        "guild",
        "map",
        "build",
        "ping",
        "latency",
        "update",
        "channel",
        "invite",
        "music",
        "queue",
        "spectrus",
        "backup",
    ];
    let mut x =
        (poster as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ n.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let mut out = format!("#{n}");
    for _ in 0..12 {
        x ^= x >> 31;
        x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
        out.push(' ');
        out.push_str(WORDS[(x % WORDS.len() as u64) as usize]);
    }
    out
}
