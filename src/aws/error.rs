//! AWS errors as the domain sees them: an operation, AWS's error code and message, and — decided
//! once, here, from codes and error types, never from message text — what the error means for a
//! provider that must never lose track of an association ([`ErrorKind`]).

use std::fmt;

use aws_credential_types::provider::error::{CredentialsError, TokenError};
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// What an error means for the next step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// AWS turned the request away because of the request rate, before doing anything: sending
    /// the same call again later is safe.
    Throttled,
    /// The target is in the middle of another change; the same mutation can succeed later.
    Busy,
    /// Nobody knows whether the call took effect: no answer arrived (timeout, dropped
    /// connection), the answer could not be read, or AWS failed internally (5xx). Look at AWS
    /// before sending a mutation again.
    Unknown,
    /// Credentials could not be obtained (a missing profile, an expired SSO session, a refused
    /// AssumeRole) or AWS rejected them (expired, invalid, badly signed). Retrying cannot help.
    Credentials,
    /// The identity is not allowed to make the call. Retrying cannot help.
    Denied,
    /// AWS answered with a definitive refusal of this request: validation, not found, already
    /// exists, conflict. What the code means is the caller's business.
    Rejected,
}

/// Codes meaning "busy with another change": the mutation is sound and should be sent again
/// later, within the operation's timeout. `ConflictException` and `OperationNotPermitted` are
/// deliberately absent: they are also used for permanent refusals, so callers look at the
/// association's state instead of trusting the code.
const BUSY_CODES: &[&str] = &[
    "IncorrectState",
    "ResourceInUseException",
    "ConcurrentMutationLimitExceeded",
];

/// Codes AWS uses to say "too many requests": nothing was done.
const THROTTLING_CODES: &[&str] = &[
    "RequestLimitExceeded",
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "RequestThrottled",
    "TooManyRequestsException",
    "EC2ThrottledException",
    "PriorRequestNotComplete",
    "SlowDown",
    "BandwidthLimitExceeded",
];

/// Codes of server-side failures: the request may or may not have been carried out.
const SERVER_FAULT_CODES: &[&str] = &[
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "InternalServerException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "Unavailable",
    "RequestTimeout",
    "RequestTimeoutException",
];

/// Codes meaning the caller's credentials or signature were not accepted.
const CREDENTIAL_CODES: &[&str] = &[
    "AuthFailure",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidAccessKeyId",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
];

/// Codes meaning the identity lacks permission (IAM, SCPs, an unsubscribed service).
const DENIED_CODES: &[&str] = &[
    "UnauthorizedOperation",
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedException",
    "OptInRequired",
];

#[derive(Clone, Debug)]
pub struct AwsError {
    /// The API operation, e.g. `DisassociateRouteServer`.
    pub operation: &'static str,
    /// AWS's error code; `None` when no answer with a code arrived (no connection, timeout,
    /// credentials that could not be loaded).
    pub code: Option<String>,
    pub message: String,
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    pub kind: ErrorKind,
    /// Set by a resource whose API says "does not exist" only in words (see
    /// [`AwsError::not_found_if`]); not-found codes are matched by the caller.
    pub not_found: bool,
    /// No answer arrived within the call's time limit (as opposed to an answer that was an
    /// error, or a connection that was refused): a status call is then asked again at once,
    /// while the others wait for the next poll of the default schedule.
    pub timed_out: bool,
}

impl AwsError {
    /// An error AWS answered with, classified by its code and status.
    pub fn answered(
        operation: &'static str,
        code: Option<&str>,
        message: impl Into<String>,
        status: Option<u16>,
    ) -> Self {
        AwsError {
            operation,
            code: code.map(str::to_owned),
            message: message.into(),
            status,
            kind: classify_answer(code, status),
            not_found: false,
            timed_out: false,
        }
    }

    /// Marks the error as meaning "does not exist" when a resource's own reading of the answer
    /// says so (a code together with a field's text, where AWS has no dedicated code).
    pub fn not_found_if(mut self, not_found: bool) -> Self {
        self.not_found |= not_found;
        self
    }

