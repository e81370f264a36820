//! Conversions from the framework's schema and diagnostics to their tfplugin6 messages.

use super::diag::{AttributePath, Diagnostics, PathStep, Severity};
use super::identity::{IdentitySchema, ImportRole};
use super::proto::tfplugin6 as pb;
use super::schema::{Attribute, Block, DescriptionKind, NestedBlock, Nesting, Schema};
use super::type_json;

pub fn schema(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block(&schema.block)),
    }
}

pub fn identity_schema(schema: &IdentitySchema) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: schema.version,
        identity_attributes: schema
            .attributes
            .iter()
            .map(|a| pb::resource_identity_schema::IdentityAttribute {
                name: a.name.clone(),
                r#type: type_json::encode_type(&a.ty),
                required_for_import: a.import == ImportRole::Required,
                optional_for_import: a.import == ImportRole::Optional,
                description: a.description.clone(),
            })
            .collect(),
    }
}

fn description_kind(kind: DescriptionKind) -> i32 {
    match kind {
        DescriptionKind::Plain => pb::StringKind::Plain as i32,
        DescriptionKind::Markdown => pb::StringKind::Markdown as i32,
    }
}

fn block(block: &Block) -> pb::schema::Block {
    pb::schema::Block {
        attributes: block.attributes.iter().map(attribute).collect(),
        block_types: block.blocks.iter().map(nested_block).collect(),
        description: block.description.clone(),
        description_kind: description_kind(block.description_kind),
        deprecated: block.deprecated,
        ..Default::default()
    }
}

fn attribute(attribute: &Attribute) -> pb::schema::Attribute {
    pb::schema::Attribute {
        name: attribute.name.clone(),
        r#type: type_json::encode_type(&attribute.ty),
        description: attribute.description.clone(),
        description_kind: description_kind(attribute.description_kind),
        required: attribute.required,
        optional: attribute.optional,
        computed: attribute.computed,
        sensitive: attribute.sensitive,
        deprecated: attribute.deprecated,
        ..Default::default()
    }
}

fn nested_block(nested: &NestedBlock) -> pb::schema::NestedBlock {
    let nesting = match nested.nesting {
        Nesting::Single => pb::schema::nested_block::NestingMode::Single,
        Nesting::Group => pb::schema::nested_block::NestingMode::Group,
        Nesting::List => pb::schema::nested_block::NestingMode::List,
        Nesting::Set => pb::schema::nested_block::NestingMode::Set,
        Nesting::Map => pb::schema::nested_block::NestingMode::Map,
    };
    pb::schema::NestedBlock {
        type_name: nested.type_name.clone(),
        block: Some(block(&nested.block)),
        nesting: nesting as i32,
        min_items: nested.min_items,
        max_items: nested.max_items,
    }
}

pub fn attribute_path(path: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    let steps = path
        .0
        .iter()
        .map(|step| pb::attribute_path::Step {
            selector: Some(match step {
                PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                PathStep::Key(key) => Selector::ElementKeyString(key.clone()),
                PathStep::Index(index) => Selector::ElementKeyInt(*index),
            }),
        })
        .collect();
    pb::AttributePath { steps }
}

pub fn diagnostics(diags: &Diagnostics) -> Vec<pb::Diagnostic> {
    diags
        .iter()
        .map(|d| pb::Diagnostic {
            severity: match d.severity {
                Severity::Error => pb::diagnostic::Severity::Error as i32,
                Severity::Warning => pb::diagnostic::Severity::Warning as i32,
            },
            summary: d.summary.clone(),
            detail: d.detail.clone(),
            attribute: d.attribute.as_ref().map(attribute_path),
        })
        .collect()
}
