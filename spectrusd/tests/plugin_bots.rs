//! Plugin bots, signed event webhooks and slash commands against the real daemon, a local
//! fake of GitHub's raw-content host and a webhook receiver started here that checks every
//! signature with the server's public key: the bot acts with its token and exactly its grant,
//! sees no hidden channel, stops at disable, rotation and removal; events arrive signed and
//! only when the bot may see them, and are retried; commands are answered, deferred and
//! followed up, and refused with the contract's codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper::Method;
use serde_json::{Value, json};
use spectrus_client::{Client, Gateway};
use spectrus_proto::Id;
use spectrus_proto::permissions::{Permission, PermissionSet};
use spectrus_proto::rest::OverwriteBody;
use spectrus_testkit::fake_github::FakeGithub;
use spectrus_testkit::{TestDaemon, code, eventually, general, metrics};
use spectrusctl::AdminClient;

const WAIT: Duration = Duration::from_secs(10);

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// One POST the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
    verified: bool,
}

/// The plugin side: checks signatures, records what arrives, answers commands.
#[derive(Default)]
struct Receiver {
    public_key: Mutex<Option<String>>,
    got: Mutex<Vec<Received>>,
    /// Requests still to refuse with 500.
    fail_next: AtomicUsize,
}

impl Receiver {
    fn events(&self, name: &str) -> Vec<Value> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.headers["x-spectrus-event"] == name)
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect()
    }
    fn message_contents(&self) -> Vec<String> {
        self.events("MESSAGE_CREATE")
            .iter()
            .map(|e| e["data"]["content"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).unwrap())
        .collect()
}

/// Checks `X-Signature-Ed25519` over `X-Signature-Timestamp` + body with the public key.
fn verify(key_hex: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let (Some(sig), Some(ts)) = (
        headers.get("x-signature-ed25519"),
        headers.get("x-signature-timestamp"),
    ) else {
        return false;
    };
    let mut msg = ts.as_bytes().to_vec();
    msg.extend_from_slice(body);
    UnparsedPublicKey::new(&ED25519, unhex(key_hex))
        .verify(&msg, &unhex(sig.to_str().unwrap()))
        .is_ok()
}

