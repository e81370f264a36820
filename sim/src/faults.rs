//! Fault injection: throttling, server errors (generic or a chosen AWS error code), dropped
//! connections, lost responses, hung requests, latency, denied actions, list ordering,
//! asynchronous association failures, eventual consistency of lists and short-lived STS
//! sessions.
//!
//! One seeded RNG drives every random choice so a benchmark run can be replayed exactly.

use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Deserializer, Serialize};

use crate::family::PerFamily;

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
    /// The most items any paginated list/describe answer holds, whatever `MaxResults` asked
    /// (or when it asked nothing): AWS documents that a page may hold fewer items than asked
    /// for, with a token for the rest, so a client must follow tokens, never count on one page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_limit: Option<usize>,
    /// Per family, how long a mutation's effect stays invisible to list and describe answers.
    pub visibility_delay_ms: VisibilityDelays,
    /// Caps the lifetime of every STS session issued from now on (AWS's minimum
    /// `DurationSeconds` is 900, too long for a test to wait for an expiry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sts_session_seconds: Option<u32>,
}

/// The longest lifetime `sts_session_seconds` may cap to: AWS's own maximum.
pub const MAX_STS_SESSION_SECONDS: u32 = 43_200;

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
    /// The AWS error code `error_rate` answers (e.g. `ConflictException`), with the status the
    /// service's protocol gives it; absent = the service's internal error (500).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
}

/// A per-family fault table whose families are 0 unless set: its `Default` is all zeros, and
/// its JSON may leave families out (0) but not name one that does not exist.
macro_rules! zero_unless_given {
    ($table:ident, $zero:expr) => {
        impl Default for $table {
            fn default() -> Self {
                PerFamily::from_fn(|_| $zero)
            }
        }

        impl<'de> Deserialize<'de> for $table {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                PerFamily::deserialize_as(deserializer, stringify!($table), Some($zero), true)
            }
        }
    };
}

/// Per family, the chance that a new association ends in its failure outcome, as JSON
/// `{"client_vpn": 0.0, …}`; index it with a [`Family`](crate::Family).
pub type FailureRates = PerFamily<f64>;

zero_unless_given!(FailureRates, 0.0);

/// Per family, how long (ms) the effect of a mutation (associate, disassociate, deploy) stays
/// invisible to list and describe answers, as JSON `{"client_vpn": 20000, …}`: a new
/// association is not listed until then, a changed one is listed as it was before the change.
pub type VisibilityDelays = PerFamily<u64>;

zero_unless_given!(VisibilityDelays, 0);

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
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decision {
    pub latency_ms: u64,
    pub fault: Option<FaultKind>,
    /// For an `Error` fault, the AWS error code to answer instead of the internal error.
    pub error_code: Option<String>,
}

/// Whether a text can be an AWS error code: it goes into headers (`x-amzn-ErrorType`) and
/// bodies verbatim, so only letters, digits, `.` and `_`, starting with a letter.
fn is_error_code(code: &str) -> bool {
    (1..=128).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_alphabetic())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
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
            if let Some(code) = &r.error_code
                && !is_error_code(code)
            {
                return Err(format!(
                    "rules[{i}].error_code {code:?} is not an AWS error code (letters, digits, '.' and '_', starting with a letter)"
                ));
            }
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
        if let Some(seconds) = self.sts_session_seconds
            && !(1..=MAX_STS_SESSION_SECONDS).contains(&seconds)
        {
            return Err(format!(
                "sts_session_seconds must be between 1 and {MAX_STS_SESSION_SECONDS}, got {seconds}"
            ));
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
                error_code: None,
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
        let error_code = rule
            .error_code
            .clone()
            .filter(|_| fault == Some(FaultKind::Error));
        Decision {
            latency_ms,
            fault,
            error_code,
        }
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
    fn an_error_code_rides_on_the_error_fault_only() {
        let settings: FaultSettings = serde_json::from_value(serde_json::json!({
            "rules": [
                {"operation": "A", "error_rate": 1.0, "error_code": "ConflictException"},
                {"operation": "B", "throttle_rate": 1.0, "error_code": "ConflictException"}
            ]
        }))
        .unwrap();
        assert_eq!(settings.validate(), Ok(()));
        let mut rng = StdRng::seed_from_u64(1);
        let a = settings.decide("networkmanager", "A", &mut rng);
        assert_eq!(
            (a.fault, a.error_code.as_deref()),
            (Some(FaultKind::Error), Some("ConflictException"))
        );
        let b = settings.decide("networkmanager", "B", &mut rng);
        assert_eq!((b.fault, b.error_code), (Some(FaultKind::Throttle), None));
        for bad in ["", "Has Space", "9Lives", "x-amzn"] {
            let settings = FaultSettings {
                rules: vec![FaultRule {
                    error_code: Some(bad.to_string()),
                    ..FaultRule::default()
                }],
                ..FaultSettings::default()
            };
            assert!(
                settings.validate().unwrap_err().contains("error_code"),
                "{bad}"
            );
        }
    }

    #[test]
    fn visibility_delays_default_to_zero_and_reject_unknown_families() {
        let s: FaultSettings =
            serde_json::from_value(serde_json::json!({"visibility_delay_ms": {"client_vpn": 20}}))
                .unwrap();
        assert_eq!(s.visibility_delay_ms[crate::Family::ClientVpn], 20);
        assert_eq!(s.visibility_delay_ms[crate::Family::RouteServer], 0);
        assert!(
            serde_json::from_value::<FaultSettings>(
                serde_json::json!({"visibility_delay_ms": {"vpn": 20}})
            )
            .is_err()
        );
        let sts = |seconds| FaultSettings {
            sts_session_seconds: Some(seconds),
            ..FaultSettings::default()
        };
        assert_eq!(sts(1).validate(), Ok(()));
        assert!(sts(0).validate().is_err());
        assert!(sts(MAX_STS_SESSION_SECONDS + 1).validate().is_err());
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
