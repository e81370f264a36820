//! The settings resolved once, in one order: the block read, the retry policy, the shared
//! files, the credential source, the region, the secrets, then the endpoints from outside the
//! block. The first step that fails stops configure with its diagnostics.

use aws_config::profile::ProfileSet;
use tf_provider_framework::diag::Diagnostics;
use tf_provider_framework::value::Value;

use super::credentials::{self, CredentialSource};
use super::endpoints;
use super::environment::Environment;
use super::region;
use super::retries::{self, Retries};
use super::shared_files::{self, ProfileFiles};
use super::source::Sourced;
use crate::aws::config::redact::Redactor;
use crate::aws::config::{self, ProviderSettings};

/// Everything the SDK clients are built from, each value with its source. (No `Debug`: the
/// profiles hold the shared files' secrets.)
pub struct ResolvedSettings {
    /// The provider block as written (its timeouts, endpoints and `assume_role` are used as
    /// they are).
    pub block: ProviderSettings,
    pub retries: Retries,
    /// The region of the provider (block, environment or profile).
    pub region: Sourced<String>,
    pub credentials: CredentialSource,
    /// The files the block names; `None` keeps the SDK's defaults and their variables.
    pub profile_files: Option<ProfileFiles>,
    /// The shared files as the SDK will read them, with the profile it will select; `None`
    /// when they cannot be parsed (reported where the region is resolved).
    pub profiles: Option<ProfileSet>,
    /// Every secret the configuration holds, growing as temporary keys arrive.
    pub redactor: Redactor,
}

impl ResolvedSettings {
    /// Where the credentials come from, in words, for messages about credential failures.
    pub fn credential_source(&self) -> String {
        credentials::describe(&self.credentials, self.block.assume_role.as_ref())
    }
}

/// Reads the provider configuration (checked strictly: configure needs every value) and
/// resolves it against `env`. The block's diagnostics and those of the retry variables are
/// reported together.
pub async fn resolve(config: &Value, env: &Environment) -> Result<ResolvedSettings, Diagnostics> {
    let (block, diags) = config::read_configured(config);
    resolve_read(block, diags, env).await
}

/// Resolves an already-read block against `env`.
pub async fn resolve_block(
    block: ProviderSettings,
    env: &Environment,
) -> Result<ResolvedSettings, Diagnostics> {
    resolve_read(block, Diagnostics::new(), env).await
}

async fn resolve_read(
    block: ProviderSettings,
    mut diags: Diagnostics,
    env: &Environment,
) -> Result<ResolvedSettings, Diagnostics> {
    let retries = retries::resolve(&block, env, &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }
    let profile_files = shared_files::custom_profile_files(&block, env).await?;
    shared_files::check_environment_files(&block, env).await?;
    let credentials = CredentialSource::select(&block, env);
    credentials::check_environment_profile(&credentials, profile_files.as_ref(), env).await?;
    let region = region::resolve(&block, profile_files.as_ref(), env).await?;
    let profiles = shared_files::load(profile_files.as_ref(), block.profile.as_deref(), env)
        .await
        .ok();
    let redactor = Redactor::new();
    credentials::learn_secrets(&redactor, &block, profiles.as_ref(), env);
    // Before the SDK reads them: it logs a URL it cannot parse, password and all.
    endpoints::check_outside_endpoints(&block.endpoints, profiles.as_ref(), env)?;
    credentials::warn_of_ignored_environment_keys(&credentials, env);
    Ok(ResolvedSettings {
        block,
        retries,
        region,
        credentials,
        profile_files,
        profiles,
        redactor,
    })
}
