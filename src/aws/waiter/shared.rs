//! Calls that operations on one parent share: the first operation that asks opens a batch,
//! every operation that asks before the call is made joins it, and one call answers them all.
//!
//! WorkSpaces stages each application change until `DeployWorkspaceApplications` is called for
//! the WorkSpace, and the deployment carries out every change staged at that moment. Ten
//! applications created together therefore need one deployment, not ten; and while a deployment
//! runs AWS refuses another, so a change that misses one waits for the whole of it.
//!
//! So a batch waits a little ([`Window::least`]) for operations nobody knows of yet (Terraform
//! hands a wave of operations over one after another, over a few hundred milliseconds), and
//! then for every operation that said it would ask ([`SharedCalls::announce`]: it is about to
//! stage its change, and its call to AWS may be slow), but never longer than
//! [`Window::most`] after it opened.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::aws::error::AwsError;

type Outcome = Option<Result<(), AwsError>>;

/// What is known of one parent's calls.
struct ParentCalls {
    /// The open batch, while its opener waits.
    open: Option<watch::Receiver<Outcome>>,
    /// Announced operations that have not asked yet.
    coming: watch::Sender<usize>,
}

/// How long a batch stays open.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// Always waited, for operations that have not announced themselves yet.
    pub least: Duration,
    /// The most waited for announced operations that have not asked yet.
    pub most: Duration,
}

impl Default for ParentCalls {
    fn default() -> Self {
        ParentCalls {
            open: None,
            coming: watch::Sender::new(0),
        }
    }
}

/// One shared call per parent and batch.
pub struct SharedCalls {
    window: Window,
    parents: Mutex<HashMap<String, ParentCalls>>,
}

fn lock<V>(mutex: &Mutex<V>) -> MutexGuard<'_, V> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An operation's word that it will ask for `parent`'s call; kept until it asks, or dropped
/// when it turns out it will not (its change failed).
pub struct Announced<'a> {
    shared: &'a SharedCalls,
    parent: String,
    pending: bool,
}

impl Announced<'_> {
    /// The operation asks now, or will not ask: batches stop waiting for it. Called with the
    /// parents' lock held, so an opener never sees the count fall before the operation has
    /// joined its batch.
    fn arrive(&mut self, parents: &HashMap<String, ParentCalls>) {
        if std::mem::take(&mut self.pending)
            && let Some(calls) = parents.get(&self.parent)
        {
            calls
                .coming
                .send_modify(|coming| *coming = coming.saturating_sub(1));
        }
    }
}

impl Drop for Announced<'_> {
    fn drop(&mut self) {
        if self.pending {
            let parents = lock(&self.shared.parents);
            self.arrive(&parents);
        }
    }
}

impl SharedCalls {
    /// Batches open for `window`.
    pub fn new(window: Window) -> Self {
        SharedCalls {
            window,
            parents: Mutex::new(HashMap::new()),
        }
    }

