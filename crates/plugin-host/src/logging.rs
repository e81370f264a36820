//! hclog-compatible JSON logging on stderr.
//!
//! go-plugin reads every stderr line of a plugin and re-logs JSON lines at their own level under
//! `provider.<binary>`, but only if the line looks exactly like hclog's output: string `@level`
//! from hclog's vocabulary and a `@timestamp` with exactly six fractional digits. Anything else is
//! demoted to a raw DEBUG line, so the format here is deliberately narrow.
//!
//! The rest of the crate only uses `tracing::{trace,debug,info,warn,error}!`; this module turns
//! those events (plus the fields of the spans they happen in) into one JSON object per line.

use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::PluginIdentity;

/// Targets capped at INFO for every provider: their DEBUG/TRACE output is per-frame transport
/// noise, or (rustls) handshake details nobody debugging a provider needs.
const TRANSPORT_TARGETS: &[&str] = &[
    "hyper",
    "hyper_util",
    "h2",
    "tonic",
    "tonic_health",
    "tower",
    "rustls",
    "tokio_rustls",
];

/// How a provider's log lines are attributed, and which libraries must stay quiet whatever level
/// the user asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogPolicy {
    /// Crate names (the first segment of `tracing` targets) that are the provider itself; their
    /// lines carry the module `<type>`. The host counts itself in automatically.
    pub own_crates: &'static [&'static str],
    /// `(prefix, name)`: crates whose name starts with `prefix` are logged as `<type>.<name>`, so
    /// a family of libraries (an SDK of many crates) reads as one module.
    pub groups: &'static [(&'static str, &'static str)],
    /// `(target prefix, most verbose level)`: for libraries whose verbose output would print
    /// secrets (request signatures, credentials, whole request bodies). A prefix matches its
    /// module path and everything below it; a trailing `*` matches any target starting with
    /// the rest (`sdk_*` is every crate whose name starts with `sdk_`). The strictest cap wins.
    pub caps: &'static [(&'static str, LevelFilter)],
}

impl LogPolicy {
    /// The most verbose level `target` may log at, independent of the user's choice.
    pub fn cap(&self, target: &str) -> LevelFilter {
        let transport = TRANSPORT_TARGETS
            .iter()
            .any(|prefix| target_has_prefix(target, prefix))
            .then_some(LevelFilter::INFO);
        self.caps
            .iter()
            .filter(|(prefix, _)| target_has_prefix(target, prefix))
            .map(|(_, level)| *level)
            .chain(transport)
            .min()
            .unwrap_or(LevelFilter::TRACE)
    }

    /// The `@module` value: hclog module names are dotted paths under the provider's own name,
    /// so a Terraform user filtering for the provider sees everything this process logs.
    pub fn module(&self, provider_type: &str, target: &str) -> String {
        let krate = target.split("::").next().unwrap_or(target);
        if krate == OWN_CRATE || krate == provider_type || self.own_crates.contains(&krate) {
            return provider_type.to_owned();
        }
        match self
            .groups
            .iter()
            .find(|(prefix, _)| krate.starts_with(prefix))
        {
            Some((_, group)) => format!("{provider_type}.{group}"),
            None => format!("{provider_type}.{krate}"),
        }
    }
}

/// This crate's name as it appears in `tracing` targets.
const OWN_CRATE: &str = env!("CARGO_CRATE_NAME");

/// Whether `target` is `prefix` or a module path below it (`h2` matches `h2::codec`, not `h2x`),
/// or, for a prefix ending in `*`, simply starts with the rest.
fn target_has_prefix(target: &str, prefix: &str) -> bool {
    if let Some(start) = prefix.strip_suffix('*') {
        return target.starts_with(start);
    }
    target
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}

/// Reads the provider's log level the way Terraform scopes it: the provider-specific variable
/// first, then the provider-wide one, then the global one. Unset everywhere means `info`.
pub fn level_from_env(identity: &PluginIdentity) -> LevelFilter {
    let specific = identity.env_name("TF_LOG_PROVIDER_", "");
    [specific.as_str(), "TF_LOG_PROVIDER", "TF_LOG"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.trim().is_empty())
        .map_or(LevelFilter::INFO, |value| parse_level(&value))
}

/// Maps Terraform's level words to a filter. `json` is Terraform's "trace, as JSON"; anything
/// unrecognised falls back to `info` rather than silencing the provider.
pub fn parse_level(value: &str) -> LevelFilter {
    match value.trim().to_ascii_lowercase().as_str() {
        "trace" | "json" => LevelFilter::TRACE,
        "debug" => LevelFilter::DEBUG,
        "info" => LevelFilter::INFO,
        "warn" | "warning" => LevelFilter::WARN,
        "error" => LevelFilter::ERROR,
        "off" => LevelFilter::OFF,
        _ => LevelFilter::INFO,
    }
}

