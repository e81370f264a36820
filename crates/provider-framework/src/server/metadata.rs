//! What the server announces before any resource is touched: its capabilities and the names of
//! the types it serves.

use crate::proto::tfplugin6 as pb;

/// The capabilities GetMetadata and GetProviderSchema announce.
pub(crate) fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        // Terraform asks for MoveResourceState only when this is set; a resource without movers
        // answers such a move with a diagnostic.
        move_resource_state: true,
        ..Default::default()
    }
}

/// Type names in a stable order, for GetMetadata.
pub(crate) fn sorted<'a, T>(
    names: impl Iterator<Item = &'a &'static str>,
    entry: impl Fn(String) -> T,
) -> Vec<T> {
    let mut names: Vec<&str> = names.copied().collect();
    names.sort_unstable();
    names
        .into_iter()
        .map(|name| entry(name.to_owned()))
        .collect()
}
