//! Plan modifiers: rules attached to an attribute that adjust its planned value or decide that
//! changing it needs a new object, in the spirit of terraform-plugin-framework's.
//!
//! The framework plans every resource the same way (see [`plan`](super::plan)); what differs
//! between attributes is said here, once, next to the attribute: "changing this replaces the
//! resource" ([`RequiresReplace`]), "this value survives updates" ([`UseStateForUnknown`]), or a
//! rule of the provider's own. Each modifier describes itself, and the registry docs show the
//! descriptions, so the docs cannot disagree with the plan.

use std::fmt;
use std::sync::Arc;

use super::value::Value;

/// What a modifier sees of one attribute in one plan.
#[derive(Debug)]
pub struct Change<'a> {
    /// The configured value (null when unset).
    pub config: &'a Value,
    /// The value in the prior state; null when the object is being created.
    pub prior: &'a Value,
    /// Whether an object exists already (an update or replacement is being planned).
    pub updating: bool,
    /// The value the provider's configuration gives the attribute when the configuration
    /// leaves it unset, if it gives one (already planned in that case).
    pub default: Option<&'a Value>,
}

/// A rule for one attribute's plan.
pub trait PlanModifier: Send + Sync + fmt::Debug {
    /// Markdown for the registry docs, as a sentence: "Changing this value replaces the
    /// resource."
    fn description(&self) -> &str;

    /// Adjusts `planned` (the value the plan proposes so far) and says whether the change
    /// forces a replacement.
    fn modify(&self, change: &Change<'_>, planned: &mut Value) -> Effect;
}

/// What a modifier decided.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Effect {
    pub requires_replace: bool,
}

/// A changed value cannot be applied in place: the plan replaces the object. A value not known
/// until apply counts as changed, since it may well differ. A prior state that never recorded
/// the attribute (null: written before it existed) taking the provider's default is no change:
/// the object was made there all along (hashicorp/aws treats its new `region` so).
#[derive(Debug, Clone, Copy)]
pub struct RequiresReplace;

impl PlanModifier for RequiresReplace {
    fn description(&self) -> &str {
        "Changing this value replaces the resource."
    }

    fn modify(&self, change: &Change<'_>, planned: &mut Value) -> Effect {
        let first_recorded_default = change.prior.is_null() && change.default == Some(planned);
        Effect {
            requires_replace: change.updating
                && !first_recorded_default
                && (!planned.is_wholly_known() || planned != change.prior),
        }
    }
}

/// A computed value that, once known, stays the same for the object's lifetime: an update plan
/// keeps the prior value instead of showing "known after apply".
#[derive(Debug, Clone, Copy)]
pub struct UseStateForUnknown;

impl PlanModifier for UseStateForUnknown {
    fn description(&self) -> &str {
        "The value does not change once known, unless the resource is replaced."
    }

    fn modify(&self, change: &Change<'_>, planned: &mut Value) -> Effect {
        if change.updating && planned.is_unknown() && !change.prior.is_null() {
            *planned = change.prior.clone();
        }
        Effect::default()
    }
}

/// A modifier as an attribute holds it.
pub type Modifier = Arc<dyn PlanModifier>;

#[cfg(test)]
mod tests {
    use super::*;

    fn change<'a>(prior: &'a Value, updating: bool) -> Change<'a> {
        Change {
            config: &Value::Null,
            prior,
            updating,
            default: None,
        }
    }

    #[test]
    fn requires_replace_only_when_an_existing_value_changes() {
        let prior = Value::string("a");
        let mut same = Value::string("a");
        let mut other = Value::string("b");
        let mut unknown = Value::Unknown;
        assert!(
            !RequiresReplace
                .modify(&change(&prior, true), &mut same)
                .requires_replace
        );
        assert!(
            RequiresReplace
                .modify(&change(&prior, true), &mut other)
                .requires_replace
        );
        assert!(
            RequiresReplace
                .modify(&change(&prior, true), &mut unknown)
                .requires_replace
        );
        assert!(
            !RequiresReplace
                .modify(&change(&Value::Null, false), &mut other)
                .requires_replace
        );
    }

    #[test]
    fn a_default_recorded_for_the_first_time_is_no_change_but_another_value_is() {
        let default = Value::string("us-east-1");
        let first_recording = Change {
            default: Some(&default),
            ..change(&Value::Null, true)
        };
        let mut planned = default.clone();
        assert!(
            !RequiresReplace
                .modify(&first_recording, &mut planned)
                .requires_replace
        );
        let mut elsewhere = Value::string("eu-west-1");
        assert!(
            RequiresReplace
                .modify(&first_recording, &mut elsewhere)
                .requires_replace
        );
        // A recorded value that differs from the provider's default is a move: replaced.
        let recorded = Value::string("eu-west-1");
        let provider_moved = Change {
            default: Some(&default),
            ..change(&recorded, true)
        };
        let mut planned = default.clone();
        assert!(
            RequiresReplace
                .modify(&provider_moved, &mut planned)
                .requires_replace
        );
    }

    #[test]
    fn use_state_for_unknown_keeps_the_prior_value_in_an_update() {
        let prior = Value::string("assoc-1");
        let mut planned = Value::Unknown;
        UseStateForUnknown.modify(&change(&prior, true), &mut planned);
        assert_eq!(planned, prior);
        let mut created = Value::Unknown;
        UseStateForUnknown.modify(&change(&Value::Null, false), &mut created);
        assert!(created.is_unknown());
    }
}
