"""The owned-handle base: a library object this side owns and frees exactly once.

:class:`Managed` holds the object's handle (a ``c_void_p``) in ``_h`` until it is closed.
:meth:`~Managed._handle` returns it, or raises a clear :class:`InvalidHandleError` once the
object is closed; :meth:`~Managed.close` may be called any number of times, from any thread, and
frees the handle once; ``with`` closes it, and garbage collection (``__del__``) is a backstop.
SpanContext, Baggage and TracerProvider are built on it.

Hot paths read ``_h`` directly (an attribute read and a None check) where a call of
``_handle()`` would cost more than they can spare.
"""

from __future__ import annotations

import os
import threading
from ctypes import c_void_p
from typing import Any, ClassVar, Optional, Type, TypeVar

from .errors import ErrorCode, InvalidHandleError

__all__ = ["Managed"]

# Taken while a handle is moved out of its object (close): two threads closing one object at
# once free it once. Re-entrant: __del__ may run (GC) while this thread holds it.
_TAKING = threading.RLock()

_ManagedT = TypeVar("_ManagedT", bound="Managed")


class Managed:
    """A library object owned by this side (see the module docstring).

    Subclasses set ``_free`` (the ``otlp_*_free`` function, as a staticmethod) or override
    :meth:`_release`; ``_what`` names the object in errors, ``_closed_type`` is the error raised
    once it is closed.
    """

    __slots__ = ("_h", "__weakref__")
    _h: Optional[c_void_p]
    _free: Any  # staticmethod: the otlp_*_free function of the handle type
    _what: ClassVar[str] = "object"
    _closed_type: ClassVar[Type[InvalidHandleError]] = InvalidHandleError

    @classmethod
    def _adopt(cls: Type[_ManagedT], handle: c_void_p) -> _ManagedT:
        """An object owning ``handle`` (a handle the library just handed out), without
        ``__init__``."""
        obj = object.__new__(cls)
        obj._h = handle
        return obj

    def _handle(self) -> c_void_p:
        """The handle; raises ``_closed_type`` once the object is closed."""
        h = self._h
        if h is None:
            raise self._closed_error()
        return h

    def _closed_error(self, argument: Optional[str] = None) -> InvalidHandleError:
        where = f"argument `{argument}`: " if argument else ""
        return self._closed_type(ErrorCode.INVALID_HANDLE,
                                 f"OTLP_ERROR_INVALID_HANDLE: {where}the {self._what} is closed")

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran."""
        return self._h is None

    def close(self) -> None:
        """Frees the object (idempotent)."""
        h = self._take()
        if h is not None:
            self._release(h)

    def _take(self) -> Optional[c_void_p]:
        """Moves the handle out of the object (None when it was already closed)."""
        with _TAKING:
            h = self._h
            self._h = None
        return h

    def _release(self, handle: c_void_p) -> None:
        """Frees a handle taken by :meth:`_take` (runs once per object)."""
        self._free(handle)

    def __enter__(self: _ManagedT) -> _ManagedT:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        # A backstop only (close() and ``with`` are the mechanism). _h is unset when __init__
        # failed before the library handed out a handle.
        try:
            if getattr(self, "_h", None) is not None:
                self.close()
        except Exception:  # pragma: no cover - interpreter teardown
            pass


def _after_fork_in_child() -> None:
    global _TAKING
    _TAKING = threading.RLock()  # another parent thread may have held it at fork time


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
