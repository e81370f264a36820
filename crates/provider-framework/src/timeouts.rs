//! The `timeouts` block: per-operation limits on how long a resource waits for the remote system.
//!
//! Users know this block from every major provider, written as Go durations (`30m`, `1h30m`), so
//! the syntax here is Go's `time.ParseDuration` rather than anything Rust-flavoured. The block is
//! a single nested block of optional strings; an absent block or attribute means "use the
//! resource's default".

use std::time::Duration;

use super::diag::{AttributePath, Diagnostic, Diagnostics};
use super::schema::{Attribute, Block, NestedBlock, Nesting};
use super::value::{Type, Value};

/// The name of the block in resource schemas and of the first step of diagnostic paths.
pub const BLOCK_NAME: &str = "timeouts";

const EXAMPLES: &str = "use a duration such as \"30m\", \"1h30m\" or \"45s\"";

/// Go's limit: durations are int64 nanoseconds (about 292 years).
const MAX_NANOS: u128 = i64::MAX as u128;

/// Parses a Go duration such as `30m`, `1h30m`, `1.5h` or `500ms`.
///
/// Units are `ns`, `us` (or `µs`/`μs`), `ms`, `s`, `m` and `h`; fractions are allowed on every
/// component, and a bare `0` is accepted as Go does. Negative durations are rejected because no
/// timeout can be negative. Error messages quote the input and show a valid example.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = |reason: &str| format!("invalid duration {text:?}: {reason}; {EXAMPLES}");
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(invalid("it is empty"));
    }
    if rest.starts_with('-') {
        return Err(invalid("it must not be negative"));
    }
    rest = rest.strip_prefix('+').unwrap_or(rest);
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(invalid("it has no number"));
    }

    let mut total: u128 = 0;
    while !rest.is_empty() {
        let whole_len = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (whole, after) = rest.split_at(whole_len);
        let (fraction, after) = match after.strip_prefix('.') {
            Some(after_dot) => {
                let len = after_dot
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(after_dot.len());
                after_dot.split_at(len)
            }
            None => ("", after),
        };
        if whole.is_empty() && fraction.is_empty() {
            return Err(invalid("expected a number"));
        }
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let unit_nanos: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60 * 1_000_000_000,
            "h" => 3_600 * 1_000_000_000,
            "" => return Err(invalid("a unit is missing after the number")),
            other => return Err(invalid(&format!("unknown unit {other:?}"))),
        };

        let too_large = || invalid("it is too large");
        let whole_value: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| too_large())?
        };
        let mut nanos = whole_value.checked_mul(unit_nanos).ok_or_else(too_large)?;
        // Digits beyond the unit's nanosecond resolution cannot change the result, and ignoring
        // them keeps the scale within range.
        let mut scale = unit_nanos;
        for digit in fraction.bytes() {
            scale /= 10;
            if scale == 0 {
                break;
            }
            nanos += u128::from(digit - b'0') * scale;
        }
        total = total
            .checked_add(nanos)
            .filter(|t| *t <= MAX_NANOS)
            .ok_or_else(too_large)?;
        rest = after;
    }
    let secs = u64::try_from(total / 1_000_000_000).map_err(|_| invalid("it is too large"))?;
    // The remainder is below 10^9 and always fits.
    let subsec = (total % 1_000_000_000) as u32;
    Ok(Duration::new(secs, subsec))
}

/// Renders a duration the way users write it (`30m`, `1h30m`, `45s`, `500ms`).
pub fn format_duration(duration: Duration) -> String {
    if duration.is_zero() {
        return "0s".to_owned();
    }
    let total_secs = duration.as_secs();
    let millis = duration.subsec_millis();
    if total_secs == 0 {
        return if millis > 0 {
            format!("{millis}ms")
        } else {
            format!("{}ns", duration.as_nanos())
        };
    }
    let (hours, minutes, seconds) = (total_secs / 3600, total_secs / 60 % 60, total_secs % 60);
    let mut out = String::new();
    if hours > 0 {
        out.push_str(&format!("{hours}h"));
    }
    if minutes > 0 {
        out.push_str(&format!("{minutes}m"));
    }
    if seconds > 0 || millis > 0 {
        if millis > 0 {
            let fraction = format!("{millis:03}");
            out.push_str(&format!("{seconds}.{}s", fraction.trim_end_matches('0')));
        } else {
            out.push_str(&format!("{seconds}s"));
        }
    }
    out
}

