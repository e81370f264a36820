//! Format checks for provider settings.
//!
//! Each check returns the sentence a user needs to fix the value, always with an example of the
//! right form, so the diagnostic can be shown as-is under the offending attribute. They are plain
//! string functions (no SDK types) so that plan-time validation and configure-time parsing share
//! them, and so they stay cheap to unit-test.

use std::time::Duration;

use tf_provider_framework::timeouts::parse_duration;

/// Shortest session AWS STS grants for AssumeRole.
pub const MIN_ASSUME_ROLE_DURATION: Duration = Duration::from_secs(15 * 60);
/// Longest session AWS STS can grant for AssumeRole (the role's own maximum may be lower).
pub const MAX_ASSUME_ROLE_DURATION: Duration = Duration::from_secs(12 * 60 * 60);

/// AWS region codes are lowercase `area-words-number` (`us-east-1`, `us-gov-west-1`,
/// `eusc-de-east-1`). Checking the shape catches the common typos (`US-EAST-1`, `useast1`,
/// `us-east`) before the SDK turns them into an unresolvable endpoint host at apply time.
pub fn check_region(region: &str) -> Result<(), String> {
    let parts: Vec<&str> = region.split('-').collect();
    let shape_ok = parts.len() >= 3
        && (2..=4).contains(&parts[0].len())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|n| (1..=2).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()));
    if shape_ok {
        Ok(())
    } else {
        Err(format!(
            "{region:?} is not an AWS region code. A region is written in lowercase as \
             area-location-number, for example \"us-east-1\", \"eu-central-2\", \
             \"us-gov-west-1\" or \"cn-north-1\"."
        ))
    }
}

/// An endpoint URL as the SDK gets it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointUrl {
    /// The URL without user information: AWS authenticates with signatures, never with a user
    /// and password in the URL, and a URL the SDK holds can end up in its debug logs.
    pub url: String,
    /// Whether user information was removed (worth a warning, never an echo).
    pub had_userinfo: bool,
}

/// Custom endpoints go to the SDK, which only understands absolute http(s) URLs; a bare
/// `host:port` would otherwise fail deep inside the endpoint resolver at apply time with a
/// message that does not name the attribute.
pub fn check_endpoint_url(url: &str) -> Result<EndpointUrl, String> {
    // Messages show the URL without any user information: it may hold a password.
    let shown = without_userinfo(url);
    const EXAMPLE: &str = "for example \"http://127.0.0.1:4566\" for a local emulator or \"https://ec2.us-east-1.amazonaws.com\"";
    if url.chars().any(char::is_whitespace) {
        return Err(format!(
            "{shown:?} contains whitespace; write an absolute URL, {EXAMPLE}."
        ));
    }
    let lower = url.to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url["https://".len()..]
    } else if lower.starts_with("http://") {
        &url["http://".len()..]
    } else if let Some((scheme, _)) = url.split_once("://").filter(|(s, _)| is_scheme(s)) {
        return Err(format!(
            "{shown:?} uses the scheme {scheme:?}; only http and https endpoints are supported, \
             {EXAMPLE}."
        ));
    } else {
        return Err(format!(
            "{shown:?} is not an absolute URL (the scheme is missing); write \"http://{shown}\" or \
             \"https://{shown}\", {EXAMPLE}."
        ));
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if tail.contains('@') {
        // Either a password holding '/', '?' or '#' (which end the authority, so the host would
        // be taken from the password) or an unencoded '@' after the host: never guess which.
        return Err(format!(
            "{shown:?} has an '@' after a '/', '?' or '#'. If the URL carries a user name or \
             password, remove them: AWS authenticates requests with signatures, not passwords. \
             An '@' in a path or query must be written %40, {EXAMPLE}."
        ));
    }
    let (had_userinfo, authority) = match authority.rfind('@') {
        Some(at) => (true, &authority[at + 1..]),
        None => (false, authority),
    };
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        match bracketed.split_once(']') {
            Some((host, tail)) => (host, tail.strip_prefix(':')),
            None => {
                return Err(format!(
                    "{shown:?} has an unterminated IPv6 address, {EXAMPLE}."
                ));
            }
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':'));
    if !host_ok {
        return Err(format!("{shown:?} has no valid host name, {EXAMPLE}."));
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !valid {
            return Err(format!(
                "{shown:?} has an invalid port {port:?}; a port is a number from 1 to 65535, \
                 {EXAMPLE}."
            ));
        }
    }
    Ok(EndpointUrl {
        url: if had_userinfo {
            format!(
                "{}://{authority}{tail}",
                &url[..url.len() - rest.len() - "://".len()]
            )
        } else {
            url.to_owned()
        },
        had_userinfo,
    })
}

/// `url` with everything between the scheme and its last `@` replaced by `***`, so a message or
/// log line can show which URL is meant without its credentials. The last `@` anywhere counts,
/// not only one inside the authority: a password may hold '/', '?' or '#', which would end the
/// authority of a well-formed URL, and hiding a path too many is better than showing a password.
pub fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://").filter(|(s, _)| is_scheme(s)) {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let rest = match rest.rfind('@') {
        Some(at) => format!("***{}", &rest[at..]),
        None => rest.to_owned(),
    };
    match scheme {
        Some(scheme) => format!("{scheme}://{rest}"),
        None => rest,
    }
}

