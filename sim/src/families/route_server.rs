//! EC2 Route Server ↔ VPC associations: `AssociateRouteServer`, `GetRouteServerAssociations`,
//! `DisassociateRouteServer`. A route server holds one VPC at a time, and the API has neither
//! a failure state nor a finished one: a failed or disassociated association just disappears.

use super::spec::{FamilySpec, Operation, OutOfBandError, Subject};
use crate::admin_types::AssociateRequest;
use crate::api::{ApiError, ApiResult, ordered, paginate};
use crate::ec2::Params;
use crate::family::Family;
use crate::lifecycle::Association;
use crate::phase::{At, GONE, Lifecycle, States};
use crate::profile::{FamilyDurations, Timings};
use crate::state::Inner;
use crate::xml::Xml;

const ASSOCIATING: &str = "associating";
const ASSOCIATED: &str = "associated";
const DISASSOCIATING: &str = "disassociating";

/// What the family's operations are about: the route server.
const SUBJECT: Subject = Subject::Member("RouteServerId");

pub(crate) const LIFECYCLE: Lifecycle = Lifecycle {
    family: Family::RouteServer,
    // No failure value and no finished state in the API: a failed or disassociated
    // association just disappears, and `grace_ms` is unused.
    states: States {
        creating: &[ASSOCIATING],
        active: &[ASSOCIATED],
        failed: &[],
        deleting: &[DISASSOCIATING],
        deleted: &[],
    },
    associate: &[(ASSOCIATING, At::Start), (ASSOCIATED, At::End)],
    associate_failed: &[(ASSOCIATING, At::Start), (GONE, At::End)],
    disassociate: &[(DISASSOCIATING, At::Start), (GONE, At::End)],
    failure_message: "Association was rolled back (simulated)",
};

pub(crate) const SPEC: FamilySpec = FamilySpec {
    lifecycle: &LIFECYCLE,
    // Realistic: AWS publishes no figure; 30 s is an assumption (docs/emulator.md, "Durations").
    durations: Timings {
        fast: FamilyDurations::new(200, 200, 0),
        demo: FamilyDurations::new(3_000, 3_000, 0),
        realistic: FamilyDurations::new(30_000, 30_000, 0),
    },
    operations: &[
        Operation::ec2("AssociateRouteServer", SUBJECT, associate),
        Operation::ec2("GetRouteServerAssociations", SUBJECT, get),
        Operation::ec2("DisassociateRouteServer", SUBJECT, disassociate),
        Operation::ec2("DescribeRouteServers", SUBJECT, describe_route_servers),
    ],
    out_of_band,
    world_view: None,
};

fn route_server_not_found(id: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidRouteServerId.NotFound",
        format!("The route server ID '{id}' does not exist"),
    )
}

/// Both parents of a pair must exist.
fn check_parents(inner: &Inner, rs_id: &str, vpc_id: &str) -> ApiResult<()> {
    if inner.world.route_server(rs_id).is_none() {
        return Err(route_server_not_found(rs_id));
    }
    if inner.world.vpc(vpc_id).is_none() {
        return Err(ApiError::new(
            400,
            "InvalidVpcID.NotFound",
            format!("The vpc ID '{vpc_id}' does not exist"),
        ));
    }
    Ok(())
}

fn write_association(out: &mut Xml, tag: &str, a: &Association) {
    out.open(tag)
        .leaf("routeServerId", &a.parent)
        .leaf("vpcId", &a.child)
        .leaf("state", a.state())
        .close(tag);
}

/// `RouteServerId` and `VpcId`, which both mutating calls take, then DryRun.
fn pair(params: &Params) -> ApiResult<(&str, &str)> {
    let pair = (params.required("RouteServerId")?, params.required("VpcId")?);
    params.dry_run()?;
    Ok(pair)
}

fn associate(inner: &mut Inner, params: &Params, now: f64) -> ApiResult<Xml> {
    let mut out = Xml::default();
    let (rs_id, vpc_id) = pair(params)?;
    let seq = create(inner, rs_id, vpc_id, now, false)?;
    if let Some(a) = inner.by_seq(seq) {
        write_association(&mut out, "routeServerAssociation", a);
    }
    Ok(out)
}

