//! A client for the admin API, used by the provider's tests and benchmarks.
//!
//! It speaks just enough HTTP/1.1 (one request per connection, `Connection: close`) over a
//! tokio `TcpStream`, so test code needs no HTTP client crate. `raw` is public because tests
//! also need to send deliberately malformed AWS requests that the SDKs refuse to build.

use std::time::Duration;

use anyhow::{Context, bail};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub use crate::admin_types::{AssociateRequest, WorkspaceStateChange};
use crate::admin_types::{AssociationRecord, CallsReport, IssuedSecret, StsSession};
use crate::family::Family;
use crate::faults::FaultSettings;
use crate::profile::Durations;

const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct AdminClient {
    url: String,
    /// The region the per-region calls (seed, world, associations, associate, disassociate,
    /// WorkSpace states) address; `None`: the emulator's default region.
    region: Option<String>,
}

/// A response as received: status, headers (names lower-cased) and body bytes.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> anyhow::Result<Value> {
        serde_json::from_slice(&self.body)
            .with_context(|| format!("response body is not JSON: {}", self.text()))
    }
}

impl AdminClient {
    /// `url` is the emulator's base URL, e.g. `SimHandle::url()`.
    pub fn new(url: impl AsRef<str>) -> AdminClient {
        AdminClient {
            url: url.as_ref().trim_end_matches('/').to_string(),
            region: None,
        }
    }

    /// A client whose per-region calls address `region` (the emulator keeps parents and
    /// associations per region, from the SigV4 signing region of each AWS request).
    pub fn in_region(&self, region: impl Into<String>) -> AdminClient {
        AdminClient {
            url: self.url.clone(),
            region: Some(region.into()),
        }
    }

    fn authority(&self) -> anyhow::Result<&str> {
        let rest = self
            .url
            .strip_prefix("http://")
            .with_context(|| format!("emulator URL {} must start with http://", self.url))?;
        Ok(rest.split('/').next().unwrap_or(rest))
    }