/// Whether `url` may carry a user name or password: an `@` anywhere after the scheme (see
/// [`without_userinfo`] for why anywhere).
pub fn may_hold_userinfo(url: &str) -> bool {
    let rest = url
        .split_once("://")
        .filter(|(s, _)| is_scheme(s))
        .map_or(url, |(_, rest)| rest);
    rest.contains('@')
}

/// RFC 3986's `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`: what comes before `://` is shown
/// as a scheme only when it is one (in `user:pa://ss@host` it is part of a password).
fn is_scheme(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// The role ARN is sent to STS only when the first AWS call needs credentials, long after
/// configure; checking its shape here turns a late, generic STS error into a plan-time one.
pub fn check_role_arn(arn: &str) -> Result<(), String> {
    const EXAMPLE: &str = "for example \"arn:aws:iam::123456789012:role/deploy\"";
    let mut parts = arn.splitn(6, ':');
    let (prefix, partition, service, region, account, resource) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    if prefix != "arn" || service != "iam" || !region.is_empty() {
        return Err(format!("{arn:?} is not an IAM role ARN; {EXAMPLE}."));
    }
    if !matches!(partition, "aws" | "aws-cn" | "aws-us-gov") {
        return Err(format!(
            "{arn:?} names the partition {partition:?}; the partition must be \"aws\", \
             \"aws-cn\" or \"aws-us-gov\", {EXAMPLE}."
        ));
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{arn:?} has the account {account:?}; an AWS account ID is exactly 12 digits, \
             {EXAMPLE}."
        ));
    }
    let name = resource.strip_prefix("role/").unwrap_or_default();
    let name_ok = !name.is_empty()
        && !name.ends_with('/')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c));
    if !name_ok {
        return Err(format!(
            "{arn:?} does not end in \"role/<name>\" (optionally \"role/<path>/<name>\"), \
             {EXAMPLE}."
        ));
    }
    Ok(())
}

/// STS rejects session names outside 2–64 characters of `[A-Za-z0-9+=,.@_-]`.
pub fn check_session_name(name: &str) -> Result<(), String> {
    let ok = (2..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a valid STS session name: use 2 to 64 characters from letters, \
             digits and +=,.@_-, for example \"terraform-awsassoc\"."
        ))
    }
}

/// Users write durations the way hashicorp/aws documents them (Go syntax such as `1h`, `90m`,
/// `1h30m`); STS accepts 15 minutes to 12 hours.
pub fn check_assume_role_duration(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text).map_err(|why| {
        format!(
            "{text:?} is not a duration ({why}); write for example \"1h\", \"45m\" or \"1h30m\"."
        )
    })?;
    if !(MIN_ASSUME_ROLE_DURATION..=MAX_ASSUME_ROLE_DURATION).contains(&duration) {
        return Err(format!(
            "{text:?} is outside the range STS accepts for a role session: from 15 minutes \
             (\"15m\") to 12 hours (\"12h\"), for example \"1h\"."
        ));
    }
    Ok(duration)
}

