"""The full C API, exercised by tests/c/test_api.c (one scenario per run),
linked statically and dynamically, cross-checked field by field against what
the OTLP receiver decoded.

test_api.c checks return codes itself and prints machine-readable lines
(SPAN/TRACESTATE/STATS/RC/ELAPSED_MS/TIME/VALUE/REJECTED/OK, see the top of
that file); this side compares them with the exported spans.
"""

from __future__ import annotations

import re
import shutil
import socket
import time
from collections import defaultdict
from typing import Dict, List, Optional

import pytest

from otlp_receiver import TRACES_PATH, attr, resource_attr

OK, INVALID_ARGUMENT, NULL_POINTER, EXPORT_FAILED, INVALID_HANDLE, TIMEOUT = 0, -1, -2, -4, -6, -7
INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER = 1, 2, 3, 4, 5
UNSET, STATUS_OK, STATUS_ERROR = 0, 1, 2

TP_RE = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
EXTERNAL_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
EXTERNAL_PARENT = "00f067aa0ba902b7"


# --------------------------------------------------------------------------
# running test_api and reading its output
# --------------------------------------------------------------------------

class ApiOutput:
    def __init__(self, stdout: str):
        self.stdout = stdout
        self.spans: Dict[str, dict] = {}
        self.tracestates: Dict[str, str] = {}
        self.stats: Dict[str, Dict[str, int]] = {}
        self.rc: Dict[str, int] = {}
        self.elapsed: Dict[str, int] = {}
        self.times: Dict[str, int] = {}
        self.values: Dict[str, List[str]] = defaultdict(list)
        self.rejected: List[str] = []
        self.ok = None
        for line in stdout.splitlines():
            tag, _, rest = line.partition(" ")
            if tag == "SPAN":
                label, tp = rest.split(" ", 1)
                m = TP_RE.match(tp)
                assert m, f"malformed traceparent printed for {label}: {tp!r}"
                self.spans[label] = {"traceparent": tp, "version": m.group(1), "trace_id": m.group(2),
                                     "span_id": m.group(3), "flags": int(m.group(4), 16)}
            elif tag == "TRACESTATE":
                label, value = rest.split(" ", 1)
                assert value.startswith("[") and value.endswith("]"), line
                self.tracestates[label] = value[1:-1]
            elif tag == "STATS":
                label, *pairs = rest.split()
                self.stats[label] = {k: int(v) for k, v in (p.split("=") for p in pairs)}
            elif tag == "RC":
                label, code = rest.split()
                self.rc[label] = int(code)
            elif tag == "ELAPSED_MS":
                label, ms = rest.split()
                self.elapsed[label] = int(ms)
            elif tag == "TIME":
                label, ns = rest.split()
                self.times[label] = int(ns)
            elif tag == "VALUE":
                label, _, value = rest.partition(" ")
                self.values[label].append(value)
            elif tag == "REJECTED":
                self.rejected.append(rest)
            elif tag == "OK":
                self.ok = rest


@pytest.fixture(scope="session")
def _api_binaries(build_c):
    return {link: build_c("test_api.c", link=link, extra_flags=["-pthread"]) for link in ("static", "shared")}


@pytest.fixture
def api(_api_binaries, run, link):
    """api(scenario, *args, env=None, timeout=60) -> ApiOutput; the run must
    end with "OK <scenario>"."""
    def call(scenario, *args, env=None, timeout=60, prefix=()):
        res = run(_api_binaries[link], scenario, *args, env=env, timeout=timeout, prefix=prefix)
        out = ApiOutput(res.stdout)
        out.stderr = res.stderr
        assert out.ok == scenario, f"test_api {scenario} did not finish:\n{res.stdout}\n{res.stderr}"
        return out
    call.link = link
    return call


def free_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def one(receiver, name: str, timeout: float = 5) -> dict:
    """The single exported span named ``name``."""
    receiver.wait_for_spans(lambda s: s["name"] == name, timeout=timeout)
    spans = receiver.spans_named(name)
    assert len(spans) == 1, f"span {name!r} arrived {len(spans)} times\n" + receiver.dump()
    return spans[0]


def settle(receiver, seconds: float = 0.3):
    """Give a straggling export a moment before asserting something is absent."""
    time.sleep(seconds)


def assert_matches_injected(span: dict, injected: dict):
    assert span["trace_id"] == injected["trace_id"], (span["name"], span["trace_id"], injected)
    assert span["span_id"] == injected["span_id"], (span["name"], span["span_id"], injected)
    assert span["flags"] & 0xFF == injected["flags"], \
        f"{span['name']}: exported flags 0x{span['flags']:x}, injected {injected['flags']:02x}"


def assert_only_traces_path(receiver, path=TRACES_PATH):
    reqs = receiver.get_requests()
    assert reqs, "no request arrived"
    bad = [(r["method"], r["path"], r["status"]) for r in reqs if r["path"] != path]
    assert not bad, f"requests outside {path}: {bad}"


# --------------------------------------------------------------------------
# basics
# --------------------------------------------------------------------------

