//! EC2 query protocol: Client VPN target networks and Route Server associations.
//!
//! Requests are form-encoded `Action=…&Version=2016-11-15&…` with flattened lists (`X.N`);
//! answers are `<OperationResponse>` XML documents (aws-wire.md §2).

use crate::api::{ApiError, ApiResult, Cursor, decode_token, ordered, paginate};
use crate::lifecycle::{Association, Family, Phase, now_ms};
use crate::state::{Inner, Sim, TokenRecord};
use crate::xml::XmlResponse;

pub const OPERATIONS: [&str; 7] = [
    "AssociateClientVpnTargetNetwork",
    "DescribeClientVpnEndpoints",
    "DescribeClientVpnTargetNetworks",
    "DisassociateClientVpnTargetNetwork",
    "AssociateRouteServer",
    "GetRouteServerAssociations",
    "DisassociateRouteServer",
];

pub const API_VERSION: &str = "2016-11-15";

/// Decoded query parameters, from the query string and the form body together (EC2 accepts
/// both) and in no particular order, since the SDKs disagree on member order.
#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn parse(query: Option<&str>, body: &[u8]) -> Params {
        let mut pairs: Vec<(String, String)> = query
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        pairs.extend(form_urlencoded::parse(body).into_owned());
        Params { pairs }
    }

    /// A parameter's value; an empty value counts as absent, like EC2's own validation.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn required(&self, key: &str) -> ApiResult<&str> {
        self.get(key).ok_or_else(|| {
            ApiError::new(
                400,
                "MissingParameter",
                format!("The request must contain the parameter {key}"),
            )
        })
    }

    fn bool(&self, key: &str) -> ApiResult<bool> {
        match self.get(key) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(invalid_value(key, v)),
        }
    }

    pub(crate) fn int(&self, key: &str) -> ApiResult<Option<i64>> {
        self.get(key)
            .map(|v| v.parse::<i64>().map_err(|_| invalid_value(key, v)))
            .transpose()
    }

    /// Values of a flattened list `prefix.1`, `prefix.2`, … in index order.
    pub(crate) fn list(&self, prefix: &str) -> Vec<String> {
        let mut indexed: Vec<(u32, String)> = self
            .pairs
            .iter()
            .filter_map(|(k, v)| {
                let n = k.strip_prefix(prefix)?.strip_prefix('.')?.parse().ok()?;
                Some((n, v.clone()))
            })
            .collect();
        indexed.sort_by_key(|(n, _)| *n);
        indexed.into_iter().map(|(_, v)| v).collect()
    }

    /// `Filter.N.Name` / `Filter.N.Value.M` pairs.
    fn filters(&self) -> ApiResult<Vec<(String, Vec<String>)>> {
        let mut indexes: Vec<u32> = self
            .pairs
            .iter()
            .filter_map(|(k, _)| k.strip_prefix("Filter.")?.split('.').next()?.parse().ok())
            .collect();
        indexes.sort_unstable();
        indexes.dedup();
        indexes
            .into_iter()
            .map(|n| {
                let name = self.get(&format!("Filter.{n}.Name")).ok_or_else(|| {
                    ApiError::new(
                        400,
                        "MissingParameter",
                        format!("The request must contain the parameter Filter.{n}.Name"),
                    )
                })?;
                Ok((name.to_string(), self.list(&format!("Filter.{n}.Value"))))
            })
            .collect()
    }
}

fn invalid_value(key: &str, value: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidParameterValue",
        format!("Value ({value}) for parameter {key} is invalid"),
    )
}

fn dry_run(params: &Params) -> ApiResult<()> {
    if params.bool("DryRun")? {
        return Err(ApiError::new(
            412,
            "DryRunOperation",
            "Request would have succeeded, but DryRun flag is set.",
        ));
    }
    Ok(())
}

