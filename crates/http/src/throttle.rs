//! Counting what one client does in a window, by its address or its account. Failed
//! logins: the per-account lock in the store stops guessing at one account; this stops
//! one address from guessing across many. Residents' form: anyone may file without an
//! account, so one address may file only so many requests an hour; a resident's account
//! filing through the API is held to the same count.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Throttle<K = IpAddr> {
    counts: Mutex<HashMap<K, Window>>,
    limit: u32,
    window: Duration,
}

struct Window {
    started: Instant,
    count: u32,
}

impl Throttle {
    /// Failed logins an address may make in one window.
    pub const LOGIN_LIMIT: u32 = 20;
    pub const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);
    /// Requests an address may file through the residents' form in one window: a
    /// household with several needs, not a script.
    pub const REPORT_LIMIT: u32 = 10;
    pub const REPORT_WINDOW: Duration = Duration::from_secs(60 * 60);
    // Beyond this many addresses, windows that have ended are dropped.
    const PRUNE_AT: usize = 10_000;
}

impl<K: Hash + Eq + Clone> Throttle<K> {
    pub fn new(limit: u32, window: Duration) -> Self {
        Throttle {
            counts: Mutex::new(HashMap::new()),
            limit,
            window,
        }
    }

    /// `Err(wait)` while `key` has used up its count for the current window.
    pub fn check(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let map = self
            .counts
            .lock()
            .expect("never poisoned: no panics inside");
        match map.get(key) {
            Some(w) if now < w.started + self.window && w.count >= self.limit => {
                Err(w.started + self.window - now)
            }
            _ => Ok(()),
        }
    }

    pub fn record(&self, key: &K, now: Instant) {
        let mut map = self
            .counts
            .lock()
            .expect("never poisoned: no panics inside");
        if map.len() >= Throttle::PRUNE_AT {
            let window = self.window;
            map.retain(|_, w| now < w.started + window);
        }
        let w = map.entry(key.clone()).or_insert(Window {
            started: now,
            count: 0,
        });
        if now >= w.started + self.window {
            *w = Window {
                started: now,
                count: 0,
            };
        }
        w.count += 1;
    }
}

impl Throttle {
    pub fn logins() -> Self {
        Throttle::new(Self::LOGIN_LIMIT, Self::LOGIN_WINDOW)
    }

    pub fn reports() -> Self {
        Throttle::new(Self::REPORT_LIMIT, Self::REPORT_WINDOW)
    }
}

impl Throttle<String> {
    /// Requests an account that takes no calls may file, by its login.
    pub fn filings() -> Self {
        Throttle::new(Throttle::REPORT_LIMIT, Throttle::REPORT_WINDOW)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_waits_out_its_window() {
        let t = Throttle::new(2, Duration::from_secs(60));
        let (ip, other): (IpAddr, IpAddr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        t.record(&ip, t0);
        assert!(t.check(&ip, t0).is_ok());
        t.record(&ip, t0);
        assert_eq!(
            t.check(&ip, t0 + Duration::from_secs(10)),
            Err(Duration::from_secs(50))
        );
        assert!(t.check(&other, t0).is_ok());
        assert!(t.check(&ip, t0 + Duration::from_secs(60)).is_ok());
        t.record(&ip, t0 + Duration::from_secs(61));
        assert!(t.check(&ip, t0 + Duration::from_secs(61)).is_ok());
    }
}
