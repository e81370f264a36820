//! Terraform's state and AWS agree after every create and destroy, whatever the network and AWS
//! do: each fault is injected through the emulator and each scenario runs through the real CLI.
//!
//! Per kind (see `scenarios!` at the bottom): lost answers to associate and to disassociate,
//! listings that put a finished record after the live one, a hung status call, and an
//! association that already existed. Then, once: a broken credential source, secrets at
//! `TF_LOG=trace`, a panic in one operation, and hostile input.

use std::time::{Duration, Instant};

use crate::support::kinds::{CLIENT_VPN, CONNECT_PEER, Kind, ROUTE_SERVER, WORKSPACES_APPLICATION};
use crate::support::scenario::Scenario;
use crate::support::scenarios;
use crate::support::{REQUIRED_PROVIDERS, Workdir};
use awsassoc_sim::FaultKind;
use awsassoc_sim::admin_client::AssociateRequest;
use serde_json::json;

/// One line per diagnostic: the CLI wraps long messages to the terminal width.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Asserts that the emulator recorded at least one call of `operation` answered with `fault`, so
/// a scenario cannot pass without the fault it is about.
fn assert_fault_injected(s: &Scenario, operation: &str, fault: FaultKind) {
    let injected = s
        .calls()
        .iter()
        .filter(|c| c.operation == operation && c.fault == Some(fault))
        .count();
    assert!(
        injected > 0,
        "no {operation} call was answered with {fault:?}: the scenario did not exercise the fault"
    );
}

/// After each answer of `mutation` that was lost, the provider looked (a status call of that
/// parent) before it sent anything for that parent again, and looked at all: nothing is sent
/// again blind. Only for a single association per parent, where the next mutation of the
/// parent can only be a resend. An associate with an idempotency token (Client VPN's
/// `ClientToken`) may be resent without a look when AWS made no second association of it: the
/// caller passes `idempotent` and this checks that the emulator holds one record only.
fn assert_looked_before_sending_again(s: &Scenario, mutation: &str, idempotent: bool) {
    let calls = s.calls();
    let mut lost_answers = 0;
    for (i, lost) in calls.iter().enumerate() {
        if lost.operation != mutation || lost.fault != Some(FaultKind::LostResponse) {
            continue;
        }
        lost_answers += 1;
        let later = &calls[i + 1..];
        let looked = |c: &awsassoc_sim::CallRecord| {
            c.operation == s.kind.describe_action && c.subject == lost.subject
        };
        let resent = later
            .iter()
            .position(|c| c.operation == mutation && c.subject == lost.subject);
        match resent {
            Some(next) if idempotent && !later[..next].iter().any(looked) => {
                let records = s.associations();
                assert_eq!(
                    records.len(),
                    1,
                    "{mutation} resent blind made a second association: {records:?}"
                );
            }
            Some(next) => assert!(
                later[..next].iter().any(looked),
                "{mutation} for {:?} sent again after a lost answer without a look: {calls:?}",
                lost.subject
            ),
            None => assert!(
                later.iter().any(looked),
                "the provider never looked after a lost {mutation} answer: {calls:?}"
            ),
        }
    }
    assert!(
        lost_answers > 0,
        "no {mutation} answer was lost: the scenario did not exercise the fault"
    );
}

/// Half of the associate calls are carried out by AWS but their answers never arrive. The
/// provider looks before it sends again (checked in the call log), so it neither orphans an
/// association nor fails on "already associated": after apply, the emulator's live
/// associations are exactly the ones in state, and destroy leaves none. One association, so
/// the next associate of the parent can only be a resend.
fn lost_answers_to_associate_converge(kind: &'static Kind) {
    let s = Scenario::new(kind);
    s.configure("");
    s.set_faults(json!({
        "rules": [{"operation": kind.associate_action, "lost_response_rate": 0.5}],
        "seed": 11
    }));
    s.dir.init();
    let apply = s.dir.apply();
    assert_fault_injected(&s, kind.associate_action, FaultKind::LostResponse);
    assert_looked_before_sending_again(&s, kind.associate_action, kind.idempotent_associate);
    assert!(!s.import_ids_in_state().is_empty(), "{apply}");
    assert_eq!(s.live_import_ids(), s.import_ids_in_state(), "{apply}");

    s.set_faults(json!({}));
    s.dir.destroy();
    assert!(s.live_import_ids().is_empty());
    assert!(s.import_ids_in_state().is_empty());
}

