//! Event webhooks: each enabled plugin subscribed to events has a bounded queue (a bus
//! [`Tap`] filtered like a session of its bot, so it sees what the bot may see) drained by
//! a task of its own, which POSTs each event signed and retries with exponential backoff
//! until [`RetrySchedule::give_up_after`], then drops and counts it. Publishing never waits:
//! a full queue drops the event (counted). Consecutive failures mark the plugin unhealthy.
//! Every POST (events and slash commands) goes through [`Poster`]: the SSRF guard refuses a
//! webhook on a loopback, private, link-local or the daemon's own address unless the
//! operator allows private webhooks (`plugins.allow_private_webhooks`).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use spectrus_proto::Id;
use spectrus_proto::interactions::{EventDelivery, WEBHOOK_EVENT};
use tokio::sync::{mpsc, watch};

use super::Signer;
use crate::bus::Tap;
use crate::netguard::{Guard, GuardedResolver, Refused, refusal};

/// Events waiting per plugin before new ones are dropped.
pub(crate) const QUEUE: usize = 1024;
/// How long one delivery attempt may take.
pub(crate) const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Consecutive failed attempts after which a plugin shows as unhealthy.
pub(crate) const UNHEALTHY_AFTER: u32 = 3;
/// The longest wait between two attempts.
const MAX_DELAY: Duration = Duration::from_secs(3600);

/// When failed deliveries are tried again: after `first`, then twice as long each time (at
/// most an hour), until `give_up_after` since the first attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetrySchedule {
    pub first: Duration,
    pub give_up_after: Duration,
}

impl RetrySchedule {
    /// The wait after failed attempt `n` (0-based).
    pub(crate) fn delay(&self, n: u32) -> Duration {
        self.first
            .saturating_mul(2u32.saturating_pow(n.min(30)))
            .min(MAX_DELAY.max(self.first))
    }
}

/// A plugin's delivery health.
#[derive(Debug, Default)]
pub(crate) struct Health {
    failures: AtomicU32,
}

impl Health {
    /// Whether fewer than [`UNHEALTHY_AFTER`] attempts in a row failed.
    pub(crate) fn healthy(&self) -> bool {
        self.failures.load(Ordering::Relaxed) < UNHEALTHY_AFTER
    }
    fn succeeded(&self) {
        self.failures.store(0, Ordering::Relaxed);
    }
    fn failed(&self) {
        self.failures.fetch_add(1, Ordering::Relaxed);
    }
}

/// What one plugin receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subscription {
    pub plugin_id: String,
    pub bot_id: Id,
    pub events: Vec<String>,
    pub webhook_url: String,
}

struct Job {
    event: String,
    payload: String,
}

/// A plugin's queue as the bus sees it.
struct Queue {
    user: Id,
    events: HashSet<String>,
    tx: mpsc::Sender<Job>,
    counts: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    backlog: AtomicI64,
    dropped: AtomicU64,
}

impl Tap for Queue {
    fn user(&self) -> Id {
        self.user
    }

