//! Timing profiles: how long each association family spends in its transitional states. The
//! numbers themselves live in each family's module (`FamilySpec::durations`); the registry
//! (`families/mod.rs`) assembles them into [`Durations::for_profile`].
//!
//! Real AWS takes minutes for some of these transitions; tests cannot wait that long, so the
//! emulator scales time per profile and lets callers override single numbers at run time.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

use crate::family::{Family, PerFamily};

/// Named timing presets. `Fast` is for automated tests, `Demo` for a human watching, `Realistic`
/// approximates what AWS is observed to take (the assumptions are listed in `docs/emulator.md`,
/// "Durations").
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
/// no such state and ignore it. `jitter` spreads the durations: each walk of a path (a create,
/// a delete, a deployment's install or uninstall) takes its duration times a factor drawn
/// uniformly from `[1 - jitter, 1 + jitter]`, so associations made together do not all settle
/// at the same instant, as they do not on AWS.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FamilyDurations {
    pub associate_ms: u64,
    pub disassociate_ms: u64,
    pub grace_ms: u64,
    /// A fraction within 0..=1; 0 (the default) takes the durations as they are.
    #[serde(default)]
    pub jitter: f64,
}

impl FamilyDurations {
    pub const fn new(associate_ms: u64, disassociate_ms: u64, grace_ms: u64) -> Self {
        FamilyDurations {
            associate_ms,
            disassociate_ms,
            grace_ms,
            jitter: 0.0,
        }
    }
}

/// One family's default durations under each profile (its `FamilySpec::durations`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timings {
    pub fast: FamilyDurations,
    pub demo: FamilyDurations,
    pub realistic: FamilyDurations,
}

impl Timings {
    pub fn for_profile(&self, profile: Profile) -> FamilyDurations {
        match profile {
            Profile::Fast => self.fast,
            Profile::Demo => self.demo,
            Profile::Realistic => self.realistic,
        }
    }
}

/// The durations of every family, as JSON `{"client_vpn": {"associate_ms": …}, …}`; index it
/// with a [`Family`]. Its presets (`Durations::for_profile`, `Default`: the fast profile) are
/// assembled from the family specs by the registry, `families/mod.rs`.
pub type Durations = PerFamily<FamilyDurations>;

/// Every family must be present; other keys are ignored.
impl<'de> Deserialize<'de> for Durations {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        PerFamily::deserialize_as(deserializer, "Durations", None, false)
    }
}

impl Durations {
    /// Merges a partial JSON object (`{"client_vpn": {"grace_ms": 10}}`) into these durations,
    /// so a caller can change one number without restating the rest.
    pub fn merge_json(&mut self, patch: &serde_json::Value) -> anyhow::Result<()> {
        let obj = patch
            .as_object()
            .ok_or_else(|| anyhow::anyhow!("durations must be a JSON object"))?;
        for (family, value) in obj {
            let Some(known) = Family::from_name(family) else {
                anyhow::bail!(
                    "unknown family {family:?} in durations; expected {}",
                    Family::names_text()
                );
            };
            let target = &mut self[known];
            let fields = value
                .as_object()
                .ok_or_else(|| anyhow::anyhow!("durations.{family} must be a JSON object"))?;
            for (key, v) in fields {
                let ms = || {
                    v.as_u64().ok_or_else(|| {
                        anyhow::anyhow!("durations.{family}.{key} must be a non-negative integer")
                    })
                };
                match key.as_str() {
                    "associate_ms" => target.associate_ms = ms()?,
                    "disassociate_ms" => target.disassociate_ms = ms()?,
                    "grace_ms" => target.grace_ms = ms()?,
                    "jitter" => {
                        target.jitter = v
                            .as_f64()
                            .filter(|j| (0.0..=1.0).contains(j))
                            .ok_or_else(|| {
                                anyhow::anyhow!(
                                    "durations.{family}.jitter must be a number between 0 and 1, got {v}"
                                )
                            })?
                    }
                    other => anyhow::bail!(
                        "unknown key {other:?} in durations.{family}; expected associate_ms, disassociate_ms, grace_ms or jitter"
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
        for (_, f) in d.iter() {
            assert!(f.associate_ms < 1000 && f.disassociate_ms < 1000 && f.grace_ms <= 1000);
        }
    }

    #[test]
    fn a_partial_patch_changes_only_the_named_numbers() {
        let mut d = Durations::for_profile(Profile::Fast);
        d.merge_json(&serde_json::json!({"client_vpn": {"grace_ms": 7}}))
            .unwrap();
        assert_eq!(d[Family::ClientVpn].grace_ms, 7);
        assert_eq!(d[Family::ClientVpn].associate_ms, 300);
        d.merge_json(&serde_json::json!({"client_vpn": {"jitter": 0.25}}))
            .unwrap();
        assert_eq!(d[Family::ClientVpn].jitter, 0.25);
        for bad in [-0.1, 1.5] {
            assert!(
                d.merge_json(&serde_json::json!({"client_vpn": {"jitter": bad}}))
                    .unwrap_err()
                    .to_string()
                    .contains("between 0 and 1")
            );
        }
        assert_eq!(
            d[Family::ClientVpn].jitter,
            0.25,
            "a refused patch changes nothing"
        );
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
