//! Terraform's plan rules, applied once for every resource.
//!
//! The core proposes a new state (configuration merged with prior computed values); the provider
//! answers with what it will do. Resources here have no in-place update of remote objects: an
//! argument change replaces the object, and only framework-level settings such as `timeouts`
//! change in place.

use super::diag::AttributePath;
use super::schema::{Block, Nesting, Schema};
use super::value::Value;

/// What PlanResourceChange answers.
#[derive(Debug, PartialEq)]
pub struct PlannedChange {
    pub planned: Value,
    /// Attributes whose change forces a replacement.
    pub requires_replace: Vec<AttributePath>,
}

/// Plans a create (`prior` null) or an update/replace of an existing object.
pub fn plan_change(
    schema: &Schema,
    prior: &Value,
    proposed: &Value,
    config: &Value,
) -> PlannedChange {
    if prior.is_null() {
        return PlannedChange {
            planned: unknown_computed(&schema.block, proposed, config),
            requires_replace: Vec::new(),
        };
    }
    let requires_replace = replacing_attributes(&schema.block, prior, proposed);
    let planned = if requires_replace.is_empty() {
        // Computed values carried over from the prior state by the core stay as they are.
        proposed.clone()
    } else {
        unknown_computed(&schema.block, proposed, config)
    };
    PlannedChange {
        planned,
        requires_replace,
    }
}

/// The `requires_replace` attributes whose planned value differs from the prior one, or is not
/// known yet (a value known only after apply may well differ).
fn replacing_attributes(block: &Block, prior: &Value, proposed: &Value) -> Vec<AttributePath> {
    block
        .attributes
        .iter()
        .filter(|attribute| attribute.requires_replace)
        .filter(|attribute| {
            let before = prior.attr(&attribute.name).unwrap_or(&Value::Null);
            let after = proposed.attr(&attribute.name).unwrap_or(&Value::Null);
            !after.is_wholly_known() || before != after
        })
        .map(|attribute| AttributePath::root(attribute.name.clone()))
        .collect()
}

/// Marks every computed attribute the configuration leaves unset as unknown ("known after
/// apply"), except those whose value survives for the object's lifetime when it is not replaced.
fn unknown_computed(block: &Block, proposed: &Value, config: &Value) -> Value {
    let Some(fields) = proposed.as_object() else {
        return proposed.clone();
    };
    let mut planned = fields.clone();
    for attribute in block.attributes.iter().filter(|a| a.computed) {
        let configured = config.attr(&attribute.name).is_some_and(|v| !v.is_null());
        if !configured {
            planned.insert(attribute.name.clone(), Value::Unknown);
        }
    }
    for nested in block.blocks.iter().filter(|b| b.nesting == Nesting::Single) {
        if let Some(inner) = planned
            .get(&nested.type_name)
            .filter(|v| !v.is_null())
            .cloned()
        {
            let inner_config = config.attr(&nested.type_name).cloned().unwrap_or_default();
            planned.insert(
                nested.type_name.clone(),
                unknown_computed(&nested.block, &inner, &inner_config),
            );
        }
    }
    Value::Object(planned)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::schema::Attribute;
    use crate::value::Type;

    fn schema() -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes: vec![
                    Attribute::computed("id", Type::String, "id"),
                    Attribute::required("parent", Type::String, "parent").requires_replace(),
                    Attribute::computed("state", Type::String, "state"),
                    Attribute::optional("note", Type::String, "not forcing"),
                ],
                ..Block::default()
            },
        }
    }

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    #[test]
    fn create_marks_unset_computed_attributes_unknown() {
        let config = object(&[
            ("id", Value::Null),
            ("parent", Value::string("p-1")),
            ("state", Value::Null),
            ("note", Value::Null),
        ]);
        let change = plan_change(&schema(), &Value::Null, &config, &config);
        assert_eq!(change.planned.attr("id"), Some(&Value::Unknown));
        assert_eq!(change.planned.attr("state"), Some(&Value::Unknown));
        assert_eq!(change.planned.attr_str("parent"), Some("p-1"));
        assert!(change.requires_replace.is_empty());
    }

    #[test]
    fn unchanged_object_plans_its_prior_state() {
        let prior = object(&[
            ("id", Value::string("a-1")),
            ("parent", Value::string("p-1")),
            ("state", Value::string("ready")),
            ("note", Value::Null),
        ]);
        let config = object(&[
            ("id", Value::Null),
            ("parent", Value::string("p-1")),
            ("state", Value::Null),
            ("note", Value::Null),
        ]);
        let change = plan_change(&schema(), &prior, &prior, &config);
        assert_eq!(change.planned, prior);
        assert!(change.requires_replace.is_empty());
    }

    #[test]
    fn changed_forcing_argument_replaces_and_recomputes() {
        let prior = object(&[
            ("id", Value::string("a-1")),
            ("parent", Value::string("p-1")),
            ("state", Value::string("ready")),
            ("note", Value::Null),
        ]);
        let proposed = object(&[
            ("id", Value::string("a-1")),
            ("parent", Value::string("p-2")),
            ("state", Value::string("ready")),
            ("note", Value::Null),
        ]);
        let config = object(&[
            ("id", Value::Null),
            ("parent", Value::string("p-2")),
            ("state", Value::Null),
            ("note", Value::Null),
        ]);
        let change = plan_change(&schema(), &prior, &proposed, &config);
        assert_eq!(change.requires_replace, vec![AttributePath::root("parent")]);
        assert_eq!(change.planned.attr("id"), Some(&Value::Unknown));
    }

    #[test]
    fn change_of_a_non_forcing_argument_is_an_in_place_update() {
        let prior = object(&[
            ("id", Value::string("a-1")),
            ("parent", Value::string("p-1")),
            ("state", Value::string("ready")),
            ("note", Value::Null),
        ]);
        let proposed = object(&[
            ("id", Value::string("a-1")),
            ("parent", Value::string("p-1")),
            ("state", Value::string("ready")),
            ("note", Value::string("hello")),
        ]);
        let change = plan_change(&schema(), &prior, &proposed, &proposed);
        assert!(change.requires_replace.is_empty());
        assert_eq!(change.planned, proposed);
    }

    #[test]
    fn unknown_forcing_argument_counts_as_a_change() {
        let prior = object(&[("parent", Value::string("p-1"))]);
        let proposed = object(&[("parent", Value::Unknown)]);
        let change = plan_change(&schema(), &prior, &proposed, &proposed);
        assert_eq!(change.requires_replace, vec![AttributePath::root("parent")]);
    }
}
