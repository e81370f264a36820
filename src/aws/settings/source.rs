//! Where a resolved setting came from, in the words a message uses, so the user knows what to
//! fix.

use std::fmt;

/// The place a value was found, in precedence order: the block first, the default last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The provider block.
    Block,
    /// An environment variable.
    Variable(&'static str),
    /// The selected profile of the shared config files.
    Profile(String),
    /// Nothing set it.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Block => f.write_str("the provider block"),
            Source::Variable(name) => write!(f, "the environment variable {name}"),
            Source::Profile(profile) => write!(f, "the profile {profile:?} in the shared config"),
            Source::Default => f.write_str("the default"),
        }
    }
}

/// A resolved value and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Sourced<T> {
    pub fn new(value: T, source: Source) -> Self {
        Sourced { value, source }
    }
}
