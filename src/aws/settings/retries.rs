//! How many attempts an AWS call gets and how throttling is retried: the block's `max_retries`
//! and `retry_mode`, else `AWS_MAX_ATTEMPTS` and `AWS_RETRY_MODE`, else the table's defaults.

use tf_provider_framework::diag::{AttributePath, Diagnostic, Diagnostics};

use super::environment::Environment;
use super::source::{Source, Sourced};
use crate::aws::config::arguments::{MAX_RETRIES, RETRY_MODE};
use crate::aws::config::{ProviderSettings, RetryMode, default_max_retries, max_max_retries};

/// The retry policy of every call that retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retries {
    /// Retries after the first attempt.
    pub max_retries: Sourced<u32>,
    pub mode: Sourced<RetryMode>,
}

impl Retries {
    /// Total attempts per AWS call (the first one plus the retries), as the SDK counts them.
    pub fn max_attempts(&self) -> u32 {
        self.max_retries.value.saturating_add(1)
    }
}

/// The block's values, else the environment's, else the defaults. An invalid variable is
/// reported in `diags` on the argument it stands in for, and the default applies.
pub fn resolve(block: &ProviderSettings, env: &Environment, diags: &mut Diagnostics) -> Retries {
    let max_retries = match block.max_retries {
        Some(retries) => Sourced::new(retries, Source::Block),
        None => max_retries_from_env(env, diags)
            .unwrap_or_else(|| Sourced::new(default_max_retries(), Source::Default)),
    };
    let mode = match block.retry_mode {
        Some(mode) => Sourced::new(mode, Source::Block),
        None => retry_mode_from_env(env, diags)
            .unwrap_or_else(|| Sourced::new(RetryMode::default(), Source::Default)),
    };
    Retries { max_retries, mode }
}

/// An invalid environment variable standing in for `argument`.
fn invalid_variable(variable: &str, argument: &str, detail: String) -> Diagnostic {
    Diagnostic::error(format!("Invalid {variable}"), detail).at(AttributePath::root(argument))
}

/// `AWS_MAX_ATTEMPTS` counts attempts, `max_retries` counts retries: hence the minus one.
fn max_retries_from_env(env: &Environment, diags: &mut Diagnostics) -> Option<Sourced<u32>> {
    let (variable, raw) = env.argument(&MAX_RETRIES)?;
    match raw.trim().parse::<u32>() {
        Ok(attempts) if (1..=max_max_retries() + 1).contains(&attempts) => {
            Some(Sourced::new(attempts - 1, Source::Variable(variable)))
        }
        _ => {
            diags.push(invalid_variable(
                variable,
                MAX_RETRIES.name,
                format!(
                    "The environment variable {variable} is {raw:?}, but it must be a whole \
                     number of attempts from 1 to {}, for example {variable}=3. Fix or unset it, \
                     or set `{}` in the provider block.",
                    max_max_retries() + 1,
                    MAX_RETRIES.name
                ),
            ));
            None
        }
    }
}

fn retry_mode_from_env(env: &Environment, diags: &mut Diagnostics) -> Option<Sourced<RetryMode>> {
    let (variable, raw) = env.argument(&RETRY_MODE)?;
    match RetryMode::parse(raw.trim()) {
        Some(mode) => Some(Sourced::new(mode, Source::Variable(variable))),
        None => {
            diags.push(invalid_variable(
                variable,
                RETRY_MODE.name,
                format!(
                    "The environment variable {variable} is {raw:?}, but this provider \
                     supports only \"standard\" and \"adaptive\", for example \
                     {variable}=standard. Fix or unset it, or set `{}` in the provider block.",
                    RETRY_MODE.name
                ),
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_types::os_shim_internal::{Env, Fs};

    use super::*;

    fn resolved(block: &ProviderSettings, vars: &[(&str, &str)]) -> (Retries, Diagnostics) {
        let env = Environment::new(Env::from_slice(vars), Fs::from_slice(&[]));
        let mut diags = Diagnostics::new();
        (resolve(block, &env, &mut diags), diags)
    }

    #[test]
    fn retry_settings_fall_back_to_the_environment() {
        let vars = [("AWS_MAX_ATTEMPTS", "4"), ("AWS_RETRY_MODE", "adaptive")];
        let (retries, diags) = resolved(&ProviderSettings::default(), &vars);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            retries.max_retries,
            Sourced::new(3, Source::Variable("AWS_MAX_ATTEMPTS"))
        );
        assert_eq!(retries.max_attempts(), 4);
        assert_eq!(
            retries.mode,
            Sourced::new(RetryMode::Adaptive, Source::Variable("AWS_RETRY_MODE"))
        );

        // The block wins over the environment.
        let explicit = ProviderSettings {
            max_retries: Some(0),
            retry_mode: Some(RetryMode::Standard),
            ..ProviderSettings::default()
        };
        let (retries, _) = resolved(&explicit, &vars);
        assert_eq!(
            (retries.max_attempts(), retries.mode.value),
            (1, RetryMode::Standard)
        );
        assert_eq!(retries.max_retries.source, Source::Block);

        let bad = [("AWS_MAX_ATTEMPTS", "0"), ("AWS_RETRY_MODE", "legacy")];
        let (retries, diags) = resolved(&ProviderSettings::default(), &bad);
        let paths: Vec<_> = diags.iter().filter_map(|d| d.attribute.clone()).collect();
        assert_eq!(
            paths,
            [
                AttributePath::root(MAX_RETRIES.name),
                AttributePath::root(RETRY_MODE.name)
            ]
        );
        let summaries: Vec<_> = diags.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            summaries,
            ["Invalid AWS_MAX_ATTEMPTS", "Invalid AWS_RETRY_MODE"]
        );
        assert_eq!(retries.max_retries.source, Source::Default);
    }

    #[test]
    fn default_retries_are_twenty_five_in_standard_mode() {
        let (retries, _) = resolved(&ProviderSettings::default(), &[]);
        assert_eq!(retries.max_attempts(), 26);
        assert_eq!(retries.mode.value, RetryMode::Standard);
    }
}
