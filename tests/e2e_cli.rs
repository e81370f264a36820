//! The CLI workflows users run, under whichever CLI the suite runs with (`scripts/test` runs it
//! under OpenTofu and under Terraform): `import` blocks with generated configuration, `removed`
//! blocks, `-refresh-only`, the `test` command, and Ctrl-C during a destroy. A workflow the CLI
//! does not have is skipped and recorded (see `support::skip`).

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::cli::Feature;
use support::kinds::{Kind, ROUTE_SERVER};
use support::scenario::Scenario;
use support::skip::cli_supports;

/// An association made outside Terraform is brought in by an `import` block whose resource
/// configuration the CLI generates from the provider's schema; afterwards the plan is empty.
fn an_import_block_generates_configuration_and_imports(kind: &'static Kind) {
    if !cli_supports(Feature::ImportBlocks, "import blocks") {
        return;
    }
    let s = Scenario::new(kind);
    let existing = s
        .sim
        .block_on(s.sim.admin.associate(&kind.out_of_band()))
        .expect("out-of-band association");
    s.dir.write(
        "main.tf",
        &format!(
            "import {{\n  to = {}\n  id = \"{}\"\n}}\n",
            s.address(),
            kind.import_id(&existing)
        ),
    );
    s.dir.init();
    s.dir.run_ok(&["plan", "-generate-config-out=generated.tf"]);
    let generated = s.dir.read("generated.tf");
    assert!(
        generated.contains(&format!("resource \"{}\" \"this\"", kind.resource_type)),
        "{generated}"
    );
    assert!(generated.contains(kind.parent), "{generated}");
    let apply = s.dir.apply();
    assert!(apply.stdout.contains("1 imported"), "{apply}");
    s.dir.plan_no_changes();
    assert_eq!(s.live_import_ids(), s.import_ids_in_state());
}

scenarios! {
    an_import_block_generates_configuration_and_imports,
}

/// Replaces the resource block with a `removed` block.
fn remove_with_block(s: &Scenario, destroy: bool) {
    s.dir.write(
        "main.tf",
        &format!(
            "removed {{\n  from = {}\n  lifecycle {{\n    destroy = {destroy}\n  }}\n}}\n",
            s.address()
        ),
    );
}

/// `removed` with `destroy = false`: Terraform forgets the association and AWS keeps it.
#[test]
fn a_removed_block_that_keeps_the_association_only_forgets_it() {
    if !cli_supports(Feature::RemovedBlocks, "removed blocks (destroy = false)") {
        return;
    }
    let s = Scenario::new(&ROUTE_SERVER);
    s.configure("");
    s.dir.init();
    s.dir.apply();
    let kept = s.live_import_ids();
    remove_with_block(&s, false);
    s.dir.apply();
    assert!(s.import_ids_in_state().is_empty());
    assert_eq!(s.live_import_ids(), kept, "AWS still has it");
    assert_eq!(s.call_count(ROUTE_SERVER.disassociate_action), 0);
}

/// `removed` with `destroy = true`: the association is destroyed and waited for.
#[test]
fn a_removed_block_that_destroys_waits_until_gone() {
    if !cli_supports(Feature::RemovedBlocks, "removed blocks (destroy = true)") {
        return;
    }
    let s = Scenario::new(&ROUTE_SERVER);
    s.configure("");
    s.dir.init();
    s.dir.apply();
    remove_with_block(&s, true);
    let apply = s.dir.apply();
    assert!(apply.stdout.contains("1 destroyed"), "{apply}");
    assert!(s.import_ids_in_state().is_empty());
    s.assert_all_gone();
}

/// `apply -refresh-only` records an out-of-band disassociation in state and changes nothing in
/// AWS; the next plan proposes the re-create.
#[test]
fn refresh_only_records_drift_without_touching_aws() {
    let s = Scenario::new(&ROUTE_SERVER);
    s.configure("");
    s.dir.init();
    s.dir.apply();
    s.disassociate_out_of_band();
    let calls_before = s.calls().len();
    let refresh = s.dir.run_ok(&["apply", "-refresh-only", "-auto-approve"]);
    assert!(s.import_ids_in_state().is_empty(), "{refresh}");
    let mutations = s.calls()[calls_before..]
        .iter()
        .filter(|c| !c.operation.starts_with("Get") && !c.operation.starts_with("Describe"))
        .count();
    assert_eq!(mutations, 0, "a refresh only reads");
    let plan = s.dir.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(plan.code(), Some(2), "{plan}");
    assert!(plan.stdout.contains("will be created"), "{plan}");
}

/// The CLI's `test` command applies the configuration, checks an assertion on the association's
/// state, and destroys it again.
#[test]
fn the_test_command_applies_asserts_and_destroys() {
    if !cli_supports(Feature::TestCommand, "the test command") {
        return;
    }
    let s = Scenario::new(&ROUTE_SERVER);
    s.configure("");
    std::fs::create_dir_all(s.dir.path().join("tests")).expect("tests directory");
    s.dir.write(
        "tests/association.tftest.hcl",
        &format!(
            "run \"associates\" {{\n  assert {{\n    condition     = {}.state == \"associated\"\n    error_message = \"the association is not associated\"\n  }}\n}}\n",
            s.address()
        ),
    );
    s.dir.init();
    let test = s.dir.run_ok(&["test"]);
    assert!(test.combined().contains("1 passed, 0 failed"), "{test}");
    s.assert_all_gone();
}

/// Ctrl-C while a destroy waits: the CLI stops the provider, the association stays in state
/// (AWS is still removing it), and the next destroy picks it up and finishes.
#[test]
fn an_interrupted_destroy_keeps_state_and_the_next_destroy_finishes() {
    let s = Scenario::new(&ROUTE_SERVER);
    s.configure("");
    s.dir.init();
    s.dir.apply();
    s.set_durations(json!({"route_server": {"disassociate_ms": 8_000}}));
    let started = Instant::now();
    let destroy = s
        .dir
        .run_interrupted(&["destroy", "-auto-approve"], move || {
            started.elapsed() > Duration::from_secs(3)
        });
    assert!(!destroy.success(), "{destroy}");
    assert_eq!(
        s.import_ids_in_state(),
        vec![format!("{},{}", ROUTE_SERVER.parent, ROUTE_SERVER.child)],
        "the association stays in state: {destroy}"
    );
    assert_eq!(s.call_count(ROUTE_SERVER.disassociate_action), 1);

    s.dir.destroy();
    assert!(s.import_ids_in_state().is_empty());
    s.assert_all_gone();
}
