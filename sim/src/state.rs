//! Everything the emulator remembers, behind one mutex.
//!
//! Critical sections are short and never span an await, so a plain std mutex is enough and
//! every request sees a consistent snapshot of parents, associations and fault settings.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::api::PageOrder;
use crate::faults::{FaultKind, FaultSettings, ListOrder};
use crate::lifecycle::{Association, Family, Phase, Transition, now_ms};
use crate::profile::Durations;
use crate::world::World;

/// One association as the admin API reports it, including ones that are already gone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssociationRecord {
    pub family: Family,
    pub id: String,
    pub parent: String,
    pub child: String,
    pub state: String,
    pub history: Vec<Transition>,
}

impl AssociationRecord {
    /// When the association reached `state`, if it ever did (the first time).
    pub fn reached(&self, state: &str) -> Option<f64> {
        self.history
            .iter()
            .find(|t| t.state == state)
            .map(|t| t.at_ms)
    }

    /// The phase the association's current state stands for, in its family's words.
    pub fn phase(&self) -> Phase {
        self.family.spec().states.phase(&self.state)
    }

    /// Whether the association exists: being created, usable, or failed (not being removed,
    /// not finished, not gone).
    pub fn is_live(&self) -> bool {
        matches!(
            self.phase(),
            Phase::Creating | Phase::Active | Phase::Failed
        )
    }

    /// Whether AWS reports it gone: finished (still listed for a while) or no longer listed.
    pub fn is_finished(&self) -> bool {
        matches!(self.phase(), Phase::Deleted | Phase::Gone)
    }

    /// When it finished, as AWS reports it: its first finished state (`disassociated`,
    /// `DELETED`, `REMOVED`) or, for a family without one, when it vanished.
    pub fn finished_at(&self) -> Option<f64> {
        let states = &self.family.spec().states;
        self.history
            .iter()
            .find(|t| matches!(states.phase(&t.state), Phase::Deleted | Phase::Gone))
            .map(|t| t.at_ms)
    }
}

/// One emulated AWS call as the admin API reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    pub service: String,
    pub operation: String,
    pub at_ms: f64,
    /// HTTP status sent; 0 when no answer was sent (dropped, lost or hung).
    pub status: u16,
    pub fault: Option<FaultKind>,
    /// The access key ID that signed the request (`Credential=AKID/…` of the SigV4
    /// `Authorization` header, or `X-Amz-Credential` of a presigned URL); absent if unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// The parent the call names (endpoint, route server, global network, WorkSpace or
    /// application), when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// One STS AssumeRole session as the admin API reports it. Secrets (the secret access key,
/// the session token) and the external ID are never stored, only whether an external ID was
/// given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StsSession {
    /// The temporary access key ID (`ASIA…`) the session's requests are signed with.
    pub access_key_id: String,
    pub role_arn: String,
    pub role_session_name: String,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub arn: String,
    /// `AROA…:SESSION`.
    pub assumed_role_id: String,
    pub external_id_given: bool,
    pub duration_seconds: u32,
    pub issued_at_ms: f64,
    pub expires_at_ms: f64,
    /// The access key that signed the AssumeRole call, if it was signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_access_key_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallsReport {
    pub counts: BTreeMap<String, u64>,
    pub log: Vec<CallRecord>,
}

/// What a ClientToken was first used for, to detect reuse with different parameters.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub fingerprint: String,
    pub association_seq: u64,
}

pub struct Inner {
    pub world: World,
    pub associations: Vec<Association>,
    next_seq: u64,
    pub durations: Durations,
    pub faults: FaultSettings,
    pub rng: StdRng,
    pub calls: CallsReport,
    pub client_tokens: HashMap<String, TokenRecord>,
    pub sts_sessions: Vec<StsSession>,
}

pub struct Sim {
    inner: Mutex<Inner>,
    /// Restored by `reset`, so a test suite can change durations and still start clean.
    startup_durations: Durations,
    /// Open client connections (admin and AWS), so tests can see that nothing lingers.
    connections: AtomicUsize,
}

/// Counts one open connection for as long as it lives.
pub struct ConnectionGuard(Arc<Sim>);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Sim {
    pub fn new(world: World, durations: Durations, faults: FaultSettings) -> Sim {
        let rng = rng_for(faults.seed);
        Sim {
            inner: Mutex::new(Inner {
                world,
                associations: Vec::new(),
                next_seq: 1,
                durations,
                faults,
                rng,
                calls: CallsReport::default(),
                client_tokens: HashMap::new(),
                sts_sessions: Vec::new(),
            }),
            startup_durations: durations,
            connections: AtomicUsize::new(0),
        }
    }

