//! Names or ids in admin paths: `{user}` by username, `{role}` and `{channel}` by exact
//! name, `{emoji}` by name (with or without colons), or any of them by decimal id (an id
//! wins over a name that looks like one).

use spectrus_proto::Id;
use spectrus_proto::model::{Channel, Emoji, Role};

use crate::error::ApiError;
use crate::service;
use crate::state::AppState;

/// The user named (or numbered) `key`.
pub(crate) async fn user(state: &AppState, key: &str) -> Result<Id, ApiError> {
    Ok(crate::service::users::find(state, key).await?.id)
}

/// Turns a service's bare "`what` not found" into `message` (which names what was asked
/// for), leaving every other error as it is: for keys only the service can look up (invite
/// codes, bans).
pub(crate) fn naming(what: &'static str, message: String) -> impl FnOnce(ApiError) -> ApiError {
    move |e| match e {
        ApiError::NotFound(w) if w == what => ApiError::Missing(message),
        other => other,
    }
}

/// Picks the one item matching `key` by id, else by name; several by name is a conflict
/// listing each candidate's id and `describe` of it.
fn pick<'a, T>(
    items: &'a [T],
    key: &str,
    id: impl Fn(&T) -> Id,
    name: impl Fn(&T) -> &str,
    describe: impl Fn(&T) -> String,
    what: &'static str,
) -> Result<&'a T, ApiError> {
    if let Ok(n) = key.parse::<u64>()
        && let Some(found) = items.iter().find(|x| id(x) == Id(n))
    {
        return Ok(found);
    }
    let named: Vec<&T> = items.iter().filter(|x| name(x) == key).collect();
    match named.as_slice() {
        [one] => Ok(one),
        [] => Err(ApiError::no_such(what, key)),
        many => Err(ApiError::Conflict(format!(
            "several {what}s are named {key:?}: use an id ({})",
            many.iter()
                .map(|x| format!("{}: {}", id(x), describe(x)))
                .collect::<Vec<_>>()
                .join("; ")
        ))),
    }
}

/// The role named (or numbered) `key`.
pub(crate) async fn role(state: &AppState, key: &str) -> Result<Role, ApiError> {
    let roles = service::roles::list(state).await?;
    let describe = |r: &Role| format!("position {}", r.position);
    pick(&roles, key, |r| r.id, |r| &r.name, describe, "role").cloned()
}

/// The channel named (or numbered) `key`.
pub(crate) async fn channel(state: &AppState, key: &str) -> Result<Channel, ApiError> {
    let channels = service::channels::all(state).await?;
    let parent = |c: &Channel| {
        c.parent_id
            .and_then(|p| channels.iter().find(|x| x.id == p))
            .map_or_else(|| "at the top".to_owned(), |p| format!("in {}", p.name))
    };
    let describe = |c: &Channel| format!("{} {}", c.kind.as_str(), parent(c));
    pick(&channels, key, |c| c.id, |c| &c.name, describe, "channel").cloned()
}

/// The custom emoji named (`party` or `:party:`) or numbered `key`.
pub(crate) async fn emoji(state: &AppState, key: &str) -> Result<Emoji, ApiError> {
    let emojis = service::emojis::list(state).await?;
    let key = key.trim_matches(':');
    pick(
        &emojis,
        key,
        |e| e.id,
        |e| &e.name,
        |_| String::new(),
        "emoji",
    )
    .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_win_names_match_exactly_and_duplicates_conflict() {
        let items = [(Id(1), "a"), (Id(2), "1"), (Id(3), "dup"), (Id(4), "dup")];
        let p =
            |k: &str| pick(&items, k, |x| x.0, |x| x.1, |_| "text".into(), "channel").map(|x| x.0);
        assert_eq!(p("1").unwrap(), Id(1));
        assert_eq!(p("a").unwrap(), Id(1));
        assert_eq!(p("b").unwrap_err().to_string(), "no channel named \"b\"");
        assert_eq!(
            p("9").unwrap_err().to_string(),
            "no channel with id or name \"9\""
        );
        let e = p("dup").unwrap_err().to_string();
        assert!(e.contains("(3: text; 4: text)"), "{e}");
    }

    #[test]
    fn naming_rewrites_only_the_matching_not_found() {
        let e = naming("ban", "no ban on user \"bob\"".into())(ApiError::NotFound("ban"));
        assert_eq!(e.to_string(), "no ban on user \"bob\"");
        assert_eq!(e.status_and_code().1, "not_found");
        let other = naming("ban", "x".into())(ApiError::NotFound("user"));
        assert_eq!(other.to_string(), "user not found");
    }
}
