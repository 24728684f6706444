//! Permissions against the real daemon: every mutating route's required permission (from one
//! table that must cover every route the router registers), and hierarchy and escalation.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashMap};

use reqwest::{Method, StatusCode};
use spectrus_client::{Client, ClientError};
use spectrus_proto::Id;
use spectrus_proto::model::Role;
use spectrus_proto::permissions::{Permission, PermissionSet};
use spectrus_proto::rest::{
    CreateChannel, CreateInvite, CreateRole, OverwriteBody, PatchMember, PatchRole, RolePosition,
};
use spectrus_testkit::TestDaemon;
use spectrus_testkit::{code, general};

/// Who may call a mutating route.
#[derive(Debug, Clone, Copy)]
enum Needs {
    /// This permission (the test proves it: 403 without, success with).
    Perm(Permission),
    /// No login (auth routes).
    Public,
    /// Any member, acting on their own things (their account, messages, reactions, reads).
    Own,
    /// A logged-in account, member or not (accepting an invite).
    Account,
    /// `messages:send` in the channel, like posting; proven in `plugin_bots.rs`, because
    /// success needs an installed plugin.
    SlashCommand,
    /// A secret in the path instead of a login (a plugin's interaction token:
    /// `plugin_bots.rs`).
    PathToken,
}

/// Every mutating route (paths relative to `/api/v1`) and what it needs.
const TABLE: &[(&str, &str, Needs)] = &[
    ("POST", "/auth/register", Needs::Public),
    ("POST", "/auth/login", Needs::Public),
    ("POST", "/auth/refresh", Needs::Public),
    ("POST", "/auth/logout", Needs::Public),
    ("POST", "/auth/logout-all", Needs::Account),
    ("PATCH", "/users/@me", Needs::Own),
    ("POST", "/users/@me/channels", Needs::Own),
    ("PUT", "/users/@me/blocks/{user_id}", Needs::Own),
    ("DELETE", "/users/@me/blocks/{user_id}", Needs::Own),
    ("PATCH", "/users/@me/settings", Needs::Own),
    ("PATCH", "/server", Needs::Perm(Permission::ServerManage)),
    ("PUT", "/users/@me/avatar", Needs::Own),
    ("DELETE", "/users/@me/avatar", Needs::Own),
    ("PUT", "/server/icon", Needs::Perm(Permission::ServerManage)),
    ("POST", "/channels", Needs::Perm(Permission::ChannelsManage)),
    (
        "PATCH",
        "/channels",
        Needs::Perm(Permission::ChannelsManage),
    ),
    (
        "PATCH",
        "/channels/{id}",
        Needs::Perm(Permission::ChannelsManage),
    ),
    (
        "DELETE",
        "/channels/{id}",
        Needs::Perm(Permission::ChannelsManage),
    ),
    (
        "PUT",
        "/channels/{id}/overwrites/{role_id}",
        Needs::Perm(Permission::ChannelsManage),
    ),
    (
        "DELETE",
        "/channels/{id}/overwrites/{role_id}",
        Needs::Perm(Permission::ChannelsManage),
    ),
    (
        "POST",
        "/channels/{id}/messages",
        Needs::Perm(Permission::MessagesSend),
    ),
    ("PATCH", "/channels/{id}/messages/{mid}", Needs::Own),
    (
        "DELETE",
        "/channels/{id}/messages/{mid}",
        Needs::Perm(Permission::MessagesManage),
    ),
    (
        "PUT",
        "/channels/{id}/messages/{mid}/reactions/{emoji}/@me",
        Needs::Perm(Permission::ReactionsAdd),
    ),
    (
        "DELETE",
        "/channels/{id}/messages/{mid}/reactions/{emoji}/@me",
        Needs::Own,
    ),
    (
        "PUT",
        "/channels/{id}/pins/{mid}",
        Needs::Perm(Permission::MessagesManage),
    ),
    (
        "DELETE",
        "/channels/{id}/pins/{mid}",
        Needs::Perm(Permission::MessagesManage),
    ),
    (
        "POST",
        "/channels/{id}/typing",
        Needs::Perm(Permission::MessagesSend),
    ),
    ("POST", "/channels/{id}/ack", Needs::Own),
    ("POST", "/channels/{id}/interactions", Needs::SlashCommand),
    (
        "POST",
        "/interactions/{id}/{token}/followup",
        Needs::PathToken,
    ),
    ("POST", "/invites", Needs::Perm(Permission::InvitesCreate)),
    ("POST", "/invites/{code}", Needs::Account),
    (
        "DELETE",
        "/invites/{code}",
        Needs::Perm(Permission::InvitesManage),
    ),
    (
        "PATCH",
        "/members/{user_id}",
        Needs::Perm(Permission::MembersTimeout),
    ),
    (
        "DELETE",
        "/members/{user_id}",
        Needs::Perm(Permission::MembersKick),
    ),
    (
        "PUT",
        "/members/{user_id}/roles/{role_id}",
        Needs::Perm(Permission::RolesManage),
    ),
    (
        "DELETE",
        "/members/{user_id}/roles/{role_id}",
        Needs::Perm(Permission::RolesManage),
    ),
    ("POST", "/roles", Needs::Perm(Permission::RolesManage)),
    ("PATCH", "/roles", Needs::Perm(Permission::RolesManage)),
    ("PATCH", "/roles/{id}", Needs::Perm(Permission::RolesManage)),
    (
        "DELETE",
        "/roles/{id}",
        Needs::Perm(Permission::RolesManage),
    ),
    (
        "PUT",
        "/bans/{user_id}",
        Needs::Perm(Permission::MembersBan),
    ),
    (
        "DELETE",
        "/bans/{user_id}",
        Needs::Perm(Permission::MembersBan),
    ),
    ("POST", "/emojis", Needs::Perm(Permission::EmojiManage)),
    (
        "PATCH",
        "/emojis/{id}",
        Needs::Perm(Permission::EmojiManage),
    ),
    (
        "DELETE",
        "/emojis/{id}",
        Needs::Perm(Permission::EmojiManage),
    ),
    // `mute` needs this; `deaf` voice:deafen_members and `channel_id` voice:move_members
    // (spectrusd/tests/voice.rs exercises those).
    (
        "PATCH",
        "/voice/members/{user_id}",
        Needs::Perm(Permission::VoiceMuteMembers),
    ),
];

