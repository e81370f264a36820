# The awsassoc provider, configured for the local emulator (awsassoc-sim).
#
# Static test keys and explicit endpoints: planning this configuration needs no AWS account and
# makes no network calls. For real AWS, drop `endpoints` and the keys and let the usual credential
# chain (environment, shared config, SSO, instance role) supply them.

terraform {
  required_providers {
    awsassoc = {
      source  = "awsassoc/awsassoc"
      version = "~> 0.1"
    }
  }
}

provider "awsassoc" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"

  # Do not probe the endpoints with DryRun calls while configuring.
  preflight_dry_run = false

  endpoints {
    ec2            = "http://127.0.0.1:4566"
    networkmanager = "http://127.0.0.1:4566"
    workspaces     = "http://127.0.0.1:4566"
  }
}
