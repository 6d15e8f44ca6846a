#!/usr/bin/env python3
"""Generates the hostile-input sweep over every function of include/otlp_ffi.h.

    python3 tests/sweep/gen_sweep.py HEADER OUT.c

The prototypes are parsed from the header (cbindgen writes one per line, argument types from a
small set); each argument is classified by its C type, and every (function, argument, fault)
becomes one case of a C program (runtime: sweep_rt.h next to this file):

* pointers: NULL -- OTLP_ERROR_NULL_POINTER naming the argument when the function's doc lists
  it under OTLP_ERROR_NULL_POINTER, else the behaviour TABLE records for an optional one;
* strings: three kinds of invalid UTF-8 (OTLP_ERROR_INVALID_ARGUMENT naming it), "" and a
  1 MiB string (the result TABLE records from the doc);
* handles: stale (freed / ended / owned by a freed provider), freed then its place reused,
  every other handle type, forged values (0x1, 0xdeadbeef, all ones, random, a pointer to
  real memory, a live handle with a bit flipped): OTLP_ERROR_INVALID_HANDLE, nothing freed;
* caller buffers: sizes 0, 1, exact-1, exact (canary bytes after the given length; heap blocks
  of exactly that size for the sanitizers), too small = OTLP_ERROR_INVALID_ARGUMENT stating
  the size needed and writing nothing;
* attribute arrays and the option structs: each field's faults, named by its path.

Every failing call must also leave its out-parameters unwritten and must not start or end a
span. The generator fails (exit 2) when a header function has no TABLE entry, an entry names
a function or argument the header lacks, an argument has a type it does not know, or TABLE and
the doc disagree about which pointers are required.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

OK, NULLP, INVARG, INVH = "OTLP_OK", "OTLP_ERROR_NULL_POINTER", "OTLP_ERROR_INVALID_ARGUMENT", "OTLP_ERROR_INVALID_HANDLE"

HANDLE_TYPES = ["baggage", "config", "context", "span", "tracer", "tracer_provider"]
ARENA_KIND = {"baggage": "K_BAGGAGE", "config": "K_CONFIG", "context": "K_CONTEXT", "span": "K_SPAN",
              "tracer_provider": "K_PROVIDER", "tracer": None}
SCALAR_DEFAULTS = {"int64_t": "42", "bool": "true", "double": "1.5", "uint32_t": "1000", "uint64_t": "0",
                   "otlp_span_kind_t": "OTLP_SPAN_KIND_CLIENT", "otlp_status_code_t": "OTLP_STATUS_ERROR"}
# fault -> (result, the field of the array the message names); applied by attr_fault() in sweep_rt.h
ATTR_FAULTS = {"key_null": (NULLP, "[0].key"), "key_not_utf8": (INVARG, "[0].key"), "key_empty": (INVARG, "[0].key"),
               "string_null": (NULLP, "[0].value.string_value"), "string_not_utf8": (INVARG, "[0].value.string_value"),
               "type_zero": (INVARG, "[1].type"), "type_nine": (INVARG, "[1].type"),
               "items_null": (NULLP, "[1].value.array_value.items"),
               "item_not_utf8": (INVARG, "[1].value.array_value.items[1]"),
               "item_null": (NULLP, "[1].value.array_value.items[1]"),
               "empty_array": (OK, ""), "big_string": (OK, "")}
BAD_UTF8 = ["BAD_UTF8_TAIL", "BAD_UTF8_SURROGATE", "BAD_UTF8_TRUNCATED"]


class TableError(Exception):
    pass


# --------------------------------------------------------------------------- the table

@dataclass
class Entry:
    """How to call one function, and what its doc says about the cases that are not fixed by
    the header's general rules."""
    strings: Dict[str, Tuple[str, str, str]] = field(default_factory=dict)  # arg: (valid, "" result, 1 MiB result)
    optional: Dict[str, str] = field(default_factory=dict)  # pointer arg: result when NULL
    setup: Dict[str, str] = field(default_factory=dict)     # handle arg: C expression of a live value
    scalars: Dict[str, Tuple[str, List[str]]] = field(default_factory=dict)  # arg: (valid, out-of-range values)
    consumes: Optional[str] = None  # the handle the call frees or ends
    value: bool = False             # no arguments, returns a value: sweep_value_functions
    after_ok: str = ""              # C checks run after any call of the function that returned OTLP_OK


def S(valid: str, empty: str, big: str) -> Tuple[str, str, str]:
    return (valid, empty, big)


# Case ids 0 .. VALUE_CASES-1 are the value functions' (sweep_rt.h, sweep_value_functions).
VALUE_CASES = 3

