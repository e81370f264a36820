//! Fault injection: throttling, server errors, dropped connections, lost responses, hung
//! requests, latency, denied actions, list ordering and asynchronous association failures.
//!
//! One seeded RNG drives every random choice so a benchmark run can be replayed exactly.

use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Deserializer, Serialize};

use crate::families::PerFamily;

/// Service names accepted in fault rules and used in the call log.
pub const SERVICES: [&str; 4] = ["ec2", "networkmanager", "workspaces", "sts"];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultSettings {
    /// Checked in order; the first rule matching the call's service and operation applies.
    pub rules: Vec<FaultRule>,
    /// Operation names answered with the service's "not authorized" error.
    pub deny: Vec<String>,
    /// Chance that a new association ends in its family's failure outcome.
    pub failure_rate: FailureRates,
    /// Re-seeds the RNG when set, making the fault sequence reproducible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Order of the items in every list/describe answer.
    pub list_order: ListOrder,
}

/// How list and describe answers order their items. AWS documents no order, and after a
/// re-association it can list the finished record of a pair after the live one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListOrder {
    /// Oldest first (creation order).
    #[default]
    Creation,
    /// Newest first; pagination walks creation order backwards.
    NewestFirst,
    /// Pages hold the same items as in creation order, each page shuffled with the seeded RNG.
    Shuffled,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultRule {
    /// `ec2`, `networkmanager`, `workspaces` or `sts`; absent = any service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Operation name as in the API (`DescribeClientVpnTargetNetworks`); absent = any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    pub throttle_rate: f64,
    pub error_rate: f64,
    pub drop_rate: f64,
    /// Chance that the operation is performed but its answer never sent (connection closed).
    pub lost_response_rate: f64,
    /// Chance that the request is held open unanswered and not performed, until the client
    /// closes the connection or the emulator stops.
    pub hang_rate: f64,
    pub latency_ms: u64,
}

/// Per family, the chance that a new association ends in its failure outcome, as JSON
/// `{"client_vpn": 0.0, …}`; index it with a [`Family`](crate::Family).
pub type FailureRates = PerFamily<f64>;

impl Default for FailureRates {
    fn default() -> Self {
        PerFamily::from_fn(|_| 0.0)
    }
}

/// Families left out are 0; keys that name no family are rejected.
impl<'de> Deserialize<'de> for FailureRates {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        PerFamily::deserialize_as(deserializer, "FailureRates", Some(0.0), true)
    }
}

/// The fault a call was answered with, as recorded in the call log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    Throttle,
    Error,
    Drop,
    Deny,
    /// Performed, then the connection was closed without an answer.
    LostResponse,
    /// Held open without an answer and not performed.
    Hang,
}

/// What to do to one call before (or instead of) handling it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Decision {
    pub latency_ms: u64,
    pub fault: Option<FaultKind>,
}

