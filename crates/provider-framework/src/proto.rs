//! The tfplugin6 wire types and `Provider` service, generated at build time from
//! `proto/tfplugin6.proto` so the Rust names match the protocol documentation one to one.

/// Protocol 6 as Terraform 1.15 speaks it. Messages nest like the proto file:
/// `tfplugin6::get_provider_schema::Response`, `tfplugin6::schema::Attribute`; the service is
/// `tfplugin6::provider_server::{Provider, ProviderServer}`.
#[allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    rustdoc::all,
    reason = "generated code is not ours to lint"
)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}
