//! The traits a provider implements to be served over tfplugin6.
//!
//! A provider is a schema, a `configure` step that yields whatever its resources need to talk to
//! the outside world (its client), and a list of resources. A resource is a schema plus five
//! operations: validate, create, read, delete and import. Planning, replacement, state upgrades
//! and the wire encoding are the framework's job, so a resource never sees the protocol.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::diag::Diagnostics;
use super::identity::ResourceIdentity;
use super::list::ListResource;
use super::schema::Schema;
use super::value::Value;
use async_trait::async_trait;

pub mod context;
pub use context::Context;

/// The shape of a resource's import ID, as its documentation shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportId {
    /// How the ID is put together, in Markdown, e.g. ``the route server ID and the VPC ID,
    /// separated by a comma (`route_server_id,vpc_id`)``.
    pub shape: String,
    /// A valid ID, e.g. `rs-0123456789abcdef0,vpc-0123456789abcdef0`.
    pub example: String,
}

#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What `configure` produces and every resource operation receives.
    type Client: Send + Sync + 'static;

    /// The provider type name: the `awsassoc` in `provider "awsassoc"`, and the prefix of every
    /// resource type name.
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Checks a provider configuration that may still hold unknown values.
    fn validate(&self, config: &Value) -> Diagnostics;

    /// Turns a provider configuration into the client the resources use.
    async fn configure(&self, config: &Value) -> Result<Self::Client, Diagnostics>;

    fn resources(&self) -> Vec<Arc<dyn Resource<Self::Client>>>;

    /// The list resources, for `terraform query`: each finds the objects of the managed resource
    /// of the same name, which must declare an identity.
    fn list_resources(&self) -> Vec<Arc<dyn ListResource<Self::Client>>> {
        Vec::new()
    }
}

/// The result of an operation that may leave an object behind even when it fails: a create whose
/// wait timed out still created something, and Terraform must remember it (as tainted).
#[derive(Debug, Default)]
pub struct Outcome {
    /// The new state; `None` means there is no object.
    pub state: Option<Value>,
    pub diagnostics: Diagnostics,
    /// New private text for the object; `None` keeps what it had.
    pub private: Option<String>,
}

impl Outcome {
    pub fn ok(state: Value) -> Self {
        Outcome {
            state: Some(state),
            diagnostics: Diagnostics::new(),
            private: None,
        }
    }

    pub fn gone() -> Self {
        Outcome::default()
    }

    /// The object exists, with `diagnostics`: after an error Terraform keeps it in state
    /// (tainted, after a create) so nothing is forgotten.
    pub fn kept(state: Value, diagnostics: Diagnostics) -> Self {
        Outcome {
            state: Some(state),
            diagnostics,
            private: None,
        }
    }

    /// Keeps `private` as the object's private text.
    pub fn with_private(mut self, private: String) -> Self {
        self.private = Some(private);
        self
    }

    pub fn failed(diagnostics: Diagnostics) -> Self {
        Outcome {
            state: None,
            diagnostics,
            private: None,
        }
    }
}