def test_fresh_process_and_scope(api, receiver):
    out = api("fresh")
    [version] = out.values["version"]
    assert re.match(r"^\d+\.\d+\.\d+", version)
    span = one(receiver, "fresh_span")
    assert span["service_name"] == "fresh-app"
    assert resource_attr(span, "service.name") == ("string", "fresh-app")
    assert span["scope_name"] == "otlp-ffi"
    assert span["scope_version"] == version
    assert span["kind"] == INTERNAL and span["parent_span_id"] == ""
    assert_only_traces_path(receiver)
    for r in receiver.get_requests():
        assert r["content_type"].startswith("application/x-protobuf")


def test_null_pointers(api, receiver):
    api("null_pointers")
    probe = one(receiver, "null_probe")
    # every failed call left the span untouched
    assert probe["attributes"] == {}
    assert probe["events"] == []
    assert probe["status_code"] == UNSET and probe["status_message"] == ""
    assert probe["service_name"] == "null-pointers"
    settle(receiver)
    assert receiver.spans_named("x") == [], "a call that failed created a span"


def test_invalid_handles(api, receiver):
    out = api("invalid_handles")
    ended = one(receiver, "ended_span")  # ended three times, exported once
    assert_matches_injected(ended, out.spans["ended_span"])
    assert ended["attributes"] == {"before_end": ("int", 1)}, "calls after end must not reach the span"
    assert ended["events"] == [] and ended["status_code"] == UNSET
    live = one(receiver, "live_span")
    assert_matches_injected(live, out.spans["live_span"])
    assert live["attributes"] == {"survived": ("bool", True)}
    child = one(receiver, "live_child")
    assert_matches_injected(child, out.spans["live_child"])
    assert child["parent_span_id"] == live["span_id"]
    assert child["trace_id"] == live["trace_id"]
    settle(receiver)
    assert receiver.spans_named("x") == []
    assert len(receiver.get_spans(lambda s: s["service_name"] == "invalid-handles")) == 3
    assert out.stats["invalid_handles"]["ended"] == 3


def test_provider_free_invalidates_its_handles(api, receiver):
    out = api("provider_free_invalidates")
    s1 = one(receiver, "ended_before_free")
    assert s1["service_name"] == "freed-provider-app"
    assert_matches_injected(s1, out.spans["ended_before_free"])
    s2 = one(receiver, "after_new_init")
    assert s2["service_name"] == "second-provider-app"
    assert_matches_injected(s2, out.spans["after_new_init"])


def test_open_span_invalid_after_provider_free(api, receiver):
    api("open_span_after_free")


def test_last_error_is_thread_local(api, receiver):
    out = api("last_error_threads")
    assert "key" in out.values["main_message"][0]
    for msg in out.values["thread_message"]:
        assert msg.startswith("OTLP_ERROR_INVALID_ARGUMENT"), msg


# --------------------------------------------------------------------------
# propagation
# --------------------------------------------------------------------------

def test_inject_extract_parents(api, receiver):
    out = api("inject_extract")
    names = ["server_root", "local_child", "grandchild", "grandchild_sibling", "remote_child",
             "external_child", "created_root"]
    spans = {n: one(receiver, n) for n in names}
    for n in names:
        assert_matches_injected(spans[n], out.spans[n])
        assert out.spans[n]["version"] == "00" and out.spans[n]["flags"] == 0x01
        assert spans[n]["service_name"] == "propagation-app"
        assert spans[n]["trace_state"] == ""
        assert out.times["start"] <= spans[n]["start_time_unix_nano"] <= spans[n]["end_time_unix_nano"] \
            <= out.times["end"], n

    root = spans["server_root"]
    assert root["parent_span_id"] == ""
    # local parents
    assert spans["local_child"]["parent_span_id"] == root["span_id"]
    assert spans["grandchild"]["parent_span_id"] == spans["local_child"]["span_id"]
    assert spans["grandchild_sibling"]["parent_span_id"] == spans["local_child"]["span_id"]
    # remote parent: the injected traceparent extracted again
    assert spans["remote_child"]["parent_span_id"] == root["span_id"]
    for n in ("local_child", "grandchild", "grandchild_sibling", "remote_child"):
        assert spans[n]["trace_id"] == root["trace_id"], n
    # an external traceparent
    assert spans["external_child"]["trace_id"] == EXTERNAL_TRACE
    assert spans["external_child"]["parent_span_id"] == EXTERNAL_PARENT
    # otlp_span_create: a new trace
    assert spans["created_root"]["parent_span_id"] == ""
    assert spans["created_root"]["trace_id"] != root["trace_id"]
    # kinds
    assert {n: spans[n]["kind"] for n in names} == {
        "server_root": SERVER, "local_child": INTERNAL, "grandchild": CLIENT,
        "grandchild_sibling": PRODUCER, "remote_child": SERVER, "external_child": CONSUMER,
        "created_root": INTERNAL}
    assert len({s["span_id"] for s in spans.values()}) == len(names)
    assert out.stats["inject_extract"]["exported"] == 7


