"""Monte Carlo ensembles of the campaign: independent random streams, executors, summaries.

Replication ``i`` always draws from ``Generator(PCG64(SeedSequence(seed).spawn(n)[i]))``, so an
ensemble gives the same bytes whatever the number of workers and however replications are
chunked between them. Workers are local processes of the ensemble's own (at most one per core
and per chunk of work, see :func:`worker_count`), or any executor with ``submit`` (e.g. a
``dask.distributed`` client's). Ctrl-C stops an ensemble at once and its workers with it; a worker
never outlives the process that started it, even after ``kill -9`` (see :func:`_worker`). An
ensemble that would not fit in memory is refused before it starts (:func:`check_size`).
"""

from __future__ import annotations

import collections
import ctypes
import datetime as dt
import gc
import marshal
import math
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Executor
from concurrent.futures import wait as futures_wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as mp_wait
from typing import Callable

import numpy as np

from . import clock
from .campaign import Plan, Replication, milestone_names, simulate
from .columns import Builder, Columns
from .errors import InputError
from .interrupts import SignalsDeferred
from .scenario import Scenario

__all__ = ["Ensemble", "run", "all_milestones", "split_milestones", "hosting_name", "hosting_level", "HOSTING",
           "stream", "streams", "quantiles", "QUANTILES", "check_size", "memory_limit",
           "physical_memory", "bytes_per_replication", "cores", "worker_count"]

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
    """Replications ``indices``, with the objects that existed before frozen (``gc.freeze``: out
    of the cyclic garbage collector's sight until ``gc.unfreeze`` gives them back as they were).

    A replication makes thousands of short-lived objects and some cycles (processes and their
    generators), so the collector runs often, and each of its full collections read every object
    of the process, ~50,000 (modules, classes, the scenario) that are never garbage. Frozen, they
    are skipped. Results cannot change (the collector frees only unreachable objects). Measured
    on chunks of the high-latitude plan: ~1 % fewer instructions (callgrind); CPU time, eight
    alternated chunks of 250 on a loaded machine, median 6 % less, fastest the same (a full
    collection is memory-bound: its time is more than its instructions)."""
    plan = Plan.from_scenario(scenario)
    freeze = not gc.get_freeze_count()  # a caller that froze objects of its own: its freeze left alone
    if freeze:
        gc.freeze()
    try:
        return [simulate(plan, np.random.Generator(np.random.PCG64(stream(seed, i))), i) for i in indices]
    finally:
        if freeze:
            gc.unfreeze()


def _pack(replications: list[Replication]) -> bytes:
    """Replications packed for the trip from a worker.

    A replication is plain lists, tuples, dicts, floats, ints and strings (its event log is
    most of it) plus three small arrays, sent as bytes: :mod:`marshal` writes and reads these
    2-3x faster than pickling the dataclasses, and keeps every value's type and bits. Both ends
    run the same interpreter: the workers are this machine's processes, or an executor's
    workers, which must match the client's Python."""
    return marshal.dumps([
        (r.index, r.events, r.milestones, r.module_ready, r.module_docked, r.module_lost,
         r.capacity_t.tobytes(), r.capacity.tobytes(), r.crew_aboard.tobytes(),
         r.person_days, r.fraction_crewed, r.launches, r.losses, r.horizon_days, r.counts)
        for r in replications])


def _unpack(packed: bytes) -> list[Replication]:
    """The replications of :func:`_pack`."""
    return [Replication(index, events, milestones, ready, docked, lost,
                        np.frombuffer(cap_t, dtype=float).copy(),
                        np.frombuffer(cap, dtype=np.int16).copy(),
                        np.frombuffer(aboard, dtype=np.int16).copy(),
                        person_days, fraction, launches, losses, horizon, counts)
            for (index, events, milestones, ready, docked, lost, cap_t, cap, aboard,
                 person_days, fraction, launches, losses, horizon, counts) in marshal.loads(packed)]