/// Runs one EC2 action and returns the XML success body.
pub fn handle(sim: &Sim, operation: &str, params: &Params, request_id: &str) -> ApiResult<String> {
    let now = now_ms();
    let mut inner = sim.lock();
    inner.advance_all(now);
    let mut out = XmlResponse::new(operation, request_id);
    match operation {
        "AssociateClientVpnTargetNetwork" => {
            associate_client_vpn(&mut inner, params, now, &mut out)?
        }
        "DescribeClientVpnEndpoints" => describe_endpoints(&mut inner, params, &mut out)?,
        "DescribeClientVpnTargetNetworks" => describe_client_vpn(&mut inner, params, &mut out)?,
        "DisassociateClientVpnTargetNetwork" => {
            disassociate_client_vpn(&mut inner, params, now, &mut out)?
        }
        "AssociateRouteServer" => associate_route_server(&mut inner, params, now, &mut out)?,
        "GetRouteServerAssociations" => {
            get_route_server_associations(&mut inner, params, &mut out)?
        }
        "DisassociateRouteServer" => disassociate_route_server(&mut inner, params, now, &mut out)?,
        other => {
            return Err(ApiError::new(
                400,
                "InvalidAction",
                format!("The action {other} is not valid for this web service."),
            ));
        }
    }
    Ok(out.finish())
}

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

fn write_status(out: &mut XmlResponse, a: &Association) {
    // A token replayed after the association vanished still reports its last AWS state.
    let code = if a.visible() {
        a.state()
    } else {
        "disassociated"
    };
    out.open("status").leaf("code", code);
    if let Some(msg) = &a.failure_message {
        out.leaf("message", msg);
    }
    out.close("status");
}

fn associate_client_vpn(
    inner: &mut Inner,
    params: &Params,
    now: f64,
    out: &mut XmlResponse,
) -> ApiResult<()> {
    let endpoint_id = params.required("ClientVpnEndpointId")?;
    if params.get("AvailabilityZone").is_some() && params.get("AvailabilityZoneId").is_some() {
        return Err(ApiError::new(
            400,
            "InvalidParameterCombination",
            "You cannot specify both AvailabilityZone and AvailabilityZoneId",
        ));
    }
    if params.get("SubnetId").is_some()
        && (params.get("AvailabilityZone").is_some() || params.get("AvailabilityZoneId").is_some())
    {
        return Err(ApiError::new(
            400,
            "InvalidParameterCombination",
            "You cannot specify both SubnetId and AvailabilityZone",
        ));
    }
    // Every emulated endpoint is VPC-based, for which SubnetId is required.
    let subnet_id = params.required("SubnetId")?;
    dry_run(params)?;

    let fingerprint = format!("{endpoint_id}|{subnet_id}");
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
        if let Some(a) = inner.by_seq_mut(record.association_seq) {
            out.leaf("associationId", &a.id);
            write_status(out, a);
            return Ok(());
        }
    }

    let seq = create_client_vpn(inner, endpoint_id, subnet_id, now, false)?;
    if let Some(a) = inner.by_seq(seq) {
        out.leaf("associationId", &a.id);
        write_status(out, a);
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
    Ok(())
}

/// AssociateClientVpnTargetNetwork's checks and effect, shared with the admin API's
/// out-of-band associate. Returns the new association's sequence number.
pub fn create_client_vpn(
    inner: &mut Inner,
    endpoint_id: &str,
    subnet_id: &str,
    now: f64,
    settled: bool,
) -> ApiResult<u64> {
    let endpoint = inner
        .world
        .client_vpn_endpoint(endpoint_id)
        .cloned()
        .ok_or_else(|| endpoint_not_found(endpoint_id))?;
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
    let id = format!(
        "cvpn-assoc-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..17]
    );
    let vpc_id = subnet.vpc_id;
    Ok(inner.create_association(
        Family::ClientVpn,
        id,
        endpoint_id,
        subnet_id,
        now,
        settled,
        |a| a.vpc_id = Some(vpc_id),
    ))
}

