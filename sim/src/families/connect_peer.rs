//! NetworkManager (Cloud WAN) Connect peer associations under a global network:
//! `AssociateConnectPeer`, `GetConnectPeerAssociations`, `DisassociateConnectPeer`. The API has
//! no failure state, so a failed association is torn down (`DELETED`, then gone).

use serde_json::{Value, json};

use super::spec::{FamilySpec, Operation, OutOfBandError, Subject};
use crate::admin_types::AssociateRequest;
use crate::api::{ApiError, ApiResult, decode_token, paginate};
use crate::family::Family;
use crate::lifecycle::Association;
use crate::networkmanager::{Request, global_network_not_found, not_found, validation};
use crate::phase::{At, GONE, Lifecycle, States};
use crate::profile::{FamilyDurations, Timings};
use crate::state::Inner;

const PENDING: &str = "PENDING";
const AVAILABLE: &str = "AVAILABLE";
const DELETING: &str = "DELETING";
const DELETED: &str = "DELETED";

const PATH: &str = "/global-networks/{globalNetworkId}/connect-peer-associations";
const PATH_OF_ONE: &str =
    "/global-networks/{globalNetworkId}/connect-peer-associations/{connectPeerId}";

/// What the family's operations are about: the global network (a path label).
const SUBJECT: Subject = Subject::Member("globalNetworkId");

pub(crate) const LIFECYCLE: Lifecycle = Lifecycle {
    family: Family::ConnectPeer,
    // No failure value in the API: AWS tears a failed association down.
    states: States {
        creating: &[PENDING],
        active: &[AVAILABLE],
        failed: &[],
        deleting: &[DELETING],
        deleted: &[DELETED],
    },
    associate: &[(PENDING, At::Start), (AVAILABLE, At::End)],
    associate_failed: &[
        (PENDING, At::Start),
        (DELETED, At::End),
        (GONE, At::AfterGrace),
    ],
    disassociate: &[
        (DELETING, At::Start),
        (DELETED, At::End),
        (GONE, At::AfterGrace),
    ],
    failure_message: "Association was rolled back (simulated)",
};

pub(crate) const SPEC: FamilySpec = FamilySpec {
    lifecycle: &LIFECYCLE,
    // Realistic: AWS publishes no figure; 20 s is an assumption (docs/emulator.md, "Durations").
    durations: Timings {
        fast: FamilyDurations::new(250, 250, 500),
        demo: FamilyDurations::new(4_000, 4_000, 3_000),
        realistic: FamilyDurations::new(20_000, 20_000, 30_000),
    },
    operations: &[
        Operation::network_manager("AssociateConnectPeer", SUBJECT, "POST", PATH, associate),
        Operation::network_manager("GetConnectPeerAssociations", SUBJECT, "GET", PATH, get),
        Operation::network_manager(
            "DisassociateConnectPeer",
            SUBJECT,
            "DELETE",
            PATH_OF_ONE,
            disassociate,
        ),
    ],
    out_of_band,
    world_view: None,
};

/// Attributes the API echoes back.
const DEVICE_ID: &str = "DeviceId";
const LINK_ID: &str = "LinkId";

fn view(a: &Association) -> Value {
    let mut v = json!({
        "ConnectPeerId": a.child,
        "GlobalNetworkId": a.parent,
        "State": a.state(),
    });
    for name in [DEVICE_ID, LINK_ID] {
        if let Some(value) = a.attribute(name) {
            v[name] = json!(value);
        }
    }
    v
}

fn association_error(status: u16, code: &str, message: String, peer_id: &str) -> ApiError {
    ApiError::new(status, code, message)
        .field("ResourceId", peer_id)
        .field("ResourceType", "connect-peer-association")
}

