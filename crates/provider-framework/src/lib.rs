//! The protocol and framework layer: tfplugin6, typed values and their codecs, schemas,
//! diagnostics and Terraform's plan rules. It knows nothing of any particular provider or cloud; a provider plugs in through
//! the [`resource::Provider`] and [`resource::Resource`] traits.

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;

pub mod codec;
pub mod config_reader;
pub mod convert;
pub mod diag;
pub mod docs;
pub mod identity;
pub mod isolation;
pub mod json;
pub mod list;
pub mod modifier;
pub mod msgpack;
pub mod plan;
pub mod private;
pub mod proto;
pub mod resource;
pub mod schema;
pub mod server;
pub mod timeouts;
pub mod type_json;
pub mod value;
