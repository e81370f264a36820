//! Mutations (associate, disassociate) sent so that none is ever repeated blindly.
//!
//! A mutation's answer is one of three things: AWS did it, AWS definitively did not (throttled,
//! busy, refused), or nobody knows (no answer, a timeout, a 5xx, an unreadable reply). The first
//! two are plain. After the third, sending the call again could create a second association or
//! fail with "already associated" for the one the lost attempt made, so the engine first *looks*
//! at AWS: if the effect is there, it adopts it; if not, sending again is safe.
//!
//! The engine never abandons a call in flight when Terraform asks the provider to stop: the call
//! finishes (its time is bounded by the SDK's attempt timeout), so the caller always learns what
//! it started. It stops between steps instead.

use std::future::Future;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::schedule::Schedule;
use crate::aws::error::{AwsError, ErrorKind};

/// How to react to an error from the mutation itself, decided by the caller from the error's
/// kind and codes (`uncertain`: an earlier attempt's outcome is unknown).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reaction {
    /// AWS definitively did nothing (throttled, busy): send again after a pause.
    SendAgain,
    /// The outcome is unknown: look before doing anything else.
    Look,
    /// The code is ambiguous (`ConflictException` is both "busy" and "never"): look at the
    /// state. An association in transition means busy; otherwise the refusal stands.
    CheckState,
    /// The code says the effect is already in place ("already associated"): look to learn the
    /// details. Before any uncertain attempt, the effect predates this mutation.
    AlreadyInEffect,
    /// A definitive refusal: give up.
    Fail,
}

/// What looking at AWS found.
#[derive(Debug)]
pub enum Look<T> {
    /// The effect is in place.
    InEffect(T),
    /// It is not: sending the mutation is safe.
    NotInEffect,
    /// Another change is under way; look again after a pause.
    Busy,
}

/// Why a mutation did not produce its result.
#[derive(Debug)]
pub enum MutationFailure<T> {
    /// AWS refused it for good.
    Refused(AwsError),
    /// The effect was already in place before this mutation sent anything that could have
    /// caused it (for an associate: someone else's association).
    InEffectBefore(T),
    /// The deadline passed. `uncertain`: an attempt may have taken effect unseen.
    TimedOut {
        uncertain: bool,
        last_error: Option<AwsError>,
    },
    /// Terraform asked the provider to stop. `adopted`: what a last look found an uncertain
    /// attempt to have done; `uncertain`: whether an attempt may have taken effect unseen.
    Interrupted { adopted: Option<T>, uncertain: bool },
}

