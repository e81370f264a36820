//! What every association resource shares: the [`Association`] trait a resource file implements,
//! the vocabulary it answers in ([`Phase`], [`Observation`], [`Listing`]), and
//! [`AssociationResource`], which turns any association into a Terraform resource with the same
//! create, read, delete, import and validation behaviour.
//!
//! A resource file says how to talk to AWS (associate, observe, disassociate) and what AWS's
//! states and codes mean; [`resource`] decides what a Terraform user sees, and the waiter engine
//! decides how long to wait and when to try again.

mod identity;
mod list;
pub mod moved;
mod mutations;
mod resource;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::time::SystemTime;

use async_trait::async_trait;
use tf_provider_framework::diag::Diagnostic;
use tf_provider_framework::value::Value;

use super::clients::ServiceClients;
use super::error::AwsError;
use super::ids::IdFormat;

pub use identity::region_of;
pub use list::AssociationList;
pub use resource::AssociationResource;

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

impl Phase {
    /// Whether the record describes an association that exists (in any state short of gone).
    pub fn is_live(&self) -> bool {
        *self != Phase::Gone
    }

    /// Whether the association occupies its place (being made, usable or being removed): a
    /// failed record does not, and neither does a finished one.
    pub fn occupies(&self) -> bool {
        matches!(self, Phase::Pending | Phase::Ready | Phase::Deleting)
    }

    /// How strongly a record speaks for its member when AWS lists several (the duplicate-record
    /// rule): an occupying record beats a failed one, which beats a finished one.
    fn rank(&self) -> u8 {
        match self {
            Phase::Pending | Phase::Ready | Phase::Deleting => 2,
            Phase::Failed(_) => 1,
            Phase::Gone => 0,
        }
    }
}

/// One look at an association, as a status call reports it.
#[derive(Clone, Debug)]
pub struct Observation {
    pub phase: Phase,
    /// AWS's own state word, shown in messages.
    pub state: String,
    /// When AWS created the association, where the API says: orders duplicate records.
    pub created: Option<SystemTime>,
    /// The change is staged and waits for a separate deployment step before AWS carries it out
    /// (WorkSpaces `PENDING_INSTALL_DEPLOYMENT`, `PENDING_UNINSTALL_DEPLOYMENT`).
    pub staged: bool,
    /// This record's change is being carried out by a deployment (WorkSpaces `PENDING_INSTALL`,
    /// `INSTALLING`, `PENDING_UNINSTALL`, `UNINSTALLING`): the kind's own state words say so,
    /// and a word the provider does not know never counts.
    pub deploying: bool,
    /// Some association of the same parent (this one included) is [`deploying`]: AWS refuses
    /// other changes on such a parent until the deployment ends (WorkSpaces answers
    /// `ResourceInUseException`). Set from the whole listing by [`Listing::into_map`], so every
    /// member's answer of a status call carries it.
    ///
    /// [`deploying`]: Observation::deploying
    pub parent_changing: bool,
    /// Attributes the answer carries, by schema name (computed ones, and for an import the
    /// arguments the import ID does not give).
    pub attributes: Vec<(&'static str, Value)>,
}

impl Observation {
    /// The duplicate-record rule. After a disassociation AWS keeps listing the finished record
    /// for a while, and a failed association stays listed too, so when the same pair (or, for
    /// Client VPN, the same subnet) is associated again a status call can list it twice, in any
    /// order. An occupying record beats a failed one, a failed one beats a finished one; between
    /// records of the same rank, the newer wins (a record without a creation time never
    /// displaces another).
    fn supersedes(&self, other: &Observation) -> bool {
        match self.phase.rank().cmp(&other.phase.rank()) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => self.created > other.created,
        }
    }

    /// A string attribute the answer carried, by schema name.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(attribute, _)| *attribute == name)
            .and_then(|(_, value)| value.as_str())
    }

    /// Whether this is the record `other` saw: same creation time and the same standing (a
    /// record that failed does not come back to life, so a live record in place of a failed
    /// one is a new association).
    pub fn same_record(&self, other: &Observation) -> bool {
        self.created == other.created && self.phase.rank() == other.phase.rank()
    }
}

