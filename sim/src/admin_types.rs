//! The admin API's wire types: what `/_sim/…` requests carry and answers report. The server
//! side (`admin.rs`, the store) and the client (`admin_client.rs`) both use these, so neither
//! imports the other.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::family::Family;
use crate::faults::FaultKind;
use crate::phase::Transition;

/// Body of `POST /_sim/associate`: an association made out of band (as if someone created it
/// outside Terraform). `parent`/`child` are what the family's associate API takes: Client VPN
/// endpoint + subnet, route server + VPC, global network + Connect peer (plus `device_id`,
/// optional `link_id`), WorkSpace + application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssociateRequest {
    pub family: Family,
    pub parent: String,
    pub child: String,
    /// Connect peer only (required there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Connect peer only (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_id: Option<String>,
    /// Skip the create path: the association is active at once (`associated`, `AVAILABLE`,
    /// `COMPLETED`) and no failure is rolled. Otherwise it starts like an API associate.
    #[serde(default)]
    pub settled: bool,
}

impl AssociateRequest {
    pub fn new(family: Family, parent: impl Into<String>, child: impl Into<String>) -> Self {
        AssociateRequest {
            family,
            parent: parent.into(),
            child: child.into(),
            device_id: None,
            link_id: None,
            settled: false,
        }
    }

    /// Already active, no create path.
    pub fn settled(mut self) -> Self {
        self.settled = true;
        self
    }

    /// The Connect peer's device.
    pub fn device(mut self, device_id: impl Into<String>) -> Self {
        self.device_id = Some(device_id.into());
        self
    }

    /// The Connect peer's link.
    pub fn link(mut self, link_id: impl Into<String>) -> Self {
        self.link_id = Some(link_id.into());
        self
    }

    /// Parent and child of a family whose associate call takes nothing else: `device_id` and
    /// `link_id` are refused.
    pub(crate) fn parent_and_child(&self) -> Result<(&str, &str), String> {
        if self.device_id.is_some() || self.link_id.is_some() {
            return Err(format!(
                "device_id and link_id only apply to connect_peer, not {}",
                self.family
            ));
        }
        Ok((&self.parent, &self.child))
    }
}

/// Answer of `POST /_sim/workspace_state`: the WorkSpace's new state and, when it was set for
/// a while only, when it returns to `AVAILABLE` (ms since the epoch).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceStateChange {
    pub workspace_id: String,
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<f64>,
}

/// One association as the admin API reports it, including ones that are already gone. What its
/// state means (`phase`, `is_live`, …) depends on its family's words, so those methods live
/// with the family registry (`families/mod.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssociationRecord {
    pub family: Family,
    pub id: String,
    pub parent: String,
    pub child: String,
    pub state: String,
    pub history: Vec<Transition>,
}

impl AssociationRecord {
    /// When the association reached `state`, if it ever did (the first time).
    pub fn reached(&self, state: &str) -> Option<f64> {
        self.history
            .iter()
            .find(|t| t.state == state)
            .map(|t| t.at_ms)
    }
}

/// One emulated AWS call as the admin API reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    pub service: String,
    pub operation: String,
    pub at_ms: f64,
    /// HTTP status sent; 0 when no answer was sent (dropped, lost or hung).
    pub status: u16,
    pub fault: Option<FaultKind>,
    /// The access key ID that signed the request (`Credential=AKID/…` of the SigV4
    /// `Authorization` header, or `X-Amz-Credential` of a presigned URL); absent if unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// The parent the call names (endpoint, route server, global network, WorkSpace or
    /// application), when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The AWS error code answered, when the answer was an error (injected or not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The region whose state the call was served from (the credential scope's, else the
    /// default region).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// One STS AssumeRole session as the admin API reports it. It holds no secret (the secret
/// access key and session token are kept apart, in [`IssuedSecret`]) and never the external
/// ID, only whether one was given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StsSession {
    /// The temporary access key ID (`ASIA…`) the session's requests are signed with.
    pub access_key_id: String,
    pub role_arn: String,
    pub role_session_name: String,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub arn: String,
    /// `AROA…:SESSION`.
    pub assumed_role_id: String,
    pub external_id_given: bool,
    /// The `DurationSeconds` asked for (default 3600).
    pub duration_seconds: u32,
    pub issued_at_ms: f64,
    /// When the session expires: the instant its `Expiration` names, after the duration or
    /// the `sts_session_seconds` cap, whichever is shorter. Requests signed with its key
    /// afterwards are refused as expired.
    pub expires_at_ms: f64,
    /// The access key that signed the AssumeRole call, if it was signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_access_key_id: Option<String>,
}

/// The temporary secrets of one AssumeRole answer, kept so a test can search the provider's
/// logs and state for them (`GET /_sim/sts/issued_secrets`). Nothing else the emulator
/// answers or logs contains them; `Debug` redacts them too.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedSecret {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expires_at_ms: f64,
}

impl std::fmt::Debug for IssuedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedSecret")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallsReport {
    pub counts: BTreeMap<String, u64>,
    pub log: Vec<CallRecord>,
}
