//! Rate limits (governor, GCRA): login and registration attempts per client IP
//! ([`AuthLimiter`]), and the per-account limits of [`Rates`]: posting per channel, typing,
//! reactions, invites, voice signalling and REST requests overall, plus a progressive delay
//! of logins per username ([`UsernameThrottle`]). `limits.rate_limits = false` turns
//! [`Rates`] off; the per-IP auth limit stays, and so does the per-channel [`Slowmode`]
//! moderators set (a moderation setting, not a resource bound).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use spectrus_proto::Id;

use crate::config::LimitsConfig;
use crate::error::ApiError;

/// Per-IP limiter of auth attempts.
pub(crate) struct AuthLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

impl AuthLimiter {
    /// Allows `per_minute` attempts per IP, with that many in a burst.
    pub(crate) fn new(per_minute: u32) -> AuthLimiter {
        let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        AuthLimiter {
            limiter: RateLimiter::keyed(Quota::per_minute(n)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one attempt from `ip`.
    pub(crate) fn check(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            ApiError::RateLimited {
                retry_after_ms: wait.as_millis().max(1) as u64,
                limit: not_until.quota().burst_size().get(),
            }
        })
    }

    /// Forgets idle keys (call now and then).
    pub(crate) fn shrink(&self) {
        self.limiter.retain_recent();
    }
}

/// One keyed limit: `burst` at once, then `per_minute` spread evenly.
struct Keyed<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    clock: DefaultClock,
}

impl<K: Hash + Eq + Clone> Keyed<K> {
    fn new(per_minute: u32, burst: u32) -> Keyed<K> {
        let rate = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Keyed {
            limiter: RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst)),
            clock: DefaultClock::default(),
        }
    }

    fn check(&self, key: &K) -> Result<(), ApiError> {
        self.limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            ApiError::RateLimited {
                retry_after_ms: wait.as_millis().max(1) as u64,
                limit: not_until.quota().burst_size().get(),
            }
        })
    }

    fn shrink(&self) {
        self.limiter.retain_recent();
    }
}

/// A quarter of a minute's allowance may come at once (at least one).
fn burst_of(per_minute: u32) -> u32 {
    (per_minute / 4).max(1)
}

/// The per-account rate limits (and per IP before authentication).
pub(crate) struct Rates {
    enabled: bool,
    /// Per (user, channel).
    messages: Keyed<(Id, Id)>,
    typing: Keyed<Id>,
    reactions: Keyed<Id>,
    invites: Keyed<Id>,
    dms: Keyed<Id>,
    voice: Keyed<Id>,
    uploads: Keyed<Id>,
    requests_by_user: Keyed<Id>,
    requests_by_ip: Keyed<IpAddr>,
    usernames: UsernameThrottle,
    slowmode: Slowmode,
}

impl Rates {
    /// The limits of `limits` (all off when `limits.rate_limits` is false).
    pub(crate) fn new(limits: &LimitsConfig) -> Rates {
        fn keyed<K: Hash + Eq + Clone>(per_minute: u32) -> Keyed<K> {
            Keyed::new(per_minute, burst_of(per_minute))
        }
        Rates {
            enabled: limits.rate_limits,
            messages: Keyed::new(limits.messages_per_minute, limits.messages_burst),
            typing: keyed(limits.typing_per_minute),
            reactions: keyed(limits.reactions_per_minute),
            invites: keyed(limits.invites_per_minute),
            dms: keyed(limits.dms_per_minute),
            voice: keyed(limits.voice_per_minute),
            uploads: keyed(limits.uploads_per_minute),
            requests_by_user: keyed(limits.requests_per_minute),
            requests_by_ip: keyed(limits.requests_per_minute),
            usernames: UsernameThrottle::default(),
            slowmode: Slowmode::default(),
        }
    }

    fn check<K: Hash + Eq + Clone>(&self, limit: &Keyed<K>, key: K) -> Result<(), ApiError> {
        if self.enabled {
            limit.check(&key)
        } else {
            Ok(())
        }
    }

    /// One message by `user` in `channel`.
    pub(crate) fn message(&self, user: Id, channel: Id) -> Result<(), ApiError> {
        self.check(&self.messages, (user, channel))
    }

    /// One typing notice by `user`.
    pub(crate) fn typing(&self, user: Id) -> Result<(), ApiError> {
        self.check(&self.typing, user)
    }

    /// One reaction added or removed by `user`.
    pub(crate) fn reaction(&self, user: Id) -> Result<(), ApiError> {
        self.check(&self.reactions, user)
    }

