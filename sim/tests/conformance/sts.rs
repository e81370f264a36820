//! STS: AssumeRole and GetCallerIdentity through the SDK, signing with the temporary key, query-format errors.

use super::*;

#[tokio::test]
async fn sts_assume_role_and_caller_identity_through_the_sdk() {
    let (h, admin) = sim().await;
    let s = sts(&h, credentials());
    let out = assume_role(&s).duration_seconds(900).send().await.unwrap();
    let creds = out.credentials().unwrap();
    let akid = creds.access_key_id().to_string();
    assert!(akid.starts_with("ASIA") && akid.len() == 20, "{akid}");
    assert_eq!(creds.secret_access_key().len(), 40);
    assert!(!creds.session_token().is_empty());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let expires = creds.expiration().secs();
    assert!((expires - (now + 900)).abs() < 60, "{expires} vs {now}");
    let user = out.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        "arn:aws:sts::123456789012:assumed-role/awsassoc-deployer/deploy"
    );
    assert!(user.assumed_role_id().starts_with("AROA"));
    assert!(user.assumed_role_id().ends_with(":deploy"));

    let me = s.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("123456789012"));
    assert_eq!(
        me.arn(),
        Some("arn:aws:iam::123456789012:user/awsassoc-sim")
    );
    let assumed = sts(&h, temporary(creds))
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(assumed.arn(), Some(user.arn()));
    assert_eq!(assumed.user_id(), Some(user.assumed_role_id()));

    let sessions = admin.sts_sessions().await.unwrap();
    assert_eq!(sessions.len(), 1);
    let session = &sessions[0];
    assert_eq!(
        (
            session.access_key_id.as_str(),
            session.role_arn.as_str(),
            session.role_session_name.as_str(),
            session.external_id_given,
            session.duration_seconds,
            session.source_access_key_id.as_deref()
        ),
        (akid.as_str(), ROLE, "deploy", true, 900, Some("AKIDTEST"))
    );
    let calls = admin.calls().await.unwrap();
    let signers: Vec<_> = calls
        .log
        .iter()
        .map(|c| {
            (
                c.service.as_str(),
                c.operation.as_str(),
                c.access_key_id.clone(),
            )
        })
        .collect();
    assert_eq!(
        signers,
        [
            ("sts", "AssumeRole", Some("AKIDTEST".to_string())),
            ("sts", "GetCallerIdentity", Some("AKIDTEST".to_string())),
            ("sts", "GetCallerIdentity", Some(akid.clone())),
        ]
    );
    // Neither the external ID nor any secret is kept anywhere the admin API can show.
    for path in ["/_sim/sts/sessions", "/_sim/calls"] {
        let text = admin.raw("GET", path, &[], b"").await.unwrap().text();
        assert!(!text.contains(EXTERNAL_ID), "{path}: {text}");
        assert!(!text.contains(creds.secret_access_key()), "{path}");
        assert!(!text.contains(creds.session_token()), "{path}");
    }
    admin.reset().await.unwrap();
    assert!(admin.sts_sessions().await.unwrap().is_empty());
    h.shutdown().await;
}

#[tokio::test]
async fn assume_role_provider_signs_ec2_calls_with_the_temporary_key() {
    let (h, admin) = sim().await;
    let base = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(h.url())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(credentials())
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .load()
        .await;
    let provider = aws_config::sts::AssumeRoleProvider::builder(ROLE)
        .session_name("terraform")
        .external_id(EXTERNAL_ID)
        .configure(&base)
        .build()
        .await;
    let conf = aws_sdk_ec2::config::Builder::from(&base)
        .credentials_provider(provider)
        .build();
    let c = aws_sdk_ec2::Client::from_conf(conf);
    c.describe_client_vpn_endpoints().send().await.unwrap();
    route_server_associations(&c).send().await.unwrap();

    let sessions = admin.sts_sessions().await.unwrap();
    assert_eq!(sessions.len(), 1, "the provider caches its credentials");
    assert_eq!(
        (
            sessions[0].role_session_name.as_str(),
            sessions[0].external_id_given
        ),
        ("terraform", true)
    );
    let calls = admin.calls().await.unwrap();
    let signers: Vec<_> = calls
        .log
        .iter()
        .map(|c| (c.operation.as_str(), c.access_key_id.as_deref()))
        .collect();
    let temporary = Some(sessions[0].access_key_id.as_str());
    assert_eq!(
        signers,
        [
            ("AssumeRole", Some("AKIDTEST")),
            ("DescribeClientVpnEndpoints", temporary),
            ("GetRouteServerAssociations", temporary),
        ]
    );
    h.shutdown().await;
}

