//! Link previews as the daemon holds them (beside `license` and `voice`, below `service`):
//! the guarded HTTP client (the crate's `netguard`: which addresses may be reached, through
//! its own DNS resolver; `fetch`: one capped GET following redirects by hand), the OpenGraph parser
//! (`og`), which link of a message is previewed (`links`), the per-URL cache (in memory: an
//! LRU of [`CACHE_ENTRIES`] with a TTL) and the HMAC that signs image-proxy URLs.

pub(crate) mod fetch;
pub(crate) mod links;
pub(crate) mod og;

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lc_rs::hmac;
use lru::LruCache;
use reqwest::{Client, Url, redirect};
use spectrus_proto::model::{Embed, EmbedImage};

use crate::netguard::{Guard, GuardedResolver};
pub(crate) use fetch::FetchError;

/// A page is read up to this many bytes; a larger one gets no preview.
pub(crate) const PAGE_MAX_BYTES: usize = 1024 * 1024;
/// A proxied image is at most this large.
pub(crate) const IMAGE_MAX_BYTES: usize = 8 * 1024 * 1024;
/// The whole fetch (every hop and the body) within this.
pub(crate) const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// URLs whose preview is remembered.
pub(crate) const CACHE_ENTRIES: usize = 1024;
/// How long a preview is remembered.
const CACHE_TTL: Duration = Duration::from_secs(60 * 60);
/// How long "this link has no preview" is remembered.
const CACHE_TTL_NONE: Duration = Duration::from_secs(10 * 60);
/// Where the image proxy is served.
pub(crate) const IMAGE_PATH: &str = "/api/v1/previews/image";

struct Cached {
    at: Instant,
    embed: Option<Embed>,
}

/// A message whose link is to be previewed.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub channel: spectrus_proto::Id,
    pub message: spectrus_proto::Id,
    pub url: Url,
}

/// Previews waiting for the worker at most; more are dropped (a post never waits).
pub(crate) const QUEUE: usize = 256;

/// The preview fetcher, its cache and its signing key.
pub(crate) struct Previews {
    jobs: tokio::sync::mpsc::Sender<Job>,
    client: Client,
    guard: Arc<Guard>,
    key: hmac::Key,
    cache: Mutex<LruCache<String, Cached>>,
}

impl std::fmt::Debug for Previews {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Previews")
            .field("guard", &self.guard)
            .finish_non_exhaustive()
    }
}

/// Whether a media type is a page worth parsing.
fn is_html(t: &str) -> bool {
    t == "text/html" || t == "application/xhtml+xml"
}

/// Whether a media type is an image the proxy serves (never SVG: it can carry script).
pub(crate) fn is_image(t: &str) -> bool {
    t.starts_with("image/") && !t.contains("svg")
}

