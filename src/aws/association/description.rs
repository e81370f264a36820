//! What an association kind's resource looks like to Terraform: its schema (attributes,
//! descriptions, plan rules, the `timeouts` block) and the checks of a configuration against it.
//! Everything here is derived from the kind's [`AssociationSpec`](super::kind::AssociationSpec).

use tf_provider_framework::diag::{AttributePath, Diagnostics};
use tf_provider_framework::schema::{Attribute, Block, DescriptionKind, Schema};
use tf_provider_framework::timeouts;
use tf_provider_framework::value::{Type, Value};

use super::kind::{Association, AttributeSpec, Role, Scope};
use super::messages;
use crate::aws::region;

/// Both operations default to 30 minutes, like hashicorp/aws's association resources.
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// The operations of the `timeouts` block.
pub const TIMED_OPERATIONS: &[&str] = &["create", "delete"];

/// The argument of a kind whose changes are staged until deployed.
pub const DEPLOY_ARGUMENT: &str = "deploy";

/// The schema of `A`'s resource.
pub fn schema<A: Association>() -> Schema {
    let mut attributes = vec![
        Attribute::computed(
            "id",
            Type::String,
            "The identifier Terraform tracks: the association ID where AWS has one, otherwise the import ID.",
        )
        .use_state_for_unknown(),
    ];
    for spec in A::SPEC.attributes {
        let attribute = match spec.role {
            Role::Required => {
                Attribute::required(spec.name, Type::String, spec.description).requires_replace()
            }
            Role::Optional => {
                Attribute::optional(spec.name, Type::String, spec.description).requires_replace()
            }
            // Optional and computed: the plan keeps what AWS reported for the forms the
            // configuration leaves out, so naming the same target another way changes
            // nothing, and naming another target replaces the association.
            Role::Alternative => Attribute {
                computed: true,
                ..Attribute::optional(spec.name, Type::String, spec.description)
            }
            .requires_replace(),
            Role::Computed => Attribute::computed(spec.name, Type::String, spec.description),
            Role::ComputedStable => Attribute::computed(spec.name, Type::String, spec.description)
                .use_state_for_unknown(),
        };
        attributes.push(attribute);
    }
    if A::SPEC.scope == Scope::Regional {
        attributes.push(
            Attribute {
                computed: true,
                ..Attribute::optional(region::REGION, Type::String, region::DESCRIPTION)
            }
            .requires_replace(),
        );
    }
    if let Some(operation) = A::SPEC.operations.deploy {
        attributes.push(Attribute::optional(
            DEPLOY_ARGUMENT,
            Type::Bool,
            &format!(
                "Whether the provider calls `{operation}` after associating and after \
                 disassociating, and waits until AWS has carried the change out. Defaults to \
                 `true`. Set it to `false` when the changes are deployed by other means: the \
                 provider then stops waiting once AWS has staged the change \
                 (`PENDING_INSTALL_DEPLOYMENT`, `PENDING_UNINSTALL_DEPLOYMENT`). Changing it \
                 changes nothing in AWS."
            ),
        ));
    }
    Schema {
        version: 0,
        block: Block {
            attributes,
            blocks: vec![timeouts::block(
                TIMED_OPERATIONS,
                DEFAULT_TIMEOUT,
                timeouts::Wording {
                    object: "the association",
                    remote: "AWS",
                },
            )],
            description: A::SPEC.description.to_owned(),
            description_kind: DescriptionKind::Markdown,
            deprecated: false,
        },
    }
}

/// The checks of a configuration of `A` that need no AWS call: the alternatives, the ID formats
/// of the arguments, the region and the timeouts.
pub fn validate<A: Association>(config: &Value) -> Diagnostics {
    let mut diags = exactly_one_alternative(A::SPEC.attributes, config);
    for spec in A::SPEC.attributes {
        let is_argument = matches!(
            spec.role,
            Role::Required | Role::Optional | Role::Alternative
        );
        if let (true, Some(format)) = (is_argument, spec.format)
            && let Some(value) = config.attr_str(spec.name)
            && let Err(invalid) = format.check(value)
        {
            diags.push(
                messages::invalid_id(format.noun, invalid).at(AttributePath::root(spec.name)),
            );
        }
    }
    if A::SPEC.scope == Scope::Regional {
        diags.extend(region::validate(config));
    }
    diags.extend(timeouts::validate(config, TIMED_OPERATIONS));
    diags
}

