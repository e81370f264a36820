//! When one wait wants its parent asked, and how the engine learns how long changes take.
//!
//! Every wait is bounded by how long its change has been going: a change that finishes `t`
//! into the wait is noticed at most [`lateness_bound`] later (a fraction of `t`, at least
//! [`FLOOR`], at most [`CEILING`]), so a five-minute change is watched more sparsely than a
//! five-second one and its cost in status calls grows with the logarithm of its duration, not
//! linearly. What the wait knows decides the fraction ([`Knowledge`]):
//! - **nothing**: the default [`Schedule`] for the first second or two, then one poll each
//!   [`BLIND_RATIO`] of the time elapsed;
//! - **a first guess** (the create time the resource saw, from its private state): trusted only
//!   down to half its earliest end ([`GUESS_HEDGE`]), so a guess within ×2 of the truth is
//!   watched as closely as nothing at all once it matters, and polled sparsely before;
//! - **learned** in this process ([`Learned`]: the spread of recent changes of the same kind and
//!   direction, not only their middle): sparse until the window opens, then evenly spaced at
//!   [`WINDOW_RATIO`] of the window's middle, and past the window at [`LATE_RATIO`] of the
//!   expected duration plus the overrun (so a little late is watched as closely as the
//!   expected duration allows, and a change far later than anything seen costs polls in the
//!   logarithm of its delay).
//!
//! Before a trusted start (the guess's half, the window's start) the wait still looks, at
//! points a factor [`TRUST_STEP`] apart counted back from that start, and never more than
//! [`CEILING`] apart: a change far earlier than expected is noticed at most
//! `TRUST_STEP × t` (and at least `FLOOR`) after it finished, a change later than expected is
//! watched as if nothing were known.

use std::collections::VecDeque;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use tokio::time::Instant;

use super::schedule::Schedule;

/// The least lateness any wait accepts without a learned window: the default schedule polls
/// five times in its first second, useful only for changes that finish at once; after that a
/// poll a second is enough for anything a person watches.
pub const FLOOR: Duration = Duration::from_secs(1);

/// The least spacing of polls inside a learned window.
pub const WINDOW_FLOOR: Duration = Duration::from_millis(500);

/// The most lateness any wait accepts, however long its change has been going: a 30-minute
/// wait still looks every three minutes (hashicorp/aws first looks at a Client VPN change after
/// four).
pub const CEILING: Duration = Duration::from_secs(180);

/// Without a learned window, the lateness accepted is this fraction of the time elapsed.
pub const BLIND_RATIO: f64 = 0.1025;

/// Inside a learned window, polls are this fraction of the window's middle apart.
pub const WINDOW_RATIO: f64 = 0.053;

/// Past a learned window (later than anything seen), the lateness accepted is this fraction of
/// the window's middle plus the time past its end.
pub const LATE_RATIO: f64 = 0.05;

/// Before a trusted start, the polls are this factor apart, counted back from the start.
pub const TRUST_STEP: f64 = 5.0;

/// A first guess is trusted down to its earliest end divided by this: a guess within ×2 of the
/// truth never delays noticing.
pub const GUESS_HEDGE: f64 = 2.0;

/// A wish this fraction of its own step (or less) after a poll some other wait asked for counts
/// as served by it: waits on one parent with slightly different knowledge share their calls.
const SHARE: f64 = 0.25;

/// The least such slack, whatever the step.
const SHARE_MIN: Duration = Duration::from_millis(150);

/// A window narrower than this fraction of its end is aimed at its end alone: splitting it would
/// cost a call to learn less than the overshoot it saves.
const NARROW: f64 = 0.05;

/// The spread assumed around a single learned completion, as a fraction of it: AWS's changes of
/// one kind vary by tens of percent, and one sample says nothing about how much.
const PRIOR_SPREAD: f64 = 0.3;

/// How many completed waits the estimate remembers: enough for the spread of a wave of a
/// destroy (the CLI runs ten at a time, the layout may put ten on one parent), few enough to
/// follow AWS when it speeds up or slows down.
const SAMPLES: usize = 128;

/// What a wait knows about when its change will finish, as offsets from its start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Knowledge {
    Nothing,
    /// `(earliest, latest)` from the resource's own create time: a guess.
    Guess((Duration, Duration)),
    /// `(earliest, latest)` learned in this process from changes of the same kind and direction.
    Learned((Duration, Duration)),
}

