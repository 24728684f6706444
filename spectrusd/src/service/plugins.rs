//! Plugins (operator use cases): fetch a repository's `spectrus-plugin.json` from the
//! raw-content host, validate it field by field, show it, install it on confirmation (free
//! servers up to [`FREE_PLUGINS`]; more is premium), list and remove. Installing makes the
//! plugin's bot: an account without password login, a member holding a role managed by the
//! plugin with exactly the granted permissions, and a bot token (stored as SHA-256). What is
//! in force (tokens of enabled plugins, managed roles, webhook queues) is kept in
//! `state.bots` by [`apply`] after every change. A manifest whose webhook the SSRF guard
//! refuses (loopback, private, link-local, the daemon's own address, unless
//! `plugins.allow_private_webhooks`) is refused at preview and install (400, `webhook_url`).

use sha2::{Digest, Sha256};
use spectrus_proto::admin::{BotToken, Plugin, PluginInstalled, PluginPreview};
use spectrus_proto::gateway::{Dispatch, IdOnly, close};
use spectrus_proto::model::Role;
use spectrus_proto::permissions::PermissionSet;
use spectrus_proto::{Id, Permission};

use super::{Actor, audit};
use crate::bots::delivery::Subscription;
use crate::bus::Audience;
use crate::domain::plugin_manifest::{self, MAX_BYTES, Source};
use crate::domain::time::rfc3339;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// How many plugins a server without a premium licence may install.
pub(crate) const FREE_PLUGINS: u64 = 3;

/// How long fetching a manifest may take.
const FETCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// `POST /admin/v1/plugins/preview`: the manifest `source` points at, validated.
pub(crate) async fn preview(state: &AppState, source: &str) -> Result<PluginPreview, ApiError> {
    let source = Source::parse(source).map_err(|m| ApiError::field("source", m))?;
    let url = source.manifest_url(&state.config().plugins.github_raw_url);
    let bytes = fetch(&url).await?;
    let manifest = plugin_manifest::parse(&bytes).map_err(ApiError::Validation)?;
    // The SSRF guard, before anything is installed (and again at every delivery).
    if let Err(why) = state
        .bots
        .deliveries
        .poster()
        .check(&manifest.webhook_url)
        .await
    {
        tracing::warn!(plugin = %manifest.id, url = %manifest.webhook_url, reason = %why,
            "plugin refused: its webhook address");
        return Err(ApiError::field("webhook_url", why));
    }
    Ok(PluginPreview {
        source: source.label(),
        sha256: hex::encode(Sha256::digest(&bytes)),
        manifest,
    })
}

