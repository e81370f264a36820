//! Everything the emulator remembers, behind one mutex.
//!
//! Critical sections are short and never span an await, so a plain std mutex is enough and
//! every request sees a consistent snapshot of parents, associations and fault settings.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::faults::{FaultKind, FaultSettings};
use crate::lifecycle::{Association, Family, Transition};
use crate::profile::{Durations, FamilyDurations};
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
}

/// One emulated AWS call as the admin API reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    pub service: String,
    pub operation: String,
    pub at_ms: f64,
    /// HTTP status sent; 0 when the connection was dropped without an answer.
    pub status: u16,
    pub fault: Option<FaultKind>,
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
}

pub struct Sim {
    inner: Mutex<Inner>,
    /// Restored by `reset`, so a test suite can change durations and still start clean.
    startup_durations: Durations,
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
            }),
            startup_durations: durations,
        }
    }

    /// Locks the state; a panic elsewhere must not wedge the emulator, so poisoning is ignored.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
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

    pub fn durations_for(&self, family: Family) -> FamilyDurations {
        match family {
            Family::ClientVpn => self.durations.client_vpn,
            Family::RouteServer => self.durations.route_server,
            Family::ConnectPeer => self.durations.connect_peer,
            Family::WorkspacesApplication => self.durations.workspaces_application,
        }
    }

    /// Rolls the configured failure rate for a new association of `family`.
    pub fn roll_failure(&mut self, family: Family) -> bool {
        let rate = self.faults.failure_rate.for_family(family);
        rate > 0.0 && self.rng.random::<f64>() < rate
    }

    pub fn set_faults(&mut self, faults: FaultSettings) {
        if let Some(seed) = faults.seed {
            self.rng = StdRng::seed_from_u64(seed);
        }
        self.faults = faults;
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

    /// The association of `family` with this id that is still visible to AWS callers.
    pub fn visible_mut(&mut self, family: Family, id: &str) -> Option<&mut Association> {
        self.associations
            .iter_mut()
            .find(|a| a.family == family && a.id == id && a.visible())
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

    pub fn record_call(
        &mut self,
        service: &str,
        operation: &str,
        at_ms: f64,
        status: u16,
        fault: Option<FaultKind>,
    ) {
        *self.calls.counts.entry(operation.to_string()).or_default() += 1;
        self.calls.log.push(CallRecord {
            service: service.to_string(),
            operation: operation.to_string(),
            at_ms,
            status,
            fault,
        });
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
