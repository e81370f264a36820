//! The waiter engine: how the provider waits, correctly and quickly, for AWS to finish a change.
//!
//! Waits on the same parent (a Client VPN endpoint, a route server, a global network, a
//! WorkSpace) share one poller: each tick makes one status call that answers every waiting
//! association of that parent, so a destroy of ten associations on one endpoint costs one poll
//! stream, not ten. Ticks start fast and back off with jitter to a cap; a newcomer pulls the next
//! tick forward so it never inherits a long delay. Every wait is bounded by its deadline and ends
//! early when Terraform asks the provider to stop.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rand::Rng;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::error::AwsError;

/// When the ticks of a poller fall: `first`, then growing by `factor` up to `cap`, each spread by
/// up to ±`jitter` so many provider processes do not poll AWS in lock-step.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    pub first: Duration,
    pub factor: f64,
    pub cap: Duration,
    pub jitter: f64,
}

impl Schedule {
    /// Tuned for changes that take from a fraction of a second to minutes: about ten polls in the
    /// first 15 seconds, then one every 5 seconds, so a finished change is noticed within one
    /// short poll interval and a long one costs 12 calls a minute per parent.
    pub const DEFAULT: Schedule = Schedule {
        first: Duration::from_millis(200),
        factor: 1.5,
        cap: Duration::from_secs(5),
        jitter: 0.2,
    };

    /// The delay before tick number `tick` (0-based) of a poll stream.
    pub fn delay(&self, tick: u32) -> Duration {
        let base = self.first.as_secs_f64() * self.factor.powi(tick.min(64) as i32);
        let base = base.min(self.cap.as_secs_f64());
        let spread = if self.jitter > 0.0 {
            rand::rng().random_range(1.0 - self.jitter..=1.0 + self.jitter)
        } else {
            1.0
        };
        Duration::from_secs_f64(base * spread)
    }
}

/// One status call for a parent: given the members someone waits for, what AWS says about each.
/// A member missing from the answer is gone.
pub type PollFn<T> = Arc<
    dyn Fn(
            Vec<String>,
        ) -> Pin<Box<dyn Future<Output = Result<HashMap<String, T>, AwsError>> + Send>>
        + Send
        + Sync,
>;

/// What a wait makes of one observation (`None`: the member was absent from the answer).
pub enum Verdict<R> {
    Continue,
    Done(R),
    Fail(String),
}

#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error("timed out")]
    Timeout,
    #[error("interrupted: Terraform asked the provider to stop")]
    Interrupted,
    #[error("{0}")]
    Failed(String),
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// The answer of one tick, with the members it asked about: a wait that joined while the call
/// was in flight must not read its own absence from that answer as "gone".
struct Tick<T> {
    polled: HashSet<String>,
    result: Result<HashMap<String, T>, AwsError>,
}

struct Poller<T> {
    /// Waiting members and how many waits each has.
    members: Mutex<HashMap<String, usize>>,
    ticks: watch::Sender<Option<Arc<Tick<T>>>>,
    /// Pulls the next tick forward when a new wait joins.
    joined: Notify,
}

type Registry<T> = Arc<Mutex<HashMap<String, Arc<Poller<T>>>>>;

fn lock<V>(mutex: &Mutex<V>) -> MutexGuard<'_, V> {
    // A panic while holding these locks leaves plain maps behind, still consistent enough.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub struct WaiterEngine<T> {
    schedule: Schedule,
    pollers: Registry<T>,
}

impl<T: Send + Sync + 'static> Default for WaiterEngine<T> {
    fn default() -> Self {
        WaiterEngine::new(Schedule::DEFAULT)
    }
}

/// Leaves the poller when a wait ends, however it ends.
struct Membership<T> {
    poller: Arc<Poller<T>>,
    member: String,
}

impl<T> Drop for Membership<T> {
    fn drop(&mut self) {
        let mut members = lock(&self.poller.members);
        if let Some(count) = members.get_mut(&self.member) {
            *count -= 1;
            if *count == 0 {
                members.remove(&self.member);
            }
        }
    }
}