    /// One invite created by `user`.
    pub(crate) fn invite(&self, user: Id) -> Result<(), ApiError> {
        self.check(&self.invites, user)
    }

    /// One new direct message conversation opened by `user`.
    pub(crate) fn dm_open(&self, user: Id) -> Result<(), ApiError> {
        self.check(&self.dms, user)
    }

    /// One voice join or state change by `user`.
    pub(crate) fn voice(&self, user: Id) -> Result<(), ApiError> {
        self.check(&self.voice, user)
    }

    /// One upload (a message with files, an avatar or an icon) by `user`.
    pub(crate) fn upload(&self, user: Id) -> Result<(), ApiError> {
        self.check(&self.uploads, user)
    }

    /// One REST request by an authenticated `user`.
    pub(crate) fn request_by_user(&self, user: Id) -> Result<(), ApiError> {
        self.check(&self.requests_by_user, user)
    }

    /// One REST request without credentials from `ip`.
    pub(crate) fn request_by_ip(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.check(&self.requests_by_ip, ip)
    }

    /// Whether `username` may try to log in now (see [`UsernameThrottle`]).
    pub(crate) fn login_allowed(&self, username: &str) -> Result<(), ApiError> {
        if self.enabled {
            self.usernames.check(username, Instant::now())
        } else {
            Ok(())
        }
    }

    /// A failed login or registration for `username`.
    pub(crate) fn login_failed(&self, username: &str) {
        if self.enabled {
            self.usernames.failed(username, Instant::now());
        }
    }

    /// A successful login for `username`: its delay is forgotten.
    pub(crate) fn login_succeeded(&self, username: &str) {
        self.usernames.succeeded(username);
    }

    /// One message by `user` in `channel` whose slowmode is `seconds` (0 = off); applies
    /// even when the rate limits are off. The caller decides who is exempt.
    pub(crate) fn slowmode(&self, user: Id, channel: Id, seconds: u32) -> Result<(), ApiError> {
        self.slowmode.post(user, channel, seconds, Instant::now())
    }

    /// Forgets `user`'s last post in `channel` (it was refused after the slowmode check).
    pub(crate) fn slowmode_forget(&self, user: Id, channel: Id) {
        self.slowmode.forget(user, channel);
    }

    /// Forgets idle keys (call now and then).
    pub(crate) fn shrink(&self) {
        self.slowmode.shrink(Instant::now());
        self.messages.shrink();
        self.typing.shrink();
        self.reactions.shrink();
        self.invites.shrink();
        self.dms.shrink();
        self.voice.shrink();
        self.uploads.shrink();
        self.requests_by_user.shrink();
        self.requests_by_ip.shrink();
        self.usernames.shrink(Instant::now());
    }
}

/// The longest slowmode a channel can have (Discord's `rate_limit_per_user` maximum).
pub(crate) const MAX_SLOWMODE_SECONDS: u32 = 21_600;

/// When each member last posted in each channel with slowmode on. Checking and recording
/// is one step under the lock, so two concurrent posts cannot both pass.
#[derive(Default)]
pub(crate) struct Slowmode {
    last_post: Mutex<HashMap<(Id, Id), Instant>>,
}

impl Slowmode {
    fn post(&self, user: Id, channel: Id, seconds: u32, now: Instant) -> Result<(), ApiError> {
        if seconds == 0 {
            return Ok(());
        }
        let period = Duration::from_secs(u64::from(seconds));
        let mut map = self.last_post.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(last) = map.get(&(user, channel)) {
            let since = now.duration_since(*last);
            if since < period {
                return Err(ApiError::Slowmode {
                    retry_after_ms: (period - since).as_millis().max(1) as u64,
                    seconds,
                });
            }
        }
        map.insert((user, channel), now);
        Ok(())
    }

    fn forget(&self, user: Id, channel: Id) {
        self.last_post
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(user, channel));
    }

    fn shrink(&self, now: Instant) {
        let longest = Duration::from_secs(u64::from(MAX_SLOWMODE_SECONDS));
        self.last_post
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, last| now.duration_since(*last) < longest);
    }
}

/// Failed logins per username: after [`FREE_FAILURES`] failures in a row, each further
/// attempt must wait, one second after the fifth failure and twice as long after each next
/// one, at most [`MAX_DELAY`]; attempts during the wait are refused (429) without being
/// counted. A success, or [`FORGET_AFTER`] without failures, clears it. An attacker can
/// slow an account's logins down to one a minute, never lock it out.
#[derive(Default)]
pub(crate) struct UsernameThrottle {
    map: Mutex<HashMap<String, Failures>>,
}

