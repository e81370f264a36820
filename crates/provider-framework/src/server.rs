//! The tfplugin6 gRPC service: the only place where the protocol's messages meet the framework.
//!
//! This file is the adapter: each RPC decodes its `DynamicValue`s with the resource's schema
//! type, hands framework values to the plain function holding that RPC's rules, encodes the
//! answer, and isolates panics. Domain errors travel as diagnostics, never as gRPC status codes,
//! because Terraform renders only diagnostics well. Below it, from the top down:
//!
//! - `wire`: the protocol's side of every answer (values, diagnostics, one object answer's
//!   fields, list events), written once for all RPCs;
//! - the rules, one module per RPC: `read`, `plan`, `apply`, `import`, `upgrade`, `move_state`,
//!   `list`, with `identity` (which answers carry which identity), `metadata` and
//!   `data_source`; they take and return framework values, so they are tested as plain
//!   functions (`rules_tests`);
//! - the vocabulary they share: `registry` (the served types, derived once), `session` (what the
//!   process remembers between RPCs) and `answer` (what the rules say about one object).

mod answer;
mod apply;
mod data_source;
mod identity;
mod import;
mod list;
mod metadata;
mod move_state;
mod plan;
mod read;
mod registry;
mod session;
mod upgrade;
mod wire;

use std::sync::Arc;

use tokio::sync::mpsc;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status};

use crate::convert;
use crate::diag::Diagnostics;
use crate::isolation::{isolate, isolate_sync};
use crate::list::Results;
use crate::private::Private;
use crate::proto::tfplugin6 as pb;
use crate::resource::Provider;
use crate::value::Value;

use self::import::ImportKey;
use self::list::{ListTarget, Listing};
use self::move_state::MoveRequest;
use self::plan::PlanRequest;
use self::registry::{RegisteredResource, Registry, Validated};
use self::session::Session;
use self::upgrade::Stored;
use self::wire::{
    BadIdentity, EncodedObject, FoundEncoding, decode, diagnostics, encode, encode_object,
};

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

/// One provider process's service: the provider, what is derived from it once, and what the
/// process remembers between RPCs.
pub struct ProviderService<P: Provider> {
    provider: Arc<P>,
    registry: Registry<P::Client>,
    session: Session<P::Client>,
}

impl<P: Provider> ProviderService<P> {
    pub fn new(provider: Arc<P>) -> Self {
        ProviderService {
            registry: Registry::new(provider.as_ref()),
            provider,
            session: Session::default(),
        }
    }
}

/// The tfplugin6 service. Most RPCs hand their request to the method of [`ProviderService`]
/// named beside them, which answers with the response itself; the validation of a resource or
/// list `config` block is the same for both; the provider has no data sources. The service never
/// answers with a gRPC error: Terraform renders only diagnostics well.
macro_rules! service {
    (
        methods { $($rpc:ident => $method:ident,)* }
        config_validations { $($validation:ident($rpc_name:literal) => $lookup:ident,)* }
        data_sources { $($data_source:ident,)* }
    ) => {
        #[tonic::async_trait]
        impl<P: Provider> pb::provider_server::Provider for ProviderService<P> {
            $(
                async fn $rpc(
                    &self,
                    request: Request<pb::$rpc::Request>,
                ) -> Result<Response<pb::$rpc::Response>, Status> {
                    Ok(Response::new(self.$method(request.into_inner()).await))
                }
            )*

            $(
                async fn $validation(
                    &self,
                    request: Request<pb::$validation::Request>,
                ) -> Result<Response<pb::$validation::Response>, Status> {
                    let request = request.into_inner();
                    let found = self.registry.$lookup(&request.type_name);
                    Ok(Response::new(validate($rpc_name, found, request.config.as_ref())))
                }
            )*

            $(
                async fn $data_source(
                    &self,
                    request: Request<pb::$data_source::Request>,
                ) -> Result<Response<pb::$data_source::Response>, Status> {
                    let type_name = request.into_inner().type_name;
                    Ok(Response::new(Diagnosed::diagnosed(data_source::unknown(&type_name).into())))
                }
            )*

            /// Streams what the list finds, one event per object, while it is still listing;
            /// problems arrive as an event's diagnostics (Terraform stops reading at the first
            /// error), never as a gRPC error.
            async fn list_resource(
                &self,
                request: Request<pb::list_resource::Request>,
            ) -> Result<Response<BoxStream<pb::list_resource::Event>>, Status> {
                Ok(Response::new(self.list(request.into_inner()).await))
            }
        }
    };
}

