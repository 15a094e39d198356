"""Compile services/datasets/_scan.c (the data check's compiled fast path) next to it, with the running
Python's headers and flags: `make` runs it (`python build_scan.py`); nothing else is needed but a C
compiler. Without the compiled module the data check runs its Python fast path (slower, same answers)."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SOURCE = ROOT / "services" / "datasets" / "_scan.c"
TARGET = ROOT / "services" / "datasets" / f"_scan{sysconfig.get_config_var('EXT_SUFFIX')}"


def main() -> int:
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    command = [
        compiler, "-O2", "-shared", "-fPIC", "-Wall", "-std=c11",
        f"-I{sysconfig.get_paths()['include']}", str(SOURCE), "-o", str(TARGET),
    ]  # fmt: skip
    done = subprocess.run(command, check=False)
    if done.returncode:
        print(f"build_scan: {' '.join(command)} failed", file=sys.stderr)
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
