//! The provider's region: the block's `region`, then `AWS_REGION` / `AWS_DEFAULT_REGION`, then
//! the selected profile of the shared config. Deliberately never the EC2 instance metadata
//! service: a provider that silently asks 169.254.169.254 for its region hangs for seconds off
//! EC2 and can pick the wrong region on it.

use tf_provider_framework::diag::{AttributePath, Diagnostic, Diagnostics};

use super::environment::Environment;
use super::shared_files::{self, ProfileFiles};
use super::source::{Source, Sourced};
use crate::aws::config::arguments::{PROFILE, REGION, SHARED_CONFIG_FILES};
use crate::aws::config::{ProviderSettings, check_region};

/// What the user reads when no source names a region.
pub(super) const REGION_REQUIRED: &str = "No AWS region is configured. Set `region` in the \
    provider block (for example `region = \"us-east-1\"`), or the AWS_REGION environment \
    variable, or `region` in the selected profile of the shared config file. The provider does \
    not ask the EC2 instance metadata service for a region.";

/// The region and where it came from. Also checks that a profile named in the block exists,
/// since the profiles are loaded here anyway and a typo would otherwise only surface as a
/// credentials error on the first AWS call.
pub async fn resolve(
    settings: &ProviderSettings,
    profile_files: Option<&ProfileFiles>,
    env: &Environment,
) -> Result<Sourced<String>, Diagnostics> {
    let region_path = AttributePath::root(REGION.name);
    let mut found = settings
        .region
        .clone()
        .map(|region| Sourced::new(region, Source::Block))
        .or_else(|| {
            env.argument(&REGION)
                .map(|(name, region)| Sourced::new(region, Source::Variable(name)))
        });

    if found.is_none() || settings.profile.is_some() {
        let profiles = shared_files::load(profile_files, settings.profile.as_deref(), env)
            .await
            .map_err(|err| {
                let mut d = Diagnostic::error(
                    "Cannot load shared AWS config files",
                    format!(
                        "{err}. Fix the file's syntax, or point `shared_config_files` / \
                         `shared_credentials_files` at valid files, for example \
                         [\"~/.aws/config\"]."
                    ),
                );
                if profile_files.is_some() {
                    d = d.at(AttributePath::root(SHARED_CONFIG_FILES.name));
                }
                Diagnostics::from(d)
            })?;
        let missing_profile = settings
            .profile
            .as_ref()
            .filter(|profile| profiles.get_profile(profile).is_none());
        if let Some(profile) = missing_profile {
            let known = shared_files::known_profiles(&profiles);
            return Err(Diagnostic::error(
                "Profile not found",
                format!(
                    "The profile {profile:?} is not defined in the shared config or credentials \
                     files ({known}). Name an existing profile, for example \
                     `profile = \"default\"`, or point `shared_config_files` at the file that \
                     defines it."
                ),
            )
            .at(AttributePath::root(PROFILE.name))
            .into());
        }
        if found.is_none() {
            found = profiles
                .get("region")
                .filter(|r| !r.is_empty())
                .map(|region| {
                    let profile = profiles.selected_profile().to_owned();
                    Sourced::new(region.to_owned(), Source::Profile(profile))
                });
        }
    }

    let Some(region) = found else {
        return Err(Diagnostic::error("region is required", REGION_REQUIRED)
            .at(region_path)
            .into());
    };
    // The block's value was already checked by `validate`; the other sources were not.
    if let Err(detail) = check_region(&region.value) {
        return Err(Diagnostic::error(
            "Invalid AWS region",
            format!("{detail} The value comes from {}.", region.source),
        )
        .at(region_path)
        .into());
    }
    Ok(region)
}

#[cfg(test)]
mod tests {
    use aws_types::os_shim_internal::{Env, Fs};

    use super::*;

    fn env(vars: &[(&str, &str)], files: &[(&str, &str)]) -> Environment {
        Environment::new(Env::from_slice(vars), Fs::from_slice(files))
    }

    #[tokio::test]
    async fn without_any_source_the_message_names_every_source_and_not_imds() {
        let err = resolve(&ProviderSettings::default(), None, &env(&[], &[]))
            .await
            .expect_err("no region anywhere");
        let d = err.iter().next().expect("a diagnostic");
        assert_eq!(d.summary, "region is required");
        assert_eq!(d.attribute, Some(AttributePath::root(REGION.name)));
        assert_eq!(
            d.detail,
            "No AWS region is configured. Set `region` in the provider block (for example \
             `region = \"us-east-1\"`), or the AWS_REGION environment variable, or `region` in \
             the selected profile of the shared config file. The provider does not ask the EC2 \
             instance metadata service for a region."
        );
    }

    #[tokio::test]
    async fn each_region_knows_its_source() {
        let files = [(
            "/cfg/aws",
            "[default]\nregion = sa-east-1\n[profile ci]\nregion = ca-west-1\n",
        )];
        let files_only = ProviderSettings {
            shared_config_files: vec!["/cfg/aws".into()],
            ..ProviderSettings::default()
        };
        let environment = env(&[("AWS_DEFAULT_REGION", "ap-south-2")], &files);
        let custom = shared_files::custom_profile_files(&files_only, &environment)
            .await
            .expect("files");
        let region = resolve(&files_only, custom.as_ref(), &environment)
            .await
            .expect("region");
        assert_eq!(
            region,
            Sourced::new(
                "ap-south-2".to_owned(),
                Source::Variable("AWS_DEFAULT_REGION")
            )
        );
        let region = resolve(&files_only, custom.as_ref(), &env(&[], &files))
            .await
            .expect("region");
        assert_eq!(
            region,
            Sourced::new("sa-east-1".to_owned(), Source::Profile("default".into()))
        );
        let err = resolve(
            &ProviderSettings::default(),
            None,
            &env(&[("AWS_REGION", "US-EAST-1")], &[]),
        )
        .await
        .expect_err("invalid");
        let d = err.iter().next().expect("a diagnostic");
        assert!(
            d.detail
                .ends_with("The value comes from the environment variable AWS_REGION."),
            "{}",
            d.detail
        );
    }
}