service! {
    methods {
        get_metadata => metadata,
        get_provider_schema => schemas,
        get_resource_identity_schemas => identity_schemas,
        validate_provider_config => validate_provider,
        configure_provider => configure,
        stop_provider => stop,
        upgrade_resource_state => upgrade_state,
        upgrade_resource_identity => upgrade_identity,
        read_resource => read,
        plan_resource_change => plan,
        apply_resource_change => apply,
        import_resource_state => import,
        move_resource_state => move_state,
    }
    config_validations {
        validate_resource_config("ValidateResourceConfig") => resource,
        validate_list_resource_config("ValidateListResourceConfig") => list,
    }
    data_sources {
        validate_data_resource_config,
        read_data_source,
    }
}

/// A response that can carry nothing but diagnostics: what a failed RPC answers, and all a
/// validation answers.
trait Diagnosed {
    fn diagnosed(diags: Diagnostics) -> Self;
}

macro_rules! diagnosed {
    ($($rpc:ident),*) => {
        $(
            impl Diagnosed for pb::$rpc::Response {
                #[allow(clippy::needless_update, reason = "some responses have no other field")]
                fn diagnosed(diags: Diagnostics) -> Self {
                    Self {
                        diagnostics: diagnostics(diags),
                        ..Default::default()
                    }
                }
            }
        )*
    };
}

diagnosed!(
    validate_provider_config,
    configure_provider,
    validate_resource_config,
    upgrade_resource_state,
    upgrade_resource_identity,
    plan_resource_change,
    import_resource_state,
    move_resource_state,
    validate_data_resource_config,
    read_data_source,
    validate_list_resource_config
);

/// The response to `result`: `answer` of what succeeded, or the failure's diagnostics.
fn respond<T, R: Diagnosed>(result: Result<T, Diagnostics>, answer: impl FnOnce(T) -> R) -> R {
    result.map_or_else(R::diagnosed, answer)
}

/// The response of a validation: its diagnostics, or those of its failure.
fn validated<R: Diagnosed>(result: Result<Diagnostics, Diagnostics>) -> R {
    R::diagnosed(result.unwrap_or_else(|diags| diags))
}

/// A response whose answer is one state: an upgraded one, or one moved from another type.
trait StateResponse: Diagnosed {
    fn with_state(state: pb::DynamicValue) -> Self;
}

macro_rules! state_responses {
    ($($rpc:ident => $field:ident),*) => {
        $(
            impl StateResponse for pb::$rpc::Response {
                fn with_state(state: pb::DynamicValue) -> Self {
                    Self {
                        $field: Some(state),
                        ..Default::default()
                    }
                }
            }
        )*
    };
}

state_responses!(
    upgrade_resource_state => upgraded_state,
    move_resource_state => target_state
);

/// The response of an RPC whose answer is one state of the `found` resource, as `rule` makes it
/// (`what` names it in an error).
fn state_of<C: Send + Sync + 'static, R: StateResponse>(
    rpc: &str,
    found: Result<&RegisteredResource<C>, Diagnostics>,
    rule: impl FnOnce(&RegisteredResource<C>) -> Result<Value, Diagnostics>,
    what: &str,
) -> R {
    let result = isolate_sync(rpc, || {
        let registered = found?;
        encode(&rule(registered)?, &registered.ty, what)
    });
    respond(result, R::with_state)
}

