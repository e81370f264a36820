//! The provider binary: Terraform or OpenTofu starts it, the host crate speaks go-plugin, and the
//! framework crate serves tfplugin6 for the awsassoc provider.

use std::process::ExitCode;
use std::sync::Arc;

use terraform_provider_awsassoc::aws::clients::SDK_LOG_CAPS;
use terraform_provider_awsassoc::provider::{AwsAssocProvider, NAMESPACE, TYPE_NAME};
use tf_plugin_host::PluginIdentity;
use tf_plugin_host::logging::LogPolicy;

const IDENTITY: PluginIdentity = PluginIdentity {
    provider_type: TYPE_NAME,
    namespace: NAMESPACE,
    version: env!("CARGO_PKG_VERSION"),
    logging: LogPolicy {
        own_crates: &["terraform_provider_awsassoc", "tf_provider_framework"],
        // The SDK is a dozen crates (aws_config, aws_sdk_ec2, aws_smithy_runtime, ...).
        groups: &[("aws_", "aws_sdk")],
        caps: SDK_LOG_CAPS,
    },
};

fn main() -> ExitCode {
    tf_plugin_host::main(IDENTITY, || {
        tf_provider_framework::server::routes(Arc::new(AwsAssocProvider))
    })
}