/// `POST /admin/v1/plugins`: fetches and validates again, checks it is what was confirmed
/// (`sha256`, when given), and installs it.
pub(crate) async fn install(
    state: &AppState,
    actor: Actor,
    source: &str,
    sha256: Option<&str>,
) -> Result<PluginInstalled, ApiError> {
    let shown = preview(state, source).await?;
    if let Some(expected) = sha256
        && !expected.eq_ignore_ascii_case(&shown.sha256)
    {
        return Err(ApiError::Conflict(
            "the manifest changed since it was shown; review it again before installing".into(),
        ));
    }
    let premium = state.license.is_premium();
    let id = shown.manifest.id.clone();
    let row = store::plugins::Row {
        id: id.clone(),
        source: shown.source.clone(),
        manifest: shown.manifest,
        enabled: true,
        installed_at_ms: crate::domain::time::now_ms(),
    };
    let entry = audit::Entry::new(state, actor, "plugin.install").target("plugin", &id);
    let changes = serde_json::json!({"source": row.source, "version": row.manifest.version,
        "permissions": row.manifest.permissions});
    let mut stored = row;
    let permissions = granted(&stored.manifest.permissions);
    let token = crate::bots::new_token();
    let token_hash = crate::bots::hash_token(&token);
    let (bot_id, role_id) = (state.ids.next(), state.ids.next());
    let now = crate::domain::time::now_ms();
    let (row, fresh, roles) = super::write(state, move |c| {
        let installed = store::plugins::list(c)?;
        let fresh = match installed.iter().find(|p| p.id == stored.id) {
            // An update keeps whether it was on, and when it was first installed.
            Some(old) => {
                stored.enabled = old.enabled;
                stored.installed_at_ms = old.installed_at_ms;
                false
            }
            None if installed.len() as u64 >= FREE_PLUGINS && !premium => {
                return Err(ApiError::PremiumRequired);
            }
            None => true,
        };
        store::plugins::insert(c, &stored)?;
        let bot = store::plugins::bot(c, &stored.id)?;
        let roles = match bot {
            // An update grants what the new manifest asks for.
            Some(b) => match store::roles::get(c, b.role_id)? {
                Some(mut r) => {
                    r.permissions = permissions;
                    store::roles::upsert(c, &r)?;
                    vec![r]
                }
                None => Vec::new(),
            },
            None => make_bot(c, &stored, bot_id, role_id, permissions, &token_hash, now)?,
        };
        entry.write(c, changes)?;
        Ok((stored, fresh, roles))
    })
    .await?;
    for r in &roles {
        state.access.upsert_role(r);
    }
    if fresh {
        state.access.upsert_member(bot_id, vec![role_id], None);
        if let Some(r) = roles.iter().find(|r| r.id == role_id) {
            state
                .hub
                .publish(Dispatch::RoleCreate(r.clone()), Audience::All);
        }
    } else if let Some(r) = roles.first() {
        state
            .hub
            .publish(Dispatch::RoleUpdate(r.clone()), Audience::All);
    }
    apply(state).await?;
    if fresh && let Ok(m) = super::members::get(state, bot_id).await {
        state.hub.publish(Dispatch::MemberAdd(m), Audience::All);
    }
    tracing::info!(plugin = %id, source = %row.source, "plugin installed");
    let plugin = show(state, &row.id).await?;
    Ok(PluginInstalled {
        plugin,
        bot_token: fresh.then_some(token),
        public_key: state.bots.signer.public_key_hex(),
    })
}

/// The permissions a manifest's names grant (names were checked when it was validated).
fn granted(names: &[String]) -> PermissionSet {
    names
        .iter()
        .filter_map(|n| n.parse::<Permission>().ok())
        .collect()
}

/// The username of a plugin's bot: its id (already lower-case letters, digits and `-`).
fn bot_username(plugin_id: &str) -> String {
    plugin_id.chars().take(32).collect()
}

/// Writes a new plugin's bot: account, membership, managed role at position 1, token.
fn make_bot(
    c: &rusqlite::Connection,
    plugin: &store::plugins::Row,
    bot_id: Id,
    role_id: Id,
    permissions: PermissionSet,
    token_hash: &str,
    now: i64,
) -> Result<Vec<Role>, ApiError> {
    let username = bot_username(&plugin.id);
    if store::users::username_taken(c, &username)? {
        return Err(ApiError::Conflict(format!(
            "the username {username:?} of this plugin's bot is taken by an account; rename that account first"
        )));
    }
    store::users::insert(
        c,
        &store::users::UserRow {
            id: bot_id,
            username,
            display_name: plugin.manifest.name.clone(),
            // No password hash matches "!": a bot cannot log in.
            password_hash: "!".into(),
            is_owner: false,
            disabled: false,
            created_at: now,
            is_bot: true,
        },
    )?;
    store::members::insert(c, bot_id, now)?;
    store::roles::shift_up_from(c, 1)?;
    let role = Role {
        id: role_id,
        name: plugin.manifest.name.clone(),
        color: None,
        position: 1,
        permissions,
        hoist: false,
        mentionable: false,
        managed_by: Some(plugin.id.clone()),
    };
    store::roles::upsert(c, &role)?;
    store::roles::assign(c, bot_id, role_id)?;
    store::plugins::insert_bot(
        c,
        &store::plugins::BotRow {
            plugin_id: plugin.id.clone(),
            user_id: bot_id,
            role_id,
            token_hash: token_hash.to_owned(),
        },
    )?;
    Ok(store::roles::list(c)?)
}