/// The response of a validation RPC of a resource or list `config` block.
fn validate<R: Diagnosed>(
    rpc: &str,
    target: Result<&impl Validated, Diagnostics>,
    config: Option<&pb::DynamicValue>,
) -> R {
    validated(isolate_sync(rpc, || {
        let target = target?;
        let config = decode(config, target.config_type(), target.config_name())?;
        Ok(target.validate(&config))
    }))
}

/// Runs a listing and streams what it finds, one event per object as soon as it is found, then
/// one event with the listing's diagnostics, if any. Ends early once `limit` results are sent
/// or the host hangs up.
async fn stream<C: Send + Sync + 'static>(
    listing: Listing<C>,
    encoding: FoundEncoding,
    limit: u64,
    events: mpsc::Sender<Result<pb::list_resource::Event, Status>>,
) {
    let (results, mut found) = Results::new(limit);
    let listing = async move {
        isolate("ListResource", async { Ok(listing.run(results).await) })
            .await
            .unwrap_or_else(|diags| diags)
    };
    let forwarder = events.clone();
    let forward = async move {
        while let Some(item) = found.recv().await {
            if forwarder.send(Ok(encoding.event(item))).await.is_err() {
                break;
            }
        }
    };
    let (diags, ()) = tokio::join!(listing, forward);
    if !diags.is_empty() {
        let _ = events.send(Ok(wire::diagnostics_event(diags))).await;
    }
}

impl<P: Provider> ProviderService<P> {
    async fn metadata(&self, _: pb::get_metadata::Request) -> pb::get_metadata::Response {
        let registry = &self.registry;
        pb::get_metadata::Response {
            server_capabilities: Some(metadata::capabilities()),
            resources: metadata::sorted(registry.resources.keys(), |type_name| {
                pb::get_metadata::ResourceMetadata { type_name }
            }),
            list_resources: metadata::sorted(registry.lists.keys(), |type_name| {
                pb::get_metadata::ListResourceMetadata { type_name }
            }),
            ..Default::default()
        }
    }

    async fn schemas(
        &self,
        _: pb::get_provider_schema::Request,
    ) -> pb::get_provider_schema::Response {
        let registry = &self.registry;
        let resource_schemas = registry
            .resources
            .iter()
            .map(|(name, registered)| (name.to_string(), convert::schema(&registered.schema)));
        let list_resource_schemas = registry
            .lists
            .iter()
            .map(|(name, registered)| (name.to_string(), convert::schema(&registered.schema)));
        pb::get_provider_schema::Response {
            provider: Some(convert::schema(&registry.provider_schema)),
            resource_schemas: resource_schemas.collect(),
            list_resource_schemas: list_resource_schemas.collect(),
            server_capabilities: Some(metadata::capabilities()),
            ..Default::default()
        }
    }

    /// Never an error diagnostic: since Terraform 1.12.1 one fails every command.
    async fn identity_schemas(
        &self,
        _: pb::get_resource_identity_schemas::Request,
    ) -> pb::get_resource_identity_schemas::Response {
        let identity_schemas = self
            .registry
            .resources
            .iter()
            .filter_map(|(name, registered)| {
                let (schema, _) = registered.identity.as_ref()?;
                Some((name.to_string(), convert::identity_schema(schema)))
            })
            .collect();
        pb::get_resource_identity_schemas::Response {
            identity_schemas,
            ..Default::default()
        }
    }

    async fn validate_provider(
        &self,
        request: pb::validate_provider_config::Request,
    ) -> pb::validate_provider_config::Response {
        let ty = self.registry.provider_schema.implied_type();
        validated(isolate_sync("ValidateProviderConfig", || {
            let config = decode(request.config.as_ref(), &ty, "provider configuration")?;
            Ok(self.provider.validate(&config))
        }))
    }

    async fn configure(
        &self,
        request: pb::configure_provider::Request,
    ) -> pb::configure_provider::Response {
        tracing::debug!(tf_rpc = "ConfigureProvider", terraform_version = %request.terraform_version, "configuring provider");
        self.session.set_host_version(&request.terraform_version);
        let ty = self.registry.provider_schema.implied_type();
        validated(
            isolate("ConfigureProvider", async {
                let config = decode(request.config.as_ref(), &ty, "provider configuration")?;
                let client = self.provider.configure(&config).await?;
                self.session.configure(client).await;
                Ok(Diagnostics::new())
            })
            .await,
        )
    }

