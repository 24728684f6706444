//! Property tests (proptest): effective permissions over random roles, memberships and
//! overwrites; and history pagination against the real daemon over random message counts
//! and page sizes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use proptest::prelude::*;
use spectrus_proto::Id;
use spectrus_proto::model::PermissionOverwrite;
use spectrus_proto::permissions::{Permission, PermissionSet};
use spectrus_proto::rest::CreateMessage;
use spectrusd::domain::permissions::{
    MemberFacts, RoleLookup, base_permissions, channel_permissions, mask_timeout, timeout_allowed,
};

const EVERYONE: Id = Id(1);

#[derive(Debug)]
struct Roles(HashMap<Id, PermissionSet>);

impl RoleLookup for Roles {
    fn everyone_id(&self) -> Id {
        EVERYONE
    }
    fn role_permissions(&self, id: Id) -> Option<PermissionSet> {
        self.0.get(&id).copied()
    }
}

fn set() -> impl Strategy<Value = PermissionSet> {
    any::<u64>().prop_map(|bits| PermissionSet(bits & PermissionSet::all().0))
}

/// A set that never holds `administrator`.
fn plain_set() -> impl Strategy<Value = PermissionSet> {
    set().prop_map(|s| {
        let admin: PermissionSet = [Permission::Administrator].into_iter().collect();
        s.minus(admin)
    })
}

/// `@everyone` (id 1) and roles 2..=6 with random permissions (sometimes administrator).
fn roles(admin_allowed: bool) -> impl Strategy<Value = Roles> {
    let s = if admin_allowed {
        set().boxed()
    } else {
        plain_set().boxed()
    };
    proptest::collection::vec(s, 6).prop_map(|sets| {
        Roles(
            sets.into_iter()
                .enumerate()
                .map(|(i, s)| (Id(i as u64 + 1), s))
                .collect(),
        )
    })
}

fn member_roles() -> impl Strategy<Value = Vec<Id>> {
    proptest::collection::btree_set(2u64..=6, 0..=5).prop_map(|s| s.into_iter().map(Id).collect())
}

fn overwrites() -> impl Strategy<Value = Vec<PermissionOverwrite>> {
    proptest::collection::btree_map(1u64..=6, (plain_set(), plain_set()), 0..=6).prop_map(|m| {
        m.into_iter()
            .map(|(id, (allow, deny))| PermissionOverwrite {
                role_id: Id(id),
                allow,
                deny,
            })
            .collect()
    })
}

fn facts(role_ids: &[Id], timed_out: bool) -> MemberFacts<'_> {
    MemberFacts {
        is_owner: false,
        role_ids,
        timed_out,
    }
}

proptest! {
    #[test]
    fn the_owner_and_administrators_have_everything_everywhere(
        roles in roles(true), ids in member_roles(), ow in overwrites(), timed_out: bool,
    ) {
        let owner = MemberFacts { is_owner: true, role_ids: &ids, timed_out };
        prop_assert_eq!(channel_permissions(&roles, owner, &ow), PermissionSet::all());
        let base = base_permissions(&roles, facts(&ids, false));
        if base.contains(Permission::Administrator) {
            prop_assert_eq!(
                channel_permissions(&roles, facts(&ids, timed_out), &ow),
                PermissionSet::all()
            );
        }
    }

    #[test]
    fn a_timeout_leaves_at_most_view_and_history_and_masking_later_is_the_same(
        roles in roles(false), ids in member_roles(), ow in overwrites(),
    ) {
        let free = channel_permissions(&roles, facts(&ids, false), &ow);
        let timed = channel_permissions(&roles, facts(&ids, true), &ow);
        prop_assert!(timeout_allowed().is_superset(timed));
        prop_assert_eq!(mask_timeout(free, true), timed);
        prop_assert_eq!(mask_timeout(free, false), free);
    }

    #[test]
    fn a_member_role_allow_beats_every_deny_and_a_deny_beats_base_and_everyone(
        roles in roles(false), ids in member_roles(), ow in overwrites(),
    ) {
        let perms = channel_permissions(&roles, facts(&ids, false), &ow);
        let mine = |f: fn(&PermissionOverwrite) -> PermissionSet| {
            ow.iter()
                .filter(|o| ids.contains(&o.role_id))
                .fold(PermissionSet::EMPTY, |acc, o| acc.union(f(o)))
        };
        let (allow, deny) = (mine(|o| o.allow), mine(|o| o.deny));
        prop_assert!(perms.is_superset(allow));
        prop_assert_eq!(PermissionSet(perms.0 & deny.0), PermissionSet(allow.0 & deny.0));
    }

    #[test]
    fn the_order_of_roles_and_overwrites_does_not_matter(
        roles in roles(true), ids in member_roles(), ow in overwrites(), timed_out: bool,
    ) {
        let forward = channel_permissions(&roles, facts(&ids, timed_out), &ow);
        let mut ids_rev = ids.clone();
        ids_rev.reverse();
        let mut ow_rev = ow.clone();
        ow_rev.reverse();
        prop_assert_eq!(
            channel_permissions(&roles, facts(&ids_rev, timed_out), &ow_rev),
            forward
        );
    }

    #[test]
    fn another_role_never_takes_a_server_wide_permission_away(
        roles in roles(true), ids in member_roles(), extra in 2u64..=6,
    ) {
        let before = base_permissions(&roles, facts(&ids, false));
        let mut more = ids.clone();
        if !more.contains(&Id(extra)) {
            more.push(Id(extra));
        }
        prop_assert!(base_permissions(&roles, facts(&more, false)).is_superset(before));
    }
}

/// Walking history with `before` (and back with `after`) at any page size yields every
/// message exactly once, in order, against the real daemon.
#[test]
fn history_pages_cover_everything_once_in_order() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (d, owner) = rt.block_on(async {
        let d = spectrus_testkit::TestDaemon::start_with(&[("SPECTRUS_RATE_LIMITS", "off")])
            .await
            .unwrap();
        let owner = d.owner().await.unwrap();
        (d, owner)
    });
    let mut config = ProptestConfig::with_cases(12);
    config.failure_persistence = None;
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let case = std::sync::atomic::AtomicU32::new(0);
    runner
        .run(&(0usize..45, 1u32..=16), |(count, page)| {
            let n = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (newest_first, forward) = rt.block_on(async {
                let ch = spectrus_testkit::text_channel(&owner, &format!("p{n}")).await;
                let mut posted = Vec::new();
                for i in 0..count {
                    let m = owner
                        .send_message(
                            ch,
                            &CreateMessage {
                                content: format!("m{i}"),
                                reply_to: None,
                                nonce: None,
                            },
                        )
                        .await
                        .unwrap();
                    posted.push(m.id);
                }
                // Backwards from the newest, then forwards from before the first.
                let ids = |ms: Vec<spectrus_proto::model::Message>| -> Vec<Id> {
                    ms.iter().map(|m| m.id).collect()
                };
                let back = ids(spectrus_testkit::history_backwards(&owner, ch, page).await);
                let fwd = ids(spectrus_testkit::history_forwards(&owner, ch, page).await);
                let mut expected_back = posted.clone();
                expected_back.reverse();
                ((back, expected_back), (fwd, posted))
            });
            prop_assert_eq!(newest_first.0, newest_first.1, "before-walk, page {}", page);
            prop_assert_eq!(forward.0, forward.1, "after-walk, page {}", page);
            Ok(())
        })
        .unwrap();
    drop(d);
}
