"""Benchmark: peak memory of ``rossim run`` as replications grow, per replication.

    python bench/memory.py [N1 N2 ...]   (default 2000 20000)

Runs ``rossim run scenarios/ross_high_latitude.toml -n N --workers 2 --no-report`` in a fresh
child process for each N and reads the child's peak resident memory (``ru_maxrss`` of the
parent process of the run: its workers are its own children and are reported apart). Prints, for
each step between two sizes, the growth per replication, and its ratio to the bytes a replication
takes in the columns (:func:`rossim.columns.row_bytes`: what the run keeps) and to the estimate
a kept replication had (:func:`rossim.ensemble.bytes_per_replication` with ``keep=True``: what
the run kept before). Not a test: numbers vary with the machine's load (memory far less than
time).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "ross_high_latitude.toml"

CHILD = r"""
import json, resource, sys, time
from rossim import cli
t = time.perf_counter()
code = cli.main(sys.argv[1:])
print(json.dumps({"code": code, "seconds": time.perf_counter() - t,
                  "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "worker_peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def peak(n: int, out: Path) -> dict:
    argv = [sys.executable, "-c", CHILD, "run", str(SCENARIO), "-n", str(n), "--workers", "2", "--no-report",
            "--out", str(out / f"n{n}")]
    res = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(sizes: list[int]) -> None:
    from rossim import columns, ensemble, scenario

    sc = scenario.load(SCENARIO)
    row = columns.row_bytes(sc)
    kept = ensemble.bytes_per_replication(sc, keep=True)[0]
    print(f"columns: {row:,} B a replication; a kept replication was estimated at {kept / 1e3:,.1f} kB")
    with tempfile.TemporaryDirectory() as tmp:
        found = []
        for n in sizes:
            p = peak(n, Path(tmp))
            found.append((n, p))
            print(f"n = {n:>9,}: peak {p['peak_kib'] / 1024:7.0f} MiB (workers {p['worker_peak_kib'] / 1024:.0f} MiB), "
                  f"{p['seconds']:.1f} s, {n / p['seconds']:.0f} replications/s")
        for (n0, p0), (n1, p1) in zip(found, found[1:]):
            each = (p1["peak_kib"] - p0["peak_kib"]) * 1024 / (n1 - n0)
            print(f"{n0:,} -> {n1:,}: {each:,.0f} B a replication = {each / row:.2f}x its columns, "
                  f"{each / kept:.3f}x a kept replication; a million would add {each * 1e6 / 2**30:.2f} GiB")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [2000, 20000])
