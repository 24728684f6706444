//! Message search over the FTS5 index `messages_fts` (migration V6), and the name look-ups
//! the query language needs.
//!
//! The index has external content (the text is stored once, in `messages`) and is kept in
//! step by triggers, so a deleted message is never found and an edited one only by its new
//! text.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use spectrus_proto::Id;
use spectrus_proto::model::Message;

use super::{StoreError, optional};

/// What to find. `channels` is the whole set the caller may read (never empty: the caller
/// checks); every other field narrows it.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub channels: Vec<Id>,
    /// An FTS5 match expression (built by `domain::search::fts_expression`).
    pub fts: Option<String>,
    pub author: Option<Id>,
    pub mentions: Option<Id>,
    /// Only messages with an `http(s)://` link.
    pub link: bool,
    /// Only messages with files (none yet: messages carry no attachments).
    pub attachment: bool,
    pub pinned: Option<bool>,
    /// Only ids below this (created before).
    pub before: Option<Id>,
    /// Only ids at or above this (created at or after).
    pub after: Option<Id>,
}

/// How far `total` counts (the answer says "10000" for more).
pub const TOTAL_CAP: i64 = 10_000;

/// The `FROM … WHERE …` part and its parameters.
fn clause(f: &Filter) -> (String, Vec<Value>) {
    let mut sql = String::new();
    let mut p: Vec<Value> = Vec::new();
    if let Some(q) = &f.fts {
        sql.push_str(
            "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid WHERE messages_fts MATCH ?",
        );
        p.push(Value::Text(q.clone()));
    } else {
        sql.push_str("FROM messages m WHERE 1");
    }
    // Ids are numbers, so writing them into the text is safe.
    let list: Vec<String> = f
        .channels
        .iter()
        .map(|c| (c.0 as i64).to_string())
        .collect();
    sql.push_str(&format!(" AND m.channel_id IN ({})", list.join(",")));
    if let Some(a) = f.author {
        sql.push_str(" AND m.author_id = ?");
        p.push(Value::Integer(a.0 as i64));
    }
    if let Some(u) = f.mentions {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM message_mentions mm WHERE mm.message_id = m.id AND mm.user_id = ?)",
        );
        p.push(Value::Integer(u.0 as i64));
    }
    if f.link {
        sql.push_str(" AND (m.content LIKE '%http://%' OR m.content LIKE '%https://%')");
    }
    if f.attachment {
        sql.push_str(" AND 0");
    }
    match f.pinned {
        Some(true) => sql.push_str(" AND m.pinned_at IS NOT NULL"),
        Some(false) => sql.push_str(" AND m.pinned_at IS NULL"),
        None => {}
    }
    if let Some(b) = f.before {
        sql.push_str(" AND m.id < ?");
        p.push(Value::Integer(b.0 as i64));
    }
    if let Some(a) = f.after {
        sql.push_str(" AND m.id >= ?");
        p.push(Value::Integer(a.0 as i64));
    }
    (sql, p)
}

/// How many messages match (at most [`TOTAL_CAP`]) and the page at `offset`, newest first.
pub fn search(
    c: &Connection,
    f: &Filter,
    limit: u32,
    offset: u32,
    viewer: Id,
) -> Result<(u64, Vec<Message>), StoreError> {
    if f.channels.is_empty() {
        return Ok((0, Vec::new()));
    }
    let (from, p) = clause(f);
    // FTS5 hands out its matches newest first itself (no sort of every match).
    let order = if f.fts.is_some() {
        "messages_fts.rowid"
    } else {
        "m.id"
    };
    let mut count_params = p.clone();
    count_params.push(Value::Integer(TOTAL_CAP));
    let total: i64 = c
        .prepare(&format!("SELECT COUNT(*) FROM (SELECT 1 {from} LIMIT ?)"))?
        .query_row(params_from_iter(count_params), |r| r.get(0))?;
    let mut page_params = p;
    page_params.push(Value::Integer(i64::from(limit)));
    page_params.push(Value::Integer(i64::from(offset)));
    let ids: Vec<Id> = c
        .prepare(&format!(
            "SELECT m.id {from} ORDER BY {order} DESC LIMIT ? OFFSET ?"
        ))?
        .query_map(params_from_iter(page_params), |r| {
            Ok(Id(r.get::<_, i64>(0)? as u64))
        })?
        .collect::<Result<_, _>>()?;
    let messages = super::messages::get_each(c, &ids, viewer)?;
    Ok((total as u64, messages))
}

/// The member called `name`: by username (any case), else by display name or nickname
/// (any case; the oldest account wins a tie).
pub fn member_named(c: &Connection, name: &str) -> Result<Option<Id>, StoreError> {
    optional(
        c.prepare_cached(
            "SELECT u.id FROM users u JOIN members mb ON mb.user_id = u.id
             WHERE u.username = lower(?1) OR u.display_name = ?1 COLLATE NOCASE
                OR mb.nick = ?1 COLLATE NOCASE
             ORDER BY u.username = lower(?1) DESC, u.id LIMIT 1",
        )?
        .query_row([name], |r| r.get::<_, i64>(0)),
    )
    .map(|o| o.map(|v| Id(v as u64)))
}
