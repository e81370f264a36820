//! AWS errors as the domain sees them: an operation, AWS's error code and message, and what the
//! code means for a provider that must never lose track of an association.

use std::fmt;

use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Codes meaning "the parent or the association is busy with another change": the mutation is
/// sound and should be retried later, within the operation's timeout.
const BUSY_CODES: &[&str] = &[
    "IncorrectState",
    "ResourceInUseException",
    "ConflictException",
    "ConcurrentMutationLimitExceeded",
    "OperationNotPermitted",
];

/// Codes meaning "try the same call again": throttling and server-side failures. The SDK already
/// retries these; they reach the domain only once its attempts are spent.
const TRANSIENT_CODES: &[&str] = &[
    "RequestLimitExceeded",
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "EC2ThrottledException",
    "InternalError",
    "InternalFailure",
    "InternalServerException",
    "ServiceUnavailable",
    "Unavailable",
    "RequestTimeout",
    "RequestTimeoutException",
];

#[derive(Clone, Debug)]
pub struct AwsError {
    /// The API operation, e.g. `DisassociateRouteServer`.
    pub operation: &'static str,
    /// AWS's error code; `None` when no answer arrived (connection refused, timeout).
    pub code: Option<String>,
    pub message: String,
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
}

impl AwsError {
    /// Converts any SDK error, keeping AWS's own code and message for the user.
    /// Every service crate re-exports the same `SdkError` and response types, so one conversion
    /// serves EC2, NetworkManager and WorkSpaces alike.
    pub fn from_sdk<E>(operation: &'static str, error: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = error
            .raw_response()
            .map(|response| response.status().as_u16());
        let code = error.code().map(str::to_owned);
        let message = match error.message() {
            Some(message) => message.to_owned(),
            None => DisplayErrorContext(&error).to_string(),
        };
        AwsError {
            operation,
            code,
            message,
            status,
        }
    }

    pub fn has_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    pub fn has_any_code(&self, codes: &[&str]) -> bool {
        self.code
            .as_deref()
            .is_some_and(|code| codes.contains(&code))
    }

    /// The target is busy with another change; the same mutation can succeed later.
    pub fn is_busy(&self) -> bool {
        self.has_any_code(BUSY_CODES)
    }

    /// Throttling, a server fault or no answer at all: worth asking again on the next poll.
    pub fn is_transient(&self) -> bool {
        self.code.is_none()
            || self.has_any_code(TRANSIENT_CODES)
            || self.status.is_some_and(|status| status >= 500)
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} failed: {code}: {}", self.operation, self.message),
            None => write!(f, "{} failed: {}", self.operation, self.message),
        }
    }
}

impl std::error::Error for AwsError {}

impl AwsError {
    /// AWS answered, but without a field the provider cannot do without.
    pub fn missing(operation: &'static str, field: &str) -> Self {
        AwsError {
            operation,
            code: Some("MalformedResponse".to_owned()),
            message: format!("the response has no {field}"),
            status: None,
        }
    }
}

/// Reads the answer to an EC2 call sent with `DryRun=true`: `DryRunOperation` means it would have
/// succeeded, `UnauthorizedOperation` is a refusal; anything else (throttling, a missing
/// association) says nothing about permissions and is not held against the plan.
pub fn dry_run_permitted<T>(answer: Result<T, AwsError>) -> Result<(), AwsError> {
    match answer {
        Err(error) if error.has_code("UnauthorizedOperation") => Err(error),
        Err(error) if !error.has_code("DryRunOperation") => {
            tracing::warn!(error = %error, "DryRun preflight was inconclusive");
            Ok(())
        }
        _ => Ok(()),
    }
}