/// Puts what the store says in force: enabled plugins' bot tokens, managed roles, webhook
/// queues (handed to the bus). Run at start and after every plugin change.
pub(crate) async fn apply(state: &AppState) -> Result<(), ApiError> {
    let (plugins, bots) = state
        .store
        .read(|c| Ok::<_, store::StoreError>((store::plugins::list(c)?, store::plugins::bots(c)?)))
        .await?;
    let mut subs = Vec::new();
    for b in &bots {
        let plugin = plugins.iter().find(|p| p.id == b.plugin_id);
        let enabled = plugin.is_some_and(|p| p.enabled);
        state.bots.set_managed_role(b.role_id, Some(&b.plugin_id));
        state.bots.set_token(
            &b.plugin_id,
            b.user_id,
            enabled.then(|| b.token_hash.clone()),
        );
        if let Some(p) = plugin.filter(|p| p.enabled) {
            subs.push(Subscription {
                plugin_id: p.id.clone(),
                bot_id: b.user_id,
                events: p.manifest.events.clone(),
                webhook_url: p.manifest.webhook_url.clone(),
            });
        }
    }
    let taps = state.bots.deliveries.sync(&state.bots.signer, subs);
    state.hub.set_taps(taps);
    Ok(())
}

/// Ends a bot's gateway sessions (its token changed or stopped working).
fn end_bot_sessions(state: &AppState, bot: Id, why: &'static str) {
    state
        .hub
        .end_sessions(|s| s.user == bot, close::AUTHENTICATION_FAILED, why);
}

/// `POST /admin/v1/plugins/{id}/token`: a new bot token; the old one stops working.
pub(crate) async fn rotate_token(
    state: &AppState,
    actor: Actor,
    id: &str,
) -> Result<BotToken, ApiError> {
    let token = crate::bots::new_token();
    let hash = crate::bots::hash_token(&token);
    let entry = audit::Entry::new(state, actor, "plugin.token").target("plugin", id);
    let owned = id.to_owned();
    let bot = super::write(state, move |c| {
        let bot = store::plugins::bot(c, &owned)?
            .ok_or_else(|| ApiError::Missing(format!("no plugin named {owned:?}")))?;
        store::plugins::set_token(c, &owned, &hash)?;
        entry.write(c, serde_json::json!({}))?;
        Ok(bot)
    })
    .await?;
    apply(state).await?;
    end_bot_sessions(state, bot.user_id, "bot token rotated");
    Ok(BotToken {
        plugin_id: id.to_owned(),
        bot_token: token,
        public_key: state.bots.signer.public_key_hex(),
    })
}

/// `GET /admin/v1/plugins`.
pub(crate) async fn list(state: &AppState) -> Result<Vec<Plugin>, ApiError> {
    let (rows, bots) = state
        .store
        .read(|c| Ok::<_, store::StoreError>((store::plugins::list(c)?, store::plugins::bots(c)?)))
        .await?;
    let key = state.bots.signer.public_key_hex();
    Ok(rows
        .into_iter()
        .map(|r| {
            let bot_id = bots.iter().find(|b| b.plugin_id == r.id).map(|b| b.user_id);
            let healthy = state.bots.deliveries.health(&r.id).healthy();
            let mut p = to_wire(r);
            p.bot_id = bot_id;
            p.healthy = healthy;
            p.public_key = Some(key.clone());
            p
        })
        .collect())
}

