//! terraform-provider-awsassoc: a Terraform/OpenTofu provider for AWS association resources
//! whose destroy waits, correctly and quickly, until AWS reports the association gone.
//!
//! The provider is three layers, each knowing nothing of the one above it, and the first two are
//! crates of their own so the compiler keeps them apart:
//! - `tf-plugin-host` (`crates/plugin-host`): the go-plugin contract (handshake, TLS, listener,
//!   logging); knows no Terraform types and no AWS.
//! - `tf-provider-framework` (`crates/provider-framework`): tfplugin6, values, schemas,
//!   diagnostics and plan modifiers; knows nothing of AWS or of this provider.
//! - [`aws`]: provider configuration, SDK clients, the waiter engine and one file per resource;
//!   knows nothing of gRPC.
//!
//! [`provider`] presents the AWS domain to the framework; `main.rs` hands both to the host.

pub mod aws;
pub mod provider;