/// Failures allowed before logins for a username are delayed.
const FREE_FAILURES: u32 = 4;
/// The longest delay between attempts for one username.
const MAX_DELAY: Duration = Duration::from_secs(60);
/// Failures are forgotten after this long without one.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// When the next attempt may come.
    fn next_allowed(&self) -> Instant {
        if self.count <= FREE_FAILURES {
            return self.last;
        }
        let doublings = (self.count - FREE_FAILURES - 1).min(16);
        self.last + Duration::from_secs(1 << doublings).min(MAX_DELAY)
    }
}

impl UsernameThrottle {
    fn key(username: &str) -> String {
        username.trim().to_lowercase()
    }

    fn check(&self, username: &str, now: Instant) -> Result<(), ApiError> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&Self::key(username)) {
            Some(f) if now.duration_since(f.last) < FORGET_AFTER && f.next_allowed() > now => {
                Err(ApiError::RateLimited {
                    retry_after_ms: (f.next_allowed() - now).as_millis().max(1) as u64,
                    limit: FREE_FAILURES + 1,
                })
            }
            _ => Ok(()),
        }
    }

    fn failed(&self, username: &str, now: Instant) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let f = map.entry(Self::key(username)).or_insert(Failures {
            count: 0,
            last: now,
        });
        if now.duration_since(f.last) >= FORGET_AFTER {
            f.count = 0;
        }
        f.count = f.count.saturating_add(1);
        f.last = now;
    }

    fn succeeded(&self, username: &str) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&Self::key(username));
    }

    fn shrink(&self, now: Instant) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_ip() {
        let l = AuthLimiter::new(2);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(l.check(a).is_ok());
        assert!(l.check(a).is_ok());
        match l.check(a) {
            Err(ApiError::RateLimited { retry_after_ms, .. }) => assert!(retry_after_ms > 0),
            other => panic!("expected rate limit, got {other:?}"),
        }
        assert!(l.check(b).is_ok());
    }

    #[test]
    fn messages_burst_then_steady_per_channel_and_off_means_off() {
        let r = Rates::new(&LimitsConfig::default());
        let (u, a, b) = (Id(1), Id(10), Id(11));
        for _ in 0..5 {
            r.message(u, a).unwrap();
        }
        match r.message(u, a) {
            Err(ApiError::RateLimited {
                retry_after_ms,
                limit,
            }) => {
                assert_eq!(limit, 5);
                assert!(retry_after_ms <= 1000, "{retry_after_ms}");
            }
            other => panic!("expected rate limit, got {other:?}"),
        }
        r.message(u, b).unwrap();
        let off = Rates::new(&LimitsConfig {
            rate_limits: false,
            ..Default::default()
        });
        for _ in 0..100 {
            off.message(u, a).unwrap();
        }
    }

    #[test]
    fn slowmode_waits_per_member_and_channel() {
        let s = Slowmode::default();
        let t0 = Instant::now();
        let (u, v, a, b) = (Id(1), Id(2), Id(10), Id(11));
        s.post(u, a, 30, t0).unwrap();
        match s.post(u, a, 30, t0 + Duration::from_secs(10)) {
            Err(ApiError::Slowmode {
                retry_after_ms,
                seconds,
            }) => {
                assert_eq!(seconds, 30);
                assert_eq!(retry_after_ms, 20_000);
            }
            other => panic!("expected slowmode, got {other:?}"),
        }
        s.post(v, a, 30, t0).unwrap();
        s.post(u, b, 30, t0).unwrap();
        s.post(u, a, 30, t0 + Duration::from_secs(30)).unwrap();
        for _ in 0..3 {
            s.post(u, a, 0, t0).unwrap();
        }
    }

    #[test]
    fn login_delays_grow_per_username_and_a_success_clears_them() {
        let t = UsernameThrottle::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES {
            t.check("Bob", t0).unwrap();
            t.failed("bob", t0);
        }
        t.check("bob", t0).unwrap();
        t.failed("bob", t0);
        assert!(t.check("bob", t0).is_err(), "one second after the fifth");
        assert!(t.check("alice", t0).is_ok());
        t.check("bob", t0 + Duration::from_secs(1)).unwrap();
        t.failed("bob", t0 + Duration::from_secs(1));
        assert!(t.check("bob", t0 + Duration::from_millis(2900)).is_err());
        t.check("bob", t0 + Duration::from_secs(3)).unwrap();
        // Never more than a minute.
        let mut now = t0 + Duration::from_secs(3);
        for _ in 0..30 {
            t.failed("bob", now);
            now += MAX_DELAY;
            t.check("bob", now).unwrap();
        }
        t.succeeded("bob");
        t.check("bob", now).unwrap();
    }
}
