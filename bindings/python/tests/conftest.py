"""Fixtures of the otlp_ffi (Python binding) test suite.

* The binding under test is whatever ``import otlp_ffi`` finds: the installed package
  (``pip install ./bindings/python``) or, when it is not installed, the checkout
  (bindings/python is put on sys.path as a fallback). The native library is found by the
  package itself (OTLP_FFI_LIBRARY, the bundled copy, <repo>/dist/lib ...).
* ``receiver``: the project's real OTLP/HTTP receiver (tests/receiver/otlp_receiver.py), on an
  ephemeral port (never 4318, which the C tests use), started once per session and cleared
  before each test. Endpoints are passed explicitly.
* ``make_provider(**kw)``: a TracerProvider for the receiver, closed after the test.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # otlp_ffi_testutil

from otlp_ffi_testutil import REPO, OtlpReceiver, clean_otel_env  # noqa: E402

try:
    import otlp_ffi  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO / "bindings" / "python"))
    import otlp_ffi  # noqa: F401


@pytest.fixture(autouse=True)
def _no_otel_env(monkeypatch):
    """A developer's OTEL_* variables must not change what the tests see."""
    clean_otel_env(monkeypatch)


@pytest.fixture(scope="session")
def _receiver_session():
    rx = OtlpReceiver(port=0)
    rx.start()
    yield rx
    rx.stop()


@pytest.fixture
def receiver(_receiver_session):
    _receiver_session.clear()
    yield _receiver_session
    _receiver_session.clear()


@pytest.fixture
def make_provider(receiver):
    made = []

    def make(service_name: str = "py-test", **kw):
        kw.setdefault("schedule_delay_ms", 100)
        p = otlp_ffi.TracerProvider(receiver.endpoint, service_name, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()
