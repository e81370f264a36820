//! What every association resource shares: the [`Association`] trait a resource file implements,
//! the vocabulary it answers in ([`Phase`], [`Observation`], [`Listing`]), and
//! [`AssociationResource`], which turns any association into a Terraform resource with the same
//! create, read, delete, import and validation behaviour.
//!
//! A resource file says how to talk to AWS (associate, observe, disassociate) and what AWS's
//! states and codes mean; [`resource`] decides what a Terraform user sees, and the waiter engine
//! decides how long to wait and when to try again.

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
}

/// One look at an association, as a status call reports it.
#[derive(Clone, Debug)]
pub struct Observation {
    pub phase: Phase,
    /// AWS's own state word, shown in messages.
    pub state: String,
    /// When AWS created the association, where the API says: orders duplicate records.
    pub created: Option<SystemTime>,
    /// Attributes the answer carries, by schema name (computed ones, and for an import the
    /// arguments the import ID does not give).
    pub attributes: Vec<(&'static str, Value)>,
}

impl Observation {
    /// The duplicate-record rule. After a disassociation AWS keeps listing the finished record
    /// for a while, so when the same pair is associated again a status call can list the pair
    /// twice, in any order. A live record beats a finished one; between records of the same
    /// kind, the newer wins (a record without a creation time never displaces another).
    fn supersedes(&self, other: &Observation) -> bool {
        match (self.phase.is_live(), other.phase.is_live()) {
            (true, false) => true,
            (false, true) => false,
            _ => self.created > other.created,
        }
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

    pub fn into_map(self) -> HashMap<String, Observation> {
        self.0
    }

    /// The member's record, if it is live.
    pub fn take_live(mut self, member: &str) -> Option<Observation> {
        self.0.remove(member).filter(|o| o.phase.is_live())
    }
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
    /// The IAM service prefix of the API (`ec2`), for messages about permissions.
    pub iam_service: &'static str,
    /// Codes with which the associate call says the association already exists.
    pub already_exists: &'static [&'static str],
    /// Codes meaning the association, or its parent, does not exist (any call).
    pub not_found: &'static [&'static str],
    /// Whether the disassociate call takes `DryRun` (EC2), for the destroy preflight.
    pub dry_run: bool,
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

    /// The live association `config` describes, if AWS has one: looked up before anything is
    /// sent again after an unknown outcome, and to name an association that already exists.
    /// The default serves every kind whose key the configuration determines.
    async fn find(
        &self,
        aws: &ServiceClients,
        config: &Value,
    ) -> Result<Option<(AssociationKey, Observation)>, AwsError> {
        let Some(key) = self.planned_key(config) else {
            return Ok(None);
        };
        let listing = self.observe(aws, &key.parent).await?;
        Ok(listing.take_live(&key.member).map(|found| (key, found)))
    }

    /// One status call for `parent`, listing every association it has (a member missing from
    /// the listing is gone; a parent that does not exist is an empty listing, see
    /// [`absent_is_empty`]). Listing everything lets one call answer every wait and every read
    /// of the parent.
    async fn observe(&self, aws: &ServiceClients, parent: &str) -> Result<Listing, AwsError>;

    /// Warnings for a plan that removes this association (a destroy, or a replacement's destroy
    /// half). `removed` holds every association of this kind the same plan removes so far, this
    /// one included, so a warning about "the last one" can count what the plan leaves. Plans of
    /// one kind are asked one at a time.
    async fn removal_warnings(
        &self,
        _aws: &ServiceClients,
        _key: &AssociationKey,
        _removed: &HashSet<AssociationKey>,
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
            attributes: Vec::new(),
        }
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
    fn a_finished_record_alone_is_not_live() {
        let mut listing = Listing::default();
        listing.record("peer", record(Phase::Gone, None));
        assert!(listing.take_live("peer").is_none());
    }
}
