use super::*;
use tf_provider_framework::diag::Severity;
use tf_provider_framework::schema::{Block, Nesting};
use tf_provider_framework::value::{Number, Type};

/// A configuration as Terraform sends it: every schema key present, null when unset, nested
/// single blocks null when absent.
pub(crate) fn config(set: &[(&str, Value)]) -> Value {
    let block = provider_block();
    let mut fields: Object = block
        .attributes
        .iter()
        .map(|a| (a.name.clone(), Value::Null))
        .collect();
    for nested in &block.blocks {
        fields.insert(nested.type_name.clone(), Value::Null);
    }
    for (name, value) in set {
        assert!(fields.contains_key(*name), "{name} is not in the schema");
        fields.insert((*name).to_owned(), value.clone());
    }
    Value::Object(fields)
}

/// A nested single block with every key of its schema present.
pub(crate) fn nested(block_name: &str, set: &[(&str, Value)]) -> Value {
    let schema = provider_block();
    let block = &schema
        .nested_block(block_name)
        .expect("block exists in schema")
        .block;
    let mut fields: Object = block
        .attributes
        .iter()
        .map(|a| (a.name.clone(), Value::Null))
        .collect();
    for (name, value) in set {
        assert!(fields.contains_key(*name), "{name} is not in {block_name}");
        fields.insert((*name).to_owned(), value.clone());
    }
    Value::Object(fields)
}

