//! Attachment upload: files of the given sizes posted as `multipart/form-data` to a real
//! daemon over loopback; throughput, and the daemon's resident memory growth while it
//! streams each file to disk (the target: under 16 MiB whatever the file's size).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use spectrus_testkit::{TestDaemon, general};

use crate::procstat;
use crate::rng::Rng;

/// Bytes no sniffer recognises (so no image path runs) and nothing compresses.
fn payload(size: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed | 1);
    let mut v = Vec::with_capacity(size + 8);
    while v.len() < size {
        v.extend_from_slice(&rng.next().to_le_bytes());
    }
    v.truncate(size);
    v
}

/// Uploads one file of each size in `sizes_mib`, one after another.
pub(crate) async fn run(sizes_mib: Vec<u64>) -> anyhow::Result<()> {
    let biggest = sizes_mib.iter().copied().max().unwrap_or(0) * 1024 * 1024;
    let max_file = (biggest + 1024 * 1024).to_string();
    let d = TestDaemon::start_with(&[
        ("SPECTRUS_UPLOAD_MAX_FILE_BYTES", max_file.as_str()),
        ("SPECTRUS_UPLOAD_MAX_TOTAL_BYTES", "1099511627776"),
        ("SPECTRUS_READ_TIMEOUT_SECS", "600"),
    ])
    .await?;
    let pid = d.pid().context("the daemon has no pid")?;
    println!(
        "upload: daemon {} (pid {pid}), data dir {}",
        spectrus_testkit::daemon_binary()?.display(),
        d.data_dir.display()
    );
    let owner = d.owner().await?;
    let g = general(&owner).await;
    // Warm up: the first request pays for lazily built state.
    owner
        .upload(g, "warm-up", "warm.bin", &payload(64 * 1024, 1))
        .await?;
    for (i, mib) in sizes_mib.into_iter().enumerate() {
        let size = usize::try_from(mib * 1024 * 1024)?;
        let data = payload(size, 7 + i as u64);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = procstat::rss_kib(pid);
        let peak = Arc::new(AtomicU64::new(before));
        let done = Arc::new(AtomicBool::new(false));
        let sampler = {
            let (peak, done) = (peak.clone(), done.clone());
            tokio::spawn(async move {
                while !done.load(Ordering::Relaxed) {
                    peak.fetch_max(procstat::rss_kib(pid), Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        };
        let start = Instant::now();
        let msg = owner
            .upload(g, "", &format!("blob-{mib}MiB.bin"), &data)
            .await
            .with_context(|| format!("uploading {mib} MiB"))?;
        let took = start.elapsed();
        done.store(true, Ordering::Relaxed);
        sampler.await?;
        let after = procstat::rss_kib(pid);
        let peak = peak.load(Ordering::Relaxed);
        let a = msg.attachments.first().context("no attachment")?;
        anyhow::ensure!(a.size == size as u64, "stored {} of {size} bytes", a.size);
        println!(
            "upload {mib:>4} MiB: {:>7.1} ms, {:>7.1} MiB/s; daemon RSS {:.1} MiB before, peak {:.1} MiB (+{:.1} MiB), {:.1} MiB after",
            took.as_secs_f64() * 1000.0,
            mib as f64 / took.as_secs_f64(),
            before as f64 / 1024.0,
            peak as f64 / 1024.0,
            peak.saturating_sub(before) as f64 / 1024.0,
            after as f64 / 1024.0,
        );
    }
    Ok(())
}
