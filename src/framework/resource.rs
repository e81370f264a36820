//! The traits a provider implements: (in progress)
pub trait Provider: Send + Sync + 'static {}
