//! End to end through the real CLI (OpenTofu by default, see `support::cli`): the provider as a
//! user meets it in `examples/provider`, with no network.
//!
//! Note: the CLI prunes a provider that no resource uses, so `validate` and `plan` of
//! `examples/provider` alone never configure the provider (they only fetch its schema). Tests of
//! configuration handling therefore add one resource, which plans without any AWS call.

use crate::support::mirror::PROVIDER_VERSION;

use crate::support::{self, Cli, REQUIRED_PROVIDERS, Workdir, provider_block};
use awsassoc_sim::Family;
use serde_json::Value;

/// The arguments each association resource requires. Matching on every emulator family (and so
/// on every kind the tests describe), a new kind does not compile until its row is written.
fn required_arguments(family: Family) -> &'static [&'static str] {
    match family {
        // The target is one of `subnet_id`, `availability_zone`, `availability_zone_id`: each
        // optional, exactly one required (checked at validation).
        Family::ClientVpn => &["client_vpn_endpoint_id"],
        Family::RouteServer => &["route_server_id", "vpc_id"],
        Family::ConnectPeer => &["global_network_id", "connect_peer_id", "device_id"],
        Family::WorkspacesApplication => &["workspace_id", "application_id"],
    }
}

/// A resource that makes the CLI validate and configure the provider. Planning its creation needs
/// no AWS call (nothing listens on the endpoints).
const ONE_ASSOCIATION: &str = r#"
resource "awsassoc_vpc_route_server_vpc_association" "example" {
  route_server_id = "rs-0123456789abcdef0"
  vpc_id          = "vpc-0123456789abcdef0"
}
"#;

/// A working directory with `provider_config` and [`ONE_ASSOCIATION`], after `init`.
fn one_association(provider_config: &str) -> Workdir {
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &format!("{REQUIRED_PROVIDERS}\n{provider_config}\n{ONE_ASSOCIATION}"),
    );
    wd.init();
    wd
}

/// `examples/provider` after a successful `init`.
fn provider_example() -> Workdir {
    let wd = Workdir::from_example("provider");
    wd.init();
    wd
}

/// The schema JSON of the awsassoc provider, whichever registry host the CLI resolved it to.
fn awsassoc_schema(schemas: &Value) -> &Value {
    let all = schemas["provider_schemas"]
        .as_object()
        .unwrap_or_else(|| panic!("no provider_schemas in {schemas:#}"));
    all.iter()
        .find(|(address, _)| address.ends_with("/awsassoc/awsassoc"))
        .map(|(_, schema)| schema)
        .unwrap_or_else(|| {
            panic!(
                "awsassoc is missing from provider_schemas: {:?}",
                all.keys()
            )
        })
}

#[test]
fn the_harness_drives_a_terraform_compatible_cli() {
    let version = Cli::get().version().expect("`version` runs");
    assert!(
        version.starts_with("OpenTofu v") || version.starts_with("Terraform v"),
        "unexpected `version` output from {}: {version}",
        Cli::get().path().display()
    );
}

#[test]
fn the_examples_are_in_canonical_format() {
    let examples = crate::support::repo_root().join("examples");
    let examples = examples.to_str().expect("repository path is UTF-8");
    let out = Workdir::new().run(&["fmt", "-check", "-diff", "-recursive", examples]);
    assert!(out.success(), "run `tofu fmt -recursive examples`: {out}");
}

#[test]
fn init_installs_the_provider_from_the_filesystem_mirror() {
    let wd = Workdir::from_example("provider");
    let out = wd.init();

    assert!(
        out.stdout
            .contains(&format!("Installed awsassoc/awsassoc v{PROVIDER_VERSION}")),
        "{out}"
    );
    let lock = wd.read(".terraform.lock.hcl");
    assert!(
        lock.contains("/awsassoc/awsassoc\""),
        "lock file names the provider:\n{lock}"
    );
    let pinned = lock.lines().any(|l| {
        l.trim_start().starts_with("version") && l.contains(&format!("\"{PROVIDER_VERSION}\""))
    });
    assert!(pinned, "lock file pins {PROVIDER_VERSION}:\n{lock}");
}

#[test]
fn validate_accepts_the_provider_example() {
    let out = provider_example().validate();
    assert!(out.stdout.contains("The configuration is valid"), "{out}");
}

