//! What every association resource shares: the [`Association`] trait a resource file implements,
//! and [`AssociationResource`], which turns any association into a Terraform resource with the
//! same create, read, delete, import and validation behaviour.
//!
//! A resource file says how to talk to AWS (associate, observe, disassociate) and what AWS's
//! states mean; this module decides what a Terraform user sees, and the waiter engine decides how
//! long to wait.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use super::clients::AwsClients;
use super::error::AwsError;
use super::ids::IdFormat;
use super::waiter::{PollFn, Verdict, WaitError, WaiterEngine, retry_while_busy};
use tf_provider_framework::diag::{AttributePath, Diagnostic, Diagnostics};
use tf_provider_framework::resource::{Context, Outcome, Resource};
use tf_provider_framework::schema::{Attribute, Block, DescriptionKind, Schema, null_object};
use tf_provider_framework::timeouts;
use tf_provider_framework::value::{Type, Value};

/// Both operations default to 30 minutes, like hashicorp/aws's association resources.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Where an association stands, in the terms a wait cares about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Being created (associating, PENDING, installing).
    Pending,
    /// Usable (associated, AVAILABLE, COMPLETED).
    Ready,
    /// Creation failed; AWS's own explanation.
    Failed(String),
    /// Being removed.
    Deleting,
    /// Removed, though AWS may still list it for a while (disassociated, DELETED, REMOVED).
    Gone,
}

/// One look at an association, as a status call reports it.
#[derive(Clone, Debug)]
pub struct Observation {
    pub phase: Phase,
    /// AWS's own state word, shown in messages.
    pub state: String,
    /// Attributes the answer carries, by schema name (computed ones, and for an import the
    /// arguments the import ID does not give).
    pub attributes: Vec<(&'static str, Value)>,
}

/// Which parent an association belongs to and its name within that parent. The parent's status
/// call answers for all its associations; the pair is also the import ID.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AssociationKey {
    pub parent: String,
    pub member: String,
}

/// What a disassociate call found.
#[derive(Debug, PartialEq, Eq)]
pub enum Disassociation {
    /// AWS accepted it; the association goes away over time.
    Started,
    /// AWS answered that there is nothing to disassociate.
    AlreadyGone,
}

impl Disassociation {
    /// Reads a disassociate call's answer: success starts the removal, and an error whose code
    /// is one of the service's `not_found` codes means there was nothing left to remove.
    pub fn from_answer<T>(
        answer: Result<T, AwsError>,
        not_found: &[&str],
    ) -> Result<Self, AwsError> {
        match answer {
            Ok(_) => Ok(Disassociation::Started),
            Err(error) if error.has_any_code(not_found) => Ok(Disassociation::AlreadyGone),
            Err(error) => Err(error),
        }
    }
}

/// One attribute of an association resource besides `id` and `timeouts`.
#[derive(Clone, Copy, Debug)]
pub struct AttributeSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub role: Role,
    /// The ID format the value must have: checked at plan time for arguments, and for every
    /// attribute that is part of the import ID.
    pub format: Option<IdFormat>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Set by the user; changing it replaces the association.
    Required,
    /// May be set by the user; changing it replaces the association.
    Optional,
    /// Reported by AWS and free to change (a state).
    Computed,
    /// Reported by AWS and fixed for the association's lifetime (an ID).
    ComputedStable,
}

impl AttributeSpec {
    pub const fn required(name: &'static str, format: IdFormat, description: &'static str) -> Self {
        AttributeSpec {
            name,
            description,
            role: Role::Required,
            format: Some(format),
        }
    }

    pub const fn optional(name: &'static str, format: IdFormat, description: &'static str) -> Self {
        AttributeSpec {
            name,
            description,
            role: Role::Optional,
            format: Some(format),
        }
    }

    pub const fn computed(name: &'static str, description: &'static str) -> Self {
        AttributeSpec {
            name,
            description,
            role: Role::Computed,
            format: None,
        }
    }

    pub const fn computed_id(
        name: &'static str,
        format: IdFormat,
        description: &'static str,
    ) -> Self {
        AttributeSpec {
            name,
            description,
            role: Role::ComputedStable,
            format: Some(format),
        }
    }
}

