//! The association resources, end to end: the real OpenTofu (or Terraform) CLI drives the
//! provider binary, which talks to the in-process emulator on loopback with its `fast` timings.
//!
//! Every scenario runs once per resource kind (see `scenarios!` at the bottom), so each behaviour
//! is specified in one place and holds for every association kind.

use crate::support::kinds::{self, CLIENT_VPN, Kind};
use crate::support::scenario::Scenario;
use crate::support::scenarios;
use crate::support::{REQUIRED_PROVIDERS, Workdir, provider_block};
use awsassoc_sim::{Family, FaultKind};
use serde_json::json;

fn family_name(family: Family) -> String {
    family.to_string()
}

// ---------------------------------------------------------------------------------------------
// Scenarios, each written once and run for every kind.

/// apply creates and waits; a second plan is empty; destroy removes it and waits until gone.
fn apply_then_noop_plan_then_destroy(kind: &'static Kind) {
    let s = Scenario::new(kind);
    s.configure("");
    s.dir.init();
    let apply = s.dir.apply();
    assert!(apply.stdout.contains("Creation complete"), "{apply}");
    // Every record of the kind, gone ones included: exactly one, and settled (the apply waited
    // for it), not still being created.
    let all = s.associations();
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].phase(), awsassoc_sim::Phase::Active, "{all:?}");
    s.dir.plan_no_changes();

    let destroy = s.dir.destroy();
    assert!(destroy.stdout.contains("Destruction complete"), "{destroy}");
    s.assert_all_gone();
    assert!(s.state_attributes().is_none());
}

/// Deleting the block from the configuration and applying destroys the association.
fn removing_the_block_destroys_it(kind: &'static Kind) {
    let s = Scenario::new(kind);
    s.configure("");
    s.dir.init();
    s.dir.apply();
    s.remove_resource();
    let apply = s.dir.apply();
    assert!(apply.stdout.contains("1 destroyed"), "{apply}");
    s.assert_all_gone();
}

/// `tofu import` with the documented ID, then a plan with no changes.
fn import_round_trips(kind: &'static Kind) {
    let s = Scenario::new(kind);
    s.configure("");
    s.dir.init();
    s.dir.apply();
    let id = s.import_id();
    let before = s.state_attributes().expect("in state");
    s.dir.run_ok(&["state", "rm", &s.address()]);
    let import = s.dir.run_ok(&["import", &s.address(), &id]);
    assert!(import.stdout.contains("Import successful"), "{import}");
    s.dir.plan_no_changes();
    let mut after = s.state_attributes().expect("imported into state");
    // Import does not know the configured timeouts block; everything AWS knows must match.
    after.remove("timeouts");
    for (name, value) in after {
        assert_eq!(
            before.get(&name),
            Some(&value),
            "attribute {name} after import"
        );
    }
}

/// An association removed behind Terraform's back shows up as a planned re-create.
fn drift_is_planned_as_a_create(kind: &'static Kind) {
    let s = Scenario::new(kind);
    s.configure("");
    s.dir.init();
    s.dir.apply();
    s.disassociate_out_of_band();
    let plan = s.dir.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(plan.code(), Some(2), "a change is expected: {plan}");
    assert!(plan.stdout.contains("will be created"), "{plan}");
    s.dir.apply();
    assert_eq!(s.live_associations().len(), 1, "re-created");
}

/// A delete that finds the association already gone succeeds.
fn not_found_during_delete_counts_as_deleted(kind: &'static Kind) {
    let s = Scenario::new(kind);
    s.configure("");
    s.dir.init();
    s.dir.apply();
    s.disassociate_out_of_band();
    // Without a refresh, Terraform still believes in the association and asks to delete it.
    let destroy = s
        .dir
        .run_ok(&["destroy", "-auto-approve", "-refresh=false"]);
    assert!(destroy.stdout.contains("Destruction complete"), "{destroy}");
    assert!(s.state_attributes().is_none());
}

/// A seed under which, for this kind's sequence of calls, the first associate is throttled and
/// the first disassociate fails (the draws are seeded, so the faults land where asserted).
fn throttle_seed(kind: &Kind) -> u64 {
    match kind.family {
        Family::ClientVpn | Family::WorkspacesApplication => 2,
        Family::RouteServer | Family::ConnectPeer => 1,
    }
}

