//! `GET /events`: newline-delimited JSON, the backlog first, then (with `follow=true`) new
//! events as they happen, with an empty keep-alive line every 15 s.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use spectrus_proto::admin::AdminEvent;
use tokio::sync::broadcast;

use crate::admin::AdminState;
use crate::admin::events::TYPES;
use crate::service::audit;

/// How often an idle follower gets an empty line (and a dead one is noticed).
const KEEP_ALIVE: Duration = Duration::from_secs(15);

struct Feed {
    backlog: VecDeque<Arc<AdminEvent>>,
    live: Option<broadcast::Receiver<Arc<AdminEvent>>>,
    types: Vec<String>,
}

impl Feed {
    fn wanted(&self, e: &AdminEvent) -> bool {
        self.types.is_empty() || self.types.contains(&e.kind)
    }

    /// The next line to send, or `None` at the end of the stream.
    async fn next_line(&mut self) -> Option<Bytes> {
        while let Some(e) = self.backlog.pop_front() {
            if self.wanted(&e) {
                return Some(line(&e));
            }
        }
        let live = self.live.as_mut()?;
        loop {
            match tokio::time::timeout(KEEP_ALIVE, live.recv()).await {
                Err(_) => return Some(Bytes::from_static(b"\n")),
                Ok(Ok(e)) => {
                    if self.types.is_empty() || self.types.contains(&e.kind) {
                        return Some(line(&e));
                    }
                }
                Ok(Err(broadcast::error::RecvError::Lagged(n))) => {
                    tracing::warn!(missed = n, "an admin event follower fell behind");
                }
                Ok(Err(broadcast::error::RecvError::Closed)) => return None,
            }
        }
    }
}

fn line(e: &AdminEvent) -> Bytes {
    let mut s = serde_json::to_string(e).unwrap_or_default();
    s.push('\n');
    Bytes::from(s)
}

pub(super) async fn events(
    State(s): State<AdminState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let follow = params
        .iter()
        .any(|(k, v)| k == "follow" && (v == "true" || v == "1"));
    let types: Vec<String> = params
        .into_iter()
        .filter(|(k, _)| k == "type")
        .map(|(_, v)| v)
        .collect();
    if let Some(bad) = types.iter().find(|t| !TYPES.contains(&t.as_str())) {
        return audit::unknown_name("type", bad, TYPES).into_response();
    }
    let (backlog, live) = s.events.subscribe();
    let feed = Feed {
        backlog: backlog.into(),
        live: follow.then_some(live),
        types,
    };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        let line = feed.next_line().await?;
        Some((Ok::<_, std::io::Error>(line), feed))
    });
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response()
}
