//! Resource identity (Terraform and OpenTofu 1.12): every kind's identity is `account_id`, the
//! `region` for a regional kind, and the two attributes of its import ID; `show -json` holds it
//! after an apply and after an import, and `import { identity = { … } }` imports the object with
//! no change planned afterwards. Older CLIs skip these scenarios (`tests/expected-skips.txt`).

use serde_json::{Value, json};

use crate::support::cli::Feature;
use crate::support::kinds::{Kind, ROUTE_SERVER};
use crate::support::scenario::Scenario;
use crate::support::scenarios;
use crate::support::skip::cli_supports;
use awsassoc_sim::Family;

/// The account the emulator's STS answers for the test credentials in these scenarios: not its
/// default, so an identity that holds it can only have come from GetCallerIdentity.
const ACCOUNT: &str = "210987654321";

/// The region of the provider block every scenario uses.
const REGION: &str = "us-east-1";

/// A scenario whose emulator answers GetCallerIdentity with [`ACCOUNT`].
fn scenario(kind: &'static Kind) -> Scenario {
    let s = Scenario::new(kind);
    s.sim
        .block_on(s.sim.admin.seed(&json!({ "account_id": ACCOUNT })))
        .expect("the account seeds");
    s
}

/// The identity the resource must have: the account, the region unless the kind is global
/// (NetworkManager), and the key attributes as the state holds them.
fn expected_identity(s: &Scenario) -> Value {
    let (parent, member) = s.kind.key_attributes;
    let mut identity = json!({
        "account_id": ACCOUNT,
        parent: s.attribute(parent),
        member: s.attribute(member),
    });
    if s.kind.family != Family::ConnectPeer {
        identity["region"] = json!(REGION);
    }
    identity
}

/// The identity `show -json` holds for the scenario's resource.
fn identity_in_state(s: &Scenario) -> Value {
    let state = s.dir.state_json();
    let resources = state
        .pointer("/values/root_module/resources")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let resource = resources
        .iter()
        .find(|r| r["address"] == s.address())
        .unwrap_or_else(|| panic!("{} is not in state: {state}", s.address()));
    resource
        .get("identity")
        .cloned()
        .unwrap_or_else(|| panic!("no identity in state: {resource}"))
}

/// The kind's association applied, with the identity it must have; `None` (the scenario is
/// recorded as skipped) when the CLI has no resource identity.
fn applied_with_identity(kind: &'static Kind, scenario_name: &str) -> Option<(Scenario, Value)> {
    if !cli_supports(Feature::ResourceIdentity, scenario_name) {
        return None;
    }
    let s = scenario(kind);
    s.configure("");
    s.dir.init();
    s.dir.apply();
    let expected = expected_identity(&s);
    Some((s, expected))
}

/// After `apply`, and again after `import` by ID, `show -json` holds the full identity; it is
/// the same both times, and the plan that follows the import is empty.
fn identity_is_in_state_after_apply_and_after_import(kind: &'static Kind) {
    let Some((s, expected)) =
        applied_with_identity(kind, "resource identity in state after apply and import")
    else {
        return;
    };
    assert_eq!(identity_in_state(&s), expected, "after apply");

    let id = s.import_id();
    s.dir.run_ok(&["state", "rm", &s.address()]);
    s.dir.run_ok(&["import", &s.address(), &id]);
    assert_eq!(identity_in_state(&s), expected, "after import");
    s.dir.plan_no_changes();
    // A refresh keeps it as it is.
    s.dir.run_ok(&["apply", "-refresh-only", "-auto-approve"]);
    assert_eq!(identity_in_state(&s), expected, "after a refresh");
    assert!(
        s.call_count("GetCallerIdentity") > 0,
        "the account comes from STS"
    );
}

/// An `import` block naming only the key attributes of the identity imports the association
/// (`account_id` and `region` default to the provider's), and the plan after it is empty.
fn import_block_by_identity_plans_no_change(kind: &'static Kind) {
    let Some((s, expected)) = applied_with_identity(kind, "import block by resource identity")
    else {
        return;
    };
    let (parent, member) = kind.key_attributes;
    s.dir.run_ok(&["state", "rm", &s.address()]);
    s.dir.write(
        "import.tf",
        &format!(
            "import {{\n  to = {}\n  identity = {{\n    {parent} = \"{}\"\n    {member} = \"{}\"\n  }}\n}}\n",
            s.address(),
            expected[parent].as_str().unwrap_or_default(),
            expected[member].as_str().unwrap_or_default(),
        ),
    );
    let apply = s.dir.apply();
    assert!(apply.stdout.contains("1 imported"), "{apply}");
    assert_eq!(identity_in_state(&s), expected);
    let plan = s.dir.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(plan.code(), Some(0), "no change after the import: {plan}");
}

scenarios! {
    identity_is_in_state_after_apply_and_after_import,
    import_block_by_identity_plans_no_change,
}

/// An identity naming another account than the credentials' is refused, naming both accounts,
/// and nothing is imported.
#[test]
fn import_by_identity_of_another_account_is_refused_naming_both() {
    if !cli_supports(
        Feature::ResourceIdentity,
        "import block by resource identity",
    ) {
        return;
    }
    let s = scenario(&ROUTE_SERVER);
    s.configure("");
    s.dir.init();
    s.dir.apply();
    let (parent, member) = ROUTE_SERVER.key_attributes;
    let (parent_id, member_id) = (s.attribute(parent), s.attribute(member));
    s.dir.run_ok(&["state", "rm", &s.address()]);
    s.dir.write(
        "import.tf",
        &format!(
            "import {{\n  to = {}\n  identity = {{\n    account_id = \"999999999999\"\n    {parent} = \"{parent_id}\"\n    {member} = \"{member_id}\"\n  }}\n}}\n",
            s.address(),
        ),
    );
    let plan = s.dir.run_err(&["plan"]);
    let text = plan.to_string();
    assert!(
        text.contains("Identity names another AWS account")
            && text.contains("999999999999")
            && text.contains(ACCOUNT),
        "{plan}"
    );
    assert!(s.state_attributes().is_none(), "nothing imported");
}
