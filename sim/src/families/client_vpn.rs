//! EC2 Client VPN target networks: `AssociateClientVpnTargetNetwork`,
//! `DescribeClientVpnTargetNetworks`, `DisassociateClientVpnTargetNetwork`, and the endpoints'
//! `DescribeClientVpnEndpoints` (whose status follows the associations).

use serde_json::{Value, json};

use super::spec::{FamilySpec, Operation, OutOfBandError, Subject};
use crate::admin_types::AssociateRequest;
use crate::api::{ApiError, ApiResult, paginate};
use crate::ec2::Params;
use crate::family::Family;
use crate::lifecycle::Association;
use crate::phase::{At, GONE, Lifecycle, Phase, States};
use crate::profile::{FamilyDurations, Timings};
use crate::state::{Inner, TokenRecord};
use crate::world::ClientVpnEndpoint;
use crate::xml::Xml;

const ASSOCIATING: &str = "associating";
const ASSOCIATED: &str = "associated";
const FAILED: &str = "association-failed";
const DISASSOCIATING: &str = "disassociating";
const DISASSOCIATED: &str = "disassociated";

/// What the family's operations are about: the endpoint.
const SUBJECT: Subject = Subject::Member("ClientVpnEndpointId");

pub(crate) const LIFECYCLE: Lifecycle = Lifecycle {
    family: Family::ClientVpn,
    states: States {
        creating: &[ASSOCIATING],
        active: &[ASSOCIATED],
        failed: &[FAILED],
        deleting: &[DISASSOCIATING],
        deleted: &[DISASSOCIATED],
    },
    associate: &[(ASSOCIATING, At::Start), (ASSOCIATED, At::End)],
    associate_failed: &[(ASSOCIATING, At::Start), (FAILED, At::End)],
    disassociate: &[
        (DISASSOCIATING, At::Start),
        (DISASSOCIATED, At::End),
        (GONE, At::AfterGrace),
    ],
    failure_message: "Failed to allocate network interfaces in the subnet (simulated)",
};

pub(crate) const SPEC: FamilySpec = FamilySpec {
    lifecycle: &LIFECYCLE,
    // Realistic: the 5 min / 3 min observed in terraform-provider-aws issues.
    durations: Timings {
        fast: FamilyDurations::new(300, 250, 500),
        demo: FamilyDurations::new(8_000, 5_000, 5_000),
        realistic: FamilyDurations::new(300_000, 180_000, 60_000),
    },
    operations: &[
        Operation::ec2("AssociateClientVpnTargetNetwork", SUBJECT, associate),
        Operation::ec2("DescribeClientVpnEndpoints", SUBJECT, describe_endpoints),
        Operation::ec2("DescribeClientVpnTargetNetworks", SUBJECT, describe),
        Operation::ec2("DisassociateClientVpnTargetNetwork", SUBJECT, disassociate),
    ],
    out_of_band,
    world_view: Some(add_endpoint_status),
};

/// The attribute holding the VPC of the associated subnet.
const VPC_ID: &str = "vpc_id";

/// The attributes of an Availability Zone association (Transit Gateway endpoints): the zone's
/// name and ID, both listed whichever the request named.
const ZONE_NAME: &str = "availability_zone";
const ZONE_ID: &str = "availability_zone_id";

/// Every emulated endpoint uses AWS's default transport.
const TRANSPORT_PROTOCOL: &str = "udp";

fn endpoint_not_found(id: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidClientVpnEndpointId.NotFound",
        format!("The Client VPN endpoint ID '{id}' does not exist"),
    )
}

fn association_not_found(id: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidClientVpnAssociationIdNotFound",
        format!("The target network association ID '{id}' does not exist"),
    )
}

fn check_endpoint(inner: &Inner, endpoint_id: &str) -> ApiResult<()> {
    match inner.world.client_vpn_endpoint(endpoint_id) {
        Some(_) => Ok(()),
        None => Err(endpoint_not_found(endpoint_id)),
    }
}

