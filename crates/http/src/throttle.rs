//! Failed logins per client address. The per-account lock in the store stops guessing at
//! one account; this stops one address from guessing across many accounts.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginThrottle {
    failures: Mutex<HashMap<IpAddr, Window>>,
    limit: u32,
    window: Duration,
}

struct Window {
    started: Instant,
    failures: u32,
}

impl LoginThrottle {
    /// Failed logins an address may make in one window.
    pub const LIMIT: u32 = 20;
    pub const WINDOW: Duration = Duration::from_secs(15 * 60);
    // Beyond this many addresses, windows that have ended are dropped.
    const PRUNE_AT: usize = 10_000;

    pub fn new(limit: u32, window: Duration) -> Self {
        LoginThrottle {
            failures: Mutex::new(HashMap::new()),
            limit,
            window,
        }
    }

    /// `Err(wait)` while `ip` has used up its failures for the current window.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let map = self
            .failures
            .lock()
            .expect("never poisoned: no panics inside");
        match map.get(&ip) {
            Some(w) if now < w.started + self.window && w.failures >= self.limit => {
                Err(w.started + self.window - now)
            }
            _ => Ok(()),
        }
    }

    pub fn record_failure(&self, ip: IpAddr, now: Instant) {
        let mut map = self
            .failures
            .lock()
            .expect("never poisoned: no panics inside");
        if map.len() >= Self::PRUNE_AT {
            let window = self.window;
            map.retain(|_, w| now < w.started + window);
        }
        let w = map.entry(ip).or_insert(Window {
            started: now,
            failures: 0,
        });
        if now >= w.started + self.window {
            *w = Window {
                started: now,
                failures: 0,
            };
        }
        w.failures += 1;
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle::new(Self::LIMIT, Self::WINDOW)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_waits_out_its_window() {
        let t = LoginThrottle::new(2, Duration::from_secs(60));
        let (ip, other): (IpAddr, IpAddr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        t.record_failure(ip, t0);
        assert!(t.check(ip, t0).is_ok());
        t.record_failure(ip, t0);
        assert_eq!(
            t.check(ip, t0 + Duration::from_secs(10)),
            Err(Duration::from_secs(50))
        );
        assert!(t.check(other, t0).is_ok());
        assert!(t.check(ip, t0 + Duration::from_secs(60)).is_ok());
        t.record_failure(ip, t0 + Duration::from_secs(61));
        assert!(t.check(ip, t0 + Duration::from_secs(61)).is_ok());
    }
}
