//! The go-plugin host contract: (in progress)
use std::process::ExitCode;

/// Who this plugin is, for the reattach configuration printed in debug mode.
pub struct PluginIdentity {
    pub provider_type: &'static str,
    pub namespace: &'static str,
}

impl PluginIdentity {
    pub const AWSASSOC: PluginIdentity = PluginIdentity { provider_type: "awsassoc", namespace: "awsassoc" };
}

pub fn main(_identity: PluginIdentity, _routes: impl FnOnce() -> tonic::service::Routes) -> ExitCode {
    unimplemented!("host in progress")
}
