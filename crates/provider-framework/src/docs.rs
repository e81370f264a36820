//! Registry documentation rendered from schemas, in the layout the Terraform and OpenTofu
//! registries show (front matter, example usage, a schema section grouped into Required, Optional
//! and Read-Only, nested blocks, import). Generating it from the schema keeps docs and behaviour
//! from drifting apart; a test fails when the committed files are stale.

use std::fmt::Write as _;

use super::identity::{IdentitySchema, ImportRole};
use super::resource::ImportId;
use super::schema::{Attribute, Block, Nesting, Schema};
use super::value::Type;

/// What a page says besides the schema.
pub struct Page<'a> {
    /// The provider type name for the provider page, the resource type name otherwise.
    pub name: &'a str,
    /// The provider type name, e.g. `random`: resource pages are titled after its program name.
    pub provider_type: &'a str,
    pub kind: PageKind,
    pub schema: &'a Schema,
    /// A Terraform configuration shown under "Example Usage".
    pub example: Option<&'a str>,
    /// What the import ID is made of; `None` leaves out the Import section.
    pub import_id: Option<&'a ImportId>,
    /// The resource's identity; `None` leaves out the import-by-identity example and the
    /// Identity Schema section.
    pub identity: Option<IdentityDoc<'a>>,
}

/// What the Import section says about a resource's identity.
pub struct IdentityDoc<'a> {
    pub schema: &'a IdentitySchema,
    /// A valid value of each required attribute, by name, for the example.
    pub example: &'a [(String, String)],
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    Provider,
    Resource,
    /// A list resource (`terraform query`): its schema is the `list` block's `config`, its
    /// example a `.tfquery.hcl` file.
    ListResource,
}

/// The first sentence of a description, for the front matter and the page's summary line.
fn summary(description: &str) -> String {
    let flat = description.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.find(". ") {
        Some(end) => flat[..=end].to_owned(),
        None => flat,
    }
}

fn type_label(ty: &Type) -> String {
    match ty {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(inner) => format!("List of {}", type_label(inner)),
        Type::Set(inner) => format!("Set of {}", type_label(inner)),
        Type::Map(inner) => format!("Map of {}", type_label(inner)),
        Type::Object(_) => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
    }
}

fn attribute_line(out: &mut String, attribute: &Attribute) {
    let mut label = type_label(&attribute.ty);
    if attribute.sensitive {
        label.push_str(", Sensitive");
    }
    if attribute.deprecated {
        label.push_str(", Deprecated");
    }
    // What the plan modifiers do is part of the attribute's contract, so the docs say it.
    let description = std::iter::once(attribute.description.as_str())
        .chain(attribute.plan_modifiers.iter().map(|m| m.description()))
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ");
    let _ = writeln!(out, "- `{}` ({label}) {description}", attribute.name);
}

fn anchor(path: &str) -> String {
    format!("nestedblock--{}", path.replace('.', "--"))
}

/// Which attributes a registry group lists.
type GroupFilter = fn(&Attribute) -> bool;

/// Renders the Required / Optional / Read-Only groups of a block, then its nested blocks.
fn block_schema(out: &mut String, block: &Block, path: &str, top_level: bool) {
    let groups: [(&str, GroupFilter); 3] = [
        ("Required", |a| a.required),
        ("Optional", |a| a.optional),
        ("Read-Only", |a| a.computed && !a.optional),
    ];
    for (title, belongs) in groups {
        let attributes: Vec<&Attribute> = block.attributes.iter().filter(|a| belongs(a)).collect();
        let blocks: Vec<_> = block
            .blocks
            .iter()
            .filter(|b| match title {
                "Required" => b.min_items > 0,
                "Optional" => b.min_items == 0,
                _ => false,
            })
            .collect();
        if attributes.is_empty() && blocks.is_empty() {
            continue;
        }
        if top_level {
            let _ = writeln!(out, "### {title}\n");
        } else {
            let _ = writeln!(out, "{title}:\n");
        }
        for attribute in attributes {
            attribute_line(out, attribute);
        }
        for nested in blocks {
            let nested_path = if path.is_empty() {
                nested.type_name.clone()
            } else {
                format!("{path}.{}", nested.type_name)
            };
            let nesting = match nested.nesting {
                Nesting::Single | Nesting::Group => "Block",
                Nesting::List => "Block List",
                Nesting::Set => "Block Set",
                Nesting::Map => "Block Map",
            };
            let limit = if nested.max_items > 0 {
                format!(", Max: {}", nested.max_items)
            } else {
                String::new()
            };
            let description = summary(&nested.block.description);
            let _ = writeln!(
                out,
                "- `{}` ({nesting}{limit}) {description}{}(see [below for nested schema](#{}))",
                nested.type_name,
                if description.is_empty() { "" } else { " " },
                anchor(&nested_path)
            );
        }
        out.push('\n');
    }
    for nested in &block.blocks {
        let nested_path = if path.is_empty() {
            nested.type_name.clone()
        } else {
            format!("{path}.{}", nested.type_name)
        };
        let _ = writeln!(
            out,
            "<a id=\"{}\"></a>\n### Nested Schema for `{nested_path}`\n",
            anchor(&nested_path)
        );
        block_schema(out, &nested.block, &nested_path, false);
    }
}

