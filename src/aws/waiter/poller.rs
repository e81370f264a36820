//! Shared status polling: waits on the same parent share one poll stream.
//!
//! Each tick makes one status call that answers every waiting association of that parent, when
//! the earliest of their [`Cadence`]s wants it; a newcomer pulls the next tick forward so it
//! never inherits a long delay, except a wait that only follows the others (an operation parked
//! until a change on the parent ends, [`Transition::ParentFree`]), which asks for itself only
//! when no other wait on the parent does. Every status call is bounded by a time limit, so a hung call is
//! abandoned after one limit and the next tick asks again at once: no wait can block the others.
//! An answer that is an error (a 5xx, a refused connection, throttling) is asked again no sooner
//! than the default [`Schedule`] would, counted from the first failure of the episode, and the
//! episode is logged once per parent, not once per tick.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rand::SeedableRng;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::cadence::{Cadence, Knowledge, Learned};
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
    /// Whether an answer lists everything the parent has, whoever asked: then one recent
    /// answer serves any read of the parent, and an error can never concern one member only.
    pub lists_everything: bool,
}

impl<T> Clone for StatusCall<T> {
    fn clone(&self) -> Self {
        StatusCall {
            poll: self.poll.clone(),
            time_limit: self.time_limit,
            lists_everything: self.lists_everything,
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
            Err(error)
                if error.kind == ErrorKind::Rejected
                    && members.len() > 1
                    && !self.lists_everything =>
            {
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

/// The answer of one tick, with the members it asked about (a wait that joined while the call
/// was in flight must not read its own absence from that answer as "gone") and when the call
/// was made.
struct Tick<T> {
    polled: HashSet<String>,
    asked_at: Instant,
    answer: Answer<T>,
}

/// A run of failed status calls of one parent.
struct Episode {
    /// Failed calls so far.
    failures: u32,
    /// Whether a call timed out last (then the next one goes at once).
    timed_out: bool,
}

/// One wait or read registered with a poller.
struct Entry {
    member: String,
    began: Instant,
    cadence: Cadence,
    /// When this entry next wants an answer.
    due: Instant,
    /// A read not yet asked about: later reads extend its batch.
    batching: bool,
    /// Waits for the end of a change that the parent's other waits are watching
    /// ([`Transition::ParentFree`]): its wishes count only when no other entry has any, so
    /// operations parked behind a change hear the ticks of the waits aimed at that change's end
    /// instead of each polling on a grid of its own.
    follower: bool,
}

struct Poller<T> {
    /// The registered waits and reads, by registration number.
    entries: Mutex<HashMap<u64, Entry>>,
    ticks: watch::Sender<Option<Arc<Tick<T>>>>,
    /// Wakes the poller when an entry joins or leaves, so its wishes count at once and the
    /// poll stream ends with its last entry.
    changed: Notify,
}

type Registry<T> = Arc<Mutex<HashMap<String, Arc<Poller<T>>>>>;

fn lock<V>(mutex: &Mutex<V>) -> MutexGuard<'_, V> {
    // A panic while holding these locks leaves plain maps behind, still consistent enough.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Two status calls for one parent are never closer together than this, however the waits'
/// wishes fall: the smallest useful gap between looks at the same thing.
const MIN_GAP: Duration = Duration::from_millis(150);

/// A wish this close after a status call counts as served by it, so waits that began a little
/// apart share calls instead of each asking on its own grid.
const COALESCE: Duration = Duration::from_millis(150);

/// How long a read waits for others to join it in one status call: each read that joins a
/// pending batch extends it by this much, up to [`READ_BATCH_MAX`] after the batch's first read.
const READ_BATCH: Duration = Duration::from_millis(15);
const READ_BATCH_MAX: Duration = Duration::from_millis(40);

/// Which change a wait is for; the engine learns each one's duration separately.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transition {
    Create,
    Delete,
    /// Another association's change on the same parent ending, for a mutation that AWS
    /// refuses until then. Such a wait begins somewhere inside that change, so how long it
    /// took teaches nothing: it is never learned, and it follows the parent's other waits
    /// (see `Entry::follower`).
    ParentFree,
}

impl Transition {
    /// Whether a finished wait teaches the engine how long this change takes.
    fn is_learned(self) -> bool {
        self != Transition::ParentFree
    }
}

pub struct WaiterEngine<T> {
    schedule: Schedule,
    pollers: Registry<T>,
    learned: Mutex<HashMap<Transition, Learned>>,
    next_entry: AtomicU64,
    /// Each parent's latest complete listing, for reads that arrive just after it.
    recent: Recent<T>,
    /// The jitter of every wait's schedule, drawn once per engine: waits on one parent that
    /// begin together poll together (see [`Cadence`]).
    jitter_seed: u64,
}

type Recent<T> = Arc<Mutex<HashMap<String, Arc<Tick<T>>>>>;

/// How old a complete listing may be and still answer a read: a refresh reads every resource
/// within a fraction of a second, in batches of the CLI's parallelism, and one listing of a
/// parent answers them all.
const READ_FRESHNESS: Duration = Duration::from_secs(1);

impl<T: Send + Sync + 'static> Default for WaiterEngine<T> {
    fn default() -> Self {
        WaiterEngine::new(Schedule::POLL)
    }
}

/// Leaves the poller when a wait or read ends, however it ends.
struct Membership<T> {
    poller: Arc<Poller<T>>,
    id: u64,
}

impl<T> Drop for Membership<T> {
    fn drop(&mut self) {
        lock(&self.poller.entries).remove(&self.id);
        self.poller.changed.notify_one();
    }
}

impl<T: Send + Sync + 'static> WaiterEngine<T> {
    pub fn new(schedule: Schedule) -> Self {
        WaiterEngine {
            schedule,
            pollers: Arc::new(Mutex::new(HashMap::new())),
            learned: Mutex::new(HashMap::new()),
            next_entry: AtomicU64::new(0),
            recent: Arc::new(Mutex::new(HashMap::new())),
            jitter_seed: rand::random(),
        }
    }

    /// Where a `transition` is expected to finish, from the waits completed so far.
    pub fn expected(&self, transition: Transition) -> Option<(Duration, Duration)> {
        lock(&self.learned)
            .get(&transition)
            .and_then(Learned::window)
    }

    /// Waits until `decide` returns `Done` or `Fail` for `member` of `parent`, using the shared
    /// poller for that parent (started with `call` if none runs). The wait asks for answers on
    /// the cadence learned for `transition` (or, before this process has seen one finish, around
    /// `guess`), and teaches it when the change is done. Throttling and unknown outcomes of a
    /// status call are ridden out; any other error ends the wait of the members it concerns.
    #[allow(clippy::too_many_arguments)]
    pub async fn wait<R>(
        &self,
        parent: &str,
        member: &str,
        call: StatusCall<T>,
        transition: Transition,
        guess: Option<(Duration, Duration)>,
        deadline: Instant,
        stop: &CancellationToken,
        mut decide: impl FnMut(Option<&T>) -> Verdict<R>,
    ) -> Result<R, WaitError> {
        let began = Instant::now();
        let learned = transition
            .is_learned()
            .then(|| self.expected(transition))
            .flatten();
        let knowledge = match (learned, guess) {
            (Some(learned), _) => Knowledge::Learned(learned),
            (None, Some(guess)) => Knowledge::Guess(guess),
            (None, None) => Knowledge::Nothing,
        };
        let cadence = Cadence::new(self.schedule, knowledge, self.jitter_seed);
        let follower = transition == Transition::ParentFree;
        let membership = self.join(parent, member, call, cadence, None, follower);
        let mut ticks = membership.poller.ticks.subscribe();
        let mut last_not_done = Duration::ZERO;
        loop {
            let tick = tokio::select! {
                tick = next_tick(&mut ticks, member, began) => tick?,
                () = tokio::time::sleep_until(deadline) => return Err(WaitError::Timeout),
                () = stop.cancelled() => return Err(WaitError::Interrupted),
            };
            let at = tick.asked_at.saturating_duration_since(began);
            match tick.answer_for(member) {
                Ok(observation) => match decide(observation) {
                    Verdict::Continue => last_not_done = at,
                    Verdict::Done(result) => {
                        if transition.is_learned() {
                            lock(&self.learned).entry(transition).or_default().record(
                                began,
                                last_not_done,
                                at,
                            );
                        }
                        return Ok(result);
                    }
                    Verdict::Fail(message) => return Err(WaitError::Failed(message)),
                },
                Err(error) if error.is_transient() => {
                    // The poller warns once per episode of failures for the whole parent.
                    tracing::debug!(parent, member, error = %error, "status poll failed; polling again");
                }
                Err(error) => return Err(WaitError::Aws(error.clone())),
            }
        }
    }

    /// One current status answer for `member` of `parent`, shared with every wait and every
    /// other read of that parent: reads that arrive within a few milliseconds of each other (a
    /// refresh reads every resource at once) cost one status call. Transient failures are asked
    /// again until `deadline`.
    pub async fn read(
        &self,
        parent: &str,
        member: &str,
        call: StatusCall<T>,
        deadline: Instant,
        stop: &CancellationToken,
    ) -> Result<Option<T>, AwsError>
    where
        T: Clone,
    {
        let began = Instant::now();
        if call.lists_everything {
            let recent = lock(&self.recent).get(parent).cloned();
            if let Some(tick) = recent.filter(|t| t.asked_at + READ_FRESHNESS >= began)
                && let Ok(observation) = tick.answer_for(member)
            {
                return Ok(observation.cloned());
            }
        }
        let cadence = Cadence::new(self.schedule, Knowledge::Nothing, self.jitter_seed);
        let membership = self.join(
            parent,
            member,
            call,
            cadence,
            Some(began + READ_BATCH),
            false,
        );
        let mut ticks = membership.poller.ticks.subscribe();
        let mut last_error = None;
        loop {
            let tick = tokio::select! {
                tick = next_tick(&mut ticks, member, began) => tick.map_err(|_| {
                    AwsError::no_answer("status call", began.elapsed())
                })?,
                () = tokio::time::sleep_until(deadline) => {
                    return Err(last_error.unwrap_or_else(|| AwsError::no_answer("status call", began.elapsed())));
                }
                () = stop.cancelled() => {
                    return Err(AwsError::no_answer("status call (interrupted)", began.elapsed()));
                }
            };
            match tick.answer_for(member) {
                Ok(observation) => return Ok(observation.cloned()),
                Err(error) if error.is_transient() => last_error = Some(error.clone()),
                Err(error) => return Err(error.clone()),
            }
        }
    }

    /// Registers a wait or read with the parent's poller, starting one if none runs.
    fn join(
        &self,
        parent: &str,
        member: &str,
        call: StatusCall<T>,
        mut cadence: Cadence,
        due: Option<Instant>,
        follower: bool,
    ) -> Membership<T> {
        let now = Instant::now();
        let batching = due.is_some();
        let due = due.unwrap_or_else(|| now + cadence.next_after(Duration::ZERO));
        let id = self.next_entry.fetch_add(1, Ordering::Relaxed);
        let entry = Entry {
            member: member.to_owned(),
            began: now,
            cadence,
            due,
            batching,
            follower,
        };
        let mut registry = lock(&self.pollers);
        let poller = match registry.get(parent) {
            Some(poller) => poller.clone(),
            None => {
                let poller = Arc::new(Poller {
                    entries: Mutex::new(HashMap::new()),
                    ticks: watch::Sender::new(None),
                    changed: Notify::new(),
                });
                registry.insert(parent.to_owned(), poller.clone());
                let task = tokio::spawn(run_poller(
                    self.pollers.clone(),
                    self.recent.clone(),
                    parent.to_owned(),
                    poller.clone(),
                    call,
                    self.schedule,
                ));
                tokio::spawn(supervise(
                    task,
                    self.pollers.clone(),
                    parent.to_owned(),
                    poller.clone(),
                ));
                poller
            }
        };
        {
            let mut entries = lock(&poller.entries);
            if batching {
                // Reads arrive in bursts (a refresh reads everything at once): a pending batch
                // waits a little longer for this one.
                for pending in entries.values_mut().filter(|e| e.batching) {
                    pending.due = pending.due.max(due).min(pending.began + READ_BATCH_MAX);
                }
            }
            entries.insert(id, entry);
        }
        poller.changed.notify_one();
        Membership { poller, id }
    }

    /// How many parents have a poller running (for tests and diagnostics).
    pub fn active_pollers(&self) -> usize {
        lock(&self.pollers).len()
    }
}

impl<T> Tick<T> {
    /// What this tick says about `member`: its observation (`None`: not listed, gone) or the
    /// error that concerns it.
    fn answer_for(&self, member: &str) -> Result<Option<&T>, &AwsError> {
        match self.answer.member_errors.get(member) {
            Some(error) => Err(error),
            None => self.answer.result.as_ref().map(|found| found.get(member)),
        }
    }
}

/// The next tick that asked about `member` with a call made after `since`.
async fn next_tick<T>(
    ticks: &mut watch::Receiver<Option<Arc<Tick<T>>>>,
    member: &str,
    since: Instant,
) -> Result<Arc<Tick<T>>, WaitError> {
    loop {
        if ticks.changed().await.is_err() {
            return Err(WaitError::Failed(
                "the status poller stopped unexpectedly".into(),
            ));
        }
        let Some(tick) = ticks.borrow_and_update().clone() else {
            continue;
        };
        if tick.polled.contains(member) && tick.asked_at >= since {
            return Ok(tick);
        }
    }
}

/// Watches a poller task. If it panics (a bug in a status call), the parent's registration is
/// removed so the next wait or read starts a new poller, and every wait and read registered
/// with the dead one gets an answer that ends it with a clear error instead of stalling until
/// its deadline.
async fn supervise<T: Send + Sync + 'static>(
    task: tokio::task::JoinHandle<()>,
    registry: Registry<T>,
    parent: String,
    poller: Arc<Poller<T>>,
) {
    let Err(failure) = task.await else {
        return;
    };
    if !failure.is_panic() {
        return;
    }
    tracing::error!(parent = %parent, "the status poller failed; the next operation on this parent starts a new one");
    {
        let mut pollers = lock(&registry);
        if pollers
            .get(&parent)
            .is_some_and(|p| Arc::ptr_eq(p, &poller))
        {
            pollers.remove(&parent);
        }
    }
    let polled = lock(&poller.entries)
        .values()
        .map(|e| e.member.clone())
        .collect();
    let error = AwsError::answered(
        "status call",
        None,
        format!(
            "the status poller for {parent} failed unexpectedly (a provider bug); run the \
             command again, which starts a new one"
        ),
        None,
    );
    poller.ticks.send_replace(Some(Arc::new(Tick {
        polled,
        asked_at: Instant::now(),
        answer: Answer {
            result: Err(error),
            member_errors: HashMap::new(),
        },
    })));
}

