//! End to end: the real `spectrus-tui` binary in a tmux pane runs a plugin's slash commands
//! against the real daemon and the example plugin (examples/plugin-echo, served in-process,
//! installed through the admin socket from a fake raw-content host): Tab completes `/echo`
//! with its description, the answer shows as the bot's message tagged `[BOT]`, and `/slow`
//! shows "Echo is thinking…" in the status line until its follow-up arrives.
//!
//! tmux runs on its own socket with a temporary HOME and XDG dirs (see `support/tmux.rs`).

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::time::Duration;

use plugin_echo::{Config, Verifier};
use serde_json::json;
use spectrus_proto::admin::PluginInstalled;
use spectrus_testkit::TestDaemon;
use spectrus_testkit::fake_github::FakeGithub;
use spectrusctl::AdminClient;

#[path = "support/tmux.rs"]
mod tmux;
use tmux::Tmux;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugin_commands_complete_run_and_answer_as_the_bot() {
    // The plugin's address first: the manifest names it.
    let plugin_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plugin_addr = plugin_listener.local_addr().unwrap();
    let mut manifest: serde_json::Value = serde_json::from_str(include_str!(
        "../../examples/plugin-echo/spectrus-plugin.json"
    ))
    .unwrap();
    manifest["webhook_url"] = json!(format!("http://{plugin_addr}/webhook"));
    let github = FakeGithub::with_manifest("acme/echo", &manifest.to_string())
        .await
        .expect("fake GitHub");

    let daemon = TestDaemon::start_with(&[("SPECTRUS_GITHUB_RAW_URL", github.url())])
        .await
        .expect("daemon");
    let owner = daemon.owner().await.expect("owner");
    daemon.member(&owner, "bob").await.expect("bob");
    let installed = AdminClient::new(daemon.admin_socket())
        .call(
            hyper::Method::POST,
            "/plugins",
            Some(&json!({"source": "acme/echo"})),
        )
        .await
        .unwrap();
    let installed: PluginInstalled = serde_json::from_value(installed).unwrap();
    let app = plugin_echo::router(Config {
        verifier: Verifier::from_hex(&installed.public_key).unwrap(),
        bot_token: installed.bot_token,
        api: Some(daemon.url.clone()),
        slow_delay: Duration::from_secs(2),
    });
    tokio::spawn(async move { axum::serve(plugin_listener, app).await });

    let home = tempfile::tempdir().expect("home");
    let tmux = Tmux::client("e2e-slash", 140, home.path(), &daemon.url, "bob", &[]);
    tmux.wait_for("#general", Duration::from_secs(10));
    // The command list loads right after `ready`.
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Tab completes the plugin's command and says what it is.
    tmux.keys(&["/", "e", "c", "Tab"]);
    let screen = tmux.wait_for("Repeat text (Echo)", Duration::from_secs(10));
    assert!(screen.contains("/echo text:<string>"), "{screen}");
    tmux.type_line("text:\"hi from the terminal\"");
    // The answer is the bot's message (the composer shows the typed text until Enter is
    // handled, so the text alone on screen proves nothing).
    tmux.wait_until("the bot's answer", Duration::from_secs(10), |s| {
        s.lines()
            .any(|l| l.contains("hi from the terminal") && l.contains("Echo [BOT]"))
    });

    // A deferral thinks in the status line until the follow-up arrives.
    tmux.type_line("/slow text:pondered");
    tmux.wait_for("Echo is thinking…", Duration::from_secs(10));
    let screen = tmux.wait_until("the follow-up", Duration::from_secs(15), |s| {
        s.contains("pondered") && !s.contains("thinking")
    });
    assert!(
        screen
            .lines()
            .any(|l| l.contains("Echo [BOT]") && l.contains("pondered")),
        "{screen}"
    );
}