/// Reads guarded by a permission (checked the same way).
const GUARDED_READS: &[(&str, Permission)] = &[
    ("/invites", Permission::InvitesManage),
    ("/bans", Permission::MembersBan),
    ("/audit-log", Permission::AuditLogView),
];

#[test]
fn the_table_covers_every_mutating_route_the_router_registers() {
    let registered: BTreeSet<(String, String)> = spectrusd::mutating_routes()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p.to_owned()))
        .collect();
    let table: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = registered.difference(&table).collect();
    let stale: Vec<_> = table.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "mutating routes without an entry in TABLE (add one with its permission): {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "TABLE entries the router does not serve: {stale:?}"
    );
    assert_eq!(table.len(), TABLE.len(), "a route is listed twice");
}

fn perms(ps: &[Permission]) -> PermissionSet {
    ps.iter().copied().collect()
}

fn missing<T: std::fmt::Debug>(r: Result<T, ClientError>) -> String {
    match r {
        Err(ClientError::Api { status: 403, body }) if body.error.code == "missing_permission" => {
            body.error.permission.unwrap_or_default()
        }
        other => panic!("expected 403 missing_permission, got {other:?}"),
    }
}

struct World {
    d: TestDaemon,
    owner: Client,
    http: reqwest::Client,
    general: Id,
    n: std::sync::atomic::AtomicUsize,
}

impl World {
    async fn member(&self, prefix: &str) -> (Client, Id) {
        let i = self.n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let c = self
            .d
            .member(&self.owner, &format!("{prefix}{i}"))
            .await
            .unwrap();
        let id = c.me().await.unwrap().id;
        (c, id)
    }

