//! What every operation of a resource, of its identity and of its list receives. It lives apart
//! from the traits in [`super`] because those traits name the identity and list abilities, which
//! in turn take a context: kept here, the context is vocabulary all three import without a loop.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

/// What every resource operation gets: the configured client, and the signal Terraform sends
/// (StopProvider) when the user interrupts, so long waits can end early without losing state.
pub struct Context<C> {
    pub client: Arc<C>,
    pub stop: CancellationToken,
    /// The object's private text, as an earlier operation left it in state (empty when none):
    /// data the resource keeps for itself, invisible in plans and configuration.
    pub private: String,
}
