//! The resource identity of every association kind, derived from its [`AssociationSpec`]:
//! `account_id` and, for a regional kind, `region`, beside the kind's own key (the two
//! attributes of its import ID), as hashicorp/aws declares identities. The key attributes are
//! required for `import { identity = … }`; `account_id` and `region` default to the
//! credentials' account and the provider's region.
//!
//! [`AssociationSpec`]: super::kind::AssociationSpec

use async_trait::async_trait;
use tf_provider_framework::diag::{AttributePath, Diagnostics};
use tf_provider_framework::identity::{IdentityAttribute, IdentitySchema, ResourceIdentity};
use tf_provider_framework::resource::Context;
use tf_provider_framework::schema::null_object;
use tf_provider_framework::value::{Type, Value};

use super::key::AssociationKey;
use super::kind::{Association, Scope};
use super::messages::{self, AccountWanted};
use super::resource::AssociationResource;
use crate::aws::clients::AwsClients;
use crate::aws::ids::IdFormat;
use crate::aws::region;

/// The identity attribute naming the AWS account.
const ACCOUNT_ID: &str = "account_id";
/// The identity attribute naming the region of a regional kind.
const REGION: &str = "region";

/// The region an association lives in, for its identity: its effective region
/// ([`region::effective_region`], the one place that decides it).
pub fn region_of(aws: &AwsClients, state: &Value) -> String {
    region::effective_region(state, aws).to_owned()
}

impl<A: Association> AssociationResource<A> {
    /// The identity schema of this kind.
    fn identity_schema_of_kind() -> IdentitySchema {
        let (parent, member) = A::SPEC.key;
        let described = |name: &str| {
            A::SPEC
                .attributes
                .iter()
                .find(|spec| spec.name == name)
                .map_or("", |spec| spec.description)
        };
        let mut attributes = vec![IdentityAttribute::optional(
            ACCOUNT_ID,
            Type::String,
            "The ID of the AWS account the association belongs to. Defaults to the account of \
             the provider's credentials.",
        )];
        if A::SPEC.scope == Scope::Regional {
            attributes.push(IdentityAttribute::optional(
                REGION,
                Type::String,
                "The region the association lives in. Defaults to the provider's region.",
            ));
        }
        for name in [parent, member] {
            attributes.push(IdentityAttribute::required(
                name,
                Type::String,
                described(name),
            ));
        }
        IdentitySchema {
            version: 0,
            attributes,
        }
    }

    /// The identity of the association whose state (or planned state) is `state`: what list
    /// results and every answer about an object carry. A key attribute the state does not know
    /// yet (an association ID before the create) is unknown; one it lacks is an error.
    pub async fn identity_for(
        &self,
        aws: &AwsClients,
        state: &Value,
    ) -> Result<Value, Diagnostics> {
        let (parent, member) = A::SPEC.key;
        let mut fields = std::collections::BTreeMap::new();
        for name in [parent, member] {
            let value = match state.attr(name) {
                Some(Value::String(value)) => Value::string(value),
                Some(Value::Unknown) => Value::Unknown,
                _ => {
                    return Err(messages::identity_incomplete(A::SPEC.type_name, name).into());
                }
            };
            fields.insert(name.to_owned(), value);
        }
        let account = aws.account_id().await.map_err(|error| {
            Diagnostics::from(messages::account_unknown(
                AccountWanted::ForIdentityOf(A::SPEC.type_name),
                &aws.credential_source,
                &error,
            ))
        })?;
        fields.insert(ACCOUNT_ID.to_owned(), Value::string(account));
        if A::SPEC.scope == Scope::Regional {
            fields.insert(REGION.to_owned(), Value::string(region_of(aws, state)));
        }
        Ok(Value::Object(fields))
    }

    /// The key an identity names, checked like an import ID's parts, with each problem on its
    /// attribute of the `identity` argument.
    fn key_of_identity(&self, identity: &Value) -> Result<AssociationKey, Diagnostics> {
        let (parent_attr, member_attr) = A::SPEC.key;
        let (parent_format, member_format) = self.key_formats();
        let mut diags = Diagnostics::new();
        let mut part = |name: &str, format: Option<IdFormat>| {
            let at = AttributePath::root("identity").attribute(name);
            let Some(value) = identity.attr_str(name) else {
                diags.push(messages::identity_attribute_missing(A::SPEC.type_name, name).at(at));
                return String::new();
            };
            if let Some(Err(invalid)) = format.map(|f| f.check(value)) {
                diags.push(messages::invalid_identity(invalid).at(at));
            }
            value.to_owned()
        };
        let key = AssociationKey {
            parent: part(parent_attr, parent_format),
            member: part(member_attr, member_format),
        };
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(key)
        }
    }
}

#[async_trait]
impl<A: Association> ResourceIdentity<AwsClients> for AssociationResource<A> {
    fn identity_schema(&self) -> IdentitySchema {
        Self::identity_schema_of_kind()
    }

    fn identity_example(&self) -> Vec<(String, String)> {
        let (parent, member) = A::SPEC.key;
        let (parent_format, member_format) = self.key_formats();
        [(parent, parent_format), (member, member_format)]
            .into_iter()
            .map(|(name, format)| {
                let example = format.map_or("…", |f| f.example);
                (name.to_owned(), example.to_owned())
            })
            .collect()
    }

    async fn identity_of(
        &self,
        ctx: &Context<AwsClients>,
        state: &Value,
    ) -> Result<Value, Diagnostics> {
        self.identity_for(&ctx.client, state).await
    }

    async fn import_by_identity(
        &self,
        ctx: &Context<AwsClients>,
        identity: &Value,
    ) -> Result<Value, Diagnostics> {
        let key = self.key_of_identity(identity)?;
        let aws = &ctx.client;
        if let Some(wanted) = identity.attr_str(ACCOUNT_ID) {
            let account = aws.account_id().await.map_err(|error| {
                Diagnostics::from(messages::account_unknown(
                    AccountWanted::ToMatch(wanted),
                    &aws.credential_source,
                    &error,
                ))
            })?;
            if account != wanted {
                return Err(
                    messages::another_account(wanted, &aws.credential_source, &account)
                        .at(AttributePath::root("identity").attribute(ACCOUNT_ID))
                        .into(),
                );
            }
        }
        // The identity's region, when it names one, is where the object lives: the state's
        // `region` (the import then reads it there), as an `@region` import ID does.
        let mut base = null_object(&tf_provider_framework::resource::Resource::schema(self).block);
        if A::SPEC.scope == Scope::Regional
            && let (Some(wanted), Value::Object(fields)) = (identity.attr_str(REGION), &mut base)
        {
            fields.insert(REGION.to_owned(), Value::string(wanted));
        }
        let place = self.place(aws, &base);
        let state = self.state_with(&base, &place, &key, None);
        Ok(state)
    }
}