/// Half of the disassociate answers are lost: the provider looks, sees the removal under way,
/// and waits for it instead of failing or sending it again (one association, as above).
fn lost_answers_to_disassociate_converge(kind: &'static Kind) {
    let s = Scenario::new(kind);
    s.configure("");
    s.dir.init();
    s.dir.apply();
    s.set_faults(json!({
        "rules": [{"operation": kind.disassociate_action, "lost_response_rate": 0.5}],
        "seed": 5
    }));
    let destroy = s.dir.destroy();
    assert_fault_injected(&s, kind.disassociate_action, FaultKind::LostResponse);
    assert_looked_before_sending_again(&s, kind.disassociate_action, false);
    assert!(s.live_import_ids().is_empty(), "{destroy}");
    assert!(s.import_ids_in_state().is_empty(), "{destroy}");
    s.assert_all_gone();
}

/// A replace inside the grace period leaves the finished record of the old association listed
/// next to the new one, under the same import ID. Whatever order AWS lists them in, the new
/// association is live: the create succeeds, a refresh keeps it in state, and the plan after it
/// is empty. Only Connect peers and WorkSpaces applications can produce this: a route server's
/// association vanishes without a finished record, and a new Client VPN association has an ID
/// of its own.
fn listing_order_never_fakes_a_gone(kind: &'static Kind) {
    let s = Scenario::new(kind);
    s.set_durations(json!({ kind.family.to_string(): {"grace_ms": 60_000} }));
    s.configure("");
    s.dir.init();
    s.dir.apply();
    for order in ["newest_first", "shuffled"] {
        s.set_faults(json!({"list_order": order, "seed": 3}));
        let replace = s
            .dir
            .run_ok(&["apply", "-auto-approve", "-replace", &s.address()]);
        assert!(
            replace.stdout.contains("1 added, 0 changed, 1 destroyed"),
            "{order}: {replace}"
        );
        // The fault arose: the old association's finished record is still listed under the
        // live one's import ID, so a listing can put one before or after the other.
        let records = s.associations();
        let live = records.iter().find(|r| r.is_live()).expect("a live record");
        assert!(
            records.iter().any(|r| r.is_finished()
                && r.phase() != awsassoc_sim::Phase::Gone
                && kind.import_id(r) == kind.import_id(live)),
            "{order}: no finished record shares the live one's import ID: {records:?}"
        );
        assert_eq!(
            s.live_import_ids(),
            s.import_ids_in_state(),
            "{order}: {replace}"
        );
        s.dir.plan_no_changes();
        assert_eq!(s.live_import_ids().len(), 1, "{order}");
    }
    s.dir.destroy();
    assert!(s.live_import_ids().is_empty());
}

/// Status calls hang (AWS never answers) half of the time. Each hung call is abandoned after one
/// attempt timeout and the parent is asked again, so no wait on that parent is held up longer
/// than that; the destroy completes.
fn a_hung_status_call_blocks_no_wait_beyond_one_attempt_timeout(kind: &'static Kind) {
    const ATTEMPT_TIMEOUT_MS: f64 = 2_000.0;
    let s = Scenario::with_provider(
        kind,
        "preflight_dry_run = false\n  api_call_attempt_timeout = \"2s\"",
    );
    s.configure_with_sibling();
    s.dir.init();
    s.dir.apply();
    s.set_durations(json!({ kind.family.to_string(): {"disassociate_ms": 4_000} }));
    s.set_faults(json!({
        "rules": [{"operation": kind.describe_action, "hang_rate": 0.5}],
        "seed": 2
    }));
    let destroy = s
        .dir
        .run_ok(&["destroy", "-auto-approve", "-refresh=false"]);
    assert!(s.live_import_ids().is_empty(), "{destroy}");
    assert_fault_injected(&s, kind.describe_action, FaultKind::Hang);

    // The waits' polls: status calls after the first disassociation (a plan may read the
    // parent too, in another provider process, with its own retries).
    let calls = s.calls();
    let first_disassociate = calls
        .iter()
        .find(|c| c.operation == kind.disassociate_action)
        .map(|c| c.at_ms)
        .expect("a disassociation");
    let polls: Vec<_> = calls
        .into_iter()
        .filter(|c| c.operation == kind.describe_action && c.at_ms > first_disassociate)
        .collect();
    // Per parent: after each hung poll (but the parent's last), the parent is asked again within
    // one attempt timeout plus a margin a loaded machine keeps. Without the attempt timeout the
    // hung call would hold the wait for the whole call timeout (5 minutes by default).
    const MARGIN_MS: f64 = 5_000.0;
    let mut checked = 0;
    let mut parents: Vec<_> = polls.iter().filter_map(|c| c.subject.clone()).collect();
    parents.sort();
    parents.dedup();
    assert!(!parents.is_empty(), "no poll names its parent: {polls:?}");
    for parent in &parents {
        let of_parent: Vec<_> = polls
            .iter()
            .filter(|c| c.subject.as_ref() == Some(parent))
            .collect();
        for pair in of_parent.windows(2) {
            if pair[0].fault != Some(FaultKind::Hang) {
                continue;
            }
            checked += 1;
            let gap = pair[1].at_ms - pair[0].at_ms;
            assert!(
                gap <= ATTEMPT_TIMEOUT_MS + MARGIN_MS,
                "{parent} was not asked again for {gap} ms after a hung call: {destroy}"
            );
        }
    }
    assert!(
        checked > 0,
        "no hung poll was followed by another poll of its parent: {polls:?}"
    );
}

