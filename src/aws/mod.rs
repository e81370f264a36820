//! The AWS domain: provider configuration and SDK clients, the waiter engine, and one file per
//! association resource. It knows the framework's values and schemas but nothing of gRPC.

pub mod association;
pub mod clients;
pub mod config;
pub mod error;
pub mod ids;
pub mod pages;
pub mod region;
pub mod resources;
pub mod settings;
pub mod waiter;