#[test]
fn plan_of_the_provider_example_proposes_no_changes() {
    let out = provider_example().plan_no_changes();
    assert!(out.stdout.contains("No changes."), "{out}");
}

#[test]
fn providers_schema_describes_the_provider_configuration() {
    let schemas = provider_example().providers_schema_json();
    let provider = &awsassoc_schema(&schemas)["provider"]["block"];

    let region = &provider["attributes"]["region"];
    assert_eq!(region["type"], "string", "region: {region:#}");
    let secret_key = &provider["attributes"]["secret_key"];
    assert_eq!(
        secret_key["sensitive"], true,
        "secret_key must be sensitive: {secret_key:#}"
    );
    for attribute in ["access_key", "preflight_dry_run"] {
        assert!(
            provider["attributes"].get(attribute).is_some(),
            "missing {attribute}: {provider:#}"
        );
    }

    let endpoints = &provider["block_types"]["endpoints"]["block"]["attributes"];
    for service in ["ec2", "networkmanager", "workspaces"] {
        assert_eq!(
            endpoints[service]["type"], "string",
            "endpoints.{service}: {provider:#}"
        );
        assert_eq!(
            endpoints[service]["optional"], true,
            "endpoints.{service}: {provider:#}"
        );
    }
}

#[test]
fn providers_schema_lists_exactly_the_tested_association_resources_with_timeouts() {
    let schemas = provider_example().providers_schema_json();
    let resources = &awsassoc_schema(&schemas)["resource_schemas"];

    let mut served: Vec<&str> = keys(resources).into_iter().map(String::as_str).collect();
    served.sort();
    let mut described: Vec<&str> = support::kinds::all().map(|k| k.resource_type).collect();
    described.sort();
    assert_eq!(
        served, described,
        "the resources the provider serves and the kinds the tests describe (crates/test-harness/src/kinds.rs)"
    );
    for kind in support::kinds::all() {
        let (resource, required) = (kind.resource_type, required_arguments(kind.family));
        let block = &resources[resource]["block"];
        assert!(
            block.is_object(),
            "{resource} is missing; resource types: {:?}",
            keys(resources)
        );
        for argument in required {
            assert_eq!(
                block["attributes"][argument]["required"], true,
                "{resource}.{argument}: {block:#}"
            );
        }
        let timeouts = &block["block_types"]["timeouts"]["block"]["attributes"];
        for operation in ["create", "delete"] {
            assert_eq!(
                timeouts[operation]["optional"], true,
                "{resource} timeouts.{operation}: {block:#}"
            );
        }
    }
    let connect_peer = &resources["awsassoc_networkmanager_connect_peer_association"]["block"];
    assert_eq!(
        connect_peer["attributes"]["link_id"]["optional"], true,
        "link_id is optional"
    );
}

#[test]
fn plan_of_a_new_association_configures_the_provider_and_proposes_a_create() {
    let wd = one_association(&provider_block("http://127.0.0.1:4566"));
    let plan = wd.plan_json();

    let changes = plan["resource_changes"]
        .as_array()
        .unwrap_or_else(|| panic!("no resource_changes: {plan:#}"));
    assert_eq!(changes.len(), 1, "{plan:#}");
    let change = &changes[0];
    assert_eq!(change["type"], "awsassoc_vpc_route_server_vpc_association");
    assert_eq!(
        change["change"]["actions"],
        serde_json::json!(["create"]),
        "{change:#}"
    );
    let after = &change["change"]["after"];
    assert_eq!(
        after["route_server_id"], "rs-0123456789abcdef0",
        "{change:#}"
    );
    assert_eq!(after["vpc_id"], "vpc-0123456789abcdef0", "{change:#}");
}

#[test]
fn the_quickstart_example_validates_against_the_provider_schema() {
    let wd = Workdir::from_example("quickstart");
    assert!(
        wd.path().join("world.json").is_file(),
        "examples/quickstart/world.json (the emulator's seed) is missing"
    );
    wd.init();
    wd.validate();
}