@dataclass
class _Chunk:
    """What a chunk of replications gives back: its columns, its event log (an Arrow table, when
    the log is wanted) and its replications (when kept)."""

    columns: Columns
    events: object | None = None
    replications: list[Replication] | None = None


def _reduce_chunk(scenario: Scenario, seed: int, n: int, indices: range, keep: bool, events: bool) -> _Chunk:
    reps = _run_chunk(scenario, seed, n, indices)
    log = None
    if events:
        from . import eventlog

        log = eventlog.chunk(scenario.simulation.start, reps)
    return _Chunk(Columns.of(scenario, reps), log, reps if keep else None)


def _reduce_chunk_packed(scenario: Scenario, seed: int, n: int, indices: range, keep: bool, events: bool) -> bytes:
    """:func:`_reduce_chunk` in a worker process, packed for the trip back (the columns and the
    log pickled: numpy and Arrow buffers; the replications by :func:`_pack`)."""
    c = _reduce_chunk(scenario, seed, n, indices, keep, events)
    return pickle.dumps((c.columns, c.events, _pack(c.replications) if keep else None), protocol=5)


def _unpack_chunk(packed) -> _Chunk:
    columns, log, reps = pickle.loads(packed)
    return _Chunk(columns, log, _unpack(reps) if reps is not None else None)