    /// Sends one request and returns whatever came back. Fails if the connection closes
    /// without a response (which is what the `drop` fault does).
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> anyhow::Result<RawResponse> {
        let authority = self.authority()?.to_string();
        let exchange = async {
            let mut stream = TcpStream::connect(&authority)
                .await
                .with_context(|| format!("cannot connect to {authority}"))?;
            let mut head = format!(
                "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Length: {}\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(body).await?;
            let mut received = Vec::new();
            stream.read_to_end(&mut received).await?;
            parse_response(&received)
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .with_context(|| format!("{method} {path} timed out"))?
            .with_context(|| format!("{method} {path} failed"))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<T> {
        let bytes = body.map(|b| b.to_string()).unwrap_or_default();
        let path = match &self.region {
            Some(region) => format!("{path}?region={region}"),
            None => path.to_owned(),
        };
        let path = path.as_str();
        let response = self
            .raw(
                method,
                path,
                &[("Content-Type", "application/json")],
                bytes.as_bytes(),
            )
            .await?;
        if response.status >= 400 {
            bail!(
                "{method} {path} answered {}: {}",
                response.status,
                response.text()
            );
        }
        serde_json::from_slice(&response.body).with_context(|| {
            format!(
                "{method} {path} returned an unexpected body: {}",
                response.text()
            )
        })
    }

    /// [`AdminClient::call`] with `what` serialised as the JSON body.
    async fn send<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        what: &str,
        body: &impl Serialize,
    ) -> anyhow::Result<T> {
        let body =
            serde_json::to_value(body).with_context(|| format!("cannot serialise {what}"))?;
        self.call(method, path, Some(body)).await
    }

    pub async fn health(&self) -> anyhow::Result<Value> {
        self.call("GET", "/_sim/health", None).await
    }

    /// Adds parents; accepts a `World` or any JSON of the same shape.
    pub async fn seed(&self, world: &impl Serialize) -> anyhow::Result<Value> {
        self.send("POST", "/_sim/seed", "world", world).await
    }

    pub async fn reset(&self) -> anyhow::Result<Value> {
        self.call("POST", "/_sim/reset", None).await
    }

    pub async fn world(&self) -> anyhow::Result<Value> {
        self.call("GET", "/_sim/world", None).await
    }

    pub async fn associations(&self) -> anyhow::Result<Vec<AssociationRecord>> {
        self.call("GET", "/_sim/associations", None).await
    }

    pub async fn calls(&self) -> anyhow::Result<CallsReport> {
        self.call("GET", "/_sim/calls", None).await
    }

    pub async fn faults(&self) -> anyhow::Result<FaultSettings> {
        self.call("GET", "/_sim/faults", None).await
    }

    /// Replaces the fault settings; accepts `FaultSettings` or JSON of the same shape.
    pub async fn set_faults(&self, faults: &impl Serialize) -> anyhow::Result<FaultSettings> {
        self.send("PUT", "/_sim/faults", "faults", faults).await
    }

    pub async fn durations(&self) -> anyhow::Result<Durations> {
        self.call("GET", "/_sim/durations", None).await
    }

    /// Merges a partial durations object (`{"client_vpn": {"grace_ms": 100}}`).
    pub async fn set_durations(&self, patch: &impl Serialize) -> anyhow::Result<Durations> {
        self.send("PUT", "/_sim/durations", "durations", patch)
            .await
    }

    /// Creates an association out of band, through the same checks as the family's associate
    /// API (a refusal fails with the AWS error code in the message).
    pub async fn associate(&self, request: &AssociateRequest) -> anyhow::Result<AssociationRecord> {
        self.send("POST", "/_sim/associate", "associate request", request)
            .await
    }

    /// Every STS AssumeRole session so far (never any secret or external ID value).
    pub async fn sts_sessions(&self) -> anyhow::Result<Vec<StsSession>> {
        self.call("GET", "/_sim/sts/sessions", None).await
    }

    /// The secret access key and session token of every AssumeRole answer so far, for tests
    /// that check the provider never logs or stores them. Test-only: nothing else answers them.
    pub async fn sts_issued_secrets(&self) -> anyhow::Result<Vec<IssuedSecret>> {
        self.call("GET", "/_sim/sts/issued_secrets", None).await
    }

    /// Sets a WorkSpace's state (e.g. `REBOOTING`, one of the API's `WorkspaceState` values);
    /// with `for_ms` it returns to `AVAILABLE` that long afterwards, else it stays.
    pub async fn set_workspace_state(
        &self,
        workspace_id: &str,
        state: &str,
        for_ms: Option<u64>,
    ) -> anyhow::Result<WorkspaceStateChange> {
        let mut body = serde_json::json!({"workspace_id": workspace_id, "state": state});
        if let Some(ms) = for_ms {
            body["for_ms"] = ms.into();
        }
        self.call("POST", "/_sim/workspace_state", Some(body)).await
    }

    /// Open client connections, counting the one this call uses.
    pub async fn open_connections(&self) -> anyhow::Result<u64> {
        let health = self.health().await?;
        health["open_connections"]
            .as_u64()
            .context("health answer has no open_connections")
    }

    /// Removes an association out of band (drift): the live record of the id (newest first),
    /// else the first visible one; fails if none is visible.
    pub async fn disassociate(
        &self,
        family: Family,
        id: &str,
    ) -> anyhow::Result<AssociationRecord> {
        let body = serde_json::json!({"family": family, "id": id});
        self.call("POST", "/_sim/disassociate", Some(body)).await
    }
}

fn parse_response(received: &[u8]) -> anyhow::Result<RawResponse> {
    if received.is_empty() {
        bail!("connection closed without a response");
    }
    let split = received
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("response has no end of headers")?;
    let head = std::str::from_utf8(&received[..split]).context("response head is not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("bad status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let raw_body = &received[split + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        dechunk(raw_body)?
    } else {
        raw_body.to_vec()
    };
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("truncated chunk size line")?;
        let size_text = std::str::from_utf8(&data[..line_end])?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .with_context(|| format!("bad chunk size {size_text:?}"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = data.get(..size).context("truncated chunk")?;
        out.extend_from_slice(chunk);
        data = data.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_and_plain_responses_parse() {
        let r = parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").unwrap();
        assert_eq!(r.body, b"abcde");
        let r = parse_response(b"HTTP/1.1 404 Not Found\r\nX-A: b\r\n\r\n{}").unwrap();
        assert_eq!(
            (r.status, r.header("x-a"), r.text().as_str()),
            (404, Some("b"), "{}")
        );
        assert!(parse_response(b"").is_err());
    }
}
