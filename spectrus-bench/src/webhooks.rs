//! An unreachable plugin webhook must not slow posting: the post latency (one poster,
//! sequential `POST /channels/{id}/messages`) with no plugin receiving `MESSAGE_CREATE`,
//! against a plugin subscribed to it whose webhook refuses connections, and one whose
//! webhook is a blackhole (accepts, never answers). The phases are interleaved, `rounds`
//! times; between phases the plugins are enabled or disabled through the admin socket (a
//! disabled plugin has no queue on the bus: the same publishing path as no plugin).

use std::time::Instant;

use anyhow::Context;
use hyper::Method;
use spectrus_testkit::fake_github::FakeGithub;
use spectrus_testkit::{TestDaemon, general};
use spectrusctl::AdminClient;
use tokio::net::TcpListener;

use crate::report::{histogram, latency_line};

fn manifest(id: &str, webhook: &str) -> String {
    serde_json::json!({
        "id": id, "name": id, "version": "1.0.0", "description": "bench", "author": "bench",
        "permissions": ["messages:send"], "events": ["MESSAGE_CREATE"], "webhook_url": webhook,
    })
    .to_string()
}

/// Accepts connections and never answers (holding them open).
async fn blackhole() -> anyhow::Result<String> {
    let l = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", l.local_addr()?);
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            held.push(s);
        }
    });
    Ok(url)
}

/// Runs the interleaved phases.
pub(crate) async fn run(posts: usize, rounds: usize) -> anyhow::Result<()> {
    let refused = {
        // Bound then dropped: nothing listens there.
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        format!("http://{}/hook", l.local_addr()?)
    };
    let hole = blackhole().await?;
    let raw = FakeGithub::start().await?;
    raw.publish(
        "bench/refused/HEAD/spectrus-plugin.json",
        &manifest("refused", &refused),
    );
    raw.publish(
        "bench/blackhole/HEAD/spectrus-plugin.json",
        &manifest("blackhole", &hole),
    );
    let d = TestDaemon::start_with(&[("SPECTRUS_GITHUB_RAW_URL", raw.url())]).await?;
    println!(
        "webhooks: daemon {}, {posts} sequential posts per phase, {rounds} rounds; refused webhook {refused}, blackhole {hole}",
        spectrus_testkit::daemon_binary()?.display()
    );
    let admin = AdminClient::new(d.admin_socket());
    for id in ["refused", "blackhole"] {
        admin
            .call(
                Method::POST,
                "/plugins",
                Some(&serde_json::json!({"source": format!("bench/{id}")})),
            )
            .await
            .with_context(|| format!("installing plugin {id}"))?;
        admin
            .call(Method::POST, &format!("/plugins/{id}/disable"), None::<&()>)
            .await?;
    }
    let owner = d.owner().await?;
    let g = general(&owner).await;
    for i in 0..200 {
        owner.say(g, &format!("warm-up {i}")).await?;
    }
    let phases = [
        ("no plugin", None),
        ("refused webhook", Some("refused")),
        ("blackhole webhook", Some("blackhole")),
    ];
    let mut totals: Vec<_> = phases.iter().map(|_| histogram()).collect();
    for round in 0..rounds {
        for (i, (name, plugin)) in phases.iter().enumerate() {
            if let Some(p) = plugin {
                admin
                    .call(Method::POST, &format!("/plugins/{p}/enable"), None::<&()>)
                    .await?;
            }
            let mut h = histogram();
            for n in 0..posts {
                let start = Instant::now();
                owner.say(g, &format!("{name} {round} {n}")).await?;
                h.record(start.elapsed().as_micros().max(1) as u64)?;
            }
            if let Some(p) = plugin {
                admin
                    .call(Method::POST, &format!("/plugins/{p}/disable"), None::<&()>)
                    .await?;
            }
            println!("{}", latency_line(&format!("round {round} {name:>18}"), &h));
            totals[i].add(&h)?;
        }
    }
    for ((name, _), h) in phases.iter().zip(&totals) {
        println!("{}", latency_line(&format!("all rounds {name:>18}"), h));
    }
    let plugins = admin.get_as::<serde_json::Value>("/plugins").await?;
    for p in plugins.as_array().into_iter().flatten() {
        println!("plugin {} healthy: {}", p["id"], p["healthy"]);
    }
    Ok(())
}
