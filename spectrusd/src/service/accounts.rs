//! Accounts and login sessions: register (with the owner claim), login, refresh, logout,
//! and the caller's own profile.

use spectrus_proto::Id;
use spectrus_proto::gateway::{Dispatch, PresenceUpdate};
use spectrus_proto::model::{Presence, RegistrationPolicy, Session, User};
use spectrus_proto::rest::{PatchMe, RegisterRequest};

use crate::domain::time::now_ms;
use crate::domain::tokens::{self, ACCESS_TTL_SECS, REFRESH_TTL_MS};
use crate::domain::{password, validate};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::tokens::Rotation;
use crate::store::users::UserRow;
use crate::store::{self, StoreError};

/// A well-formed hash that matches nothing, so unknown usernames cost the same as known ones.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1J1XxAZEqCGpUoVaI1KZB2wM0YEGOeXb5JEqs1mQxBg";

async fn hash_password(state: &AppState, pw: String) -> Result<String, ApiError> {
    let _permit = state
        .hash_permits
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))
}

async fn verify_password(state: &AppState, pw: String, hash: String) -> bool {
    let Ok(_permit) = state.hash_permits.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
        .await
        .unwrap_or(false)
}

/// Signs the access token for a freshly stored session.
fn session(
    state: &AppState,
    user: &UserRow,
    family: Id,
    refresh: String,
) -> Result<Session, ApiError> {
    let now = (now_ms() / 1000) as u64;
    let access = state
        .keys
        .issue(user.id, family, now)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Session {
        user: user.to_user(),
        access_token: access,
        refresh_token: refresh,
        expires_in: ACCESS_TTL_SECS,
    })
}

/// Starts a token family with its first refresh token; returns (family, token).
fn start_family(
    c: &rusqlite::Connection,
    family: Id,
    user: Id,
    now: i64,
) -> Result<String, StoreError> {
    let token = tokens::new_refresh_token();
    store::tokens::start_family(
        c,
        family,
        user,
        &tokens::hash_refresh_token(&token),
        now,
        now + REFRESH_TTL_MS,
    )?;
    Ok(token)
}

/// The server's registration policy (the owner's setting, else the configuration).
pub(crate) async fn registration_policy(state: &AppState) -> Result<RegistrationPolicy, ApiError> {
    let stored = state
        .store
        .read(|c| store::settings::get(c, "registration"))
        .await?;
    Ok(match stored.as_deref() {
        Some("open") => RegistrationPolicy::Open,
        Some("invite") => RegistrationPolicy::Invite,
        _ => state.config().registration,
    })
}