#[async_trait]
pub trait Association: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;

    /// Markdown for the registry docs and `tofu providers schema`.
    fn description(&self) -> &'static str;

    fn attributes(&self) -> Vec<AttributeSpec>;

    /// The attributes holding the parent and the member; `"parent,member"` is the import ID.
    fn key_attributes(&self) -> (&'static str, &'static str);

    /// The `id` attribute; by default the import ID, so `id` and import agree.
    fn id(&self, key: &AssociationKey) -> String {
        format!("{},{}", key.parent, key.member)
    }

    /// Calls AWS's associate operation with the arguments in `config`.
    async fn associate(
        &self,
        aws: &AwsClients,
        config: &Value,
    ) -> Result<(AssociationKey, Observation), AwsError>;

    /// One status call for `parent`, answering for `members` (a missing member is gone; an
    /// unknown parent means all of them are gone).
    async fn observe(
        &self,
        aws: &AwsClients,
        parent: &str,
        members: &[String],
    ) -> Result<HashMap<String, Observation>, AwsError>;

    /// Calls AWS's disassociate operation; the service's not-found answers mean `AlreadyGone`.
    async fn disassociate(
        &self,
        aws: &AwsClients,
        key: &AssociationKey,
    ) -> Result<Disassociation, AwsError>;

    /// The disassociate call with DryRun, for services that have it: `Some(Ok)` when AWS would
    /// allow it, `Some(Err)` with AWS's refusal, `None` when the service has no DryRun.
    async fn preflight_disassociate(
        &self,
        _aws: &AwsClients,
        _key: &AssociationKey,
    ) -> Option<Result<(), AwsError>> {
        None
    }
}

/// Any [`Association`] served as a Terraform resource.
pub struct AssociationResource<A: Association> {
    association: Arc<A>,
    waiters: WaiterEngine<Observation>,
}

impl<A: Association> AssociationResource<A> {
    pub fn new(association: A) -> Self {
        AssociationResource {
            association: Arc::new(association),
            waiters: WaiterEngine::default(),
        }
    }

    fn key_of(&self, state: &Value) -> Result<AssociationKey, Diagnostics> {
        let (parent, member) = self.association.key_attributes();
        match (state.attr_str(parent), state.attr_str(member)) {
            (Some(parent), Some(member)) => Ok(AssociationKey { parent: parent.to_owned(), member: member.to_owned() }),
            _ => Err(Diagnostic::error(
                "Incomplete state",
                format!(
                    "The state of this {} lacks `{parent}` or `{member}`, so the association cannot be found. \
                     Import it again with `terraform import`.",
                    self.association.type_name()
                ),
            )
            .into()),
        }
    }

    fn poll_fn(&self, aws: Arc<AwsClients>, parent: &str) -> PollFn<Observation> {
        let association = self.association.clone();
        let parent = parent.to_owned();
        Arc::new(move |members: Vec<String>| {
            let (association, aws, parent) = (association.clone(), aws.clone(), parent.clone());
            Box::pin(async move { association.observe(&aws, &parent, &members).await })
        })
    }

