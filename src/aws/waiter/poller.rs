//! Shared status polling: waits on the same parent share one poll stream.
//!
//! Each tick makes one status call that answers every waiting association of that parent. Ticks
//! start fast and back off with jitter to a cap; a newcomer pulls the next tick forward so it
//! never inherits a long delay. Every status call is bounded by a time limit, so a hung call is
//! abandoned after one limit and the next tick asks again: no wait can block the others.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::schedule::Schedule;
use crate::aws::error::{AwsError, ErrorKind};

/// One status call for a parent: given the members someone waits for, what AWS says about each.
/// A member missing from the answer is gone.
pub type PollFn<T> = Arc<
    dyn Fn(
            Vec<String>,
        ) -> Pin<Box<dyn Future<Output = Result<HashMap<String, T>, AwsError>> + Send>>
        + Send
        + Sync,
>;

/// A parent's status call and the longest one call may take before it is abandoned.
pub struct StatusCall<T> {
    pub poll: PollFn<T>,
    pub time_limit: Duration,
}

impl<T> Clone for StatusCall<T> {
    fn clone(&self) -> Self {
        StatusCall {
            poll: self.poll.clone(),
            time_limit: self.time_limit,
        }
    }
}

impl<T> StatusCall<T> {
    /// One call, abandoned (and reported as an unknown outcome) after the time limit.
    async fn ask(&self, members: Vec<String>) -> Result<HashMap<String, T>, AwsError> {
        match tokio::time::timeout(self.time_limit, (self.poll)(members)).await {
            Ok(answer) => answer,
            Err(_) => Err(AwsError::no_answer("status call", self.time_limit)),
        }
    }

    /// Asks about all `members` at once. When AWS refuses the whole call, one member may be the
    /// cause (an ID that no longer parses, a foreign one), so each is asked about on its own and
    /// the error lands only on the members it concerns.
    async fn ask_all(&self, members: &[String]) -> Answer<T> {
        let whole = self.ask(members.to_vec()).await;
        match whole {
            Err(error) if error.kind == ErrorKind::Rejected && members.len() > 1 => {
                tracing::debug!(error = %error, "status call refused; asking about each member alone");
                let mut found = HashMap::new();
                let mut member_errors = HashMap::new();
                for member in members {
                    match self.ask(vec![member.clone()]).await {
                        Ok(answer) => found.extend(answer),
                        Err(error) => {
                            member_errors.insert(member.clone(), error);
                        }
                    }
                }
                Answer {
                    result: Ok(found),
                    member_errors,
                }
            }
            result => Answer {
                result,
                member_errors: HashMap::new(),
            },
        }
    }
}

