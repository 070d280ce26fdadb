"""Interrupts and workers: Ctrl-C stops a run at once, no worker outlives rossim (even after
``kill -9``), never more workers than cores or work, ensembles too large for memory refused before
they start, and a plain progress line when stderr is not a terminal.

The signal tests start a real ``rossim run`` in its own session (so a signal sent to its process
group reaches it and its workers, as Ctrl-C in a terminal does) and find its workers in /proc.
Every process a test starts is killed in a ``finally``; timeouts turn a hang into a failure.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import one_line_error
from rossim import ensemble, scenario
from rossim.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
HL = ROOT / "scenarios" / "ross_high_latitude.toml"
STOP_S = 2.0  # Ctrl-C must end a run within this (measured: 0.1-0.4 s)

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")


@pytest.fixture(scope="module")
def hl():
    return scenario.load(HL)


# ------------------------------------------------------------------------------ processes


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, ppid) of a process, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def _alive(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[0] not in ("Z", "X")  # a zombie has ended (reaped or not)


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None and st[1] == pid and st[0] not in ("Z", "X"):
                out.append(int(entry))
    return out


def _wait_until(predicate, timeout: float, step: float = 0.02) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def _start_run(tmp_path: Path, *args: str, env: dict | None = None) -> tuple[subprocess.Popen, Path, Path]:
    """A real ``rossim run`` of 20,000 replications on two workers (~40 s if left alone), in its
    own session; stderr to a file. Returns (process, output folder, stderr file)."""
    out = tmp_path / "out" / "x"
    err = tmp_path / "stderr.txt"
    argv = [sys.executable, "-m", "rossim.cli", "run", str(HL), "-n", "20000", "--workers", "2",
            "--no-report", "--out", str(out), *args]
    with open(err, "wb") as f:
        proc = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=f,
                                start_new_session=True, env={**os.environ, **(env or {})})
    return proc, out, err


def _workers_started(proc: subprocess.Popen, err: Path, count: int = 2, timeout: float = 20.0) -> list[int]:
    """The run's worker processes, once ``count`` of them run (the ensemble has begun)."""
    assert _wait_until(lambda: len(_children(proc.pid)) >= count or proc.poll() is not None, timeout), \
        "the workers did not start"
    assert proc.poll() is None, f"rossim ended early ({proc.returncode}): {err.read_text()}"
    kids = _children(proc.pid)
    assert len(kids) == count, kids
    return kids


def _kill_all(proc: subprocess.Popen, kids: list[int]) -> None:
    for pid in [proc.pid, *kids]:
        if _alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        pass


def _assert_nothing_left(out: Path) -> None:
    assert not out.exists()
    left = sorted(p.name for p in out.parent.iterdir()) if out.parent.exists() else []
    assert left == [], f"left behind next to the destination: {left}"


# ------------------------------------------------------------------------------ Ctrl-C, kill -9


@pytest.mark.parametrize("presses", [1, 2], ids=["ctrl_c", "ctrl_c_twice"])
def test_ctrl_c_stops_within_2_s_and_leaves_nothing(tmp_path, presses):
    """Today's 88-124 s wait for the queued replications, and a hang on the second Ctrl-C, are gone."""
    proc, out, err = _start_run(tmp_path)
    kids = []
    try:
        kids = _workers_started(proc, err)
        time.sleep(1.0)  # well into the ensemble
        assert proc.poll() is None
        t0 = time.monotonic()
        for k in range(presses):
            time.sleep(0.03 * k)  # a second one lands during the teardown
            os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: rossim and its workers
        try:
            code = proc.wait(10)
        except subprocess.TimeoutExpired:
            pytest.fail(f"rossim did not stop within 10 s of Ctrl-C x{presses}")
        took = time.monotonic() - t0
        text = err.read_text()
        # Twice: 130, or ended by the second SIGINT as Python was already exiting (a shell shows 130).
        assert code == 130 or (presses == 2 and code == -signal.SIGINT), text
        assert took < STOP_S, f"stopped {took:.2f} s after Ctrl-C"
        assert _wait_until(lambda: not any(_alive(k) for k in kids), 1.0), "a worker survived Ctrl-C"
        assert "interrupted" in text and "Traceback" not in text, text
        _assert_nothing_left(out)
    finally:
        _kill_all(proc, kids)


