//! Direct messages: opening one-to-one and group conversations, listing them, whether one
//! still takes messages (both people members, nobody blocked), blocks and the `allow_dms`
//! setting. Who may *see* a conversation is the access model's rule (participants only);
//! its messages go through `service::messages` like any channel's.

use std::collections::{HashMap, HashSet};

use spectrus_proto::Id;
use spectrus_proto::gateway::{Dispatch, UserSettingsUpdate};
use spectrus_proto::model::{ChannelType, PrivateChannel, ReadState, User, UserSettings};
use spectrus_proto::rest::{CreateDm, PatchUserSettings};

use crate::bus::Audience;
use crate::domain::time::now_ms;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::dms::DmRow;

/// The most people a group conversation holds (the caller and nine others).
pub(crate) const MAX_GROUP: usize = 10;

fn refused(code: &'static str, message: &str) -> ApiError {
    ApiError::Refused {
        code,
        message: message.to_owned(),
    }
}

fn blocked_error() -> ApiError {
    refused(
        "blocked",
        "you cannot message this member: one of you has blocked the other",
    )
}

/// Whether the conversation takes messages: some other participant is still a member.
fn is_open(state: &AppState, d: &DmRow, viewer: Id) -> bool {
    d.participants
        .iter()
        .any(|u| *u != viewer && state.access.is_member(*u))
}

/// Every participant of `rows` but `viewer`, as users.
fn load_users(
    c: &rusqlite::Connection,
    rows: &[DmRow],
    viewer: Option<Id>,
) -> Result<HashMap<Id, User>, store::StoreError> {
    let wanted: HashSet<Id> = rows
        .iter()
        .flat_map(|d| d.participants.iter().copied())
        .filter(|u| Some(*u) != viewer)
        .collect();
    let mut users = HashMap::new();
    for u in wanted {
        if let Some(row) = store::users::by_id(c, u)? {
            users.insert(u, row.to_user());
        }
    }
    Ok(users)
}

/// A conversation as `viewer` sees it.
fn view(state: &AppState, d: &DmRow, users: &HashMap<Id, User>, viewer: Id) -> PrivateChannel {
    PrivateChannel {
        id: d.id,
        kind: d.kind,
        recipients: d
            .participants
            .iter()
            .filter(|u| **u != viewer)
            .filter_map(|u| users.get(u).cloned())
            .collect(),
        owner_id: d.owner_id,
        last_message_id: d.last_message_id,
        open: is_open(state, d, viewer),
    }
}

/// Opens a conversation with `req.recipients` (one id: a `dm`, returning the existing one
/// if the pair already has it; two to nine: a new `group_dm`). Answers it and whether it
/// was created.
pub(crate) async fn open(
    state: &AppState,
    user: Id,
    req: CreateDm,
) -> Result<(PrivateChannel, bool), ApiError> {
    let mut others: Vec<Id> = Vec::new();
    for r in req.recipients {
        if !others.contains(&r) {
            others.push(r);
        }
    }
    if others.is_empty() {
        return Err(ApiError::field("recipients", "name at least one member"));
    }
    if others.contains(&user) {
        return Err(ApiError::field(
            "recipients",
            "you cannot open a conversation with yourself",
        ));
    }
    if others.len() >= MAX_GROUP {
        return Err(ApiError::field(
            "recipients",
            format!(
                "a group holds at most {MAX_GROUP} people: name at most {} others",
                MAX_GROUP - 1
            ),
        ));
    }
    if let Some(gone) = others.iter().find(|u| !state.access.is_member(**u)) {
        return Err(ApiError::Missing(format!("no member with id {}", gone.0)));
    }
    let kind = if others.len() == 1 {
        ChannelType::Dm
    } else {
        ChannelType::GroupDm
    };
    let id = state.ids.next();
    let now = now_ms();
    let mut participants = others.clone();
    participants.push(user);
    participants.sort_by_key(|u| u.0);
    let new = DmRow {
        id,
        kind,
        owner_id: user,
        participants,
        last_message_id: None,
    };
    // Limited only when it would create one (asking again for a pair's DM is free).
    let existing = match kind {
        ChannelType::Dm => {
            let other = others[0];
            state
                .store
                .read(move |c| store::dms::find_pair(c, user, other))
                .await?
        }
        _ => None,
    };
    if existing.is_none() {
        state.rates.dm_open(user)?;
    }
    let (row, created) = super::write(state, move |c| {
        for o in &others {
            if store::dms::is_blocked(c, *o, user)? || store::dms::is_blocked(c, user, *o)? {
                return Err(blocked_error());
            }
        }
        if new.kind == ChannelType::Dm
            && let Some(found) = store::dms::find_pair(c, user, others[0])?
        {
            return Ok((store::dms::get(c, found)?, false));
        }
        for o in &others {
            if !store::dms::settings(c, *o)?.allow_dms {
                return Err(refused(
                    "dms_disabled",
                    "this member does not accept direct messages from other members",
                ));
            }
        }
        store::dms::insert(c, &new, now)?;
        Ok((Some(new), true))
    })
    .await?;
    let row = row.ok_or(ApiError::NotFound("channel"))?;
    if created {
        state
            .access
            .upsert_dm(row.id, row.kind, row.participants.clone());
    }
    let rows = vec![row.clone()];
    let users = state
        .store
        .read(move |c| load_users(c, &rows, None))
        .await?;
    let mut mine = None;
    for p in &row.participants {
        let v = view(state, &row, &users, *p);
        if created {
            state.hub.publish(
                Dispatch::PrivateChannelCreate(v.clone()),
                Audience::User(*p),
            );
        }
        if *p == user {
            mine = Some(v);
        }
    }
    Ok((mine.ok_or(ApiError::NotFound("channel"))?, created))
}

