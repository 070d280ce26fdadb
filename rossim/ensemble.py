"""Monte Carlo ensembles of the campaign: independent random streams, executors, summaries.

Replication ``i`` always draws from ``Generator(PCG64(SeedSequence(seed).spawn(n)[i]))``, so an
ensemble gives the same bytes whatever the number of workers and however replications are
chunked between them. Workers are local processes (:class:`concurrent.futures.ProcessPoolExecutor`);
any executor with ``submit`` (e.g. a ``dask.distributed`` client's) can be passed instead.
"""

from __future__ import annotations

import datetime as dt
import marshal
import math
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import clock
from .campaign import MILESTONES, Plan, Replication, simulate
from .scenario import Scenario

__all__ = ["Ensemble", "run", "stream", "streams", "quantiles", "QUANTILES"]

#: The quantiles reported everywhere: 10 %, median, 90 %.
QUANTILES = (0.10, 0.50, 0.90)


def streams(seed: int, n: int) -> list[np.random.SeedSequence]:
    """The independent seed sequences of replications 0..n-1."""
    return [stream(seed, i) for i in range(n)]


def stream(seed: int, i: int) -> np.random.SeedSequence:
    """The seed sequence of replication ``i``: the same as ``SeedSequence(seed).spawn(n)[i]``
    (NumPy's ``spawn`` gives child ``i`` the spawn key ``(i,)``), built without spawning the
    ``i`` before it, so a chunk of replications costs nothing for the replications it skips."""
    return np.random.SeedSequence(seed, spawn_key=(i,))


def _run_chunk(scenario: Scenario, seed: int, n: int, indices: range) -> list[Replication]:
    plan = Plan.from_scenario(scenario)
    return [simulate(plan, np.random.Generator(np.random.PCG64(stream(seed, i))), i) for i in indices]


def _run_chunk_packed(scenario: Scenario, seed: int, n: int, indices: range) -> bytes:
    """:func:`_run_chunk` in a worker process, its replications packed for the trip back.

    A replication is plain lists, tuples, dicts, floats, ints and strings (its event log is
    most of it) plus three small arrays, sent as bytes: :mod:`marshal` writes and reads these
    2-3x faster than pickling the dataclasses (pickling was ~7 % of a worker's time), and
    keeps every value's type and bits. Both ends run the same interpreter: the workers are
    this machine's processes, or an executor's workers, which must match the client's Python.
    """
    return marshal.dumps([
        (r.index, r.events, r.milestones, r.module_ready, r.module_docked, r.module_lost,
         r.capacity_t.tobytes(), r.capacity.tobytes(), r.crew_aboard.tobytes(),
         r.person_days, r.fraction_crewed, r.launches, r.losses, r.horizon_days)
        for r in _run_chunk(scenario, seed, n, indices)])


def _unpack(packed: bytes) -> list[Replication]:
    """The replications of :func:`_run_chunk_packed`."""
    return [Replication(index, events, milestones, ready, docked, lost,
                        np.frombuffer(cap_t, dtype=float).copy(),
                        np.frombuffer(cap, dtype=np.int16).copy(),
                        np.frombuffer(aboard, dtype=np.int16).copy(),
                        person_days, fraction, launches, losses, horizon)
            for (index, events, milestones, ready, docked, lost, cap_t, cap, aboard,
                 person_days, fraction, launches, losses, horizon) in marshal.loads(packed)]


