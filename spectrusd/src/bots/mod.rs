//! Plugin bots as the daemon holds them (beside `license`, below `service`): the bot tokens
//! in force (SHA-256 → bot, enabled plugins only, so a disabled plugin's token is refused
//! without the database), the roles plugins manage, the server's Ed25519 key that signs
//! webhook POSTs (`signer`), each plugin's event queue and delivery task and the guarded
//! client every webhook POST goes through (`delivery`) and the pending slash-command
//! interactions (`interactions`).

pub(crate) mod delivery;
pub(crate) mod interactions;
pub(crate) mod signer;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};
use spectrus_proto::Id;

pub(crate) use delivery::RetrySchedule;
pub(crate) use signer::Signer;

/// The prefix of a bot token in `Authorization: Bot <token>` (and in gateway `identify`).
pub(crate) const BOT_PREFIX: &str = "Bot ";

/// Who a bot token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BotAuth {
    pub plugin_id: String,
    pub user_id: Id,
}

/// The plugins' bots in memory; see the module comment.
pub(crate) struct Bots {
    tokens: RwLock<HashMap<String, BotAuth>>,
    managed_roles: RwLock<HashMap<Id, String>>,
    pub signer: Arc<Signer>,
    pub deliveries: delivery::Deliveries,
    pub interactions: interactions::Pending,
}

impl Bots {
    /// The bots with the signing key kept in `data_dir` (made on first use), posting to the
    /// webhook addresses `guard` allows.
    pub(crate) fn new(
        data_dir: &Path,
        retry: RetrySchedule,
        guard: crate::netguard::Guard,
    ) -> anyhow::Result<Bots> {
        Ok(Bots {
            tokens: RwLock::new(HashMap::new()),
            managed_roles: RwLock::new(HashMap::new()),
            signer: Arc::new(Signer::load_or_create(data_dir)?),
            deliveries: delivery::Deliveries::new(retry, guard)?,
            interactions: interactions::Pending::default(),
        })
    }

    /// The bot a token (without the `Bot ` prefix) belongs to, if its plugin is enabled.
    pub(crate) fn authenticate(&self, token: &str) -> Option<BotAuth> {
        self.tokens
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&hash_token(token))
            .cloned()
    }

    /// Sets (or with `None` clears) the token hash in force for a plugin's bot.
    pub(crate) fn set_token(&self, plugin_id: &str, user_id: Id, hash: Option<String>) {
        let mut tokens = self.tokens.write().unwrap_or_else(|p| p.into_inner());
        tokens.retain(|_, b| b.plugin_id != plugin_id);
        if let Some(h) = hash {
            tokens.insert(
                h,
                BotAuth {
                    plugin_id: plugin_id.to_owned(),
                    user_id,
                },
            );
        }
    }

    /// Records (or with `None` forgets) the plugin managing a role.
    pub(crate) fn set_managed_role(&self, role: Id, plugin_id: Option<&str>) {
        let mut roles = self
            .managed_roles
            .write()
            .unwrap_or_else(|p| p.into_inner());
        match plugin_id {
            Some(p) => roles.insert(role, p.to_owned()),
            None => roles.remove(&role),
        };
    }

    /// The plugin managing a role, if any.
    pub(crate) fn role_manager(&self, role: Id) -> Option<String> {
        self.managed_roles
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&role)
            .cloned()
    }
}

/// A new bot token: 32 random bytes, URL-safe base64.
pub(crate) fn new_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// How a bot token is stored: SHA-256, hex.
pub(crate) fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