/// How late a change that finished `elapsed` into a wait may be noticed, knowing nothing:
/// [`BLIND_RATIO`] of `elapsed`, at least [`FLOOR`], at most [`CEILING`].
pub fn lateness_bound(elapsed: Duration) -> Duration {
    elapsed.mul_f64(BLIND_RATIO).clamp(FLOOR, CEILING)
}

/// The points a factor [`TRUST_STEP`] apart before `start` (none closer to zero than
/// [`FLOOR`]), with no gap longer than [`CEILING`], ending with `start` itself.
fn approach(start: Duration) -> Vec<Duration> {
    let mut points = vec![start];
    let mut point = start.div_f64(TRUST_STEP);
    while point >= FLOOR * 2 {
        points.push(point);
        point = point.div_f64(TRUST_STEP);
    }
    points.reverse();
    let mut bounded = Vec::with_capacity(points.len());
    let mut previous = Duration::ZERO;
    for point in points {
        let gap = point.saturating_sub(previous);
        let pieces = (gap.as_secs_f64() / CEILING.as_secs_f64()).ceil().max(1.0) as u32;
        for piece in 1..pieces {
            bounded.push(previous + gap * piece / pieces);
        }
        bounded.push(point);
        previous = point;
    }
    bounded
}

/// The plan of a wait that knows nothing: the default schedule's first tick (a change that is
/// over at once is seen at once), then the lateness bound (never above the schedule's cap), each
/// step shortened by up to a quarter of the schedule's jitter. Every
/// wait of one process draws the same plan from the same seed, and a wait with a first guess
/// joins it after its trusted start, so waits on one parent with different guesses still share
/// their calls.
#[derive(Debug, Clone)]
struct Blind {
    schedule: Schedule,
    jitter: SmallRng,
    points: Vec<Duration>,
    /// Steps of the default schedule taken so far; `None` once the bound rules.
    ramp: Option<u32>,
}

impl Blind {
    fn new(schedule: Schedule, seed: u64) -> Self {
        Blind {
            schedule,
            jitter: SmallRng::seed_from_u64(seed),
            points: Vec::new(),
            ramp: Some(0),
        }
    }

    fn point(&mut self, k: usize) -> Duration {
        while self.points.len() <= k {
            let last = self.points.last().copied().unwrap_or_default();
            let spread = 1.0 - self.schedule.jitter * 0.25 * self.jitter.random_range(0.0..=1.0);
            let floor = FLOOR.min(self.schedule.cap);
            let bound = last
                .mul_f64(BLIND_RATIO)
                .clamp(floor, CEILING.max(floor))
                .mul_f64(spread);
            let step = match self.ramp {
                Some(_) => {
                    self.ramp = None;
                    self.schedule.delay_with(0, &mut self.jitter).min(bound)
                }
                None => bound,
            };
            self.points.push(last + step);
        }
        self.points[k]
    }
}

/// What a wait does after its planned points.
#[derive(Debug, Clone, Copy)]
enum Then {
    /// Joins the blind plan.
    Blind,
    /// Later than anything learned (the window's middle and end): steps of [`LATE_RATIO`] of
    /// the middle plus the overrun.
    Late { middle: Duration, latest: Duration },
}

/// One wait's wishes: the offsets at which it wants an answer, grown on demand.
///
/// The jitter comes from a seed: waits given the same seed (one engine, one process) and the
/// same knowledge keep the same offsets, so waits on one parent that began together keep asking
/// together and share every status call, while other processes, with other seeds, stay out of
/// lock-step.
#[derive(Debug, Clone)]
pub struct Cadence {
    blind: Blind,
    /// The planned offsets so far, increasing: the approach to a trusted start and a learned
    /// window's points, then whatever [`Then`] adds.
    plan: Vec<Duration>,
    then: Then,
    /// The next blind point to consider joining.
    next_blind: usize,
}

