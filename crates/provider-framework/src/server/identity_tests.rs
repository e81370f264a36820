//! How the server carries a resource's identity through each RPC: declared by
//! GetResourceIdentitySchemas, upgraded from stored JSON, and returned wholly known by read,
//! plan (unknown parts only for a new object), apply (none after a destroy) and import, by ID
//! or by identity; hosts older than 1.12 are spared the work.

use std::collections::BTreeMap;

use async_trait::async_trait;
use pb::provider_server::Provider as _;

use super::session::reads_identity;
use super::test_support::OneResource;
use super::*;
use crate::diag::Diagnostic;
use crate::identity::{IdentityAttribute, IdentitySchema, ResourceIdentity};
use crate::msgpack;
use crate::resource::{Context, Outcome, Resource};
use crate::schema::{Attribute, Block, Schema};
use crate::value::{Type, Value};

/// The account the test client stands for.
const ACCOUNT: &str = "111122223333";

/// A resource keyed by `parent` (configured) and `member` (assigned on create), whose identity
/// is `account` (from the client, optional for import) beside the two keys.
struct Keyed;

fn object(fields: &[(&str, Value)]) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

fn state(parent: &str, member: Value) -> Value {
    object(&[("parent", Value::string(parent)), ("member", member)])
}

fn identity(parent: &str, member: Value) -> Value {
    object(&[
        ("account", Value::string(ACCOUNT)),
        ("parent", Value::string(parent)),
        ("member", member),
    ])
}

#[async_trait]
impl Resource<String> for Keyed {
    fn type_name(&self) -> &'static str {
        "test_keyed"
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes: vec![
                    Attribute::required("parent", Type::String, "the parent").requires_replace(),
                    Attribute::computed("member", Type::String, "assigned on create")
                        .use_state_for_unknown(),
                ],
                ..Block::default()
            },
        }
    }

    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    async fn create(&self, _ctx: &Context<String>, planned: &Value) -> Outcome {
        let parent = planned.attr_str("parent").unwrap_or_default();
        Outcome::ok(state(parent, Value::string("m-1")))
    }

    async fn read(&self, _ctx: &Context<String>, current: &Value) -> Outcome {
        Outcome::ok(current.clone())
    }

    async fn delete(&self, _ctx: &Context<String>, _prior: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    fn import(&self, id: &str) -> Result<Value, Diagnostics> {
        let (parent, member) = id.split_once(',').ok_or_else(Diagnostics::new)?;
        Ok(state(parent, Value::string(member)))
    }

    fn identity(&self) -> Option<&dyn ResourceIdentity<String>> {
        Some(self)
    }
}

#[async_trait]
impl ResourceIdentity<String> for Keyed {
    fn identity_schema(&self) -> IdentitySchema {
        IdentitySchema {
            version: 1,
            attributes: vec![
                IdentityAttribute::optional("account", Type::String, "the account"),
                IdentityAttribute::required("parent", Type::String, "the parent"),
                IdentityAttribute::required("member", Type::String, "the member"),
            ],
        }
    }

    async fn identity_of(
        &self,
        ctx: &Context<String>,
        state: &Value,
    ) -> Result<Value, Diagnostics> {
        let mut fields = BTreeMap::new();
        fields.insert("account".to_owned(), Value::string(ctx.client.as_str()));
        for key in ["parent", "member"] {
            fields.insert(
                key.to_owned(),
                state.attr(key).cloned().unwrap_or(Value::Null),
            );
        }
        Ok(Value::Object(fields))
    }

    async fn import_by_identity(
        &self,
        ctx: &Context<String>,
        identity: &Value,
    ) -> Result<Value, Diagnostics> {
        if let Some(account) = identity.attr_str("account")
            && account != ctx.client.as_str()
        {
            return Err(Diagnostic::error("another account", account).into());
        }
        Ok(state(
            identity.attr_str("parent").unwrap_or_default(),
            identity.attr("member").cloned().unwrap_or(Value::Null),
        ))
    }
}

/// A service configured by a host of version `host`.
async fn service(host: &str) -> ProviderService<OneResource<String>> {
    let provider = OneResource {
        resource: Arc::new(Keyed),
        client: ACCOUNT.to_owned(),
    };
    let service = ProviderService::new(Arc::new(provider));
    let config = encode(
        &Value::Object(BTreeMap::new()),
        &Type::Object(BTreeMap::new()),
        "config",
    )
    .ok();
    let answer = service
        .configure_provider(Request::new(pb::configure_provider::Request {
            terraform_version: host.to_owned(),
            config,
            ..Default::default()
        }))
        .await
        .map(Response::into_inner);
    assert!(
        answer.as_ref().is_ok_and(|a| a.diagnostics.is_empty()),
        "{answer:?}"
    );
    service
}

fn state_type() -> Type {
    Keyed.schema().implied_type()
}

fn identity_type() -> Type {
    Keyed.identity_schema().implied_type()
}

fn dynamic(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(encode(value, ty, "test value").expect("encodes"))
}

