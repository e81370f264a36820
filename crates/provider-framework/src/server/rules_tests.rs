//! The per-RPC rules called as plain functions, without gRPC: framework values in, framework
//! values out.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::answer::IdentityAnswer;
use super::move_state::{MoveRequest, move_state};
use super::plan::{PlanRequest, plan};
use super::registry::{RegisteredResource, Registry};
use super::session::Session;
use super::test_support::{OneResource, schema_of};
use super::upgrade::{self, Stored};
use super::{apply, read};
use crate::diag::{Diagnostic, Diagnostics};
use crate::private::Private;
use crate::resource::{Context, Outcome, Resource};
use crate::schema::{Attribute, Schema};
use crate::value::{Type, Value};

/// A resource whose delete fails while `id` is "stuck", and whose read finds nothing of an
/// object whose `id` is "gone".
struct Thing;

fn thing(id: &str) -> Value {
    Value::Object(BTreeMap::from([("id".to_owned(), Value::string(id))]))
}

#[async_trait]
impl Resource<()> for Thing {
    fn type_name(&self) -> &'static str {
        "test_thing"
    }

    fn schema(&self) -> Schema {
        schema_of(1, Attribute::required("id", Type::String, "an ID"))
    }

    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    async fn create(&self, _ctx: &Context<()>, planned: &Value) -> Outcome {
        Outcome::ok(planned.clone())
    }

    async fn read(&self, _ctx: &Context<()>, current: &Value) -> Outcome {
        if current.attr_str("id") == Some("gone") {
            return Outcome::gone();
        }
        Outcome::ok(current.clone()).with_private("read".to_owned())
    }

    async fn delete(&self, _ctx: &Context<()>, prior: &Value) -> Diagnostics {
        if prior.attr_str("id") == Some("stuck") {
            return Diagnostic::error("still in use", "").into();
        }
        Diagnostics::new()
    }

    fn import(&self, id: &str) -> Result<Value, Diagnostics> {
        Ok(thing(id))
    }
}

/// The registry of a provider serving [`Thing`].
fn things() -> Registry<()> {
    Registry::new(&OneResource {
        resource: Arc::new(Thing),
        client: (),
    })
}

fn registered(registry: &Registry<()>) -> &RegisteredResource<()> {
    registry.resource("test_thing").expect("registered")
}

async fn configured() -> Session<()> {
    let session = Session::default();
    session.configure(()).await;
    session
}

#[tokio::test]
async fn a_failed_delete_keeps_the_prior_state_and_a_done_one_leaves_none() {
    let registry = things();
    let session = configured().await;
    let op = session.operation();
    let private = Private::default();
    let stuck = apply::apply(
        &op,
        registered(&registry),
        thing("stuck"),
        &Value::Null,
        &private,
    )
    .await
    .expect("applied");
    assert_eq!(stuck.state, thing("stuck"));
    assert!(stuck.diagnostics.has_errors());

    let done = apply::apply(
        &op,
        registered(&registry),
        thing("a"),
        &Value::Null,
        &private,
    )
    .await
    .expect("applied");
    assert_eq!(done.state, Value::Null);
    assert_eq!(done.identity, IdentityAnswer::Absent);
}

#[tokio::test]
async fn nothing_is_applied_or_read_before_the_provider_is_configured() {
    let registry = things();
    let session = Session::default();
    let op = session.operation();
    let (object, private) = (thing("a"), Private::default());
    let applied = apply::apply(&op, registered(&registry), Value::Null, &object, &private).await;
    assert!(applied.is_err());
    let read = read::refresh(&op, registered(&registry), &object, &private).await;
    assert!(read.is_err());
}

#[tokio::test]
async fn a_read_keeps_the_private_data_the_resource_gives_and_a_gone_object_has_no_identity() {
    let registry = things();
    let session = configured().await;
    let op = session.operation();
    let stored = Private {
        resource: "before".to_owned(),
        ..Private::default()
    };
    let read = read::refresh(&op, registered(&registry), &thing("a"), &stored)
        .await
        .expect("read");
    assert_eq!(read.private.resource, "read");
    // Without an identity ability, the host keeps what it has.
    assert_eq!(read.identity, IdentityAnswer::Kept);

    let gone = read::refresh(&op, registered(&registry), &thing("gone"), &stored)
        .await
        .expect("read");
    assert_eq!(gone.state, Value::Null);
    assert_eq!(gone.identity, IdentityAnswer::Absent);
}

#[tokio::test]
async fn a_destroy_plan_is_null_and_keeps_only_the_resources_private_text() {
    let registry = things();
    let session = configured().await;
    let stored = Private {
        resource: "mine".to_owned(),
        update: Some(3),
        deferred: vec![("w".to_owned(), "d".to_owned())],
    };
    let request = PlanRequest {
        prior: thing("a"),
        proposed: Value::Null,
        config: Value::Null,
        stored,
        prior_identity: Ok(Value::Null),
    };
    let planned = plan(&session.operation(), registered(&registry), request)
        .await
        .expect("planned");
    assert_eq!(planned.object.state, Value::Null);
    assert!(planned.requires_replace.is_empty());
    assert_eq!(
        planned.object.private,
        Private {
            resource: "mine".to_owned(),
            ..Private::default()
        }
    );
}

#[test]
fn an_upgrade_drops_attributes_the_schema_no_longer_has_and_refuses_a_newer_version() {
    let registry = things();
    let json = br#"{"id":"a","retired":true}"#;
    let upgraded = upgrade::state(registered(&registry), Stored { version: 0, json });
    assert_eq!(upgraded.ok(), Some(thing("a")));

    let newer = upgrade::state(registered(&registry), Stored { version: 2, json });
    let errors = newer.expect_err("refused");
    assert!(
        errors
            .iter()
            .any(|d| d.summary == "State written by a newer provider"),
        "{errors:?}"
    );
}

#[test]
fn a_move_to_a_resource_without_movers_names_the_target() {
    let registry = things();
    let request = MoveRequest {
        source_provider_address: "registry.terraform.io/example/old",
        source_type_name: "old_thing",
        source_schema_version: 0,
        source_state: b"{}",
        target_type_name: "test_thing",
    };
    let errors = move_state(registered(&registry), &request).expect_err("refused");
    let detail = errors.iter().map(|d| d.detail.as_str()).collect::<String>();
    assert!(
        detail.contains("test_thing cannot be the target of a move"),
        "{detail}"
    );
}
