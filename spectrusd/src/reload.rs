//! SIGHUP: applying a re-read configuration without dropping connections.
//!
//! Reloadable: `log` (the caller swaps the tracing filter), `registration`, `limits`
//! (`message_max_chars` at once; the other limits are built into the listener and the rate
//! limiters at start and change at the next restart), and while HTTPS is on `tls.cert` and
//! `tls.key` (the daemon re-reads the files themselves at every reload). Anything else differing is logged as
//! needing a restart and left as it is.

use std::sync::Arc;

use serde_json::json;

use crate::config::{Config, LimitsConfig};
use crate::state::AppState;

/// What a reload changed.
#[derive(Debug, Default, PartialEq)]
pub struct Reloaded {
    /// Keys now in force with their new values.
    pub applied: Vec<&'static str>,
    /// Keys that differ but need a restart.
    pub need_restart: Vec<&'static str>,
}

/// Merges the reloadable parts of `new` into `current` (pure).
pub(crate) fn merge(current: &Config, new: &Config) -> (Config, Reloaded) {
    let mut next = current.clone();
    let mut r = Reloaded::default();
    if new.log != current.log {
        next.log = new.log.clone();
        r.applied.push("log");
    }
    if new.registration != current.registration {
        next.registration = new.registration;
        r.applied.push("registration");
    }
    if new.limits != current.limits {
        next.limits = new.limits.clone();
        r.applied.push("limits");
        // Everything but message_max_chars is built into the listener and the limiters.
        let only_message_max = LimitsConfig {
            message_max_chars: current.limits.message_max_chars,
            ..new.limits.clone()
        };
        if only_message_max != current.limits {
            r.need_restart.push("limits other than message_max_chars");
        }
    }
    // New certificate and key paths are read by the caller, as long as HTTPS stays on.
    if current.tls.enabled() && new.tls.enabled() {
        next.tls.cert = new.tls.cert.clone();
        next.tls.key = new.tls.key.clone();
    }
    let mut rest_new = new.clone();
    rest_new.tls.cert = next.tls.cert.clone();
    rest_new.tls.key = next.tls.key.clone();
    rest_new.log = next.log.clone();
    rest_new.registration = next.registration;
    rest_new.limits = next.limits.clone();
    if rest_new != next {
        r.need_restart
            .push("other keys (bind, data_dir, voice, gateway, storage, ...)");
    }
    (next, r)
}

/// Puts the reloadable parts of `new` in force and tells the admin event stream.
pub(crate) fn apply(state: &AppState, new: &Config) -> Reloaded {
    let current = state.config();
    let (next, reloaded) = merge(&current, new);
    *state.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
    for key in &reloaded.need_restart {
        tracing::warn!(
            key,
            "changed in the configuration file; takes effect at restart"
        );
    }
    tracing::info!(applied = ?reloaded.applied, "configuration reloaded");
    state
        .hub
        .admin_event("config_reload", json!({"applied": reloaded.applied}));
    reloaded
}

#[cfg(test)]
mod tests {
    use super::*;
    use spectrus_proto::model::RegistrationPolicy;

    #[test]
    fn only_reloadable_keys_change() {
        let current = Config::default();
        let mut new = current.clone();
        new.registration = RegistrationPolicy::Open;
        new.log = "debug".into();
        new.bind = ([127, 0, 0, 1], 9).into();
        let (next, r) = merge(&current, &new);
        assert_eq!(next.registration, RegistrationPolicy::Open);
        assert_eq!(next.log, "debug");
        assert_eq!(next.bind, current.bind);
        assert_eq!(r.applied, vec!["log", "registration"]);
        assert_eq!(r.need_restart.len(), 1);
        let (_, none) = merge(&current, &current);
        assert_eq!(none, Reloaded::default());
    }
}