def test_kill_9_of_rossim_ends_its_workers(tmp_path):
    proc, out, err = _start_run(tmp_path)
    kids = []
    try:
        kids = _workers_started(proc, err)
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)
        t0 = time.monotonic()
        assert _wait_until(lambda: not any(_alive(k) for k in kids), 2.0), \
            f"workers alive {time.monotonic() - t0:.1f} s after kill -9 of rossim: {[k for k in kids if _alive(k)]}"
    finally:
        _kill_all(proc, kids)


def test_without_prctl_the_watchdog_ends_the_workers(tmp_path):
    """Where PR_SET_PDEATHSIG is not available, each worker's watchdog thread sees its parent go."""
    script = (f"from rossim import ensemble, scenario\n"
              f"ensemble._USE_PDEATHSIG = False\n"
              f"ensemble.run(scenario.load({str(HL)!r}), n=20000, workers=2)\n")
    err = tmp_path / "stderr.txt"
    with open(err, "wb") as f:
        proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=f,
                                start_new_session=True)
    kids = []
    try:
        kids = _workers_started(proc, err)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)
        assert _wait_until(lambda: not any(_alive(k) for k in kids), 2.0), "the watchdog did not end the workers"
    finally:
        _kill_all(proc, kids)


# ------------------------------------------------------------------------------ workers


def test_never_more_workers_than_cores_or_work():
    cpus = os.cpu_count() or 1
    assert 1 <= ensemble.cores() <= cpus
    assert ensemble.worker_count(100_000, 10) == min(ensemble.cores(), 10) <= cpus
    assert ensemble.worker_count(100_000, 1) == 1
    assert ensemble.worker_count(None, 3) == min(ensemble.cores(), 3)
    assert ensemble.worker_count(1, 50) == 1
    assert ensemble.worker_count(4, 0) == 0


def test_workers_100000_starts_at_most_cores(hl, monkeypatch):
    """``--workers 100000 -n 10`` once forked 100,000 processes; it starts min(cores, chunks)."""
    import multiprocessing.process

    started = []
    real_start = multiprocessing.process.BaseProcess.start

    def counting_start(self):
        started.append(self.name)
        return real_start(self)

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", counting_start)
    many = ensemble.run(hl, n=10, seed=5, workers=100_000)
    assert len(started) <= min(ensemble.cores(), 10)
    one = ensemble.run(hl, n=10, seed=5, workers=1)
    assert [r.events for r in many.replications] == [r.events for r in one.replications]


@pytest.mark.skipif(sys.platform != "linux", reason="the fork start method carries the patch to the workers")
def test_worker_errors_reach_the_caller_and_no_worker_stays(hl, monkeypatch):
    def boom(*args):
        raise ValueError("boom in a worker")

    before = set(_children(os.getpid()))
    monkeypatch.setattr(ensemble, "_reduce_chunk_packed", boom)
    with pytest.raises(ValueError, match="boom in a worker"):
        ensemble.run(hl, n=20, workers=2)
    assert set(_children(os.getpid())) <= before

    def die(*args):
        os._exit(3)

    monkeypatch.setattr(ensemble, "_reduce_chunk_packed", die)
    with pytest.raises(ensemble.BrokenProcessPool, match="exit code 3"):
        ensemble.run(hl, n=20, workers=2)
    assert set(_children(os.getpid())) <= before


# ------------------------------------------------------------------------------ size of an ensemble


@pytest.mark.parametrize("n", [10**9, 2**63])
def test_too_many_replications_refused_before_any_work(capsys, tmp_path, n):
    t0 = time.monotonic()
    line = one_line_error(capsys, ["run", HL, "-n", str(n), "--out", tmp_path / "x"],
                          "-n", f"{n:,} replications", "of memory", "limit")
    assert time.monotonic() - t0 < 5.0
    assert not (tmp_path / "x").exists()
    assert re.search(r"about [\d,.]+ [KMGTPE]?i?B of memory", line), line


def test_compare_refuses_too_many_replications_before_any_ensemble(capsys, tmp_path):
    iss = Path(HL).parent / "ros_iss_orbit.toml"
    t0 = time.monotonic()
    one_line_error(capsys, ["compare", HL, iss, "-n", str(10**9), "--out", tmp_path / "c"], "-n", "limit")
    assert time.monotonic() - t0 < 5.0
    assert list(tmp_path.iterdir()) == []


