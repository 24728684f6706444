//! One guarded GET: http(s) only, every hop's address checked (redirects followed by hand,
//! at most [`MAX_REDIRECTS`]), the body read incrementally up to a cap, all within a deadline.

use std::time::Duration;

use reqwest::{Client, StatusCode, Url, header};

use crate::netguard::Guard;

/// Redirects followed at most.
pub(crate) const MAX_REDIRECTS: usize = 3;

/// Why nothing was fetched.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FetchError {
    #[error("only http and https links are fetched")]
    Scheme,
    #[error("{0} is not an address a preview may reach")]
    Refused(String),
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    #[error("the page answered {0}")]
    Status(StatusCode),
    #[error("the body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the content type {0:?} is not wanted")]
    ContentType(String),
    #[error("timed out")]
    Timeout,
    #[error("{0}")]
    Http(#[from] reqwest::Error),
}

/// A fetched body.
#[derive(Debug)]
pub(crate) struct Fetched {
    /// Where the last hop was.
    pub url: Url,
    /// The `Content-Type`'s media type, lower case.
    pub content_type: String,
    pub body: Vec<u8>,
}

/// GETs `url` through `client` (whose resolver is guarded too), refusing IP literals the
/// guard does not allow, bodies over `cap` bytes and media types `wanted` says no to.
pub(crate) async fn get(
    client: &Client,
    guard: &Guard,
    url: Url,
    cap: usize,
    deadline: Duration,
    wanted: fn(&str) -> bool,
) -> Result<Fetched, FetchError> {
    tokio::time::timeout(deadline, hops(client, guard, url, cap, wanted))
        .await
        .map_err(|_| FetchError::Timeout)?
}

async fn hops(
    client: &Client,
    guard: &Guard,
    mut url: Url,
    cap: usize,
    wanted: fn(&str) -> bool,
) -> Result<Fetched, FetchError> {
    for _ in 0..=MAX_REDIRECTS {
        check(guard, &url)?;
        let resp = client.get(url.clone()).send().await?;
        let status = resp.status();
        if status.is_redirection() {
            let next = resp
                .headers()
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| url.join(l).ok())
                .ok_or(FetchError::Status(status))?;
            url = next;
            continue;
        }
        if !status.is_success() {
            return Err(FetchError::Status(status));
        }
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if !wanted(&content_type) {
            return Err(FetchError::ContentType(content_type));
        }
        if resp.content_length().is_some_and(|n| n > cap as u64) {
            return Err(FetchError::TooLarge(cap));
        }
        let mut body = Vec::new();
        let mut resp = resp;
        while let Some(chunk) = resp.chunk().await? {
            if body.len() + chunk.len() > cap {
                return Err(FetchError::TooLarge(cap));
            }
            body.extend_from_slice(&chunk);
        }
        return Ok(Fetched {
            url,
            content_type,
            body,
        });
    }
    Err(FetchError::TooManyRedirects)
}

/// http(s) only; an IP literal host must be allowed (names are checked by the resolver).
fn check(guard: &Guard, url: &Url) -> Result<(), FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::Scheme);
    }
    guard
        .check_literal(url)
        .map_err(|r| FetchError::Refused(r.host))
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::response::Redirect;
    use axum::routing::get;

    use super::*;
    use crate::netguard::GuardedResolver;

    /// Every redirect hop is checked: a page on an allowed address redirecting to a refused
    /// one (here the daemon's "own" 127.0.0.2) never reaches it.
    #[tokio::test]
    async fn a_redirect_to_a_refused_address_is_not_followed() {
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        let target = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
        let target_addr = target.local_addr().unwrap();
        let app = Router::new().route(
            "/",
            get(move || {
                counted.fetch_add(1, Ordering::SeqCst);
                async { "secret" }
            }),
        );
        tokio::spawn(async move { axum::serve(target, app).await });
        let to = format!("http://{target_addr}/");
        let redirector = Router::new()
            .route("/r", get(move || async move { Redirect::temporary(&to) }))
            .route("/loop", get(|| async { Redirect::temporary("/loop") }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, redirector).await });

        let guard = Guard {
            allow_private: true,
            own: vec![IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))],
        };
        let client = Client::builder()
            .dns_resolver(GuardedResolver(Arc::new(guard.clone())))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap();
        let get_ = |path: &str| {
            let url = Url::parse(&format!("http://{addr}{path}")).unwrap();
            super::get(&client, &guard, url, 1024, Duration::from_secs(5), |_| true)
        };
        let r = get_("/r").await;
        assert!(matches!(r, Err(FetchError::Refused(_))), "{r:?}");
        assert_eq!(hits.load(Ordering::SeqCst), 0);
        let r = get_("/loop").await;
        assert!(matches!(r, Err(FetchError::TooManyRedirects)), "{r:?}");
    }
}
