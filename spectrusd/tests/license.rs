//! The premium licence against a local fake of Keygen's API (its documented JSON): activation
//! with machine activation (and "fingerprint already taken"), each refusal code in words, no
//! answer (5xx, 429, a hang, a closed port), the 7-day offline grace on a moved clock, a
//! definite "not valid" ending premium at once, signed offline files (and tampered ones),
//! premium branding applied and kept through a lapse, and the key never in the daemon's log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hyper::Method;
use serde_json::{Value, json};
use spectrus_proto::admin::{AdvanceClock, LicenseState, LicenseStatus};
use spectrus_proto::model::Branding;
use spectrus_proto::rest::PatchServer;
use spectrus_testkit::{TestDaemon, code};
use spectrusctl::{AdminClient, CtlError};

const ACCOUNT: &str = "spectrus-test";
const KEY: &str = "SPECTRUS-TEST-KEY-9F3A-77C1-B2D4";
const DAY: i64 = 86_400;

/// How the fake Keygen answers.
#[derive(Clone, Debug, PartialEq)]
enum Mode {
    /// Valid once this fingerprint is activated; `NO_MACHINE` before.
    Machines,
    /// `NO_MACHINE`, then the activation answers 422 "has already been taken", then valid.
    AlreadyTaken,
    /// `valid: false` with this code.
    Invalid(&'static str),
    /// HTTP 500 / 429.
    Status(u16),
    /// No answer for 30 s.
    Hang,
}

struct Fake {
    mode: Mode,
    machines: HashSet<String>,
    /// Authorization headers of activation requests, and their fingerprints.
    activations: Vec<(String, String)>,
    validations: usize,
}

type Shared = Arc<Mutex<Fake>>;

fn license_data(key: &str) -> Value {
    json!({"id": "lic-0001", "type": "licenses", "attributes": {
        "name": "Night Owls licence", "key": key, "expiry": "2099-01-01T00:00:00Z",
        "status": "ACTIVE", "metadata": {"plan": "Pro"}}})
}

fn invalid(code: &str, key: &str) -> Response {
    Json(
        json!({"meta": {"valid": false, "code": code, "detail": format!("fake: {code}")},
        "data": license_data(key)}),
    )
    .into_response()
}

async fn validate_key(
    State(fake): State<Shared>,
    Path(account): Path<String>,
    body: String,
) -> Response {
    if account != ACCOUNT {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"errors": [{"code": "NOT_FOUND"}]})),
        )
            .into_response();
    }
    let body: Value = serde_json::from_str(&body).unwrap();
    let key = body["meta"]["key"].as_str().unwrap().to_owned();
    let fp = body["meta"]["scope"]["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    let mode = {
        let mut f = fake.lock().unwrap();
        f.validations += 1;
        f.mode.clone()
    };
    if key != KEY {
        return Json(json!({"meta": {"valid": false, "code": "NOT_FOUND", "detail": "does not exist"}, "data": null}))
            .into_response();
    }
    match mode {
        Mode::Machines | Mode::AlreadyTaken => {
            if fake.lock().unwrap().machines.contains(&fp) {
                Json(
                    json!({"meta": {"valid": true, "code": "VALID", "detail": "is valid"},
                    "data": license_data(&key)}),
                )
                .into_response()
            } else {
                invalid("NO_MACHINE", &key)
            }
        }
        Mode::Invalid(code) => invalid(code, &key),
        Mode::Status(s) => StatusCode::from_u16(s).unwrap().into_response(),
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            StatusCode::OK.into_response()
        }
    }
}

async fn activate_machine(
    State(fake): State<Shared>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: Value = serde_json::from_str(&body).unwrap();
    let fp = body["data"]["attributes"]["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        body["data"]["relationships"]["license"]["data"]["id"],
        "lic-0001"
    );
    let mut f = fake.lock().unwrap();
    f.activations.push((auth.clone(), fp.clone()));
    if auth != format!("License {KEY}") {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"errors": [{"code": "TOKEN_INVALID"}]})),
        )
            .into_response();
    }
    f.machines.insert(fp);
    if f.mode == Mode::AlreadyTaken {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"errors": [{"title": "Unprocessable resource",
                "detail": "has already been taken", "code": "FINGERPRINT_TAKEN",
                "source": {"pointer": "/data/attributes/fingerprint"}}]})),
        )
            .into_response();
    }
    (
        StatusCode::CREATED,
        Json(json!({"data": {"type": "machines", "id": "m-1"}})),
    )
        .into_response()
}