fn describe_client_vpn(inner: &mut Inner, params: &Params, out: &mut XmlResponse) -> ApiResult<()> {
    let endpoint_id = params.required("ClientVpnEndpointId")?;
    let page_size = page_size_5_to_1000(params)?;
    let scope = format!("cvpn-tn:{endpoint_id}");
    let cursor = cursor(params, &scope)?;
    let filters = params.filters()?;
    check_filters(&filters, &["association-id", "target-network-id", "vpc-id"])?;
    let ids = params.list("AssociationIds");
    dry_run(params)?;

    if inner.world.client_vpn_endpoint(endpoint_id).is_none() {
        return Err(endpoint_not_found(endpoint_id));
    }
    if let Some(missing) = ids.iter().find(|id| {
        !inner
            .visible_under(Family::ClientVpn, endpoint_id)
            .any(|a| &a.id == *id)
    }) {
        return Err(association_not_found(missing));
    }
    let order = inner.page_order();
    let endpoint = inner
        .world
        .client_vpn_endpoint(endpoint_id)
        .ok_or_else(|| endpoint_not_found(endpoint_id))?;
    let matching: Vec<(u64, &Association)> = inner
        .visible_under(Family::ClientVpn, endpoint_id)
        .filter(|a| ids.is_empty() || ids.contains(&a.id))
        .filter(|a| {
            filters.iter().all(|(name, values)| {
                let actual = match name.as_str() {
                    "association-id" => Some(a.id.as_str()),
                    "target-network-id" => Some(a.child.as_str()),
                    _ => a.vpc_id.as_deref(),
                };
                actual.is_some_and(|v| values.iter().any(|x| x == v))
            })
        })
        .map(|a| (a.seq, a))
        .collect();
    let (page, next) = paginate(matching, cursor, page_size, &scope, order);
    out.open("clientVpnTargetNetworks");
    for a in page {
        out.open("item")
            .leaf("associationId", &a.id)
            .leaf("vpcId", a.vpc_id.as_deref().unwrap_or(&endpoint.vpc_id))
            .leaf("targetNetworkId", &a.child)
            .leaf("clientVpnEndpointId", &a.parent);
        write_status(out, a);
        out.open("securityGroups");
        for sg in &endpoint.security_groups {
            out.leaf("item", sg);
        }
        out.close("securityGroups").close("item");
    }
    out.close("clientVpnTargetNetworks");
    if let Some(t) = next {
        out.leaf("nextToken", &t);
    }
    Ok(())
}

/// `MaxResults` of the Client VPN describe calls: 5–1000, absent = everything in one page.
fn page_size_5_to_1000(params: &Params) -> ApiResult<Option<usize>> {
    match params.int("MaxResults")? {
        Some(n) if !(5..=1000).contains(&n) => Err(ApiError::new(
            400,
            "InvalidParameterValue",
            format!("MaxResults must be between 5 and 1000, got {n}"),
        )),
        n => Ok(n.map(|n| n as usize)),
    }
}

fn cursor(params: &Params, scope: &str) -> ApiResult<Option<Cursor>> {
    params
        .get("NextToken")
        .map(|t| {
            decode_token(scope, t).ok_or_else(|| {
                ApiError::new(400, "InvalidNextToken", "The specified token is invalid")
            })
        })
        .transpose()
}

fn check_filters(filters: &[(String, Vec<String>)], allowed: &[&str]) -> ApiResult<()> {
    match filters
        .iter()
        .find(|(name, _)| !allowed.contains(&name.as_str()))
    {
        Some((name, _)) => Err(ApiError::new(
            400,
            "InvalidParameterValue",
            format!("The filter '{name}' is invalid"),
        )),
        None => Ok(()),
    }
}