    fn offer(&self, event: &str, payload: &str) {
        if !self.events.contains(event) {
            return;
        }
        let job = Job {
            event: event.to_owned(),
            payload: payload.to_owned(),
        };
        match self.tx.try_send(job) {
            Ok(()) => {
                self.counts.backlog.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                self.counts.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

struct Running {
    sub: Subscription,
    tap: Arc<Queue>,
    /// Dropping it stops the task.
    _stop: watch::Sender<()>,
}

/// Every plugin's delivery; see the module comment.
pub(crate) struct Deliveries {
    retry: RetrySchedule,
    poster: Poster,
    health: RwLock<HashMap<String, Arc<Health>>>,
    running: Mutex<HashMap<String, Running>>,
    counts: Arc<Counts>,
}

impl Deliveries {
    /// Deliveries retried on `retry`'s schedule, to the addresses `guard` allows.
    pub(crate) fn new(retry: RetrySchedule, guard: Guard) -> anyhow::Result<Deliveries> {
        Ok(Deliveries {
            retry,
            poster: Poster::new(guard)?,
            health: RwLock::new(HashMap::new()),
            running: Mutex::new(HashMap::new()),
            counts: Arc::new(Counts::default()),
        })
    }

    /// What webhooks are POSTed with.
    pub(crate) fn poster(&self) -> &Poster {
        &self.poster
    }

    /// A plugin's health (healthy until a delivery fails).
    pub(crate) fn health(&self, plugin_id: &str) -> Arc<Health> {
        if let Some(h) = self
            .health
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(plugin_id)
        {
            return h.clone();
        }
        self.health
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .entry(plugin_id.to_owned())
            .or_default()
            .clone()
    }

    /// Events queued or being retried, and events dropped (queue full or given up).
    pub(crate) fn counts(&self) -> (i64, u64) {
        (
            self.counts.backlog.load(Ordering::Relaxed).max(0),
            self.counts.dropped.load(Ordering::Relaxed),
        )
    }

    /// Runs delivery for exactly these plugins (unchanged ones keep their queue and task;
    /// the others stop); answers the taps to hand to the bus.
    pub(crate) fn sync(&self, signer: &Arc<Signer>, subs: Vec<Subscription>) -> Vec<Arc<dyn Tap>> {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        running.retain(|id, r| subs.iter().any(|s| &s.plugin_id == id && *s == r.sub));
        for sub in subs {
            if sub.events.is_empty() || running.contains_key(&sub.plugin_id) {
                continue;
            }
            let (tx, rx) = mpsc::channel(QUEUE);
            let (stop_tx, stop_rx) = watch::channel(());
            let tap = Arc::new(Queue {
                user: sub.bot_id,
                events: sub.events.iter().cloned().collect(),
                tx,
                counts: self.counts.clone(),
            });
            let worker = Worker {
                poster: self.poster.clone(),
                signer: signer.clone(),
                sub: sub.clone(),
                health: self.health(&sub.plugin_id),
                retry: self.retry,
                counts: self.counts.clone(),
            };
            tokio::spawn(worker.run(rx, stop_rx));
            running.insert(
                sub.plugin_id.clone(),
                Running {
                    sub,
                    tap,
                    _stop: stop_tx,
                },
            );
        }
        running
            .values()
            .map(|r| r.tap.clone() as Arc<dyn Tap>)
            .collect()
    }
}

struct Worker {
    poster: Poster,
    signer: Arc<Signer>,
    sub: Subscription,
    health: Arc<Health>,
    retry: RetrySchedule,
    counts: Arc<Counts>,
}

impl Worker {
    async fn run(self, mut rx: mpsc::Receiver<Job>, mut stop: watch::Receiver<()>) {
        loop {
            let job = tokio::select! {
                j = rx.recv() => j,
                _ = stop.changed() => None,
            };
            let Some(job) = job else { break };
            let finished = self.deliver(job, &mut stop).await;
            self.counts.backlog.fetch_sub(1, Ordering::Relaxed);
            if !finished {
                break;
            }
        }
        rx.close();
        while rx.try_recv().is_ok() {
            self.counts.backlog.fetch_sub(1, Ordering::Relaxed);
        }
        tracing::debug!(plugin = %self.sub.plugin_id, "webhook delivery stopped");
    }

    /// Delivers one event, retrying; `false` when told to stop meanwhile.
    async fn deliver(&self, job: Job, stop: &mut watch::Receiver<()>) -> bool {
        let id = delivery_id();
        let data = serde_json::from_str(&job.payload).unwrap_or(serde_json::Value::Null);
        let body = serde_json::to_vec(&EventDelivery {
            kind: WEBHOOK_EVENT,
            id: id.clone(),
            plugin_id: self.sub.plugin_id.clone(),
            event: job.event.clone(),
            data,
        })
        .unwrap_or_default();
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            let outcome = self
                .poster
                .post(
                    &self.signer,
                    &self.sub.webhook_url,
                    &job.event,
                    &id,
                    body.clone(),
                    ATTEMPT_TIMEOUT,
                )
                .await;
            match outcome {
                Ok(r) if r.status().is_success() => {
                    self.health.succeeded();
                    return true;
                }
                Ok(r) => {
                    self.health.failed();
                    tracing::debug!(plugin = %self.sub.plugin_id, status = r.status().as_u16(), "webhook refused a delivery");
                }
                Err(e @ PostError::Refused(_)) => {
                    self.health.failed();
                    tracing::warn!(plugin = %self.sub.plugin_id, url = %self.sub.webhook_url, error = %e,
                        "webhook delivery refused: set plugins.allow_private_webhooks to reach a plugin on this host or network");
                }
                Err(e) => {
                    self.health.failed();
                    tracing::debug!(plugin = %self.sub.plugin_id, error = %e, "webhook unreachable");
                }
            }
            let delay = self.retry.delay(attempt);
            attempt += 1;
            if started.elapsed() + delay > self.retry.give_up_after {
                self.counts.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(plugin = %self.sub.plugin_id, event = %job.event, attempts = attempt, "webhook delivery dropped after retrying");
                return true;
            }
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = stop.changed() => return false,
            }
        }
    }
}

/// A delivery id: 16 random bytes, hex.
pub(crate) fn delivery_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Why a webhook POST did not get an answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PostError {
    /// The URL does not parse (manifests are checked, so only an old stored one).
    #[error("the webhook URL {0:?} is not a URL")]
    BadUrl(String),
    /// The guard refused the address (see [`Poster`]).
    #[error("{0}")]
    Refused(#[from] Refused),
    #[error("{0}")]
    Http(reqwest::Error),
}

impl PostError {
    /// Whether the attempt ran out of time.
    pub(crate) fn is_timeout(&self) -> bool {
        matches!(self, PostError::Http(e) if e.is_timeout())
    }
}

/// The guarded HTTP client every webhook POST goes through: no redirects, no proxy, and only
/// addresses the guard allows (an IP literal is checked before, a name by the resolver).
#[derive(Debug, Clone)]
pub(crate) struct Poster {
    client: reqwest::Client,
    guard: Arc<Guard>,
}

impl Poster {
    fn new(guard: Guard) -> anyhow::Result<Poster> {
        let guard = Arc::new(guard);
        let client = reqwest::Client::builder()
            .user_agent(concat!("spectrusd/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(GuardedResolver(guard.clone()))
            .build()?;
        Ok(Poster { client, guard })
    }

    /// Refuses a webhook URL the guard would refuse now (an IP literal, or a name resolving
    /// only to refused addresses): the reason, in words for the operator.
    pub(crate) async fn check(&self, url: &str) -> Result<(), String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("is not a URL ({e})"))?;
        self.guard.check_url(&parsed).await.map_err(|r| {
            format!(
                "{r}: this server sends no webhook there unless its operator sets plugins.allow_private_webhooks (for a plugin on this host or network)"
            )
        })
    }

    /// POSTs `body` to a plugin's webhook, signed (`X-Signature-Ed25519` over
    /// `X-Signature-Timestamp` + body), naming the event and the delivery.
    pub(crate) async fn post(
        &self,
        signer: &Signer,
        url: &str,
        event: &str,
        delivery: &str,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<reqwest::Response, PostError> {
        let parsed = reqwest::Url::parse(url).map_err(|_| PostError::BadUrl(url.to_owned()))?;
        self.guard.check_literal(&parsed)?;
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
            .to_string();
        let signature = signer.sign(&timestamp, &body);
        self.client
            .post(parsed)
            .timeout(timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Signature-Ed25519", signature)
            .header("X-Signature-Timestamp", timestamp)
            .header("X-Spectrus-Event", event)
            .header("X-Spectrus-Delivery", delivery)
            .body(body)
            .send()
            .await
            .map_err(|e| match refusal(&e) {
                Some(r) => PostError::Refused(r.clone()),
                None => PostError::Http(e),
            })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::RetrySchedule;

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        let r = RetrySchedule {
            first: Duration::from_secs(1),
            give_up_after: Duration::from_secs(86_400),
        };
        assert_eq!(r.delay(0), Duration::from_secs(1));
        assert_eq!(r.delay(1), Duration::from_secs(2));
        assert_eq!(r.delay(5), Duration::from_secs(32));
        assert_eq!(r.delay(20), Duration::from_secs(3600));
        assert_eq!(r.delay(200), Duration::from_secs(3600));
    }

    /// A name resolving only to refused addresses fails inside the HTTP client's connect
    /// error, and the guard's refusal is found in its source chain (so it is told apart from
    /// an unreachable webhook); IP literals are refused before any connection.
    #[tokio::test]
    async fn refused_addresses_are_told_apart() {
        use crate::netguard::{Guard, refusal};
        let strict = super::Poster::new(Guard {
            allow_private: false,
            own: vec![],
        })
        .unwrap();
        let e = strict
            .client
            .post("http://localhost:9/hook")
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            refusal(&e).map(|r| r.host.as_str()),
            Some("localhost"),
            "{e:?}"
        );
        for url in [
            "http://10.0.0.1/hook",
            "http://[fd00::1]/",
            "http://127.0.0.1:1/",
        ] {
            let why = strict.check(url).await.unwrap_err();
            assert!(
                why.contains("plugins.allow_private_webhooks"),
                "{url}: {why}"
            );
        }
        assert!(strict.check("https://93.184.216.34/hook").await.is_ok());
        let open = super::Poster::new(Guard {
            allow_private: true,
            own: vec![],
        })
        .unwrap();
        assert!(open.check("http://127.0.0.1:1/hook").await.is_ok());
        let e = open
            .client
            .post("http://localhost:9/hook")
            .send()
            .await
            .unwrap_err();
        assert!(refusal(&e).is_none(), "unreachable, not refused: {e:?}");
    }
}
