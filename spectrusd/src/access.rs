//! The in-memory permission model: who is a member, their roles, the roles' permissions and
//! each channel's overwrites, kept in step with the store by every mutation that changes
//! them. Answers "may this user do that here?" without touching the database, so the
//! gateway can filter fan-out to thousands of sessions cheaply.
//!
//! Effective permissions are cached per member (server-wide and per channel, computed without
//! the clock; a timeout is applied when read) and the set of viewers is cached per channel.
//! Every mutation clears what it may have changed while holding the model's write lock, and
//! a cache entry is only filled under the read lock, so no stale entry can outlive a change.
//!
//! Direct messages are channels too, outside the tree: roles and overwrites do not apply to
//! them. A participant who is a member holds [`DM_PERMISSIONS`] there; nobody else (not an
//! administrator, not the owner) holds anything, so every check made through this model
//! (history, posting, pins, search, the bus's audience) hides them from non-participants.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, RwLock};

use spectrus_proto::model::{Channel, ChannelType, PermissionOverwrite, Role};
use spectrus_proto::permissions::PermissionSet;
use spectrus_proto::{Id, Permission};

use crate::domain::permissions::{
    MemberFacts, RoleLookup, Standing, base_permissions, channel_permissions, mask_timeout,
};
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
    slowmode_seconds: u32,
}

/// What a participant may do in a direct message (and nobody else may do anything).
pub const DM_PERMISSIONS: &[Permission] = &[
    Permission::ChannelsView,
    Permission::MessagesSend,
    Permission::MessagesReadHistory,
    Permission::ReactionsAdd,
];

#[derive(Debug, Clone)]
struct DmAccess {
    kind: ChannelType,
    participants: Vec<Id>,
}

#[derive(Debug, Default)]
struct Data {
    owner: Option<Id>,
    everyone: Id,
    roles: HashMap<Id, Role>,
    members: HashMap<Id, MemberAccess>,
    channels: HashMap<Id, ChannelAccess>,
    dms: HashMap<Id, DmAccess>,
    /// Each user's direct messages.
    user_dms: HashMap<Id, Vec<Id>>,
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
    /// Facts without the clock: timeouts are applied when cached values are read.
    fn facts(&self, user: Id) -> Option<MemberFacts<'_>> {
        let m = self.members.get(&user)?;
        Some(MemberFacts {
            is_owner: self.owner == Some(user),
            role_ids: &m.roles,
            timed_out: false,
        })
    }

    fn compute(&self, user: Id) -> Option<MemberPerms> {
        let f = self.facts(user)?;
        let dm: PermissionSet = DM_PERMISSIONS.iter().copied().collect();
        let dms = self.user_dms.get(&user).into_iter().flatten();
        Some(MemberPerms {
            base: base_permissions(self, f),
            channels: self
                .channels
                .iter()
                .map(|(id, c)| (*id, channel_permissions(self, f, &c.overwrites)))
                .chain(dms.map(|id| (*id, dm)))
                .collect(),
            timeout_until: self.members.get(&user).and_then(|m| m.timeout_until),
        })
    }

    fn highest(&self, user: Id) -> i64 {
        self.members
            .get(&user)
            .map(|m| {
                m.roles
                    .iter()
                    .filter_map(|r| self.roles.get(r))
                    .map(|r| r.position)
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0)
    }
}

/// One member's permissions, computed as if not timed out.
#[derive(Debug)]
struct MemberPerms {
    base: PermissionSet,
    channels: HashMap<Id, PermissionSet>,
    timeout_until: Option<i64>,
}

impl MemberPerms {
    fn timed_out(&self) -> bool {
        self.timeout_until.is_some_and(|t| t > now_ms())
    }
}

/// A set of user ids with a cheap hash: ids are snowflakes chosen by the daemon, not by
/// clients, so a multiplicative hash is safe and several times faster than SipHash on the
/// fan-out path (one lookup per session per event).
pub type IdSet = HashSet<Id, BuildHasherDefault<IdHasher>>;

/// The hasher of [`IdSet`] (Fibonacci hashing of the 64-bit id).
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(26);
    }
}

#[derive(Debug, Default)]
struct Cache {
    members: HashMap<Id, Arc<MemberPerms>>,
    viewers: HashMap<Id, Arc<IdSet>>,
}

