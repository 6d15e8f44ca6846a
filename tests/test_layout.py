"""The crate split holds: the core (core/src) has no `extern "C"`, no `unsafe` and no module
cycle; the C boundary (src/) has no module cycle either.

Module imports are read from the sources: every `crate::a::b` path (in `use` items and in
expressions) outside `#[cfg(test)]` modules is an arrow from the file's module to `a` (or to
`a::b` when `a/b.rs` is a module of its own, as under export/)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set

ROOT = Path(__file__).resolve().parent.parent


def _module_of(src: Path, path: Path) -> str:
    rel = path.relative_to(src).with_suffix("")
    parts = [p for p in rel.parts if p not in ("mod", "lib")]
    return "::".join(parts) or "crate"


def _without_tests(text: str) -> str:
    """Source text with `#[cfg(test)] mod ... { ... }` blocks removed (brace matching)."""
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(pub(\(crate\))?\s+)?mod\s+\w+\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        depth, j = 1, m.end()
        while depth and j < len(text):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", text)


def import_graph(src: Path) -> Dict[str, Set[str]]:
    files = sorted(src.rglob("*.rs"))
    modules = {_module_of(src, f) for f in files}
    graph: Dict[str, Set[str]] = {m: set() for m in modules}
    for f in files:
        me = _module_of(src, f)
        text = _strip_comments(_without_tests(f.read_text()))
        targets: Set[str] = set()
        # `crate::a::b...` and grouped `use crate::{a, b::c}` / `crate::a::{b, c}` forms.
        for m in re.finditer(r"crate::((?:[a-z_][a-z0-9_]*::)*)(\{[^}]*\}|[a-z_][a-z0-9_]*)", text):
            prefix, body = m.group(1), m.group(2)
            names = re.split(r"\s*,\s*", body.strip("{}")) if body.startswith("{") else [body]
            for name in names:
                name = prefix + name.split(" as ")[0].strip()
                parts = [p for p in name.split("::") if p and p != "self"]
                if not parts:
                    continue
                two = "::".join(parts[:2])
                targets.add(two if two in modules else parts[0])
        graph[me] = {t for t in targets if t in modules and t != me}
    return graph


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    found: List[List[str]] = []
    state: Dict[str, int] = {}
    stack: List[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for t in sorted(graph[n]):
            if state.get(t) == 1:
                found.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    return found


def test_core_has_no_extern_c_and_no_unsafe() -> None:
    for f in sorted((ROOT / "core" / "src").rglob("*.rs")):
        text = _strip_comments(f.read_text())
        assert 'extern "C"' not in text, f
        assert not re.search(r"\bunsafe\b", text), f
    lib = (ROOT / "core" / "src" / "lib.rs").read_text()
    assert "#![forbid(unsafe_code)]" in lib


def test_core_modules_have_no_cycle() -> None:
    graph = import_graph(ROOT / "core" / "src")
    assert len(graph) > 20, sorted(graph)
    assert graph["tracer"] >= {"span", "data"}, graph["tracer"]
    assert "tracer" not in graph["span"]
    assert cycles(graph) == []


def test_boundary_modules_have_no_cycle() -> None:
    graph = import_graph(ROOT / "src")
    assert graph["span"] >= {"handles", "convert", "boundary"}, graph["span"]
    assert cycles(graph) == []


def test_every_extern_function_is_in_the_boundary() -> None:
    exported = set()
    for f in sorted((ROOT / "src").rglob("*.rs")):
        exported |= set(re.findall(r'pub (?:unsafe )?extern "C" fn (otlp_\w+)', f.read_text()))
    header = (ROOT / "include" / "otlp_ffi.h").read_text()
    declared = set(re.findall(r"\b(otlp_\w+)\(", re.sub(r"/\*.*?\*/", "", header, flags=re.S)))
    assert exported == declared


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
