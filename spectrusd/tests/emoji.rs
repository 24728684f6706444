//! Custom emoji against the real daemon: upload (scaled to 128 px, stored as PNG), list,
//! rename, delete; `emoji:manage` (403 without), name rules (400 naming the field), a name
//! clash (409), a non-image (400), too big (413), unknown id (404); `EMOJIS_UPDATE` seen by
//! another member and `ready`'s `emojis`; reactions keyed by `<:name:id>`; a still GIF stored
//! as PNG; an animated GIF kept animated (scaled, as a GIF, `animated: true`), an animation
//! too large refused in words; its still (the first frame as PNG, made on demand for one
//! stored without it); at most 50 on a server.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use spectrus_client::{Client, ClientError, Gateway};
use spectrus_proto::Id;
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::model::Emoji;
use spectrus_proto::permissions::Permission;
use spectrus_proto::rest::{AuditQuery, CreateRole};
use spectrus_testkit::{TestDaemon, code, general};

/// A `w`×`h` PNG.
fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbaImage::from_pixel(w, h, image::Rgba([200, 30, 90, 255]))
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn status_and_field<T: std::fmt::Debug>(r: Result<T, ClientError>) -> (u16, String) {
    match r {
        Err(ClientError::Api { status, body }) => (
            status,
            body.error
                .fields
                .map(|f| f.keys().cloned().collect::<Vec<_>>().join(","))
                .unwrap_or_default(),
        ),
        other => panic!("expected an API error, got {other:?}"),
    }
}

async fn next_emojis(gw: &mut Gateway) -> Vec<Emoji> {
    loop {
        let (_, ev) = gw
            .next_dispatch(Duration::from_secs(5))
            .await
            .expect("EMOJIS_UPDATE");
        if let Dispatch::EmojisUpdate(u) = ev {
            return u.emojis;
        }
    }
}

async fn get(d: &TestDaemon, path: &str) -> reqwest::Response {
    reqwest::get(format!("{}{path}", d.url)).await.unwrap()
}

