//! The schema model: what a provider or resource accepts, computes and documents.
//!
//! This is the framework's own description of a schema. The gRPC server converts it to
//! `tfplugin6.Schema`, the documentation generator renders it, and the planner runs the plan
//! modifiers attached to its attributes.

use std::collections::BTreeMap;

use std::sync::Arc;

use super::modifier::{Modifier, PlanModifier, RequiresReplace, UseStateForUnknown};
use super::value::Type;

/// How a description is written; Terraform shows markdown in the registry and plain text in the CLI.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DescriptionKind {
    Plain,
    #[default]
    Markdown,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    /// Bumped when the stored state shape changes; UpgradeResourceState sees the old number.
    pub version: i64,
    pub block: Block,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub description: String,
    pub description_kind: DescriptionKind,
    pub deprecated: bool,
}

#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub description_kind: DescriptionKind,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    pub deprecated: bool,
    /// Rules for this attribute's plan (see [`modifier`](super::modifier)), run in order.
    pub plan_modifiers: Vec<Modifier>,
}

impl PartialEq for Attribute {
    /// Modifiers compare by what they say they do: two schemas are the same when they plan the
    /// same way and say so in the same words.
    fn eq(&self, other: &Self) -> bool {
        let described = |a: &Attribute| -> Vec<String> {
            a.plan_modifiers
                .iter()
                .map(|m| m.description().to_owned())
                .collect()
        };
        self.name == other.name
            && self.ty == other.ty
            && self.description == other.description
            && self.description_kind == other.description_kind
            && (self.required, self.optional, self.computed)
                == (other.required, other.optional, other.computed)
            && (self.sensitive, self.deprecated) == (other.sensitive, other.deprecated)
            && described(self) == described(other)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Single,
    Group,
    List,
    Set,
    Map,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NestedBlock {
    pub type_name: String,
    pub block: Block,
    pub nesting: Nesting,
    pub min_items: i64,
    pub max_items: i64,
}

impl Attribute {
    fn new(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            name: name.to_owned(),
            ty,
            description: description.to_owned(),
            description_kind: DescriptionKind::Markdown,
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            deprecated: false,
            plan_modifiers: Vec::new(),
        }
    }

    pub fn required(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            required: true,
            ..Attribute::new(name, ty, description)
        }
    }

    pub fn optional(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            optional: true,
            ..Attribute::new(name, ty, description)
        }
    }

    pub fn computed(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            computed: true,
            ..Attribute::new(name, ty, description)
        }
    }

    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Adds a plan modifier.
    pub fn plan_modifier(mut self, modifier: impl PlanModifier + 'static) -> Self {
        self.plan_modifiers.push(Arc::new(modifier));
        self
    }

    /// Shorthand for the [`RequiresReplace`] modifier.
    pub fn requires_replace(self) -> Self {
        self.plan_modifier(RequiresReplace)
    }

    /// Shorthand for the [`UseStateForUnknown`] modifier.
    pub fn use_state_for_unknown(self) -> Self {
        self.plan_modifier(UseStateForUnknown)
    }
}

impl Block {
    /// The object type Terraform derives from this block: one key per attribute and nested block.
    pub fn implied_type(&self) -> Type {
        let mut fields: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.ty.clone()))
            .collect();
        for nested in &self.blocks {
            let inner = nested.block.implied_type();
            let ty = match nested.nesting {
                Nesting::Single | Nesting::Group => inner,
                Nesting::List => Type::List(Box::new(inner)),
                Nesting::Set => Type::Set(Box::new(inner)),
                Nesting::Map => Type::Map(Box::new(inner)),
            };
            fields.insert(nested.type_name.clone(), ty);
        }
        Type::Object(fields)
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn nested_block(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.type_name == name)
    }
}

impl Schema {
    pub fn implied_type(&self) -> Type {
        self.block.implied_type()
    }
}

/// The value of a block with every attribute null and every nested block absent, the shape
/// Terraform expects for a partial state (import) before it is filled in.
pub fn null_object(block: &Block) -> super::value::Value {
    use super::value::Value;
    let mut fields: BTreeMap<String, Value> = block
        .attributes
        .iter()
        .map(|a| (a.name.clone(), Value::Null))
        .collect();
    for nested in &block.blocks {
        let empty = match nested.nesting {
            Nesting::Single => Value::Null,
            Nesting::Group => null_object(&nested.block),
            Nesting::List => Value::List(Vec::new()),
            Nesting::Set => Value::Set(Vec::new()),
            Nesting::Map => Value::Map(BTreeMap::new()),
        };
        fields.insert(nested.type_name.clone(), empty);
    }
    Value::Object(fields)
}
