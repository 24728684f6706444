//! Message search against the real daemon: words and prefixes, every filter, visibility (a
//! member never finds what they cannot read), edits and deletes, bad queries.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spectrus_client::{Client, ClientError, SearchQuery};
use spectrus_proto::Id;
use spectrus_proto::permissions::{Permission, PermissionSet};
use spectrus_proto::rest::{OverwriteBody, SearchResults};
use spectrus_testkit::{TestDaemon, code, general, text_channel};

async fn find(c: &Client, q: &str) -> SearchResults {
    c.search_messages(&SearchQuery::text(q))
        .await
        .unwrap_or_else(|e| panic!("search {q:?} failed: {e}"))
}

/// The contents found, newest first.
async fn contents(c: &Client, q: &str) -> Vec<String> {
    find(c, q)
        .await
        .messages
        .into_iter()
        .map(|h| h.message.content)
        .collect()
}

/// The message a failed search gives for `field`.
fn field_error(r: Result<SearchResults, ClientError>, field: &str) -> String {
    match r {
        Err(ClientError::Api { status, body }) => {
            assert_eq!(status, 400, "{body:?}");
            body.error
                .fields
                .and_then(|f| f.get(field).cloned())
                .unwrap_or_else(|| panic!("no error on {field}"))
        }
        other => panic!("expected a 400, got {other:?}"),
    }
}

#[tokio::test]
async fn finds_by_words_and_prefixes_newest_first_with_match_ranges() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let g = general(&owner).await;
    owner.say(g, "The quick brown fox").await.unwrap();
    owner.say(g, "a lazy dog sleeps").await.unwrap();
    let last = owner.say(g, "😀 Quickly, the FOX jumps").await.unwrap();

    assert_eq!(
        contents(&owner, "fox").await,
        vec!["😀 Quickly, the FOX jumps", "The quick brown fox"]
    );
    // A whole word, or a prefix with `*`; every word must match.
    assert!(contents(&owner, "quic").await.is_empty());
    assert_eq!(
        contents(&owner, "quic* fox").await,
        vec!["😀 Quickly, the FOX jumps", "The quick brown fox"]
    );
    assert_eq!(contents(&owner, "quick dog").await, Vec::<String>::new());
    // A quoted phrase matches whole words in a row.
    assert_eq!(
        contents(&owner, "\"quick brown\"").await,
        vec!["The quick brown fox"]
    );
    assert!(contents(&owner, "\"quic brown\"").await.is_empty());

    let r = find(&owner, "quick* fox").await;
    assert_eq!(r.total, 2);
    let hit = &r.messages[0];
    assert_eq!(hit.message.id, last.id);
    assert_eq!(hit.message.author.username, "owner");
    // Ranges are UTF-16 offsets: the emoji counts two.
    let utf16: Vec<u16> = hit.message.content.encode_utf16().collect();
    let marked: Vec<String> = hit
        .highlights
        .iter()
        .map(|[a, b]| String::from_utf16(&utf16[*a as usize..*b as usize]).unwrap())
        .collect();
    assert_eq!(marked, vec!["Quickly", "FOX"]);

    // FTS syntax in user text is just text.
    for q in [
        "\"fox",
        "fox OR dog",
        "NEAR(fox dog)",
        "fox*",
        "-fox",
        "content:fox",
        "fox (",
        "fox ^",
        "fox \")",
    ] {
        find(&owner, q).await;
    }
    assert_eq!(contents(&owner, "fo*").await.len(), 2);
}

#[tokio::test]
async fn every_filter_narrows_the_results() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let bob_id = bob.me().await.unwrap().id;
    let g = general(&owner).await;
    let random = text_channel(&owner, "random").await;

    let m1 = owner.say(g, "report one").await.unwrap();
    let m2 = bob
        .say(g, "report two, see https://example.com/r")
        .await
        .unwrap();
    let m3 = owner
        .say(random, &format!("report three for <@{bob_id}>"))
        .await
        .unwrap();
    let m4 = bob.say(random, "report four").await.unwrap();
    let ids = |r: SearchResults| -> Vec<Id> { r.messages.iter().map(|h| h.message.id).collect() };

    assert_eq!(
        ids(find(&owner, "report").await),
        vec![m4.id, m3.id, m2.id, m1.id]
    );
    assert_eq!(
        ids(find(&owner, "report from:bob").await),
        vec![m4.id, m2.id]
    );
    assert_eq!(ids(find(&owner, "from:@BOB").await), vec![m4.id, m2.id]);
    assert_eq!(
        ids(find(&owner, "report in:#random").await),
        vec![m4.id, m3.id]
    );
    assert_eq!(ids(find(&owner, "has:link").await), vec![m2.id]);
    // The index's own filter tokens are not words of the text.
    assert!(find(&owner, "hlink").await.messages.is_empty());
    assert!(
        find(&owner, &format!("a{bob_id}"))
            .await
            .messages
            .is_empty()
    );
    assert_eq!(ids(find(&owner, "mentions:bob").await), vec![m3.id]);
    assert!(find(&owner, "report has:image").await.messages.is_empty());
    assert!(find(&owner, "pinned:true").await.messages.is_empty());
    assert_eq!(find(&owner, "report pinned:false").await.total, 4);
    assert_eq!(find(&owner, "report after:2000-01-01").await.total, 4);
    assert_eq!(find(&owner, "report before:2000-01-01").await.total, 0);

    // The same filters as query parameters.
    let by = |q: SearchQuery| {
        let owner = owner.clone();
        async move { ids(owner.search_messages(&q).await.unwrap()) }
    };
    let mut unknown = SearchQuery::text("report");
    unknown.channel_id = Some(Id(12345));
    assert_eq!(code(owner.search_messages(&unknown).await), "not_found");
    let mut cq = SearchQuery::text("report");
    cq.channel_id = Some(g);
    assert_eq!(by(cq).await, vec![m2.id, m1.id]);
    let mut aq = SearchQuery::text("report");
    aq.author_id = Some(bob_id);
    assert_eq!(by(aq).await, vec![m4.id, m2.id]);
    let mq = SearchQuery {
        mentions: Some(bob_id),
        ..Default::default()
    };
    assert_eq!(by(mq).await, vec![m3.id]);
    let hq = SearchQuery {
        has: Some("link".into()),
        ..Default::default()
    };
    assert_eq!(by(hq).await, vec![m2.id]);
    let mut bq = SearchQuery::text("report");
    bq.before = Some(m3.id.to_string());
    assert_eq!(by(bq).await, vec![m2.id, m1.id]);
    let mut afq = SearchQuery::text("report");
    afq.after = Some(m3.id.to_string());
    assert_eq!(by(afq).await, vec![m4.id, m3.id]);

    // Pages: total counts every match, limit and offset walk them newest first.
    let mut page = SearchQuery::text("report");
    page.limit = Some(3);
    let first = owner.search_messages(&page).await.unwrap();
    assert_eq!(first.total, 4);
    assert_eq!(ids(first), vec![m4.id, m3.id, m2.id]);
    page.offset = Some(3);
    assert_eq!(by(page).await, vec![m1.id]);
}

