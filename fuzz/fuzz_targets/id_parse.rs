//! Arbitrary strings into the provider's AWS ID format checks and into every resource's
//! `terraform import` ID parser. Nothing may panic; an import either yields a state the server
//! can encode with the resource's schema, or error diagnostics.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use terraform_provider_awsassoc::aws::ids::IdFormat;
use terraform_provider_awsassoc::aws::resources;
use tf_provider_framework::msgpack;

/// Every ID format the served resources check, taken from their specs.
static FORMATS: LazyLock<Vec<IdFormat>> = LazyLock::new(resources::id_formats);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for &format in FORMATS.iter() {
        match format.check(text) {
            Ok(()) => {
                let rest = text
                    .strip_prefix(format.prefix)
                    .expect("an accepted ID starts with its prefix");
                assert!((format.min_len..=format.max_len).contains(&rest.len()));
            }
            Err(invalid) => {
                let _ = invalid.to_string();
            }
        }
    }
    for resource in resources::all() {
        match resource.import(text) {
            Ok(state) => {
                let ty = resource.schema().implied_type();
                if let Err(e) = msgpack::encode(&state, &ty) {
                    panic!(
                        "imported state of {} does not encode: {e}",
                        resource.type_name()
                    );
                }
            }
            Err(diagnostics) => assert!(
                diagnostics.has_errors(),
                "{}: a failed import must say why",
                resource.type_name()
            ),
        }
    }
});
