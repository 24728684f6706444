//! The server's own settings: name, description, icon, registration policy, branding.

use spectrus_proto::Permission;
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::model::{Branding, RegistrationPolicy, ServerInfo};
use spectrus_proto::rest::PatchServer;

use super::{Actor, audit};
use crate::bus::Audience;
use crate::domain::validate;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// `GET /server`.
pub(crate) async fn info(state: &AppState) -> Result<ServerInfo, ApiError> {
    let cfg = state.config();
    let (name, description, icon_url, registration) = state
        .store
        .read(|c| {
            Ok((
                store::settings::get(c, "name")?,
                store::settings::get(c, "description")?,
                store::settings::get(c, "icon_url")?,
                store::settings::get(c, "registration")?,
            ))
        })
        .await?;
    Ok(ServerInfo {
        name: name.unwrap_or_else(|| cfg.server_name.clone()),
        description,
        icon_url,
        branding: Branding::default(),
        registration: match registration.as_deref() {
            Some("open") => RegistrationPolicy::Open,
            Some("invite") => RegistrationPolicy::Invite,
            _ => cfg.registration,
        },
        version: env!("CARGO_PKG_VERSION").to_owned(),
        voice_enabled: state.voice.enabled(),
        premium: false,
        setup_required: state.access.owner().is_none(),
        owner_id: state.access.owner(),
    })
}

/// `PATCH /server` (`server:manage`). Branding needs a premium licence.
pub(crate) async fn patch(
    state: &AppState,
    actor: Actor,
    req: PatchServer,
) -> Result<ServerInfo, ApiError> {
    actor.require(state, Permission::ServerManage)?;
    if req.branding.is_some() {
        return Err(ApiError::PremiumRequired);
    }
    let mut check = validate::Checker::new();
    if let Some(n) = &req.name {
        check.field(
            "name",
            validate::channel_name(n).map_err(|e| e.replace("channel name", "server name")),
        );
    }
    if let Some(Some(d)) = &req.description {
        check.field("description", validate::topic(d));
    }
    if let Some(Some(u)) = &req.icon_url {
        check.check(
            "icon_url",
            u.starts_with("https://")
                || u.starts_with("http://")
                || super::avatars::is_own_image_url(u),
            "must be an http(s) URL",
        );
    }
    check.finish()?;
    let entry = audit::Entry::new(state, actor, "server.update");
    let changes = serde_json::to_value(&req).unwrap_or_default();
    super::write(state, move |c| {
        if let Some(n) = &req.name {
            store::settings::set(c, "name", Some(n))?;
        }
        if let Some(d) = &req.description {
            store::settings::set(c, "description", d.as_deref())?;
        }
        if let Some(u) = &req.icon_url {
            store::settings::set(c, "icon_url", u.as_deref())?;
        }
        if let Some(r) = req.registration {
            store::settings::set(c, "registration", Some(r.as_str()))?;
        }
        Ok(entry.write(c, changes)?)
    })
    .await?;
    let info = info(state).await?;
    state
        .hub
        .publish(Dispatch::ServerUpdate(info.clone()), Audience::All);
    Ok(info)
}
