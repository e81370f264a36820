//! The awsassoc provider: (in progress)
use crate::framework::resource::Provider;

#[derive(Default)]
pub struct AwsAssocProvider;

impl Provider for AwsAssocProvider {}