/// Installs the hclog layer as the global subscriber, at the level the environment asks for.
///
/// Safe to call more than once (later calls, or calls after someone else installed a subscriber,
/// are no-ops), so tests of other layers may call it freely. Returns the level in force.
pub fn init_from_env(identity: &PluginIdentity) -> LevelFilter {
    static INSTALLED: OnceLock<LevelFilter> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        let level = level_from_env(identity);
        if level != LevelFilter::OFF {
            use tracing_subscriber::layer::SubscriberExt as _;
            let subscriber =
                tracing_subscriber::registry().with(HclogLayer::stderr(level, identity));
            // Someone else (a test harness) may own the global subscriber; theirs wins.
            let _ = tracing::subscriber::set_global_default(subscriber);
        }
        level
    })
}

/// Where finished lines go. A shared buffer exists so tests can inspect exact output.
#[derive(Clone)]
enum Sink {
    Stderr,
    Buffer(Arc<Mutex<Vec<u8>>>),
}

/// A `tracing_subscriber` layer writing one hclog JSON object per event.
pub struct HclogLayer {
    max: LevelFilter,
    provider_type: &'static str,
    policy: LogPolicy,
    sink: Sink,
}

impl fmt::Debug for HclogLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HclogLayer")
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

impl HclogLayer {
    /// Writes to the process's stderr, where go-plugin collects plugin logs.
    pub fn stderr(max: LevelFilter, identity: &PluginIdentity) -> Self {
        Self {
            max,
            provider_type: identity.provider_type,
            policy: identity.logging,
            sink: Sink::Stderr,
        }
    }

    /// Appends lines to `buffer` instead of stderr, for tests that assert on exact output.
    pub fn buffer(
        max: LevelFilter,
        identity: &PluginIdentity,
        buffer: Arc<Mutex<Vec<u8>>>,
    ) -> Self {
        Self {
            max,
            provider_type: identity.provider_type,
            policy: identity.logging,
            sink: Sink::Buffer(buffer),
        }
    }

    fn allows(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= self.max.min(self.policy.cap(metadata.target()))
    }

    fn write_line(&self, line: &[u8]) {
        match &self.sink {
            // One write_all of the whole line: stderr is unbuffered, so this is one write(2) for
            // any realistic line and concurrent events do not interleave mid-line.
            Sink::Stderr => {
                let _ = std::io::stderr().lock().write_all(line);
            }
            Sink::Buffer(buffer) => {
                if let Ok(mut buffer) = buffer.lock() {
                    buffer.extend_from_slice(line);
                }
            }
        }
    }
}

fn level_word(level: &Level) -> &'static str {
    // hclog's words; notably `warn`, since `warning` is not parsed as a level by go-plugin.
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// Fields recorded on a span, kept in the span's extensions so events inside it inherit them
/// (the framework puts per-RPC context such as the RPC name on spans).
struct SpanFields(Map<String, Value>);

