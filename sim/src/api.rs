//! What the three emulated services share: the error value handlers return, each service's
//! way of rendering it, and the opaque pagination cursor.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde_json::{Map, Value};

use crate::xml;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Ec2,
    NetworkManager,
    WorkSpaces,
    Sts,
}

impl Service {
    /// Name used in fault rules and the call log.
    pub fn name(self) -> &'static str {
        match self {
            Service::Ec2 => "ec2",
            Service::NetworkManager => "networkmanager",
            Service::WorkSpaces => "workspaces",
            Service::Sts => "sts",
        }
    }

    /// Whether the service speaks a query protocol (form-encoded `Action=…` requests, XML).
    pub fn is_query(self) -> bool {
        matches!(self, Service::Ec2 | Service::Sts)
    }

    /// The HTTP status this service's protocol gives an error code (see [`ERROR_STATUSES`]).
    pub fn status_of(self, code: &str) -> u16 {
        ERROR_STATUSES
            .iter()
            .find(|(c, service, _)| *c == code && service.is_none_or(|s| s == self))
            .map_or(400, |(_, _, status)| *status)
    }

    /// Throttling as each service really answers it: EC2 `RequestLimitExceeded` (503),
    /// NetworkManager `ThrottlingException` (429, with `Retry-After`), WorkSpaces
    /// `ThrottlingException` (400, like every WorkSpaces error), STS `Throttling` (400); see
    /// `docs/emulator.md`, "Wire formats".
    pub fn throttle_error(self) -> ApiError {
        let (code, message) = match self {
            Service::Ec2 => ("RequestLimitExceeded", "Request limit exceeded."),
            Service::NetworkManager | Service::WorkSpaces => {
                ("ThrottlingException", "Rate exceeded")
            }
            Service::Sts => ("Throttling", "Rate exceeded"),
        };
        let err = ApiError::new(self.status_of(code), code, message);
        match self {
            Service::NetworkManager => err.header("Retry-After", "1"),
            _ => err,
        }
    }

    pub fn internal_error(self) -> ApiError {
        let code = match self {
            Service::Ec2 => "InternalError",
            Service::NetworkManager => "InternalServerException",
            Service::WorkSpaces | Service::Sts => "InternalFailure",
        };
        let message = "An internal error has occurred (injected by awsassoc-sim)";
        ApiError::new(self.status_of(code), code, message)
    }

    /// The error a fault rule's `error_code` names, with the status this service's protocol
    /// gives it. The service's own throttling code keeps its extras (`Retry-After`).
    pub fn injected_error(self, code: &str) -> ApiError {
        let throttle = self.throttle_error();
        if throttle.code == code {
            return throttle;
        }
        ApiError::new(
            self.status_of(code),
            code,
            format!("{code} (injected by awsassoc-sim)"),
        )
    }

    /// What each service answers a request signed with a temporary key whose session has
    /// expired: STS `ExpiredToken` (awsQuery), EC2 `RequestExpired` (its documented answer for
    /// expired temporary credentials), the JSON services the common `ExpiredTokenException`.
    pub fn expired_token_error(self) -> ApiError {
        let (code, message) = match self {
            Service::Ec2 => ("RequestExpired", "Request has expired."),
            Service::Sts => (
                "ExpiredToken",
                "The security token included in the request is expired",
            ),
            Service::NetworkManager | Service::WorkSpaces => (
                "ExpiredTokenException",
                "The security token included in the request is expired",
            ),
        };
        ApiError::new(self.status_of(code), code, message)
    }

    /// The "not authorized" answer; STS's names the caller and role, so it is built by
    /// `sts::access_denied` instead and this is only its fallback.
    pub fn deny_error(self, operation: &str) -> ApiError {
        let (code, message) = match self {
            Service::Sts => (
                "AccessDenied",
                format!("User is not authorized to perform: sts:{operation}"),
            ),
            Service::Ec2 => (
                "UnauthorizedOperation",
                "You are not authorized to perform this operation.".to_string(),
            ),
            Service::NetworkManager => (
                "AccessDeniedException",
                format!("User is not authorized to perform networkmanager:{operation}"),
            ),
            Service::WorkSpaces => (
                "AccessDeniedException",
                format!("User is not authorized to perform workspaces:{operation}"),
            ),
        };
        ApiError::new(self.status_of(code), code, message)
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
            Service::Sts => ApiError::new(413, "RequestEntityTooLarge", message),
        }
    }

    pub fn render_error(self, err: &ApiError, request_id: &str) -> Response<Body> {
        let (content_type, body) = match self {
            Service::Ec2 => (
                "text/xml;charset=UTF-8",
                xml::error_document(&err.code, &err.message, request_id),
            ),
            Service::Sts => (
                "text/xml",
                xml::query_error_document(&err.code, &err.message, err.status, request_id),
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
        if !self.is_query()
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
            Service::Sts => "text/xml",
            Service::NetworkManager => "application/json",
            Service::WorkSpaces => "application/x-amz-json-1.1",
        };
        respond(200, content_type, body)
    }
}

