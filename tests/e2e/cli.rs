//! The CLI workflows users run, under whichever CLI the suite runs with (`scripts/test` runs it
//! under OpenTofu 1.6.2, the Terraform on `PATH` and Terraform 1.15.5): `import` blocks with generated configuration, `removed`
//! blocks, `-refresh-only`, the `test` command, Ctrl-C during a destroy, also with a provider in
//! debug mode that the CLI reattaches to; and the logs of a CLI run (`TF_LOG`) with credentials
//! from the shared files (role chains, `credential_process`, SSO) and endpoints from the
//! environment, which show no secret. A workflow the CLI does not have is skipped and recorded
//! (see `support::skip`).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::cli::Feature;
use crate::support::kinds::{Kind, ROUTE_SERVER};
use crate::support::scenario::Scenario;
use crate::support::scenarios;
use crate::support::skip::cli_supports;
use crate::support::{REQUIRED_PROVIDERS, Workdir};
use awsassoc_sim::FaultKind;
use awsassoc_sim::admin_client::AdminClient;
use serde_json::json;

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

/// The status calls that AWS paginates (GetRouteServerAssociations and
/// DescribeWorkspaceAssociations answer in one piece).
const PAGINATED_LISTINGS: [&str; 2] = [
    "DescribeClientVpnTargetNetworks",
    "GetConnectPeerAssociations",
];

