//! The association families, each described once, in its own module, and the registry that
//! finds a family's spec.
//!
//! A family's module holds everything that is particular to it: its
//! [`Lifecycle`](crate::phase::Lifecycle) (the state words of its API and the [`Phase`] each
//! stands for, the state sequences of its create and disassociate paths, its failure text), its
//! default durations per profile, its AWS operations (handlers and subjects included) and the
//! admin API's out-of-band associate. All of it is gathered in one `FamilySpec` constant,
//! `SPEC` (the vocabulary is `spec.rs`). The shared machinery below this module (the lifecycle
//! engine, the store) is handed a family's `Lifecycle`; the server, the admin API and the
//! duration presets ask [`spec`].
//!
//! Adding a family: its `Family` variant (`family.rs`), its module here, and its arm in
//! [`spec`]; the compiler points at the arm. `docs/emulator.md` ("Adding a family") lists the
//! rest.

pub(crate) mod client_vpn;
pub(crate) mod connect_peer;
pub(crate) mod route_server;
pub(crate) mod spec;
pub(crate) mod workspaces_application;

use crate::admin_types::AssociationRecord;
use crate::family::{Family, PerFamily};
use crate::phase::Phase;
use crate::profile::{Durations, Profile};
use spec::{FamilySpec, Operation};

/// Everything particular to `family`: its module's `SPEC`.
pub(crate) fn spec(family: Family) -> &'static FamilySpec {
    match family {
        Family::ClientVpn => &client_vpn::SPEC,
        Family::RouteServer => &route_server::SPEC,
        Family::ConnectPeer => &connect_peer::SPEC,
        Family::WorkspacesApplication => &workspaces_application::SPEC,
    }
}

/// Every family's operations, in [`Family::ALL`] order.
pub(crate) fn operations() -> impl Iterator<Item = (Family, &'static Operation)> {
    Family::ALL
        .into_iter()
        .flat_map(|family| spec(family).operations.iter().map(move |op| (family, op)))
}

/// The duration presets are the family specs' numbers, so they are assembled here.
impl Durations {
    /// Preset durations, as each family's module sets them. Realistic values follow what AWS
    /// is observed to take where that is published (Client VPN), else the assumptions listed
    /// in `docs/emulator.md` ("Durations").
    pub fn for_profile(profile: Profile) -> Self {
        PerFamily::from_fn(|family| spec(family).durations.for_profile(profile))
    }
}

/// The fast profile.
impl Default for Durations {
    fn default() -> Self {
        Durations::for_profile(Profile::Fast)
    }
}

/// What a record's state word means is its family's to say, so this lives with the registry.
impl AssociationRecord {
    /// The phase the association's current state stands for, in its family's words.
    pub fn phase(&self) -> Phase {
        spec(self.family).lifecycle.states.phase(&self.state)
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
        let states = &spec(self.family).lifecycle.states;
        self.history
            .iter()
            .find(|t| matches!(states.phase(&t.state), Phase::Deleted | Phase::Gone))
            .map(|t| t.at_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phase::{At, GONE, Path, hold_index};

    #[test]
    fn each_spec_names_its_own_family() {
        for family in Family::ALL {
            assert_eq!(spec(family).lifecycle.family, family);
        }
    }

    #[test]
    fn every_path_starts_at_once_and_uses_only_the_familys_own_words() {
        for family in Family::ALL {
            let lifecycle = spec(family).lifecycle;
            for path in [
                lifecycle.associate,
                lifecycle.associate_failed,
                lifecycle.disassociate,
            ] {
                assert_eq!(path.first().map(|(_, at)| *at), Some(At::Start), "{family}");
                for (state, _) in path {
                    assert!(
                        *state == GONE || lifecycle.states.phase(state) != Phase::Gone,
                        "{family}: {state} has no phase"
                    );
                }
            }
            let last = |path: Path| lifecycle.states.phase(path.last().unwrap().0);
            assert_eq!(
                lifecycle.states.phase(lifecycle.associate[0].0),
                Phase::Creating,
                "{family}"
            );
            assert_eq!(last(lifecycle.associate), Phase::Active, "{family}");
            assert_eq!(
                lifecycle.states.phase(lifecycle.disassociate[0].0),
                Phase::Deleting,
                "{family}"
            );
            assert_eq!(last(lifecycle.disassociate), Phase::Gone, "{family}");
        }
    }

    #[test]
    fn a_create_path_and_its_failed_variant_hold_at_the_same_step() {
        // The failure roll of a held create is taken at its release, which continues whichever
        // of the two paths the roll picks from the held step.
        for family in Family::ALL {
            let lifecycle = spec(family).lifecycle;
            let held = hold_index(lifecycle.associate);
            assert_eq!(held, hold_index(lifecycle.associate_failed), "{family}");
            if let Some(i) = held {
                assert_eq!(
                    lifecycle.associate[..=i],
                    lifecycle.associate_failed[..=i],
                    "{family}"
                );
            }
        }
    }

    #[test]
    fn operation_names_are_unique() {
        let mut names: Vec<&str> = operations().map(|(_, op)| op.name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
    }
}
