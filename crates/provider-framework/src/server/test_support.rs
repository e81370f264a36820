//! What the server's tests share: a provider serving one resource with a fixed client.

use std::sync::Arc;

use async_trait::async_trait;

use crate::diag::Diagnostics;
use crate::resource::{Provider, Resource};
use crate::schema::{Attribute, Block, Schema};
use crate::value::Value;

/// A provider named `test` whose configuration is empty, whose `configure` yields `client`, and
/// which serves `resource` alone.
pub(super) struct OneResource<C> {
    pub resource: Arc<dyn Resource<C>>,
    pub client: C,
}

#[async_trait]
impl<C: Clone + Send + Sync + 'static> Provider for OneResource<C> {
    type Client = C;

    fn type_name(&self) -> &'static str {
        "test"
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block::default(),
        }
    }

    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    async fn configure(&self, _config: &Value) -> Result<C, Diagnostics> {
        Ok(self.client.clone())
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<C>>> {
        vec![self.resource.clone()]
    }
}

/// The schema of a test resource whose only attribute is `attribute`, at `version`.
pub(super) fn schema_of(version: i64, attribute: Attribute) -> Schema {
    Schema {
        version,
        block: Block {
            attributes: vec![attribute],
            ..Block::default()
        },
    }
}