    async fn role(&self, name: &str, ps: &[Permission]) -> Role {
        self.owner
            .create_role(&CreateRole {
                name: name.into(),
                permissions: perms(ps),
                ..Default::default()
            })
            .await
            .unwrap()
    }

    /// A fresh custom emoji (uploaded by the owner); its id.
    async fn emoji(&self) -> Id {
        let i = self.n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut png = std::io::Cursor::new(Vec::new());
        image::RgbImage::new(8, 8)
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        self.owner
            .create_emoji(&format!("made_{i}"), &png.into_inner())
            .await
            .unwrap()
            .id
    }

    /// Calls a route as `who`; answers the status and the error body's code and permission.
    async fn call(
        &self,
        who: &Client,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, String, String) {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .http
            .request(method.clone(), format!("{}/api/v1{path}", self.d.url))
            .bearer_auth(who.access_token().unwrap());
        if path == "/server/icon" {
            // The icon is the raw image.
            let mut png = std::io::Cursor::new(Vec::new());
            image::RgbImage::new(8, 8)
                .write_to(&mut png, image::ImageFormat::Png)
                .unwrap();
            req = req.body(png.into_inner());
        } else if path == "/emojis" && method == Method::POST {
            // A multipart form: `name` and `file`.
            let i = self.n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let mut png = std::io::Cursor::new(Vec::new());
            image::RgbImage::new(8, 8)
                .write_to(&mut png, image::ImageFormat::Png)
                .unwrap();
            let mut form = format!(
                "--b0undary\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nfixture_{i}\r\n\
                 --b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"e.png\"\r\n\
                 Content-Type: image/png\r\n\r\n"
            )
            .into_bytes();
            form.extend_from_slice(&png.into_inner());
            form.extend_from_slice(b"\r\n--b0undary--\r\n");
            req = req
                .header("content-type", "multipart/form-data; boundary=b0undary")
                .body(form);
        } else if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let v: serde_json::Value = resp.json().await.unwrap_or(serde_json::Value::Null);
        let err = &v["error"];
        (
            status,
            err["code"].as_str().unwrap_or_default().to_owned(),
            err["permission"].as_str().unwrap_or_default().to_owned(),
        )
    }

