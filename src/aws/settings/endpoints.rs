//! Endpoint URLs from outside the provider block: `AWS_ENDPOINT_URL`,
//! `AWS_ENDPOINT_URL_<SERVICE>`, the selected profile's `endpoint_url` and its `services`
//! section. The SDK reads these itself, for clients the provider does not build (a role chain's
//! STS, SSO), and keeps the URL in its logs: one that may carry a user name or password is
//! refused before the SDK reads it. The block's own endpoints are checked, and stripped of user
//! information, where the block is read.

use aws_config::profile::ProfileSet;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};
use tf_provider_framework::diag::{Diagnostic, Diagnostics};

use super::environment::Environment;
use crate::aws::config::{Endpoints, may_hold_userinfo, without_userinfo};

/// The SDK's variable for every service's endpoint, and the profile key it reads alongside.
const GENERAL_VARIABLE: &str = "AWS_ENDPOINT_URL";
const PROFILE_KEY: &str = "endpoint_url";

/// The services whose endpoint the SDK may take from the environment or the shared config: the
/// ones the provider calls, and the ones its credential providers call. `(service ID as the SDK
/// names it, the provider block's endpoint for it)`.
fn endpoint_services(endpoints: &Endpoints) -> [(&'static str, Option<&String>); 6] {
    [
        ("EC2", endpoints.ec2.as_ref()),
        ("NetworkManager", endpoints.networkmanager.as_ref()),
        ("WorkSpaces", endpoints.workspaces.as_ref()),
        // A shared-config role chain calls STS at the endpoint the environment or the profile
        // name, whatever `endpoints.sts` says; so do the SSO credential providers.
        ("STS", None),
        ("SSO", None),
        ("SSO OIDC", None),
    ]
}

/// The services the SDK resolves an endpoint for by itself: those the block sets no endpoint
/// for.
fn outside_services(endpoints: &Endpoints) -> impl Iterator<Item = &'static str> + '_ {
    endpoint_services(endpoints)
        .into_iter()
        .filter(|(_, in_block)| in_block.is_none())
        .map(|(service, _)| service)
}

/// The SDK's environment variable for a service's endpoint (`AWS_ENDPOINT_URL_SSO_OIDC`).
fn endpoint_variable(service_id: &str) -> String {
    format!(
        "{GENERAL_VARIABLE}_{}",
        service_id.to_ascii_uppercase().replace(' ', "_")
    )
}

/// The refusal of an endpoint URL from outside the provider block that may carry a user name or
/// password. Not stripped like the block's own: the SDK reads these itself, for clients the
/// provider does not build, so the only way to keep the password out of its logs is to stop here.
fn endpoint_userinfo_refused(source: &str, url: &str) -> Diagnostics {
    Diagnostic::error(
        "Endpoint URL with user information",
        format!(
            "{source} is {:?}, which carries a user name or password (or an '@' after a '/', \
             '?' or '#'). AWS authenticates requests with signatures, and the AWS SDK would \
             keep the URL, password included, in its logs. Remove the user information, for \
             example \"http://127.0.0.1:4566\", or set the endpoint in the provider's \
             `endpoints` block instead.",
            without_userinfo(url)
        ),
    )
    .into()
}

/// Refuses endpoint URLs with user information in `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`
/// and the selected profile's `endpoint_url`, before the SDK reads any of them.
pub fn check_outside_endpoints(
    endpoints: &Endpoints,
    profiles: Option<&ProfileSet>,
    env: &Environment,
) -> Result<(), Diagnostics> {
    let mut variables = vec![GENERAL_VARIABLE.to_owned()];
    variables.extend(outside_services(endpoints).map(endpoint_variable));
    for variable in variables {
        if let Some(url) = env.var(&variable)
            && may_hold_userinfo(&url)
        {
            return Err(endpoint_userinfo_refused(
                &format!("The environment variable {variable}"),
                &url,
            ));
        }
    }
    if let Some(profiles) = profiles
        && let Some(url) = profiles.get(PROFILE_KEY)
        && may_hold_userinfo(url)
    {
        return Err(endpoint_userinfo_refused(
            &format!(
                "The `{PROFILE_KEY}` of the profile {:?} in the shared config",
                profiles.selected_profile()
            ),
            url,
        ));
    }
    Ok(())
}

/// Refuses, as [`check_outside_endpoints`] does, the endpoints the SDK resolves per service, with
/// its own precedence: the selected profile's `services` section included.
pub fn check_service_endpoints(
    endpoints: &Endpoints,
    service_config: Option<&dyn LoadServiceConfig>,
    profiles: Option<&ProfileSet>,
) -> Result<(), Diagnostics> {
    let Some(service_config) = service_config else {
        return Ok(());
    };
    for service in outside_services(endpoints) {
        let Ok(key) = ServiceConfigKey::builder()
            .service_id(service)
            .env(GENERAL_VARIABLE)
            .profile(PROFILE_KEY)
            .build()
        else {
            continue;
        };
        if let Some(url) = service_config.load_config(key)
            && may_hold_userinfo(&url)
        {
            let profile = profiles.map_or("default", |p| p.selected_profile());
            return Err(endpoint_userinfo_refused(
                &format!(
                    "The {service} endpoint that the `services` section of the profile \
                     {profile:?} names"
                ),
                &url,
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use aws_types::os_shim_internal::{Env, Fs};

    use super::*;
    use crate::aws::config::ProviderSettings;
    use crate::aws::settings::shared_files;

    fn vars(vars: &[(&str, &str)]) -> Environment {
        Environment::new(Env::from_slice(vars), Fs::from_slice(&[]))
    }

    #[test]
    fn endpoints_with_user_information_from_the_environment_are_refused_unshown() {
        const URL: &str = "http://admin:Kq7Z#Vw3P?Jd8X/Hn2@127.0.0.1:4566";
        let refused = |env: &Environment, endpoints: &Endpoints| {
            check_outside_endpoints(endpoints, None, env)
                .expect_err("refused")
                .iter()
                .map(|d| format!("{} {}", d.summary, d.detail))
                .collect::<String>()
        };
        for variable in [
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_STS",
            "AWS_ENDPOINT_URL_SSO_OIDC",
        ] {
            let env = vars(&[(variable, URL)]);
            let text = refused(&env, &Endpoints::default());
            assert!(text.contains(variable), "{text}");
            for piece in ["admin", "Kq7Z", "Vw3P", "Jd8X", "Hn2"] {
                assert!(!text.contains(piece), "{text}");
            }
            assert!(text.contains("***@127.0.0.1:4566"), "{text}");
        }
        // A service whose endpoint the block sets never reads its variable.
        let env = vars(&[("AWS_ENDPOINT_URL_EC2", URL)]);
        let with_ec2 = Endpoints {
            ec2: Some("http://127.0.0.1:1".into()),
            ..Endpoints::default()
        };
        assert!(check_outside_endpoints(&with_ec2, None, &env).is_ok());
        assert!(refused(&env, &Endpoints::default()).contains("AWS_ENDPOINT_URL_EC2"));
        let plain = vars(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")]);
        assert!(check_outside_endpoints(&Endpoints::default(), None, &plain).is_ok());
    }

    #[tokio::test]
    async fn endpoints_with_user_information_from_the_shared_config_are_refused_unshown() {
        let env = Environment::new(
            Env::from_slice(&[]),
            Fs::from_slice(&[(
                "/cfg/config",
                "[profile ci]\nendpoint_url = http://admin:Kq7Z#Vw3P@127.0.0.1:4566\n",
            )]),
        );
        let settings = ProviderSettings {
            profile: Some("ci".into()),
            shared_config_files: vec!["/cfg/config".into()],
            ..ProviderSettings::default()
        };
        let profile_files = shared_files::custom_profile_files(&settings, &env)
            .await
            .expect("files");
        let profiles = shared_files::load(profile_files.as_ref(), Some("ci"), &env)
            .await
            .ok();
        let error = check_outside_endpoints(&settings.endpoints, profiles.as_ref(), &env)
            .expect_err("refused");
        let d = error.iter().next().expect("a diagnostic");
        assert!(d.detail.contains("\"ci\""), "{}", d.detail);
        assert!(
            !d.detail.contains("Kq7Z") && !d.detail.contains("admin"),
            "{}",
            d.detail
        );

        /// What the SDK resolves per service from a profile's `services` section.
        #[derive(Debug)]
        struct Services;
        impl LoadServiceConfig for Services {
            fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
                (key.service_id() == "STS").then(|| "https://user:Kq7Z/Vw3P@sts.example".to_owned())
            }
        }
        let error =
            check_service_endpoints(&settings.endpoints, Some(&Services), profiles.as_ref())
                .expect_err("refused");
        let d = error.iter().next().expect("a diagnostic");
        assert!(
            d.detail.contains("STS") && d.detail.contains("services"),
            "{}",
            d.detail
        );
        assert!(
            !d.detail.contains("Kq7Z") && !d.detail.contains("Vw3P"),
            "{}",
            d.detail
        );
    }
}
