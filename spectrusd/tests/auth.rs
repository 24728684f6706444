//! Accounts and sessions against the real daemon.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spectrus_client::ClientError;
use spectrus_proto::rest::{CreateInvite, PatchMe, RegisterRequest};
use spectrus_testkit::code;
use spectrus_testkit::{PASSWORD, SETUP_CODE, TestDaemon};

fn reg(name: &str) -> RegisterRequest {
    RegisterRequest {
        username: name.into(),
        password: PASSWORD.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn owner_claim_needs_the_setup_code_and_happens_once() {
    let d = TestDaemon::start().await.unwrap();
    let c = d.client();
    assert!(c.server().await.unwrap().setup_required);
    assert_eq!(code(c.register(&reg("mallory")).await), "forbidden");
    let wrong = RegisterRequest {
        setup_code: Some("WRONG-CODE".into()),
        ..reg("mallory")
    };
    assert_eq!(code(c.register(&wrong).await), "forbidden");

    let owner = d.owner().await.unwrap();
    let me = owner.me().await.unwrap();
    assert!(me.owner);
    assert!(!c.server().await.unwrap().setup_required);
    // The code is spent: a second claim is an ordinary registration, which needs an invite.
    let again = RegisterRequest {
        setup_code: Some(SETUP_CODE.into()),
        ..reg("second")
    };
    assert_eq!(code(d.client().register(&again).await), "forbidden");
    // The log told the operator the code.
    assert!(d.log().iter().any(|l| l.contains(SETUP_CODE)));
}

#[tokio::test]
async fn registration_is_invite_only_by_default() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    assert_eq!(code(d.client().register(&reg("bob")).await), "forbidden");
    let bad = RegisterRequest {
        invite: Some("nope".into()),
        ..reg("bob")
    };
    assert_eq!(code(d.client().register(&bad).await), "validation_failed");
    let inv = owner.create_invite(&CreateInvite::default()).await.unwrap();
    assert!(inv.url.starts_with("spectrus://join/127.0.0.1:"));
    assert!(inv.web_url.ends_with(&format!("/invite/{}", inv.code)));
    let preview = d.client().invite_preview(&inv.code).await.unwrap();
    assert_eq!(preview.member_count, 1);
    let ok = RegisterRequest {
        invite: Some(inv.code.clone()),
        ..reg("bob")
    };
    let bob = d.client();
    bob.register(&ok).await.unwrap();
    assert_eq!(bob.me().await.unwrap().username, "bob");
    // Taken usernames and bad input are refused with field errors.
    let dup = RegisterRequest {
        invite: Some(inv.code.clone()),
        ..reg("bob")
    };
    assert_eq!(code(d.client().register(&dup).await), "conflict");
    let bad_name = RegisterRequest {
        username: "Bob Smith".into(),
        password: "short".into(),
        invite: Some(inv.code),
        ..Default::default()
    };
    match d.client().register(&bad_name).await {
        Err(ClientError::Api { body, .. }) => {
            let fields = body.error.fields.unwrap();
            assert!(
                fields.contains_key("username") && fields.contains_key("password"),
                "{fields:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_last_use_of_an_invite_goes_to_exactly_one_racer() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let inv = owner
        .create_invite(&CreateInvite {
            max_uses: Some(1),
            max_age_seconds: None,
        })
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let c = d.client();
        let code = inv.code.clone();
        tasks.push(tokio::spawn(async move {
            c.register(&RegisterRequest {
                invite: Some(code),
                ..reg(&format!("racer{i}"))
            })
            .await
            .is_ok()
        }));
    }
    let mut wins = 0;
    for t in tasks {
        if t.await.unwrap() {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
    let invites = owner.invites().await.unwrap();
    assert_eq!(invites.iter().find(|i| i.code == inv.code).unwrap().uses, 1);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_kills_the_family() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let first_refresh = owner.refresh_token().unwrap();
    let s2 = owner.refresh().await.unwrap();
    assert_ne!(s2.refresh_token, first_refresh);
    assert!(owner.me().await.is_ok());

    // A thief replays the first (already used) refresh token.
    let thief = d.client();
    thief.set_tokens(None, Some(first_refresh));
    assert_eq!(code(thief.refresh().await), "token_reused");
    // The whole family is dead: the current access token and refresh token stop working.
    assert_eq!(code(owner.me().await), "unauthorized");
    assert_eq!(code(owner.refresh().await), "unauthorized");
    // A fresh login works.
    let again = d.client();
    again.login("owner", PASSWORD).await.unwrap();
    assert!(again.me().await.is_ok());
}

#[tokio::test]
async fn login_failures_logout_and_password_change() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    assert_eq!(
        code(d.client().login("owner", "wrong password").await),
        "unauthorized"
    );
    assert_eq!(
        code(d.client().login("nobody", PASSWORD).await),
        "unauthorized"
    );

    let other = d.client();
    other.login("owner", PASSWORD).await.unwrap();
    // Changing the password needs the current one, and ends the other sessions.
    let bad = PatchMe {
        password: Some("new password 1".into()),
        current_password: Some("nope nope".into()),
        ..Default::default()
    };
    assert_eq!(code(owner.patch_me(&bad).await), "validation_failed");
    let good = PatchMe {
        password: Some("new password 1".into()),
        current_password: Some(PASSWORD.into()),
        display_name: Some("The Owner".into()),
    };
    assert_eq!(
        owner.patch_me(&good).await.unwrap().display_name,
        "The Owner"
    );
    assert_eq!(code(other.me().await), "unauthorized");
    assert!(owner.me().await.is_ok());
    d.client().login("owner", "new password 1").await.unwrap();

    let access = owner.access_token();
    let refresh = owner.refresh_token();
    owner.logout().await.unwrap();
    assert!(matches!(owner.me().await, Err(ClientError::NotLoggedIn)));
    // The logged-out session's tokens are dead on the server too.
    let stale = d.client();
    stale.set_tokens(access, refresh);
    assert_eq!(code(stale.me().await), "unauthorized");
    assert_eq!(code(stale.refresh().await), "unauthorized");
}

#[tokio::test]
async fn login_attempts_are_rate_limited_per_address() {
    let d = TestDaemon::start_with(&[]).await.unwrap();
    let _owner = d.owner().await.unwrap();
    let c = d.client();
    let mut limited = None;
    for _ in 0..40 {
        if let Err(e) = c.login("owner", "wrong password").await
            && e.code() == Some("rate_limited")
        {
            limited = Some(e);
            break;
        }
    }
    let e = limited.expect("30 attempts a minute are allowed, 40 are not");
    match e {
        ClientError::Api { status, body } => {
            assert_eq!(status, 429);
            assert!(body.error.retry_after_ms.unwrap() > 0);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn log_out_everywhere_ends_every_session_of_the_caller_only() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let member = d.member(&owner, "alice").await.unwrap();
    let laptop = d.client();
    laptop.login("owner", PASSWORD).await.unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/auth/logout-all", d.url);

    // Without a token: refused, and nothing ends.
    let anon = http.post(&url).send().await.unwrap();
    assert_eq!(anon.status(), 401);
    assert!(laptop.me().await.is_ok());

    let refresh = laptop.refresh_token();
    let r = http
        .post(&url)
        .bearer_auth(owner.access_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // Both of the owner's sessions are dead, the caller's own included...
    assert_eq!(code(owner.me().await), "unauthorized");
    assert_eq!(code(laptop.me().await), "unauthorized");
    let stale = d.client();
    stale.set_tokens(None, refresh);
    assert_eq!(code(stale.refresh().await), "unauthorized");
    // ...another member's is not, and the owner can log in again.
    assert!(member.me().await.is_ok());
    d.client().login("owner", PASSWORD).await.unwrap();
}