    pub fn track_connection(self: &Arc<Sim>) -> ConnectionGuard {
        self.connections.fetch_add(1, Ordering::SeqCst);
        ConnectionGuard(self.clone())
    }

    pub fn open_connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Locks the state; a panic elsewhere must not wedge the emulator, so poisoning is ignored.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the state with every association brought up to now, and returns that now.
    pub fn lock_now(&self) -> (MutexGuard<'_, Inner>, f64) {
        let now = now_ms();
        let mut inner = self.lock();
        inner.advance_all(now);
        (inner, now)
    }

    pub fn reset(&self) {
        let mut inner = self.lock();
        *inner = Inner {
            world: World::default(),
            associations: Vec::new(),
            next_seq: 1,
            durations: self.startup_durations,
            faults: FaultSettings::default(),
            rng: rng_for(None),
            calls: CallsReport::default(),
            client_tokens: HashMap::new(),
            sts_sessions: Vec::new(),
        };
    }
}

fn rng_for(seed: Option<u64>) -> StdRng {
    match seed {
        Some(s) => StdRng::seed_from_u64(s),
        None => StdRng::from_os_rng(),
    }
}

impl Inner {
    pub fn advance_all(&mut self, now: f64) {
        for a in &mut self.associations {
            a.advance(now);
        }
    }

    /// Rolls the configured failure rate for a new association of `family`.
    pub fn roll_failure(&mut self, family: Family) -> bool {
        let rate = self.faults.failure_rate[family];
        rate > 0.0 && self.rng.random::<f64>() < rate
    }

    pub fn set_faults(&mut self, faults: FaultSettings) {
        if let Some(seed) = faults.seed {
            self.rng = StdRng::seed_from_u64(seed);
        }
        self.faults = faults;
    }

    /// Creates an association of `family` through its lifecycle and stores it. `settled` skips
    /// the create path (the association is active at once and no failure is rolled), for
    /// associations made out of band; `extra` fills in family-specific attributes.
    #[allow(clippy::too_many_arguments)]
    pub fn create_association(
        &mut self,
        family: Family,
        id: String,
        parent: &str,
        child: &str,
        now: f64,
        settled: bool,
        extra: impl FnOnce(&mut Association),
    ) -> u64 {
        let fail = !settled && self.roll_failure(family);
        let mut d = self.durations[family];
        if settled {
            d.associate_ms = 0;
        }
        let mut a = Association::create(
            family,
            id,
            parent.to_string(),
            child.to_string(),
            now,
            &d,
            fail,
        );
        extra(&mut a);
        if settled {
            a.advance(now);
        }
        self.insert(a)
    }

    pub fn by_seq(&self, seq: u64) -> Option<&Association> {
        self.associations.iter().find(|a| a.seq == seq)
    }

    /// Stores a new association and returns its creation sequence number.
    pub fn insert(&mut self, mut association: Association) -> u64 {
        association.seq = self.next_seq;
        self.next_seq += 1;
        self.associations.push(association);
        association_seq_last(&self.associations)
    }

    pub fn by_seq_mut(&mut self, seq: u64) -> Option<&mut Association> {
        self.associations.iter_mut().find(|a| a.seq == seq)
    }

    /// The first association of `family` with this id that is still visible to AWS callers.
    pub fn visible_mut(&mut self, family: Family, id: &str) -> Option<&mut Association> {
        self.associations
            .iter_mut()
            .find(|a| a.family == family && a.id == id && a.visible())
    }

    /// The association a disassociate call acts on: the newest record of `family` matching
    /// `which` that is not finished (creating, active, deleting or failed). A re-associated
    /// pair has its finished record (`DELETED`, `REMOVED`) listed for the grace period before
    /// the live one, so "the first visible record" would be the wrong one.
    pub fn current_mut(
        &mut self,
        family: Family,
        which: impl Fn(&Association) -> bool,
    ) -> Option<&mut Association> {
        self.associations
            .iter_mut()
            .rev()
            .find(|a| a.family == family && a.phase().is_current() && which(a))
    }

