//! Everything the emulator remembers, behind one mutex.
//!
//! Critical sections are short and never span an await, so a plain std mutex is enough and
//! every request sees a consistent snapshot of parents, associations and fault settings.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::admin_types::{AssociationRecord, CallRecord, CallsReport, IssuedSecret, StsSession};
use crate::api::PageOrder;
use crate::family::Family;
use crate::faults::{FaultSettings, ListOrder};
use crate::lifecycle::{Association, now_ms};
use crate::phase::{Lifecycle, PathKind, Phase, Timing, hold_index};
use crate::profile::Durations;
use crate::world::World;

/// A WorkSpace state set through the admin API that reverts to `AVAILABLE` at a given time.
#[derive(Debug, Clone, PartialEq)]
pub struct StateRevert {
    pub workspace_id: String,
    pub at_ms: f64,
}

/// What a ClientToken was first used for, to detect reuse with different parameters.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub fingerprint: String,
    pub association_seq: u64,
}

/// The region the emulator serves when a request names none (unsigned, or an admin call
/// without `?region=`) and the seed does not say otherwise.
pub const DEFAULT_REGION: &str = "us-east-1";

/// What AWS keeps per region: parents, associations and the idempotency tokens used on them.
/// Two regions can hold the same IDs without meeting.
#[derive(Default)]
pub struct RegionState {
    pub world: World,
    pub associations: Vec<Association>,
    pub client_tokens: HashMap<String, TokenRecord>,
    pub workspace_reverts: Vec<StateRevert>,
}

/// The emulator's state. The regional part (`world`, `associations`, `client_tokens`,
/// `workspace_reverts`) is that of the region being served, which [`Sim::lock_in`] brings in
/// under the lock before a handler sees it; every other region waits in `parked`. So a handler
/// only ever sees one region, and everything else (faults, durations, the call log, STS) is
/// shared by all.
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
    pub sts_issued_secrets: Vec<IssuedSecret>,
    /// WorkSpace states that end on their own (`POST /_sim/workspace_state` with `for_ms`).
    pub workspace_reverts: Vec<StateRevert>,
    /// The region whose state the regional fields hold.
    served: String,
    /// The region of requests that name none: the startup seed's `region`, else us-east-1.
    default_region: String,
    /// Every other region's state.
    parked: HashMap<String, RegionState>,
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
        Sim {
            inner: Mutex::new(Inner::new(world, durations, faults)),
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

    /// Locks the state serving `region` (`None`: the default region).
    pub fn lock_in(&self, region: Option<&str>) -> MutexGuard<'_, Inner> {
        let mut inner = self.lock();
        let region = region.map_or_else(|| inner.default_region.clone(), str::to_owned);
        inner.serve(&region);
        inner
    }

    /// [`Sim::lock_in`] with the region's associations brought up to now, and that now.
    pub fn lock_now_in(&self, region: Option<&str>) -> (MutexGuard<'_, Inner>, f64) {
        let now = now_ms();
        let mut inner = self.lock_in(region);
        inner.advance_all(now);
        (inner, now)
    }

    pub fn reset(&self) {
        let mut inner = self.lock();
        *inner = Inner::new(
            World::default(),
            self.startup_durations,
            FaultSettings::default(),
        );
    }
}

fn rng_for(seed: Option<u64>) -> StdRng {
    match seed {
        Some(s) => StdRng::seed_from_u64(s),
        None => StdRng::from_os_rng(),
    }
}

impl Inner {
    fn new(world: World, durations: Durations, faults: FaultSettings) -> Inner {
        let default_region = world
            .region
            .clone()
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        Inner {
            served: default_region.clone(),
            default_region,
            parked: HashMap::new(),
            world,
            associations: Vec::new(),
            next_seq: 1,
            durations,
            rng: rng_for(faults.seed),
            faults,
            calls: CallsReport::default(),
            client_tokens: HashMap::new(),
            sts_sessions: Vec::new(),
            sts_issued_secrets: Vec::new(),
            workspace_reverts: Vec::new(),
        }
    }