#[test]
fn listing_order_never_fakes_a_gone_for_connect_peers() {
    listing_order_never_fakes_a_gone(&CONNECT_PEER);
}

#[test]
fn listing_order_never_fakes_a_gone_for_workspaces_applications() {
    listing_order_never_fakes_a_gone(&WORKSPACES_APPLICATION);
}

/// An association that exists before apply (made outside Terraform) is neither adopted nor
/// duplicated: the apply fails with the exact import ID, and nothing is recorded or removed.
fn an_existing_association_is_reported_with_its_import_id(kind: &'static Kind) {
    let s = Scenario::new(kind);
    let existing = s
        .sim
        .block_on(s.sim.admin.associate(&kind.out_of_band()))
        .expect("out-of-band association");
    let import_id = kind.import_id(&existing);
    s.configure("");
    s.dir.init();
    let apply = s.dir.run_err(&["apply", "-auto-approve"]);
    let output = flat(&apply.combined());
    assert!(output.contains("already exists"), "{apply}");
    assert!(output.contains(&import_id), "{apply}");
    assert!(
        s.import_ids_in_state().is_empty(),
        "nothing recorded: {apply}"
    );
    assert_eq!(
        s.live_import_ids(),
        vec![import_id],
        "nothing orphaned or removed"
    );
    assert_eq!(s.call_count(kind.disassociate_action), 0);
}

/// An association that exists before apply, while every answer to the associate call is lost:
/// the provider looks before it sends anything, so it neither adopts the existing association
/// nor sends a blind associate. The apply fails with the import ID; the association is
/// untouched and state holds nothing. For Connect peer the existing association is on another
/// device, which is no more ours than the same one.
fn an_existing_association_is_never_adopted_after_a_lost_answer(kind: &'static Kind) {
    let s = Scenario::new(kind);
    let existing = s
        .sim
        .block_on(s.sim.admin.associate(&kind.out_of_band_elsewhere()))
        .expect("out-of-band association");
    let import_id = kind.import_id(&existing);
    s.set_faults(json!({
        "rules": [{"operation": kind.associate_action, "lost_response_rate": 1.0}]
    }));
    s.configure("");
    s.dir.init();
    let apply = s.dir.run_err(&["apply", "-auto-approve"]);
    let output = flat(&apply.combined());
    assert!(output.contains("already exists"), "{apply}");
    assert!(output.contains(&import_id), "{apply}");
    assert!(s.import_ids_in_state().is_empty(), "{apply}");
    assert_eq!(s.live_import_ids(), vec![import_id], "untouched: {apply}");
    // The look came first, and found it: nothing was sent that the lost answer could hide.
    let calls = s.calls();
    let first_look = calls
        .iter()
        .position(|c| c.operation == kind.describe_action);
    assert!(first_look.is_some(), "the provider never looked: {apply}");
    assert_eq!(s.call_count(kind.associate_action), 0, "{apply}");
    assert_eq!(s.call_count(kind.disassociate_action), 0, "{apply}");
}

/// AWS's lists lag 20 s behind its mutations and every associate answer is lost. Whatever the
/// apply reports, the associations AWS has afterwards are exactly the ones in state (tainted is
/// fine): nothing orphaned, nothing adopted twice. Destroy then leaves none.
fn lagging_lists_and_lost_answers_orphan_nothing(kind: &'static Kind) {
    let s = Scenario::new(kind);
    s.set_faults(json!({
        "rules": [{"operation": kind.associate_action, "lost_response_rate": 1.0}],
        "visibility_delay_ms": { kind.family.to_string(): 20_000 },
    }));
    s.configure("");
    s.dir.init();
    let apply = s.dir.run(&["apply", "-auto-approve"]);
    assert_fault_injected(&s, kind.associate_action, FaultKind::LostResponse);
    assert!(
        !s.live_import_ids().is_empty(),
        "the lost attempt made one: {apply}"
    );
    assert_eq!(s.live_import_ids(), s.import_ids_in_state(), "{apply}");
    // Between the lost answer and anything sent again, the provider looked (or, for an API
    // with an idempotency token, sent the very same request: AWS made no second association).
    assert_looked_before_sending_again(&s, kind.associate_action, kind.idempotent_associate);

    s.set_faults(json!({}));
    s.dir.destroy();
    assert!(s.live_import_ids().is_empty());
}

