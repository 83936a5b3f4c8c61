//! The client's request rate: a token bucket of `burst` requests refilled at `qps` a second,
//! as client-go's flowcontrol limiter does, shared by every request of a run.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub(crate) struct Limiter {
    qps: f64,
    burst: f64,
    /// Tokens left, and when they were counted.
    state: Mutex<(f64, Instant)>,
}

impl Limiter {
    /// `qps` of 0 means no limit.
    pub(crate) fn new(qps: f64, burst: u32) -> Limiter {
        let burst = f64::from(burst.max(1));
        Limiter {
            qps,
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// How long to wait before the next request may go; takes its token.
    fn reserve(&self, now: Instant) -> Duration {
        if self.qps <= 0.0 {
            return Duration::ZERO;
        }
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (tokens, at) = *state;
        let refilled =
            (tokens + now.saturating_duration_since(at).as_secs_f64() * self.qps).min(self.burst);
        // A negative balance is the queue of requests already promised a later slot.
        *state = (refilled - 1.0, now);
        if refilled >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - refilled) / self.qps)
        }
    }

    pub(crate) async fn wait(&self) {
        let delay = self.reserve(Instant::now());
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_burst_goes_at_once_then_one_per_interval() {
        let limiter = Limiter::new(10.0, 3);
        let now = Instant::now();
        let delays: Vec<u128> = (0..5).map(|_| limiter.reserve(now).as_millis()).collect();
        assert_eq!(delays, [0, 0, 0, 100, 200]);
        // A second later the bucket is full again (the two queued requests paid for first).
        let later = now + Duration::from_secs(1);
        assert_eq!(limiter.reserve(later), Duration::ZERO);
    }

    #[test]
    fn no_qps_means_no_wait() {
        let limiter = Limiter::new(0.0, 1);
        let now = Instant::now();
        assert!((0..100).all(|_| limiter.reserve(now).is_zero()));
    }
}