    /// Makes `region`'s state the one the regional fields hold, parking the one they held. A
    /// region seen for the first time starts empty, with the account of the default region.
    pub fn serve(&mut self, region: &str) {
        if self.served == region {
            return;
        }
        let incoming = self.parked.remove(region).unwrap_or_else(|| RegionState {
            world: World {
                region: Some(region.to_owned()),
                account_id: self.account_id(),
                ..World::default()
            },
            ..RegionState::default()
        });
        let outgoing = RegionState {
            world: std::mem::replace(&mut self.world, incoming.world),
            associations: std::mem::replace(&mut self.associations, incoming.associations),
            client_tokens: std::mem::replace(&mut self.client_tokens, incoming.client_tokens),
            workspace_reverts: std::mem::replace(
                &mut self.workspace_reverts,
                incoming.workspace_reverts,
            ),
        };
        let left = std::mem::replace(&mut self.served, region.to_owned());
        self.parked.insert(left, outgoing);
    }

    /// The region being served.
    pub fn region(&self) -> &str {
        &self.served
    }

    /// The account that owns everything (the seed's `account_id` of the default region), for
    /// callers that did not assume a role.
    pub fn account_id(&self) -> Option<String> {
        if self.served == self.default_region {
            self.world.account_id.clone()
        } else {
            self.parked
                .get(&self.default_region)
                .and_then(|state| state.world.account_id.clone())
        }
    }

