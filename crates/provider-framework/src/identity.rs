//! Resource identity (Terraform and OpenTofu 1.12): a small, stable set of attributes that
//! locates the remote object, stored beside its state, shown by `show -json`, and accepted by
//! `import { identity = { … } }`.
//!
//! Identity is an optional ability of a resource, as in terraform-plugin-framework: a resource
//! that has one answers [`Resource::identity`](super::resource::Resource::identity) with its
//! [`ResourceIdentity`], and the server then declares its schema and returns the identity with
//! every read, plan, apply and import. Hosts older than 1.12 never ask and ignore the fields.

use async_trait::async_trait;

use super::diag::Diagnostics;
use super::resource::context::Context;
use super::value::{Type, Value};

/// The identity's shape, as `GetResourceIdentitySchemas` declares it.
#[derive(Clone, Debug, PartialEq)]
pub struct IdentitySchema {
    /// Bumped when the identity's shape changes; UpgradeResourceIdentity sees the old number.
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

/// One attribute of an identity. Terraform allows only primitive and list types here.
#[derive(Clone, Debug, PartialEq)]
pub struct IdentityAttribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub import: ImportRole,
}

/// What an `import { identity = { … } }` block must say about an attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportRole {
    /// The import cannot locate the object without it.
    Required,
    /// The provider supplies a default when it is left out (for example the configured
    /// account or region).
    Optional,
}

impl IdentityAttribute {
    pub fn required(name: &str, ty: Type, description: &str) -> Self {
        IdentityAttribute {
            name: name.to_owned(),
            ty,
            description: description.to_owned(),
            import: ImportRole::Required,
        }
    }

    pub fn optional(name: &str, ty: Type, description: &str) -> Self {
        IdentityAttribute {
            import: ImportRole::Optional,
            ..IdentityAttribute::required(name, ty, description)
        }
    }
}

impl IdentitySchema {
    /// The object type identity values are encoded against: one key per attribute.
    pub fn implied_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .collect(),
        )
    }
}

/// The identity ability of a resource whose client is `C`.
#[async_trait]
pub trait ResourceIdentity<C>: Send + Sync {
    fn identity_schema(&self) -> IdentitySchema;

    /// The identity of the object whose state is `state`. For a wholly known state the answer
    /// must be wholly known and the same every time (the host refuses an identity that changes
    /// across refreshes); for a planned state, attributes the state does not know yet may be
    /// [`Value::Unknown`].
    async fn identity_of(&self, ctx: &Context<C>, state: &Value) -> Result<Value, Diagnostics>;

    /// The partial state an `import { identity = … }` starts from (the host reads it next),
    /// built from an identity whose optional attributes may be null.
    async fn import_by_identity(
        &self,
        ctx: &Context<C>,
        identity: &Value,
    ) -> Result<Value, Diagnostics>;

    /// A valid value of each required attribute, by name, for the documentation's
    /// `import { identity = … }` example.
    fn identity_example(&self) -> Vec<(String, String)> {
        Vec::new()
    }
}
