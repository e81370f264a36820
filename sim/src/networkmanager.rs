//! NetworkManager restJson1: Connect peer associations under a global network.
//!
//! Operations are addressed by method and path (`/global-networks/{id}/connect-peer-associations`),
//! errors carry `x-amzn-ErrorType` and PascalCase members (aws-wire.md §3).

use serde_json::{Value, json};

use crate::api::{ApiError, ApiResult, decode_token, paginate};
use crate::lifecycle::{Association, Family, Phase, now_ms};
use crate::state::{Inner, Sim};

/// A request resolved to an operation and its path labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Associate {
        global_network: String,
    },
    Get {
        global_network: String,
    },
    Disassociate {
        global_network: String,
        peer: String,
    },
}

impl Route {
    pub fn operation(&self) -> &'static str {
        match self {
            Route::Associate { .. } => "AssociateConnectPeer",
            Route::Get { .. } => "GetConnectPeerAssociations",
            Route::Disassociate { .. } => "DisassociateConnectPeer",
        }
    }
}

/// Whether a path belongs to NetworkManager; the endpoint URL may add a prefix before it.
pub fn claims(path: &str) -> bool {
    path.contains("/global-networks")
}

/// Resolves method + path; `None` means the path is NetworkManager's but not one of ours.
pub fn route(method: &str, path: &str) -> Option<Route> {
    let start = path.find("/global-networks/")?;
    let rest = &path[start + "/global-networks/".len()..];
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        ("POST", [gn, "connect-peer-associations"]) => Some(Route::Associate {
            global_network: percent_decode(gn)?,
        }),
        ("GET", [gn, "connect-peer-associations"]) => Some(Route::Get {
            global_network: percent_decode(gn)?,
        }),
        ("DELETE", [gn, "connect-peer-associations", peer]) => Some(Route::Disassociate {
            global_network: percent_decode(gn)?,
            peer: percent_decode(peer)?,
        }),
        _ => None,
    }
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
fn global_network_not_found() -> ApiError {
    validation(
        "Request validation failed",
        "FieldValidationFailed",
        &[("GlobalNetworkId", "Global network not found")],
    )
}

fn not_found(message: String, id: &str, resource_type: &str) -> ApiError {
    ApiError::new(404, "ResourceNotFoundException", message)
        .field("ResourceId", id)
        .field("ResourceType", resource_type)
}

fn view(a: &Association) -> Value {
    let mut v = json!({
        "ConnectPeerId": a.child,
        "GlobalNetworkId": a.parent,
        "State": a.state(),
    });
    if let Some(device) = &a.device_id {
        v["DeviceId"] = json!(device);
    }
    if let Some(link) = &a.link_id {
        v["LinkId"] = json!(link);
    }
    v
}

/// Runs one NetworkManager operation and returns the JSON success body.
pub fn handle(sim: &Sim, route: &Route, query: Option<&str>, body: &[u8]) -> ApiResult<String> {
    let now = now_ms();
    let mut inner = sim.lock();
    inner.advance_all(now);
    let out = match route {
        Route::Associate { global_network } => associate(&mut inner, global_network, body, now)?,
        Route::Get { global_network } => get(&mut inner, global_network, query)?,
        Route::Disassociate {
            global_network,
            peer,
        } => disassociate(&mut inner, global_network, peer, now)?,
    };
    Ok(out.to_string())
}

