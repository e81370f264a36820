//! A seeded emulator and a working directory whose provider points at it: the fixture of every
//! per-kind end-to-end test.

use std::collections::BTreeMap;

use awsassoc_sim::AssociationRecord;
use serde_json::Value;

use super::kinds::Kind;
use super::sim::{Sim, start_sim, test_world};
use super::{REQUIRED_PROVIDERS, Workdir};

/// A seeded emulator and a working directory whose provider points at it.
pub struct Scenario {
    pub sim: Sim,
    pub dir: Workdir,
    pub kind: &'static Kind,
}

impl Scenario {
    pub fn new(kind: &'static Kind) -> Scenario {
        Scenario::with_provider(kind, "")
    }

    /// `provider_extra` is spliced into the provider block (e.g. `preflight_dry_run = true`).
    pub fn with_provider(kind: &'static Kind, provider_extra: &str) -> Scenario {
        let sim = start_sim().expect("emulator starts");
        sim.block_on(sim.admin.seed(&test_world()))
            .expect("world seeds");
        let dir = Workdir::new();
        let provider = sim
            .provider_block()
            .replace("preflight_dry_run = false", provider_extra);
        dir.write("providers.tf", &format!("{REQUIRED_PROVIDERS}\n{provider}"));
        Scenario { sim, dir, kind }
    }

    /// Writes the configuration: the resource with `extra` HCL lines inside its block.
    pub fn configure(&self, extra: &str) {
        let hcl = format!(
            "resource \"{}\" \"this\" {{\n  {}\n{extra}\n}}\n",
            self.kind.resource_type, self.kind.arguments
        );
        self.dir.write("main.tf", &hcl);
    }

    /// Writes the resource and, where the parent can hold two, a sibling on the same parent;
    /// returns the addresses written.
    pub fn configure_with_sibling(&self) -> Vec<String> {
        let mut hcl = format!(
            "resource \"{}\" \"this\" {{\n  {}\n}}\n",
            self.kind.resource_type, self.kind.arguments
        );
        let mut addresses = vec![self.address()];
        if let Some(sibling) = self.kind.sibling_arguments {
            hcl.push_str(&format!(
                "resource \"{}\" \"sibling\" {{\n  {sibling}\n}}\n",
                self.kind.resource_type
            ));
            addresses.push(format!("{}.sibling", self.kind.resource_type));
        }
        self.dir.write("main.tf", &hcl);
        addresses
    }

    /// The import IDs of this kind's resources in state, sorted.
    pub fn import_ids_in_state(&self) -> Vec<String> {
        let state = self.dir.state_json();
        let (parent, member) = self.kind.key_attributes;
        let mut ids: Vec<String> = state
            .pointer("/values/root_module/resources")
            .and_then(Value::as_array)
            .map(|resources| {
                resources
                    .iter()
                    .filter(|r| r["type"] == self.kind.resource_type)
                    .map(|r| {
                        format!(
                            "{},{}",
                            r["values"][parent].as_str().unwrap_or_default(),
                            r["values"][member].as_str().unwrap_or_default()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }

    /// The import IDs of this kind's live associations in the emulator, sorted.
    pub fn live_import_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .live_associations()
            .iter()
            .map(|record| self.kind.import_id(record))
            .collect();
        ids.sort();
        ids
    }

    /// The emulator's call log.
    pub fn calls(&self) -> Vec<awsassoc_sim::CallRecord> {
        self.sim
            .block_on(self.sim.admin.calls())
            .expect("admin reports calls")
            .log
    }

    pub fn remove_resource(&self) {
        self.dir.write("main.tf", "");
    }

    pub fn address(&self) -> String {
        format!("{}.this", self.kind.resource_type)
    }

    /// The resource's attributes from `tofu show -json`, or `None` when it is not in state.
    pub fn state_attributes(&self) -> Option<BTreeMap<String, Value>> {
        self.state_attributes_of(&self.address())
    }

    /// Seeds the test world into another region of the emulator too (the same IDs as the
    /// default region's).
    pub fn seed_region(&self, region: &str) {
        self.sim
            .block_on(self.sim.admin.in_region(region).seed(&test_world()))
            .expect("world seeds in the region");
    }

    /// What the emulator knows of this kind's associations in `region`, newest last.
    pub fn associations_in(&self, region: &str) -> Vec<AssociationRecord> {
        let all = self
            .sim
            .block_on(self.sim.admin.in_region(region).associations())
            .expect("admin lists associations");
        all.into_iter()
            .filter(|a| a.family == self.kind.family)
            .collect()
    }

    /// The attributes of the resource at `address` from `tofu show -json`, or `None` when it is
    /// not in state.
    pub fn state_attributes_of(&self, address: &str) -> Option<BTreeMap<String, Value>> {
        let state = self.dir.state_json();
        let resources = state
            .pointer("/values/root_module/resources")?
            .as_array()?
            .clone();
        let resource = resources.into_iter().find(|r| r["address"] == address)?;
        serde_json::from_value(resource["values"].clone()).ok()
    }

    pub fn attribute(&self, name: &str) -> String {
        let attributes = self.state_attributes().expect("the resource is in state");
        attributes[name].as_str().unwrap_or_default().to_owned()
    }

    /// What the emulator knows of this kind's associations, newest last.
    pub fn associations(&self) -> Vec<AssociationRecord> {
        let all = self
            .sim
            .block_on(self.sim.admin.associations())
            .expect("admin lists associations");
        all.into_iter()
            .filter(|a| a.family == self.kind.family)
            .collect()
    }

    /// Associations that exist or are being created (not being removed, not gone).
    pub fn live_associations(&self) -> Vec<AssociationRecord> {
        self.associations()
            .into_iter()
            .filter(AssociationRecord::is_live)
            .collect()
    }

    /// The emulator's ID of the association in state (what its admin API calls `id`).
    pub fn sim_id(&self) -> String {
        let live = self.live_associations();
        assert_eq!(
            live.len(),
            1,
            "exactly one live association expected: {live:?}"
        );
        live[0].id.clone()
    }

    pub fn import_id(&self) -> String {
        let (parent, member) = self.kind.key_attributes;
        format!("{},{}", self.attribute(parent), self.attribute(member))
    }

    pub fn call_count(&self, operation: &str) -> u64 {
        let calls = self
            .sim
            .block_on(self.sim.admin.calls())
            .expect("admin reports calls");
        calls.counts.get(operation).copied().unwrap_or(0)
    }

    pub fn set_faults(&self, faults: Value) {
        self.sim
            .block_on(self.sim.admin.set_faults(&faults))
            .expect("faults set");
    }

    pub fn set_durations(&self, durations: Value) {
        self.sim
            .block_on(self.sim.admin.set_durations(&durations))
            .expect("durations set");
    }

    pub fn disassociate_out_of_band(&self) {
        let id = self.sim_id();
        self.sim
            .block_on(self.sim.admin.disassociate(self.kind.family, &id))
            .expect("drift injected");
    }

    /// Every association of this kind is gone as AWS defines it: removed, or in the terminal
    /// state AWS keeps listing for a while (`disassociated`, `DELETED`, `REMOVED`).
    pub fn assert_all_gone(&self) {
        let associations = self.associations();
        assert!(
            !associations.is_empty(),
            "the emulator saw no association at all"
        );
        for association in associations {
            assert!(association.is_finished(), "AWS still has {association:?}");
        }
    }
}