fn out_of_band(inner: &mut Inner, req: &AssociateRequest, now: f64) -> Result<u64, OutOfBandError> {
    let (rs_id, vpc_id) = req.parent_and_child()?;
    Ok(create(inner, rs_id, vpc_id, now, req.settled)?)
}

/// AssociateRouteServer's checks and effect. Returns the new association's sequence number.
fn create(inner: &mut Inner, rs_id: &str, vpc_id: &str, now: f64, settled: bool) -> ApiResult<u64> {
    check_parents(inner, rs_id, vpc_id)?;
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
        &LIFECYCLE,
        format!("{rs_id},{vpc_id}"),
        rs_id,
        vpc_id,
        now,
        settled,
        |_| {},
    ))
}

fn get(inner: &mut Inner, params: &Params, now: f64) -> ApiResult<Xml> {
    let mut out = Xml::default();
    let rs_id = params.required("RouteServerId")?;
    params.dry_run()?;
    if inner.world.route_server(rs_id).is_none() {
        return Err(route_server_not_found(rs_id));
    }
    let order = inner.page_order();
    let items = inner
        .listed_under(Family::RouteServer, rs_id, now)
        .map(|a| (a.seq, a))
        .collect();
    out.open("routeServerAssociationSet");
    for a in ordered(items, order) {
        write_association(&mut out, "item", a);
    }
    out.close("routeServerAssociationSet");
    Ok(out)
}

fn disassociate(inner: &mut Inner, params: &Params, now: f64) -> ApiResult<Xml> {
    let mut out = Xml::default();
    let (rs_id, vpc_id) = pair(params)?;
    check_parents(inner, rs_id, vpc_id)?;
    let a = inner.disassociate(
        Family::RouteServer,
        now,
        |a| a.parent == rs_id && a.child == vpc_id,
        || {
            ApiError::new(
                400,
                "InvalidRouteServerId.NotAssociated",
                format!("Route server {rs_id} is not associated with {vpc_id}"),
            )
        },
        || {
            ApiError::new(
                400,
                "IncorrectState",
                format!("Route server {rs_id} is still associating with {vpc_id}"),
            )
        },
    )?;
    write_association(&mut out, "routeServerAssociation", a);
    Ok(out)
}

/// DescribeRouteServers: the seeded route servers, every one `available`, paginated
/// (`MaxResults` 5–1000, absent = everything in one page, as EC2's describe calls). Route
/// servers have no creation sequence, so the cursor is the seed position (1-based); seeding
/// replaces in place and appends, so positions never shift.
fn describe_route_servers(inner: &mut Inner, params: &Params, _now: f64) -> ApiResult<Xml> {
    let mut out = Xml::default();
    let page_size = match params.int("MaxResults")? {
        Some(n) if !(5..=1000).contains(&n) => {
            return Err(ApiError::new(
                400,
                "InvalidParameterValue",
                format!("MaxResults must be between 5 and 1000, got {n}"),
            ));
        }
        n => n.map(|n| n as usize),
    };
    let scope = "route-servers";
    let cursor = params.next_token(scope)?;
    let ids = params.list("RouteServerId");
    params.dry_run()?;
    if let Some(missing) = ids.iter().find(|id| inner.world.route_server(id).is_none()) {
        return Err(route_server_not_found(missing));
    }
    let order = inner.page_order();
    let page_size = inner.page_size(page_size);
    let matching: Vec<(u64, String)> = inner
        .world
        .route_servers
        .iter()
        .enumerate()
        .filter(|(_, rs)| ids.is_empty() || ids.contains(&rs.id))
        .map(|(i, rs)| (i as u64 + 1, rs.id.clone()))
        .collect();
    let (page, next) = paginate(matching, cursor, page_size, scope, order);
    out.open("routeServerSet");
    for id in page {
        out.open("item")
            .leaf("routeServerId", &id)
            .leaf("state", "available")
            .close("item");
    }
    out.close("routeServerSet");
    out.next_token(next);
    Ok(out)
}