/// Lists that lag 20 s behind mutations, and nothing else wrong: a healthy create is waited
/// for, never declared vanished, tainted or re-created.
fn a_lagging_list_alone_never_taints_a_healthy_create(kind: &'static Kind) {
    let s = Scenario::new(kind);
    s.set_faults(json!({ "visibility_delay_ms": { kind.family.to_string(): 20_000 } }));
    s.configure("");
    s.dir.init();
    let apply = s.dir.apply();
    assert_eq!(s.live_import_ids(), s.import_ids_in_state(), "{apply}");
    assert_eq!(s.live_import_ids().len(), 1, "{apply}");
    assert_eq!(s.call_count(kind.associate_action), 1, "{apply}");
    let tainted = s
        .dir
        .state_json()
        .pointer("/values/root_module/resources/0/tainted")
        .cloned();
    assert_ne!(tainted, Some(json!(true)), "{apply}");
    s.dir.plan_no_changes();
    s.dir.destroy();
    assert!(s.live_import_ids().is_empty());
}

scenarios! {
    an_existing_association_is_never_adopted_after_a_lost_answer,
    lagging_lists_and_lost_answers_orphan_nothing,
    a_lagging_list_alone_never_taints_a_healthy_create,
    lost_answers_to_associate_converge,
    lost_answers_to_disassociate_converge,
    a_hung_status_call_blocks_no_wait_beyond_one_attempt_timeout,
    an_existing_association_is_reported_with_its_import_id,
}

/// An old `association-failed` record of the same subnet is listed beside the new association
/// while the associate answer is lost: the provider keeps its own new association, never the
/// failed one.
#[test]
fn an_old_failed_record_is_never_taken_for_the_new_client_vpn_association() {
    let kind = &CLIENT_VPN;
    let s = Scenario::new(kind);
    s.set_faults(json!({"failure_rate": {"client_vpn": 1.0}}));
    let failed = s
        .sim
        .block_on(s.sim.admin.associate(&AssociateRequest::new(
            kind.family,
            kind.parent,
            kind.child,
        )))
        .expect("out-of-band association");
    // Triggered by the emulator's own record, not by elapsed time.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !s
        .associations()
        .iter()
        .any(|a| a.id == failed.id && a.state == "association-failed")
    {
        assert!(
            Instant::now() < deadline,
            "the old association never failed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    s.set_faults(json!({
        "rules": [{"operation": kind.associate_action, "lost_response_rate": 1.0}]
    }));
    s.configure("");
    s.dir.init();
    let apply = s.dir.apply();
    assert_fault_injected(&s, kind.associate_action, FaultKind::LostResponse);
    let association_id = s.attribute("association_id");
    assert_ne!(
        association_id, failed.id,
        "the failed record was adopted: {apply}"
    );
    assert_eq!(s.attribute("status"), "associated", "{apply}");
    s.set_faults(json!({}));
    s.dir.destroy();
}

/// NetworkManager answers its generic `ConflictException` ("There was a conflict processing the
/// request") to 30 % of the status calls while three Connect peer associations on one global
/// network are destroyed. A conflict on a read passes: the shared poll asks again, and no wait
/// fails.
#[test]
fn generic_conflicts_on_the_shared_status_call_fail_no_wait() {
    let s = Scenario::new(&CONNECT_PEER);
    let hcl: String = (1..=3)
        .map(|i| {
            format!(
                "resource \"{}\" \"peer{i}\" {{\n  global_network_id = \"global-network-0a1b2c3d4e5f60001\"\n  connect_peer_id   = \"connect-peer-0a1b2c3d4e5f6000{i}\"\n  device_id         = \"device-0a1b2c3d4e5f60001\"\n}}\n",
                CONNECT_PEER.resource_type
            )
        })
        .collect();
    s.dir.write("main.tf", &hcl);
    s.dir.init();
    s.dir.apply();
    assert_eq!(s.live_import_ids().len(), 3);
    s.set_durations(json!({"connect_peer": {"disassociate_ms": 3_000}}));
    s.set_faults(json!({
        "rules": [{
            "operation": CONNECT_PEER.describe_action,
            "error_rate": 0.3,
            "error_code": "ConflictException"
        }],
        "seed": 7
    }));
    let destroy = s.dir.destroy();
    let conflicts = s
        .calls()
        .iter()
        .filter(|c| {
            c.operation == CONNECT_PEER.describe_action
                && c.fault == Some(FaultKind::Error)
                && c.status == 409
        })
        .count();
    assert!(conflicts > 0, "no conflict was served: {destroy}");
    assert!(s.live_import_ids().is_empty(), "{destroy}");
    assert!(s.import_ids_in_state().is_empty(), "{destroy}");
}

/// `n` WorkSpaces application associations on the test WorkSpace, `extra` inside each block.
fn workspace_applications(n: usize, extra: &str) -> String {
    (0..n)
        .map(|i| {
            format!(
                "resource \"{}\" \"app{i}\" {{\n  workspace_id   = \"ws-0a1b2c3d4\"\n  application_id = \"wsa-0a1b2c3d{i}\"\n{extra}\n}}\n",
                WORKSPACES_APPLICATION.resource_type
            )
        })
        .collect()
}