/// With 30% of this service's calls throttled or failing, and half of each mutation, create and
/// destroy still converge, and each mutation was faulted and sent again.
fn throttling_and_server_errors_converge(kind: &'static Kind) {
    let s = Scenario::new(kind);
    s.set_faults(json!({
        "rules": [
            {"operation": kind.associate_action, "throttle_rate": 0.8},
            {"operation": kind.disassociate_action, "error_rate": 0.8},
            {"service": kind.service, "throttle_rate": 0.15, "error_rate": 0.15}
        ],
        "seed": throttle_seed(kind)
    }));
    s.configure("");
    s.dir.init();
    s.dir.apply();
    s.dir.destroy();
    s.assert_all_gone();
    // Each mutation was faulted and then sent again, and the resent one was answered.
    let calls = s.calls();
    for (operation, fault) in [
        (kind.associate_action, FaultKind::Throttle),
        (kind.disassociate_action, FaultKind::Error),
    ] {
        let faulted = calls
            .iter()
            .position(|c| c.operation == operation && c.fault == Some(fault))
            .unwrap_or_else(|| panic!("no {operation} was answered with {fault:?}: {calls:?}"));
        assert!(
            calls[faulted + 1..]
                .iter()
                .any(|c| c.operation == operation && c.fault.is_none() && c.status == 200),
            "{operation} was not sent again after its {fault:?}: {calls:?}"
        );
    }
}

/// A delete timeout shorter than AWS needs fails clearly and keeps the state; destroying again
/// picks the wait up and completes.
fn short_delete_timeout_fails_clearly_and_destroy_resumes(kind: &'static Kind) {
    let s = Scenario::new(kind);
    s.configure("  timeouts {\n    delete = \"1s\"\n  }");
    s.dir.init();
    s.dir.apply();
    s.set_durations(json!({ family_name(kind.family): {"disassociate_ms": 4000} }));
    let destroy = s.dir.run_err(&["destroy", "-auto-approve"]);
    // The CLI wraps diagnostics to the terminal width.
    let output = destroy
        .combined()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(output.contains("Timed out waiting"), "{destroy}");
    assert!(output.contains("run the command again"), "{destroy}");
    assert!(
        s.state_attributes().is_some(),
        "a timed-out delete keeps the state"
    );

    // Destroy uses the timeouts stored in state: raise them with an apply, then destroy again.
    s.configure("  timeouts {\n    delete = \"2m\"\n  }");
    s.dir.apply();
    s.dir.run_ok(&["destroy", "-auto-approve"]);
    assert!(s.state_attributes().is_none());
    s.assert_all_gone();
}

/// A malformed ID fails the plan on the exact attribute, with an example of the right form.
fn malformed_id_is_rejected_at_plan_time(kind: &'static Kind) {
    let s = Scenario::new(kind);
    let (attribute, bad) = kind.bad_argument;
    let hcl = format!(
        "resource \"{}\" \"this\" {{\n  {}\n}}\n",
        kind.resource_type, kind.arguments
    );
    let line = hcl
        .lines()
        .find(|l| l.trim_start().starts_with(attribute))
        .expect("the argument is in the configuration")
        .to_owned();
    let value_start = line.find('"').expect("quoted value");
    let broken = format!("{}\"{bad}\"", &line[..value_start]);
    s.dir.write("main.tf", &hcl.replace(&line, &broken));
    s.dir.init();
    let plan = s.dir.run_err(&["plan"]);
    let output = plan.combined();
    assert!(
        output.contains(&format!("{attribute} ")) || output.contains(&format!("{attribute}=")),
        "{plan}"
    );
    assert!(output.contains("Expected the form"), "{plan}");
    assert!(output.contains(bad), "{plan}");
    assert_eq!(s.call_count(kind.describe_action), 0, "nothing reached AWS");
}

/// Import IDs of the wrong shape are refused with the right shape in the message.
fn malformed_import_id_is_rejected(kind: &'static Kind) {
    let s = Scenario::new(kind);
    s.configure("");
    s.dir.init();
    let import = s.dir.run_err(&["import", &s.address(), "not-an-id"]);
    let output = import.combined();
    assert!(output.contains("Invalid import ID"), "{import}");
    assert!(
        output.contains(','),
        "the message shows the comma-separated form: {import}"
    );
}

/// With `preflight_dry_run`, a destroy AWS would refuse is caught at plan time where the service
/// has DryRun, and skipped without a call where it has not.
fn destroy_preflight_follows_the_service_dry_run_support(kind: &'static Kind) {
    if kind.has_dry_run {
        preflight_reports_a_refused_destroy_at_plan_time(kind)
    } else {
        preflight_is_skipped_without_dry_run(kind)
    }
}

/// With `preflight_dry_run`, planning a destroy that AWS would refuse fails at plan time, before
/// anything is deleted.
fn preflight_reports_a_refused_destroy_at_plan_time(kind: &'static Kind) {
    let s = Scenario::with_provider(kind, "preflight_dry_run = true");
    s.configure("");
    s.dir.init();
    s.dir.apply();
    s.set_faults(json!({ "deny": [kind.disassociate_action] }));
    let plan = s.dir.run_err(&["plan", "-destroy"]);
    let output = plan.combined();
    assert!(output.contains("Preflight"), "{plan}");
    assert!(output.contains("UnauthorizedOperation"), "{plan}");
    assert_eq!(s.live_associations().len(), 1, "nothing was deleted");

    s.set_faults(json!({}));
    s.dir.plan();
    s.dir.destroy();
}

