//! Maps a request path to a file of the client and answers with the right caching,
//! validator and encoding.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::encoding::{self, Encoding};
use super::site::{File, Site};
use crate::error::ApiError;

/// Versioned asset URLs: cached for a year, never revalidated.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Everything else (the shell, root files, assets of another or the dev build).
const NO_CACHE: &str = "no-cache";

/// The one handler: every path the API router does not serve.
pub(super) async fn serve(
    State(site): State<Arc<Site>>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::NotFound("route").into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return crate::api::method_not_allowed(method).await;
    }
    let Some((file, cache)) = resolve(&site, path) else {
        return ApiError::NotFound("file").into_response();
    };
    respond(file, cache, &headers).await
}

/// The file a path names and its `Cache-Control`.
fn resolve(site: &Site, path: &str) -> Option<(Arc<File>, &'static str)> {
    let rel = path.trim_start_matches('/');
    if let Some(rest) = rel.strip_prefix("assets/") {
        let (build, file) = rest.split_once('/')?;
        // Another build's URL (a tab opened before an upgrade) still gets today's file,
        // but must not be cached under that URL.
        let cache = if build == site.build_id() && site.immutable() {
            IMMUTABLE
        } else {
            NO_CACHE
        };
        return Some((site.file(file)?, cache));
    }
    if rel.is_empty() {
        return Some((site.file("index.html")?, NO_CACHE));
    }
    // A file at its own path (`/sw.js`, `/manifest.webmanifest`, `/icons/...`: URLs that must
    // not change between builds), revalidated on every use.
    if let Some(file) = site.file(rel) {
        return Some((file, NO_CACHE));
    }
    let last = rel.rsplit('/').next().unwrap_or(rel);
    if last.contains('.') {
        return None;
    }
    // A client-side route: the shell.
    Some((site.file("index.html")?, NO_CACHE))
}

/// The response for `file`: 304 when the client's copy is current, else the body in the
/// best encoding the client accepts.
async fn respond(file: Arc<File>, cache: &'static str, req: &HeaderMap) -> Response {
    let mut out = HeaderMap::new();
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(etag) = HeaderValue::from_str(&file.etag) {
        out.insert(header::ETAG, etag);
    }
    if file.compressible() {
        out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    let fresh = req
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == file.etag || t.trim() == "*")
        });
    if fresh {
        return (StatusCode::NOT_MODIFIED, out).into_response();
    }
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.mime));
    let wanted = req
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .and_then(encoding::negotiate)
        .filter(|_| file.compressible());
    if let Some(enc) = wanted
        && let Some(body) = encoded(&file, enc).await
    {
        out.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(enc.token()),
        );
        return (StatusCode::OK, out, body).into_response();
    }
    (StatusCode::OK, out, file.body.clone()).into_response()
}

/// The body in `enc`, compressing on a blocking thread when it is not ready yet.
async fn encoded(file: &Arc<File>, enc: Encoding) -> Option<axum::body::Bytes> {
    if file.is_encoded(enc) {
        return file.encoded(enc);
    }
    let f = file.clone();
    tokio::task::spawn_blocking(move || f.encoded(enc))
        .await
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    //! The release-build behaviour (files fixed in memory, hashed build id), which the
    //! integration tests cannot see: they run a debug daemon that serves from disk.

    use axum::body::Body;
    use axum::http::Request;
    use sha2::{Digest, Sha256};
    use tower::ServiceExt;

    use super::super::files::RawFile;
    use super::*;

    fn site() -> Site {
        let files = [
            (
                "index.html",
                "<script type=module src=\"/assets/__BUILD__/app/main.js\"></script>".to_owned(),
            ),
            ("app/main.js", "console.log('spectrus');\n".repeat(50)),
            ("sw.js", "const CACHE = 'shell-__BUILD__';".to_owned()),
        ];
        Site::fixed(
            files
                .into_iter()
                .map(|(p, d)| RawFile {
                    path: p.into(),
                    sha256: Sha256::digest(d.as_bytes()).into(),
                    data: d.into_bytes(),
                })
                .collect(),
        )
    }

    async fn get(site: Site, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut req = Request::get(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        super::super::router_for(site)
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    async fn text(resp: Response) -> String {
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    fn header<'a>(resp: &'a Response, name: &str) -> &'a str {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }

    #[tokio::test]
    async fn current_build_assets_are_immutable_and_compressed() {
        let s = site();
        let id = s.build_id().to_owned();
        let resp = get(
            s,
            &format!("/assets/{id}/app/main.js"),
            &[("accept-encoding", "gzip, br")],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(header(&resp, "cache-control"), IMMUTABLE);
        assert_eq!(header(&resp, "content-encoding"), "br");
        assert_eq!(
            header(&resp, "content-type"),
            "text/javascript; charset=utf-8"
        );
    }

    #[tokio::test]
    async fn another_builds_assets_are_not_cached() {
        let resp = get(site(), "/assets/0123456789ab/app/main.js", &[]).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(header(&resp, "cache-control"), NO_CACHE);
        assert_eq!(header(&resp, "content-encoding"), "");
    }

    #[tokio::test]
    async fn the_shell_and_sw_carry_the_build_id() {
        let s = site();
        let id = s.build_id().to_owned();
        let resp = get(s, "/invite/abc", &[]).await;
        assert_eq!(header(&resp, "cache-control"), NO_CACHE);
        let etag = header(&resp, "etag").to_owned();
        let body = text(resp).await;
        assert!(
            body.contains(&format!("/assets/{id}/app/main.js")),
            "{body}"
        );
        assert!(!body.contains("__BUILD__"));
        let again = get(site(), "/", &[("if-none-match", &etag)]).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let sw = text(get(site(), "/sw.js", &[]).await).await;
        assert_eq!(sw, format!("const CACHE = 'shell-{id}';"));
        let main = get(site(), "/app/main.js", &[]).await;
        assert_eq!(
            main.status(),
            StatusCode::OK,
            "files also answer at their own path"
        );
        assert_eq!(header(&main, "cache-control"), NO_CACHE);
    }

    #[tokio::test]
    async fn unknown_files_and_traversal_are_404() {
        for path in [
            "/nope.js",
            "/assets/x/nope.js",
            "/assets/x/../Cargo.toml",
            "/app/nope.js",
        ] {
            assert_eq!(
                get(site(), path, &[]).await.status(),
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
    }
}
