//! The tfplugin6 gRPC service: the only place where the protocol's messages meet the framework.
//!
//! This file is the adapter: each RPC decodes its `DynamicValue`s with the resource's schema
//! type, hands framework values to the plain function holding that RPC's rules (one module per
//! RPC under `server/`), encodes the answer, and isolates panics. Domain errors travel as
//! diagnostics, never as gRPC status codes, because Terraform renders only diagnostics well.

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

use self::import::ImportKey;
use self::list::{ListTarget, Listing};
use self::move_state::MoveRequest;
use self::plan::PlanRequest;
use self::registry::Registry;
use self::session::Session;
use self::upgrade::Stored;
use self::wire::{BadIdentity, FoundEncoding, decode, diagnostics, encode, encode_object};

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

/// The tfplugin6 service: every RPC hands its request to the method of [`ProviderService`]
/// named beside it, which answers with the response itself. The service never answers with a
/// gRPC error: Terraform renders only diagnostics well.
macro_rules! service {
    ($($rpc:ident => $method:ident,)*) => {
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
    get_metadata => metadata,
    get_provider_schema => schemas,
    get_resource_identity_schemas => identity_schemas,
    validate_provider_config => validate_provider,
    configure_provider => configure,
    stop_provider => stop,
    validate_resource_config => validate_resource,
    upgrade_resource_state => upgrade_state,
    upgrade_resource_identity => upgrade_identity,
    read_resource => read,
    plan_resource_change => plan,
    apply_resource_change => apply,
    import_resource_state => import,
    move_resource_state => move_state,
    validate_data_resource_config => validate_data_source,
    read_data_source => read_data_source,
    validate_list_resource_config => validate_list,
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

    async fn validate_resource(
        &self,
        request: pb::validate_resource_config::Request,
    ) -> pb::validate_resource_config::Response {
        validated(isolate_sync("ValidateResourceConfig", || {
            let registered = self.registry.resource(&request.type_name)?;
            let ty = &registered.ty;
            let config = decode(request.config.as_ref(), ty, "resource configuration")?;
            Ok(registered.resource.validate(&config))
        }))
    }

    async fn upgrade_state(
        &self,
        request: pb::upgrade_resource_state::Request,
    ) -> pb::upgrade_resource_state::Response {
        let result = isolate_sync("UpgradeResourceState", || {
            let registered = self.registry.resource(&request.type_name)?;
            let stored = Stored {
                version: request.version,
                json: raw_json(request.raw_state.as_ref()),
            };
            let state = upgrade::state(registered, stored)?;
            encode(&state, &registered.ty, "upgraded state")
        });
        respond(result, |state| pb::upgrade_resource_state::Response {
            upgraded_state: Some(state),
            ..Default::default()
        })
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
        match result {
            Ok(read) => pb::read_resource::Response {
                new_state: Some(read.state),
                diagnostics: read.diagnostics,
                private: read.private,
                new_identity: read.identity,
                ..Default::default()
            },
            // Keep what Terraform had: an error must never make the object vanish from state.
            Err(diags) => pb::read_resource::Response {
                new_state: request.current_state,
                diagnostics: diagnostics(diags),
                private: request.private,
                new_identity: request.current_identity,
                ..Default::default()
            },
        }
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
                planned_state: Some(planned.state),
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
        match result {
            Ok(applied) => pb::apply_resource_change::Response {
                new_state: Some(applied.state),
                private: applied.private,
                diagnostics: applied.diagnostics,
                new_identity: applied.identity,
                ..Default::default()
            },
            // Nothing was done: the prior object stays as it was.
            Err(diags) => pb::apply_resource_change::Response {
                new_state: request.prior_state,
                private: planned_private.resource_only().encode(),
                diagnostics: diagnostics(diags),
                ..Default::default()
            },
        }
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
                state: Some(imported.state),
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
        let result = isolate_sync("MoveResourceState", || {
            let registered = self.registry.resource(&request.target_type_name)?;
            let move_request = MoveRequest {
                source_provider_address: &request.source_provider_address,
                source_type_name: &request.source_type_name,
                source_schema_version: request.source_schema_version,
                source_state: raw_json(request.source_state.as_ref()),
                target_type_name: &request.target_type_name,
            };
            let state = move_state::move_state(registered, &move_request)?;
            encode(&state, &registered.ty, "moved state")
        });
        respond(result, |state| pb::move_resource_state::Response {
            target_state: Some(state),
            ..Default::default()
        })
    }

    async fn validate_data_source(
        &self,
        request: pb::validate_data_resource_config::Request,
    ) -> pb::validate_data_resource_config::Response {
        Diagnosed::diagnosed(data_source::unknown(&request.type_name).into())
    }

    async fn read_data_source(
        &self,
        request: pb::read_data_source::Request,
    ) -> pb::read_data_source::Response {
        Diagnosed::diagnosed(data_source::unknown(&request.type_name).into())
    }

    async fn validate_list(
        &self,
        request: pb::validate_list_resource_config::Request,
    ) -> pb::validate_list_resource_config::Response {
        validated(isolate_sync("ValidateListResourceConfig", || {
            let registered = self.registry.list(&request.type_name)?;
            let ty = &registered.ty;
            let config = decode(request.config.as_ref(), ty, "list configuration")?;
            Ok(registered.list.validate(&config))
        }))
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
mod tests;
