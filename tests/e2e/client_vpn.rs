//! What only Client VPN has.
//!
//! The plan warns before it cuts Client VPN users off: removing the last associated target
//! network of an endpoint deletes the VPC route, terminates active connections, disallows new
//! ones and puts the endpoint in `pending-associate` (AWS's documentation). The warning counts
//! what the same plan removes, and never blocks the plan.
//!
//! An endpoint that uses a Transit Gateway is associated with Availability Zones instead of
//! subnets: exactly one of `subnet_id`, `availability_zone` and `availability_zone_id` is set.

use crate::support::kinds::CLIENT_VPN;
use crate::support::scenario::Scenario;
use crate::support::sim::{AVAILABILITY_ZONES, TGW_CLIENT_VPN_ENDPOINT};

const WARNING: &str = "Removing the last target network of a Client VPN endpoint";
const ENDPOINT: &str = "cvpn-endpoint-0a1b2c3d4e5f60001";

/// A configuration of Client VPN associations on the one endpoint, named `n0`, `n1`, ... for the
/// given subnet numbers.
fn associations(subnets: &[u32]) -> String {
    subnets
        .iter()
        .map(|i| {
            format!(
                "resource \"{}\" \"n{i}\" {{\n  client_vpn_endpoint_id = \"{ENDPOINT}\"\n  subnet_id              = \"subnet-0a1b2c3d4e5f6000{i}\"\n}}\n",
                CLIENT_VPN.resource_type
            )
        })
        .collect()
}

/// An emulator and a working directory with the given associations applied.
fn applied(subnets: &[u32]) -> Scenario {
    let s = Scenario::new(&CLIENT_VPN);
    s.dir.write("main.tf", &associations(subnets));
    s.dir.init();
    s.dir.apply();
    s
}

/// How many times the plan output carries the warning (the CLI wraps long lines).
fn warnings_in(output: &str) -> usize {
    let flat = output.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.matches(WARNING).count()
}

#[test]
fn destroying_the_only_association_warns_in_the_plan_without_blocking_it() {
    let s = applied(&[0]);
    let plan = s.dir.run_ok(&["plan", "-destroy"]);
    let output = plan.combined();
    assert_eq!(warnings_in(&output), 1, "{plan}");
    let flat = output.split_whitespace().collect::<Vec<_>>().join(" ");
    for effect in [
        "deletes the route",
        "terminates all active client connections",
        "disallows new client connections",
        "pending-associate",
    ] {
        assert!(
            flat.contains(effect),
            "the warning says what happens ({effect}): {plan}"
        );
    }
    // A warning, not an error: the destroy goes ahead.
    s.dir.destroy();
    s.assert_all_gone();
}

#[test]
fn destroying_one_of_two_associations_does_not_warn() {
    let s = applied(&[0, 1]);
    s.dir.write("main.tf", &associations(&[1]));
    let plan = s.dir.run_ok(&["plan"]);
    assert!(plan.stdout.contains("1 to destroy"), "{plan}");
    assert_eq!(warnings_in(&plan.combined()), 0, "{plan}");
}

#[test]
fn destroying_both_associations_warns_once() {
    let s = applied(&[0, 1]);
    let plan = s.dir.run_ok(&["plan", "-destroy"]);
    assert!(plan.stdout.contains("2 to destroy"), "{plan}");
    assert_eq!(
        warnings_in(&plan.combined()),
        1,
        "on one of the two: {plan}"
    );
}

/// A replacement the user forces with `-replace` is invisible to the provider until the core
/// plans its create half, and the core drops warnings from that plan call; the warning is shown
/// when the replacement is applied.
#[test]
fn replacing_the_only_association_warns() {
    let s = applied(&[0]);
    let address = format!("-replace={}.n0", CLIENT_VPN.resource_type);
    let apply = s.dir.run_ok(&["apply", "-auto-approve", &address]);
    assert!(
        apply.stdout.contains("1 added, 0 changed, 1 destroyed"),
        "{apply}"
    );
    assert_eq!(warnings_in(&apply.combined()), 1, "{apply}");
}

/// A replacement an argument forces is known to the provider at plan time: the plan warns.
#[test]
fn a_replacement_forced_by_an_argument_warns_in_the_plan() {
    let s = applied(&[0]);
    s.dir
        .write("main.tf", &associations(&[1]).replace("\"n1\"", "\"n0\""));
    let plan = s.dir.run_ok(&["plan"]);
    assert!(plan.stdout.contains("must be replaced"), "{plan}");
    assert_eq!(warnings_in(&plan.combined()), 1, "{plan}");
}

/// A refresh reads every association at once; reads of one endpoint share one status call.
#[test]
fn a_refresh_of_associations_on_one_endpoint_makes_one_status_call() {
    let s = applied(&[0, 1, 2, 3, 4]);
    let before = s.calls().len();
    s.dir.plan_no_changes();
    let describes: Vec<f64> = s.calls()[before..]
        .iter()
        .filter(|c| c.operation == CLIENT_VPN.describe_action)
        .map(|c| c.at_ms)
        .collect();
    // One listing answers every read for a second (the poller's READ_FRESHNESS): a loaded
    // machine that spreads the reads out may need another listing, but never one within a
    // second of the last, and never one per read.
    const READ_FRESHNESS_MS: f64 = 1_000.0;
    assert!(
        !describes.is_empty() && describes.len() < 5,
        "five reads of one endpoint: {describes:?}"
    );
    for pair in describes.windows(2) {
        assert!(
            pair[1] - pair[0] >= READ_FRESHNESS_MS - 100.0,
            "a second listing {} ms after the first: {describes:?}",
            pair[1] - pair[0]
        );
    }
}

