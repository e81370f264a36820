//! The association families by name, and tables with one value per family.
//!
//! This is the emulator's bottom vocabulary: it knows each family's wire name and nothing
//! else. What a family does (its states, durations, operations) is its module's `SPEC` under
//! `families/`, found through `families::spec`.

use std::fmt;
use std::ops::{Index, IndexMut};

use serde::de::{Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

/// Declares the `Family` enum with each variant's wire name (serde, `Display`, the keys of
/// durations and failure rates), which is also the name of its module under `families/`.
macro_rules! families {
    ($($(#[$doc:meta])* $variant:ident => $name:ident,)+) => {
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
                    $(Family::$variant => stringify!($name),)+
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
    use serde_json::Value;

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
}
