//! terraform-provider-awsassoc: a Terraform/OpenTofu provider for four AWS association resources
//! whose destroy waits, correctly and quickly, until AWS reports the association gone.
//!
//! The crate is three layers, each knowing nothing of the one above it:
//! - [`host`]: the go-plugin contract (handshake, TLS, listener, logging); knows no Terraform types.
//! - [`framework`]: tfplugin6, values, schemas, diagnostics and plan rules; knows nothing of AWS.
//! - [`aws`]: provider configuration, SDK clients, the waiter engine and one file per resource;
//!   knows nothing of gRPC.
//!
//! [`provider`] ties the AWS domain to the framework.

pub mod aws;
pub mod framework;
pub mod host;
pub mod provider;
