"""Benchmark: replications per second of the default scenario, against a bare SimPy loop.

    python bench/campaign.py [N]

Prints (1) replications/s in one process, (2) the ratio of the model's time to a bare SimPy loop
that processes the same number of events (the cost of the model's own logic on top of SimPy's
event machinery), (3) the wall time of an N-replication ensemble on all cores (default
N = 10,000, the goal being under 10 s on a 2-core machine), and (4) the whole ``rossim run -n N``
command (simulation, every file, the figures and the report) as replications/s and as ratios to
(3) and to the bare loop (the goal: at least 1,000 replications/s).

The model and the bare loop are timed in turns, ``REPEATS`` times each, in CPU time of this
process (``time.process_time``), and the fastest of each is kept: on a machine shared with other
jobs a wall-clock timing varies by 2x, the fastest CPU time of several is what the code costs.
The SimPy events are counted where they leave the queue (``heappop``: SimPy's ``step`` and the
campaign's own run loop, :meth:`rossim.campaign.engine.Environment.run_until`).
"""

from __future__ import annotations

import contextlib
import heapq
import io
import math
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import simpy

from rossim import campaign, cli, ensemble, scenario
from rossim.campaign import engine

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "ross_high_latitude.toml"
#: Timings of the model and of the bare loop, in turns; the fastest of each is kept.
REPEATS = 5


def count_steps(plan, seqs) -> int:
    """SimPy events processed by the model over the given streams (each taken off the queue:
    counted in ``heappop``, by SimPy's ``step`` and by :meth:`rossim.campaign.engine.Environment.run_until`)."""
    steps = 0

    def counting(queue):
        nonlocal steps
        steps += 1
        return heapq.heappop(queue)

    engine.heappop = simpy.core.heappop = counting
    try:
        for i, seq in enumerate(seqs):
            campaign.simulate(plan, np.random.Generator(np.random.PCG64(seq)), i)
    finally:
        engine.heappop = simpy.core.heappop = heapq.heappop
    return steps


def bare_simpy(events: int) -> float:
    """Seconds for SimPy to process ``events`` timeouts in one process (the floor)."""
    env = simpy.Environment()

    def ticker():
        for _ in range(events):
            yield env.timeout(1.0)

    env.process(ticker())
    t = time.process_time()
    env.run()
    return time.process_time() - t


def main() -> None:
    n_total = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    sc = scenario.load(SCENARIO)
    plan = campaign.Plan.from_scenario(sc)
    n = 300
    seqs = ensemble.streams(1, n)
    campaign.simulate(plan, np.random.Generator(np.random.PCG64(seqs[0])), 0)  # warm up
    steps = count_steps(plan, seqs)
    model_s = bare_s = math.inf
    for _ in range(REPEATS):
        t = time.process_time()
        for i, seq in enumerate(seqs):
            campaign.simulate(plan, np.random.Generator(np.random.PCG64(seq)), i)
        model_s = min(model_s, time.process_time() - t)
        bare_s = min(bare_s, bare_simpy(steps))
    print(f"one process: {n / model_s:,.0f} replications/s ({1e3 * model_s / n:.2f} ms each, "
          f"{steps / n:,.0f} SimPy events each)")
    print(f"bare SimPy loop, same {steps:,} events: {bare_s:.3f} s -> model / bare = {model_s / bare_s:.1f}x"
          f" (fastest of {REPEATS} each)")

    workers = os.cpu_count() or 1
    cpu0 = _cpu_s()
    t = time.perf_counter()
    ensemble.run(sc, n=n_total, seed=1, workers=workers)
    wall = time.perf_counter() - t
    cpu = _cpu_s() - cpu0
    print(f"ensemble of {n_total:,} on {workers} workers: {wall:.1f} s ({n_total / wall:,.0f} replications/s)"
          f" -> goal 10,000 in < 10 s: {'met' if wall * 10_000 / n_total < 10 else 'not met'}")
    # On a machine shared with other jobs the wall time above is inflated; the CPU time spent
    # (workers and this process) divided by the workers is what an idle machine would take.
    print(f"  CPU time, workers + parent: {cpu:.1f} s ({1e3 * cpu / n_total:.2f} ms per replication;"
          f" / {workers} workers = {cpu / workers:.1f} s)")

    with tempfile.TemporaryDirectory() as d, contextlib.redirect_stdout(io.StringIO()):
        t = time.perf_counter()
        code = cli.main(["run", str(SCENARIO), "-n", str(n_total), "--seed", "1", "--workers", str(workers),
                         "--out", str(Path(d) / "run")])
        whole = time.perf_counter() - t
    bare_all = bare_s * n_total / n  # a bare SimPy loop of the whole ensemble's events, one process
    print(f"whole `rossim run -n {n_total:,}` (exit {code}): {whole:.1f} s ({n_total / whole:,.0f} replications/s; "
          f"goal >= 1,000: {'met' if n_total / whole >= 1000 else 'not met'}) = {whole / wall:.2f}x the ensemble "
          f"alone = {whole / bare_all:.1f}x a bare SimPy loop of its events")


def _cpu_s() -> float:
    """CPU seconds used so far by this process and its finished child processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
