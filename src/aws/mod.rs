//! The AWS domain: (in progress)
pub mod clients;
pub mod config;