fn write_status(out: &mut Xml, a: &Association) {
    // A token replayed after the association vanished still reports its last AWS state.
    let code = if a.visible() {
        a.state()
    } else {
        DISASSOCIATED
    };
    out.open("status").leaf("code", code);
    if let Some(msg) = &a.failure_message {
        out.leaf("message", msg);
    }
    out.close("status");
}

/// What the associate and disassociate calls answer.
fn write_association(out: &mut Xml, a: &Association) {
    out.leaf("associationId", &a.id);
    write_status(out, a);
}

/// What an associate call names as the target network: a subnet (VPC-based endpoints) or an
/// Availability Zone by name or by ID (endpoints that use a Transit Gateway).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target<'a> {
    Subnet(&'a str),
    ZoneName(&'a str),
    ZoneId(&'a str),
}

impl Target<'_> {
    /// The request's target, with AWS's checks of which parameters go together.
    fn from_params(params: &Params) -> ApiResult<Target<'_>> {
        let subnet = params.get("SubnetId");
        let zone = params.get("AvailabilityZone");
        let zone_id = params.get("AvailabilityZoneId");
        match (subnet, zone, zone_id) {
            (_, Some(_), Some(_)) => Err(ApiError::new(
                400,
                "InvalidParameterCombination",
                "You cannot specify both AvailabilityZone and AvailabilityZoneId",
            )),
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(ApiError::new(
                400,
                "InvalidParameterCombination",
                "You cannot specify both SubnetId and AvailabilityZone",
            )),
            (Some(subnet), None, None) => Ok(Target::Subnet(subnet)),
            (None, Some(zone), None) => Ok(Target::ZoneName(zone)),
            (None, None, Some(zone_id)) => Ok(Target::ZoneId(zone_id)),
            (None, None, None) => Err(ApiError::new(
                400,
                "MissingParameter",
                "The request must contain the parameter SubnetId, AvailabilityZone or \
                 AvailabilityZoneId",
            )),
        }
    }

    /// What the idempotency check compares: the parameter and its value as sent.
    fn fingerprint(&self) -> String {
        match self {
            Target::Subnet(id) => format!("SubnetId={id}"),
            Target::ZoneName(name) => format!("AvailabilityZone={name}"),
            Target::ZoneId(id) => format!("AvailabilityZoneId={id}"),
        }
    }
}

fn associate(inner: &mut Inner, params: &Params, now: f64) -> ApiResult<Xml> {
    let mut out = Xml::default();
    let endpoint_id = params.required("ClientVpnEndpointId")?;
    let target = Target::from_params(params)?;
    params.dry_run()?;

    let fingerprint = format!("{endpoint_id}|{}", target.fingerprint());
    let token = params.get("ClientToken").map(str::to_string);
    if let Some(record) = token
        .as_ref()
        .and_then(|t| inner.client_tokens.get(t))
        .cloned()
    {
        if record.fingerprint != fingerprint {
            return Err(ApiError::new(
                400,
                "IdempotentParameterMismatch",
                "The client token has already been used with different parameters",
            ));
        }
        if let Some(a) = inner.by_seq(record.association_seq) {
            write_association(&mut out, a);
            return Ok(out);
        }
    }

    let seq = create(inner, endpoint_id, target, now, false)?;
    if let Some(a) = inner.by_seq(seq) {
        write_association(&mut out, a);
    }
    if let Some(t) = token {
        inner.client_tokens.insert(
            t,
            TokenRecord {
                fingerprint,
                association_seq: seq,
            },
        );
    }
    Ok(out)
}

/// The admin's out-of-band associate names the child as the endpoint takes it: a subnet for a
/// VPC-based endpoint, a zone name or zone ID for one that uses a Transit Gateway.
fn out_of_band(inner: &mut Inner, req: &AssociateRequest, now: f64) -> Result<u64, OutOfBandError> {
    let (endpoint_id, child) = req.parent_and_child()?;
    let uses_transit_gateway = inner
        .world
        .client_vpn_endpoint(endpoint_id)
        .is_some_and(ClientVpnEndpoint::uses_transit_gateway);
    let target = match () {
        _ if !uses_transit_gateway => Target::Subnet(child),
        _ if inner.world.availability_zone(child).is_some() => Target::ZoneId(child),
        _ => Target::ZoneName(child),
    };
    Ok(create(inner, endpoint_id, target, now, req.settled)?)
}

