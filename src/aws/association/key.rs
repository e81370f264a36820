//! Which association an operation is about ([`AssociationKey`]), its one text form
//! (`parent,member`: the import ID and, by default, the `id`), and the removals a plan makes.

use std::collections::HashSet;
use std::fmt;

/// Which parent an association belongs to and its name within that parent. The parent's status
/// call answers for all its associations; the pair is also the import ID.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AssociationKey {
    pub parent: String,
    pub member: String,
}

/// What separates the parent from the member in the text form of a key.
const SEPARATOR: char = ',';

/// `parent,member`: the one way a key, or a pattern of one (`<parent>`, an example ID), is
/// written.
pub fn pair(parent: &str, member: &str) -> String {
    format!("{parent}{SEPARATOR}{member}")
}

/// Why a text is not `parent,member`.
#[derive(Debug, PartialEq, Eq)]
pub struct NotAPair {
    /// How many comma-separated parts the text has.
    pub parts: usize,
}

impl AssociationKey {
    /// Reads `parent,member`; the parts are not checked against any ID format here.
    pub fn parse(text: &str) -> Result<AssociationKey, NotAPair> {
        let parts: Vec<&str> = text.split(SEPARATOR).collect();
        match parts.as_slice() {
            [parent, member] => Ok(AssociationKey {
                parent: (*parent).to_owned(),
                member: (*member).to_owned(),
            }),
            _ => Err(NotAPair { parts: parts.len() }),
        }
    }

    /// The key of the parent and member values, when both are given.
    pub fn of(parent: Option<&str>, member: Option<&str>) -> Option<AssociationKey> {
        Some(AssociationKey {
            parent: parent?.to_owned(),
            member: member?.to_owned(),
        })
    }
}

/// `parent,member`, the import ID without a region.
impl fmt::Display for AssociationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&pair(&self.parent, &self.member))
    }
}

/// The associations of one kind that plans in this provider process remove. Plan-time checks
/// of several removals run at once and never wait on each other: each adds its own removal,
/// makes its AWS call, and only then copies the set, so removals planned together count each
/// other.
#[derive(Debug, Default)]
pub struct PlannedRemovals(std::sync::Mutex<HashSet<AssociationKey>>);

impl PlannedRemovals {
    pub fn insert(&self, key: AssociationKey) {
        self.lock().insert(key);
    }

    /// Every removal planned so far.
    pub fn snapshot(&self) -> HashSet<AssociationKey> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<AssociationKey>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_reads_back_what_it_writes_and_nothing_else() {
        let key = AssociationKey {
            parent: "rs-1".into(),
            member: "vpc-2".into(),
        };
        assert_eq!(key.to_string(), "rs-1,vpc-2");
        assert_eq!(AssociationKey::parse(&key.to_string()), Ok(key));
        assert_eq!(AssociationKey::parse("rs-1"), Err(NotAPair { parts: 1 }));
        assert_eq!(AssociationKey::parse("a,b,c"), Err(NotAPair { parts: 3 }));
    }
}