impl<T: Send + Sync + 'static> WaiterEngine<T> {
    pub fn new(schedule: Schedule) -> Self {
        WaiterEngine {
            schedule,
            pollers: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Waits until `decide` returns `Done` or `Fail` for `member` of `parent`, using the shared
    /// poller for that parent (started with `poll` if none runs).
    pub async fn wait<R>(
        &self,
        parent: &str,
        member: &str,
        poll: PollFn<T>,
        deadline: Instant,
        stop: &CancellationToken,
        mut decide: impl FnMut(Option<&T>) -> Verdict<R>,
    ) -> Result<R, WaitError> {
        let membership = self.join(parent, member, poll);
        let mut ticks = membership.poller.ticks.subscribe();
        loop {
            tokio::select! {
                changed = ticks.changed() => {
                    if changed.is_err() {
                        return Err(WaitError::Failed("the status poller stopped unexpectedly".into()));
                    }
                    let Some(tick) = ticks.borrow_and_update().clone() else { continue };
                    if !tick.polled.contains(member) {
                        continue;
                    }
                    match &tick.result {
                        Ok(answer) => match decide(answer.get(member)) {
                            Verdict::Continue => {}
                            Verdict::Done(result) => return Ok(result),
                            Verdict::Fail(message) => return Err(WaitError::Failed(message)),
                        },
                        Err(error) if error.is_transient() => {
                            tracing::warn!(parent, member, error = %error, "status poll failed; polling again");
                        }
                        Err(error) => return Err(WaitError::Aws(error.clone())),
                    }
                }
                () = tokio::time::sleep_until(deadline) => return Err(WaitError::Timeout),
                () = stop.cancelled() => return Err(WaitError::Interrupted),
            }
        }
    }

    fn join(&self, parent: &str, member: &str, poll: PollFn<T>) -> Membership<T> {
        let mut registry = lock(&self.pollers);
        let poller = match registry.get(parent) {
            Some(poller) => poller.clone(),
            None => {
                let poller = Arc::new(Poller {
                    members: Mutex::new(HashMap::new()),
                    ticks: watch::Sender::new(None),
                    joined: Notify::new(),
                });
                registry.insert(parent.to_owned(), poller.clone());
                tokio::spawn(run_poller(
                    self.pollers.clone(),
                    parent.to_owned(),
                    poller.clone(),
                    poll,
                    self.schedule,
                ));
                poller
            }
        };
        *lock(&poller.members).entry(member.to_owned()).or_insert(0) += 1;
        poller.joined.notify_one();
        Membership {
            poller,
            member: member.to_owned(),
        }
    }

    /// How many parents have a poller running (for tests and diagnostics).
    pub fn active_pollers(&self) -> usize {
        lock(&self.pollers).len()
    }
}

async fn run_poller<T: Send + Sync + 'static>(
    registry: Registry<T>,
    parent: String,
    poller: Arc<Poller<T>>,
    poll: PollFn<T>,
    schedule: Schedule,
) {
    let mut tick = 0;
    let mut next_at = Instant::now() + schedule.delay(0);
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(next_at) => {}
            () = poller.joined.notified() => {
                let soon = Instant::now() + schedule.delay(0);
                next_at = next_at.min(soon);
                tick = 0;
                continue;
            }
        }
        let members: Vec<String> = {
            let mut pollers = lock(&registry);
            let members = lock(&poller.members);
            if members.is_empty() {
                // Checked under the registry lock, where joins happen, so no wait is stranded.
                if pollers
                    .get(&parent)
                    .is_some_and(|p| Arc::ptr_eq(p, &poller))
                {
                    pollers.remove(&parent);
                }
                return;
            }
            members.keys().cloned().collect()
        };
        tracing::debug!(parent = %parent, members = members.len(), tick, "polling status");
        let result = poll(members.clone()).await;
        poller.ticks.send_replace(Some(Arc::new(Tick {
            polled: members.into_iter().collect(),
            result,
        })));
        tick += 1;
        next_at = Instant::now() + schedule.delay(tick);
    }
}

