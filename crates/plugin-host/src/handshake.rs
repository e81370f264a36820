//! The go-plugin start-up contract: the magic cookie, protocol-version negotiation and the single
//! handshake line the host parses from our stdout.

use std::fmt;

use base64::Engine as _;

/// Environment variable through which Terraform and OpenTofu prove they launched us.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The value shared by Terraform, OpenTofu and terraform-plugin-go for tfplugin5/6 providers.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// go-plugin's own protocol version; clients reject any other value in the first field.
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// Terraform plugin protocol majors this binary serves, lowest first.
pub const SERVED_PROTOCOL_VERSIONS: &[u32] = &[6];

/// Whether the process was started by a go-plugin host that knows our cookie.
pub fn cookie_matches(value: Option<&str>) -> bool {
    value == Some(MAGIC_COOKIE_VALUE)
}

/// The text shown to a person who runs the binary by hand.
pub fn refusal_message(program: &str) -> String {
    format!(
        "This binary is a plugin. These are not meant to be executed directly.\n\
         \n\
         {program} is a Terraform/OpenTofu provider: Terraform or OpenTofu start it themselves \
         when a configuration uses the provider, so there is nothing to run by hand.\n\
         \n\
         To debug the provider, start it with `{program} --debug` and set the \
         TF_REATTACH_PROVIDERS value it prints in the shell where you run terraform or tofu.\n"
    )
}

/// Picks the protocol major to speak from the host's offer (`PLUGIN_PROTOCOL_VERSIONS`, a comma
/// list in random order): the highest one we serve. With no overlap (or no offer) it answers our
/// lowest version, as go-plugin does, so the host reports the mismatch with its own message.
pub fn negotiate(offered: Option<&str>) -> u32 {
    let mut offered: Vec<u32> = offered
        .unwrap_or_default()
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    offered.sort_unstable_by(|a, b| b.cmp(a));
    offered
        .into_iter()
        .find(|v| SERVED_PROTOCOL_VERSIONS.contains(v))
        .unwrap_or(SERVED_PROTOCOL_VERSIONS[0])
}

/// The one stdout line that tells the host where and how to connect.
#[derive(Debug, Clone)]
pub struct HandshakeLine<'a> {
    pub protocol_version: u32,
    /// `unix` or `tcp`.
    pub network: &'a str,
    /// Socket path or `127.0.0.1:port`.
    pub address: &'a str,
    /// DER of the server certificate when serving TLS.
    pub server_cert_der: Option<&'a [u8]>,
}

impl fmt::Display for HandshakeLine<'_> {
    /// `CORE|APP|NETWORK|ADDR|grpc|CERT`, without a newline. The certificate is base64 *without*
    /// padding because go-plugin decodes it with Go's RawStdEncoding, which rejects `=`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cert = self
            .server_cert_der
            .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
            .unwrap_or_default();
        write!(
            f,
            "{CORE_PROTOCOL_VERSION}|{}|{}|{}|grpc|{cert}",
            self.protocol_version, self.network, self.address
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_highest_common_and_falls_back_to_lowest() {
        assert_eq!(negotiate(Some("5,6")), 6);
        assert_eq!(negotiate(Some("6,5")), 6);
        assert_eq!(negotiate(Some("6")), 6);
        assert_eq!(negotiate(Some("5")), 6);
        assert_eq!(negotiate(Some("")), 6);
        assert_eq!(negotiate(Some(" 7 , x, 6")), 6);
        assert_eq!(negotiate(None), 6);
    }

    #[test]
    fn cookie_must_match_exactly() {
        assert!(cookie_matches(Some(MAGIC_COOKIE_VALUE)));
        assert!(!cookie_matches(Some("")));
        assert!(!cookie_matches(None));
    }

    #[test]
    fn line_has_six_fields_even_without_tls() {
        let line = HandshakeLine {
            protocol_version: 6,
            network: "unix",
            address: "/tmp/plugin1",
            server_cert_der: None,
        };
        assert_eq!(line.to_string(), "1|6|unix|/tmp/plugin1|grpc|");
        let with_cert = HandshakeLine {
            server_cert_der: Some(&[1, 2, 3, 4]),
            ..line
        };
        assert_eq!(with_cert.to_string(), "1|6|unix|/tmp/plugin1|grpc|AQIDBA");
    }
}
