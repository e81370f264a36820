//! NetworkManager restJson1, shared by the NetworkManager families (Connect peer).
//!
//! Operations are addressed by method and path (`/global-networks/{id}/connect-peer-associations`),
//! bodies and answers are JSON, and errors carry their code in the `x-amzn-ErrorType` header and
//! PascalCase members (`Message`, `Reason`, `Fields`) with the status the model gives each code
//! (see `docs/emulator.md`, "Wire formats"). This module only decodes and encodes: the
//! operations are the families' (`Operation::network_manager`, with their path templates),
//! routed by `server.rs`.

use serde_json::{Value, json};

use crate::api::{ApiError, ApiResult};
use crate::state::Inner;

/// Where every NetworkManager path starts; the endpoint URL may add a prefix before it.
const ROOT: &str = "/global-networks";

/// Runs one NetworkManager operation and returns the JSON answer.
pub type Handler = fn(&mut Inner, &Request<'_>, f64) -> ApiResult<Value>;

/// The `{label}` names of an operation's path template with their percent-decoded values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Labels(Vec<(&'static str, String)>);

impl Labels {
    /// The value of one path label, e.g. `globalNetworkId`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(label, _)| *label == name)
            .map(|(_, value)| value.as_str())
    }
}

/// What a handler gets: the path labels, the query string and the body.
pub struct Request<'a> {
    pub labels: &'a Labels,
    pub query: Option<&'a str>,
    pub body: &'a [u8],
}

impl Request<'_> {
    /// The value of a `{label}` of the operation's path template (matching made sure it is
    /// there and not empty).
    pub fn label(&self, name: &str) -> &str {
        self.labels.get(name).unwrap_or_default()
    }
}

/// Whether a path belongs to NetworkManager.
pub fn claims(path: &str) -> bool {
    path.contains(ROOT)
}

/// The segments of a NetworkManager path from its root on (`None`: not under the root).
pub fn segments(path: &str) -> Option<Vec<&str>> {
    let start = path.find(&format!("{ROOT}/"))?;
    Some(path[start..].trim_end_matches('/').split('/').collect())
}

/// The labels of `template` (`/a/{x}/b`) if the path's segments match it; every label must
/// decode to a non-empty value.
pub fn match_template(template: &'static str, segments: &[&str]) -> Option<Labels> {
    let parts: Vec<&'static str> = template.split('/').collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut labels = Vec::new();
    for (part, segment) in parts.into_iter().zip(segments) {
        match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) => labels.push((name, percent_decode(segment)?)),
            None if part == *segment => {}
            None => return None,
        }
    }
    Some(Labels(labels))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.is_empty())
}

pub fn validation(message: &str, reason: &str, fields: &[(&str, &str)]) -> ApiError {
    let mut err = ApiError::new(400, "ValidationException", message).field("Reason", reason);
    if !fields.is_empty() {
        let list: Vec<Value> = fields
            .iter()
            .map(|(name, msg)| json!({"Name": name, "Message": msg}))
            .collect();
        err = err.field("Fields", list);
    }
    err
}

/// What terraform-provider-aws (and our provider) recognise as "the global network is gone".
pub fn global_network_not_found() -> ApiError {
    validation(
        "Request validation failed",
        "FieldValidationFailed",
        &[("GlobalNetworkId", "Global network not found")],
    )
}

pub fn not_found(message: String, id: &str, resource_type: &str) -> ApiError {
    ApiError::new(404, "ResourceNotFoundException", message)
        .field("ResourceId", id)
        .field("ResourceType", resource_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matched(template: &'static str, path: &str) -> Option<Labels> {
        match_template(template, &segments(path)?)
    }

    #[test]
    fn templates_match_even_behind_a_prefix_and_labels_are_percent_decoded() {
        let one = "/global-networks/{globalNetworkId}/connect-peer-associations/{connectPeerId}";
        let labels = matched(
            one,
            "/prefix/global-networks/gn%2D1/connect-peer-associations/cp-1",
        )
        .unwrap();
        assert_eq!(labels.get("globalNetworkId"), Some("gn-1"));
        assert_eq!(labels.get("connectPeerId"), Some("cp-1"));
        let list = "/global-networks/{globalNetworkId}/connect-peer-associations";
        assert!(matched(list, "/global-networks/gn-1/connect-peer-associations/").is_some());
        assert!(matched(list, "/global-networks/%ZZ/connect-peer-associations").is_none());
        assert!(matched(one, "/global-networks/gn-1/connect-peer-associations").is_none());
        assert!(claims("/global-networks/x/devices"));
    }
}
