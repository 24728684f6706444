//! One server's session, as a task: log in (or register, or refresh a kept token), keep the
//! refresh token, then hold the gateway open and turn everything it says into actions. The
//! SDK's gateway reconnects and resumes on its own; this task starts it over from scratch
//! only when that is over (first connect failed, or the SDK gave up).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use spectrus_client::gateway::GatewayHandle;
use spectrus_client::{Client, ClientError, Gateway, GatewayEvent as SdkEvent};
use spectrus_proto::gateway::close;
use spectrus_proto::model::Session;
use spectrus_proto::rest::RegisterRequest;

use super::Ctx;
use super::voice::VoiceCommand;
use crate::action::{Action, ConnectionChange, GatewayEvent};
use crate::effect::Password;
use crate::state::ServerKey;

/// How often a rotated refresh token is looked for (the SDK refreshes on its own).
const KEEP_EVERY: Duration = Duration::from_secs(15);

/// How the session gets its tokens.
pub enum Auth {
    /// Username and password.
    Login {
        /// Username.
        username: String,
        /// Password.
        password: Password,
    },
    /// A new account.
    Register {
        /// Username.
        username: String,
        /// Password.
        password: Password,
        /// Setup code (fresh server).
        setup_code: Option<String>,
        /// Invite code.
        invite: Option<String>,
    },
    /// The refresh token kept from an earlier run (silent: failures only log).
    Restore,
}

/// The parts of one server's connection that tasks share.
#[derive(Clone)]
pub struct Link {
    /// Which server.
    pub server: ServerKey,
    /// Its URL (the token store's key).
    pub url: String,
    /// The REST client (clones share the login).
    pub client: Client,
    /// The gateway's command side, while connected.
    pub gateway: Arc<Mutex<Option<GatewayHandle>>>,
    /// The refresh token last written to the store, to notice rotations.
    pub kept: Arc<Mutex<Option<String>>>,
}

impl Link {
    /// A link for a fresh client.
    pub fn new(server: ServerKey, url: &str, client: Client) -> Link {
        Link {
            server,
            url: url.to_owned(),
            client,
            gateway: Arc::default(),
            kept: Arc::default(),
        }
    }