/// An endpoint that uses a Transit Gateway is associated with Availability Zones: by name
/// (`availability_zone`) or by ID (`availability_zone_id`). Either way AWS lists both, and
/// neither a subnet nor a VPC; the association is created, read with no change planned,
/// imported with no change planned, and destroyed through the CLI.
fn a_zone_association_is_created_read_imported_and_destroyed(argument: &str, value: &str) {
    let s = Scenario::new(&CLIENT_VPN);
    s.dir.write(
        "main.tf",
        &format!(
            "resource \"{}\" \"this\" {{\n  client_vpn_endpoint_id = \"{TGW_CLIENT_VPN_ENDPOINT}\"\n  {argument} = \"{value}\"\n}}\n",
            CLIENT_VPN.resource_type
        ),
    );
    s.dir.init();
    s.dir.apply();

    let (zone_name, zone_id) = AVAILABILITY_ZONES[1];
    let created = s.state_attributes().expect("in state");
    let attribute = |name: &str| created.get(name).cloned().unwrap_or_default();
    assert_eq!(attribute("availability_zone"), zone_name, "{created:?}");
    assert_eq!(attribute("availability_zone_id"), zone_id, "{created:?}");
    assert!(attribute("subnet_id").is_null(), "{created:?}");
    assert!(attribute("vpc_id").is_null(), "{created:?}");
    assert_eq!(attribute("status"), "associated", "{created:?}");
    let live = s.live_associations();
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(
        (live[0].parent.as_str(), live[0].child.as_str()),
        (TGW_CLIENT_VPN_ENDPOINT, zone_id)
    );

    // Read: the refresh finds what was applied.
    s.dir.plan_no_changes();

    // Import: the ID names the endpoint and the association; the read fills in the zone.
    let id = s.import_id();
    assert_eq!(id, format!("{TGW_CLIENT_VPN_ENDPOINT},{}", live[0].id));
    s.dir.run_ok(&["state", "rm", &s.address()]);
    let import = s.dir.run_ok(&["import", &s.address(), &id]);
    assert!(import.stdout.contains("Import successful"), "{import}");
    s.dir.plan_no_changes();
    let mut imported = s.state_attributes().expect("imported into state");
    imported.remove("timeouts");
    for (name, value) in imported {
        assert_eq!(
            created.get(&name),
            Some(&value),
            "attribute {name} after import"
        );
    }

    // Destroy: the disassociate goes to the endpoint, and AWS is left without the association.
    s.dir.destroy();
    let disassociates = s
        .calls()
        .iter()
        .filter(|c| c.operation == CLIENT_VPN.disassociate_action)
        .filter(|c| c.subject.as_deref() == Some(TGW_CLIENT_VPN_ENDPOINT))
        .count();
    assert_eq!(disassociates, 1, "{:?}", s.calls());
    s.assert_all_gone();
}

#[test]
fn a_zone_association_by_availability_zone_is_created_read_imported_and_destroyed() {
    a_zone_association_is_created_read_imported_and_destroyed(
        "availability_zone",
        AVAILABILITY_ZONES[1].0,
    );
}

#[test]
fn a_zone_association_by_availability_zone_id_is_created_read_imported_and_destroyed() {
    a_zone_association_is_created_read_imported_and_destroyed(
        "availability_zone_id",
        AVAILABILITY_ZONES[1].1,
    );
}

/// A subnet and a zone together is an error of the plan, on the zone's line, before anything
/// reaches AWS.
#[test]
fn a_subnet_and_a_zone_together_are_a_plan_error_on_the_attribute() {
    let s = Scenario::new(&CLIENT_VPN);
    s.dir.write(
        "main.tf",
        &format!(
            "resource \"{}\" \"this\" {{\n  client_vpn_endpoint_id = \"{ENDPOINT}\"\n  subnet_id = \"subnet-0a1b2c3d4e5f60000\"\n  availability_zone = \"us-east-1a\"\n}}\n",
            CLIENT_VPN.resource_type
        ),
    );
    s.dir.init();
    let plan = s.dir.run_err(&["plan"]);
    let output = plan.combined();
    assert!(output.contains("Conflicting arguments"), "{plan}");
    // The CLI quotes the configuration line the diagnostic's attribute points at.
    assert!(
        output.contains("availability_zone = \"us-east-1a\""),
        "the error points at availability_zone: {plan}"
    );
    assert!(
        output.contains("`availability_zone` cannot be set together with `subnet_id`"),
        "{plan}"
    );
    nothing_reached_client_vpn(&s);
}

/// Leaving out every form of the target is an error of the plan, too.
#[test]
fn no_target_network_at_all_is_a_plan_error() {
    let s = Scenario::new(&CLIENT_VPN);
    s.dir.write(
        "main.tf",
        &format!(
            "resource \"{}\" \"this\" {{\n  client_vpn_endpoint_id = \"{TGW_CLIENT_VPN_ENDPOINT}\"\n}}\n",
            CLIENT_VPN.resource_type
        ),
    );
    s.dir.init();
    let plan = s.dir.run_err(&["plan"]);
    let flat = plan
        .combined()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains("Missing target"), "{plan}");
    assert!(
        flat.contains(
            "Exactly one of `subnet_id`, `availability_zone`, `availability_zone_id` must be set"
        ),
        "{plan}"
    );
    nothing_reached_client_vpn(&s);
}

/// No Client VPN call was made: the plan stopped at validation.
fn nothing_reached_client_vpn(s: &Scenario) {
    for operation in [CLIENT_VPN.associate_action, CLIENT_VPN.describe_action] {
        assert_eq!(s.call_count(operation), 0, "{operation} reached AWS");
    }
}
