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

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tf_provider_framework::diag::{AttributePath, Diagnostic, Diagnostics};
use tf_provider_framework::identity::ResourceIdentity;
use tf_provider_framework::resource::{Context, ImportId, Outcome, Removal, Resource, StateMover};
use tf_provider_framework::schema::{Attribute, Block, DescriptionKind, Schema, null_object};
use tf_provider_framework::timeouts::{self, format_duration};
use tf_provider_framework::value::{Type, Value};
use tokio::time::Instant;

use super::moved::hashicorp_aws_mover;
use super::mutations::{Associate, Deploy, Disassociate, ParentWatch};
use super::{
    Association, AssociationKey, AttributeSpec, Disassociation, Observation, Phase,
    PlannedRemovals, Role, Scope,
};
use crate::aws::clients::{AwsClients, RegionClients};
use crate::aws::error::{AwsError, ErrorKind, dry_run_permitted};
use crate::aws::ids::IdFormat;
use crate::aws::region;
use crate::aws::waiter::poller::StatusCall;
use crate::aws::waiter::shared::{Announced, Window};
use crate::aws::waiter::{
    MutationFailure, Rules, Schedule, SharedCalls, Transition, Verdict, WaitError, WaiterEngine,
    mutate,
};

/// Both operations default to 30 minutes, like hashicorp/aws's association resources.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

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

/// The argument of a kind whose changes are staged until deployed.
const DEPLOY_ARGUMENT: &str = "deploy";

/// Where an operation on one object takes place: the object's effective region and that
/// region's clients. The region is part of every key the shared status polls and deployments go
/// by, so the same parent ID in two regions never shares a poll, a listing or a deployment.
pub(super) struct Place {
    region: String,
    pub(super) clients: Arc<RegionClients>,
}

impl Place {
    /// The key of `parent`'s shared status poll and deployments.
    fn shared_key(&self, parent: &str) -> String {
        format!("{}/{parent}", self.region)
    }
}

/// Any [`Association`] served as a Terraform resource.
pub struct AssociationResource<A: Association> {
    association: Arc<A>,
    waiters: WaiterEngine<Observation>,
    /// Deployments of staged changes, shared by the operations on one parent.
    deployments: SharedCalls,
    /// Associations of this kind that plans in this provider process remove (Terraform plans a
    /// whole configuration with one provider process).
    planned_removals: PlannedRemovals,
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

    fn name(&self) -> &'static str {
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

    fn key_of(&self, state: &Value) -> Result<AssociationKey, Diagnostics> {
        let (parent, member) = A::SPEC.key;
        match (state.attr_str(parent), state.attr_str(member)) {
            (Some(parent), Some(member)) => Ok(AssociationKey {
                parent: parent.to_owned(),
                member: member.to_owned(),
            }),
            _ => Err(Diagnostic::error(
                "Incomplete state",
                format!(
                    "The state of this {} lacks `{parent}` or `{member}`, so the association \
                     cannot be found. Import it again with `terraform import`.",
                    self.name()
                ),
            )
            .into()),
        }
    }