/// DescribeClientVpnEndpoints: the seeded endpoints, each with the status its associations
/// give it. Endpoints have no creation sequence, so the cursor is the seed position (1-based);
/// seeding replaces in place and appends, so positions never shift.
fn describe_endpoints(inner: &mut Inner, params: &Params, out: &mut XmlResponse) -> ApiResult<()> {
    let page_size = page_size_5_to_1000(params)?;
    let scope = "cvpn-endpoints";
    let cursor = cursor(params, scope)?;
    let filters = params.filters()?;
    check_filters(&filters, &["endpoint-id", "transport-protocol"])?;
    let ids = params.list("ClientVpnEndpointId");
    dry_run(params)?;

    if let Some(missing) = ids
        .iter()
        .find(|id| inner.world.client_vpn_endpoint(id).is_none())
    {
        return Err(endpoint_not_found(missing));
    }
    let order = inner.page_order();
    let matching: Vec<(u64, &crate::world::ClientVpnEndpoint)> = inner
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
        let status = endpoint_status(inner, &e.id);
        out.open("item")
            .leaf("clientVpnEndpointId", &e.id)
            .open("status")
            .leaf("code", status);
        if status == "pending-associate" {
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
        out.close("securityGroupIdSet")
            .leaf("vpcId", &e.vpc_id)
            .close("item");
    }
    out.close("clientVpnEndpoint");
    if let Some(t) = next {
        out.leaf("nextToken", &t);
    }
    Ok(())
}

/// Every emulated endpoint uses AWS's default transport.
const TRANSPORT_PROTOCOL: &str = "udp";

fn disassociate_client_vpn(
    inner: &mut Inner,
    params: &Params,
    now: f64,
    out: &mut XmlResponse,
) -> ApiResult<()> {
    let endpoint_id = params.required("ClientVpnEndpointId")?;
    let association_id = params.required("AssociationId")?;
    dry_run(params)?;
    if inner.world.client_vpn_endpoint(endpoint_id).is_none() {
        return Err(endpoint_not_found(endpoint_id));
    }
    let d = inner.durations_for(Family::ClientVpn);
    let a = inner
        .current_mut(Family::ClientVpn, |a| {
            a.id == association_id && a.parent == endpoint_id
        })
        .ok_or_else(|| association_not_found(association_id))?;
    match a.phase() {
        Phase::Creating => {
            return Err(ApiError::new(
                400,
                "IncorrectState",
                format!("The association {association_id} is still associating"),
            ));
        }
        Phase::Active | Phase::Failed => a.begin_disassociate(now, &d),
        _ => {}
    }
    out.leaf("associationId", &a.id);
    write_status(out, a);
    Ok(())
}

fn route_server_not_found(id: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidRouteServerId.NotFound",
        format!("The route server ID '{id}' does not exist"),
    )
}

fn vpc_not_found(id: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidVpcID.NotFound",
        format!("The vpc ID '{id}' does not exist"),
    )
}

fn write_route_server_association(out: &mut XmlResponse, tag: &str, a: &Association) {
    out.open(tag)
        .leaf("routeServerId", &a.parent)
        .leaf("vpcId", &a.child)
        .leaf("state", a.state())
        .close(tag);
}

fn associate_route_server(
    inner: &mut Inner,
    params: &Params,
    now: f64,
    out: &mut XmlResponse,
) -> ApiResult<()> {
    let rs_id = params.required("RouteServerId")?;
    let vpc_id = params.required("VpcId")?;
    dry_run(params)?;
    let seq = create_route_server(inner, rs_id, vpc_id, now, false)?;
    if let Some(a) = inner.by_seq(seq) {
        write_route_server_association(out, "routeServerAssociation", a);
    }
    Ok(())
}

