//! WorkSpaces application associations (JSON 1.1): the lifecycle, errors and pagination.

use super::*;

#[tokio::test]
async fn workspaces_application_lifecycle_and_errors() {
    use aws_sdk_workspaces::types::{
        ApplicationAssociatedResourceType, WorkSpaceAssociatedResourceType,
    };
    let (h, admin) = sim().await;
    let c = ws(&h);
    let associate = |w: &str, a: &str| associate_app(&c, w, a).send();
    let disassociate = |w: &str, a: &str| disassociate_app(&c, w, a).send();
    let state = || async {
        let out = c
            .describe_workspace_associations()
            .workspace_id(WORKSPACE)
            .associated_resource_types(WorkSpaceAssociatedResourceType::Application)
            .send()
            .await
            .unwrap();
        out.associations()
            .first()
            .and_then(|a| a.state())
            .map(|s| s.as_str().to_string())
    };
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let out = associate(WORKSPACE, APPLICATION).await.unwrap();
    let a = out.association().unwrap();
    assert_eq!(a.state().unwrap().as_str(), "PENDING_INSTALL_DEPLOYMENT");
    assert_eq!(
        (a.workspace_id(), a.associated_resource_id()),
        (Some(WORKSPACE), Some(APPLICATION))
    );
    let created = a.created().unwrap().as_secs_f64();
    assert!(
        (created - started).abs() < 5.0,
        "created {created} vs {started}"
    );

    expect_err!(
        associate(WORKSPACE, APPLICATION),
        "ResourceAlreadyExistsException",
        400
    );
    let err = expect_err!(
        disassociate(WORKSPACE, APPLICATION),
        "ResourceInUseException",
        400
    );
    assert!(err.into_service_error().is_resource_in_use_exception());
    deploy_apps(&c, WORKSPACE).await;
    eventually("COMPLETED", || async {
        (state().await? == "COMPLETED").then_some(())
    })
    .await;

    let by_app = c
        .describe_application_associations()
        .application_id(APPLICATION)
        .associated_resource_types(ApplicationAssociatedResourceType::Workspace)
        .send()
        .await
        .unwrap();
    let item = &by_app.associations()[0];
    assert_eq!(
        (
            item.application_id(),
            item.associated_resource_id(),
            item.associated_resource_type().unwrap().as_str()
        ),
        (Some(APPLICATION), Some(WORKSPACE), "WORKSPACE")
    );

    let out = disassociate(WORKSPACE, APPLICATION).await.unwrap();
    assert_eq!(
        out.association().unwrap().state().unwrap().as_str(),
        "PENDING_UNINSTALL_DEPLOYMENT"
    );
    deploy_apps(&c, WORKSPACE).await;
    eventually("REMOVED", || async {
        (state().await? == "REMOVED").then_some(())
    })
    .await;
    eventually("gone", || async { state().await.is_none().then_some(()) }).await;
    expect_err!(
        disassociate(WORKSPACE, APPLICATION),
        "ResourceNotFoundException",
        400
    );
    assert_eq!(
        history(
            &admin,
            Family::WorkspacesApplication,
            &format!("{WORKSPACE},{APPLICATION}")
        )
        .await,
        [
            "PENDING_INSTALL_DEPLOYMENT",
            "PENDING_INSTALL",
            "INSTALLING",
            "COMPLETED",
            "PENDING_UNINSTALL_DEPLOYMENT",
            "PENDING_UNINSTALL",
            "UNINSTALLING",
            "REMOVED",
            "gone"
        ]
    );

    let err = expect_err!(
        associate("ws-missing99", APPLICATION),
        "ResourceNotFoundException",
        400
    );
    match err.into_service_error() {
        aws_sdk_workspaces::operation::associate_workspace_application::AssociateWorkspaceApplicationError::ResourceNotFoundException(e) => {
            assert_eq!(e.resource_id(), Some("ws-missing99"));
        }
        other => panic!("expected ResourceNotFoundException, got {other:?}"),
    }
    expect_err!(
        associate(WORKSPACE, "wsa-missing99"),
        "ResourceNotFoundException",
        400
    );
    expect_err!(
        associate("ws-building1", APPLICATION),
        "OperationNotSupportedException",
        400
    );
    expect_err!(
        c.describe_application_associations()
            .application_id("wsa-missing99")
            .associated_resource_types(ApplicationAssociatedResourceType::Workspace)
            .send(),
        "ResourceNotFoundException",
        400
    );
    expect_err!(
        c.describe_workspace_associations()
            .workspace_id("ws-missing99")
            .associated_resource_types(WorkSpaceAssociatedResourceType::Application)
            .send(),
        "ResourceNotFoundException",
        400
    );
    expect_err!(
        c.associate_workspace_application()
            .workspace_id(WORKSPACE)
            .send(),
        "InvalidParameterValuesException",
        400
    );
    h.shutdown().await;
}

#[tokio::test]
async fn describe_application_associations_paginates() {
    use aws_sdk_workspaces::types::ApplicationAssociatedResourceType;
    let (h, _admin) = sim().await;
    let c = ws(&h);
    for w in [WORKSPACE, "ws-00000002", "ws-00000003"] {
        associate_app(&c, w, APPLICATION).send().await.unwrap();
    }
    let describe = || {
        c.describe_application_associations()
            .application_id(APPLICATION)
            .associated_resource_types(ApplicationAssociatedResourceType::Workspace)
    };
    let page1 = describe().max_results(2).send().await.unwrap();
    assert_eq!(page1.associations().len(), 2);
    let page2 = describe()
        .max_results(2)
        .next_token(page1.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!((page2.associations().len(), page2.next_token()), (1, None));
    let pages: Vec<_> = describe()
        .max_results(1)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    expect_err!(
        describe().max_results(26).send(),
        "InvalidParameterValuesException",
        400
    );
    h.shutdown().await;
}