/// Creates an account (the owner's, with the setup code, on a fresh server) and logs it in.
pub(crate) async fn register(state: &AppState, req: RegisterRequest) -> Result<Session, ApiError> {
    let display_name = req
        .display_name
        .clone()
        .unwrap_or_else(|| req.username.clone());
    validate::Checker::new()
        .field("username", validate::username(&req.username))
        .field("password", validate::password(&req.password))
        .field("display_name", validate::display_name(&display_name))
        .finish()?;

    let claiming_owner = state.access.owner().is_none();
    if claiming_owner {
        let expected = state.setup_code();
        let given = req.setup_code.as_deref().map(str::trim);
        match (expected, given) {
            (Some(e), Some(g)) if constant_eq(e.as_bytes(), g.as_bytes()) => {}
            (_, None) => {
                return Err(ApiError::Forbidden(
                    "this server awaits its owner: register with the setup code printed in the daemon's log (or `spectrusctl setup-code`)".into(),
                ));
            }
            _ => return Err(ApiError::Forbidden("the setup code is not right".into())),
        }
    } else if registration_policy(state).await? == RegistrationPolicy::Invite
        && req.invite.is_none()
    {
        return Err(ApiError::Forbidden(
            "registration on this server needs an invite".into(),
        ));
    }

    let hash = hash_password(state, req.password.clone()).await?;
    let now = now_ms();
    let row = UserRow {
        id: state.ids.next(),
        username: req.username.clone(),
        display_name,
        password_hash: hash,
        is_owner: claiming_owner,
        disabled: false,
        created_at: now,
        is_bot: false,
    };
    let family = state.ids.next();
    let invite = if claiming_owner {
        None
    } else {
        req.invite.clone()
    };
    let row2 = row.clone();
    let refresh = super::write(state, move |c| {
        if store::users::username_taken(c, &row2.username)? {
            return Err(ApiError::Conflict("that username is taken".into()));
        }
        if row2.is_owner && store::users::owner_id(c)?.is_some() {
            return Err(ApiError::Conflict(
                "the owner has already been claimed".into(),
            ));
        }
        if let Some(code) = &invite
            && !store::invites::consume(c, code, now)?
        {
            return Err(ApiError::field(
                "invite",
                "this invite is not valid, expired or used up",
            ));
        }
        store::users::insert(c, &row2)?;
        store::members::insert(c, row2.id, now)?;
        Ok(start_family(c, family, row2.id, now)?)
    })
    .await?;
    if claiming_owner {
        state.access.set_owner(Some(row.id));
        *state.setup_code.lock().unwrap_or_else(|p| p.into_inner()) = None;
        tracing::info!(username = %row.username, "owner account claimed");
    }
    super::members::announce_joined(state, &row, now, false);
    session(state, &row, family, refresh)
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// [`login`] under the delay per username: after repeated failures for one username its
/// attempts must wait (429 until then), whichever address they come from.
pub(crate) async fn login_throttled(
    state: &AppState,
    username: String,
    pw: String,
) -> Result<Session, ApiError> {
    state.rates.login_allowed(&username)?;
    match login(state, username.clone(), pw).await {
        Ok(session) => {
            state.rates.login_succeeded(&username);
            Ok(session)
        }
        Err(e) => {
            if matches!(e, ApiError::Unauthorized(_)) {
                state.rates.login_failed(&username);
            }
            Err(e)
        }
    }
}

/// [`register`] under the same delay per username: each refused registration counts as a
/// failure for the name it asked for.
pub(crate) async fn register_throttled(
    state: &AppState,
    req: RegisterRequest,
) -> Result<Session, ApiError> {
    let username = req.username.clone();
    state.rates.login_allowed(&username)?;
    let result = register(state, req).await;
    if matches!(
        result,
        Err(ApiError::Conflict(_) | ApiError::Validation(_) | ApiError::Forbidden(_))
    ) {
        state.rates.login_failed(&username);
    }
    result
}

/// Logs in with a username and password.
pub(crate) async fn login(
    state: &AppState,
    username: String,
    pw: String,
) -> Result<Session, ApiError> {
    let name = username.clone();
    let user = state
        .store
        .read(move |c| store::users::by_username(c, &name))
        .await?;
    let Some(user) = user else {
        let _ = verify_password(state, pw, DUMMY_HASH.into()).await;
        return Err(ApiError::Unauthorized("wrong username or password".into()));
    };
    if !verify_password(state, pw, user.password_hash.clone()).await {
        return Err(ApiError::Unauthorized("wrong username or password".into()));
    }
    if user.disabled {
        return Err(ApiError::Forbidden("this account is disabled".into()));
    }
    let uid = user.id;
    let banned = state
        .store
        .read(move |c| {
            Ok(c.prepare_cached("SELECT 1 FROM bans WHERE user_id = ?1")?
                .exists([uid.0 as i64])?)
        })
        .await?;
    if banned {
        return Err(ApiError::Forbidden(
            "this account is banned from the server".into(),
        ));
    }
    let family = state.ids.next();
    let now = now_ms();
    let refresh = super::write(state, move |c| Ok(start_family(c, family, uid, now)?)).await?;
    session(state, &user, family, refresh)
}

/// Exchanges a refresh token for a new session; a reused token ends its whole family.
pub(crate) async fn refresh(state: &AppState, token: String) -> Result<Session, ApiError> {
    let old = tokens::hash_refresh_token(&token);
    let next = tokens::new_refresh_token();
    let next_hash = tokens::hash_refresh_token(&next);
    let now = now_ms();
    let outcome = super::write(state, move |c| {
        Ok(store::tokens::rotate(
            c,
            &old,
            &next_hash,
            now,
            now + REFRESH_TTL_MS,
        )?)
    })
    .await?;
    match outcome {
        Rotation::Rotated { user_id, family_id } => {
            let user = state
                .store
                .read(move |c| store::users::by_id(c, user_id))
                .await?;
            let user =
                user.ok_or_else(|| ApiError::Unauthorized("the account no longer exists".into()))?;
            if user.disabled {
                return Err(ApiError::Forbidden("this account is disabled".into()));
            }
            session(state, &user, family_id, next)
        }
        Rotation::Reused { family_id } => {
            tracing::warn!(%family_id, "refresh token reused: session revoked");
            state.revoke(&[family_id]);
            Err(ApiError::TokenReused)
        }
        Rotation::Invalid => Err(ApiError::Unauthorized(
            "the refresh token is not valid".into(),
        )),
    }
}

/// Ends the login session the refresh token belongs to.
pub(crate) async fn logout(state: &AppState, token: String) -> Result<(), ApiError> {
    let hash = tokens::hash_refresh_token(&token);
    let family = super::write(state, move |c| {
        Ok(store::tokens::revoke_by_token(c, &hash)?)
    })
    .await?;
    match family {
        Some(f) => {
            state.revoke(&[f]);
            Ok(())
        }
        None => Err(ApiError::Unauthorized(
            "the refresh token is not valid".into(),
        )),
    }
}

/// Ends every login session of the user, the caller's own included ("log out everywhere"):
/// every refresh-token family is revoked and every gateway of theirs is closed.
pub(crate) async fn logout_everywhere(state: &AppState, user: Id) -> Result<(), ApiError> {
    let families = super::write(state, move |c| Ok(store::tokens::revoke_user(c, user)?)).await?;
    state.revoke(&families);
    Ok(())
}

/// The caller's account.
pub(crate) async fn me(state: &AppState, user: Id) -> Result<User, ApiError> {
    let row = state
        .store
        .read(move |c| store::users::by_id(c, user))
        .await?;
    row.map(|r| r.to_user()).ok_or(ApiError::NotFound("user"))
}

/// Changes the caller's display name and/or password (the latter needs the current one and
/// ends every other login session).
pub(crate) async fn patch_me(
    state: &AppState,
    user: Id,
    family: Id,
    req: PatchMe,
) -> Result<User, ApiError> {
    let mut check = validate::Checker::new();
    if let Some(d) = &req.display_name {
        check.field("display_name", validate::display_name(d));
    }
    if let Some(p) = &req.password {
        check.field("password", validate::password(p));
        check.check(
            "current_password",
            req.current_password.is_some(),
            "needed to change the password",
        );
    }
    check.finish()?;
    let current = state
        .store
        .read(move |c| store::users::by_id(c, user))
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    let new_hash = match (&req.password, &req.current_password) {
        (Some(p), Some(cur)) => {
            if !verify_password(state, cur.clone(), current.password_hash.clone()).await {
                return Err(ApiError::field("current_password", "is not right"));
            }
            Some(hash_password(state, p.clone()).await?)
        }
        _ => None,
    };
    let display = req.display_name.clone();
    let revoked = super::write(state, move |c| {
        if let Some(d) = &display {
            store::users::set_display_name(c, user, d)?;
        }
        let mut revoked = Vec::new();
        if let Some(h) = &new_hash {
            store::users::set_password_hash(c, user, h)?;
            revoked = store::tokens::revoke_user(c, user)?;
            // Keep the caller's own session.
            c.execute(
                "UPDATE token_families SET revoked = 0 WHERE id = ?1",
                [family.0 as i64],
            )?;
            revoked.retain(|f| *f != family);
        }
        Ok(revoked)
    })
    .await?;
    if !revoked.is_empty() {
        state.revoke(&revoked);
    }
    let updated = me(state, user).await?;
    if req.display_name.is_some()
        && let Some(m) = state
            .store
            .read(move |c| store::members::get(c, user))
            .await?
    {
        let presence = if state.hub.user_online(user) {
            Presence::Online
        } else {
            Presence::Offline
        };
        state.hub.publish(
            Dispatch::MemberUpdate(m.to_member(presence)),
            super::members::member_audience(state, user),
        );
    }
    Ok(updated)
}

/// Tells everyone (on a large server: those watching) a user came online or went offline.
pub(crate) fn publish_presence(state: &AppState, user: Id, status: Presence) {
    state.hub.publish(
        Dispatch::PresenceUpdate(PresenceUpdate {
            user_id: user,
            status,
        }),
        super::members::member_audience(state, user),
    );
}