#[tokio::test]
async fn upload_list_rename_delete_with_live_updates() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let mut gw = Gateway::connect(&bob).await.unwrap();
    assert!(gw.ready().emojis.is_empty());

    // A 300×150 image becomes a 128×64 PNG, public at its url.
    let e = owner.create_emoji("party", &png(300, 150)).await.unwrap();
    assert_eq!(e.name, "party");
    assert!(e.url.starts_with("/api/v1/images/"), "{e:?}");
    assert!(!e.animated);
    let resp = get(&d, &e.url).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    let stored = image::load_from_memory(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!((stored.width(), stored.height()), (128, 64));

    // Another member sees it live, and in the list, and in a later `ready`.
    let live = next_emojis(&mut gw).await;
    assert_eq!(live, vec![e.clone()]);
    assert_eq!(bob.emojis().await.unwrap(), vec![e.clone()]);
    let gw2 = Gateway::connect(&bob).await.unwrap();
    assert_eq!(gw2.ready().emojis, vec![e.clone()]);

    // A small image is kept at its size.
    let small = owner.create_emoji("dot", &png(16, 16)).await.unwrap();
    let img = image::load_from_memory(&get(&d, &small.url).await.bytes().await.unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (16, 16));
    let names: Vec<String> = next_emojis(&mut gw)
        .await
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["dot", "party"], "by name");

    // Rename: the list follows; a clash is 409; an unknown id is 404.
    let renamed = owner.rename_emoji(e.id, "fiesta").await.unwrap();
    assert_eq!((renamed.id, renamed.name.as_str()), (e.id, "fiesta"));
    let names: Vec<String> = next_emojis(&mut gw)
        .await
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["dot", "fiesta"]);
    assert_eq!(code(owner.rename_emoji(e.id, "dot").await), "conflict");
    assert_eq!(
        status_and_field(owner.rename_emoji(e.id, "Bad Name").await),
        (400, "name".into())
    );
    assert_eq!(
        code(owner.rename_emoji(Id(e.id.0 + 999), "other").await),
        "not_found"
    );

    // Delete: gone from the list, announced; again is 404.
    owner.delete_emoji(small.id).await.unwrap();
    let live = next_emojis(&mut gw).await;
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].name, "fiesta");
    assert_eq!(code(owner.delete_emoji(small.id).await), "not_found");
    assert_eq!(
        get(&d, &small.url).await.status(),
        404,
        "its image went too"
    );

    // Every change is in the audit log.
    for action in ["emoji.create", "emoji.update", "emoji.delete"] {
        let log = owner
            .audit_log(&AuditQuery {
                action: Some(action.into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(!log.is_empty(), "{action}");
    }
}

#[tokio::test]
async fn managing_needs_emoji_manage_and_bad_input_is_refused() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let bob_id = bob.me().await.unwrap().id;

    // Without the permission: 403 naming it, for every mutating route; reading is fine.
    let e = owner.create_emoji("blob", &png(32, 32)).await.unwrap();
    for r in [
        bob.create_emoji("mine", &png(8, 8)).await.map(|_| ()),
        bob.rename_emoji(e.id, "theirs").await.map(|_| ()),
        bob.delete_emoji(e.id).await,
    ] {
        match r {
            Err(ClientError::Api { status: 403, body }) => {
                assert_eq!(body.error.permission.as_deref(), Some("emoji:manage"));
            }
            other => panic!("expected 403, got {other:?}"),
        }
    }
    assert_eq!(bob.emojis().await.unwrap().len(), 1);

    // With a role granting it, they may.
    let role = owner
        .create_role(&CreateRole {
            name: "Emoji team".into(),
            permissions: [Permission::EmojiManage].into_iter().collect(),
            ..Default::default()
        })
        .await
        .unwrap();
    owner.add_member_role(bob_id, role.id, None).await.unwrap();
    let mine = bob.create_emoji("mine", &png(8, 8)).await.unwrap();
    assert_eq!(mine.creator_id, Some(bob_id));

    // Bad names: 400 naming `name`; a clash: 409.
    for bad in ["x", "UPPER", "has space", "dash-dash", &"a".repeat(33)] {
        assert_eq!(
            status_and_field(owner.create_emoji(bad, &png(8, 8)).await),
            (400, "name".into()),
            "{bad:?}"
        );
    }
    assert_eq!(
        code(owner.create_emoji("blob", &png(8, 8)).await),
        "conflict"
    );

    // Not an image: 400 naming `file`; too big: 413.
    assert_eq!(
        status_and_field(owner.create_emoji("text", b"just some text").await),
        (400, "file".into())
    );
    let big = vec![0x42u8; 300 * 1024];
    match owner.create_emoji("huge", &big).await {
        Err(ClientError::Api { status: 413, body }) => {
            assert_eq!(body.error.code, "payload_too_large");
        }
        other => panic!("expected 413, got {other:?}"),
    }
    let names: Vec<String> = owner
        .emojis()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["blob", "mine"], "nothing refused was kept");
}

async fn reactions(c: &Client, ch: Id, m: Id) -> Vec<(String, u32)> {
    c.messages(ch, Default::default())
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.id == m)
        .unwrap()
        .reactions
        .into_iter()
        .map(|r| (r.emoji, r.count))
        .collect()
}