/// AssociateClientVpnTargetNetwork's checks and effect. Returns the new association's sequence
/// number.
fn create(
    inner: &mut Inner,
    endpoint_id: &str,
    target: Target<'_>,
    now: f64,
    settled: bool,
) -> ApiResult<u64> {
    let endpoint = inner
        .world
        .client_vpn_endpoint(endpoint_id)
        .cloned()
        .ok_or_else(|| endpoint_not_found(endpoint_id))?;
    match (target, endpoint.uses_transit_gateway()) {
        (Target::Subnet(subnet_id), false) => {
            create_in_subnet(inner, &endpoint, subnet_id, now, settled)
        }
        (Target::Subnet(_), true) => Err(ApiError::new(
            400,
            "InvalidParameterCombination",
            format!(
                "Client VPN endpoint {endpoint_id} uses a Transit Gateway: specify \
                 AvailabilityZone or AvailabilityZoneId instead of SubnetId"
            ),
        )),
        (Target::ZoneName(_) | Target::ZoneId(_), false) => Err(ApiError::new(
            400,
            "InvalidParameterCombination",
            format!(
                "AvailabilityZone and AvailabilityZoneId apply only to Client VPN endpoints \
                 that use a Transit Gateway; endpoint {endpoint_id} is attached to a VPC: \
                 specify SubnetId"
            ),
        )),
        (zone, true) => create_in_zone(inner, &endpoint, zone, now, settled),
    }
}

fn create_in_subnet(
    inner: &mut Inner,
    endpoint: &ClientVpnEndpoint,
    subnet_id: &str,
    now: f64,
    settled: bool,
) -> ApiResult<u64> {
    let endpoint_id = endpoint.id.as_str();
    let subnet = inner.world.subnet(subnet_id).cloned().ok_or_else(|| {
        ApiError::new(
            400,
            "InvalidSubnetID.NotFound",
            format!("The subnet ID '{subnet_id}' does not exist"),
        )
    })?;
    if subnet.vpc_id != endpoint.vpc_id {
        return Err(ApiError::new(
            400,
            "InvalidClientVpnSubnetId.NotFound",
            format!(
                "Subnet {subnet_id} is in {} but endpoint {endpoint_id} is attached to {}",
                subnet.vpc_id, endpoint.vpc_id
            ),
        ));
    }
    if let (Some(a), Some(b)) = (&subnet.cidr, &endpoint.client_cidr)
        && cidrs_overlap(a, b)
    {
        return Err(ApiError::new(
            400,
            "InvalidClientVpnSubnetId.OverlappingCidr",
            format!("Subnet CIDR {a} overlaps the client CIDR {b}"),
        ));
    }
    for other in inner.visible_under(Family::ClientVpn, endpoint_id) {
        if !other.phase().occupies() {
            continue;
        }
        if other.child == subnet_id {
            return Err(ApiError::new(
                400,
                "InvalidClientVpnDuplicateAssociationException",
                format!("Subnet {subnet_id} is already associated with {endpoint_id}"),
            ));
        }
        let other_az = inner
            .world
            .subnet(&other.child)
            .map(|s| s.availability_zone.as_str());
        if other_az == Some(subnet.availability_zone.as_str()) {
            return Err(ApiError::new(
                400,
                "InvalidClientVpnSubnetId.DuplicateAz",
                format!(
                    "Endpoint {endpoint_id} already has a target network in {}",
                    subnet.availability_zone
                ),
            ));
        }
    }
    let vpc_id = subnet.vpc_id;
    Ok(inner.create_association(
        &LIFECYCLE,
        new_association_id(),
        endpoint_id,
        subnet_id,
        now,
        settled,
        |a| a.set_attribute(VPC_ID, vpc_id),
    ))
}

