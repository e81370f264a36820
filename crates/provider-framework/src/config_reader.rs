//! Reading a configuration value attribute by attribute, with every mistake reported as a
//! diagnostic on the attribute that holds it.
//!
//! Terraform checks a provider's configuration twice: at plan time (ValidateProviderConfig),
//! when some values may still be unknown, and at configure time (ConfigureProvider), when the
//! provider needs every value. One reader serves both, so the two checks cannot drift apart: a
//! [`Strictness::Lenient`] reader skips unknown values, a [`Strictness::Strict`] one reports
//! them. What a value means is the caller's business; this module only knows Terraform's types.

use std::collections::BTreeMap;

use crate::diag::{AttributePath, Diagnostic, Diagnostics};
use crate::value::{Number, Value};

/// The attributes of an object value (the configuration itself or a nested block).
pub type Object = BTreeMap<String, Value>;

/// Whether unknown values are tolerated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strictness {
    /// Plan-time validation: an unknown value is skipped, since Terraform asks again once it is
    /// known.
    Lenient,
    /// Configure time: an unknown value is an error, since nothing can be built from it.
    Strict,
}

/// One attribute as read from a configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field<T> {
    Unset,
    Unknown,
    Set(T),
}

impl<T> Field<T> {
    pub fn is_set(&self) -> bool {
        matches!(self, Field::Set(_))
    }

    pub fn into_option(self) -> Option<T> {
        match self {
            Field::Set(v) => Some(v),
            Field::Unset | Field::Unknown => None,
        }
    }

    /// The set value transformed; unset and unknown stay what they are.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Field<U> {
        match self {
            Field::Set(v) => Field::Set(f(v)),
            Field::Unset => Field::Unset,
            Field::Unknown => Field::Unknown,
        }
    }
}

/// The path of `name` inside `base` (a nested block), or at the root without one.
pub fn child(base: Option<&AttributePath>, name: &str) -> AttributePath {
    match base {
        Some(base) => base.clone().attribute(name),
        None => AttributePath::root(name),
    }
}

static EMPTY: Object = BTreeMap::new();

/// Walks a configuration value once, collecting diagnostics along the way.
pub struct Reader {
    strictness: Strictness,
    diags: Diagnostics,
}

impl Reader {
    pub fn new(strictness: Strictness) -> Self {
        Reader {
            strictness,
            diags: Diagnostics::new(),
        }
    }

    pub fn strictness(&self) -> Strictness {
        self.strictness
    }

