//! The plan warns before it cuts Client VPN users off: removing the last associated target
//! network of an endpoint deletes the VPC route, terminates active connections, disallows new
//! ones and puts the endpoint in `pending-associate` (AWS's documentation). The warning counts
//! what the same plan removes, and never blocks the plan.

use crate::support::kinds::CLIENT_VPN;
use crate::support::scenario::Scenario;

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
