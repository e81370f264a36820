//! What the rules of an RPC answer about one object, in the framework's terms; the gRPC adapter
//! encodes it (see `wire`), the same way for every RPC.

use crate::diag::Diagnostics;
use crate::private::Private;
use crate::value::Value;

/// The identity an answer carries.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum IdentityAnswer {
    /// Nothing new is known: the host keeps the identity it sent (a read whose identity could
    /// not be worked out).
    Kept,
    /// No identity: no object, a resource without identity, or a host that does not read
    /// identities.
    Absent,
    /// The object's identity, wholly known.
    Known(Value),
}

impl From<Option<Value>> for IdentityAnswer {
    fn from(identity: Option<Value>) -> Self {
        identity.map_or(IdentityAnswer::Absent, IdentityAnswer::Known)
    }
}

/// One object as an RPC leaves it: its state (null when there is none), what to tell the user,
/// its private data and its identity.
#[derive(Debug)]
pub(crate) struct ObjectAnswer {
    pub state: Value,
    pub diagnostics: Diagnostics,
    pub private: Private,
    pub identity: IdentityAnswer,
}
