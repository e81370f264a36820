//! The tfplugin6 gRPC service: the only place where the protocol's messages meet the framework.
//!
//! Each RPC decodes its `DynamicValue`s with the resource's schema type, calls the provider or
//! resource, applies the core's rules (plan semantics, null-for-destroy, prior state kept on a
//! failed delete) and encodes the answer. Domain errors travel as diagnostics, never as gRPC
//! status codes, because Terraform renders only diagnostics well.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{RwLock, mpsc};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::diag::{Diagnostic, Diagnostics};
use super::identity::IdentitySchema;
use super::isolation::{isolate, isolate_sync};
use super::list::{Found, ListRequest, ListResource, Results};
use super::plan::plan_change_with_defaults;
use super::private::{PendingUpdates, Private};
use super::proto::tfplugin6 as pb;
use super::resource::{Context, MoveSource, Moved, Outcome, Provider, Removal, Resource};
use super::schema::Schema;
use super::value::{Type, Value};
use super::{convert, json, msgpack};

/// Terraform's own limit on schema replies is 64 MiB; states can be large too. terraform-plugin-go
/// uses 256 MiB, and so do we, instead of tonic's 4 MiB default.
const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// The tfplugin6 service wrapped as tonic routes, ready for the plugin host to serve.
pub fn routes<P: Provider>(provider: Arc<P>) -> tonic::service::Routes {
    let service = pb::provider_server::ProviderServer::new(ProviderService::new(provider))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    tonic::service::Routes::new(service)
}

struct RegisteredResource<C> {
    resource: Arc<dyn Resource<C>>,
    schema: Schema,
    ty: Type,
    /// The identity schema and its implied type, for a resource that has an identity.
    identity: Option<(IdentitySchema, Type)>,
}

struct RegisteredList<C> {
    list: Arc<dyn ListResource<C>>,
    schema: Schema,
    ty: Type,
}

/// One provider process's state: the schemas (computed once), the configured client, and the
/// stop signal of the operations in flight.
pub struct ProviderService<P: Provider> {
    provider: Arc<P>,
    provider_schema: Schema,
    resources: HashMap<&'static str, RegisteredResource<P::Client>>,
    lists: HashMap<&'static str, RegisteredList<P::Client>>,
    client: RwLock<Option<Arc<P::Client>>>,
    /// The current stop generation. Each operation takes the token current when its RPC
    /// starts; StopProvider cancels that token and puts a fresh one in its place. A stop thus
    /// ends what runs at that moment and nothing started later: a provider reattached with
    /// `TF_REATTACH_PROVIDERS` serves one CLI run after another, and one Ctrl-C must not break
    /// every later run.
    stop: Mutex<CancellationToken>,
    updates: PendingUpdates,
    /// Whether the host stores identities (Terraform and OpenTofu 1.12 and later, as the
    /// version ConfigureProvider names says; true until then and for a version that cannot be
    /// read). Older hosts ignore the identity fields, so the provider spares them the work,
    /// and the calls, an identity takes.
    host_reads_identity: AtomicBool,
}

impl<P: Provider> ProviderService<P> {
    pub fn new(provider: Arc<P>) -> Self {
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
        ProviderService {
            provider_schema: provider.schema(),
            provider,
            resources,
            lists,
            client: RwLock::new(None),
            stop: Mutex::new(CancellationToken::new()),
            updates: PendingUpdates::default(),
            host_reads_identity: AtomicBool::new(true),
        }
    }

