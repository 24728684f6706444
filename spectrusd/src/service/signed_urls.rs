//! Signed attachment URLs on messages going out: each attachment's path (and its
//! thumbnail's) gets a query the file route verifies ([`super::attachments::find`]), so a
//! link works without the bearer token until it expires.

use spectrus_proto::model::Message;

use crate::domain::time::now_ms;
use crate::state::AppState;

/// Turns a message's attachment paths into signed URLs (and thumbnail URLs).
pub(crate) fn sign(state: &AppState, msg: &mut Message) {
    let now = now_ms() as u64 / 1000;
    for a in &mut msg.attachments {
        let q = state.urls.query(a.id, now);
        if a.width.is_some() {
            a.thumbnail_url = Some(format!("{}?size=thumb&{q}", a.url));
        }
        a.url = format!("{}?{q}", a.url);
    }
}

/// [`sign`] for each message.
pub(crate) fn sign_all(state: &AppState, msgs: &mut [Message]) {
    for m in msgs {
        sign(state, m);
    }
}
