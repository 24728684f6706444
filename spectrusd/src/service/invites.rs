//! Invites: create, list, revoke, preview.

use spectrus_proto::model::{Invite, InvitePreview, InviteServer};
use spectrus_proto::rest::CreateInvite;
use spectrus_proto::{Id, Permission};

use super::{Actor, audit};
use crate::domain::time::{now_ms, rfc3339};
use crate::domain::tokens::random_token;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::invites::InviteRow;

/// The wire form of a stored invite.
pub(crate) fn to_wire(state: &AppState, i: &InviteRow) -> Invite {
    let base = state.config().public_base_url();
    let host = base
        .split("://")
        .nth(1)
        .unwrap_or(&base)
        .trim_end_matches('/')
        .to_owned();
    Invite {
        code: i.code.clone(),
        url: format!("spectrus://join/{host}/{}", i.code),
        web_url: format!("{base}/invite/{}", i.code),
        uses: i.uses,
        max_uses: i.max_uses,
        expires_at: i.expires_at.map(rfc3339),
        created_by: i.created_by,
        created_at: rfc3339(i.created_at),
    }
}

/// Creates an invite.
pub(crate) async fn create(
    state: &AppState,
    actor: Actor,
    req: CreateInvite,
) -> Result<Invite, ApiError> {
    actor.require(state, Permission::InvitesCreate)?;
    if let Actor::User(user) = actor {
        state.rates.invite(user)?;
    }
    let mut check = crate::domain::validate::Checker::new();
    check.check(
        "max_uses",
        req.max_uses.is_none_or(|m| (1..=100_000).contains(&m)),
        "must be 1 to 100000",
    );
    check.check(
        "max_age_seconds",
        req.max_age_seconds
            .is_none_or(|s| (60..=365 * 24 * 3600).contains(&s)),
        "must be 60 seconds to 365 days",
    );
    check.finish()?;
    let now = now_ms();
    let row = InviteRow {
        code: random_token(6),
        uses: 0,
        max_uses: req.max_uses,
        expires_at: req.max_age_seconds.map(|s| now + (s as i64) * 1000),
        created_by: actor.user_id(),
        created_at: now,
    };
    let r = row.clone();
    let entry = audit::Entry::new(state, actor, "invite.create").target("invite", &r.code);
    super::write(state, move |c| {
        store::invites::insert(c, &r)?;
        Ok(entry.write(
            c,
            serde_json::json!({"max_uses": r.max_uses, "expires_at": r.expires_at}),
        )?)
    })
    .await?;
    Ok(to_wire(state, &row))
}

/// Every invite (`invites:manage`).
pub(crate) async fn list(state: &AppState, actor: Actor) -> Result<Vec<Invite>, ApiError> {
    actor.require(state, Permission::InvitesManage)?;
    let rows = state.store.read(store::invites::list).await?;
    Ok(rows.iter().map(|r| to_wire(state, r)).collect())
}

/// Revokes an invite: `invites:manage`, or its creator.
pub(crate) async fn revoke(state: &AppState, actor: Actor, code: String) -> Result<(), ApiError> {
    let may_manage = actor.require(state, Permission::InvitesManage).is_ok();
    let entry = audit::Entry::new(state, actor, "invite.delete").target("invite", &code);
    super::write(state, move |c| {
        let inv = store::invites::get(c, &code)?.ok_or(ApiError::NotFound("invite"))?;
        if !may_manage && (inv.created_by.is_none() || inv.created_by != actor.user_id()) {
            return Err(ApiError::MissingPermission(Permission::InvitesManage));
        }
        store::invites::delete(c, &code)?;
        Ok(entry.write(c, serde_json::json!({}))?)
    })
    .await?;
    Ok(())
}

/// The public preview of a usable invite.
pub(crate) async fn preview(state: &AppState, code: String) -> Result<InvitePreview, ApiError> {
    let now = now_ms();
    let row = state
        .store
        .read(move |c| store::invites::get(c, &code))
        .await?;
    let row = row
        .filter(|r| store::invites::usable(r, now))
        .ok_or(ApiError::NotFound("invite"))?;
    let info = super::server::info(state).await?;
    Ok(InvitePreview {
        code: row.code,
        server: InviteServer {
            name: info.name,
            icon_url: info.icon_url,
        },
        member_count: state.access.member_count(),
    })
}

/// Rejoins with an invite (a member who was kicked, with a fresh invite).
pub(crate) async fn accept(state: &AppState, user: Id, code: String) -> Result<(), ApiError> {
    let now = now_ms();
    if state.access.is_member(user) {
        // Already in: nothing to do (even with a used-up invite, the link they joined by),
        // but a code that was never an invite is still a 404.
        let c = code.clone();
        let invite = state
            .store
            .read(move |db| store::invites::get(db, &c))
            .await?;
        return match invite {
            Some(_) => Ok(()),
            None => Err(ApiError::NotFound("invite")),
        };
    }
    super::write(state, move |c| {
        if store::bans::is_banned(c, user)? {
            return Err(ApiError::Forbidden(
                "you are banned from this server".into(),
            ));
        }
        if !store::invites::consume(c, &code, now)? {
            return Err(ApiError::NotFound("invite"));
        }
        Ok(store::members::insert(c, user, now)?)
    })
    .await?;
    state.access.upsert_member(user, Vec::new(), None);
    if let Some(m) = state
        .store
        .read(move |c| store::members::get(c, user))
        .await?
    {
        state.hub.publish(
            spectrus_proto::gateway::Dispatch::MemberAdd(
                m.to_member(spectrus_proto::model::Presence::Offline),
            ),
            crate::bus::Audience::All,
        );
    }
    Ok(())
}
