"""Benchmark: ``rossim report`` and ``rossim compare`` on a run folder of a million replications.

    python bench/read_run.py [N] [--keep DIR]

Makes a real run of 200 replications of the default scenario, then a synthetic run folder of N
replications (default 1,000,000) from it: its ``replications.csv`` and ``person_days_by_year.csv``
rows repeated in turn with new replication numbers, ``summary.json`` and ``manifest.json`` saying
N. The other files (capacity, occupancy) are per day or per year and do not grow with N. Then times,
each in a child process (its peak resident memory from ``getrusage``), (1) reading the folder
(:func:`rossim.compare.read_run`), (2) ``rossim report DIR`` and (3) ``rossim compare DIR TWIN``
(the folder with a copy of itself, its files hard-linked). Goal (issue 10, section 4): each well under a minute and 2 GB.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "ross_high_latitude.toml"
#: Replications of the real run whose rows are repeated.
SEED_RUN = 200
#: Files of a run folder with one row per replication.
PER_REPLICATION = ("replications.csv", "person_days_by_year.csv")


def build(small: Path, big: Path, n: int) -> None:
    """A run folder ``big`` of ``n`` replications made from the run folder ``small`` (new folder)."""
    big.mkdir()
    for f in small.iterdir():
        if f.is_file() and f.name not in PER_REPLICATION + ("summary.json", "manifest.json"):
            (big / f.name).write_bytes(f.read_bytes())
    for name in PER_REPLICATION:
        header, *rows = (small / name).read_text().splitlines()
        rests = [r.split(",", 1)[1] for r in rows]
        with open(big / name, "w") as out:
            out.write(header + "\n")
            for start in range(0, n, 100_000):
                out.write("".join(f"{k},{rests[k % len(rests)]}\n" for k in range(start, min(n, start + 100_000))))
    summary = json.loads((small / "summary.json").read_text())
    summary["replications"] = n
    (big / "summary.json").write_text(json.dumps(summary, indent=2))
    manifest = json.loads((small / "manifest.json").read_text())
    manifest["replications"] = n
    for item in manifest.get("files", []):
        p = big / item["path"]
        if p.is_file():
            data = p.read_bytes()
            item.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    (big / "manifest.json").write_text(json.dumps(manifest, indent=2))


def main() -> None:
    args = sys.argv[1:]
    keep = None
    if "--keep" in args:
        i = args.index("--keep")
        keep = Path(args[i + 1])
        del args[i:i + 2]
    n = int(args[0]) if args else 1_000_000
    with tempfile.TemporaryDirectory(prefix="rossim-bench-read-") as tmp:
        base = keep or Path(tmp)
        small, big = base / "small", base / f"run_{n}"
        if not big.exists():
            subprocess.run(["rossim", "run", str(SCENARIO), "-n", str(SEED_RUN), "--no-report", "--out", str(small)],
                           check=True, capture_output=True)
            t0 = time.perf_counter()
            build(small, big, n)
            print(f"built {big} ({n:,} replications) in {time.perf_counter() - t0:.1f} s: "
                  + ", ".join(f"{name} {os.path.getsize(big / name) / 2**20:,.0f} MiB" for name in PER_REPLICATION))
        twin = base / f"run_{n}_twin"  # compare wants two folders: the same files, linked
        if not twin.exists():
            twin.mkdir()
            for f in big.iterdir():
                if f.is_file():
                    os.link(f, twin / f.name)
        read = [sys.executable, "-c", f"from rossim import compare; r = compare.read_run({str(big)!r}); print(r.n)"]
        for label, cmd in (("read_run", read),
                           ("rossim report", ["rossim", "report", str(big)]),
                           ("rossim compare", ["rossim", "compare", str(big), str(twin), "--out", str(base / "cmp")])):
            wall, mib = _child(cmd)
            print(f"{label:16s} {wall:7.1f} s  peak {mib:7,.0f} MiB")


def _child(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident MiB) of ``cmd`` run under ``/usr/bin/time``-like accounting:
    a wrapper process that runs it and reports its own children's peak (so each figure is that
    command's alone)."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "w = time.perf_counter() - t; "
               "print(p.returncode, w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
               "sys.stderr.write(p.stderr[-2000:] if p.returncode else '')")
    proc = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True)
    code, wall, kib = proc.stdout.split()
    if code != "0":
        sys.exit(f"{' '.join(cmd)} failed ({code}):\n{proc.stderr}")
    return float(wall), int(kib) / 1024


if __name__ == "__main__":
    main()
