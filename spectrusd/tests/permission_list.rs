//! `GET /api/v1/permissions`: the server's own permission list with one-line descriptions
//! (the browser's role and channel editors show them), for logged-in accounts only.

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
