//! What the three emulated services share: the error value handlers return, each service's
//! way of rendering it, and the opaque pagination cursor.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::xml;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Ec2,
    NetworkManager,
    WorkSpaces,
}

impl Service {
    /// Name used in fault rules and the call log.
    pub fn name(self) -> &'static str {
        match self {
            Service::Ec2 => "ec2",
            Service::NetworkManager => "networkmanager",
            Service::WorkSpaces => "workspaces",
        }
    }

    /// Throttling as each service really answers it (aws-wire.md §2.3, §3.2, §4.3).
    pub fn throttle_error(self) -> ApiError {
        match self {
            Service::Ec2 => ApiError::new(503, "RequestLimitExceeded", "Request limit exceeded."),
            Service::NetworkManager => ApiError::new(429, "ThrottlingException", "Rate exceeded")
                .header("Retry-After", "1"),
            Service::WorkSpaces => ApiError::new(400, "ThrottlingException", "Rate exceeded"),
        }
    }

    pub fn internal_error(self) -> ApiError {
        let message = "An internal error has occurred (injected by awsassoc-sim)";
        match self {
            Service::Ec2 => ApiError::new(500, "InternalError", message),
            Service::NetworkManager => ApiError::new(500, "InternalServerException", message),
            Service::WorkSpaces => ApiError::new(500, "InternalFailure", message),
        }
    }

    pub fn deny_error(self, operation: &str) -> ApiError {
        match self {
            Service::Ec2 => ApiError::new(
                403,
                "UnauthorizedOperation",
                "You are not authorized to perform this operation.",
            ),
            Service::NetworkManager => ApiError::new(
                403,
                "AccessDeniedException",
                format!("User is not authorized to perform networkmanager:{operation}"),
            ),
            Service::WorkSpaces => ApiError::new(
                400,
                "AccessDeniedException",
                format!("User is not authorized to perform workspaces:{operation}"),
            ),
        }
    }

    /// A request body over the size limit, in the service's own error format.
    pub fn too_large_error(self, limit: usize) -> ApiError {
        let message = format!("Request body exceeds the {limit}-byte limit");
        match self {
            Service::Ec2 => ApiError::new(413, "RequestEntityTooLarge", message),
            Service::NetworkManager => {
                ApiError::new(413, "ValidationException", message).field("Reason", "Other")
            }
            Service::WorkSpaces => ApiError::new(413, "InvalidParameterValuesException", message),
        }
    }

    pub fn render_error(self, err: &ApiError, request_id: &str) -> Response<Body> {
        let (content_type, body) = match self {
            Service::Ec2 => (
                "text/xml;charset=UTF-8",
                xml::error_document(&err.code, &err.message, request_id),
            ),
            Service::NetworkManager => {
                let mut obj = Map::new();
                obj.insert("Message".into(), Value::String(err.message.clone()));
                obj.extend(err.fields.clone());
                ("application/json", Value::Object(obj).to_string())
            }
            Service::WorkSpaces => {
                let mut obj = Map::new();
                obj.insert("__type".into(), Value::String(err.code.clone()));
                obj.insert("message".into(), Value::String(err.message.clone()));
                obj.extend(err.fields.clone());
                ("application/x-amz-json-1.1", Value::Object(obj).to_string())
            }
        };
        let mut response = respond(err.status, content_type, body);
        if self != Service::Ec2
            && let Ok(v) = HeaderValue::from_str(&err.code)
        {
            response.headers_mut().insert("x-amzn-ErrorType", v);
        }
        for (name, value) in &err.headers {
            if let Ok(v) = HeaderValue::from_str(value) {
                response.headers_mut().insert(*name, v);
            }
        }
        response
    }

    /// A success body in the service's content type.
    pub fn render_ok(self, body: String) -> Response<Body> {
        let content_type = match self {
            Service::Ec2 => "text/xml;charset=UTF-8",
            Service::NetworkManager => "application/json",
            Service::WorkSpaces => "application/x-amz-json-1.1",
        };
        respond(200, content_type, body)
    }
}

pub fn respond(status: u16, content_type: &str, body: String) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert("content-type", v);
    }
    response
}

/// A service error before rendering: status, code, message and any modeled members (exact
/// JSON keys such as `ResourceId`, `Reason`, `Fields`).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub fields: Map<String, Value>,
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: code.to_string(),
            message: message.into(),
            fields: Map::new(),
            headers: Vec::new(),
        }
    }

    pub fn field(mut self, key: &str, value: impl Into<Value>) -> ApiError {
        self.fields.insert(key.to_string(), value.into());
        self
    }

    pub fn header(mut self, name: &'static str, value: &str) -> ApiError {
        self.headers.push((name, value.to_string()));
        self
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Pagination cursors are the creation sequence number of the last item returned, tagged with
/// the operation so a token from one list cannot be replayed against another.
pub fn encode_token(scope: &str, last_seq: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{scope}:{last_seq}"))
}

pub fn decode_token(scope: &str, token: &str) -> Option<u64> {
    let raw = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (s, seq) = text.rsplit_once(':')?;
    (s == scope).then(|| seq.parse().ok()).flatten()
}

/// One page of `items` (already in creation order) after `cursor`, plus the next token.
pub fn paginate<T>(
    items: Vec<(u64, T)>,
    cursor: Option<u64>,
    page_size: Option<usize>,
    scope: &str,
) -> (Vec<T>, Option<String>) {
    let mut rest: Vec<(u64, T)> = items
        .into_iter()
        .filter(|(seq, _)| cursor.is_none_or(|c| *seq > c))
        .collect();
    let next = match page_size {
        Some(n) if rest.len() > n => {
            rest.truncate(n);
            rest.last().map(|(seq, _)| encode_token(scope, *seq))
        }
        _ => None,
    };
    (rest.into_iter().map(|(_, t)| t).collect(), next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_scoped_to_their_operation() {
        let t = encode_token("a:scoped", 7);
        assert_eq!(decode_token("a:scoped", &t), Some(7));
        assert_eq!(decode_token("b", &t), None);
        assert_eq!(decode_token("a", "garbage!"), None);
    }

    #[test]
    fn the_last_page_has_no_token() {
        let items: Vec<(u64, u64)> = (1..=5).map(|i| (i, i)).collect();
        let (page, next) = paginate(items.clone(), None, Some(2), "x");
        assert_eq!(page, [1, 2]);
        let (page, next) = paginate(
            items.clone(),
            decode_token("x", &next.unwrap()),
            Some(2),
            "x",
        );
        assert_eq!(page, [3, 4]);
        let (page, next) = paginate(items, decode_token("x", &next.unwrap()), Some(2), "x");
        assert_eq!((page, next), (vec![5], None));
    }
}
