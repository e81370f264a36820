//! Terraform's state and AWS agree after every create and destroy, whatever the network and AWS
//! do: each fault is injected through the emulator and each scenario runs through the real CLI.
//!
//! Per kind (see `scenarios!` at the bottom): lost answers to associate and to disassociate,
//! listings that put a finished record after the live one, a hung status call, and an
//! association that already existed. Then, once: a broken credential source, secrets at
//! `TF_LOG=trace`, a panic in one operation, and hostile input.

mod support;

use std::time::{Duration, Instant};

use awsassoc_sim::FaultKind;
use serde_json::json;
use support::kinds::{CLIENT_VPN, Kind, ROUTE_SERVER, WORKSPACES_APPLICATION};
use support::scenario::Scenario;
use support::{REQUIRED_PROVIDERS, Workdir};

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

/// Half of the associate calls are carried out by AWS but their answers never arrive. The
/// provider looks before it sends again, so it neither orphans an association nor fails on
/// "already associated": after apply, the emulator's live associations are exactly the ones in
/// state, and destroy leaves none.
fn lost_answers_to_associate_converge(kind: &'static Kind) {
    let s = Scenario::new(kind);
    s.configure_with_sibling();
    s.set_faults(json!({
        "rules": [{"operation": kind.associate_action, "lost_response_rate": 0.5}],
        "seed": 11
    }));
    s.dir.init();
    let apply = s.dir.apply();
    assert_fault_injected(&s, kind.associate_action, FaultKind::LostResponse);
    assert!(!s.import_ids_in_state().is_empty(), "{apply}");
    assert_eq!(s.live_import_ids(), s.import_ids_in_state(), "{apply}");

    s.set_faults(json!({}));
    s.dir.destroy();
    assert!(s.live_import_ids().is_empty());
    assert!(s.import_ids_in_state().is_empty());
}

/// Half of the disassociate answers are lost: the provider looks, sees the removal under way,
/// and waits for it instead of failing or sending it again.
fn lost_answers_to_disassociate_converge(kind: &'static Kind) {
    let s = Scenario::new(kind);
    s.configure_with_sibling();
    s.dir.init();
    s.dir.apply();
    s.set_faults(json!({
        "rules": [{"operation": kind.disassociate_action, "lost_response_rate": 0.5}],
        "seed": 5
    }));
    let destroy = s.dir.destroy();
    assert_fault_injected(&s, kind.disassociate_action, FaultKind::LostResponse);
    assert!(s.live_import_ids().is_empty(), "{destroy}");
    assert!(s.import_ids_in_state().is_empty(), "{destroy}");
    s.assert_all_gone();
}

/// A replace inside the grace period leaves the finished record of the old association listed
/// next to the new one. Whatever order AWS lists them in, the new association is live: the create
/// succeeds, a refresh keeps it in state, and the plan after it is empty.
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
    let last_poll = polls.last().map(|c| c.at_ms).unwrap_or_default();
    for hung in polls.iter().filter(|c| c.fault == Some(FaultKind::Hang)) {
        if hung.at_ms == last_poll {
            continue;
        }
        let next = polls
            .iter()
            .map(|c| c.at_ms)
            .find(|&at| at > hung.at_ms)
            .expect("a poll after the hung one");
        // One attempt timeout, plus the status call's margin and a scheduling allowance.
        assert!(
            next - hung.at_ms <= ATTEMPT_TIMEOUT_MS + 2_000.0,
            "the parent was not asked again for {} ms after a hung call",
            next - hung.at_ms
        );
    }
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

scenarios! {
    lost_answers_to_associate_converge,
    lost_answers_to_disassociate_converge,
    listing_order_never_fakes_a_gone,
    a_hung_status_call_blocks_no_wait_beyond_one_attempt_timeout,
    an_existing_association_is_reported_with_its_import_id,
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
    assert!(output.contains("delete"), "{plan}");
    assert!(!output.contains("panic"), "{plan}");
}
