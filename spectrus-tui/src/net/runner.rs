//! [`ClientRunner`]: the effect runner that talks to servers. `run` never blocks: each effect
//! becomes a tokio task on the runtime it was given, and its result comes back as an action.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use spectrus_client::gateway::GatewayHandle;
use spectrus_client::{Client, GatewayOptions};
use tokio::runtime::Handle;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use super::session::{self, Auth, Link};
use super::tokens::TokenStore;
use super::voice::{self, NoAudio, VoiceBackend, VoiceCommand, VoiceLink};
use super::{Ctx, requests};
use crate::action::{Action, VoiceEvent};
use crate::effect::Effect;
use crate::runner::EffectRunner;
use crate::state::ServerKey;

/// How to build a [`ClientRunner`].
pub struct RunnerOptions {
    /// The saved servers file (`None`: nothing is saved).
    pub saved_path: Option<PathBuf>,
    /// Where refresh tokens go.
    pub tokens: TokenStore,
    /// The audio engine ([`NoAudio`] until one is plugged in).
    pub voice: Box<dyn VoiceBackend>,
    /// Gateway tuning.
    pub gateway: GatewayOptions,
    /// The push-to-talk flag the engine's gate follows ([`Effect::PushToTalk`] sets it).
    pub push_to_talk: Arc<AtomicBool>,
    /// CA certificates (PEM) trusted for https:// servers beside the system's.
    pub ca_pem: Option<Vec<u8>>,
}

impl RunnerOptions {
    /// Defaults: no audio engine, default gateway options.
    pub fn new(saved_path: Option<PathBuf>, tokens: TokenStore) -> RunnerOptions {
        RunnerOptions {
            saved_path,
            tokens,
            voice: Box::new(NoAudio::default()),
            gateway: GatewayOptions {
                // Many servers may stay connected: a small event queue each is plenty.
                queue: 1024,
                ..GatewayOptions::default()
            },
            push_to_talk: Arc::default(),
            ca_pem: None,
        }
    }
}

struct Conn {
    link: Link,
    session: Option<JoinHandle<()>>,
}

/// Carries out effects against real servers, one session per [`ServerKey`].
pub struct ClientRunner {
    ctx: Arc<Ctx>,
    rt: Handle,
    urls: HashMap<ServerKey, String>,
    conns: HashMap<ServerKey, Conn>,
    push_to_talk: Arc<AtomicBool>,
    ca_pem: Option<Vec<u8>>,
}

impl ClientRunner {
    /// A runner whose tasks run on `rt` and report on `tx`.
    pub fn new(rt: Handle, tx: UnboundedSender<Action>, opts: RunnerOptions) -> ClientRunner {
        let voice = {
            let _enter = rt.enter();
            voice::spawn(opts.voice)
        };
        ClientRunner {
            ctx: Arc::new(Ctx {
                tx,
                tokens: opts.tokens,
                saved_path: opts.saved_path,
                saved_lock: Default::default(),
                told_file: Default::default(),
                voice,
                gateway: opts.gateway,
            }),
            rt,
            urls: HashMap::new(),
            conns: HashMap::new(),
            push_to_talk: opts.push_to_talk,
            ca_pem: opts.ca_pem,
        }
    }

    /// Tells the runner which URL a server key stands for.
    pub fn know_server(&mut self, key: ServerKey, url: &str) {
        let url = url.trim_end_matches('/').to_owned();
        if self.urls.get(&key) != Some(&url) {
            self.end_session(key);
            self.conns.remove(&key);
        }
        self.urls.insert(key, url);
    }

    /// Logs in to a known server with the refresh token kept from an earlier run, if any:
    /// `LoginOk` and the gateway follow; with no usable token nothing happens.
    pub fn restore(&mut self, key: ServerKey) {
        self.start_session(key, Auth::Restore);
    }

    /// The gateway handle of a connected server (tests use it to drop the connection).
    pub fn gateway(&self, key: ServerKey) -> Option<GatewayHandle> {
        self.conns.get(&key).and_then(|c| c.link.gateway())
    }

    /// The REST client of a server, once it has one.
    pub fn client(&self, key: ServerKey) -> Option<Client> {
        self.conns.get(&key).map(|c| c.link.client.clone())
    }

    /// The connection of `key`, made on first use from its known URL.
    fn conn(&mut self, key: ServerKey) -> Result<&mut Conn, String> {
        if !self.conns.contains_key(&key) {
            let url = self
                .urls
                .get(&key)
                .ok_or_else(|| "unknown server".to_owned())?;
            let client = match &self.ca_pem {
                Some(ca) => Client::with_root_certificates(url, ca),
                None => Client::new(url),
            }
            .map_err(|e| e.to_string())?;
            let link = Link::new(key, url, client);
            self.conns.insert(
                key,
                Conn {
                    link,
                    session: None,
                },
            );
        }
        self.conns
            .get_mut(&key)
            .ok_or_else(|| "unknown server".to_owned())
    }

    fn start_session(&mut self, key: ServerKey, auth: Auth) {
        self.end_session(key);
        let ctx = self.ctx.clone();
        let rt = self.rt.clone();
        let conn = match self.conn(key) {
            Ok(c) => c,
            Err(error) => {
                if !matches!(auth, Auth::Restore) {
                    ctx.send(Action::LoginFailed { server: key, error });
                }
                return;
            }
        };
        let link = conn.link.clone();
        conn.session = Some(rt.spawn(session::run(ctx, link, auth)));
    }

    /// Stops the session task and closes its gateway.
    fn end_session(&mut self, key: ServerKey) {
        if let Some(conn) = self.conns.get_mut(&key) {
            if let Some(task) = conn.session.take() {
                task.abort();
            }
            if let Some(gw) = conn.link.gateway() {
                gw.close();
            }
            conn.link
                .gateway
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take();
        }
    }

