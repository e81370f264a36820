//! The secret values one provider configuration knows of, and text with them blotted out.
//!
//! Error messages from outside the provider (a credential provider's error chain, an STS answer
//! that repeats a request value) are shown to users and written to logs. Before any of that text
//! leaves the provider, every secret the provider has seen is replaced by `***`: the block's keys
//! and external ID, the environment's keys, every secret of the shared files (keys, session
//! tokens, external IDs, the arguments of `credential_process` commands), and the temporary keys
//! the credential providers hand out while the process runs.

use std::fmt;
use std::sync::{Arc, RwLock};

/// What a redacted secret is replaced with.
pub const REDACTED: &str = "***";

/// Shorter values are not redacted: a secret of three characters guards nothing, and blotting
/// out every `abc` would make messages unreadable.
const MIN_SECRET_LEN: usize = 4;

/// A shared, growing set of secret values. Clones share the set, so a value learned by one
/// holder (a credential provider receiving temporary keys) is redacted by all.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret containing another is replaced whole.
    known: Arc<RwLock<Vec<String>>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.known.read().map(|known| known.len()).unwrap_or(0);
        write!(f, "Redactor({count} secrets)")
    }
}

impl Redactor {
    pub fn new() -> Self {
        Redactor::default()
    }

    /// Adds a secret value (surrounding whitespace ignored; values too short to matter skipped).
    pub fn add(&self, secret: &str) {
        let secret = secret.trim();
        if secret.chars().count() < MIN_SECRET_LEN {
            return;
        }
        // A poisoned lock only means another thread panicked mid-update; the list is still valid.
        let mut known = match self.known.write() {
            Ok(known) => known,
            Err(poisoned) => poisoned.into_inner(),
        };
        if known.iter().any(|k| k == secret) {
            return;
        }
        known.push(secret.to_owned());
        known.sort_by_key(|k| std::cmp::Reverse(k.len()));
    }

    /// Adds the arguments of a command line (everything after the program), whole and one by
    /// one: a command line such as `helper --token abc123` carries its secrets in its arguments.
    pub fn add_command_arguments(&self, command: &str) {
        let command = command.trim();
        let Some((_, arguments)) = command.split_once(char::is_whitespace) else {
            return;
        };
        self.add(arguments);
        for argument in arguments.split_whitespace() {
            self.add(argument.trim_matches(['"', '\'']));
            if let Some((_, value)) = argument.split_once('=') {
                self.add(value.trim_matches(['"', '\'']));
            }
        }
    }

    /// `text` with every known secret replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let known = match self.known.read() {
            Ok(known) => known,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut text = text.to_owned();
        for secret in known.iter() {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), REDACTED);
            }
        }
        text
    }

    /// Whether `text` holds a known secret.
    pub fn reveals(&self, text: &str) -> bool {
        let known = match self.known.read() {
            Ok(known) => known,
            Err(poisoned) => poisoned.into_inner(),
        };
        known.iter().any(|secret| text.contains(secret.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_secrets_are_replaced_longest_first_in_every_clone() {
        let redactor = Redactor::new();
        redactor.add("abc");
        redactor.add("token-1");
        let shared = redactor.clone();
        shared.add("token-12345");
        assert_eq!(
            redactor.redact("a token-12345, token-1 and abc"),
            "a ***, *** and abc"
        );
        assert!(redactor.reveals("xtoken-1x"));
        assert!(!redactor.reveals("nothing here"));
        assert_eq!(format!("{redactor:?}"), "Redactor(2 secrets)");
    }

    #[test]
    fn command_arguments_are_secrets() {
        let redactor = Redactor::new();
        redactor.add_command_arguments("/usr/bin/helper --token=Zq81kLm 'pass phrase9'");
        redactor.add_command_arguments("just-a-program");
        let text = redactor.redact(
            "/usr/bin/helper --token=Zq81kLm 'pass phrase9' failed; token Zq81kLm; phrase9",
        );
        assert!(!text.contains("Zq81kLm"), "{text}");
        assert!(!text.contains("phrase9"), "{text}");
        assert!(text.starts_with("/usr/bin/helper ***"), "{text}");
        assert!(!redactor.reveals("just-a-program"));
    }
}