impl Previews {
    /// A fetcher refusing private addresses unless `allow_private`, and always `own` (the
    /// daemon's listening addresses); image URLs are signed with a key derived from `secret`.
    /// The receiver is the worker's queue of [`Job`]s.
    pub(crate) fn new(
        allow_private: bool,
        own: Vec<IpAddr>,
        secret: &[u8],
    ) -> Result<(Previews, tokio::sync::mpsc::Receiver<Job>), reqwest::Error> {
        let (jobs, rx) = tokio::sync::mpsc::channel(QUEUE);
        let guard = Arc::new(Guard { allow_private, own });
        let client = Client::builder()
            .dns_resolver(GuardedResolver(guard.clone()))
            .redirect(redirect::Policy::none())
            .no_proxy()
            .connect_timeout(FETCH_TIMEOUT)
            .timeout(FETCH_TIMEOUT)
            .user_agent(concat!(
                "Mozilla/5.0 (compatible; Spectrus link preview/",
                env!("CARGO_PKG_VERSION"),
                ")"
            ))
            .build()?;
        let master = hmac::Key::new(hmac::HMAC_SHA256, secret);
        let derived = hmac::sign(&master, b"spectrus link preview images");
        let previews = Previews {
            jobs,
            client,
            guard,
            key: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()),
            cache: Mutex::new(LruCache::new(
                NonZeroUsize::new(CACHE_ENTRIES).unwrap_or(NonZeroUsize::MIN),
            )),
        };
        Ok((previews, rx))
    }

    /// Queues a preview for the worker; never waits (a full queue drops it).
    pub(crate) fn enqueue(&self, job: Job) {
        if let Err(e) = self.jobs.try_send(job) {
            tracing::debug!(error = %e, "link preview dropped");
        }
    }

    /// The preview of `url`, from the cache or fetched (`None`: nothing to show, or refused).
    pub(crate) async fn preview(&self, url: &Url) -> Option<Embed> {
        let key = url.as_str().to_owned();
        if let Some(hit) = self.cached(&key) {
            return hit;
        }
        let embed = match self.fetch_page(url).await {
            Ok(e) => e,
            Err(e) => {
                tracing::debug!(%url, error = %e, "no link preview");
                None
            }
        };
        self.lock().put(
            key,
            Cached {
                at: Instant::now(),
                embed: embed.clone(),
            },
        );
        embed
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, Cached>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cached(&self, key: &str) -> Option<Option<Embed>> {
        let mut cache = self.lock();
        let hit = cache.get(key)?;
        let ttl = if hit.embed.is_some() {
            CACHE_TTL
        } else {
            CACHE_TTL_NONE
        };
        if hit.at.elapsed() < ttl {
            return Some(hit.embed.clone());
        }
        cache.pop(key);
        None
    }

    async fn fetch_page(&self, url: &Url) -> Result<Option<Embed>, FetchError> {
        let page = fetch::get(
            &self.client,
            &self.guard,
            url.clone(),
            PAGE_MAX_BYTES,
            FETCH_TIMEOUT,
            is_html,
        )
        .await?;
        let html = String::from_utf8_lossy(&page.body);
        let og = og::parse(&html, &page.url);
        if og.is_empty() {
            return Ok(None);
        }
        Ok(Some(Embed {
            url: url.to_string(),
            title: og.title,
            description: og.description,
            site_name: og.site_name,
            image: og.image.map(|i| EmbedImage {
                url: self.proxy_url(&i),
                width: og.image_width,
                height: og.image_height,
            }),
        }))
    }

    fn sign(&self, url: &str) -> String {
        let tag = hmac::sign(&self.key, url.as_bytes());
        hex::encode(tag.as_ref())
    }

    /// The image proxy's path for `image`, signed.
    pub(crate) fn proxy_url(&self, image: &Url) -> String {
        let sig = self.sign(image.as_str());
        let mut u = Url::parse("http://proxy.invalid").unwrap_or_else(|_| image.clone());
        u.set_path(IMAGE_PATH);
        u.query_pairs_mut()
            .append_pair("url", image.as_str())
            .append_pair("sig", &sig);
        format!("{}?{}", u.path(), u.query().unwrap_or(""))
    }

    /// Whether `sig` is this server's signature of `url`.
    pub(crate) fn verify(&self, url: &str, sig: &str) -> bool {
        // An HMAC-SHA256 tag is 64 hex digits; anything longer is not worth decoding.
        if sig.len() > 64 {
            return false;
        }
        let Ok(bytes) = hex::decode(sig) else {
            return false;
        };
        hmac::verify(&self.key, url.as_bytes(), &bytes).is_ok()
    }

    /// Fetches a signed image (the caller checked the signature).
    pub(crate) async fn image(&self, url: &str) -> Result<fetch::Fetched, FetchError> {
        let url = Url::parse(url).map_err(|_| FetchError::Scheme)?;
        fetch::get(
            &self.client,
            &self.guard,
            url,
            IMAGE_MAX_BYTES,
            FETCH_TIMEOUT,
            is_image,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_the_url_and_the_secret() {
        let p = Previews::new(false, vec![], b"secret one");
        let q = Previews::new(false, vec![], b"secret two");
        let (Ok((p, _)), Ok((q, _))) = (p, q) else {
            panic!("no client")
        };
        let url = "https://example.com/a.png";
        let sig = p.sign(url);
        assert!(p.verify(url, &sig));
        assert!(!p.verify("https://example.com/b.png", &sig));
        assert!(!q.verify(url, &sig));
        assert!(!p.verify(url, "zz"));
        assert!(!p.verify(url, ""));
        let Ok(img) = Url::parse(url) else { panic!() };
        let path = p.proxy_url(&img);
        assert!(
            path.starts_with("/api/v1/previews/image?url=https%3A%2F%2Fexample.com%2Fa.png&sig=")
        );
    }
}
