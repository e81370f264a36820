//! UpgradeResourceState's and UpgradeResourceIdentity's rules: what is stored as JSON is read
//! against the current schema, dropping attributes it no longer has (Terraform does the same
//! when the schema version is unchanged); what a newer provider wrote is refused.

use crate::diag::{Diagnostic, Diagnostics};
use crate::json;
use crate::value::{Type, Value};

use super::registry::RegisteredResource;

/// A stored object or identity: the schema version it was written with and its JSON (empty when
/// the host sent none).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stored<'a> {
    pub version: i64,
    pub json: &'a [u8],
}

/// The stored state of a `registered` resource in the current schema.
pub(crate) fn state<C: Send + Sync + 'static>(
    registered: &RegisteredResource<C>,
    stored: Stored<'_>,
) -> Result<Value, Diagnostics> {
    let type_name = registered.resource.type_name();
    let schema = &registered.schema;
    if stored.version > schema.version {
        return Err(Diagnostic::error(
            "State written by a newer provider",
            format!(
                "The state of this {type_name} was written with schema version {}, but this \
                 provider only knows version {}. Upgrade the provider.",
                stored.version, schema.version
            ),
        )
        .into());
    }
    let known = |name: &str| {
        schema.block.attribute(name).is_some() || schema.block.nested_block(name).is_some()
    };
    read_current(stored.json, known, &registered.ty).map_err(|error| {
        Diagnostic::error(
            "Unreadable resource state",
            format!("The stored state of this {type_name} could not be read: {error}"),
        )
        .into()
    })
}

/// The stored identity of a `registered` resource in the current identity schema, and the type
/// it is encoded against.
pub(crate) fn identity<'r, C: Send + Sync + 'static>(
    registered: &'r RegisteredResource<C>,
    stored: Stored<'_>,
) -> Result<(Value, &'r Type), Diagnostics> {
    let type_name = registered.resource.type_name();
    let Some((schema, ty)) = &registered.identity else {
        return Err(Diagnostic::error(
            "Resource has no identity",
            format!(
                "The state holds an identity for this {type_name}, but this provider declares \
                 none for it."
            ),
        )
        .into());
    };
    if stored.version > schema.version {
        return Err(Diagnostic::error(
            "Identity written by a newer provider",
            format!(
                "The identity of this {type_name} was written with identity schema version {}, \
                 but this provider only knows version {}. Upgrade the provider.",
                stored.version, schema.version
            ),
        )
        .into());
    }
    let known = |name: &str| schema.attributes.iter().any(|a| a.name == name);
    let identity = read_current(stored.json, known, ty).map_err(|error| {
        Diagnostics::from(Diagnostic::error(
            "Unreadable resource identity",
            format!("The stored identity of this {type_name} could not be read: {error}"),
        ))
    })?;
    Ok((identity, ty))
}

/// Reads stored JSON as a value of `ty`, keeping only the top-level attributes `known` names.
fn read_current(raw: &[u8], known: impl Fn(&str) -> bool, ty: &Type) -> Result<Value, String> {
    let mut parsed: serde_json::Value = serde_json::from_slice(raw).map_err(|e| e.to_string())?;
    if let Some(fields) = parsed.as_object_mut() {
        fields.retain(|name, _| known(name));
    }
    let cleaned = serde_json::to_vec(&parsed).map_err(|e| e.to_string())?;
    json::decode(&cleaned, ty).map_err(|e| e.to_string())
}
