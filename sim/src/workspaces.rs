//! WorkSpaces awsJson1_1, shared by the WorkSpaces families (application associations).
//!
//! Dispatched by `X-Amz-Target: WorkspacesService.<Op>` with a JSON object body; errors are
//! `{"__type", "message"}` with HTTP 400 (WorkSpaces models every error as a client error) and
//! timestamps are epoch seconds (see `docs/emulator.md`, "Wire formats"). This module only
//! decodes and encodes: the operations are the families' (`Operation::workspaces`), routed by
//! `server.rs`.

use serde_json::{Map, Value};

use crate::api::{ApiError, ApiResult};
use crate::state::Inner;

pub const TARGET_PREFIX: &str = "WorkspacesService.";

/// Runs one WorkSpaces operation on its decoded input and returns the JSON answer.
pub type Handler = fn(&mut Inner, &Input, f64) -> ApiResult<Value>;

pub fn unknown_operation(operation: &str) -> ApiError {
    ApiError::new(
        400,
        "UnknownOperationException",
        format!("Unknown operation {operation}"),
    )
}

/// Whether a request was encoded with RPCv2 CBOR (Smithy's binary protocol, which newer SDK
/// releases may pick for WorkSpaces), which this emulator deliberately refuses so a silent
/// protocol switch in a future SDK release is noticed at once.
pub fn is_rpcv2_cbor(
    path: &str,
    smithy_protocol: Option<&str>,
    content_type: Option<&str>,
) -> bool {
    smithy_protocol.is_some_and(|p| p.eq_ignore_ascii_case("rpc-v2-cbor"))
        || content_type.is_some_and(|c| c.starts_with("application/cbor"))
        || path.contains("/service/WorkspacesService/operation/")
}

pub fn rpcv2_cbor_error() -> ApiError {
    ApiError::new(
        400,
        "UnsupportedProtocolException",
        "awsassoc-sim speaks awsJson1_1 for WorkSpaces; this request used RPCv2 CBOR. \
         Pin aws-sdk-workspaces to a JSON-protocol release or force the JSON protocol in its config.",
    )
}

pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidParameterValuesException", message)
}

/// A request's decoded JSON input.
#[derive(Debug)]
pub struct Input(Map<String, Value>);

impl Input {
    /// The decoded JSON input; a body that is not a JSON object is a SerializationException, as
    /// AWS JSON services answer malformed input.
    pub fn parse(body: &[u8]) -> ApiResult<Input> {
        let text = if body.iter().all(u8::is_ascii_whitespace) {
            &b"{}"[..]
        } else {
            body
        };
        match serde_json::from_slice::<Value>(text) {
            Ok(Value::Object(m)) => Ok(Input(m)),
            Ok(_) => Err(ApiError::new(
                400,
                "SerializationException",
                "Request body must be a JSON object",
            )),
            Err(e) => Err(ApiError::new(
                400,
                "SerializationException",
                format!("Could not parse request body: {e}"),
            )),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// A string member, if present.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    /// The first element of a list member, if it is a string.
    pub fn first_text(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(|list| list.get(0))
            .and_then(Value::as_str)
    }

    /// A string member that must be present and non-empty.
    pub fn required(&self, key: &str) -> ApiResult<&str> {
        self.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                invalid(format!(
                    "1 validation error detected: Value null at '{key}' failed to satisfy constraint: Member must not be null"
                ))
            })
    }
}
