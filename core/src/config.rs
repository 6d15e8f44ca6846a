//! Configuration: `Config` (OTEL_* keys set from code) and the resolution of every setting
//! into `Settings` by precedence: explicit argument > config object > environment > default.

use crate::data::SpanLimits;
use crate::error::{Error, Result};
use crate::sampler::Sampler;
use crate::util::percent_decode;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    Endpoint,
    KeyValues,
    Headers,
    Millis,
    PositiveMillis,
    Count,
    Limit,
    Sampler,
    Ratio,
    Bool,
    Protocol,
    Compression,
    Exporter,
    /// A file path: only its syntax (not empty) is checked here; the file is read at init.
    Path,
}

/// Every supported key, with how its value is validated.
const KEYS: &[(&str, Kind)] = &[
    ("OTEL_SERVICE_NAME", Kind::Text),
    ("OTEL_RESOURCE_ATTRIBUTES", Kind::KeyValues),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", Kind::Endpoint),
    ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", Kind::Endpoint),
    ("OTEL_EXPORTER_OTLP_HEADERS", Kind::Headers),
    ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", Kind::Headers),
    ("OTEL_EXPORTER_OTLP_TIMEOUT", Kind::PositiveMillis),
    ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", Kind::PositiveMillis),
    ("OTEL_BSP_MAX_QUEUE_SIZE", Kind::Count),
    ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", Kind::Count),
    ("OTEL_BSP_SCHEDULE_DELAY", Kind::Millis),
    ("OTEL_BSP_EXPORT_TIMEOUT", Kind::PositiveMillis),
    // Not in the OpenTelemetry specification (this library's own): the largest export request,
    // in bytes (see `Settings::max_export_bytes`).
    ("OTEL_BSP_MAX_EXPORT_BYTES", Kind::Count),
    ("OTEL_SDK_DISABLED", Kind::Bool),
    ("OTEL_TRACES_SAMPLER", Kind::Sampler),
    ("OTEL_TRACES_SAMPLER_ARG", Kind::Ratio),
    ("OTEL_ATTRIBUTE_COUNT_LIMIT", Kind::Limit),
    ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", Kind::Limit),
    ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", Kind::Limit),
    ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", Kind::Limit),
    ("OTEL_SPAN_EVENT_COUNT_LIMIT", Kind::Limit),
    ("OTEL_SPAN_LINK_COUNT_LIMIT", Kind::Limit),
    ("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", Kind::Limit),
    ("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", Kind::Limit),
    ("OTEL_TRACES_EXPORTER", Kind::Exporter),
    ("OTEL_EXPORTER_OTLP_PROTOCOL", Kind::Protocol),
    ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", Kind::Protocol),
    ("OTEL_EXPORTER_OTLP_COMPRESSION", Kind::Compression),
    ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", Kind::Compression),
    ("OTEL_EXPORTER_OTLP_CERTIFICATE", Kind::Path),
    ("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", Kind::Path),
    ("OTEL_EXPORTER_OTLP_CLIENT_KEY", Kind::Path),
    ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", Kind::Path),
    ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", Kind::Path),
    ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", Kind::Path),
];

pub(crate) const DEFAULT_ENDPOINT: &str = "http://localhost:4318";
/// The default endpoint when the protocol is gRPC.
pub(crate) const DEFAULT_GRPC_ENDPOINT: &str = "http://localhost:4317";
const TRACES_PATH: &str = "/v1/traces";
/// The longest any flush, shutdown or free waits by default, whatever the timeouts say.
pub(crate) const MAX_SHUTDOWN_BOUND: Duration = Duration::from_secs(30);
/// The default OTEL_BSP_MAX_EXPORT_BYTES: 3 MiB, under the OpenTelemetry Collector's default
/// limits (4 MiB for a gRPC message, 20 MiB for an HTTP body) with room to spare.
pub const DEFAULT_MAX_EXPORT_BYTES: usize = 3 << 20;

/// OTEL_* settings set from code (`otlp_config_set` in C), already validated.
#[derive(Debug, Clone, Default)]
pub struct Config {
    values: BTreeMap<&'static str, String>,
    /// Resource attributes added with `add_resource_attribute`; they win over
    /// OTEL_RESOURCE_ATTRIBUTES.
    pub resource: Vec<(String, String)>,
}

fn kind_of(key: &str) -> Option<(&'static str, Kind)> {
    KEYS.iter().copied().find(|(k, _)| *k == key)
}

