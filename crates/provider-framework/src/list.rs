//! List resources: how a provider finds the remote objects that already exist, for `terraform
//! query` (Terraform 1.14 and later; OpenTofu has none).
//!
//! A list resource shares its type name with the managed resource whose objects it finds. The
//! host shows each result's display name, imports it by its identity, and, when the `list` block
//! sets `include_resource`, writes configuration from the full object
//! (`-generate-config-out`): without the `generate_resource_config` capability, Terraform derives
//! that configuration from the object itself, leaving out computed attributes, so the object must
//! be exactly what a read of the imported object would produce, or the next plan shows a change.

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::diag::Diagnostics;
use super::resource::context::Context;
use super::schema::Schema;
use super::value::Value;

/// What the `list` block asked for.
#[derive(Clone, Debug)]
pub struct ListRequest {
    /// The `config` block, decoded with the list resource's schema.
    pub config: Value,
    /// Whether each result must carry the full object (`include_resource = true`).
    pub include_resource: bool,
}

/// One object a list found.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The managed resource's identity of the object, wholly known.
    pub identity: Value,
    /// How the user sees the object in `terraform query`'s output.
    pub display_name: String,
    /// The object as a read would produce it; asked for only when
    /// [`ListRequest::include_resource`] is set, and dropped otherwise.
    pub object: Value,
}

/// Where a list sends what it finds, one object at a time, so that Terraform sees results while
/// the listing goes on and a listing ends as soon as nothing more is wanted.
pub struct Results {
    sender: mpsc::Sender<Found>,
    remaining: u64,
}

impl Results {
    /// Results for a host that wants at most `limit` objects; they arrive on the receiver.
    pub fn new(limit: u64) -> (Results, mpsc::Receiver<Found>) {
        let (sender, receiver) = mpsc::channel(1);
        (
            Results {
                sender,
                remaining: limit,
            },
            receiver,
        )
    }

    /// Hands one object over. `false` means the listing should end now: the host has as many
    /// results as it asked for, or has stopped listening (it hung up, or the user interrupted).
    pub async fn send(&mut self, found: Found) -> bool {
        if self.remaining == 0 || self.sender.send(found).await.is_err() {
            return false;
        }
        self.remaining -= 1;
        self.remaining > 0
    }

    /// Whether nothing more is wanted: a listing checks this before each further AWS call.
    pub fn is_done(&self) -> bool {
        self.remaining == 0 || self.sender.is_closed()
    }
}

/// A list resource: finds the objects of one managed resource type.
#[async_trait]
pub trait ListResource<C>: Send + Sync + 'static {
    /// The managed resource type whose objects it finds (the same name).
    fn type_name(&self) -> &'static str;

    /// The schema of the `list` block's `config`.
    fn config_schema(&self) -> Schema;

    /// Checks a `config` that may still hold unknown values; diagnostics point at the attribute.
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Finds the objects, sending each to `results` until there are no more or
    /// [`Results::send`] says to stop; ends early on the context's stop signal. Returned
    /// diagnostics reach the user after the results sent so far.
    async fn list(
        &self,
        ctx: &Context<C>,
        request: &ListRequest,
        results: &mut Results,
    ) -> Diagnostics;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(n: u32) -> Found {
        Found {
            identity: Value::string(n.to_string()),
            display_name: n.to_string(),
            object: Value::Null,
        }
    }

    #[tokio::test]
    async fn results_end_at_the_limit() {
        let (mut results, mut receiver) = Results::new(2);
        assert!(results.send(found(1)).await);
        let second = tokio::spawn(async move {
            let more = results.send(found(2)).await;
            (more, results.is_done())
        });
        assert_eq!(receiver.recv().await, Some(found(1)));
        assert_eq!(receiver.recv().await, Some(found(2)));
        assert_eq!(second.await.ok(), Some((false, true)));
    }

    #[tokio::test]
    async fn results_end_when_the_host_hangs_up() {
        let (mut results, receiver) = Results::new(100);
        drop(receiver);
        assert!(results.is_done());
        assert!(!results.send(found(1)).await);
    }

    #[tokio::test]
    async fn a_limit_of_zero_wants_nothing() {
        let (mut results, _receiver) = Results::new(0);
        assert!(results.is_done());
        assert!(!results.send(found(1)).await);
    }
}
