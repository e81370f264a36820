//! Deleting an association: a staged create is deployed first (AWS refuses to remove it
//! otherwise), the disassociate call waits out other changes of the parent, the removal is
//! deployed where the kind stages changes, and the wait ends when AWS lists it gone.

use tf_provider_framework::diag::Diagnostics;
use tf_provider_framework::resource::Context;
use tf_provider_framework::value::Value;
use tokio::time::Instant;

use super::kind::Association;
use super::messages;
use super::mutations::Disassociate;
use super::observation::{Disassociation, Observation, Phase};
use super::private_state::CreateTime;
use super::resource::AssociationResource;
use crate::aws::clients::AwsClients;
use crate::aws::waiter::{MutationFailure, Transition, Verdict, WaitError, mutate};

impl<A: Association> AssociationResource<A> {
    /// Terraform's delete of the association in `prior`.
    pub(super) async fn delete_association(
        &self,
        ctx: &Context<AwsClients>,
        prior: &Value,
    ) -> Diagnostics {
        let timeout = match Self::timeout(prior, "delete") {
            Ok(timeout) => timeout,
            Err(diags) => return diags,
        };
        let key = match self.key_of(prior) {
            Ok(key) => key,
            Err(diags) => return diags,
        };
        let deadline = Instant::now() + timeout;
        let aws = &ctx.client;
        let place = self.place(aws, prior);
        let name = self.name();
        let id = self.association.id(&key);
        let deploys = self.deploys(prior);
        // AWS refuses to disassociate an application whose installation is still staged (a
        // create that was interrupted before its deployment): deploy it first.
        if deploys {
            let mut current = self
                .waiters
                .read(
                    &place.shared_key(&key.parent),
                    &key.member,
                    self.status_call(aws, &place, &key.parent),
                    deadline,
                    &ctx.stop,
                )
                .await;
            // AWS refuses a disassociate while another change on the parent is carried out:
            // wait for its end on the shared poll rather than send a call bound to be refused,
            // and decide on what the poll saw last (an error here is left to the disassociate,
            // which meets the same condition).
            if let Ok(Some(observation)) = &current
                && observation.parent_changing
                && let Ok(freed) = self
                    .parent_watch(ctx, &place, &key)
                    .until_free(deadline, &ctx.stop, false)
                    .await
            {
                current = Ok(freed.last);
            }
            if let Ok(Some(observation)) = current
                && observation.phase == Phase::Pending
                && observation.staged
                && let Err(error) = self.deploy(ctx, &place, &key, None, deadline).await
            {
                let error = self.interruption_or(ctx, deadline, error);
                return self
                    .wait_error(
                        "deleted",
                        &key,
                        error,
                        Some(&observation.state),
                        timeout,
                        aws,
                    )
                    .into();
            }
        }
        // Removals freed together (the parent's last change ended) share one deployment.
        let mut announced =
            deploys.then(|| self.deployments.announce(&place.shared_key(&key.parent)));
        let disassociate = Disassociate {
            association: self.association.as_ref(),
            clients: &place.clients,
            key: &key,
            watch: Some(self.parent_watch(ctx, &place, &key)),
        };
        match mutate(self.rules(ctx, deadline, false), &ctx.stop, &disassociate).await {
            Ok(Disassociation::AlreadyGone)
            | Err(MutationFailure::InEffectBefore(Disassociation::AlreadyGone)) => {
                tracing::info!(resource = name, id = %id, "association already gone");
                return Diagnostics::new();
            }
            Ok(Disassociation::Started)
            | Err(MutationFailure::InEffectBefore(Disassociation::Started)) => {}
            Err(MutationFailure::Interrupted { .. }) => {
                return self
                    .wait_error("deleted", &key, WaitError::Interrupted, None, timeout, aws)
                    .into();
            }
            Err(MutationFailure::TimedOut { last_error, .. }) => {
                return self
                    .wait_error(
                        "deleted",
                        &key,
                        WaitError::Timeout,
                        last_error.map(|e| e.to_string()).as_deref(),
                        timeout,
                        aws,
                    )
                    .into();
            }
            Err(MutationFailure::Refused { error, .. }) => {
                return self
                    .wait_error("deleted", &key, WaitError::Aws(error), None, timeout, aws)
                    .into();
            }
        }
        tracing::info!(resource = name, id = %id, "disassociation requested; waiting until gone");

        if deploys
            && let Err(error) = self
                .deploy(ctx, &place, &key, announced.as_mut(), deadline)
                .await
        {
            let error = self.interruption_or(ctx, deadline, error);
            return self
                .wait_error("deleted", &key, error, None, timeout, aws)
                .into();
        }
        let staged_is_done = A::SPEC.operations.deploy.is_some() && !deploys;
        let mut last_state: Option<String> = None;
        // A failure counts only once the removal has been seen under way: right after the call
        // a listing may still show the record as it was before (a failed association that is
        // being disassociated included).
        let mut removal_seen = false;
        let call = self.status_call(aws, &place, &key.parent);
        let waited = self
            .waiters
            .wait(
                &place.shared_key(&key.parent),
                &key.member,
                call,
                Transition::Delete,
                CreateTime::read(&ctx.private).window(),
                deadline,
                &ctx.stop,
                |seen| match seen {
                    None => Verdict::Done(()),
                    Some(observation) if observation.phase == Phase::Gone => Verdict::Done(()),
                    Some(observation)
                        if observation.phase == Phase::Deleting
                            && observation.staged
                            && staged_is_done =>
                    {
                        Verdict::Done(())
                    }
                    Some(Observation {
                        phase: Phase::Failed(reason),
                        state,
                        ..
                    }) if removal_seen => {
                        Verdict::Fail(messages::failed_while_removing(state, reason))
                    }
                    // Anything else, including a stale `associated` right after the call, is "not yet".
                    Some(observation) => {
                        removal_seen |= observation.phase == Phase::Deleting;
                        last_state = Some(observation.state.clone());
                        Verdict::Continue
                    }
                },
            )
            .await;
        match waited {
            Ok(()) => Diagnostics::new(),
            Err(error) => self
                .wait_error("deleted", &key, error, last_state.as_deref(), timeout, aws)
                .into(),
        }
    }
}