const DEPLOY: &str = "DeployWorkspaceApplications";

/// AWS stages every application change until `DeployWorkspaceApplications`, and refuses a
/// deployment while another runs. Ten applications created together, and destroyed together,
/// complete with a few deployments shared between them, not ten; and nothing is installed or
/// removed before a deployment asks for it.
#[test]
fn ten_applications_on_one_workspace_share_their_deployments() {
    let s = Scenario::new(&WORKSPACES_APPLICATION);
    s.dir.write("main.tf", &workspace_applications(10, ""));
    s.dir.init();
    let apply = s.dir.run_ok(&["apply", "-auto-approve", "-parallelism=10"]);
    let deploys = s.call_count(DEPLOY);
    assert!((1..=3).contains(&deploys), "{deploys} deployments: {apply}");
    let first_deploy = s
        .calls()
        .iter()
        .find(|c| c.operation == DEPLOY)
        .map(|c| c.at_ms)
        .expect("a deployment");
    let live = s.live_associations();
    assert_eq!(live.len(), 10, "{apply}");
    for association in &live {
        assert_eq!(association.state, "COMPLETED", "{association:?}");
        let installing = association.reached("INSTALLING").expect("installed");
        assert!(
            installing >= first_deploy,
            "installed before any deployment: {association:?}"
        );
    }
    s.dir.plan_no_changes();

    let destroy = s
        .dir
        .run_ok(&["destroy", "-auto-approve", "-parallelism=10"]);
    let destroy_deploys = s.call_count(DEPLOY) - deploys;
    assert!(
        (1..=3).contains(&destroy_deploys),
        "{destroy_deploys} deployments: {destroy}"
    );
    s.assert_all_gone();
}

/// A deployment that ends in `ERROR` fails the apply with AWS's reason, and the association
/// stays in state (tainted), since AWS still has it.
#[test]
fn a_failed_deployment_fails_the_apply_with_aws_reason_and_keeps_state() {
    let s = Scenario::new(&WORKSPACES_APPLICATION);
    s.set_faults(json!({"failure_rate": {"workspaces_application": 1.0}}));
    s.configure("");
    s.dir.init();
    let apply = s.dir.run_err(&["apply", "-auto-approve"]);
    let output = flat(&apply.combined());
    assert!(output.contains("ERROR"), "{apply}");
    assert!(output.contains("DeploymentError"), "AWS's reason: {apply}");
    assert!(s.call_count(DEPLOY) >= 1, "{apply}");
    assert_eq!(s.live_import_ids(), s.import_ids_in_state(), "{apply}");
    assert_eq!(s.import_ids_in_state().len(), 1, "{apply}");
    s.set_faults(json!({}));
    s.dir.destroy();
    assert!(s.live_import_ids().is_empty());
}

/// With `deploy = false` the provider never deploys: a create ends once AWS has staged the
/// installation, and a destroy once it has staged the removal, for a user who deploys by other
/// means. Turning it back on changes nothing in AWS; a destroy then deploys what is staged.
#[test]
fn deploy_false_stops_at_the_staged_state() {
    let s = Scenario::new(&WORKSPACES_APPLICATION);
    s.configure("  deploy = false");
    s.dir.init();
    let apply = s.dir.apply();
    assert_eq!(
        s.attribute("state"),
        "PENDING_INSTALL_DEPLOYMENT",
        "{apply}"
    );
    assert_eq!(s.call_count(DEPLOY), 0, "{apply}");
    // The staged installation is deployed before the removal AWS would refuse until then.
    s.configure("");
    let update = s.dir.apply();
    assert!(
        update.stdout.contains("0 added, 1 changed, 0 destroyed"),
        "{update}"
    );
    assert_eq!(
        s.call_count(DEPLOY),
        0,
        "an update changes nothing in AWS: {update}"
    );
    let destroy = s.dir.destroy();
    assert!(s.call_count(DEPLOY) >= 2, "{destroy}");
    s.assert_all_gone();

    // A removal with deploy = false stays staged.
    s.configure("");
    s.dir.apply();
    s.configure("  deploy = false");
    s.dir.apply();
    let deploys = s.call_count(DEPLOY);
    s.dir.destroy();
    assert_eq!(s.call_count(DEPLOY), deploys);
    let last = s.associations().pop().expect("an association");
    assert_eq!(last.state, "PENDING_UNINSTALL_DEPLOYMENT");
}

