//! The tfplugin6 service in-process: a tonic client talks to the provider's gRPC service over a
//! unix socket, the way Terraform would, and the provider talks to the emulator on loopback.
//! These complement the end-to-end tests with checks the CLI cannot make directly (capabilities,
//! exact diagnostics paths, StopProvider during a wait).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use awsassoc_sim::admin_client::AssociateRequest;
use awsassoc_sim::{Family, Profile, SimConfig};
use hyper_util::rt::TokioIo;
use serde_json::json;
use terraform_provider_awsassoc::provider::AwsAssocProvider;
use tf_provider_framework::proto::tfplugin6 as pb;
use tf_provider_framework::value::{Type, Value};
use tf_provider_framework::{msgpack, server};
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};

type Client = pb::provider_client::ProviderClient<Channel>;

/// The provider's service on a unix socket in a temporary directory; dropped with the test.
struct Plugin {
    client: Client,
    _dir: tempfile::TempDir,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn start_plugin() -> Plugin {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("plugin.sock");
    let listener = tokio::net::UnixListener::bind(&socket).unwrap();
    let incoming = tokio_stream::wrappers::UnixListenerStream::new(listener);
    let routes = server::routes(Arc::new(AwsAssocProvider));
    let server = tokio::spawn(async move {
        let _ = tonic::transport::Server::builder()
            .add_routes(routes)
            .serve_with_incoming(incoming)
            .await;
    });
    let channel = Endpoint::try_from("http://plugin.invalid")
        .unwrap()
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let socket = socket.clone();
            async move { Ok::<_, std::io::Error>(TokioIo::new(UnixStream::connect(socket).await?)) }
        }))
        .await
        .unwrap();
    Plugin {
        client: pb::provider_client::ProviderClient::new(channel),
        _dir: dir,
        server,
    }
}

fn object(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// A value of `ty` (an object type) with every attribute null except `set`.
fn value_of(ty: &Type, set: &[(&str, Value)]) -> Value {
    let Type::Object(fields) = ty else {
        panic!("object type expected")
    };
    let mut values: BTreeMap<String, Value> =
        fields.keys().map(|k| (k.clone(), Value::Null)).collect();
    values.extend(object(set));
    Value::Object(values)
}

fn dynamic(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: msgpack::encode(value, ty).unwrap(),
        json: Vec::new(),
    })
}

fn decode(value: &Option<pb::DynamicValue>, ty: &Type) -> Value {
    msgpack::decode(&value.as_ref().unwrap().msgpack, ty).unwrap()
}

