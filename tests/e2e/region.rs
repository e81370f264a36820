//! Per-resource `region`, as hashicorp/aws 6.x has it: every regional kind can live in a region
//! other than the provider's, the emulator keeps each region's state apart (from the SigV4
//! signing region), and the global NetworkManager kind has no `region` at all. Nothing here
//! needs a newer CLI feature, so every scenario runs under every CLI.

use awsassoc_sim::Family;

use crate::support::kinds::Kind;
use crate::support::scenario::Scenario;
use crate::support::scenarios;

/// The provider's region in every test configuration.
const PROVIDER_REGION: &str = "us-east-1";
/// The second region, seeded with the same parents (the same IDs).
const OTHER_REGION: &str = "eu-west-1";

fn is_regional(kind: &Kind) -> bool {
    kind.family != Family::ConnectPeer
}

/// Two resources with the same arguments, one in the provider's region and one in another:
/// both are created, each in its own region's state in the emulator with the same parent and
/// member IDs; the state records each one's region; a second plan is empty; an import with the
/// `@region` suffix takes the one in the other region back with no change planned; changing
/// `region` plans a replacement; destroy removes both. The global kind refuses `region`.
fn a_resource_in_a_second_region_lives_beside_one_in_the_first(kind: &'static Kind) {
    let s = Scenario::new(kind);
    let other = format!("{}.other", kind.resource_type);
    if !is_regional(kind) {
        s.configure(&format!("  region = \"{OTHER_REGION}\""));
        s.dir.init();
        let plan = s.dir.run_err(&["plan", "-no-color"]);
        assert!(
            plan.stderr.contains("\"region\" is not expected here")
                || plan.stderr.contains("Unsupported argument"),
            "a global resource has no region: {plan}"
        );
        return;
    }
    s.seed_region(OTHER_REGION);
    let both = |other_region: &str| {
        format!(
            "resource \"{t}\" \"this\" {{\n  {a}\n}}\nresource \"{t}\" \"other\" {{\n  {a}\n  region = \"{other_region}\"\n}}\n",
            t = kind.resource_type,
            a = kind.arguments
        )
    };
    s.dir.write("main.tf", &both(OTHER_REGION));
    s.dir.init();
    s.dir.apply();

    let here = s.associations_in(PROVIDER_REGION);
    let there = s.associations_in(OTHER_REGION);
    assert_eq!(
        here.len(),
        1,
        "one association in {PROVIDER_REGION}: {here:?}"
    );
    assert_eq!(
        there.len(),
        1,
        "one association in {OTHER_REGION}: {there:?}"
    );
    assert_eq!(
        (&here[0].parent, &here[0].child),
        (&there[0].parent, &there[0].child),
        "the same IDs in both regions"
    );
    let region_of = |address: &str| {
        s.state_attributes_of(address).expect("in state")["region"]
            .as_str()
            .map(str::to_owned)
    };
    assert_eq!(region_of(&s.address()).as_deref(), Some(PROVIDER_REGION));
    assert_eq!(region_of(&other).as_deref(), Some(OTHER_REGION));
    s.dir.plan_no_changes();

    // Import with the region suffix, as hashicorp/aws documents it.
    let before = s.state_attributes_of(&other).expect("in state");
    let (parent, member) = kind.key_attributes;
    let id = format!(
        "{},{}@{OTHER_REGION}",
        before[parent].as_str().unwrap_or_default(),
        before[member].as_str().unwrap_or_default()
    );
    s.dir.run_ok(&["state", "rm", &other]);
    let import = s.dir.run_ok(&["import", &other, &id]);
    assert!(import.stdout.contains("Import successful"), "{import}");
    assert_eq!(region_of(&other).as_deref(), Some(OTHER_REGION));
    s.dir.plan_no_changes();
    assert_eq!(
        s.associations_in(OTHER_REGION).len(),
        1,
        "the import made nothing"
    );

    // Another region is another object: the plan replaces it.
    s.dir.write("main.tf", &both("eu-west-2"));
    let plan = s.dir.run_ok(&["plan", "-no-color"]);
    assert!(
        plan.stdout.contains("must be replaced") && plan.stdout.contains("forces replacement"),
        "{plan}"
    );
    assert!(
        plan.stdout.contains("1 to add, 0 to change, 1 to destroy"),
        "{plan}"
    );

    s.dir.write("main.tf", &both(OTHER_REGION));
    s.dir.destroy();
    for region in [PROVIDER_REGION, OTHER_REGION] {
        for association in s.associations_in(region) {
            assert!(
                association.is_finished(),
                "{region} still has {association:?}"
            );
        }
    }
}

/// The provider's region moving does not move existing objects silently: with `region` unset,
/// the plan replaces the association (it stays where it is until the apply), as hashicorp/aws
/// plans it.
fn changing_the_providers_region_plans_a_replacement(kind: &'static Kind) {
    if !is_regional(kind) {
        return;
    }
    let s = Scenario::new(kind);
    s.seed_region(OTHER_REGION);
    s.configure("");
    s.dir.init();
    s.dir.apply();
    let providers = s.dir.read("providers.tf").replace(
        &format!("region            = \"{PROVIDER_REGION}\""),
        &format!("region            = \"{OTHER_REGION}\""),
    );
    assert!(providers.contains(OTHER_REGION), "{providers}");
    s.dir.write("providers.tf", &providers);
    let plan = s.dir.run_ok(&["plan", "-no-color"]);
    assert!(
        plan.stdout.contains("forces replacement") && plan.stdout.contains(OTHER_REGION),
        "{plan}"
    );
    // The refresh found the association where it lives: nothing was dropped from state.
    assert_eq!(
        s.attribute("region"),
        PROVIDER_REGION,
        "the state keeps the object's region"
    );
}

scenarios! {
    a_resource_in_a_second_region_lives_beside_one_in_the_first,
    changing_the_providers_region_plans_a_replacement,
}
