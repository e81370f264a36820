//! The one view of the process's environment variables and files that settings are resolved
//! from. Everything that reads a variable or a shared file goes through an [`Environment`], so a
//! test injects one and neither depends on nor mutates the process's.

use std::path::PathBuf;

use aws_types::os_shim_internal::{Env, Fs};

use crate::aws::config::arguments::Argument;

/// Environment variables and the file system, as the AWS SDK's own profile loader takes them.
#[derive(Clone, Debug)]
pub struct Environment {
    env: Env,
    fs: Fs,
}

impl Environment {
    /// The process's own environment and file system.
    pub fn real() -> Self {
        Environment {
            env: Env::real(),
            fs: Fs::real(),
        }
    }

    /// An environment of the given variables and files (for tests).
    pub fn new(env: Env, fs: Fs) -> Self {
        Environment { env, fs }
    }

    /// A variable's value, when it is set (even empty).
    pub fn var(&self, name: &str) -> Option<String> {
        self.env.get(name).ok()
    }

    /// The environment's value for an unset argument, with the variable that holds it, in the
    /// precedence the arguments table gives ([`Argument::from_env`]).
    pub fn argument(&self, argument: &Argument) -> Option<(&'static str, String)> {
        argument.from_env(&|name| self.var(name))
    }

    /// The whole file at `path`.
    pub async fn read(&self, path: &std::path::Path) -> std::io::Result<Vec<u8>> {
        self.fs.read_to_end(path).await
    }

    /// A leading `~` expanded to the home directory (`HOME`, else `USERPROFILE`), as the SDK
    /// does for its default paths but not for the paths it is handed.
    pub fn expand_home(&self, path: &str) -> PathBuf {
        let rest = match path.strip_prefix('~') {
            Some(rest) if rest.is_empty() || rest.starts_with(['/', '\\']) => rest,
            _ => return PathBuf::from(path),
        };
        let home = self
            .var("HOME")
            .or_else(|| self.var("USERPROFILE"))
            .filter(|h| !h.is_empty());
        match home {
            Some(home) => {
                let mut expanded = PathBuf::from(home);
                let relative = rest.trim_start_matches(['/', '\\']);
                if !relative.is_empty() {
                    expanded.push(relative);
                }
                expanded
            }
            None => PathBuf::from(path),
        }
    }

    /// The SDK's variables, for its profile loader.
    pub(super) fn sdk_env(&self) -> &Env {
        &self.env
    }

    /// The SDK's file system, for its profile loader.
    pub(super) fn sdk_fs(&self) -> &Fs {
        &self.fs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_expansion() {
        let env = Environment::new(
            Env::from_slice(&[("HOME", "/home/tf")]),
            Fs::from_slice(&[]),
        );
        assert_eq!(
            env.expand_home("~/.aws/config"),
            PathBuf::from("/home/tf/.aws/config")
        );
        assert_eq!(env.expand_home("~"), PathBuf::from("/home/tf"));
        assert_eq!(env.expand_home("~other/x"), PathBuf::from("~other/x"));
        assert_eq!(env.expand_home("/abs/x"), PathBuf::from("/abs/x"));
        let none = Environment::new(Env::from_slice(&[]), Fs::from_slice(&[]));
        assert_eq!(none.expand_home("~/x"), PathBuf::from("~/x"));
    }
}