fn associate(inner: &mut Inner, gn_id: &str, body: &[u8], now: f64) -> ApiResult<Value> {
    let input: Value = serde_json::from_slice(body).map_err(|e| {
        validation(
            &format!("Could not parse request body: {e}"),
            "CannotParse",
            &[],
        )
    })?;
    let text = |key: &str| {
        input
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let (Some(peer_id), Some(device_id)) = (text("ConnectPeerId"), text("DeviceId")) else {
        let missing: Vec<(&str, &str)> = ["ConnectPeerId", "DeviceId"]
            .into_iter()
            .filter(|k| text(k).is_none())
            .map(|k| (k, "Missing required field"))
            .collect();
        return Err(validation(
            "Request validation failed",
            "FieldValidationFailed",
            &missing,
        ));
    };
    let link_id = text("LinkId");
    let seq = create(inner, gn_id, peer_id, device_id, link_id, now, false)?;
    Ok(json!({"ConnectPeerAssociation": inner.by_seq(seq).map(view)}))
}

/// AssociateConnectPeer's checks and effect, shared with the admin API's out-of-band
/// associate. Returns the new association's sequence number.
pub fn create(
    inner: &mut Inner,
    gn_id: &str,
    peer_id: &str,
    device_id: &str,
    link_id: Option<&str>,
    now: f64,
    settled: bool,
) -> ApiResult<u64> {
    let gn = inner
        .world
        .global_network(gn_id)
        .ok_or_else(global_network_not_found)?;
    if !gn.connect_peers.iter().any(|p| p == peer_id) {
        return Err(not_found(
            format!("Connect peer {peer_id} not found"),
            peer_id,
            "connect-peer",
        ));
    }
    let device = gn
        .devices
        .iter()
        .find(|d| d.id == device_id)
        .ok_or_else(|| not_found(format!("Device {device_id} not found"), device_id, "device"))?;
    if let Some(link) = link_id
        && !device.links.iter().any(|l| l == link)
    {
        if !gn.devices.iter().any(|d| d.links.iter().any(|l| l == link)) {
            return Err(not_found(format!("Link {link} not found"), link, "link"));
        }
        return Err(validation(
            "Request validation failed",
            "FieldValidationFailed",
            &[("LinkId", "Link is not associated with the specified device")],
        ));
    }
    if inner
        .visible_under(Family::ConnectPeer, gn_id)
        .any(|a| a.child == peer_id && a.phase().occupies())
    {
        return Err(ApiError::new(
            409,
            "ConflictException",
            "Connect peer is already associated",
        )
        .field("ResourceId", peer_id)
        .field("ResourceType", "connect-peer-association"));
    }
    Ok(inner.create_association(
        Family::ConnectPeer,
        peer_id.to_string(),
        gn_id,
        peer_id,
        now,
        settled,
        |a| {
            a.device_id = Some(device_id.to_string());
            a.link_id = link_id.map(str::to_string);
        },
    ))
}

fn get(inner: &mut Inner, gn_id: &str, query: Option<&str>) -> ApiResult<Value> {
    let pairs: Vec<(String, String)> = query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let peer_ids: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "connectPeerIds")
        .map(|(_, v)| v.as_str())
        .collect();
    let value = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let max_results = value("maxResults")
        .map(|v| match v.parse::<usize>() {
            Ok(n) if (1..=500).contains(&n) => Ok(n),
            _ => Err(validation(
                "Request validation failed",
                "FieldValidationFailed",
                &[("MaxResults", "Value must be between 1 and 500")],
            )),
        })
        .transpose()?;
    let scope = format!("cpa:{gn_id}");
    let cursor = value("nextToken")
        .map(|t| {
            decode_token(&scope, t).ok_or_else(|| {
                validation(
                    "Request validation failed",
                    "FieldValidationFailed",
                    &[("NextToken", "Invalid pagination token")],
                )
            })
        })
        .transpose()?;
    if inner.world.global_network(gn_id).is_none() {
        return Err(global_network_not_found());
    }
    let order = inner.page_order();
    let matching: Vec<(u64, Value)> = inner
        .visible_under(Family::ConnectPeer, gn_id)
        .filter(|a| peer_ids.is_empty() || peer_ids.contains(&a.child.as_str()))
        .map(|a| (a.seq, view(a)))
        .collect();
    let (page, next) = paginate(matching, cursor, max_results, &scope, order);
    let mut out = json!({"ConnectPeerAssociations": page});
    if let Some(t) = next {
        out["NextToken"] = json!(t);
    }
    Ok(out)
}

fn disassociate(inner: &mut Inner, gn_id: &str, peer_id: &str, now: f64) -> ApiResult<Value> {
    if inner.world.global_network(gn_id).is_none() {
        return Err(global_network_not_found());
    }
    let d = inner.durations_for(Family::ConnectPeer);
    let a = inner
        .current_mut(Family::ConnectPeer, |a| {
            a.parent == gn_id && a.child == peer_id
        })
        .ok_or_else(|| {
            not_found(
                "Connect peer association not found".to_string(),
                peer_id,
                "connect-peer-association",
            )
        })?;
    match a.phase() {
        Phase::Creating => {
            return Err(ApiError::new(
                409,
                "ConflictException",
                format!("Connect peer association {peer_id} is still being created"),
            )
            .field("ResourceId", peer_id)
            .field("ResourceType", "connect-peer-association"));
        }
        Phase::Active | Phase::Failed => a.begin_disassociate(now, &d),
        _ => {}
    }
    Ok(json!({"ConnectPeerAssociation": view(a)}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_resolve_by_method_and_path_even_behind_a_prefix() {
        assert_eq!(
            route(
                "DELETE",
                "/prefix/global-networks/gn%2D1/connect-peer-associations/cp-1"
            ),
            Some(Route::Disassociate {
                global_network: "gn-1".into(),
                peer: "cp-1".into()
            })
        );
        assert_eq!(
            route("GET", "/global-networks/gn-1/connect-peer-associations"),
            Some(Route::Get {
                global_network: "gn-1".into()
            })
        );
        assert_eq!(
            route("PUT", "/global-networks/gn-1/connect-peer-associations"),
            None
        );
        assert!(claims("/global-networks/x/devices"));
    }
}