TABLE: Dict[str, Entry] = {
    "otlp_get_last_error": Entry(value=True),
    "otlp_version": Entry(value=True),
    "otlp_now_unix_nano": Entry(value=True),
    "otlp_baggage_new": Entry(),
    # NULL header: the request had none, an empty baggage; invalid members are skipped.
    "otlp_baggage_extract": Entry(strings={"header": S("a=1,b=2", OK, OK)}, optional={"header": OK},
                                  after_ok="check_baggage_header(a_baggage, !strcmp(g_case_fault, \"baseline\") ? \"a=1,b=2\" : \"\");"),
    # key must be an HTTP token ("" is not); any UTF-8 value.
    "otlp_baggage_set": Entry(strings={"key": S("k2", INVARG, OK), "value": S("v", OK, OK)}),
    # absent keys: found = false, "" written.
    "otlp_baggage_get": Entry(strings={"key": S("k", OK, OK)},
                              after_ok="check_baggage_value(a_buf, a_found, strcmp(g_case_pos, \"key\") ? \"value-1234\" : NULL);"),
    "otlp_baggage_remove": Entry(strings={"key": S("k", OK, OK)}),
    "otlp_baggage_inject": Entry(),
    "otlp_baggage_free": Entry(consumes="baggage"),
    "otlp_config_new": Entry(),
    # unsupported key: INVALID_ARGUMENT; OTEL_SERVICE_NAME takes any text.
    "otlp_config_set": Entry(strings={"key": S("OTEL_SERVICE_NAME", INVARG, INVARG), "value": S("svc", OK, OK)}),
    "otlp_config_add_resource_attribute": Entry(strings={"key": S("team", INVARG, OK), "value": S("sweep", OK, OK)}),
    "otlp_config_free": Entry(consumes="config"),
    "otlp_context_inject": Entry(),
    "otlp_context_inject_tracestate": Entry(setup={"span": "live_span_with_state()"}),
    "otlp_context_extract": Entry(strings={"traceparent": S("TRACEPARENT", INVARG, INVARG)}),
    # an invalid tracestate is dropped, the call succeeds.
    "otlp_context_extract_with_state": Entry(strings={"traceparent": S("TRACEPARENT", INVARG, INVARG),
                                                      "tracestate": S("TRACESTATE", OK, OK)},
                                             optional={"tracestate": OK},
                                             after_ok="check_tracestate_carried(a_context, strcmp(g_case_pos, \"tracestate\") ? TRACESTATE : \"\");"),
    "otlp_context_free": Entry(consumes="context"),
    # NULL or "": not given (environment, then defaults); 1 MiB of 'a' is not an http(s) URL.
    "otlp_init": Entry(strings={"endpoint": S("http://127.0.0.1:9", OK, INVARG), "service_name": S("sweep", OK, OK)},
                       optional={"endpoint": OK, "service_name": OK}),
    "otlp_init_with_config": Entry(),
    "otlp_tracer_provider_force_flush": Entry(),
    "otlp_tracer_provider_shutdown": Entry(setup={"provider": "live_tracer_provider()"}),
    "otlp_tracer_provider_free": Entry(consumes="provider", setup={"provider": "live_tracer_provider()"}),
    "otlp_span_start": Entry(strings={"name": S("sweep", OK, OK)}, optional={"parent": OK},
                             scalars={"kind": ("OTLP_SPAN_KIND_SERVER", ["0", "6", "-1"])}),
    "otlp_span_create": Entry(strings={"name": S("sweep", OK, OK)}),
    "otlp_span_start_with_options": Entry(strings={"name": S("sweep", OK, OK)}, optional={"options": OK}),
    "otlp_span_emit": Entry(),
    "otlp_span_get_context": Entry(),
    "otlp_span_set_attribute_string": Entry(strings={"key": S("k", INVARG, OK), "value": S("v", OK, OK)}),
    "otlp_span_set_attribute_int": Entry(strings={"key": S("k", INVARG, OK)}),
    "otlp_span_set_attribute_bool": Entry(strings={"key": S("k", INVARG, OK)}),
    "otlp_span_set_attribute_double": Entry(strings={"key": S("k", INVARG, OK)}),
    "otlp_span_set_attributes": Entry(),
    "otlp_span_add_event": Entry(strings={"name": S("ev", OK, OK)}),
    "otlp_span_add_event_with_attributes": Entry(strings={"name": S("ev", OK, OK)}),
    # description NULL or "": none.
    "otlp_span_set_status": Entry(strings={"description": S("broken", OK, OK)}, optional={"description": OK},
                                  scalars={"code": ("OTLP_STATUS_ERROR", ["3", "-1"])}),
    "otlp_span_record_error": Entry(strings={"message": S("boom", OK, OK)}),
    "otlp_span_record_exception": Entry(strings={"exception_type": S("ValueError", OK, OK), "message": S("boom", OK, OK),
                                                 "stacktrace": S("at main", OK, OK)},
                                        optional={"exception_type": OK, "stacktrace": OK}),
    "otlp_span_update_name": Entry(strings={"name": S("renamed", OK, OK)}),
    "otlp_span_is_recording": Entry(),
    "otlp_span_get_trace_id": Entry(),
    "otlp_span_get_span_id": Entry(),
    "otlp_span_end": Entry(consumes="span"),
    "otlp_span_end_with_timestamp": Entry(consumes="span"),
    "otlp_tracer_provider_get_stats": Entry(),
    "otlp_get_tracer": Entry(),
    "otlp_get_tracer_with_scope": Entry(strings={"name": S("lib", OK, OK), "version": S("1.0", OK, OK),
                                                 "schema_url": S("https://opentelemetry.io/schemas/1.21.0", OK, OK)},
                                        optional={"version": OK, "schema_url": OK}),
}


