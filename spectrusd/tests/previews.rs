//! Link previews against the real daemon and a real page server on loopback: the embed
//! arrives by MESSAGE_UPDATE and stays in history, the signed image proxy, the author's
//! suppression, the member's setting; and what is never fetched: loopback, private and
//! link-local links (unless `previews.allow_private`), oversize and slow pages.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use spectrus_client::Gateway;
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::model::Message;
use spectrus_proto::rest::PatchUserSettings;
use spectrus_testkit::{TestDaemon, general};

/// A PNG's first bytes (the proxy checks the content type, not the pixels).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n0000IHDR-not-really-pixels";

/// A page server on 127.0.0.1 counting every request it gets.
struct Pages {
    base: String,
    hits: Arc<AtomicUsize>,
}

async fn pages() -> Pages {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = Router::new()
        .route(
            "/article",
            get(|| async {
                Html(
                    r#"<!doctype html><html><head><title>fallback</title>
                    <meta property="og:title" content="Rust &amp; friends">
                    <meta property="og:description" content="All about <b>crabs</b>">
                    <meta property="og:site_name" content="Crab News">
                    <meta property="og:image" content="/cover.png">
                    <meta property="og:image:width" content="640">
                    </head><body>hello</body></html>"#,
                )
            }),
        )
        .route(
            "/cover.png",
            get(|| async { ([(header::CONTENT_TYPE, "image/png")], PNG) }),
        )
        .route(
            "/big",
            get(|| async {
                let mut page = String::from(r#"<meta property="og:title" content="Too big">"#);
                page.push_str(&"x".repeat(2 * 1024 * 1024));
                Html(page)
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(8)).await;
                Html(r#"<meta property="og:title" content="Too slow">"#).into_response()
            }),
        )
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let counted = counted.clone();
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    next.run(req).await
                }
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Pages {
        base: format!("http://{addr}"),
        hits,
    }
}

/// The next MESSAGE_UPDATE of `id` carrying embeds.
async fn embedded(gw: &mut Gateway, id: spectrus_proto::Id) -> Message {
    loop {
        let (_, ev) = gw
            .next_dispatch(Duration::from_secs(10))
            .await
            .expect("a MESSAGE_UPDATE with the preview");
        if let Dispatch::MessageUpdate(m) = ev
            && m.id == id
            && !m.embeds.is_empty()
        {
            return m;
        }
    }
}