#[tokio::test]
async fn sts_errors_and_faults_use_the_query_error_format() {
    let (h, admin) = sim().await;
    let s = sts(&h, credentials());
    let assume = |duration: i32, arn: &str, name: &str| {
        s.assume_role()
            .role_arn(arn)
            .role_session_name(name)
            .duration_seconds(duration)
            .send()
    };
    let err = expect_err!(assume(899, ROLE, "deploy"), "ValidationError", 400);
    assert!(err.message().unwrap().contains("durationSeconds"));
    expect_err!(assume(43201, ROLE, "deploy"), "ValidationError", 400);
    assume(43200, ROLE, "deploy").await.unwrap();
    let err = expect_err!(
        assume(900, "arn:aws:iam::123456789012:user/bob", "deploy"),
        "ValidationError",
        400
    );
    assert!(err.message().unwrap().contains("ARN"));
    expect_err!(
        assume(900, "arn:aws:iam::1", "deploy"),
        "ValidationError",
        400
    );
    expect_err!(assume(900, ROLE, "x"), "ValidationError", 400);
    expect_err!(assume(900, ROLE, "has space"), "ValidationError", 400);
    let err = expect_err!(
        s.assume_role()
            .role_arn(ROLE)
            .role_session_name("deploy")
            .policy("{not json")
            .send(),
        "MalformedPolicyDocument",
        400
    );
    assert!(
        err.into_service_error()
            .is_malformed_policy_document_exception()
    );
    let secretish = "bad external id value!";
    let err = expect_err!(
        s.assume_role()
            .role_arn(ROLE)
            .role_session_name("deploy")
            .external_id(secretish)
            .send(),
        "ValidationError",
        400
    );
    assert!(!err.message().unwrap().contains(secretish));

    admin
        .set_faults(&json!({"deny": ["AssumeRole"]}))
        .await
        .unwrap();
    let err = expect_err!(assume(900, ROLE, "deploy"), "AccessDenied", 403);
    assert!(
        err.message().unwrap().contains(&format!(
            "is not authorized to perform: sts:AssumeRole on resource: {ROLE}"
        )),
        "{err:?}"
    );

    admin
        .set_faults(&json!({"rules": [{"service": "sts", "throttle_rate": 1.0}]}))
        .await
        .unwrap();
    expect_err!(assume(900, ROLE, "deploy"), "Throttling", 400);
    expect_err!(s.get_caller_identity().send(), "Throttling", 400);
    // The rule names STS only.
    ec2(&h)
        .describe_client_vpn_endpoints()
        .send()
        .await
        .unwrap();
    admin
        .set_faults(&json!({"rules": [{"service": "sts", "error_rate": 1.0}]}))
        .await
        .unwrap();
    expect_err!(s.get_caller_identity().send(), "InternalFailure", 500);
    admin.set_faults(&json!({})).await.unwrap();
    assert_eq!(admin.sts_sessions().await.unwrap().len(), 1);

    let form = ("Content-Type", "application/x-www-form-urlencoded");
    let r = admin
        .raw(
            "POST",
            "/",
            &[form],
            b"Action=AssumeRole&Version=2011-06-15",
        )
        .await
        .unwrap();
    let text = r.text();
    let request_id = r.header("x-amzn-requestid").unwrap();
    assert_eq!(r.status, 400);
    assert!(text.contains("<ErrorResponse"), "{text}");
    assert!(
        text.contains("<Error><Type>Sender</Type><Code>ValidationError</Code>"),
        "{text}"
    );
    assert!(text.contains("2 validation errors detected"), "{text}");
    assert!(text.contains(&format!("<RequestId>{request_id}</RequestId>")));
    let r = admin
        .raw(
            "POST",
            "/",
            &[form],
            b"Action=GetSessionToken&Version=2011-06-15",
        )
        .await
        .unwrap();
    assert!(r.status == 400 && r.text().contains("<Code>InvalidAction</Code>"));
    let r = admin
        .raw("POST", "/", &[form], b"Action=GetCallerIdentity")
        .await
        .unwrap();
    assert!(r.status == 200 && r.text().contains("<GetCallerIdentityResult>"));
    let calls = admin.calls().await.unwrap();
    assert!(
        calls
            .log
            .iter()
            .rev()
            .take(3)
            .all(|c| c.service == "sts" && c.access_key_id.is_none())
    );
    h.shutdown().await;
}