@dataclass
class Ensemble:
    """The replications of one scenario, in index order, with summaries.

    Every summary and file comes from :attr:`columns` (:class:`rossim.columns.Columns`: each
    replication's numbers, counts over replications). The replications themselves
    (:attr:`replications`: event logs, step functions) are kept only when asked for
    (:func:`run`'s ``keep``): analyses that need them (campaign coverage, ``--where``, the
    library's tables of events and occupancy) ask; ``rossim run`` does not, so a million
    replications fit in memory."""

    scenario: Scenario
    seed: int
    #: The replications, or None when only their columns were kept.
    replications: list[Replication] | None
    #: Worker processes that ran it (1: in this process; 0: on an executor's workers).
    workers: int = 1
    #: The replications' columns; computed from :attr:`replications` when not given.
    columns: Columns | None = None

    def __post_init__(self):
        if self.columns is None:
            if self.replications is None:
                raise ValueError("an ensemble needs its replications or their columns")
            self.columns = _columns_of(self.scenario, self.replications)
        self._ready = True

    def __setattr__(self, name, value):
        if name in ("replications", "columns") and self.__dict__.get("_ready"):
            raise AttributeError(f"an ensemble's {name} are fixed once made (their columns follow them): "
                                 "make another Ensemble")
        super().__setattr__(name, value)

    @property
    def n(self) -> int:
        return self.columns.n

    @property
    def start(self) -> dt.date:
        return self.scenario.simulation.start

    @property
    def milestones(self) -> tuple[str, ...]:
        """The milestones every replication reports, in order: those the simulation reports
        (derived from the scenario: :mod:`rossim.campaign.milestones`), then ``hosting_N`` for each
        crew level N of theirs (computed from each replication's crew aboard:
        :func:`rossim.occupancy.hosting`)."""
        return all_milestones(self.scenario)

    @property
    def hosting_levels(self) -> tuple[int, ...]:
        """The crew levels N of the ``hosting_N`` milestones: those of ``capacity_N``."""
        return _levels_of(milestone_names(self.scenario))

    def kept(self) -> list[Replication]:
        """The replications; an error naming what needs them when only columns were kept."""
        if self.replications is None:
            raise ValueError("this ensemble kept only its columns: run it with keep=True for its replications")
        return self.replications

    def milestone_days(self, name: str) -> np.ndarray:
        """Days since start at which each replication reached ``name`` (NaN: not in horizon)."""
        try:
            j = self.milestones.index(name)
        except ValueError:
            raise KeyError(name) from None
        return self.columns.milestones[:, j].copy()

    def values(self, name: str) -> np.ndarray:
        """Each replication's ``person_days``, ``fraction_crewed``, ``launches`` or ``losses``."""
        return np.asarray(getattr(self.columns, name), dtype=float)

    def _deadline_limit(self, date: dt.date) -> float:
        return clock.days_between(self.start, date) + 1.0  # through the end of that day

    def probability_by(self, name: str, date: dt.date) -> float:
        """Share of replications reaching milestone ``name`` on or before ``date``."""
        days = self.milestone_days(name)
        return float(np.mean(np.nan_to_num(days, nan=np.inf) < self._deadline_limit(date)))

    def summary(self) -> dict:
        """The stable summary written to ``summary.json`` (keys: :mod:`rossim.results`).

        Every milestone quantile carries its 95 % Monte Carlo interval (order statistics,
        :func:`rossim.montecarlo.quantile`, censored: a bound later than the horizon is null; a
        lower bound too few replications cannot give is the start, day 0, since no milestone
        comes before it), every probability its Wilson interval, every mean its normal interval."""
        from . import montecarlo

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
        limit = self._deadline_limit(sim.deadline)
        for name in self.milestones:
            days = self.milestone_days(name)
            entry: dict = {}
            if days.size:
                q = montecarlo.quantile(days, QUANTILES, censored=True)
                low = np.where(np.isneginf(q.low), 0.0, q.low)
            else:
                q = montecarlo.Interval(*(np.full(len(QUANTILES), np.nan) for _ in range(4)))
                low = q.low
            keys = [f"p{round(p * 100)}" for p in QUANTILES]
            entry.update({k: clock.iso_date(self.start, v) for k, v in zip(keys, q.value)})
            entry.update({f"{k}_days": _num(v) for k, v in zip(keys, q.value)})
            for k, lo, hi in zip(keys, low, q.high):
                entry.update({f"{k}_low": clock.iso_date(self.start, lo), f"{k}_high": clock.iso_date(self.start, hi),
                              f"{k}_low_days": _num(lo), f"{k}_high_days": _num(hi)})
            for key, hit in (("probability", np.isfinite(days)),
                             ("probability_by_deadline", np.nan_to_num(days, nan=np.inf) < limit)):
                p = montecarlo.proportion_of(hit) if days.size else None
                entry[key] = float(np.mean(hit)) if days.size else 0.0
                entry[f"{key}_low"] = _num(p.low) if p else None
                entry[f"{key}_high"] = _num(p.high) if p else None
            out["milestones"][name] = entry
        for name in ("person_days", "fraction_crewed", "launches", "losses"):
            v = self.values(name)
            q = quantiles(v)
            out[name] = {f"p{round(p * 100)}": _num(x) for p, x in zip(QUANTILES, q)}
            out[name]["mean"] = float(np.mean(v))
            m = montecarlo.mean(v)
            out[name]["mean_low"], out[name]["mean_high"] = _num(m.low), _num(m.high)
        out["modules"] = {}
        cols = self.columns
        for j, mid in enumerate(self.scenario.modules):
            q = quantiles(cols.docked[:, j], censored=True)
            out["modules"][mid] = {
                **{f"docked_p{round(p * 100)}": clock.iso_date(self.start, v) for p, v in zip(QUANTILES, q)},
                "probability_docked": float(np.mean(np.isfinite(cols.docked[:, j]))),
                "mean_losses": float(np.mean(cols.lost[:, j])),
            }
        return out

    def person_days_by_year(self) -> tuple[list[int], np.ndarray]:
        """(calendar years, (n, Y) person-days aboard of each replication in each year)."""
        from .columns import years_of

        return years_of(self.scenario), self.columns.person_days_by_year

    def capacity_bands(self) -> dict[str, np.ndarray]:
        """Capacity and crew aboard on a regular grid: 10/50/90 % bands and means.

        Returns arrays of shape (G,) keyed ``day``, ``capacity_p10`` ... ``crew_aboard_mean``,
        exactly as the (n, G) values at the grid dates would give them
        (``np.quantile(..., method="inverted_cdf")``, means), from the counts of each value."""
        from .columns import grid_days, quantile_of_counts

        out = {"day": grid_days(self.scenario)}
        for name, counts in (("capacity", self.columns.capacity_counts), ("crew_aboard", self.columns.crew_counts)):
            for p, row in zip(QUANTILES, quantile_of_counts(counts, QUANTILES)):
                out[f"{name}_p{round(p * 100)}"] = row
            out[f"{name}_mean"] = (counts * np.arange(counts.shape[1])).sum(axis=1) / self.n
        return out