impl Cadence {
    pub fn new(schedule: Schedule, knowledge: Knowledge, jitter_seed: u64) -> Self {
        let mut blind = Blind::new(schedule, jitter_seed);
        // Spread the planned points a little, the same way for every wait of this process.
        let mut spread = SmallRng::seed_from_u64(jitter_seed ^ 0x5eed);
        let scale = 1.0 - schedule.jitter * 0.25 * spread.random_range(0.0..=1.0);
        let mut plan = Vec::new();
        let mut then = Then::Blind;
        match knowledge {
            Knowledge::Nothing => {}
            Knowledge::Guess((earliest, _)) => {
                let start = earliest.div_f64(GUESS_HEDGE).mul_f64(scale);
                if start >= FLOOR * 4 {
                    plan = approach(start);
                }
            }
            Knowledge::Learned((earliest, latest)) => {
                let earliest = earliest.mul_f64(scale);
                let latest = latest.mul_f64(scale).max(earliest);
                let middle = (earliest + latest) / 2;
                let step = middle.mul_f64(WINDOW_RATIO).max(WINDOW_FLOOR);
                // The window's points are one step apart, the first half a step in: a change
                // that finishes before it is as likely as one in its first half step.
                let first = (earliest + step / 2).min(latest);
                plan = if first >= FLOOR * 2 {
                    approach(first)
                } else {
                    vec![first.max(schedule.first)]
                };
                let mut point = *plan.last().unwrap_or(&first);
                while point + step < latest {
                    point += step;
                    plan.push(point);
                }
                if latest > point {
                    plan.push(latest);
                }
                then = Then::Late { middle, latest };
            }
        }
        // A guess's plan joins the blind one at the first blind point well after its start.
        let mut next_blind = 0;
        if let (Then::Blind, Some(&start)) = (then, plan.last()) {
            while blind.point(next_blind) < start + lateness_bound(start) / 2 {
                next_blind += 1;
            }
        }
        Cadence {
            blind,
            plan,
            then,
            next_blind,
        }
    }

    /// The planned point `k`, planning further as needed.
    fn point(&mut self, k: usize) -> Duration {
        while self.plan.len() <= k {
            let next = match self.then {
                Then::Blind => {
                    let point = self.blind.point(self.next_blind);
                    self.next_blind += 1;
                    point
                }
                Then::Late { middle, latest } => {
                    let last = self.plan.last().copied().unwrap_or_default();
                    let expected = middle + last.saturating_sub(latest);
                    last + expected.mul_f64(LATE_RATIO).clamp(WINDOW_FLOOR, CEILING)
                }
            };
            self.plan.push(next);
        }
        self.plan[k]
    }

    /// The next offset after `elapsed` (the time of this wait's latest answer, or zero) at which
    /// the wait wants an answer. A planned point only a little after `elapsed` (a share of its
    /// own step) was served by that answer, asked for by another wait on the parent.
    pub fn next_after(&mut self, elapsed: Duration) -> Duration {
        let mut k = 0;
        loop {
            let point = self.point(k);
            let previous = if k == 0 {
                Duration::ZERO
            } else {
                self.point(k - 1)
            };
            let slack = if elapsed.is_zero() {
                Duration::ZERO
            } else {
                (point - previous).mul_f64(SHARE).max(SHARE_MIN)
            };
            if point > elapsed + slack {
                return point;
            }
            k += 1;
        }
    }
}

/// What the engine knows about one kind of change: when recent ones finished.
#[derive(Debug, Default)]
pub struct Learned {
    /// `(last answer that said "not yet", first answer that said "done")`, as offsets from the
    /// start of each wait: the change finished somewhere in between.
    samples: VecDeque<(Duration, Duration)>,
    /// When each sample's wait began.
    began: VecDeque<Instant>,
}

impl Learned {
    /// Records a finished wait that began at `began`. When full, the sample of the wait that
    /// began first goes (one of them at random when several began together): dropping the first
    /// to finish instead would keep only the slowest changes of a large wave.
    pub fn record(&mut self, began: Instant, last_not_done: Duration, first_done: Duration) {
        if self.samples.len() == SAMPLES {
            let first = self.began.iter().min().copied().unwrap_or(began);
            let together: Vec<usize> = (0..self.began.len())
                .filter(|&i| self.began[i] == first)
                .collect();
            let evicted = together[rand::rng().random_range(0..together.len())];
            self.samples.remove(evicted);
            self.began.remove(evicted);
        }
        self.samples
            .push_back((last_not_done, first_done.max(last_not_done)));
        self.began.push_back(began);
    }

