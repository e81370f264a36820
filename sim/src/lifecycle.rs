//! Association state machines driven by wall-clock time, generic over the families: each
//! association is handed its family's [`Lifecycle`] (which states its paths walk through and
//! what each state word means); this module only schedules and applies them.
//!
//! Each association keeps the transitions that already happened (`history`) and the ones
//! scheduled for the future (`planned`). State is advanced lazily whenever anyone looks at it;
//! because a planned transition carries its own timestamp, the history is exact no matter how
//! late the lazy evaluation happens — which is what lets benchmarks measure how long a waiter
//! took to notice that an association vanished.

use std::collections::VecDeque;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::family::Family;
use crate::phase::{At, GONE, Lifecycle, PathKind, Phase, Timing, Transition};

/// Milliseconds since the UNIX epoch, as a float so sub-millisecond ordering survives.
pub fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// A path stopped before a held step, waiting for `Association::release`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hold {
    kind: PathKind,
    index: usize,
}

/// What list and describe answers show of an association while its latest change is not yet
/// visible (eventual consistency): nothing for a new association, else a frozen copy of what
/// they showed just before the change.
#[derive(Debug, Clone)]
struct Lag {
    until_ms: f64,
    shown: Option<Box<Association>>,
}

#[derive(Debug, Clone)]
pub struct Association {
    /// The family's states and paths, handed in at creation.
    lifecycle: &'static Lifecycle,
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
    hold: Option<Hold>,
    lag: Option<Lag>,
}

impl Association {
    /// Creates an association in its family's first transitional state and schedules the rest
    /// of the create path (up to a held step, if the path has one). `fail` turns the end of
    /// that path into the family's failure outcome.
    pub fn create(
        lifecycle: &'static Lifecycle,
        id: String,
        parent: String,
        child: String,
        now: f64,
        timing: Timing,
        fail: bool,
    ) -> Association {
        let mut a = Association {
            lifecycle,
            id,
            parent,
            child,
            seq: 0,
            created_ms: now,
            attributes: Vec::new(),
            failure_message: None,
            history: Vec::new(),
            planned: VecDeque::new(),
            hold: None,
            lag: None,
        };
        a.start(PathKind::Create, fail, 0, now, timing);
        a
    }

    /// The family the association belongs to.
    pub fn family(&self) -> Family {
        self.lifecycle.family
    }

