//! The server's stop generations and state moves, through the gRPC service as a host sees it.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use pb::provider_server::Provider as _;
use tokio::sync::mpsc;

use super::test_support::{OneResource, schema_of};
use super::*;
use crate::diag::Diagnostic;
use crate::msgpack;
use crate::resource::{Context, MoveSource, Moved, Outcome, Resource, StateMover};
use crate::schema::{Attribute, Schema};
use crate::value::{Type, Value};

/// The provider of these tests.
type TestProvider = OneResource<()>;

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
        schema_of(0, Attribute::optional("id", Type::String, "an ID"))
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

/// A configured service whose deletes wait up to `wait`, and the channel on which each
/// delete reports that it has started.
async fn service(
    wait: Duration,
) -> (
    Arc<ProviderService<TestProvider>>,
    mpsc::UnboundedReceiver<()>,
) {
    let (started, started_rx) = mpsc::unbounded_channel();
    let resource = Arc::new(Waits { started, wait });
    let service = ProviderService::new(Arc::new(OneResource {
        resource,
        client: (),
    }));
    service.session.configure(()).await;
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
    let resource = Arc::new(Waits {
        started,
        wait: Duration::ZERO,
    });
    ProviderService::new(Arc::new(OneResource {
        resource,
        client: (),
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
    let response = move_state(&service, "example/old", "old_thing", 0, r#"{"name":"x1"}"#).await;
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
