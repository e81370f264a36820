//! What a status call says about associations: the [`Phase`] of one, an [`Observation`] of it,
//! and the [`Listing`] of a parent with the duplicate-record rule applied. The vocabulary every
//! other part of an association resource answers in; it knows nothing of AWS's APIs.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::time::SystemTime;

use tf_provider_framework::value::Value;

use crate::aws::error::AwsError;

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

/// A kind's state words by the phase each means: the one map from AWS's words to [`Phase`]. A
/// word not listed is [`Phase::Pending`], so a word AWS adds later is waited on rather than
/// taken for an end.
#[derive(Debug)]
pub struct StateWords {
    pub ready: &'static [&'static str],
    /// Words of a failed creation; the phase carries AWS's reason.
    pub failed: &'static [&'static str],
    pub deleting: &'static [&'static str],
    /// Words of a removed association AWS still lists.
    pub gone: &'static [&'static str],
}

impl StateWords {
    /// The phase `word` means; `reason` is AWS's explanation, asked for only for a failure.
    pub fn phase(&self, word: &str, reason: impl FnOnce() -> String) -> Phase {
        if self.ready.contains(&word) {
            Phase::Ready
        } else if self.failed.contains(&word) {
            Phase::Failed(reason())
        } else if self.deleting.contains(&word) {
            Phase::Deleting
        } else if self.gone.contains(&word) {
            Phase::Gone
        } else {
            Phase::Pending
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
    /// A record AWS lists in the state word `state`, which the kind reads as `phase`, with the
    /// attributes it carries: no creation time, nothing staged or deploying (a kind whose API
    /// reports those sets them on the result), the parent's change left to the listing.
    pub fn listed(phase: Phase, state: String, attributes: Vec<(&'static str, Value)>) -> Self {
        Observation {
            phase,
            state,
            created: None,
            staged: false,
            deploying: false,
            parent_changing: false,
            attributes,
        }
    }

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

    /// The listing of the records a status call returned, by member (`member_of`; `None` leaves
    /// a record out). The records are those of one parent already (see `parent_listing`).
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

/// What a disassociate call found.
#[derive(Debug, PartialEq, Eq)]
pub enum Disassociation {
    /// AWS accepted it; the association goes away over time.
    Started,
    /// AWS answered that there is nothing to disassociate.
    AlreadyGone,
}

impl Disassociation {
    /// Reads a disassociate call's answer: success starts the removal, and an answer with one
    /// of the kind's `not_found` codes means there was nothing left to remove.
    pub fn from_answer(answer: Result<(), AwsError>, not_found: &[&str]) -> Result<Self, AwsError> {
        match answer {
            Ok(()) => Ok(Disassociation::Started),
            Err(error) if error.is_not_found(not_found) => Ok(Disassociation::AlreadyGone),
            Err(error) => Err(error),
        }
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
