//! [`AssociationList`]: the list resource of any [`Association`], for `terraform query`.
//!
//! It lists what the parent's status call lists ([`Association::observe`], paginated like every
//! read), keeps the associations that occupy their place (finished and failed records are
//! history, not something to import, as hashicorp/aws's list resources skip disassociated
//! entries), and hands each over with its identity, a display name and, when asked, the object
//! exactly as importing and reading it would produce: Terraform writes `-generate-config-out`
//! configuration from that object, and any difference would show as a change after the import.

use std::sync::Arc;

use async_trait::async_trait;
use tf_provider_framework::diag::{AttributePath, Diagnostics};
use tf_provider_framework::list::{Found, ListRequest, ListResource, Results};
use tf_provider_framework::resource::{Context, Resource};
use tf_provider_framework::schema::{Attribute, Block, DescriptionKind, Schema, null_object};
use tf_provider_framework::value::{Type, Value};

use super::key::AssociationKey;
use super::kind::{Association, Scope};
use super::messages;
use super::resource::AssociationResource;
use crate::aws::clients::{AwsClients, RegionClients};
use crate::aws::region;

/// The list resource of the association kind `A`, served under the resource's type name.
pub struct AssociationList<A: Association> {
    resource: Arc<AssociationResource<A>>,
}

impl<A: Association> AssociationList<A> {
    pub fn new(resource: Arc<AssociationResource<A>>) -> Self {
        AssociationList { resource }
    }

    /// The parent's attribute and its description, from the kind's spec.
    fn parent_attribute() -> (&'static str, &'static str) {
        let parent = A::SPEC.key.0;
        let description = A::SPEC
            .attributes
            .iter()
            .find(|spec| spec.name == parent)
            .map_or("The parent.", |spec| spec.description);
        (parent, description)
    }

    /// The parents to list: the configured one, or every one of the region where the kind can
    /// list them.
    async fn parents(
        &self,
        ctx: &Context<AwsClients>,
        clients: &RegionClients,
        config: &Value,
    ) -> Result<Vec<String>, Diagnostics> {
        let (parent_attr, _) = Self::parent_attribute();
        if let Some(parent) = config.attr_str(parent_attr) {
            return Ok(vec![parent.to_owned()]);
        }
        if A::SPEC.operations.parents.is_none() {
            return Err(messages::list_needs_parent(A::SPEC.type_name, parent_attr)
                .at(AttributePath::root(parent_attr))
                .into());
        }
        self.resource
            .association()
            .parents(&clients.reads)
            .await
            .map_err(|error| {
                self.resource
                    .aws_error(
                        messages::parents_unlisted(A::SPEC.type_name),
                        &error,
                        &ctx.client,
                    )
                    .into()
            })
    }
}

#[async_trait]
impl<A: Association> ListResource<AwsClients> for AssociationList<A> {
    fn type_name(&self) -> &'static str {
        A::SPEC.type_name
    }

    fn config_schema(&self) -> Schema {
        let (parent, description) = Self::parent_attribute();
        let attribute = if A::SPEC.operations.parents.is_some() {
            Attribute::optional(
                parent,
                Type::String,
                &format!(
                    "{description} Lists its associations; without it, the associations of every \
                     one in the provider's region."
                ),
            )
        } else {
            Attribute::required(
                parent,
                Type::String,
                &format!("{description} Lists its associations."),
            )
        };
        let mut attributes = vec![attribute];
        if A::SPEC.scope == Scope::Regional {
            attributes.push(Attribute::optional(
                region::REGION,
                Type::String,
                "The AWS region to list in. Defaults to the provider's `region`; each listed \
                 object records it, as a read does.",
            ));
        }
        Schema {
            version: 0,
            block: Block {
                attributes,
                description: format!(
                    "Lists the associations of {} that exist in AWS, for `terraform query` \
                     (Terraform 1.14 and later). Associations that are gone or failed are left \
                     out.",
                    A::SPEC.type_name
                ),
                description_kind: DescriptionKind::Markdown,
                ..Block::default()
            },
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let (parent, _) = Self::parent_attribute();
        let format = A::SPEC
            .attributes
            .iter()
            .find(|spec| spec.name == parent)
            .and_then(|spec| spec.format);
        let mut diags = region::validate(config);
        if let (Some(format), Some(value)) = (format, config.attr_str(parent))
            && let Err(invalid) = format.check(value)
        {
            diags.push(messages::invalid_id(format.noun, invalid).at(AttributePath::root(parent)));
        }
        diags
    }

    async fn list(
        &self,
        ctx: &Context<AwsClients>,
        request: &ListRequest,
        results: &mut Results,
    ) -> Diagnostics {
        // The listed objects live where the list looks: the configured `region`, or the
        // provider's, recorded in each object as a read records it.
        let mut base = null_object(&self.resource.schema().block);
        if A::SPEC.scope == Scope::Regional
            && let (Some(wanted), Value::Object(fields)) =
                (request.config.attr_str(region::REGION), &mut base)
        {
            fields.insert(region::REGION.to_owned(), Value::string(wanted));
        }
        let place = self.resource.place(&ctx.client, &base);
        let parents = match self.parents(ctx, &place.clients, &request.config).await {
            Ok(parents) => parents,
            Err(diags) => return diags,
        };
        for parent in parents {
            if results.is_done() || ctx.stop.is_cancelled() {
                break;
            }
            let listing = match self
                .resource
                .association()
                .observe(&place.clients.reads, &parent)
                .await
            {
                Ok(listing) => listing,
                Err(error) => {
                    return self
                        .resource
                        .aws_error(
                            messages::parent_unlisted(A::SPEC.type_name, &parent),
                            &error,
                            &ctx.client,
                        )
                        .into();
                }
            };
            let mut members: Vec<_> = listing
                .into_map()
                .into_iter()
                .filter(|(_, observation)| observation.phase.occupies())
                .collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            for (member, observation) in members {
                let key = AssociationKey {
                    parent: parent.clone(),
                    member,
                };
                let object = self
                    .resource
                    .state_with(&base, &place, &key, Some(&observation));
                let identity = match self.resource.identity_for(&ctx.client, &object).await {
                    Ok(identity) => identity,
                    Err(diags) => return diags,
                };
                let found = Found {
                    identity,
                    display_name: format!("{} / {}", key.parent, key.member),
                    object,
                };
                if !results.send(found).await {
                    return Diagnostics::new();
                }
            }
        }
        Diagnostics::new()
    }
}
