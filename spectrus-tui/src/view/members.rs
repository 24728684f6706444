//! The member list's order: groups under the highest hoisted role of online members, then
//! "Online" and "Offline", by name. The drawing and the member cursor share it.

use spectrus_proto::Id;

use crate::state::ServerState;

/// A group of members under a heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Role name, "Online" or "Offline".
    pub title: String,
    /// Members, by name.
    pub members: Vec<Id>,
}

/// The groups in display order.
pub fn groups(s: &ServerState) -> Vec<Group> {
    let mut hoisted: Vec<(i64, Id, String, Vec<Id>)> = Vec::new();
    let mut online = Vec::new();
    let mut offline = Vec::new();
    for id in s.members.keys() {
        if !s.is_online(*id) {
            offline.push(*id);
            continue;
        }
        match s.hoisted_role(*id) {
            Some(r) => match hoisted.iter_mut().find(|g| g.1 == r.id) {
                Some(g) => g.3.push(*id),
                None => hoisted.push((r.position, r.id, r.name.clone(), vec![*id])),
            },
            None => online.push(*id),
        }
    }
    hoisted.sort_by_key(|g| std::cmp::Reverse((g.0, g.1)));
    let by_name = |v: &mut Vec<Id>| {
        v.sort_by_key(|u| (s.member_name(*u).unwrap_or_default().to_lowercase(), *u))
    };
    let mut out = Vec::new();
    for (_, _, name, mut members) in hoisted {
        by_name(&mut members);
        out.push(Group {
            title: name,
            members,
        });
    }
    for (title, mut members) in [("Online", online), ("Offline", offline)] {
        if !members.is_empty() {
            by_name(&mut members);
            out.push(Group {
                title: title.into(),
                members,
            });
        }
    }
    out
}

/// Members in the order shown (the member cursor indexes this).
pub fn member_order(s: &ServerState) -> Vec<Id> {
    groups(s).into_iter().flat_map(|g| g.members).collect()
}
