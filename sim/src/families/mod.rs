//! The association families, each described once, in its own module.
//!
//! A family's module holds everything that is particular to it: the state words of its API and
//! the [`Phase`] each stands for, the state sequences of its create and disassociate paths, its
//! default durations per profile, its failure text, its AWS operations (handlers included) and
//! the admin API's out-of-band associate. All of it is gathered in one `FamilySpec` constant,
//! `SPEC`. The shared machinery — the time-driven lifecycle, the store, durations and failure
//! rates, fault decisions, the services' wire formats and the admin API — asks that constant
//! instead of matching on [`Family`].
//!
//! Adding a family: write its module (start from the closest existing one) and add one line to
//! the `families!` list below; the line declares the module, the `Family` variant and its
//! registration at once. `docs/emulator.md` ("Adding a family") lists what else may be needed.

use std::fmt;
use std::ops::{Index, IndexMut};

use serde::de::{Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::admin_client::AssociateRequest;
use crate::api::ApiError;
use crate::lifecycle::{Path, Phase};
use crate::profile::Timings;
use crate::state::Inner;
use crate::{ec2, networkmanager, workspaces};

/// Declares the family modules and the `Family` enum with its registration. The variant's wire
/// name (serde, `Display`, the keys of durations and failure rates) is the module's name.
macro_rules! families {
    ($($(#[$doc:meta])* $variant:ident => $module:ident,)+) => {
        $(pub(crate) mod $module;)+

        /// An association family: one AWS associate/disassociate API pair.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Family {
            $($(#[$doc])* $variant,)+
        }

        impl Family {
            /// How many families there are.
            pub const COUNT: usize = [$(stringify!($variant)),+].len();

            /// Every family, in a fixed order.
            pub const ALL: [Family; Family::COUNT] = [$(Family::$variant),+];

            /// The snake_case name used on the wire (`client_vpn`, …).
            pub const fn name(self) -> &'static str {
                match self {
                    $(Family::$variant => stringify!($module),)+
                }
            }

            /// Everything particular to this family.
            pub(crate) fn spec(self) -> &'static FamilySpec {
                match self {
                    $(Family::$variant => &$module::SPEC,)+
                }
            }
        }
    };
}

families! {
    /// EC2 Client VPN target networks (`AssociateClientVpnTargetNetwork`).
    ClientVpn => client_vpn,
    /// EC2 Route Server ↔ VPC associations (`AssociateRouteServer`).
    RouteServer => route_server,
    /// NetworkManager (Cloud WAN) Connect peer associations (`AssociateConnectPeer`).
    ConnectPeer => connect_peer,
    /// WorkSpaces application associations (`AssociateWorkspaceApplication`).
    WorkspacesApplication => workspaces_application,
}

impl Family {
    /// The family with this wire name.
    pub fn from_name(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == name)
    }

    /// `client_vpn, route_server, connect_peer or workspaces_application`, for error messages.
    pub(crate) fn names_text() -> String {
        let names = Family::ALL.map(Family::name);
        match names.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything particular to one family, as its module's `SPEC` constant.
pub(crate) struct FamilySpec {
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
    /// Default durations per timing profile.
    pub durations: Timings,
    /// The AWS operations this family answers.
    pub operations: &'static [Operation],
    /// `POST /_sim/associate`: the associate call's checks and effect for an admin request.
    /// Returns the new association's sequence number.
    pub out_of_band: fn(&mut Inner, &AssociateRequest, f64) -> Result<u64, OutOfBandError>,
    /// Adds what the family derives from its associations to the admin world view.
    pub world_view: Option<fn(&Inner, &mut Value)>,
}

/// A family's state words, by the phase each stands for. Any other word (and the pseudo-state
/// `gone`) means the association is gone.
pub(crate) struct States {
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

/// One AWS operation: its name (as in the call log and fault rules) and its handler.
pub(crate) struct Operation {
    pub name: &'static str,
    pub handler: Handler,
}

/// An operation's handler, in its service's protocol.
pub(crate) enum Handler {
    /// EC2 query: dispatched by `Action`.
    Ec2(ec2::Handler),
    /// NetworkManager restJson1: dispatched by method and path template, e.g.
    /// `/global-networks/{globalNetworkId}/connect-peer-associations`.
    NetworkManager {
        method: &'static str,
        path: &'static str,
        run: networkmanager::Handler,
    },
    /// WorkSpaces awsJson1_1: dispatched by `X-Amz-Target`.
    WorkSpaces(workspaces::Handler),
}

/// Every family's operations.
pub(crate) fn operations() -> impl Iterator<Item = &'static Operation> {
    Family::ALL
        .into_iter()
        .flat_map(|family| family.spec().operations)
}

/// Why an out-of-band associate was refused.
#[derive(Debug)]
pub(crate) enum OutOfBandError {
    /// The admin request itself is wrong (400, no AWS code).
    BadRequest(String),
    /// The family's AWS checks refused it.
    Refused(ApiError),
}

impl From<String> for OutOfBandError {
    fn from(message: String) -> Self {
        OutOfBandError::BadRequest(message)
    }
}

impl From<ApiError> for OutOfBandError {
    fn from(e: ApiError) -> Self {
        OutOfBandError::Refused(e)
    }
}

/// One value per family, indexed by [`Family`] and (de)serialized as a JSON object keyed by the
/// family's name, in [`Family::ALL`] order: `{"client_vpn": …, "route_server": …, …}`. Each
/// table's own `Deserialize` says whether families may be left out and other keys given.
#[derive(Clone, Copy, PartialEq)]
pub struct PerFamily<T>([T; Family::COUNT]);

impl<T> PerFamily<T> {
    pub fn from_fn(value: impl FnMut(Family) -> T) -> Self {
        PerFamily(Family::ALL.map(value))
    }

    /// Each family with its value, in [`Family::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Family, &T)> {
        Family::ALL.into_iter().zip(&self.0)
    }

    /// Reads the JSON object (or, as serde's derived structs also accept, an array in
    /// [`Family::ALL`] order). `absent` fills in the families the JSON leaves out; without it
    /// they are errors. Keys that name no family are errors when `deny_unknown`, else ignored.
    /// `name` is what error messages call the table (`struct Durations`).
    pub(crate) fn deserialize_as<'de, D>(
        deserializer: D,
        name: &'static str,
        absent: Option<T>,
        deny_unknown: bool,
    ) -> Result<Self, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de> + Copy,
    {
        deserializer.deserialize_struct(
            name,
            &NAMES,
            TableVisitor {
                name,
                absent,
                deny_unknown,
            },
        )
    }
}

/// Every family's name, for serde's "expected one of" messages.
const NAMES: [&str; Family::COUNT] = {
    let mut names = [""; Family::COUNT];
    let mut i = 0;
    while i < Family::COUNT {
        names[i] = Family::ALL[i].name();
        i += 1;
    }
    names
};

impl<T> Index<Family> for PerFamily<T> {
    type Output = T;

    fn index(&self, family: Family) -> &T {
        &self.0[family as usize]
    }
}

impl<T> IndexMut<Family> for PerFamily<T> {
    fn index_mut(&mut self, family: Family) -> &mut T {
        &mut self.0[family as usize]
    }
}

impl<T: fmt::Debug> fmt::Debug for PerFamily<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<T: Serialize> Serialize for PerFamily<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(Family::COUNT))?;
        for (family, value) in self.iter() {
            map.serialize_entry(family.name(), value)?;
        }
        map.end()
    }
}

