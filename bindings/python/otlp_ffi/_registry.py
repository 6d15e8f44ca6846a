"""The providers still open: closed (flushed) at interpreter exit, told when the process forks.

:func:`_register` / :func:`_unregister` are called by ``TracerProvider`` when it is created and
closed. Holds weak references only: an unreferenced provider is still collected (its
``__del__`` closes it).
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._provider import TracerProvider

_LIVE: "weakref.WeakSet[TracerProvider]" = weakref.WeakSet()
_LIVE_LOCK = threading.RLock()  # re-entrant: __del__ may run (GC) while this thread holds it


def _register(provider: "TracerProvider") -> None:
    with _LIVE_LOCK:
        _LIVE.add(provider)


def _unregister(provider: "TracerProvider") -> None:
    with _LIVE_LOCK:
        _LIVE.discard(provider)


def _close_all_at_exit() -> None:
    """Flush and free every provider still open when the interpreter exits."""
    with _LIVE_LOCK:
        providers = list(_LIVE)
    for p in providers:
        try:
            p.close()
        except Exception:  # pragma: no cover - never let exit fail
            pass


atexit.register(_close_all_at_exit)


def _after_fork_in_child() -> None:
    global _LIVE_LOCK
    _LIVE_LOCK = threading.RLock()  # another parent thread may have held it at fork time
    for p in list(_LIVE):
        p._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