fn s(text: &str) -> Value {
    Value::string(text)
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

fn full_config() -> Value {
    config(&[
        (REGION.name, s("eu-central-2")),
        (ACCESS_KEY.name, s("AKIDEXAMPLE")),
        (
            SECRET_KEY.name,
            s("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ),
        (TOKEN.name, s("FQoGZXIvYXdzEXAMPLETOKEN")),
        (SHARED_CONFIG_FILES.name, list(&["/etc/aws/config"])),
        (
            SHARED_CREDENTIALS_FILES.name,
            list(&["~/.aws/ci-credentials"]),
        ),
        (MAX_RETRIES.name, Value::Number(Number::Int(7))),
        (RETRY_MODE.name, s("adaptive")),
        (PREFLIGHT_DRY_RUN.name, Value::Bool(true)),
        (API_CALL_ATTEMPT_TIMEOUT.name, s("10s")),
        (API_CALL_TIMEOUT.name, s("2m")),
        (
            ASSUME_ROLE.name,
            nested(
                ASSUME_ROLE.name,
                &[
                    (ROLE_ARN.name, s("arn:aws:iam::123456789012:role/deploy")),
                    (SESSION_NAME.name, s("terraform-ci")),
                    (EXTERNAL_ID.name, s("EXTERNAL-SECRET-42")),
                    (DURATION.name, s("1h30m")),
                ],
            ),
        ),
        (
            ENDPOINTS.name,
            nested(
                ENDPOINTS.name,
                &[
                    (EC2.name, s("http://127.0.0.1:4566")),
                    (NETWORKMANAGER.name, s("http://localhost:4566/")),
                    (
                        WORKSPACES.name,
                        s("https://workspaces.eu-central-2.amazonaws.com"),
                    ),
                    (STS.name, s("http://127.0.0.1:4566")),
                ],
            ),
        ),
    ])
}

/// The single error diagnostic of `diags`, asserting its path.
fn only_error_at(diags: &Diagnostics, path: AttributePath) -> &Diagnostic {
    let errors: Vec<&Diagnostic> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(
        errors.len(),
        1,
        "expected exactly one error, got {diags:#?}"
    );
    assert_eq!(errors[0].attribute.as_ref(), Some(&path), "{diags:#?}");
    errors[0]
}

fn assert_names(block: &Block) {
    let valid = |n: &str| {
        !n.is_empty()
            && n.bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
    };
    for a in &block.attributes {
        assert!(valid(&a.name), "attribute name {}", a.name);
        assert!(!a.description.is_empty(), "{} has a description", a.name);
        let modes = [
            a.required,
            a.optional && !a.computed,
            a.computed && !a.optional,
            a.optional && a.computed,
        ];
        assert_eq!(
            modes.iter().filter(|m| **m).count(),
            1,
            "{} has exactly one mode",
            a.name
        );
        assert!(!(a.required && (a.optional || a.computed)), "{}", a.name);
    }
    for b in &block.blocks {
        assert!(valid(&b.type_name), "block name {}", b.type_name);
        assert!(!b.block.description.is_empty());
        assert_names(&b.block);
    }
}

#[test]
fn schema_names_modes_and_descriptions() {
    let block = provider_block();
    assert!(!block.description.is_empty());
    assert_names(&block);
    let mut names: Vec<&str> = block.attributes.iter().map(|a| a.name.as_str()).collect();
    names.extend(block.blocks.iter().map(|b| b.type_name.as_str()));
    let total = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), total, "names are unique");
}

#[test]
fn schema_sensitive_flags_and_types() {
    let block = provider_block();
    let sensitive: Vec<&str> = block
        .attributes
        .iter()
        .filter(|a| a.sensitive)
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(sensitive, [SECRET_KEY.name, TOKEN.name]);
    let assume = &block
        .nested_block(ASSUME_ROLE.name)
        .expect("assume_role")
        .block;
    assert!(
        assume
            .attribute(EXTERNAL_ID.name)
            .expect("external_id")
            .sensitive
    );
    assert!(assume.attribute(ROLE_ARN.name).expect("role_arn").required);
    assert_eq!(
        block.nested_block(ASSUME_ROLE.name).map(|b| b.nesting),
        Some(Nesting::Single)
    );
    assert_eq!(
        block.nested_block(ENDPOINTS.name).map(|b| b.nesting),
        Some(Nesting::Single)
    );
    let endpoints = &block.nested_block(ENDPOINTS.name).expect("endpoints").block;
    for name in [EC2.name, NETWORKMANAGER.name, WORKSPACES.name] {
        let a = endpoints.attribute(name).expect("endpoint attribute");
        assert!(a.optional && !a.sensitive);
    }
    assert_eq!(
        block.attribute(MAX_RETRIES.name).map(|a| &a.ty),
        Some(&Type::Number)
    );
    assert_eq!(
        block.attribute(PREFLIGHT_DRY_RUN.name).map(|a| &a.ty),
        Some(&Type::Bool)
    );
    assert_eq!(
        block.attribute(SHARED_CONFIG_FILES.name).map(|a| &a.ty),
        Some(&Type::List(Box::new(Type::String)))
    );
    // The test helper builds values of exactly the implied type's keys.
    let Type::Object(fields) = block.implied_type() else {
        panic!("object type")
    };
    let Value::Object(values) = config(&[]) else {
        panic!("object value")
    };
    assert!(fields.keys().eq(values.keys()));
}

#[test]
fn empty_and_good_configurations_pass() {
    assert!(validate(&config(&[])).is_empty());
    assert!(validate(&Value::Null).is_empty());
    assert!(
        validate(&full_config()).is_empty(),
        "{:#?}",
        validate(&full_config())
    );
    let profile_only = config(&[
        (PROFILE.name, s("deploy")),
        (REGION.name, s("us-gov-west-1")),
    ]);
    assert!(validate(&profile_only).is_empty());
}

#[test]
fn region_format() {
    for good in ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1"] {
        assert!(
            validate(&config(&[(REGION.name, s(good))])).is_empty(),
            "{good}"
        );
    }
    for bad in ["US-EAST-1", "useast1", "us-east"] {
        let diags = validate(&config(&[(REGION.name, s(bad))]));
        let d = only_error_at(&diags, AttributePath::root(REGION.name));
        assert!(d.detail.contains("us-east-1"), "{}", d.detail);
    }
}

#[test]
fn profile_conflicts_with_static_keys() {
    let diags = validate(&config(&[
        (PROFILE.name, s("deploy")),
        (ACCESS_KEY.name, s("AKID")),
        (SECRET_KEY.name, s("secret")),
    ]));
    let paths: Vec<_> = diags.iter().filter_map(|d| d.attribute.clone()).collect();
    assert_eq!(
        paths,
        [
            AttributePath::root(ACCESS_KEY.name),
            AttributePath::root(SECRET_KEY.name)
        ]
    );
    assert!(diags.iter().all(|d| d.detail.contains("profile")));
}