/// Limits on one AWS call: a duration from one second to one hour. Shorter would abandon calls
/// AWS answers normally; longer would make a hung connection look like a hung apply.
pub fn check_call_timeout(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text).map_err(|why| {
        format!("{text:?} is not a duration ({why}); write for example \"30s\" or \"5m\".")
    })?;
    if !(Duration::from_secs(1)..=Duration::from_secs(3600)).contains(&duration) {
        return Err(format!(
            "{text:?} is outside the accepted range from 1 second (\"1s\") to 1 hour \
             (\"1h\"), for example \"30s\"."
        ));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        for good in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "cn-north-1",
            "ap-southeast-4",
            "il-central-1",
            "us-isob-east-1",
            "eusc-de-east-1",
        ] {
            assert!(check_region(good).is_ok(), "{good}");
        }
        for bad in [
            "US-EAST-1",
            "useast1",
            "us-east",
            "us-east-1a",
            "",
            "us--1",
            "-us-east-1",
        ] {
            let err = check_region(bad).expect_err(bad);
            assert!(err.contains("us-east-1"), "message gives an example: {err}");
        }
    }

    #[test]
    fn endpoint_user_information_is_dropped_and_never_shown() {
        let endpoint = check_endpoint_url("http://user:s3cr3t@127.0.0.1:4566/x").unwrap();
        assert_eq!(endpoint.url, "http://127.0.0.1:4566/x");
        assert!(endpoint.had_userinfo);
        let error = check_endpoint_url("http://user:s3cr3t@127.0.0.1:99999").unwrap_err();
        assert!(!error.contains("s3cr3t"), "{error}");
        assert!(error.contains("http://***@127.0.0.1:99999"), "{error}");
        let error = check_endpoint_url("ftp://user:s3cr3t@example.com").unwrap_err();
        assert!(!error.contains("s3cr3t"), "{error}");
        let error = check_endpoint_url("user:s3cr3t@example.com").unwrap_err();
        assert!(!error.contains("s3cr3t"), "{error}");
        assert_eq!(without_userinfo("https://a@b@host/p"), "https://***@host/p");
        assert_eq!(without_userinfo("https://host/p"), "https://host/p");
    }

    /// '/', '?' and '#' end the authority of a well-formed URL, so a password holding them
    /// would otherwise be read as a host, a port, a path or a fragment, and echoed as such.
    #[test]
    fn passwords_with_url_delimiters_are_never_echoed() {
        for password in [
            "Kq7Z#Vw3P",
            "Kq7Z?Vw3P",
            "Kq7Z/Vw3P",
            "Kq7Z#Vw3P?Jd8X/Hn2",
            "Kq7Z@Vw3P/Jd8X",
            "Kq7Z:Vw3P#Jd8X",
        ] {
            for url in [
                format!("http://admin:{password}@127.0.0.1:4566"),
                format!("http://admin:{password}@127.0.0.1:4566/path"),
                format!("http://admin:{password}@127.0.0.1:99999"),
                format!("admin:{password}@127.0.0.1:4566"),
                format!("ftp://admin:{password}@127.0.0.1"),
                format!("http://admin:{password}@ho st"),
            ] {
                let error = check_endpoint_url(&url).expect_err(&url);
                for piece in password.split(['#', '?', '/', '@', ':']) {
                    assert!(!error.contains(piece), "{url}: {error}");
                }
                assert!(error.contains("***@"), "{url}: {error}");
                assert!(may_hold_userinfo(&url), "{url}");
                let shown = without_userinfo(&url);
                assert!(!shown.contains("admin"), "{url}: {shown}");
            }
        }
        let error = check_endpoint_url("admin:Sx9e://Cr3t@host").expect_err("no scheme");
        for piece in ["admin", "Sx9e", "Cr3t"] {
            assert!(!error.contains(piece), "{error}");
        }
        assert!(!may_hold_userinfo("http://127.0.0.1:4566/x"));
        // An '@' after the host is refused too rather than guessed at.
        assert!(check_endpoint_url("http://host/p@q").is_err());
    }

    #[test]
    fn endpoint_urls() {
        for good in [
            "http://127.0.0.1:4566",
            "https://ec2.us-east-1.amazonaws.com",
            "http://localhost:4566/",
            "HTTPS://example.com/path?x=1",
            "http://[::1]:4566",
        ] {
            assert!(check_endpoint_url(good).is_ok(), "{good}");
        }
        for bad in [
            "127.0.0.1:4566",
            "ftp://x",
            "http://",
            "http://:4566",
            "http://host:0",
            "http://host:99999",
            "http://host:",
            "http://ho st",
            "http://[::1",
            "",
        ] {
            let err = check_endpoint_url(bad).expect_err(bad);
            assert!(
                err.contains("http://127.0.0.1:4566"),
                "message gives an example: {err}"
            );
        }
        assert!(
            check_endpoint_url("127.0.0.1:4566")
                .unwrap_err()
                .contains("http://127.0.0.1:4566\"")
        );
    }

    #[test]
    fn role_arns() {
        for good in [
            "arn:aws:iam::123456789012:role/deploy",
            "arn:aws-cn:iam::123456789012:role/path/to/deploy",
            "arn:aws-us-gov:iam::123456789012:role/a+b=c,d.e@f_g-h",
        ] {
            assert!(check_role_arn(good).is_ok(), "{good}");
        }
        for bad in [
            "deploy",
            "arn:aws:iam::123456789012:user/deploy",
            "arn:aws:iam::12345:role/deploy",
            "arn:aws:iam:us-east-1:123456789012:role/deploy",
            "arn:aws:sts::123456789012:role/deploy",
            "arn:aws-iso:iam::123456789012:role/deploy",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/a b",
        ] {
            let err = check_role_arn(bad).expect_err(bad);
            assert!(err.contains("arn:aws:iam::123456789012:role/"), "{err}");
        }
    }

    #[test]
    fn session_names() {
        assert!(check_session_name("terraform@ci.example").is_ok());
        assert!(check_session_name("x").is_err());
        assert!(check_session_name(&"a".repeat(65)).is_err());
        assert!(check_session_name("has space").is_err());
    }

    #[test]
    fn assume_role_duration_bounds() {
        assert_eq!(
            check_assume_role_duration("15m"),
            Ok(MIN_ASSUME_ROLE_DURATION)
        );
        assert_eq!(
            check_assume_role_duration("12h"),
            Ok(MAX_ASSUME_ROLE_DURATION)
        );
        assert!(
            check_assume_role_duration("14m59s")
                .unwrap_err()
                .contains("15m")
        );
        assert!(check_assume_role_duration("12h1s").is_err());
        assert!(
            check_assume_role_duration("an hour")
                .unwrap_err()
                .contains("1h")
        );
    }
}