/// The HTTP status of the error codes the emulator answers on its own account (faults, expired
/// sessions): `(code, service, status)`, the first row whose code matches and whose service is
/// the answering one or `None` (any) wins; a code not listed is 400. Sources: the services'
/// API models (NetworkManager gives its modeled errors their own statuses, WorkSpaces answers
/// 400 for every modeled error) and AWS's list of common errors; `docs/emulator.md`, "Wire
/// formats", summarises them.
pub const ERROR_STATUSES: &[(&str, Option<Service>, u16)] = &[
    ("ThrottlingException", Some(Service::NetworkManager), 429),
    ("AccessDeniedException", Some(Service::NetworkManager), 403),
    (
        "ResourceNotFoundException",
        Some(Service::NetworkManager),
        404,
    ),
    (
        "ServiceQuotaExceededException",
        Some(Service::NetworkManager),
        402,
    ),
    ("ConflictException", None, 409),
    ("InternalError", None, 500),
    ("InternalServerException", None, 500),
    ("InternalFailure", None, 500),
    ("ServerInternal", None, 500),
    ("Unavailable", None, 503),
    ("ServiceUnavailable", None, 503),
    ("RequestLimitExceeded", None, 503),
    ("UnauthorizedOperation", None, 403),
    ("AccessDenied", None, 403),
    ("ExpiredToken", None, 403),
    ("ExpiredTokenException", None, 403),
    ("InvalidClientTokenId", None, 403),
    ("RequestExpired", None, 400),
    ("DryRunOperation", None, 412),
];

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

/// How one list answer orders its items, fixed per request from `FaultSettings::list_order`
/// (the shuffle seed is drawn from the emulator's seeded RNG, so a seeded run repeats).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageOrder {
    Creation,
    NewestFirst,
    Shuffled(u64),
}

/// Where a paginated walk stands: the creation sequence number of the last item returned, and
/// the direction of the walk (a token keeps the direction it was issued in, so a walk finishes
/// consistently even if `list_order` changes between pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub last_seq: u64,
    pub descending: bool,
}

/// Pagination tokens are the cursor tagged with the list's scope, so a token from one list
/// cannot be replayed against another.
pub fn encode_token(scope: &str, cursor: Cursor) -> String {
    let dir = if cursor.descending { "<" } else { "" };
    URL_SAFE_NO_PAD.encode(format!("{scope}:{dir}{}", cursor.last_seq))
}

pub fn decode_token(scope: &str, token: &str) -> Option<Cursor> {
    let raw = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (s, rest) = text.rsplit_once(':')?;
    if s != scope {
        return None;
    }
    let (descending, seq) = match rest.strip_prefix('<') {
        Some(seq) => (true, seq),
        None => (false, rest),
    };
    Some(Cursor {
        last_seq: seq.parse().ok()?,
        descending,
    })
}

/// One page of `items` (keyed by creation sequence number, in any order) after `cursor`, plus
/// the next token. Creation order walks ascending; newest-first walks descending; shuffled
/// walks ascending and shuffles each page, so across pages no item is skipped or repeated.
pub fn paginate<T>(
    items: Vec<(u64, T)>,
    cursor: Option<Cursor>,
    page_size: Option<usize>,
    scope: &str,
    order: PageOrder,
) -> (Vec<T>, Option<String>) {
    let descending = cursor.map_or(order == PageOrder::NewestFirst, |c| c.descending);
    let mut rest: Vec<(u64, T)> = items
        .into_iter()
        .filter(|(seq, _)| {
            cursor.is_none_or(|c| {
                if descending {
                    *seq < c.last_seq
                } else {
                    *seq > c.last_seq
                }
            })
        })
        .collect();
    if descending {
        rest.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
    } else {
        rest.sort_by_key(|(seq, _)| *seq);
    }
    let next = match page_size {
        Some(n) if rest.len() > n => {
            rest.truncate(n);
            rest.last().map(|(seq, _)| {
                encode_token(
                    scope,
                    Cursor {
                        last_seq: *seq,
                        descending,
                    },
                )
            })
        }
        _ => None,
    };
    if let PageOrder::Shuffled(seed) = order {
        rest.shuffle(&mut StdRng::seed_from_u64(seed));
    }
    (rest.into_iter().map(|(_, t)| t).collect(), next)
}

