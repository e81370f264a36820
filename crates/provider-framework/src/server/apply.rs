//! ApplyResourceChange's rules: create, update or delete as the plan says, and what state is
//! left when that fails (a failed delete or update keeps the prior object).

use crate::diag::Diagnostics;
use crate::private::Private;
use crate::resource::Outcome;
use crate::value::Value;

use super::answer::{IdentityAnswer, ObjectAnswer};
use super::identity;
use super::registry::RegisteredResource;
use super::session::Operation;

/// Applies the change from `prior` to `planned` (either may be null), with the private data the
/// plan left. An error means nothing was done.
pub(crate) async fn apply<C: Send + Sync + 'static>(
    op: &Operation<'_, C>,
    registered: &RegisteredResource<C>,
    prior: Value,
    planned: &Value,
    planned_private: &Private,
) -> Result<ObjectAnswer, Diagnostics> {
    let ctx = op.context(planned_private).await?;
    let resource = &registered.resource;
    let (state, outcome) = if planned.is_null() {
        let diags = resource.delete(&ctx, &prior).await;
        // A failed delete keeps the prior state, so nothing the remote system still has is
        // forgotten.
        let state = if diags.has_errors() {
            prior
        } else {
            Value::Null
        };
        (state, Outcome::failed(diags))
    } else if prior.is_null() {
        let mut outcome = resource.create(&ctx, planned).await;
        (outcome.state.take().unwrap_or(Value::Null), outcome)
    } else {
        let mut outcome = resource.update(&ctx, &prior, planned).await;
        // A failed update keeps the prior state unless the resource says otherwise.
        (outcome.state.take().unwrap_or(prior), outcome)
    };
    let mut private = planned_private.resource_only();
    if let Some(resource) = outcome.private {
        private.resource = resource;
    }
    let mut diagnostics = planned_private.with_deferred(outcome.diagnostics);
    // None after a destroy; an object that stays (even after an error) carries its identity, so
    // the state written is never without it.
    let identity = match identity::of_object(op, registered, &ctx, &state).await {
        Ok(identity) => IdentityAnswer::from(identity),
        Err(errors) => {
            diagnostics.extend(errors);
            IdentityAnswer::Absent
        }
    };
    Ok(ObjectAnswer {
        state,
        diagnostics,
        private,
        identity,
    })
}
