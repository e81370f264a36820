//! Importing an association by its import ID: `parent,member` (the one text form of an
//! [`AssociationKey`]), for a regional kind optionally followed by `@region`; each part checked
//! against its ID format.

use std::collections::BTreeMap;

use tf_provider_framework::diag::Diagnostics;
use tf_provider_framework::resource::ImportId;
use tf_provider_framework::schema::null_object;
use tf_provider_framework::value::Value;

use super::description;
use super::key::{AssociationKey, pair};
use super::kind::{Association, Scope};
use super::messages;
use super::resource::AssociationResource;
use crate::aws::ids::IdFormat;
use crate::aws::region;

impl<A: Association> AssociationResource<A> {
    /// The ID formats of the parent and member attributes, which make up the import ID.
    pub(super) fn key_formats(&self) -> (Option<IdFormat>, Option<IdFormat>) {
        let (parent_attr, member_attr) = A::SPEC.key;
        let formats: BTreeMap<&str, IdFormat> = A::SPEC
            .attributes
            .iter()
            .filter_map(|spec| Some((spec.name, spec.format?)))
            .collect();
        (
            formats.get(parent_attr).copied(),
            formats.get(member_attr).copied(),
        )
    }

    fn import_example(&self) -> String {
        let (parent, member) = self.key_formats();
        pair(
            parent.map_or("<parent>", |f| f.example),
            member.map_or("<member>", |f| f.example),
        )
    }

    /// How the import ID is written, with an example, for the docs.
    pub(super) fn import_id_form(&self) -> ImportId {
        let (parent, member) = A::SPEC.key;
        ImportId {
            shape: messages::import_id_shape(parent, member, A::SPEC.scope == Scope::Regional),
            example: self.import_example(),
        }
    }

    /// The state an import of `id` starts from: the key and `id`, with the region of an
    /// `@region` suffix.
    pub(super) fn import_state(&self, id: &str) -> Result<Value, Diagnostics> {
        let (parent_attr, member_attr) = A::SPEC.key;
        let (parent_format, member_format) = self.key_formats();
        let example = self.import_example();
        let suffix = if A::SPEC.scope == Scope::Regional {
            ", optionally followed by `@region`"
        } else {
            ""
        };
        let shape = format!("`{}`{suffix}", pair(parent_attr, member_attr));
        let wrong = |why: &str| {
            Diagnostics::from(messages::invalid_import_id(
                why,
                self.name(),
                &shape,
                &example,
            ))
        };
        // Without a suffix the region stays unset here, and the read that follows the import
        // records the provider's.
        let (id, region) = if A::SPEC.scope == Scope::Regional {
            region::split_import_id(id)
        } else {
            (id, None)
        };
        let key = AssociationKey::parse(id)
            .map_err(|not_a_pair| wrong(&messages::not_a_pair(id, not_a_pair.parts)))?;
        for (value, format) in [(&key.parent, parent_format), (&key.member, member_format)] {
            if let Some(format) = format {
                format
                    .check(value)
                    .map_err(|invalid| wrong(&invalid.to_string()))?;
            }
        }
        let mut fields = null_object(&description::schema::<A>().block)
            .as_object()
            .cloned()
            .unwrap_or_default();
        if let Some(region) = region {
            fields.insert(region::REGION.into(), Value::string(region));
        }
        fields.insert("id".into(), Value::string(self.association.id(&key)));
        fields.insert(parent_attr.into(), Value::string(&key.parent));
        fields.insert(member_attr.into(), Value::string(&key.member));
        Ok(Value::Object(fields))
    }
}
