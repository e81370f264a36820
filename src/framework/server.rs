//! The tfplugin6 gRPC service: (in progress)
use std::sync::Arc;

use super::resource::Provider;

pub fn routes(_provider: Arc<dyn Provider>) -> tonic::service::Routes {
    tonic::service::Routes::default()
}