#[tokio::test]
async fn bad_queries_get_a_clear_400() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let s = |q: &str| {
        let owner = owner.clone();
        let q = SearchQuery::text(q);
        async move { owner.search_messages(&q).await }
    };
    assert!(field_error(s("has:cheese").await, "q").contains("has:link"));
    assert!(field_error(s("x before:someday").await, "q").contains("YYYY-MM-DD"));
    assert!(field_error(s("x pinned:maybe").await, "q").contains("pinned:true"));
    assert!(field_error(s("from:nobody").await, "q").contains("nobody"));
    assert!(field_error(s("in:#nowhere").await, "q").contains("#nowhere"));
    assert!(field_error(s("").await, "q").contains("words"));
    assert!(field_error(s("!!! ???").await, "q").contains("words"));
    let mut q = SearchQuery::text("x");
    q.limit = Some(0);
    assert!(field_error(owner.search_messages(&q).await, "limit").contains("1 to 50"));
    let mut q = SearchQuery::text("x");
    q.has = Some("gif".into());
    field_error(owner.search_messages(&q).await, "has");
    let mut q = SearchQuery::text("x");
    q.after = Some("soon".into());
    field_error(owner.search_messages(&q).await, "after");
}

#[tokio::test]
async fn a_member_never_finds_what_they_cannot_read() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let everyone = owner.roles().await.unwrap()[0].id;
    let g = general(&owner).await;
    let secret = text_channel(&owner, "secret").await;
    let archive = text_channel(&owner, "archive").await;
    owner.say(g, "launch plan public").await.unwrap();
    owner.say(secret, "launch plan secret").await.unwrap();
    owner.say(archive, "launch plan archived").await.unwrap();
    let deny = |p: Permission| OverwriteBody {
        allow: PermissionSet::EMPTY,
        deny: [p].into_iter().collect(),
    };
    owner
        .put_overwrite(secret, everyone, &deny(Permission::ChannelsView))
        .await
        .unwrap();
    // Visible, but its history is not readable: not searchable either.
    owner
        .put_overwrite(archive, everyone, &deny(Permission::MessagesReadHistory))
        .await
        .unwrap();

    assert_eq!(contents(&owner, "launch").await.len(), 3);
    assert_eq!(contents(&bob, "launch").await, vec!["launch plan public"]);
    assert_eq!(find(&bob, "launch").await.total, 1);
    // Filters without words (searched over the rows, not the index) hide them too.
    assert_eq!(find(&bob, "pinned:false").await.total, 1);
    assert_eq!(find(&bob, "from:owner").await.total, 1);
    assert!(
        field_error(
            bob.search_messages(&SearchQuery::text("launch in:#secret"))
                .await,
            "q"
        )
        .contains("#secret")
    );
    let mut q = SearchQuery::text("launch");
    q.channel_id = Some(secret);
    assert_eq!(code(bob.search_messages(&q).await), "not_found");
    q.channel_id = Some(archive);
    assert_eq!(code(bob.search_messages(&q).await), "not_found");

    // Right now: showing the channel again makes its messages findable at once.
    owner.delete_overwrite(secret, everyone).await.unwrap();
    assert_eq!(contents(&bob, "launch").await.len(), 2);
}

#[tokio::test]
async fn edits_and_deletes_keep_the_index_true() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let g = general(&owner).await;
    let m = owner.say(g, "meeting on tuesday").await.unwrap();
    let gone = owner.say(g, "meeting cancelled").await.unwrap();
    owner
        .edit_message(g, m.id, "meeting on friday")
        .await
        .unwrap();
    owner.delete_message(g, gone.id).await.unwrap();

    assert!(contents(&owner, "tuesday").await.is_empty());
    assert_eq!(contents(&owner, "friday").await, vec!["meeting on friday"]);
    assert!(contents(&owner, "cancelled").await.is_empty());
    assert_eq!(contents(&owner, "meeting").await, vec!["meeting on friday"]);

    // A deleted channel's messages go with it.
    let tmp = text_channel(&owner, "tmp").await;
    owner.say(tmp, "ephemeral words").await.unwrap();
    assert_eq!(contents(&owner, "ephemeral").await.len(), 1);
    owner.delete_channel(tmp).await.unwrap();
    assert!(contents(&owner, "ephemeral").await.is_empty());
}
