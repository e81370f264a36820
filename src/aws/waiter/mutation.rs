//! Mutations (associate, disassociate, deploy) sent so that none is ever repeated blindly.
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

use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::schedule::Schedule;
use crate::aws::error::{AwsError, ErrorKind};

/// The reactions a mutation's caller gives its errors are the error policy's vocabulary, decided
/// in `error.rs`; the engine below carries them out.
pub use crate::aws::error::Reaction;

/// What looking at AWS found.
#[derive(Debug)]
pub enum Look<T> {
    /// The effect is in place, and may be this mutation's own.
    InEffect(T),
    /// An effect is in place that this mutation did not make: it was there before the first
    /// attempt, or it is not what the mutation asks for (someone else's association).
    Foreign(T),
    /// It is not: sending the mutation is safe.
    NotInEffect,
    /// Another change is under way; look again after a pause.
    Busy,
}

/// Why a mutation did not produce its result.
#[derive(Debug)]
pub enum MutationFailure<T> {
    /// AWS refused it for good. `uncertain`: an earlier attempt may have taken effect unseen.
    Refused { error: AwsError, uncertain: bool },
    /// The effect was already in place before this mutation sent anything that could have
    /// caused it, or it is someone else's (for an associate: an association Terraform did not
    /// make).
    InEffectBefore(T),
    /// The deadline passed. `uncertain`: an attempt may have taken effect unseen; `adopted`:
    /// what a last look found such an attempt to have done.
    TimedOut {
        uncertain: bool,
        last_error: Option<AwsError>,
        adopted: Option<T>,
    },
    /// Terraform asked the provider to stop. `adopted`: what a last look found an uncertain
    /// attempt to have done; `uncertain`: whether an attempt may have taken effect unseen.
    Interrupted { adopted: Option<T>, uncertain: bool },
}

/// One mutation as the engine drives it: how to send it, what its errors mean, and how to
/// look at AWS for its effect.
#[async_trait]
pub trait Mutation: Send + Sync {
    type Done: Send;

    /// One attempt, with no retries of its own.
    async fn send(&self) -> Result<Self::Done, AwsError>;

    /// What an error from [`send`](Mutation::send) means.
    fn react(&self, error: &AwsError) -> Reaction;

    /// Inspects AWS. Transient errors are ridden out; others end the mutation.
    async fn look(&self) -> Result<Look<Self::Done>, AwsError>;

    /// For [`Reaction::CheckParent`]: whether the parent's refusing state is a passing one.
    async fn parent_busy(&self) -> Result<bool, AwsError> {
        Ok(false)
    }

    /// For [`Reaction::AwaitParent`]: waits (until `deadline`, or Terraform's stop) until the
    /// parent no longer shows a change under way, or until that change has carried out this
    /// mutation's effect too. The default knows no way to watch the parent.
    async fn until_parent_free(
        &self,
        _deadline: Instant,
        _stop: &CancellationToken,
    ) -> Result<ParentWait<Self::Done>, AwsError> {
        Ok(ParentWait::NothingSeen)
    }
}

/// How a wait for the parent's change ([`Mutation::until_parent_free`]) ended.
#[derive(Debug)]
pub enum ParentWait<T> {
    /// A change was seen under way and has ended (or the deadline or Terraform's stop came
    /// first, which the engine notices itself): send again at once.
    Ended,
    /// No change was seen: AWS knows of one its lists do not show yet. Send again after the
    /// retry schedule's pause rather than at once.
    NothingSeen,
    /// The change under way carried out this mutation's effect too (another operation's
    /// deployment took this one's staged change along).
    InEffect(T),
}

/// When and for how long the engine tries.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// Pauses between attempts and looks.
    pub retry: Schedule,
    /// The mutation's deadline.
    pub deadline: Instant,
    /// How long AWS's lists may lag behind its mutations (eventual consistency): how long a
    /// claimed effect or a conflict may stay unexplained before the answer is believed.
    pub settle: Duration,
    /// Look before the first attempt, so an effect that is already in place is never taken
    /// for this mutation's own.
    pub look_first: bool,
}

/// How many times an idempotent request is sent again after unknown outcomes before the
/// engine looks instead.
const MAX_RESENDS: u32 = 3;

