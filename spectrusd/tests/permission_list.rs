//! What the browser's settings screens need from the server: `GET /api/v1/permissions` (the
//! server's own permission list with one-line descriptions, for logged-in accounts only) and
//! `owner_id` in `GET /server` (nobody moderates the owner, so no control over them is shown).

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::Value;
use spectrus_proto::permissions::Permission;
use spectrus_testkit::TestDaemon;

#[tokio::test]
async fn every_permission_is_listed_with_its_description() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let member = d.member(&owner, "plain").await.unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/permissions", d.url);

    let anon = http.get(&url).send().await.unwrap();
    assert_eq!(anon.status(), StatusCode::UNAUTHORIZED);

    // A plain member may read it too: it only names what exists.
    let resp = http
        .get(&url)
        .bearer_auth(member.access_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let list: Vec<Value> = resp.json().await.unwrap();
    let names: Vec<&str> = list.iter().map(|p| p["name"].as_str().unwrap()).collect();
    let expected: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
    assert_eq!(names, expected);
    let kick = list.iter().find(|p| p["name"] == "members:kick").unwrap();
    assert_eq!(kick["description"], "Remove members from the server");
}

#[tokio::test]
async fn server_info_names_the_owner_once_claimed() {
    let d = TestDaemon::start().await.unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/server", d.url);
    let before: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    assert!(before.get("owner_id").is_none(), "{before}");
    let owner = d.owner().await.unwrap();
    let me: Value = http
        .get(format!("{}/api/v1/users/@me", d.url))
        .bearer_auth(owner.access_token().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let after: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(after["owner_id"], me["id"]);
}