    fn logout(&mut self, key: ServerKey) {
        self.end_session(key);
        let _ = self
            .ctx
            .voice
            .send(VoiceCommand::SessionEnded { server: key });
        // A fresh client next time: the old one's tokens are about to be revoked.
        let Some(conn) = self.conns.remove(&key) else {
            return;
        };
        let ctx = self.ctx.clone();
        self.rt.spawn(async move {
            let link = conn.link;
            if let Err(e) = link.client.logout().await {
                tracing::info!(url = %link.url, "logout: {e}");
            }
            let url = link.url.clone();
            let forgot = tokio::task::spawn_blocking(move || ctx.tokens.forget(&url)).await;
            if !matches!(forgot, Ok(Ok(()))) {
                tracing::warn!(url = %link.url, "could not forget the refresh token: {forgot:?}");
            }
        });
    }

    fn rest(&mut self, key: ServerKey, effect: Effect) {
        let ctx = self.ctx.clone();
        let rt = self.rt.clone();
        match self.conn(key) {
            Ok(conn) => {
                let link = conn.link.clone();
                rt.spawn(requests::run(ctx, link, effect));
            }
            Err(error) => tracing::warn!(?key, "{error}; dropping {effect:?}"),
        }
    }

    fn join_voice(&mut self, key: ServerKey, channel: spectrus_proto::Id, mute: bool, deaf: bool) {
        let Some(gateway) = self.gateway(key) else {
            self.ctx.send(Action::Voice(VoiceEvent::Error(
                "not connected to that server".into(),
            )));
            return;
        };
        let link = VoiceLink::new(key, channel, gateway, self.ctx.tx.clone());
        let _ = self.ctx.voice.send(VoiceCommand::Join {
            link,
            self_mute: mute,
            self_deaf: deaf,
        });
    }

    fn remember(&self, key: ServerKey, channel: spectrus_proto::Id) {
        let Some(url) = self.urls.get(&key).cloned() else {
            return;
        };
        let ctx = self.ctx.clone();
        self.rt.spawn_blocking(move || {
            ctx.edit_saved(&url, |e| e.last_channel = Some(channel));
        });
    }
}

impl EffectRunner for ClientRunner {
    fn run(&mut self, effect: Effect) {
        tracing::debug!(?effect, "effect");
        match effect {
            Effect::Quit => {}
            Effect::RememberChannel { server, channel } => self.remember(server, channel),
            Effect::Login {
                server,
                url,
                username,
                password,
            } => {
                self.know_server(server, &url);
                self.start_session(server, Auth::Login { username, password });
            }
            Effect::Register {
                server,
                url,
                username,
                password,
                setup_code,
                invite,
            } => {
                self.know_server(server, &url);
                self.start_session(
                    server,
                    Auth::Register {
                        username,
                        password,
                        setup_code,
                        invite,
                    },
                );
            }
            Effect::Logout { server } => self.logout(server),
            Effect::ProbeServer { server, ref url } => {
                let url = url.clone();
                self.know_server(server, &url);
                self.rest(server, effect);
            }
            Effect::JoinVoice {
                server,
                channel,
                self_mute,
                self_deaf,
            } => self.join_voice(server, channel, self_mute, self_deaf),
            Effect::LeaveVoice { server } => {
                let _ = self.ctx.voice.send(VoiceCommand::Leave { server });
            }
            Effect::SetVoiceState {
                server,
                self_mute,
                self_deaf,
            } => {
                let _ = self.ctx.voice.send(VoiceCommand::SetState {
                    server,
                    self_mute,
                    self_deaf,
                });
            }
            Effect::SetUserVolume { user, percent } => {
                let _ = self
                    .ctx
                    .voice
                    .send(VoiceCommand::SetVolume { user, percent });
            }
            Effect::WatchMembers {
                server,
                offset,
                limit,
                user_ids,
            } => {
                if let Some(gw) = self.gateway(server) {
                    gw.send(spectrus_proto::gateway::ClientFrame::WatchMembers(
                        spectrus_proto::gateway::WatchMembers {
                            offset,
                            limit,
                            user_ids,
                        },
                    ));
                }
            }
            Effect::PushToTalk { active } => {
                // Straight to the gate's flag: no task hop between the key and the audio.
                self.push_to_talk.store(active, Ordering::Relaxed);
            }
            Effect::SendMessage { server, .. }
            | Effect::EditMessage { server, .. }
            | Effect::DeleteMessage { server, .. }
            | Effect::FetchHistory { server, .. }
            | Effect::Search { server, .. }
            | Effect::FetchPins { server, .. }
            | Effect::FetchCommands { server }
            | Effect::InvokeCommand { server, .. }
            | Effect::OpenDm { server, .. }
            | Effect::Ack { server, .. }
            | Effect::SendTyping { server, .. }
            | Effect::React { server, .. }
            | Effect::SetNick { server, .. }
            | Effect::UploadFile { server, .. }
            | Effect::CreateInvite { server } => self.rest(server, effect),
            Effect::OpenUrl { url } => open_url(&url),
        }
    }
}

impl Drop for ClientRunner {
    fn drop(&mut self) {
        let keys: Vec<ServerKey> = self.conns.keys().copied().collect();
        for key in keys {
            self.end_session(key);
        }
    }
}

/// Hands a URL to the desktop's opener, detached (its window is the desktop's business).
fn open_url(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    match std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        // Reaped by a thread so no zombie is left behind.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => tracing::warn!("cannot run {opener}: {e}"),
    }
}
