//! Who is calling: checks an access token (signature, expiry, revocation) and, for most
//! uses, membership. The HTTP extractors and the gateway's `identify`/`resume` both use it.

use spectrus_proto::Id;

use super::Actor;
use crate::domain::tokens::TokenError;
use crate::error::ApiError;
use crate::state::AppState;

/// An authenticated caller: a user and the login session (refresh-token family) its token
/// belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller {
    pub user_id: Id,
    pub family_id: Id,
}

impl Caller {
    /// The caller as a service actor.
    pub(crate) fn actor(self) -> Actor {
        Actor::User(self.user_id)
    }
}

/// Checks a token: a plugin bot's `Bot <token>` (its plugin enabled), or an access token's
/// signature, expiry, revocation (not membership).
pub(crate) fn authenticate_account(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    if let Some(bot) = token.strip_prefix(crate::bots::BOT_PREFIX) {
        let b = state.bots.authenticate(bot.trim()).ok_or_else(|| {
            ApiError::Unauthorized(
                "the bot token is not valid (rotated, or its plugin is disabled or removed)".into(),
            )
        })?;
        // A bot has no login session: its user id stands for one.
        return Ok(Caller {
            user_id: b.user_id,
            family_id: b.user_id,
        });
    }
    let t = state.keys.verify(token).map_err(|e| match e {
        TokenError::Expired => ApiError::TokenExpired,
        TokenError::Invalid => ApiError::Unauthorized("the access token is not valid".into()),
    })?;
    if state.is_revoked(t.family_id) {
        return Err(ApiError::Unauthorized(
            "this session has ended; log in again".into(),
        ));
    }
    Ok(Caller {
        user_id: t.user_id,
        family_id: t.family_id,
    })
}

/// The prefix of a plugin bot's credential (`Authorization: Bot <token>`, or the gateway
/// `identify` token `Bot <token>`).
pub(crate) const BOT_PREFIX: &str = crate::bots::BOT_PREFIX;

/// Checks a bearer token: signature, expiry, revocation, membership.
pub(crate) fn authenticate(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    let caller = authenticate_account(state, token)?;
    if !state.access.is_member(caller.user_id) {
        return Err(ApiError::Unauthorized(
            "you are not a member of this server".into(),
        ));
    }
    Ok(caller)
}