    async fn stop(&self, _: pb::stop_provider::Request) -> pb::stop_provider::Response {
        tracing::info!(
            tf_rpc = "StopProvider",
            "stop requested: cancelling the operations in flight"
        );
        self.session.stop_current_generation();
        pb::stop_provider::Response::default()
    }

    async fn upgrade_state(
        &self,
        request: pb::upgrade_resource_state::Request,
    ) -> pb::upgrade_resource_state::Response {
        let stored = Stored {
            version: request.version,
            json: raw_json(request.raw_state.as_ref()),
        };
        let upgrade = |registered: &_| upgrade::state(registered, stored);
        let found = self.registry.resource(&request.type_name);
        state_of("UpgradeResourceState", found, upgrade, "upgraded state")
    }

    async fn upgrade_identity(
        &self,
        request: pb::upgrade_resource_identity::Request,
    ) -> pb::upgrade_resource_identity::Response {
        let result = isolate_sync("UpgradeResourceIdentity", || {
            let registered = self.registry.resource(&request.type_name)?;
            let stored = Stored {
                version: request.version,
                json: raw_json(request.raw_identity.as_ref()),
            };
            let (identity, ty) = upgrade::identity(registered, stored)?;
            wire::identity_data(&identity, ty)
        });
        respond(result, |identity| pb::upgrade_resource_identity::Response {
            upgraded_identity: Some(identity),
            ..Default::default()
        })
    }

    async fn read(&self, request: pb::read_resource::Request) -> pb::read_resource::Response {
        let op = self.session.operation();
        let result = isolate("ReadResource", async {
            let registered = self.registry.resource(&request.type_name)?;
            let ty = &registered.ty;
            let current = decode(request.current_state.as_ref(), ty, "current state")?;
            let stored = Private::decode(&request.private);
            let refreshed = read::refresh(&op, registered, &current, &stored).await?;
            let kept = request.current_identity.clone();
            let bad_identity = BadIdentity::Reported;
            encode_object(refreshed, registered, "refreshed state", kept, bad_identity)
        })
        .await;
        let (state, identity) = (request.current_state, request.current_identity);
        let answer = result.unwrap_or_else(|diags| {
            EncodedObject::unchanged(state, request.private, identity, diags)
        });
        answer.into()
    }

    async fn plan(
        &self,
        request: pb::plan_resource_change::Request,
    ) -> pb::plan_resource_change::Response {
        let op = self.session.operation();
        let result = isolate("PlanResourceChange", async {
            let registered = self.registry.resource(&request.type_name)?;
            let ty = &registered.ty;
            let decoded = PlanRequest {
                prior: decode(request.prior_state.as_ref(), ty, "prior state")?,
                proposed: decode(request.proposed_new_state.as_ref(), ty, "proposed state")?,
                config: decode(request.config.as_ref(), ty, "configuration")?,
                stored: Private::decode(&request.prior_private),
                prior_identity: wire::decode_identity(request.prior_identity.as_ref(), registered),
            };
            let planned = plan::plan(&op, registered, decoded).await?;
            let replace = planned.requires_replace.iter();
            let requires_replace = replace.map(convert::attribute_path).collect();
            let bad_identity = BadIdentity::Fails;
            let object = encode_object(
                planned.object,
                registered,
                "planned state",
                None,
                bad_identity,
            )?;
            Ok::<_, Diagnostics>((object, requires_replace))
        })
        .await;
        respond(result, |(planned, requires_replace)| {
            pb::plan_resource_change::Response {
                planned_state: planned.state,
                requires_replace,
                planned_private: planned.private,
                diagnostics: planned.diagnostics,
                planned_identity: planned.identity,
                ..Default::default()
            }
        })
    }

