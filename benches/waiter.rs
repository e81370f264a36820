//! The waiter engine in virtual time: the real [`WaiterEngine`] (the crate's own code, not a
//! copy) on tokio's paused clock, against a model of AWS in which each association finishes its
//! change after its family's duration × a uniform factor in `[1 − jitter, 1 + jitter]` (the
//! emulator's `jitter`). Status calls answer at once (no latency), from the state at the moment
//! of the call. Run with `scripts/bench`, or `cargo bench --bench waiter`; this prints figures, it
//! passes or fails nothing.
//!
//! Each grid point (removal time D, create time C, jitter, associations per parent) models:
//! - an **apply** process: one wave of creates taking C (with the same jitter); each association
//!   keeps the create window its engine had learned when its own create finished, as the
//!   resource keeps it in private state;
//! - a **destroy** process with nothing learned and **no guess** (a fresh engine, no create time);
//! - a **destroy** process whose first wave has the create windows as first guess (**guess**),
//!   followed, in the same engine, by further waves that have learned from the earlier ones
//!   (**learned**).
//!
//! Every wave is [`PARENTS`] parents with 1 or 10 associations each, all disassociated at the
//! same instant. Per row: overshoot (noticed − done, one sample per association) p50/p90, status
//! calls per parent per wave, AWS calls per association (the disassociate plus its share of the
//! status calls). hashicorp/aws's published schedules run in the same harness against the same
//! model: Client VPN (`Delay` 4 min, then `PollInterval` 10 s) and route server (helper/retry's
//! default: at once, then 200 ms doubling, capped at 10 s), each association polling on its own.
//!
//! Knobs: `AWSASSOC_WAITER_TRIALS` (default 6: waves of the first kind per point),
//! `AWSASSOC_WAITER_SECONDS` (comma-separated D values, default `3,20,120,300,600`).

use std::collections::HashMap;
use std::env;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use terraform_provider_awsassoc::aws::waiter::poller::StatusCall;
use terraform_provider_awsassoc::aws::waiter::{Transition, Verdict, WaiterEngine};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Parents per wave.
const PARENTS: usize = 10;
/// Waves after the first in the guess engine, measured as "learned".
const LEARNED_WAVES: usize = 3;
/// What the create times are, relative to D.
const CREATE_FACTORS: [(f64, &str); 3] = [(1.0, "C = D"), (0.1, "C = D/10"), (2.0, "C = 2D")];

type Window = Option<(Duration, Duration)>;
/// member → when AWS finishes its change.
type World = Arc<Mutex<HashMap<String, Instant>>>;

/// What one row measured.
#[derive(Default, Clone)]
struct Figures {
    overshoot: Vec<f64>,
    status_calls: usize,
    parent_waits: usize,
    associations: usize,
}

impl Figures {
    fn add(&mut self, other: Figures) {
        self.overshoot.extend(other.overshoot);
        self.status_calls += other.status_calls;
        self.parent_waits += other.parent_waits;
        self.associations += other.associations;
    }

    fn pick(&self, q: usize) -> f64 {
        let mut sorted = self.overshoot.clone();
        sorted.sort_by(f64::total_cmp);
        if sorted.is_empty() {
            return f64::NAN;
        }
        sorted[(sorted.len() * q / 100).min(sorted.len() - 1)]
    }

    fn calls_per_parent(&self) -> f64 {
        self.status_calls as f64 / self.parent_waits.max(1) as f64
    }

    fn calls_per_association(&self) -> f64 {
        (self.status_calls + self.associations) as f64 / self.associations.max(1) as f64
    }
}

/// A status call of one parent against the model: each member is "pending" until its change is
/// done; then a created one is "ready" and a removed one is absent.
fn status_call(world: World, calls: Arc<AtomicUsize>, create: bool) -> StatusCall<&'static str> {
    StatusCall {
        poll: Arc::new(move |members: Vec<String>| {
            calls.fetch_add(1, Ordering::Relaxed);
            let now = Instant::now();
            let world = world.lock().unwrap();
            let answer: HashMap<String, &'static str> = members
                .into_iter()
                .filter_map(|m| {
                    let done = *world.get(&m)?;
                    match (now >= done, create) {
                        (false, _) => Some((m, "pending")),
                        (true, true) => Some((m, "ready")),
                        (true, false) => None,
                    }
                })
                .collect();
            Box::pin(async move { Ok(answer) })
        }),
        time_limit: Duration::from_secs(30),
        lists_everything: false,
    }
}

fn draw(rng: &mut SmallRng, seconds: f64, jitter: f64) -> Duration {
    let factor = if jitter > 0.0 {
        rng.random_range(1.0 - jitter..=1.0 + jitter)
    } else {
        1.0
    };
    Duration::from_secs_f64(seconds * factor)
}

