//! Rate limiting of login and registration attempts per client IP (governor, GCRA).

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

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
            }
        })
    }

    /// Forgets idle keys (call now and then).
    pub(crate) fn shrink(&self) {
        self.limiter.retain_recent();
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
            Err(ApiError::RateLimited { retry_after_ms }) => assert!(retry_after_ms > 0),
            other => panic!("expected rate limit, got {other:?}"),
        }
        assert!(l.check(b).is_ok());
    }
}