/// AssociateRouteServer's checks and effect, shared with the admin API's out-of-band
/// associate. Returns the new association's sequence number.
pub fn create_route_server(
    inner: &mut Inner,
    rs_id: &str,
    vpc_id: &str,
    now: f64,
    settled: bool,
) -> ApiResult<u64> {
    if inner.world.route_server(rs_id).is_none() {
        return Err(route_server_not_found(rs_id));
    }
    if inner.world.vpc(vpc_id).is_none() {
        return Err(vpc_not_found(vpc_id));
    }
    if let Some(existing) = inner
        .visible_under(Family::RouteServer, rs_id)
        .find(|a| a.phase().occupies())
    {
        return Err(ApiError::new(
            400,
            "Resource.AlreadyAssociated",
            format!(
                "Route server {rs_id} is already associated with {}",
                existing.child
            ),
        ));
    }
    Ok(inner.create_association(
        Family::RouteServer,
        format!("{rs_id},{vpc_id}"),
        rs_id,
        vpc_id,
        now,
        settled,
        |_| {},
    ))
}

fn get_route_server_associations(
    inner: &mut Inner,
    params: &Params,
    out: &mut XmlResponse,
) -> ApiResult<()> {
    let rs_id = params.required("RouteServerId")?;
    dry_run(params)?;
    if inner.world.route_server(rs_id).is_none() {
        return Err(route_server_not_found(rs_id));
    }
    let order = inner.page_order();
    let items = inner
        .visible_under(Family::RouteServer, rs_id)
        .map(|a| (a.seq, a))
        .collect();
    out.open("routeServerAssociationSet");
    for a in ordered(items, order) {
        write_route_server_association(out, "item", a);
    }
    out.close("routeServerAssociationSet");
    Ok(())
}

fn disassociate_route_server(
    inner: &mut Inner,
    params: &Params,
    now: f64,
    out: &mut XmlResponse,
) -> ApiResult<()> {
    let rs_id = params.required("RouteServerId")?;
    let vpc_id = params.required("VpcId")?;
    dry_run(params)?;
    if inner.world.route_server(rs_id).is_none() {
        return Err(route_server_not_found(rs_id));
    }
    if inner.world.vpc(vpc_id).is_none() {
        return Err(vpc_not_found(vpc_id));
    }
    let d = inner.durations_for(Family::RouteServer);
    let a = inner
        .current_mut(Family::RouteServer, |a| {
            a.parent == rs_id && a.child == vpc_id
        })
        .ok_or_else(|| {
            ApiError::new(
                400,
                "InvalidRouteServerId.NotAssociated",
                format!("Route server {rs_id} is not associated with {vpc_id}"),
            )
        })?;
    match a.phase() {
        Phase::Creating => {
            return Err(ApiError::new(
                400,
                "IncorrectState",
                format!("Route server {rs_id} is still associating with {vpc_id}"),
            ));
        }
        Phase::Active | Phase::Failed => a.begin_disassociate(now, &d),
        _ => {}
    }
    write_route_server_association(out, "routeServerAssociation", a);
    Ok(())
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

/// The status Client VPN reports for an endpoint: `available` once a target network is
/// associated, `pending-associate` when none is (including after the last disassociation).
pub fn endpoint_status(inner: &Inner, endpoint_id: &str) -> &'static str {
    if inner
        .visible_under(Family::ClientVpn, endpoint_id)
        .any(|a| a.phase() == Phase::Active)
    {
        "available"
    } else {
        "pending-associate"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattened_lists_and_filters_are_read_in_index_order() {
        let p = Params::parse(
            None,
            b"Action=X&AssociationIds.2=b&AssociationIds.1=a&Filter.1.Name=vpc-id&Filter.1.Value.2=v2&Filter.1.Value.1=v1",
        );
        assert_eq!(p.list("AssociationIds"), ["a", "b"]);
        assert_eq!(
            p.filters().unwrap(),
            [(
                "vpc-id".to_string(),
                vec!["v1".to_string(), "v2".to_string()]
            )]
        );
    }

    #[test]
    fn cidr_overlap_uses_the_shorter_prefix() {
        assert!(cidrs_overlap("10.0.1.0/24", "10.0.0.0/16"));
        assert!(!cidrs_overlap("10.0.1.0/24", "172.16.0.0/22"));
        assert!(!cidrs_overlap("nonsense", "10.0.0.0/8"));
    }
}
