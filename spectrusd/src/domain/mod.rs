//! Pure rules of the domain: ids, validation, mentions, permissions, tokens, passwords.
//! Nothing here touches the network or the database; everything is unit-tested.

pub mod mentions;
pub mod password;
pub mod permissions;
pub mod snowflake;
pub mod time;
pub mod tokens;
pub mod validate;
