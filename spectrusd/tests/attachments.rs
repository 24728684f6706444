//! Attachments through the real HTTP stack: multipart upload and download round trip, the
//! serving headers, 404 for someone who cannot read the channel, signed URLs (valid, expired,
//! tampered), size limits (413 and nothing left on disk), deletion freeing unreferenced
//! files, a forged content type, and images (size, thumbnail, EXIF stripped, bombs refused).

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use spectrus_client::Client;
use spectrus_proto::Id;
use spectrus_proto::model::Message;
use spectrus_testkit::{TestDaemon, general, hide_from_everyone, text_channel};

const SECRET: &str = "attachments-test-secret-0123456789abcdef";
const BOUNDARY: &str = "spectrus-test-boundary-7MA4YWxkTrZu0gW";

/// A multipart body: `payload_json` (if any) and `files[i]` parts of (name, type, bytes).
fn form(payload: Option<&str>, files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut b = Vec::new();
    if let Some(p) = payload {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\
                 Content-Type: application/json\r\n\r\n{p}\r\n"
            )
            .as_bytes(),
        );
    }
    for (i, (name, ty, bytes)) in files.iter().enumerate() {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files[{i}]\"; \
                 filename=\"{name}\"\r\nContent-Type: {ty}\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

/// Posts a multipart message; the raw response.
async fn upload(d: &TestDaemon, c: &Client, ch: Id, body: Vec<u8>) -> reqwest::Response {
    http()
        .post(format!("{}/api/v1/channels/{ch}/messages", d.url))
        .bearer_auth(c.access_token().unwrap())
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn posted(resp: reqwest::Response) -> Message {
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    resp.json().await.unwrap()
}

async fn get(d: &TestDaemon, url: &str, token: Option<&Client>) -> reqwest::Response {
    let mut r = http().get(format!("{}{url}", d.url));
    if let Some(c) = token {
        r = r.bearer_auth(c.access_token().unwrap());
    }
    r.send().await.unwrap()
}

/// Every regular file under `<data>/files` (temporary ones included).
fn stored_files(data: &Path) -> Vec<std::path::PathBuf> {
    fn walk(p: &Path, out: &mut Vec<std::path::PathBuf>) {
        if let Ok(rd) = std::fs::read_dir(p) {
            for e in rd.flatten() {
                let path = e.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&data.join("files"), &mut out);
    out
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

/// The path part of an attachment URL (before `?`).
fn bare(url: &str) -> &str {
    url.split('?').next().unwrap()
}

#[tokio::test]
async fn a_file_round_trips_with_safe_headers() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let g = general(&owner).await;
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let text = b"hello, files\n".to_vec();
    let msg = posted(
        upload(
            &d,
            &owner,
            g,
            form(
                Some(r#"{"content":"two files"}"#),
                &[
                    ("../../data.bin", "application/octet-stream", &bytes),
                    ("notes: 1.txt", "text/plain", &text),
                ],
            ),
        )
        .await,
    )
    .await;
    assert_eq!(msg.content, "two files");
    assert_eq!(msg.attachments.len(), 2);
    let a = &msg.attachments[0];
    assert_eq!(a.filename, "data.bin");
    assert_eq!(a.size, bytes.len() as u64);
    assert_eq!(a.content_type, "application/octet-stream");
    assert!(a.width.is_none() && a.thumbnail_url.is_none());
    assert!(
        a.url.contains("?ex=") && a.url.contains("&sig="),
        "{}",
        a.url
    );
    assert_eq!(msg.attachments[1].filename, "notes_ 1.txt");
    assert_eq!(msg.attachments[1].content_type, "text/plain; charset=utf-8");

    // The signed URL, with no credentials, as an <img> or a link would fetch it.
    let r = get(&d, &a.url, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "application/octet-stream");
    assert_eq!(
        header(&r, "content-disposition"),
        "attachment; filename=\"data.bin\"; filename*=UTF-8''data.bin"
    );
    assert_eq!(header(&r, "x-content-type-options"), "nosniff");
    assert!(header(&r, "content-security-policy").starts_with("default-src 'none'"));
    assert!(header(&r, "cache-control").contains("max-age"));
    assert_eq!(r.bytes().await.unwrap().as_ref(), &bytes[..]);

    // The bare path with a bearer token; a range of it.
    let r = get(&d, bare(&a.url), Some(&owner)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), &bytes[..]);
    let r = http()
        .get(format!("{}{}", d.url, bare(&a.url)))
        .bearer_auth(owner.access_token().unwrap())
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.bytes().await.unwrap().as_ref(), &bytes[10..20]);
    // Without either: 404.
    assert_eq!(get(&d, bare(&a.url), None).await.status(), 404);

    // History carries the attachments, signed.
    let page = owner.messages(g, Default::default()).await.unwrap();
    let again = page.iter().find(|m| m.id == msg.id).unwrap();
    assert_eq!(again.attachments.len(), 2);
    assert!(again.attachments[1].url.contains("&sig="));
    let r = get(&d, &again.attachments[1].url, None).await;
    assert_eq!(r.bytes().await.unwrap().as_ref(), &text[..]);

    // A message may be only files.
    let only =
        posted(upload(&d, &owner, g, form(None, &[("a.txt", "text/plain", b"a")])).await).await;
    assert_eq!(only.content, "");
    assert_eq!(only.attachments.len(), 1);
    // The JSON form still works on the same route.
    owner.say(g, "plain text").await.unwrap();
    // The SDK's upload (what the terminal client's /upload uses).
    let via_sdk = owner
        .upload(g, "from the sdk", "sdk \"q\".txt", b"sdk bytes")
        .await
        .unwrap();
    assert_eq!(via_sdk.content, "from the sdk");
    assert_eq!(via_sdk.attachments[0].filename, "sdk _q_.txt");
    let r = get(&d, &via_sdk.attachments[0].url, None).await;
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"sdk bytes");
}

fn sign(id: Id, ex: u64) -> String {
    let mut k = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    k.update(b"spectrus attachment urls v1");
    let key = k.finalize().into_bytes();
    let mut m = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    m.update(format!("{}:{ex}", id.0).as_bytes());
    hex::encode(m.finalize().into_bytes())
}

#[tokio::test]
async fn only_those_who_can_read_the_channel_get_the_file() {
    let d = TestDaemon::start_with(&[("SPECTRUS_JWT_SECRET", SECRET)])
        .await
        .unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let secret = text_channel(&owner, "secret").await;
    let msg = posted(
        upload(
            &d,
            &owner,
            secret,
            form(None, &[("plan.txt", "text/plain", b"the plan")]),
        )
        .await,
    )
    .await;
    let a = &msg.attachments[0];
    // Bob can read it while the channel is open to him.
    assert_eq!(get(&d, bare(&a.url), Some(&bob)).await.status(), 200);
    hide_from_everyone(&owner, secret).await;
    let r = get(&d, bare(&a.url), Some(&bob)).await;
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(get(&d, bare(&a.url), Some(&owner)).await.status(), 200);

    // Signed URLs: valid, tampered, expired (correctly signed but past), for another id.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let path = bare(&a.url);
    assert_eq!(get(&d, &a.url, None).await.status(), 200);
    let ex = now + 600;
    let ok = format!("{path}?ex={ex}&sig={}", sign(a.id, ex));
    assert_eq!(get(&d, &ok, None).await.status(), 200);
    let tampered = format!("{path}?ex={}&sig={}", ex + 1, sign(a.id, ex));
    assert_eq!(get(&d, &tampered, None).await.status(), 404);
    let past = now - 10;
    let expired = format!("{path}?ex={past}&sig={}", sign(a.id, past));
    assert_eq!(get(&d, &expired, None).await.status(), 404);
    let other = format!("{path}?ex={ex}&sig={}", sign(Id(a.id.0 + 1), ex));
    assert_eq!(get(&d, &other, None).await.status(), 404);
    // A made-up id: the same 404.
    assert_eq!(
        get(&d, "/api/v1/attachments/12345/x.txt", Some(&owner))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn oversized_uploads_get_413_and_leave_nothing_on_disk() {
    let d = TestDaemon::start_with(&[
        ("SPECTRUS_UPLOAD_MAX_FILE_BYTES", "100000"),
        ("SPECTRUS_UPLOAD_MAX_TOTAL_BYTES", "150000"),
    ])
    .await
    .unwrap();
    let owner = d.owner().await.unwrap();
    let g = general(&owner).await;
    let big = vec![7u8; 100_001];
    let r = upload(
        &d,
        &owner,
        g,
        form(
            Some(r#"{"content":"too big"}"#),
            &[("big.bin", "application/octet-stream", &big)],
        ),
    )
    .await;
    assert_eq!(r.status(), 413);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("big.bin is larger than"),
        "{body}"
    );
    assert_eq!(stored_files(&d.data_dir), Vec::<std::path::PathBuf>::new());
    let page = owner.messages(g, Default::default()).await.unwrap();
    assert!(page.iter().all(|m| m.content != "too big"));

    // The server total: a first file fits, a second (different bytes) does not.
    let first = vec![1u8; 90_000];
    posted(upload(&d, &owner, g, form(None, &[("one.bin", "x/y", &first)])).await).await;
    let second = vec![2u8; 90_000];
    let r = upload(&d, &owner, g, form(None, &[("two.bin", "x/y", &second)])).await;
    assert_eq!(r.status(), 413);
    assert_eq!(stored_files(&d.data_dir).len(), 1);
    // The same bytes again take no more room: they are stored once.
    posted(upload(&d, &owner, g, form(None, &[("again.bin", "x/y", &first)])).await).await;
    assert_eq!(stored_files(&d.data_dir).len(), 1);
}

#[tokio::test]
async fn deleting_messages_and_channels_frees_unreferenced_files() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let g = general(&owner).await;
    let bytes = b"shared bytes".to_vec();
    let m1 = posted(
        upload(
            &d,
            &owner,
            g,
            form(None, &[("a.txt", "text/plain", &bytes)]),
        )
        .await,
    )
    .await;
    let m2 = posted(
        upload(
            &d,
            &owner,
            g,
            form(None, &[("b.txt", "text/plain", &bytes)]),
        )
        .await,
    )
    .await;
    assert_eq!(stored_files(&d.data_dir).len(), 1);
    owner.delete_message(g, m1.id).await.unwrap();
    assert_eq!(stored_files(&d.data_dir).len(), 1, "still named by m2");
    assert_eq!(get(&d, &m2.attachments[0].url, None).await.status(), 200);
    assert_eq!(get(&d, &m1.attachments[0].url, None).await.status(), 404);
    owner.delete_message(g, m2.id).await.unwrap();
    assert!(stored_files(&d.data_dir).is_empty());

    let ch = text_channel(&owner, "doomed").await;
    posted(
        upload(
            &d,
            &owner,
            ch,
            form(None, &[("c.txt", "text/plain", b"in a channel")]),
        )
        .await,
    )
    .await;
    assert_eq!(stored_files(&d.data_dir).len(), 1);
    owner.delete_channel(ch).await.unwrap();
    assert!(stored_files(&d.data_dir).is_empty());
}

#[tokio::test]
async fn a_forged_content_type_is_not_trusted() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let g = general(&owner).await;
    let html = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>";
    let msg =
        posted(upload(&d, &owner, g, form(None, &[("cat.png", "image/png", html)])).await).await;
    let a = &msg.attachments[0];
    assert_ne!(a.content_type, "image/png");
    assert!(a.width.is_none());
    let r = get(&d, &a.url, None).await;
    assert_ne!(header(&r, "content-type"), "image/png");
    assert!(header(&r, "content-disposition").starts_with("attachment;"));
    assert_eq!(header(&r, "x-content-type-options"), "nosniff");
}

/// An 800×600 JPEG with an Exif segment (a made-up GPS tag) right after SOI.
fn jpeg_with_exif() -> Vec<u8> {
    let img = image::RgbImage::from_fn(800, 600, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    let jpeg = out.into_inner();
    let payload = b"Exif\0\0GPS 52.5200N 13.4050E secret-location";
    let mut with = jpeg[..2].to_vec();
    with.extend_from_slice(&[0xFF, 0xE1]);
    with.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    with.extend_from_slice(payload);
    with.extend_from_slice(&jpeg[2..]);
    with
}

#[tokio::test]
async fn images_get_their_size_a_thumbnail_and_no_exif() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let g = general(&owner).await;
    let jpeg = jpeg_with_exif();
    let msg = posted(
        upload(
            &d,
            &owner,
            g,
            form(None, &[("photo.jpg", "application/octet-stream", &jpeg)]),
        )
        .await,
    )
    .await;
    let a = &msg.attachments[0];
    assert_eq!(a.content_type, "image/jpeg");
    assert_eq!((a.width, a.height), (Some(800), Some(600)));
    let r = get(&d, &a.url, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "image/jpeg");
    assert!(header(&r, "content-disposition").starts_with("inline;"));
    let served = r.bytes().await.unwrap();
    assert!(
        !served.windows(9).any(|w| w == b"secret-lo"),
        "the Exif segment was served"
    );
    assert!(!served.windows(4).any(|w| w == b"Exif"));
    assert_eq!(a.size, served.len() as u64);
    let img = image::load_from_memory(&served).unwrap();
    assert_eq!((img.width(), img.height()), (800, 600));

    let thumb_url = a.thumbnail_url.as_deref().expect("a thumbnail");
    let r = get(&d, thumb_url, None).await;
    assert_eq!(r.status(), 200);
    assert!(header(&r, "content-type").starts_with("image/"));
    let t = image::load_from_memory(&r.bytes().await.unwrap()).unwrap();
    assert_eq!((t.width(), t.height()), (400, 300));

    // Search: has:image finds the photo, has:attachment every message with files.
    let text = posted(
        upload(
            &d,
            &owner,
            g,
            form(
                Some(r#"{"content":"a file"}"#),
                &[("a.txt", "text/plain", b"text")],
            ),
        )
        .await,
    )
    .await;
    owner.say(g, "no files here").await.unwrap();
    let ids = |q: &'static str| {
        let owner = &owner;
        async move {
            let r = owner
                .search_messages(&spectrus_client::SearchQuery::text(q))
                .await
                .unwrap();
            r.messages
                .into_iter()
                .map(|h| h.message.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids("has:image").await, vec![msg.id]);
    assert_eq!(ids("has:attachment").await, vec![text.id, msg.id]);
    assert_eq!(ids("file has:attachment").await, vec![text.id]);
}

#[tokio::test]
async fn an_image_too_large_to_decode_is_refused() {
    let d = TestDaemon::start_with(&[("SPECTRUS_UPLOAD_MAX_IMAGE_SIDE", "500")])
        .await
        .unwrap();
    let owner = d.owner().await.unwrap();
    let g = general(&owner).await;
    let r = upload(
        &d,
        &owner,
        g,
        form(None, &[("big.jpg", "image/jpeg", &jpeg_with_exif())]),
    )
    .await;
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    let text = body["error"]["message"].as_str().unwrap();
    assert!(text.contains("800×600 pixels"), "{text}");
    assert!(stored_files(&d.data_dir).is_empty());
}

#[tokio::test]
async fn uploads_have_their_own_rate_limit() {
    let d = TestDaemon::start_with(&[
        ("SPECTRUS_RATE_LIMITS", "on"),
        ("SPECTRUS_UPLOADS_PER_MINUTE", "1"),
    ])
    .await
    .unwrap();
    let owner = d.owner().await.unwrap();
    let g = general(&owner).await;
    posted(
        upload(
            &d,
            &owner,
            g,
            form(None, &[("1.txt", "text/plain", b"one")]),
        )
        .await,
    )
    .await;
    let r = upload(
        &d,
        &owner,
        g,
        form(None, &[("2.txt", "text/plain", b"two")]),
    )
    .await;
    assert_eq!(r.status(), 429);
    assert!(stored_files(&d.data_dir).len() == 1);
    // Text messages are not uploads.
    owner.say(g, "still talking").await.unwrap();
}

/// A `w`×`h` PNG.
fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x % 256) as u8, 40, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn avatars_and_the_server_icon_are_resized_and_served() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let put = |c: &Client, path: &str, body: Vec<u8>| {
        http()
            .put(format!("{}/api/v1{path}", d.url))
            .bearer_auth(c.access_token().unwrap())
            .body(body)
            .send()
    };
    let r = put(&bob, "/users/@me/avatar", png(640, 480)).await.unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    let url = v["avatar_url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with("/api/v1/images/") && url.ends_with(".png"),
        "{url}"
    );
    // Members see it on bob's member object.
    let bob_id = bob.me().await.unwrap().id;
    let m: serde_json::Value = http()
        .get(format!("{}/api/v1/members/{bob_id}", d.url))
        .bearer_auth(owner.access_token().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(m["user"]["avatar_url"], url.as_str());
    // Served as a 256 px square PNG, cached for ever.
    let r = get(&d, &url, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "image/png");
    assert!(header(&r, "cache-control").contains("immutable"));
    let img = image::load_from_memory(&r.bytes().await.unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (256, 256));
    // Not an image: refused in words.
    let r = put(&bob, "/users/@me/avatar", b"hello".to_vec())
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Removing it deletes the file.
    let r = http()
        .delete(format!("{}/api/v1/users/@me/avatar", d.url))
        .bearer_auth(bob.access_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(get(&d, &url, None).await.status(), 404);

    // The icon: server:manage only.
    let r = put(&bob, "/server/icon", png(300, 300)).await.unwrap();
    assert_eq!(r.status(), 403);
    let r = put(&owner, "/server/icon", png(300, 300)).await.unwrap();
    assert_eq!(r.status(), 200);
    let info = owner.server().await.unwrap();
    let icon = info.icon_url.unwrap();
    assert!(icon.starts_with("/api/v1/images/"), "{icon}");
    assert_eq!(get(&d, &icon, None).await.status(), 200);
}
