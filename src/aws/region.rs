//! Per-resource region, as hashicorp/aws 6.x has it ("enhanced region support"): a regional
//! resource's optional top-level `region` names where its object lives, and defaults to the
//! provider's region. This module is the one place that says which region an object is in
//! ([`effective_region`]), how an import ID names one (the `@region` suffix) and how the
//! attribute is checked and described.

use tf_provider_framework::diag::{AttributePath, Diagnostic, Diagnostics};
use tf_provider_framework::value::Value;

use super::clients::AwsClients;
use super::config::check_region;

/// The attribute's name, as hashicorp/aws spells it.
pub const REGION: &str = "region";

/// The attribute's documentation.
pub const DESCRIPTION: &str = "The AWS region the association lives in. Defaults to the \
    provider's `region`; the plan shows the value it takes. Changing it replaces the \
    association, and so does changing the provider's region while this argument is unset (the \
    object does not move between regions by itself). An import ID may name the region with an \
    `@region` suffix.";

/// Where an object lives: its own `region` when it has one (known and set), otherwise the
/// provider's region. Every operation on a regional association talks to this region, and the
/// resource identity takes its `region` from here.
pub fn effective_region<'a>(object: &'a Value, aws: &'a AwsClients) -> &'a str {
    object
        .attr_str(REGION)
        .filter(|region| !region.is_empty())
        .unwrap_or_else(|| aws.region())
}

/// Splits an import ID into the ID proper and the region its `@region` suffix names, the way
/// hashicorp/aws 6.x reads import IDs: the suffix counts only when it is a region code, so an
/// ID that merely contains an `@` keeps it.
pub fn split_import_id(id: &str) -> (&str, Option<&str>) {
    match id.rsplit_once('@') {
        Some((rest, region)) if !rest.is_empty() && check_region(region).is_ok() => {
            (rest, Some(region))
        }
        _ => (id, None),
    }
}

/// Checks a configured `region` with the provider argument's own rule, as a diagnostic on the
/// attribute.
pub fn validate(config: &Value) -> Diagnostics {
    match config.attr_str(REGION).map(check_region) {
        Some(Err(detail)) => Diagnostic::error("Invalid AWS region", detail)
            .at(AttributePath::root(REGION))
            .into(),
        _ => Diagnostics::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_id_names_its_region_with_a_region_code_after_the_last_at() {
        assert_eq!(
            split_import_id("rs-0123,vpc-0456@eu-west-1"),
            ("rs-0123,vpc-0456", Some("eu-west-1"))
        );
        assert_eq!(
            split_import_id("a@b,c@us-gov-west-1"),
            ("a@b,c", Some("us-gov-west-1"))
        );
        for without in [
            "rs-0123,vpc-0456",
            "rs-0123,vpc-0456@EU-WEST-1",
            "x@notaregion",
            "@us-east-1",
        ] {
            assert_eq!(split_import_id(without), (without, None), "{without}");
        }
    }

    #[test]
    fn a_configured_region_is_checked_like_the_providers() {
        let config = |region: &str| {
            Value::Object(
                [(REGION.to_owned(), Value::string(region))]
                    .into_iter()
                    .collect(),
            )
        };
        assert!(validate(&config("eu-central-2")).is_empty());
        let diags = validate(&config("EU-central"));
        assert!(diags.has_errors());
        assert!(
            diags
                .iter()
                .all(|d| d.attribute == Some(AttributePath::root(REGION)))
        );
        assert!(validate(&Value::Null).is_empty());
    }
}