#[test]
fn keys_must_come_in_pairs() {
    let diags = validate(&config(&[(ACCESS_KEY.name, s("AKID"))]));
    only_error_at(&diags, AttributePath::root(ACCESS_KEY.name));
    let diags = validate(&config(&[(SECRET_KEY.name, s("secret"))]));
    let d = only_error_at(&diags, AttributePath::root(SECRET_KEY.name));
    assert!(
        !d.detail.contains("secret\""),
        "the secret itself is not echoed"
    );
}

#[test]
fn token_needs_keys() {
    let diags = validate(&config(&[(TOKEN.name, s("tok"))]));
    only_error_at(&diags, AttributePath::root(TOKEN.name));
    let ok = config(&[
        (TOKEN.name, s("tok")),
        (ACCESS_KEY.name, s("AKID")),
        (SECRET_KEY.name, s("x")),
    ]);
    assert!(validate(&ok).is_empty());
}

#[test]
fn endpoint_urls_point_at_the_service() {
    for (bad, service) in [
        ("127.0.0.1:4566", EC2.name),
        ("ftp://x", NETWORKMANAGER.name),
        ("http://", WORKSPACES.name),
    ] {
        let diags = validate(&config(&[(
            ENDPOINTS.name,
            nested(ENDPOINTS.name, &[(service, s(bad))]),
        )]));
        let d = only_error_at(
            &diags,
            AttributePath::root(ENDPOINTS.name).attribute(service),
        );
        assert!(d.detail.contains("http://127.0.0.1:4566"), "{}", d.detail);
    }
}

/// An invalid URL that may carry a password is reported without the attribute (the CLI would
/// print the configuration line) and without the password.
#[test]
fn an_invalid_endpoint_with_a_password_names_the_attribute_only_in_words() {
    let diags = validate(&config(&[(
        ENDPOINTS.name,
        nested(
            ENDPOINTS.name,
            &[(STS.name, s("http://admin:Kq7Z#Vw3P@127.0.0.1:4566"))],
        ),
    )]));
    assert!(diags.has_errors(), "{diags:#?}");
    for d in diags.iter() {
        assert_eq!(d.attribute, None, "{d:?}");
        assert!(d.detail.contains("`endpoints.sts`"), "{}", d.detail);
        for piece in ["admin", "Kq7Z", "Vw3P"] {
            assert!(!d.detail.contains(piece), "{}", d.detail);
            assert!(!d.summary.contains(piece), "{}", d.summary);
        }
    }
}

#[test]
fn max_retries_range() {
    for good in [Number::Int(0), Number::Int(100), Number::Float(25.0)] {
        assert!(
            validate(&config(&[(MAX_RETRIES.name, Value::Number(good.clone()))])).is_empty(),
            "{good:?}"
        );
    }
    for bad in [
        Number::Int(-1),
        Number::Int(101),
        Number::Float(2.5),
        Number::Int(i64::MAX),
    ] {
        let diags = validate(&config(&[(MAX_RETRIES.name, Value::Number(bad.clone()))]));
        let d = only_error_at(&diags, AttributePath::root(MAX_RETRIES.name));
        assert!(
            d.detail.contains("max_retries = 25"),
            "{bad:?}: {}",
            d.detail
        );
    }
}

#[test]
fn retry_mode_values() {
    assert!(validate(&config(&[(RETRY_MODE.name, s("standard"))])).is_empty());
    assert!(validate(&config(&[(RETRY_MODE.name, s("adaptive"))])).is_empty());
    let diags = validate(&config(&[(RETRY_MODE.name, s("legacy"))]));
    let d = only_error_at(&diags, AttributePath::root(RETRY_MODE.name));
    assert!(d.detail.contains("\"standard\""));
}

