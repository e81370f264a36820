//! The shared config and credentials files: which ones are read (the block's lists replace the
//! defaults per kind), checks that the ones named can be read, and the profiles they define.

use std::borrow::Cow;

use aws_config::profile::ProfileSet;
use tf_provider_framework::diag::{AttributePath, Diagnostic, Diagnostics};

use super::environment::Environment;
use crate::aws::config::ProviderSettings;
use crate::aws::config::arguments::{self, Argument};

// aws-config re-exports the profile-file types only through deprecated aliases (their new home,
// aws-runtime, is not a direct dependency); local aliases keep the allowance in one place.
#[allow(deprecated)]
pub type ProfileFiles = aws_config::profile::profile_file::ProfileFiles;
#[allow(deprecated)]
type ProfileFileKind = aws_config::profile::profile_file::ProfileFileKind;

/// The profile files named in the block, replacing (per kind) the defaults. `None` when neither
/// list is set, so aws-config keeps honouring AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE.
pub async fn custom_profile_files(
    settings: &ProviderSettings,
    env: &Environment,
) -> Result<Option<ProfileFiles>, Diagnostics> {
    if settings.shared_config_files.is_empty() && settings.shared_credentials_files.is_empty() {
        return Ok(None);
    }
    let mut diags = Diagnostics::new();
    let mut builder = ProfileFiles::builder()
        .include_default_config_file(settings.shared_config_files.is_empty())
        .include_default_credentials_file(settings.shared_credentials_files.is_empty());
    let lists = [
        (
            arguments::SHARED_CONFIG_FILES.name,
            &settings.shared_config_files,
            ProfileFileKind::Config,
        ),
        (
            arguments::SHARED_CREDENTIALS_FILES.name,
            &settings.shared_credentials_files,
            ProfileFileKind::Credentials,
        ),
    ];
    for (attribute, paths, kind) in lists {
        for (index, raw) in paths.iter().enumerate() {
            // aws-config expands `~` only in its default paths, not in custom ones.
            let path = env.expand_home(raw);
            if let Err(err) = env.read(&path).await {
                diags.push(
                    Diagnostic::error(
                        "Cannot read shared AWS file",
                        format!(
                            "Reading {} failed: {err}. List only existing files, for example \
                             \"~/.aws/config\" in `shared_config_files` or \
                             \"~/.aws/credentials\" in `shared_credentials_files`, or remove \
                             the argument to use the defaults.",
                            path.display()
                        ),
                    )
                    .at(AttributePath::root(attribute).index(index as i64)),
                );
            }
            builder = builder.with_file(kind, path);
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(Some(builder.build()))
    }
}

/// Checks the shared files the environment names for an argument the block leaves empty: a
/// file that exists but cannot be read fails configure with its cause instead of surfacing on
/// the first AWS call as "no credentials found". A missing file is normal (the SDK reads it as
/// empty).
pub async fn check_environment_files(
    settings: &ProviderSettings,
    env: &Environment,
) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::new();
    let file_arguments: [(&Argument, &Vec<String>); 2] = [
        (
            &arguments::SHARED_CONFIG_FILES,
            &settings.shared_config_files,
        ),
        (
            &arguments::SHARED_CREDENTIALS_FILES,
            &settings.shared_credentials_files,
        ),
    ];
    for (argument, from_block) in file_arguments {
        let Some((variable, raw)) = env.argument(argument).filter(|_| from_block.is_empty()) else {
            continue;
        };
        let path = env.expand_home(&raw);
        if let Err(err) = env.read(&path).await
            && err.kind() != std::io::ErrorKind::NotFound
        {
            diags.push(Diagnostic::error(
                "Cannot read shared AWS file",
                format!(
                    "Reading {} failed: {err}. The file is named by the {variable} environment \
                     variable; point it at a readable file or unset it.",
                    path.display()
                ),
            ));
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(())
    }
}

/// The profiles of the shared files (`files`, else the defaults), with `selected` (else
/// `AWS_PROFILE`, else `default`) as the selected one.
pub async fn load(
    files: Option<&ProfileFiles>,
    selected: Option<&str>,
    env: &Environment,
) -> Result<ProfileSet, aws_config::profile::ProfileFileLoadError> {
    let default_files = ProfileFiles::default();
    let files = files.unwrap_or(&default_files);
    let selected = selected.map(|name| Cow::Owned(name.to_owned()));
    aws_config::profile::load(env.sdk_fs(), env.sdk_env(), files, selected).await
}

/// The profiles a set of shared files defines, for messages.
pub fn known_profiles(profiles: &ProfileSet) -> String {
    let mut known: Vec<&str> = profiles.profiles().collect();
    known.sort_unstable();
    if known.is_empty() {
        "none were found".to_owned()
    } else {
        format!("found: {}", known.join(", "))
    }
}

/// Whether any profile of the shared files sets `key`.
pub fn any_profile_has(profiles: &ProfileSet, key: &str) -> bool {
    profiles
        .profiles()
        .filter_map(|name| profiles.get_profile(name))
        .any(|profile| profile.get(key).is_some())
}