/// How a provider's `timeouts` documentation names things: the object an operation waits for
/// (`"the association"`) and the system doing the work (`"AWS"`).
#[derive(Clone, Copy, Debug)]
pub struct Wording<'a> {
    pub object: &'a str,
    pub remote: &'a str,
}

impl Wording<'_> {
    /// How the description phrases what is being waited for.
    fn waiting_for(&self, operation: &str) -> String {
        let object = self.object;
        match operation {
            "create" => format!("{object} to be created"),
            "read" => format!("{object} to be read"),
            "update" => format!("{object} to be updated"),
            "delete" => format!("{object} to be deleted"),
            other => format!("the {other} operation to finish"),
        }
    }
}

/// The `timeouts` block for a resource: one optional duration string per operation, each
/// documented with its default so the registry page tells users what they get without it.
pub fn block(operations: &[&str], default: Duration, wording: Wording<'_>) -> NestedBlock {
    let default_text = format_duration(default);
    let attributes = operations
        .iter()
        .map(|operation| {
            let description = format!(
                "How long to wait for {}. A [duration](https://pkg.go.dev/time#ParseDuration) \
                 such as `30m` or `1h`. Defaults to `{default_text}`.",
                wording.waiting_for(operation)
            );
            Attribute::optional(operation, Type::String, &description)
        })
        .collect();
    NestedBlock {
        type_name: BLOCK_NAME.to_owned(),
        block: Block {
            attributes,
            description: format!(
                "Limits on how long each operation waits for {} to finish.",
                wording.remote
            ),
            ..Block::default()
        },
        nesting: Nesting::Single,
        min_items: 0,
        max_items: 0,
    }
}

fn path(operation: &str) -> AttributePath {
    AttributePath::root(BLOCK_NAME).attribute(operation)
}

/// Checks one configured value; `None` means "not set, use the default" (null or unknown).
fn configured(resource_value: &Value, operation: &str) -> Result<Option<Duration>, Diagnostic> {
    let Some(block) = resource_value.attr(BLOCK_NAME) else {
        return Ok(None);
    };
    let setting = match block {
        Value::Object(fields) => fields.get(operation).unwrap_or(&Value::Null),
        _ => return Ok(None),
    };
    let text = match setting {
        Value::Null | Value::Unknown => return Ok(None),
        Value::String(text) => text,
        other => {
            return Err(Diagnostic::error(
                "Invalid timeout",
                format!(
                    "{BLOCK_NAME}.{operation} must be a duration string, not {}.",
                    super::msgpack::value_name(other)
                ),
            )
            .at(path(operation)));
        }
    };
    let duration = parse_duration(text).map_err(|message| {
        Diagnostic::error(
            "Invalid timeout",
            format!("{BLOCK_NAME}.{operation}: {message}."),
        )
        .at(path(operation))
    })?;
    if duration.is_zero() {
        return Err(Diagnostic::error(
            "Invalid timeout",
            format!(
                "{BLOCK_NAME}.{operation} must be longer than zero: a zero timeout would fail \
                 before the remote system had a chance to answer."
            ),
        )
        .at(path(operation)));
    }
    Ok(Some(duration))
}

/// The timeout for `operation`, read from the resource's `timeouts` block at apply time.
/// A null block, a null attribute or (defensively) an unknown one yields `default`.
pub fn resolve(
    resource_value: &Value,
    operation: &str,
    default: Duration,
) -> Result<Duration, Diagnostic> {
    Ok(configured(resource_value, operation)?.unwrap_or(default))
}

/// Plan-time validation of every listed operation's timeout, so a typo fails the plan rather
/// than the apply. Unknown values are skipped: they are checked again once known.
pub fn validate(resource_value: &Value, operations: &[&str]) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    for operation in operations {
        if let Err(diagnostic) = configured(resource_value, operation) {
            diagnostics.push(diagnostic);
        }
    }
    diagnostics
}
