//! The REST client. Keeps the session's tokens and refreshes the access token once when the
//! server says it expired.

use std::sync::{Arc, RwLock};

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use spectrus_proto::interactions::{CommandList, InteractionResult, InvokeCommand};
use spectrus_proto::model::{
    AuditEntry, Ban, Channel, Invite, InvitePreview, Member, Message, Role, ServerInfo, Session,
    User,
};
use spectrus_proto::rest::*;
use spectrus_proto::{ErrorBody, Id};
use url::Url;

use crate::error::ClientError;

/// Which page of history to fetch.
#[derive(Debug, Clone, Copy, Default)]
pub struct HistoryQuery {
    pub before: Option<Id>,
    pub after: Option<Id>,
    pub around: Option<Id>,
    pub limit: Option<u32>,
}

/// The query string of a search (only the fields that are set).
fn search_query_string(q: &SearchQuery) -> String {
    let mut p: Vec<String> = Vec::new();
    let mut add = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            p.push(format!("{k}={}", esc(&v)));
        }
    };
    add("q", q.q.clone());
    add("channel_id", q.channel_id.map(|v| v.to_string()));
    add("author_id", q.author_id.map(|v| v.to_string()));
    add("has", q.has.clone());
    add("mentions", q.mentions.map(|v| v.to_string()));
    add("pinned", q.pinned.map(|v| v.to_string()));
    add("before", q.before.clone());
    add("after", q.after.clone());
    add("limit", q.limit.map(|v| v.to_string()));
    add("offset", q.offset.map(|v| v.to_string()));
    p.join("&")
}

#[derive(Debug, Clone, Default)]
struct Tokens {
    access: Option<String>,
    refresh: Option<String>,
    user: Option<User>,
    /// A plugin's bot token: sent as `Authorization: Bot …` instead of the access token.
    bot: Option<String>,
}

/// A client for one server; cheap to clone (clones share the login).
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    /// For an `https://` server: what the gateway's TLS connection trusts.
    tls: Option<Arc<rustls::ClientConfig>>,
    tokens: Arc<RwLock<Tokens>>,
    /// Serializes refreshes: two at once would present the same refresh token twice,
    /// which the server treats as theft.
    refresh_lock: Arc<tokio::sync::Mutex<()>>,
}

enum Payload<'a> {
    None,
    Json(&'a (dyn erased::Body + Sync)),
    /// A `multipart/form-data` body and its content type (with the boundary).
    Form(String, bytes::Bytes),
}

mod erased {
    /// A serializable body behind a reference.
    pub(super) trait Body {
        fn to_json(&self) -> Result<Vec<u8>, serde_json::Error>;
    }
    impl<T: serde::Serialize> Body for T {
        fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
            serde_json::to_vec(self)
        }
    }
}

fn esc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

impl Client {
    /// A client for the server at `base` (e.g. `http://localhost:3000`). An `https://`
    /// server's certificate is checked against the system's trusted roots.
    pub fn new(base: &str) -> Result<Client, ClientError> {
        Self::build(base, None)
    }

    /// A client that also trusts the CA certificates in `ca_pem` (PEM) for an `https://`
    /// server: a private CA, or a self-signed server certificate.
    pub fn with_root_certificates(base: &str, ca_pem: &[u8]) -> Result<Client, ClientError> {
        Self::build(base, Some(ca_pem))
    }

