//! When the ticks of a poll stream and the retries of a mutation fall.

use std::time::Duration;

use rand::Rng;

/// `first`, then growing by `factor` up to `cap`, each delay spread by up to ±`jitter` so many
/// provider processes do not call AWS in lock-step.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    pub first: Duration,
    pub factor: f64,
    pub cap: Duration,
    pub jitter: f64,
}

impl Schedule {
    /// Status polls, tuned for changes that take from a fraction of a second to minutes: about
    /// ten polls in the first 15 seconds, then one every 5 seconds, so a finished change is
    /// noticed within one short poll interval and a long one costs 12 calls a minute per parent.
    pub const POLL: Schedule = Schedule {
        first: Duration::from_millis(200),
        factor: 1.5,
        cap: Duration::from_secs(5),
        jitter: 0.2,
    };

    /// Mutation retries after throttling or a busy target, and looks after an unknown outcome:
    /// quick at first, then backing off so a struggling API is not hammered.
    pub const RETRY: Schedule = Schedule {
        first: Duration::from_millis(500),
        factor: 2.0,
        cap: Duration::from_secs(10),
        jitter: 0.2,
    };

    /// The delay before step number `step` (0-based).
    pub fn delay(&self, step: u32) -> Duration {
        self.delay_with(step, &mut rand::rng())
    }

    /// [`Self::delay`] with the spread drawn from `rng`: waits that draw from copies of one
    /// seeded generator share one jittered grid.
    pub fn delay_with(&self, step: u32, rng: &mut impl Rng) -> Duration {
        let base = self.first.as_secs_f64() * self.factor.powi(step.min(64) as i32);
        let base = base.min(self.cap.as_secs_f64());
        let spread = if self.jitter > 0.0 {
            rng.random_range(1.0 - self.jitter..=1.0 + self.jitter)
        } else {
            1.0
        };
        Duration::from_secs_f64(base * spread)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_to_the_cap_and_stay_within_the_jitter() {
        let schedule = Schedule::POLL;
        for step in 0..100 {
            let delay = schedule.delay(step).as_secs_f64();
            let base = (0.2 * 1.5f64.powi(step.min(64) as i32)).min(5.0);
            assert!(delay >= base * 0.8 - 1e-9 && delay <= base * 1.2 + 1e-9);
        }
    }
}
