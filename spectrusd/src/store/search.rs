//! Message search over the FTS5 index `messages_fts` (migration V6), and the name look-ups
//! the query language needs.
//!
//! The index has external content (the text is stored once, in `messages`) and is kept in
//! step by triggers, so a deleted message is never found and an edited one only by its new
//! text. Its `meta` column holds `a<author>`, `c<channel>` and `hlink` tokens.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use spectrus_proto::Id;
use spectrus_proto::model::Message;

use super::{StoreError, optional};

/// The most hidden channels excluded inside the FTS match expression; beyond that the rows
/// are filtered by the readable channels.
const MAX_HIDDEN_IN_INDEX: usize = 64;

/// What to find. Every field narrows the search.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The channels the caller may read, when that is not every channel carrying messages
    /// (`None`: no restriction). Never `Some(empty)`: the caller answers that itself.
    pub channels: Option<Vec<Id>>,
    /// The channels carrying messages the caller may not read (when `channels` is `Some`):
    /// an index search excludes them inside the index (`NOT meta : "c…"`), without row
    /// look-ups.
    pub hidden: Vec<Id>,
    /// One channel (`in:`, `channel_id`).
    pub channel: Option<Id>,
    /// An FTS5 match expression over `content` (built by `domain::search::fts_expression`).
    pub fts: Option<String>,
    pub author: Option<Id>,
    /// Messages naming this member `<@id>`.
    pub mentions: Option<Id>,
    /// Only messages with an `http(s)://` link.
    pub link: bool,
    /// Only messages with files.
    pub attachment: bool,
    /// Only messages with an image (an attachment the server measured).
    pub image: bool,
    pub pinned: Option<bool>,
    /// Only ids below this (created before).
    pub before: Option<Id>,
    /// Only ids at or above this (created at or after).
    pub after: Option<Id>,
}

/// How far `total` counts (the answer says "10000" for more).
pub const TOTAL_CAP: i64 = 10_000;

/// The `FROM … WHERE …` part, the id column to order by, and the parameters. Words, author,
/// channel and links are all answered by the FTS index (the `meta` tokens), newest first
/// without a sort; the rest looks at the message rows.
fn clause(f: &Filter) -> (String, &'static str, Vec<Value>) {
    let mut fts: Vec<String> = Vec::new();
    if let Some(q) = &f.fts {
        fts.push(q.clone());
    }
    if let Some(a) = f.author {
        fts.push(format!("meta : \"a{}\"", a.0 as i64));
    }
    if let Some(c) = f.channel {
        fts.push(format!("meta : \"c{}\"", c.0 as i64));
    }
    if f.link {
        fts.push("meta : \"hlink\"".into());
    }
    // Hidden channels are excluded in the index when it is searched at all, unless there are
    // many (every direct message the caller is not in is hidden): then the rows are filtered
    // by the readable channels instead of growing the match expression without bound.
    let by_index = !fts.is_empty();
    let rows_filter_channels = f.channels.is_some()
        && (!by_index || f.hidden.is_empty() || f.hidden.len() > MAX_HIDDEN_IN_INDEX);
    let needs_rows = rows_filter_channels || f.mentions.is_some() || f.pinned.is_some();
    let mut sql = String::new();
    let mut p: Vec<Value> = Vec::new();
    let id = if !fts.is_empty() {
        sql.push_str("FROM messages_fts ");
        if needs_rows {
            sql.push_str("JOIN messages m ON m.id = messages_fts.rowid ");
        }
        sql.push_str("WHERE messages_fts MATCH ?");
        let mut expr = fts.join(" AND ");
        if !rows_filter_channels && !f.hidden.is_empty() {
            let hidden: Vec<String> = f
                .hidden
                .iter()
                .map(|c| format!("meta : \"c{}\"", c.0 as i64))
                .collect();
            expr = format!("({expr}) NOT ({})", hidden.join(" OR "));
        }
        p.push(Value::Text(expr));
        "messages_fts.rowid"
    } else if let Some(u) = f.mentions {
        sql.push_str(
            "FROM message_mentions mm JOIN messages m ON m.id = mm.message_id WHERE mm.user_id = ? AND mm.implied = 0",
        );
        p.push(Value::Integer(u.0 as i64));
        "m.id"
    } else {
        sql.push_str("FROM messages m WHERE 1");
        "m.id"
    };
    if let Some(channels) = f
        .channels
        .as_ref()
        .filter(|_| rows_filter_channels || !by_index)
    {
        // Ids are numbers, so writing them into the text is safe.
        let list: Vec<String> = channels.iter().map(|c| (c.0 as i64).to_string()).collect();
        sql.push_str(&format!(" AND m.channel_id IN ({})", list.join(",")));
    }
    if let (Some(u), false) = (f.mentions, id == "m.id") {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM message_mentions mm WHERE mm.message_id = m.id AND mm.user_id = ? AND mm.implied = 0)",
        );
        p.push(Value::Integer(u.0 as i64));
    }
    if fts.is_empty() {
        if let Some(a) = f.author {
            sql.push_str(" AND m.author_id = ?");
            p.push(Value::Integer(a.0 as i64));
        }
        if let Some(c) = f.channel {
            sql.push_str(" AND m.channel_id = ?");
            p.push(Value::Integer(c.0 as i64));
        }
    }
    // `id` is the message id expression of whichever table the query starts from.
    if f.attachment {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = {id})"
        ));
    }
    if f.image {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM attachments a JOIN blobs b ON b.sha256 = a.sha256 \
             WHERE a.message_id = {id} AND b.width IS NOT NULL)"
        ));
    }
    match f.pinned {
        Some(true) => sql.push_str(" AND m.pinned_at IS NOT NULL"),
        Some(false) => sql.push_str(" AND m.pinned_at IS NULL"),
        None => {}
    }
    if let Some(b) = f.before {
        sql.push_str(&format!(" AND {id} < ?"));
        p.push(Value::Integer(b.0 as i64));
    }
    if let Some(a) = f.after {
        sql.push_str(&format!(" AND {id} >= ?"));
        p.push(Value::Integer(a.0 as i64));
    }
    (sql, id, p)
}

/// How many messages match (at most [`TOTAL_CAP`]) and the page at `offset`, newest first.
pub fn search(
    c: &Connection,
    f: &Filter,
    limit: u32,
    offset: u32,
    viewer: Id,
) -> Result<(u64, Vec<Message>), StoreError> {
    if f.channels.as_ref().is_some_and(Vec::is_empty) {
        return Ok((0, Vec::new()));
    }
    let (from, order, p) = clause(f);
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
            "SELECT {order} {from} ORDER BY {order} DESC LIMIT ? OFFSET ?"
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