struct TableVisitor<T> {
    name: &'static str,
    absent: Option<T>,
    deny_unknown: bool,
}

impl<'de, T: Deserialize<'de> + Copy> Visitor<'de> for TableVisitor<T> {
    type Value = PerFamily<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut values: [Option<T>; Family::COUNT] = [None; Family::COUNT];
        while let Some(key) = map.next_key::<String>()? {
            match Family::from_name(&key) {
                Some(family) if values[family as usize].is_some() => {
                    return Err(A::Error::duplicate_field(family.name()));
                }
                Some(family) => values[family as usize] = Some(map.next_value()?),
                None if self.deny_unknown => {
                    return Err(A::Error::unknown_field(&key, &NAMES));
                }
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        let mut table = [None; Family::COUNT];
        for family in Family::ALL {
            let value = values[family as usize].or(self.absent);
            table[family as usize] =
                Some(value.ok_or_else(|| A::Error::missing_field(family.name()))?);
        }
        Ok(PerFamily(
            table.map(|v| v.expect("every family was filled in")),
        ))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut table = [None; Family::COUNT];
        for (i, slot) in table.iter_mut().enumerate() {
            *slot = match (seq.next_element()?, self.absent) {
                (Some(value), _) => Some(value),
                (None, Some(absent)) => Some(absent),
                (None, None) => {
                    return Err(A::Error::invalid_length(
                        i,
                        &format!("struct {} with {} elements", self.name, Family::COUNT).as_str(),
                    ));
                }
            };
        }
        Ok(PerFamily(
            table.map(|v| v.expect("every family was filled in")),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::{At, GONE, hold_index};

    #[test]
    fn wire_names_are_the_serde_names_and_the_module_names() {
        for family in Family::ALL {
            assert_eq!(
                serde_json::to_value(family).unwrap(),
                Value::String(family.to_string())
            );
            assert_eq!(Family::from_name(family.name()), Some(family));
        }
        assert_eq!(NAMES, Family::ALL.map(Family::name));
        let [first, .., last] = Family::ALL.map(Family::name);
        let text = Family::names_text();
        assert!(text.starts_with(&format!("{first}, ")), "{text}");
        assert!(text.ends_with(&format!(" or {last}")), "{text}");
    }

    #[test]
    fn every_path_starts_at_once_and_uses_only_the_familys_own_words() {
        for family in Family::ALL {
            let spec = family.spec();
            for path in [spec.associate, spec.associate_failed, spec.disassociate] {
                assert_eq!(path.first().map(|(_, at)| *at), Some(At::Start), "{family}");
                for (state, _) in path {
                    assert!(
                        *state == GONE || spec.states.phase(state) != Phase::Gone,
                        "{family}: {state} has no phase"
                    );
                }
            }
            let last = |path: Path| spec.states.phase(path.last().unwrap().0);
            assert_eq!(
                spec.states.phase(spec.associate[0].0),
                Phase::Creating,
                "{family}"
            );
            assert_eq!(last(spec.associate), Phase::Active, "{family}");
            assert_eq!(
                spec.states.phase(spec.disassociate[0].0),
                Phase::Deleting,
                "{family}"
            );
            assert_eq!(last(spec.disassociate), Phase::Gone, "{family}");
        }
    }

    #[test]
    fn a_create_path_and_its_failed_variant_hold_at_the_same_step() {
        // The failure roll of a held create is taken at its release, which continues whichever
        // of the two paths the roll picks from the held step.
        for family in Family::ALL {
            let spec = family.spec();
            let held = hold_index(spec.associate);
            assert_eq!(held, hold_index(spec.associate_failed), "{family}");
            if let Some(i) = held {
                assert_eq!(
                    spec.associate[..=i],
                    spec.associate_failed[..=i],
                    "{family}"
                );
            }
        }
    }

    #[test]
    fn operation_names_are_unique() {
        let mut names: Vec<&str> = operations().map(|op| op.name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
    }
}
