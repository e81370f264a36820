//! Every sentence a Terraform user reads from an association resource: the diagnostics of its
//! create, read, delete, import and plan checks, in one place so that their wording stays
//! consistent and a change of wording is one change. The schema's descriptions live with the
//! schema (`description`); the callers decide when each message is said.

use std::time::Duration;

use tf_provider_framework::diag::Diagnostic;
use tf_provider_framework::timeouts::format_duration;

use super::kind::Service;
use crate::aws::clients::AwsClients;
use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::waiter::WaitError;

/// A state without the attributes that make up the key.
pub fn incomplete_state(type_name: &str, parent: &str, member: &str) -> Diagnostic {
    Diagnostic::error(
        "Incomplete state",
        format!(
            "The state of this {type_name} lacks `{parent}` or `{member}`, so the association \
             cannot be found. Import it again with `terraform import`."
        ),
    )
}

/// An AWS error that ended an operation, saying what to fix when the user must act
/// (credentials, permissions); `service` is the API's, whose IAM prefix a permission names.
pub fn aws_error(
    summary: String,
    error: &AwsError,
    aws: &AwsClients,
    service: Service,
) -> Diagnostic {
    let detail = match error.kind {
        ErrorKind::Credentials => format!(
            "AWS credentials could not be obtained or were not accepted. They come from {}. \
             {error}. Fix that source and run the command again: for example check that the \
             profile exists and its files are readable, renew an expired SSO session with \
             `aws sso login`, or check that the role's trust policy allows this identity.",
            aws.credential_source
        ),
        ErrorKind::Denied => format!(
            "AWS denied the call to the identity from {}: {error}. Grant the IAM permission \
             `{}:{}` and run the command again.",
            aws.credential_source,
            service.prefix(),
            error.operation
        ),
        _ => error.to_string(),
    };
    Diagnostic::error(summary, detail)
}

/// What ended a wait for `name` `id` to be `action` ("created", "deleted").
pub struct WaitEnded<'a> {
    pub name: &'a str,
    pub id: &'a str,
    pub action: &'a str,
    /// The association's last state word, or the last error, when there was one.
    pub last_state: Option<&'a str>,
    pub timeout: Duration,
}

/// A wait that ended without the association reaching what was asked; `aws_error` words an AWS
/// error that ended it.
pub fn wait_error(
    ended: WaitEnded<'_>,
    error: WaitError,
    aws_error: impl FnOnce(String, &AwsError) -> Diagnostic,
) -> Diagnostic {
    let WaitEnded {
        name,
        id,
        action,
        last_state,
        timeout,
    } = ended;
    match error {
        WaitError::Timeout => Diagnostic::error(
            format!("Timed out waiting for {name} {id} to be {action}"),
            format!(
                "AWS did not report the association {action} within {}{}. The association \
                 stays in the Terraform state; run the command again to resume waiting, or \
                 raise `timeouts`.",
                format_duration(timeout),
                last_state
                    .map(|s| format!(" (last state: {s})"))
                    .unwrap_or_default(),
            ),
        ),
        WaitError::Interrupted => Diagnostic::error(
            format!("Interrupted while waiting for {name} {id} to be {action}"),
            "Terraform asked the provider to stop. The association stays in the Terraform \
             state; run the command again to resume.",
        ),
        WaitError::Failed(message) => {
            Diagnostic::error(format!("{name} {id} could not be {action}"), message)
        }
        WaitError::Aws(error) => aws_error(format!("{name} {id} could not be {action}"), &error),
    }
}

/// The association existed before this create; `import_id` imports it.
pub fn already_exists(name: &str, id: &str, import_id: &str) -> Diagnostic {
    Diagnostic::error(
        format!("{name} already exists"),
        format!(
            "AWS already has this association (ID {id}), made outside this Terraform \
             configuration. Nothing was changed. To manage it here, import it: `terraform \
             import <address> {import_id}`, or add an `import` block with `id = \"{import_id}\"`."
        ),
    )
}

