//! The in-memory permission model: who is a member, their roles, the roles' permissions and
//! each channel's overwrites, kept in step with the store by every mutation that changes
//! them. Answers "may this user do that here?" without touching the database, so the
//! gateway can filter fan-out to thousands of sessions cheaply.

use std::collections::HashMap;
use std::sync::RwLock;

use spectrus_proto::model::{Channel, ChannelType, PermissionOverwrite, Role};
use spectrus_proto::permissions::PermissionSet;
use spectrus_proto::{Id, Permission};

use crate::domain::permissions::{MemberFacts, RoleLookup, base_permissions, channel_permissions};
use crate::domain::time::now_ms;
use crate::error::ApiError;
use crate::store::members::MemberRow;

#[derive(Debug, Clone)]
struct MemberAccess {
    roles: Vec<Id>,
    timeout_until: Option<i64>,
}

#[derive(Debug, Clone)]
struct ChannelAccess {
    kind: ChannelType,
    overwrites: Vec<PermissionOverwrite>,
}

#[derive(Debug, Default)]
struct Data {
    owner: Option<Id>,
    everyone: Id,
    roles: HashMap<Id, Role>,
    members: HashMap<Id, MemberAccess>,
    channels: HashMap<Id, ChannelAccess>,
}

impl RoleLookup for Data {
    fn everyone_id(&self) -> Id {
        self.everyone
    }
    fn role_permissions(&self, id: Id) -> Option<PermissionSet> {
        self.roles.get(&id).map(|r| r.permissions)
    }
}

impl Data {
    fn facts(&self, user: Id) -> Option<MemberFacts<'_>> {
        let m = self.members.get(&user)?;
        Some(MemberFacts {
            is_owner: self.owner == Some(user),
            role_ids: &m.roles,
            timed_out: m.timeout_until.is_some_and(|t| t > now_ms()),
        })
    }
}

/// The permission model; see the module comment.
#[derive(Debug, Default)]
pub struct Access {
    data: RwLock<Data>,
}

impl Access {
    /// Builds the model from what the store holds.
    pub fn new(
        owner: Option<Id>,
        roles: Vec<Role>,
        members: Vec<MemberRow>,
        channels: Vec<Channel>,
    ) -> Access {
        let everyone = roles
            .iter()
            .find(|r| r.position == 0)
            .map(|r| r.id)
            .unwrap_or_default();
        let data = Data {
            owner,
            everyone,
            roles: roles.into_iter().map(|r| (r.id, r)).collect(),
            members: members
                .into_iter()
                .map(|m| {
                    (
                        m.user.id,
                        MemberAccess {
                            roles: m.roles,
                            timeout_until: m.timeout_until,
                        },
                    )
                })
                .collect(),
            channels: channels
                .into_iter()
                .map(|c| {
                    (
                        c.id,
                        ChannelAccess {
                            kind: c.kind,
                            overwrites: c.permission_overwrites,
                        },
                    )
                })
                .collect(),
        };
        Access {
            data: RwLock::new(data),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Data> {
        self.data.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Data> {
        self.data.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The owner, once claimed.
    pub fn owner(&self) -> Option<Id> {
        self.read().owner
    }

    /// The `@everyone` role.
    pub fn everyone_role(&self) -> Id {
        self.read().everyone
    }

    /// Whether `user` is a member.
    pub fn is_member(&self, user: Id) -> bool {
        self.read().members.contains_key(&user)
    }

    /// How many members there are.
    pub fn member_count(&self) -> u64 {
        self.read().members.len() as u64
    }

    /// Server-wide permissions (empty for non-members).
    pub fn server_permissions(&self, user: Id) -> PermissionSet {
        let d = self.read();
        d.facts(user)
            .map(|f| base_permissions(&*d, f))
            .unwrap_or_default()
    }

    /// Permissions in a channel (`None` when the channel or the member is unknown).
    pub fn channel_permissions(&self, user: Id, channel: Id) -> Option<PermissionSet> {
        let d = self.read();
        let ch = d.channels.get(&channel)?;
        let f = d.facts(user)?;
        Some(channel_permissions(&*d, f, &ch.overwrites))
    }

    /// Whether `user` can see `channel`.
    pub fn can_view(&self, user: Id, channel: Id) -> bool {
        self.channel_permissions(user, channel)
            .is_some_and(|p| p.contains(Permission::ChannelsView))
    }

    /// Every channel `user` can see.
    pub fn visible_channels(&self, user: Id) -> Vec<Id> {
        let d = self.read();
        let Some(f) = d.facts(user) else {
            return Vec::new();
        };
        d.channels
            .iter()
            .filter(|(_, c)| {
                channel_permissions(&*d, f, &c.overwrites).contains(Permission::ChannelsView)
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// The kind of a channel.
    pub fn channel_kind(&self, channel: Id) -> Option<ChannelType> {
        self.read().channels.get(&channel).map(|c| c.kind)
    }

    /// Requires a server-wide permission.
    pub fn require(&self, user: Id, perm: Permission) -> Result<(), ApiError> {
        if self.server_permissions(user).contains(perm) {
            Ok(())
        } else {
            Err(ApiError::MissingPermission(perm))
        }
    }

    /// Requires a permission in a channel. A channel the user cannot see is "not found",
    /// so hidden channels do not leak their existence.
    pub fn require_in(&self, user: Id, channel: Id, perm: Permission) -> Result<(), ApiError> {
        let perms = self
            .channel_permissions(user, channel)
            .ok_or(ApiError::NotFound("channel"))?;
        if !perms.contains(Permission::ChannelsView) {
            return Err(ApiError::NotFound("channel"));
        }
        if perms.contains(perm) {
            Ok(())
        } else {
            Err(ApiError::MissingPermission(perm))
        }
    }

    /// Records the owner.
    pub fn set_owner(&self, owner: Option<Id>) {
        self.write().owner = owner;
    }

    /// Records a member (new or changed).
    pub fn upsert_member(&self, user: Id, roles: Vec<Id>, timeout_until: Option<i64>) {
        self.write().members.insert(
            user,
            MemberAccess {
                roles,
                timeout_until,
            },
        );
    }

    /// Forgets a member.
    pub fn remove_member(&self, user: Id) {
        self.write().members.remove(&user);
    }

    /// Records a channel (new or changed).
    pub fn upsert_channel(&self, c: &Channel) {
        self.write().channels.insert(
            c.id,
            ChannelAccess {
                kind: c.kind,
                overwrites: c.permission_overwrites.clone(),
            },
        );
    }

    /// Forgets a channel.
    pub fn remove_channel(&self, id: Id) {
        self.write().channels.remove(&id);
    }

    /// Records a role (new or changed).
    pub fn upsert_role(&self, r: &Role) {
        let mut d = self.write();
        if r.position == 0 {
            d.everyone = r.id;
        }
        d.roles.insert(r.id, r.clone());
    }

    /// Forgets a role, and takes it from every member and overwrite.
    pub fn remove_role(&self, id: Id) {
        let mut d = self.write();
        d.roles.remove(&id);
        for m in d.members.values_mut() {
            m.roles.retain(|r| *r != id);
        }
        for c in d.channels.values_mut() {
            c.overwrites.retain(|o| o.role_id != id);
        }
    }
}
