//! The provider's resources and list resources by type name, with the schemas and types the
//! server derives from them once, when the process starts.

use std::collections::HashMap;
use std::sync::Arc;

use crate::diag::{Diagnostic, Diagnostics};
use crate::identity::IdentitySchema;
use crate::list::ListResource;
use crate::resource::{Provider, Resource};
use crate::schema::Schema;
use crate::value::{Type, Value};

/// A managed resource with what the server derives from it.
pub(crate) struct RegisteredResource<C> {
    pub resource: Arc<dyn Resource<C>>,
    pub schema: Schema,
    /// The type its states are encoded against.
    pub ty: Type,
    /// The identity schema and its implied type, for a resource that has an identity.
    pub identity: Option<(IdentitySchema, Type)>,
}

impl<C: Send + Sync + 'static> RegisteredResource<C> {
    /// The type identity values are encoded against; `None` for a resource without identity.
    pub fn identity_type(&self) -> Option<&Type> {
        self.identity.as_ref().map(|(_, ty)| ty)
    }
}

/// A list resource with the type of its `config` block.
pub(crate) struct RegisteredList<C> {
    pub list: Arc<dyn ListResource<C>>,
    pub schema: Schema,
    pub ty: Type,
}

/// Every type the provider serves, looked up by the name a request carries.
pub(crate) struct Registry<C> {
    pub provider_schema: Schema,
    pub resources: HashMap<&'static str, RegisteredResource<C>>,
    pub lists: HashMap<&'static str, RegisteredList<C>>,
}

impl<C: Send + Sync + 'static> Registry<C> {
    pub fn new<P: Provider<Client = C>>(provider: &P) -> Self {
        let resources = provider
            .resources()
            .into_iter()
            .map(|resource| {
                let schema = resource.schema();
                let ty = schema.implied_type();
                let identity = resource.identity().map(|identity| {
                    let schema = identity.identity_schema();
                    let ty = schema.implied_type();
                    (schema, ty)
                });
                (
                    resource.type_name(),
                    RegisteredResource {
                        resource,
                        schema,
                        ty,
                        identity,
                    },
                )
            })
            .collect();
        let lists = provider
            .list_resources()
            .into_iter()
            .map(|list| {
                let schema = list.config_schema();
                let ty = schema.implied_type();
                (list.type_name(), RegisteredList { list, schema, ty })
            })
            .collect();
        Registry {
            provider_schema: provider.schema(),
            resources,
            lists,
        }
    }

    pub fn resource(&self, type_name: &str) -> Result<&RegisteredResource<C>, Diagnostics> {
        self.resources.get(type_name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown resource type",
                format!("The provider does not implement a resource type named {type_name:?}."),
            )
            .into()
        })
    }

    pub fn list(&self, type_name: &str) -> Result<&RegisteredList<C>, Diagnostics> {
        self.lists.get(type_name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown list resource type",
                format!("The provider does not implement a list resource named {type_name:?}."),
            )
            .into()
        })
    }
}

/// A type whose configuration block the host asks the provider to validate.
pub(crate) trait Validated {
    /// The block's type.
    fn config_type(&self) -> &Type;
    /// What the block is, for a decoding error.
    fn config_name(&self) -> &'static str;
    fn validate(&self, config: &Value) -> Diagnostics;
}

/// Each registered type validates its block with its own check.
macro_rules! validated {
    ($($registered:ident: $field:ident, $name:literal;)*) => {
        $(
            impl<C: Send + Sync + 'static> Validated for $registered<C> {
                fn config_type(&self) -> &Type {
                    &self.ty
                }

                fn config_name(&self) -> &'static str {
                    $name
                }

                fn validate(&self, config: &Value) -> Diagnostics {
                    self.$field.validate(config)
                }
            }
        )*
    };
}

validated! {
    RegisteredResource: resource, "resource configuration";
    RegisteredList: list, "list configuration";
}