    /// A fresh target for one route: the concrete path and body.
    async fn fixture(&self, method: &str, path: &str) -> (String, Option<serde_json::Value>) {
        use serde_json::json;
        let owner = &self.owner;
        let g = self.general;
        let channel = || async {
            owner
                .create_channel(&CreateChannel::new(
                    "fixture",
                    spectrus_proto::model::ChannelType::Text,
                ))
                .await
                .unwrap()
                .id
        };
        match (method, path) {
            ("PATCH", "/server") => (path.into(), Some(json!({"name": "Renamed"}))),
            ("PUT", "/server/icon") => (path.into(), None),
            ("POST", "/channels") => (path.into(), Some(json!({"name": "made"}))),
            ("PATCH", "/channels") => (path.into(), Some(json!([{"id": g, "position": 7}]))),
            ("PATCH", "/channels/{id}") => (format!("/channels/{g}"), Some(json!({"topic": "t"}))),
            ("DELETE", "/channels/{id}") => (format!("/channels/{}", channel().await), None),
            (_, "/channels/{id}/overwrites/{role_id}") => {
                let r = self.role("ow", &[]).await.id;
                if method == "DELETE" {
                    owner
                        .put_overwrite(g, r, &OverwriteBody::default())
                        .await
                        .unwrap();
                }
                (
                    format!("/channels/{g}/overwrites/{r}"),
                    (method == "PUT").then(|| json!({"allow": [], "deny": []})),
                )
            }
            ("POST", "/channels/{id}/messages") => (
                format!("/channels/{g}/messages"),
                Some(json!({"content": "hello"})),
            ),
            ("DELETE", "/channels/{id}/messages/{mid}") => {
                let m = owner.say(g, "owner's").await.unwrap().id;
                (format!("/channels/{g}/messages/{m}"), None)
            }
            (_, "/channels/{id}/pins/{mid}") => {
                let m = owner.say(g, "pin me").await.unwrap().id;
                if method == "DELETE" {
                    owner.pin(g, m).await.unwrap();
                }
                (format!("/channels/{g}/pins/{m}"), None)
            }
            ("PUT", "/channels/{id}/messages/{mid}/reactions/{emoji}/@me") => {
                let m = owner.say(g, "react to me").await.unwrap().id;
                (
                    format!("/channels/{g}/messages/{m}/reactions/%F0%9F%91%8D/@me"),
                    None,
                )
            }
            ("POST", "/channels/{id}/typing") => (format!("/channels/{g}/typing"), None),
            ("POST", "/invites") => (path.into(), Some(json!({}))),
            ("DELETE", "/invites/{code}") => {
                let i = owner.create_invite(&CreateInvite::default()).await.unwrap();
                (format!("/invites/{}", i.code), None)
            }
            ("PATCH", "/members/{user_id}") => {
                let (_, v) = self.member("victim").await;
                let until = time_in(3600);
                (
                    format!("/members/{v}"),
                    Some(json!({"timeout_until": until})),
                )
            }
            ("DELETE", "/members/{user_id}") => {
                let (_, v) = self.member("victim").await;
                (format!("/members/{v}"), None)
            }
            (_, "/members/{user_id}/roles/{role_id}") => {
                let (_, v) = self.member("victim").await;
                let r = self.role("given", &[]).await.id;
                if method == "DELETE" {
                    owner.add_member_role(v, r, None).await.unwrap();
                }
                (format!("/members/{v}/roles/{r}"), None)
            }
            ("POST", "/roles") => (path.into(), Some(json!({"name": "new role"}))),
            ("PATCH", "/roles") => {
                let a = self.role("a", &[]).await.id;
                let b = self.role("b", &[]).await.id;
                let at: HashMap<Id, i64> = owner
                    .roles()
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|r| (r.id, r.position))
                    .collect();
                (
                    path.into(),
                    Some(json!([{"id": a, "position": at[&b]}, {"id": b, "position": at[&a]}])),
                )
            }
            ("PATCH", "/roles/{id}") => {
                let r = self.role("editable", &[]).await.id;
                (
                    format!("/roles/{r}"),
                    Some(json!({"name": "edited", "hoist": true})),
                )
            }
            ("DELETE", "/roles/{id}") => {
                let r = self.role("doomed", &[]).await.id;
                (format!("/roles/{r}"), None)
            }
            ("PUT", "/bans/{user_id}") => {
                let (_, v) = self.member("victim").await;
                (format!("/bans/{v}"), Some(json!({"reason": "spam"})))
            }
            ("DELETE", "/bans/{user_id}") => {
                let (_, v) = self.member("victim").await;
                owner.ban(v, None).await.unwrap();
                (format!("/bans/{v}"), None)
            }
            ("PATCH", "/voice/members/{user_id}") => {
                let (_, v) = self.member("victim").await;
                (format!("/voice/members/{v}"), Some(json!({"mute": true})))
            }
            ("POST", "/emojis") => (path.into(), None),
            ("PATCH", "/emojis/{id}") => {
                let e = self.emoji().await;
                let i = self.n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                (
                    format!("/emojis/{e}"),
                    Some(json!({"name": format!("renamed_{i}")})),
                )
            }
            ("DELETE", "/emojis/{id}") => (format!("/emojis/{}", self.emoji().await), None),
            other => panic!("no fixture for {other:?}: add one"),
        }
    }
}