/// The import-by-identity example and the identity's schema, as hashicorp/aws's pages show
/// them under Import.
fn identity_section(out: &mut String, name: &str, identity: &IdentityDoc<'_>) {
    if !out.contains("## Import\n") {
        out.push_str("## Import\n\n");
    }
    let width = identity
        .example
        .iter()
        .map(|(attribute, _)| attribute.len())
        .max()
        .unwrap_or(0);
    let values: String = identity
        .example
        .iter()
        .map(|(attribute, value)| format!("    {attribute:<width$} = \"{value}\"\n"))
        .collect();
    let _ = writeln!(
        out,
        "In Terraform 1.12 and later, and in OpenTofu 1.12 and later, an `import` block can \
         name the resource by its identity instead:\n\n\
         ```terraform\nimport {{\n  to = {name}.example\n  identity = {{\n{values}  }}\n}}\n```\n\n\
         ### Identity Schema\n"
    );
    for (title, role) in [
        ("Required", ImportRole::Required),
        ("Optional", ImportRole::Optional),
    ] {
        let attributes: Vec<_> = identity
            .schema
            .attributes
            .iter()
            .filter(|a| a.import == role)
            .collect();
        if attributes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "#### {title}\n");
        for attribute in attributes {
            let description = attribute.description.split_whitespace().collect::<Vec<_>>();
            let _ = writeln!(
                out,
                "- `{}` ({}) {}",
                attribute.name,
                type_label(&attribute.ty),
                description.join(" ")
            );
        }
        out.push('\n');
    }
}

/// Renders one registry page.
pub fn render(page: &Page<'_>) -> String {
    let mut out = String::new();
    let description = page
        .schema
        .block
        .description
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let (title, heading) = match page.kind {
        PageKind::Provider => (
            format!("{} Provider", page.name),
            format!("# {} Provider", page.name),
        ),
        PageKind::Resource => (
            format!(
                "{} Resource - terraform-provider-{}",
                page.name, page.provider_type
            ),
            format!("# {} (Resource)", page.name),
        ),
        PageKind::ListResource => (
            format!(
                "{} List Resource - terraform-provider-{}",
                page.name, page.provider_type
            ),
            format!("# {} (List Resource)", page.name),
        ),
    };
    let _ = writeln!(
        out,
        "---\npage_title: \"{title}\"\nsubcategory: \"\"\ndescription: |-\n  {}\n---\n",
        summary(&description)
    );
    let _ = writeln!(out, "{heading}\n");
    if !description.is_empty() {
        let _ = writeln!(out, "{description}\n");
    }
    if let Some(example) = page.example {
        let _ = writeln!(
            out,
            "## Example Usage\n\n```terraform\n{}\n```\n",
            example.trim_end()
        );
    }
    out.push_str(
        "<!-- schema generated from the provider's schema; edit the code, not this section -->\n",
    );
    out.push_str("## Schema\n\n");
    block_schema(&mut out, &page.schema.block, "", true);
    if let Some(import_id) = page.import_id {
        let (name, ImportId { shape, example }) = (page.name, import_id);
        let _ = writeln!(
            out,
            "## Import\n\nThe import ID is {shape}.\n\n\
             In Terraform 1.5 and later, and in OpenTofu, use an `import` block:\n\n\
             ```terraform\nimport {{\n  to = {name}.example\n  id = \"{example}\"\n}}\n```\n\n\
             Or the `import` command:\n\n\
             ```shell\nterraform import {name}.example {example}\n```\n"
        );
    }
    if let Some(identity) = &page.identity {
        identity_section(&mut out, page.name, identity);
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}