INVALID_TP_LABELS = [
    "empty", "spaces_only", "missing_flags", "missing_flags_dash", "trace_id_31", "trace_id_33",
    "span_id_15", "span_id_17", "version_1_char", "version_3_chars", "flags_1_char", "flags_3_chars",
    "uppercase_trace_id", "uppercase_span_id", "uppercase_flags", "uppercase_version", "zero_trace_id",
    "zero_span_id", "version_ff", "nonhex_version", "nonhex_trace_id", "nonhex_span_id", "nonhex_flags",
    "underscore_separators", "colon_separator", "no_separators", "v00_trailing_data", "v00_trailing_dash",
    "v00_trailing_char", "future_version_short", "inner_space", "garbage",
]

# label -> (trace id, parent span id, flags, sampled)
VALID_TP = {
    "sampled": (EXTERNAL_TRACE, EXTERNAL_PARENT, 0x01, True),
    "not_sampled": (EXTERNAL_TRACE, EXTERNAL_PARENT, 0x00, False),
    "flags_03": ("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", 0x03, True),
    "flags_02_not_sampled": ("0af7651916cd43dd8448eb211c80319d", "b7ad6b7169203332", 0x02, False),
    "leading_spaces": ("1af7651916cd43dd8448eb211c80319c", "c7ad6b7169203331", 0x01, True),
    "trailing_tab": ("2af7651916cd43dd8448eb211c80319c", "d7ad6b7169203331", 0x01, True),
    "both_ows": ("3af7651916cd43dd8448eb211c80319c", "e7ad6b7169203331", 0x01, True),
    "future_version_extra": ("4af7651916cd43dd8448eb211c80319c", "f7ad6b7169203331", 0x01, True),
    "future_version_exact": ("5af7651916cd43dd8448eb211c80319c", "a7ad6b7169203331", 0x01, True),
    "max_ids": ("f" * 32, "f" * 16, 0x01, True),
}


def test_traceparent_validation(api, receiver):
    out = api("traceparent")
    assert out.rejected == INVALID_TP_LABELS
    sampled = 0
    for label, (trace_id, parent, flags, is_sampled) in VALID_TP.items():
        child_label, gc_label = f"tp_{label}", f"tp_{label}_grandchild"
        for lbl in (child_label, gc_label):
            injected = out.spans[lbl]
            assert injected["trace_id"] == trace_id, lbl
            assert injected["flags"] == flags, f"{lbl}: injected flags {injected['flags']:02x}, expected {flags:02x}"
            assert injected["version"] == "00"
        if is_sampled:
            sampled += 2
            child, gc = one(receiver, child_label), one(receiver, gc_label)
            assert_matches_injected(child, out.spans[child_label])
            assert_matches_injected(gc, out.spans[gc_label])
            assert child["parent_span_id"] == parent
            assert gc["parent_span_id"] == child["span_id"]
            assert child["kind"] == SERVER and gc["kind"] == INTERNAL
            assert attr(child, "case") == ("string", label)
    settle(receiver)
    for label, (_, _, _, is_sampled) in VALID_TP.items():
        if not is_sampled:
            assert receiver.spans_named(f"tp_{label}") == [], f"a child of a not-sampled parent was exported ({label})"
            assert receiver.spans_named(f"tp_{label}_grandchild") == []
    st = out.stats["traceparent"]
    assert st["started"] == sampled and st["ended"] == sampled and st["exported"] == sampled, st


# label -> expected tracestate (what is injected and exported)
TRACESTATE_CASES = {
    "simple": "congo=t61rcWkgMzE",
    "two_members": "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
    "ows_normalized": "a=1,b=2",
    "ows_tabs": "a=1,b=2",
    "multi_tenant_key": "tenant1@vendor=x,fw529a3039@dt=FIXED",
    "key_charset": "a_b-c*d/e=1",
    "value_inner_space": "k=a b",
    "value_punctuation": "k=!#$%&'()*+-./:;<>?@[]^_`{|}~",
    "members_32": ",".join(f"k{i}=v{i}" for i in range(32)),
    "key_256": "k" * 256 + "=v",
    "value_256": "k=" + "v" * 256,
    "null": "",
    "empty": "",
    "at_sign_keys": "foo@=1,foo@@bar=2,foo@bar@baz=3,t@vvvvvvvvvvvvvvv=4",
    "duplicate_key": "a=1,b=2",
    "members_33": "",
    "key_leading_at": "",
    "uppercase_key": "",
    "no_equals": "",
    "empty_value": "",
    "equals_in_value": "",
    "empty_key": "",
    "key_257": "",
    "value_257": "",
    "space_in_key": "",
    "non_ascii_value": "",
    "trailing_space_value_ok": "k=v",
}