/// An Availability Zone association of an endpoint that uses a Transit Gateway. Its child is
/// the zone ID, whichever way the request named the zone, so one zone is one target network.
fn create_in_zone(
    inner: &mut Inner,
    endpoint: &ClientVpnEndpoint,
    target: Target<'_>,
    now: f64,
    settled: bool,
) -> ApiResult<u64> {
    let endpoint_id = endpoint.id.as_str();
    let zone = match target {
        Target::ZoneName(name) => inner.world.availability_zone_named(name),
        Target::ZoneId(id) => inner.world.availability_zone(id),
        Target::Subnet(_) => None,
    }
    .cloned()
    .ok_or_else(|| {
        let named = match target {
            Target::ZoneName(name) | Target::ZoneId(name) | Target::Subnet(name) => name,
        };
        ApiError::new(
            400,
            "InvalidZone.NotFound",
            format!("The Availability Zone '{named}' does not exist or is not available to you"),
        )
    })?;
    let taken = inner
        .visible_under(Family::ClientVpn, endpoint_id)
        .any(|other| other.phase().occupies() && other.child == zone.id);
    if taken {
        return Err(ApiError::new(
            400,
            "InvalidClientVpnDuplicateAssociationException",
            format!(
                "Availability Zone {} ({}) is already associated with {endpoint_id}",
                zone.name, zone.id
            ),
        ));
    }
    Ok(inner.create_association(
        &LIFECYCLE,
        new_association_id(),
        endpoint_id,
        &zone.id,
        now,
        settled,
        |a| {
            a.set_attribute(ZONE_NAME, zone.name);
            a.set_attribute(ZONE_ID, zone.id.clone());
        },
    ))
}

fn new_association_id() -> String {
    format!(
        "cvpn-assoc-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..17]
    )
}

/// `MaxResults` of the Client VPN describe calls: 5–1000, absent = everything in one page.
fn page_size(params: &Params) -> ApiResult<Option<usize>> {
    match params.int("MaxResults")? {
        Some(n) if !(5..=1000).contains(&n) => Err(ApiError::new(
            400,
            "InvalidParameterValue",
            format!("MaxResults must be between 5 and 1000, got {n}"),
        )),
        n => Ok(n.map(|n| n as usize)),
    }
}

fn describe(inner: &mut Inner, params: &Params, now: f64) -> ApiResult<Xml> {
    let mut out = Xml::default();
    let endpoint_id = params.required("ClientVpnEndpointId")?;
    let page_size = page_size(params)?;
    let scope = format!("cvpn-tn:{endpoint_id}");
    let cursor = params.next_token(&scope)?;
    let filters = params.filters(&["association-id", "target-network-id", "vpc-id"])?;
    let ids = params.list("AssociationIds");
    params.dry_run()?;

    check_endpoint(inner, endpoint_id)?;
    // An association whose creation is not visible yet is unknown to this answer too.
    if let Some(missing) = ids.iter().find(|id| {
        !inner
            .listed_under(Family::ClientVpn, endpoint_id, now)
            .any(|a| &a.id == *id)
    }) {
        return Err(association_not_found(missing));
    }
    let order = inner.page_order();
    let page_size = inner.page_size(page_size);
    let endpoint = inner
        .world
        .client_vpn_endpoint(endpoint_id)
        .ok_or_else(|| endpoint_not_found(endpoint_id))?;
    let matching: Vec<(u64, &Association)> = inner
        .listed_under(Family::ClientVpn, endpoint_id, now)
        .filter(|a| ids.is_empty() || ids.contains(&a.id))
        .filter(|a| {
            filters.iter().all(|(name, values)| {
                let actual = match name.as_str() {
                    "association-id" => Some(a.id.as_str()),
                    // A zone association has no target network ID.
                    "target-network-id" => {
                        a.attribute(ZONE_ID).is_none().then_some(a.child.as_str())
                    }
                    _ => a.attribute(VPC_ID),
                };
                actual.is_some_and(|v| values.iter().any(|x| x == v))
            })
        })
        .map(|a| (a.seq, a))
        .collect();
    let (page, next) = paginate(matching, cursor, page_size, &scope, order);
    out.open("clientVpnTargetNetworks");
    for a in page {
        out.open("item").leaf("associationId", &a.id);
        // AWS's TargetNetwork: a subnet association names its subnet and VPC; a zone
        // association of a Transit Gateway endpoint has neither, and lists its zone by name and
        // by ID instead.
        match (a.attribute(ZONE_NAME), a.attribute(ZONE_ID)) {
            (Some(name), Some(id)) => {
                out.leaf("clientVpnEndpointId", &a.parent);
                write_status(&mut out, a);
                out.open("availabilityZoneSet")
                    .leaf("item", name)
                    .close("availabilityZoneSet")
                    .open("availabilityZoneIdSet")
                    .leaf("item", id)
                    .close("availabilityZoneIdSet");
            }
            _ => {
                out.leaf("vpcId", a.attribute(VPC_ID).unwrap_or(&endpoint.vpc_id))
                    .leaf("targetNetworkId", &a.child)
                    .leaf("clientVpnEndpointId", &a.parent);
                write_status(&mut out, a);
            }
        }
        out.open("securityGroups");
        for sg in &endpoint.security_groups {
            out.leaf("item", sg);
        }
        out.close("securityGroups").close("item");
    }
    out.close("clientVpnTargetNetworks");
    out.next_token(next);
    Ok(out)
}

