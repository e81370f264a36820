//! [`AssociationResource`]: any [`Association`] served as a Terraform resource.
//!
//! The promise it keeps: Terraform's state and AWS agree after every create and delete, whatever
//! the network and AWS do. Concretely:
//! - a mutation is never sent twice blindly (the waiter engine looks at AWS after an unknown
//!   outcome), and an association that existed before the create is reported with its import
//!   ID instead of being adopted;
//! - state is written as soon as the association's identity is known, so an error, a timeout or
//!   an interrupt after that point keeps the association in state;
//! - an error ends an operation at once when retrying cannot help (credentials, permissions),
//!   with a message that says what to fix.
//!
//! This file holds what every operation shares (where it takes place, the parent's shared
//! status poll and deployments, the state it writes) and the [`Resource`] implementation, which
//! only dispatches: the schema is `description`, create `create`, delete `delete`, plan-time
//! removal checks `removal`, import `import`, the sentences users read `messages`, and the
//! private state `private_state`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tf_provider_framework::diag::{Diagnostic, Diagnostics};
use tf_provider_framework::identity::ResourceIdentity;
use tf_provider_framework::resource::{Context, ImportId, Outcome, Removal, Resource, StateMover};
use tf_provider_framework::schema::Schema;
use tf_provider_framework::timeouts;
use tf_provider_framework::value::Value;
use tokio::time::Instant;

use super::description::{self, DEFAULT_TIMEOUT, DEPLOY_ARGUMENT};
use super::key::{AssociationKey, PlannedRemovals};
use super::kind::{Association, Scope};
use super::messages;
use super::moved::hashicorp_aws_mover;
use super::mutations::{Deploy, ParentWatch};
use super::observation::Observation;
use crate::aws::clients::{AwsClients, RegionClients};
use crate::aws::error::AwsError;
use crate::aws::region;
use crate::aws::waiter::poller::StatusCall;
use crate::aws::waiter::shared::{Announced, Window};
use crate::aws::waiter::{
    MutationFailure, Rules, Schedule, SharedCalls, WaitError, WaiterEngine, mutate,
};

/// How long a status call may take before the poller abandons it, beyond the SDK's own attempt
/// timeout: a safety margin, so the SDK's limit is the one that normally applies.
const STATUS_CALL_MARGIN: Duration = Duration::from_secs(1);

/// How long a deployment waits for the other operations on the same parent: 300 ms for those
/// Terraform is still handing over, then up to 2 s for those that announced they will ask
/// (their associate or disassociate is on its way).
const DEPLOY_BATCH: Window = Window {
    least: Duration::from_millis(300),
    most: Duration::from_secs(2),
};

/// Where an operation on one object takes place: the object's effective region and that
/// region's clients. The region is part of every key the shared status polls and deployments go
/// by, so the same parent ID in two regions never shares a poll, a listing or a deployment.
pub(super) struct Place {
    region: String,
    pub(super) clients: Arc<RegionClients>,
}

impl Place {
    /// The key of `parent`'s shared status poll and deployments.
    pub(super) fn shared_key(&self, parent: &str) -> String {
        format!("{}/{parent}", self.region)
    }
}

/// Any [`Association`] served as a Terraform resource.
pub struct AssociationResource<A: Association> {
    pub(super) association: Arc<A>,
    pub(super) waiters: WaiterEngine<Observation>,
    /// Deployments of staged changes, shared by the operations on one parent.
    pub(super) deployments: SharedCalls,
    /// Associations of this kind that plans in this provider process remove (Terraform plans a
    /// whole configuration with one provider process).
    pub(super) planned_removals: PlannedRemovals,
}

impl<A: Association> AssociationResource<A> {
    pub fn new(association: A) -> Self {
        AssociationResource {
            association: Arc::new(association),
            waiters: WaiterEngine::default(),
            deployments: SharedCalls::new(DEPLOY_BATCH),
            planned_removals: PlannedRemovals::default(),
        }
    }

