//! The stand-in for hashicorp/aws that the end-to-end mirror installs (and the reason cargo
//! builds its binary in `cargo test --workspace`: a package's binaries are built for its
//! integration tests).

use std::process::Command;

use awsassoc_test_harness::mirror::HASHICORP_AWS_STANDIN_VERSION;

/// The binary is hashicorp/aws's namesake at the version the mirror files it under.
#[test]
fn the_standin_is_terraform_provider_aws_at_the_mirrored_version() {
    let output = Command::new(env!("CARGO_BIN_EXE_hashicorp-aws-standin"))
        .arg("--version")
        .output()
        .expect("the stand-in runs");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("terraform-provider-aws {HASHICORP_AWS_STANDIN_VERSION}")
    );
}