/// One wave: `PARENTS × per_parent` changes started now on the real engine. Returns the figures
/// and, for creates, the window the engine had learned when each association's wait ended.
#[allow(clippy::too_many_arguments)]
async fn wave(
    engine: &Arc<WaiterEngine<&'static str>>,
    transition: Transition,
    seconds: f64,
    jitter: f64,
    per_parent: usize,
    guesses: &[Window],
    rng: &mut SmallRng,
    label: &str,
) -> (Figures, Vec<Window>) {
    let world: World = Arc::default();
    let start = Instant::now();
    let mut tasks = Vec::new();
    let mut counters = Vec::new();
    for p in 0..PARENTS {
        let calls = Arc::new(AtomicUsize::new(0));
        counters.push(calls.clone());
        let call = status_call(world.clone(), calls, transition == Transition::Create);
        let parent = format!("{label}-p{p}");
        for m in 0..per_parent {
            let member = format!("{parent}-m{m}");
            let done = start + draw(rng, seconds, jitter);
            world.lock().unwrap().insert(member.clone(), done);
            let guess = guesses.get(p * per_parent + m).copied().flatten();
            let (engine, call, parent) = (engine.clone(), call.clone(), parent.clone());
            tasks.push(tokio::spawn(async move {
                let stop = CancellationToken::new();
                let deadline = start + Duration::from_secs(3600);
                engine
                    .wait(
                        &parent,
                        &member,
                        call,
                        transition,
                        guess,
                        deadline,
                        &stop,
                        |seen: Option<&&'static str>| match seen {
                            Some(&"pending") => Verdict::Continue,
                            _ => Verdict::Done(()),
                        },
                    )
                    .await
                    .expect("the model always finishes");
                let noticed = Instant::now();
                (
                    noticed.saturating_duration_since(done).as_secs_f64(),
                    engine.expected(transition),
                )
            }));
        }
    }
    let mut figures = Figures {
        parent_waits: PARENTS,
        associations: PARENTS * per_parent,
        ..Figures::default()
    };
    let mut learned = Vec::new();
    for task in tasks {
        let (overshoot, window) = task.await.expect("a wait panicked");
        figures.overshoot.push(overshoot);
        learned.push(window);
    }
    figures.status_calls = counters.iter().map(|c| c.load(Ordering::Relaxed)).sum();
    // Let every poller see its last wait leave before the next wave.
    tokio::time::sleep(Duration::from_secs(1)).await;
    (figures, learned)
}

/// hashicorp/aws's waiter (helper/retry `StateChangeConf`) for one association: `delay`, then a
/// refresh at once, then `interval` if set, else 200 ms doubling to 10 s.
#[derive(Clone, Copy)]
struct Upstream {
    name: &'static str,
    delay: Duration,
    interval: Option<Duration>,
}

const UPSTREAM: [Upstream; 2] = [
    Upstream {
        name: "hashicorp/aws Client VPN (4 min, then 10 s)",
        delay: Duration::from_secs(240),
        interval: Some(Duration::from_secs(10)),
    },
    Upstream {
        name: "hashicorp/aws route server (backoff to 10 s)",
        delay: Duration::ZERO,
        interval: None,
    },
];

async fn upstream_wave(
    schedule: Upstream,
    seconds: f64,
    jitter: f64,
    per_parent: usize,
    rng: &mut SmallRng,
) -> Figures {
    let start = Instant::now();
    let calls = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..PARENTS * per_parent {
        let done = start + draw(rng, seconds, jitter);
        let calls = calls.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(schedule.delay).await;
            let mut wait = Duration::from_millis(100);
            loop {
                calls.fetch_add(1, Ordering::Relaxed);
                if Instant::now() >= done {
                    return Instant::now().saturating_duration_since(done).as_secs_f64();
                }
                wait = match schedule.interval {
                    Some(interval) => interval,
                    None => (wait * 2).min(Duration::from_secs(10)),
                };
                tokio::time::sleep(wait).await;
            }
        }));
    }
    let mut figures = Figures {
        parent_waits: PARENTS,
        associations: PARENTS * per_parent,
        ..Figures::default()
    };
    for task in tasks {
        figures.overshoot.push(task.await.expect("no panic"));
    }
    figures.status_calls = calls.load(Ordering::Relaxed);
    figures
}

struct Row {
    d: f64,
    jitter: f64,
    per_parent: usize,
    knows: String,
    figures: Figures,
}

fn target(knows: &str, d: f64) -> (f64, Option<f64>) {
    if knows.starts_with("learned") {
        (f64::max(0.5, 0.05 * d), Some(15.0))
    } else if knows.starts_with("guess") && !knows.contains("D/10") {
        (f64::max(1.0, 0.10 * d), Some(30.0))
    } else if knows.starts_with("nothing") {
        (f64::max(1.0, 0.10 * d), Some(50.0))
    } else {
        (f64::NAN, None)
    }
}

