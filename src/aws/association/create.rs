//! Creating an association: the associate call (never sent twice blindly), the deployment of a
//! staged change, and the wait until AWS reports it ready. State is written as soon as the
//! association's identity is known, so an error, a timeout or an interrupt after that point
//! keeps it in state.

use tf_provider_framework::diag::Diagnostic;
use tf_provider_framework::resource::{Context, Outcome};
use tf_provider_framework::value::Value;
use tokio::time::Instant;

use super::key::AssociationKey;
use super::kind::Association;
use super::messages;
use super::mutations::Associate;
use super::observation::{Observation, Phase};
use super::private_state::CreateTime;
use super::resource::{AssociationResource, Place};
use crate::aws::clients::AwsClients;
use crate::aws::waiter::{MutationFailure, Transition, Verdict, WaitError, mutate};

/// Fails the create of one resource type on purpose, so a test can show that a panic in one RPC
/// leaves the others running. Compiled into debug builds only.
fn panic_if_asked(type_name: &str) {
    if cfg!(debug_assertions)
        && std::env::var("AWSASSOC_TEST_PANIC_ON_CREATE").is_ok_and(|wanted| wanted == type_name)
    {
        panic!("test-only panic while creating {type_name} (AWSASSOC_TEST_PANIC_ON_CREATE)");
    }
}

impl<A: Association> AssociationResource<A> {
    /// Terraform's create: associate, deploy where the kind stages changes, wait until ready.
    pub(super) async fn create_association(
        &self,
        ctx: &Context<AwsClients>,
        planned: &Value,
    ) -> Outcome {
        let timeout = match Self::timeout(planned, "create") {
            Ok(timeout) => timeout,
            Err(diags) => return Outcome::failed(diags),
        };
        panic_if_asked(self.name());
        let deadline = Instant::now() + timeout;
        let aws = &ctx.client;
        let place = self.place(aws, planned);
        let name = self.name();
        // Creates that start together stage their changes together: the deployment waits for
        // each of them (see `SharedCalls`).
        let mut announced = self
            .association
            .planned_key(planned)
            .filter(|_| self.deploys(planned))
            .map(|key| self.deployments.announce(&place.shared_key(&key.parent)));
        let associate = Associate::new(self.association.as_ref(), &place.clients, planned);
        let (key, first) = match mutate(self.rules(ctx, deadline, true), &ctx.stop, &associate)
            .await
        {
            Ok(created) => created,
            Err(MutationFailure::InEffectBefore((key, _))) => {
                let import_id = self.import_id_in(aws, &place, &key);
                return Outcome::failed(
                    messages::already_exists(name, &self.association.id(&key), &import_id).into(),
                );
            }
            Err(
                MutationFailure::Interrupted {
                    adopted: Some((key, first)),
                    ..
                }
                | MutationFailure::TimedOut {
                    adopted: Some((key, first)),
                    ..
                },
            ) => {
                let error = if ctx.stop.is_cancelled() {
                    WaitError::Interrupted
                } else {
                    WaitError::Timeout
                };
                let state = self.state_with(planned, &place, &key, Some(&first));
                return Outcome::kept(
                    state,
                    self.wait_error("created", &key, error, Some(&first.state), timeout, aws)
                        .into(),
                );
            }
            Err(MutationFailure::Interrupted { uncertain, .. }) => {
                let headline = messages::interrupted_creating(name);
                return self.unconfirmed_create(planned, &place, uncertain, headline);
            }
            Err(MutationFailure::TimedOut {
                uncertain,
                last_error,
                ..
            }) => {
                let headline = messages::timed_out_creating(name, timeout, last_error.as_ref());
                return self.unconfirmed_create(planned, &place, uncertain, headline);
            }
            Err(MutationFailure::Refused { error, uncertain }) => {
                let headline = self.aws_error(format!("Could not create {name}"), &error, aws);
                return self.unconfirmed_create(planned, &place, uncertain, headline);
            }
        };
        tracing::info!(resource = name, id = %self.association.id(&key), state = %first.state, "association requested; waiting until ready");

        // From here on the association exists: every outcome keeps it in state (an error makes
        // Terraform mark it tainted).
        let deploys = self.deploys(planned);
        if deploys
            && let Err(error) = self
                .deploy(ctx, &place, &key, announced.as_mut(), deadline)
                .await
        {
            let state = self.state_with(planned, &place, &key, Some(&first));
            let error = self.interruption_or(ctx, deadline, error);
            return Outcome::kept(
                state,
                self.wait_error("created", &key, error, Some(&first.state), timeout, aws)
                    .into(),
            );
        }
        let staged_is_done = A::SPEC.operations.deploy.is_some() && !deploys;
        let (last, waited) = self
            .wait_until_ready(ctx, &place, &key, first, staged_is_done, deadline)
            .await;
        let state = self.state_with(planned, &place, &key, Some(&last));
        match waited {
            Ok(()) => {
                let learned = CreateTime::from(self.waiters.expected(Transition::Create));
                Outcome::ok(state).with_private(learned.write())
            }
            Err(error) => Outcome::kept(
                state,
                self.wait_error("created", &key, error, Some(&last.state), timeout, aws)
                    .into(),
            ),
        }
    }

