//! The provider binary: Terraform or OpenTofu starts it, the host layer speaks go-plugin, and the
//! framework serves tfplugin6 for the awsassoc provider.

use std::process::ExitCode;
use std::sync::Arc;

use terraform_provider_awsassoc::{framework, host, provider::AwsAssocProvider};

fn main() -> ExitCode {
    host::main(host::PluginIdentity::AWSASSOC, || {
        framework::server::routes(Arc::new(AwsAssocProvider))
    })
}