fn time_in(secs: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::seconds(secs);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

#[tokio::test]
async fn every_guarded_route_refuses_without_its_permission_and_works_with_it() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let general = general(&owner).await;
    let w = World {
        d,
        owner,
        http: reqwest::Client::new(),
        general,
        n: Default::default(),
    };
    // @everyone keeps only seeing and reading, so a role-less member lacks everything tested.
    let everyone = w.owner.roles().await.unwrap()[0].clone();
    assert_eq!(everyone.position, 0);
    w.owner
        .patch_role(
            everyone.id,
            &PatchRole {
                permissions: Some(perms(&[
                    Permission::ChannelsView,
                    Permission::MessagesReadHistory,
                ])),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (lacker, _) = w.member("lacker").await;

    // One member per permission, holding a role with just that permission. Fixture roles
    // are created later at position 1, so these roles stay above them.
    let mut needed: Vec<Permission> = TABLE
        .iter()
        .filter_map(|(_, _, n)| match n {
            Needs::Perm(p) => Some(*p),
            _ => None,
        })
        .chain(GUARDED_READS.iter().map(|(_, p)| *p))
        .collect();
    needed.sort();
    needed.dedup();
    let mut holders: HashMap<Permission, Client> = HashMap::new();
    for p in needed {
        let role = w.role(&format!("has {p}"), &[p]).await;
        let (c, id) = w.member("holder").await;
        w.owner.add_member_role(id, role.id, None).await.unwrap();
        holders.insert(p, c);
    }

    for (method, path, needs) in TABLE {
        let Needs::Perm(p) = needs else { continue };
        let (concrete, body) = w.fixture(method, path).await;
        let (status, code, perm) = w.call(&lacker, method, &concrete, body.clone()).await;
        assert_eq!(
            (status, code.as_str(), perm.as_str()),
            (StatusCode::FORBIDDEN, "missing_permission", p.as_str()),
            "{method} {path} without {p}"
        );
        let (status, code, _) = w.call(&holders[p], method, &concrete, body).await;
        assert!(
            status.is_success(),
            "{method} {path} with {p}: {status} {code}"
        );
    }
    for (path, p) in GUARDED_READS {
        let (status, code, perm) = w.call(&lacker, "GET", path, None).await;
        assert_eq!(
            (status, code.as_str(), perm.as_str()),
            (StatusCode::FORBIDDEN, "missing_permission", p.as_str()),
            "GET {path} without {p}"
        );
        let (status, _, _) = w.call(&holders[p], "GET", path, None).await;
        assert!(status.is_success(), "GET {path} with {p}: {status}");
    }
}

#[tokio::test]
async fn hierarchy_and_escalation_attempts_are_refused() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let owner_id = owner.me().await.unwrap().id;
    let mk = |name: &str, ps: &[Permission]| CreateRole {
        name: name.into(),
        permissions: perms(ps),
        ..Default::default()
    };
    // Created bottom-up: each new role lands at 1, so the last is lowest.
    let admin = owner
        .create_role(&mk("admins", &[Permission::Administrator]))
        .await
        .unwrap();
    let senior = owner
        .create_role(&mk("seniors", &[Permission::MembersKick]))
        .await
        .unwrap();
    let mods = owner
        .create_role(&mk(
            "mods",
            &[
                Permission::RolesManage,
                Permission::MembersKick,
                Permission::MembersBan,
                Permission::MembersTimeout,
                Permission::ChannelsManage,
            ],
        ))
        .await
        .unwrap();
    let helpers = owner.create_role(&mk("helpers", &[])).await.unwrap();
    let pos: HashMap<Id, i64> = owner
        .roles()
        .await
        .unwrap()
        .iter()
        .map(|r| (r.id, r.position))
        .collect();
    assert!(pos[&admin.id] > pos[&senior.id] && pos[&senior.id] > pos[&mods.id]);
    assert!(pos[&mods.id] > pos[&helpers.id] && pos[&helpers.id] == 1);

    let alice = d.member(&owner, "alice").await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let carol = d.member(&owner, "carol").await.unwrap();
    let dave = d.member(&owner, "dave").await.unwrap();
    let [alice_id, bob_id, carol_id, dave_id] = [
        alice.me().await.unwrap().id,
        bob.me().await.unwrap().id,
        carol.me().await.unwrap().id,
        dave.me().await.unwrap().id,
    ];
    owner
        .add_member_role(alice_id, mods.id, None)
        .await
        .unwrap();
    owner
        .add_member_role(bob_id, senior.id, None)
        .await
        .unwrap();
    owner
        .add_member_role(dave_id, admin.id, None)
        .await
        .unwrap();

    // Roles at or above one's own highest.
    let rename = PatchRole {
        name: Some("mine now".into()),
        ..Default::default()
    };
    assert_eq!(
        code(alice.patch_role(senior.id, &rename).await),
        "forbidden"
    );
    assert_eq!(code(alice.patch_role(mods.id, &rename).await), "forbidden");
    assert_eq!(code(alice.delete_role(senior.id).await), "forbidden");
    assert_eq!(
        code(alice.add_member_role(alice_id, senior.id, None).await),
        "forbidden"
    );
    assert_eq!(
        code(alice.remove_member_role(bob_id, senior.id, None).await),
        "forbidden"
    );
    assert_eq!(
        code(
            alice
                .reorder_roles(&[
                    RolePosition {
                        id: helpers.id,
                        position: pos[&mods.id],
                    },
                    RolePosition {
                        id: mods.id,
                        position: 1,
                    },
                ])
                .await
        ),
        "forbidden"
    );
    // Below her: fine.
    alice.patch_role(helpers.id, &rename).await.unwrap();
    alice
        .add_member_role(carol_id, helpers.id, Some("helping"))
        .await
        .unwrap();

    // Granting what one lacks: administrator to a role below, a new role, an overwrite.
    let grant_admin = PatchRole {
        permissions: Some(perms(&[Permission::Administrator])),
        ..Default::default()
    };
    assert_eq!(
        missing(alice.patch_role(helpers.id, &grant_admin).await),
        "administrator"
    );
    assert_eq!(
        missing(
            alice
                .create_role(&mk("sneaky", &[Permission::Administrator]))
                .await
        ),
        "administrator"
    );
    let general = alice.channels().await.unwrap()[0].id;
    assert_eq!(
        missing(
            alice
                .put_overwrite(
                    general,
                    helpers.id,
                    &OverwriteBody {
                        allow: perms(&[Permission::ServerManage]),
                        deny: PermissionSet::EMPTY,
                    },
                )
                .await
        ),
        "server:manage"
    );
    // A role holding more than she has cannot be given either, even below her.
    owner.patch_role(helpers.id, &grant_admin).await.unwrap();
    assert_eq!(
        missing(alice.add_member_role(alice_id, helpers.id, None).await),
        "administrator"
    );
    // Nor through PATCH /members roles.
    assert_eq!(
        missing(
            alice
                .patch_member(
                    alice_id,
                    &PatchMember {
                        roles: Some(vec![mods.id, helpers.id]),
                        ..Default::default()
                    },
                    None,
                )
                .await
        ),
        "administrator"
    );

    // Members at or above oneself, oneself, and the owner.
    assert_eq!(code(alice.kick(bob_id, None).await), "forbidden");
    assert_eq!(code(alice.ban(bob_id, None).await), "forbidden");
    assert_eq!(code(alice.kick(alice_id, None).await), "forbidden");
    assert_eq!(code(alice.kick(owner_id, None).await), "forbidden");
    assert_eq!(code(dave.kick(owner_id, None).await), "forbidden");
    assert_eq!(code(dave.ban(owner_id, None).await), "forbidden");
    let timeout = PatchMember {
        timeout_until: Some(Some(time_in(600))),
        ..Default::default()
    };
    assert_eq!(
        code(alice.patch_member(bob_id, &timeout, None).await),
        "forbidden"
    );
    assert_eq!(
        code(alice.patch_member(owner_id, &timeout, None).await),
        "forbidden"
    );
    assert_eq!(
        code(dave.patch_member(owner_id, &timeout, None).await),
        "forbidden"
    );
    // @everyone is forever.
    let everyone = owner.roles().await.unwrap()[0].id;
    assert_eq!(code(owner.delete_role(everyone).await), "conflict");
    // The owner is still a member with every power, and carol (below alice) can be kicked.
    assert!(owner.member(owner_id).await.is_ok());
    alice.kick(carol_id, Some("testing")).await.unwrap();
    assert_eq!(code(owner.member(carol_id).await), "not_found");
}

#[tokio::test]
async fn roles_are_created_edited_reordered_and_deleted_with_events() {
    use spectrus_client::Gateway;
    use spectrus_proto::gateway::Dispatch;
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let bob_id = bob.me().await.unwrap().id;
    let mut gw = Gateway::connect(&bob).await.unwrap();

    let a = owner
        .create_role(&CreateRole {
            name: "Alpha".into(),
            permissions: perms(&[Permission::MessagesManage]),
            color: Some("#FF8800".into()),
            hoist: Some(true),
            mentionable: Some(true),
        })
        .await
        .unwrap();
    assert_eq!(
        (a.position, a.color.as_deref(), a.hoist, a.mentionable),
        (1, Some("#ff8800"), true, true)
    );
    let b = owner
        .create_role(&CreateRole {
            name: "Beta".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let c = owner
        .create_role(&CreateRole {
            name: "Gamma".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let order = |roles: Vec<Role>| roles.into_iter().map(|r| r.name).collect::<Vec<_>>();
    assert_eq!(
        order(owner.roles().await.unwrap()),
        ["@everyone", "Gamma", "Beta", "Alpha"]
    );
    assert_eq!(
        code(
            owner
                .create_role(&CreateRole {
                    name: "bad".into(),
                    color: Some("orange".into()),
                    ..Default::default()
                })
                .await
        ),
        "validation_failed"
    );

    // Drag-to-reorder sends the whole order; it applies in one transaction.
    let all = owner
        .reorder_roles(&[
            RolePosition {
                id: a.id,
                position: 1,
            },
            RolePosition {
                id: b.id,
                position: 2,
            },
            RolePosition {
                id: c.id,
                position: 3,
            },
        ])
        .await
        .unwrap();
    assert_eq!(order(all), ["@everyone", "Alpha", "Beta", "Gamma"]);
    // An order with a collision changes nothing.
    assert_eq!(
        code(
            owner
                .reorder_roles(&[
                    RolePosition {
                        id: a.id,
                        position: 3,
                    },
                    RolePosition {
                        id: b.id,
                        position: 1,
                    },
                ])
                .await
        ),
        "validation_failed"
    );
    assert_eq!(
        order(owner.roles().await.unwrap()),
        ["@everyone", "Alpha", "Beta", "Gamma"]
    );

    let edited = owner
        .patch_role(
            b.id,
            &PatchRole {
                name: Some("Beta2".into()),
                color: Some(None),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((edited.name.as_str(), edited.position), ("Beta2", 2));

    owner.add_member_role(bob_id, a.id, None).await.unwrap();
    assert_eq!(owner.member(bob_id).await.unwrap().roles, vec![a.id]);
    owner.delete_role(a.id).await.unwrap();
    assert!(owner.member(bob_id).await.unwrap().roles.is_empty());
    let roles = owner.roles().await.unwrap();
    assert_eq!(order(roles.clone()), ["@everyone", "Beta2", "Gamma"]);
    assert_eq!(
        roles.iter().map(|r| r.position).collect::<Vec<_>>(),
        [0, 1, 2],
        "positions close up after a delete"
    );

    // Bob saw it all happen.
    let mut seen = Vec::new();
    while let Some((_, ev)) = gw.next_dispatch(std::time::Duration::from_secs(2)).await {
        let tag = match ev {
            Dispatch::RoleCreate(r) => format!("create {}", r.name),
            Dispatch::RoleUpdate(r) if r.id == b.id && r.name == "Beta2" => "update Beta2".into(),
            Dispatch::RoleDelete(r) if r.id == a.id => "delete Alpha".into(),
            Dispatch::MemberUpdate(m) if m.user.id == bob_id => {
                format!("member roles {}", m.roles.len())
            }
            _ => continue,
        };
        let last = tag == "member roles 0";
        seen.push(tag);
        if last {
            break;
        }
    }
    for want in [
        "create Alpha",
        "create Beta",
        "create Gamma",
        "update Beta2",
        "member roles 1",
        "delete Alpha",
        "member roles 0",
    ] {
        assert!(seen.iter().any(|s| s == want), "{want} in {seen:?}");
    }
}