/// How long the last look after a timeout or an interrupt may take: past the deadline, but
/// bounded, so whatever an uncertain attempt made is not forgotten.
const LAST_LOOK: Duration = Duration::from_secs(15);

/// Sends a mutation until it takes effect, following the rules in the module docs.
pub async fn mutate<M: Mutation>(
    rules: Rules,
    stop: &CancellationToken,
    mutation: &M,
) -> Result<M::Done, MutationFailure<M::Done>> {
    let deadline = rules.deadline;
    let mut uncertain = false;
    let mut step: u32 = 0;
    let mut resends: u32 = 0;
    let mut last_error: Option<AwsError> = None;
    // Set by the first look that could not explain a claimed effect or a conflict.
    let mut settle_until: Option<Instant> = None;
    let mut next = if rules.look_first {
        Next::Look(Why::Before)
    } else {
        Next::Send
    };
    let pause = async |step: &mut u32| {
        sleep(deadline, stop, rules.retry.delay(*step)).await;
        *step = step.saturating_add(1);
    };
    loop {
        if stop.is_cancelled() {
            return Err(interrupted(uncertain, mutation).await);
        }
        match next {
            Next::Send => match bounded(deadline, mutation.send()).await {
                Some(Ok(done)) => return Ok(done),
                Some(Err(error)) => {
                    let reaction = mutation.react(&error);
                    tracing::info!(error = %error, ?reaction, uncertain, "mutation not confirmed");
                    // An unknown outcome makes every later "already done" possibly our own.
                    uncertain |= error.kind == ErrorKind::Unknown;
                    next = match reaction {
                        Reaction::Fail => {
                            return Err(MutationFailure::Refused { error, uncertain });
                        }
                        Reaction::SendAgain => Next::Send,
                        Reaction::Resend if resends < MAX_RESENDS => {
                            resends += 1;
                            Next::Send
                        }
                        Reaction::Resend | Reaction::Look => Next::Look(Why::Unknown),
                        Reaction::Conflict => Next::Look(Why::Claimed),
                        Reaction::CheckState => Next::Look(Why::Ambiguous),
                        Reaction::CheckParent => Next::CheckParent,
                        Reaction::AwaitParent => Next::AwaitParent,
                    };
                    last_error = Some(error);
                    // A claimed effect is usually visible at once, a parent's change is waited
                    // out on its status poll; the others need a pause.
                    if !matches!(
                        next,
                        Next::Look(Why::Claimed) | Next::CheckParent | Next::AwaitParent
                    ) {
                        pause(&mut step).await;
                    }
                }
                None => return Err(timed_out(uncertain, last_error, mutation).await),
            },
            Next::CheckParent => match bounded(deadline, mutation.parent_busy()).await {
                Some(Ok(true)) => {
                    tracing::info!("the parent is in a passing state; sending again later");
                    pause(&mut step).await;
                    next = Next::Send;
                }
                Some(Ok(false)) => return Err(refused(last_error, uncertain)),
                Some(Err(error)) if error.is_transient() => pause(&mut step).await,
                Some(Err(error)) => return Err(MutationFailure::Refused { error, uncertain }),
                None => return Err(timed_out(uncertain, last_error, mutation).await),
            },
            Next::AwaitParent => {
                match mutation.until_parent_free(deadline, stop).await {
                    Ok(ParentWait::InEffect(done)) => return Ok(done),
                    Ok(ParentWait::Ended) => {}
                    Ok(ParentWait::NothingSeen) => pause(&mut step).await,
                    Err(error) if error.is_transient() => {
                        last_error = Some(error);
                        pause(&mut step).await;
                    }
                    Err(error) => return Err(MutationFailure::Refused { error, uncertain }),
                }
                next = Next::Send;
            }
            Next::Look(why) => match bounded(deadline, mutation.look()).await {
                Some(Ok(Look::InEffect(found))) => {
                    return if uncertain {
                        tracing::info!("an earlier attempt took effect; adopting it");
                        Ok(found)
                    } else {
                        Err(MutationFailure::InEffectBefore(found))
                    };
                }
                Some(Ok(Look::Foreign(found))) => {
                    return Err(MutationFailure::InEffectBefore(found));
                }
                Some(Ok(Look::NotInEffect)) => match why {
                    Why::Before | Why::Unknown | Why::Transition => next = Next::Send,
                    // No transition to wait out: the refusal was meant.
                    Why::Ambiguous => return Err(refused(last_error, uncertain)),
                    // AWS claims the effect (or a conflict) that its lists do not show (yet):
                    // lists are eventually consistent and conflicts pass, so ask again until
                    // the lists have had time to catch up, then believe the answer.
                    Why::Claimed => {
                        let until = *settle_until.get_or_insert(Instant::now() + rules.settle);
                        if Instant::now() >= until {
                            return Err(refused(last_error, uncertain));
                        }
                        pause(&mut step).await;
                        next = Next::Send;
                    }
                },
                // Another change is under way: wait it out, then send.
                Some(Ok(Look::Busy)) => {
                    if why == Why::Ambiguous {
                        next = Next::Look(Why::Transition);
                    }
                    pause(&mut step).await;
                }
                Some(Err(error)) if error.is_transient() => {
                    last_error = Some(error);
                    pause(&mut step).await;
                }
                Some(Err(error)) => return Err(MutationFailure::Refused { error, uncertain }),
                None => return Err(timed_out(uncertain, last_error, mutation).await),
            },
        }
        if Instant::now() >= deadline {
            return Err(timed_out(uncertain, last_error, mutation).await);
        }
    }
}

