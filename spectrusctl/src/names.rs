//! Names for ids in human output: the accounts, channels and roles of the server, read once
//! per command (three requests) so that tables and event lines say `alice` and `#general`
//! where the daemon's JSON says ids. `--json` output keeps the daemon's ids untouched.

use std::collections::HashMap;

use spectrus_proto::Id;
use spectrus_proto::admin::AdminUser;
use spectrus_proto::model::{Channel, Role};

use crate::error::Result;
use crate::transport::AdminClient;

/// Id-to-name maps of users, channels and roles.
#[derive(Debug, Default, Clone)]
pub struct Names {
    users: HashMap<Id, String>,
    channels: HashMap<Id, String>,
    roles: HashMap<Id, String>,
}

impl Names {
    /// Reads every account, channel and role from the daemon.
    pub async fn load(client: &AdminClient) -> Result<Names> {
        let users: Vec<AdminUser> = client.get_as("/users").await?;
        let channels: Vec<Channel> = client.get_as("/channels").await?;
        let roles: Vec<Role> = client.get_as("/roles").await?;
        let mut names = Names::default();
        for u in users {
            names.add_user(u.id, &u.username);
        }
        for c in channels {
            names.add_channel(c.id, &c.name);
        }
        for r in roles {
            names.add_role(r.id, &r.name);
        }
        Ok(names)
    }

    /// [`Names::load`], or no names (ids shown as they are, a warning in the diagnostics)
    /// when the daemon cannot list them: the command's own answer still prints.
    pub async fn load_or_none(client: &AdminClient) -> Names {
        match Names::load(client).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read names; showing ids");
                Names::default()
            }
        }
    }

    /// Remembers a user's name (an event can announce one).
    pub fn add_user(&mut self, id: Id, name: &str) {
        self.users.insert(id, name.to_owned());
    }

    /// Remembers a channel's name.
    pub fn add_channel(&mut self, id: Id, name: &str) {
        self.channels.insert(id, name.to_owned());
    }

    /// Remembers a role's name.
    pub fn add_role(&mut self, id: Id, name: &str) {
        self.roles.insert(id, name.to_owned());
    }

    /// The name of a known user, channel (without `#`) or role; `None` when unknown.
    pub fn known(&self, kind: &str, id: Id) -> Option<&str> {
        let map = match kind {
            "user" => &self.users,
            "channel" => &self.channels,
            "role" => &self.roles,
            _ => return None,
        };
        map.get(&id).map(String::as_str)
    }

    /// `alice`, or `user 42` for an account the server no longer has.
    pub fn user(&self, id: Id) -> String {
        self.users
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("user {id}"))
    }

    /// `#general`, or `channel 42` for one that is gone.
    pub fn channel(&self, id: Id) -> String {
        self.channels
            .get(&id)
            .map_or_else(|| format!("channel {id}"), |n| format!("#{n}"))
    }

    /// `Moderator`, or `role 42` for one that is gone.
    pub fn role(&self, id: Id) -> String {
        self.roles
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("role {id}"))
    }

    /// An audit or event target (`kind` as the daemon spells it) by name where it has one:
    /// `user alice`, `#general`, `role Moderator`; others (`message 7`, `invite aB3x`) as is.
    pub fn target(&self, kind: &str, id: &str) -> String {
        let parsed = id.parse::<u64>().ok().map(Id);
        match (kind, parsed) {
            ("user" | "member", Some(id)) => format!("user {}", self.user(id)),
            ("channel", Some(id)) => self.channel(id),
            ("role", Some(id)) => format!("role {}", self.role(id)),
            _ => format!("{kind} {id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_fallbacks() {
        let mut n = Names::default();
        n.add_user(Id(1), "alice");
        n.add_channel(Id(2), "general");
        n.add_role(Id(3), "Mod");
        assert_eq!(n.user(Id(1)), "alice");
        assert_eq!(n.user(Id(9)), "user 9");
        assert_eq!(n.target("user", "1"), "user alice");
        assert_eq!(n.target("channel", "2"), "#general");
        assert_eq!(n.target("channel", "8"), "channel 8");
        assert_eq!(n.target("role", "3"), "role Mod");
        assert_eq!(n.target("invite", "aB3x"), "invite aB3x");
        assert_eq!(n.target("message", "7"), "message 7");
    }
}
