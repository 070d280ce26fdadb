"""A real ``rossim run`` killed at several moments (SIGINT, SIGTERM, SIGKILL) over an earlier result:
the destination holds the earlier result or a complete new one, never a mix; nothing is left
behind (after a SIGKILL, once the next run has cleaned up); no worker process survives."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rossim import folders

ROOT = Path(__file__).resolve().parent.parent
HL = ROOT / "scenarios" / "ross_high_latitude.toml"
N = "1000"


def command(out: Path, seed: int) -> list[str]:
    return [sys.executable, "-m", "rossim.cli", "run", str(HL), "-n", N, "--workers", "2", "--seed", str(seed),
            "--out", str(out), "--overwrite"]


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def complete(folder: Path) -> bool:
    """Whether ``folder`` is a whole rossim result: every file its manifest lists, as listed."""
    m = folders.read_manifest(folder)
    if m is None:
        return False
    listed = {f["path"]: f["sha256"] for f in m["files"]}
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"manifest.json"}
    return on_disk == set(listed) and all(
        hashlib.sha256((folder / p).read_bytes()).hexdigest() == h for p, h in listed.items())


@pytest.fixture(scope="module")
def earlier(tmp_path_factory):
    """An earlier result and how long a run takes here."""
    base = tmp_path_factory.mktemp("faults")
    out = base / "res"
    t0 = time.monotonic()
    subprocess.run(command(out, 1), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    return out, time.monotonic() - t0


#: When to strike: None while simulating (the workers are up, no output folder yet), else as
#: soon as the run's temporary folder holds that file (early, middle and late in the writing).
WHEN = (None, "summary.json", "occupancy.csv", "fig_occupancy.png")
MOMENTS = [(sig, when) for sig in (signal.SIGINT, signal.SIGKILL) for when in WHEN]
MOMENTS += [(signal.SIGTERM, "occupancy.csv")]


def reached(tmp_path: Path, proc, when: str | None) -> bool:
    """Whether the run is at the moment ``when`` (see :data:`WHEN`)."""
    if when is None:
        return bool(children(proc.pid))
    return any((d / when).exists() for d in tmp_path.glob(".res.tmp-*"))


@pytest.mark.parametrize("sig, when", MOMENTS, ids=[f"{s.name}-{w or 'simulating'}" for s, w in MOMENTS])
def test_a_killed_run_loses_nothing(earlier, tmp_path, sig, when):
    """Killed while simulating, or while writing (as soon as the temporary folder holds a given
    file: by what the run has done, not by the clock, so a slow machine strikes the same moment)."""
    import shutil

    src, duration = earlier
    out = tmp_path / "res"
    shutil.copytree(src, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = subprocess.Popen(command(out, 2), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: set[int] = set()
    deadline = time.monotonic() + 3 * duration + 30
    while not reached(tmp_path, proc, when) and proc.poll() is None and time.monotonic() < deadline:
        workers |= children(proc.pid)
        time.sleep(0.01)
    struck = proc.poll() is None
    proc.send_signal(sig)
    t0 = time.monotonic()
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"rossim did not stop within 20 s of {sig.name}")
    stopped_s = time.monotonic() - t0
    assert struck, f"the run ended before the moment {when!r}"
    if sig != signal.SIGKILL:
        # 130/143: interrupted; 0: finished first; -sig: the signal came as Python was exiting,
        # after rossim had restored the default handler (the result is then whole: checked below)
        assert proc.returncode in (0, 130, 143, -sig), err
        assert stopped_s < 5, stopped_s
        assert b"Traceback" not in err, err

    # the destination: the earlier result, untouched, or the new one, whole
    now = {p.name: p.read_bytes() for p in out.iterdir()} if out.exists() else None
    assert now == before or (complete(out) and json.loads((out / "summary.json").read_text())["seed"] == 2)

    # no worker survives (a SIGKILLed parent's workers notice and exit)
    limit = time.monotonic() + 5
    while any(alive(w) for w in workers) and time.monotonic() < limit:
        time.sleep(0.1)
    assert not [w for w in workers if alive(w)]

    # nothing left behind: at once after SIGINT/SIGTERM, after the next run's clean-up after SIGKILL
    if sig == signal.SIGKILL:
        folders.clean_leftovers(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]