/// What one status call found, by member, with the duplicate-record rule applied: the only way
/// a resource reports what it listed.
#[derive(Debug, Default)]
pub struct Listing(HashMap<String, Observation>);

impl Listing {
    /// Records one listed record of `member`.
    pub fn record(&mut self, member: &str, observation: Observation) {
        match self.0.entry(member.to_owned()) {
            Entry::Vacant(entry) => {
                entry.insert(observation);
            }
            Entry::Occupied(mut entry) => {
                if observation.supersedes(entry.get()) {
                    entry.insert(observation);
                }
            }
        }
    }

    /// The listing of the records a status call returned, by member (`member_of`; `None` for a
    /// record of another parent).
    pub fn of<R>(
        records: impl IntoIterator<Item = R>,
        member_of: impl Fn(&R) -> Option<&str>,
        observe: impl Fn(&R) -> Observation,
    ) -> Listing {
        let mut listing = Listing::default();
        for record in records {
            if let Some(member) = member_of(&record) {
                let member = member.to_owned();
                listing.record(&member, observe(&record));
            }
        }
        listing
    }

    /// Every member's record, each marked with whether the parent has a change under way.
    pub fn into_map(mut self) -> HashMap<String, Observation> {
        let changing = self.0.values().any(|o| o.deploying);
        for observation in self.0.values_mut() {
            observation.parent_changing = changing;
        }
        self.0
    }

    /// The member's record, if it is live.
    pub fn take_live(self, member: &str) -> Option<Observation> {
        self.take(member).filter(|o| o.phase.is_live())
    }

    /// The member's record in any phase, finished ones included.
    pub fn take(mut self, member: &str) -> Option<Observation> {
        self.0.remove(member)
    }
}

/// Which parent an association belongs to and its name within that parent. The parent's status
/// call answers for all its associations; the pair is also the import ID.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AssociationKey {
    pub parent: String,
    pub member: String,
}

/// The associations of one kind that plans in this provider process remove. Plan-time checks
/// of several removals run at once and never wait on each other: each adds its own removal,
/// makes its AWS call, and only then copies the set, so removals planned together count each
/// other.
#[derive(Debug, Default)]
pub struct PlannedRemovals(std::sync::Mutex<HashSet<AssociationKey>>);

impl PlannedRemovals {
    pub fn insert(&self, key: AssociationKey) {
        self.lock().insert(key);
    }

