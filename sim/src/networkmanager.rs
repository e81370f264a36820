//! NetworkManager restJson1, shared by the NetworkManager families (Connect peer).
//!
//! Operations are addressed by method and path (`/global-networks/{id}/connect-peer-associations`),
//! errors carry `x-amzn-ErrorType` and PascalCase members (aws-wire.md §3). The operations
//! themselves are the families' (`Handler::NetworkManager`, with their path templates).

use serde_json::{Value, json};

use crate::api::{ApiError, ApiResult};
use crate::families::{self, Handler as FamilyHandler};
use crate::state::{Inner, Sim};

/// Where every NetworkManager path starts; the endpoint URL may add a prefix before it.
const ROOT: &str = "/global-networks";

/// Runs one NetworkManager operation and returns the JSON answer.
pub type Handler = fn(&mut Inner, &Request<'_>, f64) -> ApiResult<Value>;

/// A request resolved to an operation, with its path labels.
#[derive(Debug, Clone)]
pub struct Route {
    pub operation: &'static str,
    run: Handler,
    /// `{label}` names of the path template with their percent-decoded values.
    labels: Vec<(&'static str, String)>,
}

impl Route {
    /// The value of one path label, e.g. `globalNetworkId`.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(label, _)| *label == name)
            .map(|(_, value)| value.as_str())
    }
}

/// What a handler gets: the path labels, the query string and the body.
pub struct Request<'a> {
    labels: &'a [(&'static str, String)],
    pub query: Option<&'a str>,
    pub body: &'a [u8],
}

impl Request<'_> {
    /// The value of a `{label}` of the operation's path template.
    pub fn label(&self, name: &str) -> &str {
        self.labels
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Whether a path belongs to NetworkManager.
pub fn claims(path: &str) -> bool {
    path.contains(ROOT)
}

/// Resolves method + path; `None` means the path is NetworkManager's but not one of ours.
pub fn route(method: &str, path: &str) -> Option<Route> {
    let start = path.find(&format!("{ROOT}/"))?;
    let segments: Vec<&str> = path[start..].trim_end_matches('/').split('/').collect();
    families::operations().find_map(|op| match op.handler {
        FamilyHandler::NetworkManager {
            method: m,
            path: template,
            run,
        } if m == method => Some(Route {
            operation: op.name,
            run,
            labels: match_template(template, &segments)?,
        }),
        _ => None,
    })
}

/// The labels of `template` (`/a/{x}/b`) if the path's segments match it; every label must
/// decode to a non-empty value.
fn match_template(
    template: &'static str,
    segments: &[&str],
) -> Option<Vec<(&'static str, String)>> {
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
    Some(labels)
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

/// Runs one NetworkManager operation and returns the JSON success body.
pub fn handle(
    sim: &Sim,
    route: &Route,
    query: Option<&str>,
    body: &[u8],
    region: Option<&str>,
) -> ApiResult<String> {
    let (mut inner, now) = sim.lock_now_in(region);
    let request = Request {
        labels: &route.labels,
        query,
        body,
    };
    Ok((route.run)(&mut inner, &request, now)?.to_string())
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

    fn resolved(method: &str, path: &str) -> Option<(&'static str, Vec<(&'static str, String)>)> {
        route(method, path).map(|r| (r.operation, r.labels))
    }

    #[test]
    fn routes_resolve_by_method_and_path_even_behind_a_prefix() {
        assert_eq!(
            resolved(
                "DELETE",
                "/prefix/global-networks/gn%2D1/connect-peer-associations/cp-1"
            ),
            Some((
                "DisassociateConnectPeer",
                vec![
                    ("globalNetworkId", "gn-1".into()),
                    ("connectPeerId", "cp-1".into())
                ]
            ))
        );
        assert_eq!(
            resolved("GET", "/global-networks/gn-1/connect-peer-associations/"),
            Some((
                "GetConnectPeerAssociations",
                vec![("globalNetworkId", "gn-1".into())]
            ))
        );
        assert_eq!(
            resolved("PUT", "/global-networks/gn-1/connect-peer-associations"),
            None
        );
        assert_eq!(
            resolved("GET", "/global-networks/%ZZ/connect-peer-associations"),
            None
        );
        assert!(claims("/global-networks/x/devices"));
    }
}
