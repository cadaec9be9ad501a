//! A global budget of request-body memory: each request reserves its declared body size (or
//! the largest body allowed when it declares none) before its body is read, and gives it back
//! with its answer. Requests beyond the budget wait their turn (their bytes stay in the
//! kernel's socket buffers); one that waits longer than the limit is refused with a 503.

use hyper::header::CONTENT_LENGTH;
use hyper::{HeaderMap, Method};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Permits count KiB, so budgets of any size fit the semaphore.
const UNIT: usize = 1024;

/// The shared budget.
#[derive(Clone)]
pub struct Budget {
    permits: Arc<Semaphore>,
    total_units: usize,
    max_body: usize,
    wait: Duration,
}

/// A reservation, released when dropped.
pub struct Reservation(#[allow(dead_code)] Option<OwnedSemaphorePermit>);

impl Budget {
    /// `total` bytes of bodies in flight at once; bodies are at most `max_body` bytes; a
    /// request waits at most `wait` for its share.
    pub fn new(total: usize, max_body: usize, wait: Duration) -> Self {
        let total_units = total.div_ceil(UNIT).max(1);
        Self { permits: Arc::new(Semaphore::new(total_units)), total_units, max_body, wait }
    }

    /// Reserves the body of a request; `None` when the budget stayed exhausted for too long.
    pub async fn reserve(&self, method: &Method, headers: &HeaderMap) -> Option<Reservation> {
        let units = self.units_for(method, headers);
        if units == 0 {
            return Some(Reservation(None));
        }
        let acquire = self.permits.clone().acquire_many_owned(units as u32);
        match tokio::time::timeout(self.wait, acquire).await {
            Ok(Ok(p)) => Some(Reservation(Some(p))),
            _ => None,
        }
    }

    /// The share of a request: its Content-Length (bodies over the limit are refused with a
    /// 413 before they are read, so they need none), or the largest body for a chunked one.
    fn units_for(&self, method: &Method, headers: &HeaderMap) -> usize {
        let declared =
            headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
        let bytes = match declared {
            Some(n) if n > self.max_body as u64 => 0,
            Some(n) => n as usize,
            None if matches!(*method, Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS) => 0,
            None => self.max_body,
        };
        bytes.div_ceil(UNIT).min(self.total_units).min(u32::MAX as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn with_length(n: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_LENGTH, HeaderValue::from_str(n).unwrap());
        h
    }

    #[tokio::test]
    async fn waits_then_refuses() {
        let b = Budget::new(4 * UNIT, 1 << 20, Duration::from_millis(50));
        assert_eq!(b.units_for(&Method::POST, &HeaderMap::new()), 4);
        assert_eq!(b.units_for(&Method::GET, &HeaderMap::new()), 0);
        assert_eq!(b.units_for(&Method::PUT, &with_length("99999999999")), 0);
        let first = b.reserve(&Method::PUT, &with_length("3000")).await.expect("fits");
        assert!(b.reserve(&Method::PUT, &with_length("2000")).await.is_none(), "over the budget");
        assert!(b.reserve(&Method::PUT, &with_length("1000")).await.is_some(), "fits beside the first");
        drop(first);
        assert!(b.reserve(&Method::PUT, &with_length("4096")).await.is_some());
    }
}