async fn run_poller<T: Send + Sync + 'static>(
    registry: Registry<T>,
    recent: Recent<T>,
    parent: String,
    poller: Arc<Poller<T>>,
    call: StatusCall<T>,
    schedule: Schedule,
) {
    let mut last_asked: Option<Instant> = None;
    let mut episode: Option<Episode> = None;
    // The default schedule's jitter, for the pauses of failure episodes.
    let mut backoff_jitter = rand::rngs::SmallRng::seed_from_u64(rand::random());
    loop {
        let due = {
            let mut pollers = lock(&registry);
            let entries = lock(&poller.entries);
            // Followers ask for themselves only when nobody else on the parent asks.
            let leading = entries
                .values()
                .filter(|e| !e.follower)
                .map(|e| e.due)
                .min();
            match leading.or_else(|| entries.values().map(|e| e.due).min()) {
                Some(due) => due,
                None => {
                    // Checked under the registry lock, where joins happen, so no wait is
                    // stranded: the poll stream ends with its last wait.
                    if pollers
                        .get(&parent)
                        .is_some_and(|p| Arc::ptr_eq(p, &poller))
                    {
                        pollers.remove(&parent);
                    }
                    return;
                }
            }
        };
        let due = match last_asked {
            Some(last) => due.max(last + MIN_GAP),
            None => due,
        };
        // After an answer that was an error, no sooner than the default schedule would ask.
        let due = match (&episode, last_asked) {
            (Some(e), Some(last)) if !e.timed_out => {
                let pause = schedule.delay_with(e.failures.saturating_sub(1), &mut backoff_jitter);
                due.max(last + pause)
            }
            _ => due,
        };
        tokio::select! {
            () = tokio::time::sleep_until(due) => {}
            () = poller.changed.notified() => continue,
        }
        let members: Vec<String> = {
            let entries = lock(&poller.entries);
            let mut members: Vec<String> = entries.values().map(|e| e.member.clone()).collect();
            members.sort_unstable();
            members.dedup();
            members
        };
        if members.is_empty() {
            continue;
        }
        tracing::debug!(parent = %parent, members = members.len(), "polling status");
        let asked_at = Instant::now();
        last_asked = Some(asked_at);
        let answer = call.ask_all(&members).await;
        // After no answer within the time limit, the parent is asked again almost at once.
        let unanswered = answer
            .result
            .as_ref()
            .is_err_and(|e| e.kind == ErrorKind::Unknown && e.timed_out);
        match (&answer.result, episode.as_mut()) {
            (Err(error), None) if error.is_transient() => {
                tracing::warn!(parent = %parent, error = %error, "status calls fail; asking again on the default schedule until they answer");
                episode = Some(Episode {
                    failures: 1,
                    timed_out: error.timed_out,
                });
            }
            (Err(error), Some(e)) if error.is_transient() => {
                e.failures = e.failures.saturating_add(1);
                e.timed_out = error.timed_out;
            }
            (Ok(_), Some(e)) => {
                tracing::info!(parent = %parent, failures = e.failures, "status calls answer again");
                episode = None;
            }
            _ => {}
        }
        {
            let now = Instant::now();
            let mut entries = lock(&poller.entries);
            for entry in entries.values_mut() {
                entry.batching = false;
                let elapsed = asked_at.saturating_duration_since(entry.began);
                let mut wish = entry.cadence.next_after(elapsed);
                if wish.saturating_sub(elapsed) <= COALESCE {
                    wish = entry.cadence.next_after(wish);
                }
                entry.due = entry.began + wish;
                if unanswered {
                    entry.due = entry.due.min(now + MIN_GAP);
                }
            }
        }
        let tick = Arc::new(Tick {
            polled: members.into_iter().collect(),
            asked_at,
            answer,
        });
        if call.lists_everything && tick.answer.result.is_ok() {
            let mut recent = lock(&recent);
            recent.retain(|_, t| t.asked_at + READ_FRESHNESS >= asked_at);
            recent.insert(parent.clone(), tick.clone());
        }
        poller.ticks.send_replace(Some(tick));
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
            lists_everything: false,
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

    /// A delete wait on `member` of `parent` until the member is absent from an answer.
    async fn wait_gone(
        engine: &WaiterEngine<&'static str>,
        parent: &str,
        member: &str,
        call: StatusCall<&'static str>,
        deadline: Instant,
        stop: &CancellationToken,
    ) -> Result<(), WaitError> {
        engine
            .wait(
                parent,
                member,
                call,
                Transition::Delete,
                None,
                deadline,
                stop,
                until_gone,
            )
            .await
    }

    fn error(code: &str, status: u16) -> AwsError {
        AwsError::answered("Describe", Some(code), "refused", Some(status))
    }

    #[tokio::test]
    async fn a_poller_that_panics_fails_its_waits_at_once_and_is_replaced() {
        let engine = WaiterEngine::new(FAST);
        let stop = CancellationToken::new();
        let panicking = status_call(Arc::new(|_members: Vec<String>| {
            Box::pin(async { panic!("a bug in a status call") })
        }));
        let deadline = Instant::now() + Duration::from_secs(30);
        let started = Instant::now();
        let failed = wait_gone(&engine, "p", "m", panicking, deadline, &stop).await;
        assert!(
            matches!(&failed, Err(WaitError::Aws(e)) if e.message.contains("status poller")),
            "{failed:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the wait stalled"
        );
        // The next wait on the same parent gets a working poller.
        let calls = Arc::new(AtomicUsize::new(0));
        wait_gone(
            &engine,
            "p",
            "m",
            fake_api(calls.clone(), 2),
            deadline,
            &stop,
        )
        .await
        .expect("a new poller answers");
        assert!(calls.load(Ordering::SeqCst) >= 2);
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
                wait_gone(
                    &engine,
                    "endpoint-1",
                    &format!("assoc-{i}"),
                    call,
                    deadline,
                    &stop,
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
        wait_gone(
            &engine,
            "p",
            "m",
            fake_api(calls.clone(), 1),
            deadline,
            &stop,
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
        let result = wait_gone(
            &engine,
            "p",
            "m",
            fake_api(calls, usize::MAX),
            deadline,
            &CancellationToken::new(),
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
        let result = wait_gone(
            &engine,
            "p",
            "m",
            fake_api(Arc::new(AtomicUsize::new(0)), usize::MAX),
            deadline,
            &stop,
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
        wait_gone(
            &engine,
            "p",
            "m",
            status_call(poll),
            deadline,
            &CancellationToken::new(),
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
        let result = wait_gone(
            &engine,
            "p",
            "m",
            status_call(poll),
            Instant::now() + Duration::from_secs(60),
            &CancellationToken::new(),
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
            lists_everything: false,
        };
        let started = std::time::Instant::now();
        wait_gone(
            &engine,
            "p",
            "m",
            call,
            Instant::now() + Duration::from_secs(60),
            &CancellationToken::new(),
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
                tokio::spawn(
                    async move { wait_gone(&engine, "p", member, call, deadline, &stop).await },
                )
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

    #[tokio::test]
    async fn concurrent_reads_of_one_parent_share_one_status_call() {
        let engine = Arc::new(WaiterEngine::new(FAST));
        let calls = Arc::new(AtomicUsize::new(0));
        let call = fake_api(calls.clone(), usize::MAX);
        let stop = CancellationToken::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        let reads: Vec<_> = (0..10)
            .map(|i| {
                let (engine, call, stop) = (engine.clone(), call.clone(), stop.clone());
                tokio::spawn(async move {
                    engine
                        .read("endpoint-1", &format!("assoc-{i}"), call, deadline, &stop)
                        .await
                })
            })
            .collect();
        for read in reads {
            assert_eq!(read.await.unwrap().unwrap(), Some("disassociating"));
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "ten reads, one status call"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            engine.active_pollers(),
            0,
            "no poll stream outlives its reads"
        );
    }

    #[tokio::test]
    async fn a_completed_wait_teaches_the_engine_when_the_next_one_will_finish() {
        let engine = WaiterEngine::new(FAST);
        assert!(engine.expected(Transition::Delete).is_none());
        wait_gone(
            &engine,
            "p",
            "m",
            fake_api(Arc::new(AtomicUsize::new(0)), 3),
            Instant::now() + Duration::from_secs(5),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
        let (earliest, latest) = engine.expected(Transition::Delete).expect("learned");
        assert!(earliest < latest, "{earliest:?} .. {latest:?}");
        assert!(
            engine.expected(Transition::Create).is_none(),
            "per transition"
        );
    }

    #[tokio::test]
    async fn a_fresh_complete_listing_answers_a_read_without_a_call() {
        let engine = WaiterEngine::new(FAST);
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        // Lists the parent's two associations whoever asks.
        let poll: PollFn<&'static str> = Arc::new(move |_members| {
            counter.fetch_add(1, Ordering::SeqCst);
            Box::pin(async {
                Ok(HashMap::from([
                    ("a".to_owned(), "associated"),
                    ("b".to_owned(), "associated"),
                ]))
            })
        });
        let call = StatusCall {
            poll,
            time_limit: Duration::from_secs(1),
            lists_everything: true,
        };
        let stop = CancellationToken::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        let a = engine.read("p", "a", call.clone(), deadline, &stop).await;
        let b = engine.read("p", "b", call.clone(), deadline, &stop).await;
        let c = engine.read("p", "c", call, deadline, &stop).await;
        assert_eq!(
            (a.unwrap(), b.unwrap(), c.unwrap()),
            (Some("associated"), Some("associated"), None)
        );
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "one listing answered all three"
        );
    }

    /// A status API in virtual time: every member is "disassociating" until `gone_at` after
    /// `start`, then absent; `failing` answers instead, while it returns an error. Records when
    /// each call was made.
    fn timed_api(
        start: Instant,
        gone_at: Duration,
        calls: Arc<Mutex<Vec<Duration>>>,
        failing: impl Fn(Duration) -> Option<AwsError> + Send + Sync + 'static,
    ) -> StatusCall<&'static str> {
        status_call(Arc::new(move |members: Vec<String>| {
            let at = start.elapsed();
            lock(&calls).push(at);
            let answer = match failing(at) {
                Some(error) => Err(error),
                None if at >= gone_at => Ok(HashMap::new()),
                None => Ok(members.into_iter().map(|m| (m, "disassociating")).collect()),
            };
            Box::pin(async move { answer })
        }))
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_under_answered_errors_asks_no_faster_than_the_default_schedule() {
        let schedule = Schedule::POLL;
        let engine = WaiterEngine::new(schedule);
        let start = Instant::now();
        let calls = Arc::new(Mutex::new(Vec::new()));
        // 20 s of `error_rate = 1`: 500s, and refused connections (no answer, no time-out).
        let refused = AwsError {
            timed_out: false,
            ..AwsError::answered("Describe", None, "connection refused", None)
        };
        let refused = AwsError {
            kind: ErrorKind::Unknown,
            ..refused
        };
        let call = timed_api(start, Duration::from_secs(25), calls.clone(), move |at| {
            if at >= Duration::from_secs(20) {
                None
            } else if at.as_millis() % 2 == 0 {
                Some(error("InternalError", 500))
            } else {
                Some(refused.clone())
            }
        });
        wait_gone(
            &engine,
            "p",
            "m",
            call,
            start + Duration::from_secs(600),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
        let calls = lock(&calls).clone();
        let failed: Vec<Duration> = calls
            .iter()
            .copied()
            .filter(|at| *at < Duration::from_secs(20))
            .collect();
        // The default schedule at its fastest (every delay shortened by the whole jitter).
        let mut fastest = Vec::new();
        let mut at = Duration::ZERO;
        for step in 0.. {
            let delay = (schedule.first.mul_f64(schedule.factor.powi(step))).min(schedule.cap);
            at += delay.mul_f64(1.0 - schedule.jitter);
            if at >= Duration::from_secs(20) {
                break;
            }
            fastest.push(at);
        }
        assert!(
            failed.len() <= fastest.len() + 1,
            "{} calls in the 20 s episode, the default schedule makes at most {}: {failed:?}",
            failed.len(),
            fastest.len() + 1
        );
        for (k, pair) in failed.windows(2).enumerate() {
            let least = schedule
                .first
                .mul_f64(schedule.factor.powi(k as i32))
                .min(schedule.cap)
                .mul_f64(1.0 - schedule.jitter);
            assert!(
                pair[1] - pair[0] >= least,
                "failure {k}: asked again after {:?}, the default schedule waits {least:?}",
                pair[1] - pair[0]
            );
        }
    }

    /// A parent whose change ends at 10 s: the member "m" being removed is gone then, and
    /// every other member reads "busy" before and "free" after. Records when it was asked.
    fn change_ending_at_ten_seconds(
        start: Instant,
        calls: Arc<Mutex<Vec<Duration>>>,
    ) -> StatusCall<&'static str> {
        status_call(Arc::new(move |members: Vec<String>| {
            let at = start.elapsed();
            lock(&calls).push(at);
            let done = at >= Duration::from_secs(10);
            let answer = members
                .into_iter()
                .filter_map(|m| match (m.as_str(), done) {
                    ("m", true) => None,
                    ("m", false) => Some((m, "disassociating")),
                    (_, false) => Some((m, "busy")),
                    (_, true) => Some((m, "free")),
                })
                .collect();
            Box::pin(async move { Ok(answer) })
        }))
    }

    #[tokio::test(start_paused = true)]
    async fn operations_parked_behind_a_change_follow_the_wait_on_it_at_no_extra_call() {
        let calls_with = |parked: u64| async move {
            // No jitter: both runs poll on the same grid unless the parked operations move it.
            let engine = WaiterEngine::new(Schedule {
                jitter: 0.0,
                ..Schedule::POLL
            });
            let stop = CancellationToken::new();
            let start = Instant::now();
            let calls = Arc::new(Mutex::new(Vec::new()));
            let call = change_ending_at_ten_seconds(start, calls.clone());
            let deadline = start + Duration::from_secs(60);
            let parked = (0..parked).map(|i| {
                let (engine, stop, call) = (&engine, &stop, call.clone());
                async move {
                    tokio::time::sleep(Duration::from_millis(1000 + 300 * i)).await;
                    let member = format!("f{i}");
                    let freed = engine
                        .wait(
                            "p",
                            &member,
                            call,
                            Transition::ParentFree,
                            None,
                            deadline,
                            stop,
                            |seen| match seen {
                                Some(&"busy") => Verdict::Continue,
                                _ => Verdict::Done(Instant::now()),
                            },
                        )
                        .await
                        .unwrap();
                    freed.duration_since(start)
                }
            });
            let removal = wait_gone(&engine, "p", "m", call.clone(), deadline, &stop);
            let (removed, freed) = tokio::join!(removal, join_all(parked));
            removed.unwrap();
            let asked = lock(&calls).clone();
            (asked, freed)
        };
        let (alone, _) = calls_with(0).await;
        let (followed, freed) = calls_with(3).await;
        // The parked operations never changed when the parent was asked...
        assert_eq!(followed, alone, "parked operations moved or added calls");
        // ...and each was freed by the answer that saw the change end.
        let ended = alone
            .iter()
            .copied()
            .find(|at| *at >= Duration::from_secs(10));
        assert!(
            freed.iter().all(|at| Some(*at) == ended),
            "{freed:?} vs {ended:?}"
        );
    }

    /// Polls every future to completion on this task.
    async fn join_all<F: Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
        let mut pinned: Vec<Pin<Box<F>>> = futures.map(Box::pin).collect();
        let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
        std::future::poll_fn(|cx| {
            for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
                if output.is_none()
                    && let std::task::Poll::Ready(value) = future.as_mut().poll(cx)
                {
                    *output = Some(value);
                }
            }
            if outputs.iter().all(Option::is_some) {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await;
        outputs.into_iter().flatten().collect()
    }

    /// Collects the `parent` field of every warning logged on this thread.
    #[derive(Clone, Default)]
    struct Warnings(Arc<Mutex<Vec<String>>>);

    struct ParentField(Option<String>);

    impl tracing::field::Visit for ParentField {
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
            if field.name() == "parent" {
                self.0 = Some(format!("{value:?}"));
            }
        }
    }

    impl tracing::Subscriber for Warnings {
        fn register_callsite(
            &self,
            _: &'static tracing::Metadata<'static>,
        ) -> tracing::subscriber::Interest {
            tracing::subscriber::Interest::sometimes()
        }
        fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
            *metadata.level() == tracing::Level::WARN
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            let mut parent = ParentField(None);
            event.record(&mut parent);
            lock(&self.0).push(parent.0.unwrap_or_default());
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[tokio::test(start_paused = true)]
    async fn an_episode_of_failing_status_calls_is_warned_about_once_per_parent() {
        let warnings = Warnings::default();
        // The test runtime runs every task on this thread.
        let _capture = tracing::subscriber::set_default(warnings.clone());
        let engine = WaiterEngine::new(Schedule::POLL);
        let start = Instant::now();
        // Two episodes of 500s (0-20 s and 30-40 s) on two parents, each polled by two waits.
        let failing = |at: Duration| {
            let second = at.as_secs();
            (second < 20 || (30..40).contains(&second)).then(|| error("InternalError", 500))
        };
        let calls = Arc::new(Mutex::new(Vec::new()));
        let stop = CancellationToken::new();
        let deadline = start + Duration::from_secs(600);
        let call = || timed_api(start, Duration::from_secs(50), calls.clone(), failing);
        let (p1, p2) = (call(), call());
        let waits = tokio::join!(
            wait_gone(&engine, "p1", "m1", p1.clone(), deadline, &stop),
            wait_gone(&engine, "p1", "m2", p1, deadline, &stop),
            wait_gone(&engine, "p2", "m1", p2.clone(), deadline, &stop),
            wait_gone(&engine, "p2", "m2", p2, deadline, &stop),
        );
        for result in [waits.0, waits.1, waits.2, waits.3] {
            result.unwrap();
        }
        let warned = lock(&warnings.0).clone();
        let count = |parent: &str| warned.iter().filter(|p| p.as_str() == parent).count();
        assert_eq!(
            (count("p1"), count("p2")),
            (2, 2),
            "one warning per episode per parent: {warned:?}"
        );
        // Many failed calls lay behind those four lines.
        let failed = lock(&calls)
            .iter()
            .filter(|at| failing(**at).is_some())
            .count();
        assert!(failed >= 8, "{failed} failed calls");
    }

    #[tokio::test(start_paused = true)]
    async fn a_timed_out_status_call_is_asked_again_at_once() {
        let engine = WaiterEngine::new(Schedule::POLL);
        let start = Instant::now();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let call = timed_api(start, Duration::from_secs(60), calls.clone(), |at| {
            (at < Duration::from_secs(30))
                .then(|| AwsError::no_answer("status call", Duration::from_secs(1)))
        });
        let _ = tokio::time::timeout(
            Duration::from_secs(40),
            wait_gone(
                &engine,
                "p",
                "m",
                call,
                start + Duration::from_secs(600),
                &CancellationToken::new(),
            ),
        )
        .await;
        let calls = lock(&calls).clone();
        let episode: Vec<Duration> = calls
            .into_iter()
            .filter(|at| *at < Duration::from_secs(30))
            .collect();
        for pair in episode.windows(2) {
            assert!(pair[1] - pair[0] <= MIN_GAP * 2, "{episode:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_learned_wait_with_a_wrong_first_guess_notices_within_the_bound() {
        use super::super::cadence::{FLOOR, TRUST_STEP, WINDOW_RATIO};
        let engine = WaiterEngine::new(Schedule::POLL);
        let stop = CancellationToken::new();
        // Learn: removals take 300 s ± 30 %.
        for (i, seconds) in [210.0, 250.0, 300.0, 340.0, 390.0].into_iter().enumerate() {
            let start = Instant::now();
            let calls = Arc::new(Mutex::new(Vec::new()));
            let call = timed_api(start, Duration::from_secs_f64(seconds), calls, |_| None);
            wait_gone(
                &engine,
                &format!("learn{i}"),
                "m",
                call,
                start + Duration::from_secs(3600),
                &stop,
            )
            .await
            .unwrap();
        }
        let guess = Some((Duration::from_secs(3000), Duration::from_secs(3900)));
        for (i, seconds) in [30.0, 220.0, 300.0, 380.0].into_iter().enumerate() {
            let gone_at = Duration::from_secs_f64(seconds);
            let start = Instant::now();
            let calls = Arc::new(Mutex::new(Vec::new()));
            let call = timed_api(start, gone_at, calls, |_| None);
            engine
                .wait(
                    &format!("p{i}"),
                    "m",
                    call,
                    Transition::Delete,
                    guess,
                    start + Duration::from_secs(3600),
                    &stop,
                    until_gone,
                )
                .await
                .unwrap();
            let late = start.elapsed() - gone_at;
            let bound = if seconds >= 210.0 {
                // Inside what was learned: a step of the window, a twentieth of 300 s and a bit.
                Duration::from_secs_f64(WINDOW_RATIO * 300.0 * 1.4)
            } else {
                // Ten times earlier than ever seen: a factor of the time elapsed, bounded.
                gone_at
                    .mul_f64(TRUST_STEP - 1.0)
                    .max(FLOOR * 2 * TRUST_STEP as u32)
            };
            assert!(
                late <= bound,
                "gone at {gone_at:?}: noticed {late:?} later (bound {bound:?})"
            );
        }
    }
}
