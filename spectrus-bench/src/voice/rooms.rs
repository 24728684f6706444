//! Voice rooms kept up beside another load (the soak): `rooms` voice channels of `size`
//! participants, one speaking in each, every room in its own `voice-peers` helper process
//! (the same participants as `spectrus-bench voice`); on each [`Rooms::churn`] one
//! participant per room leaves voice and its gateway, reconnects and joins again.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use spectrus_client::Client;
use spectrus_proto::model::ChannelType;
use spectrus_proto::rest::CreateChannel;
use spectrus_testkit::TestDaemon;

use super::{PACKETS_PER_SECOND, Worker, accounts};

/// Running voice rooms.
pub(crate) struct Rooms {
    workers: Vec<Worker>,
    /// Participants connected now (after the last churn).
    pub(crate) connected: usize,
    /// Packets a second every listener together would receive with nobody missing.
    pub(crate) nominal_per_sec: f64,
    last_snap: Instant,
}

impl Rooms {
    /// Registers `rooms * size` accounts, creates the voice channels, starts one helper per
    /// room and waits until its participants have connected (or given up).
    pub(crate) async fn start(
        d: &TestDaemon,
        owner: &Client,
        rooms: usize,
        size: usize,
    ) -> anyhow::Result<Rooms> {
        let size = size.max(2);
        // Skip the first account, the owner's: the soak's own clients use (and refresh) it.
        let people = accounts(d, owner, rooms * size + 1).await?;
        let people = &people[1..];
        let mut workers = Vec::with_capacity(rooms);
        for (r, members) in people.chunks(size).enumerate() {
            let channel = owner
                .create_channel(&CreateChannel::new(
                    format!("soak-voice-{r}"),
                    ChannelType::Voice,
                ))
                .await?
                .id;
            let peers: Vec<Value> = members
                .iter()
                .enumerate()
                .map(|(i, a)| json!({"access": a.access, "refresh": a.refresh, "user": a.user, "speak": i == 0}))
                .collect();
            workers.push(
                Worker::spawn(
                    "voice-peers",
                    json!({"url": d.url, "channel": channel.0, "peers": peers}),
                )
                .await?,
            );
        }
        let mut connected = 0;
        for w in &mut workers {
            let v = w.expect("connected", Duration::from_secs(180)).await?;
            connected += v["ok"].as_u64().unwrap_or(0) as usize;
        }
        let mut r = Rooms {
            workers,
            connected,
            nominal_per_sec: (rooms * (size - 1)) as f64 * PACKETS_PER_SECOND,
            last_snap: Instant::now(),
        };
        // The helpers count from their start: begin the first window now.
        r.received_per_sec().await?;
        Ok(r)
    }

    /// One participant per room leaves and joins again; how many of them came back.
    pub(crate) async fn churn(&mut self) -> anyhow::Result<usize> {
        for w in &mut self.workers {
            w.command("rejoin").await?;
        }
        let (mut back, mut connected) = (0, 0);
        for w in &mut self.workers {
            let v = w.expect("rejoined", Duration::from_secs(120)).await?;
            back += usize::from(v["ok"].as_bool() == Some(true));
            connected += v["peers"].as_u64().unwrap_or(0) as usize;
        }
        self.connected = connected;
        Ok(back)
    }

    /// Packets every listener received per second since the previous snap.
    pub(crate) async fn received_per_sec(&mut self) -> anyhow::Result<f64> {
        for w in &mut self.workers {
            w.command("snap").await?;
        }
        let mut packets = 0u64;
        for w in &mut self.workers {
            let v = w.expect("snap", Duration::from_secs(30)).await?;
            packets += v["received"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r[2].as_u64())
                .sum::<u64>();
        }
        let secs = self.last_snap.elapsed().as_secs_f64();
        self.last_snap = Instant::now();
        Ok(packets as f64 / secs.max(0.001))
    }

    /// Everyone leaves; the helpers exit.
    pub(crate) async fn leave(mut self) {
        for w in &mut self.workers {
            let _ = w.command("leave").await;
        }
        for w in &mut self.workers {
            let _ = tokio::time::timeout(Duration::from_secs(20), w.child.wait()).await;
        }
    }
}