def _columns_of(scenario: Scenario, replications: list[Replication]) -> Columns:
    """The columns of replications in any index order (as ``--where`` leaves them, or a library
    user gathers them), reduced :data:`_COLUMN_BLOCK` at a time: the reduction's temporaries (a
    step index per capacity grid date) stay bounded."""
    b = Builder(scenario, len(replications))
    for at in range(0, len(replications), _COLUMN_BLOCK):
        b.add(Columns.of(scenario, replications[at:at + _COLUMN_BLOCK]), at)
    return b.result()


#: Replications reduced at a time by :func:`_columns_of` (a worker's chunk is at most 250).
_COLUMN_BLOCK = 250


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


#: ``hosting_N``: "hosting N routinely" (:func:`rossim.occupancy.hosting`).
HOSTING = "hosting"


def hosting_name(level: int) -> str:
    return f"{HOSTING}_{level}"


def hosting_level(name: str) -> int | None:
    """N of ``hosting_N`` (N >= 1, no leading zero), else None."""
    head, _, number = name.rpartition("_")
    if head == HOSTING and number.isdigit() and number.isascii() and number[0] != "0":
        return int(number)
    return None


def _levels_of(names) -> tuple[int, ...]:
    """The crew levels N of the ``capacity_N`` among milestone names, in order."""
    return tuple(int(m.removeprefix("capacity_")) for m in names if m.startswith("capacity_"))


def all_milestones(scenario: Scenario) -> tuple[str, ...]:
    """Every milestone an ensemble of ``scenario`` reports: the simulation's
    (:func:`rossim.campaign.milestone_names`), then ``hosting_N`` for each of their crew levels."""
    names = milestone_names(scenario)
    return (*names, *(hosting_name(n) for n in _levels_of(names)))


def split_milestones(names) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    """(the simulation's milestones, the hosting levels) of a list of milestone names as
    :func:`all_milestones` orders them (no hosting milestone: an older run folder); None when the
    hosting milestones are not at the end, or are not one per ``capacity_N`` level, ascending."""
    names = list(names)
    k = len(names)
    while k and hosting_level(names[k - 1]) is not None:
        k -= 1
    own, hosting = tuple(names[:k]), tuple(hosting_level(m) for m in names[k:])
    if any(hosting_level(m) is not None for m in own):
        return None
    if hosting and hosting != _levels_of(own):
        return None
    return own, hosting


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


# ---------------------------------------------------------------------------------------------
# How much an ensemble holds, and how many workers it gets
# ---------------------------------------------------------------------------------------------

#: Memory a kept replication costs (its event log, dicts and step functions), per event of its
#: log. Measured on the shipped default scenario ``ross_high_latitude`` (~285 events a
#: replication): the peak resident memory of ``rossim run --no-report`` grew by ~65 kB a
#: replication while runs kept them all; tracemalloc puts a replication at 43 kB (~150 B an
#: event). Rounded up.
EVENT_BYTES = 180
#: Per kept replication whatever its events: the Replication, its dicts and arrays.
REPLICATION_BYTES = 2048
#: Memory of a replication reduced to its columns, as a multiple of its bytes in the columns
#: (:func:`rossim.columns.row_bytes`, 1.16 kB for the default scenario): the columns, the copies
#: the summaries sort, the per-replication tables written a block at a time. Measured: the peak
#: resident memory of ``rossim run --no-report --workers 2`` of the default scenario was 283 MiB
#: at 2,000 replications, 370 MiB at 20,000 and 408 MiB at 60,000 (~1.0 kB a replication past
#: the event log's buffer, see docs/design-notes.md). Rounded up.
COLUMN_FACTOR = 1.5
#: The limit when physical memory cannot be read (see :func:`memory_limit`).
FALLBACK_MEMORY_LIMIT = 8 * 2**30
#: Replications simulated by :func:`bytes_per_replication` to count events (~6 ms each).
_SAMPLE = 4


