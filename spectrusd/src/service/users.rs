//! Operator administration of accounts (the admin socket): create, reset a password,
//! disable, enable, delete, move ownership. The same validation as registration applies, and
//! every change is audited and published on the admin event stream.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde_json::json;
use spectrus_proto::Id;
use spectrus_proto::admin::{AdminUser, CreateUser, CreatedUser, PasswordReset};
use spectrus_proto::gateway::{Dispatch, IdOnly};

use super::with_actor;
use super::{Actor, audit};
use crate::bus::Audience;
use crate::domain::time::{now_ms, rfc3339};
use crate::domain::{password, validate};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::users::UserRow;

/// The admin form of an account.
pub(crate) fn to_admin(u: &UserRow) -> AdminUser {
    AdminUser {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        owner: u.is_owner,
        disabled: u.disabled,
        created_at: rfc3339(u.created_at),
    }
}

/// A generated password: 20 characters from a 64-symbol alphabet (120 bits).
pub(crate) fn generate_password() -> String {
    let mut buf = [0u8; 15];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

async fn hash(pw: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Every account, by id.
pub(crate) async fn list(state: &AppState) -> Result<Vec<AdminUser>, ApiError> {
    let rows = state.store.read(store::users::list).await?;
    Ok(rows.iter().map(to_admin).collect())
}

/// One account by id or username (an id wins over a name that looks like one).
pub(crate) async fn find(state: &AppState, key: &str) -> Result<UserRow, ApiError> {
    let key_for_error = key.to_owned();
    let key = key.to_owned();
    state
        .store
        .read(move |c| {
            if let Ok(n) = key.parse::<u64>()
                && let Some(u) = store::users::by_id(c, Id(n))?
            {
                return Ok(Some(u));
            }
            store::users::by_username(c, &key)
        })
        .await?
        .ok_or_else(|| ApiError::no_such("user", &key_for_error))
}

/// Creates an account (a member of the server); generates the password when none is given.
pub(crate) async fn create(
    state: &AppState,
    actor: Actor,
    req: CreateUser,
) -> Result<CreatedUser, ApiError> {
    let display_name = req
        .display_name
        .clone()
        .unwrap_or_else(|| req.username.clone());
    let mut check = validate::Checker::new();
    check.field("username", validate::username(&req.username));
    check.field("display_name", validate::display_name(&display_name));
    if let Some(p) = &req.password {
        check.field("password", validate::password(p));
    }
    check.finish()?;
    let generated = req.password.is_none().then(generate_password);
    let pw = req.password.clone().or_else(|| generated.clone());
    let hash = hash(pw.unwrap_or_default()).await?;
    let now = now_ms();
    let row = UserRow {
        id: state.ids.next(),
        username: req.username,
        display_name,
        password_hash: hash,
        is_owner: false,
        disabled: false,
        created_at: now,
        is_bot: false,
    };
    let entry = audit::Entry::new(state, actor, "user.create").target("user", row.id);
    let r = row.clone();
    super::write(state, move |c| {
        if store::users::username_taken(c, &r.username)? {
            return Err(ApiError::Conflict("that username is taken".into()));
        }
        store::users::insert(c, &r)?;
        store::members::insert(c, r.id, now)?;
        Ok(entry.write(c, json!({"username": r.username}))?)
    })
    .await?;
    super::members::announce_joined(state, &row, now, true);
    state.hub.admin_event(
        "user_created",
        with_actor(actor, json!({"user_id": row.id, "username": row.username})),
    );
    Ok(CreatedUser {
        user: to_admin(&row),
        password: generated,
    })
}

/// Ends every login session of `user` (tokens and live gateways).
fn end_sessions(state: &AppState, families: &[Id]) {
    if !families.is_empty() {
        state.revoke(families);
    }
}

/// Sets a new password (generated when absent) and closes every session of the user.
pub(crate) async fn reset_password(
    state: &AppState,
    actor: Actor,
    user: Id,
    password: Option<String>,
) -> Result<PasswordReset, ApiError> {
    if let Some(p) = &password {
        validate::Checker::new()
            .field("password", validate::password(p))
            .finish()?;
    }
    let password = password.unwrap_or_else(generate_password);
    let h = hash(password.clone()).await?;
    let entry = audit::Entry::new(state, actor, "user.reset_password").target("user", user);
    let families = super::write(state, move |c| {
        store::users::by_id(c, user)?.ok_or(ApiError::NotFound("user"))?;
        store::users::set_password_hash(c, user, &h)?;
        let families = store::tokens::revoke_user(c, user)?;
        entry.write(c, json!({}))?;
        Ok(families)
    })
    .await?;
    end_sessions(state, &families);
    state.hub.admin_event(
        "password_reset",
        with_actor(actor, json!({"user_id": user})),
    );
    Ok(PasswordReset { password })
}

/// Disables (sessions closed, login refused) or enables an account. The owner cannot be
/// disabled: move ownership first.
pub(crate) async fn set_disabled(
    state: &AppState,
    actor: Actor,
    user: Id,
    disabled: bool,
) -> Result<(), ApiError> {
    let entry = audit::Entry::new(
        state,
        actor,
        if disabled {
            "user.disable"
        } else {
            "user.enable"
        },
    )
    .target("user", user);
    let families = super::write(state, move |c| {
        let u = store::users::by_id(c, user)?.ok_or(ApiError::NotFound("user"))?;
        if disabled && u.is_owner {
            return Err(ApiError::Conflict(
                "the owner account cannot be disabled: move ownership first (users set-owner)"
                    .into(),
            ));
        }
        store::users::set_disabled(c, user, disabled)?;
        let families = if disabled {
            store::tokens::revoke_user(c, user)?
        } else {
            Vec::new()
        };
        entry.write(c, json!({}))?;
        Ok(families)
    })
    .await?;
    end_sessions(state, &families);
    let kind = if disabled {
        "user_disabled"
    } else {
        "user_enabled"
    };
    state
        .hub
        .admin_event(kind, with_actor(actor, json!({"user_id": user})));
    Ok(())
}

/// Deletes an account; its messages stay, attributed to a deleted user. Not the owner.
pub(crate) async fn delete(state: &AppState, actor: Actor, user: Id) -> Result<(), ApiError> {
    let entry = audit::Entry::new(state, actor, "user.delete").target("user", user);
    let (families, was_member) = super::write(state, move |c| {
        let u = store::users::by_id(c, user)?.ok_or(ApiError::NotFound("user"))?;
        if u.is_owner {
            return Err(ApiError::Conflict(
                "the owner account cannot be deleted: move ownership first (users set-owner)"
                    .into(),
            ));
        }
        let was_member = store::members::is_member(c, user)?;
        let families = store::tokens::revoke_user(c, user)?;
        store::users::anonymize(c, user)?;
        entry.write(c, json!({"username": u.username}))?;
        Ok((families, was_member))
    })
    .await?;
    end_sessions(state, &families);
    state.access.remove_member(user);
    if was_member {
        state
            .hub
            .publish_unlogged(Dispatch::MemberRemove(IdOnly { id: user }), Audience::All);
    }
    state
        .hub
        .admin_event("user_deleted", with_actor(actor, json!({"user_id": user})));
    Ok(())
}

/// Moves ownership to `user` (a member, not disabled); the previous owner stays a member.
pub(crate) async fn set_owner(state: &AppState, actor: Actor, user: Id) -> Result<(), ApiError> {
    let entry = audit::Entry::new(state, actor, "server.owner").target("user", user);
    let previous = super::write(state, move |c| {
        let u = store::users::by_id(c, user)?.ok_or(ApiError::NotFound("user"))?;
        if u.disabled {
            return Err(ApiError::Conflict(
                "a disabled account cannot own the server: enable it first".into(),
            ));
        }
        if !store::members::is_member(c, user)? {
            return Err(ApiError::Conflict(
                "only a member can own the server".into(),
            ));
        }
        let previous = store::users::owner_id(c)?;
        store::users::set_owner(c, user)?;
        entry.write(c, json!({"before": previous, "after": user}))?;
        Ok(previous)
    })
    .await?;
    state.access.set_owner(Some(user));
    if previous.is_none() {
        // Ownership given by the operator ends the setup phase.
        *state.setup_code.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_have_120_bits() {
        let p = generate_password();
        assert_eq!(p.len(), 20);
        assert!(
            p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(p, generate_password());
    }
}