/// A whole unpaginated list in the requested order.
pub fn ordered<T>(items: Vec<(u64, T)>, order: PageOrder) -> Vec<T> {
    paginate(items, None, None, "", order).0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(items: &[(u64, u64)], size: usize, order: PageOrder) -> Vec<Vec<u64>> {
        let mut pages = Vec::new();
        let mut cursor = None;
        loop {
            let (page, next) = paginate(items.to_vec(), cursor, Some(size), "x", order);
            pages.push(page);
            match next {
                Some(t) => cursor = Some(decode_token("x", &t).unwrap()),
                None => return pages,
            }
        }
    }

    #[test]
    fn statuses_come_from_one_table_per_protocol() {
        use Service::*;
        for (service, code, status) in [
            (NetworkManager, "ConflictException", 409),
            (WorkSpaces, "ResourceInUseException", 400),
            (WorkSpaces, "OperationNotSupportedException", 400),
            (Ec2, "InternalError", 500),
            (NetworkManager, "InternalServerException", 500),
            (WorkSpaces, "InternalFailure", 500),
            (Ec2, "Unavailable", 503),
            (WorkSpaces, "ServiceUnavailable", 503),
            (NetworkManager, "ThrottlingException", 429),
            (WorkSpaces, "ThrottlingException", 400),
            (Ec2, "RequestLimitExceeded", 503),
            (NetworkManager, "ValidationException", 400),
            (WorkSpaces, "AccessDeniedException", 400),
            (NetworkManager, "AccessDeniedException", 403),
            (Ec2, "NoSuchCodeAnywhere", 400),
        ] {
            assert_eq!(service.status_of(code), status, "{service:?} {code}");
        }
        let t = NetworkManager.injected_error("ThrottlingException");
        assert_eq!(t.headers, [("Retry-After", "1".to_string())]);
        assert_eq!(Sts.expired_token_error().status, 403);
        assert_eq!(Ec2.expired_token_error().code, "RequestExpired");
    }

    #[test]
    fn tokens_round_trip_and_are_scoped_to_their_operation() {
        let c = Cursor {
            last_seq: 7,
            descending: false,
        };
        let t = encode_token("a:scoped", c);
        assert_eq!(decode_token("a:scoped", &t), Some(c));
        assert_eq!(decode_token("b", &t), None);
        assert_eq!(decode_token("a", "garbage!"), None);
        let d = Cursor {
            last_seq: 9,
            descending: true,
        };
        assert_eq!(decode_token("a", &encode_token("a", d)), Some(d));
    }

    #[test]
    fn the_last_page_has_no_token() {
        let items: Vec<(u64, u64)> = (1..=5).map(|i| (i, i)).collect();
        assert_eq!(
            walk(&items, 2, PageOrder::Creation),
            [vec![1, 2], vec![3, 4], vec![5]]
        );
    }

    #[test]
    fn newest_first_walks_backwards_without_skipping_or_repeating() {
        // Input order does not matter; the sequence numbers do.
        let items: Vec<(u64, u64)> = [3, 1, 5, 2, 4].into_iter().map(|i| (i, i)).collect();
        assert_eq!(
            walk(&items, 2, PageOrder::NewestFirst),
            [vec![5, 4], vec![3, 2], vec![1]]
        );
        assert_eq!(ordered(items, PageOrder::NewestFirst), [5, 4, 3, 2, 1]);
    }

    #[test]
    fn shuffled_pages_hold_the_creation_order_items_in_a_seeded_order() {
        let items: Vec<(u64, u64)> = (1..=20).map(|i| (i, i)).collect();
        let pages = walk(&items, 10, PageOrder::Shuffled(42));
        assert_eq!(pages.len(), 2);
        let mut first = pages[0].clone();
        assert_ne!(first, (1..=10).collect::<Vec<_>>(), "seed 42 shuffles");
        first.sort_unstable();
        assert_eq!(first, (1..=10).collect::<Vec<_>>());
        let mut second = pages[1].clone();
        second.sort_unstable();
        assert_eq!(second, (11..=20).collect::<Vec<_>>());
        assert_eq!(pages, walk(&items, 10, PageOrder::Shuffled(42)));
    }

    #[test]
    fn a_token_keeps_its_direction_when_the_order_changes_mid_walk() {
        let items: Vec<(u64, u64)> = (1..=4).map(|i| (i, i)).collect();
        let (_, next) = paginate(items.clone(), None, Some(2), "x", PageOrder::NewestFirst);
        let cursor = decode_token("x", &next.unwrap());
        let (page, next) = paginate(items, cursor, Some(2), "x", PageOrder::Creation);
        assert_eq!((page, next), (vec![2, 1], None));
    }
}
