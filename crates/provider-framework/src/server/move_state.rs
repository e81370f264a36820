//! MoveResourceState's rules: the target resource's movers are tried in order on the stored
//! source object, and what one makes of it must fit the target's schema. No client is needed or
//! asked for: Terraform sends this to a provider process it has not configured.

use crate::diag::{Diagnostic, Diagnostics};
use crate::json;
use crate::resource::{MoveSource, Moved, StateMover};
use crate::value::Value;

use super::registry::RegisteredResource;

/// A move as the host asks for it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MoveRequest<'a> {
    pub source_provider_address: &'a str,
    pub source_type_name: &'a str,
    pub source_schema_version: i64,
    /// The source object as its provider stored it, in JSON (the flatmap form predates
    /// MoveResourceState, so no CLI that sends this request stores it).
    pub source_state: &'a [u8],
    pub target_type_name: &'a str,
}

/// The target's state for the source object. Nothing of the source's private data means
/// anything here: the target starts without any.
pub(crate) fn move_state<C: Send + Sync + 'static>(
    target: &RegisteredResource<C>,
    request: &MoveRequest<'_>,
) -> Result<Value, Diagnostics> {
    let stored = read_source_state(request)?;
    let source = MoveSource {
        provider_address: request.source_provider_address,
        type_name: request.source_type_name,
        schema_version: request.source_schema_version,
        state: &stored,
    };
    let movers = target.resource.state_movers();
    for mover in &movers {
        match (mover.apply)(&source) {
            Moved::NotMine => continue,
            Moved::Failed(diags) => return Err(diags),
            Moved::State(fields) => return decode_moved_state(fields, target, request),
        }
    }
    Err(unsupported_move(request, &movers).into())
}

fn read_source_state(request: &MoveRequest<'_>) -> Result<serde_json::Value, Diagnostics> {
    serde_json::from_slice(request.source_state).map_err(|error| {
        Diagnostic::error(
            "Unreadable source state",
            format!(
                "The stored state of the {} being moved to {} is not a JSON object: {error}",
                request.source_type_name, request.target_type_name
            ),
        )
        .into()
    })
}

/// Reads a mover's answer with the target's schema, so what reaches Terraform is wholly known
/// (JSON has no unknowns) and of the target's type; an attribute the schema lacks is the
/// mover's bug, reported as such.
fn decode_moved_state<C: Send + Sync + 'static>(
    fields: serde_json::Map<String, serde_json::Value>,
    target: &RegisteredResource<C>,
    request: &MoveRequest<'_>,
) -> Result<Value, Diagnostics> {
    let bytes = serde_json::Value::Object(fields).to_string().into_bytes();
    json::decode(&bytes, &target.ty).map_err(|error| {
        let mut diagnostic = error.to_diagnostic("Invalid moved state");
        diagnostic.detail = format!(
            "The provider turned the {} into a {} that does not fit its schema: {error}. \
             This is a bug in the provider.",
            request.source_type_name, request.target_type_name
        );
        diagnostic.into()
    })
}

/// The error when no mover of the target accepts the source, naming what they do accept.
fn unsupported_move(request: &MoveRequest<'_>, movers: &[StateMover]) -> Diagnostic {
    let supported = if movers.is_empty() {
        format!(
            "{} cannot be the target of a move from another resource type.",
            request.target_type_name
        )
    } else {
        let accepted: Vec<String> = movers
            .iter()
            .map(|mover| format!("- {}", mover.accepts))
            .collect();
        format!(
            "{} can be moved from:\n{}",
            request.target_type_name,
            accepted.join("\n")
        )
    };
    Diagnostic::error(
        "Unsupported move",
        format!(
            "The provider cannot move a {} of {:?} (schema version {}) to {}. {supported}",
            request.source_type_name,
            request.source_provider_address,
            request.source_schema_version,
            request.target_type_name
        ),
    )
}