#[test]
fn assume_role_arn_and_duration() {
    let with = |set: &[(&str, Value)]| config(&[(ASSUME_ROLE.name, nested(ASSUME_ROLE.name, set))]);
    let base = AttributePath::root(ASSUME_ROLE.name);

    let diags = validate(&with(&[(ROLE_ARN.name, s("arn:aws:iam::1234:role/x"))]));
    only_error_at(&diags, base.clone().attribute(ROLE_ARN.name));
    let diags = validate(&with(&[(ROLE_ARN.name, s(""))]));
    only_error_at(&diags, base.clone().attribute(ROLE_ARN.name));

    let arn = (ROLE_ARN.name, s("arn:aws-cn:iam::123456789012:role/x"));
    for bad in ["10m", "13h", "forever"] {
        let diags = validate(&with(&[arn.clone(), (DURATION.name, s(bad))]));
        only_error_at(&diags, base.clone().attribute(DURATION.name));
    }
    let diags = validate(&with(&[
        arn.clone(),
        (SESSION_NAME.name, s("no spaces please")),
    ]));
    only_error_at(&diags, base.clone().attribute(SESSION_NAME.name));
    let diags = validate(&with(&[arn.clone(), (EXTERNAL_ID.name, s("x"))]));
    let d = only_error_at(&diags, base.clone().attribute(EXTERNAL_ID.name));
    assert!(!d.detail.contains("\"x\""), "external id is not echoed");
    assert!(validate(&with(&[arn, (DURATION.name, s("15m"))])).is_empty());
}

#[test]
fn shared_files_entries() {
    let diags = validate(&config(&[(SHARED_CONFIG_FILES.name, list(&["/ok", ""]))]));
    only_error_at(
        &diags,
        AttributePath::root(SHARED_CONFIG_FILES.name).index(1),
    );
}

#[test]
fn unknowns_are_skipped_at_plan_but_rejected_at_configure() {
    let cfg = config(&[
        (REGION.name, Value::Unknown),
        (PROFILE.name, s("deploy")),
        (ACCESS_KEY.name, Value::Unknown),
        (SECRET_KEY.name, Value::Unknown),
        (MAX_RETRIES.name, Value::Unknown),
        (
            SHARED_CONFIG_FILES.name,
            Value::List(vec![s("/a"), Value::Unknown]),
        ),
        (ASSUME_ROLE.name, Value::Unknown),
        (
            ENDPOINTS.name,
            nested(ENDPOINTS.name, &[(EC2.name, Value::Unknown)]),
        ),
    ]);
    assert!(validate(&cfg).is_empty(), "{:#?}", validate(&cfg));
    assert!(validate(&Value::Unknown).is_empty());

    let err = ProviderSettings::from_value(&cfg).expect_err("unknowns");
    let paths: Vec<String> = err
        .iter()
        .filter_map(|d| d.attribute.as_ref().map(|p| p.to_string()))
        .collect();
    for want in [
        REGION.name,
        ACCESS_KEY.name,
        SECRET_KEY.name,
        MAX_RETRIES.name,
        "shared_config_files[1]",
        ASSUME_ROLE.name,
        "endpoints.ec2",
    ] {
        assert!(paths.iter().any(|p| p == want), "{want} in {paths:?}");
    }
}