@dataclass
class Ensemble:
    """The replications of one scenario, in index order, with summaries."""

    scenario: Scenario
    seed: int
    replications: list[Replication]

    @property
    def n(self) -> int:
        return len(self.replications)

    @property
    def start(self) -> dt.date:
        return self.scenario.simulation.start

    def milestone_days(self, name: str) -> np.ndarray:
        """Days since start at which each replication reached ``name`` (NaN: not in horizon)."""
        return np.array([r.milestones[name] for r in self.replications], dtype=float)

    def values(self, name: str) -> np.ndarray:
        return np.array([getattr(r, name) for r in self.replications], dtype=float)

    def probability_by(self, name: str, date: dt.date) -> float:
        """Share of replications reaching milestone ``name`` on or before ``date``."""
        days = self.milestone_days(name)
        limit = clock.days_between(self.start, date) + 1.0  # through the end of that day
        return float(np.mean(np.nan_to_num(days, nan=np.inf) < limit))

    def summary(self) -> dict:
        """The stable summary written to ``summary.json``."""
        sim = self.scenario.simulation
        out = {
            "scenario": self.scenario.name,
            "title": self.scenario.scenario.title,
            "replications": self.n,
            "seed": self.seed,
            "start": sim.start.isoformat(),
            "horizon": sim.horizon.isoformat(),
            "deadline": sim.deadline.isoformat(),
            "milestones": {},
        }
        for name in MILESTONES:
            days = self.milestone_days(name)
            q = quantiles(days, censored=True)
            entry = {f"p{round(p * 100)}": clock.iso_date(self.start, v) for p, v in zip(QUANTILES, q)}
            entry.update({f"p{round(p * 100)}_days": _num(v) for p, v in zip(QUANTILES, q)})
            entry["probability"] = float(np.mean(np.isfinite(days)))
            entry["probability_by_deadline"] = self.probability_by(name, sim.deadline)
            out["milestones"][name] = entry
        for name in ("person_days", "fraction_crewed", "launches", "losses"):
            q = quantiles(self.values(name))
            out[name] = {f"p{round(p * 100)}": _num(v) for p, v in zip(QUANTILES, q)}
            out[name]["mean"] = float(np.mean(self.values(name)))
        out["modules"] = {}
        for mid in self.scenario.modules:
            docked = np.array([r.module_docked.get(mid, math.nan) for r in self.replications])
            q = quantiles(docked, censored=True)
            out["modules"][mid] = {
                **{f"docked_p{round(p * 100)}": clock.iso_date(self.start, v) for p, v in zip(QUANTILES, q)},
                "probability_docked": float(np.mean(np.isfinite(docked))),
                "mean_losses": float(np.mean([r.module_lost[mid] for r in self.replications])),
            }
        return out

    def person_days_by_year(self) -> tuple[list[int], np.ndarray]:
        """(calendar years, (n, Y) person-days aboard of each replication in each year)."""
        start, horizon = self.start, self.scenario.simulation.horizon_days
        years = person_days_by_year(start, horizon, np.zeros(1), np.zeros(1))[0]
        rows = [person_days_by_year(start, horizon, r.capacity_t, r.crew_aboard)[1] for r in self.replications]
        return years, np.array(rows).reshape(len(rows), len(years))

    def capacity_bands(self) -> dict[str, np.ndarray]:
        """Capacity and crew aboard on a regular grid: 10/50/90 % bands and means.

        Returns arrays of shape (G,) keyed ``day``, ``capacity_p10`` ... ``crew_aboard_mean``.
        """
        step = self.scenario.simulation.capacity_step_days
        horizon = self.replications[0].horizon_days if self.replications else 0.0
        grid = np.arange(0.0, horizon + 1e-9, step)
        cap = np.empty((self.n, grid.size))
        crew = np.empty((self.n, grid.size))
        for k, r in enumerate(self.replications):
            idx = np.searchsorted(r.capacity_t, grid, side="right") - 1
            cap[k] = r.capacity[idx]
            crew[k] = r.crew_aboard[idx]
        out = {"day": grid}
        for name, m in (("capacity", cap), ("crew_aboard", crew)):
            q = np.quantile(m, QUANTILES, axis=0, method="inverted_cdf")
            for p, row in zip(QUANTILES, q):
                out[f"{name}_p{round(p * 100)}"] = row
            out[f"{name}_mean"] = m.mean(axis=0)
        return out


