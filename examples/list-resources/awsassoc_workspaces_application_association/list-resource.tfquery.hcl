# Every application association of one WorkSpace.
list "awsassoc_workspaces_application_association" "workspace" {
  provider         = awsassoc
  include_resource = true

  config {
    workspace_id = "ws-0123abcd4"
  }
}
