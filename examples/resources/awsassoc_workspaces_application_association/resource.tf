resource "awsassoc_workspaces_application_association" "example" {
  workspace_id   = "ws-0123abcd4"
  application_id = "wsa-0123abcd4"

  timeouts {
    delete = "45m"
  }
}
