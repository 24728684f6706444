//! Message search: parses the query (`domain::search`), resolves names, limits it to the
//! channels whose history the caller may read right now (the same check as history), and
//! marks where the words matched.

use spectrus_proto::Id;
use spectrus_proto::rest::{SearchHit, SearchQuery, SearchResults};

use super::Actor;

use crate::domain::search::{self, Has};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::search::Filter;

/// The most results a page holds, and the deepest offset.
const MAX_LIMIT: u32 = 50;
const MAX_OFFSET: u32 = 5_000;

/// The channels whose history `user` may read now: exactly those `history` would serve.
fn readable_channels(state: &AppState, user: Id) -> Vec<Id> {
    state
        .access
        .visible_channels(user)
        .into_iter()
        .filter(|c| super::readable::require(state, Actor::User(user), *c).is_ok())
        .collect()
}

/// A `before`/`after` parameter: a message id or a date.
fn id_bound(s: &str, end_of_day: bool, field: &str) -> Result<Id, ApiError> {
    if let Ok(id) = s.parse::<Id>() {
        return Ok(id);
    }
    let ms = search::bound(s, end_of_day).map_err(|e| ApiError::field(field, e.0))?;
    Ok(time_id(ms))
}

/// The smallest id minted at `ms` (Unix milliseconds).
fn time_id(ms: i64) -> Id {
    Id::from_unix_millis(ms.max(0) as u64)
}

/// Searches messages for `user`.
pub(crate) async fn messages(
    state: &AppState,
    user: Id,
    p: SearchQuery,
) -> Result<SearchResults, ApiError> {
    let limit = p.limit.unwrap_or(25);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::field("limit", "must be 1 to 50"));
    }
    let offset = p.offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(ApiError::field("offset", "must be 0 to 5000"));
    }
    let q = search::parse(p.q.as_deref().unwrap_or("")).map_err(|e| ApiError::field("q", e.0))?;
    let mut has = q.has.clone();
    if let Some(h) = &p.has {
        has.push(Has::parse(h).map_err(|e| ApiError::field("has", e.0))?);
    }
    let mut before = q.before_ms.map(time_id);
    if let Some(b) = &p.before {
        before = Some(id_bound(b, false, "before")?);
    }
    let mut after = q.after_ms.map(time_id);
    if let Some(a) = &p.after {
        after = Some(id_bound(a, true, "after")?);
    }
    let fts = search::fts_expression(&q.terms);
    let narrowed = fts.is_some()
        || q.from.is_some()
        || q.mentions.is_some()
        || q.channel.is_some()
        || !has.is_empty()
        || q.pinned.is_some()
        || p.channel_id.is_some()
        || p.author_id.is_some()
        || p.mentions.is_some()
        || p.pinned.is_some()
        || before.is_some()
        || after.is_some();
    if !narrowed {
        return Err(ApiError::field(
            "q",
            "type words to search for, or a filter",
        ));
    }
    let readable = readable_channels(state, user);
    if let Some(ch) = p.channel_id
        && !readable.contains(&ch)
    {
        return Err(ApiError::NotFound("channel"));
    }
    let terms = q.terms.clone();
    let pinned = p.pinned.or(q.pinned);
    let (total, found) = state
        .store
        .read(move |c| {
            let name_error =
                |what: &str, n: &str| Err(ApiError::field("q", format!("{what} {n:?}")));
            // Every channel carrying messages: when the caller reads them all, the search
            // needs no channel restriction.
            let mut all: Vec<Id> = store::channels::list(c)?
                .into_iter()
                .filter(|ch| ch.kind.carries_messages())
                .map(|ch| ch.id)
                .collect();
            // Direct messages carry messages too (the caller reads only their own).
            all.extend(store::dms::ids(c)?);
            let hidden: Vec<Id> = all
                .iter()
                .filter(|ch| !readable.contains(ch))
                .copied()
                .collect();
            let mut f = Filter {
                channels: (!hidden.is_empty()).then(|| readable.clone()),
                hidden,
                channel: p.channel_id,
                fts,
                author: p.author_id,
                mentions: p.mentions,
                link: has.contains(&Has::Link),
                attachment: has.contains(&Has::Attachment),
                image: has.contains(&Has::Image),
                pinned,
                before,
                after,
            };
            if let Some(name) = &q.from {
                match store::search::member_named(c, name)? {
                    Some(id) => f.author = Some(id),
                    None => return Ok(name_error("from: no member named", name)),
                }
            }
            if let Some(name) = &q.mentions {
                match store::search::member_named(c, name)? {
                    Some(id) => f.mentions = Some(id),
                    None => return Ok(name_error("mentions: no member named", name)),
                }
            }
            if let Some(name) = &q.channel {
                let found = store::channels::list(c)?
                    .into_iter()
                    .find(|ch| readable.contains(&ch.id) && ch.name.eq_ignore_ascii_case(name));
                match found {
                    // `in:` and `channel_id` naming two channels: nothing is in both.
                    Some(ch) if f.channel.is_some_and(|c| c != ch.id) => {
                        return Ok(Ok((0, Vec::new())));
                    }
                    Some(ch) => f.channel = Some(ch.id),
                    None => return Ok(name_error("in: no channel named", &format!("#{name}"))),
                }
            }
            Ok(Ok(store::search::search(c, &f, limit, offset, user)?))
        })
        .await??;
    let mut found = found;
    super::signed_urls::sign_all(state, &mut found);
    let messages = found
        .into_iter()
        .map(|m| SearchHit {
            highlights: search::highlights(&m.content, &terms),
            message: m,
        })
        .collect();
    Ok(SearchResults { total, messages })
}
