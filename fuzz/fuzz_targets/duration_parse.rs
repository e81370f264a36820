//! Arbitrary strings into the Go-duration parser behind `timeouts` and `assume_role.duration`.
//! It must never panic; an error quotes the input; a success is within the documented maximum
//! and `format_duration` of it parses back to exactly the same duration.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tf_provider_framework::timeouts::{MAX_DURATION, format_duration, parse_duration};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_duration(text) {
        Ok(duration) => {
            assert!(
                duration <= MAX_DURATION,
                "{text:?} parsed beyond the maximum"
            );
            let formatted = format_duration(duration);
            assert_eq!(
                parse_duration(&formatted),
                Ok(duration),
                "{text:?} formatted as {formatted:?}"
            );
        }
        Err(message) => {
            assert!(
                message.contains(&format!("{text:?}")),
                "the error for {text:?} does not quote it: {message}"
            );
        }
    }
});