impl<S> Layer<S> for HclogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if self.allows(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        self.allows(metadata)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.max)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut visitor = JsonVisitor::default();
        attrs.record(&mut visitor);
        span.extensions_mut().insert(SpanFields(visitor.fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut visitor = JsonVisitor::default();
        values.record(&mut visitor);
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<SpanFields>() {
            Some(existing) => existing.0.extend(visitor.fields),
            None => extensions.insert(SpanFields(visitor.fields)),
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(span_fields) = span.extensions().get::<SpanFields>() {
                    fields.extend(span_fields.0.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
        let mut visitor = JsonVisitor::default();
        event.record(&mut visitor);
        fields.extend(visitor.fields);

        let metadata = event.metadata();
        let line = render_line(
            SystemTime::now(),
            metadata.level(),
            &visitor.message,
            &self.policy.module(self.provider_type, metadata.target()),
            metadata.file().zip(metadata.line()),
            &fields,
        );
        self.write_line(line.as_bytes());
    }
}

/// Builds one complete line, newline included.
fn render_line(
    now: SystemTime,
    level: &Level,
    message: &str,
    module: &str,
    caller: Option<(&str, u32)>,
    fields: &Map<String, Value>,
) -> String {
    let mut object = Map::new();
    object.insert("@level".into(), Value::from(level_word(level)));
    object.insert("@message".into(), Value::from(message));
    object.insert("@module".into(), Value::from(module));
    object.insert("@timestamp".into(), Value::from(format_timestamp(now)));
    if let Some((file, line)) = caller {
        object.insert("@caller".into(), Value::from(format!("{file}:{line}")));
    }
    for (key, value) in fields {
        // Never let a field shadow the keys go-plugin interprets.
        if !key.starts_with('@') {
            object.insert(key.clone(), value.clone());
        }
    }
    let mut line = Value::Object(object).to_string();
    line.push('\n');
    line
}

/// Collects an event's or span's fields as JSON values, keeping the message apart.
#[derive(Default)]
struct JsonVisitor {
    message: String,
    fields: Map<String, Value>,
}

impl JsonVisitor {
    fn put(&mut self, field: &Field, value: Value) {
        let name = field.name();
        // Fields bridged from the `log` crate describe the log record itself, not the event.
        if name.starts_with("log.") {
            return;
        }
        if name == "message" {
            self.message = match value {
                Value::String(text) => text,
                other => other.to_string(),
            };
        } else {
            self.fields.insert(name.to_owned(), value);
        }
    }
}

impl Visit for JsonVisitor {
    fn record_f64(&mut self, field: &Field, value: f64) {
        let json = serde_json::Number::from_f64(value)
            .map_or_else(|| Value::String(value.to_string()), Value::Number);
        self.put(field, json);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        let json =
            i64::try_from(value).map_or_else(|_| Value::String(value.to_string()), Value::from);
        self.put(field, json);
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        let json =
            u64::try_from(value).map_or_else(|_| Value::String(value.to_string()), Value::from);
        self.put(field, json);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::from(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::from(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        // Include the cause chain: SDK errors are often just "service error" at the top level.
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            let _ = write!(text, ": {cause}");
            source = cause.source();
        }
        self.put(field, Value::String(text));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, Value::String(format!("{value:?}")));
    }
}

/// Formats `time` as UTC in hclog's JSON layout `2006-01-02T15:04:05.000000Z07:00`: exactly six
/// fractional digits and a literal `Z`, because go-plugin rejects any other precision.
pub fn format_timestamp(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since_epoch.as_secs();
    let micros = since_epoch.subsec_micros();
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let second_of_day = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
    )
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day).
///
/// Works in 400-year eras (146 097 days each) counted from 0000-03-01, so that the leap day is the
/// last day of the shifted year and month lengths follow a simple linear pattern.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Shift the epoch from 1970-01-01 to 0000-03-01.
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097); // 0..=146_096
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months counted from March = 0; 153 days per five months.
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // Both values are small and positive by construction.
    (year, month as u32, day as u32)
}