def test_check_size_estimate_and_limit(hl):
    each, events, grid = ensemble.bytes_per_replication(hl)
    # 2027-01-01 to the 2046-01-01 horizon: 19 x 365 + 5 leap days = 6,940 days, a point a week
    assert 200 < events < 1000 and grid == pytest.approx(6940 / 7 + 1, abs=2)
    assert 40e3 < each < 150e3  # ~65 kB measured for the default scenario, replications kept
    lean = ensemble.bytes_per_replication(hl, keep=False)[0]
    assert 1e3 < lean < 2e3  # its columns only: ~1.7 kB (a million replications in under 2 GiB)
    assert ensemble.check_size(hl, 1000) == pytest.approx(1000 * each)
    assert ensemble.check_size(hl, 10**6, keep=False, limit=2 * 2**30) == pytest.approx(10**6 * lean)
    with pytest.raises(InputError) as info:
        ensemble.check_size(hl, 1000, limit=10 * 2**20)
    assert info.value.field == "-n" and "limit of 10.0 MiB;" in str(info.value) and "at most" in str(info.value)
    # /proc/meminfo's MemTotal is the same physical memory, read another way
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_total_kib = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal:")))
    assert abs(ensemble.physical_memory() / 1024 - mem_total_kib) < 0.01 * mem_total_kib
    assert ensemble.memory_limit() == ensemble.physical_memory() // 2
    with pytest.raises(InputError):  # the library refuses too, before any work
        ensemble.run(hl, n=1000, workers=1, memory_limit_bytes=10 * 2**20)


# ------------------------------------------------------------------------------ progress


def test_plain_progress_line_when_stderr_is_not_a_terminal(tmp_path):
    out = tmp_path / "out" / "x"
    argv = [sys.executable, "-m", "rossim.cli", "run", str(HL), "-n", "400", "--workers", "2",
            "--no-report", "--out", str(out)]
    res = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "ROSSIM_PROGRESS_INTERVAL": "0.1"})
    assert res.returncode == 0, res.stderr
    lines = res.stderr.strip().splitlines()
    pattern = re.compile(r"rossim: ross_high_latitude: replications: [\d,]+/400 \(\d+ %\), \d+ s elapsed"
                         r"(, about \d+ s left)?")
    assert lines and all(pattern.fullmatch(line) for line in lines), res.stderr
    assert lines[-1].startswith("rossim: ross_high_latitude: replications: 400/400 (100 %)")


def test_plain_progress_counts_without_a_total(capsys, monkeypatch):
    """The coverage steps report a count without a total; nothing is printed before the interval."""
    from rossim import cli

    monkeypatch.setenv("ROSSIM_PROGRESS_INTERVAL", "3600")
    with cli._progress("quiet") as bar:
        bar.update(bar.add_task("x", total=10), completed=5)
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("ROSSIM_PROGRESS_INTERVAL", "0")
    with cli._progress("coverage: radar") as bar:
        task = bar.add_task("radar", total=None)
        bar.update(task, completed=1200, total=None)
        bar.update(task, completed=1500, total=3000)
    lines = capsys.readouterr().err.splitlines()
    assert re.fullmatch(r"rossim: coverage: radar: 1,200, \d+ s elapsed", lines[0]), lines
    assert re.fullmatch(r"rossim: coverage: radar: 1,500/3,000 \(50 %\), \d+ s elapsed, about \d+ s left",
                        lines[1]), lines
    assert len(lines) == 2


def test_plain_progress_estimates_the_time_left_from_this_run_s_rate(capsys, monkeypatch):
    """20 of 100 points done earlier (a resumed sweep), 20 more in 10 s: 60 left at 2 a second, 30 s."""
    import time

    from rossim import cli

    clock = iter([0.0, 10.0, 25.0])  # the start, then each update
    monkeypatch.setattr(time, "monotonic", lambda: next(clock, 25.0))
    monkeypatch.setenv("ROSSIM_PROGRESS_INTERVAL", "0")
    with cli._progress("sweep") as bar:
        task = bar.add_task("sweep", total=100, completed=20)
        bar.update(task, completed=40)
        bar.update(task, completed=100)
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["rossim: sweep: 40/100 (40 %), 10 s elapsed, about 30 s left",
                     "rossim: sweep: 100/100 (100 %), 25 s elapsed"]