/// Sends a mutation until it takes effect, following the rules in the module docs.
///
/// - `send` makes one attempt (with no retries of its own) and returns its result;
/// - `react` says what an error from `send` means;
/// - `look` inspects AWS; its errors are ridden out while transient and end the mutation
///   otherwise.
pub async fn mutate<T, Send, SendFut, LookAt, LookFut>(
    retry: Schedule,
    deadline: Instant,
    stop: &CancellationToken,
    mut send: Send,
    react: impl Fn(&AwsError, bool) -> Reaction,
    mut look: LookAt,
) -> Result<T, MutationFailure<T>>
where
    Send: FnMut() -> SendFut,
    SendFut: Future<Output = Result<T, AwsError>>,
    LookAt: FnMut() -> LookFut,
    LookFut: Future<Output = Result<Look<T>, AwsError>>,
{
    let mut uncertain = false;
    let mut step: u32 = 0;
    let mut last_error: Option<AwsError> = None;
    let mut fruitless_looks = 0;
    let mut next = Next::Send;
    loop {
        if stop.is_cancelled() {
            return Err(interrupted(uncertain, &mut look, deadline).await);
        }
        match next {
            Next::Send => match bounded(deadline, send()).await {
                Some(Ok(done)) => return Ok(done),
                Some(Err(error)) => {
                    let reaction = react(&error, uncertain);
                    tracing::info!(error = %error, ?reaction, uncertain, "mutation not confirmed");
                    // An unknown outcome makes every later "already done" possibly our own.
                    uncertain |= error.kind == ErrorKind::Unknown;
                    next = match reaction {
                        Reaction::Fail => return Err(MutationFailure::Refused(error)),
                        Reaction::SendAgain => Next::Send,
                        Reaction::Look => Next::Look(Why::Unknown),
                        Reaction::CheckState => Next::Look(Why::Ambiguous),
                        Reaction::AlreadyInEffect => Next::Look(Why::Claimed),
                    };
                    last_error = Some(error);
                    // A claimed effect is usually visible at once; the others need a pause.
                    if next != Next::Look(Why::Claimed) {
                        pause(deadline, stop, retry.delay(step)).await;
                        step = step.saturating_add(1);
                    }
                }
                None => {
                    return Err(MutationFailure::TimedOut {
                        uncertain: true,
                        last_error,
                    });
                }
            },
            Next::Look(why) => match bounded(deadline, look()).await {
                Some(Ok(Look::InEffect(found))) => {
                    return if uncertain {
                        tracing::info!("an earlier attempt took effect; adopting it");
                        Ok(found)
                    } else {
                        Err(MutationFailure::InEffectBefore(found))
                    };
                }
                Some(Ok(Look::NotInEffect)) => match why {
                    Why::Unknown | Why::Transition => next = Next::Send,
                    // No transition to wait out: the refusal was meant.
                    Why::Ambiguous => return Err(refused(last_error)),
                    // AWS claims the effect but does not list it yet (lists are eventually
                    // consistent): look again, a few times, then believe the list.
                    Why::Claimed => {
                        fruitless_looks += 1;
                        if fruitless_looks >= MAX_FRUITLESS_LOOKS {
                            return Err(refused(last_error));
                        }
                        pause(deadline, stop, retry.delay(step)).await;
                        step = step.saturating_add(1);
                    }
                },
                // Another change is under way: wait it out, then send.
                Some(Ok(Look::Busy)) => {
                    if why == Why::Ambiguous {
                        next = Next::Look(Why::Transition);
                    }
                    pause(deadline, stop, retry.delay(step)).await;
                    step = step.saturating_add(1);
                }
                Some(Err(error)) if error.is_transient() => {
                    last_error = Some(error);
                    pause(deadline, stop, retry.delay(step)).await;
                    step = step.saturating_add(1);
                }
                Some(Err(error)) => return Err(MutationFailure::Refused(error)),
                None => {
                    return Err(MutationFailure::TimedOut {
                        uncertain,
                        last_error,
                    });
                }
            },
        }
        if Instant::now() >= deadline {
            return Err(MutationFailure::TimedOut {
                uncertain,
                last_error,
            });
        }
    }
}

/// Why the engine looks at AWS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    /// An attempt's outcome is unknown.
    Unknown,
    /// AWS said the effect is in place.
    Claimed,
    /// AWS refused with a code that can mean "busy" or "never".
    Ambiguous,
    /// The look found a change under way: once it is over, sending is worth trying again.
    Transition,
}

/// How many looks may fail to find an effect AWS claimed before the claim counts as false.
const MAX_FRUITLESS_LOOKS: u32 = 5;