async fn hook(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> Response {
    let key = r.public_key.lock().unwrap().clone().unwrap_or_default();
    let verified = verify(&key, &headers, &body);
    r.got.lock().unwrap().push(Received {
        headers: headers.clone(),
        body: body.clone(),
        verified,
    });
    if !verified {
        return (StatusCode::UNAUTHORIZED, "bad signature").into_response();
    }
    if r.fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return (StatusCode::INTERNAL_SERVER_ERROR, "down").into_response();
    }
    let v: Value = serde_json::from_slice(&body).unwrap();
    match v["type"].as_u64() {
        Some(2) => match v["command"].as_str().unwrap() {
            "echo" => axum::Json(json!({"type": 4, "data": {"content": v["options"]["text"]}}))
                .into_response(),
            "later" => axum::Json(json!({"type": 5})).into_response(),
            "slow" => {
                tokio::time::sleep(Duration::from_secs(5)).await;
                axum::Json(json!({"type": 5})).into_response()
            }
            _ => axum::Json(json!({"type": 42})).into_response(),
        },
        _ => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn receiver() -> (String, Arc<Receiver>) {
    let r = Arc::new(Receiver::default());
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(r.clone());
    (format!("{}/hook", serve(app).await), r)
}

fn manifest(id: &str, webhook: &str) -> String {
    json!({
        "id": id, "name": "Echo", "version": "1.0.0", "description": "Says it back.",
        "author": "Acme",
        "permissions": ["messages:send", "messages:read_history"],
        "events": ["MESSAGE_CREATE"],
        "webhook_url": webhook,
        "commands": [
            {"name": "echo", "description": "Repeat text",
             "options": [{"name": "text", "description": "What to say", "type": "string", "required": true},
                         {"name": "times", "description": "How often", "type": "integer"},
                         {"name": "loud", "description": "Shout", "type": "boolean"},
                         {"name": "who", "description": "To whom", "type": "user"},
                         {"name": "where", "description": "Where", "type": "channel"}]},
            {"name": "later", "description": "Answer later"},
            {"name": "slow", "description": "Too slow"},
            {"name": "odd", "description": "Answers nonsense"}
        ]
    })
    .to_string()
}

struct Setup {
    d: TestDaemon,
    admin: AdminClient,
    owner: Client,
    github: FakeGithub,
    hook: Arc<Receiver>,
    hook_url: String,
    http: reqwest::Client,
}

async fn setup(env: &[(&str, &str)]) -> Setup {
    let github = FakeGithub::start().await.unwrap();
    let (hook_url, hook) = receiver().await;
    let mut all = vec![("SPECTRUS_GITHUB_RAW_URL", github.url())];
    all.extend_from_slice(env);
    let d = TestDaemon::start_with(&all).await.unwrap();
    let owner = d.owner().await.unwrap();
    Setup {
        admin: AdminClient::new(d.admin_socket()),
        d,
        owner,
        github,
        hook,
        hook_url,
        http: reqwest::Client::new(),
    }
}

impl Setup {
    fn publish(&self, repo: &str, body: String) {
        self.github
            .publish(&format!("acme/{repo}/HEAD/spectrus-plugin.json"), &body);
    }

    /// Installs `acme/{id}` (webhook: the receiver); answers the install result.
    async fn install(&self, id: &str) -> Value {
        self.install_with(id, &self.hook_url.clone()).await
    }

    async fn install_with(&self, id: &str, webhook: &str) -> Value {
        self.publish(id, manifest(id, webhook));
        let v = self
            .admin
            .call(
                Method::POST,
                "/plugins",
                Some(&json!({"source": format!("acme/{id}")})),
            )
            .await
            .unwrap();
        *self.hook.public_key.lock().unwrap() = Some(v["public_key"].as_str().unwrap().into());
        v
    }

    async fn admin_post(&self, route: &str) -> Value {
        self.admin
            .call(Method::POST, route, None::<&()>)
            .await
            .unwrap()
    }

    /// A request to the public API with `Authorization: <auth>`.
    async fn api(
        &self,
        method: Method,
        path: &str,
        auth: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap();
        let mut req = self.http.request(m, format!("{}/api/v1{path}", self.d.url));
        if !auth.is_empty() {
            req = req.header("authorization", auth);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Invokes slash command `command` (no options) in `channel` as `auth`.
    async fn interact(&self, channel: Id, auth: &str, command: &str) -> (u16, Value) {
        self.api(
            Method::POST,
            &format!("/channels/{channel}/interactions"),
            auth,
            Some(json!({ "command": command })),
        )
        .await
    }

    fn owner_auth(&self) -> String {
        format!("Bearer {}", self.owner.access_token().unwrap())
    }

    /// A channel @everyone cannot view.
    async fn hidden_channel(&self) -> Id {
        let ch = spectrus_testkit::text_channel(&self.owner, "hidden").await;
        spectrus_testkit::hide_from_everyone(&self.owner, ch).await;
        ch
    }
}

/// A `502 plugin_unavailable` answer whose message says `says`.
fn assert_unavailable(status: u16, e: &Value, says: &str) {
    assert_eq!(status, 502, "{e}");
    assert_eq!(e["error"]["code"], "plugin_unavailable");
    let message = e["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(says), "{e}");
}

fn bot(token: &str) -> String {
    format!("Bot {token}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_acts_with_its_token_and_only_its_grant() {
    let mut s = setup(&[]).await;
    let installed = s.install("echo").await;
    let token = installed["bot_token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 43, "32 random bytes at least: {token}");
    let key = installed["public_key"].as_str().unwrap();
    assert_eq!(key.len(), 64, "{installed}");
    let bot_id = installed["plugin"]["bot_id"].as_str().unwrap().to_owned();
    let general = general(&s.owner).await;

    // It posts with its token; the message says it is a bot's.
    let (st, m) = s
        .api(
            Method::POST,
            &format!("/channels/{general}/messages"),
            &bot(&token),
            Some(json!({"content": "beep"})),
        )
        .await;
    assert_eq!(st, 201, "{m}");
    assert_eq!(m["author"]["bot"], true, "{m}");
    assert_eq!(m["author"]["username"], "echo");
    let history = s.owner.messages(general, Default::default()).await.unwrap();
    assert!(history.iter().any(|h| h.content == "beep" && h.author.bot));
    let member = s.owner.member(Id(bot_id.parse().unwrap())).await.unwrap();
    assert!(member.user.bot);
    assert!(!s.owner.me().await.unwrap().bot);

    // Its role holds exactly the grant, and people cannot edit or delete it.
    let role = s
        .owner
        .roles()
        .await
        .unwrap()
        .into_iter()
        .find(|r| member.roles.contains(&r.id))
        .unwrap();
    let names: Vec<&str> = role
        .permissions
        .to_vec()
        .iter()
        .map(|p| p.as_str())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"messages:send") && names.contains(&"messages:read_history"));
    let (st, e) = s
        .api(
            Method::DELETE,
            &format!("/roles/{}", role.id),
            &s.owner_auth(),
            None,
        )
        .await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (409, Some("managed_role")),
        "{e}"
    );
    let (st, _) = s
        .api(
            Method::PATCH,
            &format!("/roles/{}", role.id),
            &s.owner_auth(),
            Some(json!({"permissions": ["administrator"]})),
        )
        .await;
    assert_eq!(st, 409);

    // Outside its grant: 403; a hidden channel stays 404 for it.
    let alice = s.d.member(&s.owner, "alice").await.unwrap();
    let alice_id = alice.me().await.unwrap().id;
    let (st, e) = s
        .api(
            Method::DELETE,
            &format!("/members/{alice_id}"),
            &bot(&token),
            None,
        )
        .await;
    assert_eq!(st, 403, "{e}");
    assert_eq!(e["error"]["code"], "missing_permission");
    let hidden = s.hidden_channel().await;
    for path in [
        format!("/channels/{hidden}/messages"),
        format!("/channels/{hidden}"),
    ] {
        let (st, e) = s.api(Method::GET, &path, &bot(&token), None).await;
        assert_eq!(st, 404, "{path}: {e}");
    }

    // The gateway takes the bot token in identify.
    let gw_client = s.d.client();
    gw_client.set_tokens(Some(bot(&token)), None);
    let gw = Gateway::connect(&gw_client).await.unwrap();
    assert_eq!(gw.ready().user.id.to_string(), bot_id);
    assert!(!gw.ready().channels.iter().any(|c| c.id == hidden));
    drop(gw);

    // Disabled: 401; enabled again: works.
    s.admin_post("/plugins/echo/disable").await;
    let (st, e) = s.api(Method::GET, "/channels", &bot(&token), None).await;
    assert_eq!(st, 401, "{e}");
    s.admin_post("/plugins/echo/enable").await;
    let (st, _) = s.api(Method::GET, "/channels", &bot(&token), None).await;
    assert_eq!(st, 200);

    // Rotation: the old token stops, the new one works.
    let rotated = s.admin_post("/plugins/echo/token").await;
    let new_token = rotated["bot_token"].as_str().unwrap();
    assert_eq!(rotated["public_key"].as_str().unwrap(), key);
    assert_ne!(new_token, token);
    assert_eq!(
        s.api(Method::GET, "/channels", &bot(&token), None).await.0,
        401
    );
    assert_eq!(
        s.api(Method::GET, "/channels", &bot(new_token), None)
            .await
            .0,
        200
    );
    // A made-up token, or a bot token as a Bearer token, is refused.
    assert_eq!(
        s.api(Method::GET, "/channels", &bot("nope"), None).await.0,
        401
    );
    assert_eq!(
        s.api(
            Method::GET,
            "/channels",
            &format!("Bearer {new_token}"),
            None
        )
        .await
        .0,
        401
    );

    // A restart keeps the bot, its token and the signing key.
    s.d.restart().await.unwrap();
    assert_eq!(
        s.api(Method::GET, "/channels", &bot(new_token), None)
            .await
            .0,
        200
    );
    let shown = s.admin.get_as::<Value>("/plugins/echo").await.unwrap();
    assert_eq!(shown["public_key"].as_str().unwrap(), key);

    // No password logs in as the bot.
    let (st, e) = s
        .api(
            Method::POST,
            "/auth/login",
            "",
            Some(json!({"username": "echo", "password": "whatever-it-is"})),
        )
        .await;
    assert_eq!(st, 401, "{e}");
    assert_eq!(e["error"]["code"], "unauthorized");

    // An update grants what the new manifest asks for, on the same role.
    let mut v2: Value = serde_json::from_str(&manifest("echo", &s.hook_url)).unwrap();
    v2["permissions"] = json!(["messages:send", "members:kick"]);
    s.publish("echo", v2.to_string());
    s.admin
        .call(
            Method::POST,
            "/plugins",
            Some(&json!({"source": "acme/echo"})),
        )
        .await
        .unwrap();
    let after = s
        .owner
        .roles()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == role.id)
        .unwrap();
    assert!(after.permissions.contains(Permission::MembersKick));
    assert!(!after.permissions.contains(Permission::MessagesReadHistory));
    let (st, e) = s
        .api(
            Method::DELETE,
            &format!("/members/{alice_id}"),
            &bot(new_token),
            None,
        )
        .await;
    assert_eq!(st, 204, "kicking is granted now: {e}");

    // Removal takes the bot's membership and its role; its message stays.
    s.admin
        .call(Method::DELETE, "/plugins/echo", None::<&()>)
        .await
        .unwrap();
    assert_eq!(
        s.api(Method::GET, "/channels", &bot(new_token), None)
            .await
            .0,
        401
    );
    assert_eq!(code(s.owner.member(member.user.id).await), "not_found");
    assert!(
        !s.owner
            .roles()
            .await
            .unwrap()
            .iter()
            .any(|r| r.id == role.id)
    );
    let history = s.owner.messages(general, Default::default()).await.unwrap();
    assert!(history.iter().any(|h| h.content == "beep"));
}

/// A plugin's role says on the wire which plugin manages it (REST and gateway), and every
/// way people could change it answers 409 `managed_role`; reordering stays open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_managed_role_says_so_and_people_cannot_change_it() {
    let s = setup(&[]).await;
    let mut gw = Gateway::connect(&s.owner).await.unwrap();
    s.install("echo").await;
    let created = loop {
        match gw.next_dispatch(WAIT).await {
            Some((_, spectrus_proto::gateway::Dispatch::RoleCreate(r))) => break r,
            Some(_) => continue,
            None => panic!("no ROLE_CREATE for the plugin's role"),
        }
    };
    assert_eq!(created.managed_by.as_deref(), Some("echo"));
    let roles = s.owner.roles().await.unwrap();
    let role = roles.iter().find(|r| r.id == created.id).unwrap();
    assert_eq!(role.managed_by.as_deref(), Some("echo"));
    assert!(
        roles
            .iter()
            .filter(|r| r.id != role.id)
            .all(|r| r.managed_by.is_none()),
        "{roles:?}"
    );
    let bot_id = s
        .owner
        .members(None, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.user.bot)
        .unwrap()
        .user
        .id;
    let alice = s.d.member(&s.owner, "alice").await.unwrap();
    let alice_id = alice.me().await.unwrap().id;
    let auth = s.owner_auth();
    let refused = [
        (
            Method::PATCH,
            format!("/roles/{}", role.id),
            Some(json!({"name": "Not a bot"})),
        ),
        (
            Method::PATCH,
            format!("/roles/{}", role.id),
            Some(json!({"color": "#ff0000"})),
        ),
        (Method::DELETE, format!("/roles/{}", role.id), None),
        (
            Method::PUT,
            format!("/members/{alice_id}/roles/{}", role.id),
            None,
        ),
        (
            Method::DELETE,
            format!("/members/{bot_id}/roles/{}", role.id),
            None,
        ),
        (
            Method::PATCH,
            format!("/members/{alice_id}"),
            Some(json!({"roles": [role.id]})),
        ),
        (
            Method::PATCH,
            format!("/members/{bot_id}"),
            Some(json!({"roles": []})),
        ),
    ];
    for (method, path, body) in refused {
        let (st, e) = s.api(method.clone(), &path, &auth, body.clone()).await;
        assert_eq!(
            (st, e["error"]["code"].as_str()),
            (409, Some("managed_role")),
            "{method} {path} {body:?}: {e}"
        );
        assert!(
            e["error"]["message"].as_str().unwrap().contains("\"echo\""),
            "the message names the plugin: {e}"
        );
    }
    let after = s.owner.roles().await.unwrap();
    let still = after.iter().find(|r| r.id == role.id).unwrap();
    assert_eq!(
        (still.name.as_str(), still.color.as_deref()),
        ("Echo", None)
    );
    assert!(
        s.owner
            .member(bot_id)
            .await
            .unwrap()
            .roles
            .contains(&role.id)
    );
    assert!(
        !s.owner
            .member(alice_id)
            .await
            .unwrap()
            .roles
            .contains(&role.id)
    );

    // Reordering is allowed: a role people made moves below it, and it stays managed.
    let mods = s
        .owner
        .create_role(&spectrus_proto::rest::CreateRole {
            name: "Mods".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let (st, e) = s
        .api(
            Method::PATCH,
            "/roles",
            &auth,
            Some(json!([{"id": role.id, "position": 1}, {"id": mods.id, "position": 2}])),
        )
        .await;
    assert_eq!(st, 200, "{e}");
    let moved = s.owner.roles().await.unwrap();
    let moved = moved.iter().find(|r| r.id == role.id).unwrap();
    assert_eq!(moved.position, 1);
    assert_eq!(moved.managed_by.as_deref(), Some("echo"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_arrive_signed_and_only_when_the_bot_may_see_them() {
    let s = setup(&[]).await;
    s.install("echo").await;
    let general = general(&s.owner).await;
    let hidden = s.hidden_channel().await;
    s.owner.say(hidden, "secret plans").await.unwrap();
    s.owner.say(general, "hello bots").await.unwrap();
    let hook = s.hook.clone();
    assert!(
        eventually(WAIT, || hook
            .message_contents()
            .contains(&"hello bots".into()))
        .await,
        "{:?}",
        hook.got.lock().unwrap()
    );
    let got = s.hook.got.lock().unwrap().clone();
    let r = got
        .iter()
        .find(|r| String::from_utf8_lossy(&r.body).contains("hello bots"))
        .unwrap();
    assert!(r.verified, "the signature checks out");
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(r.headers["x-spectrus-event"], "MESSAGE_CREATE");
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["type"], 0);
    assert_eq!(body["plugin_id"], "echo");
    assert_eq!(body["event"], "MESSAGE_CREATE");
    assert_eq!(
        r.headers["x-spectrus-delivery"],
        body["id"].as_str().unwrap()
    );
    // A tampered body fails the check.
    let key = s.hook.public_key.lock().unwrap().clone().unwrap();
    let mut tampered = r.body.to_vec();
    let at = tampered.len() / 2;
    tampered[at] ^= 1;
    assert!(verify(&key, &r.headers, &r.body));
    assert!(!verify(&key, &r.headers, &tampered));
    // The hidden channel's message never came.
    assert!(
        !s.hook
            .message_contents()
            .iter()
            .any(|c| c == "secret plans")
    );

    // Disabled: nothing is delivered; enabled again: delivery resumes.
    s.admin_post("/plugins/echo/disable").await;
    s.owner.say(general, "while off").await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    s.admin_post("/plugins/echo/enable").await;
    s.owner.say(general, "back on").await.unwrap();
    let hook = s.hook.clone();
    assert!(eventually(WAIT, || hook.message_contents().contains(&"back on".into())).await);
    assert!(!s.hook.message_contents().iter().any(|c| c == "while off"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_webhook_is_retried_marked_unhealthy_then_recovers() {
    let s = setup(&[("SPECTRUS_WEBHOOK_RETRY_FIRST_MS", "200")]).await;
    s.install("echo").await;
    s.hook.fail_next.store(4, Ordering::SeqCst);
    let general = general(&s.owner).await;
    s.owner.say(general, "try again").await.unwrap();
    // After three failures in a row the plugin shows as unhealthy.
    let mut unhealthy = false;
    for _ in 0..50 {
        let list = s.admin.get_as::<Value>("/plugins").await.unwrap();
        if list[0]["healthy"] == false {
            unhealthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(unhealthy, "marked unhealthy while failing");
    let hook = s.hook.clone();
    let tries = move || {
        hook.message_contents()
            .iter()
            .filter(|c| *c == "try again")
            .count()
    };
    assert!(
        eventually(WAIT, || tries() == 5).await,
        "retried until it succeeded"
    );
    // Nothing more once it succeeded.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let attempts: Vec<Value> = s
        .hook
        .events("MESSAGE_CREATE")
        .into_iter()
        .filter(|e| e["data"]["content"] == "try again")
        .collect();
    assert_eq!(attempts.len(), 5, "four refusals, then the delivery");
    assert!(
        attempts.windows(2).all(|w| w[0]["id"] == w[1]["id"]),
        "retries reuse the id"
    );
    let shown = s.admin.get_as::<Value>("/plugins/echo").await.unwrap();
    assert_eq!(shown["healthy"], true, "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_commands_are_answered_deferred_followed_up_and_refused() {
    let s = setup(&[]).await;
    let installed = s.install("echo").await;
    let bot_id = installed["plugin"]["bot_id"].as_str().unwrap().to_owned();
    let general = general(&s.owner).await;
    let alice = s.d.member(&s.owner, "alice").await.unwrap();
    let alice_auth = format!("Bearer {}", alice.access_token().unwrap());
    let invoke = |body: Value| {
        let auth = alice_auth.clone();
        let s = &s;
        async move {
            s.api(
                Method::POST,
                &format!("/channels/{general}/interactions"),
                &auth,
                Some(body),
            )
            .await
        }
    };

    // Any member lists the commands.
    let (st, list) = s.api(Method::GET, "/commands", &alice_auth, None).await;
    assert_eq!(st, 200);
    let names: Vec<&str> = list["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["echo", "later", "odd", "slow"]);
    assert_eq!(list["commands"][0]["bot_id"], bot_id.as_str());
    assert_eq!(list["commands"][0]["plugin_name"], "Echo");

    // Answered: posted by the bot, returned and in history.
    let (st, r) = invoke(
        json!({"command": "echo", "options": {"text": "hi there", "times": 2,
        "loud": true, "where": general.to_string()}}),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["status"], "answered");
    assert_eq!(r["message"]["content"], "hi there");
    assert_eq!(r["message"]["author"]["bot"], true);
    assert_eq!(r["message"]["author"]["id"], bot_id.as_str());
    let sent: Value = serde_json::from_slice(
        &s.hook
            .got
            .lock()
            .unwrap()
            .iter()
            .find(|g| g.headers["x-spectrus-event"] == "INTERACTION")
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(sent["type"], 2);
    assert_eq!(sent["user"]["username"], "alice");
    assert_eq!(sent["channel_id"], general.to_string());

    // Deferred, then followed up with the interaction's token.
    let (st, r) = invoke(json!({"command": "later"})).await;
    assert_eq!((st, r["status"].as_str()), (200, Some("deferred")), "{r}");
    let id = r["id"].as_str().unwrap().to_owned();
    let token = s
        .hook
        .events("INTERACTION")
        .into_iter()
        .find(|e| e["id"] == id.as_str())
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let followup = |id: String, token: String| {
        let s = &s;
        async move {
            let resp = s
                .http
                .post(format!(
                    "{}/api/v1/interactions/{id}/{token}/followup",
                    s.d.url
                ))
                .json(&json!({"content": "done at last"}))
                .send()
                .await
                .unwrap();
            let st = resp.status().as_u16();
            (st, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (st, m) = followup(id.clone(), token.clone()).await;
    assert_eq!(st, 201, "{m}");
    assert_eq!(m["author"]["bot"], true);
    assert_eq!(m["channel_id"], general.to_string());
    // Another interaction's id, or a made-up token: 401.
    let (st, e) = followup(id.clone(), "not-the-token".into()).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (401, Some("invalid_token")),
        "{e}"
    );
    let (st, _) = followup("12345".into(), token.clone()).await;
    assert_eq!(st, 401);

    // Refusals.
    let (st, e) = invoke(json!({"command": "nope"})).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (404, Some("unknown_command")),
        "{e}"
    );
    let (st, e) = invoke(json!({"command": "echo"})).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (400, Some("invalid_options")),
        "{e}"
    );
    assert!(
        e["error"]["message"].as_str().unwrap().contains("text"),
        "{e}"
    );
    for (opts, named) in [
        (json!({"text": 5}), "text"),
        (json!({"text": "x", "times": "two"}), "times"),
        (json!({"text": "x", "loud": "yes"}), "loud"),
        (json!({"text": "x", "who": "99999"}), "who"),
        (json!({"text": "x", "where": "12"}), "where"),
        (json!({"text": "x", "colour": "red"}), "colour"),
    ] {
        let (st, e) = invoke(json!({"command": "echo", "options": opts})).await;
        assert_eq!(st, 400, "{opts}: {e}");
        assert_eq!(e["error"]["code"], "invalid_options");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(named),
            "{e}"
        );
    }
    let (st, e) = invoke(json!({"command": "odd"})).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (502, Some("plugin_unavailable")),
        "{e}"
    );
    let (st, e) = invoke(json!({"command": "slow"})).await;
    assert_eq!(st, 502, "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("3 s"),
        "{e}"
    );
    // Running a command needs messages:send there, like posting.
    let quiet = spectrus_testkit::text_channel(&s.owner, "quiet").await;
    let everyone = s.owner.roles().await.unwrap()[0].id;
    s.owner
        .put_overwrite(
            quiet,
            everyone,
            &OverwriteBody {
                allow: PermissionSet::EMPTY,
                deny: [Permission::MessagesSend].into_iter().collect(),
            },
        )
        .await
        .unwrap();
    let (st, e) = s.interact(quiet, &alice_auth, "later").await;
    assert_eq!(st, 403, "{e}");
    assert_eq!(e["error"]["permission"], "messages:send");
    // A hidden channel is 404 to someone who cannot see it.
    let hidden = s.hidden_channel().await;
    let (st, _) = s.interact(hidden, &alice_auth, "later").await;
    assert_eq!(st, 404);

    // A disabled plugin's commands are gone.
    s.admin_post("/plugins/echo/disable").await;
    let (st, e) = invoke(json!({"command": "later"})).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (404, Some("unknown_command")),
        "{e}"
    );
    let (_, list) = s.api(Method::GET, "/commands", &alice_auth, None).await;
    assert_eq!(list["commands"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_webhook_answers_502() {
    let s = setup(&[]).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    s.install_with("dead", &format!("http://{closed}/hook"))
        .await;
    let general = general(&s.owner).await;
    let (st, e) = s.interact(general, &s.owner_auth(), "later").await;
    assert_unavailable(st, &e, "dead");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_retried_too_long_is_dropped_and_counted_in_metrics() {
    let s = setup(&[
        ("SPECTRUS_WEBHOOK_RETRY_FIRST_MS", "300"),
        ("SPECTRUS_WEBHOOK_GIVE_UP_SECS", "1"),
        ("SPECTRUS_METRICS_ENABLED", "true"),
        ("SPECTRUS_METRICS_BIND", "127.0.0.1:0"),
    ])
    .await;
    let metrics = metrics::url(&s.d)
        .await
        .expect("the metrics address is logged");
    s.install("echo").await;
    s.hook.fail_next.store(1000, Ordering::SeqCst);
    let general = general(&s.owner).await;
    s.owner.say(general, "doomed").await.unwrap();
    let scrape = || async {
        s.http
            .get(&metrics)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let mut dropped = 0.0;
    for _ in 0..100 {
        let text = scrape().await;
        dropped = metrics::sample(&text, "spectrus_webhook_dropped_total");
        if dropped >= 1.0 {
            assert_eq!(
                metrics::sample(&text, "spectrus_webhook_backlog"),
                0.0,
                "{text}"
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(dropped, 1.0, "given up after a second of retries");
    // 300 ms, then 600 ms: the third wait would pass the second allowed.
    let tries = s
        .hook
        .message_contents()
        .iter()
        .filter(|c| *c == "doomed")
        .count();
    assert!((2..=3).contains(&tries), "{tries} attempts");
    let shown = s.admin.get_as::<Value>("/plugins/echo").await.unwrap();
    assert_eq!(shown["healthy"], false, "{shown}");
}

/// The SSRF guard on plugin webhooks: with `plugins.allow_private_webhooks` off, a manifest
/// whose webhook is on a loopback, private or link-local address is refused at preview and
/// install (400 on `webhook_url`, logged); a plugin installed while it was on gets nothing
/// delivered once it is off (each attempt refused and logged), and its commands answer 502
/// saying why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_on_a_private_address_is_refused_unless_the_operator_allows_it() {
    let off = ("SPECTRUS_PLUGINS_ALLOW_PRIVATE_WEBHOOKS", "false");
    let mut s = setup(&[off]).await;
    let hook_url = s.hook_url.clone();
    for url in [
        hook_url.as_str(),
        "http://10.1.2.3/hook",
        "http://192.168.0.7:8080/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:8787/hook",
        "http://localhost:8787/hook",
    ] {
        s.publish("echo", manifest("echo", url));
        for route in ["/plugins/preview", "/plugins"] {
            let e = s
                .admin
                .call(Method::POST, route, Some(&json!({"source": "acme/echo"})))
                .await
                .unwrap_err();
            let spectrusctl::error::CtlError::Api {
                status,
                code,
                message,
            } = &e
            else {
                panic!("{route} {url}: {e:?}");
            };
            assert_eq!(
                (*status, code.as_str()),
                (400, "validation_failed"),
                "{e:?}"
            );
            assert!(
                message.contains("webhook_url")
                    && message.contains("not an address this server connects to")
                    && message.contains("plugins.allow_private_webhooks"),
                "{route} {url}: {message}"
            );
        }
    }
    let installed: Vec<Value> = s.admin.get_as("/plugins").await.unwrap();
    assert!(installed.is_empty(), "{installed:?}");
    assert!(
        s.d.log()
            .iter()
            .any(|l| l.contains("plugin refused: its webhook address")),
        "the refusal is logged"
    );

    // The operator allows it (the plugin runs on this host): installed, events arrive.
    s.d.set_env(off.0, "true");
    s.d.restart().await.unwrap();
    s.install("echo").await;
    let general = general(&s.owner).await;
    s.owner.say(general, "while allowed").await.unwrap();
    assert!(
        eventually(WAIT, || s
            .hook
            .message_contents()
            .contains(&"while allowed".to_owned()))
        .await
    );

    // Turned off again: nothing more reaches the webhook; each attempt is refused and logged.
    s.d.set_env(off.0, "false");
    s.d.restart().await.unwrap();
    s.owner.say(general, "after the switch").await.unwrap();
    assert!(
        eventually(WAIT, || s
            .d
            .log()
            .iter()
            .any(|l| l.contains("webhook delivery refused")
                && l.contains("plugins.allow_private_webhooks")))
        .await,
        "the refused delivery is logged"
    );
    let (st, e) = s.interact(general, &s.owner_auth(), "later").await;
    assert_unavailable(st, &e, "address is refused");
    assert!(
        !s.hook
            .message_contents()
            .contains(&"after the switch".to_owned())
    );
    assert!(
        s.hook.events("INTERACTION").is_empty(),
        "no command reached the webhook"
    );
}