impl Config {
    /// Validates and stores one setting.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let (key, kind) = kind_of(key).ok_or_else(|| {
            Error::invalid_argument(format!("argument `key`: `{key}` is not a supported configuration key"))
        })?;
        validate(kind, value).map_err(|why| {
            let shown = if kind == Kind::Headers { "(hidden)" } else { value };
            Error::invalid_argument(format!("argument `value`: {key}={shown} is invalid: {why}"))
        })?;
        self.values.insert(key, value.to_owned());
        Ok(())
    }

    /// Adds a resource attribute (a key added again replaces its value); it wins over the same
    /// key from OTEL_RESOURCE_ATTRIBUTES and over detected attributes.
    pub fn add_resource_attribute(&mut self, key: &str, value: &str) {
        self.resource.retain(|(k, _)| k != key);
        self.resource.push((key.to_owned(), value.to_owned()));
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }
}

fn validate(kind: Kind, value: &str) -> std::result::Result<(), String> {
    match kind {
        Kind::Text => Ok(()),
        Kind::Endpoint => parse_url(value).map(drop),
        Kind::KeyValues => parse_key_values(value).map(drop),
        Kind::Headers => parse_headers(value).map(drop),
        Kind::Millis => parse_millis(value, false).map(drop),
        Kind::PositiveMillis => parse_millis(value, true).map(drop),
        Kind::Count => parse_count(value).map(drop),
        Kind::Limit => parse_limit(value).map(drop),
        Kind::Sampler => Sampler::parse(value, None).map(drop),
        Kind::Ratio => parse_ratio(value).map(drop),
        Kind::Bool => parse_bool(value).map(drop),
        Kind::Protocol => Protocol::parse(value).map(drop),
        Kind::Compression => Compression::parse(value).map(drop),
        Kind::Exporter => TracesExporter::parse(value).map(drop),
        Kind::Path => parse_path(value).map(drop),
    }
}

/// How spans travel to the collector (OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Protocol {
    /// OTLP/HTTP with protobuf bodies (`application/x-protobuf`), the default.
    #[default]
    HttpProtobuf,
    /// OTLP/HTTP with the OTLP JSON mapping (`application/json`).
    HttpJson,
    /// OTLP/gRPC (HTTP/2), the endpoint used as given.
    Grpc,
}

impl Protocol {
    fn parse(value: &str) -> std::result::Result<Self, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "http/protobuf" => Ok(Self::HttpProtobuf),
            "http/json" => Ok(Self::HttpJson),
            "grpc" => Ok(Self::Grpc),
            _ => Err("not one of `http/protobuf`, `http/json`, `grpc`".to_owned()),
        }
    }
}

/// Compression of export requests (OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compression {
    #[default]
    None,
    Gzip,
}

impl Compression {
    fn parse(value: &str) -> std::result::Result<Self, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(Self::None),
            "gzip" => Ok(Self::Gzip),
            _ => Err("not `gzip` or `none`".to_owned()),
        }
    }
}

/// Where ended spans go (OTEL_TRACES_EXPORTER).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TracesExporter {
    /// OTLP to the configured endpoint, the default.
    #[default]
    Otlp,
    /// One readable line per span on stderr.
    Console,
    /// Nothing is exported: ended spans are discarded and counted as dropped.
    None,
}

impl TracesExporter {
    fn parse(value: &str) -> std::result::Result<Self, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "otlp" => Ok(Self::Otlp),
            "console" => Ok(Self::Console),
            "none" => Ok(Self::None),
            _ => Err("not one of `otlp`, `console`, `none` (one exporter only)".to_owned()),
        }
    }
}

fn parse_path(value: &str) -> std::result::Result<String, String> {
    let path = value.trim();
    if path.is_empty() { Err("the path is empty".to_owned()) } else { Ok(path.to_owned()) }
}

/// A file named by a setting, with the key it came from (for error messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigPath {
    pub key: &'static str,
    pub path: String,
}

/// TLS files of the OTLP exporter; read (and validated) when the provider is created.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsFiles {
    /// PEM CA certificate(s) trusted instead of the system roots
    /// (OTEL_EXPORTER_OTLP_[TRACES_]CERTIFICATE).
    pub certificate: Option<ConfigPath>,
    /// PEM client private key for mTLS (OTEL_EXPORTER_OTLP_[TRACES_]CLIENT_KEY).
    pub client_key: Option<ConfigPath>,
    /// PEM client certificate chain for mTLS (OTEL_EXPORTER_OTLP_[TRACES_]CLIENT_CERTIFICATE).
    pub client_certificate: Option<ConfigPath>,
}

