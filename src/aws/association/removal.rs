//! Plan-time checks of a removal (a destroy, or a replacement's destroy half): the DryRun
//! preflight that asks AWS whether it would allow the disassociation, and the kind's warnings
//! about what the removal affects. Advice and early refusals only: nothing here changes AWS.

use tf_provider_framework::diag::Diagnostics;
use tf_provider_framework::resource::{Context, Removal};
use tf_provider_framework::value::Value;

use super::key::AssociationKey;
use super::kind::{Association, Call};
use super::messages;
use super::resource::{AssociationResource, Place};
use crate::aws::clients::AwsClients;
use crate::aws::error::dry_run_permitted;

impl<A: Association> AssociationResource<A> {
    /// Terraform's plan of a removal of the association in `prior`.
    pub(super) async fn check_removal(
        &self,
        ctx: &Context<AwsClients>,
        prior: &Value,
        removal: Removal,
    ) -> Diagnostics {
        let Ok(key) = self.key_of(prior) else {
            return Diagnostics::new();
        };
        let place = self.place(&ctx.client, prior);
        let mut diags = Diagnostics::new();
        if removal == Removal::Destroy {
            diags.extend(self.preflight(ctx, &place, &key).await);
        }
        self.planned_removals.insert(key.clone());
        match self
            .association
            .removal_warnings(&place.clients.reads, &key, &self.planned_removals)
            .await
        {
            Ok(warnings) => warnings.into_iter().for_each(|w| diags.push(w)),
            // Advice only: a plan is never blocked because it could not be given.
            Err(error) => {
                tracing::warn!(error = %error, id = %self.association.id(&key), "could not check what removing the association affects")
            }
        }
        diags
    }

    /// With `preflight_dry_run`, asks AWS (DryRun) whether it would allow the disassociation, so
    /// a refusal stops the plan instead of the apply halfway through.
    async fn preflight(
        &self,
        ctx: &Context<AwsClients>,
        place: &Place,
        key: &AssociationKey,
    ) -> Diagnostics {
        // Services without DryRun have nothing to ask at plan time.
        if !ctx.client.settings.preflight_dry_run || !A::SPEC.quirks.dry_run {
            return Diagnostics::new();
        }
        let answer = self
            .association
            .send_disassociate(Call::disassociate::<A>(&place.clients.reads, key), true)
            .await;
        match dry_run_permitted(answer) {
            Err(error) => {
                messages::preflight_refused(self.name(), &self.association.id(key), &error).into()
            }
            Ok(()) => Diagnostics::new(),
        }
    }
}