/// What `scripts/demo` does, under the CLI under test and the `fast` timings: the quickstart,
/// against the emulator seeded with its `world.json`, creates one association of every kind,
/// then plans no change and destroys them all.
#[test]
fn the_quickstart_creates_every_kind_plans_no_change_and_destroys() {
    let seed = support::repo_root().join("examples/quickstart/world.json");
    let world = std::fs::read_to_string(&seed).expect("examples/quickstart/world.json");
    let sim = support::sim::start_sim_with(awsassoc_sim::SimConfig {
        world: serde_json::from_str(&world).expect("world.json is the emulator's seed format"),
        ..Default::default()
    })
    .expect("start the emulator");
    let mut wd = Workdir::from_example("quickstart");
    wd.env("TF_VAR_emulator_url", sim.url());
    wd.init();
    wd.apply();

    let state = wd.state_json();
    let mut applied: Vec<&str> = state["values"]["root_module"]["resources"]
        .as_array()
        .map(|resources| {
            resources
                .iter()
                .filter_map(|resource| resource["type"].as_str())
                .collect()
        })
        .unwrap_or_default();
    applied.sort();
    let mut served: Vec<&str> = support::kinds::all().map(|k| k.resource_type).collect();
    served.sort();
    assert_eq!(applied, served, "one association of every kind: {state:#}");

    wd.plan_no_changes();
    wd.destroy();
    let live = sim
        .block_on(sim.admin.associations())
        .expect("the emulator's associations")
        .into_iter()
        .filter(|record| !record.is_finished())
        .count();
    assert_eq!(
        live, 0,
        "the destroy left unfinished associations in the emulator"
    );
}

#[test]
fn debug_logging_shows_the_providers_own_log_lines_at_their_levels() {
    let mut wd = one_association(&provider_block("http://127.0.0.1:4566"));
    wd.env("TF_LOG", "debug");
    let out = wd.plan();

    // The CLI re-emits each hclog JSON line the provider writes on stderr as
    // `[LEVEL] provider.terraform-provider-awsassoc_v<version>: message: @module=awsassoc ...`.
    let provider_lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("provider.terraform-provider-awsassoc"))
        .collect();
    let levelled = provider_lines
        .iter()
        .filter(|l| l.contains("@module=awsassoc"))
        .filter(|l| ["[DEBUG]", "[INFO]"].iter().any(|level| l.contains(level)))
        .count();
    assert!(
        levelled > 0,
        "no DEBUG/INFO line from the provider's own logger: {out}"
    );

    // A line the CLI could not parse as hclog JSON is passed through verbatim; there must be none.
    let unparsed: Vec<&&str> = provider_lines
        .iter()
        .filter(|l| l.contains("\"@level\""))
        .collect();
    assert!(
        unparsed.is_empty(),
        "provider log lines the CLI could not parse: {unparsed:#?}"
    );
}

#[test]
fn an_invalid_region_is_reported_against_the_region_argument() {
    let config = provider_block("http://127.0.0.1:4566").replace("\"us-east-1\"", "\"US-EAST-1\"");
    assert_configuration_error(&config, "region");
}

#[test]
fn an_endpoint_without_a_scheme_is_reported_against_its_argument() {
    let config = provider_block("http://127.0.0.1:4566").replace(
        "ec2            = \"http://127.0.0.1:4566\"",
        "ec2            = \"127.0.0.1:4566\"",
    );
    assert!(
        config.contains("\"127.0.0.1:4566\""),
        "the replacement applied: {config}"
    );
    assert_configuration_error(&config, "ec2");
}

/// Both `validate` and `plan` reject `provider_config`, with a diagnostic that points at the
/// provider block and quotes the line of `argument` (OpenTofu and Terraform print
/// `on main.tf line N, in provider "awsassoc":` followed by the numbered source line).
#[track_caller]
fn assert_configuration_error(provider_config: &str, argument: &str) {
    let wd = one_association(provider_config);

    for command in ["validate", "plan"] {
        let out = wd.run_err(&[command]);
        let text = out.combined();
        assert!(
            text.contains("in provider \"awsassoc\":"),
            "`{command}` does not point at the provider block: {out}"
        );
        let quotes_argument = text.lines().any(|line| {
            line.split_once(':').is_some_and(|(number, source)| {
                number.trim().parse::<u32>().is_ok() && source.trim_start().starts_with(argument)
            })
        });
        assert!(
            quotes_argument,
            "`{command}` does not quote the `{argument}` line: {out}"
        );
    }
}

fn keys(value: &Value) -> Vec<&String> {
    value
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default()
}