fn parse_url(value: &str) -> std::result::Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(value.trim()).map_err(|e| format!("not a URL ({e})"))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(format!("scheme `{other}` is not http or https")),
    }
}

fn parse_millis(value: &str, positive: bool) -> std::result::Result<Duration, String> {
    let ms: u64 = value.trim().parse().map_err(|_| "not a whole number of milliseconds".to_owned())?;
    if positive && ms == 0 {
        return Err("must be greater than 0".to_owned());
    }
    Ok(Duration::from_millis(ms))
}

fn parse_count(value: &str) -> std::result::Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("not a positive whole number".to_owned()),
    }
}

fn parse_limit(value: &str) -> std::result::Result<usize, String> {
    value.trim().parse::<usize>().map_err(|_| "not a whole number".to_owned())
}

fn parse_ratio(value: &str) -> std::result::Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err("not a number between 0 and 1".to_owned()),
    }
}

fn parse_bool(value: &str) -> std::result::Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" | "" => Ok(false),
        _ => Err("not `true` or `false`".to_owned()),
    }
}

/// Parses `key1=value1,key2=value2` with percent-encoded values.
///
/// Messages name an entry by its position ("entry 2 has no '='"), never by its text: the same
/// syntax carries OTEL_EXPORTER_OTLP_HEADERS, whose values are secrets (tokens, API keys).
pub fn parse_key_values(value: &str) -> std::result::Result<Vec<(String, String)>, String> {
    key_values_checked(value, |_, _, _| Ok(()))
}

/// [`parse_key_values`], calling `check(entry number, key, value)` on every decoded pair.
fn key_values_checked(
    value: &str,
    check: impl Fn(usize, &str, &str) -> std::result::Result<(), String>,
) -> std::result::Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (i, member) in value.split(',').enumerate() {
        if member.trim().is_empty() {
            continue;
        }
        let n = i + 1;
        let (k, v) = member.split_once('=').ok_or_else(|| format!("entry {n} has no '='"))?;
        let k = percent_decode(k.trim()).map_err(|why| format!("entry {n}: the key: {why}"))?;
        if k.is_empty() {
            return Err(format!("entry {n}: the key is empty"));
        }
        let v = percent_decode(v.trim()).map_err(|why| format!("entry {n}: the value: {why}"))?;
        check(n, &k, &v)?;
        out.push((k, v));
    }
    Ok(out)
}

/// OTEL_EXPORTER_OTLP_[TRACES_]HEADERS: `name=value` pairs. A message names the header when
/// its name is valid and only the entry's position otherwise (an invalid name may be a token
/// pasted in the wrong place); it never contains a value.
fn parse_headers(value: &str) -> std::result::Result<Vec<(String, String)>, String> {
    key_values_checked(value, |n, k, v| {
        if reqwest::header::HeaderName::from_bytes(k.as_bytes()).is_err() {
            return Err(format!("entry {n}: the key is not an HTTP header name"));
        }
        match reqwest::header::HeaderValue::from_str(v) {
            Ok(_) => Ok(()),
            Err(_) => Err(format!("entry {n}: the value of header `{k}` is not a valid header value")),
        }
    })
}

/// Appends `/v1/traces` to a base endpoint's path unless it already ends with it.
fn signal_url(base: &str) -> std::result::Result<String, String> {
    let mut url = parse_url(base)?;
    if !url.path().ends_with(TRACES_PATH) {
        let path = format!("{}{TRACES_PATH}", url.path().trim_end_matches('/'));
        url.set_path(&path);
    }
    Ok(url.into())
}

/// Every setting the provider needs, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub service_name: String,
    pub resource_attributes: Vec<(String, String)>,
    pub traces_endpoint: String,
    pub headers: Vec<(String, String)>,
    /// Bound of one export including its retries (OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT).
    pub export_timeout: Duration,
    pub max_queue_size: usize,
    pub max_export_batch_size: usize,
    pub schedule_delay: Duration,
    /// How long the processor waits for one export (OTEL_BSP_EXPORT_TIMEOUT).
    pub bsp_export_timeout: Duration,
    /// The largest export request, in bytes of the encoded (uncompressed) message
    /// (OTEL_BSP_MAX_EXPORT_BYTES, default [`DEFAULT_MAX_EXPORT_BYTES`]): a batch that encodes
    /// larger is sent in several requests, and a span that alone exceeds it is dropped
    /// (counted, with a warning).
    pub max_export_bytes: usize,
    pub sdk_disabled: bool,
    pub sampler: Sampler,
    pub limits: SpanLimits,
    /// OTEL_TRACES_EXPORTER.
    pub exporter: TracesExporter,
    /// OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL; decides how `traces_endpoint` was derived.
    pub protocol: Protocol,
    /// OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION.
    pub compression: Compression,
    pub tls: TlsFiles,
}