/// The refusal that ended a mutation.
fn refused<T>(last_error: Option<AwsError>) -> MutationFailure<T> {
    MutationFailure::Refused(
        last_error.unwrap_or_else(|| {
            AwsError::answered("mutation", None, "AWS refused the change", None)
        }),
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    Send,
    Look(Why),
}

/// Runs `call` unless the deadline passes first (`None`).
async fn bounded<F: Future>(deadline: Instant, call: F) -> Option<F::Output> {
    tokio::time::timeout_at(deadline, call).await.ok()
}

/// Sleeps for `delay`, ending early at the deadline or when Terraform asks the provider to stop.
async fn pause(deadline: Instant, stop: &CancellationToken, delay: std::time::Duration) {
    let until = (Instant::now() + delay).min(deadline);
    tokio::select! {
        () = tokio::time::sleep_until(until) => {}
        () = stop.cancelled() => {}
    }
}

/// Stopping with an attempt of unknown outcome behind: one last look, so whatever the attempt
/// made is not forgotten. Its result is reported, never acted upon.
async fn interrupted<T, LookAt, LookFut>(
    uncertain: bool,
    look: &mut LookAt,
    deadline: Instant,
) -> MutationFailure<T>
where
    LookAt: FnMut() -> LookFut,
    LookFut: Future<Output = Result<Look<T>, AwsError>>,
{
    if uncertain && let Some(Ok(Look::InEffect(found))) = bounded(deadline, look()).await {
        return MutationFailure::Interrupted {
            adopted: Some(found),
            uncertain: false,
        };
    }
    MutationFailure::Interrupted {
        adopted: None,
        uncertain,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;

    const FAST: Schedule = Schedule {
        first: Duration::from_millis(1),
        factor: 1.0,
        cap: Duration::from_millis(1),
        jitter: 0.0,
    };

    fn error(code: &str, status: u16) -> AwsError {
        AwsError::answered("Associate", Some(code), "m", Some(status))
    }

    fn lost() -> AwsError {
        AwsError::no_answer("Associate", Duration::from_secs(1))
    }

    /// A fake AWS: a script of answers to `send`, and what a look finds.
    struct Fake {
        answers: Mutex<Vec<Result<&'static str, AwsError>>>,
        sent: Mutex<usize>,
        looks: Mutex<Vec<Look<&'static str>>>,
        looked: Mutex<usize>,
    }

    impl Fake {
        fn new(
            answers: Vec<Result<&'static str, AwsError>>,
            looks: Vec<Look<&'static str>>,
        ) -> Self {
            Fake {
                answers: Mutex::new(answers),
                sent: Mutex::new(0),
                looks: Mutex::new(looks),
                looked: Mutex::new(0),
            }
        }

        async fn send(&self) -> Result<&'static str, AwsError> {
            *self.sent.lock().unwrap() += 1;
            self.answers.lock().unwrap().remove(0)
        }

        async fn look(&self) -> Result<Look<&'static str>, AwsError> {
            *self.looked.lock().unwrap() += 1;
            Ok(self.looks.lock().unwrap().remove(0))
        }

        fn counts(&self) -> (usize, usize) {
            (*self.sent.lock().unwrap(), *self.looked.lock().unwrap())
        }
    }

    /// The associate rules: throttling and busy are sent again, unknown outcomes looked at,
    /// "already associated" claims the effect, everything else fails.
    fn react(error: &AwsError, _uncertain: bool) -> Reaction {
        match error.kind {
            _ if error.has_code("AlreadyAssociated") => Reaction::AlreadyInEffect,
            ErrorKind::Throttled | ErrorKind::Busy => Reaction::SendAgain,
            ErrorKind::Unknown => Reaction::Look,
            _ => Reaction::Fail,
        }
    }

    async fn run(fake: &Fake) -> Result<&'static str, MutationFailure<&'static str>> {
        mutate(
            FAST,
            Instant::now() + Duration::from_secs(30),
            &CancellationToken::new(),
            || fake.send(),
            react,
            || fake.look(),
        )
        .await
    }

    #[tokio::test]
    async fn a_lost_answer_is_looked_up_and_the_effect_adopted_without_sending_again() {
        let fake = Fake::new(vec![Err(lost())], vec![Look::InEffect("assoc-1")]);
        assert_eq!(run(&fake).await.unwrap(), "assoc-1");
        assert_eq!(fake.counts(), (1, 1));
    }

    #[tokio::test]
    async fn a_lost_answer_without_effect_is_sent_again_after_looking() {
        let fake = Fake::new(vec![Err(lost()), Ok("assoc-2")], vec![Look::NotInEffect]);
        assert_eq!(run(&fake).await.unwrap(), "assoc-2");
        assert_eq!(fake.counts(), (2, 1));
    }

    #[tokio::test]
    async fn already_associated_after_a_lost_answer_is_ours() {
        // The look cannot see the lost attempt's association yet; the retry is told it exists.
        let fake = Fake::new(
            vec![Err(lost()), Err(error("AlreadyAssociated", 400))],
            vec![
                Look::NotInEffect,
                Look::NotInEffect,
                Look::InEffect("assoc-3"),
            ],
        );
        assert_eq!(run(&fake).await.unwrap(), "assoc-3");
        assert_eq!(fake.counts(), (2, 3));
    }

    #[tokio::test]
    async fn already_associated_on_the_first_attempt_predates_the_mutation() {
        let fake = Fake::new(
            vec![Err(error("AlreadyAssociated", 400))],
            vec![Look::InEffect("theirs")],
        );
        assert!(matches!(
            run(&fake).await,
            Err(MutationFailure::InEffectBefore("theirs"))
        ));
        assert_eq!(fake.counts(), (1, 1));
    }

    #[tokio::test]
    async fn throttling_and_busy_answers_are_sent_again_without_looking() {
        let fake = Fake::new(
            vec![
                Err(error("RequestLimitExceeded", 503)),
                Err(error("IncorrectState", 400)),
                Ok("assoc-4"),
            ],
            vec![],
        );
        assert_eq!(run(&fake).await.unwrap(), "assoc-4");
        assert_eq!(fake.counts(), (3, 0));
    }

    #[tokio::test]
    async fn an_ambiguous_refusal_is_busy_only_while_the_state_says_so() {
        let react = |error: &AwsError, _: bool| {
            if error.has_code("ConflictException") {
                Reaction::CheckState
            } else {
                Reaction::Fail
            }
        };
        // In transition: wait it out, then send again.
        let fake = Fake::new(
            vec![
                Err(error("ConflictException", 409)),
                Ok("sent after the change"),
            ],
            vec![Look::Busy, Look::NotInEffect],
        );
        let result = mutate(
            FAST,
            Instant::now() + Duration::from_secs(30),
            &CancellationToken::new(),
            || fake.send(),
            react,
            || fake.look(),
        )
        .await;
        assert_eq!(result.ok(), Some("sent after the change"));
        assert_eq!(fake.counts(), (2, 2));
        // In transition, and the effect shows up: someone else made it.
        let fake = Fake::new(
            vec![Err(error("ConflictException", 409))],
            vec![Look::Busy, Look::InEffect("someone else's")],
        );
        let result = mutate(
            FAST,
            Instant::now() + Duration::from_secs(30),
            &CancellationToken::new(),
            || fake.send(),
            react,
            || fake.look(),
        )
        .await;
        assert!(matches!(result, Err(MutationFailure::InEffectBefore(_))));
        // Nothing in transition: the refusal is permanent, and nothing is sent again.
        let fake = Fake::new(
            vec![Err(error("ConflictException", 409))],
            vec![Look::NotInEffect],
        );
        let result = mutate(
            FAST,
            Instant::now() + Duration::from_secs(30),
            &CancellationToken::new(),
            || fake.send(),
            react,
            || fake.look(),
        )
        .await;
        assert!(
            matches!(result, Err(MutationFailure::Refused(e)) if e.has_code("ConflictException"))
        );
        assert_eq!(fake.counts(), (1, 1));
    }

    #[tokio::test]
    async fn a_claimed_effect_that_never_shows_up_is_a_refusal() {
        let fake = Fake::new(
            vec![Err(error("AlreadyAssociated", 400))],
            (0..10).map(|_| Look::NotInEffect).collect(),
        );
        assert!(matches!(
            run(&fake).await,
            Err(MutationFailure::Refused(e)) if e.has_code("AlreadyAssociated")
        ));
        assert_eq!(fake.counts(), (1, MAX_FRUITLESS_LOOKS as usize));
    }

    #[tokio::test]
    async fn definitive_refusals_fail_at_once() {
        let fake = Fake::new(vec![Err(error("UnauthorizedOperation", 403))], vec![]);
        assert!(matches!(
            run(&fake).await,
            Err(MutationFailure::Refused(e)) if e.kind == ErrorKind::Denied
        ));
        assert_eq!(fake.counts(), (1, 0));
    }

    #[tokio::test]
    async fn the_deadline_ends_a_mutation_that_never_gets_through() {
        let answers = (0..100_000)
            .map(|_| Err(error("RequestLimitExceeded", 503)))
            .collect();
        let fake = Fake::new(answers, vec![]);
        let result = mutate(
            FAST,
            Instant::now() + Duration::from_millis(200),
            &CancellationToken::new(),
            || fake.send(),
            react,
            || fake.look(),
        )
        .await;
        assert!(matches!(
            result,
            Err(MutationFailure::TimedOut {
                uncertain: false,
                last_error: Some(_)
            })
        ));
    }

    #[tokio::test]
    async fn stopping_after_an_unknown_outcome_looks_once_more() {
        let stop = CancellationToken::new();
        let fake = Fake::new(vec![Err(lost())], vec![Look::InEffect("assoc-5")]);
        let canceller = stop.clone();
        let result = mutate(
            FAST,
            Instant::now() + Duration::from_secs(30),
            &stop,
            || {
                canceller.cancel();
                fake.send()
            },
            react,
            || fake.look(),
        )
        .await;
        assert!(matches!(
            result,
            Err(MutationFailure::Interrupted {
                adopted: Some("assoc-5"),
                uncertain: false
            })
        ));
    }
}
