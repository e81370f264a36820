//! Timing profiles: how long each association family spends in its transitional states.
//!
//! Real AWS takes minutes for some of these transitions; tests cannot wait that long, so the
//! emulator scales time per profile and lets callers override single numbers at run time.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Named timing presets. `Fast` is for automated tests, `Demo` for a human watching, `Realistic`
/// approximates what AWS is observed to take (aws-wire.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    #[default]
    Fast,
    Demo,
    Realistic,
}

impl FromStr for Profile {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fast" => Ok(Profile::Fast),
            "demo" => Ok(Profile::Demo),
            "realistic" => Ok(Profile::Realistic),
            other => anyhow::bail!("unknown profile {other:?}; expected fast, demo or realistic"),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Profile::Fast => "fast",
            Profile::Demo => "demo",
            Profile::Realistic => "realistic",
        })
    }
}

/// Durations of one family's transitions, in milliseconds.
///
/// `grace_ms` is how long a finished disassociation stays visible in its terminal state
/// (`disassociated`, `DELETED`, `REMOVED`) before it vanishes; route server associations have
/// no such state and ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FamilyDurations {
    pub associate_ms: u64,
    pub disassociate_ms: u64,
    pub grace_ms: u64,
}

impl FamilyDurations {
    const fn new(associate_ms: u64, disassociate_ms: u64, grace_ms: u64) -> Self {
        FamilyDurations {
            associate_ms,
            disassociate_ms,
            grace_ms,
        }
    }
}

/// The durations of all four families.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Durations {
    pub client_vpn: FamilyDurations,
    pub route_server: FamilyDurations,
    pub connect_peer: FamilyDurations,
    pub workspaces_application: FamilyDurations,
}

impl Default for Durations {
    fn default() -> Self {
        Durations::for_profile(Profile::Fast)
    }
}

impl Durations {
    /// Preset durations. Client VPN under `Realistic` follows the 5 min / 3 min observed in
    /// terraform-provider-aws issues; the other families have no published numbers, so their
    /// realistic values are the assumptions written in aws-wire.md §6.
    pub fn for_profile(profile: Profile) -> Self {
        match profile {
            Profile::Fast => Durations {
                client_vpn: FamilyDurations::new(300, 250, 500),
                route_server: FamilyDurations::new(200, 200, 0),
                connect_peer: FamilyDurations::new(250, 250, 500),
                workspaces_application: FamilyDurations::new(300, 300, 500),
            },
            Profile::Demo => Durations {
                client_vpn: FamilyDurations::new(8_000, 5_000, 5_000),
                route_server: FamilyDurations::new(3_000, 3_000, 0),
                connect_peer: FamilyDurations::new(4_000, 4_000, 3_000),
                workspaces_application: FamilyDurations::new(6_000, 6_000, 3_000),
            },
            Profile::Realistic => Durations {
                client_vpn: FamilyDurations::new(300_000, 180_000, 60_000),
                route_server: FamilyDurations::new(30_000, 30_000, 0),
                connect_peer: FamilyDurations::new(20_000, 20_000, 30_000),
                workspaces_application: FamilyDurations::new(130_000, 130_000, 60_000),
            },
        }
    }

    /// Merges a partial JSON object (`{"client_vpn": {"grace_ms": 10}}`) into these durations,
    /// so a caller can change one number without restating the rest.
    pub fn merge_json(&mut self, patch: &serde_json::Value) -> anyhow::Result<()> {
        let obj = patch
            .as_object()
            .ok_or_else(|| anyhow::anyhow!("durations must be a JSON object"))?;
        for (family, value) in obj {
            let target = match family.as_str() {
                "client_vpn" => &mut self.client_vpn,
                "route_server" => &mut self.route_server,
                "connect_peer" => &mut self.connect_peer,
                "workspaces_application" => &mut self.workspaces_application,
                other => anyhow::bail!(
                    "unknown family {other:?} in durations; expected client_vpn, route_server, connect_peer or workspaces_application"
                ),
            };
            let fields = value
                .as_object()
                .ok_or_else(|| anyhow::anyhow!("durations.{family} must be a JSON object"))?;
            for (key, v) in fields {
                let ms = v.as_u64().ok_or_else(|| {
                    anyhow::anyhow!("durations.{family}.{key} must be a non-negative integer")
                })?;
                match key.as_str() {
                    "associate_ms" => target.associate_ms = ms,
                    "disassociate_ms" => target.disassociate_ms = ms,
                    "grace_ms" => target.grace_ms = ms,
                    other => anyhow::bail!(
                        "unknown key {other:?} in durations.{family}; expected associate_ms, disassociate_ms or grace_ms"
                    ),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_profile_keeps_every_transition_under_a_second() {
        let d = Durations::for_profile(Profile::Fast);
        for f in [
            d.client_vpn,
            d.route_server,
            d.connect_peer,
            d.workspaces_application,
        ] {
            assert!(f.associate_ms < 1000 && f.disassociate_ms < 1000 && f.grace_ms <= 1000);
        }
    }

    #[test]
    fn a_partial_patch_changes_only_the_named_numbers() {
        let mut d = Durations::for_profile(Profile::Fast);
        d.merge_json(&serde_json::json!({"client_vpn": {"grace_ms": 7}}))
            .unwrap();
        assert_eq!(d.client_vpn.grace_ms, 7);
        assert_eq!(d.client_vpn.associate_ms, 300);
        assert!(
            d.merge_json(&serde_json::json!({"nope": {}}))
                .unwrap_err()
                .to_string()
                .contains("unknown family")
        );
    }

    #[test]
    fn profiles_parse_case_insensitively() {
        assert_eq!("Demo".parse::<Profile>().unwrap(), Profile::Demo);
        assert!("slow".parse::<Profile>().is_err());
    }
}
