//! What an association's life is made of, in words every family shares: the phases, the
//! steps of a create or delete path and when each is reached, and a family's [`Lifecycle`]:
//! its own state words for each phase and the paths it walks. The lifecycle engine
//! (`lifecycle.rs`) and the store (`state.rs`) are handed a family's `Lifecycle`; each family's
//! module under `families/` defines one.

use serde::{Deserialize, Serialize};

use crate::family::Family;

/// Pseudo-state recorded once an association no longer appears in any AWS answer.
pub const GONE: &str = "gone";

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

/// When a step of a path happens, relative to the moment the path starts (or is released from
/// a hold). The path's duration is the family's `associate_ms` or `disassociate_ms`, spread by
/// its `jitter` once per walk.
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
    /// Waits for an outside event (WorkSpaces' `DeployWorkspaceApplications`): the path stops
    /// before this step until the store releases it; the step is then reached at once and the
    /// rest of the path is timed from the release, so nothing advances on its own meanwhile.
    Held,
}

/// A create or delete path: each state and when it is reached. The first step is `At::Start`.
pub type Path = &'static [(&'static str, At)];

/// Where a path waits for an outside event: the index of its first `At::Held` step.
pub fn hold_index(path: Path) -> Option<usize> {
    path.iter().position(|(_, at)| *at == At::Held)
}

/// Which of a family's paths an association walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// `associate` (or `associate_failed` when the failure roll hit).
    Create,
    /// `disassociate`.
    Delete,
}

/// How long one walk of a path takes: its duration (already spread by the family's jitter)
/// and, for a delete path, how long the finished record stays listed afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timing {
    pub duration_ms: u64,
    pub grace_ms: u64,
}

/// A family's state words, by the phase each stands for. Any other word (and the pseudo-state
/// `gone`) means the association is gone.
#[derive(Debug)]
pub struct States {
    pub creating: &'static [&'static str],
    pub active: &'static [&'static str],
    pub failed: &'static [&'static str],
    pub deleting: &'static [&'static str],
    /// Finished, but still listed for the grace period.
    pub deleted: &'static [&'static str],
}

impl States {
    /// The phase a state word stands for.
    pub fn phase(&self, state: &str) -> Phase {
        [
            (self.creating, Phase::Creating),
            (self.active, Phase::Active),
            (self.failed, Phase::Failed),
            (self.deleting, Phase::Deleting),
            (self.deleted, Phase::Deleted),
        ]
        .into_iter()
        .find(|(words, _)| words.contains(&state))
        .map_or(Phase::Gone, |(_, phase)| phase)
    }
}

/// How one family's associations live: the words its API uses for each phase, the paths its
/// create and delete calls walk, and why a failed create failed. Each family's module defines
/// one; the store and the lifecycle engine are handed it and never look a family up.
#[derive(Debug)]
pub struct Lifecycle {
    /// The family this describes (`families::tests` checks it matches the spec it sits in).
    pub family: Family,
    /// The state words of the family's API, by the phase each stands for.
    pub states: States,
    /// The create path; its first state is the one the associate call answers with.
    pub associate: Path,
    /// The create path when the failure roll hits (`failure_rate`).
    pub associate_failed: Path,
    /// The delete path; its first state is the one the disassociate call answers with.
    pub disassociate: Path,
    /// Why a failed association failed, as the API reports it.
    pub failure_message: &'static str,
}

impl Lifecycle {
    /// The path of `kind` (`fail`: the failed variant of the create path).
    pub fn path(&self, kind: PathKind, fail: bool) -> Path {
        match (kind, fail) {
            (PathKind::Create, false) => self.associate,
            (PathKind::Create, true) => self.associate_failed,
            (PathKind::Delete, _) => self.disassociate,
        }
    }

    /// Where the create path waits for an outside event, if it does.
    pub fn create_holds_at(&self) -> Option<usize> {
        hold_index(self.associate)
    }
}
