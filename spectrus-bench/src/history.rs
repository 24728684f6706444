//! History pages at random points of a channel with many messages: in the store (the
//! query alone) and over HTTP (the whole request).

use std::time::Instant;

use anyhow::Context;
use spectrus_client::HistoryQuery;
use spectrus_proto::Id;
use spectrusd::config::Synchronous;
use spectrusd::domain::snowflake::Snowflakes;
use spectrusd::store::Store;
use spectrusd::store::messages::{Cursor, NewMessage};

use crate::fanout::stopped_with_owner;
use crate::report::{histogram, latency_line};
use crate::rng::Rng;

/// The history benchmark.
pub(crate) async fn run(messages: u64, samples: usize) -> anyhow::Result<()> {
    let (mut d, author, ch) = stopped_with_owner().await?;

    let db = d.data_dir.join("spectrus.db");
    let store = Store::open(&db, 2, Synchronous::Normal)?;
    let ids = std::sync::Arc::new(Snowflakes::new(7));
    let t = Instant::now();
    let batch = 20_000u64;
    let mut first: Option<Id> = None;
    let mut last = Id(0);
    for start in (0..messages).step_by(batch as usize) {
        let n = batch.min(messages - start);
        let ids = ids.clone();
        let (f, l) = store
            .write(move |c| -> Result<_, spectrusd::store::StoreError> {
                let mut f = None;
                let mut l = Id(0);
                for i in 0..n {
                    let id = ids.next();
                    f.get_or_insert(id);
                    l = id;
                    let m = NewMessage {
                        id,
                        channel_id: ch,
                        author_id: author,
                        content: format!("history message {}", start + i),
                        reply_to: None,
                        nonce: None,
                        mentions: Default::default(),
                    };
                    spectrusd::store::messages::insert(c, &m)?;
                }
                Ok((f, l))
            })
            .await?;
        first = first.or(f);
        last = l;
    }
    println!(
        "inserted {messages} messages in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let first = first.context("no messages")?;

    // In the store: the query alone, timed inside the read connection.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut store_h = histogram();
    for _ in 0..samples {
        let at = Id(first.0 + rng.next() % (last.0 - first.0).max(1));
        let took = store
            .read(move |c| {
                let s = Instant::now();
                let page = spectrusd::store::messages::page(c, ch, Cursor::Before(at), 50, author)?;
                Ok((s.elapsed(), page.len()))
            })
            .await?;
        let _ = store_h.record(took.0.as_micros().max(1) as u64);
    }
    drop(store);
    println!("{}", latency_line("store page of 50", &store_h));

    d.restart().await?;
    let c = d.client();
    c.login("owner", spectrus_testkit::PASSWORD).await?;
    let mut http_h = histogram();
    for _ in 0..samples {
        let at = Id(first.0 + rng.next() % (last.0 - first.0).max(1));
        let s = Instant::now();
        let page = c
            .messages(
                ch,
                HistoryQuery {
                    before: Some(at),
                    limit: Some(50),
                    ..Default::default()
                },
            )
            .await?;
        let _ = http_h.record(s.elapsed().as_micros().max(1) as u64);
        anyhow::ensure!(page.len() <= 50);
    }
    println!("{}", latency_line("HTTP page of 50", &http_h));
    Ok(())
}