    fn build(base: &str, ca_pem: Option<&[u8]>) -> Result<Client, ClientError> {
        let mut base = Url::parse(base).map_err(|e| ClientError::Url(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(ClientError::Url("use http:// or https://".into()));
        }
        base.set_path("/");
        let mut builder = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .pool_max_idle_per_host(64);
        let tls = match (base.scheme(), ca_pem) {
            ("https", ca) => {
                let config = crate::tls::client_config(ca)?;
                builder = builder.tls_backend_preconfigured((*config).clone());
                Some(config)
            }
            (_, Some(ca)) => {
                // Checked even when unused, so a bad file is reported at once.
                crate::tls::client_config(Some(ca))?;
                None
            }
            _ => None,
        };
        let http = builder.build()?;
        Ok(Client {
            http,
            base,
            tls,
            tokens: Arc::new(RwLock::new(Tokens::default())),
            refresh_lock: Arc::default(),
        })
    }

    /// The TLS settings for an `https://` server (the gateway's connection uses them too).
    pub(crate) fn tls_config(&self) -> Option<Arc<rustls::ClientConfig>> {
        self.tls.clone()
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The gateway's WebSocket URL.
    pub fn gateway_url(&self) -> String {
        let mut u = self.base.clone();
        let _ = u.set_scheme(if self.base.scheme() == "https" {
            "wss"
        } else {
            "ws"
        });
        u.set_path("/api/v1/gateway");
        u.to_string()
    }

    /// Acts as a plugin's bot: every authenticated request carries `Authorization: Bot
    /// <token>` (the token `spectrusctl plugins install` showed) instead of a login.
    pub fn set_bot_token(&self, token: &str) {
        self.tokens.write().unwrap_or_else(|p| p.into_inner()).bot = Some(token.to_owned());
    }

    fn bot_token(&self) -> Option<String> {
        self.tokens
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .bot
            .clone()
    }

    /// The current access token.
    pub fn access_token(&self) -> Option<String> {
        self.tokens
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .access
            .clone()
    }

    /// The current refresh token.
    pub fn refresh_token(&self) -> Option<String> {
        self.tokens
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .refresh
            .clone()
    }

    /// The logged-in user, as of the last session.
    pub fn user(&self) -> Option<User> {
        self.tokens
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .user
            .clone()
    }

    /// Seconds until the access token expires (read from its claims, unverified).
    pub fn access_token_ttl(&self) -> Option<i64> {
        use base64::Engine;
        let token = self.access_token()?;
        let claims = token.split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .ok()?;
        let exp = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()?
            .get("exp")?
            .as_i64()?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs() as i64;
        Some(exp - now)
    }

    /// Refreshes when the access token expires within a minute (or is unreadable).
    pub async fn refresh_if_needed(&self) -> Result<(), ClientError> {
        let _guard = self.refresh_lock.lock().await;
        if self.access_token_ttl().is_some_and(|ttl| ttl > 60) {
            return Ok(());
        }
        self.refresh_unlocked().await.map(|_| ())
    }

    /// Uses tokens obtained elsewhere (e.g. a refresh token from the keychain).
    pub fn set_tokens(&self, access: Option<String>, refresh: Option<String>) {
        let mut t = self.tokens.write().unwrap_or_else(|p| p.into_inner());
        t.access = access;
        t.refresh = refresh;
    }

    fn keep(&self, s: &Session) {
        let mut t = self.tokens.write().unwrap_or_else(|p| p.into_inner());
        t.access = Some(s.access_token.clone());
        t.refresh = Some(s.refresh_token.clone());
        t.user = Some(s.user.clone());
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: &Payload<'_>,
        auth: bool,
        reason: Option<&str>,
    ) -> Result<(StatusCode, bytes::Bytes), ClientError> {
        let url = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| ClientError::Url(e.to_string()))?;
        let mut req = self.http.request(method, url);
        if auth {
            if let Some(bot) = self.bot_token() {
                req = req.header(reqwest::header::AUTHORIZATION, format!("Bot {bot}"));
            } else {
                let token = self.access_token().ok_or(ClientError::NotLoggedIn)?;
                req = req.bearer_auth(token);
            }
        }
        if let Some(r) = reason {
            req = req.header("X-Audit-Log-Reason", esc(r));
        }
        if let Payload::Json(b) = body {
            let bytes = b
                .to_json()
                .map_err(|e| ClientError::Decode(e.to_string()))?;
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes);
        }
        if let Payload::Form(content_type, bytes) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, content_type.as_str())
                .body(bytes.clone());
        }
        let resp = req.send().await?;
        let status = resp.status();
        let bytes = resp.bytes().await?;
        Ok((status, bytes))
    }

    async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Payload<'_>,
        auth: bool,
    ) -> Result<bytes::Bytes, ClientError> {
        self.raw_with_reason(method, path, body, auth, None).await
    }

    async fn raw_with_reason(
        &self,
        method: Method,
        path: &str,
        body: Payload<'_>,
        auth: bool,
        reason: Option<&str>,
    ) -> Result<bytes::Bytes, ClientError> {
        let used = self.access_token();
        let (mut status, mut bytes) = self.send(method.clone(), path, &body, auth, reason).await?;
        if auth
            && status == StatusCode::UNAUTHORIZED
            && error_code(&bytes).as_deref() == Some("token_expired")
        {
            let refreshed = {
                let _guard = self.refresh_lock.lock().await;
                // Another task may have refreshed while this one waited.
                self.access_token() != used || self.refresh_unlocked().await.is_ok()
            };
            if refreshed {
                (status, bytes) = self.send(method, path, &body, auth, reason).await?;
            }
        }
        if status.is_success() {
            return Ok(bytes);
        }
        let body: ErrorBody = serde_json::from_slice(&bytes).map_err(|_| {
            ClientError::Decode(format!(
                "HTTP {status} without an error body: {}",
                String::from_utf8_lossy(&bytes)
            ))
        })?;
        Err(ClientError::Api {
            status: status.as_u16(),
            body,
        })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Payload<'_>,
        auth: bool,
    ) -> Result<T, ClientError> {
        let bytes = self.raw(method, path, body, auth).await?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.call(Method::GET, path, Payload::None, true).await
    }

    async fn with_body<B: Serialize + Sync, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.call(method, path, Payload::Json(body), true).await
    }

    async fn empty(
        &self,
        method: Method,
        path: &str,
        body: Option<&(dyn erased::Body + Sync)>,
    ) -> Result<(), ClientError> {
        let payload = match body {
            Some(b) => Payload::Json(b),
            None => Payload::None,
        };
        self.raw(method, path, payload, true).await.map(|_| ())
    }

    // --- auth ---

    /// Registers (and logs in).
    pub async fn register(&self, req: &RegisterRequest) -> Result<Session, ClientError> {
        let s: Session = self
            .call(
                Method::POST,
                "/api/v1/auth/register",
                Payload::Json(req),
                false,
            )
            .await?;
        self.keep(&s);
        Ok(s)
    }

    /// Logs in.
    pub async fn login(&self, username: &str, password: &str) -> Result<Session, ClientError> {
        let req = LoginRequest {
            username: username.into(),
            password: password.into(),
        };
        let s: Session = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                Payload::Json(&req),
                false,
            )
            .await?;
        self.keep(&s);
        Ok(s)
    }

    /// Exchanges the refresh token for a new session.
    pub async fn refresh(&self) -> Result<Session, ClientError> {
        let _guard = self.refresh_lock.lock().await;
        self.refresh_unlocked().await
    }

    async fn refresh_unlocked(&self) -> Result<Session, ClientError> {
        let token = self.refresh_token().ok_or(ClientError::NotLoggedIn)?;
        let req = RefreshRequest {
            refresh_token: token,
        };
        // Not through `raw`: that one calls back here on `token_expired`.
        let (status, bytes) = self
            .send(
                Method::POST,
                "/api/v1/auth/refresh",
                &Payload::Json(&req),
                false,
                None,
            )
            .await?;
        if !status.is_success() {
            let body: ErrorBody = serde_json::from_slice(&bytes)
                .map_err(|_| ClientError::Decode(format!("HTTP {status} without an error body")))?;
            return Err(ClientError::Api {
                status: status.as_u16(),
                body,
            });
        }
        let s: Session =
            serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))?;
        self.keep(&s);
        Ok(s)
    }

    /// Ends this login session.
    pub async fn logout(&self) -> Result<(), ClientError> {
        let token = self.refresh_token().ok_or(ClientError::NotLoggedIn)?;
        let req = RefreshRequest {
            refresh_token: token,
        };
        self.raw(
            Method::POST,
            "/api/v1/auth/logout",
            Payload::Json(&req),
            false,
        )
        .await?;
        *self.tokens.write().unwrap_or_else(|p| p.into_inner()) = Tokens::default();
        Ok(())
    }

    /// The logged-in account.
    pub async fn me(&self) -> Result<User, ClientError> {
        self.get("/api/v1/users/@me").await
    }

    /// Edits the logged-in account.
    pub async fn patch_me(&self, req: &PatchMe) -> Result<User, ClientError> {
        self.with_body(Method::PATCH, "/api/v1/users/@me", req)
            .await
    }

    // --- server ---

    /// The server's public description.
    pub async fn server(&self) -> Result<ServerInfo, ClientError> {
        self.call(Method::GET, "/api/v1/server", Payload::None, false)
            .await
    }

    /// Edits the server.
    pub async fn patch_server(&self, req: &PatchServer) -> Result<ServerInfo, ClientError> {
        self.with_body(Method::PATCH, "/api/v1/server", req).await
    }

    // --- channels ---

    /// Every channel the caller can see.
    pub async fn channels(&self) -> Result<Vec<Channel>, ClientError> {
        self.get("/api/v1/channels").await
    }

    /// Creates a channel.
    pub async fn create_channel(&self, req: &CreateChannel) -> Result<Channel, ClientError> {
        self.with_body(Method::POST, "/api/v1/channels", req).await
    }

    /// Edits a channel.
    pub async fn patch_channel(&self, id: Id, req: &PatchChannel) -> Result<Channel, ClientError> {
        self.with_body(Method::PATCH, &format!("/api/v1/channels/{id}"), req)
            .await
    }

    /// Reorders channels in one transaction.
    pub async fn reorder_channels(
        &self,
        moves: &[ChannelPosition],
    ) -> Result<Vec<Channel>, ClientError> {
        self.with_body(Method::PATCH, "/api/v1/channels", &moves)
            .await
    }

    /// Deletes a channel.
    pub async fn delete_channel(&self, id: Id) -> Result<(), ClientError> {
        self.empty(Method::DELETE, &format!("/api/v1/channels/{id}"), None)
            .await
    }

    /// Sets a role's overwrite in a channel.
    pub async fn put_overwrite(
        &self,
        channel: Id,
        role: Id,
        body: &OverwriteBody,
    ) -> Result<Channel, ClientError> {
        self.with_body(
            Method::PUT,
            &format!("/api/v1/channels/{channel}/overwrites/{role}"),
            body,
        )
        .await
    }

    // --- messages ---

    /// A page of history, newest first.
    pub async fn messages(
        &self,
        channel: Id,
        q: HistoryQuery,
    ) -> Result<Vec<Message>, ClientError> {
        let mut params = Vec::new();
        if let Some(b) = q.before {
            params.push(format!("before={b}"));
        }
        if let Some(a) = q.after {
            params.push(format!("after={a}"));
        }
        if let Some(a) = q.around {
            params.push(format!("around={a}"));
        }
        if let Some(l) = q.limit {
            params.push(format!("limit={l}"));
        }
        let qs = if params.is_empty() {
            String::new()
        } else {
            format!("?{}", params.join("&"))
        };
        self.get(&format!("/api/v1/channels/{channel}/messages{qs}"))
            .await
    }

    /// Posts a message.
    pub async fn send_message(
        &self,
        channel: Id,
        req: &CreateMessage,
    ) -> Result<Message, ClientError> {
        self.with_body(
            Method::POST,
            &format!("/api/v1/channels/{channel}/messages"),
            req,
        )
        .await
    }

    /// Posts a message with one file (`multipart/form-data`: `payload_json` and
    /// `files[0]`); `content` may be empty. The file is sent from memory.
    pub async fn upload(
        &self,
        channel: Id,
        content: &str,
        filename: &str,
        data: &[u8],
    ) -> Result<Message, ClientError> {
        let boundary = format!("spectrus-{:032x}", rand_boundary());
        let payload = serde_json::to_string(&CreateMessage {
            content: content.into(),
            ..Default::default()
        })
        .map_err(|e| ClientError::Decode(e.to_string()))?;
        let name: String = filename
            .chars()
            .map(|c| if c == '"' || c.is_control() { '_' } else { c })
            .collect();
        let mut body = Vec::with_capacity(data.len() + 512);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\
                 Content-Type: application/json\r\n\r\n{payload}\r\n--{boundary}\r\n\
                 Content-Disposition: form-data; name=\"files[0]\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.call(
            Method::POST,
            &format!("/api/v1/channels/{channel}/messages"),
            Payload::Form(
                format!("multipart/form-data; boundary={boundary}"),
                bytes::Bytes::from(body),
            ),
            true,
        )
        .await
    }

    /// Posts a plain text message.
    pub async fn say(&self, channel: Id, content: &str) -> Result<Message, ClientError> {
        self.send_message(
            channel,
            &CreateMessage {
                content: content.into(),
                ..Default::default()
            },
        )
        .await
    }

    /// Edits one's own message.
    pub async fn edit_message(
        &self,
        channel: Id,
        id: Id,
        content: &str,
    ) -> Result<Message, ClientError> {
        let req = EditMessage {
            content: Some(content.into()),
            suppress_embeds: None,
        };
        self.with_body(
            Method::PATCH,
            &format!("/api/v1/channels/{channel}/messages/{id}"),
            &req,
        )
        .await
    }

    /// Removes (`true`) or allows again (`false`) one's own message's link previews.
    pub async fn suppress_embeds(
        &self,
        channel: Id,
        id: Id,
        suppress: bool,
    ) -> Result<Message, ClientError> {
        let req = EditMessage {
            content: None,
            suppress_embeds: Some(suppress),
        };
        self.with_body(
            Method::PATCH,
            &format!("/api/v1/channels/{channel}/messages/{id}"),
            &req,
        )
        .await
    }

    /// Deletes a message.
    pub async fn delete_message(&self, channel: Id, id: Id) -> Result<(), ClientError> {
        self.empty(
            Method::DELETE,
            &format!("/api/v1/channels/{channel}/messages/{id}"),
            None,
        )
        .await
    }

    /// Adds the caller's reaction.
    pub async fn react(&self, channel: Id, id: Id, emoji: &str) -> Result<(), ClientError> {
        let path = format!(
            "/api/v1/channels/{channel}/messages/{id}/reactions/{}/@me",
            esc(emoji)
        );
        self.empty(Method::PUT, &path, None).await
    }

    /// Removes the caller's reaction.
    pub async fn unreact(&self, channel: Id, id: Id, emoji: &str) -> Result<(), ClientError> {
        let path = format!(
            "/api/v1/channels/{channel}/messages/{id}/reactions/{}/@me",
            esc(emoji)
        );
        self.empty(Method::DELETE, &path, None).await
    }

    /// Says the caller is typing.
    pub async fn typing(&self, channel: Id) -> Result<(), ClientError> {
        self.empty(
            Method::POST,
            &format!("/api/v1/channels/{channel}/typing"),
            None,
        )
        .await
    }

    /// Marks the channel read up to `message`.
    pub async fn ack(&self, channel: Id, message: Id) -> Result<(), ClientError> {
        let req = AckRequest {
            message_id: message,
        };
        self.empty(
            Method::POST,
            &format!("/api/v1/channels/{channel}/ack"),
            Some(&req),
        )
        .await
    }

    /// Pins a message (`messages:manage`).
    pub async fn pin(&self, channel: Id, id: Id) -> Result<(), ClientError> {
        self.empty(
            Method::PUT,
            &format!("/api/v1/channels/{channel}/pins/{id}"),
            None,
        )
        .await
    }

    /// Unpins a message (`messages:manage`).
    pub async fn unpin(&self, channel: Id, id: Id) -> Result<(), ClientError> {
        self.empty(
            Method::DELETE,
            &format!("/api/v1/channels/{channel}/pins/{id}"),
            None,
        )
        .await
    }

    /// A channel's pinned messages, most recently pinned first.
    pub async fn pins(&self, channel: Id) -> Result<Vec<Message>, ClientError> {
        self.get(&format!("/api/v1/channels/{channel}/pins")).await
    }

    /// Searches the messages the caller can read, newest first.
    pub async fn search_messages(&self, q: &SearchQuery) -> Result<SearchResults, ClientError> {
        self.get(&format!(
            "/api/v1/search/messages?{}",
            search_query_string(q)
        ))
        .await
    }

    // --- plugins: slash commands ---

    /// The slash commands of the enabled plugins (for autocompletion).
    pub async fn commands(&self) -> Result<CommandList, ClientError> {
        self.get("/api/v1/commands").await
    }

    /// Runs a plugin's slash command in a channel: the plugin's answer (posted by its bot,
    /// also sent as `MESSAGE_CREATE`), or that it deferred.
    pub async fn invoke_command(
        &self,
        channel: Id,
        req: &InvokeCommand,
    ) -> Result<InteractionResult, ClientError> {
        self.with_body(
            Method::POST,
            &format!("/api/v1/channels/{channel}/interactions"),
            req,
        )
        .await
    }

    // --- invites ---

    /// Every invite.
    pub async fn invites(&self) -> Result<Vec<Invite>, ClientError> {
        self.get("/api/v1/invites").await
    }

    /// Creates an invite.
    pub async fn create_invite(&self, req: &CreateInvite) -> Result<Invite, ClientError> {
        self.with_body(Method::POST, "/api/v1/invites", req).await
    }

    /// Revokes an invite.
    pub async fn delete_invite(&self, code: &str) -> Result<(), ClientError> {
        self.empty(
            Method::DELETE,
            &format!("/api/v1/invites/{}", esc(code)),
            None,
        )
        .await
    }

    /// The public preview of an invite.
    pub async fn invite_preview(&self, code: &str) -> Result<InvitePreview, ClientError> {
        self.call(
            Method::GET,
            &format!("/api/v1/invites/{}", esc(code)),
            Payload::None,
            false,
        )
        .await
    }

    // --- members and roles ---

    /// A page of members.
    pub async fn members(&self, after: Option<Id>, limit: u32) -> Result<Vec<Member>, ClientError> {
        let after = after.map(|a| format!("&after={a}")).unwrap_or_default();
        self.get(&format!("/api/v1/members?limit={limit}{after}"))
            .await
    }

    /// One member.
    pub async fn member(&self, user: Id) -> Result<Member, ClientError> {
        self.get(&format!("/api/v1/members/{user}")).await
    }

    /// Every role.
    pub async fn roles(&self) -> Result<Vec<Role>, ClientError> {
        self.get("/api/v1/roles").await
    }

    /// Joins (or rejoins after a kick) with an invite; needs a login, not membership.
    pub async fn accept_invite(&self, code: &str) -> Result<(), ClientError> {
        self.empty(
            Method::POST,
            &format!("/api/v1/invites/{}", esc(code)),
            None,
        )
        .await
    }

    /// Creates a role (just above `@everyone`).
    pub async fn create_role(&self, req: &CreateRole) -> Result<Role, ClientError> {
        self.with_body(Method::POST, "/api/v1/roles", req).await
    }

    /// Edits a role.
    pub async fn patch_role(&self, id: Id, req: &PatchRole) -> Result<Role, ClientError> {
        self.with_body(Method::PATCH, &format!("/api/v1/roles/{id}"), req)
            .await
    }

    /// Deletes a role.
    pub async fn delete_role(&self, id: Id) -> Result<(), ClientError> {
        self.empty(Method::DELETE, &format!("/api/v1/roles/{id}"), None)
            .await
    }

    /// Reorders roles in one transaction; answers every role.
    pub async fn reorder_roles(&self, moves: &[RolePosition]) -> Result<Vec<Role>, ClientError> {
        self.with_body(Method::PATCH, "/api/v1/roles", &moves).await
    }

    /// Gives a role to a member.
    pub async fn add_member_role(
        &self,
        user: Id,
        role: Id,
        reason: Option<&str>,
    ) -> Result<(), ClientError> {
        self.member_role(Method::PUT, user, role, reason).await
    }

    /// Takes a role from a member.
    pub async fn remove_member_role(
        &self,
        user: Id,
        role: Id,
        reason: Option<&str>,
    ) -> Result<(), ClientError> {
        self.member_role(Method::DELETE, user, role, reason).await
    }

    /// `PUT` (give) or `DELETE` (take) one role of a member.
    async fn member_role(
        &self,
        method: Method,
        user: Id,
        role: Id,
        reason: Option<&str>,
    ) -> Result<(), ClientError> {
        let path = format!("/api/v1/members/{user}/roles/{role}");
        self.raw_with_reason(method, &path, Payload::None, true, reason)
            .await
            .map(|_| ())
    }

    /// Edits a member (nickname, roles, timeout).
    pub async fn patch_member(
        &self,
        user: Id,
        req: &PatchMember,
        reason: Option<&str>,
    ) -> Result<Member, ClientError> {
        let path = format!("/api/v1/members/{user}");
        let bytes = self
            .raw_with_reason(Method::PATCH, &path, Payload::Json(req), true, reason)
            .await?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// Server-mutes, deafens, moves or disconnects a member in voice
    /// (`PATCH /voice/members/{user_id}`); answers the member's voice state.
    pub async fn patch_voice_member(
        &self,
        user: Id,
        req: &spectrus_proto::rest::PatchVoiceMember,
    ) -> Result<spectrus_proto::model::VoiceState, ClientError> {
        let path = format!("/api/v1/voice/members/{user}");
        let bytes = self
            .raw_with_reason(Method::PATCH, &path, Payload::Json(req), true, None)
            .await?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// Kicks a member.
    pub async fn kick(&self, user: Id, reason: Option<&str>) -> Result<(), ClientError> {
        let path = format!("/api/v1/members/{user}");
        self.raw_with_reason(Method::DELETE, &path, Payload::None, true, reason)
            .await
            .map(|_| ())
    }

    /// Every ban.
    pub async fn bans(&self) -> Result<Vec<Ban>, ClientError> {
        self.get("/api/v1/bans").await
    }

    /// Bans an account; `reason` goes in the body (and so in the ban list).
    pub async fn ban(&self, user: Id, reason: Option<&str>) -> Result<(), ClientError> {
        let req = BanRequest {
            reason: reason.map(str::to_owned),
        };
        self.empty(Method::PUT, &format!("/api/v1/bans/{user}"), Some(&req))
            .await
    }

    /// Lifts a ban.
    pub async fn unban(&self, user: Id, reason: Option<&str>) -> Result<(), ClientError> {
        let path = format!("/api/v1/bans/{user}");
        self.raw_with_reason(Method::DELETE, &path, Payload::None, true, reason)
            .await
            .map(|_| ())
    }

    /// A page of the audit log, newest first.
    pub async fn audit_log(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, ClientError> {
        let mut params = Vec::new();
        if let Some(b) = q.before {
            params.push(format!("before={b}"));
        }
        if let Some(l) = q.limit {
            params.push(format!("limit={l}"));
        }
        if let Some(a) = &q.action {
            params.push(format!("action={}", esc(a)));
        }
        if let Some(a) = q.actor_id {
            params.push(format!("actor_id={a}"));
        }
        let qs = if params.is_empty() {
            String::new()
        } else {
            format!("?{}", params.join("&"))
        };
        self.get(&format!("/api/v1/audit-log{qs}")).await
    }

    /// Removes a role's overwrite from a channel.
    pub async fn delete_overwrite(&self, channel: Id, role: Id) -> Result<Channel, ClientError> {
        self.call(
            Method::DELETE,
            &format!("/api/v1/channels/{channel}/overwrites/{role}"),
            Payload::None,
            true,
        )
        .await
    }
}

/// Direct messages, blocks and the member's own settings.
impl Client {
    /// Opens a direct message with `recipients` (one: the pair's `dm`, created or found;
    /// two to nine: a new `group_dm`).
    pub async fn open_dm(
        &self,
        recipients: &[Id],
    ) -> Result<spectrus_proto::model::PrivateChannel, ClientError> {
        let req = CreateDm {
            recipients: recipients.to_vec(),
        };
        self.with_body(Method::POST, "/api/v1/users/@me/channels", &req)
            .await
    }

    /// The caller's direct messages, the most recently active first.
    pub async fn dms(&self) -> Result<Vec<spectrus_proto::model::PrivateChannel>, ClientError> {
        self.get("/api/v1/users/@me/channels").await
    }

    /// Blocks a user.
    pub async fn block(&self, user: Id) -> Result<(), ClientError> {
        self.empty(
            Method::PUT,
            &format!("/api/v1/users/@me/blocks/{user}"),
            None,
        )
        .await
    }

    /// Unblocks a user.
    pub async fn unblock(&self, user: Id) -> Result<(), ClientError> {
        self.empty(
            Method::DELETE,
            &format!("/api/v1/users/@me/blocks/{user}"),
            None,
        )
        .await
    }

    /// The users the caller has blocked.
    pub async fn blocks(&self) -> Result<Vec<User>, ClientError> {
        self.get("/api/v1/users/@me/blocks").await
    }

    /// The caller's own settings.
    pub async fn user_settings(&self) -> Result<spectrus_proto::model::UserSettings, ClientError> {
        self.get("/api/v1/users/@me/settings").await
    }

    /// Changes the caller's own settings.
    pub async fn patch_user_settings(
        &self,
        req: &PatchUserSettings,
    ) -> Result<spectrus_proto::model::UserSettings, ClientError> {
        self.with_body(Method::PATCH, "/api/v1/users/@me/settings", req)
            .await
    }
}

fn error_code(bytes: &[u8]) -> Option<String> {
    serde_json::from_slice::<ErrorBody>(bytes)
        .ok()
        .map(|b| b.error.code)
}

/// A boundary no file is likely to contain (time and address entropy; not a secret).
fn rand_boundary() -> u128 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let local = 0u8;
    t ^ ((&local as *const u8 as usize as u128) << 64)
}

/// Custom emoji (`/emojis`).
impl Client {
    /// The server's custom emoji, by name.
    pub async fn emojis(&self) -> Result<Vec<spectrus_proto::model::Emoji>, ClientError> {
        self.get("/api/v1/emojis").await
    }

    /// Uploads a custom emoji named `name` from an image (`emoji:manage`).
    pub async fn create_emoji(
        &self,
        name: &str,
        image: &[u8],
    ) -> Result<spectrus_proto::model::Emoji, ClientError> {
        let boundary = format!("spectrus-{:032x}", rand_boundary());
        let name: String = name.chars().filter(|c| !c.is_control()).collect();
        let mut body = Vec::with_capacity(image.len() + 512);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n{name}\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"emoji\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(image);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.call(
            Method::POST,
            "/api/v1/emojis",
            Payload::Form(
                format!("multipart/form-data; boundary={boundary}"),
                bytes::Bytes::from(body),
            ),
            true,
        )
        .await
    }

    /// Renames a custom emoji (`emoji:manage`).
    pub async fn rename_emoji(
        &self,
        id: Id,
        name: &str,
    ) -> Result<spectrus_proto::model::Emoji, ClientError> {
        self.with_body(
            Method::PATCH,
            &format!("/api/v1/emojis/{id}"),
            &spectrus_proto::rest::PatchEmoji { name: name.into() },
        )
        .await
    }

    /// Deletes a custom emoji (`emoji:manage`).
    pub async fn delete_emoji(&self, id: Id) -> Result<(), ClientError> {
        self.empty(Method::DELETE, &format!("/api/v1/emojis/{id}"), None)
            .await
    }
}