/// Services without DryRun (NetworkManager, WorkSpaces) have nothing to ask at plan time: with
/// `preflight_dry_run` on, planning the destroy makes no disassociate call and does not fail,
/// even though AWS would refuse the real call.
fn preflight_is_skipped_without_dry_run(kind: &'static Kind) {
    let s = Scenario::with_provider(kind, "preflight_dry_run = true");
    s.configure("");
    s.dir.init();
    s.dir.apply();
    s.set_faults(json!({ "deny": [kind.disassociate_action] }));
    let plan = s.dir.run_ok(&["plan", "-destroy"]);
    assert!(plan.stdout.contains("1 to destroy"), "{plan}");
    assert_eq!(
        s.call_count(kind.disassociate_action),
        0,
        "the plan called nothing"
    );
}

scenarios! {
    apply_then_noop_plan_then_destroy,
    removing_the_block_destroys_it,
    import_round_trips,
    drift_is_planned_as_a_create,
    not_found_during_delete_counts_as_deleted,
    throttling_and_server_errors_converge,
    short_delete_timeout_fails_clearly_and_destroy_resumes,
    malformed_id_is_rejected_at_plan_time,
    malformed_import_id_is_rejected,
    destroy_preflight_follows_the_service_dry_run_support,
}

/// Ten associations on one Client VPN endpoint, destroyed by one `tofu destroy`, share one
/// status poll stream: the emulator never sees two DescribeClientVpnTargetNetworks calls closer
/// together than the waiter's shortest poll interval, and far fewer calls than ten waiters
/// polling on their own would make.
#[test]
fn concurrent_client_vpn_destroys_share_one_poll_per_tick() {
    let s = Scenario::new(&CLIENT_VPN);
    let resources: String = (0..10)
        .map(|i| {
            format!(
                "resource \"awsassoc_ec2_client_vpn_network_association\" \"n{i}\" {{\n  client_vpn_endpoint_id = \"cvpn-endpoint-0a1b2c3d4e5f60001\"\n  subnet_id = \"subnet-0a1b2c3d4e5f6000{i}\"\n}}\n"
            )
        })
        .collect();
    s.dir.write("main.tf", &resources);
    s.dir.init();
    s.dir.apply();
    // Disassociation takes long enough for several poll ticks.
    s.set_durations(json!({"client_vpn": {"disassociate_ms": 1500}}));
    s.dir
        .run_ok(&["destroy", "-auto-approve", "-refresh=false"]);
    s.assert_all_gone();

    let calls = s.sim.block_on(s.sim.admin.calls()).expect("calls");
    let first_disassociate = calls
        .log
        .iter()
        .find(|c| c.operation == "DisassociateClientVpnTargetNetwork")
        .map(|c| c.at_ms)
        .expect("disassociate calls were made");
    let polls: Vec<f64> = calls
        .log
        .iter()
        .filter(|c| {
            c.operation == "DescribeClientVpnTargetNetworks" && c.at_ms >= first_disassociate
        })
        .map(|c| c.at_ms)
        .collect();
    assert!(!polls.is_empty(), "the destroy polled the endpoint");
    // The waiter's ticks of one stream are at least 160 ms apart (200 ms, -20% jitter). A loaded
    // machine only spaces them further, so the count over the destroy is bounded by one stream's
    // ticks; ten independent waiters would make about ten times as many.
    const MIN_TICK_MS: f64 = 160.0;
    let span = polls.last().copied().unwrap_or_default() - first_disassociate;
    let one_stream = (span / MIN_TICK_MS).floor() as usize + 2;
    assert!(
        polls.len() <= one_stream,
        "{} polls in {span} ms, more than one stream's {one_stream}: {polls:?}",
        polls.len()
    );
}

/// Each resource's example in `examples/resources/` validates against the provider's schema.
#[test]
fn resource_examples_validate() {
    let root = crate::support::repo_root().join("examples/resources");
    for kind in kinds::all() {
        let example = std::fs::read_to_string(root.join(kind.resource_type).join("resource.tf"))
            .expect("the example exists");
        let dir = Workdir::new();
        dir.write(
            "providers.tf",
            &format!(
                "{REQUIRED_PROVIDERS}\n{}",
                provider_block("http://127.0.0.1:4566")
            ),
        );
        dir.write("main.tf", &example);
        dir.init();
        dir.validate();
    }
}
