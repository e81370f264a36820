//! The resource's private state: how long creating associations of its kind took
//! ([`CreateTime`]), written after a create and read by a later destroy. Terraform keeps the
//! bytes opaque; anything unreadable in them is no guess, never an error.

use std::time::Duration;

/// How long creating associations of this kind took, as the provider had learned it when this
/// one was created, kept in the resource's private state. A later destroy, in another process
/// that has not seen a removal of this kind yet, uses it as its first guess of how long the
/// removal takes: AWS takes the same order of time both ways (Client VPN: minutes). The waiter
/// trusts a guess only down to half its earliest end and looks a few times before that, so a
/// wrong guess costs a few calls and a bounded lateness, never correctness.
#[derive(Debug, Default, PartialEq)]
pub struct CreateTime(Option<(Duration, Duration)>);

impl CreateTime {
    pub fn read(private: &str) -> CreateTime {
        let parsed: Option<serde_json::Value> = serde_json::from_str(private).ok();
        let window = parsed.and_then(|doc| {
            let bounds = doc.get("create_seconds")?.as_array()?;
            let second = |i: usize| {
                bounds
                    .get(i)?
                    .as_f64()
                    .filter(|s| s.is_finite() && (0.0..=86_400.0).contains(s))
                    .map(Duration::from_secs_f64)
            };
            Some((second(0)?, second(1)?))
        });
        CreateTime(window)
    }

    pub fn write(&self) -> String {
        match self.0 {
            Some((earliest, latest)) => serde_json::json!({
                "create_seconds": [earliest.as_secs_f64(), latest.as_secs_f64()]
            })
            .to_string(),
            None => String::new(),
        }
    }

    pub fn window(&self) -> Option<(Duration, Duration)> {
        self.0
    }
}

impl From<Option<(Duration, Duration)>> for CreateTime {
    fn from(window: Option<(Duration, Duration)>) -> Self {
        CreateTime(window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_time_round_trips_and_anything_else_is_no_guess() {
        let learned = CreateTime(Some((
            Duration::from_millis(2900),
            Duration::from_millis(3100),
        )));
        assert_eq!(CreateTime::read(&learned.write()), learned);
        for hostile in [
            "",
            "not json",
            "{\"create_seconds\": [1]}",
            "{\"create_seconds\": [-1, 2]}",
            "{\"create_seconds\": [1e300, 2]}",
            "{\"create_seconds\": \"3\"}",
        ] {
            assert_eq!(CreateTime::read(hostile), CreateTime(None), "{hostile}");
        }
        assert_eq!(CreateTime(None).write(), "");
    }
}
