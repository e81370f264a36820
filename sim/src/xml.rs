//! Just enough XML writing for the EC2 query protocol's responses.

/// Namespace EC2 puts on every success root (the SDK parsers only look at local names).
const EC2_NS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

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

/// Builds an `<OperationResponse>` document; the SDK rejects any other root name.
pub struct XmlResponse {
    root: String,
    buf: String,
}

impl XmlResponse {
    pub fn new(operation: &str, request_id: &str) -> XmlResponse {
        let root = format!("{operation}Response");
        let mut buf = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        buf.push_str(&format!("<{root} xmlns=\"{EC2_NS}\">"));
        let mut x = XmlResponse { root, buf };
        x.leaf("requestId", request_id);
        x
    }

    pub fn open(&mut self, tag: &str) -> &mut Self {
        self.buf.push_str(&format!("<{tag}>"));
        self
    }

    pub fn close(&mut self, tag: &str) -> &mut Self {
        self.buf.push_str(&format!("</{tag}>"));
        self
    }

    pub fn leaf(&mut self, tag: &str, text: &str) -> &mut Self {
        self.buf
            .push_str(&format!("<{tag}>{}</{tag}>", escape(text)));
        self
    }

    pub fn finish(mut self) -> String {
        self.buf.push_str(&format!("</{}>", self.root));
        self.buf
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
}