def physical_memory() -> int | None:
    """This machine's physical memory in bytes (``os.sysconf``), None where it cannot be read."""
    try:
        phys = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None
    return phys if phys > 0 else None


def memory_limit() -> int:
    """The most memory (bytes) an ensemble may take: half of this machine's physical memory,
    or :data:`FALLBACK_MEMORY_LIMIT` (8 GiB) where that cannot be read."""
    phys = physical_memory()
    return phys // 2 if phys else FALLBACK_MEMORY_LIMIT


def bytes_per_replication(scenario: Scenario, seed: int | None = None, keep: bool = True) -> tuple[float, int, float]:
    """Estimated memory of one replication of ``scenario`` in a run: ``(bytes, events, grid)``.

    Its columns (:func:`rossim.columns.row_bytes`, a function of the scenario's milestones,
    modules and years) and, when the replications are kept (``keep``), the replication itself:
    the first few replications are simulated (a few milliseconds) to count their events, the
    quantity a replication's size follows. ``grid``: the capacity grid's points (counted once
    per ensemble, not per replication)."""
    from .columns import row_bytes

    seed = scenario.simulation.seed if seed is None else seed
    plan = Plan.from_scenario(scenario)
    events = max(len(simulate(plan, np.random.Generator(np.random.PCG64(stream(seed, i))), i).events)
                 for i in range(_SAMPLE))
    sim = scenario.simulation
    grid = sim.horizon_days / sim.capacity_step_days + 1.0
    each = COLUMN_FACTOR * row_bytes(scenario)
    if keep:
        each += REPLICATION_BYTES + EVENT_BYTES * events
    return each, events, grid