async fn delete_machine(
    State(fake): State<Shared>,
    Path((_, fp)): Path<(String, String)>,
) -> StatusCode {
    fake.lock().unwrap().machines.remove(&fp);
    StatusCode::NO_CONTENT
}

/// Starts the fake Keygen on a loopback port.
async fn fake_keygen(mode: Mode) -> (String, Shared) {
    let fake = Arc::new(Mutex::new(Fake {
        mode,
        machines: HashSet::new(),
        activations: Vec::new(),
        validations: 0,
    }));
    let app = axum::Router::new()
        .route(
            "/v1/accounts/{account}/licenses/actions/validate-key",
            post(validate_key),
        )
        .route("/v1/accounts/{account}/machines", post(activate_machine))
        .route(
            "/v1/accounts/{account}/machines/{fp}",
            delete(delete_machine),
        )
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, fake)
}

async fn daemon(keygen_url: &str, public_key: &str) -> TestDaemon {
    TestDaemon::start_with(&[
        ("SPECTRUS_KEYGEN_URL", keygen_url),
        ("SPECTRUS_KEYGEN_ACCOUNT", ACCOUNT),
        ("SPECTRUS_KEYGEN_PUBLIC_KEY", public_key),
        ("SPECTRUS_DEBUG_LICENSE_CLOCK", "true"),
    ])
    .await
    .unwrap()
}

fn admin(d: &TestDaemon) -> AdminClient {
    AdminClient::new(d.admin_socket())
}

async fn status(a: &AdminClient) -> LicenseStatus {
    a.get_as("/license").await.unwrap()
}

async fn activate(a: &AdminClient, key: &str) -> Result<LicenseStatus, CtlError> {
    let v = a
        .call(
            Method::POST,
            "/license/activate",
            Some(&json!({"key": key})),
        )
        .await?;
    Ok(serde_json::from_value(v).unwrap())
}

