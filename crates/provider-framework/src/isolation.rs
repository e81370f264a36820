//! Panic isolation. A provider process serves many operations at once (Terraform runs up to ten
//! in parallel); a bug hit while serving one of them must not take the others down, and above
//! all must not abort a create whose result has not been recorded yet. Every RPC's work runs
//! through [`isolate`] (or [`isolate_sync`]): a panic becomes an error diagnostic for that RPC
//! alone and the process keeps serving.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::diag::{Diagnostic, Diagnostics};

/// Runs one RPC's asynchronous work; a panic while polling it becomes an error diagnostic.
pub async fn isolate<T>(
    rpc: &str,
    work: impl Future<Output = Result<T, Diagnostics>>,
) -> Result<T, Diagnostics> {
    CatchPanic(Box::pin(work))
        .await
        .unwrap_or_else(|payload| Err(panic_diagnostic(rpc, payload.as_ref())))
}

/// [`isolate`] for work that does not wait.
pub fn isolate_sync<T>(
    rpc: &str,
    work: impl FnOnce() -> Result<T, Diagnostics>,
) -> Result<T, Diagnostics> {
    catch_unwind(AssertUnwindSafe(work))
        .unwrap_or_else(|payload| Err(panic_diagnostic(rpc, payload.as_ref())))
}

/// Polls the inner future, catching a panic in any poll.
struct CatchPanic<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        // Unwind safety: after a panic the future is never polled again, and the provider's
        // shared state (locks, maps) is built to tolerate a holder that panicked.
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

/// The panic's own message, when it has one.
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "no message"
    }
}

fn panic_diagnostic(rpc: &str, payload: &(dyn Any + Send)) -> Diagnostics {
    let message = panic_message(payload);
    tracing::error!(
        tf_rpc = rpc,
        panic = message,
        "an RPC panicked; the provider keeps serving other operations"
    );
    Diagnostic::error(
        "Provider internal error",
        format!(
            "The provider hit a bug while handling {rpc}: {message}. This operation failed; \
             other operations continue, and the Terraform state keeps what it had before this \
             operation. Please report this, with the provider's log (TF_LOG=debug), to the \
             provider's maintainers."
        ),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_an_error_diagnostic_and_other_work_goes_on() {
        let failed: Result<(), Diagnostics> = isolate("ApplyResourceChange", async {
            tokio::task::yield_now().await;
            panic!("boom");
        })
        .await;
        let diags = failed.expect_err("the panic is an error");
        let text = format!("{diags:?}");
        assert!(
            text.contains("ApplyResourceChange") && text.contains("boom"),
            "{text}"
        );

        let fine = isolate("ReadResource", async { Ok::<_, Diagnostics>(7) }).await;
        assert_eq!(fine.ok(), Some(7));
    }

    #[test]
    fn synchronous_work_is_isolated_too() {
        let failed: Result<(), Diagnostics> = isolate_sync("ImportResourceState", || {
            panic!("{}", String::from("owned message"))
        });
        assert!(format!("{:?}", failed.expect_err("error")).contains("owned message"));
    }
}
