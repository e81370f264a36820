//! Just enough XML writing for the EC2 query protocol's responses.

use std::ops::{Deref, DerefMut};

/// Namespace EC2 puts on every success root (the SDK parsers only look at local names).
const EC2_NS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";
/// Namespace of STS documents.
pub const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// XML elements, written in order: the members of an answer.
#[derive(Debug, Default)]
pub struct Xml(String);

impl Xml {
    pub fn open(&mut self, tag: &str) -> &mut Self {
        self.0.push_str(&format!("<{tag}>"));
        self
    }

    pub fn close(&mut self, tag: &str) -> &mut Self {
        self.0.push_str(&format!("</{tag}>"));
        self
    }

    pub fn leaf(&mut self, tag: &str, text: &str) -> &mut Self {
        self.0.push_str(&format!("<{tag}>{}</{tag}>", escape(text)));
        self
    }

    /// EC2's `nextToken` member, when there is a next page.
    pub fn next_token(&mut self, token: Option<String>) -> &mut Self {
        match token {
            Some(t) => self.leaf("nextToken", &t),
            None => self,
        }
    }

    pub fn append(&mut self, other: Xml) -> &mut Self {
        self.0.push_str(&other.0);
        self
    }
}

/// Builds an `<OperationResponse>` document; the SDK rejects any other root name. Members are
/// written through `Deref` to [`Xml`].
pub struct XmlResponse {
    root: String,
    buf: Xml,
    /// Written before the root closes (the query protocol's `<ResponseMetadata>`).
    trailer: String,
}

impl XmlResponse {
    /// EC2's flavour: `<requestId>` first, members directly under the root.
    pub fn new(operation: &str, request_id: &str) -> XmlResponse {
        let mut x = XmlResponse::open_root(operation, EC2_NS);
        x.leaf("requestId", request_id);
        x
    }

    /// The awsQuery flavour (STS): members inside `<OperationResult>`, then
    /// `<ResponseMetadata><RequestId>`.
    pub fn query(operation: &str, namespace: &str, request_id: &str) -> XmlResponse {
        let mut x = XmlResponse::open_root(operation, namespace);
        x.open(&format!("{operation}Result"));
        x.trailer = format!(
            "</{operation}Result><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata>",
            escape(request_id)
        );
        x
    }

    fn open_root(operation: &str, namespace: &str) -> XmlResponse {
        let root = format!("{operation}Response");
        let mut buf = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        buf.push_str(&format!("<{root} xmlns=\"{namespace}\">"));
        XmlResponse {
            root,
            buf: Xml(buf),
            trailer: String::new(),
        }
    }

    pub fn finish(self) -> String {
        let mut text = self.buf.0;
        text.push_str(&self.trailer);
        text.push_str(&format!("</{}>", self.root));
        text
    }
}

impl Deref for XmlResponse {
    type Target = Xml;

    fn deref(&self) -> &Xml {
        &self.buf
    }
}

impl DerefMut for XmlResponse {
    fn deref_mut(&mut self) -> &mut Xml {
        &mut self.buf
    }
}

/// The EC2 error document; note `RequestID` (capital ID), unlike the success body.
pub fn error_document(code: &str, message: &str, request_id: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors><RequestID>{}</RequestID></Response>",
        escape(code),
        escape(message),
        escape(request_id)
    )
}

/// The awsQuery error document (STS): `Type` is `Sender` for client errors and `Receiver`
/// for server errors.
pub fn query_error_document(code: &str, message: &str, status: u16, request_id: &str) -> String {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"{STS_NS}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        escape(code),
        escape(message),
        escape(request_id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_documents_start_with_the_request_id_and_escape_text() {
        let mut x = XmlResponse::new("GetRouteServerAssociations", "rid");
        x.open("routeServerAssociationSet")
            .leaf("vpcId", "a<b")
            .close("routeServerAssociationSet");
        let s = x.finish();
        assert!(s.contains("<GetRouteServerAssociationsResponse xmlns="));
        assert!(s.contains(
            "<requestId>rid</requestId><routeServerAssociationSet><vpcId>a&lt;b</vpcId>"
        ));
        assert!(s.ends_with("</GetRouteServerAssociationsResponse>"));
    }

    #[test]
    fn query_documents_wrap_members_in_a_result_and_end_with_metadata() {
        let mut x = XmlResponse::query("GetCallerIdentity", STS_NS, "rid");
        x.leaf("Account", "123456789012");
        assert!(x.finish().ends_with(
            "<GetCallerIdentityResult><Account>123456789012</Account></GetCallerIdentityResult>\
             <ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
        ));
        let e = query_error_document("Throttling", "Rate exceeded", 400, "rid");
        assert!(e.contains("<Error><Type>Sender</Type><Code>Throttling</Code>"));
        assert!(query_error_document("InternalFailure", "x", 500, "r").contains("Receiver"));
    }
}