/// What one tick learned.
struct Answer<T> {
    result: Result<HashMap<String, T>, AwsError>,
    /// Errors that concern a single member.
    member_errors: HashMap<String, AwsError>,
}

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
    answer: Answer<T>,
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
        WaiterEngine::new(Schedule::POLL)
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
    /// poller for that parent (started with `call` if none runs). Throttling and unknown outcomes
    /// of a status call are ridden out; any other error ends the wait of the members it concerns.
    pub async fn wait<R>(
        &self,
        parent: &str,
        member: &str,
        call: StatusCall<T>,
        deadline: Instant,
        stop: &CancellationToken,
        mut decide: impl FnMut(Option<&T>) -> Verdict<R>,
    ) -> Result<R, WaitError> {
        let membership = self.join(parent, member, call);
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
                    let answer = match tick.answer.member_errors.get(member) {
                        Some(error) => Err(error),
                        None => tick.answer.result.as_ref(),
                    };
                    match answer {
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

    fn join(&self, parent: &str, member: &str, call: StatusCall<T>) -> Membership<T> {
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
                    call,
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
    call: StatusCall<T>,
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
        let started = Instant::now();
        let answer = call.ask_all(&members).await;
        // The schedule runs from when the call started, so a slow answer does not push every
        // later tick back; after no answer at all, the parent is asked again almost at once.
        let unanswered = answer
            .result
            .as_ref()
            .is_err_and(|e| e.kind == ErrorKind::Unknown);
        poller.ticks.send_replace(Some(Arc::new(Tick {
            polled: members.into_iter().collect(),
            answer,
        })));
        tick += 1;
        next_at = started + schedule.delay(tick);
        if unanswered {
            next_at = next_at.min(Instant::now() + schedule.delay(0));
        }
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

    fn status_call(poll: PollFn<&'static str>) -> StatusCall<&'static str> {
        StatusCall {
            poll,
            time_limit: Duration::from_secs(1),
        }
    }

    /// A fake status API: every member vanishes after `gone_after` calls.
    fn fake_api(calls: Arc<AtomicUsize>, gone_after: usize) -> StatusCall<&'static str> {
        status_call(Arc::new(move |members: Vec<String>| {
            let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
            Box::pin(async move {
                Ok(if call >= gone_after {
                    HashMap::new()
                } else {
                    members.into_iter().map(|m| (m, "disassociating")).collect()
                })
            })
        }))
    }

    fn until_gone(observation: Option<&&'static str>) -> Verdict<()> {
        match observation {
            None => Verdict::Done(()),
            Some(_) => Verdict::Continue,
        }
    }

    fn error(code: &str, status: u16) -> AwsError {
        AwsError::answered("Describe", Some(code), "refused", Some(status))
    }

    #[tokio::test]
    async fn concurrent_waits_on_one_parent_share_each_poll() {
        let engine = Arc::new(WaiterEngine::new(FAST));
        let calls = Arc::new(AtomicUsize::new(0));
        let call = fake_api(calls.clone(), 3);
        let deadline = Instant::now() + Duration::from_secs(5);
        let stop = CancellationToken::new();
        let waits = (0..10).map(|i| {
            let (engine, call, stop) = (engine.clone(), call.clone(), stop.clone());
            tokio::spawn(async move {
                engine
                    .wait(
                        "endpoint-1",
                        &format!("assoc-{i}"),
                        call,
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
    async fn throttling_and_unknown_outcomes_are_ridden_out() {
        let engine = WaiterEngine::new(FAST);
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let poll: PollFn<&'static str> = Arc::new(move |_members| {
            let call = counter.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                match call {
                    0 => Err(error("RequestLimitExceeded", 503)),
                    1 => Err(error("InternalError", 500)),
                    _ => Ok(HashMap::new()),
                }
            })
        });
        let deadline = Instant::now() + Duration::from_secs(5);
        engine
            .wait(
                "p",
                "m",
                status_call(poll),
                deadline,
                &CancellationToken::new(),
                until_gone,
            )
            .await
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_credential_failure_ends_the_wait_at_once() {
        let engine = WaiterEngine::new(FAST);
        let poll: PollFn<&'static str> =
            Arc::new(|_members| Box::pin(async { Err(error("ExpiredToken", 400)) }));
        let started = std::time::Instant::now();
        let result = engine
            .wait(
                "p",
                "m",
                status_call(poll),
                Instant::now() + Duration::from_secs(60),
                &CancellationToken::new(),
                until_gone,
            )
            .await;
        assert!(matches!(result, Err(WaitError::Aws(e)) if e.kind == ErrorKind::Credentials));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_hung_status_call_is_abandoned_after_its_time_limit() {
        let engine = WaiterEngine::new(FAST);
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let poll: PollFn<&'static str> = Arc::new(move |_members| {
            let call = counter.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                if call == 0 {
                    std::future::pending::<()>().await;
                }
                Ok(HashMap::new())
            })
        });
        let call = StatusCall {
            poll,
            time_limit: Duration::from_millis(100),
        };
        let started = std::time::Instant::now();
        engine
            .wait(
                "p",
                "m",
                call,
                Instant::now() + Duration::from_secs(60),
                &CancellationToken::new(),
                until_gone,
            )
            .await
            .unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "the hung call was asked again"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn an_error_that_concerns_one_member_does_not_fail_the_others() {
        let engine = Arc::new(WaiterEngine::new(FAST));
        // AWS refuses any call that names `bad`; `good` is gone.
        let poll: PollFn<&'static str> = Arc::new(|members: Vec<String>| {
            Box::pin(async move {
                if members.iter().any(|m| m == "bad") {
                    Err(error("ValidationException", 400))
                } else {
                    Ok(HashMap::new())
                }
            })
        });
        let call = status_call(poll);
        let deadline = Instant::now() + Duration::from_secs(5);
        let stop = CancellationToken::new();
        let waits: Vec<_> = ["good", "bad"]
            .into_iter()
            .map(|member| {
                let (engine, call, stop) = (engine.clone(), call.clone(), stop.clone());
                tokio::spawn(async move {
                    engine
                        .wait("p", member, call, deadline, &stop, until_gone)
                        .await
                })
            })
            .collect();
        let mut results = Vec::new();
        for wait in waits {
            results.push(wait.await.unwrap());
        }
        assert!(results[0].is_ok(), "{:?}", results[0]);
        assert!(
            matches!(&results[1], Err(WaitError::Aws(e)) if e.has_code("ValidationException")),
            "{:?}",
            results[1]
        );
    }
}