async fn point(
    d: f64,
    jitter: f64,
    per_parent: usize,
    trials: usize,
    rng: &mut SmallRng,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let row = |knows: &str, figures: Figures| Row {
        d,
        jitter,
        per_parent,
        knows: knows.to_owned(),
        figures,
    };
    let mut nothing = Figures::default();
    for t in 0..trials {
        let engine = Arc::new(WaiterEngine::default());
        let (figures, _) = wave(
            &engine,
            Transition::Delete,
            d,
            jitter,
            per_parent,
            &[],
            rng,
            &format!("n{t}"),
        )
        .await;
        nothing.add(figures);
    }
    rows.push(row("nothing", nothing));
    for (factor, name) in CREATE_FACTORS {
        let (mut guess, mut learned) = (Figures::default(), Figures::default());
        for t in 0..trials {
            let apply = Arc::new(WaiterEngine::default());
            let (_, windows) = wave(
                &apply,
                Transition::Create,
                d * factor,
                jitter,
                per_parent,
                &[],
                rng,
                &format!("c{t}"),
            )
            .await;
            let destroy = Arc::new(WaiterEngine::default());
            let (figures, _) = wave(
                &destroy,
                Transition::Delete,
                d,
                jitter,
                per_parent,
                &windows,
                rng,
                &format!("g{t}"),
            )
            .await;
            guess.add(figures);
            for w in 0..LEARNED_WAVES {
                let (figures, _) = wave(
                    &destroy,
                    Transition::Delete,
                    d,
                    jitter,
                    per_parent,
                    &windows,
                    rng,
                    &format!("l{t}-{w}"),
                )
                .await;
                learned.add(figures);
            }
        }
        rows.push(row(&format!("guess, {name}"), guess));
        rows.push(row(&format!("learned, {name}"), learned));
    }
    for schedule in UPSTREAM {
        let mut figures = Figures::default();
        for _ in 0..trials {
            figures.add(upstream_wave(schedule, d, jitter, per_parent, rng).await);
        }
        rows.push(row(schedule.name, figures));
    }
    rows
}

fn main() {
    let trials: usize = env::var("AWSASSOC_WAITER_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let seconds: Vec<f64> = env::var("AWSASSOC_WAITER_SECONDS")
        .unwrap_or_else(|_| "3,20,120,300,600".to_owned())
        .split(',')
        .map(|s| s.trim().parse().expect("AWSASSOC_WAITER_SECONDS: numbers"))
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime");
    let mut rng = SmallRng::seed_from_u64(14);
    let mut rows = Vec::new();
    let real = std::time::Instant::now();
    runtime.block_on(async {
        for jitter in [0.0, 0.3] {
            for per_parent in [1, 10] {
                for &d in &seconds {
                    rows.extend(point(d, jitter, per_parent, trials, &mut rng).await);
                }
            }
        }
    });
    print!("{}", table(&rows));
    print!("{}", ratios(&rows));
    eprintln!(
        "({} rows in {:.1} s of real time)",
        rows.len(),
        real.elapsed().as_secs_f64()
    );
}

fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nvirtual time, {PARENTS} parents per wave; overshoot = noticed - done; targets apply at jitter 0.3 (calls at D = 300 s)\n"
    );
    let _ = writeln!(
        out,
        "| D | jitter | per parent | what the wait knows | overshoot p50 | p90 (target) | status calls per parent per wait (target at 300 s) | AWS calls per association |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for r in rows {
        let (p90_target, calls_target) = target(&r.knows, r.d);
        let p90 = r.figures.pick(90);
        let p90_mark = if p90_target.is_nan() {
            String::new()
        } else {
            format!(
                " ({}{:.1} s)",
                if p90 <= p90_target + 1e-9 {
                    "<= "
                } else {
                    "NOT <= "
                },
                p90_target
            )
        };
        let calls = r.figures.calls_per_parent();
        let calls_mark = match calls_target {
            Some(t) if r.d == 300.0 && r.jitter > 0.0 => {
                format!(" ({}{t:.0})", if calls <= t { "<= " } else { "NOT <= " })
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} s | {} | {} | {} | {:.2} s | {:.2} s{p90_mark} | {:.1}{calls_mark} | {:.2} |",
            r.d,
            r.jitter,
            r.per_parent,
            r.knows,
            r.figures.pick(50),
            p90,
            calls,
            r.figures.calls_per_association(),
        );
    }
    out
}

/// The figure at D = 600 s against the one at D = 300 s, for each row kind (target ≤ 1.3).
fn ratios(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nD = 600 s against D = 300 s (target <= 1.3x): status calls per parent per wait, overshoot p90 / D\n"
    );
    let _ = writeln!(
        out,
        "| jitter | per parent | what the wait knows | calls 600 / 300 | p90 600 / 300 (relative to D) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    for r600 in rows.iter().filter(|r| r.d == 600.0) {
        let Some(r300) = rows.iter().find(|r| {
            r.d == 300.0
                && r.jitter == r600.jitter
                && r.per_parent == r600.per_parent
                && r.knows == r600.knows
        }) else {
            continue;
        };
        let calls = r600.figures.calls_per_parent() / r300.figures.calls_per_parent();
        let p90 = (r600.figures.pick(90) / 600.0) / (r300.figures.pick(90) / 300.0).max(1e-9);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {calls:.2}x | {p90:.2}x |",
            r600.jitter, r600.per_parent, r600.knows
        );
    }
    out
}