def test_tracestate(api, receiver):
    out = api("tracestate")
    for label, expected in TRACESTATE_CASES.items():
        for name in (f"ts_{label}", f"ts_{label}_grandchild"):
            assert out.tracestates[name] == expected, name
            span = one(receiver, name)
            assert span["trace_state"] == expected, \
                f"{name}: exported trace_state {span['trace_state']!r}, injected {expected!r}"
        child = receiver.spans_named(f"ts_{label}")[0]
        assert_matches_injected(child, out.spans[f"ts_{label}"])
    hop1, hop2 = one(receiver, "ts_hop1"), one(receiver, "ts_hop2")
    assert hop1["trace_state"] == hop2["trace_state"] == "vendor1=abc,vendor2=def"
    assert hop2["parent_span_id"] == hop1["span_id"] and hop2["trace_id"] == hop1["trace_id"] == EXTERNAL_TRACE
    assert one(receiver, "ts_root")["trace_state"] == ""


# --------------------------------------------------------------------------
# span data (one run per link, several focused tests)
# --------------------------------------------------------------------------

@pytest.fixture(scope="module", params=["static", "shared"])
def span_data(request, _api_binaries, _receiver_session):
    from conftest import Runner
    rx = _receiver_session
    rx.clear()
    res = Runner(rx)(_api_binaries[request.param], "span_data", timeout=60)
    out = ApiOutput(res.stdout)
    assert out.ok == "span_data", res.stdout
    rx.wait_for_spans(lambda s: s["name"] == "recorded_error", timeout=5)
    spans = {}
    for s in rx.get_spans(lambda s: s["service_name"] == "span-data-app"):
        assert s["name"] not in spans, f"span {s['name']} exported twice"
        spans[s["name"]] = s
    rx.clear()
    return out, spans


def test_span_kinds(span_data):
    out, spans = span_data
    for name, kind in [("kind_internal", INTERNAL), ("kind_server", SERVER), ("kind_client", CLIENT),
                       ("kind_producer", PRODUCER), ("kind_consumer", CONSUMER)]:
        assert spans[name]["kind"] == kind, name
        assert_matches_injected(spans[name], out.spans[name])
    assert "bad_kind" not in spans


def test_typed_attributes(span_data):
    out, spans = span_data
    a = spans["typed_attrs"]
    assert_matches_injected(a, out.spans["typed_attrs"])
    expected = {
        "str": ("string", "text"),
        "str.empty": ("string", ""),
        "str.utf8": ("string", "héllo wörld ✓ 日本"),
        "str.long": ("string", "x" * 10000),
        "int": ("int", 42),
        "int.neg": ("int", -7),
        "int.min": ("int", -2**63),
        "int.max": ("int", 2**63 - 1),
        "bool.true": ("bool", True),
        "bool.false": ("bool", False),
        "double": ("double", 1.5),
        "double.neg": ("double", -0.25),
        "double.big": ("double", 1e300),
        "double.whole": ("double", 3.0),
        "double.tiny": ("double", 5e-324),
    }
    assert a["attributes"] == expected
    assert a["dropped_attributes_count"] == 0


def test_invalid_utf8_and_empty_keys_refused(span_data):
    _, spans = span_data
    a = spans["typed_attrs"]
    assert "" not in a["attributes"] and "bad.value" not in a["attributes"]
    assert not any(k.startswith("bad") for k in a["attributes"])
    assert "unicodé-名前" in spans
    assert not any(n.startswith("bad") for n in spans)


def test_attribute_set_twice_keeps_last_value(span_data):
    _, spans = span_data
    ow = spans["overwrite_attr"]
    assert "dup#dup" not in ow["attributes"], f"key 'dup' exported twice: {ow['attributes']}"
    assert ow["attributes"] == {"dup": ("string", "two")}


@pytest.mark.parametrize("name,code,message", [
    ("status_unset", UNSET, ""),
    ("status_ok", STATUS_OK, ""),
    ("status_error", STATUS_ERROR, "boom"),
    ("status_error_then_unset", STATUS_ERROR, "kept"),
    ("status_error_twice", STATUS_ERROR, "second"),
    ("status_error_then_ok", STATUS_OK, ""),
    ("status_bad_code", UNSET, ""),
])
def test_status(span_data, name, code, message):
    out, spans = span_data
    s = spans[name]
    assert (s["status_code"], s["status_message"]) == (code, message)
    assert_matches_injected(s, out.spans[name])


def test_events(span_data):
    _, spans = span_data
    s = spans["with_events"]
    assert [e["name"] for e in s["events"]] == ["first", "second", "third ✓"]
    times = [e["time_unix_nano"] for e in s["events"]]
    assert times == sorted(times)
    assert s["start_time_unix_nano"] <= times[0] and times[-1] <= s["end_time_unix_nano"]
    assert all(e["attributes"] == {} for e in s["events"])
    assert s["dropped_events_count"] == 0


def test_record_error(span_data):
    _, spans = span_data
    s = spans["recorded_error"]
    assert s["status_code"] == STATUS_ERROR and s["status_message"] == "disk full"
    assert s["kind"] == CLIENT
    assert attr(s, "attempt") == ("int", 3)
    [ev] = s["events"]
    assert ev["name"] == "exception"
    assert ev["attributes"].get("exception.message") == ("string", "disk full")
    assert s["start_time_unix_nano"] <= ev["time_unix_nano"] <= s["end_time_unix_nano"]


