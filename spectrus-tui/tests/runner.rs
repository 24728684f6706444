//! The network runner against the real daemon (no terminal): login, live dispatches,
//! sending, history pages, reconnect and resume, bad passwords, token storage, voice frames.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::time::Duration;

use spectrus_client::Client;
use spectrus_proto::Id;
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::model::ChannelType;
use spectrus_proto::rest::CreateChannel;
use spectrus_testkit::{PASSWORD, TestDaemon};
use spectrus_tui::action::{Action, ConnectionChange, GatewayEvent, VoiceEvent};
use spectrus_tui::effect::Effect;
use spectrus_tui::net::tokens::{KeyringMode, TokenStore};
use spectrus_tui::net::{ClientRunner, RunnerOptions};
use spectrus_tui::runner::EffectRunner;
use spectrus_tui::state::ServerKey;
use tokio::sync::mpsc::UnboundedReceiver;

const KEY: ServerKey = ServerKey(1);
const WAIT: Duration = Duration::from_secs(10);

struct Harness {
    daemon: TestDaemon,
    owner: Client,
    runner: ClientRunner,
    rx: UnboundedReceiver<Action>,
    dir: tempfile::TempDir,
    /// Notices seen while waiting for other actions.
    notices: Vec<String>,
}

async fn harness(mode: KeyringMode) -> Harness {
    let daemon = TestDaemon::start().await.expect("daemon");
    let owner = daemon.owner().await.expect("owner");
    daemon.member(&owner, "bob").await.expect("bob");
    let dir = tempfile::tempdir().expect("tmp");
    let (runner, rx) = runner_in(&dir, mode);
    Harness {
        daemon,
        owner,
        runner,
        rx,
        dir,
        notices: Vec::new(),
    }
}

fn runner_in(
    dir: &tempfile::TempDir,
    mode: KeyringMode,
) -> (ClientRunner, UnboundedReceiver<Action>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let tokens = TokenStore::new(dir.path().join("data/spectrus/tui-tokens.toml"), mode);
    let opts = RunnerOptions::new(
        Some(dir.path().join("data/spectrus/tui-servers.toml")),
        tokens,
    );
    (
        ClientRunner::new(tokio::runtime::Handle::current(), tx, opts),
        rx,
    )
}

/// The first action `pick` accepts within `WAIT`, skipping others.
async fn wait_for<T>(
    rx: &mut UnboundedReceiver<Action>,
    what: &str,
    mut pick: impl FnMut(&Action) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(a)) => {
                if let Some(t) = pick(&a) {
                    return t;
                }
            }
            Ok(None) => panic!("channel closed waiting for {what}"),
            Err(_) => panic!("timed out waiting for {what}"),
        }
    }
}

fn login(h: &mut Harness, user: &str, password: &str) {
    h.runner.run(Effect::Login {
        server: KEY,
        url: h.daemon.url.clone(),
        username: user.into(),
        password: password.into(),
    });
}

/// Logs bob in and returns the first text channel from `ready`.
async fn logged_in(h: &mut Harness) -> Id {
    login(h, "bob", PASSWORD);
    let notices = &mut h.notices;
    let user = wait_for(&mut h.rx, "LoginOk", |a| match a {
        Action::Notice { text, .. } => {
            notices.push(text.clone());
            None
        }
        Action::LoginOk { user, .. } => Some(user.username.clone()),
        Action::LoginFailed { error, .. } => panic!("login failed: {error}"),
        _ => None,
    })
    .await;
    assert_eq!(user, "bob");
    wait_for(&mut h.rx, "ready", |a| match a {
        Action::Gateway {
            event: GatewayEvent::Ready(r),
            ..
        } => r
            .channels
            .iter()
            .find(|c| c.kind == ChannelType::Text)
            .map(|c| c.id),
        _ => None,
    })
    .await
}