    /// What every disassociate call does to the record `which` picks (see `current_mut`):
    /// `not_found` when there is none, `still_creating` while it is being created; an active or
    /// failed association starts its delete path; one already deleting is left as it is.
    pub fn disassociate<E>(
        &mut self,
        family: Family,
        now: f64,
        which: impl Fn(&Association) -> bool,
        not_found: impl FnOnce() -> E,
        still_creating: impl FnOnce() -> E,
    ) -> Result<&mut Association, E> {
        let d = self.durations[family];
        let a = self.current_mut(family, which).ok_or_else(not_found)?;
        match a.phase() {
            Phase::Creating => return Err(still_creating()),
            Phase::Active | Phase::Failed => a.begin_disassociate(now, &d),
            Phase::Deleting | Phase::Deleted | Phase::Gone => {}
        }
        Ok(a)
    }

    /// Fixes the order of one list answer; only `shuffled` draws from the RNG.
    pub fn page_order(&mut self) -> PageOrder {
        match self.faults.list_order {
            ListOrder::Creation => PageOrder::Creation,
            ListOrder::NewestFirst => PageOrder::NewestFirst,
            ListOrder::Shuffled => PageOrder::Shuffled(self.rng.random()),
        }
    }

    /// The assume-role session whose temporary key signed a request.
    pub fn sts_session(&self, access_key_id: &str) -> Option<&StsSession> {
        self.sts_sessions
            .iter()
            .find(|s| s.access_key_id == access_key_id)
    }

    /// Visible associations of one family under one parent, in creation order.
    pub fn visible_under<'a>(
        &'a self,
        family: Family,
        parent: &'a str,
    ) -> impl Iterator<Item = &'a Association> + 'a {
        self.associations
            .iter()
            .filter(move |a| a.family == family && a.parent == parent && a.visible())
    }

    /// Counts and logs one call.
    pub fn record_call(&mut self, call: CallRecord) {
        *self.calls.counts.entry(call.operation.clone()).or_default() += 1;
        self.calls.log.push(call);
    }

    pub fn association_records(&self) -> Vec<AssociationRecord> {
        self.associations
            .iter()
            .map(|a| AssociationRecord {
                family: a.family,
                id: a.id.clone(),
                parent: a.parent.clone(),
                child: a.child.clone(),
                state: a.state().to_string(),
                history: a.history.clone(),
            })
            .collect()
    }
}

fn association_seq_last(list: &[Association]) -> u64 {
    list.last().map_or(0, |a| a.seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(inner: &mut Inner, now: f64) -> u64 {
        inner.create_association(
            Family::WorkspacesApplication,
            "ws-1,wsa-1".into(),
            "ws-1",
            "wsa-1",
            now,
            true,
            |_| {},
        )
    }

    #[test]
    fn disassociate_lookups_take_the_newest_unfinished_record_of_a_pair() {
        let sim = Sim::new(
            World::default(),
            Durations::for_profile(crate::profile::Profile::Fast),
            FaultSettings::default(),
        );
        let mut inner = sim.lock();
        let old = pair(&mut inner, 0.0);
        let d = inner.durations[Family::WorkspacesApplication];
        inner.by_seq_mut(old).unwrap().begin_disassociate(10.0, &d);
        inner.advance_all(10.0 + d.disassociate_ms as f64);
        assert_eq!(inner.by_seq(old).unwrap().state(), "REMOVED");
        let is_pair = |a: &Association| a.id == "ws-1,wsa-1";
        assert!(
            inner
                .current_mut(Family::WorkspacesApplication, is_pair)
                .is_none()
        );
        // The first visible record is the finished one; the lookup skips it.
        assert_eq!(
            inner
                .visible_mut(Family::WorkspacesApplication, "ws-1,wsa-1")
                .map(|a| a.seq),
            Some(old)
        );
        let new = pair(&mut inner, 20.0);
        assert_eq!(
            inner
                .current_mut(Family::WorkspacesApplication, is_pair)
                .map(|a| a.seq),
            Some(new)
        );
    }

    #[test]
    fn only_the_shuffled_order_draws_from_the_rng() {
        let sim = Sim::new(
            World::default(),
            Durations::for_profile(crate::profile::Profile::Fast),
            FaultSettings {
                seed: Some(5),
                ..FaultSettings::default()
            },
        );
        let mut inner = sim.lock();
        assert_eq!(inner.page_order(), PageOrder::Creation);
        inner.faults.list_order = ListOrder::NewestFirst;
        assert_eq!(inner.page_order(), PageOrder::NewestFirst);
        inner.faults.list_order = ListOrder::Shuffled;
        let first = inner.page_order();
        let mut fresh = StdRng::seed_from_u64(5);
        assert_eq!(first, PageOrder::Shuffled(fresh.random()));
    }
}