def person_days_by_year(start: dt.date, horizon_days: float, t_days: np.ndarray,
                        aboard: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Person-days aboard in each calendar year of ``[start, start + horizon_days)``.

    ``t_days`` (K,) are the times (days since ``start``, ascending, first 0) from which the crew
    aboard is ``aboard`` (K,) until the next time (a step function, as
    :attr:`rossim.campaign.Replication.crew_aboard`). Returns the years and the (Y,) integrals.
    """
    t = np.asarray(t_days, dtype=float)
    a = np.asarray(aboard, dtype=float)
    end = clock.datetime_at(start, horizon_days)
    last_year = (end - dt.timedelta(microseconds=1)).year
    years = list(range(start.year, last_year + 1))
    bounds = np.array([clock.days_between(start, dt.date(y, 1, 1)) for y in years[1:]], dtype=float)
    bounds = np.concatenate([[0.0], np.clip(bounds, 0.0, horizon_days), [horizon_days]])
    knots = np.append(t, horizon_days)
    cum = np.concatenate([[0.0], np.cumsum(a * np.diff(knots))])  # integral up to each knot
    i = np.clip(np.searchsorted(t, bounds, side="right") - 1, 0, t.size - 1)
    integral = cum[i] + a[i] * (bounds - t[i])
    return years, np.diff(integral)


def quantiles(values: np.ndarray, censored: bool = False) -> np.ndarray:
    """10/50/90 % quantiles by the inverted empirical CDF: each is the value of one replication
    (no interpolation: a count stays a count, a date a simulated date). ``censored``: NaN means
    "later than the horizon" (sorted last); a quantile that falls among those is NaN."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return np.full(len(QUANTILES), np.nan)
    if censored:
        values = np.nan_to_num(values, nan=np.inf)
    q = np.quantile(values, QUANTILES, method="inverted_cdf")
    return np.where(np.isfinite(q), q, np.nan)


def _num(v: float) -> float | None:
    return None if not np.isfinite(v) else float(v)


def run(scenario: Scenario, n: int | None = None, seed: int | None = None, workers: int | None = None,
        executor: Executor | None = None, progress: Callable[[int, int], None] | None = None) -> Ensemble:
    """Run ``n`` replications of ``scenario`` (defaults from ``[simulation]``).

    ``workers``: local processes (default: all cores; 1 runs in this process). ``executor``: a
    :class:`concurrent.futures.Executor` to use instead, e.g. ``client.get_executor()`` of a
    ``dask.distributed`` client to spread chunks over a cluster (its workers must run the same
    Python version: results come back ``marshal``-packed). ``progress(done, total)`` is called as
    chunks finish. The result is the same whatever the executor and the number of workers.
    """
    n = scenario.simulation.replications if n is None else n
    seed = scenario.simulation.seed if seed is None else seed
    workers = (os.cpu_count() or 1) if workers is None else workers
    chunk = max(1, min(250, math.ceil(n / (max(workers, 1) * 8))))
    chunks = [range(i, min(i + chunk, n)) for i in range(0, n, chunk)]
    results: list[list[Replication]] = [None] * len(chunks)  # type: ignore[list-item]
    done = 0
    if executor is None and workers <= 1:
        for k, idx in enumerate(chunks):
            results[k] = _run_chunk(scenario, seed, n, idx)
            done += len(idx)
            if progress:
                progress(done, n)
    else:
        own = executor is None
        ex = executor or ProcessPoolExecutor(max_workers=workers)
        try:
            futures = {ex.submit(_run_chunk_packed, scenario, seed, n, idx): k for k, idx in enumerate(chunks)}
            from concurrent.futures import as_completed

            for fut in as_completed(futures):
                k = futures[fut]
                results[k] = _unpack(fut.result())
                done += len(chunks[k])
                if progress:
                    progress(done, n)
        finally:
            if own:
                ex.shutdown()
    return Ensemble(scenario, seed, [r for part in results for r in part])
