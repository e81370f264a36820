//! The waiter engine: the one place where the provider waits for AWS, retries, and decides
//! what to do when it cannot know what happened.
//!
//! - [`poller`]: waits on the same parent (a Client VPN endpoint, a route server, a global
//!   network, a WorkSpace) share one status poll stream, so a destroy of ten associations on one
//!   endpoint costs one poll per tick, not ten.
//! - [`mutation`]: associate and disassociate calls, sent so that none is ever repeated blindly:
//!   after an unknown outcome the engine looks at AWS before acting again.
//! - [`schedule`]: when polls and retries happen.
//! - [`shared`]: calls that operations on one parent share (a WorkSpaces deployment).
//!
//! Every wait is bounded by its deadline, every call by a time limit, and everything ends early
//! when Terraform asks the provider to stop.

pub mod cadence;
pub mod mutation;
pub mod poller;
pub mod schedule;
pub mod shared;

pub use mutation::{Look, Mutation, MutationFailure, ParentWait, Reaction, Rules, mutate};
pub use poller::{PollFn, Transition, Verdict, WaitError, WaiterEngine};
pub use schedule::Schedule;
pub use shared::SharedCalls;