# --------------------------------------------------------------------------- the header

@dataclass
class Arg:
    ctype: str
    name: str
    kind: str = ""        # handle, out_handle, string, buf, buf_len, out_bool, out_stats, attrs, count,
    #                       options, finished, scalar
    htype: str = ""       # handle type, for handle / out_handle


@dataclass
class Func:
    name: str
    ret: str
    args: List[Arg]
    doc: str


PROTO = re.compile(r"^(const char \*|otlp_error_t |void |uint64_t )(otlp_\w+)\((.*)\);$")


def parse_header(text: str) -> List[Func]:
    funcs, doc_lines, in_doc, last_doc = [], [], False, ""
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("/**"):
            in_doc, doc_lines = True, []
            continue
        if in_doc:
            if s.startswith("*/"):
                in_doc, last_doc = False, " ".join(doc_lines)
            else:
                doc_lines.append(s.lstrip("*").strip())
            continue
        m = PROTO.match(s)
        if m:
            ret, name, params = m.groups()
            ret = ret.strip()
            args = [] if params == "void" else [parse_param(p.strip(), name) for p in params.split(",")]
            funcs.append(Func(name, ret, args, last_doc))
        elif re.match(r"^\w[\w *]* \**otlp_\w+\(", s):
            raise TableError(f"a prototype the sweep cannot read: {s}")
    return funcs


def parse_param(p: str, fn: str) -> Arg:
    m = re.match(r"^(.*?)(\w+)$", p)
    if not m:
        raise TableError(f"{fn}: cannot read parameter {p!r}")
    ctype, name = m.group(1).strip(), m.group(2)
    return Arg(ctype, name)


def classify(f: Func) -> None:
    for i, a in enumerate(f.args):
        t = a.ctype.replace("const ", "").strip()
        m = re.fullmatch(r"otlp_(\w+)_t \*(\*?)", t)
        if t == "char *" and a.ctype.startswith("const"):
            a.kind = "string"
        elif t == "char *":
            a.kind = "buf"
            nxt = f.args[i + 1] if i + 1 < len(f.args) else None
            if not nxt or nxt.ctype != "size_t" or not nxt.name.endswith("_len"):
                raise TableError(f"{f.name}: buffer `{a.name}` is not followed by its size_t length")
        elif t == "size_t" and a.name.endswith("_len"):
            a.kind = "buf_len"
        elif t == "size_t" and a.name == "count":
            a.kind = "count"
        elif t == "bool *":
            a.kind = "out_bool"
        elif t == "otlp_stats_t *":
            a.kind = "out_stats"
        elif t == "otlp_attribute_t *":
            a.kind = "attrs"
            nxt = f.args[i + 1] if i + 1 < len(f.args) else None
            if not nxt or nxt.name != "count":
                raise TableError(f"{f.name}: attribute array `{a.name}` is not followed by `count`")
        elif t == "otlp_span_options_t *":
            a.kind = "options"
        elif t == "otlp_finished_span_t *":
            a.kind = "finished"
        elif m and m.group(1) in HANDLE_TYPES:
            a.kind, a.htype = ("out_handle" if m.group(2) else "handle"), m.group(1)
        elif t in SCALAR_DEFAULTS:
            a.kind = "scalar"
        else:
            raise TableError(f"{f.name}: argument `{a.name}` has a type the sweep does not know: {a.ctype}")


POINTER_KINDS = {"handle", "out_handle", "string", "buf", "out_bool", "out_stats", "attrs", "options", "finished"}


def doc_errors(funcs: Dict[str, Func], f: Func, seen=()) -> Tuple[Optional[set], bool]:
    """(pointer args the doc lists under OTLP_ERROR_NULL_POINTER, or None for a bare
    'OTLP_ERROR_NULL_POINTER' meaning all; whether it mentions OTLP_ERROR_INVALID_HANDLE),
    following 'as for otlp_x' references."""
    names = {a.name for a in f.args}
    req: Optional[set] = set()
    bare = False
    for m in re.finditer(r"OTLP_ERROR_NULL_POINTER(\s*\(([^)]*)\))?", f.doc):
        if m.group(2) is None:
            bare = True
        else:
            req |= {t for t in re.findall(r"[a-z_]+", m.group(2)) if t in names}
    invh = "OTLP_ERROR_INVALID_HANDLE" in f.doc
    for ref in re.findall(r"as for `?(otlp_\w+)`?(?: and `?(otlp_\w+)`?)?", f.doc):
        for r in ref:
            if r and r in funcs and r not in seen and r != f.name:
                sub, sub_invh = doc_errors(funcs, funcs[r], seen + (f.name,))
                sub_names = {a.name for a in funcs[r].args} if sub is None else sub
                req |= sub_names & names
                invh = invh or sub_invh
    return (None if bare else req), invh


# --------------------------------------------------------------------------- C emission

