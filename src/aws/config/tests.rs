use super::*;
use tf_provider_framework::diag::Severity;

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

fn no_env(_: &str) -> Option<String> {
    None
}

fn full_config() -> Value {
    config(&[
        (REGION, s("eu-central-2")),
        (ACCESS_KEY, s("AKIDEXAMPLE")),
        (SECRET_KEY, s("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")),
        (TOKEN, s("FQoGZXIvYXdzEXAMPLETOKEN")),
        (SHARED_CONFIG_FILES, list(&["/etc/aws/config"])),
        (SHARED_CREDENTIALS_FILES, list(&["~/.aws/ci-credentials"])),
        (MAX_RETRIES, Value::Number(Number::Int(7))),
        (RETRY_MODE, s("adaptive")),
        (PREFLIGHT_DRY_RUN, Value::Bool(true)),
        (API_CALL_ATTEMPT_TIMEOUT, s("10s")),
        (API_CALL_TIMEOUT, s("2m")),
        (
            ASSUME_ROLE,
            nested(
                ASSUME_ROLE,
                &[
                    (ROLE_ARN, s("arn:aws:iam::123456789012:role/deploy")),
                    (SESSION_NAME, s("terraform-ci")),
                    (EXTERNAL_ID, s("EXTERNAL-SECRET-42")),
                    (DURATION, s("1h30m")),
                ],
            ),
        ),
        (
            ENDPOINTS,
            nested(
                ENDPOINTS,
                &[
                    (EC2, s("http://127.0.0.1:4566")),
                    (NETWORKMANAGER, s("http://localhost:4566/")),
                    (
                        WORKSPACES,
                        s("https://workspaces.eu-central-2.amazonaws.com"),
                    ),
                    (STS, s("http://127.0.0.1:4566")),
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
    assert_eq!(sensitive, [SECRET_KEY, TOKEN]);
    let assume = &block.nested_block(ASSUME_ROLE).expect("assume_role").block;
    assert!(
        assume
            .attribute(EXTERNAL_ID)
            .expect("external_id")
            .sensitive
    );
    assert!(assume.attribute(ROLE_ARN).expect("role_arn").required);
    assert_eq!(
        block.nested_block(ASSUME_ROLE).map(|b| b.nesting),
        Some(Nesting::Single)
    );
    assert_eq!(
        block.nested_block(ENDPOINTS).map(|b| b.nesting),
        Some(Nesting::Single)
    );
    let endpoints = &block.nested_block(ENDPOINTS).expect("endpoints").block;
    for name in [EC2, NETWORKMANAGER, WORKSPACES] {
        let a = endpoints.attribute(name).expect("endpoint attribute");
        assert!(a.optional && !a.sensitive);
    }
    assert_eq!(
        block.attribute(MAX_RETRIES).map(|a| &a.ty),
        Some(&Type::Number)
    );
    assert_eq!(
        block.attribute(PREFLIGHT_DRY_RUN).map(|a| &a.ty),
        Some(&Type::Bool)
    );
    assert_eq!(
        block.attribute(SHARED_CONFIG_FILES).map(|a| &a.ty),
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
    let profile_only = config(&[(PROFILE, s("deploy")), (REGION, s("us-gov-west-1"))]);
    assert!(validate(&profile_only).is_empty());
}

#[test]
fn region_format() {
    for good in ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1"] {
        assert!(validate(&config(&[(REGION, s(good))])).is_empty(), "{good}");
    }
    for bad in ["US-EAST-1", "useast1", "us-east"] {
        let diags = validate(&config(&[(REGION, s(bad))]));
        let d = only_error_at(&diags, AttributePath::root(REGION));
        assert!(d.detail.contains("us-east-1"), "{}", d.detail);
    }
}

#[test]
fn profile_conflicts_with_static_keys() {
    let diags = validate(&config(&[
        (PROFILE, s("deploy")),
        (ACCESS_KEY, s("AKID")),
        (SECRET_KEY, s("secret")),
    ]));
    let paths: Vec<_> = diags.iter().filter_map(|d| d.attribute.clone()).collect();
    assert_eq!(
        paths,
        [
            AttributePath::root(ACCESS_KEY),
            AttributePath::root(SECRET_KEY)
        ]
    );
    assert!(diags.iter().all(|d| d.detail.contains("profile")));
}

#[test]
fn keys_must_come_in_pairs() {
    let diags = validate(&config(&[(ACCESS_KEY, s("AKID"))]));
    only_error_at(&diags, AttributePath::root(ACCESS_KEY));
    let diags = validate(&config(&[(SECRET_KEY, s("secret"))]));
    let d = only_error_at(&diags, AttributePath::root(SECRET_KEY));
    assert!(
        !d.detail.contains("secret\""),
        "the secret itself is not echoed"
    );
}

#[test]
fn token_needs_keys() {
    let diags = validate(&config(&[(TOKEN, s("tok"))]));
    only_error_at(&diags, AttributePath::root(TOKEN));
    let ok = config(&[
        (TOKEN, s("tok")),
        (ACCESS_KEY, s("AKID")),
        (SECRET_KEY, s("x")),
    ]);
    assert!(validate(&ok).is_empty());
}

#[test]
fn endpoint_urls_point_at_the_service() {
    for (bad, service) in [
        ("127.0.0.1:4566", EC2),
        ("ftp://x", NETWORKMANAGER),
        ("http://", WORKSPACES),
    ] {
        let diags = validate(&config(&[(
            ENDPOINTS,
            nested(ENDPOINTS, &[(service, s(bad))]),
        )]));
        let d = only_error_at(&diags, AttributePath::root(ENDPOINTS).attribute(service));
        assert!(d.detail.contains("http://127.0.0.1:4566"), "{}", d.detail);
    }
}

#[test]
fn max_retries_range() {
    for good in [Number::Int(0), Number::Int(100), Number::Float(25.0)] {
        assert!(
            validate(&config(&[(MAX_RETRIES, Value::Number(good.clone()))])).is_empty(),
            "{good:?}"
        );
    }
    for bad in [
        Number::Int(-1),
        Number::Int(101),
        Number::Float(2.5),
        Number::Int(i64::MAX),
    ] {
        let diags = validate(&config(&[(MAX_RETRIES, Value::Number(bad.clone()))]));
        let d = only_error_at(&diags, AttributePath::root(MAX_RETRIES));
        assert!(
            d.detail.contains("max_retries = 25"),
            "{bad:?}: {}",
            d.detail
        );
    }
}

#[test]
fn retry_mode_values() {
    assert!(validate(&config(&[(RETRY_MODE, s("standard"))])).is_empty());
    assert!(validate(&config(&[(RETRY_MODE, s("adaptive"))])).is_empty());
    let diags = validate(&config(&[(RETRY_MODE, s("legacy"))]));
    let d = only_error_at(&diags, AttributePath::root(RETRY_MODE));
    assert!(d.detail.contains("\"standard\""));
}

#[test]
fn assume_role_arn_and_duration() {
    let with = |set: &[(&str, Value)]| config(&[(ASSUME_ROLE, nested(ASSUME_ROLE, set))]);
    let base = AttributePath::root(ASSUME_ROLE);

    let diags = validate(&with(&[(ROLE_ARN, s("arn:aws:iam::1234:role/x"))]));
    only_error_at(&diags, base.clone().attribute(ROLE_ARN));
    let diags = validate(&with(&[(ROLE_ARN, s(""))]));
    only_error_at(&diags, base.clone().attribute(ROLE_ARN));

    let arn = (ROLE_ARN, s("arn:aws-cn:iam::123456789012:role/x"));
    for bad in ["10m", "13h", "forever"] {
        let diags = validate(&with(&[arn.clone(), (DURATION, s(bad))]));
        only_error_at(&diags, base.clone().attribute(DURATION));
    }
    let diags = validate(&with(&[arn.clone(), (SESSION_NAME, s("no spaces please"))]));
    only_error_at(&diags, base.clone().attribute(SESSION_NAME));
    let diags = validate(&with(&[arn.clone(), (EXTERNAL_ID, s("x"))]));
    let d = only_error_at(&diags, base.clone().attribute(EXTERNAL_ID));
    assert!(!d.detail.contains("\"x\""), "external id is not echoed");
    assert!(validate(&with(&[arn, (DURATION, s("15m"))])).is_empty());
}

#[test]
fn shared_files_entries() {
    let diags = validate(&config(&[(SHARED_CONFIG_FILES, list(&["/ok", ""]))]));
    only_error_at(&diags, AttributePath::root(SHARED_CONFIG_FILES).index(1));
}

#[test]
fn unknowns_are_skipped_at_plan_but_rejected_at_configure() {
    let cfg = config(&[
        (REGION, Value::Unknown),
        (PROFILE, s("deploy")),
        (ACCESS_KEY, Value::Unknown),
        (SECRET_KEY, Value::Unknown),
        (MAX_RETRIES, Value::Unknown),
        (
            SHARED_CONFIG_FILES,
            Value::List(vec![s("/a"), Value::Unknown]),
        ),
        (ASSUME_ROLE, Value::Unknown),
        (ENDPOINTS, nested(ENDPOINTS, &[(EC2, Value::Unknown)])),
    ]);
    assert!(validate(&cfg).is_empty(), "{:#?}", validate(&cfg));
    assert!(validate(&Value::Unknown).is_empty());

    let err = ProviderSettings::from_value_with_env(&cfg, &no_env).expect_err("unknowns");
    let paths: Vec<String> = err
        .iter()
        .filter_map(|d| d.attribute.as_ref().map(|p| p.to_string()))
        .collect();
    for want in [
        REGION,
        ACCESS_KEY,
        SECRET_KEY,
        MAX_RETRIES,
        "shared_config_files[1]",
        ASSUME_ROLE,
        "endpoints.ec2",
    ] {
        assert!(paths.iter().any(|p| p == want), "{want} in {paths:?}");
    }
}

#[test]
fn from_value_of_a_full_config() {
    let settings = ProviderSettings::from_value_with_env(&full_config(), &no_env).expect("valid");
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
            retry_mode: RetryMode::Adaptive,
            preflight_dry_run: true,
            attempt_timeout: Duration::from_secs(10),
            call_timeout: Duration::from_secs(120),
        }
    );
    assert_eq!(settings.max_attempts(), 8);
    assert!(settings.has_static_credentials());
}

#[test]
fn defaults_and_empty_strings() {
    let settings = ProviderSettings::from_value_with_env(
        &config(&[(PROFILE, s("")), (REGION, s(""))]),
        &no_env,
    )
    .expect("valid");
    assert_eq!(settings.profile, None);
    assert_eq!(settings.region, None);
    assert_eq!(settings.max_retries, None);
    assert_eq!(settings.max_attempts(), DEFAULT_MAX_RETRIES + 1);
    assert_eq!(settings.retry_mode, RetryMode::Standard);
    assert!(!settings.preflight_dry_run);
    assert_eq!(settings.endpoints, Endpoints::default());
    assert!(settings.assume_role.is_none());
}

#[test]
fn retry_settings_fall_back_to_the_environment() {
    let env = |name: &str| match name {
        "AWS_MAX_ATTEMPTS" => Some("4".to_owned()),
        "AWS_RETRY_MODE" => Some("adaptive".to_owned()),
        _ => None,
    };
    let settings = ProviderSettings::from_value_with_env(&config(&[]), &env).expect("valid");
    assert_eq!(settings.max_retries, Some(3));
    assert_eq!(settings.max_attempts(), 4);
    assert_eq!(settings.retry_mode, RetryMode::Adaptive);

    // The block wins over the environment.
    let explicit = config(&[
        (MAX_RETRIES, Value::Number(Number::Int(0))),
        (RETRY_MODE, s("standard")),
    ]);
    let settings = ProviderSettings::from_value_with_env(&explicit, &env).expect("valid");
    assert_eq!(
        (settings.max_attempts(), settings.retry_mode),
        (1, RetryMode::Standard)
    );

    let bad_env = |name: &str| match name {
        "AWS_MAX_ATTEMPTS" => Some("0".to_owned()),
        "AWS_RETRY_MODE" => Some("legacy".to_owned()),
        _ => None,
    };
    let err = ProviderSettings::from_value_with_env(&config(&[]), &bad_env).expect_err("bad env");
    let paths: Vec<_> = err.iter().filter_map(|d| d.attribute.clone()).collect();
    assert_eq!(
        paths,
        [
            AttributePath::root(MAX_RETRIES),
            AttributePath::root(RETRY_MODE)
        ]
    );
}

#[test]
fn wrong_types_are_reported_not_panicked_on() {
    let diags = validate(&config(&[
        (REGION, Value::Bool(true)),
        (MAX_RETRIES, s("3")),
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
    let settings = ProviderSettings::from_value_with_env(&full_config(), &no_env).expect("valid");
    let debug = format!("{settings:?} {settings:#?}");
    for secret in ["wJalrXUtnFEMI", "FQoGZXIvYXdz", "EXTERNAL-SECRET-42"] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
    assert!(debug.contains("** redacted **"));
    assert!(debug.contains("eu-central-2") && debug.contains("deploy"));
}

#[test]
fn api_call_timeouts_are_durations_and_a_call_includes_its_attempts() {
    let settings = ProviderSettings::from_value_with_env(&config(&[]), &no_env).expect("valid");
    assert_eq!(settings.attempt_timeout, DEFAULT_ATTEMPT_TIMEOUT);
    assert_eq!(settings.call_timeout, DEFAULT_CALL_TIMEOUT);

    let diags = validate(&config(&[(API_CALL_ATTEMPT_TIMEOUT, s("forever"))]));
    let error = only_error_at(&diags, AttributePath::root(API_CALL_ATTEMPT_TIMEOUT));
    assert!(error.detail.contains("\"30s\""), "{error:?}");

    let diags = validate(&config(&[(API_CALL_TIMEOUT, s("2h"))]));
    only_error_at(&diags, AttributePath::root(API_CALL_TIMEOUT));

    let diags = validate(&config(&[
        (API_CALL_ATTEMPT_TIMEOUT, s("2m")),
        (API_CALL_TIMEOUT, s("1m")),
    ]));
    let error = only_error_at(&diags, AttributePath::root(API_CALL_TIMEOUT));
    assert!(error.detail.contains("at least"), "{error:?}");
}
