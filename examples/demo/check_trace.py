"""Checks the demo's trace in otlp-view's JSON lines (--json) and prints a summary.

    python3 check_trace.py SPANS.jsonl --expect-services demo-c,demo-python,... [--wait SECONDS]
                           [--print summary|trace-id|span-count]

The trace must be ONE trace id holding every expected service, one root span (in the first
service), every other span's parent present, and for each consecutive pair of services a
CLIENT span in the first whose child is a SERVER span in the second; the last service's
SERVER span must carry the baggage the C client set (baggage.customer.id = alice). With
--wait it waits until the spans are complete (the root and each hop's server span arrived).
Exit status 0 when every check holds, 1 with the failed check named otherwise.
"""

import argparse
import json
import sys
import time
from typing import Dict, List, Optional

SERVER, CLIENT = 2, 3
ERROR = 2
BAGGAGE = {"customer.id": "alice", "customer.tier": "gold"}


def load(path: str) -> List[dict]:
    spans = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                spans.append(json.loads(line))
    return spans


def attr(span: dict, key: str) -> Optional[object]:
    a = span["attributes"].get(key)
    return None if a is None else a["value"]


def problems(spans: List[dict], services: List[str]) -> List[str]:
    """Every way the spans fall short of the demo's trace; [] when they are it."""
    if not spans:
        return ["no span arrived"]
    out = []
    traces = {s["trace_id"] for s in spans}
    if len(traces) != 1:
        out.append(f"{len(traces)} trace ids, want 1: {sorted(traces)}")
    seen = {s["service_name"] for s in spans}
    if seen != set(services):
        out.append(f"services {sorted(seen)}, want {sorted(services)}")
    by_id = {s["span_id"]: s for s in spans}
    roots = [s for s in spans if not s["parent_span_id"]]
    if len(roots) != 1 or roots[0]["service_name"] != services[0]:
        out.append(f"roots {[(r['service_name'], r['name']) for r in roots]}, want one in {services[0]}")
    orphans = [s["name"] for s in spans if s["parent_span_id"] and s["parent_span_id"] not in by_id]
    if orphans:
        out.append(f"spans whose parent never arrived: {orphans}")
    for caller, callee in zip(services, services[1:]):
        hop = [s for s in spans if s["service_name"] == callee and s["kind"] == SERVER
               and by_id.get(s["parent_span_id"], {}).get("service_name") == caller
               and by_id[s["parent_span_id"]]["kind"] == CLIENT]
        if len(hop) != 1:
            out.append(f"hop {caller} -> {callee}: {len(hop)} CLIENT -> SERVER pairs, want 1")
    last = [s for s in spans if s["service_name"] == services[-1] and s["kind"] == SERVER]
    if len(services) > 1:
        if not last:
            out.append(f"no SERVER span in {services[-1]}")
        for key, want in BAGGAGE.items():
            if last and attr(last[0], "baggage." + key) != want:
                out.append(f"baggage {key} at {services[-1]}: {attr(last[0], 'baggage.' + key)!r}, want {want!r}")
    return out


def chain_order(spans: List[dict]) -> List[str]:
    """The services in call order (by each one's first start time)."""
    first: Dict[str, int] = {}
    for s in spans:
        t = int(s["start_time_unix_nano"])
        first[s["service_name"]] = min(t, first.get(s["service_name"], t))
    return sorted(first, key=first.__getitem__)


def summary(spans: List[dict]) -> str:
    start = min(int(s["start_time_unix_nano"]) for s in spans)
    end = max(int(s["end_time_unix_nano"]) for s in spans)
    errors = [f"{s['service_name']} '{s['name']}' ({s['status_message']})"
              for s in spans if s["status_code"] == ERROR]
    protocols = sorted({f"{s['service_name']}={s.get('protocol', '?')}" for s in spans})
    lines = [
        f"one trace {spans[0]['trace_id']}: {len(spans)} spans from {len({s['service_name'] for s in spans})} services",
        "  " + " -> ".join(chain_order(spans)),
        "  every parent present; a CLIENT span -> SERVER span at each hop",
        f"  baggage at the last hop: " + ", ".join(f"{k}={v}" for k, v in BAGGAGE.items()),
        f"  errors recorded: {'; '.join(errors) if errors else 'none'}",
        f"  received over: {', '.join(protocols)}",
        f"  end to end: {(end - start) / 1e6:.1f} ms",
    ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("spans")
    ap.add_argument("--expect-services", required=True)
    ap.add_argument("--wait", type=float, default=0.0)
    ap.add_argument("--print", dest="what", choices=["summary", "trace-id", "span-count", "nothing"],
                    default="summary")
    args = ap.parse_args()
    services = args.expect_services.split(",")
    deadline = time.monotonic() + args.wait
    while True:
        spans = load(args.spans)
        found = problems(spans, services)
        if not found or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    if found:
        print("the demo's trace is not right:", file=sys.stderr)
        for p in found:
            print("  - " + p, file=sys.stderr)
        return 1
    if args.what == "summary":
        print(summary(spans))
    elif args.what == "trace-id":
        print(spans[0]["trace_id"])
    elif args.what == "span-count":
        print(len(spans))
    return 0


if __name__ == "__main__":
    sys.exit(main())
