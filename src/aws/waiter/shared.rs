//! Calls that operations on one parent share: the first operation that asks opens a batch,
//! every operation that asks within a short window joins it, and one call answers them all.
//!
//! WorkSpaces stages each application change until `DeployWorkspaceApplications` is called for
//! the WorkSpace, and the deployment carries out every change staged at that moment. Ten
//! applications created together therefore need one deployment, not ten; and while a deployment
//! runs AWS refuses another, so ten separate ones would also queue behind each other.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

use crate::aws::error::AwsError;

type Outcome = Option<Result<(), AwsError>>;

/// One shared call per parent and window.
pub struct SharedCalls {
    window: Duration,
    open: Mutex<HashMap<String, watch::Receiver<Outcome>>>,
}

fn lock<V>(mutex: &Mutex<V>) -> MutexGuard<'_, V> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SharedCalls {
    /// Operations that ask within `window` of the first share its call.
    pub fn new(window: Duration) -> Self {
        SharedCalls {
            window,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// The result of one call of `call` for `parent`, made by whichever operation opened the
    /// batch this one joined (the call is made once the window has passed). An operation that
    /// opened a batch and was dropped before making the call leaves its batch to the next one
    /// that asks.
    pub async fn run<F, Fut>(&self, parent: &str, call: F) -> Result<(), AwsError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(), AwsError>>,
    {
        let mut call = Some(call);
        loop {
            let (mut outcome, opened) = {
                let mut open = lock(&self.open);
                match open.get(parent) {
                    // A batch whose opener is still there: join it.
                    Some(receiver) if receiver.has_changed().is_ok() => (receiver.clone(), None),
                    _ => {
                        let (sender, receiver) = watch::channel(None);
                        open.insert(parent.to_owned(), receiver.clone());
                        (receiver, Some(sender))
                    }
                }
            };
            if let Some(sender) = opened {
                tokio::time::sleep(self.window).await;
                // Later operations open the next batch: this one's call may not cover them.
                {
                    let mut open = lock(&self.open);
                    if open.get(parent).is_some_and(|r| r.same_channel(&outcome)) {
                        open.remove(parent);
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

    #[tokio::test(start_paused = true)]
    async fn operations_asking_within_the_window_share_one_call() {
        let shared = Arc::new(SharedCalls::new(Duration::from_millis(300)));
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..10u64 {
            let (shared, calls) = (shared.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(20 * i)).await;
                shared
                    .run("ws-1", || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        Ok(())
                    })
                    .await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Later, a new batch; another parent never shares.
        shared.run("ws-1", || async { Ok(()) }).await.unwrap();
        let other = shared.run("ws-2", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
        other.await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_batch_whose_opener_is_dropped_is_taken_over() {
        let shared = Arc::new(SharedCalls::new(Duration::from_millis(300)));
        let opener = {
            let shared = shared.clone();
            tokio::spawn(async move { shared.run("ws-1", || async { Ok(()) }).await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        let joiner = {
            let shared = shared.clone();
            tokio::spawn(async move {
                shared
                    .run("ws-1", || async {
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