    /// Converts any SDK error, keeping AWS's own code and message for the user. Every service
    /// crate re-exports the same `SdkError` and response types, so one conversion serves EC2,
    /// NetworkManager and WorkSpaces alike.
    pub fn from_sdk<E>(operation: &'static str, error: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = error
            .raw_response()
            .map(|response| response.status().as_u16());
        let code = error.code().map(str::to_owned);
        let message = match (error.message(), credentials_cause(&error)) {
            (Some(message), _) => message.to_owned(),
            // The credential provider's own explanation, without the SDK's wrapping.
            (None, Some(cause)) => cause,
            (None, None) => DisplayErrorContext(&error).to_string(),
        };
        let kind = match &error {
            SdkError::ServiceError(_) => classify_answer(code.as_deref(), status),
            // Identity resolution fails before anything is sent, and surfaces as a dispatch
            // failure whose source chain holds the credential provider's error.
            SdkError::DispatchFailure(_) if caused_by_credentials(&error) => ErrorKind::Credentials,
            // Sent, or possibly sent, with no usable answer.
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => ErrorKind::Unknown,
            SdkError::ResponseError(_) => match code.as_deref() {
                Some(_) => classify_answer(code.as_deref(), status),
                None => ErrorKind::Unknown,
            },
            // Failed while building the request: nothing reached AWS, and nothing will.
            SdkError::ConstructionFailure(_) if caused_by_credentials(&error) => {
                ErrorKind::Credentials
            }
            _ => ErrorKind::Rejected,
        };
        let timed_out = match &error {
            SdkError::TimeoutError(_) => true,
            SdkError::DispatchFailure(failure) => failure.is_timeout(),
            _ => false,
        };
        AwsError {
            operation,
            code,
            message,
            status,
            kind,
            not_found: false,
            timed_out,
        }
    }

    /// AWS answered, but without a field the provider cannot do without. The call itself went
    /// through, so its effect is unknown until someone looks.
    pub fn missing(operation: &'static str, field: &str) -> Self {
        AwsError {
            operation,
            code: None,
            message: format!("the response has no {field}"),
            status: None,
            kind: ErrorKind::Unknown,
            not_found: false,
            timed_out: false,
        }
    }

    /// A call the provider has no way to send: a kind that declares the operation but not how
    /// to make it. A programming error, reported on the resource rather than panicked on;
    /// nothing was sent.
    pub fn not_sendable(operation: &'static str, reason: &str) -> Self {
        AwsError {
            message: format!("the provider cannot send this call: {reason}"),
            ..AwsError::missing(operation, "")
        }
    }

    /// No answer within the time allowed for the call (the resource's deadline, or an attempt
    /// timeout enforced outside the SDK).
    pub fn no_answer(operation: &'static str, waited: std::time::Duration) -> Self {
        AwsError {
            operation,
            code: None,
            message: format!("no answer within {} ms", waited.as_millis()),
            status: None,
            kind: ErrorKind::Unknown,
            not_found: false,
            timed_out: true,
        }
    }

    /// Marks an answer with one of `codes` as a passing condition of the call that got it (a
    /// generic conflict on a read): the call is simply made again later.
    pub fn passing_if(mut self, codes: &[&str]) -> Self {
        if self.kind == ErrorKind::Rejected && self.has_any_code(codes) {
            self.kind = ErrorKind::Busy;
        }
        self
    }

    pub fn has_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    pub fn has_any_code(&self, codes: &[&str]) -> bool {
        self.code
            .as_deref()
            .is_some_and(|code| codes.contains(&code))
    }

    /// Whether the error says the association or its parent does not exist: one of the kind's
    /// `not_found` codes, or a resource's own reading of an answer that says so only in words
    /// ([`AwsError::not_found_if`]).
    pub fn is_not_found(&self, not_found: &[&str]) -> bool {
        self.not_found || self.has_any_code(not_found)
    }

