//! Association state machines driven by wall-clock time.
//!
//! Each association keeps the transitions that already happened (`history`) and the ones
//! scheduled for the future (`planned`). State is advanced lazily whenever anyone looks at it;
//! because a planned transition carries its own timestamp, the history is exact no matter how
//! late the lazy evaluation happens — which is what lets benchmarks measure how long a waiter
//! took to notice that an association vanished.

use std::collections::VecDeque;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    ClientVpn,
    RouteServer,
    ConnectPeer,
    WorkspacesApplication,
}

impl Family {
    /// Every family, in a fixed order.
    pub const ALL: [Family; 4] = [
        Family::ClientVpn,
        Family::RouteServer,
        Family::ConnectPeer,
        Family::WorkspacesApplication,
    ];
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::ClientVpn => "client_vpn",
            Family::RouteServer => "route_server",
            Family::ConnectPeer => "connect_peer",
            Family::WorkspacesApplication => "workspaces_application",
        })
    }
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

#[derive(Debug, Clone)]
pub struct Association {
    pub family: Family,
    pub id: String,
    pub parent: String,
    pub child: String,
    /// Creation order, assigned by the store; pagination cursors point at it so deletions never shift a page.
    pub seq: u64,
    pub created_ms: f64,
    /// Extra attributes some APIs echo back (VPC of a Client VPN subnet, device/link of a peer).
    pub vpc_id: Option<String>,
    pub device_id: Option<String>,
    pub link_id: Option<String>,
    /// Why the association failed, when the failure roll hit.
    pub failure_message: Option<String>,
    pub history: Vec<Transition>,
    planned: VecDeque<Transition>,
}

fn at(start: f64, offset_ms: u64) -> f64 {
    start + offset_ms as f64
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
        let a = d.associate_ms;
        let (first, plan): (&str, Vec<(&str, f64)>) = match (family, fail) {
            (Family::ClientVpn, false) => ("associating", vec![("associated", at(now, a))]),
            (Family::ClientVpn, true) => ("associating", vec![("association-failed", at(now, a))]),
            (Family::RouteServer, false) => ("associating", vec![("associated", at(now, a))]),
            // Route server states have no failure value: a failed association just disappears.
            (Family::RouteServer, true) => ("associating", vec![(GONE, at(now, a))]),
            (Family::ConnectPeer, false) => ("PENDING", vec![("AVAILABLE", at(now, a))]),
            // Connect peer states have no failure value either: it is torn down by AWS.
            (Family::ConnectPeer, true) => (
                "PENDING",
                vec![("DELETED", at(now, a)), (GONE, at(at(now, a), d.grace_ms))],
            ),
            (Family::WorkspacesApplication, fail) => (
                "PENDING_INSTALL_DEPLOYMENT",
                vec![
                    ("INSTALLING", at(now, a / 3)),
                    (if fail { "ERROR" } else { "COMPLETED" }, at(now, a)),
                ],
            ),
        };
        let failure_message = fail.then_some(match family {
            Family::ClientVpn => "Failed to allocate network interfaces in the subnet (simulated)",
            Family::WorkspacesApplication => "The application could not be installed (simulated)",
            Family::RouteServer | Family::ConnectPeer => "Association was rolled back (simulated)",
        });
        Association {
            family,
            id,
            parent,
            child,
            seq: 0,
            created_ms: now,
            vpc_id: None,
            device_id: None,
            link_id: None,
            failure_message: failure_message.map(str::to_string),
            history: vec![Transition {
                state: first.to_string(),
                at_ms: now,
            }],
            planned: plan
                .into_iter()
                .map(|(state, at_ms)| Transition {
                    state: state.to_string(),
                    at_ms,
                })
                .collect(),
        }
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

    pub fn phase(&self) -> Phase {
        match self.state() {
            "associating"
            | "PENDING"
            | "PENDING_INSTALL_DEPLOYMENT"
            | "PENDING_INSTALL"
            | "INSTALLING" => Phase::Creating,
            "associated" | "AVAILABLE" | "COMPLETED" => Phase::Active,
            "association-failed" | "ERROR" => Phase::Failed,
            "disassociating"
            | "DELETING"
            | "PENDING_UNINSTALL_DEPLOYMENT"
            | "PENDING_UNINSTALL"
            | "UNINSTALLING" => Phase::Deleting,
            "disassociated" | "DELETED" | "REMOVED" => Phase::Deleted,
            _ => Phase::Gone,
        }
    }

    /// Visible in AWS answers (everything except `gone`).
    pub fn visible(&self) -> bool {
        self.phase() != Phase::Gone
    }

    /// Starts the delete path, replacing whatever was still planned.
    pub fn begin_disassociate(&mut self, now: f64, d: &FamilyDurations) {
        let (x, g) = (d.disassociate_ms, d.grace_ms);
        let done = at(now, x);
        let (first, plan): (&str, Vec<(&str, f64)>) = match self.family {
            Family::ClientVpn => (
                "disassociating",
                vec![("disassociated", done), (GONE, at(done, g))],
            ),
            Family::RouteServer => ("disassociating", vec![(GONE, done)]),
            Family::ConnectPeer => ("DELETING", vec![("DELETED", done), (GONE, at(done, g))]),
            Family::WorkspacesApplication => (
                "PENDING_UNINSTALL_DEPLOYMENT",
                vec![
                    ("UNINSTALLING", at(now, x / 3)),
                    ("REMOVED", done),
                    (GONE, at(done, g)),
                ],
            ),
        };
        self.failure_message = None;
        self.history.push(Transition {
            state: first.to_string(),
            at_ms: now,
        });
        self.planned = plan
            .into_iter()
            .map(|(state, at_ms)| Transition {
                state: state.to_string(),
                at_ms,
            })
            .collect();
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