/// Runs a mutation (an associate or disassociate call), retrying while AWS answers that the
/// target is busy with another change, with backoff, until the deadline.
pub async fn retry_while_busy<F, Fut, R>(
    deadline: Instant,
    stop: &CancellationToken,
    mut call: F,
) -> Result<R, WaitError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<R, AwsError>>,
{
    let backoff = Schedule {
        first: Duration::from_millis(500),
        factor: 2.0,
        cap: Duration::from_secs(10),
        jitter: 0.2,
    };
    let mut attempt = 0;
    loop {
        let error = tokio::select! {
            result = call() => match result {
                Ok(value) => return Ok(value),
                Err(error) if error.is_busy() => error,
                Err(error) => return Err(WaitError::Aws(error)),
            },
            () = stop.cancelled() => return Err(WaitError::Interrupted),
        };
        let delay = backoff.delay(attempt);
        if Instant::now() + delay >= deadline {
            return Err(WaitError::Aws(error));
        }
        tracing::info!(error = %error, delay_ms = delay.as_millis() as u64, "target busy; retrying");
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = stop.cancelled() => return Err(WaitError::Interrupted),
        }
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    const FAST: Schedule = Schedule {
        first: Duration::from_millis(20),
        factor: 1.0,
        cap: Duration::from_millis(20),
        jitter: 0.0,
    };

    /// A fake status API: members listed in `gone_after` vanish after that many calls.
    fn fake_api(calls: Arc<AtomicUsize>, gone_after: usize) -> PollFn<&'static str> {
        Arc::new(move |members: Vec<String>| {
            let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
            Box::pin(async move {
                Ok(if call >= gone_after {
                    HashMap::new()
                } else {
                    members.into_iter().map(|m| (m, "disassociating")).collect()
                })
            })
        })
    }

    fn until_gone(observation: Option<&&'static str>) -> Verdict<()> {
        match observation {
            None => Verdict::Done(()),
            Some(_) => Verdict::Continue,
        }
    }

    #[tokio::test]
    async fn concurrent_waits_on_one_parent_share_each_poll() {
        let engine = Arc::new(WaiterEngine::new(FAST));
        let calls = Arc::new(AtomicUsize::new(0));
        let poll = fake_api(calls.clone(), 3);
        let deadline = Instant::now() + Duration::from_secs(5);
        let stop = CancellationToken::new();
        let waits = (0..10).map(|i| {
            let (engine, poll, stop) = (engine.clone(), poll.clone(), stop.clone());
            tokio::spawn(async move {
                engine
                    .wait(
                        "endpoint-1",
                        &format!("assoc-{i}"),
                        poll,
                        deadline,
                        &stop,
                        until_gone,
                    )
                    .await
            })
        });
        for wait in waits.collect::<Vec<_>>() {
            wait.await.unwrap().unwrap();
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            3,
            "ten waits, one poll stream"
        );
    }

    #[tokio::test]
    async fn poller_stops_when_no_one_waits() {
        let engine = WaiterEngine::new(FAST);
        let calls = Arc::new(AtomicUsize::new(0));
        let stop = CancellationToken::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        engine
            .wait(
                "p",
                "m",
                fake_api(calls.clone(), 1),
                deadline,
                &stop,
                until_gone,
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(engine.active_pollers(), 0);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn wait_times_out_at_its_deadline() {
        let engine = WaiterEngine::new(FAST);
        let calls = Arc::new(AtomicUsize::new(0));
        let deadline = Instant::now() + Duration::from_millis(100);
        let result = engine
            .wait(
                "p",
                "m",
                fake_api(calls, usize::MAX),
                deadline,
                &CancellationToken::new(),
                until_gone,
            )
            .await;
        assert!(matches!(result, Err(WaitError::Timeout)));
    }

    #[tokio::test]
    async fn stop_interrupts_a_wait_promptly() {
        let engine = WaiterEngine::new(FAST);
        let stop = CancellationToken::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        let canceller = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            canceller.cancel();
        });
        let started = std::time::Instant::now();
        let result = engine
            .wait(
                "p",
                "m",
                fake_api(Arc::new(AtomicUsize::new(0)), usize::MAX),
                deadline,
                &stop,
                until_gone,
            )
            .await;
        assert!(matches!(result, Err(WaitError::Interrupted)));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn transient_poll_errors_are_ridden_out() {
        let engine = WaiterEngine::new(FAST);
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let poll: PollFn<&'static str> = Arc::new(move |_members| {
            let call = counter.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                if call < 2 {
                    Err(AwsError {
                        operation: "Describe",
                        code: Some("RequestLimitExceeded".into()),
                        message: "Request limit exceeded.".into(),
                        status: Some(503),
                    })
                } else {
                    Ok(HashMap::new())
                }
            })
        });
        let deadline = Instant::now() + Duration::from_secs(5);
        engine
            .wait(
                "p",
                "m",
                poll,
                deadline,
                &CancellationToken::new(),
                until_gone,
            )
            .await
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn busy_mutations_are_retried_until_they_succeed() {
        let attempts = AtomicUsize::new(0);
        let deadline = Instant::now() + Duration::from_secs(10);
        let result = retry_while_busy(deadline, &CancellationToken::new(), || async {
            if attempts.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(AwsError {
                    operation: "DisassociateRouteServer",
                    code: Some("IncorrectState".into()),
                    message: "busy".into(),
                    status: Some(400),
                })
            } else {
                Ok("done")
            }
        })
        .await;
        assert_eq!(result.unwrap(), "done");
        assert_eq!(attempts.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn other_mutation_errors_fail_at_once() {
        let result: Result<(), _> = retry_while_busy(
            Instant::now() + Duration::from_secs(10),
            &CancellationToken::new(),
            || async {
                Err(AwsError {
                    operation: "AssociateRouteServer",
                    code: Some("UnauthorizedOperation".into()),
                    message: "no".into(),
                    status: Some(403),
                })
            },
        )
        .await;
        assert!(matches!(result, Err(WaitError::Aws(e)) if e.has_code("UnauthorizedOperation")));
    }
}
