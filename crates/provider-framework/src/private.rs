//! The private data Terraform keeps with each resource instance, and what the framework keeps
//! in it.
//!
//! Terraform stores a resource instance's private bytes in state, hands them back on every
//! read and plan, and carries a plan's private bytes to its apply. This framework lays them out
//! as a small JSON document holding the resource's own text ([`Context::private`] /
//! [`Outcome::private`](crate::resource::Outcome::private)) and, between a plan and its apply,
//! notes of its own: which object an update plan concerns (so a replacement the core forces can
//! be checked, see [`PendingUpdates`]) and warnings the core would otherwise drop.
//!
//! [`Context::private`]: crate::resource::Context::private

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use serde_json::{Value as Json, json};

use super::diag::{Diagnostic, Diagnostics};
use super::value::Value;

/// Identifies the layout, so bytes written by anything else are taken as the resource's own.
const LAYOUT: &str = "tf-provider-framework/private/v1";

/// One resource instance's private data.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Private {
    /// The resource's own text.
    pub resource: String,
    /// The update plan this private data came from, if any (see [`PendingUpdates`]).
    pub update: Option<u64>,
    /// Warnings to show when the plan is applied: the core ignores warnings from the plan call
    /// for the create half of a replacement it forced.
    pub deferred: Vec<(String, String)>,
}

impl Private {
    /// Reads private bytes; anything not in this layout is the resource's own text.
    pub fn decode(bytes: &[u8]) -> Private {
        let parsed = serde_json::from_slice::<Json>(bytes)
            .ok()
            .filter(|doc| doc["layout"] == LAYOUT);
        let Some(doc) = parsed else {
            return Private {
                resource: String::from_utf8_lossy(bytes).into_owned(),
                ..Private::default()
            };
        };
        Private {
            resource: doc["resource"].as_str().unwrap_or_default().to_owned(),
            update: doc["update"].as_u64(),
            deferred: doc["deferred"]
                .as_array()
                .map(|warnings| {
                    warnings
                        .iter()
                        .map(|w| {
                            let text = |key: &str| w[key].as_str().unwrap_or_default().to_owned();
                            (text("summary"), text("detail"))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The bytes to hand back to Terraform; none when there is nothing to keep.
    pub fn encode(&self) -> Vec<u8> {
        if *self == Private::default() {
            return Vec::new();
        }
        let deferred: Vec<Json> = self
            .deferred
            .iter()
            .map(|(summary, detail)| json!({"summary": summary, "detail": detail}))
            .collect();
        json!({
            "layout": LAYOUT,
            "resource": self.resource,
            "update": self.update,
            "deferred": deferred,
        })
        .to_string()
        .into_bytes()
    }

    /// Only the resource's own text, without the framework's notes about one plan.
    pub fn resource_only(&self) -> Private {
        Private {
            resource: self.resource.clone(),
            ..Private::default()
        }
    }

    /// Keeps `warnings` to show at apply.
    pub fn defer(&mut self, warnings: Diagnostics) {
        self.deferred.extend(
            warnings
                .iter()
                .map(|d| (d.summary.clone(), d.detail.clone())),
        );
    }

    /// The deferred warnings followed by `diags`.
    pub fn with_deferred(&self, diags: Diagnostics) -> Diagnostics {
        let mut all = Diagnostics::new();
        for (summary, detail) in &self.deferred {
            all.push(Diagnostic::warning(summary.clone(), detail.clone()));
        }
        all.extend(diags);
        all
    }
}

/// Update plans the core may still turn into a replacement without telling the provider
/// (`-replace`, `replace_triggered_by`, a tainted object). The core then plans the create half
/// again with a null prior and hands back the update plan's private data, in which the update
/// plan left a number naming the prior object kept here; the create half can then run the
/// removal checks for the object it replaces.
#[derive(Default)]
pub struct PendingUpdates {
    next: AtomicU64,
    priors: Mutex<HashMap<u64, Value>>,
}

/// More pending updates than any plan has; past it the oldest plan is long over.
const MAX_PENDING_UPDATES: usize = 100_000;

impl PendingUpdates {
    /// Remembers `prior` and returns the number that names it.
    pub fn remember(&self, prior: Value) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let mut priors = self.priors.lock().unwrap_or_else(PoisonError::into_inner);
        if priors.len() >= MAX_PENDING_UPDATES {
            priors.clear();
        }
        priors.insert(id, prior);
        id
    }

    /// The object an update plan named, once.
    pub fn take(&self, id: u64) -> Option<Value> {
        self.priors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_round_trips_and_foreign_bytes_are_the_resources_own() {
        let private = Private {
            resource: "{\"learned\":[1,2]}".into(),
            update: Some(7),
            deferred: vec![("careful".into(), "this cuts users off".into())],
        };
        assert_eq!(Private::decode(&private.encode()), private);
        assert_eq!(Private::decode(b"legacy").resource, "legacy");
        assert!(Private::default().encode().is_empty());
        assert_eq!(Private::decode(&[]), Private::default());
    }

    #[test]
    fn deferred_warnings_come_first_at_apply() {
        let mut private = Private::default();
        private.defer(Diagnostic::warning("w", "d").into());
        let all = private.with_deferred(Diagnostic::error("e", "x").into());
        let summaries: Vec<_> = all.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(summaries, ["w", "e"]);
    }

    #[test]
    fn a_pending_update_is_taken_once() {
        let pending = PendingUpdates::default();
        let id = pending.remember(Value::string("prior"));
        assert_eq!(pending.take(id), Some(Value::string("prior")));
        assert_eq!(pending.take(id), None);
    }
}
