//! ListResource's rules: which list and managed resource a request names (every listed type
//! needs an identity, the key of each result), and the listing itself.

use std::sync::Arc;

use crate::diag::{Diagnostic, Diagnostics};
use crate::list::{ListRequest, ListResource, Results};
use crate::private::Private;
use crate::resource::Context;
use crate::value::{Type, Value};

use super::registry::{RegisteredList, Registry};
use super::session::Operation;

/// The list resource a request names, and the types of what it finds.
pub(crate) struct ListTarget<'r, C> {
    pub list: &'r RegisteredList<C>,
    /// The managed resource's identity type: every result carries an identity.
    pub identity_type: &'r Type,
    /// The managed resource's state type, for results that carry the full object.
    pub object_type: &'r Type,
}

/// The list resource named `type_name` and its managed resource, which must have an identity.
pub(crate) fn target<'r, C: Send + Sync + 'static>(
    registry: &'r Registry<C>,
    type_name: &str,
) -> Result<ListTarget<'r, C>, Diagnostics> {
    let list = registry.list(type_name)?;
    let resource = registry.resource(type_name)?;
    let identity_type = resource.identity_type().ok_or_else(|| {
        Diagnostics::from(Diagnostic::error(
            "List resource without identity",
            format!(
                "The resource type {type_name:?} declares no identity, which every listed type \
                 needs. This is a bug in the provider."
            ),
        ))
    })?;
    Ok(ListTarget {
        list,
        identity_type,
        object_type: &resource.ty,
    })
}

/// One listing's work, owned, so that it can go on after the RPC has returned its stream.
pub(crate) struct Listing<C> {
    list: Arc<dyn ListResource<C>>,
    ctx: Context<C>,
    request: ListRequest,
}

impl<C: Send + Sync + 'static> Listing<C> {
    /// The listing of `target` for the decoded `config` block.
    pub async fn new(
        op: &Operation<'_, C>,
        target: &ListTarget<'_, C>,
        config: Value,
        include_resource: bool,
    ) -> Result<Self, Diagnostics> {
        Ok(Listing {
            list: target.list.list.clone(),
            ctx: op.context(&Private::default()).await?,
            request: ListRequest {
                config,
                include_resource,
            },
        })
    }

    /// Lists, sending each object to `results` as soon as it is found; what it returns reaches
    /// the user after the results.
    pub async fn run(self, mut results: Results) -> Diagnostics {
        self.list.list(&self.ctx, &self.request, &mut results).await
    }
}