    /// Throttling, a passing busy condition or an unknown outcome: a status call can simply be
    /// made again later.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Throttled | ErrorKind::Busy | ErrorKind::Unknown
        )
    }

    /// Nothing the provider can do will make the call succeed: the user must act.
    pub fn needs_user_action(&self) -> bool {
        matches!(self.kind, ErrorKind::Credentials | ErrorKind::Denied)
    }
}

/// Classifies an answer by its code, then by its status.
fn classify_answer(code: Option<&str>, status: Option<u16>) -> ErrorKind {
    let is = |codes: &[&str]| code.is_some_and(|code| codes.contains(&code));
    if is(THROTTLING_CODES) || status == Some(429) {
        ErrorKind::Throttled
    } else if is(CREDENTIAL_CODES) {
        ErrorKind::Credentials
    } else if is(DENIED_CODES) {
        ErrorKind::Denied
    } else if is(BUSY_CODES) {
        ErrorKind::Busy
    } else if is(SERVER_FAULT_CODES) || status.is_some_and(|status| status >= 500) {
        ErrorKind::Unknown
    } else {
        ErrorKind::Rejected
    }
}

/// Whether a credential or token provider's error is somewhere in the source chain.
fn caused_by_credentials(error: &(dyn std::error::Error + 'static)) -> bool {
    credentials_cause(error).is_some()
}

/// The credential or token provider's error in the source chain, with its own causes.
fn credentials_cause(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<CredentialsError>() || error.is::<TokenError>() {
            let mut text = error.to_string();
            let mut source = error.source();
            while let Some(cause) = source {
                let cause_text = cause.to_string();
                if !text.contains(&cause_text) {
                    text.push_str(": ");
                    text.push_str(&cause_text);
                }
                source = cause.source();
            }
            return Some(text);
        }
        current = error.source();
    }
    None
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

/// How to react to an error from a mutation itself (associate, disassociate, deploy): what the
/// waiter engine does next. Decided by [`react`] from the error's kind, its code and the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reaction {
    /// AWS definitively did nothing (throttled, busy): send again after a pause.
    SendAgain,
    /// The outcome is unknown, and the API makes sending the same request again safe (an
    /// idempotency token: AWS answers a repeat with what the first attempt did). Sent again a
    /// few times, then looked at like [`Reaction::Look`].
    Resend,
    /// The outcome is unknown: look before doing anything else.
    Look,
    /// AWS says the effect is already in place, or answers a generic conflict that may mean
    /// "already done" as well as "busy for a moment": look; if nothing explains the answer,
    /// pause and send again, until the list has had time to catch up.
    Conflict,
    /// The code is ambiguous (`OperationNotPermitted` is both "busy" and "never"): look at the
    /// state. An association in transition means busy; otherwise the refusal stands.
    CheckState,
    /// The code says the parent is in a state that refuses changes; whether that state passes
    /// (a rebooting WorkSpace) decides between waiting and giving up.
    CheckParent,
    /// AWS refused because another change on the same parent is being carried out: wait until
    /// the parent's status poll shows it ended, then send again at once. A retry schedule would
    /// either ask too often or notice the end late; the shared poll aims at the end of the
    /// change under way, and costs nothing extra while other waits on the parent poll anyway.
    AwaitParent,
    /// A definitive refusal: give up.
    Fail,
}

/// What the classifiers know of the call that failed and of its kind: the codes the kind's
/// spec gives a meaning, and what the call allows.
#[derive(Clone, Copy, Debug, Default)]
pub struct MutationCall<'a> {
    /// Codes with which this call says its effect already exists (the associate call's).
    pub already_exists: &'a [&'a str],
    /// Codes with which AWS refuses a change because of the parent's state.
    pub parent_state: &'a [&'a str],
    /// The call carries an idempotency token: an unknown outcome is sent again as it was.
    pub idempotent: bool,
    /// Sending the call again is always safe, whatever the first one did (a deployment): an
    /// unknown outcome is simply sent again.
    pub repeatable: bool,
    /// The kind carries out one deployment per parent at a time, so "busy" means another
    /// change of the parent is under way.
    pub one_change_per_parent: bool,
}