    /// The stop signal of an operation starting now.
    fn current_stop(&self) -> CancellationToken {
        // A poisoned lock only means a panic elsewhere while holding it; the token is intact.
        self.stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stops every operation started so far, and none started from now on.
    fn stop_current_generation(&self) {
        let stopped = {
            let mut current = self.stop.lock().unwrap_or_else(PoisonError::into_inner);
            std::mem::replace(&mut *current, CancellationToken::new())
        };
        stopped.cancel();
    }

    fn resource(&self, type_name: &str) -> Result<&RegisteredResource<P::Client>, Diagnostics> {
        self.resources.get(type_name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown resource type",
                format!("The provider does not implement a resource type named {type_name:?}."),
            )
            .into()
        })
    }

    fn list(&self, type_name: &str) -> Result<&RegisteredList<P::Client>, Diagnostics> {
        self.lists.get(type_name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown list resource type",
                format!("The provider does not implement a list resource named {type_name:?}."),
            )
            .into()
        })
    }

    /// Everything a listing needs, owned, so that it can go on after the RPC has returned its
    /// stream: the list resource, its context, and the types of what it sends.
    async fn listing(
        &self,
        request: &pb::list_resource::Request,
        stop: &CancellationToken,
    ) -> Result<Listing<P::Client>, Diagnostics> {
        let registered = self.list(&request.type_name)?;
        let resource = self.resource(&request.type_name)?;
        let identity_type = resource
            .identity
            .as_ref()
            .map(|(_, ty)| ty.clone())
            .ok_or_else(|| {
                Diagnostics::from(Diagnostic::error(
                    "List resource without identity",
                    format!(
                        "The resource type {:?} declares no identity, which every listed type \
                     needs. This is a bug in the provider.",
                        request.type_name
                    ),
                ))
            })?;
        let config = decode(
            request.config.as_ref(),
            &registered.ty,
            "list configuration",
        )?;
        Ok(Listing {
            list: registered.list.clone(),
            ctx: self.context(&Private::default(), stop).await?,
            request: ListRequest {
                config,
                include_resource: request.include_resource_object,
            },
            identity_type,
            object_type: resource.ty.clone(),
        })
    }

    /// The context of one operation on an object whose resource private text is `private`,
    /// stopped by `stop` (the generation current when its RPC started).
    async fn context(
        &self,
        private: &Private,
        stop: &CancellationToken,
    ) -> Result<Context<P::Client>, Diagnostics> {
        let client = self.client.read().await.clone().ok_or_else(|| {
            Diagnostics::from(Diagnostic::error(
                "Provider not configured",
                "The provider was asked to manage a resource before ConfigureProvider. \
                 This is a bug in the Terraform host or in the provider.",
            ))
        })?;
        Ok(Context {
            client,
            stop: stop.clone(),
            private: private.resource.clone(),
        })
    }

    /// The identity of the object whose state is `state`, for an answer that must carry it
    /// wholly known (read, apply, import). `None` when there is nothing to say: no object, a
    /// resource without identity, or a host that does not read identities.
    async fn identity_answer(
        &self,
        registered: &RegisteredResource<P::Client>,
        ctx: &Context<P::Client>,
        state: &Value,
    ) -> Result<Option<pb::ResourceIdentityData>, Diagnostics> {
        let (Some(identity), Some((_, ty))) =
            (registered.resource.identity(), &registered.identity)
        else {
            return Ok(None);
        };
        if state.is_null() || !self.host_reads_identity.load(Ordering::Relaxed) {
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
        Ok(Some(identity_data(&value, ty)?))
    }

    /// The planned identity: the prior one when the object stays (an identity never changes
    /// for the life of an object); none for a new object (its apply returns it).
    async fn planned_identity(
        &self,
        registered: &RegisteredResource<P::Client>,
        ctx: Result<Context<P::Client>, Diagnostics>,
        prior_identity: Option<&pb::ResourceIdentityData>,
        prior: &Value,
        planned: &Value,
        replaced: bool,
    ) -> Result<Option<pb::ResourceIdentityData>, Diagnostics> {
        let (Some(_), Some((_, ty))) = (registered.resource.identity(), &registered.identity)
        else {
            return Ok(None);
        };
        if planned.is_null() || !self.host_reads_identity.load(Ordering::Relaxed) {
            return Ok(None);
        }
        if prior.is_null() || replaced {
            // A new object's identity is left to the apply that makes it. Planning it would
            // cost a call (the account) for nothing: what the create assigns is unknown, and
            // Terraform renders plans through JSON, which cannot hold a partly unknown identity
            // (1.15 fails a replacement's plan with "value is not known").
            return Ok(None);
        }
        let stored = decode_identity(prior_identity, ty)?;
        if !stored.is_null() && stored.is_wholly_known() {
            return identity_data(&stored, ty).map(Some);
        }
        // A state written before the resource had an identity, or by an older host.
        self.identity_answer(registered, &ctx?, prior).await
    }

    fn server_capabilities() -> pb::ServerCapabilities {
        pb::ServerCapabilities {
            plan_destroy: true,
            get_provider_schema_optional: true,
            // Terraform asks for MoveResourceState only when this is set; a resource without
            // movers answers such a move with a diagnostic.
            move_resource_state: true,
            ..Default::default()
        }
    }
}

/// One `ListResource` call's work, owned by the task that streams its results.
struct Listing<C> {
    list: Arc<dyn ListResource<C>>,
    ctx: Context<C>,
    request: ListRequest,
    identity_type: Type,
    object_type: Type,
}

impl<C: Send + Sync + 'static> Listing<C> {
    /// Runs the listing, sending each result as an event as soon as it is found, then one event
    /// with the listing's diagnostics, if any. Ends early once `limit` results are sent or the
    /// host hangs up.
    async fn stream(
        self,
        limit: u64,
        events: mpsc::Sender<Result<pb::list_resource::Event, Status>>,
    ) {
        let (results, mut found) = Results::new(limit);
        let Listing {
            list,
            ctx,
            request,
            identity_type,
            object_type,
        } = self;
        let include_resource = request.include_resource;
        let listing = async move {
            let mut results = results;
            isolate("ListResource", async {
                Ok(list.list(&ctx, &request, &mut results).await)
            })
            .await
            .unwrap_or_else(|diags| diags)
        };
        let forwarder = events.clone();
        let forward = async move {
            while let Some(item) = found.recv().await {
                let event = found_event(item, &identity_type, &object_type, include_resource);
                if forwarder.send(Ok(event)).await.is_err() {
                    break;
                }
            }
        };
        let (diags, ()) = tokio::join!(listing, forward);
        if !diags.is_empty() {
            let _ = events.send(Ok(diagnostics_event(diags))).await;
        }
    }
}

/// The event of one found object; a value that cannot be encoded becomes an error event.
fn found_event(
    found: Found,
    identity_type: &Type,
    object_type: &Type,
    include_resource: bool,
) -> pb::list_resource::Event {
    let encoded = encode(&found.identity, identity_type, "identity").and_then(|identity| {
        let object = if include_resource {
            Some(encode(&found.object, object_type, "listed object")?)
        } else {
            None
        };
        Ok((identity, object))
    });
    match encoded {
        Ok((identity, resource_object)) => pb::list_resource::Event {
            identity: Some(pb::ResourceIdentityData {
                identity_data: Some(identity),
            }),
            display_name: found.display_name,
            resource_object,
            diagnostic: Vec::new(),
        },
        Err(diags) => diagnostics_event(diags),
    }
}

fn diagnostics_event(diags: Diagnostics) -> pb::list_resource::Event {
    pb::list_resource::Event {
        diagnostic: diagnostics(diags),
        ..Default::default()
    }
}

/// Decodes a request value: msgpack as every host sends it, JSON as the protocol allows. A
/// problem inside the value is reported on the attribute it concerns.
fn decode(value: Option<&pb::DynamicValue>, ty: &Type, what: &str) -> Result<Value, Diagnostics> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    let decoded = if !value.msgpack.is_empty() {
        msgpack::decode(&value.msgpack, ty)
    } else if !value.json.is_empty() {
        json::decode(&value.json, ty)
    } else {
        Ok(Value::Null)
    };
    decoded.map_err(|error| {
        let mut diagnostic = error.to_diagnostic(&format!("Invalid {what}"));
        diagnostic.detail = format!("The provider could not decode the {what}: {error}");
        diagnostic.into()
    })
}

