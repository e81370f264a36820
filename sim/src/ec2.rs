//! EC2 query protocol, shared by the EC2 families (Client VPN, Route Server).
//!
//! Requests are form-encoded `Action=…&Version=2016-11-15&…` (in the query string, the body or
//! both) with flattened lists (`X.1`, `X.2`, …); answers are `<ActionResponse>` XML documents
//! holding a `requestId` and the members, and errors are `<Response><Errors><Error>` documents
//! (see `docs/emulator.md`, "Wire formats"). This module only decodes and encodes: the
//! operations are the families' (`Operation::ec2`), routed by `server.rs`.

use crate::api::{ApiError, ApiResult, Cursor, decode_token};
use crate::state::Inner;
use crate::xml::{Xml, XmlResponse};

pub const API_VERSION: &str = "2016-11-15";

/// Runs one EC2 operation: reads the parameters and returns the members of the XML answer.
pub type Handler = fn(&mut Inner, &Params, f64) -> ApiResult<Xml>;

pub fn invalid_action(action: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidAction",
        format!("The action {action} is not valid for this web service."),
    )
}

/// The XML success body of `action`: its members wrapped in `<ActionResponse>` with the
/// request ID.
pub fn encode(action: &str, request_id: &str, members: Xml) -> String {
    let mut out = XmlResponse::new(action, request_id);
    out.append(members);
    out.finish()
}

/// Decoded query parameters, from the query string and the form body together (EC2 accepts
/// both) and in no particular order, since the SDKs disagree on member order.
#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn parse(query: Option<&str>, body: &[u8]) -> Params {
        let mut pairs: Vec<(String, String)> = query
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        pairs.extend(form_urlencoded::parse(body).into_owned());
        Params { pairs }
    }

    /// A parameter's value; an empty value counts as absent, like EC2's own validation.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn required(&self, key: &str) -> ApiResult<&str> {
        self.get(key).ok_or_else(|| {
            ApiError::new(
                400,
                "MissingParameter",
                format!("The request must contain the parameter {key}"),
            )
        })
    }

    fn bool(&self, key: &str) -> ApiResult<bool> {
        match self.get(key) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(invalid_value(key, v)),
        }
    }

    pub(crate) fn int(&self, key: &str) -> ApiResult<Option<i64>> {
        self.get(key)
            .map(|v| v.parse::<i64>().map_err(|_| invalid_value(key, v)))
            .transpose()
    }

    /// Values of a flattened list `prefix.1`, `prefix.2`, … in index order.
    pub(crate) fn list(&self, prefix: &str) -> Vec<String> {
        let mut indexed: Vec<(u32, String)> = self
            .pairs
            .iter()
            .filter_map(|(k, v)| {
                let n = k.strip_prefix(prefix)?.strip_prefix('.')?.parse().ok()?;
                Some((n, v.clone()))
            })
            .collect();
        indexed.sort_by_key(|(n, _)| *n);
        indexed.into_iter().map(|(_, v)| v).collect()
    }

    /// `Filter.N.Name` / `Filter.N.Value.M` pairs; a name not in `allowed` is refused.
    pub(crate) fn filters(&self, allowed: &[&str]) -> ApiResult<Vec<(String, Vec<String>)>> {
        let mut indexes: Vec<u32> = self
            .pairs
            .iter()
            .filter_map(|(k, _)| k.strip_prefix("Filter.")?.split('.').next()?.parse().ok())
            .collect();
        indexes.sort_unstable();
        indexes.dedup();
        let filters = indexes
            .into_iter()
            .map(|n| {
                let name = self.get(&format!("Filter.{n}.Name")).ok_or_else(|| {
                    ApiError::new(
                        400,
                        "MissingParameter",
                        format!("The request must contain the parameter Filter.{n}.Name"),
                    )
                })?;
                Ok((name.to_string(), self.list(&format!("Filter.{n}.Value"))))
            })
            .collect::<ApiResult<Vec<_>>>()?;
        match filters
            .iter()
            .find(|(name, _)| !allowed.contains(&name.as_str()))
        {
            Some((name, _)) => Err(ApiError::new(
                400,
                "InvalidParameterValue",
                format!("The filter '{name}' is invalid"),
            )),
            None => Ok(filters),
        }
    }

    /// The cursor of `NextToken`, which must have been issued for this list (`scope`).
    pub(crate) fn next_token(&self, scope: &str) -> ApiResult<Option<Cursor>> {
        self.get("NextToken")
            .map(|t| {
                decode_token(scope, t).ok_or_else(|| {
                    ApiError::new(400, "InvalidNextToken", "The specified token is invalid")
                })
            })
            .transpose()
    }

    /// Answers `DryRunOperation` when `DryRun` is set: the checks before it have passed.
    pub(crate) fn dry_run(&self) -> ApiResult<()> {
        if self.bool("DryRun")? {
            return Err(ApiError::new(
                412,
                "DryRunOperation",
                "Request would have succeeded, but DryRun flag is set.",
            ));
        }
        Ok(())
    }
}

fn invalid_value(key: &str, value: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidParameterValue",
        format!("Value ({value}) for parameter {key} is invalid"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattened_lists_and_filters_are_read_in_index_order() {
        let p = Params::parse(
            None,
            b"Action=X&AssociationIds.2=b&AssociationIds.1=a&Filter.1.Name=vpc-id&Filter.1.Value.2=v2&Filter.1.Value.1=v1",
        );
        assert_eq!(p.list("AssociationIds"), ["a", "b"]);
        assert_eq!(
            p.filters(&["vpc-id"]).unwrap(),
            [(
                "vpc-id".to_string(),
                vec!["v1".to_string(), "v2".to_string()]
            )]
        );
        assert_eq!(
            p.filters(&["subnet-id"]).unwrap_err().code,
            "InvalidParameterValue"
        );
    }
}