    /// Where the next change is expected to finish: the range of the recent completions (each
    /// taken at the middle of its bracket, or half a blind step before its end), widened on both sides by the gap one more sample
    /// would be expected to add (range ÷ (n − 1)), so the spread AWS showed is carried, not only
    /// its middle; one sample alone is widened by [`PRIOR_SPREAD`]. The window reaches at least
    /// the earliest "done" answer, so a steady duration is aimed at a moment it is known to be
    /// over.
    pub fn window(&self) -> Option<(Duration, Duration)> {
        let n = self.samples.len();
        if n == 0 {
            return None;
        }
        let seconds = |d: &Duration| d.as_secs_f64();
        // Each change finished somewhere in its bracket: taken at its middle, but never more
        // than half a blind step before it was seen done (a bracket that opened with a sparse
        // look long before says little about how early the change was over).
        let middles: Vec<f64> = self
            .samples
            .iter()
            .map(|(not_yet, done)| {
                let (not_yet, done) = (seconds(not_yet), seconds(done));
                let blind_step = lateness_bound(Duration::from_secs_f64(done)).as_secs_f64();
                done - (done - not_yet).min(blind_step) / 2.0
            })
            .collect();
        let low = middles.iter().copied().fold(f64::INFINITY, f64::min);
        let high = middles.iter().copied().fold(0.0, f64::max);
        let widen = if n == 1 {
            low * PRIOR_SPREAD
        } else {
            (high - low) / (n - 1) as f64
        };
        let first_done = self
            .samples
            .iter()
            .map(|s| seconds(&s.1))
            .fold(f64::INFINITY, f64::min);
        let latest = (high + widen).max(first_done);
        let mut earliest = (low - widen).max(0.0);
        if latest - earliest < NARROW * latest {
            // Too narrow to split: aimed at its end.
            earliest = latest;
        }
        Some((
            Duration::from_secs_f64(earliest),
            Duration::from_secs_f64(latest),
        ))
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

    /// When a wait following `cadence` first sees a change that finished at `finish`, and the
    /// status calls it made until then.
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

    /// How late a wait whose knowledge is wrong may notice: a factor [`TRUST_STEP`] before the
    /// trusted start, never more than [`CEILING`], and never worse than the first point.
    fn trusting_bound(finish: Duration) -> Duration {
        finish
            .mul_f64(TRUST_STEP - 1.0)
            .min(CEILING)
            .max(FLOOR.mul_f64(2.0 * TRUST_STEP))
    }

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// Finish times from a fraction of a second to twenty minutes.
    fn finishes() -> impl Iterator<Item = Duration> {
        [
            0.05, 0.3, 0.7, 1.2, 2.0, 2.9, 3.1, 5.0, 9.0, 14.0, 20.0, 26.0, 45.0, 84.0, 120.0,
            156.0, 210.0, 300.0, 390.0, 420.0, 600.0, 780.0, 1200.0,
        ]
        .into_iter()
        .map(secs)
    }

    #[test]
    fn knowing_nothing_a_change_is_noticed_within_a_tenth_of_its_duration_and_a_second() {
        for seed in 0..5 {
            for finish in finishes() {
                let (at, _) = noticed(
                    Cadence::new(Schedule::POLL, Knowledge::Nothing, seed),
                    finish,
                );
                assert!(
                    at - finish <= lateness_bound(finish),
                    "finished at {finish:?}, noticed at {at:?}"
                );
            }
        }
    }

    #[test]
    fn knowing_nothing_the_calls_grow_with_the_logarithm_of_the_duration() {
        let calls = |finish| noticed(Cadence::new(STEADY, Knowledge::Nothing, 0), secs(finish)).1;
        let (five_minutes, ten_minutes) = (calls(300.0), calls(600.0));
        assert!(five_minutes <= 50, "{five_minutes} calls for 5 minutes");
        assert!(
            ten_minutes * 10 <= five_minutes * 13,
            "{five_minutes} calls for 5 minutes, {ten_minutes} for 10"
        );
    }

    #[test]
    fn waits_of_one_engine_share_one_jittered_plan_and_other_processes_do_not() {
        let seed = 7;
        let knowledge = Knowledge::Learned((secs(200.0), secs(400.0)));
        for knowledge in [Knowledge::Nothing, knowledge] {
            let (mut first, mut second) = (
                Cadence::new(Schedule::POLL, knowledge, seed),
                Cadence::new(Schedule::POLL, knowledge, seed),
            );
            let mut at = Duration::ZERO;
            for _ in 0..40 {
                let wish = first.next_after(at);
                assert_eq!(second.next_after(at), wish, "after {at:?}");
                at = wish;
            }
            let mut other = Cadence::new(Schedule::POLL, knowledge, seed + 1);
            let plan = |c: &mut Cadence| (0..10).map(|k| c.point(k)).collect::<Vec<_>>();
            assert_ne!(plan(&mut other), plan(&mut first));
        }
    }

    #[test]
    fn a_learned_spread_out_change_costs_few_calls_and_is_noticed_within_a_twentieth() {
        // AWS takes 300 s ± 30 %; the window learned from such changes.
        let mut learned = Learned::default();
        for i in 0..10 {
            let finish = 210.0 + 18.0 * i as f64;
            learned.record(Instant::now(), secs(finish - 8.0), secs(finish + 8.0));
        }
        let window = learned.window().expect("learned");
        assert!(
            window.0 <= secs(215.0) && window.1 >= secs(385.0),
            "the spread is carried: {window:?}"
        );
        for finish in [210.0, 250.0, 300.0, 350.0, 390.0] {
            let cadence = Cadence::new(STEADY, Knowledge::Learned(window), 0);
            let (at, polls) = noticed(cadence, secs(finish));
            assert!(
                at - secs(finish) <= secs(0.06 * 300.0),
                "finished at {finish}: noticed at {at:?}"
            );
            assert!(polls <= 16, "finished at {finish}: {polls} polls");
        }
    }

    #[test]
    fn a_wrong_first_guess_still_notices_within_the_bound() {
        for truth in [3.0, 20.0, 300.0] {
            // Within ×2 either way: as closely as knowing nothing, once the change can be due.
            for guess in [truth / 2.0, truth, truth * 2.0] {
                let knowledge = Knowledge::Guess((secs(guess * 0.7), secs(guess * 1.3)));
                for finish in [truth * 0.7, truth, truth * 1.3] {
                    let finish = secs(finish);
                    let (at, _) = noticed(Cadence::new(STEADY, knowledge, 0), finish);
                    assert!(
                        at - finish <= lateness_bound(finish),
                        "truth {truth}, guess {guess}: finished {finish:?}, noticed {at:?}"
                    );
                }
            }
            // Far off: bounded all the same.
            for guess in [truth / 10.0, truth * 10.0, truth * 100.0] {
                let knowledge = Knowledge::Guess((secs(guess * 0.7), secs(guess * 1.3)));
                for finish in finishes() {
                    let (at, _) = noticed(Cadence::new(STEADY, knowledge, 0), finish);
                    assert!(
                        at - finish <= trusting_bound(finish),
                        "truth {truth}, guess {guess}: finished {finish:?}, noticed {at:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_learned_window_that_is_wrong_still_notices_within_the_bound() {
        for window in [(2.9, 3.1), (1.0, 5.0), (210.0, 390.0), (900.0, 1000.0)] {
            let knowledge = Knowledge::Learned((secs(window.0), secs(window.1)));
            for finish in finishes() {
                let (at, _) = noticed(Cadence::new(STEADY, knowledge, 0), finish);
                let bound = if finish >= secs(window.0) {
                    // In and after the window: denser than knowing nothing.
                    lateness_bound(finish)
                } else {
                    trusting_bound(finish)
                };
                assert!(
                    at - finish <= bound,
                    "window {window:?}: finished at {finish:?}, noticed at {at:?}"
                );
            }
        }
    }

    #[test]
    fn a_steady_duration_is_learned_narrow_and_hit_closely() {
        let mut learned = Learned::default();
        for _ in 0..4 {
            learned.record(Instant::now(), secs(2.95), secs(3.05));
        }
        let window = learned.window().expect("learned");
        assert!(window.1 - window.0 <= secs(0.1), "{window:?}");
        let (at, polls) = noticed(
            Cadence::new(STEADY, Knowledge::Learned(window), 0),
            secs(3.0),
        );
        assert!(at - secs(3.0) <= secs(0.5), "noticed at {at:?}");
        let (_, blind) = noticed(Cadence::new(STEADY, Knowledge::Nothing, 0), secs(3.0));
        assert!(polls < blind, "{polls} polls, knowing nothing {blind}");
    }

    #[test]
    fn one_completion_is_taken_with_a_prior_spread_and_recent_ones_replace_old_ones() {
        let mut learned = Learned::default();
        assert!(learned.window().is_none());
        learned.record(Instant::now(), secs(99.0), secs(101.0));
        let (earliest, latest) = learned.window().expect("learned");
        assert!(
            earliest <= secs(71.0) && latest >= secs(129.0),
            "{earliest:?}..{latest:?}"
        );
        for _ in 0..SAMPLES {
            learned.record(Instant::now(), secs(19.9), secs(20.1));
        }
        let (earliest, latest) = learned.window().expect("learned");
        assert!(
            earliest >= secs(19.8) && latest <= secs(20.2),
            "{earliest:?}..{latest:?}"
        );
    }
}