    /// Waits until a new association is ready; `first` is what the associate call reported.
    /// With `staged_is_done` (the user deploys by other means) the wait ends once AWS has staged
    /// the change.
    async fn wait_until_ready(
        &self,
        ctx: &Context<AwsClients>,
        place: &Place,
        key: &AssociationKey,
        first: Observation,
        staged_is_done: bool,
        deadline: Instant,
    ) -> (Observation, Result<(), WaitError>) {
        let mut last = first;
        // Lists are eventually consistent: a new association may be missing from them for a
        // while, measured in time (polls may come fast).
        let allowance = ctx.client.settings.consistency_timeout();
        let unlisted_until = Instant::now() + allowance;
        let call = self.status_call(&ctx.client, place, &key.parent);
        let waited = self
            .waiters
            .wait(
                &place.shared_key(&key.parent),
                &key.member,
                call,
                Transition::Create,
                None,
                deadline,
                &ctx.stop,
                |seen| match seen {
                    None if Instant::now() < unlisted_until => Verdict::Continue,
                    None => Verdict::Fail(messages::unlisted_while_creating(allowance)),
                    Some(observation) => {
                        last = observation.clone();
                        match &observation.phase {
                            Phase::Ready => Verdict::Done(()),
                            Phase::Pending if staged_is_done && observation.staged => {
                                Verdict::Done(())
                            }
                            Phase::Pending => Verdict::Continue,
                            Phase::Failed(message) => {
                                Verdict::Fail(messages::failed_state(&observation.state, message))
                            }
                            Phase::Deleting | Phase::Gone => {
                                Verdict::Fail(messages::removed_while_creating(&observation.state))
                            }
                        }
                    }
                },
            )
            .await;
        (last, waited)
    }

    /// The create failed before AWS confirmed anything. When an attempt may have made the
    /// association and its key is known from the configuration, the key is kept in state: the
    /// next refresh then finds out, and nothing AWS made for us is ever forgotten.
    fn unconfirmed_create(
        &self,
        planned: &Value,
        place: &Place,
        uncertain: bool,
        headline: Diagnostic,
    ) -> Outcome {
        match self.association.planned_key(planned) {
            Some(key) if uncertain => Outcome::kept(
                self.state_with(planned, place, &key, None),
                messages::maybe_created_kept(headline, &self.association.id(&key)).into(),
            ),
            _ if uncertain => Outcome::failed(messages::maybe_created_unknown(headline).into()),
            _ => Outcome::failed(headline.into()),
        }
    }
}