impl FaultSettings {
    /// Rejects rates outside 0..=1 so a typo cannot silently mean "always" or "never".
    pub fn validate(&self) -> Result<(), String> {
        let check = |what: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(format!("{what} must be between 0 and 1, got {v}"))
            }
        };
        for (i, r) in self.rules.iter().enumerate() {
            check(&format!("rules[{i}].throttle_rate"), r.throttle_rate)?;
            check(&format!("rules[{i}].error_rate"), r.error_rate)?;
            check(&format!("rules[{i}].drop_rate"), r.drop_rate)?;
            check(
                &format!("rules[{i}].lost_response_rate"),
                r.lost_response_rate,
            )?;
            check(&format!("rules[{i}].hang_rate"), r.hang_rate)?;
            if let Some(s) = &r.service
                && !SERVICES.contains(&s.as_str())
            {
                return Err(format!(
                    "rules[{i}].service {s:?} is not one of {}",
                    SERVICES.join(", ")
                ));
            }
        }
        for (family, rate) in self.failure_rate.iter() {
            check(&format!("failure_rate.{family}"), *rate)?;
        }
        Ok(())
    }

    /// Decides the fate of one call. Deny wins over random faults because a permission
    /// decision is deterministic in AWS; the random draws happen in a fixed order (drop,
    /// throttle, error, lost response, hang) so a seeded run repeats. A rate of 0 draws
    /// nothing, so adding a fault kind never shifts the sequence of runs that do not use it.
    pub fn decide(&self, service: &str, operation: &str, rng: &mut StdRng) -> Decision {
        let rule = self.rules.iter().find(|r| {
            r.service.as_deref().is_none_or(|s| s == service)
                && r.operation.as_deref().is_none_or(|o| o == operation)
        });
        let latency_ms = rule.map_or(0, |r| r.latency_ms);
        if self.deny.iter().any(|d| d == operation) {
            return Decision {
                latency_ms,
                fault: Some(FaultKind::Deny),
            };
        }
        let Some(rule) = rule else {
            return Decision::default();
        };
        let mut roll = |rate: f64| rate > 0.0 && rng.random::<f64>() < rate;
        let fault = if roll(rule.drop_rate) {
            Some(FaultKind::Drop)
        } else if roll(rule.throttle_rate) {
            Some(FaultKind::Throttle)
        } else if roll(rule.error_rate) {
            Some(FaultKind::Error)
        } else if roll(rule.lost_response_rate) {
            Some(FaultKind::LostResponse)
        } else if roll(rule.hang_rate) {
            Some(FaultKind::Hang)
        } else {
            None
        };
        Decision { latency_ms, fault }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_first_matching_rule_applies_and_deny_beats_randomness() {
        let settings: FaultSettings = serde_json::from_value(serde_json::json!({
            "rules": [
                {"service": "ec2", "operation": "GetRouteServerAssociations", "throttle_rate": 1.0},
                {"error_rate": 1.0, "latency_ms": 5}
            ],
            "deny": ["DisassociateRouteServer"]
        }))
        .unwrap();
        let mut rng = StdRng::seed_from_u64(1);
        let d = settings.decide("ec2", "GetRouteServerAssociations", &mut rng);
        assert_eq!(d.fault, Some(FaultKind::Throttle));
        let d = settings.decide("workspaces", "AssociateWorkspaceApplication", &mut rng);
        assert_eq!(d.fault, Some(FaultKind::Error));
        assert_eq!(d.latency_ms, 5);
        let d = settings.decide("ec2", "DisassociateRouteServer", &mut rng);
        assert_eq!(d.fault, Some(FaultKind::Deny));
    }

    #[test]
    fn lost_response_and_hang_roll_after_the_older_faults() {
        let settings: FaultSettings = serde_json::from_value(serde_json::json!({
            "rules": [
                {"operation": "A", "lost_response_rate": 1.0, "hang_rate": 1.0},
                {"operation": "B", "hang_rate": 1.0},
                {"operation": "C", "drop_rate": 1.0, "lost_response_rate": 1.0}
            ]
        }))
        .unwrap();
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(
            settings.decide("ec2", "A", &mut rng).fault,
            Some(FaultKind::LostResponse)
        );
        assert_eq!(
            settings.decide("ec2", "B", &mut rng).fault,
            Some(FaultKind::Hang)
        );
        assert_eq!(
            settings.decide("ec2", "C", &mut rng).fault,
            Some(FaultKind::Drop)
        );
        assert_eq!(
            serde_json::to_value([FaultKind::LostResponse, FaultKind::Hang]).unwrap(),
            serde_json::json!(["lost_response", "hang"])
        );
    }

    #[test]
    fn zero_rates_draw_nothing_so_seeded_sequences_do_not_shift() {
        let old: FaultSettings = serde_json::from_value(
            serde_json::json!({"rules": [{"throttle_rate": 0.5, "error_rate": 0.5}]}),
        )
        .unwrap();
        let mut new = old.clone();
        new.rules[0].lost_response_rate = 0.0;
        new.rules[0].hang_rate = 0.0;
        let run = |s: &FaultSettings| {
            let mut rng = StdRng::seed_from_u64(9);
            (0..50)
                .map(|_| s.decide("ec2", "X", &mut rng).fault)
                .collect::<Vec<_>>()
        };
        assert_eq!(run(&old), run(&new));
    }

    #[test]
    fn list_order_is_snake_case_and_defaults_to_creation() {
        let s: FaultSettings = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(s.list_order, ListOrder::Creation);
        for (text, order) in [
            ("creation", ListOrder::Creation),
            ("newest_first", ListOrder::NewestFirst),
            ("shuffled", ListOrder::Shuffled),
        ] {
            let s: FaultSettings =
                serde_json::from_value(serde_json::json!({"list_order": text})).unwrap();
            assert_eq!(s.list_order, order);
        }
        assert!(
            serde_json::from_value::<FaultSettings>(serde_json::json!({"list_order": "random"}))
                .is_err()
        );
    }

    #[test]
    fn rates_outside_zero_to_one_are_rejected() {
        let settings = FaultSettings {
            rules: vec![FaultRule {
                drop_rate: 1.5,
                ..FaultRule::default()
            }],
            ..FaultSettings::default()
        };
        assert!(settings.validate().unwrap_err().contains("drop_rate"));
        for rule in [
            FaultRule {
                lost_response_rate: 1.01,
                ..FaultRule::default()
            },
            FaultRule {
                hang_rate: -0.1,
                ..FaultRule::default()
            },
        ] {
            let settings = FaultSettings {
                rules: vec![rule],
                ..FaultSettings::default()
            };
            assert!(settings.validate().unwrap_err().contains("rules[0]"));
        }
        let sts = FaultSettings {
            rules: vec![FaultRule {
                service: Some("sts".into()),
                ..FaultRule::default()
            }],
            ..FaultSettings::default()
        };
        assert_eq!(sts.validate(), Ok(()));
    }
}