def test_attribute_and_event_limits(span_data):
    out, spans = span_data
    m = spans["many_attrs"]
    assert_matches_injected(m, out.spans["many_attrs"])
    all_keys = {f"k{i:03d}": ("int", i) for i in range(200)}
    assert len(m["attributes"]) == 128, len(m["attributes"])
    assert all(all_keys.get(k) == v for k, v in m["attributes"].items())
    assert m["dropped_attributes_count"] == 72
    assert len(m["events"]) == 128
    assert {e["name"] for e in m["events"]} <= set(all_keys)
    assert m["dropped_events_count"] == 72


def test_timestamps_and_service(span_data):
    out, spans = span_data
    for name, s in spans.items():
        assert s["service_name"] == "span-data-app", name
        assert out.times["start"] <= s["start_time_unix_nano"] <= s["end_time_unix_nano"] <= out.times["end"], name
    assert len(spans) == len(out.spans) == out.stats["span_data"]["exported"]


# --------------------------------------------------------------------------
# stats, queue, retries
# --------------------------------------------------------------------------

def test_stats(api, receiver):
    out = api("stats")
    assert out.stats["initial"] == dict(started=0, ended=0, exported=0, dropped=0, failures=0)
    assert out.stats["started6_ended5"]["started"] == 6 and out.stats["started6_ended5"]["ended"] == 5
    assert out.stats["after_flush"] == dict(started=6, ended=5, exported=5, dropped=0, failures=0)
    assert out.stats["final"] == dict(started=6, ended=6, exported=6, dropped=0, failures=0)
    spans = receiver.wait_for_spans(lambda s: s["name"] == "stats_span", count=5)
    assert sorted(attr(s, "i").value for s in spans) == [0, 1, 2, 3, 4]
    one(receiver, "stats_open")
    settle(receiver)
    assert receiver.spans_named("stats_unsampled") == []
    assert len(receiver.get_spans(lambda s: s["service_name"] == "stats-app")) == 6


def test_bounded_queue_drops_when_collector_is_slow(api, receiver):
    receiver.set_delay(0.3)
    out = api("overflow", timeout=120)
    st = out.stats["after_flush"]
    assert out.rc["force_flush"] == OK
    assert st["started"] == st["ended"] == 1000
    assert st["dropped"] > 0, st
    assert st["exported"] + st["dropped"] == st["ended"], st
    flood = receiver.get_spans(lambda s: s["name"] == "flood")
    assert len(flood) == st["exported"], f"receiver has {len(flood)} flood spans, stats say {st}"
    assert len({s["span_id"] for s in flood}) == len(flood), "a span was delivered twice"
    assert all(s["service_name"] == "overflow-app" for s in flood)
    # a full queue drops; it never makes span_end wait for the network
    assert out.elapsed["flood_loop"] < 2000, out.elapsed


def test_retry_on_503(api, receiver):
    receiver.fail_next(2, status=503)
    out = api("flush_once", "retry_span", "30000", timeout=90)
    assert out.rc["force_flush"] == OK
    span = one(receiver, "retry_span")
    assert_matches_injected(span, out.spans["retry_span"])
    st = out.stats["after_flush"]
    assert st == dict(started=1, ended=1, exported=1, dropped=0, failures=2), st
    statuses = [r["status"] for r in receiver.get_requests()]
    assert statuses == [503, 503, 200], statuses


def test_retry_after_is_honoured(api, receiver):
    receiver.fail_next(1, status=429, retry_after=2)
    out = api("flush_once", "retry_after_span", "30000", timeout=90)
    assert out.rc["force_flush"] == OK
    one(receiver, "retry_after_span")
    reqs = receiver.get_requests()
    assert [r["status"] for r in reqs] == [429, 200]
    gap = reqs[1]["time"] - reqs[0]["time"]
    assert gap >= 1.9, f"retried {gap:.2f}s after a 'Retry-After: 2'"
    assert out.stats["after_flush"]["failures"] == 1
    assert out.stats["after_flush"]["exported"] == 1


def test_no_retry_on_400(api, receiver):
    receiver.fail_next(1, status=400)
    out = api("flush_once", "rejected_span", "10000", timeout=60)
    assert out.rc["force_flush"] in (OK, EXPORT_FAILED)
    settle(receiver, 1.0)
    assert [r["status"] for r in receiver.get_requests()] == [400], "a 400 must not be retried"
    assert receiver.spans_named("rejected_span") == []
    st = out.stats["after_flush"]
    assert st["exported"] == 0 and st["dropped"] == 1 and st["failures"] == 1, st


# --------------------------------------------------------------------------
# shutdown and free
# --------------------------------------------------------------------------

@pytest.mark.parametrize("flush_first", [False, True], ids=["shutdown", "flush+shutdown"])
def test_shutdown_against_closed_port_is_bounded(api, receiver, flush_first):
    port = free_port()
    args = ["2000"] + (["flush_first"] if flush_first else [])
    t0 = time.monotonic()
    out = api("shutdown_bounded", *args, env={"OTLP_TEST_ENDPOINT": f"http://127.0.0.1:{port}"}, timeout=60)
    wall = time.monotonic() - t0
    assert out.rc["shutdown"] in (TIMEOUT, EXPORT_FAILED)
    assert out.elapsed["shutdown"] <= 3000
    assert wall < 15, f"the whole program took {wall:.1f}s"
    settle(receiver)
    assert receiver.get_spans(lambda s: s["service_name"] == "shutdown-app") == []