async fn refresh(a: &AdminClient) -> LicenseStatus {
    let v = a
        .call(Method::POST, "/license/refresh", None::<&()>)
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

async fn advance(a: &AdminClient, seconds: i64) -> LicenseStatus {
    let v = a
        .call(
            Method::POST,
            "/debug/license-clock",
            Some(&AdvanceClock { seconds }),
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

fn api_error(e: CtlError) -> (u16, String, String) {
    match e {
        CtlError::Api {
            status,
            code,
            message,
        } => (status, code, message),
        other => panic!("not an API error: {other:?}"),
    }
}

fn set_mode(fake: &Shared, mode: Mode) {
    fake.lock().unwrap().mode = mode;
}

fn branding() -> PatchServer {
    PatchServer {
        branding: Some(Branding {
            app_name: Some("Owl Chat".into()),
            accent_color: Some("#ff8800".into()),
            logo_url: Some("https://example.com/owl.png".into()),
        }),
        ..Default::default()
    }
}

#[tokio::test]
async fn activation_grace_and_a_definite_no() {
    let (url, fake) = fake_keygen(Mode::Machines).await;
    let d = daemon(&url, &"0".repeat(64)).await;
    let a = admin(&d);
    let owner = d.owner().await.unwrap();

    // Free: branding is refused in words saying what to do.
    assert!(!owner.server().await.unwrap().premium);
    let refused = owner.patch_server(&branding()).await;
    let text = format!("{refused:?}");
    assert_eq!(code(refused), "premium_required");
    assert!(text.contains("spectrusctl license activate"), "{text}");
    assert_eq!(status(&a).await.state, LicenseState::None);

    // Activation: NO_MACHINE, so the daemon activates this server with the key and validates again.
    let s = activate(&a, KEY).await.unwrap();
    assert!(s.premium, "{s:?}");
    assert_eq!(s.state, LicenseState::Valid);
    assert_eq!(s.plan.as_deref(), Some("Pro"));
    assert_eq!(s.key.as_deref(), Some("KEY-…B2D4"));
    assert_eq!(s.expires_at.as_deref(), Some("2099-01-01T00:00:00Z"));
    let fingerprint = std::fs::read_to_string(d.data_dir.join("license-fingerprint")).unwrap();
    {
        let f = fake.lock().unwrap();
        assert_eq!(
            f.activations,
            vec![(format!("License {KEY}"), fingerprint.trim().to_owned())]
        );
        assert_eq!(f.validations, 2);
    }

    // Premium: branding applies.
    let info = owner.patch_server(&branding()).await.unwrap();
    assert!(info.premium);
    assert_eq!(info.branding.app_name.as_deref(), Some("Owl Chat"));
    let bad = owner
        .patch_server(&PatchServer {
            branding: Some(Branding {
                accent_color: Some("orange".into()),
                logo_url: Some("javascript:alert(1)".into()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await;
    let text = format!("{bad:?}");
    assert_eq!(code(bad), "validation_failed");
    assert!(
        text.contains("branding.accent_color") && text.contains("branding.logo_url"),
        "{text}"
    );

    // Keygen answers 500, then 429: the last good check counts for 7 days.
    set_mode(&fake, Mode::Status(500));
    let s = refresh(&a).await;
    assert!(s.premium);
    assert_eq!(s.code, "UNREACHABLE");
    assert!(s.message.contains("7 days"), "{}", s.message);
    set_mode(&fake, Mode::Status(429));
    assert!(refresh(&a).await.premium);
    assert!(advance(&a, 6 * DAY).await.premium);
    assert!(
        refresh(&a).await.premium,
        "6 days without Keygen: still premium"
    );
    let s = advance(&a, 2 * DAY).await;
    assert!(!s.premium, "8 days without Keygen: lapsed");
    assert_eq!(s.state, LicenseState::Lapsed);
    let info = owner.server().await.unwrap();
    assert!(!info.premium);
    assert_eq!(
        info.branding,
        Branding::default(),
        "a lapse stops applying branding"
    );
    assert_eq!(
        code(owner.patch_server(&branding()).await),
        "premium_required"
    );
    // Nothing else breaks.
    let general = spectrus_testkit::general(&owner).await;
    owner
        .send_message(
            general,
            &spectrus_proto::rest::CreateMessage {
                content: "still here".into(),
                reply_to: None,
                nonce: None,
            },
        )
        .await
        .unwrap();

    // Keygen back: premium again, with the branding stored before.
    set_mode(&fake, Mode::Machines);
    let s = refresh(&a).await;
    assert!(s.premium, "{s:?}");
    assert_eq!(
        owner
            .server()
            .await
            .unwrap()
            .branding
            .accent_color
            .as_deref(),
        Some("#ff8800")
    );

    // A definite "not valid" ends premium at once, in words.
    set_mode(&fake, Mode::Invalid("SUSPENDED"));
    let s = refresh(&a).await;
    assert!(!s.premium);
    assert_eq!(s.state, LicenseState::Invalid);
    assert_eq!(s.code, "SUSPENDED");
    assert!(s.message.contains("suspended"), "{}", s.message);
    assert!(!owner.server().await.unwrap().premium);

    // `spectrusctl status` carries it too; deactivation forgets the key.
    let st: spectrus_proto::admin::Status = a.get_as("/status").await.unwrap();
    assert_eq!(st.license.state, LicenseState::Invalid);
    a.call(Method::DELETE, "/license", None::<&()>)
        .await
        .unwrap();
    assert_eq!(status(&a).await.state, LicenseState::None);
    assert!(
        fake.lock().unwrap().machines.is_empty(),
        "the machine was deactivated"
    );

    // The audit log has the operator's licence actions.
    let audit: Value = a.get("/audit-log").await.unwrap();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"license.activate") && actions.contains(&"license.deactivate"),
        "{actions:?}"
    );

    // The key never reached the log.
    let log = d.log().join("\n");
    assert!(log.contains("KEY-…B2D4"), "the masked key is logged: {log}");
    assert!(!log.contains(KEY), "the licence key is in the log");
    assert!(
        !log.contains("SPECTRUS-TEST-KEY"),
        "part of the key is in the log"
    );
}

#[tokio::test]
async fn already_taken_counts_as_activated() {
    let (url, fake) = fake_keygen(Mode::AlreadyTaken).await;
    let d = daemon(&url, &"0".repeat(64)).await;
    let s = activate(&admin(&d), KEY).await.unwrap();
    assert!(s.premium, "{s:?}");
    assert_eq!(fake.lock().unwrap().activations.len(), 1);
}

#[tokio::test]
async fn refusals_and_silence_store_nothing() {
    let (url, fake) = fake_keygen(Mode::Invalid("EXPIRED")).await;
    let d = daemon(&url, &"0".repeat(64)).await;
    let a = admin(&d);
    for (mode, words) in [
        ("EXPIRED", "expired"),
        ("SUSPENDED", "suspended"),
        ("OVERDUE", "overdue"),
        ("BANNED", "banned"),
        ("TOO_MANY_MACHINES", "as many servers as it allows"),
        ("HEARTBEAT_DEAD", "heartbeats"),
        ("PRODUCT_SCOPE_MISMATCH", "another product"),
        ("SOMETHING_NEW", "SOMETHING_NEW"),
    ] {
        set_mode(&fake, Mode::Invalid(mode));
        let (status_code, code, message) = api_error(activate(&a, KEY).await.unwrap_err());
        assert_eq!(
            (status_code, code.as_str()),
            (422, "license_refused"),
            "{mode}"
        );
        assert!(message.contains(words), "{mode}: {message}");
    }
    // An unknown key: NOT_FOUND, with what to check.
    let (_, _, message) = api_error(activate(&a, "NOT-A-REAL-KEY-0000").await.unwrap_err());
    assert!(
        message.contains("does not know this licence key"),
        "{message}"
    );
    // No answer: 5xx, 429, a hang (the 5 s timeout).
    for mode in [Mode::Status(503), Mode::Status(429), Mode::Hang] {
        set_mode(&fake, mode.clone());
        let started = std::time::Instant::now();
        let (status_code, code, message) = api_error(activate(&a, KEY).await.unwrap_err());
        assert_eq!(
            (status_code, code.as_str()),
            (502, "keygen_unreachable"),
            "{mode:?}"
        );
        assert!(message.contains("could not be reached"), "{message}");
        assert!(started.elapsed() < Duration::from_secs(20), "{mode:?}");
    }
    let s = status(&a).await;
    assert_eq!(s.state, LicenseState::None);
    assert!(!s.premium);
    assert!(
        s.message.contains("spectrusctl license activate"),
        "{}",
        s.message
    );
    // A bad key shape is a validation error naming the field.
    let (status_code, code, _) = api_error(activate(&a, "x").await.unwrap_err());
    assert_eq!((status_code, code.as_str()), (400, "validation_failed"));
    // The clock cannot be moved without debug.license_clock.
    let plain = TestDaemon::start().await.unwrap();
    let (status_code, _, _) = api_error(
        admin(&plain)
            .call(
                Method::POST,
                "/debug/license-clock",
                Some(&AdvanceClock { seconds: 1 }),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(status_code, 404);
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let d = daemon(&format!("http://{closed}"), &"0".repeat(64)).await;
    let (status_code, code, _) = api_error(activate(&admin(&d), KEY).await.unwrap_err());
    assert_eq!((status_code, code.as_str()), (502, "keygen_unreachable"));
}

/// A Keygen-format offline file signed by `pair`; encrypted with `key` when given.
fn licence_file(pair: &Ed25519KeyPair, payload: &Value, key: Option<&str>) -> String {
    let plain = payload.to_string();
    let (enc, alg) = match key {
        None => (STANDARD.encode(&plain), "base64+ed25519"),
        Some(key) => {
            let aes = digest(&SHA256, key.as_bytes());
            let sealing = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, aes.as_ref()).unwrap());
            let iv: [u8; 12] = rand::random();
            let mut data = plain.into_bytes();
            let tag = sealing
                .seal_in_place_separate_tag(
                    Nonce::assume_unique_for_key(iv),
                    Aad::empty(),
                    &mut data,
                )
                .unwrap();
            (
                format!(
                    "{}.{}.{}",
                    STANDARD.encode(&data),
                    STANDARD.encode(iv),
                    STANDARD.encode(tag.as_ref())
                ),
                "aes-256-gcm+ed25519",
            )
        }
    };
    let sig = STANDARD.encode(pair.sign(format!("license/{enc}").as_bytes()).as_ref());
    let doc = json!({"enc": enc, "sig": sig, "alg": alg}).to_string();
    let body = STANDARD.encode(doc);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN LICENSE FILE-----\n{}\n-----END LICENSE FILE-----\n",
        lines.join("\n")
    )
}

fn payload(issued_days_ago: i64, ttl_days: i64) -> Value {
    let now = time::OffsetDateTime::now_utc();
    let fmt = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let issued = now - time::Duration::days(issued_days_ago);
    json!({
        "meta": {"issued": fmt(issued), "expiry": fmt(issued + time::Duration::days(ttl_days)),
                 "ttl": ttl_days * DAY},
        "data": license_data(KEY),
        "included": [{"type": "policies", "id": "pol-1", "attributes": {"name": "Premium (offline)"}}]
    })
}

async fn import(a: &AdminClient, file: &str, key: Option<&str>) -> Result<LicenseStatus, CtlError> {
    let v = a
        .call(
            Method::POST,
            "/license/import",
            Some(&json!({"file": file, "key": key})),
        )
        .await?;
    Ok(serde_json::from_value(v).unwrap())
}

#[tokio::test]
async fn offline_files_verify_and_expire() {
    let pair = Ed25519KeyPair::generate().unwrap();
    let pk = hex::encode(pair.public_key().as_ref());
    let (url, fake) = fake_keygen(Mode::Machines).await;
    let d = daemon(&url, &pk).await;
    let a = admin(&d);
    let owner = d.owner().await.unwrap();

    // A tampered file: the signed enc changed after signing.
    let good = licence_file(&pair, &payload(1, 30), None);
    let doc: Value = {
        let body: String = good.lines().filter(|l| !l.starts_with("-----")).collect();
        serde_json::from_slice(&STANDARD.decode(body).unwrap()).unwrap()
    };
    let mut forged_payload: Value =
        serde_json::from_slice(&STANDARD.decode(doc["enc"].as_str().unwrap()).unwrap()).unwrap();
    forged_payload["meta"]["expiry"] = json!("2099-01-01T00:00:00Z");
    let forged_doc = json!({"enc": STANDARD.encode(forged_payload.to_string()), "sig": doc["sig"], "alg": doc["alg"]});
    let forged = format!(
        "-----BEGIN LICENSE FILE-----\n{}\n-----END LICENSE FILE-----\n",
        STANDARD.encode(forged_doc.to_string())
    );
    let (status_code, code, message) = api_error(import(&a, &forged, None).await.unwrap_err());
    assert_eq!((status_code, code.as_str()), (422, "license_refused"));
    assert!(message.contains("signature does not match"), "{message}");
    assert_eq!(status(&a).await.state, LicenseState::None, "nothing stored");
    // Signed by another key, expired, not a licence file at all.
    let other = Ed25519KeyPair::generate().unwrap();
    let (_, _, message) = api_error(
        import(&a, &licence_file(&other, &payload(1, 30), None), None)
            .await
            .unwrap_err(),
    );
    assert!(message.contains("signature"), "{message}");
    let (_, _, message) = api_error(
        import(&a, &licence_file(&pair, &payload(40, 30), None), None)
            .await
            .unwrap_err(),
    );
    assert!(message.contains("expired"), "{message}");
    let (_, _, message) = api_error(import(&a, "hello", None).await.unwrap_err());
    assert!(message.contains("not a Keygen licence file"), "{message}");

    // Encrypted: needs the key, refuses a wrong one, opens with the right one.
    let enc = licence_file(&pair, &payload(1, 30), Some(KEY));
    let (_, _, message) = api_error(import(&a, &enc, None).await.unwrap_err());
    assert!(message.contains("encrypted"), "{message}");
    let (_, _, message) = api_error(import(&a, &enc, Some("WRONG-KEY-1234")).await.unwrap_err());
    assert!(message.contains("cannot be decrypted"), "{message}");
    let s = import(&a, &enc, Some(KEY)).await.unwrap();
    assert!(s.premium, "{s:?}");
    assert_eq!(s.source.as_deref(), Some("file"));
    assert_eq!(s.plan.as_deref(), Some("Premium (offline)"));
    assert!(owner.server().await.unwrap().premium);
    // Offline: Keygen is never asked.
    assert!(refresh(&a).await.premium);
    assert_eq!(fake.lock().unwrap().validations, 0);

    // The plain file too; the file's TTL ends premium (29 days left).
    let s = import(&a, &good, None).await.unwrap();
    assert!(s.premium);
    assert!(advance(&a, 28 * DAY).await.premium);
    let s = advance(&a, 2 * DAY).await;
    assert!(!s.premium, "{s:?}");
    assert_eq!(s.state, LicenseState::Expired);
    assert!(s.message.contains("import a fresh one"), "{}", s.message);
    assert!(!owner.server().await.unwrap().premium);

    // Kept across a restart.
    let mut d = d;
    let s = import(
        &admin(&d),
        &licence_file(&pair, &payload(0, 365), None),
        None,
    )
    .await
    .unwrap();
    assert!(s.premium);
    d.restart().await.unwrap();
    assert!(status(&admin(&d)).await.premium);
}
