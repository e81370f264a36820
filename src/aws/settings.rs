//! Provider settings resolved once: the validated block, then the environment, the shared
//! files, the region and the credentials, each value knowing where it came from.
//!
//! The flow runs one way, and each module depends only on the ones listed before it:
//!
//! 1. [`environment`]: the one view of environment variables and files everything reads
//!    through (injected in tests);
//! 2. [`source`]: where a value came from, worded for messages;
//! 3. [`retries`]: `max_retries` and `retry_mode`, else `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE`;
//! 4. [`shared_files`]: which config and credentials files are read, and checks that they can be;
//! 5. [`endpoints`]: endpoint URLs from outside the block that the SDK would read and log;
//! 6. [`region`]: the provider's region (block, environment, selected profile; never IMDS);
//! 7. [`credentials`]: which identity the provider acts as, the provider that signs with it and
//!    the secrets it knows;
//! 8. [`resolve`]: the steps above in order, producing [`ResolvedSettings`].
//!
//! [`super::clients`] only builds SDK clients from a [`ResolvedSettings`]. Nothing here touches
//! the network: credential providers are lazy, and STS or the instance metadata service (the
//! last link of the default chain) are contacted on the first AWS call.

pub mod credentials;
pub mod endpoints;
pub mod environment;
pub mod region;
pub mod resolve;
pub mod retries;
pub mod shared_files;
pub mod source;

pub use resolve::{ResolvedSettings, resolve, resolve_block};
