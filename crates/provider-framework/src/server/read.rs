//! ReadResource's rules: refresh the object, keep its private data unless the resource replaces
//! it, and carry its identity.

use crate::diag::Diagnostics;
use crate::private::Private;
use crate::value::Value;

use super::answer::{IdentityAnswer, ObjectAnswer};
use super::identity;
use super::registry::RegisteredResource;
use super::session::Operation;

/// Refreshes `current`, whose private data is `stored`. An error means nothing was read: the
/// host must keep what it has.
pub(crate) async fn refresh<C: Send + Sync + 'static>(
    op: &Operation<'_, C>,
    registered: &RegisteredResource<C>,
    current: &Value,
    stored: &Private,
) -> Result<ObjectAnswer, Diagnostics> {
    let ctx = op.context(stored).await?;
    let outcome = registered.resource.read(&ctx, current).await;
    let state = outcome.state.unwrap_or(Value::Null);
    let mut private = stored.clone();
    if let Some(resource) = outcome.private {
        private.resource = resource;
    }
    let mut diagnostics = outcome.diagnostics;
    let identity = if state.is_null() {
        // An object that is gone has no identity.
        IdentityAnswer::Absent
    } else {
        // One whose identity could not be worked out keeps the one the host has; the state is
        // still refreshed.
        match identity::of_object(op, registered, &ctx, &state).await {
            Ok(Some(identity)) => IdentityAnswer::Known(identity),
            Ok(None) => IdentityAnswer::Kept,
            Err(errors) => {
                diagnostics.extend(errors);
                IdentityAnswer::Kept
            }
        }
    };
    Ok(ObjectAnswer {
        state,
        diagnostics,
        private,
        identity,
    })
}