/// Encodes a response value as msgpack, which every Terraform and OpenTofu version reads.
fn encode(value: &Value, ty: &Type, what: &str) -> Result<pb::DynamicValue, Diagnostics> {
    msgpack::encode(value, ty)
        .map(|bytes| pb::DynamicValue {
            msgpack: bytes,
            json: Vec::new(),
        })
        .map_err(|error| {
            Diagnostic::error(
                format!("Invalid {what}"),
                format!("The provider could not encode the {what}: {error}"),
            )
            .into()
        })
}

/// Encodes an identity value for an answer.
fn identity_data(value: &Value, ty: &Type) -> Result<pb::ResourceIdentityData, Diagnostics> {
    Ok(pb::ResourceIdentityData {
        identity_data: Some(encode(value, ty, "resource identity")?),
    })
}

/// Decodes an identity a request carries; null when it carries none.
fn decode_identity(
    data: Option<&pb::ResourceIdentityData>,
    ty: &Type,
) -> Result<Value, Diagnostics> {
    decode(
        data.and_then(|d| d.identity_data.as_ref()),
        ty,
        "resource identity",
    )
}

/// Whether a host of this version stores resource identities: Terraform and OpenTofu both
/// added them in 1.12. A version that cannot be read counts as new, so a new host is never
/// denied an identity.
fn reads_identity(host_version: &str) -> bool {
    let mut parts = host_version.trim_start_matches('v').split(['.', '-']);
    let mut number = || parts.next().and_then(|p| p.parse::<u64>().ok());
    match (number(), number()) {
        (Some(major), Some(minor)) => (major, minor) >= (1, 12),
        _ => true,
    }
}