def test_shutdown_against_silent_collector_times_out(api, receiver):
    receiver.set_delay(60)  # accepts, reads, never answers (in time)
    out = api("shutdown_bounded", "1500", "flush_first", timeout=60)
    assert out.rc["force_flush"] == TIMEOUT
    assert out.rc["shutdown"] == TIMEOUT
    assert out.elapsed["force_flush"] <= 2500 and out.elapsed["shutdown"] <= 2500
    st = out.stats["after_shutdown"]
    assert st["exported"] == 0 and st["ended"] == 1


@pytest.mark.parametrize("collector", ["closed_port", "silent"])
def test_free_is_bounded_by_exporter_timeout(api, receiver, collector):
    env = {"OTEL_EXPORTER_OTLP_TIMEOUT": "2000"}
    if collector == "closed_port":
        env["OTLP_TEST_ENDPOINT"] = f"http://127.0.0.1:{free_port()}"
    else:
        receiver.set_delay(60)
    out = api("free_bounded", "2000", env=env, timeout=60)
    assert out.elapsed["free"] <= 3000


def test_span_ended_after_shutdown_is_dropped(api, receiver):
    out = api("straddle_shutdown")
    one(receiver, "ended_before_shutdown")
    assert out.stats["straddle"] == dict(started=2, ended=2, exported=1, dropped=1, failures=0)
    settle(receiver)
    assert receiver.spans_named("ended_after_shutdown") == []


def test_force_flush_after_shutdown_returns_ok_at_once(api, receiver):
    """include/otlp_ffi.h: force_flush "After shutdown it returns OTLP_OK at once"."""
    out = api("straddle_shutdown")
    assert (out.rc["flush_after_shutdown"], out.elapsed["flush_after_shutdown"] < 500) == (OK, True), \
        f"force_flush(2000 ms) after shutdown returned {out.rc['flush_after_shutdown']} " \
        f"after {out.elapsed['flush_after_shutdown']} ms"
    assert out.stats["straddle_after_flush"] == out.stats["straddle"]


def test_after_shutdown_spans_are_not_recorded(api, receiver):
    out = api("after_shutdown")
    s = one(receiver, "before_shutdown")
    assert_matches_injected(s, out.spans["before_shutdown"])
    assert out.stats["after_shutdown"] == dict(started=1, ended=1, exported=1, dropped=0, failures=0)
    assert out.stats["after_late_spans"]["exported"] == 1
    settle(receiver, 0.5)
    assert [s["name"] for s in receiver.get_spans(lambda s: s["service_name"] == "after-shutdown-app")] \
        == ["before_shutdown"]


# --------------------------------------------------------------------------
# threads, providers
# --------------------------------------------------------------------------

def test_threads(api, receiver):
    out = api("threads", timeout=120)
    shared = one(receiver, "shared_span")
    assert_matches_injected(shared, out.spans["shared_span"])
    expected_attrs = {f"t{t}.a{i}": ("int", t * 1000 + i) for t in range(8) for i in range(10)}
    assert shared["attributes"] == expected_attrs
    assert sorted(e["name"] for e in shared["events"]) == sorted(f"t{t}.e{i}" for t in range(8) for i in range(10))
    assert shared["dropped_attributes_count"] == 0 and shared["dropped_events_count"] == 0
    parents = {(attr(s, "thread").value, attr(s, "i").value): s
               for s in receiver.wait_for_spans(lambda s: s["name"] == "mt_span", count=400)}
    children = {(attr(s, "thread").value, attr(s, "i").value): s
                for s in receiver.wait_for_spans(lambda s: s["name"] == "mt_child", count=400)}
    keys = {(t, i) for t in range(8) for i in range(50)}
    assert set(parents) == keys and set(children) == keys
    for k in keys:
        assert children[k]["parent_span_id"] == parents[k]["span_id"], k
        assert children[k]["trace_id"] == parents[k]["trace_id"], k
        assert children[k]["kind"] == CLIENT
    mine = receiver.get_spans(lambda s: s["service_name"] == "threads-app")
    assert len(mine) == 801
    assert len({s["span_id"] for s in mine}) == 801
    assert out.stats["threads"]["exported"] == 801


def test_span_used_by_threads_while_ended(api, receiver):
    """Threads keep calling into a span while another thread ends it: every
    call answers OK or INVALID_HANDLE, nothing crashes, the span is exported
    once with the last value each thread set before the end."""
    out = api("end_race", timeout=120)
    s = one(receiver, "raced_span")
    assert_matches_injected(s, out.spans["raced_span"])
    assert set(s["attributes"]) <= {"t0", "t1", "t2", "t3"}
    assert all(v.type == "int" for v in s["attributes"].values())
    workers = {line.split()[0]: dict(kv.split("=") for kv in line.split()[1:])
               for line in out.values["race_worker"]}
    for name, w in workers.items():
        if int(w["ok"]) > 0:
            assert s["attributes"][name].value == int(w["ok"]) - 1, (name, w, s["attributes"])