fn message_create(a: &Action) -> Option<spectrus_proto::model::Message> {
    match a {
        Action::Gateway {
            event: GatewayEvent::Dispatch(Dispatch::MessageCreate(m)),
            ..
        } => Some(m.clone()),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_ready_and_live_messages() {
    let mut h = harness(KeyringMode::FileOnly).await;
    let channel = logged_in(&mut h).await;
    h.owner.say(channel, "hello from owner").await.expect("say");
    let m = wait_for(&mut h.rx, "MESSAGE_CREATE", |a| {
        message_create(a).filter(|m| m.content == "hello from owner")
    })
    .await;
    assert_eq!(m.author.username, "owner");
    assert_eq!(m.channel_id, channel);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_message_reaches_the_server() {
    let mut h = harness(KeyringMode::FileOnly).await;
    let channel = logged_in(&mut h).await;
    h.runner.run(Effect::SendMessage {
        server: KEY,
        channel,
        content: "sent by the runner".into(),
        reply_to: None,
        nonce: "n-1".into(),
    });
    let echo = wait_for(&mut h.rx, "echo", |a| {
        if let Action::SendFailed { error, .. } = a {
            panic!("send failed: {error}");
        }
        message_create(a).filter(|m| m.nonce.as_deref() == Some("n-1"))
    })
    .await;
    assert_eq!(echo.content, "sent by the runner");
    let on_server = h
        .owner
        .messages(channel, Default::default())
        .await
        .expect("history");
    assert!(on_server.iter().any(|m| m.content == "sent by the runner"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_comes_in_pages_of_fifty() {
    let mut h = harness(KeyringMode::FileOnly).await;
    let channel = h
        .owner
        .create_channel(&CreateChannel::new("history", ChannelType::Text))
        .await
        .expect("channel")
        .id;
    for i in 0..60 {
        h.owner.say(channel, &format!("m{i}")).await.expect("say");
    }
    logged_in(&mut h).await;
    let page = |before| Effect::FetchHistory {
        server: KEY,
        channel,
        before,
        limit: 50,
    };
    let loaded = |a: &Action| match a {
        Action::HistoryLoaded {
            channel: c,
            messages,
            ..
        } if *c == channel => Some(messages.clone()),
        Action::HistoryFailed { error, .. } => panic!("history failed: {error}"),
        _ => None,
    };
    h.runner.run(page(None));
    let first = wait_for(&mut h.rx, "first page", loaded).await;
    assert_eq!(first.len(), 50);
    let oldest = first.iter().map(|m| m.id).min().expect("oldest");
    h.runner.run(page(Some(oldest)));
    let rest = wait_for(&mut h.rx, "second page", loaded).await;
    assert_eq!(rest.len(), 10);
    assert!(rest.iter().all(|m| m.id < oldest));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connection_reconnects_and_resumes() {
    let mut h = harness(KeyringMode::FileOnly).await;
    let channel = logged_in(&mut h).await;
    h.runner.gateway(KEY).expect("gateway").drop_connection();
    wait_for(&mut h.rx, "Reconnecting", |a| match a {
        Action::Connection {
            change: ConnectionChange::Reconnecting { attempt },
            ..
        } => Some(*attempt),
        _ => None,
    })
    .await;
    wait_for(&mut h.rx, "Resumed", |a| match a {
        Action::Connection {
            change: ConnectionChange::Resumed,
            ..
        } => Some(()),
        _ => None,
    })
    .await;
    // Still live after the resume.
    h.owner.say(channel, "after resume").await.expect("say");
    wait_for(&mut h.rx, "MESSAGE_CREATE after resume", |a| {
        message_create(a).filter(|m| m.content == "after resume")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_password_is_login_failed() {
    let mut h = harness(KeyringMode::FileOnly).await;
    login(&mut h, "bob", "not the password");
    let error = wait_for(&mut h.rx, "LoginFailed", |a| match a {
        Action::LoginFailed { error, .. } => Some(error.clone()),
        Action::LoginOk { .. } => panic!("logged in with a wrong password"),
        _ => None,
    })
    .await;
    assert!(!error.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_fall_back_to_a_private_file_and_restore_the_session() {
    let mut h = harness(KeyringMode::Auto).await;
    let has_keyring = keyring::Entry::new("spectrus-tui-test", "probe").is_ok();
    logged_in(&mut h).await;
    let file = h.dir.path().join("data/spectrus/tui-tokens.toml");
    let store = TokenStore::new(file.clone(), KeyringMode::Auto);
    let url = h.daemon.url.clone();
    if has_keyring {
        eprintln!("a keychain exists here: the token went there, not to the file");
    } else {
        // A missing keychain is a line in the log, never a notice on screen.
        assert!(
            !h.notices
                .iter()
                .any(|n| n.contains("keychain") || n.contains("tui-tokens")),
            "the missing keychain reached the screen: {:?}",
            h.notices
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("token file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "token file mode {mode:o}");
    }
    assert!(store.load(&url).expect("load").is_some());
    // The saved servers file now knows bob, and a new run logs in silently.
    let saved = std::fs::read_to_string(h.dir.path().join("data/spectrus/tui-servers.toml"))
        .expect("saved servers");
    assert!(saved.contains("bob"));
    drop(h.runner);
    let (mut again, mut rx) = runner_in(&h.dir, KeyringMode::Auto);
    again.know_server(KEY, &url);
    again.restore(KEY);
    let user = wait_for(&mut rx, "restored LoginOk", |a| match a {
        Action::LoginOk { user, .. } => Some(user.username.clone()),
        _ => None,
    })
    .await;
    assert_eq!(user, "bob");
    wait_for(&mut rx, "restored ready", |a| {
        matches!(
            a,
            Action::Gateway {
                event: GatewayEvent::Ready(_),
                ..
            }
        )
        .then_some(())
    })
    .await;
    // Logging out forgets the token.
    again.run(Effect::Logout { server: KEY });
    let deadline = std::time::Instant::now() + WAIT;
    while store.load(&url).expect("load").is_some() {
        assert!(std::time::Instant::now() < deadline, "token not forgotten");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voice_join_sends_the_frame_and_surfaces_voice_errors() {
    let mut h = harness(KeyringMode::FileOnly).await;
    let voice = spectrus_testkit::voice_channel(&h.owner, "lounge").await;
    logged_in(&mut h).await;
    h.runner.run(Effect::JoinVoice {
        server: KEY,
        channel: voice,
        self_mute: false,
        self_deaf: false,
    });
    // The daemon answers voice_join with an offer; this runner has no audio engine plugged
    // in (NoAudio), which says so instead of answering.
    let error = wait_for(&mut h.rx, "voice error", |a| match a {
        Action::Voice(VoiceEvent::Error(e)) => Some(e.clone()),
        _ => None,
    })
    .await;
    assert!(error.contains("no audio engine"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_with_an_invite_logs_in() {
    let mut h = harness(KeyringMode::FileOnly).await;
    let invite = h
        .owner
        .create_invite(&Default::default())
        .await
        .expect("invite");
    h.runner.run(Effect::Register {
        server: KEY,
        url: h.daemon.url.clone(),
        username: "carol".into(),
        password: PASSWORD.into(),
        setup_code: None,
        invite: Some(invite.code),
    });
    let user = wait_for(&mut h.rx, "LoginOk", |a| match a {
        Action::LoginOk { user, .. } => Some(user.username.clone()),
        Action::LoginFailed { error, .. } => panic!("register failed: {error}"),
        _ => None,
    })
    .await;
    assert_eq!(user, "carol");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_server_with_a_private_ca_works_once_the_ca_is_trusted() {
    let ca = spectrus_testkit::tls::TestCa::new("TUI test CA").unwrap();
    let issued = ca.issue("tui", 1).unwrap();
    let files = tempfile::tempdir().unwrap();
    let cert = files.path().join("server.crt");
    let key = files.path().join("server.key");
    std::fs::write(&cert, &issued.cert_pem).unwrap();
    std::fs::write(&key, &issued.key_pem).unwrap();
    let mut daemon = TestDaemon::start_with(&[
        ("SPECTRUS_TLS_CERT", cert.to_str().unwrap()),
        ("SPECTRUS_TLS_KEY", key.to_str().unwrap()),
    ])
    .await
    .unwrap();
    assert!(daemon.url.starts_with("https://"), "{}", daemon.url);
    daemon.root_ca = Some(ca.pem().to_owned());
    let owner = daemon.owner().await.unwrap();
    daemon.member(&owner, "bob").await.unwrap();

    // Without the CA the login fails with a reason.
    let dir = tempfile::tempdir().unwrap();
    let (mut runner, mut rx) = runner_in(&dir, KeyringMode::FileOnly);
    let login = Effect::Login {
        server: KEY,
        url: daemon.url.clone(),
        username: "bob".into(),
        password: PASSWORD.into(),
    };
    runner.run(login.clone());
    wait_for(&mut rx, "LoginFailed", |a| match a {
        Action::LoginFailed { .. } => Some(()),
        Action::LoginOk { .. } => panic!("logged in without trusting the CA"),
        _ => None,
    })
    .await;

    // With it (--ca-file), REST and the gateway (wss) work.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let dir = tempfile::tempdir().unwrap();
    let mut opts = RunnerOptions::new(
        Some(dir.path().join("servers.toml")),
        TokenStore::new(dir.path().join("tokens.toml"), KeyringMode::FileOnly),
    );
    opts.ca_pem = Some(ca.pem().as_bytes().to_vec());
    let mut runner = ClientRunner::new(tokio::runtime::Handle::current(), tx, opts);
    runner.run(login);
    wait_for(&mut rx, "ready over wss", |a| match a {
        Action::LoginFailed { error, .. } => panic!("login failed: {error}"),
        Action::Gateway {
            event: GatewayEvent::Ready(r),
            ..
        } => Some(r.user.username.clone()),
        _ => None,
    })
    .await;
}
