//! Debug mode: the user starts the provider (say under a debugger) and points Terraform or
//! OpenTofu at it with `TF_REATTACH_PROVIDERS`. Hosts connect to reattached providers without
//! TLS and without the magic cookie, so debug mode serves plaintext h2c and skips the cookie.

use serde_json::{Map, Value, json};

use super::PluginIdentity;
use super::listener::Address;

/// The source addresses under which both Terraform's and OpenTofu's registries know the provider,
/// so one pasted variable works with either CLI.
pub fn source_addresses(identity: &PluginIdentity) -> [String; 2] {
    let tail = format!("{}/{}", identity.namespace, identity.provider_type);
    [
        format!("registry.terraform.io/{tail}"),
        format!("registry.opentofu.org/{tail}"),
    ]
}

/// The `TF_REATTACH_PROVIDERS` JSON. `Test: true` tells the host it does not own the process:
/// it neither calls Shutdown nor kills it when done.
pub fn reattach_json(
    identity: &PluginIdentity,
    protocol_version: u32,
    pid: u32,
    address: &Address,
) -> String {
    let entry = json!({
        "Protocol": "grpc",
        "ProtocolVersion": protocol_version,
        "Pid": pid,
        "Test": true,
        "Addr": { "Network": address.network(), "String": address.to_addr_string() },
    });
    let providers: Map<String, Value> = source_addresses(identity)
        .into_iter()
        .map(|name| (name, entry.clone()))
        .collect();
    Value::Object(providers).to_string()
}

/// The paste-ready instructions, in terraform-plugin-go's wording and layout. The value is wrapped
/// in single quotes for POSIX shells, so embedded single quotes are closed, escaped and reopened.
pub fn reattach_instructions(reattach_json: &str) -> String {
    let quoted = reattach_json.replace('\'', r#"'"'"'"#);
    format!(
        "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment \
         variable with the following:\n\n\tTF_REATTACH_PROVIDERS='{quoted}'\n\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn reattach_text_names_both_registries() {
        let identity = PluginIdentity {
            provider_type: "awsassoc",
            namespace: "awsassoc",
            version: "0.1.0",
            logging: crate::logging::LogPolicy::default(),
        };
        let address = Address::Unix(PathBuf::from("/tmp/it's"));
        let json = reattach_json(&identity, 6, 42, &address);
        let parsed: Value = serde_json::from_str(&json).expect("valid JSON");
        for name in [
            "registry.terraform.io/awsassoc/awsassoc",
            "registry.opentofu.org/awsassoc/awsassoc",
        ] {
            let entry = &parsed[name];
            assert_eq!(entry["Protocol"], "grpc");
            assert_eq!(entry["ProtocolVersion"], 6);
            assert_eq!(entry["Pid"], 42);
            assert_eq!(entry["Test"], true);
            assert_eq!(entry["Addr"]["Network"], "unix");
            assert_eq!(entry["Addr"]["String"], "/tmp/it's");
        }
        let text = reattach_instructions(&json);
        assert!(text.starts_with("Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\tTF_REATTACH_PROVIDERS='{"));
        assert!(text.contains(r#"/tmp/it'"'"'s"#));
    }
}
