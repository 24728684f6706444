//! The permission strings of the contract, each with a one-line description.
//!
//! This is the single list in the code base: the daemon, the clients and `spectrusctl roles
//! perms` all read it from here.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! permissions {
    ($($variant:ident = $name:literal : $desc:literal,)*) => {
        /// One grantable permission.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Permission { $($variant,)* }

        impl Permission {
            /// Every permission, in the contract's order.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];

            /// The wire name, e.g. `messages:send`.
            pub fn as_str(self) -> &'static str {
                match self { $(Permission::$variant => $name,)* }
            }

            /// A one-line description for people.
            pub fn description(self) -> &'static str {
                match self { $(Permission::$variant => $desc,)* }
            }
        }

        impl FromStr for Permission {
            type Err = UnknownPermission;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok(Permission::$variant),)*
                    other => Err(UnknownPermission(other.to_owned())),
                }
            }
        }
    };
}

permissions! {
    Administrator = "administrator": "Every permission, and passes every channel overwrite",
    ServerManage = "server:manage": "Edit the server's name, description, icon and branding",
    ChannelsManage = "channels:manage": "Create, edit, reorder and delete channels and their overwrites",
    RolesManage = "roles:manage": "Create, edit, reorder, assign and delete roles below one's own",
    InvitesCreate = "invites:create": "Create invite links",
    InvitesManage = "invites:manage": "List and revoke every invite",
    MembersKick = "members:kick": "Remove members from the server",
    MembersBan = "members:ban": "Ban and unban members",
    MembersTimeout = "members:timeout": "Time members out (read-only until a given time)",
    MembersManageNicknames = "members:manage_nicknames": "Change other members' nicknames",
    AuditLogView = "audit_log:view": "Read the audit log",
    PluginsManage = "plugins:manage": "Install, configure and remove plugins",
    ChannelsView = "channels:view": "See a channel and receive its events",
    MessagesSend = "messages:send": "Post messages in a channel",
    MessagesReadHistory = "messages:read_history": "Read a channel's past messages",
    MessagesManage = "messages:manage": "Delete other members' messages",
    MessagesMentionEveryone = "messages:mention_everyone": "Mention @everyone",
    ReactionsAdd = "reactions:add": "Add reactions to messages",
    VoiceConnect = "voice:connect": "Join voice channels",
    VoiceSpeak = "voice:speak": "Be heard in voice channels",
    VoiceMuteMembers = "voice:mute_members": "Server-mute others in voice",
    VoiceDeafenMembers = "voice:deafen_members": "Server-deafen others in voice",
    VoiceMoveMembers = "voice:move_members": "Move or disconnect others in voice",
    EmojiManage = "emoji:manage": "Upload, rename and delete the server's custom emoji",
}

/// A permission string that is not in the contract.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown permission {0:?}")]
pub struct UnknownPermission(pub String);

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Permission {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Permission {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A set of permissions as a bit set (one bit per [`Permission`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct PermissionSet(pub u64);

impl PermissionSet {
    /// No permission.
    pub const EMPTY: PermissionSet = PermissionSet(0);

    /// Every permission.
    pub fn all() -> PermissionSet {
        Permission::ALL.iter().copied().collect()
    }

    fn bit(p: Permission) -> u64 {
        1u64 << (p as u32)
    }

    /// Whether `p` is in the set.
    pub fn contains(self, p: Permission) -> bool {
        self.0 & Self::bit(p) != 0
    }

    /// Adds `p`.
    pub fn insert(&mut self, p: Permission) {
        self.0 |= Self::bit(p);
    }

    /// Union.
    pub fn union(self, o: PermissionSet) -> PermissionSet {
        PermissionSet(self.0 | o.0)
    }

    /// `self` without the members of `o`.
    pub fn minus(self, o: PermissionSet) -> PermissionSet {
        PermissionSet(self.0 & !o.0)
    }

    /// Whether every member of `o` is in `self`.
    pub fn is_superset(self, o: PermissionSet) -> bool {
        self.0 & o.0 == o.0
    }

    /// The members, in the contract's order.
    pub fn to_vec(self) -> Vec<Permission> {
        Permission::ALL
            .iter()
            .copied()
            .filter(|p| self.contains(*p))
            .collect()
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut s = PermissionSet::EMPTY;
        for p in iter {
            s.insert(p);
        }
        s
    }
}

impl Serialize for PermissionSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_vec().serialize(s)
    }
}

impl<'de> Deserialize<'de> for PermissionSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<Permission>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>().unwrap(), *p);
            assert!(!p.description().is_empty());
        }
        assert_eq!(Permission::ALL.len(), 24);
    }

    #[test]
    fn sets_serialize_as_string_lists() {
        let s: PermissionSet = [Permission::MessagesSend, Permission::ChannelsView]
            .into_iter()
            .collect();
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"["channels:view","messages:send"]"#
        );
        assert!(serde_json::from_str::<PermissionSet>(r#"["nope"]"#).is_err());
    }
}