#[tokio::test]
async fn a_link_gets_a_preview_with_a_proxied_image_and_the_author_can_remove_it() {
    let pages = pages().await;
    let d = TestDaemon::start_with(&[("SPECTRUS_PREVIEWS_ALLOW_PRIVATE", "true")])
        .await
        .unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let g = general(&owner).await;
    let mut gw = Gateway::connect(&bob).await.unwrap();

    let link = format!("{}/article", pages.base);
    let posted = owner.say(g, &format!("look: {link} !")).await.unwrap();
    assert!(
        posted.embeds.is_empty(),
        "the post never waits for the page"
    );

    let m = embedded(&mut gw, posted.id).await;
    let e = &m.embeds[0];
    assert_eq!(e.url, link);
    assert_eq!(e.title.as_deref(), Some("Rust & friends"));
    assert_eq!(e.description.as_deref(), Some("All about <b>crabs</b>"));
    assert_eq!(e.site_name.as_deref(), Some("Crab News"));
    let image = e.image.clone().expect("the og:image");
    assert_eq!(image.width, Some(640));
    assert!(
        image.url.starts_with("/api/v1/previews/image?url="),
        "the image goes through the server: {}",
        image.url
    );
    let history = bob.messages(g, Default::default()).await.unwrap();
    let stored = history.iter().find(|h| h.id == posted.id).unwrap();
    assert_eq!(stored.embeds, m.embeds, "the preview is kept in history");

    // The proxy serves the signed URL, with the image's type and nosniff…
    let http = reqwest::Client::new();
    let base = owner.base_url().as_str().trim_end_matches('/').to_owned();
    let resp = http
        .get(format!("{base}{}", image.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), PNG);
    // …and nothing else: not an open proxy.
    let before = pages.hits.load(Ordering::SeqCst);
    let other = format!("{}/cover.png?x=1", pages.base);
    for path in [
        format!("/api/v1/previews/image?url={other}&sig=00"),
        format!(
            "/api/v1/previews/image?url={other}&sig={}",
            image.url.rsplit("sig=").next().unwrap()
        ),
        format!("/api/v1/previews/image?url={other}"),
    ] {
        let status = http
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap()
            .status();
        assert!(
            status == 404 || status == 403 || status == 400,
            "{path}: {status}"
        );
    }
    assert_eq!(pages.hits.load(Ordering::SeqCst), before);

    // Only the author removes the preview; it stays removed.
    assert!(bob.suppress_embeds(g, posted.id, true).await.is_err());
    let m = owner.suppress_embeds(g, posted.id, true).await.unwrap();
    assert!(m.embeds.is_empty() && m.suppress_embeds);
    let history = bob.messages(g, Default::default()).await.unwrap();
    let stored = history.iter().find(|h| h.id == posted.id).unwrap();
    assert!(stored.embeds.is_empty() && stored.suppress_embeds);

    // Links in <…> are not previewed.
    let quiet = owner.say(g, &format!("<{link}>")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let history = bob.messages(g, Default::default()).await.unwrap();
    assert!(
        history
            .iter()
            .find(|h| h.id == quiet.id)
            .unwrap()
            .embeds
            .is_empty()
    );

    // The member's own setting.
    assert!(bob.user_settings().await.unwrap().show_link_previews);
    let s = bob
        .patch_user_settings(&PatchUserSettings {
            show_link_previews: Some(false),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!s.show_link_previews && s.allow_dms);
    assert!(!bob.user_settings().await.unwrap().show_link_previews);
}

#[tokio::test]
async fn oversize_and_slow_pages_get_no_preview_and_do_no_harm() {
    let pages = pages().await;
    let d = TestDaemon::start_with(&[("SPECTRUS_PREVIEWS_ALLOW_PRIVATE", "true")])
        .await
        .unwrap();
    let owner = d.owner().await.unwrap();
    let g = general(&owner).await;
    let mut gw = Gateway::connect(&owner).await.unwrap();
    let big = owner.say(g, &format!("{}/big", pages.base)).await.unwrap();
    let slow = owner.say(g, &format!("{}/slow", pages.base)).await.unwrap();
    // A good link posted after them still gets its preview.
    let good = owner
        .say(g, &format!("{}/article", pages.base))
        .await
        .unwrap();
    embedded(&mut gw, good.id).await;
    // Past the 5 s deadline of the slow page.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let history = owner.messages(g, Default::default()).await.unwrap();
    for id in [big.id, slow.id] {
        let m = history.iter().find(|h| h.id == id).unwrap();
        assert!(m.embeds.is_empty(), "{:?}", m.embeds);
    }
    assert!(pages.hits.load(Ordering::SeqCst) >= 3);
}

#[tokio::test]
async fn a_link_to_a_loopback_private_or_link_local_address_is_not_fetched() {
    let pages = pages().await;
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let g = general(&owner).await;
    let port = pages.base.rsplit(':').next().unwrap().to_owned();
    let mut ids = Vec::new();
    for url in [
        format!("{}/article", pages.base),
        format!("http://localhost:{port}/article"),
        format!("http://[::ffff:127.0.0.1]:{port}/article"),
        format!("http://0x7f000001:{port}/article"),
        "http://10.0.0.1/article".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
    ] {
        ids.push(owner.say(g, &format!("see {url}")).await.unwrap().id);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        pages.hits.load(Ordering::SeqCst),
        0,
        "the page server was reached"
    );
    let history = owner.messages(g, Default::default()).await.unwrap();
    for id in ids {
        assert!(
            history
                .iter()
                .find(|h| h.id == id)
                .unwrap()
                .embeds
                .is_empty()
        );
    }
}
