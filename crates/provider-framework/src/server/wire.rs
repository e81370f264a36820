//! The protocol's side of every answer: `DynamicValue`s decoded and encoded against a schema's
//! type, diagnostics converted, and an object answer turned into the fields each RPC's response
//! shares, once for all of them.

use crate::convert;
use crate::diag::{Diagnostic, Diagnostics};
use crate::list::Found;
use crate::proto::tfplugin6 as pb;
use crate::value::{Type, Value};
use crate::{json, msgpack};

use super::answer::{IdentityAnswer, ObjectAnswer};
use super::registry::RegisteredResource;

/// Decodes a request value: msgpack as every host sends it, JSON as the protocol allows. A
/// problem inside the value is reported on the attribute it concerns.
pub(crate) fn decode(
    value: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostics> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    let decoded = if !value.msgpack.is_empty() {
        msgpack::decode(&value.msgpack, ty)
    } else if !value.json.is_empty() {
        json::decode(&value.json, ty)
    } else {
        Ok(Value::Null)
    };
    decoded.map_err(|error| {
        let mut diagnostic = error.to_diagnostic(&format!("Invalid {what}"));
        diagnostic.detail = format!("The provider could not decode the {what}: {error}");
        diagnostic.into()
    })
}

/// Encodes a response value as msgpack, which every Terraform and OpenTofu version reads.
pub(crate) fn encode(
    value: &Value,
    ty: &Type,
    what: &str,
) -> Result<pb::DynamicValue, Diagnostics> {
    msgpack::encode(value, ty)
        .map(|bytes| pb::DynamicValue {
            msgpack: bytes,
            json: Vec::new(),
        })
        .map_err(|error| {
            Diagnostic::error(
                format!("Invalid {what}"),
                format!("The provider could not encode the {what}: {error}"),
            )
            .into()
        })
}

/// Encodes an identity value for an answer.
pub(crate) fn identity_data(
    value: &Value,
    ty: &Type,
) -> Result<pb::ResourceIdentityData, Diagnostics> {
    Ok(pb::ResourceIdentityData {
        identity_data: Some(encode(value, ty, "resource identity")?),
    })
}

/// Decodes an identity a request carries for a `registered` resource; null when it carries
/// none, or when the resource has no identity (it never reads one).
pub(crate) fn decode_identity<C: Send + Sync + 'static>(
    data: Option<&pb::ResourceIdentityData>,
    registered: &RegisteredResource<C>,
) -> Result<Value, Diagnostics> {
    let Some(ty) = registered.identity_type() else {
        return Ok(Value::Null);
    };
    decode(
        data.and_then(|d| d.identity_data.as_ref()),
        ty,
        "resource identity",
    )
}

pub(crate) fn diagnostics(diags: Diagnostics) -> Vec<pb::Diagnostic> {
    convert::diagnostics(&diags)
}

/// An [`ObjectAnswer`] in the fields ReadResource, PlanResourceChange, ApplyResourceChange and
/// ImportResourceState share.
#[derive(Debug)]
pub(crate) struct EncodedObject {
    /// Always set, but optional in every response that carries it.
    pub state: Option<pb::DynamicValue>,
    pub diagnostics: Vec<pb::Diagnostic>,
    pub private: Vec<u8>,
    pub identity: Option<pb::ResourceIdentityData>,
}

impl EncodedObject {
    /// The object as the host sent it, with the diagnostics of an RPC that failed: an error
    /// must never make an object vanish from state.
    pub fn unchanged(
        state: Option<pb::DynamicValue>,
        private: Vec<u8>,
        identity: Option<pb::ResourceIdentityData>,
        diags: Diagnostics,
    ) -> Self {
        EncodedObject {
            state,
            diagnostics: diagnostics(diags),
            private,
            identity,
        }
    }
}

/// The responses that carry an object's state as it now is.
macro_rules! new_state_responses {
    ($($rpc:ident),*) => {
        $(
            impl From<EncodedObject> for pb::$rpc::Response {
                fn from(object: EncodedObject) -> Self {
                    Self {
                        new_state: object.state,
                        diagnostics: object.diagnostics,
                        private: object.private,
                        new_identity: object.identity,
                        ..Default::default()
                    }
                }
            }
        )*
    };
}

new_state_responses!(read_resource, apply_resource_change);

/// What an identity the provider cannot encode does to the answer that carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BadIdentity {
    /// The answer fails (a plan or an import: nothing is written).
    Fails,
    /// The error joins the answer's diagnostics and the host's identity is kept (a read or an
    /// apply: the object's state must still be written).
    Reported,
}

/// Encodes `answer` about an object of `registered`; `what` names its state in an error.
/// `host_identity` is what the host sent, kept when the answer says so.
pub(crate) fn encode_object<C: Send + Sync + 'static>(
    answer: ObjectAnswer,
    registered: &RegisteredResource<C>,
    what: &str,
    host_identity: Option<pb::ResourceIdentityData>,
    bad_identity: BadIdentity,
) -> Result<EncodedObject, Diagnostics> {
    let ObjectAnswer {
        state,
        mut diagnostics,
        private,
        identity,
    } = answer;
    let identity = |host_identity| match (identity, registered.identity_type()) {
        (IdentityAnswer::Known(value), Some(ty)) => identity_data(&value, ty).map(Some),
        (IdentityAnswer::Kept, _) => Ok(host_identity),
        (IdentityAnswer::Absent, _) | (IdentityAnswer::Known(_), None) => Ok(None),
    };
    // A state that cannot be encoded fails any answer; which of two failures is reported
    // follows the order the rules work the two out in (a plan's or import's identity first).
    let (state, identity) = match bad_identity {
        BadIdentity::Fails => {
            let identity = identity(host_identity)?;
            (encode(&state, &registered.ty, what)?, identity)
        }
        BadIdentity::Reported => {
            let state = encode(&state, &registered.ty, what)?;
            let identity = identity(host_identity.clone()).unwrap_or_else(|errors| {
                diagnostics.extend(errors);
                host_identity
            });
            (state, identity)
        }
    };
    Ok(EncodedObject {
        state: Some(state),
        diagnostics: self::diagnostics(diagnostics),
        private: private.encode(),
        identity,
    })
}

/// How a listing's result is sent: with its identity, and its object when the `list` block
/// asked for it.
pub(crate) struct FoundEncoding {
    pub identity_type: Type,
    pub object_type: Type,
    pub include_resource: bool,
}

impl FoundEncoding {
    /// The event of one found object; a value that cannot be encoded becomes an error event.
    pub fn event(&self, found: Found) -> pb::list_resource::Event {
        let encoded =
            encode(&found.identity, &self.identity_type, "identity").and_then(|identity| {
                let object = if self.include_resource {
                    Some(encode(&found.object, &self.object_type, "listed object")?)
                } else {
                    None
                };
                Ok((identity, object))
            });
        match encoded {
            Ok((identity, resource_object)) => pb::list_resource::Event {
                identity: Some(pb::ResourceIdentityData {
                    identity_data: Some(identity),
                }),
                display_name: found.display_name,
                resource_object,
                diagnostic: Vec::new(),
            },
            Err(diags) => diagnostics_event(diags),
        }
    }
}

/// A listing event that carries only diagnostics.
pub(crate) fn diagnostics_event(diags: Diagnostics) -> pb::list_resource::Event {
    pb::list_resource::Event {
        diagnostic: diagnostics(diags),
        ..Default::default()
    }
}
