//! Checks that a hidden channel (one a member may not view, or a direct message they are
//! not in) stays hidden on their gateway: no event about it arrives before a marker, live
//! or replayed at a resume. Like the crate's other helpers, these panic (failing the test).

use std::time::Duration;

use spectrus_client::{Gateway, GatewayEvent};
use spectrus_proto::Id;
use spectrus_proto::gateway::{Dispatch, Ready};

/// How long a check waits for its marker.
pub const WAIT: Duration = Duration::from_secs(5);

/// The channel a dispatch is about, if it is about one.
pub fn channel_of(ev: &Dispatch) -> Option<Id> {
    match ev {
        Dispatch::MessageCreate(m) | Dispatch::MessageUpdate(m) => Some(m.channel_id),
        Dispatch::MessageDelete(m) => Some(m.channel_id),
        Dispatch::ReactionAdd(r) | Dispatch::ReactionRemove(r) => Some(r.channel_id),
        Dispatch::TypingStart(t) => Some(t.channel_id),
        Dispatch::ChannelUpdate(c) | Dispatch::ChannelCreate(c) => Some(c.id),
        Dispatch::PrivateChannelCreate(p) => Some(p.id),
        _ => None,
    }
}

/// Panics when `ev` is about `hidden`.
pub fn assert_no_leak(ev: &Dispatch, hidden: Id) {
    assert_ne!(
        channel_of(ev),
        Some(hidden),
        "an event of the hidden channel leaked: {ev:?}"
    );
}

/// The next dispatch matching `pred` (waiting up to [`WAIT`]); none on the way may be about
/// `hidden`. `what` names the awaited event in the failure.
pub async fn expect(
    gw: &mut Gateway,
    hidden: Id,
    what: &str,
    pred: impl Fn(&Dispatch) -> bool,
) -> Dispatch {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let Some((_, ev)) = gw.next_dispatch(left).await else {
            panic!("no {what} within {WAIT:?}")
        };
        assert_no_leak(&ev, hidden);
        if pred(&ev) {
            return ev;
        }
    }
}

/// Reads `gw` until the message `marker` arrives; none on the way may be about `hidden`.
pub async fn until_message(gw: &mut Gateway, hidden: Id, marker: Id) {
    expect(
        gw,
        hidden,
        "marker message",
        |d| matches!(d, Dispatch::MessageCreate(m) if m.id == marker),
    )
    .await;
}

/// Reads `gw`, whose connection was dropped, through its reconnection until the message
/// `marker` arrives (waiting up to [`WAIT`]): none of the replayed or live events may be
/// about `hidden`, and a `Ready` (a fresh session instead of a resume) goes to `on_ready`.
/// Answers whether the session resumed.
pub async fn through_resume(
    gw: &mut Gateway,
    hidden: Id,
    marker: Id,
    on_ready: impl Fn(&Ready),
) -> bool {
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut resumed = false;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, gw.next_event()).await {
            Ok(Some(GatewayEvent::Resumed)) => resumed = true,
            Ok(Some(GatewayEvent::Dispatch { event, .. })) => {
                assert_no_leak(&event, hidden);
                if matches!(&event, Dispatch::MessageCreate(x) if x.id == marker) {
                    return resumed;
                }
            }
            Ok(Some(GatewayEvent::Ready(r))) => on_ready(&r),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => panic!("the marker message never arrived"),
        }
    }
}
