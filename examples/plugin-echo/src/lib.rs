//! plugin-echo: a complete minimal Spectrus plugin (docs/plugins.md walks through it).
//!
//! One webhook route takes everything the server sends (events, pings, slash commands), each
//! checked by [`verify`] first (401 otherwise). `/echo text:…` answers at once; `/slow` defers
//! and posts its answer as a follow-up about a second later. `GET /received` lists the verified
//! deliveries as JSON — a test aid, not something a real plugin needs.

pub mod verify;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use spectrus_proto::interactions::{
    CommandInteraction, InteractionMessage, InteractionResponse, RESPONSE_DEFERRED,
    RESPONSE_MESSAGE, RESPONSE_PONG, WEBHOOK_COMMAND, WEBHOOK_EVENT, WEBHOOK_PING,
};

pub use verify::{Verifier, VerifyError};

/// How the plugin runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The server's key that signs deliveries.
    pub verifier: Verifier,
    /// The bot's token (`Authorization: Bot …`), sent with follow-ups when given.
    pub bot_token: Option<String>,
    /// The server's base URL (`https://chat.example.com`), for follow-ups.
    pub api: Option<String>,
    /// How long `/slow` thinks before its follow-up.
    pub slow_delay: Duration,
}

struct Plugin {
    config: Config,
    http: reqwest::Client,
    received: Mutex<Vec<Value>>,
}

type Shared = Arc<Plugin>;

/// The plugin's routes: `POST /webhook` (also `POST /`) and `GET /received`.
pub fn router(config: Config) -> axum::Router {
    let plugin = Arc::new(Plugin {
        config,
        http: reqwest::Client::new(),
        received: Mutex::new(Vec::new()),
    });
    axum::Router::new()
        .route("/", post(webhook))
        .route("/webhook", post(webhook))
        .route("/received", get(received))
        .with_state(plugin)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn error(status: StatusCode, code: &str, message: String) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

async fn webhook(State(plugin): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Err(e) = plugin.config.verifier.verify(
        header("x-signature-timestamp"),
        header("x-signature-ed25519"),
        &body,
        unix_now(),
    ) {
        tracing::warn!(error = %e, "refused an unverified delivery");
        return error(StatusCode::UNAUTHORIZED, "bad_signature", e.to_string());
    }
    let Ok(doc) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_body",
            "the body is not JSON".into(),
        );
    };
    let kind = doc["type"].as_u64();
    tracing::info!(
        kind,
        event = header("x-spectrus-event"),
        delivery = header("x-spectrus-delivery"),
        "delivery received"
    );
    if let Ok(mut list) = plugin.received.lock() {
        list.push(json!({
            "event": header("x-spectrus-event"),
            "delivery": header("x-spectrus-delivery"),
            "body": doc,
        }));
    }
    match kind {
        Some(k) if k == u64::from(WEBHOOK_PING) => Json(InteractionResponse {
            kind: RESPONSE_PONG,
            data: None,
        })
        .into_response(),
        Some(k) if k == u64::from(WEBHOOK_EVENT) => StatusCode::NO_CONTENT.into_response(),
        Some(k) if k == u64::from(WEBHOOK_COMMAND) => {
            match serde_json::from_value::<CommandInteraction>(doc) {
                Ok(interaction) => Json(command(&plugin, interaction)).into_response(),
                Err(e) => error(
                    StatusCode::BAD_REQUEST,
                    "bad_body",
                    format!("not an interaction: {e}"),
                ),
            }
        }
        _ => error(
            StatusCode::BAD_REQUEST,
            "bad_body",
            "unknown delivery type".into(),
        ),
    }
}

fn text_option(interaction: &CommandInteraction, name: &str) -> Option<String> {
    interaction.options.get(name).map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn say(content: String) -> InteractionResponse {
    InteractionResponse {
        kind: RESPONSE_MESSAGE,
        data: Some(InteractionMessage { content }),
    }
}

/// Answers one slash command.
fn command(plugin: &Shared, interaction: CommandInteraction) -> InteractionResponse {
    match interaction.command.as_str() {
        "echo" => say(text_option(&interaction, "text").unwrap_or_default()),
        "slow" => {
            let content =
                text_option(&interaction, "text").unwrap_or_else(|| "Done thinking.".to_owned());
            tokio::spawn(follow_up(plugin.clone(), interaction, content));
            InteractionResponse {
                kind: RESPONSE_DEFERRED,
                data: None,
            }
        }
        other => say(format!("I don't know /{other}.")),
    }
}

/// Posts a deferred command's answer through its interaction token.
async fn follow_up(plugin: Shared, interaction: CommandInteraction, content: String) {
    tokio::time::sleep(plugin.config.slow_delay).await;
    let Some(api) = &plugin.config.api else {
        tracing::warn!("no --api given: cannot send the follow-up");
        return;
    };
    let url = format!(
        "{}/api/v1/interactions/{}/{}/followup",
        api.trim_end_matches('/'),
        interaction.id,
        interaction.token
    );
    let mut request = plugin.http.post(&url).json(&InteractionMessage { content });
    if let Some(token) = &plugin.config.bot_token {
        request = request.header("authorization", format!("Bot {token}"));
    }
    match request.send().await {
        Ok(r) if r.status().is_success() => tracing::info!(id = %interaction.id, "followed up"),
        Ok(r) => tracing::warn!(status = %r.status(), "the follow-up was refused"),
        Err(e) => tracing::warn!(error = %e, "the follow-up failed"),
    }
}

/// `GET /received`: the verified deliveries so far, oldest first (a test aid).
async fn received(State(plugin): State<Shared>) -> Json<Vec<Value>> {
    Json(
        plugin
            .received
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default(),
    )
}