/// Terraform stopped a create before AWS confirmed the association.
pub fn interrupted_creating(name: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Interrupted while creating {name}"),
        "Terraform asked the provider to stop before AWS confirmed the association.",
    )
}

/// A create that AWS did not confirm within its timeout.
pub fn timed_out_creating(
    name: &str,
    timeout: Duration,
    last_error: Option<&AwsError>,
) -> Diagnostic {
    Diagnostic::error(
        format!("Timed out creating {name}"),
        format!(
            "AWS did not confirm the association within {}{}. Raise `timeouts.create` if AWS \
             is this slow.",
            format_duration(timeout),
            last_error
                .map(|e| format!(" (last answer: {e})"))
                .unwrap_or_default()
        ),
    )
}

/// `headline`, for a create that may have made the association, kept in state under `id`.
pub fn maybe_created_kept(headline: Diagnostic, id: &str) -> Diagnostic {
    let note = format!(
        "{} An attempt may have created it in AWS, so it stays in the Terraform state under the \
         ID {id}; the next plan refreshes it and plans a create only if AWS does not have it.",
        headline.detail
    );
    Diagnostic::error(headline.summary, note)
}

/// `headline`, for a create that may have made an association whose ID is not known.
pub fn maybe_created_unknown(headline: Diagnostic) -> Diagnostic {
    let note = format!(
        "{} An attempt may have created the association in AWS before its ID was known. Look \
         for it (for example with the AWS console or CLI) and bring it under management with \
         `terraform import`.",
        headline.detail
    );
    Diagnostic::error(headline.summary, note)
}

/// Why a create's wait failed: AWS stopped listing the new association.
pub fn unlisted_while_creating(allowance: Duration) -> String {
    format!(
        "AWS stopped listing the association while it was being created (it was not listed for \
         {}).",
        format_duration(allowance)
    )
}

/// Why a wait failed: AWS reports the association failed, with its reason.
pub fn failed_state(state: &str, reason: &str) -> String {
    format!("AWS reports state {state}: {reason}")
}

/// Why a create's wait failed: the association is being removed.
pub fn removed_while_creating(state: &str) -> String {
    format!("The association is being removed (state {state}) while it was being created.")
}

/// Why a delete's wait failed: AWS reports a failure while removing.
pub fn failed_while_removing(state: &str, reason: &str) -> String {
    format!("AWS reports state {state} while removing the association: {reason}")
}

/// The destroy preflight: AWS would refuse the disassociation.
pub fn preflight_refused(name: &str, id: &str, error: &AwsError) -> Diagnostic {
    Diagnostic::error(
        format!("Preflight: AWS would refuse to delete {name} {id}"),
        format!(
            "`preflight_dry_run` sent the disassociate call with DryRun and AWS refused it: \
             {error}. Nothing was changed; fix the permissions before applying this destroy."
        ),
    )
}

/// The last target network of a Client VPN endpoint is removed by the plan.
pub fn last_client_vpn_target(endpoint: &str, association: &str) -> Diagnostic {
    Diagnostic::warning(
        "Removing the last target network of a Client VPN endpoint",
        format!(
            "After this plan, Client VPN endpoint {endpoint} has no associated target network \
             left. When {association} is disassociated, AWS deletes the route that was added for \
             the VPC, terminates all active client connections, disallows new client \
             connections until a target network is associated again, and sets the endpoint's \
             status to `pending-associate`."
        ),
    )
}

/// An import ID that is not the kind's; `shape` is its form (`parent,member`, with the
/// region suffix where the kind has one).
pub fn invalid_import_id(why: &str, type_name: &str, shape: &str, example: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid import ID",
        format!("{why}. The import ID of {type_name} is {shape}, for example {example:?}."),
    )
}

/// An import ID with the wrong number of comma-separated parts.
pub fn not_a_pair(id: &str, parts: usize) -> String {
    format!("{id:?} has {parts} comma-separated parts, not 2")
}