fn identity_data(value: &Value) -> Option<pb::ResourceIdentityData> {
    Some(pb::ResourceIdentityData {
        identity_data: dynamic(value, &identity_type()),
    })
}

/// The identity an answer carries, decoded; `None` when it carries none.
fn carried(data: Option<pb::ResourceIdentityData>) -> Option<Value> {
    let data = data?.identity_data?;
    Some(msgpack::decode(&data.msgpack, &identity_type()).expect("decodes"))
}

fn errors(diagnostics: &[pb::Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect()
}

#[tokio::test]
async fn the_identity_schema_is_declared_with_its_import_roles_and_never_an_error() {
    let service = service("1.15.5").await;
    let answer = service
        .get_resource_identity_schemas(Request::new(Default::default()))
        .await
        .expect("answers")
        .into_inner();
    assert!(answer.diagnostics.is_empty());
    let schema = &answer.identity_schemas["test_keyed"];
    assert_eq!(schema.version, 1);
    let roles: Vec<_> = schema
        .identity_attributes
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.required_for_import,
                a.optional_for_import,
                a.r#type.as_slice(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("account", false, true, b"\"string\"".as_slice()),
            ("parent", true, false, b"\"string\"".as_slice()),
            ("member", true, false, b"\"string\"".as_slice()),
        ]
    );
}

#[tokio::test]
async fn a_stored_identity_of_the_current_version_is_read_and_a_newer_one_refused() {
    let service = service("1.15.5").await;
    let upgrade = |version: i64| pb::upgrade_resource_identity::Request {
        type_name: "test_keyed".to_owned(),
        version,
        raw_identity: Some(pb::RawState {
            json: br#"{"account":"111122223333","parent":"p","member":"m","gone":"x"}"#.to_vec(),
            ..Default::default()
        }),
    };
    let answer = service
        .upgrade_resource_identity(Request::new(upgrade(1)))
        .await
        .expect("answers")
        .into_inner();
    assert!(errors(&answer.diagnostics).is_empty(), "{answer:?}");
    assert_eq!(
        carried(answer.upgraded_identity),
        Some(identity("p", Value::string("m")))
    );

    let answer = service
        .upgrade_resource_identity(Request::new(upgrade(2)))
        .await
        .expect("answers")
        .into_inner();
    let errors = errors(&answer.diagnostics);
    assert!(
        errors.len() == 1 && errors[0].contains("version 2") && errors[0].contains("version 1"),
        "{errors:?}"
    );
    assert!(answer.upgraded_identity.is_none());
}

#[tokio::test]
async fn a_read_returns_the_identity_of_the_refreshed_state() {
    let service = service("1.12.0").await;
    let read = |current_identity| pb::read_resource::Request {
        type_name: "test_keyed".to_owned(),
        current_state: dynamic(&state("p", Value::string("m")), &state_type()),
        current_identity,
        ..Default::default()
    };
    for stored in [None, identity_data(&identity("p", Value::string("m")))] {
        let answer = service
            .read_resource(Request::new(read(stored)))
            .await
            .expect("answers")
            .into_inner();
        assert!(errors(&answer.diagnostics).is_empty(), "{answer:?}");
        assert_eq!(
            carried(answer.new_identity),
            Some(identity("p", Value::string("m")))
        );
    }
}

#[tokio::test]
async fn hosts_older_than_1_12_get_no_identity() {
    for host in ["1.11.4", "1.6.2"] {
        let service = service(host).await;
        let answer = service
            .read_resource(Request::new(pb::read_resource::Request {
                type_name: "test_keyed".to_owned(),
                current_state: dynamic(&state("p", Value::string("m")), &state_type()),
                ..Default::default()
            }))
            .await
            .expect("answers")
            .into_inner();
        assert!(errors(&answer.diagnostics).is_empty(), "{answer:?}");
        assert!(answer.new_identity.is_none(), "{host}: {answer:?}");
    }
}