    /// Its family's states and paths.
    pub fn lifecycle(&self) -> &'static Lifecycle {
        self.lifecycle
    }

    /// Walks `kind`'s path from step `from`: that step is reached now, the following ones are
    /// planned from now, up to the next held step. Replaces whatever was planned.
    fn start(&mut self, kind: PathKind, fail: bool, from: usize, now: f64, timing: Timing) {
        if kind == PathKind::Create {
            self.failure_message = fail.then(|| self.lifecycle.failure_message.to_string());
        }
        let path = self.lifecycle.path(kind, fail);
        let end = now + timing.duration_ms as f64;
        self.planned.clear();
        self.hold = None;
        for (index, &(state, at)) in path.iter().enumerate().skip(from) {
            if index > from && at == At::Held {
                self.hold = Some(Hold { kind, index });
                break;
            }
            let at_ms = match at {
                _ if index == from => now,
                At::Start | At::Held => now,
                At::Third => now + (timing.duration_ms / 3) as f64,
                At::End => end,
                At::AfterGrace => end + timing.grace_ms as f64,
            };
            let step = Transition {
                state: state.to_string(),
                at_ms,
            };
            if index == from {
                self.history.push(step);
            } else {
                self.planned.push_back(step);
            }
        }
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

    /// Applies every planned transition whose time has come, and forgets a change's lag once
    /// it has become visible.
    pub fn advance(&mut self, now: f64) {
        while self.planned.front().is_some_and(|t| t.at_ms <= now) {
            if let Some(t) = self.planned.pop_front() {
                self.history.push(t);
            }
        }
        if self.lag.as_ref().is_some_and(|lag| lag.until_ms <= now) {
            self.lag = None;
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
        self.lifecycle.states.phase(self.state())
    }

    /// Visible in AWS answers (everything except `gone`).
    pub fn visible(&self) -> bool {
        self.phase() != Phase::Gone
    }

    /// Waiting at a held step for an outside event (everything before it has happened), and
    /// which path it is holding on.
    pub fn held(&self) -> Option<PathKind> {
        self.hold
            .filter(|_| self.planned.is_empty())
            .map(|hold| hold.kind)
    }

    /// Continues a held path: the held step is reached now and the rest is timed from now.
    /// For a create path, `fail` picks the failure outcome (the roll is taken at the release).
    /// Returns whether the association was held.
    pub fn release(&mut self, now: f64, timing: Timing, fail: bool) -> bool {
        let Some(hold) = self.hold.filter(|_| self.planned.is_empty()) else {
            return false;
        };
        self.start(hold.kind, fail, hold.index, now, timing);
        true
    }

    /// Walks a failed association's create path again from its held step (a forced
    /// redeploy). Returns false when it has not failed or its create path never holds.
    pub fn retry_create(&mut self, now: f64, timing: Timing, fail: bool) -> bool {
        let from = self.lifecycle.create_holds_at();
        match from {
            Some(from) if self.phase() == Phase::Failed && self.planned.is_empty() => {
                self.start(PathKind::Create, fail, from, now, timing);
                true
            }
            _ => false,
        }
    }

    /// Walks the rest of the path at once, releasing every hold with a zero duration: an
    /// association that was made (and deployed) before anyone looked.
    pub fn settle(&mut self, now: f64) {
        loop {
            self.advance(now);
            if !self.release(now, Timing::default(), false) {
                return;
            }
        }
    }

    /// Starts the delete path, replacing whatever was still planned.
    pub fn begin_disassociate(&mut self, now: f64, timing: Timing) {
        self.failure_message = None;
        self.start(PathKind::Delete, false, 0, now, timing);
    }

    /// Removes the association at once, as if someone deleted it outside the provider (drift).
    /// Lists see it at once too.
    pub fn remove_now(&mut self, now: f64) {
        self.planned.clear();
        self.hold = None;
        self.lag = None;
        if self.visible() {
            self.history.push(Transition {
                state: GONE.to_string(),
                at_ms: now,
            });
        }
    }

    /// What list and describe answers show of this association at `now`: itself when it is
    /// visible and its latest change has become visible, else what they showed before that
    /// change (nothing for an association created less than the visibility delay ago).
    pub fn listed(&self, now: f64) -> Option<&Association> {
        match &self.lag {
            Some(lag) if now < lag.until_ms => lag.shown.as_deref(),
            _ => self.visible().then_some(self),
        }
    }

    /// Hides a new association from lists until `until_ms`.
    pub fn hide_until(&mut self, until_ms: f64) {
        self.lag = Some(Lag {
            until_ms,
            shown: None,
        });
    }

    /// Called just before a change: lists keep showing what they show now until `until_ms`.
    pub fn show_previous_until(&mut self, now: f64, until_ms: f64) {
        let shown = self.listed(now).map(|a| {
            let mut frozen = a.clone();
            frozen.planned.clear();
            frozen.hold = None;
            frozen.lag = None;
            Box::new(frozen)
        });
        self.lag = Some(Lag { until_ms, shown });
    }

    /// Lists show every change at once again (an admin action that models something done
    /// long ago).
    pub fn show_now(&mut self) {
        self.lag = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::{client_vpn, connect_peer, route_server, workspaces_application};

    const CREATE: Timing = Timing {
        duration_ms: 100,
        grace_ms: 50,
    };
    const DELETE: Timing = Timing {
        duration_ms: 90,
        grace_ms: 50,
    };

    fn states(a: &Association) -> Vec<&str> {
        a.history.iter().map(|t| t.state.as_str()).collect()
    }

    fn workspace_app(fail: bool) -> Association {
        Association::create(
            &workspaces_application::LIFECYCLE,
            "ws-1,wsa-1".into(),
            "ws-1".into(),
            "wsa-1".into(),
            0.0,
            CREATE,
            fail,
        )
    }

    #[test]
    fn client_vpn_walks_associate_then_disassociate_then_vanishes_after_grace() {
        let mut a = Association::create(
            &client_vpn::LIFECYCLE,
            "cvpn-assoc-1".into(),
            "cvpn-endpoint-1".into(),
            "subnet-1".into(),
            0.0,
            CREATE,
            false,
        );
        a.advance(99.0);
        assert_eq!(a.state(), "associating");
        a.advance(100.0);
        assert_eq!(a.phase(), Phase::Active);
        a.begin_disassociate(1000.0, DELETE);
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
    fn a_held_path_waits_for_its_release_and_is_timed_from_it() {
        let mut a = workspace_app(false);
        a.advance(1_000_000.0);
        assert_eq!(states(&a), ["PENDING_INSTALL_DEPLOYMENT"]);
        assert_eq!(a.held(), Some(PathKind::Create));
        assert!(a.release(2000.0, CREATE, false));
        assert_eq!(a.held(), None);
        assert!(!a.release(2000.0, CREATE, false), "released once");
        a.advance(2032.0);
        assert_eq!(a.state(), "PENDING_INSTALL");
        a.advance(2033.0);
        assert_eq!(a.state(), "INSTALLING");
        a.advance(5000.0);
        assert_eq!(
            states(&a),
            [
                "PENDING_INSTALL_DEPLOYMENT",
                "PENDING_INSTALL",
                "INSTALLING",
                "COMPLETED"
            ]
        );
        assert_eq!(a.history[3].at_ms, 2100.0);

        a.begin_disassociate(6000.0, DELETE);
        a.advance(100_000.0);
        assert_eq!(a.state(), "PENDING_UNINSTALL_DEPLOYMENT");
        assert_eq!(a.held(), Some(PathKind::Delete));
        assert!(a.release(7000.0, DELETE, false));
        a.advance(100_000.0);
        assert_eq!(
            &states(&a)[4..],
            [
                "PENDING_UNINSTALL_DEPLOYMENT",
                "PENDING_UNINSTALL",
                "UNINSTALLING",
                "REMOVED",
                "gone"
            ]
        );
        assert_eq!(a.history.last().map(|t| t.at_ms), Some(7140.0));
    }

    #[test]
    fn a_failed_release_ends_in_error_and_a_retry_walks_the_tail_again() {
        let mut a = workspace_app(false);
        assert!(a.failure_message.is_none());
        assert!(!a.retry_create(10.0, CREATE, false), "not failed");
        a.release(10.0, CREATE, true);
        a.advance(1000.0);
        assert_eq!(a.state(), "ERROR");
        assert!(a.failure_message.is_some());
        assert!(a.retry_create(2000.0, CREATE, false));
        assert!(a.failure_message.is_none());
        a.advance(3000.0);
        assert_eq!(
            &states(&a)[3..],
            ["ERROR", "PENDING_INSTALL", "INSTALLING", "COMPLETED"]
        );
    }

    #[test]
    fn settling_walks_every_hold_at_once() {
        let mut a = workspace_app(false);
        a.settle(0.0);
        assert_eq!(a.state(), "COMPLETED");
        assert_eq!(a.history.len(), 4);
        assert!(a.history.iter().all(|t| t.at_ms == 0.0));
    }

    #[test]
    fn lists_lag_behind_a_change_until_its_delay_has_passed() {
        let mut a = workspace_app(false);
        a.hide_until(100.0);
        assert!(a.listed(99.0).is_none(), "new: not listed yet");
        a.advance(100.0);
        assert_eq!(a.listed(100.0).map(Association::state), Some(a.state()));
        a.show_previous_until(200.0, 300.0);
        a.release(200.0, CREATE, false);
        a.advance(250.0);
        assert_eq!(a.state(), "INSTALLING");
        let shown = a.listed(250.0).unwrap();
        assert_eq!(
            (shown.state(), shown.seq),
            ("PENDING_INSTALL_DEPLOYMENT", a.seq)
        );
        // A second change within the delay keeps the view from before the first.
        a.show_previous_until(260.0, 400.0);
        assert_eq!(
            a.listed(399.0).map(Association::state),
            Some("PENDING_INSTALL_DEPLOYMENT")
        );
        a.advance(400.0);
        assert_eq!(a.listed(400.0).map(Association::state), Some("COMPLETED"));
    }

    #[test]
    fn route_server_disassociation_ends_in_gone_without_a_terminal_state() {
        let mut a = Association::create(
            &route_server::LIFECYCLE,
            "rs-1,vpc-1".into(),
            "rs-1".into(),
            "vpc-1".into(),
            0.0,
            CREATE,
            false,
        );
        a.advance(100.0);
        a.begin_disassociate(200.0, DELETE);
        a.advance(290.0);
        assert!(!a.visible());
        assert!(a.listed(290.0).is_none());
        assert_eq!(
            states(&a),
            ["associating", "associated", "disassociating", "gone"]
        );
    }

    #[test]
    fn out_of_band_removal_records_gone_once() {
        let mut a = Association::create(
            &connect_peer::LIFECYCLE,
            "connect-peer-1".into(),
            "gn".into(),
            "connect-peer-1".into(),
            0.0,
            CREATE,
            false,
        );
        a.remove_now(10.0);
        a.remove_now(20.0);
        a.advance(10_000.0);
        assert_eq!(states(&a), ["PENDING", "gone"]);
    }
}
