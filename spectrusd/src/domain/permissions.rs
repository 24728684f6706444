//! Effective permissions and the role hierarchy, as the contract defines them.
//!
//! Base = union of `@everyone` and the member's roles; owner or `administrator` → everything.
//! In a channel: `@everyone`'s deny then allow, then the union of the member's roles' denies,
//! then their allows. A timed-out member keeps only `channels:view` and
//! `messages:read_history`.
//!
//! Hierarchy: nobody manages a role at or above their own highest role, nobody moderates a
//! member whose highest role is at or above theirs, and nobody grants a permission they lack.
//! The owner and `administrator` pass every such check, except that nobody moderates the
//! owner's account.

use spectrus_proto::Id;
use spectrus_proto::model::PermissionOverwrite;
use spectrus_proto::permissions::{Permission, PermissionSet};

/// What the rules need to know about one member.
#[derive(Debug, Clone, Copy)]
pub struct MemberFacts<'a> {
    pub is_owner: bool,
    /// The member's roles (not including `@everyone`).
    pub role_ids: &'a [Id],
    pub timed_out: bool,
}

/// What the rules need to know about the roles.
pub trait RoleLookup {
    /// The `@everyone` role's id.
    fn everyone_id(&self) -> Id;
    /// A role's server-wide permissions (`None` for an unknown role).
    fn role_permissions(&self, id: Id) -> Option<PermissionSet>;
}

/// The permissions a timed-out member keeps.
pub fn timeout_allowed() -> PermissionSet {
    [Permission::ChannelsView, Permission::MessagesReadHistory]
        .into_iter()
        .collect()
}

/// Server-wide permissions.
pub fn base_permissions(roles: &impl RoleLookup, m: MemberFacts<'_>) -> PermissionSet {
    if m.is_owner {
        return PermissionSet::all();
    }
    let mut set = roles
        .role_permissions(roles.everyone_id())
        .unwrap_or_default();
    for id in m.role_ids {
        set = set.union(roles.role_permissions(*id).unwrap_or_default());
    }
    if set.contains(Permission::Administrator) {
        return PermissionSet::all();
    }
    if m.timed_out {
        set = PermissionSet(set.0 & timeout_allowed().0);
    }
    set
}

/// Permissions in one channel with these overwrites.
pub fn channel_permissions(
    roles: &impl RoleLookup,
    m: MemberFacts<'_>,
    overwrites: &[PermissionOverwrite],
) -> PermissionSet {
    let base = base_permissions(roles, m);
    if m.is_owner || base.contains(Permission::Administrator) {
        return PermissionSet::all();
    }
    let mut set = base;
    let everyone = roles.everyone_id();
    if let Some(o) = overwrites.iter().find(|o| o.role_id == everyone) {
        set = set.minus(o.deny).union(o.allow);
    }
    let mut deny = PermissionSet::EMPTY;
    let mut allow = PermissionSet::EMPTY;
    for o in overwrites
        .iter()
        .filter(|o| m.role_ids.contains(&o.role_id))
    {
        deny = deny.union(o.deny);
        allow = allow.union(o.allow);
    }
    set = set.minus(deny).union(allow);
    if m.timed_out {
        set = PermissionSet(set.0 & timeout_allowed().0);
    }
    set
}

/// Applies a timeout to permissions computed as if the member were not timed out.
///
/// Equal to computing with `timed_out: true` (masking commutes with the overwrite steps), so
/// permissions can be cached without a clock and masked when read.
pub fn mask_timeout(set: PermissionSet, timed_out: bool) -> PermissionSet {
    if timed_out && !set.contains(Permission::Administrator) {
        PermissionSet(set.0 & timeout_allowed().0)
    } else {
        set
    }
}

/// Where a party stands in the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The server's owner.
    pub is_owner: bool,
    /// Holds `administrator` (or is the operator on the admin socket).
    pub administrator: bool,
    /// Position of the highest role held (`@everyone` = 0).
    pub highest: i64,
}

impl Standing {
    /// The operator on the admin socket: above everyone, but not the owner.
    pub const OPERATOR: Standing = Standing {
        is_owner: false,
        administrator: true,
        highest: i64::MAX,
    };

    fn privileged(self) -> bool {
        self.is_owner || self.administrator
    }
}

/// Whether `actor` may edit, assign, remove or delete a role at `position`.
pub fn may_manage_role(actor: Standing, position: i64) -> bool {
    actor.privileged() || position < actor.highest
}

/// Whether `actor` may move a role from `from` to `to` (both must be below the actor).
pub fn may_move_role(actor: Standing, from: i64, to: i64) -> bool {
    may_manage_role(actor, from) && may_manage_role(actor, to)
}