/// A WorkSpace that is rebooting answers `OperationNotSupportedException`; the provider sees
/// the WorkSpace's passing state and waits the reboot out instead of failing.
#[test]
fn a_rebooting_workspace_is_waited_out() {
    let s = Scenario::new(&WORKSPACES_APPLICATION);
    s.configure("");
    s.dir.init();
    s.sim
        .block_on(
            s.sim
                .admin
                .set_workspace_state("ws-0a1b2c3d4", "REBOOTING", Some(3_000)),
        )
        .expect("the WorkSpace reboots");
    let apply = s.dir.apply();
    let refused = s
        .calls()
        .iter()
        .filter(|c| c.operation == WORKSPACES_APPLICATION.associate_action && c.status == 400)
        .count();
    assert!(refused > 0, "the reboot refused nothing: {apply}");
    assert_eq!(s.attribute("state"), "COMPLETED", "{apply}");
    s.dir.destroy();
}

/// AWS carries out one deployment per WorkSpace at a time and refuses application changes while
/// it runs. A removal that Terraform hands over while another run's deployment is installing an
/// application on the same WorkSpace waits on its status poll for that installation to end, then
/// goes at once: nothing is sent into the refusal. The two runs sign with different keys, so the
/// emulator's call log tells their calls apart.
#[test]
fn a_removal_during_another_runs_deployment_waits_for_its_end() {
    let kind = &WORKSPACES_APPLICATION;
    let s = Scenario::new(kind);
    s.configure("");
    s.dir.init();
    s.dir.apply();
    let installs_after_first_apply = s.call_count("DeployWorkspaceApplications");
    // The other run's installation takes 10 s from its deployment.
    s.set_durations(json!({"workspaces_application": {"associate_ms": 10_000}}));
    let other = Workdir::new();
    other.write(
        "providers.tf",
        &s.dir.read("providers.tf").replace(
            "access_key        = \"test\"",
            "access_key        = \"other\"",
        ),
    );
    let sibling = kind
        .sibling_arguments
        .expect("a WorkSpace holds several applications");
    other.write(
        "main.tf",
        &format!(
            "resource \"{}\" \"other\" {{\n  {sibling}\n}}\n",
            kind.resource_type
        ),
    );
    other.init();
    let (other_apply, destroy) = std::thread::scope(|scope| {
        let other_apply = scope.spawn(|| other.apply());
        // Once the other run's deployment has gone out, remove the first application.
        let deadline = Instant::now() + Duration::from_secs(120);
        while s.call_count("DeployWorkspaceApplications") == installs_after_first_apply {
            assert!(Instant::now() < deadline, "the other run never deployed");
            std::thread::sleep(Duration::from_millis(20));
        }
        let destroy = s.dir.destroy();
        (other_apply.join().expect("the other apply"), destroy)
    });
    let installed = s
        .associations()
        .into_iter()
        .find(|a| a.child == "wsa-0a1b2c3d5")
        .and_then(|a| a.reached("COMPLETED"))
        .unwrap_or_else(|| panic!("the other run's application was installed: {other_apply}"));
    let ours: Vec<_> = s
        .calls()
        .into_iter()
        .filter(|c| c.access_key_id.as_deref() == Some("test"))
        .collect();
    // The removal was handed over while the other application was installing: besides the
    // refresh, the destroy asked about the WorkSpace several times during the installation.
    let other_deployed = s
        .calls()
        .iter()
        .find(|c| {
            c.access_key_id.as_deref() == Some("other")
                && c.operation == "DeployWorkspaceApplications"
        })
        .map(|c| c.at_ms)
        .expect("the other run deployed");
    let looks_during_install = ours
        .iter()
        .filter(|c| c.operation == kind.describe_action)
        .filter(|c| c.at_ms >= other_deployed && c.at_ms < installed)
        .count();
    assert!(
        looks_during_install >= 3,
        "the removal never waited for the installation ({looks_during_install} looks)\n{destroy}"
    );
    let disassociates: Vec<_> = ours
        .iter()
        .filter(|c| c.operation == kind.disassociate_action)
        .collect();
    assert_eq!(
        disassociates.len(),
        1,
        "one disassociate, never refused: {disassociates:?}\n{destroy}"
    );
    assert_eq!(disassociates[0].status, 200, "{destroy}");
    assert!(
        disassociates[0].at_ms >= installed,
        "sent {} ms before the installation ended",
        installed - disassociates[0].at_ms
    );
    other.destroy();
}

/// A provider block that points every service at `url` and takes credentials from the
/// environment (no keys in the block).
fn provider_without_keys(url: &str) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
provider "awsassoc" {{
  region = "us-east-1"
  endpoints {{
    ec2            = "{url}"
    networkmanager = "{url}"
    workspaces     = "{url}"
    sts            = "{url}"
  }}
}}
"#
    )
}