/// Why the engine looks at AWS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    /// Nothing was sent yet: whatever is in place was there before.
    Before,
    /// An attempt's outcome is unknown.
    Unknown,
    /// AWS said the effect is in place, or answered a conflict.
    Claimed,
    /// AWS refused with a code that can mean "busy" or "never".
    Ambiguous,
    /// The look found a change under way: once it is over, sending is worth trying again.
    Transition,
}

/// The refusal that ended a mutation.
fn refused<T>(last_error: Option<AwsError>, uncertain: bool) -> MutationFailure<T> {
    MutationFailure::Refused {
        error: last_error.unwrap_or_else(|| {
            AwsError::answered("mutation", None, "AWS refused the change", None)
        }),
        uncertain,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    Send,
    Look(Why),
    CheckParent,
    AwaitParent,
}

/// Runs `call` unless the deadline passes first (`None`).
async fn bounded<F: std::future::Future>(deadline: Instant, call: F) -> Option<F::Output> {
    tokio::time::timeout_at(deadline, call).await.ok()
}

/// Sleeps for `delay`, ending early at the deadline or when Terraform asks the provider to stop.
async fn sleep(deadline: Instant, stop: &CancellationToken, delay: Duration) {
    let until = (Instant::now() + delay).min(deadline);
    tokio::select! {
        () = tokio::time::sleep_until(until) => {}
        () = stop.cancelled() => {}
    }
}

/// One last look, bounded by [`LAST_LOOK`], for what an uncertain attempt may have made. Its
/// result is reported, never acted upon.
async fn last_look<M: Mutation>(uncertain: bool, mutation: &M) -> Option<M::Done> {
    if !uncertain {
        return None;
    }
    match bounded(Instant::now() + LAST_LOOK, mutation.look()).await {
        Some(Ok(Look::InEffect(found))) => Some(found),
        _ => None,
    }
}

/// The deadline passed: after an uncertain attempt, a last look first.
async fn timed_out<M: Mutation>(
    uncertain: bool,
    last_error: Option<AwsError>,
    mutation: &M,
) -> MutationFailure<M::Done> {
    let adopted = last_look(uncertain, mutation).await;
    MutationFailure::TimedOut {
        uncertain: uncertain && adopted.is_none(),
        last_error,
        adopted,
    }
}

/// Stopping with an attempt of unknown outcome behind: a last look, so whatever the attempt
/// made is not forgotten.
async fn interrupted<M: Mutation>(uncertain: bool, mutation: &M) -> MutationFailure<M::Done> {
    let adopted = last_look(uncertain, mutation).await;
    MutationFailure::Interrupted {
        uncertain: uncertain && adopted.is_none(),
        adopted,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    const FAST: Schedule = Schedule {
        first: Duration::from_millis(1),
        factor: 1.0,
        cap: Duration::from_millis(1),
        jitter: 0.0,
    };

    fn rules(deadline: Duration) -> Rules {
        Rules {
            retry: FAST,
            deadline: Instant::now() + deadline,
            settle: Duration::from_millis(50),
            look_first: false,
        }
    }

    fn error(code: &str, status: u16) -> AwsError {
        AwsError::answered("Associate", Some(code), "m", Some(status))
    }

    fn lost() -> AwsError {
        AwsError::no_answer("Associate", Duration::from_secs(1))
    }

    /// The associate rules: throttling and busy are sent again, unknown outcomes looked at,
    /// "already associated" claims the effect, everything else fails.
    fn associate_rules(error: &AwsError) -> Reaction {
        match error.kind {
            _ if error.has_code("AlreadyAssociated") => Reaction::Conflict,
            _ if error.has_code("Rebooting") => Reaction::CheckParent,
            _ if error.has_code("ResourceInUseException") => Reaction::AwaitParent,
            ErrorKind::Throttled | ErrorKind::Busy => Reaction::SendAgain,
            ErrorKind::Unknown => Reaction::Look,
            _ => Reaction::Fail,
        }
    }

    /// A fake AWS: a script of answers to `send`, what each look finds, and whether the parent
    /// is busy.
    struct Fake {
        answers: Mutex<Vec<Result<&'static str, AwsError>>>,
        sent: Mutex<usize>,
        looks: Mutex<Vec<Look<&'static str>>>,
        looked: Mutex<usize>,
        parent_busy: Mutex<Vec<bool>>,
        /// How each wait for the parent's change ends (none left: nothing was seen).
        parent_waits: Mutex<Vec<ParentWait<&'static str>>>,
        react: fn(&AwsError) -> Reaction,
        /// Cancelled when the first attempt is sent, to model Ctrl-C during it.
        stop_on_send: Option<CancellationToken>,
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
                parent_busy: Mutex::new(Vec::new()),
                parent_waits: Mutex::new(Vec::new()),
                react: associate_rules,
                stop_on_send: None,
            }
        }

        fn counts(&self) -> (usize, usize) {
            (*self.sent.lock().unwrap(), *self.looked.lock().unwrap())
        }
    }

    #[async_trait]
    impl Mutation for Fake {
        type Done = &'static str;

        async fn send(&self) -> Result<&'static str, AwsError> {
            *self.sent.lock().unwrap() += 1;
            if let Some(stop) = &self.stop_on_send {
                stop.cancel();
            }
            self.answers.lock().unwrap().remove(0)
        }

        fn react(&self, error: &AwsError) -> Reaction {
            (self.react)(error)
        }

        async fn look(&self) -> Result<Look<&'static str>, AwsError> {
            *self.looked.lock().unwrap() += 1;
            let mut looks = self.looks.lock().unwrap();
            Ok(if looks.is_empty() {
                Look::NotInEffect
            } else {
                looks.remove(0)
            })
        }

        async fn parent_busy(&self) -> Result<bool, AwsError> {
            Ok(self.parent_busy.lock().unwrap().remove(0))
        }

        async fn until_parent_free(
            &self,
            _deadline: Instant,
            _stop: &CancellationToken,
        ) -> Result<ParentWait<&'static str>, AwsError> {
            let mut waits = self.parent_waits.lock().unwrap();
            Ok(if waits.is_empty() {
                ParentWait::NothingSeen
            } else {
                waits.remove(0)
            })
        }
    }

    /// [`run`] with a retry pause of a minute, on a paused clock: how long the mutation took
    /// tells whether it paused.
    async fn run_with_minute_pauses(
        fake: &Fake,
    ) -> (
        Result<&'static str, MutationFailure<&'static str>>,
        Duration,
    ) {
        let rules = Rules {
            retry: Schedule {
                first: Duration::from_secs(60),
                factor: 1.0,
                cap: Duration::from_secs(60),
                jitter: 0.0,
            },
            ..rules(Duration::from_secs(600))
        };
        let started = Instant::now();
        let result = mutate(rules, &CancellationToken::new(), fake).await;
        (result, started.elapsed())
    }

    fn in_use() -> AwsError {
        error("ResourceInUseException", 400)
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_while_the_parent_changes_is_sent_again_as_soon_as_the_change_ends() {
        let fake = Fake::new(vec![Err(in_use()), Ok("done")], vec![]);
        *fake.parent_waits.lock().unwrap() = vec![ParentWait::Ended];
        let (result, took) = run_with_minute_pauses(&fake).await;
        assert_eq!(result.unwrap(), "done");
        assert_eq!(fake.counts(), (2, 0));
        assert!(took < Duration::from_secs(1), "paused {took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_whose_change_the_lists_do_not_show_waits_the_retry_pause() {
        let fake = Fake::new(vec![Err(in_use()), Ok("done")], vec![]);
        let (result, took) = run_with_minute_pauses(&fake).await;
        assert_eq!(result.unwrap(), "done");
        assert!(took >= Duration::from_secs(60), "sent again after {took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_change_carried_out_by_the_one_it_waited_for_is_not_sent_again() {
        let fake = Fake::new(vec![Err(in_use())], vec![]);
        *fake.parent_waits.lock().unwrap() = vec![ParentWait::InEffect("taken along")];
        let (result, _) = run_with_minute_pauses(&fake).await;
        assert_eq!(result.unwrap(), "taken along");
        assert_eq!(fake.counts(), (1, 0));
    }

    async fn run(fake: &Fake) -> Result<&'static str, MutationFailure<&'static str>> {
        mutate(
            rules(Duration::from_secs(30)),
            &CancellationToken::new(),
            fake,
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
    async fn the_look_before_the_first_attempt_turns_an_existing_effect_into_a_refusal() {
        let fake = Fake::new(vec![], vec![Look::Foreign("theirs")]);
        let result = mutate(
            Rules {
                look_first: true,
                ..rules(Duration::from_secs(30))
            },
            &CancellationToken::new(),
            &fake,
        )
        .await;
        assert!(matches!(
            result,
            Err(MutationFailure::InEffectBefore("theirs"))
        ));
        assert_eq!(fake.counts(), (0, 1), "nothing may be sent");
    }

    #[tokio::test]
    async fn a_foreign_effect_found_after_a_lost_answer_is_never_adopted() {
        let fake = Fake::new(vec![Err(lost())], vec![Look::Foreign("another device's")]);
        assert!(matches!(
            run(&fake).await,
            Err(MutationFailure::InEffectBefore("another device's"))
        ));
    }

    #[tokio::test]
    async fn an_idempotent_request_is_resent_before_anyone_looks() {
        let fake = Fake {
            react: |e| {
                if e.kind == ErrorKind::Unknown {
                    Reaction::Resend
                } else {
                    Reaction::Fail
                }
            },
            ..Fake::new(vec![Err(lost()), Err(lost()), Ok("same-token")], vec![])
        };
        assert_eq!(run(&fake).await.unwrap(), "same-token");
        assert_eq!(fake.counts(), (3, 0));
        // Past the resend limit, the engine looks.
        let fake = Fake {
            react: |_| Reaction::Resend,
            ..Fake::new(
                (0..=MAX_RESENDS).map(|_| Err(lost())).collect(),
                vec![Look::InEffect("found")],
            )
        };
        assert_eq!(run(&fake).await.unwrap(), "found");
        assert_eq!(fake.counts(), (MAX_RESENDS as usize + 1, 1));
    }

    #[tokio::test]
    async fn already_associated_after_a_lost_answer_is_ours_once_the_list_catches_up() {
        // The lists lag: the lost attempt's association is claimed but not listed at first.
        let fake = Fake::new(
            vec![
                Err(lost()),
                Err(error("AlreadyAssociated", 400)),
                Err(error("AlreadyAssociated", 400)),
            ],
            vec![
                Look::NotInEffect,
                Look::NotInEffect,
                Look::InEffect("assoc-3"),
            ],
        );
        assert_eq!(run(&fake).await.unwrap(), "assoc-3");
        assert_eq!(fake.counts(), (3, 3));
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
    async fn a_conflict_nothing_explains_is_waited_out_and_sent_again() {
        let fake = Fake::new(
            vec![
                Err(error("AlreadyAssociated", 409)),
                Err(error("AlreadyAssociated", 409)),
                Ok("after the conflict"),
            ],
            vec![Look::NotInEffect, Look::NotInEffect],
        );
        assert_eq!(run(&fake).await.unwrap(), "after the conflict");
    }

    #[tokio::test]
    async fn a_refusal_after_an_uncertain_attempt_says_so() {
        let answers = (0..10_000)
            .map(|i| {
                if i == 0 {
                    Err(lost())
                } else {
                    Err(error("AlreadyAssociated", 400))
                }
            })
            .collect();
        let fake = Fake::new(answers, vec![]);
        assert!(matches!(
            run(&fake).await,
            Err(MutationFailure::Refused { error, uncertain: true }) if error.has_code("AlreadyAssociated")
        ));
    }

    #[tokio::test]
    async fn a_passing_parent_state_is_waited_out_and_a_lasting_one_is_a_refusal() {
        let fake = Fake::new(vec![Err(error("Rebooting", 400)), Ok("done")], vec![]);
        *fake.parent_busy.lock().unwrap() = vec![true];
        assert_eq!(run(&fake).await.unwrap(), "done");
        let fake = Fake::new(vec![Err(error("Rebooting", 400))], vec![]);
        *fake.parent_busy.lock().unwrap() = vec![false];
        assert!(matches!(
            run(&fake).await,
            Err(MutationFailure::Refused {
                uncertain: false,
                ..
            })
        ));
    }

    #[tokio::test]
    async fn an_ambiguous_refusal_is_busy_only_while_the_state_says_so() {
        let react: fn(&AwsError) -> Reaction = |error| {
            if error.has_code("OperationNotPermitted") {
                Reaction::CheckState
            } else {
                Reaction::Fail
            }
        };
        // In transition: wait it out, then send again.
        let fake = Fake {
            react,
            ..Fake::new(
                vec![
                    Err(error("OperationNotPermitted", 400)),
                    Ok("sent after the change"),
                ],
                vec![Look::Busy, Look::NotInEffect],
            )
        };
        assert_eq!(run(&fake).await.ok(), Some("sent after the change"));
        assert_eq!(fake.counts(), (2, 2));
        // In transition, and the effect shows up: someone else made it.
        let fake = Fake {
            react,
            ..Fake::new(
                vec![Err(error("OperationNotPermitted", 400))],
                vec![Look::Busy, Look::InEffect("someone else's")],
            )
        };
        assert!(matches!(
            run(&fake).await,
            Err(MutationFailure::InEffectBefore(_))
        ));
        // Nothing in transition: the refusal is permanent, and nothing is sent again.
        let fake = Fake {
            react,
            ..Fake::new(
                vec![Err(error("OperationNotPermitted", 400))],
                vec![Look::NotInEffect],
            )
        };
        assert!(matches!(
            run(&fake).await,
            Err(MutationFailure::Refused { error, .. }) if error.has_code("OperationNotPermitted")
        ));
        assert_eq!(fake.counts(), (1, 1));
    }

    #[tokio::test]
    async fn definitive_refusals_fail_at_once() {
        let fake = Fake::new(vec![Err(error("UnauthorizedOperation", 403))], vec![]);
        assert!(matches!(
            run(&fake).await,
            Err(MutationFailure::Refused { error, uncertain: false }) if error.kind == ErrorKind::Denied
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
            rules(Duration::from_millis(200)),
            &CancellationToken::new(),
            &fake,
        )
        .await;
        assert!(matches!(
            result,
            Err(MutationFailure::TimedOut {
                uncertain: false,
                last_error: Some(_),
                adopted: None,
            })
        ));
    }

    #[tokio::test]
    async fn a_timeout_after_an_unknown_outcome_looks_once_more() {
        let answers = (0..100_000).map(|_| Err(lost())).collect();
        // Every look but the last finds nothing.
        let fake = Fake {
            react: |_| Reaction::SendAgain,
            ..Fake::new(answers, vec![])
        };
        let result = mutate(
            rules(Duration::from_millis(100)),
            &CancellationToken::new(),
            &fake,
        )
        .await;
        assert!(matches!(
            result,
            Err(MutationFailure::TimedOut {
                uncertain: true,
                adopted: None,
                ..
            })
        ));
        assert_eq!(fake.counts().1, 1, "one last look");
    }

    #[tokio::test]
    async fn stopping_after_an_unknown_outcome_looks_once_more() {
        let stop = CancellationToken::new();
        let fake = Fake {
            stop_on_send: Some(stop.clone()),
            ..Fake::new(vec![Err(lost())], vec![Look::InEffect("assoc-5")])
        };
        let result = mutate(rules(Duration::from_secs(30)), &stop, &fake).await;
        assert!(matches!(
            result,
            Err(MutationFailure::Interrupted {
                adopted: Some("assoc-5"),
                uncertain: false
            })
        ));
    }
}