#[tokio::test]
async fn reactions_and_messages_carry_custom_emoji() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let g = general(&owner).await;
    let e = owner.create_emoji("blob", &png(32, 32)).await.unwrap();
    let key = format!("<:blob:{}>", e.id);

    // The wire form in text goes through as written.
    let m = bob.say(g, &format!("hello {key}")).await.unwrap();
    assert_eq!(m.content, format!("hello {key}"));

    // Reacting by `<:name:id>` or `name:id` is the same reaction, announced in wire form.
    let mut gw = Gateway::connect(&owner).await.unwrap();
    owner.react(g, m.id, &key).await.unwrap();
    bob.react(g, m.id, &format!("blob:{}", e.id)).await.unwrap();
    loop {
        let (_, ev) = gw.next_dispatch(Duration::from_secs(5)).await.unwrap();
        if let Dispatch::ReactionAdd(r) = ev {
            assert_eq!(r.emoji, key);
            break;
        }
    }
    assert_eq!(reactions(&owner, g, m.id).await, [(key.clone(), 2)]);

    // An emoji the server does not have is refused, naming the field.
    assert_eq!(
        status_and_field(bob.react(g, m.id, &format!("<:nope:{}>", e.id.0 + 7)).await),
        (400, "emoji".into())
    );

    // A rename carries the reactions along.
    owner.rename_emoji(e.id, "blobby").await.unwrap();
    let key2 = format!("<:blobby:{}>", e.id);
    assert_eq!(reactions(&owner, g, m.id).await, [(key2.clone(), 2)]);

    // Deleting the emoji keeps its reactions (clients show `:blobby:`); they can be removed.
    owner.delete_emoji(e.id).await.unwrap();
    assert_eq!(reactions(&owner, g, m.id).await, [(key2.clone(), 2)]);
    bob.unreact(g, m.id, &key2).await.unwrap();
    assert_eq!(reactions(&owner, g, m.id).await, [(key2, 1)]);
    // Unicode reactions work as before.
    bob.react(g, m.id, "👍").await.unwrap();
    assert_eq!(reactions(&owner, g, m.id).await.len(), 2);
}

#[tokio::test]
async fn gif_becomes_png_and_a_server_holds_fifty() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();

    // A GIF (or JPEG, WebP) is stored as a PNG.
    let mut gif = std::io::Cursor::new(Vec::new());
    image::RgbaImage::from_pixel(40, 20, image::Rgba([0, 200, 0, 255]))
        .write_to(&mut gif, image::ImageFormat::Gif)
        .unwrap();
    let e = owner
        .create_emoji("green", &gif.into_inner())
        .await
        .unwrap();
    let bytes = get(&d, &e.url).await.bytes().await.unwrap();
    assert_eq!(
        image::guess_format(&bytes).unwrap(),
        image::ImageFormat::Png
    );
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (40, 20));

    // Fifty at most: the 51st is refused in words, and nothing is added.
    for i in 1..50 {
        owner
            .create_emoji(&format!("e{i:02}"), &png(4, 4))
            .await
            .unwrap();
    }
    match owner.create_emoji("one_more", &png(4, 4)).await {
        Err(ClientError::Api { status: 400, body }) => {
            assert!(body.error.message.contains("at most 50"), "{body:?}");
        }
        other => panic!("expected 400, got {other:?}"),
    }
    assert_eq!(owner.emojis().await.unwrap().len(), 50);
}

/// An animated GIF of `frames` frames of `w`×`h`, each a different colour, 70 ms apart.
fn animated_gif(w: u32, h: u32, frames: u8) -> Vec<u8> {
    use image::codecs::gif::{GifEncoder, Repeat};
    let mut out = Vec::new();
    {
        let mut enc = GifEncoder::new(&mut out);
        enc.set_repeat(Repeat::Infinite).unwrap();
        let frames = (0..frames).map(|i| {
            let px = image::Rgba([i.wrapping_mul(60), 200 - i, 40, 255]);
            image::Frame::from_parts(
                image::RgbaImage::from_pixel(w, h, px),
                0,
                0,
                image::Delay::from_numer_denom_ms(70, 1),
            )
        });
        enc.encode_frames(frames).unwrap();
    }
    out
}

