//! Message search over a large database, in the store (the queries alone): seeds `messages`
//! messages of varied text through the store (the FTS index fills through its triggers),
//! then times typical queries; and a single message's durable post with the FTS triggers
//! and without them.

use std::sync::Arc;
use std::time::Instant;

use spectrus_proto::Id;
use spectrusd::config::Synchronous;
use spectrusd::domain::snowflake::Snowflakes;
use spectrusd::store::messages::NewMessage;
use spectrusd::store::search::{Filter, search};
use spectrusd::store::{Store, StoreError};

use crate::report::{histogram, latency_line};
use crate::rng::Rng;

const VOCABULARY: usize = 20_000;
const CHANNELS: u64 = 5;
const AUTHORS: u64 = 20;

/// The `i`th word of a made-up vocabulary (pronounceable, distinct).
fn word(i: usize) -> String {
    const SYL: [&str; 20] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "da", "fe", "gu", "hi", "jo",
        "ba", "ce", "wy", "xo", "qu",
    ];
    let mut s = String::new();
    let mut n = i + 20;
    while n > 0 {
        s.push_str(SYL[n % 20]);
        n /= 20;
    }
    s
}

/// A word index drawn with a heavy head (a few words are very common, most are rare).
fn zipfish(rng: &mut Rng) -> usize {
    let u = (rng.next() % 1_000_000) as f64 / 1_000_000.0;
    ((VOCABULARY as f64).powf(u) as usize).saturating_sub(1)
}

/// The search benchmark.
pub(crate) async fn run(messages: u64, samples: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("spectrus.db"), 2, Synchronous::Full)?;
    store
        .write(|c| -> Result<(), StoreError> {
            for u in 1..=AUTHORS {
                c.execute(
                    "INSERT INTO users(id, username, display_name, password_hash, created_at) VALUES (?1, ?2, ?2, 'x', 0)",
                    rusqlite::params![u as i64, format!("user{u}")],
                )?;
                c.execute(
                    "INSERT INTO members(user_id, joined_at) VALUES (?1, 0)",
                    [u as i64],
                )?;
            }
            for ch in 1..=CHANNELS {
                c.execute(
                    "INSERT INTO channels(id, kind, name, position) VALUES (?1, 'text', ?2, ?1)",
                    rusqlite::params![ch as i64, format!("ch{ch}")],
                )?;
            }
            Ok(())
        })
        .await?;

    let ids = Arc::new(Snowflakes::new(7));
    let t = Instant::now();
    let batch = 20_000u64;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for start in (0..messages).step_by(batch as usize) {
        let n = batch.min(messages - start);
        let ids = ids.clone();
        let mut texts = Vec::with_capacity(n as usize);
        for i in 0..n {
            let len = 4 + rng.next() % 12;
            let mut words: Vec<String> = (0..len).map(|_| word(zipfish(&mut rng))).collect();
            if (start + i) % 50 == 0 {
                words.push("https://example.com/page".into());
            }
            texts.push((
                words.join(" "),
                Id(1 + rng.next() % CHANNELS),
                Id(1 + rng.next() % AUTHORS),
            ));
        }
        store
            .write(move |c| -> Result<(), StoreError> {
                for (content, channel_id, author_id) in texts {
                    let m = NewMessage {
                        id: ids.next(),
                        channel_id,
                        author_id,
                        content,
                        reply_to: None,
                        nonce: None,
                        mentions: Default::default(),
                    };
                    spectrusd::store::messages::insert(c, &m)?;
                }
                Ok(())
            })
            .await?;
    }
    println!(
        "inserted {messages} messages (with FTS indexing) in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let base = Filter::default();
    let text = |w: &str, prefix: bool| {
        Some(format!(
            "content : \"{w}\"{}",
            if prefix { "*" } else { "" }
        ))
    };
    let cases: Vec<(&str, Filter)> = vec![
        (
            "a common word",
            Filter {
                fts: text(&word(2), false),
                ..base.clone()
            },
        ),
        (
            "a mid word",
            Filter {
                fts: text(&word(300), false),
                ..base.clone()
            },
        ),
        (
            "a rare word",
            Filter {
                fts: text(&word(15_000), false),
                ..base.clone()
            },
        ),
        (
            "two words",
            Filter {
                fts: Some(format!(
                    "content : \"{}\" AND content : \"{}\"",
                    word(40),
                    word(3)
                )),
                ..base.clone()
            },
        ),
        (
            "a prefix (4 letters*)",
            Filter {
                fts: text(&word(500)[..4], true),
                ..base.clone()
            },
        ),
        (
            "a phrase",
            Filter {
                fts: Some(format!("content : \"{} {}\"", word(1), word(2))),
                ..base.clone()
            },
        ),
        (
            "word from:user",
            Filter {
                fts: text(&word(300), false),
                author: Some(Id(7)),
                ..base.clone()
            },
        ),
        (
            "word in:#channel",
            Filter {
                fts: text(&word(300), false),
                channel: Some(Id(2)),
                ..base.clone()
            },
        ),
        (
            "word has:link",
            Filter {
                fts: text(&word(300), false),
                link: true,
                ..base.clone()
            },
        ),
        (
            "from:user only",
            Filter {
                author: Some(Id(3)),
                ..base.clone()
            },
        ),
        (
            "a mid word, 4 of 5 channels readable",
            Filter {
                fts: text(&word(300), false),
                channels: Some(vec![Id(1), Id(2), Id(3), Id(4)]),
                hidden: vec![Id(5)],
                ..base.clone()
            },
        ),
    ];
    for (name, f) in cases {
        let mut h = histogram();
        let mut total = 0;
        for i in 0..samples {
            let f = f.clone();
            let offset = if i % 4 == 3 { 25 } else { 0 };
            let (took, n) = store
                .read(move |c| {
                    let s = Instant::now();
                    let (n, page) = search(c, &f, 25, offset, Id(1))?;
                    anyhow_free(page.len() <= 25);
                    Ok((s.elapsed(), n))
                })
                .await?;
            total = n;
            let _ = h.record(took.as_micros().max(1) as u64);
        }
        println!(
            "{} (total {total})",
            latency_line(&format!("search {name}, page of 25"), &h)
        );
    }

    // A single durable post (its own commit, synchronous = FULL), with the FTS trigger and
    // then without it: what indexing adds to posting.
    for phase in ["with FTS", "without FTS"] {
        if phase == "without FTS" {
            store
                .write(|c| -> Result<(), StoreError> {
                    c.execute_batch("DROP TRIGGER messages_fts_insert;")?;
                    Ok(())
                })
                .await?;
        }
        let mut h = histogram();
        for _ in 0..samples {
            let ids = ids.clone();
            let len = 4 + rng.next() % 12;
            let content: Vec<String> = (0..len).map(|_| word(zipfish(&mut rng))).collect();
            let content = content.join(" ");
            let s = Instant::now();
            store
                .write(move |c| -> Result<(), StoreError> {
                    spectrusd::store::messages::insert(
                        c,
                        &NewMessage {
                            id: ids.next(),
                            channel_id: Id(1),
                            author_id: Id(1),
                            content,
                            reply_to: None,
                            nonce: None,
                            mentions: Default::default(),
                        },
                    )
                })
                .await?;
            let _ = h.record(s.elapsed().as_micros().max(1) as u64);
        }
        println!("{}", latency_line(&format!("durable post {phase}"), &h));
    }
    Ok(())
}

/// Checks a benchmark invariant without panicking inside the store's thread.
fn anyhow_free(ok: bool) {
    if !ok {
        eprintln!("a page held more than its limit");
    }
}