#[async_trait]
pub trait Resource<C>: Send + Sync + 'static {
    /// The full resource type name, e.g. `example_thing`.
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Checks a configuration that may still hold unknown values; diagnostics should point at
    /// the offending attribute.
    fn validate(&self, config: &Value) -> Diagnostics;

    /// Creates the remote object described by the planned state (unknowns are the computed
    /// attributes to fill). The returned state must be wholly known.
    async fn create(&self, ctx: &Context<C>, planned: &Value) -> Outcome;

    /// Applies an in-place update to `planned`, which differs from `prior` only in attributes
    /// whose change does not require replacement. The default accepts the plan as the new
    /// state: right for a resource whose every remote argument has the
    /// [`RequiresReplace`](super::modifier::RequiresReplace) modifier, where only
    /// framework settings such as `timeouts` can change in place.
    async fn update(&self, _ctx: &Context<C>, _prior: &Value, planned: &Value) -> Outcome {
        Outcome::ok(planned.clone())
    }

    /// Refreshes the state from the remote object; `state: None` means it no longer exists.
    async fn read(&self, ctx: &Context<C>, current: &Value) -> Outcome;

    /// Deletes the remote object and returns once it is gone. An error keeps the object in the
    /// Terraform state, so a later destroy can pick it up again.
    async fn delete(&self, ctx: &Context<C>, prior: &Value) -> Diagnostics;

    /// Values the provider's configuration gives top-level attributes that the resource's
    /// configuration leaves unset (an optional, computed attribute whose default is a provider
    /// argument, such as a per-resource region defaulting to the provider's). Plans show them
    /// instead of "known after apply", and a default that differs from the prior value is a
    /// change like a configured one (see [`plan_change_with_defaults`]). Only asked once the
    /// provider is configured.
    ///
    /// [`plan_change_with_defaults`]: super::plan::plan_change_with_defaults
    fn provider_defaults(&self, _client: &C) -> BTreeMap<String, Value> {
        BTreeMap::new()
    }

    /// Builds the partial state for `terraform import`; the core refreshes it with `read` next.
    fn import(&self, id: &str) -> Result<Value, Diagnostics>;

    /// What an import ID is made of, for the documentation's Import section; `None` when the
    /// resource cannot be imported.
    fn import_id(&self) -> Option<ImportId> {
        None
    }

    /// The resource's identity, when it has one (an optional ability, like
    /// terraform-plugin-framework's `ResourceWithIdentity`): the server then declares its
    /// schema, returns the identity with every answer about an object, and accepts
    /// `import { identity = … }`.
    fn identity(&self) -> Option<&dyn ResourceIdentity<C>> {
        None
    }

    /// Extra checks when a plan removes the existing object: a destroy (which Terraform plans
    /// through the provider only when it declares the `plan_destroy` capability, as this
    /// framework does) or the destroy half of a replacement. Errors stop the plan before anything
    /// is touched; warnings are shown with it.
    async fn plan_removal(
        &self,
        _ctx: &Context<C>,
        _prior: &Value,
        _removal: Removal,
    ) -> Diagnostics {
        Diagnostics::new()
    }

    /// The other resource types (of this or another provider) whose objects a `moved` block may
    /// turn into this one, tried in order (see [`StateMover`]). None by default: such a move then
    /// fails with a diagnostic.
    fn state_movers(&self) -> Vec<StateMover> {
        Vec::new()
    }
}

/// An object stored by another resource type, as `MoveResourceState` hands it over.
#[derive(Clone, Copy, Debug)]
pub struct MoveSource<'a> {
    /// The source provider's address as the CLI sends it: the full
    /// `registry.terraform.io/hashicorp/aws` from Terraform, but a bare `aws` from some OpenTofu
    /// releases.
    pub provider_address: &'a str,
    pub type_name: &'a str,
    /// The schema version the object was stored with (not upgraded: the source provider is
    /// never asked).
    pub schema_version: i64,
    /// The stored state, exactly as the source provider wrote it.
    pub state: &'a serde_json::Value,
}

/// What a [`StateMover`] made of a [`MoveSource`].
#[derive(Debug)]
pub enum Moved {
    /// The source is not this mover's: the next one is tried.
    NotMine,
    /// The object in this resource's terms: stored JSON the framework decodes against this
    /// resource's schema (an attribute left out is null; one the schema lacks is an error).
    State(serde_json::Map<String, serde_json::Value>),
    /// The source is this mover's, but cannot be moved (e.g. a schema version it does not know).
    Failed(Diagnostics),
}

/// Turns one kind of foreign object into this resource's (terraform-plugin-framework's
/// `StateMover`). Terraform calls it on a provider process it has not configured (OpenTofu on a
/// configured one), so a mover is a pure function of the stored data: it gets no client and
/// makes no call; the plan after the move reads the object as usual.
pub struct StateMover {
    /// What this mover accepts, in Markdown, for the error when no mover accepts a source, e.g.
    /// ``"`aws_thing` of `hashicorp/aws` (schema version 0)"``.
    pub accepts: String,
    pub apply: Box<dyn Fn(&MoveSource<'_>) -> Moved + Send + Sync>,
}

impl std::fmt::Debug for StateMover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateMover")
            .field("accepts", &self.accepts)
            .finish_non_exhaustive()
    }
}

/// How a plan removes an existing object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    /// The object is destroyed and nothing takes its place.
    Destroy,
    /// A changed argument cannot be applied in place: the object is destroyed and created anew.
    Replace,
}