#[tokio::test]
async fn an_animated_gif_stays_animated() {
    use image::AnimationDecoder;
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();

    let e = owner
        .create_emoji("blink", &animated_gif(256, 128, 3))
        .await
        .unwrap();
    assert!(e.animated, "{e:?}");
    assert!(e.url.ends_with(".gif"), "{}", e.url);
    let resp = get(&d, &e.url).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/gif");
    let bytes = resp.bytes().await.unwrap();
    let frames = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(&bytes[..]))
        .unwrap()
        .into_frames()
        .collect_frames()
        .unwrap();
    assert_eq!(frames.len(), 3, "every frame kept");
    for f in &frames {
        // Scaled to fit 128 px, the aspect ratio kept.
        assert_eq!(f.buffer().dimensions(), (128, 64));
        assert_eq!(f.delay().numer_denom_ms(), (70, 1));
    }
    // The frames differ: it moves.
    assert_ne!(
        frames[0].buffer().get_pixel(5, 5),
        frames[1].buffer().get_pixel(5, 5)
    );
    // The same name as a still image is not served.
    let png_url = e.url.replace(".gif", ".png");
    assert_eq!(get(&d, &png_url).await.status(), 404);
    // Listed as animated, for everyone.
    let listed = owner.emojis().await.unwrap();
    assert!(
        listed
            .iter()
            .any(|x| x.id == e.id && x.animated && x.url == e.url)
    );

    // An animation too large to decode frame by frame is refused in words, naming the file.
    match owner.create_emoji("huge", &animated_gif(600, 20, 2)).await {
        Err(ClientError::Api { status: 400, body }) => {
            assert!(body.error.message.contains("at most 512"), "{body:?}");
            assert!(body.error.fields.unwrap().contains_key("file"));
        }
        other => panic!("expected 400, got {other:?}"),
    }
    // Deleting it removes the GIF and its still.
    let still = e.still_url.clone().unwrap();
    owner.delete_emoji(e.id).await.unwrap();
    assert_eq!(get(&d, &e.url).await.status(), 404);
    assert_eq!(get(&d, &still).await.status(), 404);
}

/// The first frame of the GIF at `bytes`, as it plays.
fn first_frame(bytes: &[u8]) -> image::RgbaImage {
    use image::AnimationDecoder;
    image::codecs::gif::GifDecoder::new(std::io::Cursor::new(bytes))
        .unwrap()
        .into_frames()
        .next()
        .unwrap()
        .unwrap()
        .into_buffer()
}

#[tokio::test]
async fn an_animated_emoji_has_a_still_first_frame() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let e = owner
        .create_emoji("wave", &animated_gif(256, 128, 3))
        .await
        .unwrap();
    let still = e.still_url.clone().expect("an animated emoji has a still");
    assert!(still.ends_with(".still.png"), "{still}");
    assert_eq!(
        owner.emojis().await.unwrap()[0].still_url.as_deref(),
        Some(still.as_str()),
        "listed with it"
    );

    // A single-frame PNG whose pixels are the animation's first frame, cached for ever.
    let resp = get(&d, &still).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert!(
        resp.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(
        image::guess_format(&bytes).unwrap(),
        image::ImageFormat::Png
    );
    assert!(
        !bytes.windows(4).any(|w| w == b"acTL"),
        "one frame, not an APNG"
    );
    let pixels = image::load_from_memory(&bytes).unwrap().to_rgba8();
    let gif = first_frame(&get(&d, &e.url).await.bytes().await.unwrap());
    assert_eq!(pixels.dimensions(), (128, 64));
    assert_eq!(pixels, gif, "the still is the first frame");

    // An emoji stored before stills were made (its still file gone) gets one on demand, the
    // same; a still emoji has none, and a still of an unknown GIF is 404.
    let dir = d.data_dir.join("files/images");
    let name = still.rsplit('/').next().unwrap();
    std::fs::remove_file(dir.join(name)).unwrap();
    let again = get(&d, &still).await;
    assert_eq!(again.status(), 200);
    assert_eq!(&again.bytes().await.unwrap()[..], &bytes[..]);
    assert!(dir.join(name).exists(), "kept once made");
    let plain = owner.create_emoji("plain", &png(8, 8)).await.unwrap();
    assert_eq!(plain.still_url, None);
    let plain_still = plain.url.replace(".png", ".still.png");
    assert_eq!(get(&d, &plain_still).await.status(), 404);
    let unknown = format!("/api/v1/images/{}.still.png", "ab".repeat(32));
    let resp = get(&d, &unknown).await;
    assert_eq!(resp.status(), 404);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found", "{body}");
}
