"""Provider configuration: TracerProvider's keywords -> ``OTEL_*`` settings -> ``otlp_config_t``.

:data:`CONFIG_KEYWORDS` maps each keyword argument of ``TracerProvider`` to the ``OTEL_*`` key it
sets and the function that formats its value; :func:`_settings` merges those with the verbatim
``config`` mapping (keywords win), :func:`_resource` builds the resource attributes, and
:func:`_init` creates the provider from both (``otlp_config_*``, ``otlp_init_with_config``).
"""

from __future__ import annotations

from ctypes import byref, c_void_p
from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import quote

from . import _raw
from ._strings import _encode
from .errors import _error

_lib = _raw.load()

def _kv_list(mapping: Mapping[str, Any]) -> str:
    """``k1=v1,k2=v2`` with percent-encoding (the OTEL_RESOURCE_ATTRIBUTES/HEADERS format)."""
    return ",".join(f"{quote(str(k), safe='')}={quote(str(v), safe='')}" for k, v in mapping.items())


def _ms(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected milliseconds as a number, not {type(value).__name__}")
    return str(int(value))


#: keyword argument -> (OTEL_* key, value formatter)
CONFIG_KEYWORDS: Dict[str, Tuple[str, Any]] = {
    "endpoint": ("OTEL_EXPORTER_OTLP_ENDPOINT", str),
    "service_name": ("OTEL_SERVICE_NAME", str),
    "traces_endpoint": ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", str),
    "headers": ("OTEL_EXPORTER_OTLP_HEADERS", _kv_list),
    "timeout_ms": ("OTEL_EXPORTER_OTLP_TIMEOUT", _ms),
    "max_queue_size": ("OTEL_BSP_MAX_QUEUE_SIZE", _ms),
    "max_export_batch_size": ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", _ms),
    "schedule_delay_ms": ("OTEL_BSP_SCHEDULE_DELAY", _ms),
    "export_timeout_ms": ("OTEL_BSP_EXPORT_TIMEOUT", _ms),
    "disabled": ("OTEL_SDK_DISABLED", lambda v: "true" if v else "false"),
    "sampler": ("OTEL_TRACES_SAMPLER", str),
    "sampler_arg": ("OTEL_TRACES_SAMPLER_ARG", str),
    "attribute_count_limit": ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", _ms),
    "attribute_value_length_limit": ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", _ms),
    "exporter": ("OTEL_TRACES_EXPORTER", str),
    "protocol": ("OTEL_EXPORTER_OTLP_PROTOCOL", str),
    "compression": ("OTEL_EXPORTER_OTLP_COMPRESSION", str),
    "certificate": ("OTEL_EXPORTER_OTLP_CERTIFICATE", str),
    "client_key": ("OTEL_EXPORTER_OTLP_CLIENT_KEY", str),
    "client_certificate": ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", str),
}


def _settings(given: Mapping[str, Any], config: Optional[Mapping[str, Any]]) -> Dict[str, str]:
    """``OTEL_*`` key -> value: ``config`` verbatim, then the keywords of ``given`` that are set
    (None, and "" for endpoint and service_name, mean "not given")."""
    settings: Dict[str, str] = {}
    for key, value in (config or {}).items():
        text = value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
        settings[_encode(key, "config key").decode()] = _encode(text, f"config value of {key}").decode()
    for kw, value in given.items():
        if value is None or kw == "resource_attributes" or \
                (kw in ("endpoint", "service_name") and value == ""):
            continue
        otel_key, fmt = CONFIG_KEYWORDS[kw]
        settings[otel_key] = fmt(value)
    return settings


def _resource(resource_attributes: Optional[Mapping[str, Any]]) -> Dict[str, str]:
    """The resource attributes set explicitly (they win over OTEL_RESOURCE_ATTRIBUTES)."""
    resource = {"telemetry.sdk.language": "python"}
    for key, value in (resource_attributes or {}).items():
        resource[str(key)] = value if isinstance(value, str) else str(value)
    return resource


def _init(settings: Mapping[str, str], resource: Mapping[str, str]) -> c_void_p:
    """A new provider's handle (``otlp_init_with_config``)."""
    handle = c_void_p()
    cfg = c_void_p()
    rc = _lib.otlp_config_new(byref(cfg))
    if rc:
        raise _error(rc)
    try:
        for key, value in settings.items():
            rc = _lib.otlp_config_set(cfg, _encode(key, "config key"), _encode(value, key))
            if rc:
                raise _error(rc)
        for key, value in resource.items():
            rc = _lib.otlp_config_add_resource_attribute(
                cfg, _encode(key, "resource attribute key"), _encode(value, key))
            if rc:
                raise _error(rc)
        rc = _lib.otlp_init_with_config(cfg, byref(handle))
        if rc:
            raise _error(rc)
    finally:
        _lib.otlp_config_free(cfg)
    return handle
