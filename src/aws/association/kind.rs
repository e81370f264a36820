//! One association kind as data and calls: its [`AssociationSpec`] (attributes, key, codes, the
//! AWS operations it makes) and the [`Association`] trait a resource file implements.

use async_trait::async_trait;
use tf_provider_framework::diag::Diagnostic;
use tf_provider_framework::value::Value;

use super::key::{AssociationKey, PlannedRemovals};
use super::observation::{Listing, Observation, StateWords};
use crate::aws::clients::ServiceClients;
use crate::aws::error::AwsError;
use crate::aws::ids::IdFormat;

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
    /// One of the kind's alternative ways to name the member (a Client VPN target network by
    /// subnet, by zone name or by zone ID): exactly one of them is set by the user, and AWS
    /// reports the others where it knows them. Changing it replaces the association.
    Alternative,
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

    /// One of the alternatives exactly one of which the user sets (see [`Role::Alternative`]);
    /// `format`, when the value is an ID.
    pub const fn alternative(
        name: &'static str,
        format: Option<IdFormat>,
        description: &'static str,
    ) -> Self {
        AttributeSpec {
            name,
            description,
            role: Role::Alternative,
            format,
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

/// Where an association kind lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// In one region, the one its clients sign for.
    Regional,
    /// In a global service (NetworkManager's global networks), the same from every region.
    Global,
}

/// The AWS service an association kind talks to: its SDK client and its IAM prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Ec2,
    NetworkManager,
    WorkSpaces,
}

impl Service {
    /// The service's IAM prefix (`ec2`), as permissions and the operation list name it.
    pub const fn prefix(self) -> &'static str {
        match self {
            Service::Ec2 => "ec2",
            Service::NetworkManager => "networkmanager",
            Service::WorkSpaces => "workspaces",
        }
    }
}

/// Every AWS operation a kind calls, by its API name: the only place a resource file names them
/// (its calls take the names from here for errors and messages), and what
/// [`resources::operations`](crate::aws::resources::operations) publishes for the tests that
/// hold the provider's calls against the emulator's.
#[derive(Clone, Copy, Debug)]
pub struct Operations {
    pub service: Service,
    /// Makes the association (`AssociateRouteServer`).
    pub associate: &'static str,
    /// Removes it (`DisassociateRouteServer`); with DryRun, the destroy preflight.
    pub disassociate: &'static str,
    /// Lists every association of one parent (`GetRouteServerAssociations`): every read and
    /// wait.
    pub status: &'static str,
    /// Lists every parent of the region (`DescribeRouteServers`), where AWS can: the list
    /// resource then does without a parent.
    pub parents: Option<&'static str>,
    /// Carries out staged changes (WorkSpaces `DeployWorkspaceApplications`), when the API
    /// stages them: the resource then has a `deploy` argument and calls it after associating
    /// and after disassociating ([`Association::deploy`]).
    pub deploy: Option<&'static str>,
    /// Reads the parent's own state (WorkSpaces `DescribeWorkspaces`), for the
    /// [`parent_state_codes`](ApiQuirks::parent_state_codes).
    pub parent_state: Option<&'static str>,
}

/// An optional operation the kind's spec declares, for a constant of the code that calls it:
/// naming an operation the spec does not declare fails to compile (const evaluation), so the
/// calls and the declaration cannot drift apart.
pub const fn declared(operation: Option<&'static str>) -> &'static str {
    match operation {
        Some(operation) => operation,
        None => panic!("the kind's spec does not declare this operation"),
    }
}

impl Operations {
    /// The three operations every kind calls, on `service`, and none of the optional ones: a
    /// spec names those it has beside it (`..Operations::of(...)`).
    pub const fn of(
        service: Service,
        associate: &'static str,
        disassociate: &'static str,
        status: &'static str,
    ) -> Self {
        Operations {
            service,
            associate,
            disassociate,
            status,
            parents: None,
            deploy: None,
            parent_state: None,
        }
    }

    /// Every operation named here, the optional ones where the kind has them.
    pub fn all(&self) -> Vec<&'static str> {
        [self.associate, self.disassociate, self.status]
            .into_iter()
            .chain(self.parents)
            .chain(self.deploy)
            .chain(self.parent_state)
            .collect()
    }
}

