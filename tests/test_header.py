"""include/otlp_ffi.h compiles cleanly as C11 and C++17, and dist/ carries the same header."""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEADER = ROOT / "include" / "otlp_ffi.h"

PROGRAM = """
#include "otlp_ffi.h"
int main(void) {
    otlp_attribute_t a;
    a.key = "k";
    a.type = OTLP_ATTRIBUTE_INT;
    a.value.int_value = 1;
    otlp_stats_t s;
    s.spans_started = 0;
    return (int)(a.value.int_value + (long long)s.spans_started) - 1 + (OTLP_ERROR_INVALID_HANDLE + 6)
           + (OTLP_ERROR_TIMEOUT + 7) + (OTLP_ERROR_INTERNAL + 99) + (OTLP_SPAN_KIND_CONSUMER - 5)
           + (OTLP_STATUS_ERROR - 2);
}
"""


@pytest.mark.parametrize(
    "compiler,std,suffix",
    [("gcc", "-std=c11", "c"), ("g++", "-std=c++17", "cpp")],
)
def test_header_compiles_strictly(tmp_path, compiler, std, suffix):
    src = tmp_path / f"h.{suffix}"
    src.write_text(PROGRAM)
    out = tmp_path / "h"
    result = subprocess.run(
        [compiler, std, "-Wall", "-Wextra", "-Werror", "-pedantic", f"-I{HEADER.parent}", str(src), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert subprocess.run([str(out)]).returncode == 0


def test_dist_header_matches_checked_in_header():
    dist = ROOT / "dist" / "include" / "otlp_ffi.h"
    assert dist.read_text() == HEADER.read_text()


def test_pkg_config_file_links_the_library(tmp_path):
    pc_dir = ROOT / "dist" / "lib" / "pkgconfig"
    env = {"PKG_CONFIG_PATH": str(pc_dir), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    flags = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "otlp_ffi"], capture_output=True, text=True, env=env, check=True
    ).stdout.split()
    assert f"-I{ROOT / 'dist' / 'include'}" in flags
    src = tmp_path / "v.c"
    src.write_text('#include "otlp_ffi.h"\n#include <string.h>\nint main(void){return strlen(otlp_version()) == 0;}\n')
    exe = tmp_path / "v"
    subprocess.run(["gcc", str(src), *flags, f"-Wl,-rpath,{pc_dir.parent}", "-o", str(exe)], check=True)
    assert subprocess.run([str(exe)]).returncode == 0