    pub(super) fn name(&self) -> &'static str {
        A::SPEC.type_name
    }

    /// Where operations on `object` (a configuration, plan or state) take place: its
    /// effective region for a regional kind, the provider's for a global one.
    pub(super) fn place(&self, aws: &AwsClients, object: &Value) -> Place {
        let region = if A::SPEC.scope == Scope::Regional {
            region::effective_region(object, aws)
        } else {
            aws.region()
        };
        Place {
            region: region.to_owned(),
            clients: aws.in_region(region),
        }
    }

    /// The kind's own calls, for the list resource.
    pub(super) fn association(&self) -> &A {
        &self.association
    }

    pub(super) fn key_of(&self, state: &Value) -> Result<AssociationKey, Diagnostics> {
        let (parent, member) = A::SPEC.key;
        AssociationKey::of(state.attr_str(parent), state.attr_str(member))
            .ok_or_else(|| messages::incomplete_state(self.name(), parent, member).into())
    }

    /// The parent's shared status call, for the waiter engine.
    pub(super) fn status_call(
        &self,
        aws: &AwsClients,
        place: &Place,
        parent: &str,
    ) -> StatusCall<Observation> {
        let association = self.association.clone();
        let parent = parent.to_owned();
        let clients = place.clients.clone();
        let time_limit = aws.settings.attempt_timeout() + STATUS_CALL_MARGIN;
        StatusCall {
            poll: Arc::new(move |_members: Vec<String>| {
                let (association, clients, parent) =
                    (association.clone(), clients.clone(), parent.clone());
                Box::pin(async move {
                    association
                        .observe(&clients.single_attempt, &parent)
                        .await
                        .map(|listing| listing.into_map())
                        .map_err(|error| error.passing_if(A::SPEC.quirks.transient_read_codes))
                })
            }),
            time_limit,
            lists_everything: true,
        }
    }

    /// Where an operation on `key` waits while AWS refuses it because another change on the
    /// parent is under way: the parent's shared status poll.
    pub(super) fn parent_watch<'a>(
        &'a self,
        ctx: &Context<AwsClients>,
        place: &Place,
        key: &'a AssociationKey,
    ) -> ParentWatch<'a> {
        ParentWatch {
            waiters: &self.waiters,
            call: self.status_call(&ctx.client, place, &key.parent),
            poll_key: place.shared_key(&key.parent),
            key,
        }
    }

    /// How the waiter engine sends a mutation of this resource: the default retry schedule,
    /// until `deadline`, allowing AWS's listings the provider's consistency time.
    pub(super) fn rules(
        &self,
        ctx: &Context<AwsClients>,
        deadline: Instant,
        look_first: bool,
    ) -> Rules {
        Rules {
            retry: Schedule::RETRY,
            deadline,
            settle: ctx.client.settings.consistency_timeout(),
            look_first,
        }
    }

    /// The state after an operation: the planned or prior values, the key, what AWS reported,
    /// and null for anything still unknown (Terraform accepts only wholly known results).
    pub(super) fn state_with(
        &self,
        base: &Value,
        place: &Place,
        key: &AssociationKey,
        observation: Option<&Observation>,
    ) -> Value {
        let mut fields = base.as_object().cloned().unwrap_or_default();
        if A::SPEC.scope == Scope::Regional {
            fields.insert(region::REGION.into(), Value::string(&place.region));
        }
        let (parent_attr, member_attr) = A::SPEC.key;
        fields.insert("id".into(), Value::string(self.association.id(key)));
        fields.insert(parent_attr.into(), Value::string(&key.parent));
        fields.insert(member_attr.into(), Value::string(&key.member));
        if let Some(observation) = observation {
            for (name, value) in &observation.attributes {
                fields.insert((*name).into(), value.clone());
            }
        }
        for value in fields.values_mut() {
            if value.is_unknown() {
                *value = Value::Null;
            }
        }
        Value::Object(fields)
    }

    /// The import ID of `key` in `place`: with the `@region` suffix when the region is not the
    /// provider's, so the ID a message offers imports the object it names.
    pub(super) fn import_id_in(
        &self,
        aws: &AwsClients,
        place: &Place,
        key: &AssociationKey,
    ) -> String {
        let id = key.to_string();
        if A::SPEC.scope == Scope::Regional && place.region != aws.region() {
            format!("{id}@{}", place.region)
        } else {
            id
        }
    }

    pub(super) fn timeout(value: &Value, operation: &str) -> Result<Duration, Diagnostics> {
        timeouts::resolve(value, operation, DEFAULT_TIMEOUT).map_err(Diagnostics::from)
    }

    /// A diagnostic for an AWS error that ended an operation.
    pub(super) fn aws_error(
        &self,
        summary: String,
        error: &AwsError,
        aws: &AwsClients,
    ) -> Diagnostic {
        messages::aws_error(summary, error, aws, A::SPEC.operations.service)
    }

    /// A diagnostic for a wait for `key` to be `action` that `error` ended.
    pub(super) fn wait_error(
        &self,
        action: &str,
        key: &AssociationKey,
        error: WaitError,
        last_state: Option<&str>,
        timeout: Duration,
        aws: &AwsClients,
    ) -> Diagnostic {
        let id = self.association.id(key);
        let ended = messages::WaitEnded {
            name: self.name(),
            id: &id,
            action,
            last_state,
            timeout,
        };
        messages::wait_error(ended, error, |summary, error| {
            self.aws_error(summary, error, aws)
        })
    }

    /// Whether this resource carries out staged changes itself: the kind stages them and the
    /// configuration does not opt out with `deploy = false`.
    pub(super) fn deploys(&self, config: &Value) -> bool {
        A::SPEC.operations.deploy.is_some()
            && !matches!(config.attr(DEPLOY_ARGUMENT), Some(Value::Bool(false)))
    }

    /// Carries out the staged changes of `key`'s parent: one deployment for every operation on
    /// that parent that asks before it is sent (`announced`: this operation's word that it
    /// would). While AWS says another deployment runs, it waits on the parent's status poll
    /// for that one's end, or until that one has taken this change along; while the parent
    /// passes through a state that refuses it, it is sent again later.
    pub(super) async fn deploy(
        &self,
        ctx: &Context<AwsClients>,
        place: &Place,
        key: &AssociationKey,
        announced: Option<&mut Announced<'_>>,
        deadline: Instant,
    ) -> Result<(), AwsError> {
        let operation = A::SPEC.operations.deploy.unwrap_or("deployment");
        let parent = key.parent.as_str();
        self.deployments
            .run(&place.shared_key(parent), announced, || async {
                tracing::info!(
                    resource = self.name(),
                    parent,
                    operation,
                    "deploying staged changes"
                );
                let deploy = Deploy {
                    association: self.association.as_ref(),
                    clients: &place.clients,
                    parent,
                    watch: Some(self.parent_watch(ctx, place, key)),
                };
                match mutate(self.rules(ctx, deadline, false), &ctx.stop, &deploy).await {
                    Ok(()) => Ok(()),
                    Err(MutationFailure::Refused { error, .. }) => Err(error),
                    Err(MutationFailure::TimedOut { last_error, .. }) => Err(last_error
                        .unwrap_or_else(|| AwsError::no_answer(operation, deadline.elapsed()))),
                    Err(MutationFailure::Interrupted { .. }) => {
                        Err(AwsError::no_answer(operation, Duration::ZERO))
                    }
                    Err(MutationFailure::InEffectBefore(())) => Ok(()),
                }
            })
            .await
    }

    /// What ended a step that failed with `error`: Terraform's stop, the deadline, or AWS.
    pub(super) fn interruption_or(
        &self,
        ctx: &Context<AwsClients>,
        deadline: Instant,
        error: AwsError,
    ) -> WaitError {
        if ctx.stop.is_cancelled() {
            WaitError::Interrupted
        } else if Instant::now() >= deadline {
            WaitError::Timeout
        } else {
            WaitError::Aws(error)
        }
    }
}

