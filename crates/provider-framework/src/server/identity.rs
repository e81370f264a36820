//! When an answer carries an object's identity, and which: wholly known for an object that
//! exists (read, apply, import), the prior one for an object a plan keeps, none for a new object
//! until its apply, and none at all for hosts that do not store identities.

use crate::diag::{Diagnostic, Diagnostics};
use crate::resource::Context;
use crate::value::Value;

use super::registry::RegisteredResource;
use super::session::Operation;

/// The identity of the object whose state is `state`, for an answer that must carry it wholly
/// known (read, apply, import). `None` when there is nothing to say: no object, a resource
/// without identity, or a host that does not read identities.
pub(crate) async fn of_object<C: Send + Sync + 'static>(
    op: &Operation<'_, C>,
    registered: &RegisteredResource<C>,
    ctx: &Context<C>,
    state: &Value,
) -> Result<Option<Value>, Diagnostics> {
    let (Some(identity), Some(_)) = (registered.resource.identity(), registered.identity_type())
    else {
        return Ok(None);
    };
    if state.is_null() || !op.session.host_reads_identity() {
        return Ok(None);
    }
    let value = identity.identity_of(ctx, state).await?;
    if !value.is_wholly_known() {
        return Err(Diagnostic::error(
            "Incomplete resource identity",
            format!(
                "The provider could not determine every attribute of the identity of this {}. \
                 This is a bug in the provider.",
                registered.resource.type_name()
            ),
        )
        .into());
    }
    Ok(Some(value))
}

/// What a plan knows of the object it plans, for its identity.
pub(crate) struct PlannedObject<'a> {
    pub prior: &'a Value,
    /// The identity the host stored with the prior object, decoded when it is first needed
    /// (a problem with it matters only to a plan that keeps the object).
    pub prior_identity: Result<Value, Diagnostics>,
    pub planned: &'a Value,
    /// Whether the plan replaces the prior object.
    pub replaced: bool,
}

/// The planned identity: the prior one when the object stays (an identity never changes for the
/// life of an object); none for a new object (its apply returns it).
pub(crate) async fn planned<C: Send + Sync + 'static>(
    op: &Operation<'_, C>,
    registered: &RegisteredResource<C>,
    ctx: Result<Context<C>, Diagnostics>,
    object: PlannedObject<'_>,
) -> Result<Option<Value>, Diagnostics> {
    if registered.resource.identity().is_none() || registered.identity_type().is_none() {
        return Ok(None);
    }
    if object.planned.is_null() || !op.session.host_reads_identity() {
        return Ok(None);
    }
    if object.prior.is_null() || object.replaced {
        // A new object's identity is left to the apply that makes it. Planning it would cost a
        // call (the account) for nothing: what the create assigns is unknown, and Terraform
        // renders plans through JSON, which cannot hold a partly unknown identity (1.15 fails a
        // replacement's plan with "value is not known").
        return Ok(None);
    }
    let stored = object.prior_identity?;
    if !stored.is_null() && stored.is_wholly_known() {
        return Ok(Some(stored));
    }
    // A state written before the resource had an identity, or by an older host.
    of_object(op, registered, &ctx?, object.prior).await
}