def test_provider_freed_while_threads_start_spans(api, receiver):
    out = api("free_race", timeout=120)
    assert len(out.values["race_worker"]) == 4
    # whatever was ended before the free was delivered, each span once
    spans = receiver.get_spans(lambda s: s["name"] == "free_race_span")
    assert len({s["span_id"] for s in spans}) == len(spans)


def test_background_export_without_flush(api, receiver):
    """With OTEL_BSP_SCHEDULE_DELAY=200 an ended span leaves on its own."""
    out = api("background_export")
    s = one(receiver, "background_span")
    assert s["service_name"] == "background-app"
    assert_matches_injected(s, out.spans["background_span"])
    assert out.elapsed["until_exported"] < 3000, out.elapsed


def test_init_argument_errors(api, receiver):
    api("init_errors")


def test_several_providers(api, receiver):
    out = api("lifecycle")
    for name, svc in [("from_a", "svc-a"), ("from_b", "svc-b"), ("from_c", "svc-c")]:
        s = one(receiver, name)
        assert s["service_name"] == svc, name
        assert_matches_injected(s, out.spans[name])


# --------------------------------------------------------------------------
# configuration and environment
# --------------------------------------------------------------------------

def test_config_errors(api, receiver):
    out = api("config_errors")
    assert len(out.values["config_error"]) == 7


def emitted(receiver, name):
    s = one(receiver, name)
    assert attr(s, "emitted.by") is not None
    return s


def test_config_object(api, receiver):
    api("emit_config", "cfg_span",
        "OTEL_SERVICE_NAME=cfg-svc",
        "OTEL_RESOURCE_ATTRIBUTES=deployment.environment=test,team.name=obs%20core",
        "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318",
        "OTEL_EXPORTER_OTLP_HEADERS=x-test-header=hello%20world,x-other=2")
    s = emitted(receiver, "cfg_span")
    assert s["service_name"] == "cfg-svc"
    assert resource_attr(s, "deployment.environment") == ("string", "test")
    assert resource_attr(s, "team.name") == ("string", "obs core")
    h = s["request_headers"]
    assert h.get("x-test-header") == "hello world", h
    assert h.get("x-other") == "2", h
    assert_only_traces_path(receiver)


def test_env_headers_arrive(api, receiver):
    api("emit", "http://127.0.0.1:4318", "hdr-svc", "env_hdr_span",
        env={"OTEL_EXPORTER_OTLP_HEADERS": "x-env-header=from%20env,authorization=Bearer%20t0k"})
    s = emitted(receiver, "env_hdr_span")
    assert s["request_headers"].get("x-env-header") == "from env"
    assert s["request_headers"].get("authorization") == "Bearer t0k"


def test_traces_headers_arrive(api, receiver):
    api("emit_config", "traces_hdr_span", "OTEL_EXPORTER_OTLP_TRACES_HEADERS=x-traces-only=yes")
    s = emitted(receiver, "traces_hdr_span")
    assert s["request_headers"].get("x-traces-only") == "yes"


def test_explicit_service_name_beats_env(api, receiver):
    api("emit", "http://127.0.0.1:4318", "explicit-svc", "svc_explicit",
        env={"OTEL_SERVICE_NAME": "env-svc"})
    assert emitted(receiver, "svc_explicit")["service_name"] == "explicit-svc"


def test_empty_service_name_uses_env(api, receiver):
    api("emit", "http://127.0.0.1:4318", "", "svc_from_env", env={"OTEL_SERVICE_NAME": "env-svc"})
    assert emitted(receiver, "svc_from_env")["service_name"] == "env-svc"


def test_service_name_from_resource_attributes(api, receiver):
    api("emit", "http://127.0.0.1:4318", "", "svc_from_resource",
        env={"OTEL_RESOURCE_ATTRIBUTES": "service.name=res-svc,k=v"})
    s = emitted(receiver, "svc_from_resource")
    assert s["service_name"] == "res-svc"
    assert resource_attr(s, "k") == ("string", "v")


def test_otel_service_name_beats_resource_attributes(api, receiver):
    api("emit", "http://127.0.0.1:4318", "", "svc_precedence",
        env={"OTEL_RESOURCE_ATTRIBUTES": "service.name=res-svc", "OTEL_SERVICE_NAME": "env-svc"})
    assert emitted(receiver, "svc_precedence")["service_name"] == "env-svc"


def test_default_service_name(api, receiver):
    api("emit", "http://127.0.0.1:4318", "", "svc_default")
    assert emitted(receiver, "svc_default")["service_name"].startswith("unknown_service")


def test_config_beats_env(api, receiver):
    api("emit_config", "cfg_over_env", "OTEL_SERVICE_NAME=cfg-svc", "OTEL_EXPORTER_OTLP_HEADERS=x-src=config",
        env={"OTEL_SERVICE_NAME": "env-svc", "OTEL_EXPORTER_OTLP_HEADERS": "x-src=env"})
    s = emitted(receiver, "cfg_over_env")
    assert s["service_name"] == "cfg-svc"
    assert s["request_headers"].get("x-src") == "config"


