//! The AWS operations each kind calls are declared once, in its resource's spec
//! (`terraform_provider_awsassoc::aws::resources::operations`); what else names them is held
//! against that list: the test kinds that count calls in the emulator's log, and the emulator,
//! which must serve every one of them.

use std::collections::BTreeSet;

use awsassoc_test_harness::kinds;
use terraform_provider_awsassoc::aws::resources;

/// `(service, operation)` for every operation the provider's resource `type_name` calls.
fn called_by(type_name: &str) -> BTreeSet<(&'static str, &'static str)> {
    resources::operations()
        .into_iter()
        .filter(|(resource, _, _)| *resource == type_name)
        .map(|(_, service, operation)| (service, operation))
        .collect()
}

#[test]
fn every_test_kind_counts_operations_its_resource_calls() {
    for kind in kinds::all() {
        let called = called_by(kind.resource_type);
        assert!(
            !called.is_empty(),
            "{} is a test kind but the provider serves no such resource",
            kind.resource_type
        );
        for action in [
            kind.associate_action,
            kind.disassociate_action,
            kind.describe_action,
        ] {
            assert!(
                called.contains(&(kind.service, action)),
                "{}: the test kind counts {}:{action}, which the resource does not call ({called:?})",
                kind.resource_type,
                kind.service
            );
        }
    }
}

#[test]
fn every_resource_the_provider_serves_is_a_test_kind() {
    let described: BTreeSet<&str> = kinds::all().map(|kind| kind.resource_type).collect();
    for (resource, _, _) in resources::operations() {
        assert!(
            described.contains(resource),
            "{resource} has no Kind in crates/test-harness/src/kinds.rs, so no scenario covers it"
        );
    }
}

#[test]
fn the_id_formats_the_fuzz_target_feeds_cover_every_key_attribute() {
    let formats = resources::id_formats();
    assert!(
        formats.len() >= 10,
        "the served kinds' attributes name only {} ID formats: {formats:?}",
        formats.len()
    );
    let prefixes: BTreeSet<&str> = formats.iter().map(|format| format.prefix).collect();
    assert_eq!(
        prefixes.len(),
        formats.len(),
        "each format once: {formats:?}"
    );
}

#[test]
fn the_emulator_serves_every_operation_the_provider_calls() {
    let served: BTreeSet<(&str, &str)> = awsassoc_sim::served_operations()
        .into_iter()
        .map(|operation| (operation.service, operation.name))
        .collect();
    for (resource, service, operation) in resources::operations() {
        assert!(
            served.contains(&(service, operation)),
            "{resource} calls {service}:{operation}, which awsassoc-sim does not serve \
             (add it to the family's spec in sim/src/families/)"
        );
    }
}

#[test]
fn every_emulator_family_is_driven_by_a_test_kind_that_names_its_operations() {
    for operation in awsassoc_sim::served_operations() {
        let Some(family) = operation.family else {
            continue;
        };
        let kind = kinds::kind(family);
        assert_eq!(
            kind.service, operation.service,
            "{family}'s test kind names the service of {}",
            operation.name
        );
    }
}