/// DescribeClientVpnEndpoints: the seeded endpoints, each with the status its associations
/// give it. Endpoints have no creation sequence, so the cursor is the seed position (1-based);
/// seeding replaces in place and appends, so positions never shift.
fn describe_endpoints(inner: &mut Inner, params: &Params, now: f64) -> ApiResult<Xml> {
    let mut out = Xml::default();
    let page_size = page_size(params)?;
    let scope = "cvpn-endpoints";
    let cursor = params.next_token(scope)?;
    let filters = params.filters(&["endpoint-id", "transport-protocol"])?;
    let ids = params.list("ClientVpnEndpointId");
    params.dry_run()?;

    if let Some(missing) = ids
        .iter()
        .find(|id| inner.world.client_vpn_endpoint(id).is_none())
    {
        return Err(endpoint_not_found(missing));
    }
    let order = inner.page_order();
    let page_size = inner.page_size(page_size);
    let matching: Vec<(u64, &ClientVpnEndpoint)> = inner
        .world
        .client_vpn_endpoints
        .iter()
        .enumerate()
        .filter(|(_, e)| ids.is_empty() || ids.contains(&e.id))
        .filter(|(_, e)| {
            filters.iter().all(|(name, values)| {
                let actual = match name.as_str() {
                    "endpoint-id" => e.id.as_str(),
                    _ => TRANSPORT_PROTOCOL,
                };
                values.iter().any(|v| v == actual)
            })
        })
        .map(|(i, e)| (i as u64 + 1, e))
        .collect();
    let (page, next) = paginate(matching, cursor, page_size, scope, order);
    out.open("clientVpnEndpoint");
    for e in page {
        let status = endpoint_status(inner.listed_under(Family::ClientVpn, &e.id, now));
        out.open("item")
            .leaf("clientVpnEndpointId", &e.id)
            .open("status")
            .leaf("code", status);
        if status == PENDING_ASSOCIATE {
            out.leaf(
                "message",
                "The Client VPN endpoint has no associated target network",
            );
        }
        out.close("status");
        if let Some(cidr) = &e.client_cidr {
            out.leaf("clientCidrBlock", cidr);
        }
        out.leaf("splitTunnel", "false")
            .leaf("vpnProtocol", "openvpn")
            .leaf("transportProtocol", TRANSPORT_PROTOCOL)
            .leaf("vpnPort", "443")
            .open("securityGroupIdSet");
        for sg in &e.security_groups {
            out.leaf("item", sg);
        }
        out.close("securityGroupIdSet");
        match &e.transit_gateway_id {
            Some(transit_gateway_id) => {
                // The zones its associations use, in the order they were associated.
                let zones: Vec<&Association> = inner
                    .listed_under(Family::ClientVpn, &e.id, now)
                    .filter(|a| a.phase().occupies())
                    .collect();
                out.open("transitGatewayConfiguration")
                    .leaf("transitGatewayId", transit_gateway_id)
                    .open("availabilityZoneSet");
                for a in &zones {
                    out.leaf("item", a.attribute(ZONE_NAME).unwrap_or_default());
                }
                out.close("availabilityZoneSet")
                    .open("availabilityZoneIdSet");
                for a in &zones {
                    out.leaf("item", &a.child);
                }
                out.close("availabilityZoneIdSet")
                    .close("transitGatewayConfiguration");
            }
            None => {
                out.leaf("vpcId", &e.vpc_id);
            }
        }
        out.close("item");
    }
    out.close("clientVpnEndpoint");
    out.next_token(next);
    Ok(out)
}