def test_env_fills_what_config_lacks(api, receiver):
    api("emit_config", "env_under_cfg", "OTEL_EXPORTER_OTLP_HEADERS=x-src=config",
        env={"OTEL_SERVICE_NAME": "env-svc"})
    assert emitted(receiver, "env_under_cfg")["service_name"] == "env-svc"


def test_empty_endpoint_uses_default(api, receiver):
    api("emit", "", "default-ep-svc", "ep_default")
    emitted(receiver, "ep_default")
    assert_only_traces_path(receiver)


def test_empty_endpoint_uses_env_base_url(api, receiver):
    receiver.accept_path("/envbase/v1/traces")
    api("emit", "", "env-ep-svc", "ep_from_env",
        env={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318/envbase"})
    emitted(receiver, "ep_from_env")
    assert_only_traces_path(receiver, "/envbase/v1/traces")


def test_explicit_endpoint_beats_env(api, receiver):
    dead = free_port()
    api("emit", "http://127.0.0.1:4318", "ep-svc", "ep_explicit",
        env={"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{dead}",
             "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"http://127.0.0.1:{dead}/v1/traces"})
    emitted(receiver, "ep_explicit")


@pytest.mark.parametrize("endpoint,path", [
    ("http://127.0.0.1:4318/otlp", "/otlp/v1/traces"),
    ("http://127.0.0.1:4318/otlp/", "/otlp/v1/traces"),
    ("http://127.0.0.1:4318/", "/v1/traces"),
    ("http://127.0.0.1:4318/v1/traces", "/v1/traces"),
    ("http://[::1]:4318", "/v1/traces"),
])
def test_base_endpoint_gets_v1_traces(api, receiver, endpoint, path):
    receiver.accept_path(path)
    api("emit", endpoint, "base-ep-svc", "ep_base")
    emitted(receiver, "ep_base")
    assert_only_traces_path(receiver, path)


@pytest.mark.parametrize("source", ["config", "env"])
def test_traces_endpoint_used_as_is(api, receiver, source):
    dead = free_port()
    receiver.accept_path("/custom/traces")
    settings = {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/custom/traces",
                "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{dead}"}
    if source == "config":
        api("emit_config", "ep_traces", *[f"{k}={v}" for k, v in settings.items()])
    else:
        api("emit", "", "traces-ep-svc", "ep_traces", env=settings)
    emitted(receiver, "ep_traces")
    assert_only_traces_path(receiver, "/custom/traces")


@pytest.mark.parametrize("source", ["config", "env"])
def test_sdk_disabled(api, receiver, source):
    if source == "config":
        out = api("emit_config", "disabled_span", "OTEL_SDK_DISABLED=true")
    else:
        out = api("emit", "http://127.0.0.1:4318", "disabled-svc", "disabled_span",
                  env={"OTEL_SDK_DISABLED": "true"})
    assert out.stats["disabled_span"] == dict(started=0, ended=0, exported=0, dropped=0, failures=0)
    settle(receiver, 0.5)
    assert receiver.spans_named("disabled_span") == []


def test_invalid_env_value_is_ignored_with_a_warning(api, receiver):
    out = api("emit", "http://127.0.0.1:4318", "bad-env-svc", "bad_env_span",
              env={"OTEL_BSP_MAX_QUEUE_SIZE": "lots"})
    emitted(receiver, "bad_env_span")
    assert "OTEL_BSP_MAX_QUEUE_SIZE" in out.stderr, f"no warning on stderr: {out.stderr!r}"


# --------------------------------------------------------------------------
# memory checking
# --------------------------------------------------------------------------

VALGRIND = ["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
            "--show-leak-kinds=definite,indirect", "--error-exitcode=42", "--num-callers=30",
            # valgrind runs one thread at a time; fair scheduling lets the race
            # scenarios' main thread get its turn
            "--fair-sched=yes"]


@pytest.mark.parametrize("scenario,expect", [
    ("invalid_handles", ["ended_span", "live_span", "live_child"]),
    ("inject_extract", ["server_root", "remote_child", "external_child"]),
    ("lifecycle", ["from_a", "from_b", "from_c"]),
    ("null_pointers", ["null_probe"]),
    ("end_race", ["raced_span"]),
    ("free_race", []),
    ("threads", ["shared_span"]),
])
def test_valgrind_clean(_api_binaries, run, receiver, scenario, expect):
    if shutil.which("valgrind") is None:
        reason = "valgrind is not installed (apt-get install valgrind)"
        print(reason)
        pytest.skip(reason)
    res = run(_api_binaries["shared"], scenario, prefix=VALGRIND, timeout=600, check=False)
    assert res.returncode == 0, f"valgrind exit code {res.returncode} (42 = leak or memory error)\n" \
                                f"{res.stdout}\n{res.stderr[-20000:]}"
    assert f"OK {scenario}" in res.stdout
    for name in expect:
        one(receiver, name)
