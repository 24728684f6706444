//! Corners of the wire contract a hostile or careless client reaches: 405s with the JSON
//! error body, permission checks before validation, unknown invites, JSON arrays where an
//! object belongs, invisible characters in names, negative positions.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use spectrus_testkit::{TestDaemon, general};

struct Http {
    http: reqwest::Client,
    base: String,
}

impl Http {
    /// Sends `method path` with `body` as `token`; the status and the JSON answer.
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<no JSON error>")
}

#[tokio::test]
async fn contract_corners() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let bob_id = bob.me().await.unwrap().id;
    let ch = general(&owner).await;
    let h = Http {
        http: reqwest::Client::new(),
        base: d.url.clone(),
    };
    let own = owner.access_token().unwrap();
    let own = Some(own.as_str());
    let bobt = bob.access_token().unwrap();
    let bobt = Some(bobt.as_str());

    // 405 answers the JSON error body, outside /api/v1 too.
    let (s, v) = h.call("POST", "/healthz", None, None).await;
    assert_eq!((s, code(&v)), (405, "method_not_allowed"), "{v}");
    let (s, v) = h.call("DELETE", "/api/v1/server", own, None).await;
    assert_eq!((s, code(&v)), (405, "method_not_allowed"), "{v}");

    // Without members:timeout, a bad timeout is refused for the permission, not the value.
    let (s, v) = h
        .call(
            "PATCH",
            &format!("/api/v1/members/{}", owner.me().await.unwrap().id),
            bobt,
            Some(json!({"timeout_until": "not a time"})),
        )
        .await;
    assert_eq!((s, code(&v)), (403, "missing_permission"), "{v}");
    assert_eq!(v["error"]["permission"], "members:timeout");

    // An invite code that never existed is a 404, for members too.
    let (s, v) = h
        .call("POST", "/api/v1/invites/no-such-code", bobt, None)
        .await;
    assert_eq!((s, code(&v)), (404, "not_found"), "{v}");

    // A JSON array is no PATCH body; the routes that take arrays still do.
    let (s, v) = h
        .call("PATCH", "/api/v1/users/@me", bobt, Some(json!(["bob2"])))
        .await;
    assert_eq!((s, code(&v)), (400, "invalid_body"), "{v}");
    let (s, v) = h
        .call(
            "PATCH",
            &format!("/api/v1/channels/{ch}"),
            own,
            Some(json!(["renamed"])),
        )
        .await;
    assert_eq!((s, code(&v)), (400, "invalid_body"), "{v}");
    let (s, v) = h
        .call(
            "PATCH",
            "/api/v1/channels",
            own,
            Some(json!([{"id": ch.to_string(), "position": 0}])),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    // Negative positions.
    let (s, v) = h
        .call(
            "PATCH",
            "/api/v1/channels",
            own,
            Some(json!([{"id": ch.to_string(), "position": -1}])),
        )
        .await;
    assert_eq!((s, code(&v)), (400, "validation_failed"), "{v}");
    let (s, v) = h
        .call(
            "PATCH",
            &format!("/api/v1/channels/{ch}"),
            own,
            Some(json!({"position": -1})),
        )
        .await;
    assert_eq!((s, code(&v)), (400, "validation_failed"), "{v}");

    // Names: no NUL, control, zero-width or text-direction characters, in any name.
    for bad in [
        "a\u{0}b",
        "bell\u{7}",
        "ad\u{200B}min",
        "\u{202E}gnp.exe",
        "x\u{2066}",
    ] {
        let cases = [
            ("POST", "/api/v1/channels".to_owned(), json!({"name": bad})),
            (
                "PATCH",
                format!("/api/v1/channels/{ch}"),
                json!({"name": bad}),
            ),
            ("POST", "/api/v1/roles".to_owned(), json!({"name": bad})),
            ("PATCH", "/api/v1/server".to_owned(), json!({"name": bad})),
            (
                "PATCH",
                "/api/v1/users/@me".to_owned(),
                json!({"display_name": bad}),
            ),
            (
                "PATCH",
                format!("/api/v1/members/{bob_id}"),
                json!({"nick": bad}),
            ),
        ];
        for (method, path, body) in cases {
            let (s, v) = h.call(method, &path, own, Some(body)).await;
            assert_eq!(
                (s, code(&v)),
                (400, "validation_failed"),
                "{method} {path} {bad:?}: {v}"
            );
        }
    }
    // Names in any script, with emoji, are fine.
    let (s, v) = h
        .call(
            "PATCH",
            &format!("/api/v1/members/{bob_id}"),
            own,
            Some(json!({"nick": "Zoë 日本 ❤️"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
}