fn diagnostics(diags: Diagnostics) -> Vec<pb::Diagnostic> {
    convert::diagnostics(&diags)
}

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        let mut resources: Vec<_> = self
            .resources
            .keys()
            .map(|name| pb::get_metadata::ResourceMetadata {
                type_name: name.to_string(),
            })
            .collect();
        resources.sort_by(|a, b| a.type_name.cmp(&b.type_name));
        let mut list_resources: Vec<_> = self
            .lists
            .keys()
            .map(|name| pb::get_metadata::ListResourceMetadata {
                type_name: name.to_string(),
            })
            .collect();
        list_resources.sort_by(|a, b| a.type_name.cmp(&b.type_name));
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(Self::server_capabilities()),
            resources,
            list_resources,
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        let resource_schemas = self
            .resources
            .iter()
            .map(|(name, registered)| (name.to_string(), convert::schema(&registered.schema)))
            .collect();
        let list_resource_schemas = self
            .lists
            .iter()
            .map(|(name, registered)| (name.to_string(), convert::schema(&registered.schema)))
            .collect();
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(convert::schema(&self.provider_schema)),
            resource_schemas,
            list_resource_schemas,
            server_capabilities: Some(Self::server_capabilities()),
            ..Default::default()
        }))
    }

    /// Never an error diagnostic: since Terraform 1.12.1 one fails every command.
    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        let identity_schemas = self
            .resources
            .iter()
            .filter_map(|(name, registered)| {
                let (schema, _) = registered.identity.as_ref()?;
                Some((name.to_string(), convert::identity_schema(schema)))
            })
            .collect();
        Ok(Response::new(pb::get_resource_identity_schemas::Response {
            identity_schemas,
            ..Default::default()
        }))
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        let request = request.into_inner();
        let result = isolate_sync("UpgradeResourceIdentity", || {
            let registered = self.resource(&request.type_name)?;
            let Some((schema, ty)) = &registered.identity else {
                return Err(Diagnostic::error(
                    "Resource has no identity",
                    format!(
                        "The state holds an identity for this {}, but this provider declares \
                         none for it.",
                        request.type_name
                    ),
                )
                .into());
            };
            if request.version > schema.version {
                return Err(Diagnostic::error(
                    "Identity written by a newer provider",
                    format!(
                        "The identity of this {} was written with identity schema version {}, \
                         but this provider only knows version {}. Upgrade the provider.",
                        request.type_name, request.version, schema.version
                    ),
                )
                .into());
            }
            let raw = request
                .raw_identity
                .as_ref()
                .map(|raw| raw.json.as_slice())
                .unwrap_or_default();
            let identity = upgrade_json_identity(raw, schema).map_err(|error| {
                Diagnostics::from(Diagnostic::error(
                    "Unreadable resource identity",
                    format!(
                        "The stored identity of this {} could not be read: {error}",
                        request.type_name
                    ),
                ))
            })?;
            identity_data(&identity, ty)
        });
        Ok(Response::new(match result {
            Ok(identity) => pb::upgrade_resource_identity::Response {
                upgraded_identity: Some(identity),
                ..Default::default()
            },
            Err(diags) => pb::upgrade_resource_identity::Response {
                diagnostics: diagnostics(diags),
                ..Default::default()
            },
        }))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let request = request.into_inner();
        let ty = self.provider_schema.implied_type();
        let diags = isolate_sync("ValidateProviderConfig", || {
            let config = decode(request.config.as_ref(), &ty, "provider configuration")?;
            Ok(self.provider.validate(&config))
        })
        .unwrap_or_else(|diags| diags);
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diagnostics(diags),
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let request = request.into_inner();
        tracing::debug!(tf_rpc = "ConfigureProvider", terraform_version = %request.terraform_version, "configuring provider");
        self.host_reads_identity.store(
            reads_identity(&request.terraform_version),
            Ordering::Relaxed,
        );
        let ty = self.provider_schema.implied_type();
        let result = isolate("ConfigureProvider", async {
            let config = decode(request.config.as_ref(), &ty, "provider configuration")?;
            self.provider.configure(&config).await
        })
        .await;
        let diags = match result {
            Ok(client) => {
                *self.client.write().await = Some(Arc::new(client));
                Diagnostics::new()
            }
            Err(diags) => diags,
        };
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: diagnostics(diags),
        }))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let request = request.into_inner();
        let diags = isolate_sync("ValidateResourceConfig", || {
            let registered = self.resource(&request.type_name)?;
            let config = decode(
                request.config.as_ref(),
                &registered.ty,
                "resource configuration",
            )?;
            Ok(registered.resource.validate(&config))
        })
        .unwrap_or_else(|diags| diags);
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: diagnostics(diags),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let type_name = request.into_inner().type_name;
        let diags = Diagnostic::error(
            "Unknown data source",
            format!("The provider has no data source named {type_name:?}."),
        );
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: diagnostics(diags.into()),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let request = request.into_inner();
        let result = isolate_sync("UpgradeResourceState", || {
            let registered = self.resource(&request.type_name)?;
            if request.version > registered.schema.version {
                return Err(Diagnostic::error(
                    "State written by a newer provider",
                    format!(
                        "The state of this {} was written with schema version {}, but this provider \
                         only knows version {}. Upgrade the provider.",
                        request.type_name, request.version, registered.schema.version
                    ),
                )
                .into());
            }
            let raw = request
                .raw_state
                .as_ref()
                .map(|raw| raw.json.as_slice())
                .unwrap_or_default();
            let state = upgrade_json_state(raw, &registered.schema).map_err(|error| {
                Diagnostics::from(Diagnostic::error(
                    "Unreadable resource state",
                    format!(
                        "The stored state of this {} could not be read: {error}",
                        request.type_name
                    ),
                ))
            })?;
            encode(&state, &registered.ty, "upgraded state")
        });
        Ok(Response::new(match result {
            Ok(state) => pb::upgrade_resource_state::Response {
                upgraded_state: Some(state),
                ..Default::default()
            },
            Err(diags) => pb::upgrade_resource_state::Response {
                diagnostics: diagnostics(diags),
                ..Default::default()
            },
        }))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let stop = self.current_stop();
        let request = request.into_inner();
        let stored = Private::decode(&request.private);
        let result = isolate("ReadResource", async {
            let registered = self.resource(&request.type_name)?;
            let current = decode(
                request.current_state.as_ref(),
                &registered.ty,
                "current state",
            )?;
            let ctx = self.context(&stored, &stop).await?;
            let outcome = registered.resource.read(&ctx, &current).await;
            let state = outcome.state.unwrap_or(Value::Null);
            let mut private = stored.clone();
            if let Some(resource) = outcome.private {
                private.resource = resource;
            }
            let mut diags = outcome.diagnostics;
            // Without an identity the host keeps the one it has; the state is still refreshed.
            let identity = match self.identity_answer(registered, &ctx, &state).await {
                Ok(identity) => identity,
                Err(errors) => {
                    diags.extend(errors);
                    None
                }
            };
            // An object that is gone has no identity; one whose identity could not be worked
            // out keeps the one the host has.
            let identity = if state.is_null() {
                Some(None)
            } else {
                identity.map(Some)
            };
            Ok::<_, Diagnostics>((
                encode(&state, &registered.ty, "refreshed state")?,
                diags,
                private.encode(),
                identity,
            ))
        })
        .await;
        Ok(Response::new(match result {
            Ok((state, diags, private, identity)) => pb::read_resource::Response {
                new_state: Some(state),
                diagnostics: diagnostics(diags),
                private,
                new_identity: identity.unwrap_or(request.current_identity),
                ..Default::default()
            },
            Err(diags) => pb::read_resource::Response {
                // Keep what Terraform had: an error must never make the object vanish from state.
                new_state: request.current_state,
                diagnostics: diagnostics(diags),
                private: request.private,
                new_identity: request.current_identity,
                ..Default::default()
            },
        }))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let stop = self.current_stop();
        let request = request.into_inner();
        let stored = Private::decode(&request.prior_private);
        let result = isolate("PlanResourceChange", async {
            let registered = self.resource(&request.type_name)?;
            let ty = &registered.ty;
            let prior = decode(request.prior_state.as_ref(), ty, "prior state")?;
            let proposed = decode(request.proposed_new_state.as_ref(), ty, "proposed state")?;
            let config = decode(request.config.as_ref(), ty, "configuration")?;
            if proposed.is_null() {
                let ctx = self.context(&stored, &stop).await?;
                let diags = registered
                    .resource
                    .plan_removal(&ctx, &prior, Removal::Destroy)
                    .await;
                return Ok((
                    encode(&Value::Null, ty, "planned state")?,
                    Vec::new(),
                    diags,
                    stored.resource_only(),
                    None,
                ));
            }
            // Defaults from the provider's configuration need a configured provider; without
            // one the attributes they fill stay "known after apply".
            let defaults = match self.client.read().await.clone() {
                Some(client) => registered.resource.provider_defaults(&client),
                None => Default::default(),
            };
            let change = plan_change_with_defaults(
                &registered.schema,
                &prior,
                &proposed,
                &config,
                &defaults,
            );
            // The object a replacement removes: this one when an argument forces it, or, for
            // the create half of a replacement the core forced, the one its update plan named.
            let forced = prior.is_null();
            let (replaced, mut planned_private) = if forced {
                // A new object: nothing of the old one's private data carries over.
                (
                    stored.update.and_then(|id| self.updates.take(id)),
                    Private::default(),
                )
            } else if change.requires_replace.is_empty() {
                let mut private = stored.resource_only();
                private.update = Some(self.updates.remember(prior.clone()));
                (None, private)
            } else {
                (Some(prior.clone()), stored.resource_only())
            };
            // Advice about the destroy half; without a configured client there is nothing to
            // check against, and the plan goes on.
            let mut diags = match (replaced, self.context(&stored, &stop).await) {
                (Some(replaced), Ok(ctx)) => {
                    registered
                        .resource
                        .plan_removal(&ctx, &replaced, Removal::Replace)
                        .await
                }
                _ => Diagnostics::new(),
            };
            if forced && !diags.has_errors() && !diags.is_empty() {
                // The core drops warnings from this second plan call; they reach the user when
                // the replacement is applied instead.
                planned_private.defer(std::mem::take(&mut diags));
            }
            let replace = change
                .requires_replace
                .iter()
                .map(convert::attribute_path)
                .collect();
            let identity = self
                .planned_identity(
                    registered,
                    self.context(&stored, &stop).await,
                    request.prior_identity.as_ref(),
                    &prior,
                    &change.planned,
                    !change.requires_replace.is_empty(),
                )
                .await?;
            Ok::<_, Diagnostics>((
                encode(&change.planned, ty, "planned state")?,
                replace,
                diags,
                planned_private,
                identity,
            ))
        })
        .await;
        Ok(Response::new(match result {
            Ok((planned, requires_replace, diags, planned_private, planned_identity)) => {
                pb::plan_resource_change::Response {
                    planned_state: Some(planned),
                    requires_replace,
                    planned_private: planned_private.encode(),
                    diagnostics: diagnostics(diags),
                    planned_identity,
                    ..Default::default()
                }
            }
            Err(diags) => pb::plan_resource_change::Response {
                diagnostics: diagnostics(diags),
                ..Default::default()
            },
        }))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let stop = self.current_stop();
        let request = request.into_inner();
        let planned_private = Private::decode(&request.planned_private);
        let result = isolate("ApplyResourceChange", async {
            let registered = self.resource(&request.type_name)?;
            let ty = &registered.ty;
            let prior = decode(request.prior_state.as_ref(), ty, "prior state")?;
            let planned = decode(request.planned_state.as_ref(), ty, "planned state")?;
            let ctx = self.context(&planned_private, &stop).await?;
            let (state, outcome) = if planned.is_null() {
                let diags = registered.resource.delete(&ctx, &prior).await;
                // A failed delete keeps the prior state, so nothing the remote system still has
                // is forgotten.
                let state = if diags.has_errors() {
                    prior
                } else {
                    Value::Null
                };
                (
                    state,
                    Outcome {
                        state: None,
                        diagnostics: diags,
                        private: None,
                    },
                )
            } else if prior.is_null() {
                let mut outcome = registered.resource.create(&ctx, &planned).await;
                (outcome.state.take().unwrap_or(Value::Null), outcome)
            } else {
                let mut outcome = registered.resource.update(&ctx, &prior, &planned).await;
                // A failed update keeps the prior state unless the resource says otherwise.
                (outcome.state.take().unwrap_or(prior), outcome)
            };
            let mut private = planned_private.resource_only();
            if let Some(resource) = outcome.private {
                private.resource = resource;
            }
            let mut diags = planned_private.with_deferred(outcome.diagnostics);
            // Null after a destroy; an object that stays (even after an error) carries its
            // identity, so the state written is never without it.
            let identity = match self.identity_answer(registered, &ctx, &state).await {
                Ok(identity) => identity,
                Err(errors) => {
                    diags.extend(errors);
                    None
                }
            };
            Ok::<_, Diagnostics>((
                encode(&state, ty, "new state")?,
                diags,
                private.encode(),
                identity,
            ))
        })
        .await;
        Ok(Response::new(match result {
            Ok((state, diags, private, new_identity)) => pb::apply_resource_change::Response {
                new_state: Some(state),
                private,
                diagnostics: diagnostics(diags),
                new_identity,
                ..Default::default()
            },
            Err(diags) => pb::apply_resource_change::Response {
                new_state: request.prior_state,
                private: planned_private.resource_only().encode(),
                diagnostics: diagnostics(diags),
                ..Default::default()
            },
        }))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let stop = self.current_stop();
        let request = request.into_inner();
        let result = isolate("ImportResourceState", async {
            let registered = self.resource(&request.type_name)?;
            let by_identity = request.id.is_empty()
                && request
                    .identity
                    .as_ref()
                    .is_some_and(|i| i.identity_data.is_some());
            let (state, identity) = match (by_identity, registered.resource.identity()) {
                (true, Some(identity)) => {
                    let ty = registered.identity.as_ref().map(|(_, ty)| ty);
                    let given =
                        decode_identity(request.identity.as_ref(), ty.unwrap_or(&Type::Dynamic))?;
                    let ctx = self.context(&Private::default(), &stop).await?;
                    let state = identity.import_by_identity(&ctx, &given).await?;
                    let identity = self.identity_answer(registered, &ctx, &state).await?;
                    (state, identity)
                }
                (true, None) => {
                    return Err(Diagnostic::error(
                        "Import by identity is not supported",
                        format!(
                            "{} has no identity; import it by its ID instead.",
                            request.type_name
                        ),
                    )
                    .into());
                }
                (false, _) => {
                    let state = registered.resource.import(&request.id)?;
                    // The identity of a state imported by ID comes with the read that follows
                    // when it cannot be worked out here (an unconfigured provider).
                    let identity = match self.context(&Private::default(), &stop).await {
                        Ok(ctx) => self.identity_answer(registered, &ctx, &state).await?,
                        Err(_) => None,
                    };
                    (state, identity)
                }
            };
            Ok::<_, Diagnostics>((encode(&state, &registered.ty, "imported state")?, identity))
        })
        .await;
        Ok(Response::new(match result {
            Ok((state, identity)) => pb::import_resource_state::Response {
                imported_resources: vec![pb::import_resource_state::ImportedResource {
                    type_name: request.type_name,
                    state: Some(state),
                    identity,
                    ..Default::default()
                }],
                ..Default::default()
            },
            Err(diags) => pb::import_resource_state::Response {
                diagnostics: diagnostics(diags),
                ..Default::default()
            },
        }))
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        let request = request.into_inner();
        // No client is needed or asked for: Terraform sends this to a provider process it has
        // not configured.
        let result = isolate_sync("MoveResourceState", || {
            let registered = self.resource(&request.target_type_name)?;
            let stored = read_moved_state(&request)?;
            let source = MoveSource {
                provider_address: &request.source_provider_address,
                type_name: &request.source_type_name,
                schema_version: request.source_schema_version,
                state: &stored,
            };
            let movers = registered.resource.state_movers();
            for mover in &movers {
                match (mover.apply)(&source) {
                    Moved::NotMine => continue,
                    Moved::Failed(diags) => return Err(diags),
                    Moved::State(fields) => {
                        let state = decode_moved_state(fields, registered, &request)?;
                        return encode(&state, &registered.ty, "moved state");
                    }
                }
            }
            Err(unsupported_move(&request, &movers).into())
        });
        Ok(Response::new(match result {
            // Nothing of the source's private data means anything here: the target starts
            // without any.
            Ok(state) => pb::move_resource_state::Response {
                target_state: Some(state),
                ..Default::default()
            },
            Err(diags) => pb::move_resource_state::Response {
                diagnostics: diagnostics(diags),
                ..Default::default()
            },
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let type_name = request.into_inner().type_name;
        let diags = Diagnostic::error(
            "Unknown data source",
            format!("The provider has no data source named {type_name:?}."),
        );
        Ok(Response::new(pb::read_data_source::Response {
            diagnostics: diagnostics(diags.into()),
            ..Default::default()
        }))
    }

    async fn validate_list_resource_config(
        &self,
        request: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        let request = request.into_inner();
        let diags = isolate_sync("ValidateListResourceConfig", || {
            let registered = self.list(&request.type_name)?;
            let config = decode(
                request.config.as_ref(),
                &registered.ty,
                "list configuration",
            )?;
            Ok(registered.list.validate(&config))
        })
        .unwrap_or_else(|diags| diags);
        Ok(Response::new(pb::validate_list_resource_config::Response {
            diagnostics: diagnostics(diags),
        }))
    }

    /// Streams what the list finds, one event per object, while it is still listing; problems
    /// arrive as an event's diagnostics (Terraform stops reading at the first error), never as
    /// a gRPC error.
    async fn list_resource(
        &self,
        request: Request<pb::list_resource::Request>,
    ) -> Result<Response<tonic::codegen::BoxStream<pb::list_resource::Event>>, Status> {
        let stop = self.current_stop();
        let request = request.into_inner();
        let limit = u64::try_from(request.limit).unwrap_or(0);
        let (events, receiver) = mpsc::channel(1);
        match self.listing(&request, &stop).await {
            Ok(listing) => {
                tokio::spawn(listing.stream(limit, events));
            }
            Err(diags) => {
                let _ = events.try_send(Ok(diagnostics_event(diags)));
            }
        }
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(receiver),
        )))
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        tracing::info!(
            tf_rpc = "StopProvider",
            "stop requested: cancelling the operations in flight"
        );
        self.stop_current_generation();
        Ok(Response::new(pb::stop_provider::Response::default()))
    }
}

