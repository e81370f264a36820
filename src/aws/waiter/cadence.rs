//! When one wait wants its parent asked, and how the engine learns how long changes take.
//!
//! Without knowledge a wait follows the default [`Schedule`]: quick at first, backing off to a
//! cap. Once changes of a kind have finished in this process, the engine knows roughly when the
//! next one will ([`Learned`]): the wait then polls sparsely while the change cannot be done yet
//! and aims at the expected completion ([`Cadence`]). Sparse never means blind: whenever a change
//! finishes, the wait notices it at most one short interval (the default schedule's interval at
//! that moment, and never less than [`SHORT_INTERVAL`]) after the default schedule would have,
//! however far from the expectation the change finished.

use std::collections::VecDeque;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::schedule::Schedule;

/// The step of the dense polls around the expected completion, at the least.
const MIN_WINDOW_STEP: Duration = Duration::from_millis(40);

/// The least lateness a sparse wait may accept compared with the default schedule. The default
/// schedule polls five times in its first two seconds, useful only when nothing is known; a
/// change known to take many seconds is watched from one second apart instead.
pub const SHORT_INTERVAL: Duration = Duration::from_secs(1);

/// A window narrower than this fraction of its end is aimed at its end alone: bisecting it
/// would cost a call to learn less than the overshoot it saves.
const NARROW_WINDOW: f64 = 0.05;

/// How many completed waits the estimate remembers: enough to smooth out one odd change, few
/// enough to follow AWS when it speeds up or slows down.
const SAMPLES: usize = 8;

/// One wait's wishes: a jittered copy of the default schedule, and the window in which its
/// change is expected to finish, if known. Offsets are from the moment the wait began.
///
/// The jitter comes from a seed: waits given the same seed (one engine, one process) keep the
/// same offsets, so waits on one parent that began together keep asking together and share
/// every status call, while other processes, with other seeds, stay out of lock-step.
#[derive(Debug, Clone)]
pub struct Cadence {
    schedule: Schedule,
    /// Draws the jitter of each default tick, in order.
    jitter: SmallRng,
    /// The default schedule's tick offsets, grown on demand.
    ticks: Vec<Duration>,
    /// `(earliest, latest)`: where completion is expected.
    window: Option<(Duration, Duration)>,
}

impl Cadence {
    pub fn new(schedule: Schedule, window: Option<(Duration, Duration)>, jitter_seed: u64) -> Self {
        Cadence {
            schedule,
            jitter: SmallRng::seed_from_u64(jitter_seed),
            ticks: Vec::new(),
            window,
        }
    }

    /// The default schedule's `k`-th tick offset for this wait.
    fn tick(&mut self, k: usize) -> Duration {
        while self.ticks.len() <= k {
            let step = self.ticks.len();
            let previous = self.ticks.last().copied().unwrap_or_default();
            let step = u32::try_from(step).unwrap_or(u32::MAX);
            let delay = self.schedule.delay_with(step, &mut self.jitter);
            self.ticks.push(previous + delay);
        }
        self.ticks[k]
    }

    /// The index of the first default tick after `elapsed`.
    fn next_tick_index(&mut self, elapsed: Duration) -> usize {
        let mut k = 0;
        while self.tick(k) <= elapsed {
            k += 1;
        }
        k
    }

    /// The latest offset the next poll may have, after an answer at or before the default
    /// tick `k`: a change that finished just after that answer is seen by the default schedule
    /// at tick `k`, and may be seen one short interval later than that, not more.
    fn latest_permitted(&mut self, k: usize) -> Duration {
        let tick = self.tick(k);
        let interval = self.tick(k + 1).saturating_sub(tick);
        tick + interval.max(SHORT_INTERVAL)
    }

    /// The next offset after `elapsed` (the time of this wait's latest answer, or zero) at which
    /// the wait wants an answer.
    pub fn next_after(&mut self, elapsed: Duration) -> Duration {
        let k = self.next_tick_index(elapsed);
        let Some((earliest, latest)) = self.window else {
            return self.tick(k);
        };
        let width = latest.saturating_sub(earliest);
        let step = (width / 2).max(MIN_WINDOW_STEP);
        let window_end = latest + step;
        if elapsed >= window_end {
            // Later than ever seen: the default schedule, as if nothing had been learned.
            return self.tick(k);
        }
        // Halfway through a wide window first (so each wait narrows it for the next), then its
        // end, then one step past it.
        let middle = earliest + width / 2;
        let narrow = width <= latest.mul_f64(NARROW_WINDOW).max(MIN_WINDOW_STEP);
        let aim = if !narrow && elapsed < middle {
            middle
        } else if elapsed < latest {
            latest
        } else {
            window_end
        };
        // Spread a little, so processes that learned the same window do not poll in lock-step.
        let aim = aim + step.mul_f64(rand::rng().random_range(0.0..0.1));
        aim.min(self.latest_permitted(k))
    }
}

/// What the engine knows about one kind of change: when recent ones finished.
#[derive(Debug, Default)]
pub struct Learned {
    /// `(last answer that said "not yet", first answer that said "done")`, as offsets from the
    /// start of each wait: the change finished somewhere in between.
    samples: VecDeque<(Duration, Duration)>,
}

impl Learned {
    /// Records a finished wait.
    pub fn record(&mut self, last_not_done: Duration, first_done: Duration) {
        if self.samples.len() == SAMPLES {
            self.samples.pop_front();
        }
        self.samples.push_back((last_not_done, first_done));
    }