fn attribute_path(diagnostic: &pb::Diagnostic) -> Vec<String> {
    use pb::attribute_path::step::Selector;
    diagnostic
        .attribute
        .as_ref()
        .map(|path| {
            path.steps
                .iter()
                .map(|step| match &step.selector {
                    Some(Selector::AttributeName(name)) => name.clone(),
                    Some(Selector::ElementKeyString(key)) => key.clone(),
                    Some(Selector::ElementKeyInt(index)) => index.to_string(),
                    None => String::new(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Schema types as the client sees them, keyed by resource type (and "provider").
async fn schema_types(client: &mut Client) -> BTreeMap<String, Type> {
    use tf_provider_framework::type_json;
    fn block_type(block: &pb::schema::Block) -> Type {
        let mut fields = BTreeMap::new();
        for attribute in &block.attributes {
            fields.insert(
                attribute.name.clone(),
                type_json::decode_type(&attribute.r#type).unwrap(),
            );
        }
        for nested in &block.block_types {
            let inner = block_type(nested.block.as_ref().unwrap());
            fields.insert(nested.type_name.clone(), inner);
        }
        Type::Object(fields)
    }
    let schema = client
        .get_provider_schema(pb::get_provider_schema::Request::default())
        .await
        .unwrap()
        .into_inner();
    let mut types: BTreeMap<String, Type> = schema
        .resource_schemas
        .iter()
        .map(|(name, s)| (name.clone(), block_type(s.block.as_ref().unwrap())))
        .collect();
    types.insert(
        "provider".into(),
        block_type(schema.provider.as_ref().unwrap().block.as_ref().unwrap()),
    );
    types
}

/// ConfigureProvider with static test keys and every endpoint at `url` (no call is made).
async fn configure(client: &mut Client, types: &BTreeMap<String, Type>, url: &str) {
    let ty = &types["provider"];
    let endpoints = Value::Object(object(&[
        ("ec2", Value::string(url)),
        ("networkmanager", Value::string(url)),
        ("workspaces", Value::string(url)),
        ("sts", Value::string(url)),
    ]));
    let config = value_of(
        ty,
        &[
            ("region", Value::string("us-east-1")),
            ("access_key", Value::string("test")),
            ("secret_key", Value::string("test")),
            ("endpoints", endpoints),
        ],
    );
    let configured = client
        .configure_provider(pb::configure_provider::Request {
            config: dynamic(&config, ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        configured.diagnostics.is_empty(),
        "{:?}",
        configured.diagnostics
    );
}

const ROUTE_SERVER: &str = "awsassoc_vpc_route_server_vpc_association";

#[tokio::test]
async fn schema_lists_four_resources_and_declares_plan_destroy() {
    let mut plugin = start_plugin().await;
    let schema = plugin
        .client
        .get_provider_schema(pb::get_provider_schema::Request::default())
        .await
        .unwrap()
        .into_inner();
    let mut names: Vec<&str> = schema.resource_schemas.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "awsassoc_ec2_client_vpn_network_association",
            "awsassoc_networkmanager_connect_peer_association",
            "awsassoc_vpc_route_server_vpc_association",
            "awsassoc_workspaces_application_association",
        ]
    );
    let capabilities = schema.server_capabilities.unwrap();
    assert!(capabilities.plan_destroy);
    assert!(capabilities.get_provider_schema_optional);
    let provider = schema.provider.unwrap().block.unwrap();
    let secret = provider
        .attributes
        .iter()
        .find(|a| a.name == "secret_key")
        .unwrap();
    assert!(secret.sensitive);
    assert!(schema.diagnostics.is_empty());
}

#[tokio::test]
async fn malformed_id_diagnostic_points_at_the_attribute() {
    let mut plugin = start_plugin().await;
    let types = schema_types(&mut plugin.client).await;
    let ty = &types[ROUTE_SERVER];
    let config = value_of(
        ty,
        &[
            ("route_server_id", Value::string("rs-0123456789abcdef0")),
            ("vpc_id", Value::string("vpc_NOPE")),
        ],
    );
    let answer = plugin
        .client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: ROUTE_SERVER.into(),
            config: dynamic(&config, ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.diagnostics.len(), 1);
    assert_eq!(attribute_path(&answer.diagnostics[0]), ["vpc_id"]);
    assert!(
        answer.diagnostics[0]
            .detail
            .contains("vpc-0123456789abcdef0"),
        "shows an example"
    );
}

#[tokio::test]
async fn unknown_arguments_are_not_validated_yet() {
    let mut plugin = start_plugin().await;
    let types = schema_types(&mut plugin.client).await;
    let ty = &types[ROUTE_SERVER];
    let config = value_of(
        ty,
        &[
            ("route_server_id", Value::Unknown),
            ("vpc_id", Value::Unknown),
        ],
    );
    let answer = plugin
        .client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: ROUTE_SERVER.into(),
            config: dynamic(&config, ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(answer.diagnostics.is_empty(), "{:?}", answer.diagnostics);
}

#[tokio::test]
async fn provider_configuration_errors_point_at_the_attribute() {
    let mut plugin = start_plugin().await;
    let types = schema_types(&mut plugin.client).await;
    let ty = &types["provider"];
    let config = value_of(ty, &[("region", Value::string("US-EAST-1"))]);
    let answer = plugin
        .client
        .validate_provider_config(pb::validate_provider_config::Request {
            config: dynamic(&config, ty),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        answer
            .diagnostics
            .iter()
            .any(|d| attribute_path(d) == ["region"]),
        "{:?}",
        answer.diagnostics
    );
}

#[tokio::test]
async fn create_plan_marks_computed_attributes_unknown_and_destroy_plans_null() {
    let mut plugin = start_plugin().await;
    let types = schema_types(&mut plugin.client).await;
    let ty = &types[ROUTE_SERVER];
    let config = value_of(
        ty,
        &[
            ("route_server_id", Value::string("rs-0123456789abcdef0")),
            ("vpc_id", Value::string("vpc-0123456789abcdef0")),
        ],
    );
    let plan = plugin
        .client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: ROUTE_SERVER.into(),
            prior_state: dynamic(&Value::Null, ty),
            proposed_new_state: dynamic(&config, ty),
            config: dynamic(&config, ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    let planned = decode(&plan.planned_state, ty);
    assert_eq!(planned.attr("id"), Some(&Value::Unknown));
    assert_eq!(planned.attr("state"), Some(&Value::Unknown));
    assert_eq!(planned.attr_str("vpc_id"), Some("vpc-0123456789abcdef0"));

    // Destroy: the core proposes null and Terraform requires a null plan back.
    configure(&mut plugin.client, &types, "http://127.0.0.1:9").await;
    let prior = value_of(
        ty,
        &[
            (
                "id",
                Value::string("rs-0123456789abcdef0,vpc-0123456789abcdef0"),
            ),
            ("state", Value::string("associated")),
            ("route_server_id", Value::string("rs-0123456789abcdef0")),
            ("vpc_id", Value::string("vpc-0123456789abcdef0")),
        ],
    );
    let destroy = plugin
        .client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: ROUTE_SERVER.into(),
            prior_state: dynamic(&prior, ty),
            proposed_new_state: dynamic(&Value::Null, ty),
            config: dynamic(&Value::Null, ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(destroy.diagnostics.is_empty(), "{:?}", destroy.diagnostics);
    assert_eq!(decode(&destroy.planned_state, ty), Value::Null);
}

#[tokio::test]
async fn wrong_import_id_gets_a_clear_error() {
    let mut plugin = start_plugin().await;
    let answer = plugin
        .client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: ROUTE_SERVER.into(),
            id: "vpc-0123456789abcdef0".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(answer.imported_resources.is_empty());
    let detail = &answer.diagnostics[0].detail;
    assert!(
        detail.contains("rs-0123456789abcdef0,vpc-0123456789abcdef0"),
        "{detail}"
    );
}

/// Create, then delete, through the service against the emulator; then a delete that StopProvider
/// interrupts keeps the prior state and returns promptly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_provider_interrupts_a_delete_wait_and_keeps_state() {
    let sim = awsassoc_sim::start(SimConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        profile: Profile::Fast,
        ..Default::default()
    })
    .await
    .unwrap();
    let admin = sim.admin();
    admin
        .seed(&json!({"vpcs": [{"id": "vpc-0123456789abcdef0", "cidr": "10.0.0.0/16"}], "route_servers": [{"id": "rs-0123456789abcdef0"}]}))
        .await
        .unwrap();
    let mut plugin = start_plugin().await;
    let types = schema_types(&mut plugin.client).await;
    configure(&mut plugin.client, &types, sim.url()).await;

    let ty = &types[ROUTE_SERVER];
    let planned = value_of(
        ty,
        &[
            ("id", Value::Unknown),
            ("state", Value::Unknown),
            ("route_server_id", Value::string("rs-0123456789abcdef0")),
            ("vpc_id", Value::string("vpc-0123456789abcdef0")),
        ],
    );
    let created = plugin
        .client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: ROUTE_SERVER.into(),
            prior_state: dynamic(&Value::Null, ty),
            planned_state: dynamic(&planned, ty),
            config: dynamic(&planned, ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(created.diagnostics.is_empty(), "{:?}", created.diagnostics);
    let state = decode(&created.new_state, ty);
    assert_eq!(state.attr_str("state"), Some("associated"));
    assert_eq!(
        state.attr_str("id"),
        Some("rs-0123456789abcdef0,vpc-0123456789abcdef0")
    );

    // Make the disassociation outlast the test, then interrupt the wait.
    admin
        .set_durations(&json!({"route_server": {"disassociate_ms": 600_000}}))
        .await
        .unwrap();
    let mut stopper = plugin.client.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        stopper
            .stop_provider(pb::stop_provider::Request::default())
            .await
            .unwrap();
    });
    let started = Instant::now();
    let deleted = plugin
        .client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: ROUTE_SERVER.into(),
            prior_state: dynamic(&state, ty),
            planned_state: dynamic(&Value::Null, ty),
            config: dynamic(&Value::Null, ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the wait ended promptly"
    );
    assert!(
        deleted
            .diagnostics
            .iter()
            .any(|d| d.summary.contains("Interrupted")),
        "{:?}",
        deleted.diagnostics
    );
    assert_eq!(
        decode(&deleted.new_state, ty),
        state,
        "the prior state is kept"
    );
    sim.shutdown().await;
}

/// Every resource has a list resource of the same name, for `terraform query`: its `config`
/// names the parent, optional where AWS can list every parent of the region.
#[tokio::test]
async fn every_resource_has_a_list_resource_naming_its_parent() {
    let mut plugin = start_plugin().await;
    let schema = plugin
        .client
        .get_provider_schema(pb::get_provider_schema::Request::default())
        .await
        .unwrap()
        .into_inner();
    let parents: BTreeMap<&str, (&str, bool)> = schema
        .list_resource_schemas
        .iter()
        .map(|(name, list)| {
            // The parent, and for a regional kind an optional `region` to list in.
            let attributes = &list.block.as_ref().unwrap().attributes;
            let (regions, parents): (Vec<_>, Vec<_>) =
                attributes.iter().partition(|a| a.name == "region");
            assert_eq!(parents.len(), 1, "{name}: {attributes:?}");
            assert!(regions.iter().all(|r| r.optional), "{name}: {regions:?}");
            assert_eq!(
                regions.len(),
                usize::from(!name.contains("networkmanager")),
                "{name}: a regional kind lists in a region of its choice: {attributes:?}"
            );
            (
                name.as_str(),
                (parents[0].name.as_str(), parents[0].required),
            )
        })
        .collect();
    assert_eq!(
        parents,
        BTreeMap::from([
            (
                "awsassoc_ec2_client_vpn_network_association",
                ("client_vpn_endpoint_id", false)
            ),
            (
                "awsassoc_networkmanager_connect_peer_association",
                ("global_network_id", true)
            ),
            (ROUTE_SERVER, ("route_server_id", false)),
            (
                "awsassoc_workspaces_application_association",
                ("workspace_id", true)
            ),
        ])
    );
    let metadata = plugin
        .client
        .get_metadata(pb::get_metadata::Request::default())
        .await
        .unwrap()
        .into_inner();
    let listed: Vec<&str> = metadata
        .list_resources
        .iter()
        .map(|l| l.type_name.as_str())
        .collect();
    let mut names: Vec<&str> = parents.keys().copied().collect();
    names.sort();
    assert_eq!(listed, names);
    let identities = plugin
        .client
        .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request::default())
        .await
        .unwrap()
        .into_inner();
    for name in names {
        assert!(
            identities.identity_schemas.contains_key(name),
            "{name} is listed, so it needs an identity"
        );
    }
}

/// The events of one ListResource call, read to the end.
async fn list_events(
    client: &mut Client,
    type_name: &str,
    config: Value,
    config_type: &Type,
    include_resource: bool,
    limit: i64,
) -> Vec<pb::list_resource::Event> {
    let mut stream = client
        .list_resource(pb::list_resource::Request {
            type_name: type_name.into(),
            config: dynamic(&config, config_type),
            include_resource_object: include_resource,
            limit,
        })
        .await
        .unwrap()
        .into_inner();
    let mut events = Vec::new();
    while let Some(event) = stream.message().await.unwrap() {
        events.push(event);
    }
    events
}

/// A list without a route server walks every route server of the region and streams each
/// association with its identity, a display name and, when asked, the object exactly as an
/// import followed by a read produces it; it stops at the limit.
#[tokio::test]
async fn listing_every_route_server_streams_each_association_as_a_read_would() {
    let sim = awsassoc_sim::start(SimConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        profile: Profile::Fast,
        ..Default::default()
    })
    .await
    .unwrap();
    let admin = sim.admin();
    let servers = [
        "rs-0123456789abcdef1",
        "rs-0123456789abcdef2",
        "rs-0123456789abcdef3",
    ];
    let vpcs = [
        "vpc-0123456789abcdef1",
        "vpc-0123456789abcdef2",
        "vpc-0123456789abcdef3",
    ];
    admin
        .seed(&json!({
            "vpcs": vpcs.iter().enumerate().map(|(i, id)| json!({"id": id, "cidr": format!("10.{i}.0.0/16")})).collect::<Vec<_>>(),
            "route_servers": servers.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
        }))
        .await
        .unwrap();
    // Two associated, the third server left empty.
    for (server, vpc) in servers.iter().zip(vpcs).take(2) {
        admin
            .associate(&AssociateRequest::new(Family::RouteServer, *server, vpc).settled())
            .await
            .unwrap();
    }
    let mut plugin = start_plugin().await;
    let types = schema_types(&mut plugin.client).await;
    configure(&mut plugin.client, &types, sim.url()).await;
    let config_type = Type::Object(BTreeMap::from([
        ("route_server_id".to_owned(), Type::String),
        ("region".to_owned(), Type::String),
    ]));
    let identity_type = Type::Object(BTreeMap::from([
        ("account_id".to_owned(), Type::String),
        ("region".to_owned(), Type::String),
        ("route_server_id".to_owned(), Type::String),
        ("vpc_id".to_owned(), Type::String),
    ]));
    let ty = &types[ROUTE_SERVER];

    let events = list_events(
        &mut plugin.client,
        ROUTE_SERVER,
        Value::Null,
        &config_type,
        true,
        100,
    )
    .await;
    assert_eq!(events.len(), 2, "{events:?}");
    for (event, (server, vpc)) in events.iter().zip(servers.iter().zip(vpcs)) {
        assert!(event.diagnostic.is_empty(), "{:?}", event.diagnostic);
        assert_eq!(event.display_name, format!("{server} / {vpc}"));
        let identity = decode(
            &event.identity.as_ref().unwrap().identity_data,
            &identity_type,
        );
        assert_eq!(identity.attr_str("route_server_id"), Some(*server));
        assert_eq!(identity.attr_str("vpc_id"), Some(vpc));
        assert_eq!(identity.attr_str("region"), Some("us-east-1"));
        assert!(
            identity
                .attr_str("account_id")
                .is_some_and(|a| a.len() == 12),
            "{identity:?}"
        );
        let object = decode(&event.resource_object, ty);
        let imported = plugin
            .client
            .import_resource_state(pb::import_resource_state::Request {
                type_name: ROUTE_SERVER.into(),
                id: format!("{server},{vpc}"),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let read = plugin
            .client
            .read_resource(pb::read_resource::Request {
                type_name: ROUTE_SERVER.into(),
                current_state: imported.imported_resources[0].state.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(object, decode(&read.new_state, ty), "as a read produces it");
    }

    // Without include_resource the object stays out; the limit ends the listing.
    let events = list_events(
        &mut plugin.client,
        ROUTE_SERVER,
        value_of(&config_type, &[]),
        &config_type,
        false,
        1,
    )
    .await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].resource_object.is_none());

    // One named route server: its association only.
    let events = list_events(
        &mut plugin.client,
        ROUTE_SERVER,
        value_of(
            &config_type,
            &[("route_server_id", Value::string(servers[1]))],
        ),
        &config_type,
        false,
        100,
    )
    .await;
    let names: Vec<&str> = events.iter().map(|e| e.display_name.as_str()).collect();
    assert_eq!(names, [format!("{} / {}", servers[1], vpcs[1])]);
    sim.shutdown().await;
}

/// A kind whose parents AWS cannot list needs one: a listing without it ends with an error on
/// the attribute, and a malformed parent is refused when the configuration is validated.
#[tokio::test]
async fn a_list_without_a_required_parent_is_an_error_on_the_attribute() {
    const CONNECT_PEER: &str = "awsassoc_networkmanager_connect_peer_association";
    let mut plugin = start_plugin().await;
    let types = schema_types(&mut plugin.client).await;
    configure(&mut plugin.client, &types, "http://127.0.0.1:9").await;
    let config_type = Type::Object(BTreeMap::from([(
        "global_network_id".to_owned(),
        Type::String,
    )]));
    let events = list_events(
        &mut plugin.client,
        CONNECT_PEER,
        value_of(&config_type, &[]),
        &config_type,
        false,
        100,
    )
    .await;
    assert_eq!(events.len(), 1, "{events:?}");
    let error = &events[0].diagnostic[0];
    assert_eq!(error.severity, pb::diagnostic::Severity::Error as i32);
    assert_eq!(attribute_path(error), ["global_network_id"]);

    let validated = plugin
        .client
        .validate_list_resource_config(pb::validate_list_resource_config::Request {
            type_name: CONNECT_PEER.into(),
            config: dynamic(
                &value_of(
                    &config_type,
                    &[("global_network_id", Value::string("network-1"))],
                ),
                &config_type,
            ),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        validated.diagnostics.len(),
        1,
        "{:?}",
        validated.diagnostics
    );
    assert_eq!(
        attribute_path(&validated.diagnostics[0]),
        ["global_network_id"]
    );
}
