//! `moved` blocks from hashicorp/aws: objects its two association resources stored become ours
//! without a call that changes anything in AWS, and are then managed as if created here.
//!
//! The source is a stand-in for hashicorp/aws (the harness's `hashicorp-aws-standin`, installed
//! from the mirror as `hashicorp/aws` 6.0.0) with hashicorp/aws's schemas, which creates the
//! associations through the emulator's EC2 API.

use serde_json::Value;

use crate::support::cli::Feature;
use crate::support::kinds::{CLIENT_VPN, ROUTE_SERVER};
use crate::support::mirror::{HASHICORP_AWS_STANDIN_VERSION, require_hashicorp_aws_standin};
use crate::support::sim::{Sim, start_sim, test_world};
use crate::support::skip::cli_supports;
use crate::support::{Workdir, provider_block};

/// Both providers: ours from its usual address and the stand-in as `hashicorp/aws`.
fn required_providers() -> String {
    format!(
        r#"terraform {{
  required_providers {{
    awsassoc = {{
      source = "awsassoc/awsassoc"
    }}
    aws = {{
      source  = "hashicorp/aws"
      version = "{HASHICORP_AWS_STANDIN_VERSION}"
    }}
  }}
}}
"#
    )
}

/// hashicorp/aws's provider block for the emulator, as a user of it would write one.
fn hashicorp_aws_provider(sim: &Sim) -> String {
    format!(
        r#"provider "aws" {{
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true

  endpoints {{
    ec2 = "{}"
  }}
}}
"#,
        sim.url()
    )
}

/// The two associations under `resource_prefix` (`aws` or `awsassoc`), with a delete timeout
/// that must survive the move (the plan after it would otherwise change it).
fn associations(resource_prefix: &str) -> String {
    format!(
        r#"resource "{resource_prefix}_ec2_client_vpn_network_association" "vpn" {{
  {}
  timeouts {{
    delete = "20m"
  }}
}}

resource "{resource_prefix}_vpc_route_server_vpc_association" "rs" {{
  {}
}}
"#,
        CLIENT_VPN.arguments, ROUTE_SERVER.arguments
    )
}

const MOVED_BLOCKS: &str = r#"
moved {
  from = aws_ec2_client_vpn_network_association.vpn
  to   = awsassoc_ec2_client_vpn_network_association.vpn
}

moved {
  from = aws_vpc_route_server_vpc_association.rs
  to   = awsassoc_vpc_route_server_vpc_association.rs
}
"#;

/// The resources in state: (address, values).
fn resources_in_state(dir: &Workdir) -> Vec<(String, Value)> {
    dir.state_json()
        .pointer("/values/root_module/resources")
        .and_then(Value::as_array)
        .map(|resources| {
            resources
                .iter()
                .map(|r| {
                    (
                        r["address"].as_str().unwrap_or_default().to_owned(),
                        r["values"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn values_of<'a>(resources: &'a [(String, Value)], address: &str) -> &'a Value {
    resources
        .iter()
        .find(|(a, _)| a == address)
        .map(|(_, values)| values)
        .unwrap_or_else(|| panic!("{address} is not in state: {resources:?}"))
}

/// The operations of the emulator's call log that change an association.
fn mutations(sim: &Sim) -> Vec<String> {
    sim.block_on(sim.admin.calls())
        .expect("admin reports calls")
        .log
        .into_iter()
        .map(|call| call.operation)
        .filter(|op| op.starts_with("Associate") || op.starts_with("Disassociate"))
        .collect()
}

/// A state written by hashicorp/aws, a `moved` block for each resource, one apply: the objects
/// are ours (same associations, our `id`, the timeouts kept), nothing in AWS changed, the next
/// plan is empty, and a destroy disassociates both.
#[test]
fn moved_blocks_take_over_hashicorp_aws_associations_without_touching_aws() {
    if !cli_supports(Feature::CrossTypeMoves, "moved blocks from hashicorp/aws") {
        return;
    }
    require_hashicorp_aws_standin();
    let sim = start_sim().expect("emulator starts");
    sim.block_on(sim.admin.seed(&test_world()))
        .expect("world seeds");
    let dir = Workdir::new();
    dir.write(
        "providers.tf",
        &format!(
            "{}\n{}\n{}",
            required_providers(),
            hashicorp_aws_provider(&sim),
            provider_block(sim.url())
        ),
    );
    dir.write("main.tf", &associations("aws"));
    dir.init();
    dir.apply();
    let before = resources_in_state(&dir);
    let association_id =
        values_of(&before, "aws_ec2_client_vpn_network_association.vpn")["association_id"]
            .as_str()
            .expect("hashicorp/aws stored the association ID")
            .to_owned();
    let created = mutations(&sim);
    let mut created_sorted = created.clone();
    created_sorted.sort();
    assert_eq!(
        created_sorted,
        [CLIENT_VPN.associate_action, ROUTE_SERVER.associate_action].map(str::to_owned),
        "the stand-in created both associations"
    );

    // Only our provider's block stays: the move needs nothing configured of hashicorp/aws.
    dir.write(
        "providers.tf",
        &format!("{}\n{}", required_providers(), provider_block(sim.url())),
    );
    dir.write(
        "main.tf",
        &format!("{}{MOVED_BLOCKS}", associations("awsassoc")),
    );
    let apply = dir.apply();
    assert!(apply.stdout.contains("has moved to"), "{apply}");
    assert!(
        apply.stdout.contains("0 added, 0 changed, 0 destroyed"),
        "{apply}"
    );
    assert_eq!(mutations(&sim), created, "the move changed nothing in AWS");

    let after = resources_in_state(&dir);
    let addresses: Vec<&str> = after.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        addresses,
        [
            "awsassoc_ec2_client_vpn_network_association.vpn",
            "awsassoc_vpc_route_server_vpc_association.rs"
        ],
        "only our resources remain"
    );
    let vpn = values_of(&after, "awsassoc_ec2_client_vpn_network_association.vpn");
    assert_eq!(vpn["id"], association_id.as_str());
    assert_eq!(vpn["association_id"], association_id.as_str());
    assert!(
        vpn["status"].as_str().is_some_and(|s| !s.is_empty()),
        "the plan read the association: {vpn}"
    );
    assert_eq!(vpn["timeouts"]["delete"], "20m");
    let rs = values_of(&after, "awsassoc_vpc_route_server_vpc_association.rs");
    assert_eq!(
        rs["id"],
        format!("{},{}", ROUTE_SERVER.parent, ROUTE_SERVER.child).as_str(),
        "hashicorp/aws stores no id; ours is built from the key"
    );

    dir.plan_no_changes();

    // Moved blocks stay, as users keep them: the destroy disassociates both and waits.
    dir.destroy();
    let mut removed = mutations(&sim)[created.len()..].to_vec();
    removed.sort();
    assert_eq!(
        removed,
        [
            CLIENT_VPN.disassociate_action,
            ROUTE_SERVER.disassociate_action
        ]
        .map(str::to_owned)
    );
    let records = sim
        .block_on(sim.admin.associations())
        .expect("admin lists associations");
    assert_eq!(records.len(), 2, "{records:?}");
    for record in records {
        assert!(record.is_finished(), "AWS still has {record:?}");
    }
}
