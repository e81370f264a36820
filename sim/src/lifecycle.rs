//! Association state machines driven by wall-clock time, generic over the families: each
//! family's module says which states its paths walk through and what each state word means
//! (`FamilySpec`); this module only schedules and applies them.
//!
//! Each association keeps the transitions that already happened (`history`) and the ones
//! scheduled for the future (`planned`). State is advanced lazily whenever anyone looks at it;
//! because a planned transition carries its own timestamp, the history is exact no matter how
//! late the lazy evaluation happens — which is what lets benchmarks measure how long a waiter
//! took to notice that an association vanished.

use std::collections::VecDeque;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

pub use crate::families::Family;
use crate::profile::FamilyDurations;

/// Pseudo-state recorded once an association no longer appears in any AWS answer.
pub const GONE: &str = "gone";

/// Milliseconds since the UNIX epoch, as a float so sub-millisecond ordering survives.
pub fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// Where an association is in its life, independent of each API's spelling of the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Creating,
    Active,
    Failed,
    Deleting,
    /// Finished disassociating but still listed (the grace period).
    Deleted,
    Gone,
}

impl Phase {
    /// Phases in which the association still occupies its parent (duplicate checks, one VPC per
    /// route server, one subnet per AZ).
    pub fn occupies(self) -> bool {
        matches!(self, Phase::Creating | Phase::Active | Phase::Deleting)
    }

    /// Not finished: the phases a disassociate call can act on (a failed association can still
    /// be disassociated).
    pub fn is_current(self) -> bool {
        self.occupies() || self == Phase::Failed
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub state: String,
    pub at_ms: f64,
}

/// When a step of a path happens, relative to the moment the path starts. The path's
/// duration is the family's `associate_ms` or `disassociate_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// At once: the state the call answers with.
    Start,
    /// After a third of the path's duration.
    Third,
    /// When the path's duration has passed.
    End,
    /// `grace_ms` after the end: how long a finished record stays listed.
    AfterGrace,
}

/// A create or delete path: each state and when it is reached. The first step is `At::Start`.
pub type Path = &'static [(&'static str, At)];

#[derive(Debug, Clone)]
pub struct Association {
    pub family: Family,
    pub id: String,
    pub parent: String,
    pub child: String,
    /// Creation order, assigned by the store; pagination cursors point at it so deletions never shift a page.
    pub seq: u64,
    pub created_ms: f64,
    /// Extra attributes some APIs echo back (VPC of a Client VPN subnet, device/link of a
    /// peer), by a name the family module chooses.
    pub attributes: Vec<(&'static str, String)>,
    /// Why the association failed, when the failure roll hit.
    pub failure_message: Option<String>,
    pub history: Vec<Transition>,
    planned: VecDeque<Transition>,
}

impl Association {
    /// Creates an association in its family's first transitional state and schedules the rest
    /// of the create path. `fail` turns the end of that path into the family's failure outcome.
    pub fn create(
        family: Family,
        id: String,
        parent: String,
        child: String,
        now: f64,
        d: &FamilyDurations,
        fail: bool,
    ) -> Association {
        let spec = family.spec();
        let mut a = Association {
            family,
            id,
            parent,
            child,
            seq: 0,
            created_ms: now,
            attributes: Vec::new(),
            failure_message: fail.then(|| spec.failure_message.to_string()),
            history: Vec::new(),
            planned: VecDeque::new(),
        };
        let path = if fail {
            spec.associate_failed
        } else {
            spec.associate
        };
        a.start(path, now, d.associate_ms, d.grace_ms);
        a
    }

    /// Records the path's first state now and plans the rest, replacing whatever was planned.
    fn start(&mut self, path: Path, now: f64, duration_ms: u64, grace_ms: u64) {
        let end = now + duration_ms as f64;
        let mut steps = path.iter().map(|&(state, at)| Transition {
            state: state.to_string(),
            at_ms: match at {
                At::Start => now,
                At::Third => now + (duration_ms / 3) as f64,
                At::End => end,
                At::AfterGrace => end + grace_ms as f64,
            },
        });
        self.history.extend(steps.next());
        self.planned = steps.collect();
    }