class Gen:
    def __init__(self, funcs: List[Func]):
        self.funcs = funcs
        self.by_name = {f.name: f for f in funcs}
        self.cases: List[str] = []
        self.index: List[Tuple[str, str, str]] = []

    # A case: `decls` build the arguments, `call` is the call expression, `after` checks.
    def case(self, f: Func, pos: str, fault: str, body: str) -> None:
        n = len(self.cases) + VALUE_CASES
        self.index.append((f.name, pos, fault))
        self.cases.append(
            f"static void case_{n}(void) {{\n"
            f"    case_begin({n}, \"{f.name}\", \"{pos}\", \"{fault}\");\n"
            f"{body}"
            f"    arena_cleanup();\n"
            f"    if (!g_case_failed) printf(\"PASS {n}\\n\"); else g_failures++;\n"
            f"}}\n")

    def emit(self, f: Func, e: Entry, over: Dict[str, str], expected: str, pos: str, fault: str,
             name_in_msg: str = "", extra_decls: str = "", extra_checks: str = "", buf_mode: str = "") -> None:
        """One call of `f` with every argument valid except those in `over` (arg -> C expr)."""
        decls, call_args, checks, late = [], [], [], []
        fails = expected != OK
        is_void = f.ret == "void"
        for a in f.args:
            v = f"a_{a.name}"
            if a.kind == "handle":
                live = e.setup.get(a.name, f"live_{a.htype}()")
                if a.name in over:  # assigned after extra_decls (which may declare what it uses)
                    decls.append(f"otlp_{a.htype}_t *{v} = NULL;")
                    late.append(f"{v} = {over[a.name]};")
                else:
                    decls.append(f"otlp_{a.htype}_t *{v} = {live};")
                call_args.append(v)
            elif a.kind == "string":
                decls.append(f"const char *{v} = {over.get(a.name, cstr(e.strings[a.name][0]))};")
                call_args.append(v)
            elif a.kind == "buf":
                decls.append(f"size_t len_{a.name} = 16384; char *{v} = canary_buffer(len_{a.name});")
                call_args.append(over.get(a.name, v))
            elif a.kind == "buf_len":
                call_args.append(f"len_{prev_buf(f, a)}")
            elif a.kind == "out_handle":
                decls.append(f"otlp_{a.htype}_t *{v} = OUT_SENTINEL;")
                call_args.append(over.get(a.name, f"&{v}"))
                if over.get(a.name) != "NULL":
                    if fails:
                        checks.append(f"check_out_untouched({v}, \"{a.name}\");")
                    else:
                        checks.append(f"check_out_written({v}, \"{a.name}\");")
                        if ARENA_KIND[a.htype]:
                            checks.append(f"if ({v} != OUT_SENTINEL) arena_add({ARENA_KIND[a.htype]}, {v});")
            elif a.kind == "out_bool":
                decls.append(f"bool {v}; memset(&{v}, 0x77, 1);")
                call_args.append(over.get(a.name, f"&{v}"))
                if fails and over.get(a.name) != "NULL":
                    checks.append(f"if (!bool_untouched(&{v})) CFAIL(\"`{a.name}` written by a failing call\");")
            elif a.kind == "out_stats":
                decls.append(f"otlp_stats_t {v}, {v}_0; memset(&{v}, 0xa5, sizeof {v}); {v}_0 = {v};")
                call_args.append(over.get(a.name, f"&{v}"))
                if fails and over.get(a.name) != "NULL":
                    checks.append(f"if (memcmp(&{v}, &{v}_0, sizeof {v})) CFAIL(\"`{a.name}` written by a failing call\");")
            elif a.kind == "attrs":
                decls.append(f"otlp_attribute_t {v}[2]; good_attributes({v}); size_t n_{a.name} = 2;")
                call_args.append(over.get(a.name, v))
            elif a.kind == "count":
                call_args.append(over.get("count", f"n_{prev_attrs(f, a)}"))
            elif a.kind == "options":
                decls.append(f"otlp_span_options_t *{v} = NULL; SPAN_OPTIONS({v});")
                call_args.append(over.get(a.name, v))
            elif a.kind == "finished":
                decls.append(f"otlp_finished_span_t *{v} = NULL; FINISHED_SPAN({v});")
                call_args.append(over.get(a.name, v))
            elif a.kind == "scalar":
                valid = e.scalars.get(a.name, (SCALAR_DEFAULTS[a.ctype], []))[0]
                call_args.append(over.get(a.name, valid))
        body = "".join(f"    {d}\n" for d in decls)
        body += "".join(f"    (void){n};\n" for d in decls for n in re.findall(r"\b(a_\w+|n_\w+)(?= =|;|\[)", d.split(";")[0] + ";" + ";".join(d.split(";")[1:])))
        body += extra_decls
        body += "".join(f"    {d}\n" for d in late)
        body += "    otlp_stats_t st0; stats_of_shared(&st0);\n    prime_last_error();\n"
        call = f"{f.name}({', '.join(call_args)})"
        if is_void:
            body += f"    {call};\n    expect_void({expected}, \"{name_in_msg}\");\n"
        else:
            body += f"    int rc = {call};\n    expect_rc(rc, {expected}, \"{name_in_msg}\");\n"
        if fails:
            body += "    check_stats_unchanged(&st0);\n"
            for a in f.args:
                if a.kind == "buf" and buf_mode == "" and over.get(a.name) != "NULL":
                    body += f"    check_canary(a_{a.name}, len_{a.name}, 1);\n"
        elif not is_void and buf_mode == "":
            for a in f.args:
                if a.kind == "buf":
                    body += f"    check_canary(a_{a.name}, len_{a.name}, 0);\n"
        body += "".join(f"    {c}\n" for c in checks)
        if e.after_ok and not is_void:
            body += f"    if (rc == OTLP_OK) {{ {e.after_ok} }}\n"
        body += extra_checks
        for a in f.args:
            if a.kind == "buf":
                body += f"    free(a_{a.name});\n"
        self.case(f, pos, fault, body)

    # ---------------------------------------------------------------- per argument kind

    def handle_faults(self, f: Func, e: Entry, a: Arg, req: Optional[set], path: str, target: str,
                      set_expr, expected_null: str) -> None:
        """Faults of one handle position. `set_expr(expr)` returns (over, extra_decls) putting
        `expr` into the position."""
        t = a.htype if a.kind == "handle" else "context"
        void = f.ret == "void"
        bad = INVH
        faults = [("null", "NULL", "", "")]
        faults.append(("stale", f"stale_{t}()", "", ""))
        if t == "span":
            faults.append(("orphan", "orphan_span()", "", ""))
        faults.append(("reused", f"reused_{t}(&newer)", "    void *newer = NULL;\n",
                       f"    check_alive(alive_{t}(newer), \"the value that took the freed one's place\");\n"))
        for other in HANDLE_TYPES:
            if other != t:
                faults.append((f"wrong_type_{other}", f"(void *)donor", f"    void *donor = live_{other}();\n",
                               f"    check_alive(alive_{other}(donor), \"the {other} passed in its place\");\n"))
        for label, val in [("forged_0x1", "(void *)(uintptr_t)0x1"), ("forged_0xdeadbeef", "(void *)(uintptr_t)0xdeadbeef"),
                           ("forged_all_ones", "(void *)UINTPTR_MAX"), ("forged_random", "forged_random()")]:
            faults.append((label, val, "", ""))
        faults.append(("forged_memory", "forged_memory()", "",
                       "    for (size_t i = 0; i < sizeof g_fake_object; i++) if (g_fake_object[i] != 0xff) "
                       "{ CFAIL(\"memory behind a forged handle was written\"); break; }\n"))
        for bit in (0, 28, 56, 63):
            faults.append((f"live_bit{bit}_flipped", f"flip_bit(live_{t}(), {bit})", "", ""))
        for label, val, pre, post in faults:
            over, decl = set_expr(val)
            exp = expected_null if label == "null" else bad
            name = "" if exp == OK else target
            self.emit(f, e, over, exp, path, label, name, extra_decls=pre + decl, extra_checks=post)

    def run(self) -> str:
        names_in_header = {f.name for f in self.funcs}
        missing = sorted(names_in_header - TABLE.keys())
        unknown = sorted(TABLE.keys() - names_in_header)
        if missing:
            raise TableError("functions in the header without a sweep entry: " + ", ".join(missing))
        if unknown:
            raise TableError("sweep entries for functions the header lacks: " + ", ".join(unknown))
        for f in self.funcs:
            classify(f)
        for f in self.funcs:
            e = TABLE[f.name]
            if e.value:
                if f.args or f.ret not in ("const char *", "uint64_t"):
                    raise TableError(f"{f.name}: a value entry must take no arguments and return a string or a number")
                continue
            self.function(f, e)
        return self.render()

    def function(self, f: Func, e: Entry) -> None:
        argnames = {a.name for a in f.args}
        for d, what in ((e.strings, "strings"), (e.optional, "optional"), (e.setup, "setup"), (e.scalars, "scalars")):
            for k in d:
                if k not in argnames:
                    raise TableError(f"{f.name}: TABLE {what} names `{k}`, not an argument")
        if e.consumes and e.consumes not in argnames:
            raise TableError(f"{f.name}: consumes `{e.consumes}`, not an argument")
        strs = {a.name for a in f.args if a.kind == "string"}
        if strs != set(e.strings):
            raise TableError(f"{f.name}: TABLE strings {sorted(e.strings)} != the string arguments {sorted(strs)}")
        req, invh = doc_errors(self.by_name, f)
        void = f.ret == "void"
        pointers = [a for a in f.args if a.kind in POINTER_KINDS]
        if void:
            if "NULL is a no-op" not in f.doc:
                raise TableError(f"{f.name}: returns void but its doc does not say NULL is a no-op")
        for a in pointers:
            if void:
                continue
            documented = req is None or a.name in req
            if a.name in e.optional and req is not None and a.name in req:
                raise TableError(f"{f.name}: `{a.name}` is optional in TABLE but the doc lists it under NULL_POINTER")
            if a.name not in e.optional and not documented:
                raise TableError(f"{f.name}: pointer `{a.name}` is neither listed under OTLP_ERROR_NULL_POINTER "
                                 "in the doc nor optional in TABLE")
        if any(a.kind == "buf" for a in f.args) and not self.doc_says(f, "too small"):
            raise TableError(f"{f.name}: writes into a caller buffer but its doc does not say what a buffer too small gives")
        if any(a.kind == "handle" for a in f.args) and not invh:
            raise TableError(f"{f.name}: takes a handle but its doc does not mention OTLP_ERROR_INVALID_HANDLE")

        # Baseline: every argument valid.
        post = ""
        if e.consumes:
            a = next(x for x in f.args if x.name == e.consumes)
            post = f"    check_dead(alive_{a.htype}(a_{a.name}), \"`{a.name}`\");\n"
        self.emit(f, e, {}, OK, "-", "baseline", extra_checks=post)

        for a in f.args:
            null_exp = OK if void else e.optional.get(a.name, NULLP)
            if a.kind == "handle":
                self.handle_faults(f, e, a, req, a.name, a.name, lambda v, a=a: ({a.name: v}, ""), null_exp)
            elif a.kind == "string":
                self.emit(f, e, {a.name: "NULL"}, null_exp, a.name, "null", a.name if null_exp != OK else "")
                for i, bad in enumerate(BAD_UTF8):
                    self.emit(f, e, {a.name: bad}, INVARG, a.name, f"not_utf8_{i}", a.name)
                _, empty, big = e.strings[a.name]
                self.emit(f, e, {a.name: '""'}, empty, a.name, "empty", a.name if empty != OK else "")
                self.emit(f, e, {a.name: "big_string()"}, big, a.name, "1MiB", a.name if big != OK else "")
            elif a.kind in ("out_handle", "out_bool", "out_stats"):
                self.emit(f, e, {a.name: "NULL"}, null_exp, a.name, "null", a.name)
            elif a.kind == "buf":
                self.buffer(f, e, a, null_exp)
            elif a.kind == "attrs":
                self.attrs(f, e, a, a.name, lambda v, a=a: ({a.name: v}, ""), null_exp)
            elif a.kind == "scalar":
                for bad in e.scalars.get(a.name, ("", []))[1]:
                    self.emit(f, e, {a.name: f"({a.ctype})({bad})"}, INVARG, a.name, f"value_{bad}", a.name)
            elif a.kind in ("options", "finished"):
                self.emit(f, e, {a.name: "NULL"}, null_exp, a.name, "null", a.name if null_exp != OK else "")
                self.struct_fields(f, e, a)

    def doc_says(self, f: Func, text: str, seen=()) -> bool:
        """Whether the doc of `f`, or of a function it refers to ("as for otlp_x"), says `text`."""
        if text in f.doc:
            return True
        refs = re.findall(r"as for `?(otlp_\w+)`?", f.doc)
        return any(self.doc_says(self.by_name[r], text, seen + (f.name,))
                   for r in refs if r in self.by_name and r not in seen and r != f.name)

    def buffer(self, f: Func, e: Entry, a: Arg, null_exp: str) -> None:
        self.emit(f, e, {a.name: "NULL"}, null_exp, a.name, "null", a.name)
        # sizes: the exact size comes from a reference call with a large buffer.
        call_args = []
        for x in f.args:
            if x.kind == "buf":
                call_args.append("ref")
            elif x.kind == "buf_len":
                call_args.append("sizeof ref")
            elif x.kind in ("out_handle", "out_bool", "out_stats"):
                call_args.append(f"&a_{x.name}")
            elif x.kind == "scalar":
                call_args.append(SCALAR_DEFAULTS[x.ctype])
            else:
                call_args.append(f"a_{x.name}")
        ref_call = f"{f.name}({', '.join(call_args)})"
        for label, size in [("size_0", "0"), ("size_1", "1"), ("size_exact_minus_1", "exact - 1"), ("size_exact", "exact")]:
            for heap in (False, True):
                lab = label + ("_heap" if heap else "")
                alloc = (f"free(a_{a.name}); len_{a.name} = {size}; a_{a.name} = malloc(len_{a.name}); "
                         f"if (!a_{a.name}) exit(3);\n"
                         if heap else
                         f"free(a_{a.name}); len_{a.name} = {size}; a_{a.name} = canary_buffer(len_{a.name});\n")
                pre = (f"    static char ref[16384]; memset(ref, 0, sizeof ref);\n"
                       f"    SETUP_OK({ref_call});\n"
                       f"    size_t exact = strlen(ref) + 1; (void)exact;\n"
                       + "".join(f"    memset(&a_{x.name}, 0x77, 1);\n" for x in f.args if x.kind == "out_bool") +
                       f"    {alloc}")
                if label == "size_exact":
                    post = ""
                    if not heap:
                        post += f"    check_canary(a_{a.name}, len_{a.name}, 0);\n"
                    post += (f"    if (rc == OTLP_OK && memcmp(a_{a.name}, ref, exact)) "
                             f"CFAIL(\"exact buffer holds \\\"%.80s\\\", expected \\\"%.80s\\\"\", a_{a.name}, ref);\n")
                    self.emit(f, e, {}, OK, a.name, lab, extra_decls=pre, extra_checks=post, buf_mode="sized")
                else:
                    post = "" if heap else f"    check_canary(a_{a.name}, len_{a.name}, 1);\n"
                    post += "    check_size_stated(exact);\n"
                    pre2 = pre + "    if (exact < 2) { printf(\"SETUP-FAIL: reference result too short\\n\"); exit(3); }\n"
                    self.emit(f, e, {}, INVARG, a.name, lab, a.name, extra_decls=pre2, extra_checks=post, buf_mode="sized")

    def attrs(self, f: Func, e: Entry, a: Arg, path: str, set_arr, null_exp: str, count_var: str = "") -> None:
        """Faults of an attribute array at `path` (an argument or a struct field)."""
        top = a.kind == "attrs"
        if top:
            self.emit(f, e, {a.name: "NULL"}, null_exp, path, "null_with_count", path)
            self.emit(f, e, {a.name: "NULL", "count": "0"}, OK, path, "null_with_count_0")
        for fault, (code, fld) in ATTR_FAULTS.items():
            pre = (f"    otlp_attribute_t bad_attrs[2]; const char *field = \"\"; int fexp = 0;\n"
                   f"    if (!attr_fault(bad_attrs, \"{fault}\", &field, &fexp)) exit(3);\n"
                   f"    if (fexp != {code} || strcmp(field, \"{fld}\")) {{ printf(\"SETUP-FAIL: attr_fault {fault}\\n\"); exit(3); }}\n")
            over, decl = set_arr("bad_attrs")
            self.emit(f, e, over, code, path, fault, (path + fld) if code != OK else "", extra_decls=pre + decl)

    def struct_fields(self, f: Func, e: Entry, a: Arg) -> None:
        s = a.name  # "options" or "span"
        v = f"a_{a.name}"
        fin = a.kind == "finished"

        def setf(assign):
            return lambda val: ({}, f"    {assign.format(v=v, val=val)};\n")
        self.emit(f, e, {}, INVARG, f"{s}.struct_size", "zero", f"{s}.struct_size", extra_decls=f"    {v}->struct_size = 0;\n")
        self.emit(f, e, {}, INVARG, f"{s}.struct_size", "one_field", f"{s}.struct_size", extra_decls=f"    {v}->struct_size = 8;\n")
        self.emit(f, e, {}, OK, f"{s}.struct_size", "bigger", extra_decls=f"    {v}->struct_size = sizeof *{v} + 64;\n")
        self.emit(f, e, {}, OK, f"{s}.kind", "zero", extra_decls=f"    {v}->kind = (otlp_span_kind_t)0;\n")
        for bad in ("6", "-1"):
            self.emit(f, e, {}, INVARG, f"{s}.kind", f"value_{bad}", f"{s}.kind",
                      extra_decls=f"    {v}->kind = (otlp_span_kind_t)({bad});\n")
        if fin:
            self.emit(f, e, {}, NULLP, f"{s}.name", "null", f"{s}.name", extra_decls=f"    {v}->name = NULL;\n")
            for i, bad in enumerate(BAD_UTF8):
                self.emit(f, e, {}, INVARG, f"{s}.name", f"not_utf8_{i}", f"{s}.name", extra_decls=f"    {v}->name = {bad};\n")
            self.emit(f, e, {}, OK, f"{s}.name", "empty", extra_decls=f"    {v}->name = \"\";\n")
            self.emit(f, e, {}, OK, f"{s}.name", "1MiB", extra_decls=f"    {v}->name = big_string();\n")
        ctx = Arg("const otlp_context_t *", "parent", "handle", "context")
        self.handle_faults(f, e, ctx, None, f"{s}.parent", f"{s}.parent", setf("{v}->parent = {val}"), OK)
        link_ctx = Arg("const otlp_context_t *", "context", "handle", "context")
        self.handle_faults(f, e, link_ctx, None, f"{s}.links[0].context", f"{s}.links[0].context",
                           setf("((otlp_link_t *){v}->links)[0].context = {val}"), NULLP)
        self.emit(f, e, {}, NULLP, f"{s}.links", "null_with_count", f"{s}.links", extra_decls=f"    {v}->links = NULL;\n")
        self.emit(f, e, {}, OK, f"{s}.links", "null_with_count_0", extra_decls=f"    {v}->links = NULL; {v}->link_count = 0;\n")
        fields = [("start_attributes", "start_attribute_count"), ("attributes", "attribute_count")] if fin \
            else [("attributes", "attribute_count")]
        for fld, cnt in fields:
            p = f"{s}.{fld}"
            self.emit(f, e, {}, NULLP, p, "null_with_count", p, extra_decls=f"    {v}->{fld} = NULL;\n")
            self.emit(f, e, {}, OK, p, "null_with_count_0", extra_decls=f"    {v}->{fld} = NULL; {v}->{cnt} = 0;\n")
            self.attrs(f, e, Arg("", fld, "field"), p, lambda val, fld=fld: ({}, f"    {v}->{fld} = {val};\n"), NULLP)
        p = f"{s}.links[0].attributes"
        self.emit(f, e, {}, NULLP, p, "null_with_count", p,
                  extra_decls=f"    ((otlp_link_t *){v}->links)[0].attributes = NULL;\n")
        self.attrs(f, e, Arg("", "attributes", "field"), p,
                   lambda val: ({}, f"    ((otlp_link_t *){v}->links)[0].attributes = {val};\n"), NULLP)

    def render(self) -> str:
        n = len(self.cases) + VALUE_CASES
        out = ["/* Generated by tests/sweep/gen_sweep.py from include/otlp_ffi.h: do not edit. */",
               '#include "sweep_rt.h"', "", STRUCT_MACROS, ""]
        out += self.cases
        out.append("typedef void (*case_fn)(void);")
        out.append("static const case_fn CASES[] = {" + ", ".join(f"case_{i}" for i in range(VALUE_CASES, n)) + "};")
        out.append(MAIN.replace("@N@", str(n)).replace("@V@", str(VALUE_CASES)))
        return "\n".join(out)