    /// Brings every association and every timed WorkSpace state up to `now`.
    pub fn advance_all(&mut self, now: f64) {
        for a in &mut self.associations {
            a.advance(now);
        }
        let (due, pending): (Vec<_>, Vec<_>) = std::mem::take(&mut self.workspace_reverts)
            .into_iter()
            .partition(|r| r.at_ms <= now);
        self.workspace_reverts = pending;
        for revert in due {
            if let Some(ws) = self.world.workspace_mut(&revert.workspace_id) {
                ws.state = crate::world::WORKSPACE_AVAILABLE.to_string();
            }
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

    /// The timing of one walk of `family`'s `kind` path: its duration spread by the family's
    /// jitter (one draw from the seeded RNG, none when the jitter is 0, so seeded runs that do
    /// not use it repeat as before).
    pub fn timing(&mut self, family: Family, kind: PathKind) -> Timing {
        let d = self.durations[family];
        let base_ms = match kind {
            PathKind::Create => d.associate_ms,
            PathKind::Delete => d.disassociate_ms,
        };
        let duration_ms = if d.jitter > 0.0 && base_ms > 0 {
            let factor = 1.0 - d.jitter + 2.0 * d.jitter * self.rng.random::<f64>();
            // Saturates rather than wraps for absurd durations.
            (base_ms as f64 * factor).round() as u64
        } else {
            base_ms
        };
        Timing {
            duration_ms,
            grace_ms: d.grace_ms,
        }
    }

    /// The timing of a walk from the start of a family's `kind` path. A path that holds right
    /// after its first step times nothing before its release, so nothing is drawn for it here;
    /// the release draws the walk's factor.
    fn start_timing(&mut self, lifecycle: &Lifecycle, kind: PathKind) -> Timing {
        let family = lifecycle.family;
        if hold_index(lifecycle.path(kind, false)) == Some(1) {
            Timing {
                duration_ms: 0,
                grace_ms: self.durations[family].grace_ms,
            }
        } else {
            self.timing(family, kind)
        }
    }

    /// When a mutation of `family` made now becomes visible to list and describe answers.
    fn visible_from(&self, family: Family, now: f64) -> Option<f64> {
        let delay = self.faults.visibility_delay_ms[family];
        (delay > 0).then_some(now + delay as f64)
    }

    /// Creates an association through its family's `lifecycle` and stores it. `settled` skips
    /// the create path (the association is active at once, any deployment step included, and
    /// no failure is rolled), for associations made out of band; `extra` fills in
    /// family-specific attributes. A create path that holds for an outside event rolls its
    /// failure when it is released instead (see `release`). A new association is not listed
    /// for the family's visibility delay.
    #[allow(clippy::too_many_arguments)]
    pub fn create_association(
        &mut self,
        lifecycle: &'static Lifecycle,
        id: String,
        parent: &str,
        child: &str,
        now: f64,
        settled: bool,
        extra: impl FnOnce(&mut Association),
    ) -> u64 {
        let family = lifecycle.family;
        let holds = lifecycle.create_holds_at().is_some();
        let fail = !settled && !holds && self.roll_failure(family);
        let timing = if settled {
            Timing::default()
        } else {
            self.start_timing(lifecycle, PathKind::Create)
        };
        let mut a = Association::create(
            lifecycle,
            id,
            parent.to_string(),
            child.to_string(),
            now,
            timing,
            fail,
        );
        extra(&mut a);
        if settled {
            a.settle(now);
        } else if let Some(until) = self.visible_from(family, now) {
            a.hide_until(until);
        }
        self.insert(a)
    }

    /// Releases an association held for an outside event (WorkSpaces' deployment): the rest
    /// of its path is timed from now, and a create path rolls its failure now. Returns whether
    /// it was held.
    pub fn release(&mut self, seq: u64, now: f64) -> bool {
        let Some((family, kind)) = self
            .by_seq(seq)
            .and_then(|a| a.held().map(|kind| (a.family(), kind)))
        else {
            return false;
        };
        let fail = kind == PathKind::Create && self.roll_failure(family);
        let timing = self.timing(family, kind);
        let visible_from = self.visible_from(family, now);
        self.by_seq_mut(seq).is_some_and(|a| {
            if let Some(until) = visible_from {
                a.show_previous_until(now, until);
            }
            a.release(now, timing, fail)
        })
    }

    /// Walks a failed association's create path again from its held step (a forced
    /// redeploy), rolling the failure again. Returns whether it was retried.
    pub fn retry_create(&mut self, seq: u64, now: f64) -> bool {
        let Some(lifecycle) = self
            .by_seq(seq)
            .filter(|a| a.phase() == Phase::Failed)
            .map(Association::lifecycle)
        else {
            return false;
        };
        if lifecycle.create_holds_at().is_none() {
            return false;
        }
        let family = lifecycle.family;
        let fail = self.roll_failure(family);
        let timing = self.timing(family, PathKind::Create);
        let visible_from = self.visible_from(family, now);
        self.by_seq_mut(seq).is_some_and(|a| {
            if let Some(until) = visible_from {
                a.show_previous_until(now, until);
            }
            a.retry_create(now, timing, fail)
        })
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
            .find(|a| a.family() == family && a.id == id && a.visible())
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
            .find(|a| a.family() == family && a.phase().is_current() && which(a))
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
        let Some((seq, phase)) = self.current_mut(family, which).map(|a| (a.seq, a.phase())) else {
            return Err(not_found());
        };
        let change = match phase {
            Phase::Creating => return Err(still_creating()),
            Phase::Active | Phase::Failed => Some((
                self.timing(family, PathKind::Delete),
                self.visible_from(family, now),
            )),
            Phase::Deleting | Phase::Deleted | Phase::Gone => None,
        };
        let Some(a) = self.by_seq_mut(seq) else {
            return Err(not_found());
        };
        if let Some((timing, visible_from)) = change {
            if let Some(until) = visible_from {
                a.show_previous_until(now, until);
            }
            a.begin_disassociate(now, timing);
        }
        Ok(a)
    }

    /// The page size of one paginated answer: what the request asked for (`None`: everything),
    /// capped by the `page_limit` fault setting.
    pub fn page_size(&self, requested: Option<usize>) -> Option<usize> {
        match (requested, self.faults.page_limit) {
            (Some(asked), Some(limit)) => Some(asked.min(limit.max(1))),
            (None, Some(limit)) => Some(limit.max(1)),
            (asked, None) => asked,
        }
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
            .filter(move |a| a.family() == family && a.parent == parent && a.visible())
    }

    /// What list and describe answers show of one family's associations at `now`, in creation
    /// order: each as it was before its latest change while that change is within the
    /// family's visibility delay (new ones not at all), else as it is.
    pub fn listed(&self, family: Family, now: f64) -> impl Iterator<Item = &Association> + '_ {
        self.associations
            .iter()
            .filter(move |a| a.family() == family)
            .filter_map(move |a| a.listed(now))
    }

    /// [`Inner::listed`] under one parent.
    pub fn listed_under<'a>(
        &'a self,
        family: Family,
        parent: &'a str,
        now: f64,
    ) -> impl Iterator<Item = &'a Association> + 'a {
        self.listed(family, now).filter(move |a| a.parent == parent)
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
                family: a.family(),
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
    use crate::families::workspaces_application::LIFECYCLE as WORKSPACES_APPLICATION;
    use crate::profile::Profile;

    /// A store with the fast durations, an empty world and no faults; `seed` seeds its RNG.
    fn store(seed: Option<u64>) -> Sim {
        let faults = FaultSettings {
            seed,
            ..FaultSettings::default()
        };
        Sim::new(
            World::default(),
            Durations::for_profile(Profile::Fast),
            faults,
        )
    }

    fn pair(inner: &mut Inner, now: f64) -> u64 {
        inner.create_association(
            &WORKSPACES_APPLICATION,
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
        let sim = store(None);
        let mut inner = sim.lock();
        let old = pair(&mut inner, 0.0);
        let timing = inner.timing(Family::WorkspacesApplication, PathKind::Delete);
        let a = inner.by_seq_mut(old).unwrap();
        a.begin_disassociate(10.0, timing);
        assert!(inner.release(old, 10.0));
        inner.advance_all(10.0 + timing.duration_ms as f64);
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
    fn jitter_spreads_each_walk_within_its_bounds_and_draws_nothing_when_zero() {
        let sim = store(Some(11));
        let mut inner = sim.lock();
        let base = inner.durations[Family::ClientVpn].associate_ms;
        assert_eq!(
            inner
                .timing(Family::ClientVpn, PathKind::Create)
                .duration_ms,
            base
        );
        assert_eq!(
            inner.rng.random::<u64>(),
            StdRng::seed_from_u64(11).random::<u64>()
        );
        inner.durations[Family::ClientVpn].jitter = 0.5;
        let spread: Vec<u64> = (0..50)
            .map(|_| {
                inner
                    .timing(Family::ClientVpn, PathKind::Create)
                    .duration_ms
            })
            .collect();
        let (low, high) = (base / 2, base + base / 2);
        assert!(
            spread.iter().all(|d| (low..=high).contains(d)),
            "{spread:?}"
        );
        let (min, max) = (spread.iter().min(), spread.iter().max());
        assert!(
            max.zip(min).is_some_and(|(max, min)| max - min > base / 4),
            "{spread:?}"
        );
    }

    #[test]
    fn a_held_create_rolls_its_failure_at_the_release_and_settled_skips_the_hold() {
        let sim = store(None);
        let mut inner = sim.lock();
        inner.faults.failure_rate[Family::WorkspacesApplication] = 1.0;
        let held = inner.create_association(
            &WORKSPACES_APPLICATION,
            "ws-1,wsa-1".into(),
            "ws-1",
            "wsa-1",
            0.0,
            false,
            |_| {},
        );
        assert!(inner.by_seq(held).unwrap().failure_message.is_none());
        assert!(inner.release(held, 1.0));
        inner.advance_all(10_000.0);
        assert_eq!(inner.by_seq(held).unwrap().state(), "ERROR");
        inner.faults.failure_rate[Family::WorkspacesApplication] = 0.0;
        assert!(inner.retry_create(held, 10_000.0));
        inner.advance_all(20_000.0);
        assert_eq!(inner.by_seq(held).unwrap().state(), "COMPLETED");
        let settled = pair(&mut inner, 0.0);
        assert_eq!(inner.by_seq(settled).unwrap().state(), "COMPLETED");
    }

    #[test]
    fn the_page_limit_caps_what_was_asked_and_pages_what_asked_nothing() {
        let sim = store(None);
        let mut inner = sim.lock();
        assert_eq!(inner.page_size(None), None);
        assert_eq!(inner.page_size(Some(50)), Some(50));
        inner.faults.page_limit = Some(2);
        assert_eq!(inner.page_size(None), Some(2));
        assert_eq!(inner.page_size(Some(50)), Some(2));
        assert_eq!(inner.page_size(Some(1)), Some(1));
    }

    #[test]
    fn only_the_shuffled_order_draws_from_the_rng() {
        let sim = store(Some(5));
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
