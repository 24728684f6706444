//! `AppState`: everything a request handler needs, passed explicitly (no globals).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use spectrus_proto::Id;

use crate::access::Access;
use crate::bus::Hub;
use crate::config::Config;
use crate::domain::snowflake::Snowflakes;
use crate::domain::tokens::TokenKeys;
use crate::store::Store;

/// Shared daemon state.
pub(crate) struct AppState {
    /// The configuration in force (SIGHUP may replace the reloadable parts).
    pub config: RwLock<Arc<Config>>,
    pub store: Store,
    pub ids: Snowflakes,
    pub keys: TokenKeys,
    /// Login sessions (token families) revoked while their access tokens may still be live.
    pub revoked: RwLock<HashSet<Id>>,
    /// The one-time owner setup code, until the owner is claimed.
    pub setup_code: Mutex<Option<String>>,
    pub access: Arc<Access>,
    pub hub: Hub,
    pub started: Instant,
    /// Bounds concurrent password hashes (19 MiB and ~1 core each) to the core count.
    pub hash_permits: tokio::sync::Semaphore,
    /// Per-IP limiter of login and register attempts.
    pub auth_limiter: crate::ratelimit::AuthLimiter,
    /// Per-account rate limits, slowmode and the login delay per username.
    pub rates: crate::ratelimit::Rates,
    /// Voice: the SFU and who is in which voice channel.
    pub voice: crate::voice::VoiceService,
    /// Metrics for `/metrics` (no-ops when off).
    pub telemetry: crate::telemetry::Telemetry,
    /// The premium licence: `license.is_premium()` guards every premium feature.
    pub license: crate::license::Licensing,
    /// Attachment bytes on disk (`<data_dir>/files`).
    pub blobs: crate::store::files::Blobs,
    /// Signs and checks attachment URLs.
    pub urls: crate::domain::files::UrlSigner,
    /// Link previews: the guarded fetcher, its cache, the image proxy's signing key.
    pub previews: crate::previews::Previews,
    /// Plugin bots: tokens in force, managed roles, the webhook signing key and queues.
    pub bots: crate::bots::Bots,
}

/// The handle handlers receive.
pub(crate) type SharedState = Arc<AppState>;

impl AppState {
    /// The configuration in force.
    pub(crate) fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Whether a login session has been revoked.
    pub(crate) fn is_revoked(&self, family: Id) -> bool {
        self.revoked
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&family)
    }

    /// Revokes login sessions: their access tokens stop working and their gateways close.
    pub(crate) fn revoke(&self, families: &[Id]) {
        {
            let mut set = self.revoked.write().unwrap_or_else(|p| p.into_inner());
            set.extend(families.iter().copied());
        }
        self.hub.end_sessions(
            |s| families.contains(&s.family),
            spectrus_proto::gateway::close::AUTHENTICATION_FAILED,
            "session revoked",
        );
    }

    /// The current setup code, if the owner is still unclaimed.
    pub(crate) fn setup_code(&self) -> Option<String> {
        self.setup_code
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}
