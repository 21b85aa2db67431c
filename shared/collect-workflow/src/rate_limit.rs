//! Per-source rate limits. Security Hub and Config allow few requests per second per account, and a
//! catalogue run fans out to many controls at once; every collector waits its turn on its source's
//! limiter before each API call. Throttling that still happens is retried by the SDK and then by the
//! workflow's collect step, never recorded as evidence.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    Config,
    SecurityHub,
    S3,
    CloudTrail,
    Iam,
    Kms,
    Ec2,
    GuardDuty,
    Rds,
    /// Collectors registered by tests or extensions.
    Other,
}

impl Source {
    /// Default sustained calls per second, below AWS's published per-account limits.
    pub fn default_rate(self) -> f64 {
        match self {
            Source::SecurityHub => 3.0,
            Source::Config => 4.0,
            Source::CloudTrail => 5.0,
            Source::S3 => 50.0,
            // IAM's control plane is global and shared by every caller in the account.
            Source::Iam => 5.0,
            Source::Kms => 20.0,
            // EC2 throttles Describe* calls per account with a token bucket refilled at ~20/s.
            Source::Ec2 => 20.0,
            Source::GuardDuty => 5.0,
            Source::Rds => 5.0,
            Source::Other => 50.0,
        }
    }
}

/// Spaces calls at least `1 / rate` seconds apart, in arrival order.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateLimiter {
    pub fn per_second(rate: f64) -> Self {
        let interval = if rate > 0.0 {
            Duration::from_secs_f64(1.0 / rate)
        } else {
            Duration::ZERO
        };
        RateLimiter {
            interval,
            next: Mutex::new(Instant::now()),
        }
    }

    pub async fn acquire(&self) {
        let mut next = self.next.lock().await;
        let now = Instant::now();
        if *next > now {
            tokio::time::sleep_until(*next).await;
        }
        *next = (*next).max(now) + self.interval;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_calls_by_the_rate() {
        let limiter = RateLimiter::per_second(4.0);
        let start = Instant::now();
        for _ in 0..5 {
            limiter.acquire().await;
        }
        // The first call goes at once, the next four 250 ms apart.
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
    }
}