/// Reports panics, and ends the process only for those it cannot survive.
///
/// A panic while the runtime is serving (inside a gRPC handler or a task) is logged as an hclog
/// error line and left to unwind: the framework turns it into an error diagnostic for that one
/// RPC, and tokio contains a panicking task, so the other operations in flight keep going.
///
/// A panic outside the runtime (start-up, the handshake) leaves nothing to serve. Terraform
/// records a plugin crash only when a stderr line starts with `panic: `, so this prints that
/// line, the location and a backtrace, plainly (not as JSON), and exits with status 2 like a Go
/// program.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = if let Some(text) = info.payload().downcast_ref::<&str>() {
            (*text).to_owned()
        } else if let Some(text) = info.payload().downcast_ref::<String>() {
            text.clone()
        } else {
            "Box<dyn Any>".to_owned()
        };
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_default();
        if tokio::runtime::Handle::try_current().is_ok() {
            tracing::error!(
                panic = %message,
                location = %location,
                backtrace = %std::backtrace::Backtrace::force_capture(),
                "panic while serving; only the operation that hit it fails"
            );
            return;
        }
        let thread = std::thread::current();
        let mut report = format!("panic: {message}\n\n");
        let _ = write!(
            report,
            "thread '{}' panicked at {location}",
            thread.name().unwrap_or("<unnamed>")
        );
        let _ = writeln!(report, "\n{}", std::backtrace::Backtrace::force_capture());
        let _ = std::io::stderr().lock().write_all(report.as_bytes());
        std::process::exit(2);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamp_has_hclog_shape() {
        let t = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789);
        assert_eq!(format_timestamp(t), "2023-11-14T22:13:20.123456Z");
        assert_eq!(format_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
    }

    #[test]
    fn civil_dates_cross_leap_years_and_centuries() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(59), (1970, 3, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(47_541), (2100, 3, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn levels_parse_like_terraform() {
        assert_eq!(parse_level("JSON"), LevelFilter::TRACE);
        assert_eq!(parse_level("Debug"), LevelFilter::DEBUG);
        assert_eq!(parse_level("off"), LevelFilter::OFF);
        assert_eq!(parse_level("verbose"), LevelFilter::INFO);
    }

    const SDK: LogPolicy = LogPolicy {
        own_crates: &["example_provider"],
        groups: &[("sdk_", "sdk")],
        caps: &[
            ("sdk_signing", LevelFilter::INFO),
            ("sdk_runtime::orchestrator", LevelFilter::DEBUG),
            ("noisy_*", LevelFilter::WARN),
            ("sdk_config::credentials", LevelFilter::OFF),
        ],
    };

    const IDENTITY: PluginIdentity = PluginIdentity {
        provider_type: "example",
        namespace: "example",
        version: "1.2.3",
        logging: SDK,
    };

    #[test]
    fn modules_and_caps() {
        assert_eq!(
            SDK.module("example", "example_provider::resources"),
            "example"
        );
        assert_eq!(SDK.module("example", "tf_plugin_host::serve"), "example");
        assert_eq!(SDK.module("example", "sdk_config::profile"), "example.sdk");
        assert_eq!(SDK.module("example", "h2::codec"), "example.h2");
        assert_eq!(SDK.cap("sdk_signing::http_request"), LevelFilter::INFO);
        assert_eq!(SDK.cap("sdk_runtime::orchestrator"), LevelFilter::DEBUG);
        assert_eq!(SDK.cap("sdk_runtime::orchestratorx"), LevelFilter::TRACE);
        assert_eq!(SDK.cap("h2::codec"), LevelFilter::INFO);
        assert_eq!(SDK.cap("hyperx"), LevelFilter::TRACE);
        assert_eq!(SDK.cap("noisy_lib::deep"), LevelFilter::WARN);
        assert_eq!(SDK.cap("noisy"), LevelFilter::TRACE);
        assert_eq!(SDK.cap("sdk_config::credentials::exec"), LevelFilter::OFF);
    }

    /// A target capped at OFF says nothing, errors included, and a span it opens is never
    /// created: its fields (an SDK puts provider objects there) do not reach the events of
    /// other targets logged inside it.
    #[test]
    fn a_silenced_target_lends_no_fields_to_events_inside_its_spans() {
        use tracing_subscriber::layer::SubscriberExt as _;
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(HclogLayer::buffer(
            LevelFilter::TRACE,
            &IDENTITY,
            buffer.clone(),
        ));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::debug_span!(
                target: "sdk_config::credentials",
                "load",
                provider = "external_id=SPAN-SECRET"
            );
            let _guard = span.enter();
            tracing::error!(target: "sdk_config::credentials", secret = "EVENT-SECRET", "failed");
            tracing::debug!(target: "sdk_runtime::orchestrator", "inside the span");
        });
        let text = String::from_utf8(buffer.lock().map(|b| b.clone()).unwrap_or_default())
            .unwrap_or_default();
        assert!(!text.contains("SECRET"), "{text}");
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("inside the span"), "{text}");
    }

    #[test]
    fn events_become_hclog_json() {
        use tracing_subscriber::layer::SubscriberExt as _;
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(HclogLayer::buffer(
            LevelFilter::DEBUG,
            &IDENTITY,
            buffer.clone(),
        ));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("rpc", tf_rpc = "ApplyResourceChange");
            let _guard = span.enter();
            tracing::debug!(
                count = 3,
                ratio = 0.5,
                ok = true,
                name = "x",
                "hello {}",
                "world"
            );
            tracing::trace!("filtered out");
            tracing::warn!(target: "sdk_signing", "kept: warn is under the cap");
            tracing::debug!(target: "sdk_signing", "dropped: capped at info");
        });
        let text = String::from_utf8(buffer.lock().map(|b| b.clone()).unwrap_or_default())
            .unwrap_or_default();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("valid JSON line"))
            .collect();
        assert_eq!(lines.len(), 2, "{text}");
        let first = &lines[0];
        assert_eq!(first["@level"], "debug");
        assert_eq!(first["@message"], "hello world");
        assert_eq!(first["@module"], "example");
        assert_eq!(first["count"], 3);
        assert_eq!(first["ratio"], 0.5);
        assert_eq!(first["ok"], true);
        assert_eq!(first["name"], "x");
        assert_eq!(first["tf_rpc"], "ApplyResourceChange");
        assert_eq!(lines[1]["@level"], "warn");
        assert_eq!(lines[1]["@module"], "example.sdk");
    }
}