fn disassociate(inner: &mut Inner, params: &Params, now: f64) -> ApiResult<Xml> {
    let mut out = Xml::default();
    let endpoint_id = params.required("ClientVpnEndpointId")?;
    let association_id = params.required("AssociationId")?;
    params.dry_run()?;
    check_endpoint(inner, endpoint_id)?;
    let a = inner.disassociate(
        Family::ClientVpn,
        now,
        |a| a.id == association_id && a.parent == endpoint_id,
        || association_not_found(association_id),
        || {
            ApiError::new(
                400,
                "IncorrectState",
                format!("The association {association_id} is still associating"),
            )
        },
    )?;
    write_association(&mut out, a);
    Ok(out)
}

/// Whether two IPv4 CIDR blocks overlap; anything unparsable is treated as not overlapping,
/// because seed data is free-form and the check is only a courtesy.
fn cidrs_overlap(a: &str, b: &str) -> bool {
    fn parse(c: &str) -> Option<(u32, u32)> {
        let (ip, len) = c.split_once('/')?;
        let ip: std::net::Ipv4Addr = ip.parse().ok()?;
        let len: u32 = len.parse().ok()?;
        (len <= 32).then_some((u32::from(ip), len))
    }
    let (Some((ia, la)), Some((ib, lb))) = (parse(a), parse(b)) else {
        return false;
    };
    let len = la.min(lb);
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    ia & mask == ib & mask
}

const PENDING_ASSOCIATE: &str = "pending-associate";

/// The status Client VPN reports for an endpoint, from its associations: `available` once a
/// target network is associated, `pending-associate` when none is (including after the last
/// disassociation). Describe answers pass the associations as listed (eventual consistency),
/// the admin view the true ones.
fn endpoint_status<'a>(mut associations: impl Iterator<Item = &'a Association>) -> &'static str {
    if associations.any(|a| a.phase() == Phase::Active) {
        "available"
    } else {
        PENDING_ASSOCIATE
    }
}

/// The admin world view shows each endpoint's status, which depends on its associations.
fn add_endpoint_status(inner: &Inner, view: &mut Value) {
    let Some(endpoints) = view
        .get_mut("client_vpn_endpoints")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for endpoint in endpoints {
        let status = endpoint
            .get("id")
            .and_then(Value::as_str)
            .map(|id| endpoint_status(inner.visible_under(Family::ClientVpn, id)));
        if let (Some(obj), Some(status)) = (endpoint.as_object_mut(), status) {
            obj.insert("status".into(), json!(status));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_overlap_uses_the_shorter_prefix() {
        assert!(cidrs_overlap("10.0.1.0/24", "10.0.0.0/16"));
        assert!(!cidrs_overlap("10.0.1.0/24", "172.16.0.0/22"));
        assert!(!cidrs_overlap("nonsense", "10.0.0.0/8"));
    }
}
