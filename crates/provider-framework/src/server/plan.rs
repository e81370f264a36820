//! PlanResourceChange's rules around the attribute rules of [`crate::plan`]: defaults from the
//! provider's configuration, the removal checks of a destroy or of a replacement's destroy half
//! (including one the core forces later), private data carried to the apply, and the planned
//! identity.

use crate::diag::{AttributePath, Diagnostics};
use crate::plan::plan_change_with_defaults;
use crate::private::Private;
use crate::resource::Removal;
use crate::value::Value;

use super::answer::{IdentityAnswer, ObjectAnswer};
use super::identity::{self, PlannedObject};
use super::registry::RegisteredResource;
use super::session::Operation;

/// What a plan request brings, decoded.
pub(crate) struct PlanRequest {
    pub prior: Value,
    /// Null for a destroy.
    pub proposed: Value,
    pub config: Value,
    /// The prior object's private data.
    pub stored: Private,
    /// The identity stored with the prior object (see [`PlannedObject::prior_identity`]).
    pub prior_identity: Result<Value, Diagnostics>,
}

/// A plan: the planned object (its state, warnings, private data for the apply and identity)
/// and the attributes whose change replaces it.
#[derive(Debug)]
pub(crate) struct Planned {
    pub object: ObjectAnswer,
    pub requires_replace: Vec<AttributePath>,
}

pub(crate) async fn plan<C: Send + Sync + 'static>(
    op: &Operation<'_, C>,
    registered: &RegisteredResource<C>,
    request: PlanRequest,
) -> Result<Planned, Diagnostics> {
    let PlanRequest {
        prior,
        proposed,
        config,
        stored,
        prior_identity,
    } = request;
    let resource = &registered.resource;
    if proposed.is_null() {
        let ctx = op.context(&stored).await?;
        let diagnostics = resource.plan_removal(&ctx, &prior, Removal::Destroy).await;
        return Ok(Planned {
            object: ObjectAnswer {
                state: Value::Null,
                diagnostics,
                private: stored.resource_only(),
                identity: IdentityAnswer::Absent,
            },
            requires_replace: Vec::new(),
        });
    }
    // Defaults from the provider's configuration need a configured provider; without one the
    // attributes they fill stay "known after apply".
    let defaults = match op.session.client().await {
        Some(client) => resource.provider_defaults(&client),
        None => Default::default(),
    };
    let change =
        plan_change_with_defaults(&registered.schema, &prior, &proposed, &config, &defaults);
    // The object a replacement removes: this one when an argument forces it, or, for the create
    // half of a replacement the core forced, the one its update plan named.
    let forced = prior.is_null();
    let (replaced, mut planned_private) = if forced {
        // A new object: nothing of the old one's private data carries over.
        (
            stored.update.and_then(|id| op.session.updates.take(id)),
            Private::default(),
        )
    } else if change.requires_replace.is_empty() {
        let mut private = stored.resource_only();
        private.update = Some(op.session.updates.remember(prior.clone()));
        (None, private)
    } else {
        (Some(prior.clone()), stored.resource_only())
    };
    // Advice about the destroy half; without a configured client there is nothing to check
    // against, and the plan goes on.
    let mut diagnostics = match (replaced, op.context(&stored).await) {
        (Some(replaced), Ok(ctx)) => {
            resource
                .plan_removal(&ctx, &replaced, Removal::Replace)
                .await
        }
        _ => Diagnostics::new(),
    };
    if forced && !diagnostics.has_errors() && !diagnostics.is_empty() {
        // The core drops warnings from this second plan call; they reach the user when the
        // replacement is applied instead.
        planned_private.defer(std::mem::take(&mut diagnostics));
    }
    let identity = identity::planned(
        op,
        registered,
        op.context(&stored).await,
        PlannedObject {
            prior: &prior,
            prior_identity,
            planned: &change.planned,
            replaced: !change.requires_replace.is_empty(),
        },
    )
    .await?;
    Ok(Planned {
        object: ObjectAnswer {
            state: change.planned,
            diagnostics,
            private: planned_private,
            identity: IdentityAnswer::from(identity),
        },
        requires_replace: change.requires_replace,
    })
}