    /// The parent's shared status call, for the waiter engine.
    fn status_call(
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
                        .map_err(|error| error.passing_if(A::SPEC.transient_read_codes))
                })
            }),
            time_limit,
            lists_everything: true,
        }
    }

    /// Where an operation on `key` waits while AWS refuses it because another change on the
    /// parent is under way: the parent's shared status poll.
    fn parent_watch<'a>(
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

    /// The ID formats of the parent and member attributes, which make up the import ID.
    pub(super) fn key_formats(&self) -> (Option<IdFormat>, Option<IdFormat>) {
        let (parent_attr, member_attr) = A::SPEC.key;
        let formats: BTreeMap<&str, IdFormat> = A::SPEC
            .attributes
            .iter()
            .filter_map(|spec| Some((spec.name, spec.format?)))
            .collect();
        (
            formats.get(parent_attr).copied(),
            formats.get(member_attr).copied(),
        )
    }

    fn import_example(&self) -> String {
        let (parent, member) = self.key_formats();
        format!(
            "{},{}",
            parent.map_or("<parent>", |f| f.example),
            member.map_or("<member>", |f| f.example)
        )
    }

    /// The import ID of `key` in `place`: with the `@region` suffix when the region is not the
    /// provider's, so the ID a message offers imports the object it names.
    fn import_id_in(&self, aws: &AwsClients, place: &Place, key: &AssociationKey) -> String {
        let id = format!("{},{}", key.parent, key.member);
        if A::SPEC.scope == Scope::Regional && place.region != aws.region() {
            format!("{id}@{}", place.region)
        } else {
            id
        }
    }

    fn timeout(value: &Value, operation: &str) -> Result<Duration, Diagnostics> {
        timeouts::resolve(value, operation, DEFAULT_TIMEOUT).map_err(Diagnostics::from)
    }

    /// A diagnostic for an AWS error that ended an operation, saying what to fix when the user
    /// must act (credentials, permissions).
    pub(super) fn aws_error(
        &self,
        summary: String,
        error: &AwsError,
        aws: &AwsClients,
    ) -> Diagnostic {
        let detail = match error.kind {
            ErrorKind::Credentials => format!(
                "AWS credentials could not be obtained or were not accepted. They come from {}. \
                 {error}. Fix that source and run the command again: for example check that the \
                 profile exists and its files are readable, renew an expired SSO session with \
                 `aws sso login`, or check that the role's trust policy allows this identity.",
                aws.credential_source
            ),
            ErrorKind::Denied => format!(
                "AWS denied the call to the identity from {}: {error}. Grant the IAM permission \
                 `{}:{}` and run the command again.",
                aws.credential_source,
                A::SPEC.iam_service,
                error.operation
            ),
            _ => error.to_string(),
        };
        Diagnostic::error(summary, detail)
    }

    fn wait_error(
        &self,
        action: &str,
        key: &AssociationKey,
        error: WaitError,
        last_state: Option<&str>,
        timeout: Duration,
        aws: &AwsClients,
    ) -> Diagnostic {
        let name = self.name();
        let id = self.association.id(key);
        match error {
            WaitError::Timeout => Diagnostic::error(
                format!("Timed out waiting for {name} {id} to be {action}"),
                format!(
                    "AWS did not report the association {action} within {}{}. The association \
                     stays in the Terraform state; run the command again to resume waiting, or \
                     raise `timeouts`.",
                    format_duration(timeout),
                    last_state
                        .map(|s| format!(" (last state: {s})"))
                        .unwrap_or_default(),
                ),
            ),
            WaitError::Interrupted => Diagnostic::error(
                format!("Interrupted while waiting for {name} {id} to be {action}"),
                "Terraform asked the provider to stop. The association stays in the Terraform \
                 state; run the command again to resume.",
            ),
            WaitError::Failed(message) => {
                Diagnostic::error(format!("{name} {id} could not be {action}"), message)
            }
            WaitError::Aws(error) => {
                self.aws_error(format!("{name} {id} could not be {action}"), &error, aws)
            }
        }
    }

    /// Whether this resource carries out staged changes itself: the kind stages them and the
    /// configuration does not opt out with `deploy = false`.
    fn deploys(&self, config: &Value) -> bool {
        A::SPEC.deployment.is_some()
            && !matches!(config.attr(DEPLOY_ARGUMENT), Some(Value::Bool(false)))
    }

    /// Carries out the staged changes of `key`'s parent: one deployment for every operation on
    /// that parent that asks before it is sent (`announced`: this operation's word that it
    /// would). While AWS says another deployment runs, it waits on the parent's status poll
    /// for that one's end, or until that one has taken this change along; while the parent
    /// passes through a state that refuses it, it is sent again later.
    async fn deploy(
        &self,
        ctx: &Context<AwsClients>,
        place: &Place,
        key: &AssociationKey,
        announced: Option<&mut Announced<'_>>,
        deadline: Instant,
    ) -> Result<(), AwsError> {
        let operation = A::SPEC.deployment.unwrap_or("deployment");
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
                let rules = Rules {
                    retry: Schedule::RETRY,
                    deadline,
                    settle: ctx.client.settings.consistency_timeout(),
                    look_first: false,
                };
                match mutate(rules, &ctx.stop, &deploy).await {
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
    fn interruption_or(
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

    /// Waits until a new association is ready; `first` is what the associate call reported.
    /// With `staged_is_done` (the user deploys by other means) the wait ends once AWS has staged
    /// the change.
    async fn wait_until_ready(
        &self,
        ctx: &Context<AwsClients>,
        place: &Place,
        key: &AssociationKey,
        first: Observation,
        staged_is_done: bool,
        deadline: Instant,
    ) -> (Observation, Result<(), WaitError>) {
        let mut last = first;
        // Lists are eventually consistent: a new association may be missing from them for a
        // while, measured in time (polls may come fast).
        let allowance = ctx.client.settings.consistency_timeout();
        let unlisted_until = Instant::now() + allowance;
        let call = self.status_call(&ctx.client, place, &key.parent);
        let waited = self
            .waiters
            .wait(&place.shared_key(&key.parent), &key.member, call, Transition::Create, None, deadline, &ctx.stop, |seen| match seen {
                None if Instant::now() < unlisted_until => Verdict::Continue,
                None => Verdict::Fail(format!(
                    "AWS stopped listing the association while it was being created (it was not listed for {}).",
                    format_duration(allowance)
                )),
                Some(observation) => {
                    last = observation.clone();
                    match &observation.phase {
                        Phase::Ready => Verdict::Done(()),
                        Phase::Pending if staged_is_done && observation.staged => Verdict::Done(()),
                        Phase::Pending => Verdict::Continue,
                        Phase::Failed(message) => Verdict::Fail(format!("AWS reports state {}: {message}", observation.state)),
                        Phase::Deleting | Phase::Gone => Verdict::Fail(format!(
                            "The association is being removed (state {}) while it was being created.",
                            observation.state
                        )),
                    }
                }
            })
            .await;
        (last, waited)
    }

    /// The create failed before AWS confirmed anything. When an attempt may have made the
    /// association and its key is known from the configuration, the key is kept in state: the
    /// next refresh then finds out, and nothing AWS made for us is ever forgotten.
    fn unconfirmed_create(
        &self,
        planned: &Value,
        place: &Place,
        uncertain: bool,
        headline: Diagnostic,
    ) -> Outcome {
        match self.association.planned_key(planned) {
            Some(key) if uncertain => {
                let note = format!(
                    "{} An attempt may have created it in AWS, so it stays in the Terraform \
                     state under the ID {}; the next plan refreshes it and plans a create only \
                     if AWS does not have it.",
                    headline.detail,
                    self.association.id(&key)
                );
                Outcome::kept(
                    self.state_with(planned, place, &key, None),
                    Diagnostic::error(headline.summary, note).into(),
                )
            }
            _ if uncertain => {
                let note = format!(
                    "{} An attempt may have created the association in AWS before its ID was \
                     known. Look for it (for example with the AWS console or CLI) and bring it \
                     under management with `terraform import`.",
                    headline.detail
                );
                Outcome::failed(Diagnostic::error(headline.summary, note).into())
            }
            _ => Outcome::failed(headline.into()),
        }
    }
}

/// How long creating associations of this kind took, as the provider had learned it when this
/// one was created, kept in the resource's private state. A later destroy, in another process
/// that has not seen a removal of this kind yet, uses it as its first guess of how long the
/// removal takes: AWS takes the same order of time both ways (Client VPN: minutes). The waiter
/// trusts a guess only down to half its earliest end and looks a few times before that, so a
/// wrong guess costs a few calls and a bounded lateness, never correctness.
#[derive(Debug, Default, PartialEq)]
struct CreateTime(Option<(Duration, Duration)>);

impl CreateTime {
    fn read(private: &str) -> CreateTime {
        let parsed: Option<serde_json::Value> = serde_json::from_str(private).ok();
        let window = parsed.and_then(|doc| {
            let bounds = doc.get("create_seconds")?.as_array()?;
            let second = |i: usize| {
                bounds
                    .get(i)?
                    .as_f64()
                    .filter(|s| s.is_finite() && (0.0..=86_400.0).contains(s))
                    .map(Duration::from_secs_f64)
            };
            Some((second(0)?, second(1)?))
        });
        CreateTime(window)
    }

    fn write(&self) -> String {
        match self.0 {
            Some((earliest, latest)) => serde_json::json!({
                "create_seconds": [earliest.as_secs_f64(), latest.as_secs_f64()]
            })
            .to_string(),
            None => String::new(),
        }
    }

    fn window(&self) -> Option<(Duration, Duration)> {
        self.0
    }
}

impl From<Option<(Duration, Duration)>> for CreateTime {
    fn from(window: Option<(Duration, Duration)>) -> Self {
        CreateTime(window)
    }
}

/// The rule of [`Role::Alternative`] arguments: exactly one of them is set. A value not known
/// yet may turn out null or not, so the rule only fails on what is already certain: more than
/// one known value (the error is on each after the first), or none at all with nothing unknown
/// (the error is on the first alternative).
fn exactly_one_alternative(attributes: &[AttributeSpec], config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let alternatives: Vec<&'static str> = attributes
        .iter()
        .filter(|spec| spec.role == Role::Alternative)
        .map(|spec| spec.name)
        .collect();
    let Some(first) = alternatives.first() else {
        return diags;
    };
    let listed = alternatives
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let value = |name: &str| config.attr(name).unwrap_or(&Value::Null);
    let given: Vec<&str> = alternatives
        .iter()
        .copied()
        .filter(|name| !value(name).is_null() && !value(name).is_unknown())
        .collect();
    let any_unknown = alternatives.iter().any(|name| value(name).is_unknown());
    match given.as_slice() {
        [] if !any_unknown => diags.push(
            Diagnostic::error(
                "Missing target",
                format!("Exactly one of {listed} must be set; none is."),
            )
            .at(AttributePath::root(*first)),
        ),
        [chosen, others @ ..] => {
            for other in others {
                diags.push(
                    Diagnostic::error(
                        "Conflicting arguments",
                        format!(
                            "`{other}` cannot be set together with `{chosen}`: exactly one of \
                             {listed} must be set."
                        ),
                    )
                    .at(AttributePath::root(*other)),
                );
            }
        }
        [] => {}
    }
    diags
}

/// Fails the create of one resource type on purpose, so a test can show that a panic in one RPC
/// leaves the others running. Compiled into debug builds only.
fn panic_if_asked(type_name: &str) {
    if cfg!(debug_assertions)
        && std::env::var("AWSASSOC_TEST_PANIC_ON_CREATE").is_ok_and(|wanted| wanted == type_name)
    {
        panic!("test-only panic while creating {type_name} (AWSASSOC_TEST_PANIC_ON_CREATE)");
    }
}

#[async_trait]
impl<A: Association> Resource<AwsClients> for AssociationResource<A> {
    fn type_name(&self) -> &'static str {
        A::SPEC.type_name
    }

    fn schema(&self) -> Schema {
        let mut attributes = vec![
            Attribute::computed(
                "id",
                Type::String,
                "The identifier Terraform tracks: the association ID where AWS has one, otherwise the import ID.",
            )
            .use_state_for_unknown(),
        ];
        for spec in A::SPEC.attributes {
            let attribute = match spec.role {
                Role::Required => Attribute::required(spec.name, Type::String, spec.description)
                    .requires_replace(),
                Role::Optional => Attribute::optional(spec.name, Type::String, spec.description)
                    .requires_replace(),
                // Optional and computed: the plan keeps what AWS reported for the forms the
                // configuration leaves out, so naming the same target another way changes
                // nothing, and naming another target replaces the association.
                Role::Alternative => Attribute {
                    computed: true,
                    ..Attribute::optional(spec.name, Type::String, spec.description)
                }
                .requires_replace(),
                Role::Computed => Attribute::computed(spec.name, Type::String, spec.description),
                Role::ComputedStable => {
                    Attribute::computed(spec.name, Type::String, spec.description)
                        .use_state_for_unknown()
                }
            };
            attributes.push(attribute);
        }
        if A::SPEC.scope == Scope::Regional {
            attributes.push(
                Attribute {
                    computed: true,
                    ..Attribute::optional(region::REGION, Type::String, region::DESCRIPTION)
                }
                .requires_replace(),
            );
        }
        if let Some(operation) = A::SPEC.deployment {
            attributes.push(Attribute::optional(
                DEPLOY_ARGUMENT,
                Type::Bool,
                &format!(
                    "Whether the provider calls `{operation}` after associating and after \
                     disassociating, and waits until AWS has carried the change out. Defaults to \
                     `true`. Set it to `false` when the changes are deployed by other means: the \
                     provider then stops waiting once AWS has staged the change \
                     (`PENDING_INSTALL_DEPLOYMENT`, `PENDING_UNINSTALL_DEPLOYMENT`). Changing it \
                     changes nothing in AWS."
                ),
            ));
        }
        Schema {
            version: 0,
            block: Block {
                attributes,
                blocks: vec![timeouts::block(
                    &["create", "delete"],
                    DEFAULT_TIMEOUT,
                    timeouts::Wording {
                        object: "the association",
                        remote: "AWS",
                    },
                )],
                description: A::SPEC.description.to_owned(),
                description_kind: DescriptionKind::Markdown,
                deprecated: false,
            },
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = exactly_one_alternative(A::SPEC.attributes, config);
        for spec in A::SPEC.attributes {
            let is_argument = matches!(
                spec.role,
                Role::Required | Role::Optional | Role::Alternative
            );
            if let (true, Some(format)) = (is_argument, spec.format)
                && let Some(value) = config.attr_str(spec.name)
                && let Err(invalid) = format.check(value)
            {
                diags.push(
                    Diagnostic::error(format!("Invalid {}", format.noun), invalid.to_string())
                        .at(AttributePath::root(spec.name)),
                );
            }
        }
        if A::SPEC.scope == Scope::Regional {
            diags.extend(region::validate(config));
        }
        diags.extend(timeouts::validate(config, &["create", "delete"]));
        diags
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
        let timeout = match Self::timeout(planned, "create") {
            Ok(timeout) => timeout,
            Err(diags) => return Outcome::failed(diags),
        };
        panic_if_asked(self.name());
        let deadline = Instant::now() + timeout;
        let aws = &ctx.client;
        let place = self.place(aws, planned);
        let name = self.name();
        // Creates that start together stage their changes together: the deployment waits for
        // each of them (see `SharedCalls`).
        let mut announced = self
            .association
            .planned_key(planned)
            .filter(|_| self.deploys(planned))
            .map(|key| self.deployments.announce(&place.shared_key(&key.parent)));
        let associate = Associate::new(self.association.as_ref(), &place.clients, planned);
        let rules = Rules {
            retry: Schedule::RETRY,
            deadline,
            settle: ctx.client.settings.consistency_timeout(),
            look_first: true,
        };
        let (key, first) = match mutate(rules, &ctx.stop, &associate).await {
            Ok(created) => created,
            Err(MutationFailure::InEffectBefore((key, _))) => {
                let id = self.import_id_in(aws, &place, &key);
                return Outcome::failed(
                    Diagnostic::error(
                        format!("{name} already exists"),
                        format!(
                            "AWS already has this association (ID {}), made outside this \
                             Terraform configuration. Nothing was changed. To manage it here, \
                             import it: `terraform import <address> {id}`, or add an `import` \
                             block with `id = \"{id}\"`.",
                            self.association.id(&key)
                        ),
                    )
                    .into(),
                );
            }
            Err(
                MutationFailure::Interrupted {
                    adopted: Some((key, first)),
                    ..
                }
                | MutationFailure::TimedOut {
                    adopted: Some((key, first)),
                    ..
                },
            ) => {
                let error = if ctx.stop.is_cancelled() {
                    WaitError::Interrupted
                } else {
                    WaitError::Timeout
                };
                let state = self.state_with(planned, &place, &key, Some(&first));
                return Outcome::kept(
                    state,
                    self.wait_error("created", &key, error, Some(&first.state), timeout, aws)
                        .into(),
                );
            }
            Err(MutationFailure::Interrupted { uncertain, .. }) => {
                let headline = Diagnostic::error(
                    format!("Interrupted while creating {name}"),
                    "Terraform asked the provider to stop before AWS confirmed the association.",
                );
                return self.unconfirmed_create(planned, &place, uncertain, headline);
            }
            Err(MutationFailure::TimedOut {
                uncertain,
                last_error,
                ..
            }) => {
                let headline = Diagnostic::error(
                    format!("Timed out creating {name}"),
                    format!(
                        "AWS did not confirm the association within {}{}. Raise \
                         `timeouts.create` if AWS is this slow.",
                        format_duration(timeout),
                        last_error
                            .map(|e| format!(" (last answer: {e})"))
                            .unwrap_or_default()
                    ),
                );
                return self.unconfirmed_create(planned, &place, uncertain, headline);
            }
            Err(MutationFailure::Refused { error, uncertain }) => {
                let headline = self.aws_error(format!("Could not create {name}"), &error, aws);
                return self.unconfirmed_create(planned, &place, uncertain, headline);
            }
        };
        tracing::info!(resource = name, id = %self.association.id(&key), state = %first.state, "association requested; waiting until ready");

        // From here on the association exists: every outcome keeps it in state (an error makes
        // Terraform mark it tainted).
        let deploys = self.deploys(planned);
        if deploys
            && let Err(error) = self
                .deploy(ctx, &place, &key, announced.as_mut(), deadline)
                .await
        {
            let state = self.state_with(planned, &place, &key, Some(&first));
            let error = self.interruption_or(ctx, deadline, error);
            return Outcome::kept(
                state,
                self.wait_error("created", &key, error, Some(&first.state), timeout, aws)
                    .into(),
            );
        }
        let staged_is_done = A::SPEC.deployment.is_some() && !deploys;
        let (last, waited) = self
            .wait_until_ready(ctx, &place, &key, first, staged_is_done, deadline)
            .await;
        let state = self.state_with(planned, &place, &key, Some(&last));
        match waited {
            Ok(()) => {
                let learned = CreateTime::from(self.waiters.expected(Transition::Create));
                Outcome::ok(state).with_private(learned.write())
            }
            Err(error) => Outcome::kept(
                state,
                self.wait_error("created", &key, error, Some(&last.state), timeout, aws)
                    .into(),
            ),
        }
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
        let timeout = match Self::timeout(prior, "delete") {
            Ok(timeout) => timeout,
            Err(diags) => return diags,
        };
        let key = match self.key_of(prior) {
            Ok(key) => key,
            Err(diags) => return diags,
        };
        let deadline = Instant::now() + timeout;
        let aws = &ctx.client;
        let place = self.place(aws, prior);
        let name = self.name();
        let id = self.association.id(&key);
        let deploys = self.deploys(prior);
        // AWS refuses to disassociate an application whose installation is still staged (a
        // create that was interrupted before its deployment): deploy it first.
        if deploys {
            let mut current = self
                .waiters
                .read(
                    &place.shared_key(&key.parent),
                    &key.member,
                    self.status_call(aws, &place, &key.parent),
                    deadline,
                    &ctx.stop,
                )
                .await;
            // AWS refuses a disassociate while another change on the parent is carried out:
            // wait for its end on the shared poll rather than send a call bound to be refused,
            // and decide on what the poll saw last (an error here is left to the disassociate,
            // which meets the same condition).
            if let Ok(Some(observation)) = &current
                && observation.parent_changing
                && let Ok(freed) = self
                    .parent_watch(ctx, &place, &key)
                    .until_free(deadline, &ctx.stop, false)
                    .await
            {
                current = Ok(freed.last);
            }
            if let Ok(Some(observation)) = current
                && observation.phase == Phase::Pending
                && observation.staged
                && let Err(error) = self.deploy(ctx, &place, &key, None, deadline).await
            {
                let error = self.interruption_or(ctx, deadline, error);
                return self
                    .wait_error(
                        "deleted",
                        &key,
                        error,
                        Some(&observation.state),
                        timeout,
                        aws,
                    )
                    .into();
            }
        }
        // Removals freed together (the parent's last change ended) share one deployment.
        let mut announced =
            deploys.then(|| self.deployments.announce(&place.shared_key(&key.parent)));
        let disassociate = Disassociate {
            association: self.association.as_ref(),
            clients: &place.clients,
            key: &key,
            watch: Some(self.parent_watch(ctx, &place, &key)),
        };
        let rules = Rules {
            retry: Schedule::RETRY,
            deadline,
            settle: ctx.client.settings.consistency_timeout(),
            look_first: false,
        };
        match mutate(rules, &ctx.stop, &disassociate).await {
            Ok(Disassociation::AlreadyGone)
            | Err(MutationFailure::InEffectBefore(Disassociation::AlreadyGone)) => {
                tracing::info!(resource = name, id = %id, "association already gone");
                return Diagnostics::new();
            }
            Ok(Disassociation::Started)
            | Err(MutationFailure::InEffectBefore(Disassociation::Started)) => {}
            Err(MutationFailure::Interrupted { .. }) => {
                return self
                    .wait_error("deleted", &key, WaitError::Interrupted, None, timeout, aws)
                    .into();
            }
            Err(MutationFailure::TimedOut { last_error, .. }) => {
                return self
                    .wait_error(
                        "deleted",
                        &key,
                        WaitError::Timeout,
                        last_error.map(|e| e.to_string()).as_deref(),
                        timeout,
                        aws,
                    )
                    .into();
            }
            Err(MutationFailure::Refused { error, .. }) => {
                return self
                    .wait_error("deleted", &key, WaitError::Aws(error), None, timeout, aws)
                    .into();
            }
        }
        tracing::info!(resource = name, id = %id, "disassociation requested; waiting until gone");

        if deploys
            && let Err(error) = self
                .deploy(ctx, &place, &key, announced.as_mut(), deadline)
                .await
        {
            let error = self.interruption_or(ctx, deadline, error);
            return self
                .wait_error("deleted", &key, error, None, timeout, aws)
                .into();
        }
        let staged_is_done = A::SPEC.deployment.is_some() && !deploys;
        let mut last_state: Option<String> = None;
        // A failure counts only once the removal has been seen under way: right after the call
        // a listing may still show the record as it was before (a failed association that is
        // being disassociated included).
        let mut removal_seen = false;
        let call = self.status_call(aws, &place, &key.parent);
        let waited = self
            .waiters
            .wait(
                &place.shared_key(&key.parent),
                &key.member,
                call,
                Transition::Delete,
                CreateTime::read(&ctx.private).window(),
                deadline,
                &ctx.stop,
                |seen| match seen {
                    None => Verdict::Done(()),
                    Some(observation) if observation.phase == Phase::Gone => Verdict::Done(()),
                    Some(observation)
                        if observation.phase == Phase::Deleting
                            && observation.staged
                            && staged_is_done =>
                    {
                        Verdict::Done(())
                    }
                    Some(Observation {
                        phase: Phase::Failed(reason),
                        state,
                        ..
                    }) if removal_seen => Verdict::Fail(format!(
                        "AWS reports state {state} while removing the association: {reason}"
                    )),
                    // Anything else, including a stale `associated` right after the call, is "not yet".
                    Some(observation) => {
                        removal_seen |= observation.phase == Phase::Deleting;
                        last_state = Some(observation.state.clone());
                        Verdict::Continue
                    }
                },
            )
            .await;
        match waited {
            Ok(()) => Diagnostics::new(),
            Err(error) => self
                .wait_error("deleted", &key, error, last_state.as_deref(), timeout, aws)
                .into(),
        }
    }

    fn import(&self, id: &str) -> Result<Value, Diagnostics> {
        let (parent_attr, member_attr) = A::SPEC.key;
        let (parent_format, member_format) = self.key_formats();
        let example = self.import_example();
        let suffix = if A::SPEC.scope == Scope::Regional {
            ", optionally followed by `@region`"
        } else {
            ""
        };
        let wrong = |why: String| {
            Diagnostics::from(Diagnostic::error(
                "Invalid import ID",
                format!(
                    "{why}. The import ID of {} is `{parent_attr},{member_attr}`{suffix}, for example {example:?}.",
                    self.name()
                ),
            ))
        };
        // Without a suffix the region stays unset here, and the read that follows the import
        // records the provider's.
        let (id, region) = if A::SPEC.scope == Scope::Regional {
            region::split_import_id(id)
        } else {
            (id, None)
        };
        let parts: Vec<&str> = id.split(',').collect();
        let [parent, member] = parts.as_slice() else {
            return Err(wrong(format!(
                "{id:?} has {} comma-separated parts, not 2",
                parts.len()
            )));
        };
        for (value, format) in [(parent, parent_format), (member, member_format)] {
            if let Some(format) = format {
                format
                    .check(value)
                    .map_err(|invalid| wrong(invalid.to_string()))?;
            }
        }
        let key = AssociationKey {
            parent: (*parent).to_owned(),
            member: (*member).to_owned(),
        };
        let mut base = null_object(&self.schema().block);
        if let (Some(region), Value::Object(fields)) = (region, &mut base) {
            fields.insert(region::REGION.into(), Value::string(region));
        }
        let mut fields = base.as_object().cloned().unwrap_or_default();
        let (parent_attr, member_attr) = A::SPEC.key;
        fields.insert("id".into(), Value::string(self.association.id(&key)));
        fields.insert(parent_attr.into(), Value::string(&key.parent));
        fields.insert(member_attr.into(), Value::string(&key.member));
        Ok(Value::Object(fields))
    }

    fn identity(&self) -> Option<&dyn ResourceIdentity<AwsClients>> {
        Some(self)
    }

    fn import_id(&self) -> Option<ImportId> {
        let (parent, member) = A::SPEC.key;
        let region = if A::SPEC.scope == Scope::Regional {
            "; to import from a region other than the provider's, append `@` and the region \
             (`…@eu-west-1`), as hashicorp/aws does"
        } else {
            ""
        };
        Some(ImportId {
            shape: format!("`{parent}` and `{member}`, separated by a comma{region}"),
            example: self.import_example(),
        })
    }

    async fn plan_removal(
        &self,
        ctx: &Context<AwsClients>,
        prior: &Value,
        removal: Removal,
    ) -> Diagnostics {
        let Ok(key) = self.key_of(prior) else {
            return Diagnostics::new();
        };
        let place = self.place(&ctx.client, prior);
        let mut diags = Diagnostics::new();
        if removal == Removal::Destroy {
            diags.extend(self.preflight(ctx, &place, &key).await);
        }
        self.planned_removals.insert(key.clone());
        match self
            .association
            .removal_warnings(&place.clients.reads, &key, &self.planned_removals)
            .await
        {
            Ok(warnings) => warnings.into_iter().for_each(|w| diags.push(w)),
            // Advice only: a plan is never blocked because it could not be given.
            Err(error) => {
                tracing::warn!(error = %error, id = %self.association.id(&key), "could not check what removing the association affects")
            }
        }
        diags
    }

    /// hashicorp/aws's resource for the same association, where it has one.
    fn state_movers(&self) -> Vec<StateMover> {
        hashicorp_aws_mover(self.association.clone(), &self.schema().block)
            .into_iter()
            .collect()
    }
}

impl<A: Association> AssociationResource<A> {
    /// With `preflight_dry_run`, asks AWS (DryRun) whether it would allow the disassociation, so
    /// a refusal stops the plan instead of the apply halfway through.
    async fn preflight(
        &self,
        ctx: &Context<AwsClients>,
        place: &Place,
        key: &AssociationKey,
    ) -> Diagnostics {
        // Services without DryRun have nothing to ask at plan time.
        if !ctx.client.settings.preflight_dry_run || !A::SPEC.dry_run {
            return Diagnostics::new();
        }
        let answer = self
            .association
            .send_disassociate(&place.clients.reads, key, true)
            .await;
        match dry_run_permitted(answer) {
            Err(error) => Diagnostic::error(
                format!(
                    "Preflight: AWS would refuse to delete {} {}",
                    self.name(),
                    self.association.id(key)
                ),
                format!(
                    "`preflight_dry_run` sent the disassociate call with DryRun and AWS refused \
                     it: {error}. Nothing was changed; fix the permissions before applying this \
                     destroy."
                ),
            )
            .into(),
            Ok(()) => Diagnostics::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGETS: &[AttributeSpec] = &[
        AttributeSpec::alternative("subnet_id", None, "a subnet"),
        AttributeSpec::alternative("availability_zone", None, "a zone"),
        AttributeSpec::alternative("availability_zone_id", None, "a zone ID"),
    ];

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut fields: BTreeMap<String, Value> = TARGETS
            .iter()
            .map(|spec| (spec.name.to_owned(), Value::Null))
            .collect();
        for (name, value) in pairs {
            fields.insert((*name).to_owned(), value.clone());
        }
        Value::Object(fields)
    }

    /// The attributes the diagnostics point at.
    fn blamed(diags: &Diagnostics) -> Vec<Option<AttributePath>> {
        diags.iter().map(|d| d.attribute.clone()).collect()
    }

    #[test]
    fn exactly_one_alternative_is_accepted_in_any_form() {
        for name in ["subnet_id", "availability_zone", "availability_zone_id"] {
            let diags = exactly_one_alternative(TARGETS, &config(&[(name, Value::string("x"))]));
            assert!(diags.is_empty(), "{name}: {diags:?}");
        }
    }

    #[test]
    fn two_alternatives_are_an_error_on_the_second() {
        let diags = exactly_one_alternative(
            TARGETS,
            &config(&[
                ("subnet_id", Value::string("subnet-1")),
                ("availability_zone", Value::string("us-east-1a")),
            ]),
        );
        assert_eq!(
            blamed(&diags),
            [Some(AttributePath::root("availability_zone"))],
            "{diags:?}"
        );
    }

    #[test]
    fn no_alternative_is_an_error_on_the_first() {
        let diags = exactly_one_alternative(TARGETS, &config(&[]));
        assert_eq!(
            blamed(&diags),
            [Some(AttributePath::root("subnet_id"))],
            "{diags:?}"
        );
    }

    #[test]
    fn unknown_alternatives_are_never_an_error_yet() {
        for pairs in [
            vec![("availability_zone", Value::Unknown)],
            vec![
                ("subnet_id", Value::string("subnet-1")),
                ("availability_zone", Value::Unknown),
            ],
        ] {
            let diags = exactly_one_alternative(TARGETS, &config(&pairs));
            assert!(diags.is_empty(), "{pairs:?}: {diags:?}");
        }
    }

    #[test]
    fn create_time_round_trips_and_anything_else_is_no_guess() {
        let learned = CreateTime(Some((
            Duration::from_millis(2900),
            Duration::from_millis(3100),
        )));
        assert_eq!(CreateTime::read(&learned.write()), learned);
        for hostile in [
            "",
            "not json",
            "{\"create_seconds\": [1]}",
            "{\"create_seconds\": [-1, 2]}",
            "{\"create_seconds\": [1e300, 2]}",
            "{\"create_seconds\": \"3\"}",
        ] {
            assert_eq!(CreateTime::read(hostile), CreateTime(None), "{hostile}");
        }
        assert_eq!(CreateTime(None).write(), "");
    }
}