/// `DELETE /admin/v1/plugins/{id}`.
pub(crate) async fn remove(state: &AppState, actor: Actor, id: &str) -> Result<(), ApiError> {
    let entry = audit::Entry::new(state, actor, "plugin.remove").target("plugin", id);
    let owned = id.to_owned();
    let (bot, moved) = super::write(state, move |c| {
        let bot = store::plugins::bot(c, &owned)?;
        if let Some(b) = &bot {
            store::roles::delete(c, b.role_id)?;
            // The account stays for its messages, as a deleted user's does.
            store::users::anonymize(c, b.user_id)?;
        }
        if !store::plugins::delete(c, &owned)? {
            return Err(ApiError::Missing(format!("no plugin named {owned:?}")));
        }
        entry.write(c, serde_json::json!({}))?;
        let moved = match bot {
            Some(_) => store::roles::compact(c)?,
            None => Vec::new(),
        };
        Ok((bot, moved))
    })
    .await?;
    state.bots.interactions.forget_plugin(id);
    if let Some(b) = bot {
        state.bots.set_token(id, b.user_id, None);
        state.bots.set_managed_role(b.role_id, None);
        end_bot_sessions(state, b.user_id, "plugin removed");
        state.access.remove_member(b.user_id);
        state.access.remove_role(b.role_id);
        for r in &moved {
            state.access.upsert_role(r);
        }
        state.hub.publish(
            Dispatch::MemberRemove(IdOnly { id: b.user_id }),
            Audience::All,
        );
        state.hub.publish(
            Dispatch::RoleDelete(IdOnly { id: b.role_id }),
            Audience::All,
        );
    }
    apply(state).await
}

/// `GET /admin/v1/plugins/{id}`.
pub(crate) async fn show(state: &AppState, id: &str) -> Result<Plugin, ApiError> {
    list(state)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| ApiError::Missing(format!("no plugin named {id:?}")))
}

/// `POST /admin/v1/plugins/{id}/enable` and `…/disable`.
pub(crate) async fn set_enabled(
    state: &AppState,
    actor: Actor,
    id: &str,
    enabled: bool,
) -> Result<Plugin, ApiError> {
    let action = if enabled {
        "plugin.enable"
    } else {
        "plugin.disable"
    };
    let entry = audit::Entry::new(state, actor, action).target("plugin", id);
    let owned = id.to_owned();
    let bot = super::write(state, move |c| {
        if !store::plugins::set_enabled(c, &owned, enabled)? {
            return Err(ApiError::Missing(format!("no plugin named {owned:?}")));
        }
        entry.write(c, serde_json::json!({}))?;
        Ok(store::plugins::bot(c, &owned)?)
    })
    .await?;
    apply(state).await?;
    if !enabled {
        state.bots.interactions.forget_plugin(id);
        if let Some(b) = bot {
            end_bot_sessions(state, b.user_id, "plugin disabled");
        }
    }
    show(state, id).await
}

fn to_wire(r: store::plugins::Row) -> Plugin {
    Plugin {
        id: r.id,
        source: r.source,
        enabled: r.enabled,
        installed_at: rfc3339(r.installed_at_ms),
        manifest: r.manifest,
        bot_id: None,
        healthy: true,
        public_key: None,
    }
}

/// GETs the manifest: at most [`MAX_BYTES`], within [`FETCH_TIMEOUT`].
async fn fetch(url: &str) -> Result<Vec<u8>, ApiError> {
    let unreachable = |why: String| {
        ApiError::Upstream(format!("cannot fetch {url}: {why}; nothing was installed"))
    };
    let client = reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .user_agent(concat!("spectrusd/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut resp = client.get(url).send().await.map_err(|e| {
        unreachable(if e.is_timeout() {
            format!("no answer within {} s", FETCH_TIMEOUT.as_secs())
        } else {
            "cannot connect".into()
        })
    })?;
    let status = resp.status();
    if status == reqwest::StatusCode::NOT_FOUND {
        return Err(ApiError::Missing(format!(
            "no {} at {url}: check OWNER/REPO and the ref",
            plugin_manifest::FILE
        )));
    }
    if !status.is_success() {
        return Err(unreachable(format!("HTTP {}", status.as_u16())));
    }
    let too_big = || {
        ApiError::field(
            "manifest",
            format!("is larger than {} KiB", MAX_BYTES / 1024),
        )
    };
    if resp.content_length().is_some_and(|n| n > MAX_BYTES as u64) {
        return Err(too_big());
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|_| unreachable("the answer was cut short".into()))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BYTES {
            return Err(too_big());
        }
    }
    Ok(body)
}