/// The source object of a move, as its provider stored it (JSON; the flatmap form predates
/// MoveResourceState, so no CLI that sends this request stores it).
fn read_moved_state(
    request: &pb::move_resource_state::Request,
) -> Result<serde_json::Value, Diagnostics> {
    let raw = request
        .source_state
        .as_ref()
        .map(|raw| raw.json.as_slice())
        .unwrap_or_default();
    serde_json::from_slice(raw).map_err(|error| {
        Diagnostic::error(
            "Unreadable source state",
            format!(
                "The stored state of the {} being moved to {} is not a JSON object: {error}",
                request.source_type_name, request.target_type_name
            ),
        )
        .into()
    })
}

/// Reads a mover's answer with the target's schema, so what reaches Terraform is wholly known
/// (JSON has no unknowns) and of the target's type; an attribute the schema lacks is the
/// mover's bug, reported as such.
fn decode_moved_state<C>(
    fields: serde_json::Map<String, serde_json::Value>,
    registered: &RegisteredResource<C>,
    request: &pb::move_resource_state::Request,
) -> Result<Value, Diagnostics> {
    let bytes = serde_json::Value::Object(fields).to_string().into_bytes();
    json::decode(&bytes, &registered.ty).map_err(|error| {
        let mut diagnostic = error.to_diagnostic("Invalid moved state");
        diagnostic.detail = format!(
            "The provider turned the {} into a {} that does not fit its schema: {error}. \
             This is a bug in the provider.",
            request.source_type_name, request.target_type_name
        );
        diagnostic.into()
    })
}