/// How the import ID of a kind is written, for the docs.
pub fn import_id_shape(parent: &str, member: &str, regional: bool) -> String {
    let region = if regional {
        "; to import from a region other than the provider's, append `@` and the region \
         (`…@eu-west-1`), as hashicorp/aws does"
    } else {
        ""
    };
    format!("`{parent}` and `{member}`, separated by a comma{region}")
}

/// An argument whose value is not an ID of its format.
pub fn invalid_id(noun: &str, invalid: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error(format!("Invalid {noun}"), invalid.to_string())
}

/// None of the alternatives (`listed`) is set.
pub fn missing_alternative(listed: &str) -> Diagnostic {
    Diagnostic::error(
        "Missing target",
        format!("Exactly one of {listed} must be set; none is."),
    )
}

/// `other` is set beside `chosen`, of which only one may be.
pub fn conflicting_alternatives(other: &str, chosen: &str, listed: &str) -> Diagnostic {
    Diagnostic::error(
        "Conflicting arguments",
        format!(
            "`{other}` cannot be set together with `{chosen}`: exactly one of {listed} must be \
             set."
        ),
    )
}

/// A state without a key attribute its identity needs.
pub fn identity_incomplete(type_name: &str, name: &str) -> Diagnostic {
    Diagnostic::error(
        "Incomplete state",
        format!(
            "The state of this {type_name} lacks `{name}`, so its identity cannot be given. \
             Import it again."
        ),
    )
}

/// What the account STS could not tell was wanted for.
pub enum AccountWanted<'a> {
    /// The identity of a resource of this type, which names its account.
    ForIdentityOf(&'a str),
    /// Checking that the credentials belong to the account an import names.
    ToMatch(&'a str),
}

/// STS could not tell the account of the credentials from `credential_source`.
pub fn account_unknown(
    wanted: AccountWanted<'_>,
    credential_source: &dyn std::fmt::Display,
    error: &AwsError,
) -> Diagnostic {
    let detail = match wanted {
        AccountWanted::ForIdentityOf(type_name) => format!(
            "The identity of {type_name} names the AWS account, which STS GetCallerIdentity \
             could not tell for the credentials from {credential_source}: {error}"
        ),
        AccountWanted::ToMatch(wanted) => format!(
            "The identity names account {wanted}, and STS GetCallerIdentity could not tell \
             which account the credentials from {credential_source} belong to: {error}"
        ),
    };
    Diagnostic::error("Could not determine the AWS account", detail)
}

/// An import's identity names another account than the credentials'.
pub fn another_account(
    wanted: &str,
    credential_source: &dyn std::fmt::Display,
    account: &str,
) -> Diagnostic {
    Diagnostic::error(
        "Identity names another AWS account",
        format!(
            "The identity names account {wanted}, but the provider's credentials (from \
             {credential_source}) belong to account {account}. Import with credentials of \
             account {wanted}, or leave `account_id` out."
        ),
    )
}

/// An import by identity without one of the key's attributes.
pub fn identity_attribute_missing(type_name: &str, name: &str) -> Diagnostic {
    Diagnostic::error(
        "Missing identity attribute",
        format!("An import of {type_name} by identity needs `{name}`."),
    )
}

/// An identity attribute that is not an ID of its format.
pub fn invalid_identity(invalid: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error("Invalid identity", invalid.to_string())
}

/// A list block without the parent, for a kind whose parents AWS cannot list.
pub fn list_needs_parent(type_name: &str, parent: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Missing {parent}"),
        format!(
            "Listing {type_name} needs `{parent}` in the list block's `config`: AWS cannot list \
             every parent of this kind."
        ),
    )
}

/// The summary of an error that ended the listing of every parent.
pub fn parents_unlisted(type_name: &str) -> String {
    format!("Could not list the parents of {type_name}")
}

/// The summary of an error that ended the listing of one parent.
pub fn parent_unlisted(type_name: &str, parent: &str) -> String {
    format!("Could not list {type_name} of {parent}")
}