def cstr(v: str) -> str:
    return v if v in ("TRACEPARENT", "TRACESTATE") else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def prev_buf(f: Func, a: Arg) -> str:
    i = f.args.index(a)
    return f.args[i - 1].name


def prev_attrs(f: Func, a: Arg) -> str:
    i = f.args.index(a)
    return f.args[i - 1].name


STRUCT_MACROS = r"""
/* The options of otlp_span_start_with_options / the span of otlp_span_emit, valid: a server
 * span under a live parent, two attributes, one link with two attributes (storage is static
 * per case: each case runs once). */
#define SPAN_OPTIONS(p)                                                                              \
    static otlp_span_options_t p##_s[2];                                                             \
    static otlp_attribute_t p##_attrs[2], p##_lattrs[2];                                             \
    static otlp_link_t p##_link;                                                                     \
    memset(p##_s, 0, sizeof p##_s);                                                                  \
    good_attributes(p##_attrs);                                                                      \
    good_attributes(p##_lattrs);                                                                     \
    p##_link.context = live_context();                                                               \
    p##_link.attributes = p##_lattrs;                                                                \
    p##_link.attribute_count = 2;                                                                    \
    p = &p##_s[0];                                                                                   \
    p->struct_size = sizeof *p;                                                                      \
    p->kind = OTLP_SPAN_KIND_SERVER;                                                                 \
    p->parent = live_context();                                                                      \
    p->attributes = p##_attrs;                                                                       \
    p->attribute_count = 2;                                                                          \
    p->links = &p##_link;                                                                            \
    p->link_count = 1
#define FINISHED_SPAN(p)                                                                             \
    static otlp_finished_span_t p##_s[2];                                                            \
    static otlp_attribute_t p##_sattrs[2], p##_attrs[2], p##_lattrs[2];                              \
    static otlp_link_t p##_link;                                                                     \
    memset(p##_s, 0, sizeof p##_s);                                                                  \
    good_attributes(p##_sattrs);                                                                     \
    good_attributes(p##_attrs);                                                                      \
    good_attributes(p##_lattrs);                                                                     \
    p##_link.context = live_context();                                                               \
    p##_link.attributes = p##_lattrs;                                                                \
    p##_link.attribute_count = 2;                                                                    \
    p = &p##_s[0];                                                                                   \
    p->struct_size = sizeof *p;                                                                      \
    p->name = "emitted";                                                                             \
    p->kind = OTLP_SPAN_KIND_CLIENT;                                                                 \
    p->parent = live_context();                                                                      \
    p->start_attributes = p##_sattrs;                                                                \
    p->start_attribute_count = 2;                                                                    \
    p->links = &p##_link;                                                                            \
    p->link_count = 1;                                                                               \
    p->attributes = p##_attrs;                                                                       \
    p->attribute_count = 2
"""