/// The error when no mover of the target accepts the source, naming what they do accept.
fn unsupported_move(
    request: &pb::move_resource_state::Request,
    movers: &[super::resource::StateMover],
) -> Diagnostic {
    let supported = if movers.is_empty() {
        format!(
            "{} cannot be the target of a move from another resource type.",
            request.target_type_name
        )
    } else {
        let accepted: Vec<String> = movers
            .iter()
            .map(|mover| format!("- {}", mover.accepts))
            .collect();
        format!(
            "{} can be moved from:\n{}",
            request.target_type_name,
            accepted.join("\n")
        )
    };
    Diagnostic::error(
        "Unsupported move",
        format!(
            "The provider cannot move a {} of {:?} (schema version {}) to {}. {supported}",
            request.source_type_name,
            request.source_provider_address,
            request.source_schema_version,
            request.target_type_name
        ),
    )
}

/// Reads a state stored as JSON, dropping attributes the current schema no longer has (Terraform
/// does the same when the schema version is unchanged).
fn upgrade_json_state(raw: &[u8], schema: &Schema) -> Result<Value, String> {
    let mut parsed: serde_json::Value = serde_json::from_slice(raw).map_err(|e| e.to_string())?;
    if let Some(fields) = parsed.as_object_mut() {
        fields.retain(|name, _| {
            schema.block.attribute(name).is_some() || schema.block.nested_block(name).is_some()
        });
    }
    let cleaned = serde_json::to_vec(&parsed).map_err(|e| e.to_string())?;
    json::decode(&cleaned, &schema.implied_type()).map_err(|e| e.to_string())
}