/// Codes that mean "busy" in one state of the target and "never" in another: the state decides.
const AMBIGUOUS_CODES: &[&str] = &["ConflictException", "OperationNotPermitted"];

/// One step of the chain: the reaction to `error`, or `None` to leave it to the next step.
type Classifier = fn(&AwsError, &MutationCall<'_>) -> Option<Reaction>;

/// The ordered chain that turns a mutation's error into a reaction; the first step that
/// recognises the error decides. Codes come before kinds: a code the kind gives a meaning
/// outranks the class it falls in, and the class decides what no code does.
const CLASSIFIERS: &[Classifier] = &[
    // The kind's "already exists" codes (NetworkManager's generic conflict among them) claim
    // the effect.
    |error, call| {
        error
            .has_any_code(call.already_exists)
            .then_some(Reaction::Conflict)
    },
    // An unknown outcome of an API with an idempotency token: the same request again.
    |error, call| (call.idempotent && error.kind == ErrorKind::Unknown).then_some(Reaction::Resend),
    |error, call| {
        error
            .has_any_code(call.parent_state)
            .then_some(Reaction::CheckParent)
    },
    |error, _| {
        error
            .has_any_code(AMBIGUOUS_CODES)
            .then_some(Reaction::CheckState)
    },
    // A kind that deploys its changes carries out one deployment per parent at a time: "busy"
    // means another one is under way, and the parent's listing shows when it ends.
    |error, call| {
        (call.one_change_per_parent && error.kind == ErrorKind::Busy)
            .then_some(Reaction::AwaitParent)
    },
    |error, _| {
        matches!(error.kind, ErrorKind::Throttled | ErrorKind::Busy).then_some(Reaction::SendAgain)
    },
    |error, call| {
        (error.kind == ErrorKind::Unknown).then_some(if call.repeatable {
            Reaction::SendAgain
        } else {
            Reaction::Look
        })
    },
];

/// What a mutation does with `error` ([`CLASSIFIERS`], in order); what no step recognises
/// (credentials, a denial, a definitive refusal) ends the operation.
pub fn react(error: &AwsError, call: &MutationCall<'_>) -> Reaction {
    CLASSIFIERS
        .iter()
        .find_map(|classify| classify(error, call))
        .unwrap_or(Reaction::Fail)
}

/// A status call's answer where "the parent does not exist" (one of `not_found`) means
/// "nothing is listed".
pub fn absent_is_empty<T: Default>(
    answer: Result<T, AwsError>,
    not_found: &[&str],
) -> Result<T, AwsError> {
    match answer {
        Err(error) if error.is_not_found(not_found) => Ok(T::default()),
        answer => answer,
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

/// `.send().await.aws_context(OPERATION)?`: an SDK call's answer, its error converted into an
/// [`AwsError`] that names the operation.
pub trait AwsContext<T> {
    fn aws_context(self, operation: &'static str) -> Result<T, AwsError>;

    /// For a call whose answer carries nothing the provider reads (a disassociate, a
    /// deployment): whether it succeeded.
    fn aws_done(self, operation: &'static str) -> Result<(), AwsError>
    where
        Self: Sized,
    {
        self.aws_context(operation).map(|_| ())
    }
}

/// A field of an answer the provider cannot do without: its absence is
/// [`AwsError::missing`].
pub fn required<T>(value: Option<T>, operation: &'static str, field: &str) -> Result<T, AwsError> {
    value.ok_or_else(|| AwsError::missing(operation, field))
}

impl<T, E> AwsContext<T> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    fn aws_context(self, operation: &'static str) -> Result<T, AwsError> {
        self.map_err(|error| AwsError::from_sdk(operation, error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(code: &str, status: u16) -> ErrorKind {
        AwsError::answered("Op", Some(code), "m", Some(status)).kind
    }

    #[test]
    fn codes_decide_the_meaning() {
        assert_eq!(kind("RequestLimitExceeded", 503), ErrorKind::Throttled);
        assert_eq!(kind("ThrottlingException", 400), ErrorKind::Throttled);
        assert_eq!(kind("IncorrectState", 400), ErrorKind::Busy);
        assert_eq!(kind("InternalError", 500), ErrorKind::Unknown);
        assert_eq!(kind("SomethingNew", 503), ErrorKind::Unknown);
        assert_eq!(kind("ExpiredToken", 400), ErrorKind::Credentials);
        assert_eq!(kind("AuthFailure", 401), ErrorKind::Credentials);
        assert_eq!(kind("UnauthorizedOperation", 403), ErrorKind::Denied);
        assert_eq!(kind("AccessDeniedException", 403), ErrorKind::Denied);
    }

    #[test]
    fn ambiguous_codes_are_not_busy() {
        // Both are used for permanent refusals too; callers look at the state instead.
        assert_eq!(kind("ConflictException", 409), ErrorKind::Rejected);
        assert_eq!(kind("OperationNotPermitted", 400), ErrorKind::Rejected);
        assert_eq!(kind("ValidationException", 400), ErrorKind::Rejected);
    }

    #[test]
    fn a_conflict_on_a_read_passes_only_where_the_call_says_so() {
        let conflict = || AwsError::answered("GetX", Some("ConflictException"), "m", Some(409));
        assert!(!conflict().is_transient());
        assert!(conflict().passing_if(&["ConflictException"]).is_transient());
        assert!(!conflict().passing_if(&["OtherCode"]).is_transient());
        // A denial is never made passing.
        let denied = AwsError::answered("GetX", Some("AccessDenied"), "m", Some(403));
        assert!(!denied.passing_if(&["AccessDenied"]).is_transient());
    }

    fn answer(code: &str, status: u16) -> AwsError {
        AwsError::answered("Op", Some(code), "m", Some(status))
    }

    #[test]
    fn a_code_the_kind_gives_a_meaning_outranks_its_class() {
        let call = MutationCall {
            already_exists: &["ConflictException"],
            parent_state: &["OperationNotSupportedException"],
            ..MutationCall::default()
        };
        assert_eq!(
            react(&answer("ConflictException", 409), &call),
            Reaction::Conflict
        );
        assert_eq!(
            react(&answer("OperationNotSupportedException", 400), &call),
            Reaction::CheckParent
        );
        assert_eq!(
            react(&answer("ConflictException", 409), &MutationCall::default()),
            Reaction::CheckState
        );
    }

    #[test]
    fn the_class_decides_what_no_code_does() {
        let plain = MutationCall::default();
        assert_eq!(
            react(&answer("Throttling", 400), &plain),
            Reaction::SendAgain
        );
        assert_eq!(
            react(&answer("IncorrectState", 400), &plain),
            Reaction::SendAgain
        );
        assert_eq!(react(&answer("InternalError", 500), &plain), Reaction::Look);
        assert_eq!(react(&answer("AccessDenied", 403), &plain), Reaction::Fail);
        assert_eq!(
            react(&answer("ValidationException", 400), &plain),
            Reaction::Fail
        );
        let token = MutationCall {
            idempotent: true,
            ..plain
        };
        assert_eq!(
            react(&answer("InternalError", 500), &token),
            Reaction::Resend
        );
        let deployment = MutationCall {
            repeatable: true,
            one_change_per_parent: true,
            ..plain
        };
        assert_eq!(
            react(&answer("InternalError", 500), &deployment),
            Reaction::SendAgain
        );
        assert_eq!(
            react(&answer("ResourceInUseException", 400), &deployment),
            Reaction::AwaitParent
        );
    }

    #[test]
    fn credential_provider_errors_are_found_in_the_source_chain() {
        #[derive(Debug)]
        struct Wrapper(CredentialsError);
        impl fmt::Display for Wrapper {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("dispatch failure")
            }
        }
        impl std::error::Error for Wrapper {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let wrapped = Wrapper(CredentialsError::not_loaded("no profile"));
        assert!(caused_by_credentials(&wrapped));
        assert!(!caused_by_credentials(&std::io::Error::other("reset")));
    }
}
