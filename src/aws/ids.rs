//! AWS resource ID formats, checked at plan time so a typo fails before anything is called.

use std::fmt;

/// The shape of one kind of AWS ID: a fixed prefix, then lower-case letters and digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdFormat {
    /// What the ID names, for messages: "Client VPN endpoint ID".
    pub noun: &'static str,
    pub prefix: &'static str,
    /// Length bounds of the part after the prefix.
    pub min_len: usize,
    pub max_len: usize,
    pub example: &'static str,
}

/// Why an ID does not match its format.
#[derive(Debug, PartialEq, Eq)]
pub struct InvalidId {
    pub format: IdFormat,
    pub value: String,
    pub reason: &'static str,
}

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a valid {}: {}. Expected the form {:?}.",
            self.value, self.format.noun, self.reason, self.format.example
        )
    }
}

impl IdFormat {
    pub fn check(&self, value: &str) -> Result<(), InvalidId> {
        let fail = |reason| {
            Err(InvalidId {
                format: *self,
                value: value.to_owned(),
                reason,
            })
        };
        let Some(rest) = value.strip_prefix(self.prefix) else {
            return fail(if value.trim() != value {
                "it has surrounding white space"
            } else {
                "it does not start with the expected prefix"
            });
        };
        if !rest
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return fail("only lower-case letters and digits may follow the prefix");
        }
        if rest.len() < self.min_len || rest.len() > self.max_len {
            return fail("the part after the prefix has the wrong length");
        }
        Ok(())
    }
}

macro_rules! id_format {
    ($name:ident, $noun:literal, $prefix:literal, $min:literal..=$max:literal, $example:literal) => {
        pub const $name: IdFormat = IdFormat {
            noun: $noun,
            prefix: $prefix,
            min_len: $min,
            max_len: $max,
            example: $example,
        };
    };
}

id_format!(
    CLIENT_VPN_ENDPOINT,
    "Client VPN endpoint ID",
    "cvpn-endpoint-",
    8..=32,
    "cvpn-endpoint-0123456789abcdef0"
);
id_format!(
    CLIENT_VPN_ASSOCIATION,
    "Client VPN target network association ID",
    "cvpn-assoc-",
    8..=32,
    "cvpn-assoc-0123456789abcdef0"
);
id_format!(
    SUBNET,
    "subnet ID",
    "subnet-",
    8..=32,
    "subnet-0123456789abcdef0"
);
id_format!(VPC, "VPC ID", "vpc-", 8..=32, "vpc-0123456789abcdef0");
id_format!(
    ROUTE_SERVER,
    "route server ID",
    "rs-",
    8..=32,
    "rs-0123456789abcdef0"
);
id_format!(
    GLOBAL_NETWORK,
    "global network ID",
    "global-network-",
    8..=32,
    "global-network-0123456789abcdef0"
);
id_format!(
    CONNECT_PEER,
    "Connect peer ID",
    "connect-peer-",
    8..=17,
    "connect-peer-0123456789abcdef0"
);
id_format!(
    DEVICE,
    "device ID",
    "device-",
    8..=32,
    "device-0123456789abcdef0"
);
id_format!(LINK, "link ID", "link-", 8..=32, "link-0123456789abcdef0");
id_format!(WORKSPACE, "WorkSpace ID", "ws-", 8..=63, "ws-0123abcd4");
id_format!(
    WORKSPACES_APPLICATION,
    "WorkSpaces application ID",
    "wsa-",
    8..=63,
    "wsa-0123abcd4"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_well_formed_ids() {
        assert!(SUBNET.check("subnet-0123456789abcdef0").is_ok());
        assert!(WORKSPACE.check("ws-abcd1234").is_ok());
        assert!(CONNECT_PEER.check("connect-peer-0123456789abcdef0").is_ok());
    }

    #[test]
    fn rejects_wrong_prefix_with_an_example() {
        let error = VPC.check("subnet-0123456789abcdef0").unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("does not start with the expected prefix"),
            "{message}"
        );
        assert!(message.contains("vpc-0123456789abcdef0"), "{message}");
    }

    #[test]
    fn rejects_upper_case_and_punctuation() {
        assert!(SUBNET.check("subnet-0123456789ABCDEF0").is_err());
        assert!(SUBNET.check("subnet-01234567_89").is_err());
    }

    #[test]
    fn rejects_too_short_and_too_long_suffixes() {
        assert!(ROUTE_SERVER.check("rs-123").is_err());
        assert!(
            CONNECT_PEER
                .check("connect-peer-0123456789abcdef0123")
                .is_err()
        );
    }

    #[test]
    fn explains_surrounding_white_space() {
        let error = SUBNET.check(" subnet-0123456789abcdef0").unwrap_err();
        assert_eq!(error.reason, "it has surrounding white space");
    }
}
