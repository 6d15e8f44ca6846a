"""The numeric values of the ABI's enums and the layout of otlp_stats_t, as
fixed by issue 2 and the seed header (bindings hardcode them)."""

from __future__ import annotations

import subprocess

from conftest import HEADER


def test_enum_values_match_the_contract(dist, tmp_path):
    """The numbers bindings depend on (issue 2 and the seed header)."""
    expected = {
        "OTLP_OK": 0, "OTLP_ERROR_INVALID_ARGUMENT": -1, "OTLP_ERROR_NULL_POINTER": -2,
        "OTLP_ERROR_INITIALIZATION_FAILED": -3, "OTLP_ERROR_EXPORT_FAILED": -4,
        "OTLP_ERROR_OUT_OF_MEMORY": -5, "OTLP_ERROR_INVALID_HANDLE": -6, "OTLP_ERROR_TIMEOUT": -7,
        "OTLP_ERROR_INTERNAL": -99,
        "OTLP_SPAN_KIND_INTERNAL": 1, "OTLP_SPAN_KIND_SERVER": 2, "OTLP_SPAN_KIND_CLIENT": 3,
        "OTLP_SPAN_KIND_PRODUCER": 4, "OTLP_SPAN_KIND_CONSUMER": 5,
        "OTLP_STATUS_UNSET": 0, "OTLP_STATUS_OK": 1, "OTLP_STATUS_ERROR": 2,
    }
    src = tmp_path / "enums.c"
    src.write_text('#include <stdio.h>\n#include "otlp_ffi.h"\nint main(void) {\n'
                   + "".join(f'    printf("{k} %d\\n", (int){k});\n' for k in expected)
                   + "    printf(\"stats %zu\\n\", sizeof(otlp_stats_t));\n    return 0;\n}\n")
    exe = tmp_path / "enums"
    subprocess.run(["gcc", "-std=c11", "-I", str(HEADER.parent), str(src), "-o", str(exe)], check=True)
    out = dict(line.split() for line in subprocess.run([str(exe)], capture_output=True, text=True,
                                                       check=True, timeout=30).stdout.splitlines())
    assert {k: int(out[k]) for k in expected} == expected
    assert int(out["stats"]) == 5 * 8
