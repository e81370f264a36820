//! The awsassoc provider: the AWS domain presented to the framework.

use std::sync::Arc;

use async_trait::async_trait;

use crate::aws::clients::AwsClients;
use crate::aws::config;
use crate::aws::resources;
use crate::aws::settings::{self, environment::Environment};
use tf_provider_framework::diag::Diagnostics;
use tf_provider_framework::list::ListResource;
use tf_provider_framework::resource::{Provider, Resource};
use tf_provider_framework::schema::Schema;
use tf_provider_framework::value::Value;

/// The provider type name: `provider "awsassoc"`, and the prefix of every resource type.
pub const TYPE_NAME: &str = "awsassoc";
/// The registry namespace: the source address is `awsassoc/awsassoc`.
pub const NAMESPACE: &str = "awsassoc";

#[derive(Default)]
pub struct AwsAssocProvider;

#[async_trait]
impl Provider for AwsAssocProvider {
    type Client = AwsClients;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: config::provider_block(),
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        config::validate(config)
    }

    /// Validate the block, resolve it once against the process's environment and shared
    /// files, then build the clients from what was resolved.
    async fn configure(&self, config: &Value) -> Result<AwsClients, Diagnostics> {
        let resolved = settings::resolve(config, &Environment::real()).await?;
        AwsClients::from_resolved(resolved).await
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<AwsClients>>> {
        resources::all()
    }

    fn list_resources(&self) -> Vec<Arc<dyn ListResource<AwsClients>>> {
        resources::lists()
    }
}