/// The caller's conversations, most recently active first.
pub(crate) async fn list(state: &AppState, user: Id) -> Result<Vec<PrivateChannel>, ApiError> {
    let (rows, users) = state
        .store
        .read(move |c| {
            let rows = store::dms::for_user(c, user)?;
            let users = load_users(c, &rows, Some(user))?;
            Ok((rows, users))
        })
        .await?;
    Ok(rows.iter().map(|d| view(state, d, &users, user)).collect())
}

/// Refuses a post in a direct message that no longer takes messages: the other person left
/// the server (`recipient_unavailable`), or in a one-to-one DM either has blocked the other
/// (`blocked`). Any other channel passes.
pub(crate) async fn require_open(state: &AppState, user: Id, channel: Id) -> Result<(), ApiError> {
    let Some(parts) = state.access.dm_participants(channel) else {
        return Ok(());
    };
    let others: Vec<Id> = parts.into_iter().filter(|u| *u != user).collect();
    if !others.iter().any(|u| state.access.is_member(*u)) {
        return Err(refused(
            "recipient_unavailable",
            "this conversation is closed: the other person is no longer a member of the server",
        ));
    }
    if let [other] = others[..] {
        let blocked = state
            .store
            .read(move |c| {
                Ok(store::dms::is_blocked(c, other, user)?
                    || store::dms::is_blocked(c, user, other)?)
            })
            .await?;
        if blocked {
            return Err(blocked_error());
        }
    }
    Ok(())
}

/// Blocks `target` for the caller: no new DM between them, no posts in their one-to-one DM,
/// and the caller's clients collapse their messages.
pub(crate) async fn block(state: &AppState, user: Id, target: Id) -> Result<(), ApiError> {
    if target == user {
        return Err(ApiError::InvalidBody("you cannot block yourself".into()));
    }
    let now = now_ms();
    super::write(state, move |c| {
        if store::users::by_id(c, target)?.is_none() {
            return Err(ApiError::Missing(format!("no user with id {}", target.0)));
        }
        store::dms::block(c, user, target, now)?;
        Ok(())
    })
    .await?;
    announce_settings(state, user).await;
    Ok(())
}

/// Tells the user's other sessions (and clients) their settings and block list now.
async fn announce_settings(state: &AppState, user: Id) {
    let read = state
        .store
        .read(move |c| {
            Ok((
                store::dms::settings(c, user)?,
                store::dms::blocked_by(c, user)?,
            ))
        })
        .await;
    match read {
        Ok((user_settings, blocked_user_ids)) => state.hub.publish(
            Dispatch::UserSettingsUpdate(UserSettingsUpdate {
                user_settings,
                blocked_user_ids,
            }),
            Audience::User(user),
        ),
        Err(e) => tracing::warn!(error = %e, "cannot announce changed user settings"),
    }
}

/// Unblocks `target` (404 when it was not blocked).
pub(crate) async fn unblock(state: &AppState, user: Id, target: Id) -> Result<(), ApiError> {
    let removed = super::write(state, move |c| Ok(store::dms::unblock(c, user, target)?)).await?;
    if removed {
        announce_settings(state, user).await;
        Ok(())
    } else {
        Err(ApiError::NotFound("block"))
    }
}

/// Whom the caller has blocked.
pub(crate) async fn blocks(state: &AppState, user: Id) -> Result<Vec<User>, ApiError> {
    Ok(state
        .store
        .read(move |c| {
            let mut out = Vec::new();
            for id in store::dms::blocked_by(c, user)? {
                if let Some(u) = store::users::by_id(c, id)? {
                    out.push(u.to_user());
                }
            }
            Ok(out)
        })
        .await?)
}

/// The caller's settings.
pub(crate) async fn settings(state: &AppState, user: Id) -> Result<UserSettings, ApiError> {
    Ok(state
        .store
        .read(move |c| store::dms::settings(c, user))
        .await?)
}

/// Changes the caller's settings (absent fields are left alone).
pub(crate) async fn patch_settings(
    state: &AppState,
    user: Id,
    req: PatchUserSettings,
) -> Result<UserSettings, ApiError> {
    let settings = super::write(state, move |c| {
        let mut s = store::dms::settings(c, user)?;
        if let Some(a) = req.allow_dms {
            s.allow_dms = a;
        }
        if let Some(p) = req.show_link_previews {
            s.show_link_previews = p;
        }
        store::dms::set_settings(c, user, &s)?;
        Ok(s)
    })
    .await?;
    announce_settings(state, user).await;
    Ok(settings)
}

/// What `ready` carries about direct messages: the conversations, their read states, the
/// blocked users and the caller's settings.
pub(crate) struct ReadyPart {
    pub channels: Vec<PrivateChannel>,
    pub read_states: Vec<ReadState>,
    pub blocked: Vec<Id>,
    pub settings: UserSettings,
}

/// [`ReadyPart`] for `user`.
pub(crate) async fn ready_part(state: &AppState, user: Id) -> Result<ReadyPart, ApiError> {
    let (rows, users, read_states, blocked, settings) = state
        .store
        .read(move |c| {
            let rows = store::dms::for_user(c, user)?;
            let ids: Vec<Id> = rows.iter().map(|d| d.id).collect();
            let users = load_users(c, &rows, Some(user))?;
            Ok((
                rows,
                users,
                store::messages::read_states(c, user, &ids)?,
                store::dms::blocked_by(c, user)?,
                store::dms::settings(c, user)?,
            ))
        })
        .await?;
    Ok(ReadyPart {
        channels: rows.iter().map(|d| view(state, d, &users, user)).collect(),
        read_states,
        blocked,
        settings,
    })
}
