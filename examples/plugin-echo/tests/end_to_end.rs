//! plugin-echo against the real daemon (issue 16), through the SDK: installed from a local
//! fake of GitHub's raw-content host via the admin socket, its commands listed
//! (`Client::commands`), `/echo` answered by its bot, `/slow` deferred then followed up, bad
//! options refused, and its bot token usable with `Client::set_bot_token`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;
use spectrus_client::HistoryQuery;
use spectrus_proto::admin::PluginInstalled;
use spectrus_proto::interactions::{InteractionStatus, InvokeCommand};
use spectrus_testkit::fake_github::FakeGithub;
use spectrus_testkit::{TestDaemon, code, general};
use spectrusctl::AdminClient;

struct Plugin(Child);

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn invoke(command: &str, options: serde_json::Value) -> InvokeCommand {
    InvokeCommand {
        command: command.into(),
        options: serde_json::from_value::<BTreeMap<_, _>>(options).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_lists_and_runs_the_plugins_commands_answered_by_its_bot() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut manifest: serde_json::Value =
        serde_json::from_str(include_str!("../spectrus-plugin.json")).unwrap();
    manifest["webhook_url"] = json!(format!("http://127.0.0.1:{port}/webhook"));
    let github = FakeGithub::with_manifest("acme/echo", &manifest.to_string())
        .await
        .unwrap();
    let d = TestDaemon::start_with(&[("SPECTRUS_GITHUB_RAW_URL", github.url())])
        .await
        .unwrap();
    let owner = d.owner().await.unwrap();
    let installed = AdminClient::new(d.admin_socket())
        .call(
            hyper::Method::POST,
            "/plugins",
            Some(&json!({"source": "acme/echo"})),
        )
        .await
        .unwrap();
    let installed: PluginInstalled = serde_json::from_value(installed).unwrap();
    let token = installed.bot_token.expect("a new install shows the token");
    let bot_id = installed.plugin.bot_id.expect("the plugin has a bot");

    let mut child = Command::new(env!("CARGO_BIN_EXE_plugin-echo"))
        .arg(format!("--listen=127.0.0.1:{port}"))
        .arg(format!("--public-key={}", installed.public_key))
        .arg(format!("--bot-token={token}"))
        .arg(format!("--api={}", d.url))
        .arg("--slow-ms=300")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on"), "{line}");
    let _plugin = Plugin(child);

    // Listed for completion, with the plugin and its bot.
    let list = owner.commands().await.unwrap().commands;
    let names: Vec<&str> = list.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["echo", "slow"]);
    assert!(
        list.iter()
            .all(|c| c.plugin_name == "Echo" && c.bot_id == bot_id)
    );
    assert_eq!(list[0].options[0].name, "text");

    // /echo: answered at once, posted by the bot.
    let ch = general(&owner).await;
    let r = owner
        .invoke_command(ch, &invoke("echo", json!({"text": "hi from the sdk"})))
        .await
        .unwrap();
    assert_eq!(r.status, InteractionStatus::Answered);
    let m = r.message.expect("the answer");
    assert_eq!(m.content, "hi from the sdk");
    assert_eq!(m.author.id, bot_id);
    assert!(m.author.bot, "the author is marked as a bot");

    // A required option missing: refused before the plugin sees it.
    assert_eq!(
        code(owner.invoke_command(ch, &invoke("echo", json!({}))).await),
        "invalid_options"
    );

    // /slow: deferred, then the follow-up arrives as the bot's message.
    let r = owner
        .invoke_command(ch, &invoke("slow", json!({"text": "pondered"})))
        .await
        .unwrap();
    assert_eq!(r.status, InteractionStatus::Deferred);
    let mut found = false;
    for _ in 0..100 {
        let page = owner.messages(ch, HistoryQuery::default()).await.unwrap();
        if page
            .iter()
            .any(|m| m.content == "pondered" && m.author.id == bot_id && m.id > r.id)
        {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(found, "the follow-up was posted by the bot");

    // The bot token works with the SDK.
    let bot = d.client();
    bot.set_bot_token(&token);
    let me = bot.me().await.unwrap();
    assert_eq!(me.id, bot_id);
    assert!(me.bot);
}