impl Settings {
    /// The bound of `otlp_tracer_provider_free`'s shutdown.
    pub fn shutdown_bound(&self) -> Duration {
        self.export_timeout.min(self.bsp_export_timeout).min(MAX_SHUTDOWN_BOUND)
    }
}

/// Where a setting comes from, after explicit arguments: the config object, then the
/// environment. Invalid environment values are ignored with a warning on stderr.
struct Sources<'a> {
    config: &'a Config,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Sources<'_> {
    fn raw(&self, key: &str) -> Option<String> {
        if let Some(v) = self.config.get(key) {
            return Some(v.to_owned());
        }
        self.env_value(key)
    }

    /// A signal-specific key and its general form (`OTEL_EXPORTER_OTLP_TRACES_X`,
    /// `OTEL_EXPORTER_OTLP_X`): the config object first (specific, then general), then the
    /// environment (specific, then general).
    fn pair(&self, traces_key: &str, general_key: &str) -> Option<String> {
        self.config
            .get(traces_key)
            .or_else(|| self.config.get(general_key))
            .map(str::to_owned)
            .or_else(|| self.env_value(traces_key))
            .or_else(|| self.env_value(general_key))
    }

    /// The key of `pair` that supplied the value (for messages naming the setting).
    fn pair_key(&self, traces_key: &'static str, general_key: &'static str) -> Option<ConfigPath> {
        let path = |k: &'static str, v: &str| parse_path(v).ok().map(|path| ConfigPath { key: k, path });
        if let Some(v) = self.config.get(traces_key) {
            return path(traces_key, v);
        }
        if let Some(v) = self.config.get(general_key) {
            return path(general_key, v);
        }
        if let Some(v) = self.env_value(traces_key) {
            return path(traces_key, &v);
        }
        self.env_value(general_key).and_then(|v| path(general_key, &v))
    }

    /// An environment value, validated; an invalid one is ignored with a warning on stderr.
    fn env_value(&self, key: &str) -> Option<String> {
        let v = (self.env)(key)?;
        if v.trim().is_empty() {
            return None;
        }
        let kind = kind_of(key).map_or(Kind::Text, |(_, k)| k);
        match validate(kind, &v) {
            Ok(()) => Some(v),
            Err(why) => {
                let shown = if kind == Kind::Headers { "(hidden)".to_owned() } else { format!("{v:?}") };
                eprintln!("otlp-ffi: warning: ignoring environment {key}={shown}: {why}; using the default");
                None
            }
        }
    }

    fn parsed<T>(&self, key: &str, parse: impl Fn(&str) -> std::result::Result<T, String>) -> Option<T> {
        // Values were validated on the way in, so a parse failure here cannot happen; treat it
        // as unset rather than panic.
        self.raw(key).and_then(|v| parse(&v).ok())
    }

    fn parsed_pair<T>(
        &self,
        traces_key: &str,
        general_key: &str,
        parse: impl Fn(&str) -> std::result::Result<T, String>,
    ) -> Option<T> {
        self.pair(traces_key, general_key).and_then(|v| parse(&v).ok())
    }
}

