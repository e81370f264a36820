//! What a family's module declares about itself, as its `SPEC: FamilySpec`: its lifecycle, its
//! default durations, the AWS operations it answers (each with its handler, how its service
//! addresses it and which request member names its parent), and the admin API's hooks.
//!
//! This module is the vocabulary the family modules write in; the registry (`families/mod.rs`)
//! collects the specs, and the server builds its routing table from them.

use serde_json::Value;

use crate::admin_types::AssociateRequest;
use crate::api::{ApiError, Service};
use crate::ec2;
use crate::networkmanager;
use crate::phase::Lifecycle;
use crate::profile::Timings;
use crate::state::Inner;
use crate::workspaces;

/// Everything particular to one family, as its module's `SPEC` constant.
pub(crate) struct FamilySpec {
    /// The family's state words and paths (which also name the family).
    pub lifecycle: &'static Lifecycle,
    /// Default durations per timing profile.
    pub durations: Timings,
    /// The AWS operations this family answers.
    pub operations: &'static [Operation],
    /// `POST /_sim/associate`: the associate call's checks and effect for an admin request.
    /// Returns the new association's sequence number.
    pub out_of_band: fn(&mut Inner, &AssociateRequest, f64) -> Result<u64, OutOfBandError>,
    /// Adds what the family derives from its associations to the admin world view.
    pub world_view: Option<fn(&Inner, &mut Value)>,
}

/// One AWS operation: its name (as in the call log and fault rules), the request member that
/// names the parent it is about, and its handler.
pub(crate) struct Operation {
    pub name: &'static str,
    pub subject: Subject,
    pub handler: Handler,
}

impl Operation {
    /// An EC2 query operation, dispatched by its `Action` (its name).
    pub const fn ec2(name: &'static str, subject: Subject, run: ec2::Handler) -> Operation {
        Operation {
            name,
            subject,
            handler: Handler::Ec2(run),
        }
    }

    /// A NetworkManager restJson1 operation, dispatched by method and path template, e.g.
    /// `/global-networks/{globalNetworkId}/connect-peer-associations`.
    pub const fn network_manager(
        name: &'static str,
        subject: Subject,
        method: &'static str,
        path: &'static str,
        run: networkmanager::Handler,
    ) -> Operation {
        Operation {
            name,
            subject,
            handler: Handler::NetworkManager { method, path, run },
        }
    }

    /// A WorkSpaces awsJson1_1 operation, dispatched by `X-Amz-Target` (its name after the
    /// service prefix).
    pub const fn workspaces(
        name: &'static str,
        subject: Subject,
        run: workspaces::Handler,
    ) -> Operation {
        Operation {
            name,
            subject,
            handler: Handler::WorkSpaces(run),
        }
    }

    /// The service that answers it.
    pub fn service(&self) -> Service {
        match self.handler {
            Handler::Ec2(_) => Service::Ec2,
            Handler::NetworkManager { .. } => Service::NetworkManager,
            Handler::WorkSpaces(_) => Service::WorkSpaces,
        }
    }
}

/// An operation's handler, in its service's protocol.
pub(crate) enum Handler {
    Ec2(ec2::Handler),
    NetworkManager {
        method: &'static str,
        path: &'static str,
        run: networkmanager::Handler,
    },
    WorkSpaces(workspaces::Handler),
}

/// Which request member names the parent an operation is about (endpoint, route server, global
/// network, WorkSpace, application), for the call log and per-parent fault rules: a benchmark
/// attributes each status call to the associations it answers. Each operation declares its
/// own, so an operation of a new parent type cannot be attributed by someone else's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subject {
    /// A single-valued member: an EC2 query parameter, a JSON member, a REST path label.
    Member(&'static str),
    /// The first value of a list member (`X.1` in EC2 query, a JSON array).
    FirstOf(&'static str),
}

/// Why an out-of-band associate was refused.
#[derive(Debug)]
pub(crate) enum OutOfBandError {
    /// The admin request itself is wrong (400, no AWS code).
    BadRequest(String),
    /// The family's AWS checks refused it.
    Refused(ApiError),
}

impl From<String> for OutOfBandError {
    fn from(message: String) -> Self {
        OutOfBandError::BadRequest(message)
    }
}

impl From<ApiError> for OutOfBandError {
    fn from(e: ApiError) -> Self {
        OutOfBandError::Refused(e)
    }
}
