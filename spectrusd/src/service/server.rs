//! The server's own settings: name, description, icon, registration policy, branding.

use spectrus_proto::Permission;
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::model::{Branding, RegistrationPolicy, ServerInfo};
use spectrus_proto::rest::PatchServer;

use super::{Actor, audit};
use crate::bus::Audience;
use crate::domain::image_urls;
use crate::domain::validate;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// `GET /server`.
pub(crate) async fn info(state: &AppState) -> Result<ServerInfo, ApiError> {
    let cfg = state.config();
    let (name, description, icon_url, registration, branding) = state
        .store
        .read(|c| {
            Ok((
                store::settings::get(c, "name")?,
                store::settings::get(c, "description")?,
                store::settings::get(c, "icon_url")?,
                store::settings::get(c, "registration")?,
                stored_branding(c)?,
            ))
        })
        .await?;
    // A lapsed licence keeps the stored branding but stops applying it.
    let premium = state.license.is_premium();
    Ok(ServerInfo {
        name: name.unwrap_or_else(|| cfg.server_name.clone()),
        description,
        icon_url,
        branding: if premium {
            branding
        } else {
            Branding::default()
        },
        registration: match registration.as_deref() {
            Some("open") => RegistrationPolicy::Open,
            Some("invite") => RegistrationPolicy::Invite,
            _ => cfg.registration,
        },
        version: env!("CARGO_PKG_VERSION").to_owned(),
        voice_enabled: state.voice.enabled(),
        premium,
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
    if req.branding.is_some() && !state.license.is_premium() {
        return Err(ApiError::PremiumRequired);
    }
    let mut check = validate::Checker::new();
    if let Some(b) = &req.branding {
        check_branding(&mut check, b);
    }
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
                || image_urls::is_own_image_url(u),
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
        if let Some(b) = &req.branding {
            store::settings::set(c, BRANDING_APP_NAME, b.app_name.as_deref().map(str::trim))?;
            store::settings::set(c, BRANDING_ACCENT, b.accent_color.as_deref())?;
            store::settings::set(c, BRANDING_LOGO, b.logo_url.as_deref())?;
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

/// Where the branding is stored (settings keys).
const BRANDING_APP_NAME: &str = "branding.app_name";
const BRANDING_ACCENT: &str = "branding.accent_color";
const BRANDING_LOGO: &str = "branding.logo_url";

/// The stored branding (applied only while premium).
fn stored_branding(c: &rusqlite::Connection) -> Result<Branding, store::StoreError> {
    Ok(Branding {
        app_name: store::settings::get(c, BRANDING_APP_NAME)?,
        accent_color: store::settings::get(c, BRANDING_ACCENT)?,
        logo_url: store::settings::get(c, BRANDING_LOGO)?,
    })
}

/// Branding rules: a name of 1-64 characters, an accent colour `#rrggbb`, a logo that is an
/// http(s) URL or a path on this server (`/…`). A field left null is cleared.
fn check_branding(check: &mut validate::Checker, b: &Branding) {
    if let Some(name) = &b.app_name {
        let n = name.trim().chars().count();
        check.check(
            "branding.app_name",
            (1..=64).contains(&n),
            "must be 1 to 64 characters",
        );
    }
    if let Some(color) = &b.accent_color {
        let ok = color.len() == 7
            && color.starts_with('#')
            && color[1..].bytes().all(|b| b.is_ascii_hexdigit());
        check.check("branding.accent_color", ok, "must be a colour like #5865f2");
    }
    if let Some(logo) = &b.logo_url {
        let ok =
            (logo.starts_with("https://") || logo.starts_with("http://") || logo.starts_with('/'))
                && logo.len() <= 2048
                && !logo.starts_with("//")
                && !logo.chars().any(char::is_whitespace);
        check.check(
            "branding.logo_url",
            ok,
            "must be an http(s) URL or a path on this server starting with /",
        );
    }
}