/// The permission model; see the module comment.
#[derive(Debug, Default)]
pub struct Access {
    data: RwLock<Data>,
    cache: RwLock<Cache>,
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
                            slowmode_seconds: c.slowmode_seconds,
                        },
                    )
                })
                .collect(),
            dms: HashMap::new(),
            user_dms: HashMap::new(),
        };
        Access {
            data: RwLock::new(data),
            cache: RwLock::default(),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Data> {
        self.data.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The write lock, with every cache cleared (callers change what the caches derive from).
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Data> {
        let d = self.data.write().unwrap_or_else(|p| p.into_inner());
        let mut c = self.cache.write().unwrap_or_else(|p| p.into_inner());
        c.members.clear();
        c.viewers.clear();
        d
    }

    /// The write lock, clearing only what depends on one member.
    fn write_member(&self, user: Id) -> std::sync::RwLockWriteGuard<'_, Data> {
        let d = self.data.write().unwrap_or_else(|p| p.into_inner());
        let mut c = self.cache.write().unwrap_or_else(|p| p.into_inner());
        c.members.remove(&user);
        c.viewers.clear();
        d
    }

    fn cached(&self, user: Id) -> Option<Arc<MemberPerms>> {
        if let Some(p) = self
            .cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .members
            .get(&user)
        {
            return Some(p.clone());
        }
        // Fill under the model's read lock: no mutation can run between compute and insert.
        let d = self.read();
        let p = Arc::new(d.compute(user)?);
        self.cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .members
            .insert(user, p.clone());
        Some(p)
    }

    /// The members who can view `channel` (cached; a timeout never hides a channel).
    pub fn viewers(&self, channel: Id) -> Arc<IdSet> {
        if let Some(v) = self
            .cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .viewers
            .get(&channel)
        {
            return v.clone();
        }
        let d = self.read();
        let set: IdSet = match d.channels.get(&channel) {
            // A direct message: its participants who are members.
            None if d.dms.contains_key(&channel) => d
                .dms
                .get(&channel)
                .into_iter()
                .flat_map(|dm| dm.participants.iter())
                .filter(|u| d.members.contains_key(u))
                .copied()
                .collect(),
            Some(ch) => d
                .members
                .keys()
                .filter(|u| {
                    d.facts(**u).is_some_and(|f| {
                        channel_permissions(&*d, f, &ch.overwrites)
                            .contains(Permission::ChannelsView)
                    })
                })
                .copied()
                .collect(),
            None => IdSet::default(),
        };
        let set = Arc::new(set);
        self.cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .viewers
            .insert(channel, set.clone());
        set
    }

    /// Where a member stands in the hierarchy (`None` for non-members).
    pub fn standing(&self, user: Id) -> Option<Standing> {
        let perms = self.server_permissions(user);
        let d = self.read();
        d.members.get(&user)?;
        Some(Standing {
            is_owner: d.owner == Some(user),
            administrator: perms.contains(Permission::Administrator),
            highest: d.highest(user),
        })
    }

    /// One role.
    pub fn role(&self, id: Id) -> Option<Role> {
        self.read().roles.get(&id).cloned()
    }

    /// A member's roles (`None` for non-members).
    pub fn member_roles(&self, user: Id) -> Option<Vec<Id>> {
        self.read().members.get(&user).map(|m| m.roles.clone())
    }

    /// A member's timeout end (Unix ms), if one was set.
    pub fn timeout_until(&self, user: Id) -> Option<i64> {
        self.read().members.get(&user).and_then(|m| m.timeout_until)
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
        self.cached(user)
            .map(|p| mask_timeout(p.base, p.timed_out()))
            .unwrap_or_default()
    }

    /// Permissions in a channel (`None` when the channel or the member is unknown).
    pub fn channel_permissions(&self, user: Id, channel: Id) -> Option<PermissionSet> {
        let p = self.cached(user)?;
        let set = *p.channels.get(&channel)?;
        Some(mask_timeout(set, p.timed_out()))
    }

    /// Whether `user` can see `channel`.
    pub fn can_view(&self, user: Id, channel: Id) -> bool {
        self.channel_permissions(user, channel)
            .is_some_and(|p| p.contains(Permission::ChannelsView))
    }

    /// Every channel `user` can see.
    pub fn visible_channels(&self, user: Id) -> Vec<Id> {
        let Some(p) = self.cached(user) else {
            return Vec::new();
        };
        p.channels
            .iter()
            .filter(|(_, set)| set.contains(Permission::ChannelsView))
            .map(|(id, _)| *id)
            .collect()
    }

    /// The kind of a channel.
    pub fn channel_kind(&self, channel: Id) -> Option<ChannelType> {
        let d = self.read();
        d.channels
            .get(&channel)
            .map(|c| c.kind)
            .or_else(|| d.dms.get(&channel).map(|dm| dm.kind))
    }

    /// Whether `channel` is a direct message.
    pub fn is_private(&self, channel: Id) -> bool {
        self.read().dms.contains_key(&channel)
    }

    /// A direct message's participants (`None` for any other channel).
    pub fn dm_participants(&self, channel: Id) -> Option<Vec<Id>> {
        self.read()
            .dms
            .get(&channel)
            .map(|d| d.participants.clone())
    }

    /// Records a direct message (new, or loaded at start): only its participants' cached
    /// permissions change.
    pub fn upsert_dm(&self, channel: Id, kind: ChannelType, participants: Vec<Id>) {
        let mut d = self.data.write().unwrap_or_else(|p| p.into_inner());
        let mut c = self.cache.write().unwrap_or_else(|p| p.into_inner());
        c.viewers.remove(&channel);
        for u in &participants {
            c.members.remove(u);
            let list = d.user_dms.entry(*u).or_default();
            if !list.contains(&channel) {
                list.push(channel);
            }
        }
        d.dms.insert(channel, DmAccess { kind, participants });
    }

    /// A channel's slowmode in seconds (0 = off, or no such channel).
    pub fn slowmode_seconds(&self, channel: Id) -> u32 {
        self.read()
            .channels
            .get(&channel)
            .map_or(0, |c| c.slowmode_seconds)
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
        self.write_member(user).members.insert(
            user,
            MemberAccess {
                roles,
                timeout_until,
            },
        );
    }

    /// Forgets a member.
    pub fn remove_member(&self, user: Id) {
        self.write_member(user).members.remove(&user);
    }

    /// Records a channel (new or changed).
    pub fn upsert_channel(&self, c: &Channel) {
        self.write().channels.insert(
            c.id,
            ChannelAccess {
                kind: c.kind,
                overwrites: c.permission_overwrites.clone(),
                slowmode_seconds: c.slowmode_seconds,
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