/// A `list` block naming the parent finds every association the emulator holds for it, one
/// page at a time where AWS pages the listing; the configuration and import blocks `terraform query -generate-config-out` writes import them all
/// in a fresh working directory, after which the plan is empty.
fn a_list_block_finds_every_association_and_its_generated_config_imports(kind: &'static Kind) {
    if !cli_supports(Feature::ListResources, "list resources (terraform query)") {
        return;
    }
    let s = Scenario::new(kind);
    s.configure_with_sibling();
    s.dir.init();
    s.dir.apply();
    let live = s.live_import_ids();
    assert!(!live.is_empty());

    let query = Workdir::new();
    query.write("providers.tf", &s.dir.read("providers.tf"));
    let (parent_attribute, _) = kind.key_attributes;
    query.write(
        "main.tfquery.hcl",
        &format!(
            "list \"{}\" \"found\" {{\n  provider         = awsassoc\n  include_resource = true\n  config {{\n    {parent_attribute} = \"{}\"\n  }}\n}}\n",
            kind.resource_type, kind.parent
        ),
    );
    query.init();
    // One association a page, as AWS may page whatever was asked: the listing must follow
    // every token to find them all.
    s.set_faults(json!({"page_limit": 1}));
    let before = s.calls().len();
    let listed = query.run_ok(&["query"]);
    let pages = s.calls()[before..]
        .iter()
        .filter(|call| call.operation == kind.describe_action)
        .count();
    if PAGINATED_LISTINGS.contains(&kind.describe_action) {
        assert!(
            pages >= live.len(),
            "{} associations listed in {pages} {} pages",
            live.len(),
            kind.describe_action
        );
    }
    for id in &live {
        let display_name = id.replacen(',', " / ", 1);
        assert!(
            listed.stdout.contains(&display_name),
            "{display_name} not listed: {listed}"
        );
    }

    query.run_ok(&["query", "-generate-config-out=generated.tf"]);
    let generated = query.read("generated.tf");
    assert_eq!(
        generated.matches("import {").count(),
        live.len(),
        "{generated}"
    );
    let apply = query.apply();
    assert!(
        apply.stdout.contains(&format!("{} imported", live.len())),
        "{apply}"
    );
    query.plan_no_changes();
    let mut imported = query
        .state_json()
        .pointer("/values/root_module/resources")
        .and_then(serde_json::Value::as_array)
        .map(|resources| {
            resources
                .iter()
                .map(|r| {
                    let (parent, member) = kind.key_attributes;
                    format!(
                        "{},{}",
                        r["values"][parent].as_str().unwrap_or_default(),
                        r["values"][member].as_str().unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    imported.sort();
    assert_eq!(imported, live);
}

scenarios! {
    an_import_block_generates_configuration_and_imports,
    a_list_block_finds_every_association_and_its_generated_config_imports,
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

/// A predicate for [`Workdir::run_interrupted`]: true once the emulator has recorded a call of
/// `operation`, so an interrupt follows an event rather than a guess at how long things take.
fn once_called(url: &str, operation: &'static str) -> impl Fn() -> bool + Send + 'static {
    let admin = AdminClient::new(url);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the admin client");
    move || {
        runtime
            .block_on(admin.calls())
            .is_ok_and(|calls| calls.counts.get(operation).copied().unwrap_or(0) > 0)
    }
}

/// The provider started on its own with `--debug`, as a developer starts it under a debugger.
/// Dropping it kills it (and anything it started), whether the test passed or not.
struct DebugProvider {
    child: Child,
    /// The `TF_REATTACH_PROVIDERS` value it printed.
    reattach: String,
    /// Where its stderr (its log) goes, for failure messages.
    log: PathBuf,
}

impl DebugProvider {
    fn start(log_dir: &Path) -> DebugProvider {
        let log = log_dir.join("debug-provider.log");
        let stderr = File::create(&log).expect("provider log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_terraform-provider-awsassoc"));
        command.arg("--debug");
        for (key, _) in std::env::vars_os() {
            let name = key.to_string_lossy();
            if name.starts_with("TF_") || name.starts_with("AWS_") || name.starts_with("PLUGIN_") {
                command.env_remove(&key);
            }
        }
        let mut child = command
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("TF_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .expect("the provider starts in debug mode");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(value) = reattach_value(&line) {
                    let _ = tx.send(value);
                }
            }
        });
        // Owned by the guard from here on, so a failure below still kills the process.
        let mut provider = DebugProvider {
            child,
            reattach: String::new(),
            log,
        };
        provider.reattach = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no reattach line: {}", provider.log_text()));
        provider
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the process is still running.
    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for DebugProvider {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the provider's own process group; it touches no memory.
        unsafe {
            libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// The value of a `\tTF_REATTACH_PROVIDERS='...'` line, with the shell quoting undone.
fn reattach_value(line: &str) -> Option<String> {
    let quoted = line.trim().strip_prefix("TF_REATTACH_PROVIDERS=")?;
    let inner = quoted.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace(r#"'"'"'"#, "'"))
}

/// In debug mode one provider process serves every CLI run that reattaches to it. Ctrl-C during
/// a destroy stops what is in flight then (the association stays in state), and the runs after
/// it in the same process work: the next destroy finishes, an apply and a destroy succeed.
#[test]
fn a_reattached_provider_serves_the_runs_after_an_interrupted_destroy() {
    let mut s = Scenario::new(&ROUTE_SERVER);
    let mut provider = DebugProvider::start(s.dir.path());
    s.dir.env("TF_REATTACH_PROVIDERS", &provider.reattach);
    s.configure("");
    s.dir.init();
    let apply = s.dir.apply();
    assert_eq!(s.call_count(ROUTE_SERVER.associate_action), 1, "{apply}");

    s.set_durations(json!({"route_server": {"disassociate_ms": 8_000}}));
    let destroy = s.dir.run_interrupted(
        &["destroy", "-auto-approve"],
        once_called(s.sim.url(), ROUTE_SERVER.disassociate_action),
    );
    assert!(!destroy.success(), "{destroy}");
    assert_eq!(
        s.import_ids_in_state(),
        vec![format!("{},{}", ROUTE_SERVER.parent, ROUTE_SERVER.child)],
        "the association stays in state: {destroy}"
    );
    assert_eq!(s.call_count(ROUTE_SERVER.disassociate_action), 1);
    assert!(provider.alive(), "{}", provider.log_text());
    assert!(
        provider.log_text().contains("StopProvider"),
        "the interrupt reached the reattached provider: {}",
        provider.log_text()
    );

    // The same process: its earlier stop must not end these runs' waits.
    let destroy = s.dir.destroy();
    assert!(s.import_ids_in_state().is_empty(), "{destroy}");
    s.assert_all_gone();
    s.set_durations(json!({"route_server": {"associate_ms": 1_000, "disassociate_ms": 1_000}}));
    s.dir.apply();
    assert_eq!(s.live_import_ids().len(), 1);
    s.dir.destroy();
    assert!(s.live_import_ids().is_empty());
    assert!(provider.alive(), "{}", provider.log_text());
    assert_eq!(
        s.call_count(ROUTE_SERVER.associate_action),
        2,
        "{}",
        provider.log_text()
    );
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
    // Ctrl-C once AWS has been asked to disassociate: the wait is under way, whatever the
    // machine's speed.
    let destroy = s.dir.run_interrupted(
        &["destroy", "-auto-approve"],
        once_called(s.sim.url(), ROUTE_SERVER.disassociate_action),
    );
    // An exit code, not death by SIGINT: the CLI's own interrupt handling ran (it stops the
    // provider and writes state), as it must through any wrapper that runs it (tools/terraform).
    assert_eq!(
        destroy.code(),
        Some(1),
        "the CLI handles Ctrl-C and fails the destroy: {destroy}"
    );
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

/// One line per diagnostic: the CLI wraps long messages to the terminal width.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Panics naming the secret when `output` holds any of `secrets`.
#[track_caller]
fn assert_shows_none(output: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !output.contains(secret),
            "{secret:?} appears in the CLI's output"
        );
    }
}

/// The temporary secret access keys and session tokens the emulator's STS has handed out.
fn issued_sts_secrets(s: &Scenario) -> Vec<String> {
    let issued = s
        .sim
        .block_on(s.sim.admin.sts_issued_secrets())
        .expect("issued secrets");
    issued
        .into_iter()
        .flat_map(|secret| [secret.secret_access_key, secret.session_token])
        .collect()
}

const SOURCE_KEY_ID: &str = "AKIASOURCEKEY0000002";
const SOURCE_SECRET: &str = "sourceSECRETdoNotLog/0123456789abcdefABCD";
const CHAIN_EXTERNAL_ID: &str = "chainExternalIdDoNotLog-7";
const CHAIN_ROLE: &str = "arn:aws:iam::123456789012:role/chain-deploy";

/// A shared-config role chain: the credentials file holds a source profile's static keys, the
/// config file a profile `deploy` that assumes `CHAIN_ROLE` from it with `CHAIN_EXTERNAL_ID`.
/// The provider block names `deploy`; STS is the emulator's, through `AWS_ENDPOINT_URL_STS`.
fn configure_role_chain(s: &mut Scenario, files: &Path) {
    let config = files.join("config");
    let credentials = files.join("credentials");
    std::fs::write(
        &config,
        format!(
            "[profile deploy]\nrole_arn = {CHAIN_ROLE}\nsource_profile = source\n\
             external_id = {CHAIN_EXTERNAL_ID}\nrole_session_name = chain-test\n"
        ),
    )
    .expect("config file");
    std::fs::write(
        &credentials,
        format!(
            "[source]\naws_access_key_id = {SOURCE_KEY_ID}\n\
             aws_secret_access_key = {SOURCE_SECRET}\n"
        ),
    )
    .expect("credentials file");
    let url = s.sim.url().to_owned();
    s.dir.write(
        "providers.tf",
        &format!(
            r#"{REQUIRED_PROVIDERS}
provider "awsassoc" {{
  region                   = "us-east-1"
  profile                  = "deploy"
  shared_config_files      = ["{}"]
  shared_credentials_files = ["{}"]

  endpoints {{
    ec2            = "{url}"
    networkmanager = "{url}"
    workspaces     = "{url}"
    sts            = "{url}"
  }}
}}
"#,
            config.display(),
            credentials.display()
        ),
    );
    s.dir.env("AWS_ENDPOINT_URL_STS", &url);
    s.configure("");
}

/// At `TF_LOG=debug`, a role chain from the shared config (`role_arn` with `external_id`, chosen
/// by `profile`) shows neither the external ID, nor the source profile's secret key, nor the
/// temporary keys STS hands out; the role really is assumed, with the external ID, and the EC2
/// calls are signed with the assumed role's key.
#[test]
fn a_shared_config_role_chain_shows_no_secret_at_debug() {
    let mut s = Scenario::new(&ROUTE_SERVER);
    let files = tempfile::tempdir().expect("temp dir");
    configure_role_chain(&mut s, files.path());
    s.dir.env("TF_LOG", "debug");
    s.dir.init();
    let apply = s.dir.apply();
    let destroy = s.dir.destroy();
    let output = format!("{}\n{}", apply.combined(), destroy.combined());
    assert!(
        output.contains("provider.terraform-provider-awsassoc"),
        "the provider's own log lines are part of the output"
    );

    let calls = s.calls();
    assert!(
        calls.iter().any(|c| c.operation == "AssumeRole"),
        "the role chain called STS"
    );
    let sessions = s
        .sim
        .block_on(s.sim.admin.sts_sessions())
        .expect("sessions");
    assert!(!sessions.is_empty(), "the role was assumed");
    for session in &sessions {
        assert_eq!(session.role_arn, CHAIN_ROLE);
        assert!(session.external_id_given, "{session:?}");
        assert_eq!(session.source_access_key_id.as_deref(), Some(SOURCE_KEY_ID));
    }
    let ec2_calls: Vec<_> = calls.iter().filter(|c| c.service == "ec2").collect();
    assert!(!ec2_calls.is_empty());
    for call in ec2_calls {
        assert!(
            sessions
                .iter()
                .any(|session| call.access_key_id.as_deref() == Some(&session.access_key_id)),
            "{} was not signed with the assumed role's key",
            call.operation
        );
    }
    let issued = issued_sts_secrets(&s);
    assert!(!issued.is_empty(), "STS handed out temporary secrets");

    let mut secrets = vec![CHAIN_EXTERNAL_ID, SOURCE_SECRET];
    secrets.extend(issued.iter().map(String::as_str));
    assert_shows_none(&output, &secrets);
}

/// The same chain with AssumeRole refused: at `TF_LOG=warn` the apply fails with STS's answer
/// and the role, and neither the external ID nor the source secret appears anywhere.
#[test]
fn a_denied_shared_config_role_chain_shows_no_secret_at_warn() {
    let mut s = Scenario::new(&ROUTE_SERVER);
    let files = tempfile::tempdir().expect("temp dir");
    configure_role_chain(&mut s, files.path());
    s.dir.env("TF_LOG", "warn");
    s.set_faults(json!({"deny": ["AssumeRole"]}));
    s.dir.init();
    let apply = s.dir.run_err(&["apply", "-auto-approve"]);
    let output = apply.combined();
    assert!(
        s.calls()
            .iter()
            .any(|c| c.operation == "AssumeRole" && c.fault == Some(FaultKind::Deny)),
        "the denied answer was served: {apply}"
    );
    let text = flat(&output);
    assert!(text.contains("AccessDenied"), "{apply}");
    assert!(
        text.contains(CHAIN_ROLE),
        "the message names the role: {apply}"
    );
    assert_shows_none(&output, &[CHAIN_EXTERNAL_ID, SOURCE_SECRET]);
    assert!(s.live_import_ids().is_empty());
}

/// `AWS_ENDPOINT_URL` and a profile's `endpoint_url` with a user name and a password holding
/// '#', '?' and '/' are refused before the SDK reads them, at `TF_LOG=trace` too, with a message
/// that names the source and shows no part of the password. Nothing reaches the emulator.
#[test]
fn endpoint_urls_with_user_information_from_outside_the_block_are_refused_unshown() {
    const PASSWORD: &str = "pwOneDoNotLog#pwTwoDoNotLog?pwThreeDoNotLog/pwFourDoNotLog";
    const PIECES: &[&str] = &[
        "pwOneDoNotLog",
        "pwTwoDoNotLog",
        "pwThreeDoNotLog",
        "pwFourDoNotLog",
        "endpointUser",
    ];
    let mut s = Scenario::new(&ROUTE_SERVER);
    s.configure("");
    let with_password = s
        .sim
        .url()
        .replace("http://", &format!("http://endpointUser:{PASSWORD}@"));
    s.dir.env("TF_LOG", "trace");
    s.dir.env("AWS_ENDPOINT_URL", &with_password);
    s.dir.init();
    let plan = s.dir.run_err(&["plan"]);
    let text = flat(&plan.combined());
    assert!(
        text.contains("Endpoint URL with user information"),
        "{plan}"
    );
    assert!(
        text.contains("The environment variable AWS_ENDPOINT_URL is"),
        "the message names the variable: {plan}"
    );
    assert_shows_none(&plan.combined(), PIECES);

    // The same URL as the `endpoint_url` of the profile the block names.
    let files = tempfile::tempdir().expect("temp dir");
    let config = files.path().join("config");
    std::fs::write(
        &config,
        format!(
            "[profile ci]\nendpoint_url = {with_password}\naws_access_key_id = AKIDCI\n\
             aws_secret_access_key = ci-secret-key\n"
        ),
    )
    .expect("config file");
    let mut dir = Workdir::new();
    dir.write("main.tf", &s.dir.read("main.tf"));
    dir.write(
        "providers.tf",
        &format!(
            r#"{REQUIRED_PROVIDERS}
provider "awsassoc" {{
  region                   = "us-east-1"
  profile                  = "ci"
  shared_config_files      = ["{config}"]
  shared_credentials_files = ["{config}"]
}}
"#,
            config = config.display()
        ),
    );
    dir.env("TF_LOG", "trace");
    dir.init();
    let plan = dir.run_err(&["plan"]);
    let text = flat(&plan.combined());
    assert!(
        text.contains("The `endpoint_url` of the profile \"ci\""),
        "the message names the profile: {plan}"
    );
    assert_shows_none(&plan.combined(), PIECES);
    assert!(s.calls().is_empty(), "nothing reached the emulator");
}

/// A `credential_process` command that fails, with a secret among its arguments and a token in
/// its error output: at `TF_LOG=trace` the apply fails with the exit status and neither secret
/// appears. The command really ran (it leaves a marker file).
#[test]
fn a_failing_credential_process_shows_neither_its_arguments_nor_its_output() {
    const ARGUMENT: &str = "processArgumentDoNotLog-3";
    const OUTPUT: &str = "processOutputDoNotLog-4";
    let mut s = Scenario::new(&ROUTE_SERVER);
    s.configure("");
    let files = tempfile::tempdir().expect("temp dir");
    let marker = files.path().join("ran");
    let script = files.path().join("helper.sh");
    std::fs::write(
        &script,
        format!(
            "touch '{}'\necho \"login expired for token {OUTPUT} ($1)\" >&2\nexit 3\n",
            marker.display()
        ),
    )
    .expect("script");
    let config = files.path().join("config");
    std::fs::write(
        &config,
        format!(
            "[profile proc]\ncredential_process = /bin/sh {} {ARGUMENT}\n",
            script.display()
        ),
    )
    .expect("config file");
    let url = s.sim.url().to_owned();
    s.dir.write(
        "providers.tf",
        &format!(
            r#"{REQUIRED_PROVIDERS}
provider "awsassoc" {{
  region                   = "us-east-1"
  profile                  = "proc"
  shared_config_files      = ["{config}"]
  shared_credentials_files = ["{config}"]

  endpoints {{
    ec2            = "{url}"
    networkmanager = "{url}"
    workspaces     = "{url}"
    sts            = "{url}"
  }}
}}
"#,
            config = config.display()
        ),
    );
    s.dir.env("TF_LOG", "trace");
    s.dir.init();
    let apply = s.dir.run_err(&["apply", "-auto-approve"]);
    assert!(marker.exists(), "the command ran: {apply}");
    let text = flat(&apply.combined());
    assert!(
        text.contains("AWS credentials could not be obtained"),
        "{apply}"
    );
    assert!(text.contains("exit status: 3"), "{apply}");
    assert_shows_none(&apply.combined(), &[ARGUMENT, OUTPUT]);
}

/// An SSO profile whose cached access token the SSO portal (here the emulator, which does not
/// speak SSO) refuses to exchange: at `TF_LOG=trace` the apply fails with a credentials error and
/// the bearer token appears nowhere, though the provider did send it.
#[test]
fn an_sso_profile_shows_no_token_at_trace() {
    const START_URL: &str = "https://example.awsapps.com/start";
    const ACCESS_TOKEN: &str = "ssoAccessTokenDoNotLog-5";
    let mut s = Scenario::new(&ROUTE_SERVER);
    s.configure("");
    let home = tempfile::tempdir().expect("temp home");
    let sha1 = Command::new("sha1sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(START_URL.as_bytes())?;
            }
            child.wait_with_output()
        })
        .expect("sha1sum runs");
    let digest = String::from_utf8_lossy(&sha1.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(digest.len(), 40, "{sha1:?}");
    let cache = home.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).expect("cache directory");
    std::fs::write(
        cache.join(format!("{digest}.json")),
        format!(
            r#"{{"startUrl": "{START_URL}", "region": "us-east-1", "accessToken": "{ACCESS_TOKEN}", "expiresAt": "2099-01-01T00:00:00Z"}}"#
        ),
    )
    .expect("cached token");
    let config = home.path().join(".aws/config");
    std::fs::write(
        &config,
        format!(
            "[profile sso]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n\
             sso_account_id = 123456789012\nsso_role_name = deploy\n"
        ),
    )
    .expect("config file");
    let url = s.sim.url().to_owned();
    s.dir.write(
        "providers.tf",
        &format!(
            r#"{REQUIRED_PROVIDERS}
provider "awsassoc" {{
  region              = "us-east-1"
  profile             = "sso"
  shared_config_files = ["{}"]

  endpoints {{
    ec2            = "{url}"
    networkmanager = "{url}"
    workspaces     = "{url}"
    sts            = "{url}"
  }}
}}
"#,
            config.display()
        ),
    );
    s.dir
        .env("TF_LOG", "trace")
        .env("HOME", home.path())
        .env("AWS_ENDPOINT_URL_SSO", &url);
    s.dir.init();
    let apply = s.dir.run_err(&["apply", "-auto-approve"]);
    let text = flat(&apply.combined());
    assert!(
        text.contains("AWS credentials could not be obtained"),
        "{apply}"
    );
    let calls = s.calls();
    assert!(
        !calls.is_empty() && calls.iter().all(|c| c.access_key_id.is_none()),
        "the SSO portal was asked (unsigned, with the bearer token), and nothing else: {calls:?}"
    );
    assert_shows_none(&apply.combined(), &[ACCESS_TOKEN]);
}
