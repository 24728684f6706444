//! `spectrus-bench`: load generator and benchmarks against a real `spectrusd`.
//!
//! Each subcommand starts the release daemon (via `spectrus-testkit`) on loopback with a
//! temporary data directory, drives it, and prints its figures. Build both first:
//! `cargo build --release -p spectrusd -p spectrus-bench` (and `-p spectrusctl` for
//! `backup`).

mod abuse;
mod backup;
mod community;
mod fanout;
mod figures;
mod history;
mod irc;
mod procstat;
mod readbuf;
mod report;
mod rng;
mod search;
mod settle;
mod soak;
mod upload;
mod voice;
mod webhooks;
mod writes;
mod wsclient;

use clap::{Parser, Subcommand};

/// Spectrus benchmarks.
#[derive(Debug, Parser)]
#[command(name = "spectrus-bench", version, about)]
struct Args {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// Gateway fan-out: N sessions in one channel, messages posted at a rate; post-to-delivery latency.
    Fanout {
        #[arg(long, default_value_t = 1000)]
        sessions: usize,
        /// Messages per second posted.
        #[arg(long, default_value_t = 100)]
        rate: u32,
        /// Seconds of posting.
        #[arg(long, default_value_t = 30)]
        duration: u64,
        /// Distinct accounts the sessions are spread over.
        #[arg(long, default_value_t = 50)]
        users: usize,
    },
    /// A community: one member account per session (seeded with a cheap bench-only hash);
    /// CPU to connect everyone, RSS connected, frames before the first message, fan-out
    /// latency; with `--irc` the same load against InspIRCd in the same run.
    Community {
        #[arg(long, default_value_t = 1000)]
        members: usize,
        /// Messages per second posted.
        #[arg(long, default_value_t = 100)]
        rate: u32,
        /// Seconds of posting.
        #[arg(long, default_value_t = 10)]
        duration: u64,
        /// Also run the load against `/usr/sbin/inspircd`.
        #[arg(long)]
        irc: bool,
    },
    /// One client abusing the daemon (ping flood, connection flood, posting flood) while
    /// another's post-to-delivery latency is measured, against an unloaded baseline.
    Abuse {
        /// Messages per second posted for the victim.
        #[arg(long, default_value_t = 10)]
        rate: u32,
        /// Seconds per phase.
        #[arg(long, default_value_t = 20)]
        duration: u64,
    },
    /// Soak: gateway clients with churn (drop and reconnect, half resuming) while a poster
    /// sends messages, optionally beside voice rooms with join/leave churn; RSS, open fds,
    /// threads, tokio tasks and delivery p99 every 30 s, and whether each stayed flat.
    Soak {
        #[arg(long, default_value_t = 1000)]
        clients: usize,
        /// Minutes of soaking.
        #[arg(long, default_value_t = 10)]
        minutes: u64,
        /// Minutes of warm-up before the flatness baseline: at least the resume window
        /// (5 min), during which abandoned sessions rightly accumulate.
        #[arg(long, default_value_t = 6)]
        warmup: u64,
        /// Fraction of the clients that drop and reconnect every 30 s.
        #[arg(long, default_value_t = 0.1)]
        churn: f64,
        /// Messages per second posted to everyone.
        #[arg(long, default_value_t = 5)]
        rate: u32,
        /// Distinct accounts the clients are spread over.
        #[arg(long, default_value_t = 50)]
        users: usize,
        /// Voice rooms beside the gateway clients (participants in helper processes, one
        /// speaker per room, one participant per room rejoining every 30 s); 0: none.
        #[arg(long, default_value_t = 0)]
        voice_rooms: usize,
        /// Participants per voice room.
        #[arg(long, default_value_t = 10)]
        voice_size: usize,
    },
    /// Idle memory: daemon RSS, and RSS per idle gateway session.
    Memory {
        #[arg(long, default_value_t = 10_000)]
        sessions: usize,
    },
    /// Durable writes: concurrent posters, acknowledged messages per second.
    Writes {
        #[arg(long, default_value_t = 64)]
        posters: usize,
        #[arg(long, default_value_t = 10)]
        duration: u64,
        /// Drop the full-text search triggers first (posting without FTS indexing).
        #[arg(long)]
        no_fts: bool,
    },
    /// History pages at random points of a large channel, in the store and over HTTP.
    History {
        #[arg(long, default_value_t = 1_000_000)]
        messages: u64,
        #[arg(long, default_value_t = 2000)]
        samples: usize,
    },
    /// Message search over a large database (in the store), and a durable post with FTS
    /// indexing and without.
    Search {
        #[arg(long, default_value_t = 1_000_000)]
        messages: u64,
        #[arg(long, default_value_t = 400)]
        samples: usize,
    },
    /// Voice rooms: the daemon's CPU per delivered packet, delivery per speaker, latency and
    /// RSS, with the WebRTC participants in helper processes.
    Voice {
        /// Rooms as PARTICIPANTS/SPEAKERS, comma-separated.
        #[arg(long, default_value = "10/1,10/10,50/5,100/10,200/10")]
        rooms: String,
        /// Seconds measured per room [default: 30 under 50 participants, else 10].
        #[arg(long)]
        seconds: Option<u64>,
        /// Seconds between everyone connected and the measurement.
        #[arg(long, default_value_t = 3)]
        warmup: u64,
        /// Participants per helper process.
        #[arg(long, default_value_t = 25)]
        per_process: usize,
        /// Runs of each room.
        #[arg(long, default_value_t = 1)]
        repeat: usize,
        /// Servers measured: spectrus, mumble (Debian's murmurd, `mumble-server`) or both.
        #[arg(long, value_enum, default_value = "both")]
        servers: voice::Servers,
        /// What hosts the listeners (the participants not speaking) of a Spectrus room:
        /// `engine`, full client engines as the speakers (15-20 µs of the generator's CPU per
        /// received packet); `lite`, lean receivers on the sans-IO `rtc` crate that only count
        /// what SRTP opened and its latency (about 7 µs), for large rooms on small machines.
        #[arg(long, value_enum, default_value = "engine")]
        listeners: voice::Listeners,
    },
    /// (internal) A `voice` helper process hosting Mumble clients; driven over stdin.
    #[command(hide = true)]
    MumblePeers,
    /// (internal) A `voice` helper process hosting some participants; driven over stdin.
    #[command(hide = true)]
    VoicePeers,
    /// (internal) A `voice` helper process hosting lean listeners; driven over stdin.
    #[command(hide = true)]
    VoiceLite,
    /// Online backup of a large database while messages are posted at a steady rate:
    /// posting latency unloaded and during `spectrusctl backup`, and the copy's integrity.
    Backup {
        /// Database size before the run, in MiB (filled with real messages).
        #[arg(long, default_value_t = 1024)]
        size_mib: u64,
        /// Messages posted per second.
        #[arg(long, default_value_t = 1000)]
        rate: u32,
        /// Seconds of unloaded posting measured before the backup starts.
        #[arg(long, default_value_t = 20)]
        unloaded: u64,
        /// Seconds of unloaded posting measured after the backup ends.
        #[arg(long, default_value_t = 10)]
        after: u64,
        /// Write every post's start and latency to this file (to line stalls up with a
        /// kernel trace).
        #[arg(long)]
        posts_log: Option<std::path::PathBuf>,
    },
    /// Posting latency with no plugin receiving MESSAGE_CREATE against a plugin whose
    /// webhook refuses connections and one whose webhook never answers, interleaved.
    Webhooks {
        /// Sequential posts measured per phase.
        #[arg(long, default_value_t = 2000)]
        posts: usize,
        /// Rounds of the three phases.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// Attachment uploads (multipart) of the given sizes: throughput and the daemon's
    /// resident memory growth while it streams each to disk.
    Upload {
        /// File sizes in MiB, comma-separated.
        #[arg(long, value_delimiter = ',', default_values_t = [50u64, 200])]
        sizes_mib: Vec<u64>,
    },
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    raise_open_files_limit();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        match args.bench {
            Bench::Fanout {
                sessions,
                rate,
                duration,
                users,
            } => fanout::run(sessions, rate, duration, users).await,
            Bench::Community {
                members,
                rate,
                duration,
                irc,
            } => community::run(members, rate, duration, irc).await,
            Bench::Abuse { rate, duration } => abuse::run(rate, duration).await,
            Bench::Memory { sessions } => fanout::memory(sessions).await,
            Bench::Soak {
                clients,
                minutes,
                warmup,
                churn,
                rate,
                users,
                voice_rooms,
                voice_size,
            } => {
                soak::run(soak::Options {
                    clients,
                    minutes,
                    warmup,
                    churn,
                    rate,
                    users,
                    voice_rooms,
                    voice_size,
                })
                .await
            }
            Bench::Voice {
                rooms,
                seconds,
                warmup,
                per_process,
                repeat,
                servers,
                listeners,
            } => {
                voice::run(voice::Options {
                    rooms: voice::parse_rooms(&rooms)?,
                    seconds,
                    warmup,
                    per_worker: per_process,
                    repeat,
                    servers,
                    listeners,
                })
                .await
            }
            Bench::VoicePeers => voice::peers::run().await,
            Bench::VoiceLite => voice::lite::run().await,
            Bench::MumblePeers => voice::mumble_peers::run().await,
            Bench::Writes {
                posters,
                duration,
                no_fts,
            } => writes::run(posters, duration, no_fts).await,
            Bench::History { messages, samples } => history::run(messages, samples).await,
            Bench::Search { messages, samples } => search::run(messages, samples).await,
            Bench::Upload { sizes_mib } => upload::run(sizes_mib).await,
            Bench::Webhooks { posts, rounds } => webhooks::run(posts, rounds).await,
            Bench::Backup {
                size_mib,
                rate,
                unloaded,
                after,
                posts_log,
            } => {
                backup::run(backup::Options {
                    size_mib,
                    rate,
                    unloaded,
                    after,
                    posts_log,
                })
                .await
            }
        }
    })
}

/// Raises the soft limit of open files to the hard limit, as the daemon does at start: every
/// session is a file descriptor, and a shell's default (often 1024, 20,000 here) left some
/// of 10,000 sessions unable to connect. A failure is only reported.
fn raise_open_files_limit() {
    let before = rlimit::getrlimit(rlimit::Resource::NOFILE).map(|(soft, _)| soft);
    match (before, rlimit::increase_nofile_limit(u64::MAX)) {
        (Ok(from), Ok(to)) if to > from => eprintln!("open files limit raised from {from} to {to}"),
        (_, Err(e)) => eprintln!("cannot raise the open files limit: {e}"),
        _ => {}
    }
}