    /// Says an operation will ask for `parent`'s call: a batch waits for it (at most
    /// [`Window::most`]) before calling.
    pub fn announce(&self, parent: &str) -> Announced<'_> {
        let mut parents = lock(&self.parents);
        let calls = parents.entry(parent.to_owned()).or_default();
        calls.coming.send_modify(|coming| *coming += 1);
        Announced {
            shared: self,
            parent: parent.to_owned(),
            pending: true,
        }
    }

    /// The result of one call of `call` for `parent`, made by whichever operation opened the
    /// batch this one joined: [`Window::least`] after the batch opened, once every announced
    /// operation has asked, and no later than [`Window::most`]. An operation that opened a batch and was dropped before making the call leaves
    /// its batch to the next one that asks. `announced` is this operation's own word, if it
    /// gave one.
    pub async fn run<F, Fut>(
        &self,
        parent: &str,
        announced: Option<&mut Announced<'_>>,
        call: F,
    ) -> Result<(), AwsError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(), AwsError>>,
    {
        let mut announced = announced;
        let mut call = Some(call);
        loop {
            let (mut outcome, opened) = {
                let mut parents = lock(&self.parents);
                if let Some(announced) = announced.take() {
                    announced.arrive(&parents);
                }
                let calls = parents.entry(parent.to_owned()).or_default();
                match &calls.open {
                    // A batch whose opener is still there: join it.
                    Some(receiver) if receiver.has_changed().is_ok() => (receiver.clone(), None),
                    _ => {
                        let (sender, receiver) = watch::channel(None);
                        calls.open = Some(receiver.clone());
                        (receiver, Some((sender, calls.coming.subscribe())))
                    }
                }
            };
            if let Some((sender, mut coming)) = opened {
                let opened_at = Instant::now();
                tokio::time::sleep_until(opened_at + self.window.least).await;
                // Every announced operation has asked, or the most is waited.
                let until = opened_at + self.window.most;
                let _ =
                    tokio::time::timeout_at(until, coming.wait_for(|coming| *coming == 0)).await;
                // Later operations open the next batch: this one's call may not cover them.
                {
                    let mut parents = lock(&self.parents);
                    if let Some(calls) = parents.get_mut(parent)
                        && calls
                            .open
                            .as_ref()
                            .is_some_and(|r| r.same_channel(&outcome))
                    {
                        calls.open = None;
                    }
                }
                let Some(call) = call.take() else {
                    unreachable!("an operation opens at most one batch");
                };
                let result = call().await;
                sender.send_replace(Some(result.clone()));
                return result;
            }
            loop {
                if let Some(result) = outcome.borrow_and_update().clone() {
                    return result;
                }
                if outcome.changed().await.is_err() {
                    break;
                }
            }
            // The opener went away without calling: ask again, possibly opening a batch.
            if let Some(result) = outcome.borrow().clone() {
                return result;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    const WINDOW: Window = Window {
        least: Duration::from_millis(100),
        most: Duration::from_millis(300),
    };

    /// Runs one operation on `parent` that announces itself, waits at `started` until the
    /// others have too, and asks after `delay`; returns when the shared call was made,
    /// counting calls in `calls`.
    fn operation(
        shared: &Arc<SharedCalls>,
        calls: &Arc<AtomicUsize>,
        parent: &'static str,
        started: Option<Arc<tokio::sync::Barrier>>,
        delay: Duration,
    ) -> tokio::task::JoinHandle<Instant> {
        let (shared, calls) = (shared.clone(), calls.clone());
        tokio::spawn(async move {
            let mut announced = shared.announce(parent);
            if let Some(started) = started {
                started.wait().await;
            }
            tokio::time::sleep(delay).await;
            let made_at = Arc::new(Mutex::new(None));
            let record = made_at.clone();
            shared
                .run(parent, Some(&mut announced), || async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    *lock(&record) = Some(Instant::now());
                    Ok(())
                })
                .await
                .unwrap();
            let at = *lock(&made_at);
            at.unwrap_or_else(Instant::now)
        })
    }

    #[tokio::test(start_paused = true)]
    async fn announced_operations_share_one_call_made_when_the_last_one_asks() {
        let shared = Arc::new(SharedCalls::new(WINDOW));
        let calls = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let started = Arc::new(tokio::sync::Barrier::new(10));
        let tasks: Vec<_> = (0..10u64)
            .map(|i| {
                let delay = Duration::from_millis(20 * i);
                operation(&shared, &calls, "ws-1", Some(started.clone()), delay)
            })
            .collect();
        let mut made = Vec::new();
        for task in tasks {
            made.push(task.await.unwrap().duration_since(start));
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "one call for ten operations"
        );
        // The last one asked 180 ms in: the call waited for it, but not for the 300 ms most.
        assert!(
            made.iter().all(|at| *at == Duration::from_millis(180)),
            "{made:?}"
        );
        // Another parent never shares.
        operation(&shared, &calls, "ws-2", None, Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_batch_waits_at_most_the_window_for_an_announced_operation() {
        let shared = Arc::new(SharedCalls::new(WINDOW));
        let calls = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        // Announced, never asks while the batch is open.
        let _late = shared.announce("ws-1");
        let at = operation(&shared, &calls, "ws-1", None, Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(at.duration_since(start), WINDOW.most);
    }

    #[tokio::test(start_paused = true)]
    async fn with_nothing_announced_the_call_waits_the_least_for_operations_not_yet_known() {
        let shared = Arc::new(SharedCalls::new(WINDOW));
        let calls = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let first = {
            let (shared, calls) = (shared.clone(), calls.clone());
            tokio::spawn(async move {
                shared
                    .run("ws-1", None, || async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        Ok(())
                    })
                    .await
            })
        };
        // One that Terraform hands over a little later, without announcing itself.
        tokio::time::sleep(Duration::from_millis(60)).await;
        shared.run("ws-1", None, || async { Ok(()) }).await.unwrap();
        first.await.unwrap().unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(start.elapsed(), WINDOW.least);
    }

    #[tokio::test(start_paused = true)]
    async fn an_operation_that_will_not_ask_releases_the_batch() {
        let shared = Arc::new(SharedCalls::new(WINDOW));
        let calls = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let failing = {
            let shared = shared.clone();
            tokio::spawn(async move {
                let _announced = shared.announce("ws-1");
                tokio::time::sleep(Duration::from_millis(150)).await;
                // Its change failed: it drops its word without asking.
            })
        };
        let at = operation(&shared, &calls, "ws-1", None, Duration::ZERO)
            .await
            .unwrap();
        failing.await.unwrap();
        // Released at 150 ms, before the 300 ms most.
        assert_eq!(at.duration_since(start), Duration::from_millis(150));
    }

    #[tokio::test(start_paused = true)]
    async fn a_batch_whose_opener_is_dropped_is_taken_over() {
        let shared = Arc::new(SharedCalls::new(WINDOW));
        // A third operation keeps the batch open.
        let _coming = shared.announce("ws-1");
        let opener = {
            let shared = shared.clone();
            tokio::spawn(async move { shared.run("ws-1", None, || async { Ok(()) }).await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        let joiner = {
            let shared = shared.clone();
            tokio::spawn(async move {
                shared
                    .run("ws-1", None, || async {
                        Err(AwsError::answered(
                            "Deploy",
                            Some("X"),
                            "joiner's call",
                            None,
                        ))
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        opener.abort();
        let result = joiner.await.unwrap();
        assert!(result.is_err_and(|e| e.message == "joiner's call"));
    }
}
