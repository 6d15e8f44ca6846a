"""The per-span modules never call a method on a name they imported with ``from ... import``.

CPython 3.11 compiles ``name.method(...)`` without LOAD_METHOD when ``name`` is bound by an
import in the module, so each call builds a bound method (``_NAME_ADDR.get(name)`` in
start_span cost root spans 5% that way). Such names are assigned from their module instead
(``_NAME_ADDR = _strings._NAME_ADDR``). Calls on imported modules (``struct.pack``) are fine.
"""

from __future__ import annotations

import ast
import importlib
import types

import pytest

HOT_MODULES = ["otlp_ffi._tracer", "otlp_ffi._span", "otlp_ffi._attributes", "otlp_ffi._strings", "otlp_ffi._layout"]


@pytest.mark.parametrize("name", HOT_MODULES)
def test_no_method_calls_on_from_imported_names(name):
    module = importlib.import_module(name)
    tree = ast.parse(open(module.__file__, encoding="utf-8").read())
    imported = {alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    imported = {n for n in imported if not isinstance(getattr(module, n, None), types.ModuleType)}
    calls = [f"line {node.lineno}: {node.func.value.id}.{node.func.attr}(...)" for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and isinstance(node.func.value, ast.Name) and node.func.value.id in imported]
    assert not calls, f"{name}: assign these names from their module instead of importing them: {calls}"