#[test]
fn from_value_of_a_full_config() {
    let settings = ProviderSettings::from_value(&full_config()).expect("valid");
    assert_eq!(
        settings,
        ProviderSettings {
            region: Some("eu-central-2".into()),
            profile: None,
            access_key: Some("AKIDEXAMPLE".into()),
            secret_key: Some("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()),
            token: Some("FQoGZXIvYXdzEXAMPLETOKEN".into()),
            shared_config_files: vec!["/etc/aws/config".into()],
            shared_credentials_files: vec!["~/.aws/ci-credentials".into()],
            assume_role: Some(AssumeRole {
                role_arn: "arn:aws:iam::123456789012:role/deploy".into(),
                session_name: Some("terraform-ci".into()),
                external_id: Some("EXTERNAL-SECRET-42".into()),
                duration: Some(Duration::from_secs(5400)),
            }),
            endpoints: Endpoints {
                ec2: Some("http://127.0.0.1:4566".into()),
                networkmanager: Some("http://localhost:4566/".into()),
                workspaces: Some("https://workspaces.eu-central-2.amazonaws.com".into()),
                sts: Some("http://127.0.0.1:4566".into()),
            },
            max_retries: Some(7),
            retry_mode: Some(RetryMode::Adaptive),
            preflight_dry_run: true,
            api_call_attempt_timeout: Some(Duration::from_secs(10)),
            api_call_timeout: Some(Duration::from_secs(120)),
            eventual_consistency_timeout: None,
        }
    );
    assert!(settings.has_static_credentials());
}

#[test]
fn defaults_and_empty_strings() {
    let settings =
        ProviderSettings::from_value(&config(&[(PROFILE.name, s("")), (REGION.name, s(""))]))
            .expect("valid");
    assert_eq!(settings.profile, None);
    assert_eq!(settings.region, None);
    // Unset in the block: the environment or the default decides (see settings::retries).
    assert_eq!(settings.max_retries, None);
    assert_eq!(settings.retry_mode, None);
    assert!(!settings.preflight_dry_run);
    assert_eq!(settings.endpoints, Endpoints::default());
    assert!(settings.assume_role.is_none());
}

#[test]
fn wrong_types_are_reported_not_panicked_on() {
    let diags = validate(&config(&[
        (REGION.name, Value::Bool(true)),
        (MAX_RETRIES.name, s("3")),
    ]));
    assert_eq!(
        diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count(),
        2
    );
    assert!(validate(&s("not an object")).has_errors());
}

#[test]
fn debug_output_redacts_secrets() {
    let settings = ProviderSettings::from_value(&full_config()).expect("valid");
    let debug = format!("{settings:?} {settings:#?}");
    for secret in ["wJalrXUtnFEMI", "FQoGZXIvYXdz", "EXTERNAL-SECRET-42"] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
    assert!(debug.contains("** redacted **"));
    assert!(debug.contains("eu-central-2") && debug.contains("deploy"));
}

#[test]
fn api_call_timeouts_are_durations_and_a_call_includes_its_attempts() {
    let settings = ProviderSettings::from_value(&config(&[])).expect("valid");
    assert_eq!(settings.attempt_timeout(), default_attempt_timeout());
    assert_eq!(settings.call_timeout(), default_call_timeout());

    let diags = validate(&config(&[(API_CALL_ATTEMPT_TIMEOUT.name, s("forever"))]));
    let error = only_error_at(&diags, AttributePath::root(API_CALL_ATTEMPT_TIMEOUT.name));
    assert!(error.detail.contains("\"30s\""), "{error:?}");

    let diags = validate(&config(&[(API_CALL_TIMEOUT.name, s("2h"))]));
    only_error_at(&diags, AttributePath::root(API_CALL_TIMEOUT.name));

    let diags = validate(&config(&[
        (API_CALL_ATTEMPT_TIMEOUT.name, s("2m")),
        (API_CALL_TIMEOUT.name, s("1m")),
    ]));
    let error = only_error_at(&diags, AttributePath::root(API_CALL_TIMEOUT.name));
    assert!(error.detail.contains("at least"), "{error:?}");
}

#[test]
fn every_default_in_the_table_reads_like_a_configured_value() {
    assert_eq!(default_max_retries(), 25);
    assert_eq!(default_attempt_timeout(), Duration::from_secs(30));
    assert_eq!(default_call_timeout(), Duration::from_secs(300));
    assert_eq!(RetryMode::default(), RetryMode::Standard);
    assert_eq!(default_text(&PREFLIGHT_DRY_RUN), "false");
    for argument in ARGUMENTS
        .iter()
        .chain(BLOCKS.iter().flat_map(|b| b.arguments.iter()))
    {
        let attribute = argument.attribute();
        if let Some(default) = argument.default {
            assert!(
                attribute
                    .description
                    .contains(&format!("Defaults to `{default}`")),
                "{}",
                argument.name
            );
        }
        for variable in argument.env {
            assert!(
                attribute.description.contains(variable),
                "{}",
                argument.name
            );
        }
    }
}

#[test]
fn the_environment_fills_an_unset_argument_in_the_table_order() {
    let env = |name: &str| match name {
        "AWS_REGION" => Some("  ".to_owned()),
        "AWS_DEFAULT_REGION" => Some("eu-west-3".to_owned()),
        _ => None,
    };
    assert_eq!(
        REGION.from_env(&env),
        Some(("AWS_DEFAULT_REGION", "eu-west-3".to_owned()))
    );
    assert_eq!(PROFILE.from_env(&env), None);
}