    /// Where the next change is expected to finish: the medians of the recent bounds, each
    /// taken on the side that narrows the window (the upper median of the "not yet" bounds,
    /// the lower median of the "done" ones), so a few waits pin a steady duration down.
    pub fn window(&self) -> Option<(Duration, Duration)> {
        if self.samples.is_empty() {
            return None;
        }
        let sorted = |values: Vec<Duration>| {
            let mut values = values;
            values.sort_unstable();
            values
        };
        let not_yet = sorted(self.samples.iter().map(|s| s.0).collect());
        let done = sorted(self.samples.iter().map(|s| s.1).collect());
        let earliest = not_yet[not_yet.len() / 2];
        let latest = done[(done.len() - 1) / 2];
        Some((earliest.min(latest), earliest.max(latest)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default schedule without jitter, so the tests can compute exact ticks.
    const STEADY: Schedule = Schedule {
        jitter: 0.0,
        ..Schedule::POLL
    };

    /// When a wait following `cadence` first sees a change that finished at `finish`.
    fn noticed(mut cadence: Cadence, finish: Duration) -> (Duration, usize) {
        let mut at = Duration::ZERO;
        let mut polls = 0;
        loop {
            at = cadence.next_after(at);
            polls += 1;
            if at >= finish {
                return (at, polls);
            }
        }
    }

    /// How much later than the default schedule (which noticed at `at`) a learned cadence may
    /// notice: the default's interval in force then, and at least [`SHORT_INTERVAL`].
    fn one_short_interval_after(at: Duration) -> Duration {
        let mut cadence = Cadence::new(STEADY, None, 0);
        let k = cadence.next_tick_index(at);
        at + (cadence.tick(k + 1) - cadence.tick(k)).max(SHORT_INTERVAL)
    }

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn waits_of_one_engine_share_one_jittered_grid_and_other_processes_do_not() {
        let seed = 7;
        let (mut first, mut second) = (
            Cadence::new(Schedule::POLL, None, seed),
            Cadence::new(Schedule::POLL, None, seed),
        );
        let mut at = Duration::ZERO;
        for _ in 0..40 {
            let wish = first.next_after(at);
            assert_eq!(second.next_after(at), wish, "after {at:?}");
            at = wish;
        }
        let mut other_process = Cadence::new(Schedule::POLL, None, seed + 1);
        let grid = |cadence: &mut Cadence| (0..10).map(|k| cadence.tick(k)).collect::<Vec<_>>();
        assert_ne!(grid(&mut other_process), grid(&mut first));
    }

    #[test]
    fn a_learned_window_is_hit_with_few_polls() {
        let learned = Some((secs(2.95), secs(3.05)));
        let (at, polls) = noticed(Cadence::new(STEADY, learned, 0), secs(3.0));
        let (default_at, default_polls) = noticed(Cadence::new(STEADY, None, 0), secs(3.0));
        assert!(at - secs(3.0) <= secs(0.1), "noticed at {at:?}");
        assert!(
            polls < default_polls,
            "{polls} polls, the default takes {default_polls}"
        );
        assert!(at < default_at);
    }

    #[test]
    fn a_change_far_earlier_than_expected_is_noticed_within_one_short_interval() {
        for expected in [3.0, 20.0, 300.0] {
            for (low, high) in [(0.98, 1.02), (0.3, 1.7)] {
                let learned = Some((secs(expected * low), secs(expected * high)));
                for finish in [0.05, 0.3, 0.7, 1.2, 2.0, expected / 4.0, expected / 2.0] {
                    let finish = secs(finish);
                    let (at, _) = noticed(Cadence::new(STEADY, learned, 0), finish);
                    let (default_at, _) = noticed(Cadence::new(STEADY, None, 0), finish);
                    assert!(
                        at <= one_short_interval_after(default_at),
                        "expected {expected}s ({low}..{high}), finished at {finish:?}: \
                         noticed at {at:?}, default at {default_at:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_change_far_later_than_expected_is_noticed_within_one_short_interval() {
        for learned in [(secs(2.9), secs(3.1)), (secs(1.0), secs(5.0))] {
            for finish in [2.0, 4.0, 6.0, 9.0, 30.0, 120.0] {
                let finish = secs(finish);
                let (at, _) = noticed(Cadence::new(STEADY, Some(learned), 0), finish);
                let (default_at, _) = noticed(Cadence::new(STEADY, None, 0), finish);
                assert!(
                    at <= one_short_interval_after(default_at),
                    "window {learned:?}, finished at {finish:?}: noticed at {at:?}, default at {default_at:?}"
                );
            }
        }
    }

    #[test]
    fn a_long_change_costs_fewer_polls_than_the_default() {
        for expected in [3.0, 20.0, 120.0] {
            let learned = Some((secs(expected - 0.05), secs(expected + 0.05)));
            let (at, polls) = noticed(Cadence::new(STEADY, learned, 0), secs(expected));
            let (_, default_polls) = noticed(Cadence::new(STEADY, None, 0), secs(expected));
            assert!(
                at - secs(expected) <= secs(0.1),
                "{expected}s: noticed at {at:?}"
            );
            assert!(
                polls * 2 <= default_polls,
                "{expected}s: {polls} polls, the default takes {default_polls}"
            );
        }
    }

    #[test]
    fn the_estimate_follows_the_medians_of_recent_waits() {
        let mut learned = Learned::default();
        assert!(learned.window().is_none());
        learned.record(secs(2.6), secs(4.2));
        assert_eq!(learned.window(), Some((secs(2.6), secs(4.2))));
        learned.record(secs(2.6), secs(3.4));
        assert_eq!(
            learned.window(),
            Some((secs(2.6), secs(3.4))),
            "narrowed at once"
        );
        learned.record(secs(2.95), secs(3.05));
        assert_eq!(learned.window(), Some((secs(2.6), secs(3.4))));
        for _ in 0..SAMPLES {
            learned.record(secs(19.9), secs(20.1));
        }
        assert_eq!(learned.window(), Some((secs(19.9), secs(20.1))));
    }
}
