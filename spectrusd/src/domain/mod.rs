//! Pure rules of the domain: ids, validation, mentions, permissions, tokens, passwords.
//! Nothing here touches the network or the database; everything is unit-tested.

pub(crate) mod emoji;
pub(crate) mod files;
pub mod fuzz;
pub(crate) mod image_urls;
pub(crate) mod license;
pub(crate) mod license_file;
pub(crate) mod mentions;
pub(crate) mod password;
pub mod permissions;
pub(crate) mod plugin_manifest;
pub(crate) mod search;
pub mod snowflake;
pub(crate) mod time;
pub(crate) mod tokens;
pub(crate) mod validate;