    /// Sets a family-specific attribute (see `attributes`).
    pub fn set_attribute(&mut self, name: &'static str, value: impl Into<String>) {
        self.attributes.push((name, value.into()));
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Applies every planned transition whose time has come.
    pub fn advance(&mut self, now: f64) {
        while self.planned.front().is_some_and(|t| t.at_ms <= now) {
            if let Some(t) = self.planned.pop_front() {
                self.history.push(t);
            }
        }
    }

    pub fn state(&self) -> &str {
        self.history
            .last()
            .map(|t| t.state.as_str())
            .unwrap_or(GONE)
    }

    /// Time of the latest transition, reported as `LastUpdatedTime` by WorkSpaces.
    pub fn last_updated_ms(&self) -> f64 {
        self.history
            .last()
            .map(|t| t.at_ms)
            .unwrap_or(self.created_ms)
    }

    /// What the current state word means, in the family's own vocabulary.
    pub fn phase(&self) -> Phase {
        self.family.spec().states.phase(self.state())
    }

    /// Visible in AWS answers (everything except `gone`).
    pub fn visible(&self) -> bool {
        self.phase() != Phase::Gone
    }

    /// Starts the delete path, replacing whatever was still planned.
    pub fn begin_disassociate(&mut self, now: f64, d: &FamilyDurations) {
        self.failure_message = None;
        let path = self.family.spec().disassociate;
        self.start(path, now, d.disassociate_ms, d.grace_ms);
    }

    /// Removes the association at once, as if someone deleted it outside the provider (drift).
    pub fn remove_now(&mut self, now: f64) {
        self.planned.clear();
        if self.visible() {
            self.history.push(Transition {
                state: GONE.to_string(),
                at_ms: now,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> FamilyDurations {
        FamilyDurations {
            associate_ms: 100,
            disassociate_ms: 90,
            grace_ms: 50,
        }
    }

    fn states(a: &Association) -> Vec<&str> {
        a.history.iter().map(|t| t.state.as_str()).collect()
    }

    #[test]
    fn client_vpn_walks_associate_then_disassociate_then_vanishes_after_grace() {
        let mut a = Association::create(
            Family::ClientVpn,
            "cvpn-assoc-1".into(),
            "cvpn-endpoint-1".into(),
            "subnet-1".into(),
            0.0,
            &d(),
            false,
        );
        a.advance(99.0);
        assert_eq!(a.state(), "associating");
        a.advance(100.0);
        assert_eq!(a.phase(), Phase::Active);
        a.begin_disassociate(1000.0, &d());
        a.advance(1090.0);
        assert_eq!(a.state(), "disassociated");
        a.advance(5000.0);
        assert_eq!(
            states(&a),
            [
                "associating",
                "associated",
                "disassociating",
                "disassociated",
                "gone"
            ]
        );
        // Transition times are the scheduled ones, not the time of the late look.
        assert_eq!(a.history[4].at_ms, 1140.0);
    }

    #[test]
    fn workspaces_install_passes_through_installing_and_can_fail_with_error() {
        let mut a = Association::create(
            Family::WorkspacesApplication,
            "ws-1,wsa-1".into(),
            "ws-1".into(),
            "wsa-1".into(),
            0.0,
            &d(),
            true,
        );
        a.advance(1000.0);
        assert_eq!(
            states(&a),
            ["PENDING_INSTALL_DEPLOYMENT", "INSTALLING", "ERROR"]
        );
        assert!(a.failure_message.is_some());
    }

    #[test]
    fn route_server_disassociation_ends_in_gone_without_a_terminal_state() {
        let mut a = Association::create(
            Family::RouteServer,
            "rs-1,vpc-1".into(),
            "rs-1".into(),
            "vpc-1".into(),
            0.0,
            &d(),
            false,
        );
        a.advance(100.0);
        a.begin_disassociate(200.0, &d());
        a.advance(290.0);
        assert!(!a.visible());
        assert_eq!(
            states(&a),
            ["associating", "associated", "disassociating", "gone"]
        );
    }

    #[test]
    fn out_of_band_removal_records_gone_once() {
        let mut a = Association::create(
            Family::ConnectPeer,
            "connect-peer-1".into(),
            "gn".into(),
            "connect-peer-1".into(),
            0.0,
            &d(),
            false,
        );
        a.remove_now(10.0);
        a.remove_now(20.0);
        a.advance(10_000.0);
        assert_eq!(states(&a), ["PENDING", "gone"]);
    }
}