/// Credentials that cannot be had end an apply at once with the cause, instead of being retried
/// until the 30-minute timeout: a profile that does not exist, and a credentials file that
/// cannot be read.
#[test]
fn a_broken_credential_source_fails_the_apply_quickly_with_its_cause() {
    let s = Scenario::new(&ROUTE_SERVER);
    let files = tempfile::tempdir().expect("temp dir");
    let config_file = files.path().join("config");
    std::fs::write(&config_file, "[default]\nregion = us-east-1\n").expect("config file");
    s.configure("");

    // A profile named in the environment that no file defines.
    let mut dir = Workdir::new();
    dir.write("main.tf", &s.dir.read("main.tf"));
    dir.write("providers.tf", &provider_without_keys(s.sim.url()));
    dir.env("AWS_CONFIG_FILE", &config_file)
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            files.path().join("credentials"),
        )
        .env("AWS_PROFILE", "no-such-profile")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    dir.init();
    let started = Instant::now();
    let apply = dir.run_err(&["apply", "-auto-approve"]);
    assert!(started.elapsed() < Duration::from_secs(30), "{apply}");
    let output = flat(&apply.combined());
    assert!(output.contains("no-such-profile"), "{apply}");
    assert!(output.contains("AWS_PROFILE"), "{apply}");
    assert!(s.live_import_ids().is_empty());

    // The credentials file exists but cannot be read (it is a directory).
    let unreadable = files.path().join("credentials-dir");
    std::fs::create_dir(&unreadable).expect("directory");
    let mut dir = Workdir::new();
    dir.write("main.tf", &s.dir.read("main.tf"));
    dir.write("providers.tf", &provider_without_keys(s.sim.url()));
    dir.env("AWS_CONFIG_FILE", &config_file)
        .env("AWS_SHARED_CREDENTIALS_FILE", &unreadable)
        .env("AWS_PROFILE", "default")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    dir.init();
    let started = Instant::now();
    let apply = dir.run_err(&["apply", "-auto-approve"]);
    assert!(started.elapsed() < Duration::from_secs(30), "{apply}");
    let output = flat(&apply.combined());
    assert!(output.contains("Cannot read shared AWS file"), "{apply}");
    assert!(
        output.contains(&unreadable.display().to_string()),
        "the message names the file: {apply}"
    );

    // STS refuses to let the identity assume the role: found on the first AWS call.
    let url = s.sim.url().to_owned();
    let dir = Workdir::new();
    dir.write("main.tf", &s.dir.read("main.tf"));
    dir.write(
        "providers.tf",
        &format!(
            r#"{REQUIRED_PROVIDERS}
provider "awsassoc" {{
  region     = "us-east-1"
  access_key = "AKIASOURCEKEY0000001"
  secret_key = "source-secret"
  assume_role {{
    role_arn = "arn:aws:iam::123456789012:role/not-for-you"
  }}
  endpoints {{
    ec2            = "{url}"
    networkmanager = "{url}"
    workspaces     = "{url}"
    sts            = "{url}"
  }}
}}
"#
        ),
    );
    s.set_faults(json!({"deny": ["AssumeRole"]}));
    dir.init();
    let started = Instant::now();
    let apply = dir.run_err(&["apply", "-auto-approve"]);
    assert!(started.elapsed() < Duration::from_secs(30), "{apply}");
    let output = flat(&apply.combined());
    assert!(
        output.contains("AWS credentials could not be obtained"),
        "{apply}"
    );
    assert!(
        output.contains("arn:aws:iam::123456789012:role/not-for-you"),
        "the message names the role: {apply}"
    );
    assert!(output.contains("AccessDenied"), "{apply}");
}