MAIN = r"""
int main(int argc, char **argv) {
    int first = argc > 1 ? atoi(argv[1]) : 0;
    if (argc > 2) g_seed = strtoull(argv[2], NULL, 0);
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* Offline: nothing is exported, no collector needed. */
    setenv("OTEL_TRACES_EXPORTER", "none", 1);
    setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "2000", 1);
    big_string();
    case_begin(-1, "setup", "-", "-");
    SETUP_OK(otlp_init(NULL, "sweep-shared", &g_provider));
    SETUP_OK(otlp_get_tracer(g_provider, &g_tracer));
    sweep_value_functions(0, first);
    for (int i = first < @V@ ? @V@ : first; i < @N@; i++) CASES[i - @V@]();
    otlp_tracer_provider_free(g_provider);
    printf("SUMMARY cases=%d failures=%d\n", @N@ - first, g_failures);
    return g_failures ? 1 : 0;
}
"""


def main(argv: List[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    header, out = Path(argv[1]), Path(argv[2])
    try:
        gen = Gen(parse_header(header.read_text()))
        text = gen.run()
    except TableError as exc:
        print(f"gen_sweep: {exc}", file=sys.stderr)
        return 2
    out.write_text(text)
    funcs = len(gen.funcs)
    print(f"functions={funcs} cases={len(gen.index) + VALUE_CASES}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
