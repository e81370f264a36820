//! The schema model: what a provider or resource accepts, computes and documents.
//!
//! This is the framework's own description of a schema. The gRPC server converts it to
//! `tfplugin6.Schema`, the documentation generator renders it, and the plan helpers read the
//! `requires_replace` hints from it.

use std::collections::BTreeMap;

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

#[derive(Clone, Debug, PartialEq)]
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
    /// A change of this attribute cannot be applied in place: the plan replaces the object.
    pub requires_replace: bool,
    /// A computed value that, once known, stays the same until the object is replaced, so a plan
    /// keeps the prior value instead of marking it unknown.
    pub use_state_for_unknown: bool,
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
            requires_replace: false,
            use_state_for_unknown: false,
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

    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }

    pub fn use_state_for_unknown(mut self) -> Self {
        self.use_state_for_unknown = true;
        self
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