    /// The gateway handle, if connected.
    pub fn gateway(&self) -> Option<GatewayHandle> {
        self.gateway
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_gateway(&self, handle: Option<GatewayHandle>) {
        *self.gateway.lock().unwrap_or_else(|p| p.into_inner()) = handle;
    }

    /// Writes the refresh token to the store if it changed since the last write (the SDK
    /// rotates it whenever it refreshes the access token).
    pub async fn keep_token(&self, ctx: &Arc<Ctx>) {
        let Some(token) = self.client.refresh_token() else {
            return;
        };
        {
            let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
            if kept.as_deref() == Some(token.as_str()) {
                return;
            }
            *kept = Some(token.clone());
        }
        let (ctx2, url) = (ctx.clone(), self.url.clone());
        let saved = tokio::task::spawn_blocking(move || ctx2.tokens.save(&url, &token)).await;
        match saved {
            Ok(Ok(super::tokens::Stored::Keyring)) => {}
            // No keychain is not the user's problem: one line in the log, nothing on screen.
            Ok(Ok(super::tokens::Stored::File { path, reason })) => {
                if !ctx
                    .told_file
                    .swap(true, std::sync::atomic::Ordering::Relaxed)
                {
                    tracing::info!(
                        file = %path.display(),
                        %reason,
                        "refresh tokens are kept in a file readable only by you"
                    );
                }
            }
            Ok(Err(e)) => {
                tracing::warn!("cannot keep the refresh token: {e}");
                ctx.send(Action::Notice {
                    text: format!("your login will not be remembered: {e}"),
                    error: true,
                });
            }
            Err(e) => tracing::warn!("token task failed: {e}"),
        }
    }
}

/// What users read for an SDK error.
pub fn human(e: &ClientError) -> String {
    match e {
        ClientError::Api { body, .. } => body.error.message.clone(),
        other => other.to_string(),
    }
}

/// Runs a session until it ends (logout aborts the task).
pub async fn run(ctx: Arc<Ctx>, link: Link, auth: Auth) {
    let restoring = matches!(auth, Auth::Restore);
    let session = match authenticate(&ctx, &link, auth).await {
        Ok(Some(s)) => s,
        Ok(None) => return,
        Err(error) => {
            if !restoring {
                ctx.send(Action::LoginFailed {
                    server: link.server,
                    error,
                });
            }
            return;
        }
    };
    link.keep_token(&ctx).await;
    remember_user(&ctx, &link.url, &session.user.username).await;
    ctx.send(Action::LoginOk {
        server: link.server,
        user: session.user,
    });
    gateway_loop(&ctx, &link).await;
}

/// `Ok(None)`: nothing to do (no kept token).
async fn authenticate(ctx: &Arc<Ctx>, link: &Link, auth: Auth) -> Result<Option<Session>, String> {
    let c = &link.client;
    match auth {
        Auth::Login { username, password } => c
            .login(&username, password.expose())
            .await
            .map(Some)
            .map_err(|e| human(&e)),
        Auth::Register {
            username,
            password,
            setup_code,
            invite,
        } => c
            .register(&RegisterRequest {
                username,
                password: password.expose().to_owned(),
                setup_code,
                invite,
                display_name: None,
            })
            .await
            .map(Some)
            .map_err(|e| human(&e)),
        Auth::Restore => {
            let (ctx2, url) = (ctx.clone(), link.url.clone());
            let token = match tokio::task::spawn_blocking(move || ctx2.tokens.load(&url)).await {
                Ok(Ok(Some(t))) => t,
                Ok(Ok(None)) => return Ok(None),
                Ok(Err(e)) => return Err(e.to_string()),
                Err(e) => return Err(e.to_string()),
            };
            c.set_tokens(None, Some(token));
            match c.refresh().await {
                Ok(s) => Ok(Some(s)),
                Err(e) => {
                    tracing::info!(url = %link.url, "kept login not usable: {e}");
                    if e.status().is_some() {
                        // Refused: the token is dead; keep nothing stale around.
                        let (ctx2, url) = (ctx.clone(), link.url.clone());
                        let _ = tokio::task::spawn_blocking(move || ctx2.tokens.forget(&url)).await;
                    }
                    Err(human(&e))
                }
            }
        }
    }
}

async fn remember_user(ctx: &Arc<Ctx>, url: &str, username: &str) {
    let (ctx2, url, user) = (ctx.clone(), url.to_owned(), username.to_owned());
    let r = tokio::task::spawn_blocking(move || {
        ctx2.edit_saved(&url, |e| e.username = Some(user));
    })
    .await;
    if let Err(e) = r {
        tracing::warn!("saving the username failed: {e}");
    }
}

enum End {
    /// Start the gateway over (fresh identify).
    Again,
    /// The session is over for good.
    LoggedOut(String),
}

async fn gateway_loop(ctx: &Arc<Ctx>, link: &Link) {
    let server = link.server;
    let mut attempt = 0u32;
    loop {
        ctx.send(Action::Connection {
            server,
            change: if attempt == 0 {
                ConnectionChange::Connecting
            } else {
                ConnectionChange::Reconnecting { attempt }
            },
        });
        let end = match connect(ctx, link).await {
            Ok(gw) => {
                attempt = 0;
                pump(ctx, link, gw).await
            }
            Err(e) if e.status() == Some(401) => End::LoggedOut(human(&e)),
            Err(e) => {
                tracing::info!(url = %link.url, "gateway: {e}");
                End::Again
            }
        };
        link.set_gateway(None);
        match end {
            End::LoggedOut(reason) => {
                let (ctx2, url) = (ctx.clone(), link.url.clone());
                let _ = tokio::task::spawn_blocking(move || ctx2.tokens.forget(&url)).await;
                let _ = ctx.voice.send(VoiceCommand::SessionEnded { server });
                ctx.send(Action::Connection {
                    server,
                    change: ConnectionChange::LoggedOut { reason },
                });
                return;
            }
            End::Again => {
                attempt += 1;
                let _ = ctx.voice.send(VoiceCommand::SessionEnded { server });
                let wait = Duration::from_millis(250 * 2u64.pow(attempt.min(6)));
                tokio::time::sleep(wait.min(ctx.gateway.max_backoff)).await;
            }
        }
    }
}

async fn connect(ctx: &Arc<Ctx>, link: &Link) -> Result<Gateway, ClientError> {
    // A fresh identify needs a live access token (they last minutes).
    link.client.refresh_if_needed().await?;
    link.keep_token(ctx).await;
    Gateway::connect_with(&link.client, ctx.gateway.clone()).await
}

async fn pump(ctx: &Arc<Ctx>, link: &Link, gw: Gateway) -> End {
    let server = link.server;
    let (ready, mut events, handle) = gw.into_parts();
    link.set_gateway(Some(handle));
    tracing::info!(url = %link.url, "gateway ready");
    ctx.send(Action::Gateway {
        server,
        event: GatewayEvent::Ready(ready),
    });
    let mut keep = tokio::time::interval(KEEP_EVERY);
    keep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let ev = tokio::select! {
            ev = events.recv() => ev,
            _ = keep.tick() => {
                link.keep_token(ctx).await;
                continue;
            }
        };
        let Some(ev) = ev else {
            ctx.send(Action::Connection {
                server,
                change: ConnectionChange::Disconnected {
                    reason: "the gateway stopped".into(),
                },
            });
            return End::Again;
        };
        match ev {
            SdkEvent::Ready(ready) => ctx.send(Action::Gateway {
                server,
                event: GatewayEvent::Ready(ready),
            }),
            SdkEvent::Dispatch { event, .. } => match GatewayEvent::from_dispatch(event) {
                Some(event) => ctx.send(Action::Gateway { server, event }),
                None => tracing::debug!("skipping a gateway event this version does not know"),
            },
            SdkEvent::Reconnecting { attempt } => ctx.send(Action::Connection {
                server,
                change: ConnectionChange::Reconnecting {
                    attempt: attempt + 1,
                },
            }),
            SdkEvent::Resumed => {
                link.keep_token(ctx).await;
                ctx.send(Action::Connection {
                    server,
                    change: ConnectionChange::Resumed,
                });
            }
            SdkEvent::Members(chunk) => ctx.send(Action::Gateway {
                server,
                event: GatewayEvent::Members(chunk),
            }),
            SdkEvent::Voice { op, d } => {
                let _ = ctx.voice.send(VoiceCommand::Signal { server, op, d });
            }
            SdkEvent::Closed { code, reason } => {
                if code == close::AUTHENTICATION_FAILED {
                    return End::LoggedOut(format!("the server ended the session: {reason}"));
                }
                ctx.send(Action::Connection {
                    server,
                    change: ConnectionChange::Disconnected {
                        reason: format!("closed ({code}) {reason}"),
                    },
                });
                return End::Again;
            }
        }
    }
}
