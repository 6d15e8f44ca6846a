"""The providers still open: closed (flushed) at interpreter exit (and at the exit of a
multiprocessing worker forked with them open), told when the process forks.

:func:`_register` / :func:`_unregister` are called by ``TracerProvider`` when it is created and
closed. Holds weak references only: an unreferenced provider is still collected (its
``__del__`` closes it).
"""

from __future__ import annotations

import atexit
import os
import sys
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


class _WorkerExit:
    """Registered with multiprocessing in a forked child (a weak-referenceable key)."""


_WORKER_EXIT = _WorkerExit()


def _close_at_worker_exit(_: object) -> None:
    # multiprocessing runs this in its child once the fork is done (after clearing the
    # finalizers inherited from the parent); its exit hook then runs the finalizer.
    mp_util = sys.modules.get("multiprocessing.util")
    if mp_util is not None:
        mp_util.Finalize(None, _close_all_at_exit, exitpriority=0)


def _after_fork_in_child() -> None:
    global _LIVE_LOCK
    _LIVE_LOCK = threading.RLock()  # another parent thread may have held it at fork time
    for p in list(_LIVE):
        p._after_fork()
    # Providers made before the fork keep working in the child (the library starts an export
    # thread there). A multiprocessing worker ends with os._exit(), which skips atexit: close
    # them from multiprocessing's own exit hook instead, so the worker's spans are delivered.
    mp_util = sys.modules.get("multiprocessing.util")
    if mp_util is not None and len(_LIVE):
        mp_util.register_after_fork(_WORKER_EXIT, _close_at_worker_exit)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