/// How one kind's API departs from the plain case, each field's plain value in
/// [`ApiQuirks::NONE`]: a spec names only the departures (`..ApiQuirks::NONE` for the rest), so
/// a kind's file says what is particular to it and nothing else.
#[derive(Debug)]
pub struct ApiQuirks {
    /// Whether the disassociate call takes `DryRun` (EC2), for the destroy preflight.
    pub dry_run: bool,
    /// Codes a status call can answer with for a moment while nothing is wrong with the
    /// association (NetworkManager's generic `ConflictException`, "There was a conflict
    /// processing the request"): the poll is simply made again.
    pub transient_read_codes: &'static [&'static str],
    /// Codes with which a mutation is refused because of the parent's state, which may be
    /// passing (a WorkSpace that is rebooting answers `OperationNotSupportedException`): the
    /// parent's state decides whether to wait or give up ([`Association::parent_busy`]).
    pub parent_state_codes: &'static [&'static str],
    /// Whether the associate call takes an idempotency token (EC2's `ClientToken`): AWS answers
    /// a repeat of the same request with what the first attempt did, so after an unknown
    /// outcome the request is sent again instead of guessed at from a listing.
    pub idempotency_token: bool,
}

impl ApiQuirks {
    /// The plain case: no DryRun, no idempotency token, no code that means "wait".
    pub const NONE: ApiQuirks = ApiQuirks {
        dry_run: false,
        transient_read_codes: &[],
        parent_state_codes: &[],
        idempotency_token: false,
    };
}

/// The facts of one association kind, as data: everything about it but the API calls.
#[derive(Debug)]
pub struct AssociationSpec {
    /// The resource type name, e.g. `awsassoc_vpc_route_server_vpc_association`.
    pub type_name: &'static str,
    /// Markdown for the registry docs and `tofu providers schema`.
    pub description: &'static str,
    /// What AWS's state words mean: the one map from the kind's words to phases.
    pub states: StateWords,
    /// The attributes besides `id` and `timeouts`.
    pub attributes: &'static [AttributeSpec],
    /// The attributes holding the parent and the member; `"parent,member"` is the import ID.
    pub key: (&'static str, &'static str),
    /// Whether the association lives in one region or in a global service. A regional kind has
    /// hashicorp/aws 6.x's optional top-level `region` (see [`region`](crate::aws::region)) and
    /// its identity carries a `region`, as hashicorp/aws's identities do.
    pub scope: Scope,
    /// The AWS operations the kind calls, and their service.
    pub operations: Operations,
    /// Codes with which the associate call says the association already exists.
    pub already_exists: &'static [&'static str],
    /// Codes meaning the association, or its parent, does not exist (any call).
    pub not_found: &'static [&'static str],
    /// Where the kind's API departs from the plain case (DryRun, idempotency tokens, codes
    /// that mean "wait" rather than "fail").
    pub quirks: ApiQuirks,
    /// hashicorp/aws's resource type for the same association, whose objects a `moved` block
    /// may turn into this kind's (see [`moved`](super::moved)).
    pub moved_from: Option<&'static str>,
}

