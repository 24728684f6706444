//! The plain-HTTP listener beside HTTPS: every request is answered 308 with the same path
//! and query on the https URL, so that a browser that typed `http://` lands on the server.
//! With ACME it also answers the HTTP-01 challenges.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::acme::Challenges;

/// Where redirects point.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A configured `https://` base URL (no trailing slash).
    Base(String),
    /// The host the client asked for, on this HTTPS port.
    SameHost { https_port: u16 },
}

/// The router answering every request with a redirect to `target`, but ACME's HTTP-01
/// challenges when `challenges` is given.
pub(crate) fn router(target: Target, challenges: Option<Arc<Challenges>>) -> Router {
    let mut r = Router::new();
    if let Some(c) = challenges {
        r = r.route(
            "/.well-known/acme-challenge/{token}",
            get(move |Path(token): Path<String>| async move {
                match c.answer(&token) {
                    Some(answer) => (StatusCode::OK, answer).into_response(),
                    None => StatusCode::NOT_FOUND.into_response(),
                }
            }),
        );
    }
    r.fallback(redirect).with_state(target)
}

/// The https URL for `host` (as in the `Host` header) and `path_and_query`.
pub(crate) fn location(
    target: &Target,
    host: Option<&str>,
    path_and_query: &str,
) -> Option<String> {
    match target {
        Target::Base(base) => Some(format!("{base}{path_and_query}")),
        Target::SameHost { https_port } => {
            let host = host?;
            // Drop the port the client used: `[v6]:80`, `name:80`, or none.
            let name = match host.rfind(']') {
                Some(end) => &host[..=end],
                None => host.split(':').next().unwrap_or(host),
            };
            if name.is_empty() {
                return None;
            }
            Some(match https_port {
                443 => format!("https://{name}{path_and_query}"),
                port => format!("https://{name}:{port}{path_and_query}"),
            })
        }
    }
}

async fn redirect(State(target): State<Target>, req: Request) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host());
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    match location(&target, host, path).and_then(|l| HeaderValue::from_str(&l).ok()) {
        Some(to) => (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, to)]).into_response(),
        None => (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({"error": {"code": "bad_request", "message": "use https:// and a Host header"}})
                .to_string(),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_location_keeps_path_and_query_and_swaps_the_port() {
        let same = Target::SameHost { https_port: 8443 };
        assert_eq!(
            location(&same, Some("chat.example:8080"), "/a/b?c=d").as_deref(),
            Some("https://chat.example:8443/a/b?c=d")
        );
        assert_eq!(
            location(&Target::SameHost { https_port: 443 }, Some("[::1]:80"), "/").as_deref(),
            Some("https://[::1]/")
        );
        assert_eq!(location(&same, None, "/"), None);
        let base = Target::Base("https://chat.example".into());
        assert_eq!(
            location(&base, Some("other"), "/x?y").as_deref(),
            Some("https://chat.example/x?y")
        );
    }
}
