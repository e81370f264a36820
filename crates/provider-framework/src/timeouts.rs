//! The `timeouts` block: per-operation limits on how long a resource waits for the remote system.
//!
//! Users know this block from every major provider, written as Go durations (`30m`, `1h30m`), so
//! the syntax here is Go's `time.ParseDuration` rather than anything Rust-flavoured. The block is
//! a single nested block of optional strings; an absent block or attribute means "use the
//! resource's default".
//!
//! The strings are user input, so [`parse_duration`] checks all of its arithmetic: a value longer
//! than [`MAX_DURATION`] (Go's own limit, about 292 years) is rejected with a message saying so,
//! which [`validate`] and [`resolve`] report on `timeouts.<operation>`.

use std::time::Duration;

use super::diag::{AttributePath, Diagnostic, Diagnostics};
use super::schema::{Attribute, Block, NestedBlock, Nesting};
use super::value::{Type, Value};

/// The name of the block in resource schemas and of the first step of diagnostic paths.
pub const BLOCK_NAME: &str = "timeouts";

const EXAMPLES: &str = "use a duration such as \"30m\", \"1h30m\" or \"45s\"";

/// The longest duration [`parse_duration`] accepts: Go's limit, since Go durations are int64
/// nanoseconds. It is `2562047h47m16.854775807s`, about 292 years; anything longer is an error
/// rather than a silently wrapped or saturated value.
pub const MAX_DURATION: Duration = Duration::new(9_223_372_036, 854_775_807);

/// [`MAX_DURATION`] in nanoseconds, the unit the parser counts in.
const MAX_NANOS: u64 = i64::MAX as u64;

/// Parses a Go duration such as `30m`, `1h30m`, `1.5h` or `500ms`.
///
/// The syntax is Go's `time.ParseDuration`: an optional `+`, then one or more components, each a
/// number (digits, optionally with a fraction: `1.5`, `.5` and `1.` are all numbers) and a unit:
/// `ns`, `us` (or `µs`/`μs`), `ms`, `s`, `m` or `h`. A bare `0` is accepted as Go does. What Go
/// rejects is rejected here too: surrounding white space, a missing unit, unknown units, and
/// anything longer than [`MAX_DURATION`]. Negative durations, which Go accepts, are rejected
/// because no timeout can be negative. Fraction digits beyond nanosecond resolution are dropped
/// (the result is truncated to whole nanoseconds).
///
/// All arithmetic is checked: any input either parses or gets an error message, which quotes the
/// input and shows a valid example.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = |reason: &str| format!("invalid duration {text:?}: {reason}; {EXAMPLES}");
    let too_large = || {
        invalid(&format!(
            "it is longer than the maximum of {} (about 292 years)",
            format_duration(MAX_DURATION)
        ))
    };
    if text.trim().is_empty() {
        return Err(invalid("it is empty"));
    }
    if text.trim() != text {
        return Err(invalid("it has surrounding white space"));
    }
    if text.starts_with('-') {
        return Err(invalid("it must not be negative"));
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(invalid("it has no number"));
    }

    let mut total: u64 = 0;
    while !rest.is_empty() {
        let (whole, after) = split_digits(rest);
        let (fraction, after) = match after.strip_prefix('.') {
            Some(after_dot) => split_digits(after_dot),
            None => ("", after),
        };
        if whole.is_empty() && fraction.is_empty() {
            return Err(invalid("expected a number"));
        }
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let unit_nanos: u64 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60 * 1_000_000_000,
            "h" => 3_600 * 1_000_000_000,
            "" => return Err(invalid("a unit is missing after the number")),
            other => return Err(invalid(&format!("unknown unit {other:?}"))),
        };

        // Every intermediate value stays at or below MAX_NANOS (or fails), so nothing wraps.
        let mut whole_value: u64 = 0;
        for digit in whole.bytes() {
            whole_value = whole_value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(digit - b'0')))
                .filter(|v| *v <= MAX_NANOS)
                .ok_or_else(too_large)?;
        }
        let mut nanos = whole_value
            .checked_mul(unit_nanos)
            .filter(|n| *n <= MAX_NANOS)
            .ok_or_else(too_large)?;
        // Digits beyond the unit's nanosecond resolution cannot change the result.
        let mut scale = unit_nanos;
        for digit in fraction.bytes() {
            scale /= 10;
            if scale == 0 {
                break;
            }
            nanos = nanos
                .checked_add(u64::from(digit - b'0') * scale)
                .filter(|n| *n <= MAX_NANOS)
                .ok_or_else(too_large)?;
        }
        total = total
            .checked_add(nanos)
            .filter(|t| *t <= MAX_NANOS)
            .ok_or_else(too_large)?;
        rest = after;
    }
    Ok(Duration::from_nanos(total))
}

/// Splits `text` after its leading ASCII digits.
fn split_digits(text: &str) -> (&str, &str) {
    let len = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at(len)
}

/// Renders a duration the way users write it (`30m`, `1h30m`, `45s`, `500ms`, `1.5s`).
///
/// The text is exact, down to the nanosecond, so [`parse_duration`] reads back the same duration
/// for anything up to [`MAX_DURATION`]: below a millisecond it is nanoseconds (`1500ns`), below a
/// second milliseconds with any fraction (`1.25ms`), otherwise hours, minutes and seconds with
/// any fraction of a second (`1h0.000001s`). Any `Duration` can be formatted, even one longer
/// than `parse_duration` accepts.
pub fn format_duration(duration: Duration) -> String {
    if duration.is_zero() {
        return "0s".to_owned();
    }
    let total_secs = duration.as_secs();
    let nanos = duration.subsec_nanos();
    if total_secs == 0 {
        return if nanos < 1_000_000 {
            format!("{nanos}ns")
        } else {
            let fraction = decimal_fraction(nanos % 1_000_000, 6);
            format!("{}{fraction}ms", nanos / 1_000_000)
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
    if seconds > 0 || nanos > 0 {
        out.push_str(&format!("{seconds}{}s", decimal_fraction(nanos, 9)));
    }
    out
}

/// `.` and the digits of `value / 10^digits` after the point, without trailing zeros; nothing
/// when `value` is zero.
fn decimal_fraction(value: u32, digits: usize) -> String {
    if value == 0 {
        return String::new();
    }
    let padded = format!("{value:0digits$}");
    format!(".{}", padded.trim_end_matches('0'))
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
                    super::codec::value_name(other)
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