    /// Every removal planned so far.
    pub fn snapshot(&self) -> HashSet<AssociationKey> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<AssociationKey>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
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
    /// Reads a disassociate call's answer: success starts the removal, and a not-found answer
    /// means there was nothing left to remove.
    pub fn from_answer(
        answer: Result<(), AwsError>,
        spec: &AssociationSpec,
    ) -> Result<Self, AwsError> {
        match answer {
            Ok(()) => Ok(Disassociation::Started),
            Err(error) if is_not_found(&error, spec) => Ok(Disassociation::AlreadyGone),
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

/// The facts of one association kind, as data: everything about it but the API calls.
#[derive(Debug)]
pub struct AssociationSpec {
    /// The resource type name, e.g. `awsassoc_vpc_route_server_vpc_association`.
    pub type_name: &'static str,
    /// Markdown for the registry docs and `tofu providers schema`.
    pub description: &'static str,
    /// The attributes besides `id` and `timeouts`.
    pub attributes: &'static [AttributeSpec],
    /// The attributes holding the parent and the member; `"parent,member"` is the import ID.
    pub key: (&'static str, &'static str),
    /// Whether the association lives in one region or in a global service. A regional kind has
    /// hashicorp/aws 6.x's optional top-level `region` (see [`region`](crate::aws::region)) and
    /// its identity carries a `region`, as hashicorp/aws's identities do.
    pub scope: Scope,
    /// The IAM service prefix of the API (`ec2`), for messages about permissions.
    pub iam_service: &'static str,
    /// Codes with which the associate call says the association already exists.
    pub already_exists: &'static [&'static str],
    /// Codes meaning the association, or its parent, does not exist (any call).
    pub not_found: &'static [&'static str],
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
    /// The operation that carries out a staged change, when the API stages them (WorkSpaces
    /// `DeployWorkspaceApplications`): the resource then has a `deploy` argument and calls it
    /// after associating and after disassociating ([`Association::deploy`]).
    pub deployment: Option<&'static str>,
    /// Whether the associate call takes an idempotency token (EC2's `ClientToken`): AWS answers
    /// a repeat of the same request with what the first attempt did, so after an unknown
    /// outcome the request is sent again instead of guessed at from a listing.
    pub idempotency_token: bool,
    /// hashicorp/aws's resource type for the same association, whose objects a `moved` block
    /// may turn into this kind's (see [`moved`]).
    pub moved_from: Option<&'static str>,
}

/// One association kind: its [`AssociationSpec`] and how to talk to AWS about it. Adding a kind
/// is one file implementing this and one line in [`resources::all`](super::resources::all).
#[async_trait]
pub trait Association: Send + Sync + 'static {
    const SPEC: AssociationSpec;

    /// The `id` attribute; by default the import ID, so `id` and import agree.
    fn id(&self, key: &AssociationKey) -> String {
        format!("{},{}", key.parent, key.member)
    }

    /// The key when the configuration alone determines it; `None` when AWS assigns the member
    /// (an association ID).
    fn planned_key(&self, config: &Value) -> Option<AssociationKey> {
        let (parent, member) = Self::SPEC.key;
        Some(AssociationKey {
            parent: config.attr_str(parent)?.to_owned(),
            member: config.attr_str(member)?.to_owned(),
        })
    }

    /// The key the configuration determines, for a call that cannot be made without it.
    fn configured_key(
        &self,
        config: &Value,
        operation: &'static str,
    ) -> Result<AssociationKey, AwsError> {
        self.planned_key(config).ok_or_else(|| {
            let (parent, member) = Self::SPEC.key;
            AwsError::missing(operation, &format!("{parent} or {member}"))
        })
    }

    /// One attempt of AWS's associate operation with the arguments in `config`. `token` is the
    /// same for every attempt of one create, for APIs that take an idempotency token.
    async fn associate(
        &self,
        aws: &ServiceClients,
        config: &Value,
        token: &str,
    ) -> Result<(AssociationKey, Observation), AwsError>;

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
    /// [`deployment`](AssociationSpec::deployment) operation): one attempt.
    async fn deploy(&self, _aws: &ServiceClients, _parent: &str) -> Result<(), AwsError> {
        Ok(())
    }

    /// Whether `parent` is in a passing state in which AWS refuses changes (for the
    /// [`parent_state_codes`](AssociationSpec::parent_state_codes)): then the mutation waits.
    async fn parent_busy(&self, _aws: &ServiceClients, _parent: &str) -> Result<bool, AwsError> {
        Ok(false)
    }

    /// One status call for `parent`, listing every association it has (a member missing from
    /// the listing is gone; a parent that does not exist is an empty listing, see
    /// [`absent_is_empty`]). Listing everything lets one call answer every wait and every read
    /// of the parent.
    async fn observe(&self, aws: &ServiceClients, parent: &str) -> Result<Listing, AwsError>;

    /// Whether AWS can list every parent of the region ([`parents`](Association::parents)), so
    /// that the list resource can do without a parent.
    const LISTS_PARENTS: bool = false;

    /// Every parent in the region, every page of them (only for kinds with
    /// [`LISTS_PARENTS`](Association::LISTS_PARENTS)).
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
    /// the call takes it) AWS is only asked whether it would allow it.
    async fn send_disassociate(
        &self,
        aws: &ServiceClients,
        key: &AssociationKey,
        dry_run: bool,
    ) -> Result<(), AwsError>;
}

