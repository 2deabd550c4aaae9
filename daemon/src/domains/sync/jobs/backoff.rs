//! How long a failing job waits before its next attempt: 30 s, doubling per
//! consecutive failure, capped at 30 min, each delay drawn uniformly from its upper
//! fifth downwards (`[0.8·d, d]`) so that many users failing together (a provider
//! outage) do not retry in lockstep. The failure count is persisted with the schedule,
//! so a restart resumes the same backoff instead of hammering the provider.

use std::time::Duration;

use rand::Rng;

/// Delay after the first failure.
pub const BACKOFF_MIN: Duration = Duration::from_secs(30);
/// Longest delay.
pub const BACKOFF_MAX: Duration = Duration::from_secs(30 * 60);
/// Lowest fraction of the delay that jitter may draw.
const JITTER_FLOOR: f64 = 0.8;

/// The delay before the next attempt after `failures` consecutive failures (≥ 1).
pub fn delay(failures: u32, rng: &mut impl Rng) -> Duration {
    let cap = ceiling(failures);
    cap.mul_f64(rng.random_range(JITTER_FLOOR..=1.0))
}

/// The un-jittered delay: 30 s · 2^(failures − 1), at most 30 min.
pub fn ceiling(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    BACKOFF_MIN
        .saturating_mul(1u32 << doublings)
        .min(BACKOFF_MAX)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn doubles_from_thirty_seconds_to_thirty_minutes() {
        let secs: Vec<u64> = (1..=8).map(|n| ceiling(n).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1800, 1800]);
        assert_eq!(ceiling(0), BACKOFF_MIN);
        assert_eq!(ceiling(u32::MAX), BACKOFF_MAX);
    }

    proptest! {
        #[test]
        fn jittered_delay_stays_within_its_band(failures in 0u32..100, seed in any::<u64>()) {
            use rand::SeedableRng;
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let d = delay(failures, &mut rng);
            let cap = ceiling(failures);
            prop_assert!(d <= cap);
            prop_assert!(d >= cap.mul_f64(JITTER_FLOOR));
        }
    }
}