    /// The state after an operation: the planned or prior values, the key, what AWS reported,
    /// and null for anything still unknown (Terraform accepts only wholly known results).
    fn state_with(
        &self,
        base: &Value,
        key: &AssociationKey,
        observation: Option<&Observation>,
    ) -> Value {
        let mut fields = base.as_object().cloned().unwrap_or_default();
        let (parent_attr, member_attr) = self.association.key_attributes();
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
    fn key_formats(&self) -> (Option<IdFormat>, Option<IdFormat>) {
        let (parent_attr, member_attr) = self.association.key_attributes();
        let formats: BTreeMap<&str, IdFormat> = self
            .association
            .attributes()
            .into_iter()
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

    fn timeout(value: &Value, operation: &str) -> Result<Duration, Diagnostics> {
        timeouts::resolve(value, operation, DEFAULT_TIMEOUT).map_err(Diagnostics::from)
    }

    fn wait_error(
        &self,
        action: &str,
        key: &AssociationKey,
        error: WaitError,
        last_state: Option<&str>,
        timeout: Duration,
    ) -> Diagnostic {
        let name = self.association.type_name();
        let id = self.association.id(key);
        match error {
            WaitError::Timeout => Diagnostic::error(
                format!("Timed out waiting for {name} {id} to be {action}"),
                format!(
                    "AWS did not report the association {action} within {}{}. The association stays in the \
                     Terraform state; run the command again to resume waiting, or raise `timeouts`.",
                    humanize(timeout),
                    last_state
                        .map(|s| format!(" (last state: {s})"))
                        .unwrap_or_default(),
                ),
            ),
            WaitError::Interrupted => Diagnostic::error(
                format!("Interrupted while waiting for {name} {id} to be {action}"),
                "Terraform asked the provider to stop. The association stays in the Terraform state; \
                 run the command again to resume.",
            ),
            WaitError::Failed(message) => {
                Diagnostic::error(format!("{name} {id} could not be {action}"), message)
            }
            WaitError::Aws(error) => Diagnostic::error(
                format!("{name} {id} could not be {action}"),
                error.to_string(),
            ),
        }
    }
}

/// A duration the way users write timeouts: `30m`, `1h30m`, `45s`, `1500ms`.
fn humanize(duration: Duration) -> String {
    if duration.subsec_millis() != 0 {
        return format!("{}ms", duration.as_millis());
    }
    let secs = duration.as_secs();
    let (hours, minutes, seconds) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut text = String::new();
    if hours > 0 {
        text.push_str(&format!("{hours}h"));
    }
    if minutes > 0 {
        text.push_str(&format!("{minutes}m"));
    }
    if seconds > 0 || text.is_empty() {
        text.push_str(&format!("{seconds}s"));
    }
    text
}

#[async_trait]
impl<A: Association> Resource<AwsClients> for AssociationResource<A> {
    fn type_name(&self) -> &'static str {
        self.association.type_name()
    }

    fn schema(&self) -> Schema {
        let mut attributes = vec![Attribute::computed(
            "id",
            Type::String,
            "The identifier Terraform tracks: the association ID where AWS has one, otherwise the import ID.",
        )
        .use_state_for_unknown()];
        for spec in self.association.attributes() {
            let attribute = match spec.role {
                Role::Required => Attribute::required(spec.name, Type::String, spec.description)
                    .requires_replace(),
                Role::Optional => Attribute::optional(spec.name, Type::String, spec.description)
                    .requires_replace(),
                Role::Computed => Attribute::computed(spec.name, Type::String, spec.description),
                Role::ComputedStable => {
                    Attribute::computed(spec.name, Type::String, spec.description)
                        .use_state_for_unknown()
                }
            };
            attributes.push(attribute);
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
                description: self.association.description().to_owned(),
                description_kind: DescriptionKind::Markdown,
                deprecated: false,
            },
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        for spec in self.association.attributes() {
            let is_argument = matches!(spec.role, Role::Required | Role::Optional);
            if let (true, Some(format)) = (is_argument, spec.format) {
                if let Some(value) = config.attr_str(spec.name) {
                    if let Err(invalid) = format.check(value) {
                        diags.push(
                            Diagnostic::error(
                                format!("Invalid {}", format.noun),
                                invalid.to_string(),
                            )
                            .at(AttributePath::root(spec.name)),
                        );
                    }
                }
            }
        }
        diags.extend(timeouts::validate(config, &["create", "delete"]));
        diags
    }

    async fn create(&self, ctx: &Context<AwsClients>, planned: &Value) -> Outcome {
        let timeout = match Self::timeout(planned, "create") {
            Ok(timeout) => timeout,
            Err(diags) => return Outcome::failed(diags),
        };
        let deadline = Instant::now() + timeout;
        let association = &self.association;
        let created = retry_while_busy(deadline, &ctx.stop, || {
            association.associate(&ctx.client, planned)
        })
        .await;
        let (key, first) = match created {
            Ok(created) => created,
            Err(error) => {
                let name = association.type_name();
                return Outcome::failed(
                    Diagnostic::error(format!("Could not create {name}"), error.to_string()).into(),
                );
            }
        };
        tracing::info!(resource = association.type_name(), id = %association.id(&key), state = %first.state, "association requested; waiting until ready");

        let mut last = first.clone();
        let mut absent_polls = 0;
        let poll = self.poll_fn(ctx.client.clone(), &key.parent);
        let waited = self
            .waiters
            .wait(&key.parent, &key.member, poll, deadline, &ctx.stop, |seen| match seen {
                // Just-created associations can be missing from a list for a moment.
                None if absent_polls < 5 => {
                    absent_polls += 1;
                    Verdict::Continue
                }
                None => Verdict::Fail("The association disappeared while it was being created.".into()),
                Some(observation) => {
                    last = observation.clone();
                    match &observation.phase {
                        Phase::Ready => Verdict::Done(()),
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
        let state = self.state_with(planned, &key, Some(&last));
        match waited {
            Ok(()) => Outcome::ok(state),
            // The association exists in AWS: keep it in state (Terraform marks it tainted).
            Err(error) => Outcome {
                state: Some(state),
                diagnostics: self
                    .wait_error("created", &key, error, Some(&last.state), timeout)
                    .into(),
            },
        }
    }

    async fn read(&self, ctx: &Context<AwsClients>, current: &Value) -> Outcome {
        let key = match self.key_of(current) {
            Ok(key) => key,
            Err(diags) => {
                return Outcome {
                    state: Some(current.clone()),
                    diagnostics: diags,
                };
            }
        };
        let observed = self
            .association
            .observe(&ctx.client, &key.parent, std::slice::from_ref(&key.member))
            .await;
        match observed {
            Ok(mut answer) => match answer.remove(&key.member) {
                Some(observation) if observation.phase != Phase::Gone => {
                    Outcome::ok(self.state_with(current, &key, Some(&observation)))
                }
                _ => {
                    tracing::info!(resource = self.association.type_name(), id = %self.association.id(&key), "association no longer exists; removing it from state");
                    Outcome::gone()
                }
            },
            Err(error) => Outcome {
                state: Some(current.clone()),
                diagnostics: Diagnostic::error(
                    format!("Could not read {}", self.association.type_name()),
                    error.to_string(),
                )
                .into(),
            },
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
        let association = &self.association;
        let name = association.type_name();
        match retry_while_busy(deadline, &ctx.stop, || {
            association.disassociate(&ctx.client, &key)
        })
        .await
        {
            Ok(Disassociation::AlreadyGone) => {
                tracing::info!(resource = name, id = %association.id(&key), "association already gone");
                return Diagnostics::new();
            }
            Ok(Disassociation::Started) => {}
            Err(error) => {
                return self
                    .wait_error("deleted", &key, error, None, timeout)
                    .into();
            }
        }
        tracing::info!(resource = name, id = %association.id(&key), "disassociation requested; waiting until gone");

        let mut last_state: Option<String> = None;
        let poll = self.poll_fn(ctx.client.clone(), &key.parent);
        let waited = self
            .waiters
            .wait(
                &key.parent,
                &key.member,
                poll,
                deadline,
                &ctx.stop,
                |seen| match seen {
                    None => Verdict::Done(()),
                    Some(observation) if observation.phase == Phase::Gone => Verdict::Done(()),
                    // Anything else, including a stale `associated` right after the call, is "not yet".
                    Some(observation) => {
                        last_state = Some(observation.state.clone());
                        Verdict::Continue
                    }
                },
            )
            .await;
        match waited {
            Ok(()) => Diagnostics::new(),
            Err(error) => self
                .wait_error("deleted", &key, error, last_state.as_deref(), timeout)
                .into(),
        }
    }

    fn import(&self, id: &str) -> Result<Value, Diagnostics> {
        let (parent_attr, member_attr) = self.association.key_attributes();
        let (parent_format, member_format) = self.key_formats();
        let example = self.import_example();
        let wrong = |why: String| {
            Diagnostics::from(Diagnostic::error(
                "Invalid import ID",
                format!(
                    "{why}. The import ID of {} is `{parent_attr},{member_attr}`, for example {example:?}.",
                    self.association.type_name()
                ),
            ))
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
        let base = null_object(&self.schema().block);
        Ok(self.state_with(&base, &key, None))
    }

    fn import_id_example(&self) -> Option<String> {
        Some(self.import_example())
    }

    async fn plan_destroy(&self, ctx: &Context<AwsClients>, prior: &Value) -> Diagnostics {
        if !ctx.client.settings.preflight_dry_run {
            return Diagnostics::new();
        }
        let Ok(key) = self.key_of(prior) else {
            return Diagnostics::new();
        };
        match self.association.preflight_disassociate(&ctx.client, &key).await {
            Some(Err(error)) => Diagnostic::error(
                format!("Preflight: AWS would refuse to delete {} {}", self.type_name(), self.association.id(&key)),
                format!(
                    "`preflight_dry_run` sent the disassociate call with DryRun and AWS refused it: {error}. \
                     Nothing was changed; fix the permissions before applying this destroy."
                ),
            )
            .into(),
            _ => Diagnostics::new(),
        }
    }
}