impl Settings {
    /// Resolves all settings. `endpoint` / `service_name` are the explicit arguments of
    /// `otlp_init` (`None` or empty means not given).
    pub fn resolve(
        endpoint: Option<&str>,
        service_name: Option<&str>,
        config: &Config,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings> {
        let src = Sources { config, env };
        let invalid = |what: &str, why: String| Error::invalid_argument(format!("argument `{what}`: {why}"));

        let exporter = src.parsed("OTEL_TRACES_EXPORTER", TracesExporter::parse).unwrap_or_default();
        let protocol = src
            .parsed_pair("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL", Protocol::parse)
            .unwrap_or_default();
        let compression = src
            .parsed_pair("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION", Compression::parse)
            .unwrap_or_default();
        let tls = TlsFiles {
            certificate: src.pair_key("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE"),
            client_key: src.pair_key("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "OTEL_EXPORTER_OTLP_CLIENT_KEY"),
            client_certificate: src
                .pair_key("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"),
        };
        // A base endpoint gets `/v1/traces` for OTLP/HTTP; gRPC uses every endpoint as given.
        let grpc = protocol == Protocol::Grpc;
        let base_url = |e: &str| if grpc { parse_url(e).map(String::from) } else { signal_url(e) };
        let default_endpoint = if grpc { DEFAULT_GRPC_ENDPOINT } else { DEFAULT_ENDPOINT };

        let traces_endpoint = match endpoint.filter(|e| !e.is_empty()) {
            Some(e) => base_url(e).map_err(|why| invalid("endpoint", format!("`{e}` is invalid: {why}")))?,
            None => {
                let from = |k: &str| config.get(k).map(str::to_owned);
                let direct = from("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").or_else(|| {
                    if config.get("OTEL_EXPORTER_OTLP_ENDPOINT").is_some() {
                        None
                    } else {
                        src.raw("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                    }
                });
                match direct {
                    Some(url) => parse_url(&url).map(String::from).map_err(|why| invalid("endpoint", why))?,
                    None => {
                        let base =
                            src.raw("OTEL_EXPORTER_OTLP_ENDPOINT").unwrap_or_else(|| default_endpoint.to_owned());
                        base_url(&base).map_err(|why| invalid("endpoint", why))?
                    }
                }
            }
        };

        let mut resource_attributes = src.parsed("OTEL_RESOURCE_ATTRIBUTES", parse_key_values).unwrap_or_default();
        for (k, v) in &config.resource {
            resource_attributes.retain(|(key, _)| key != k);
            resource_attributes.push((k.clone(), v.clone()));
        }
        let service_name = service_name
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .or_else(|| src.raw("OTEL_SERVICE_NAME").filter(|s| !s.is_empty()))
            .or_else(|| resource_attributes.iter().find(|(k, _)| k == "service.name").map(|(_, v)| v.clone()))
            .unwrap_or_else(crate::resource::default_service_name);

        let headers = src
            .parsed_pair("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS", parse_headers)
            .unwrap_or_default();
        let millis = |k: &str| src.parsed(k, |v| parse_millis(v, true));
        let export_timeout = src
            .parsed_pair("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT", |v| parse_millis(v, true))
            .unwrap_or(Duration::from_secs(10));
        let max_queue_size = src.parsed("OTEL_BSP_MAX_QUEUE_SIZE", parse_count).unwrap_or(2048);
        let max_export_batch_size =
            src.parsed("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", parse_count).unwrap_or(512).min(max_queue_size);
        let schedule_delay =
            src.parsed("OTEL_BSP_SCHEDULE_DELAY", |v| parse_millis(v, false)).unwrap_or(Duration::from_millis(5000));
        let bsp_export_timeout = millis("OTEL_BSP_EXPORT_TIMEOUT").unwrap_or(Duration::from_secs(30));
        let max_export_bytes = src.parsed("OTEL_BSP_MAX_EXPORT_BYTES", parse_count).unwrap_or(DEFAULT_MAX_EXPORT_BYTES);
        let sdk_disabled = src.parsed("OTEL_SDK_DISABLED", parse_bool).unwrap_or(false);

        let sampler_arg = src.raw("OTEL_TRACES_SAMPLER_ARG");
        let sampler = match src.raw("OTEL_TRACES_SAMPLER") {
            None => Sampler::default(),
            Some(name) => match Sampler::parse(&name, sampler_arg.as_deref()) {
                Ok(s) => s,
                Err(why) if config.get("OTEL_TRACES_SAMPLER").is_some() => {
                    return Err(invalid("config", format!("OTEL_TRACES_SAMPLER: {why}")));
                }
                Err(why) => {
                    eprintln!(
                        "otlp-ffi: warning: ignoring environment OTEL_TRACES_SAMPLER={name:?}: {why}; using the default"
                    );
                    Sampler::default()
                }
            },
        };
        let limit = |k: &str| src.parsed(k, parse_limit);
        let defaults = SpanLimits::default();
        let attribute_count = limit("OTEL_ATTRIBUTE_COUNT_LIMIT").unwrap_or(defaults.attribute_count);
        let attribute_value_length =
            limit("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT").unwrap_or(defaults.attribute_value_length);
        let limits = SpanLimits {
            attribute_count: limit("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT").unwrap_or(attribute_count),
            attribute_value_length: limit("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT").unwrap_or(attribute_value_length),
            event_count: limit("OTEL_SPAN_EVENT_COUNT_LIMIT").unwrap_or(defaults.event_count),
            link_count: limit("OTEL_SPAN_LINK_COUNT_LIMIT").unwrap_or(defaults.link_count),
            event_attribute_count: limit("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT").unwrap_or(attribute_count),
            link_attribute_count: limit("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT").unwrap_or(attribute_count),
        };

        Ok(Settings {
            service_name,
            resource_attributes,
            traces_endpoint,
            headers,
            export_timeout,
            max_queue_size,
            max_export_batch_size,
            schedule_delay,
            bsp_export_timeout,
            max_export_bytes,
            sdk_disabled,
            sampler,
            limits,
            exporter,
            protocol,
            compression,
            tls,
        })
    }
}

/// The process environment, as `Settings::resolve` reads it.
pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

impl Settings {
    /// Resolves the settings from explicit arguments (`None` or empty: not given), then the
    /// OTEL_* environment variables, then the defaults.
    pub fn from_env(endpoint: Option<&str>, service_name: Option<&str>) -> Result<Settings> {
        Settings::resolve(endpoint, service_name, &Config::default(), &process_env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn defaults() {
        let s = Settings::resolve(None, None, &Config::default(), &env_of(&[])).unwrap();
        assert_eq!(s.traces_endpoint, "http://localhost:4318/v1/traces");
        assert!(s.service_name.starts_with("unknown_service:"), "{}", s.service_name);
        assert_eq!((s.max_queue_size, s.max_export_batch_size), (2048, 512));
        assert_eq!(s.schedule_delay, Duration::from_millis(5000));
        assert_eq!(s.export_timeout, Duration::from_secs(10));
        assert!(!s.sdk_disabled);
    }

    #[test]
    fn endpoints_per_spec() {
        let c = Config::default();
        let e = env_of(&[]);
        let url = |ep: &str| Settings::resolve(Some(ep), None, &c, &e).unwrap().traces_endpoint;
        assert_eq!(url("http://h:4318"), "http://h:4318/v1/traces");
        assert_eq!(url("http://h:4318/"), "http://h:4318/v1/traces");
        assert_eq!(url("http://h/otlp"), "http://h/otlp/v1/traces");
        assert_eq!(url("http://h/otlp/v1/traces"), "http://h/otlp/v1/traces");
        let env = env_of(&[
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:1/custom"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://b:2"),
        ]);
        assert_eq!(Settings::resolve(None, None, &c, &env).unwrap().traces_endpoint, "http://t:1/custom");
        let env = env_of(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://b:2")]);
        assert_eq!(Settings::resolve(None, None, &c, &env).unwrap().traces_endpoint, "http://b:2/v1/traces");
        // The config object beats the environment, and the explicit argument beats both.
        let mut cfg = Config::default();
        cfg.set("OTEL_EXPORTER_OTLP_ENDPOINT", "http://cfg:3").unwrap();
        let env = env_of(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:1/custom")]);
        assert_eq!(Settings::resolve(None, None, &cfg, &env).unwrap().traces_endpoint, "http://cfg:3/v1/traces");
        assert_eq!(
            Settings::resolve(Some("http://x:9"), None, &cfg, &env).unwrap().traces_endpoint,
            "http://x:9/v1/traces"
        );
        assert!(Settings::resolve(Some("not a url"), None, &c, &e).is_err());
        // An empty explicit endpoint means "not given".
        assert_eq!(
            Settings::resolve(Some(""), None, &c, &e).unwrap().traces_endpoint,
            "http://localhost:4318/v1/traces"
        );
    }

    #[test]
    fn service_name_precedence() {
        let env = env_of(&[
            ("OTEL_SERVICE_NAME", "from-env"),
            ("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs,team=a%20b"),
        ]);
        let c = Config::default();
        let s = Settings::resolve(None, Some("explicit"), &c, &env).unwrap();
        assert_eq!(s.service_name, "explicit");
        assert_eq!(s.resource_attributes[1], ("team".to_owned(), "a b".to_owned()));
        assert_eq!(Settings::resolve(None, None, &c, &env).unwrap().service_name, "from-env");
        let env2 = env_of(&[("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs")]);
        assert_eq!(Settings::resolve(None, None, &c, &env2).unwrap().service_name, "from-attrs");
        let mut cfg = Config::default();
        cfg.set("OTEL_SERVICE_NAME", "from-config").unwrap();
        assert_eq!(Settings::resolve(None, None, &cfg, &env).unwrap().service_name, "from-config");
    }

    #[test]
    fn config_set_validates_and_names_the_key() {
        let mut c = Config::default();
        let e = c.set("OTEL_NOPE", "1").unwrap_err();
        assert!(e.message().contains("OTEL_NOPE"));
        for (k, v) in [
            ("OTEL_BSP_MAX_QUEUE_SIZE", "0"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "ten"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "-5"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://h"),
            ("OTEL_SDK_DISABLED", "maybe"),
            ("OTEL_RESOURCE_ATTRIBUTES", "novalue"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "bad header=secret"),
        ] {
            let e = c.set(k, v).unwrap_err();
            assert_eq!(e.kind(), crate::error::ErrorKind::InvalidArgument);
            assert!(e.message().contains(k), "{}", e.message());
        }
        let e = c.set("OTEL_EXPORTER_OTLP_HEADERS", "x=%ZZsecret").unwrap_err();
        assert!(!e.message().contains("secret"), "header values are never echoed");
        c.set("OTEL_BSP_MAX_QUEUE_SIZE", "10").unwrap();
        c.set("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "100").unwrap();
        let s = Settings::resolve(None, None, &c, &env_of(&[])).unwrap();
        assert_eq!((s.max_queue_size, s.max_export_batch_size), (10, 10), "batch never exceeds queue");
    }

    #[test]
    fn header_secrets_never_appear_in_messages() {
        const TOKEN: &str = "s3cr3tT0KEN";
        let cases = [
            (format!("Authorization: Bearer {TOKEN}"), "entry 1 has no '='"),
            (format!("x-team=blue,{TOKEN}"), "entry 2 has no '='"),
            (format!("Authorization Bearer {TOKEN}=x"), "entry 1: the key is not an HTTP header name"),
            (format!("x-api-key={TOKEN}%0A"), "entry 1: the value of header `x-api-key` is not a valid header value"),
            (format!("x-api-key={TOKEN}%ZZ"), "entry 1: the value: bad escape"),
            (format!("x-{TOKEN}%ZZ=v"), "entry 1: the key: bad escape"),
            (format!("={TOKEN}"), "entry 1: the key is empty"),
        ];
        for (value, problem) in &cases {
            for key in ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"] {
                let e = Config::default().set(key, value).unwrap_err();
                let m = e.message();
                assert!(m.contains(key) && m.contains(problem), "{value}: {m}");
                assert!(!m.contains(TOKEN), "the token leaked: {m}");
            }
        }
        // The environment's warning is built from the same text (`why`); a valid value works.
        let env = env_of(&[("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20s3cr3tT0KEN")]);
        let s = Settings::resolve(None, None, &Config::default(), &env).unwrap();
        assert_eq!(s.headers, vec![("authorization".into(), format!("Bearer {TOKEN}"))]);
    }

    #[test]
    fn invalid_environment_values_fall_back_to_defaults() {
        let env = env_of(&[("OTEL_BSP_SCHEDULE_DELAY", "soon"), ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500")]);
        let s = Settings::resolve(None, None, &Config::default(), &env).unwrap();
        assert_eq!(s.schedule_delay, Duration::from_millis(5000));
        assert_eq!(s.export_timeout, Duration::from_millis(2500));
    }

    #[test]
    fn sampler_and_limits() {
        let env = env_of(&[
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
            ("OTEL_ATTRIBUTE_COUNT_LIMIT", "10"),
            ("OTEL_SPAN_EVENT_COUNT_LIMIT", "3"),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "16"),
        ]);
        let s = Settings::resolve(None, None, &Config::default(), &env).unwrap();
        assert_eq!(s.sampler, Sampler::ParentBased(Box::new(Sampler::TraceIdRatio(0.25))));
        assert_eq!((s.limits.attribute_count, s.limits.event_attribute_count), (10, 10));
        assert_eq!((s.limits.event_count, s.limits.link_count, s.limits.attribute_value_length), (3, 128, 16));
        let mut c = Config::default();
        assert!(c.set("OTEL_TRACES_SAMPLER", "sometimes").unwrap_err().message().contains("OTEL_TRACES_SAMPLER"));
        assert!(c.set("OTEL_TRACES_SAMPLER_ARG", "2").is_err());
        c.set("OTEL_TRACES_SAMPLER", "always_off").unwrap();
        let s = Settings::resolve(None, None, &c, &env).unwrap();
        assert_eq!(s.sampler, Sampler::AlwaysOff, "config beats environment");
        let bad = env_of(&[("OTEL_TRACES_SAMPLER", "sometimes")]);
        assert_eq!(Settings::resolve(None, None, &Config::default(), &bad).unwrap().sampler, Sampler::default());
    }

    #[test]
    fn transport_keys() {
        let c = Config::default();
        let s = Settings::resolve(None, None, &c, &env_of(&[])).unwrap();
        assert_eq!(
            (s.exporter, s.protocol, s.compression),
            (TracesExporter::Otlp, Protocol::HttpProtobuf, Compression::None)
        );
        assert_eq!(s.tls, TlsFiles::default());

        // gRPC: default port 4317, every endpoint used as given.
        let env = env_of(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]);
        let s = Settings::resolve(None, None, &c, &env).unwrap();
        assert_eq!((s.protocol, s.traces_endpoint.as_str()), (Protocol::Grpc, "http://localhost:4317/"));
        let s = Settings::resolve(Some("https://h:4317"), None, &c, &env).unwrap();
        assert_eq!(s.traces_endpoint, "https://h:4317/");
        let env =
            env_of(&[("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:9")]);
        assert_eq!(Settings::resolve(None, None, &c, &env).unwrap().traces_endpoint, "http://c:9/");
        let env = env_of(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c")]);
        let s = Settings::resolve(None, None, &c, &env).unwrap();
        assert_eq!((s.protocol, s.traces_endpoint.as_str()), (Protocol::HttpJson, "https://c/v1/traces"));

        // Signal-specific beats general; the config object beats the environment as a whole.
        let env = env_of(&[
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "none"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "100"),
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/env/ca.pem"),
        ]);
        let s = Settings::resolve(None, None, &c, &env).unwrap();
        assert_eq!((s.compression, s.protocol), (Compression::Gzip, Protocol::HttpJson));
        assert_eq!(
            s.tls.certificate,
            Some(ConfigPath { key: "OTEL_EXPORTER_OTLP_CERTIFICATE", path: "/env/ca.pem".into() })
        );
        let mut cfg = Config::default();
        cfg.set("OTEL_EXPORTER_OTLP_COMPRESSION", "none").unwrap();
        cfg.set("OTEL_EXPORTER_OTLP_PROTOCOL", "GRPC").unwrap();
        cfg.set("OTEL_EXPORTER_OTLP_TIMEOUT", "200").unwrap();
        cfg.set("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", " /cfg/ca.pem ").unwrap();
        cfg.set("OTEL_TRACES_EXPORTER", "console").unwrap();
        let s = Settings::resolve(None, None, &cfg, &env).unwrap();
        assert_eq!(
            (s.compression, s.protocol, s.exporter),
            (Compression::None, Protocol::Grpc, TracesExporter::Console)
        );
        assert_eq!(s.export_timeout, Duration::from_millis(200));
        assert_eq!(
            s.tls.certificate,
            Some(ConfigPath { key: "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", path: "/cfg/ca.pem".into() })
        );

        // otlp_config_set checks syntax only; the environment warns and falls back.
        let mut c = Config::default();
        for (k, v) in [
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http"),
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "zstd"),
            ("OTEL_TRACES_EXPORTER", "otlp,console"),
            ("OTEL_TRACES_EXPORTER", "zipkin"),
            ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "  "),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "grpc://h:4317"),
        ] {
            let e = c.set(k, v).unwrap_err();
            assert!(e.message().contains(k), "{}", e.message());
        }
        c.set("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/does/not/exist.pem").unwrap();
        c.set("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector.example:4318").unwrap();
        c.set("OTEL_TRACES_EXPORTER", "none").unwrap();
        let bad = env_of(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon"), ("OTEL_TRACES_EXPORTER", "zipkin")]);
        let s = Settings::resolve(None, None, &Config::default(), &bad).unwrap();
        assert_eq!((s.protocol, s.exporter), (Protocol::HttpProtobuf, TracesExporter::Otlp));
    }

    #[test]
    fn headers_are_percent_decoded() {
        let env = env_of(&[("OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%3Db%2Cc, x-team = blue ")]);
        let s = Settings::resolve(None, None, &Config::default(), &env).unwrap();
        assert_eq!(s.headers, vec![("api-key".into(), "a=b,c".into()), ("x-team".into(), "blue".into())]);
    }
}