    /// Every diagnostic reported so far.
    pub fn into_diagnostics(self) -> Diagnostics {
        self.diags
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    /// An error on the attribute at `path`.
    pub fn error(&mut self, path: AttributePath, summary: &str, detail: impl Into<String>) {
        self.diags.push(Diagnostic::error(summary, detail).at(path));
    }

    /// The attributes of the whole provider configuration; an empty object (with a diagnostic
    /// where that is a mistake) when it is not an object.
    pub fn provider_config<'v>(&mut self, config: &'v Value) -> &'v Object {
        match config {
            Value::Object(fields) => fields,
            Value::Null => &EMPTY,
            Value::Unknown if self.strictness == Strictness::Lenient => &EMPTY,
            Value::Unknown => {
                self.diags.push(Diagnostic::error(
                    "Provider configuration not known",
                    "The whole provider configuration depends on values only known after apply; \
                     configure the provider from variables, locals or data sources instead.",
                ));
                &EMPTY
            }
            _ => {
                self.diags.push(Diagnostic::error(
                    "Invalid provider configuration",
                    "The provider configuration must be an object of the provider block's type; \
                     this is a bug in Terraform or in the provider.",
                ));
                &EMPTY
            }
        }
    }

    /// Classifies a raw value; when strict, an unknown value is reported right here so each
    /// attribute's check does not have to.
    pub fn classify<'v>(
        &mut self,
        value: Option<&'v Value>,
        path: &AttributePath,
    ) -> Field<&'v Value> {
        match value {
            None | Some(Value::Null) => Field::Unset,
            Some(Value::Unknown) => {
                if self.strictness == Strictness::Strict {
                    self.error(
                        path.clone(),
                        "Provider argument not known",
                        format!(
                            "`{path}` depends on a value that is only known after apply, but \
                             the provider must be configured before planning. Set it from a \
                             variable, a local value or a data source instead of a managed \
                             resource's attribute."
                        ),
                    );
                }
                Field::Unknown
            }
            Some(Value::Dynamic(_, inner)) => self.classify(Some(inner.as_ref()), path),
            Some(other) => Field::Set(other),
        }
    }

    /// Reports a value of the wrong type; `expected` completes "must be ...".
    pub fn wrong_type(&mut self, path: AttributePath, expected: &str) {
        self.error(
            path.clone(),
            "Invalid provider argument type",
            format!("`{path}` must be {expected}."),
        );
    }

    /// Reads one attribute with `convert`, which picks the value apart or says what type was
    /// expected; a value of the wrong type is reported and counts as unset.
    fn typed<'v, T>(
        &mut self,
        object: &'v Object,
        name: &str,
        path: AttributePath,
        expected: &str,
        convert: impl FnOnce(&'v Value) -> Option<T>,
    ) -> Field<T> {
        match self.classify(object.get(name), &path) {
            Field::Set(value) => match convert(value) {
                Some(converted) => Field::Set(converted),
                None => {
                    self.wrong_type(path, expected);
                    Field::Unset
                }
            },
            Field::Unset => Field::Unset,
            Field::Unknown => Field::Unknown,
        }
    }

    /// A string attribute; `""` counts as unset, so `x = var.x` with a `""` default behaves
    /// like an absent argument.
    pub fn string(
        &mut self,
        object: &Object,
        name: &str,
        base: Option<&AttributePath>,
    ) -> Field<String> {
        match self.typed(
            object,
            name,
            child(base, name),
            "a string",
            |value| match value {
                Value::String(s) => Some(s.clone()),
                _ => None,
            },
        ) {
            Field::Set(s) if s.is_empty() => Field::Unset,
            other => other,
        }
    }

    /// A string attribute checked with `check`; an invalid value is reported (with `summary`
    /// and the check's detail) and counts as unset.
    pub fn checked_string<T>(
        &mut self,
        object: &Object,
        name: &str,
        base: Option<&AttributePath>,
        summary: &str,
        check: impl FnOnce(&str) -> Result<T, String>,
    ) -> Field<(String, T)> {
        match self.string(object, name, base) {
            Field::Set(s) => match check(&s) {
                Ok(parsed) => Field::Set((s, parsed)),
                Err(detail) => {
                    self.error(child(base, name), summary, detail);
                    Field::Unset
                }
            },
            Field::Unset => Field::Unset,
            Field::Unknown => Field::Unknown,
        }
    }

    /// A top-level list (or set) of non-blank strings. A blank or null entry is reported with
    /// `blank_entry`'s summary and detail at the entry; the list is unknown when an entry is.
    pub fn string_list(
        &mut self,
        object: &Object,
        name: &str,
        blank_entry: (&str, &str),
    ) -> Field<Vec<String>> {
        let path = AttributePath::root(name);
        let items =
            match self.typed(
                object,
                name,
                path.clone(),
                "a list of strings",
                |value| match value {
                    Value::List(items) | Value::Set(items) | Value::Tuple(items) => Some(items),
                    _ => None,
                },
            ) {
                Field::Set(items) => items,
                Field::Unset => return Field::Unset,
                Field::Unknown => return Field::Unknown,
            };
        let (summary, detail) = blank_entry;
        let mut out = Vec::with_capacity(items.len());
        let mut any_unknown = false;
        for (index, item) in items.iter().enumerate() {
            let item_path = path.clone().index(index as i64);
            match self.classify(Some(item), &item_path) {
                Field::Set(Value::String(s)) if !s.trim().is_empty() => out.push(s.clone()),
                Field::Set(Value::String(_)) | Field::Unset => {
                    self.error(item_path, summary, detail)
                }
                Field::Set(_) => self.wrong_type(item_path, "a string"),
                Field::Unknown => any_unknown = true,
            }
        }
        if any_unknown {
            Field::Unknown
        } else {
            Field::Set(out)
        }
    }

    /// A top-level number attribute, as a float (Terraform numbers are arbitrary; whether a
    /// fraction or the range is acceptable is the caller's rule).
    pub fn number(&mut self, object: &Object, name: &str) -> Field<f64> {
        self.typed(
            object,
            name,
            AttributePath::root(name),
            "a number",
            |value| match value {
                Value::Number(Number::Int(i)) => Some(*i as f64),
                Value::Number(Number::Float(f)) => Some(*f),
                _ => None,
            },
        )
    }

    /// A top-level bool attribute.
    pub fn bool(&mut self, object: &Object, name: &str) -> Field<bool> {
        self.typed(
            object,
            name,
            AttributePath::root(name),
            "true or false",
            |value| match value {
                Value::Bool(b) => Some(*b),
                _ => None,
            },
        )
    }

    /// A top-level block nested once (`Nesting::Single`): its attributes when present, `None`
    /// when absent or unknown.
    pub fn single_block<'v>(&mut self, object: &'v Object, name: &str) -> Option<&'v Object> {
        self.typed(
            object,
            name,
            AttributePath::root(name),
            "a block",
            |value| match value {
                Value::Object(fields) => Some(fields),
                _ => None,
            },
        )
        .into_option()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(fields: &[(&str, Value)]) -> Object {
        fields
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect()
    }

    #[test]
    fn unknowns_are_skipped_when_lenient_and_reported_when_strict() {
        let config = object(&[("region", Value::Unknown)]);
        let mut lenient = Reader::new(Strictness::Lenient);
        assert_eq!(lenient.string(&config, "region", None), Field::Unknown);
        assert!(lenient.into_diagnostics().is_empty());
        let mut strict = Reader::new(Strictness::Strict);
        assert_eq!(strict.string(&config, "region", None), Field::Unknown);
        let diags = strict.into_diagnostics();
        let d = diags.iter().next().expect("a diagnostic");
        assert_eq!(d.summary, "Provider argument not known");
        assert_eq!(d.attribute, Some(AttributePath::root("region")));
    }

    #[test]
    fn wrong_types_are_reported_on_the_attribute_and_count_as_unset() {
        let config = object(&[
            ("flag", Value::string("yes")),
            ("name", Value::Bool(true)),
            ("count", Value::string("3")),
        ]);
        let mut reader = Reader::new(Strictness::Strict);
        assert_eq!(reader.bool(&config, "flag"), Field::Unset);
        assert_eq!(reader.string(&config, "name", None), Field::Unset);
        assert_eq!(reader.number(&config, "count"), Field::Unset);
        let details: Vec<String> = reader
            .into_diagnostics()
            .iter()
            .map(|d| d.detail.clone())
            .collect();
        assert_eq!(
            details,
            [
                "`flag` must be true or false.",
                "`name` must be a string.",
                "`count` must be a number."
            ]
        );
    }

    #[test]
    fn empty_strings_are_unset_and_blank_list_entries_are_reported() {
        let config = object(&[
            ("name", Value::string("")),
            (
                "files",
                Value::List(vec![Value::string("a"), Value::string(" ")]),
            ),
        ]);
        let mut reader = Reader::new(Strictness::Strict);
        assert_eq!(reader.string(&config, "name", None), Field::Unset);
        assert_eq!(
            reader.string_list(&config, "files", ("Empty entry", "Name a file.")),
            Field::Set(vec!["a".to_owned()])
        );
        let diags = reader.into_diagnostics();
        let d = diags.iter().next().expect("a diagnostic");
        assert_eq!(d.summary, "Empty entry");
        assert_eq!(d.attribute, Some(AttributePath::root("files").index(1)));
    }
}
