//! ImportResourceState's rules: the partial state an import starts from, by ID or by identity,
//! and the identity it carries.

use crate::diag::{Diagnostic, Diagnostics};
use crate::private::Private;
use crate::value::Value;

use super::answer::{IdentityAnswer, ObjectAnswer};
use super::identity;
use super::registry::RegisteredResource;
use super::session::Operation;

/// What the `import` names the object by.
pub(crate) enum ImportKey {
    /// `terraform import ADDR ID`, or an `import` block's `id`.
    Id(String),
    /// An `import` block's `identity`, decoded with the resource's identity type (only a
    /// resource that has an identity looks at it).
    Identity(Result<Value, Diagnostics>),
}

/// The imported object: its partial state (the host reads it next) and its identity.
pub(crate) async fn import<C: Send + Sync + 'static>(
    op: &Operation<'_, C>,
    registered: &RegisteredResource<C>,
    key: ImportKey,
) -> Result<ObjectAnswer, Diagnostics> {
    let resource = &registered.resource;
    let (state, identity) = match (key, resource.identity()) {
        (ImportKey::Identity(given), Some(identity)) => {
            let given = given?;
            let ctx = op.context(&Private::default()).await?;
            let state = identity.import_by_identity(&ctx, &given).await?;
            let identity = identity::of_object(op, registered, &ctx, &state).await?;
            (state, identity)
        }
        (ImportKey::Identity(_), None) => {
            return Err(Diagnostic::error(
                "Import by identity is not supported",
                format!(
                    "{} has no identity; import it by its ID instead.",
                    resource.type_name()
                ),
            )
            .into());
        }
        (ImportKey::Id(id), _) => {
            let state = resource.import(&id)?;
            // The identity of a state imported by ID comes with the read that follows when it
            // cannot be worked out here (an unconfigured provider).
            let identity = match op.context(&Private::default()).await {
                Ok(ctx) => identity::of_object(op, registered, &ctx, &state).await?,
                Err(_) => None,
            };
            (state, identity)
        }
    };
    Ok(ObjectAnswer {
        state,
        diagnostics: Diagnostics::new(),
        private: Private::default(),
        identity: IdentityAnswer::from(identity),
    })
}