fn associate(inner: &mut Inner, req: &Request<'_>, now: f64) -> ApiResult<Value> {
    let input: Value = serde_json::from_slice(req.body).map_err(|e| {
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
    let (Some(peer_id), Some(device_id)) = (text("ConnectPeerId"), text(DEVICE_ID)) else {
        let missing: Vec<(&str, &str)> = ["ConnectPeerId", DEVICE_ID]
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
    let gn_id = req.label("globalNetworkId");
    let seq = create(inner, gn_id, peer_id, device_id, text(LINK_ID), now, false)?;
    Ok(json!({"ConnectPeerAssociation": inner.by_seq(seq).map(view)}))
}

fn out_of_band(inner: &mut Inner, req: &AssociateRequest, now: f64) -> Result<u64, OutOfBandError> {
    let device = req
        .device_id
        .as_deref()
        .ok_or_else(|| "connect_peer needs device_id".to_string())?;
    let link = req.link_id.as_deref();
    Ok(create(
        inner,
        &req.parent,
        &req.child,
        device,
        link,
        now,
        req.settled,
    )?)
}

/// AssociateConnectPeer's checks and effect. Returns the new association's sequence number.
fn create(
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
            &[(LINK_ID, "Link is not associated with the specified device")],
        ));
    }
    if inner
        .visible_under(Family::ConnectPeer, gn_id)
        .any(|a| a.child == peer_id && a.phase().occupies())
    {
        return Err(association_error(
            409,
            "ConflictException",
            "Connect peer is already associated".to_string(),
            peer_id,
        ));
    }
    Ok(inner.create_association(
        &LIFECYCLE,
        peer_id.to_string(),
        gn_id,
        peer_id,
        now,
        settled,
        |a| {
            a.set_attribute(DEVICE_ID, device_id);
            if let Some(link) = link_id {
                a.set_attribute(LINK_ID, link);
            }
        },
    ))
}

fn get(inner: &mut Inner, req: &Request<'_>, now: f64) -> ApiResult<Value> {
    let gn_id = req.label("globalNetworkId");
    let pairs: Vec<(String, String)> = req
        .query
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
    let invalid = |field: &str, message: &str| {
        validation(
            "Request validation failed",
            "FieldValidationFailed",
            &[(field, message)],
        )
    };
    let max_results = value("maxResults")
        .map(|v| match v.parse::<usize>() {
            Ok(n) if (1..=500).contains(&n) => Ok(n),
            _ => Err(invalid("MaxResults", "Value must be between 1 and 500")),
        })
        .transpose()?;
    let scope = format!("cpa:{gn_id}");
    let cursor = value("nextToken")
        .map(|t| {
            decode_token(&scope, t).ok_or_else(|| invalid("NextToken", "Invalid pagination token"))
        })
        .transpose()?;
    if inner.world.global_network(gn_id).is_none() {
        return Err(global_network_not_found());
    }
    let order = inner.page_order();
    let page_size = inner.page_size(max_results);
    let matching: Vec<(u64, Value)> = inner
        .listed_under(Family::ConnectPeer, gn_id, now)
        .filter(|a| peer_ids.is_empty() || peer_ids.contains(&a.child.as_str()))
        .map(|a| (a.seq, view(a)))
        .collect();
    let (page, next) = paginate(matching, cursor, page_size, &scope, order);
    let mut out = json!({"ConnectPeerAssociations": page});
    if let Some(t) = next {
        out["NextToken"] = json!(t);
    }
    Ok(out)
}

fn disassociate(inner: &mut Inner, req: &Request<'_>, now: f64) -> ApiResult<Value> {
    let gn_id = req.label("globalNetworkId");
    let peer_id = req.label("connectPeerId");
    if inner.world.global_network(gn_id).is_none() {
        return Err(global_network_not_found());
    }
    let a = inner.disassociate(
        Family::ConnectPeer,
        now,
        |a| a.parent == gn_id && a.child == peer_id,
        || {
            not_found(
                "Connect peer association not found".to_string(),
                peer_id,
                "connect-peer-association",
            )
        },
        || {
            association_error(
                409,
                "ConflictException",
                format!("Connect peer association {peer_id} is still being created"),
                peer_id,
            )
        },
    )?;
    Ok(json!({"ConnectPeerAssociation": view(a)}))
}