fn plan_request(
    prior: &Value,
    proposed: &Value,
    prior_identity: Option<pb::ResourceIdentityData>,
) -> pb::plan_resource_change::Request {
    let config = object(&[
        (
            "parent",
            proposed.attr("parent").cloned().unwrap_or(Value::Null),
        ),
        ("member", Value::Null),
    ]);
    pb::plan_resource_change::Request {
        type_name: "test_keyed".to_owned(),
        prior_state: dynamic(prior, &state_type()),
        proposed_new_state: dynamic(proposed, &state_type()),
        config: dynamic(&config, &state_type()),
        prior_identity,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_create_plans_no_identity_while_a_part_is_not_yet_assigned() {
    // Terraform renders plans through JSON, which cannot hold a partly unknown identity
    // (Terraform 1.15 fails with "value is not known" on a replacement): the planned identity
    // is left out until every part of it is known.
    let service = service("1.15.5").await;
    let answer = service
        .plan_resource_change(Request::new(plan_request(
            &Value::Null,
            &state("p", Value::Null),
            None,
        )))
        .await
        .expect("answers")
        .into_inner();
    assert!(errors(&answer.diagnostics).is_empty(), "{answer:?}");
    assert_eq!(carried(answer.planned_identity), None);
}

#[tokio::test]
async fn an_object_that_stays_keeps_its_identity_wholly_known() {
    let service = service("1.15.5").await;
    let prior = state("p", Value::string("m"));
    for stored in [None, identity_data(&identity("p", Value::string("m")))] {
        let answer = service
            .plan_resource_change(Request::new(plan_request(&prior, &prior, stored)))
            .await
            .expect("answers")
            .into_inner();
        assert!(errors(&answer.diagnostics).is_empty(), "{answer:?}");
        assert_eq!(
            carried(answer.planned_identity),
            Some(identity("p", Value::string("m")))
        );
    }
    // A replacement leaves the new object's identity out while it is partly unknown.
    let answer = service
        .plan_resource_change(Request::new(plan_request(
            &prior,
            &state("q", Value::string("m")),
            identity_data(&identity("p", Value::string("m"))),
        )))
        .await
        .expect("answers")
        .into_inner();
    assert!(!answer.requires_replace.is_empty(), "{answer:?}");
    assert_eq!(carried(answer.planned_identity), None);
}

#[tokio::test]
async fn apply_returns_the_new_identity_and_none_after_a_destroy() {
    let service = service("1.15.5").await;
    let apply = |prior: &Value, planned: &Value| pb::apply_resource_change::Request {
        type_name: "test_keyed".to_owned(),
        prior_state: dynamic(prior, &state_type()),
        planned_state: dynamic(planned, &state_type()),
        config: dynamic(&state("p", Value::Null), &state_type()),
        ..Default::default()
    };
    let created = service
        .apply_resource_change(Request::new(apply(
            &Value::Null,
            &state("p", Value::Unknown),
        )))
        .await
        .expect("answers")
        .into_inner();
    assert!(errors(&created.diagnostics).is_empty(), "{created:?}");
    assert_eq!(
        carried(created.new_identity),
        Some(identity("p", Value::string("m-1")))
    );
    let destroyed = service
        .apply_resource_change(Request::new(apply(
            &state("p", Value::string("m-1")),
            &Value::Null,
        )))
        .await
        .expect("answers")
        .into_inner();
    assert!(errors(&destroyed.diagnostics).is_empty(), "{destroyed:?}");
    assert!(destroyed.new_identity.is_none());
}

#[tokio::test]
async fn an_import_by_id_carries_the_identity() {
    let service = service("1.15.5").await;
    let answer = service
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: "test_keyed".to_owned(),
            id: "p,m".to_owned(),
            ..Default::default()
        }))
        .await
        .expect("answers")
        .into_inner();
    assert!(errors(&answer.diagnostics).is_empty(), "{answer:?}");
    let imported = answer.imported_resources.into_iter().next().expect("one");
    assert_eq!(
        carried(imported.identity),
        Some(identity("p", Value::string("m")))
    );
}

#[tokio::test]
async fn an_import_by_identity_builds_the_state_and_fills_in_the_optional_parts() {
    let service = service("1.15.5").await;
    let import = |given: &Value| pb::import_resource_state::Request {
        type_name: "test_keyed".to_owned(),
        identity: identity_data(given),
        ..Default::default()
    };
    let given = object(&[
        ("account", Value::Null),
        ("parent", Value::string("p")),
        ("member", Value::string("m")),
    ]);
    let answer = service
        .import_resource_state(Request::new(import(&given)))
        .await
        .expect("answers")
        .into_inner();
    assert!(errors(&answer.diagnostics).is_empty(), "{answer:?}");
    let imported = answer.imported_resources.into_iter().next().expect("one");
    let state_value = imported
        .state
        .map(|s| msgpack::decode(&s.msgpack, &state_type()).expect("decodes"));
    assert_eq!(state_value, Some(state("p", Value::string("m"))));
    assert_eq!(
        carried(imported.identity),
        Some(identity("p", Value::string("m")))
    );

    // What the resource refuses comes back as its diagnostic, and nothing is imported.
    let foreign = object(&[
        ("account", Value::string("999999999999")),
        ("parent", Value::string("p")),
        ("member", Value::string("m")),
    ]);
    let answer = service
        .import_resource_state(Request::new(import(&foreign)))
        .await
        .expect("answers")
        .into_inner();
    assert_eq!(
        errors(&answer.diagnostics),
        ["another account: 999999999999"]
    );
    assert!(answer.imported_resources.is_empty());
}

#[test]
fn host_versions_from_1_12_read_identities() {
    for (version, reads) in [
        ("1.6.2", false),
        ("1.11.4", false),
        ("1.12.0", true),
        ("1.12.0-alpha20250319", true),
        ("1.15.5", true),
        ("2.0.0", true),
        ("", true),
        ("dev", true),
    ] {
        assert_eq!(reads_identity(version), reads, "{version}");
    }
}
