//! The security headers on every response of the daemon (API, gateway, client files).

use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;

/// The Content-Security-Policy: scripts, styles and workers only from this origin (no
/// inline script or style), images also from data:/blob:, connections to this origin and
/// its WebSocket, no plugins, no framing.
pub(super) const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' ws: wss:; \
worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to `resp` (a `map_response` middleware).
pub(crate) async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    let set: [(HeaderName, &'static str); 5] = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("permissions-policy"),
            "microphone=(self)",
        ),
    ];
    for (name, value) in set {
        // A response with its own policy (an attachment's `default-src 'none'`) keeps it.
        if name == header::CONTENT_SECURITY_POLICY && h.contains_key(&name) {
            continue;
        }
        h.insert(name, HeaderValue::from_static(value));
    }
    resp
}
