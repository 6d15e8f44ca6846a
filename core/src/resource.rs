//! The resource every span of a provider is exported with: service.name, the user's
//! attributes, telemetry.sdk.*, and the process and host the program runs on.

use crate::attributes::{kv, string_kv as text};
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;

/// The host's name (gethostname), if the system reports one.
pub fn host_name() -> Option<String> {
    let name = gethostname::gethostname().to_string_lossy().into_owned();
    (!name.is_empty()).then_some(name)
}

/// The running executable's file name (process.executable.name).
pub fn executable_name() -> Option<String> {
    std::env::current_exe().ok()?.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// The service name when nothing configures one: `unknown_service:<executable>` (OpenTelemetry
/// resource semantic conventions).
pub fn default_service_name() -> String {
    match executable_name() {
        Some(exe) => format!("unknown_service:{exe}"),
        None => "unknown_service".to_owned(),
    }
}

/// The resource for `service_name` and the user's `attributes`: they win over the detected
/// ones; `service.name` among the attributes is ignored in favour of `service_name`.
pub fn for_service(service_name: &str, attributes: &[(String, String)]) -> Resource {
    let mut attrs: Vec<KeyValue> = Vec::with_capacity(attributes.len() + 8);
    attrs.push(text("service.name", service_name));
    for (k, v) in attributes {
        if k != "service.name" && !attrs.iter().any(|a| &a.key == k) {
            attrs.push(text(k, v));
        }
    }
    let mut detected = vec![
        text("telemetry.sdk.name", "otlp-ffi"),
        text("telemetry.sdk.language", "rust"),
        text("telemetry.sdk.version", env!("CARGO_PKG_VERSION")),
        kv("process.pid", any_value::Value::IntValue(i64::from(std::process::id()))),
        text("os.type", std::env::consts::OS),
    ];
    if let Some(exe) = executable_name() {
        detected.push(text("process.executable.name", &exe));
    }
    if let Some(host) = host_name() {
        detected.push(text("host.name", &host));
    }
    for d in detected {
        if !attrs.iter().any(|a| a.key == d.key) {
            attrs.push(d);
        }
    }
    Resource { attributes: attrs, dropped_attributes_count: 0, entity_refs: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Settings};

    #[test]
    fn detected_and_user_attributes() {
        let mut cfg = Config::default();
        cfg.resource.push(("telemetry.sdk.language".into(), "python".into()));
        cfg.resource.push(("deployment.environment".into(), "test".into()));
        let s = Settings::resolve(None, Some("svc"), &cfg, &|_| None).unwrap();
        let r = for_service(&s.service_name, &s.resource_attributes);
        let get = |k: &str| r.attributes.iter().find(|a| a.key == k).and_then(|a| a.value.clone()?.value);
        assert_eq!(get("service.name"), Some(any_value::Value::StringValue("svc".into())));
        assert_eq!(get("telemetry.sdk.language"), Some(any_value::Value::StringValue("python".into())));
        assert_eq!(get("telemetry.sdk.name"), Some(any_value::Value::StringValue("otlp-ffi".into())));
        assert_eq!(get("deployment.environment"), Some(any_value::Value::StringValue("test".into())));
        assert!(
            matches!(get("process.pid"), Some(any_value::Value::IntValue(p)) if p == i64::from(std::process::id()))
        );
        assert!(get("host.name").is_some());
        assert_eq!(r.attributes.iter().filter(|a| a.key == "telemetry.sdk.language").count(), 1);
    }

    #[test]
    fn default_service_name_names_the_executable() {
        assert!(default_service_name().starts_with("unknown_service:"));
    }
}
