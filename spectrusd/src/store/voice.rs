//! Moderators' voice flags (server mute and deafen), one row per member with a flag set.

use rusqlite::{Connection, params};
use spectrus_proto::Id;

use super::StoreError;

/// Sets `user`'s flags; both false removes the row.
pub(crate) fn set_moderation(
    c: &Connection,
    user: Id,
    mute: bool,
    deaf: bool,
) -> Result<(), StoreError> {
    if mute || deaf {
        c.prepare_cached(
            "INSERT INTO voice_moderation(user_id, mute, deaf) VALUES (?1, ?2, ?3)
             ON CONFLICT(user_id) DO UPDATE SET mute = excluded.mute, deaf = excluded.deaf",
        )?
        .execute(params![user.0 as i64, mute, deaf])?;
    } else {
        c.prepare_cached("DELETE FROM voice_moderation WHERE user_id = ?1")?
            .execute([user.0 as i64])?;
    }
    Ok(())
}

/// Every member with a flag set: `(user, mute, deaf)`.
pub(crate) fn all_moderation(c: &Connection) -> Result<Vec<(Id, bool, bool)>, StoreError> {
    let mut st = c.prepare_cached("SELECT user_id, mute, deaf FROM voice_moderation")?;
    let rows = st.query_map([], |r| {
        Ok((
            Id(r.get::<_, i64>(0)? as u64),
            r.get::<_, bool>(1)?,
            r.get::<_, bool>(2)?,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip_and_clearing_both_removes_the_row() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY); INSERT INTO users VALUES (7);",
        )
        .unwrap();
        c.execute_batch(include_str!("../../migrations/V4__voice_moderation.sql"))
            .unwrap();
        set_moderation(&c, Id(7), true, false).unwrap();
        assert_eq!(all_moderation(&c).unwrap(), vec![(Id(7), true, false)]);
        set_moderation(&c, Id(7), true, true).unwrap();
        assert_eq!(all_moderation(&c).unwrap(), vec![(Id(7), true, true)]);
        set_moderation(&c, Id(7), false, false).unwrap();
        assert!(all_moderation(&c).unwrap().is_empty());
    }
}