    async fn apply(
        &self,
        request: pb::apply_resource_change::Request,
    ) -> pb::apply_resource_change::Response {
        let op = self.session.operation();
        let planned_private = Private::decode(&request.planned_private);
        let result = isolate("ApplyResourceChange", async {
            let registered = self.registry.resource(&request.type_name)?;
            let ty = &registered.ty;
            let prior = decode(request.prior_state.as_ref(), ty, "prior state")?;
            let planned = decode(request.planned_state.as_ref(), ty, "planned state")?;
            let applied = apply::apply(&op, registered, prior, &planned, &planned_private).await?;
            encode_object(
                applied,
                registered,
                "new state",
                None,
                BadIdentity::Reported,
            )
        })
        .await;
        // Nothing was done: the prior object stays as it was.
        let private = planned_private.resource_only().encode();
        let unchanged = |diags| EncodedObject::unchanged(request.prior_state, private, None, diags);
        result.unwrap_or_else(unchanged).into()
    }

    async fn import(
        &self,
        request: pb::import_resource_state::Request,
    ) -> pb::import_resource_state::Response {
        let op = self.session.operation();
        let result = isolate("ImportResourceState", async {
            let registered = self.registry.resource(&request.type_name)?;
            let given = request.identity.as_ref();
            let by_identity = given.is_some_and(|i| i.identity_data.is_some());
            let key = if request.id.is_empty() && by_identity {
                ImportKey::Identity(wire::decode_identity(given, registered))
            } else {
                ImportKey::Id(request.id.clone())
            };
            let imported = import::import(&op, registered, key).await?;
            encode_object(
                imported,
                registered,
                "imported state",
                None,
                BadIdentity::Fails,
            )
        })
        .await;
        respond(result, |imported| pb::import_resource_state::Response {
            imported_resources: vec![pb::import_resource_state::ImportedResource {
                type_name: request.type_name,
                state: imported.state,
                identity: imported.identity,
                ..Default::default()
            }],
            ..Default::default()
        })
    }

    async fn move_state(
        &self,
        request: pb::move_resource_state::Request,
    ) -> pb::move_resource_state::Response {
        let source = MoveRequest {
            source_provider_address: &request.source_provider_address,
            source_type_name: &request.source_type_name,
            source_schema_version: request.source_schema_version,
            source_state: raw_json(request.source_state.as_ref()),
            target_type_name: &request.target_type_name,
        };
        let target = self.registry.resource(&request.target_type_name);
        let moved = |target: &_| move_state::move_state(target, &source);
        state_of("MoveResourceState", target, moved, "moved state")
    }

    async fn list(
        &self,
        request: pb::list_resource::Request,
    ) -> BoxStream<pb::list_resource::Event> {
        let op = self.session.operation();
        let limit = u64::try_from(request.limit).unwrap_or(0);
        let (events, receiver) = mpsc::channel(1);
        let started = async {
            let target: ListTarget<'_, _> = list::target(&self.registry, &request.type_name)?;
            let ty = &target.list.ty;
            let config = decode(request.config.as_ref(), ty, "list configuration")?;
            let include_resource = request.include_resource_object;
            let listing = Listing::new(&op, &target, config, include_resource).await?;
            let encoding = FoundEncoding {
                identity_type: target.identity_type.clone(),
                object_type: target.object_type.clone(),
                include_resource,
            };
            Ok::<_, Diagnostics>((listing, encoding))
        };
        match started.await {
            Ok((listing, encoding)) => {
                tokio::spawn(stream(listing, encoding, limit, events));
            }
            Err(diags) => {
                let _ = events.try_send(Ok(wire::diagnostics_event(diags)));
            }
        }
        Box::pin(tokio_stream::wrappers::ReceiverStream::new(receiver))
    }
}

/// The JSON of a stored object or identity; empty when the host sent none.
fn raw_json(raw: Option<&pb::RawState>) -> &[u8] {
    raw.map(|raw| raw.json.as_slice()).unwrap_or_default()
}

#[cfg(test)]
mod identity_tests;

#[cfg(test)]
mod rules_tests;

#[cfg(test)]
mod test_support;

#[cfg(test)]
mod tests;