/// Reads an identity stored as JSON against the current identity schema, dropping attributes
/// it no longer has.
fn upgrade_json_identity(raw: &[u8], schema: &IdentitySchema) -> Result<Value, String> {
    let mut parsed: serde_json::Value = serde_json::from_slice(raw).map_err(|e| e.to_string())?;
    if let Some(fields) = parsed.as_object_mut() {
        fields.retain(|name, _| schema.attributes.iter().any(|a| a.name == *name));
    }
    let cleaned = serde_json::to_vec(&parsed).map_err(|e| e.to_string())?;
    json::decode(&cleaned, &schema.implied_type()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod identity_tests;

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use async_trait::async_trait;
    use pb::provider_server::Provider as _;
    use tokio::sync::mpsc;

    use super::*;
    use crate::resource::StateMover;
    use crate::schema::{Attribute, Block};

    /// How a delete ended.
    const STOPPED: &str = "stopped";

    /// A resource whose delete reports that it started, then waits for the stop signal or for
    /// `wait`, whichever comes first.
    struct Waits {
        started: mpsc::UnboundedSender<()>,
        wait: Duration,
    }

    #[async_trait]
    impl Resource<()> for Waits {
        fn type_name(&self) -> &'static str {
            "test_waits"
        }

        fn schema(&self) -> Schema {
            Schema {
                version: 0,
                block: Block {
                    attributes: vec![Attribute::optional("id", Type::String, "an ID")],
                    ..Block::default()
                },
            }
        }

        fn validate(&self, _config: &Value) -> Diagnostics {
            Diagnostics::new()
        }

        async fn create(&self, _ctx: &Context<()>, planned: &Value) -> Outcome {
            Outcome::ok(planned.clone())
        }

        async fn read(&self, _ctx: &Context<()>, current: &Value) -> Outcome {
            Outcome::ok(current.clone())
        }

        async fn delete(&self, ctx: &Context<()>, _prior: &Value) -> Diagnostics {
            let _ = self.started.send(());
            tokio::select! {
                () = ctx.stop.cancelled() => Diagnostic::error(STOPPED, "").into(),
                () = tokio::time::sleep(self.wait) => Diagnostics::new(),
            }
        }

        fn import(&self, _id: &str) -> Result<Value, Diagnostics> {
            Err(Diagnostics::new())
        }

        /// Takes `old_thing` of `example/old`: its `name` becomes the `id`, and a stored
        /// `stray` attribute (which the target's schema lacks) is passed on as is, so the
        /// framework's check of a mover's answer can be seen.
        fn state_movers(&self) -> Vec<StateMover> {
            vec![StateMover {
                accepts: "`old_thing` of `example/old`".to_owned(),
                apply: Box::new(|source: &MoveSource<'_>| {
                    if (source.provider_address, source.type_name) != ("example/old", "old_thing") {
                        return Moved::NotMine;
                    }
                    if source.schema_version != 0 {
                        return Moved::Failed(Diagnostic::error("unknown version", "").into());
                    }
                    let mut fields = serde_json::Map::new();
                    for (from, to) in [("name", "id"), ("stray", "stray")] {
                        if let Some(value) = source.state.get(from) {
                            fields.insert(to.to_owned(), value.clone());
                        }
                    }
                    Moved::State(fields)
                }),
            }]
        }
    }

    struct TestProvider {
        started: mpsc::UnboundedSender<()>,
        wait: Duration,
    }

    #[async_trait]
    impl Provider for TestProvider {
        type Client = ();

        fn type_name(&self) -> &'static str {
            "test"
        }

        fn schema(&self) -> Schema {
            Schema {
                version: 0,
                block: Block::default(),
            }
        }

        fn validate(&self, _config: &Value) -> Diagnostics {
            Diagnostics::new()
        }

        async fn configure(&self, _config: &Value) -> Result<(), Diagnostics> {
            Ok(())
        }

        fn resources(&self) -> Vec<Arc<dyn Resource<()>>> {
            vec![Arc::new(Waits {
                started: self.started.clone(),
                wait: self.wait,
            })]
        }
    }

    /// A configured service whose deletes wait up to `wait`, and the channel on which each
    /// delete reports that it has started.
    async fn service(
        wait: Duration,
    ) -> (
        Arc<ProviderService<TestProvider>>,
        mpsc::UnboundedReceiver<()>,
    ) {
        let (started, started_rx) = mpsc::unbounded_channel();
        let service = ProviderService::new(Arc::new(TestProvider { started, wait }));
        *service.client.write().await = Some(Arc::new(()));
        (Arc::new(service), started_rx)
    }

    /// Destroys one object through ApplyResourceChange, returning the summaries of its errors.
    async fn destroy(service: Arc<ProviderService<TestProvider>>) -> Vec<String> {
        let ty = Type::Object(BTreeMap::from([("id".to_owned(), Type::String)]));
        let prior = Value::Object(BTreeMap::from([(
            "id".to_owned(),
            Value::String("x".to_owned()),
        )]));
        let request = pb::apply_resource_change::Request {
            type_name: "test_waits".to_owned(),
            prior_state: encode(&prior, &ty, "prior state").ok(),
            planned_state: encode(&Value::Null, &ty, "planned state").ok(),
            ..Default::default()
        };
        let response = service
            .apply_resource_change(Request::new(request))
            .await
            .map(Response::into_inner)
            .unwrap_or_default();
        response
            .diagnostics
            .into_iter()
            .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
            .map(|d| d.summary)
            .collect()
    }

    async fn stop(service: &ProviderService<TestProvider>) {
        let answer = service
            .stop_provider(Request::new(pb::stop_provider::Request::default()))
            .await;
        assert!(answer.is_ok(), "{answer:?}");
    }

    /// StopProvider ends the operations in flight when it arrives, and no operation started
    /// after it: the same process serves the next CLI run as if nothing had happened.
    #[tokio::test]
    async fn a_stop_ends_the_operations_in_flight_and_none_started_later() {
        let (service, mut started) = service(Duration::from_secs(60)).await;
        let first = tokio::spawn(destroy(service.clone()));
        let second = tokio::spawn(destroy(service.clone()));
        for _ in 0..2 {
            started.recv().await.expect("a delete started");
        }
        stop(&service).await;
        let ended = tokio::time::timeout(Duration::from_secs(10), async {
            (first.await, second.await)
        })
        .await
        .expect("the stop ends both deletes at once");
        for errors in [ended.0, ended.1] {
            assert_eq!(errors.ok(), Some(vec![STOPPED.to_owned()]));
        }

        // Started after the stop: it runs its course. A third stop generation then ends it.
        let later = tokio::spawn(destroy(service.clone()));
        started.recv().await.expect("the later delete started");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !later.is_finished(),
            "the earlier stop ended a later operation"
        );
        stop(&service).await;
        let errors = tokio::time::timeout(Duration::from_secs(10), later)
            .await
            .expect("the second stop ends the later delete");
        assert_eq!(errors.ok(), Some(vec![STOPPED.to_owned()]));
    }

    /// An operation that starts after a stop and waits its full time succeeds.
    #[tokio::test]
    async fn an_operation_after_a_stop_runs_to_completion() {
        let (service, mut started) = service(Duration::from_millis(100)).await;
        stop(&service).await;
        let errors = tokio::time::timeout(Duration::from_secs(10), destroy(service.clone()))
            .await
            .expect("the delete ends");
        started.recv().await.expect("the delete started");
        assert!(errors.is_empty(), "{errors:?}");
    }

    /// A service that was never configured, as Terraform starts one for a move.
    fn unconfigured() -> ProviderService<TestProvider> {
        let (started, _) = mpsc::unbounded_channel();
        ProviderService::new(Arc::new(TestProvider {
            started,
            wait: Duration::ZERO,
        }))
    }

    /// Moves a stored `state` of `source_type` from `address` (schema version `version`) to
    /// `test_waits`.
    async fn move_state(
        service: &ProviderService<TestProvider>,
        address: &str,
        source_type: &str,
        version: i64,
        state: &str,
    ) -> pb::move_resource_state::Response {
        let request = pb::move_resource_state::Request {
            source_provider_address: address.to_owned(),
            source_type_name: source_type.to_owned(),
            source_schema_version: version,
            source_state: Some(pb::RawState {
                json: state.as_bytes().to_vec(),
                ..Default::default()
            }),
            target_type_name: "test_waits".to_owned(),
            source_private: b"{\"e2bfb730-ecaa-11e6-8f88-34363bc7c4c0\":{}}".to_vec(),
            ..Default::default()
        };
        service
            .move_resource_state(Request::new(request))
            .await
            .map(Response::into_inner)
            .expect("MoveResourceState answers with diagnostics, never a gRPC error")
    }

    fn error_summaries(response: &pb::move_resource_state::Response) -> Vec<String> {
        response
            .diagnostics
            .iter()
            .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
            .map(|d| format!("{}: {}", d.summary, d.detail))
            .collect()
    }

    /// Terraform asks for moves only from a provider that says it takes them.
    #[tokio::test]
    async fn the_capabilities_announce_moves() {
        let service = unconfigured();
        let schema = service
            .get_provider_schema(Request::new(Default::default()))
            .await
            .map(Response::into_inner)
            .expect("the schema");
        let capabilities = schema.server_capabilities.expect("capabilities");
        assert!(capabilities.move_resource_state);
    }

    /// A move is answered by an unconfigured provider, in the target's schema, wholly known,
    /// without the source's private data.
    #[tokio::test]
    async fn a_recognised_source_is_moved_without_configuring_the_provider() {
        let service = unconfigured();
        let response =
            move_state(&service, "example/old", "old_thing", 0, r#"{"name":"x1"}"#).await;
        assert!(
            response.diagnostics.is_empty(),
            "{:?}",
            response.diagnostics
        );
        let ty = Type::Object(BTreeMap::from([("id".to_owned(), Type::String)]));
        let state = response.target_state.expect("a moved state");
        let decoded = msgpack::decode(&state.msgpack, &ty).expect("msgpack of the target type");
        assert_eq!(
            decoded,
            Value::Object(BTreeMap::from([("id".to_owned(), Value::string("x1"))]))
        );
        assert!(response.target_private.is_empty());
    }

    /// When every mover passes, the error names the source and what the target accepts.
    #[tokio::test]
    async fn an_unknown_source_is_refused_naming_what_is_supported() {
        let service = unconfigured();
        let response = move_state(&service, "example/other", "old_thing", 0, "{}").await;
        assert!(response.target_state.is_none());
        let errors = error_summaries(&response);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("Unsupported move"), "{errors:?}");
        assert!(errors[0].contains("\"example/other\""), "{errors:?}");
        assert!(
            errors[0].contains("`old_thing` of `example/old`"),
            "{errors:?}"
        );
    }

    /// A mover that knows the source but not its version says so; the next ones are not asked.
    #[tokio::test]
    async fn a_movers_refusal_is_the_answer() {
        let service = unconfigured();
        let response = move_state(&service, "example/old", "old_thing", 1, "{}").await;
        assert!(response.target_state.is_none());
        assert_eq!(
            error_summaries(&response),
            vec!["unknown version: ".to_owned()]
        );
    }

    /// A mover's answer that does not fit the target's schema is never sent on.
    #[tokio::test]
    async fn an_answer_outside_the_target_schema_is_an_error() {
        let service = unconfigured();
        let response = move_state(
            &service,
            "example/old",
            "old_thing",
            0,
            r#"{"name":"x","stray":1}"#,
        )
        .await;
        assert!(response.target_state.is_none());
        let errors = error_summaries(&response);
        assert!(
            errors.len() == 1 && errors[0].starts_with("Invalid moved state"),
            "{errors:?}"
        );
    }

    /// Stored state that is not JSON is reported, not a panic.
    #[tokio::test]
    async fn unreadable_source_state_is_reported() {
        let service = unconfigured();
        let response = move_state(&service, "example/old", "old_thing", 0, "{").await;
        let errors = error_summaries(&response);
        assert!(
            errors.len() == 1 && errors[0].starts_with("Unreadable source state"),
            "{errors:?}"
        );
    }
}