def check_size(scenario: Scenario, n: int, seed: int | None = None, *, limit: int | None = None,
               source: str | None = None, field: str | None = "-n", keep: bool = True) -> float:
    """Refuse, before any work, an ensemble of ``n`` replications that would not fit in memory
    (``keep``: with its replications kept, see :func:`run`).

    Returns the estimate (bytes); raises :class:`InputError` (``source``, ``field``: by default
    ``-n``, the option of ``rossim run`` and ``rossim compare``) with the estimate and the limit
    (default :func:`memory_limit`) when it is larger. ``n`` of any size is fine here (``2**63``
    is refused, not allocated)."""
    if limit is None:
        limit = memory_limit()
        origin = " (half of this machine's memory)" if physical_memory() else ""
    else:
        origin = ""
    each, events, grid = bytes_per_replication(scenario, seed, keep)
    total = n * each
    if total <= limit:
        return total
    most = int(limit // each)
    hint = "even one replication does not fit" if most < 1 else f"use at most {most:,} replications"
    what = f"{events} events" if keep else "its columns"
    raise InputError(
        f"{n:,} replications of {scenario.name} would take about {_bytes(total)} of memory "
        f"(~{_bytes(each)} each: {what}), more than the limit of {_bytes(limit)}{origin}; {hint}",
        source=source, field=field)


def _bytes(b: float) -> str:
    if not math.isfinite(b):
        return "an unbounded amount"
    for unit, size in (("EiB", 2**60), ("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20),
                       ("kiB", 2**10)):
        if b >= size:
            return f"{b / size:,.1f} {unit}"
    return f"{b:.0f} B"


def cores() -> int:
    """The cores this process may run on (its CPU affinity where known, else ``os.cpu_count()``)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count(requested: int | None, chunks: int) -> int:
    """Worker processes for ``chunks`` chunks: ``min(requested, cores(), chunks)`` (``requested``
    None: all cores). Never more processes than there is work or cores: ``--workers 100000`` on
    two cores runs two."""
    wanted = cores() if requested is None else requested
    return max(0, min(wanted, cores(), chunks))


def _chunks(n: int, workers: int, first: int = 0) -> list[range]:
    """Replications first..first+n-1 in chunks: ~8 a worker (balance), at most 250 (progress,
    memory)."""
    chunk = max(1, min(250, math.ceil(n / (max(workers, 1) * 8))))
    return [range(first + i, first + min(i + chunk, n)) for i in range(0, n, chunk)]


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------


def run(scenario: Scenario, n: int | None = None, seed: int | None = None, workers: int | None = None,
        executor: Executor | None = None, progress: Callable[[int, int], None] | None = None,
        memory_limit_bytes: int | None = None, first: int = 0, keep: bool = True,
        events: Callable[[object], None] | None = None) -> Ensemble:
    """Run ``n`` replications of ``scenario`` (defaults from ``[simulation]``): those numbered
    ``first`` .. ``first + n - 1`` (replication i always from its own stream, :func:`stream`, so
    the ensembles of 0..k-1 and k..n-1 together are the ensemble of 0..n-1).

    ``workers``: local processes, at most the cores and the chunks of work (default: all cores;
    1 runs in this process). ``executor``: a :class:`concurrent.futures.Executor` to use instead,
    e.g. ``client.get_executor()`` of a ``dask.distributed`` client to spread chunks over a
    cluster (its workers must run the same Python version: results come back packed).
    ``progress(done, total)`` is called as chunks finish. The result is the same whatever the
    executor and the number of workers.

    Each chunk is reduced to columns where it ran (:class:`rossim.columns.Columns`). ``keep``:
    also keep the replications (event logs, step functions; ~65 kB each) in
    :attr:`Ensemble.replications`; False keeps only the columns (~1 kB each). ``events``: called
    with each chunk's event log (an Arrow table, :func:`rossim.eventlog.chunk`) in replication
    order as chunks finish, e.g. :meth:`rossim.eventlog.Writer.add`, so the log goes to disk
    and is never held whole.

    An ensemble larger than memory allows is refused first (:func:`check_size`, InputError).
    Ctrl-C (KeyboardInterrupt) stops at once: queued chunks are dropped, the worker processes
    killed, and the KeyboardInterrupt propagates. Workers ignore SIGINT (only this process
    handles it) and die with this process even when it is killed (``kill -9``): see
    :func:`_worker`.
    """
    n = scenario.simulation.replications if n is None else n
    seed = scenario.simulation.seed if seed is None else seed
    check_size(scenario, n, seed, limit=memory_limit_bytes, keep=keep)
    if executor is not None:
        chunks = _chunks(n, workers or cores(), first)
    else:
        chunks = _chunks(n, min(workers or cores(), cores()), first)
        workers = worker_count(workers, len(chunks))
    kept: list[list[Replication]] = [None] * len(chunks)  # type: ignore[list-item]
    builder = Builder(scenario, n, first)
    logs: dict[int, object] = {}  # chunks' logs waiting for the ones before them
    next_log = 0
    done = 0
    want_log = events is not None

    def finished(k: int, part: _Chunk) -> None:
        nonlocal done, next_log
        builder.add(part.columns)
        if keep:
            kept[k] = part.replications
        if want_log:
            logs[k] = part.events
            while next_log in logs:
                events(logs.pop(next_log))
                next_log += 1
        done += len(chunks[k])
        if progress:
            progress(done, n)

    task = (scenario, seed, n, keep, want_log)
    if executor is not None:
        _run_executor(executor, task, chunks, finished, _IN_FLIGHT * max(1, workers or cores()))
    elif workers <= 1:
        for k, idx in enumerate(chunks):
            finished(k, _reduce_chunk(scenario, seed, n, idx, keep, want_log))
    else:
        _run_local(task, chunks, workers, finished)
    used = 0 if executor is not None else max(1, workers)
    return Ensemble(scenario, seed, [r for part in kept for r in part] if keep else None, used,
                    columns=builder.result())


def _run_executor(executor: Executor, task, chunks, finished, in_flight: int) -> None:
    """Chunks on someone else's executor, at most ``in_flight`` submitted at a time (the next one
    as each finishes), so results waiting for an earlier chunk (the log is written in replication
    order) stay few whatever the size of the ensemble. On any exception (Ctrl-C) the submitted
    ones are cancelled and nothing is waited for."""
    scenario, seed, n, keep, want_log = task
    todo = iter(enumerate(chunks))
    pending: dict = {}

    def submit_next() -> None:
        for k, idx in todo:
            pending[executor.submit(_reduce_chunk_packed, scenario, seed, n, idx, keep, want_log)] = k
            return

    try:
        for _ in range(in_flight):
            submit_next()
        while pending:
            done, _ = futures_wait(pending, return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=pending.__getitem__):
                k = pending.pop(fut)
                finished(k, _unpack_chunk(fut.result()))
                submit_next()
    except BaseException:
        for fut in pending:
            fut.cancel()
        raise


#: Chunks sent ahead to each worker (the one it runs, and the next).
_IN_FLIGHT = 2


def _run_local(task, chunks, workers, finished) -> None:
    """Chunks on ``workers`` local processes of our own (not a ProcessPoolExecutor).

    Each worker has its own pipe: it receives a chunk's ``(start, stop)``, sends back its packed
    replications, and takes the next; no queue is shared, so no lock a killed process could
    hold. Two chunks per worker are in flight (the next one waits in its pipe: a worker never
    waits for the parent to send work), and results come back in the order sent.
    Ctrl-C or any error: the workers are killed (SIGKILL) and reaped, which takes milliseconds,
    and the exception propagates. A second Ctrl-C (or SIGTERM) during that teardown is deferred to its end.
    """
    ctx = multiprocessing.get_context()
    parent = os.getpid() if ctx.get_start_method() in ("fork", "spawn") else None
    pool: list[tuple[multiprocessing.process.BaseProcess, Connection]] = []
    todo = collections.deque(range(len(chunks)))
    busy: dict[Connection, collections.deque[int]] = {}
    ok = False

    def send_next(conn: Connection) -> None:
        if todo:
            k = todo.popleft()
            try:
                conn.send((chunks[k].start, chunks[k].stop))
            except OSError:  # its end is closed: the worker died
                raise _died(pool, conn) from None
            busy.setdefault(conn, collections.deque()).append(k)

    try:
        with SignalsDeferred():  # a Ctrl-C now waits until every started worker is in `pool`
            for w in range(workers):
                here, there = ctx.Pipe(duplex=True)
                proc = ctx.Process(target=_worker, args=(there, task, parent),
                                   name=f"rossim-worker-{w}", daemon=True)
                proc.start()
                there.close()  # (before the next fork: the workers do not share each other's ends)
                pool.append((proc, here))
        for _ in range(_IN_FLIGHT):
            for _, conn in pool:
                send_next(conn)
        by_sentinel = {proc.sentinel: conn for proc, conn in pool}
        while busy:
            ready = mp_wait([*busy, *(proc.sentinel for proc, conn in pool if conn in busy)])
            for obj in ready:
                if isinstance(obj, int):  # a worker ended: fine only if its result is waiting
                    conn = by_sentinel[obj]
                    if conn in busy and not conn.poll():
                        raise _died(pool, conn)
                    continue
                conn = obj
                if conn not in busy:
                    continue
                k = busy[conn].popleft()
                if not busy[conn]:
                    del busy[conn]
                try:
                    data = conn.recv_bytes()
                except (EOFError, OSError):
                    raise _died(pool, conn) from None
                if data[:1] != b"R":
                    raise _remote_error(data[1:])
                send_next(conn)
                finished(k, _unpack_chunk(memoryview(data)[1:]))
        ok = True
    finally:
        with SignalsDeferred():
            _stop(pool, graceful=ok)


def _stop(pool, graceful: bool) -> None:
    """End the workers: asked to exit (``graceful``) or killed, then reaped; never blocks long."""
    if graceful:
        for _, conn in pool:
            try:
                conn.send(None)
            except OSError:
                pass
    else:
        for proc, _ in pool:
            if proc.exitcode is None:
                proc.kill()
    deadline = time.monotonic() + (5.0 if graceful else 1.0)
    for proc, _ in pool:
        proc.join(max(0.0, deadline - time.monotonic()))
    for proc, conn in pool:
        if proc.exitcode is None:  # did not exit when asked: killed (SIGKILL cannot be refused)
            proc.kill()
            proc.join(1.0)
        conn.close()


def _died(pool, conn) -> BrokenProcessPool:
    proc = next(p for p, c in pool if c is conn)
    proc.join(0.1)
    return BrokenProcessPool(f"a worker process ended unexpectedly (exit code {proc.exitcode}; "
                             "a negative code is the signal that ended it, -9 often means out of memory)")


class _RemoteTraceback(Exception):
    def __init__(self, tb: str):
        self.tb = tb

    def __str__(self) -> str:
        return self.tb


def _remote_error(payload: bytes) -> BaseException:
    exc, tb = pickle.loads(payload)
    exc.__cause__ = _RemoteTraceback(tb)
    return exc


# ---------------------------------------------------------------------------------------------
# The worker process
# ---------------------------------------------------------------------------------------------

#: prctl(2) option: the signal a process gets when its parent dies (Linux).
_PR_SET_PDEATHSIG = 1
#: Whether workers ask the kernel for SIGKILL when their parent dies (Linux has prctl).
_USE_PDEATHSIG = sys.platform.startswith("linux")
#: Seconds between two checks of the parent by a worker's watchdog thread.
_WATCH_PARENT_S = 0.5


def _worker(conn: Connection, task: tuple, parent: int | None) -> None:
    """A worker process: chunks in, packed results out (:func:`_reduce_chunk_packed` of ``task``:
    scenario, seed, n, keep, events), until told to stop (``None``) or the pipe closes.

    It ignores SIGINT (a Ctrl-C in the terminal reaches the whole process group; only the parent
    acts on it, by killing the workers), ends on SIGTERM without a word, and dies with its
    parent: on Linux the kernel sends it SIGKILL when the parent dies
    (``prctl(PR_SET_PDEATHSIG)``), even if the parent was killed with ``kill -9``; everywhere, a
    watchdog thread exits when ``os.getppid()`` changes (within half a second).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler (forked): just end
    _die_with_parent(parent)
    try:
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                return
            if msg is None:
                return
            try:
                scenario, seed, n, keep, want_log = task
                data = b"R" + _reduce_chunk_packed(scenario, seed, n, range(*msg), keep, want_log)
            except Exception as exc:  # sent to the parent, which raises it
                data = b"E" + _pickle_error(exc)
            try:
                conn.send_bytes(data)
            except OSError:
                return
    finally:
        conn.close()


def _pickle_error(exc: Exception) -> bytes:
    tb = "".join(traceback.format_exception(exc))
    try:
        return pickle.dumps((exc, tb))
    except Exception:  # an exception that cannot travel: its text does
        return pickle.dumps((RuntimeError(f"{type(exc).__name__}: {exc}"), tb))


def _die_with_parent(parent: int | None) -> None:
    if _USE_PDEATHSIG:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the watchdog below still works
            pass
    ppid = os.getppid()
    if parent is not None and ppid != parent:  # the parent died before prctl: too late for it
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(_WATCH_PARENT_S)
            if os.getppid() != ppid:
                os._exit(1)

    threading.Thread(target=watch, name="rossim-parent-watch", daemon=True).start()