/// One association kind: its [`AssociationSpec`] and how to talk to AWS about it. Adding a kind
/// is one file implementing this and one line in [`resources`](crate::aws::resources)' list.
#[async_trait]
pub trait Association: Send + Sync + 'static {
    const SPEC: AssociationSpec;

    /// The `id` attribute; by default the import ID, so `id` and import agree.
    fn id(&self, key: &AssociationKey) -> String {
        key.to_string()
    }

    /// The key when the configuration alone determines it; `None` when AWS assigns the member
    /// (an association ID).
    fn planned_key(&self, config: &Value) -> Option<AssociationKey> {
        let (parent, member) = Self::SPEC.key;
        AssociationKey::of(config.attr_str(parent), config.attr_str(member))
    }

    /// The key the configuration determines, for the associate call, which cannot be made
    /// without it.
    fn configured_key(&self, config: &Value) -> Result<AssociationKey, AwsError> {
        self.planned_key(config).ok_or_else(|| {
            let (parent, member) = Self::SPEC.key;
            AwsError::missing(
                Self::SPEC.operations.associate,
                &format!("{parent} or {member}"),
            )
        })
    }

    /// One attempt of AWS's associate operation with the arguments in `config`. `token` is the
    /// same for every attempt of one create, for APIs that take an idempotency token
    /// ([`ApiQuirks::idempotency_token`]). The default serves every kind whose key the
    /// configuration determines: it takes the key from the configuration, makes
    /// [`send_associate`](Association::send_associate) and pairs the key with what AWS answered.
    /// A kind whose member AWS assigns overrides this instead.
    async fn associate(
        &self,
        aws: &ServiceClients,
        config: &Value,
        _token: &str,
    ) -> Result<(AssociationKey, Observation), AwsError> {
        let key = self.configured_key(config)?;
        let made = self
            .send_associate(Call::associate::<Self>(aws, &key), config)
            .await?;
        Ok((key, made))
    }

    /// The associate call itself for a key the configuration determines, with the other
    /// arguments in `config`: AWS's record of the association it made. Every kind whose
    /// [`planned_key`](Association::planned_key) is known implements it. Only a kind that
    /// overrides [`associate`](Association::associate) (its member assigned by AWS) keeps the
    /// default, which is never reached there; a kind that forgot it fails its first create.
    async fn send_associate(&self, to: Call<'_>, _config: &Value) -> Result<Observation, AwsError> {
        Err(AwsError::not_sendable(
            to.operation,
            "the kind implements neither `send_associate` nor its own `associate`",
        ))
    }

    /// The association `config` describes as AWS lists it, in any phase (the duplicate-record
    /// rule decides between several records): looked up before the first associate, to tell an
    /// association that already existed from the one this create makes, and before anything is
    /// sent again after an unknown outcome. The default serves every kind whose key the
    /// configuration determines.
    async fn find(
        &self,
        aws: &ServiceClients,
        config: &Value,
    ) -> Result<Option<(AssociationKey, Observation)>, AwsError> {
        let Some(key) = self.planned_key(config) else {
            return Ok(None);
        };
        let listing = self.observe(aws, &key.parent).await?;
        Ok(listing.take(&key.member).map(|found| (key, found)))
    }

    /// Whether a found record is the association `config` asks for, beyond the key (a Connect
    /// peer associated with another device is someone else's association).
    fn matches(&self, _config: &Value, _found: &Observation) -> bool {
        true
    }

    /// Carries out the staged changes of `parent` (only for kinds whose spec names a
    /// [`deploy`](Operations::deploy) operation): one attempt.
    async fn deploy(&self, _aws: &ServiceClients, _parent: &str) -> Result<(), AwsError> {
        Ok(())
    }

    /// Whether `parent` is in a passing state in which AWS refuses changes (for the
    /// [`parent_state_codes`](ApiQuirks::parent_state_codes)): then the mutation waits.
    async fn parent_busy(&self, _aws: &ServiceClients, _parent: &str) -> Result<bool, AwsError> {
        Ok(false)
    }

    /// One status call for `parent`, listing every association it has (a member missing from
    /// the listing is gone; a parent that does not exist is an empty listing, see
    /// [`listing_of_parent`](super::parent_listing::listing_of_parent), the one way every kind
    /// lists). Listing everything lets one call answer every wait and every read of the parent.
    async fn observe(&self, aws: &ServiceClients, parent: &str) -> Result<Listing, AwsError>;

    /// Every parent in the region, every page of them (only for kinds whose spec names a
    /// [`parents`](Operations::parents) operation).
    async fn parents(&self, _aws: &ServiceClients) -> Result<Vec<String>, AwsError> {
        Ok(Vec::new())
    }

    /// Warnings for a plan that removes this association (a destroy, or a replacement's destroy
    /// half). `removed` holds every association of this kind the same plan removes, this one
    /// included, so a warning about "the last one" can count what the plan leaves: read it
    /// after any AWS call, so that removals checked at the same time see each other.
    async fn removal_warnings(
        &self,
        _aws: &ServiceClients,
        _key: &AssociationKey,
        _removed: &PlannedRemovals,
    ) -> Result<Vec<Diagnostic>, AwsError> {
        Ok(Vec::new())
    }

    /// One attempt of AWS's disassociate operation; with `dry_run` (only when the spec says
    /// the call takes it, [`ApiQuirks::dry_run`]) AWS is only asked whether it would allow it.
    async fn send_disassociate(&self, to: Call<'_>, dry_run: bool) -> Result<(), AwsError>;
}

/// One call to AWS about one association: the clients to make it with, the association's key,
/// and the operation, named by the kind's spec, that errors and messages cite.
#[derive(Clone, Copy)]
pub struct Call<'a> {
    pub aws: &'a ServiceClients,
    pub key: &'a AssociationKey,
    pub operation: &'static str,
}

impl<'a> Call<'a> {
    /// `A`'s associate call for `key`.
    pub fn associate<A: Association + ?Sized>(
        aws: &'a ServiceClients,
        key: &'a AssociationKey,
    ) -> Self {
        let operation = A::SPEC.operations.associate;
        Call {
            aws,
            key,
            operation,
        }
    }

    /// `A`'s disassociate call for `key`.
    pub fn disassociate<A: Association + ?Sized>(
        aws: &'a ServiceClients,
        key: &'a AssociationKey,
    ) -> Self {
        let operation = A::SPEC.operations.disassociate;
        Call {
            aws,
            key,
            operation,
        }
    }

    /// The parent's ID, as the call names it.
    pub fn parent(&self) -> &'a str {
        &self.key.parent
    }

    /// The member's ID, as the call names it.
    pub fn member(&self) -> &'a str {
        &self.key.member
    }
}
