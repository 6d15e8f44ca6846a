//! Configuration keys and values through the C ABI (`otlp_config_set`) and the core's
//! resolution (`Settings::resolve`). Checked against a model of the documented rules: an
//! unknown key is INVALID_ARGUMENT; for the keys with a closed grammar (booleans, enums, whole
//! numbers, paths) the model decides acceptance; header values never appear in messages.
//! Whatever was accepted must resolve without a panic.
#![no_main]

use fuzz_models::Bytes;
use libfuzzer_sys::fuzz_target;
use otlp_ffi::*;
use otlp_ffi_core::{Config, Settings};
use std::ffi::{CStr, CString};

const KEYS: &[&str] = &[
    "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT", "OTEL_SDK_DISABLED",
    "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_SPAN_EVENT_COUNT_LIMIT", "OTEL_SPAN_LINK_COUNT_LIMIT", "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
    "OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_KEY",
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
];

fn whole(v: &str) -> Option<u64> {
    let t = v.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return t.strip_prefix('+').filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())).and_then(|d| d.parse().ok());
    }
    t.parse().ok()
}

/// `Some(accepted)` for keys whose grammar the model knows, `None` for the others.
fn model(key: &str, value: &str) -> Option<bool> {
    let lower = value.trim().to_ascii_lowercase();
    let one_of = |words: &[&str]| words.contains(&lower.as_str());
    Some(match key {
        "OTEL_SERVICE_NAME" => true,
        "OTEL_SDK_DISABLED" => one_of(&["true", "false", ""]),
        "OTEL_TRACES_EXPORTER" => one_of(&["otlp", "console", "none"]),
        "OTEL_EXPORTER_OTLP_PROTOCOL" | "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" => {
            one_of(&["http/protobuf", "http/json", "grpc"])
        }
        "OTEL_EXPORTER_OTLP_COMPRESSION" | "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION" => one_of(&["gzip", "none"]),
        "OTEL_BSP_SCHEDULE_DELAY" => whole(value).is_some(),
        "OTEL_EXPORTER_OTLP_TIMEOUT" | "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT" | "OTEL_BSP_EXPORT_TIMEOUT"
        | "OTEL_BSP_MAX_QUEUE_SIZE" | "OTEL_BSP_MAX_EXPORT_BATCH_SIZE" => whole(value).is_some_and(|n| n > 0),
        k if k.ends_with("_LIMIT") => whole(value).is_some(),
        k if k.ends_with("_CERTIFICATE") || k.ends_with("_CLIENT_KEY") => !value.trim().is_empty(),
        _ => return None,
    })
}

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let mut cfg: *mut otlp_config_t = std::ptr::null_mut();
    assert_eq!(unsafe { otlp_config_new(&mut cfg) }, otlp_error_t::OTLP_OK);
    let mut core = Config::default();
    while let Some(sel) = input.u8() {
        let value = String::from_utf8_lossy(input.bytes().unwrap_or(b"")).into_owned();
        let key: String = if usize::from(sel) < KEYS.len() * 6 {
            KEYS[usize::from(sel) % KEYS.len()].to_owned()
        } else {
            String::from_utf8_lossy(input.bytes().unwrap_or(b"")).into_owned()
        };
        let (Ok(ck), Ok(cv)) = (CString::new(key.as_str()), CString::new(value.as_str())) else { continue };
        if sel % 7 == 0 {
            let rc = unsafe { otlp_config_add_resource_attribute(cfg, ck.as_ptr(), cv.as_ptr()) };
            if rc == otlp_error_t::OTLP_OK {
                core.add_resource_attribute(&key, &value);
            }
            continue;
        }
        let rc = unsafe { otlp_config_set(cfg, ck.as_ptr(), cv.as_ptr()) };
        let core_rc = core.set(&key, &value);
        assert_eq!(rc == otlp_error_t::OTLP_OK, core_rc.is_ok(), "C and core disagree on {key}={value:?}");
        if !KEYS.contains(&key.as_str()) {
            assert_eq!(rc, otlp_error_t::OTLP_ERROR_INVALID_ARGUMENT, "unknown key {key:?} accepted");
        } else if let Some(ok) = model(&key, &value) {
            assert_eq!(rc == otlp_error_t::OTLP_OK, ok, "{key}={value:?}: library and model disagree");
        }
        if rc != otlp_error_t::OTLP_OK {
            assert_eq!(rc, otlp_error_t::OTLP_ERROR_INVALID_ARGUMENT);
            let msg = unsafe { CStr::from_ptr(otlp_get_last_error()) }.to_string_lossy().into_owned();
            assert!(!msg.is_empty());
            // A header value (credentials) never appears in the message. Only values with a
            // `~` are checked: no fixed text of the messages has one, so a value cannot match
            // the key's name or the message's own words by chance.
            if key.ends_with("_HEADERS") && value.len() >= 8 && value.contains('~') {
                assert!(msg.contains("(hidden)"), "{msg}");
                assert!(!msg.contains(&value), "a header value leaked into the message: {msg}");
            }
        }
    }
    unsafe { otlp_config_free(cfg) };
    unsafe { otlp_config_free(cfg) };
    let _ = Settings::resolve(None, None, &core, &|_| None);
});
