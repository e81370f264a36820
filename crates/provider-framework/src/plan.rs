//! Terraform's plan rules, applied once for every resource.
//!
//! The core proposes a new state (the configuration merged with the prior computed values); the
//! provider answers with what it will do. The framework's part is the same for every resource:
//! a create (or a replacement) leaves unset computed values unknown until apply, and an update
//! keeps the proposal. What differs between attributes, such as whether a change can be applied
//! in place, is each attribute's [plan modifiers](super::modifier), run here.

use std::collections::BTreeMap;

use super::diag::AttributePath;
use super::modifier::Change;
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
    plan_change_with_defaults(schema, prior, proposed, config, &BTreeMap::new())
}

/// [`plan_change`] with `defaults`: values the provider's configuration gives top-level
/// attributes the resource's configuration leaves unset (see
/// [`Resource::provider_defaults`](super::resource::Resource::provider_defaults)). They are
/// planned instead of the proposal (the prior value, or "known after apply" on create), before
/// the modifiers run, so a default that differs from the prior value is a change like any other.
pub fn plan_change_with_defaults(
    schema: &Schema,
    prior: &Value,
    proposed: &Value,
    config: &Value,
    defaults: &BTreeMap<String, Value>,
) -> PlannedChange {
    if prior.is_null() {
        let mut planned = unknown_computed(&schema.block, proposed, config);
        fill_defaults(&mut planned, config, defaults);
        apply_modifiers(&schema.block, None, &mut planned, prior, config, defaults);
        return PlannedChange {
            planned,
            requires_replace: Vec::new(),
        };
    }
    let mut planned = proposed.clone();
    fill_defaults(&mut planned, config, defaults);
    let requires_replace =
        apply_modifiers(&schema.block, None, &mut planned, prior, config, defaults);
    if !requires_replace.is_empty() {
        // A new object: nothing computed about the old one carries over.
        planned = unknown_computed(&schema.block, proposed, config);
        fill_defaults(&mut planned, config, defaults);
    }
    PlannedChange {
        planned,
        requires_replace,
    }
}

/// Plans each default for its attribute where the configuration leaves it unset.
fn fill_defaults(planned: &mut Value, config: &Value, defaults: &BTreeMap<String, Value>) {
    let Value::Object(fields) = planned else {
        return;
    };
    for (name, default) in defaults {
        let configured = config.attr(name).is_some_and(|v| !v.is_null());
        if !configured && fields.contains_key(name) {
            fields.insert(name.clone(), default.clone());
        }
    }
}

/// Runs every attribute's modifiers over `planned` (an object of `block`'s type), descending
/// into single nested blocks, and returns the paths whose change forces a replacement.
fn apply_modifiers(
    block: &Block,
    base: Option<&AttributePath>,
    planned: &mut Value,
    prior: &Value,
    config: &Value,
    defaults: &BTreeMap<String, Value>,
) -> Vec<AttributePath> {
    let mut requires_replace = Vec::new();
    let updating = !prior.is_null();
    let Value::Object(fields) = planned else {
        return requires_replace;
    };
    for attribute in block
        .attributes
        .iter()
        .filter(|a| !a.plan_modifiers.is_empty())
    {
        let path = match base {
            Some(base) => base.clone().attribute(attribute.name.clone()),
            None => AttributePath::root(attribute.name.clone()),
        };
        let change = Change {
            config: config.attr(&attribute.name).unwrap_or(&Value::Null),
            prior: prior.attr(&attribute.name).unwrap_or(&Value::Null),
            updating,
            // Defaults are the provider's for top-level attributes only.
            default: base
                .is_none()
                .then(|| defaults.get(&attribute.name))
                .flatten(),
        };
        let value = fields.entry(attribute.name.clone()).or_insert(Value::Null);
        let mut replace = false;
        for modifier in &attribute.plan_modifiers {
            replace |= modifier.modify(&change, value).requires_replace;
        }
        if replace {
            requires_replace.push(path);
        }
    }
    for nested in block.blocks.iter().filter(|b| b.nesting == Nesting::Single) {
        let Some(inner) = fields.get_mut(&nested.type_name).filter(|v| !v.is_null()) else {
            continue;
        };
        let path = match base {
            Some(base) => base.clone().attribute(nested.type_name.clone()),
            None => AttributePath::root(nested.type_name.clone()),
        };
        let inner_prior = prior.attr(&nested.type_name).unwrap_or(&Value::Null);
        let inner_config = config.attr(&nested.type_name).unwrap_or(&Value::Null);
        requires_replace.extend(apply_modifiers(
            &nested.block,
            Some(&path),
            inner,
            inner_prior,
            inner_config,
            &BTreeMap::new(),
        ));
    }
    requires_replace
}

/// Marks every computed attribute the configuration leaves unset as unknown ("known after
/// apply").
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
                    Attribute::computed("id", Type::String, "id").use_state_for_unknown(),
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
    fn stable_computed_values_survive_an_update_that_leaves_them_unknown() {
        let prior = object(&[
            ("id", Value::string("a-1")),
            ("parent", Value::string("p-1")),
            ("state", Value::string("ready")),
            ("note", Value::Null),
        ]);
        let proposed = object(&[
            ("id", Value::Unknown),
            ("parent", Value::string("p-1")),
            ("state", Value::string("ready")),
            ("note", Value::string("hello")),
        ]);
        let change = plan_change(&schema(), &prior, &proposed, &proposed);
        assert!(change.requires_replace.is_empty());
        assert_eq!(change.planned.attr_str("id"), Some("a-1"));
    }

    #[test]
    fn unknown_forcing_argument_counts_as_a_change() {
        let prior = object(&[("parent", Value::string("p-1"))]);
        let proposed = object(&[("parent", Value::Unknown)]);
        let change = plan_change(&schema(), &prior, &proposed, &proposed);
        assert_eq!(change.requires_replace, vec![AttributePath::root("parent")]);
    }
}