/// The rule of [`Role::Alternative`] arguments: exactly one of them is set. A value not known
/// yet may turn out null or not, so the rule only fails on what is already certain: more than
/// one known value (the error is on each after the first), or none at all with nothing unknown
/// (the error is on the first alternative).
fn exactly_one_alternative(attributes: &[AttributeSpec], config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let alternatives: Vec<&'static str> = attributes
        .iter()
        .filter(|spec| spec.role == Role::Alternative)
        .map(|spec| spec.name)
        .collect();
    let Some(first) = alternatives.first() else {
        return diags;
    };
    let listed = alternatives
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let value = |name: &str| config.attr(name).unwrap_or(&Value::Null);
    let given: Vec<&str> = alternatives
        .iter()
        .copied()
        .filter(|name| !value(name).is_null() && !value(name).is_unknown())
        .collect();
    let any_unknown = alternatives.iter().any(|name| value(name).is_unknown());
    match given.as_slice() {
        [] if !any_unknown => {
            diags.push(messages::missing_alternative(&listed).at(AttributePath::root(*first)))
        }
        [chosen, others @ ..] => {
            for other in others {
                diags.push(
                    messages::conflicting_alternatives(other, chosen, &listed)
                        .at(AttributePath::root(*other)),
                );
            }
        }
        [] => {}
    }
    diags
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tf_provider_framework::diag::AttributePath;

    use super::*;

    const TARGETS: &[AttributeSpec] = &[
        AttributeSpec::alternative("subnet_id", None, "a subnet"),
        AttributeSpec::alternative("availability_zone", None, "a zone"),
        AttributeSpec::alternative("availability_zone_id", None, "a zone ID"),
    ];

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut fields: BTreeMap<String, Value> = TARGETS
            .iter()
            .map(|spec| (spec.name.to_owned(), Value::Null))
            .collect();
        for (name, value) in pairs {
            fields.insert((*name).to_owned(), value.clone());
        }
        Value::Object(fields)
    }

    /// The attributes the diagnostics point at.
    fn blamed(diags: &Diagnostics) -> Vec<Option<AttributePath>> {
        diags.iter().map(|d| d.attribute.clone()).collect()
    }

    #[test]
    fn exactly_one_alternative_is_accepted_in_any_form() {
        for name in ["subnet_id", "availability_zone", "availability_zone_id"] {
            let diags = exactly_one_alternative(TARGETS, &config(&[(name, Value::string("x"))]));
            assert!(diags.is_empty(), "{name}: {diags:?}");
        }
    }

    #[test]
    fn two_alternatives_are_an_error_on_the_second() {
        let diags = exactly_one_alternative(
            TARGETS,
            &config(&[
                ("subnet_id", Value::string("subnet-1")),
                ("availability_zone", Value::string("us-east-1a")),
            ]),
        );
        assert_eq!(
            blamed(&diags),
            [Some(AttributePath::root("availability_zone"))],
            "{diags:?}"
        );
    }

    #[test]
    fn no_alternative_is_an_error_on_the_first() {
        let diags = exactly_one_alternative(TARGETS, &config(&[]));
        assert_eq!(
            blamed(&diags),
            [Some(AttributePath::root("subnet_id"))],
            "{diags:?}"
        );
    }

    #[test]
    fn unknown_alternatives_are_never_an_error_yet() {
        for pairs in [
            vec![("availability_zone", Value::Unknown)],
            vec![
                ("subnet_id", Value::string("subnet-1")),
                ("availability_zone", Value::Unknown),
            ],
        ] {
            let diags = exactly_one_alternative(TARGETS, &config(&pairs));
            assert!(diags.is_empty(), "{pairs:?}: {diags:?}");
        }
    }
}