/// Whether an error says the association or its parent does not exist: one of the kind's
/// not-found codes, or a resource's own reading of an answer that says so only in words.
pub fn is_not_found(error: &AwsError, spec: &AssociationSpec) -> bool {
    error.not_found || error.has_any_code(spec.not_found)
}

/// A status call's answer where "the parent does not exist" means "nothing is listed".
pub fn absent_is_empty<T: Default>(
    answer: Result<T, AwsError>,
    spec: &AssociationSpec,
) -> Result<T, AwsError> {
    match answer {
        Err(error) if is_not_found(&error, spec) => Ok(T::default()),
        answer => answer,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn record(phase: Phase, created_secs: Option<u64>) -> Observation {
        Observation {
            state: format!("{phase:?}"),
            phase,
            created: created_secs.map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s)),
            staged: false,
            deploying: false,
            parent_changing: false,
            attributes: Vec::new(),
        }
    }

    #[test]
    fn every_member_hears_that_its_parent_is_deploying() {
        let deploying = Observation {
            deploying: true,
            ..record(Phase::Deleting, Some(1))
        };
        let staged = Observation {
            staged: true,
            ..record(Phase::Deleting, Some(2))
        };
        let mut listing = Listing::default();
        listing.record("wsa-1", deploying);
        listing.record("wsa-2", staged.clone());
        listing.record("wsa-3", record(Phase::Ready, Some(3)));
        let answer = listing.into_map();
        assert!(answer.values().all(|o| o.parent_changing), "{answer:?}");
        // Staged changes, and states the kind does not call deploying, never make a parent busy.
        let mut listing = Listing::default();
        listing.record("wsa-2", staged);
        listing.record("wsa-4", record(Phase::Pending, Some(4)));
        let answer = listing.into_map();
        assert!(answer.values().all(|o| !o.parent_changing), "{answer:?}");
    }

    #[test]
    fn a_live_record_beats_a_finished_one_in_any_order() {
        for order in [[0, 1], [1, 0]] {
            let records = [record(Phase::Gone, Some(10)), record(Phase::Ready, Some(5))];
            let mut listing = Listing::default();
            for i in order {
                listing.record("vpc-1", records[i].clone());
            }
            assert_eq!(
                listing.take_live("vpc-1").map(|o| o.phase),
                Some(Phase::Ready)
            );
        }
    }

    #[test]
    fn the_newest_live_record_wins() {
        let mut listing = Listing::default();
        listing.record("app", record(Phase::Deleting, Some(1)));
        listing.record("app", record(Phase::Pending, Some(9)));
        listing.record("app", record(Phase::Ready, None));
        assert_eq!(
            listing.take_live("app").map(|o| o.phase),
            Some(Phase::Pending)
        );
    }

    #[test]
    fn a_failed_record_never_beats_an_occupying_one_even_if_newer() {
        for order in [[0, 1], [1, 0]] {
            let records = [
                record(Phase::Failed("old".into()), Some(50)),
                record(Phase::Pending, Some(10)),
            ];
            let mut listing = Listing::default();
            for i in order {
                listing.record("subnet-1", records[i].clone());
            }
            assert_eq!(
                listing.take("subnet-1").map(|o| o.phase),
                Some(Phase::Pending)
            );
        }
        let mut listing = Listing::default();
        listing.record("subnet-2", record(Phase::Gone, Some(90)));
        listing.record("subnet-2", record(Phase::Failed("f".into()), Some(1)));
        assert!(matches!(
            listing.take("subnet-2").map(|o| o.phase),
            Some(Phase::Failed(_))
        ));
    }

    #[test]
    fn a_finished_record_alone_is_not_live() {
        let mut listing = Listing::default();
        listing.record("peer", record(Phase::Gone, None));
        assert!(listing.take_live("peer").is_none());
    }
}
