//! Configuration objects (header section "config"): `otlp_config_t` over the core's `Config`
//! (OTEL_* keys set from code, resource attributes).

use crate::boundary::{check_ptr, key_value};
use crate::error::Error;
use crate::handles::{self, CONFIGS};
use crate::types::{otlp_config_t, otlp_error_t};
use otlp_ffi_core::Config;
use std::ffi::c_char;

/// Creates an empty configuration object.
///
/// `*config` receives it on success; free it with `otlp_config_free`.
/// Errors: OTLP_ERROR_NULL_POINTER (config).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_config_new(config: *mut *mut otlp_config_t) -> otlp_error_t {
    ffi_result!({
        check_ptr(config, "config")?;
        unsafe { handles::publish(&CONFIGS, Config::default(), config) }
    })
}

/// Sets one setting, named by its OpenTelemetry environment variable (e.g.
/// "OTEL_EXPORTER_OTLP_ENDPOINT"). It takes precedence over the environment. `key` and
/// `value` are copied. The README lists the supported keys; one is this library's own,
/// OTEL_BSP_MAX_EXPORT_BYTES (default 3145728): the largest encoded export request in bytes,
/// a batch larger is sent in several requests, a span alone larger is dropped and counted.
///
/// Errors: OTLP_ERROR_NULL_POINTER (config, key, value), OTLP_ERROR_INVALID_HANDLE (config not
/// live), OTLP_ERROR_INVALID_ARGUMENT (unsupported key, or a value that does not parse; the
/// message names the key — header values are never echoed).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_config_set(
    config: *mut otlp_config_t,
    key: *const c_char,
    value: *const c_char,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(config, "config")?;
        let (key, value) = unsafe { key_value(key, value) }?;
        Ok(CONFIGS.with(config as usize, |c| c.set(key, value))??)
    })
}

/// Adds one resource attribute to a configuration object (`key` and `value` copied). It wins
/// over the same key from OTEL_RESOURCE_ATTRIBUTES and over detected attributes, so a binding
/// can say `telemetry.sdk.language=python`; `service.name` here names the service unless an
/// explicit argument or OTEL_SERVICE_NAME does.
///
/// Errors: OTLP_ERROR_NULL_POINTER (config, key, value), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (key empty, not UTF-8).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_config_add_resource_attribute(
    config: *mut otlp_config_t,
    key: *const c_char,
    value: *const c_char,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(config, "config")?;
        let (key, value) = unsafe { key_value(key, value) }?;
        if key.is_empty() {
            return Err(Error::invalid_argument("argument `key` is empty"));
        }
        CONFIGS.with(config as usize, |c| c.add_resource_attribute(key, value))
    })
}

/// Frees a configuration object. NULL is a no-op; a freed or forged handle is left alone and
/// sets the last error (OTLP_ERROR_INVALID_HANDLE).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_config_free(config: *mut otlp_config_t) {
    if config.is_null() {
        return;
    }
    ffi_void!({ CONFIGS.remove(config as usize).map(drop) })
}
