//! The browser client (`web/`), embedded in the binary: its router and the security headers
//! every response of the daemon carries.
//!
//! URL scheme (docs/web.md):
//! - `/assets/<build-id>/<path>`: any file of `web/`, cached for a year (`immutable`); the
//!   build id is a hash of the files' contents, so a new build gets new URLs.
//! - `/` and every path outside `/api` whose last segment has no dot (client routes such as
//!   `/invite/<code>`): `index.html`, with `__BUILD__` replaced by the build id, `no-cache`.
//! - Every file also at its own path (`/sw.js`, `/manifest.webmanifest`, `/icons/...`, URLs
//!   that must stay put across builds), `no-cache` (revalidated with its ETag).
//!
//! Debug builds read the files from disk on every request (edit and reload), under the build
//! id `dev`, all `no-cache`.

mod encoding;
mod files;
mod headers;
mod serve;
mod site;

use std::sync::Arc;

use axum::Router;

pub(crate) use headers::security_headers;
pub(crate) use site::Site;

/// The web client's router (its own state: the [`Site`], built once here). Inside a Tokio
/// runtime, the files are compressed on a blocking thread right away. The voice probe
/// (`/voice-test.html`, `/voice-test.js`) is served only with `voice_test_page`
/// (`debug.voice_test_page`).
pub(crate) fn router(voice_test_page: bool) -> Router {
    let site = Arc::new(Site::embedded().with_probe(voice_test_page));
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        let warm = site.clone();
        rt.spawn_blocking(move || warm.precompress());
    }
    with_site(site)
}

/// The router over a given [`Site`] (tests build one from files in memory).
#[cfg(test)]
pub(crate) fn router_for(site: Site) -> Router {
    with_site(Arc::new(site))
}

fn with_site(site: Arc<Site>) -> Router {
    Router::new().fallback(serve::serve).with_state(site)
}