#[async_trait]
impl<A: Association> Resource<AwsClients> for AssociationResource<A> {
    fn type_name(&self) -> &'static str {
        A::SPEC.type_name
    }

    fn schema(&self) -> Schema {
        description::schema::<A>()
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        description::validate::<A>(config)
    }

    /// A regional kind's `region` defaults to the provider's.
    fn provider_defaults(&self, aws: &AwsClients) -> BTreeMap<String, Value> {
        if A::SPEC.scope == Scope::Regional {
            [(region::REGION.to_owned(), Value::string(aws.region()))].into()
        } else {
            BTreeMap::new()
        }
    }

    async fn create(&self, ctx: &Context<AwsClients>, planned: &Value) -> Outcome {
        self.create_association(ctx, planned).await
    }

    /// An update changes only what the provider itself uses (`timeouts`, `deploy`): nothing is
    /// sent to AWS, and what AWS reported stays as it was.
    async fn update(&self, _ctx: &Context<AwsClients>, prior: &Value, planned: &Value) -> Outcome {
        let mut fields = planned.as_object().cloned().unwrap_or_default();
        for (name, value) in fields.iter_mut() {
            if value.is_unknown() {
                *value = prior.attr(name).cloned().unwrap_or(Value::Null);
            }
        }
        Outcome::ok(Value::Object(fields))
    }

    async fn read(&self, ctx: &Context<AwsClients>, current: &Value) -> Outcome {
        let key = match self.key_of(current) {
            Ok(key) => key,
            Err(diags) => {
                return Outcome::kept(current.clone(), diags);
            }
        };
        let aws = &ctx.client;
        let place = self.place(aws, current);
        // Reads of one parent share a status call with each other and with any wait on it.
        let observed = self
            .waiters
            .read(
                &place.shared_key(&key.parent),
                &key.member,
                self.status_call(aws, &place, &key.parent),
                Instant::now() + aws.settings.call_timeout(),
                &ctx.stop,
            )
            .await;
        match observed {
            Ok(Some(observation)) if observation.phase.is_live() => {
                Outcome::ok(self.state_with(current, &place, &key, Some(&observation)))
            }
            Ok(_) => {
                tracing::info!(resource = self.name(), id = %self.association.id(&key), "association no longer exists; removing it from state");
                Outcome::gone()
            }
            // An error never drops the association from state.
            Err(error) => Outcome::kept(
                current.clone(),
                self.aws_error(format!("Could not read {}", self.name()), &error, aws)
                    .into(),
            ),
        }
    }

    async fn delete(&self, ctx: &Context<AwsClients>, prior: &Value) -> Diagnostics {
        self.delete_association(ctx, prior).await
    }

    fn import(&self, id: &str) -> Result<Value, Diagnostics> {
        self.import_state(id)
    }

    fn identity(&self) -> Option<&dyn ResourceIdentity<AwsClients>> {
        Some(self)
    }

    fn import_id(&self) -> Option<ImportId> {
        Some(self.import_id_form())
    }

    async fn plan_removal(
        &self,
        ctx: &Context<AwsClients>,
        prior: &Value,
        removal: Removal,
    ) -> Diagnostics {
        self.check_removal(ctx, prior, removal).await
    }

    /// hashicorp/aws's resource for the same association, where it has one.
    fn state_movers(&self) -> Vec<StateMover> {
        hashicorp_aws_mover(self.association.clone(), &description::schema::<A>().block)
            .into_iter()
            .collect()
    }
}