/// At `TF_LOG=trace`, neither the provider nor the SDK prints a secret: not the static secret
/// key or session token, not the assume-role external ID, not a password in an endpoint URL
/// (which the provider drops, with a warning that does not repeat it). The role really is
/// assumed through the emulator's STS, and the EC2 calls are signed with its temporary key.
#[test]
fn trace_logs_hold_no_secrets() {
    const SECRET_KEY: &str = "s3cr3tKEYdoNotLog/0123456789abcdefABCDEF";
    const SESSION_TOKEN: &str = "SESSIONtokenDoNotLog0123456789";
    const EXTERNAL_ID: &str = "externalIdDoNotLog-42";
    const ENDPOINT_PASSWORD: &str = "Pa55wordDoNotLog";
    let s = Scenario::new(&ROUTE_SERVER);
    let url = s.sim.url().to_owned();
    let url_with_password = url.replace("http://", &format!("http://admin:{ENDPOINT_PASSWORD}@"));
    s.dir.write(
        "providers.tf",
        &format!(
            r#"{REQUIRED_PROVIDERS}
provider "awsassoc" {{
  region     = "us-east-1"
  access_key = "AKIASOURCEKEY0000001"
  secret_key = "{SECRET_KEY}"
  token      = "{SESSION_TOKEN}"

  assume_role {{
    role_arn     = "arn:aws:iam::123456789012:role/terraform"
    session_name = "trace-test"
    external_id  = "{EXTERNAL_ID}"
  }}

  endpoints {{
    ec2            = "{url_with_password}"
    networkmanager = "{url}"
    workspaces     = "{url}"
    sts            = "{url_with_password}"
  }}
}}
"#
        ),
    );
    s.configure("");
    let mut dir = s.dir;
    dir.env("TF_LOG", "trace");
    dir.init();
    let apply = dir.apply();
    let destroy = dir.destroy();
    let output = format!("{}\n{}", apply.combined(), destroy.combined());
    assert!(
        output.contains("provider.terraform-provider-awsassoc"),
        "the provider's own log lines are part of the output"
    );
    for secret in [SECRET_KEY, SESSION_TOKEN, EXTERNAL_ID, ENDPOINT_PASSWORD] {
        assert!(
            !output.contains(secret),
            "{secret} appears in the trace output"
        );
    }
    assert!(
        flat(&apply.combined()).contains("Endpoint user information ignored"),
        "{apply}"
    );

    // Each CLI command starts its own provider process, which assumes the role once.
    let sessions = s
        .sim
        .block_on(s.sim.admin.sts_sessions())
        .expect("sessions");
    assert!(!sessions.is_empty(), "the role was assumed");
    assert!(sessions.iter().all(|session| session.external_id_given));
    // The temporary keys STS handed out are secrets too.
    let issued = s
        .sim
        .block_on(s.sim.admin.sts_issued_secrets())
        .expect("issued secrets");
    assert_eq!(
        issued.len(),
        sessions.len(),
        "every session's secrets are recorded"
    );
    for secret in &issued {
        for value in [&secret.secret_access_key, &secret.session_token] {
            assert!(
                !output.contains(value.as_str()),
                "a temporary secret of {} appears in the trace output",
                secret.access_key_id
            );
        }
    }
    let assumed_keys: Vec<&str> = sessions.iter().map(|s| s.access_key_id.as_str()).collect();
    let calls = s.sim.block_on(s.sim.admin.calls()).expect("calls").log;
    let ec2_calls: Vec<_> = calls.iter().filter(|c| c.service == "ec2").collect();
    assert!(!ec2_calls.is_empty());
    for call in ec2_calls {
        assert!(
            call.access_key_id
                .as_deref()
                .is_some_and(|key| assumed_keys.contains(&key)),
            "{} was not signed with an assumed role's key: {:?}",
            call.operation,
            call.access_key_id
        );
    }
}

/// A panic while creating one resource fails that resource only: the provider keeps serving, and
/// the other create, already in flight, completes and is recorded.
#[test]
fn a_panic_in_one_operation_leaves_the_others_running() {
    let s = Scenario::new(&CLIENT_VPN);
    // The Client VPN association takes a while, so it is still in flight when the other panics.
    s.set_durations(json!({"client_vpn": {"associate_ms": 3_000}}));
    s.dir.write(
        "main.tf",
        &format!(
            "resource \"{}\" \"slow\" {{\n  {}\n}}\nresource \"{}\" \"panics\" {{\n  {}\n}}\n",
            CLIENT_VPN.resource_type,
            CLIENT_VPN.arguments,
            WORKSPACES_APPLICATION.resource_type,
            WORKSPACES_APPLICATION.arguments
        ),
    );
    let mut dir = s.dir;
    dir.env(
        "AWSASSOC_TEST_PANIC_ON_CREATE",
        WORKSPACES_APPLICATION.resource_type,
    );
    dir.init();
    let apply = dir.run_err(&["apply", "-auto-approve"]);
    let output = flat(&apply.combined());
    assert!(output.contains("Provider internal error"), "{apply}");
    assert!(output.contains("test-only panic"), "{apply}");
    assert!(
        output.contains(&format!(
            "{}.slow: Creation complete",
            CLIENT_VPN.resource_type
        )),
        "{apply}"
    );
    let state = dir.state_json().to_string();
    assert!(state.contains("cvpn-assoc-"), "{state}");
}

/// A timeout too large for any clock is a diagnostic on the attribute, not a crash.
#[test]
fn an_overflowing_duration_is_a_diagnostic_on_its_attribute() {
    let s = Scenario::new(&ROUTE_SERVER);
    s.configure("  timeouts {\n    delete = \"94522879700260684295381835.9h\"\n  }");
    s.dir.init();
    let plan = s.dir.run_err(&["plan"]);
    let output = flat(&plan.combined());
    assert!(output.contains("Invalid timeout"), "{plan}");
    // On the attribute: the detail names `timeouts.delete`, and the CLI points at its line
    // (line 5 of main.tf; the block opens on line 4). The echoed source line alone matches
    // neither.
    assert!(output.contains("timeouts.delete:"), "{plan}");
    assert!(output.contains("main.tf line 5"), "{plan}");
    assert!(!output.contains("panic"), "{plan}");
}