/// Whether `actor` may moderate (kick, ban, time out, re-role, rename) `target`.
pub fn may_moderate(actor: Standing, target: Standing) -> bool {
    if target.is_owner {
        return false;
    }
    actor.privileged() || actor.highest > target.highest
}

/// The first permission of `granted` that `actor_perms` lacks (granting it is escalation).
pub fn first_ungrantable(actor_perms: PermissionSet, granted: PermissionSet) -> Option<Permission> {
    granted.minus(actor_perms).to_vec().into_iter().next()
}

/// The permissions `@everyone` has on a fresh server.
pub fn default_everyone() -> PermissionSet {
    use Permission::*;
    [
        ChannelsView,
        MessagesSend,
        MessagesReadHistory,
        ReactionsAdd,
        InvitesCreate,
        VoiceConnect,
        VoiceSpeak,
    ]
    .into_iter()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;
    use std::collections::HashMap;

    struct Roles(HashMap<Id, PermissionSet>);
    impl RoleLookup for Roles {
        fn everyone_id(&self) -> Id {
            Id(1)
        }
        fn role_permissions(&self, id: Id) -> Option<PermissionSet> {
            self.0.get(&id).copied()
        }
    }

    fn set(ps: &[Permission]) -> PermissionSet {
        ps.iter().copied().collect()
    }

    fn roles() -> Roles {
        Roles(HashMap::from([
            (
                Id(1),
                set(&[ChannelsView, MessagesSend, MessagesReadHistory]),
            ),
            (Id(2), set(&[MembersKick])),
            (Id(3), set(&[Administrator])),
            (Id(4), PermissionSet::EMPTY),
        ]))
    }

    fn ow(role: u64, allow: &[Permission], deny: &[Permission]) -> PermissionOverwrite {
        PermissionOverwrite {
            role_id: Id(role),
            allow: set(allow),
            deny: set(deny),
        }
    }

    fn member(roles: &[Id]) -> MemberFacts<'_> {
        MemberFacts {
            is_owner: false,
            role_ids: roles,
            timed_out: false,
        }
    }

    #[test]
    fn table() {
        let r = roles();
        let everyone_denied_view = [ow(1, &[], &[ChannelsView])];
        let role4_allows_view = [ow(1, &[], &[ChannelsView]), ow(4, &[ChannelsView], &[])];
        let role_deny_beats_everyone_allow =
            [ow(1, &[MessagesSend], &[]), ow(4, &[], &[MessagesSend])];
        let allow_beats_other_roles_deny =
            [ow(2, &[], &[MessagesSend]), ow(4, &[MessagesSend], &[])];
        let no_role_ids: [Id; 0] = [];
        let r4 = [Id(4)];
        let r2 = [Id(2)];
        let r3 = [Id(3)];
        let r24 = [Id(2), Id(4)];
        struct Case<'a> {
            name: &'a str,
            m: MemberFacts<'a>,
            ows: &'a [PermissionOverwrite],
            has: &'a [Permission],
            lacks: &'a [Permission],
        }
        let cases = [
            Case {
                name: "everyone base",
                m: member(&no_role_ids),
                ows: &[],
                has: &[ChannelsView, MessagesSend],
                lacks: &[MembersKick],
            },
            Case {
                name: "role adds",
                m: member(&r2),
                ows: &[],
                has: &[MembersKick, MessagesSend],
                lacks: &[MembersBan],
            },
            Case {
                name: "administrator is everything",
                m: member(&r3),
                ows: &everyone_denied_view,
                has: &[ChannelsView, MembersBan],
                lacks: &[],
            },
            Case {
                name: "owner is everything",
                m: MemberFacts {
                    is_owner: true,
                    role_ids: &no_role_ids,
                    timed_out: true,
                },
                ows: &everyone_denied_view,
                has: &[ChannelsView, ServerManage],
                lacks: &[],
            },
            Case {
                name: "everyone deny hides",
                m: member(&r2),
                ows: &everyone_denied_view,
                has: &[],
                lacks: &[ChannelsView],
            },
            Case {
                name: "role allow beats everyone deny",
                m: member(&r4),
                ows: &role4_allows_view,
                has: &[ChannelsView],
                lacks: &[],
            },
            Case {
                name: "role deny beats everyone allow",
                m: member(&r4),
                ows: &role_deny_beats_everyone_allow,
                has: &[],
                lacks: &[MessagesSend],
            },
            Case {
                name: "role allow beats another role's deny",
                m: member(&r24),
                ows: &allow_beats_other_roles_deny,
                has: &[MessagesSend],
                lacks: &[],
            },
            Case {
                name: "timeout keeps view and history only",
                m: MemberFacts {
                    is_owner: false,
                    role_ids: &r2,
                    timed_out: true,
                },
                ows: &[ow(1, &[ReactionsAdd], &[])],
                has: &[ChannelsView, MessagesReadHistory],
                lacks: &[MessagesSend, MembersKick, ReactionsAdd],
            },
            Case {
                name: "overwrite of a role the member lacks is ignored",
                m: member(&no_role_ids),
                ows: &[ow(2, &[], &[ChannelsView])],
                has: &[ChannelsView],
                lacks: &[],
            },
        ];
        for c in cases {
            let p = channel_permissions(&r, c.m, c.ows);
            for h in c.has {
                assert!(p.contains(*h), "{}: should have {h}", c.name);
            }
            for l in c.lacks {
                assert!(!p.contains(*l), "{}: should lack {l}", c.name);
            }
            // Masking a clock-free (cached) result gives the same answer.
            let unmasked = channel_permissions(
                &r,
                MemberFacts {
                    timed_out: false,
                    ..c.m
                },
                c.ows,
            );
            assert_eq!(
                mask_timeout(unmasked, c.m.timed_out),
                p,
                "{}: masking after caching differs",
                c.name
            );
        }
    }

    #[test]
    fn base_permissions_rules() {
        let r = roles();
        let r23 = [Id(2), Id(99)];
        // Unknown roles add nothing; the base is a union.
        let p = base_permissions(&r, member(&r23));
        assert!(p.contains(MembersKick) && p.contains(MessagesSend));
        assert!(!p.contains(Administrator));
        // A timed-out administrator keeps everything.
        let r3 = [Id(3)];
        let p = base_permissions(
            &r,
            MemberFacts {
                is_owner: false,
                role_ids: &r3,
                timed_out: true,
            },
        );
        assert_eq!(p, PermissionSet::all());
        // A timed-out member loses server permissions too.
        let r2 = [Id(2)];
        let p = base_permissions(
            &r,
            MemberFacts {
                is_owner: false,
                role_ids: &r2,
                timed_out: true,
            },
        );
        assert!(!p.contains(MembersKick) && !p.contains(MessagesSend));
        assert!(p.contains(ChannelsView));
    }

    fn st(is_owner: bool, administrator: bool, highest: i64) -> Standing {
        Standing {
            is_owner,
            administrator,
            highest,
        }
    }

    #[test]
    fn hierarchy_table() {
        let owner = st(true, false, 0);
        let admin = st(false, true, 1);
        let mod5 = st(false, false, 5);
        let mod3 = st(false, false, 3);
        let plain = st(false, false, 0);
        // (name, actor, role position, may manage)
        let roles = [
            ("below own highest", mod5, 4, true),
            ("at own highest", mod5, 5, false),
            ("above own highest", mod5, 6, false),
            ("@everyone by a role holder", mod5, 0, true),
            ("@everyone by a role-less member", plain, 0, false),
            ("owner manages any role", owner, 100, true),
            ("administrator manages any role", admin, 100, true),
            ("operator manages any role", Standing::OPERATOR, 100, true),
        ];
        for (name, actor, pos, ok) in roles {
            assert_eq!(may_manage_role(actor, pos), ok, "{name}");
        }
        assert!(may_move_role(mod5, 2, 4));
        assert!(
            !may_move_role(mod5, 2, 5),
            "cannot lift a role to one's own level"
        );
        assert!(!may_move_role(mod5, 6, 2), "cannot move a higher role down");
        // (name, actor, target, may moderate)
        let members = [
            ("higher over lower", mod5, mod3, true),
            ("equal", mod5, mod5, false),
            ("lower over higher", mod3, mod5, false),
            ("anyone over the owner", admin, owner, false),
            ("operator over the owner", Standing::OPERATOR, owner, false),
            ("owner over anyone", owner, admin, true),
            ("administrator over a higher role", admin, mod5, true),
            (
                "operator over an administrator",
                Standing::OPERATOR,
                admin,
                true,
            ),
            ("role-less over role-less", plain, plain, false),
        ];
        for (name, actor, target, ok) in members {
            assert_eq!(may_moderate(actor, target), ok, "{name}");
        }
    }

    #[test]
    fn granting_needs_holding() {
        let mine = set(&[MembersKick, MessagesSend]);
        assert_eq!(first_ungrantable(mine, set(&[MembersKick])), None);
        assert_eq!(
            first_ungrantable(mine, set(&[MembersKick, Administrator])),
            Some(Administrator)
        );
        assert_eq!(
            first_ungrantable(PermissionSet::all(), PermissionSet::all()),
            None
        );
        assert_eq!(first_ungrantable(mine, PermissionSet::EMPTY), None);
    }
}
