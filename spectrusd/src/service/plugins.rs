//! Plugins (operator use cases, so far): fetch a repository's `spectrus-plugin.json` from the
//! raw-content host, validate it field by field, show it, install it on confirmation (free
//! servers up to [`FREE_PLUGINS`]; more is premium), list and remove.

use sha2::{Digest, Sha256};
use spectrus_proto::admin::{Plugin, PluginPreview};

use super::{Actor, audit};
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
    Ok(PluginPreview {
        source: source.label(),
        sha256: Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
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
) -> Result<Plugin, ApiError> {
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
    let row = super::write(state, move |c| {
        let installed = store::plugins::list(c)?;
        match installed.iter().find(|p| p.id == stored.id) {
            // An update keeps whether it was on, and when it was first installed.
            Some(old) => {
                stored.enabled = old.enabled;
                stored.installed_at_ms = old.installed_at_ms;
            }
            None if installed.len() as u64 >= FREE_PLUGINS && !premium => {
                return Err(ApiError::PremiumRequired);
            }
            None => {}
        }
        store::plugins::insert(c, &stored)?;
        entry.write(c, changes)?;
        Ok(stored)
    })
    .await?;
    tracing::info!(plugin = %id, source = %row.source, "plugin installed");
    Ok(to_wire(row))
}

/// `GET /admin/v1/plugins`.
pub(crate) async fn list(state: &AppState) -> Result<Vec<Plugin>, ApiError> {
    let rows = state.store.read(store::plugins::list).await?;
    Ok(rows.into_iter().map(to_wire).collect())
}

/// `DELETE /admin/v1/plugins/{id}`.
pub(crate) async fn remove(state: &AppState, actor: Actor, id: &str) -> Result<(), ApiError> {
    let entry = audit::Entry::new(state, actor, "plugin.remove").target("plugin", id);
    let id = id.to_owned();
    super::write(state, move |c| {
        if !store::plugins::delete(c, &id)? {
            return Err(ApiError::Missing(format!("no plugin named {id:?}")));
        }
        Ok(entry.write(c, serde_json::json!({}))?)
    })
    .await
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
    super::write(state, move |c| {
        if !store::plugins::set_enabled(c, &owned, enabled)? {
            return Err(ApiError::Missing(format!("no plugin named {owned:?}")));
        }
        Ok(entry.write(c, serde_json::json!({}))?)
    })
    .await?;
    show(state, id).await
}

fn to_wire(r: store::plugins::Row) -> Plugin {
    Plugin {
        id: r.id,
        source: r.source,
        enabled: r.enabled,
        installed_at: rfc3339(r.installed_at_ms),
        manifest: r.manifest,
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
