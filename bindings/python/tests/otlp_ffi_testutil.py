"""Helpers shared by the otlp_ffi tests (a unique module name: no clash with other suites)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
HEADER = REPO / "include" / "otlp_ffi.h"
RECEIVER_DIR = REPO / "tests" / "receiver"

sys.path.insert(0, str(RECEIVER_DIR))
from otlp_receiver import OtlpReceiver, attr, format_span  # noqa: E402,F401


def clean_otel_env(monkeypatch) -> None:
    for k in list(os.environ):
        if k.startswith("OTEL_"):
            monkeypatch.delenv(k, raising=False)


def child_env(**extra: str) -> dict:
    """Environment for a subprocess: no OTEL_*, and the checkout importable as a fallback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(extra)
    return env
