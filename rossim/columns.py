"""An ensemble's replications reduced to what its outputs need: columns and counts.

A replication's event log and step functions (crew aboard, capacity) are most of its memory
(~65 kB); its outputs need far less of it. :class:`Columns` keeps, per replication, the numbers
the summary and the per-replication tables print (milestone days including ``hosting_N``, module
dates and losses, counts, person-days, person-days and the share with at least k aboard per
calendar year: ~1 kB), and, summed over replications, how many had each capacity and each crew
aboard at each date of the capacity grid (from which the capacity bands and P(at least k aboard)
follow exactly: the values are integers). A chunk of replications is reduced where it was made
(:meth:`Columns.of`, in the worker) and the chunks are joined in index order
(:class:`Builder`), so an ensemble of a million replications holds ~1 GB, not ~65 GB, and the
numbers are the ones the whole ensemble's step functions give (tests compare both).

Everything per replication is computed row by row by the same functions of
:mod:`rossim.occupancy` the whole ensemble used, so a chunk's rows do not depend on which other
replications share its chunk: the columns of an ensemble are the same whatever the workers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .campaign import Replication, count_keys, milestone_names

if TYPE_CHECKING:
    from .scenario import Scenario

__all__ = ["Columns", "Builder", "concatenate", "row_bytes", "grid_days", "years_of", "quantile_of_counts"]


def grid_days(scenario: "Scenario") -> np.ndarray:
    """The capacity grid: every ``capacity_step_days`` from day 0 to the horizon."""
    sim = scenario.simulation
    return np.arange(0.0, sim.horizon_days + 1e-9, sim.capacity_step_days)


def years_of(scenario: "Scenario") -> list[int]:
    """The calendar years of the simulated span (those of :func:`rossim.ensemble.person_days_by_year`)."""
    from .ensemble import person_days_by_year  # (ensemble builds on this module)

    sim = scenario.simulation
    return person_days_by_year(sim.start, sim.horizon_days, np.zeros(1), np.ones(1))[0]


def _base_levels(scenario: "Scenario") -> int:
    """The crew levels every ensemble of ``scenario`` reports at least: its largest phase target."""
    return max([1, *(p.crew_target for p in scenario.phases)])


def row_bytes(scenario: "Scenario") -> int:
    """Bytes a replication takes in :class:`Columns` (the shares by year for the scenario's crew
    levels; a replication with more aboard than any phase's target adds a level for all)."""
    from .ensemble import all_milestones

    m = len(all_milestones(scenario))
    k = len(scenario.modules)
    c = len(count_keys(scenario))
    y = len(years_of(scenario))
    return 8 * (1 + m + 3 * k + c + 5 + y + _base_levels(scenario) * y)


@dataclass
class Columns:
    """Replications of one scenario as columns (rows in index order) and counts over them.

    Per replication (first axis n, or the second for ``share_at_least``): ``index``,
    ``milestones`` (n, M) days of :func:`rossim.ensemble.all_milestones` (NaN: not reached),
    ``ready`` / ``docked`` (n, K) days of each module (NaN: never), ``lost`` (n, K), ``counts``
    (n, C) of :func:`rossim.campaign.count_keys`, ``person_days``, ``fraction_crewed``,
    ``launches``, ``losses``, ``horizon_days`` (n,), ``person_days_by_year`` (n, Y) and
    ``share_at_least`` (L, n, Y): the share of each calendar year with at least k = 1..L aboard.
    Over replications: ``capacity_counts`` and ``crew_counts`` (G, V): how many replications had
    capacity (crew aboard) v at each date of the capacity grid; ``most_aboard``: the most ever
    aboard in any replication (between grid dates too).
    """

    index: np.ndarray
    milestones: np.ndarray
    ready: np.ndarray
    docked: np.ndarray
    lost: np.ndarray
    counts: np.ndarray
    person_days: np.ndarray
    fraction_crewed: np.ndarray
    launches: np.ndarray
    losses: np.ndarray
    horizon_days: np.ndarray
    person_days_by_year: np.ndarray
    share_at_least: np.ndarray
    capacity_counts: np.ndarray
    crew_counts: np.ndarray
    most_aboard: int

    #: Fields with one row per replication along their first axis (``share_at_least``: second).
    ROWS = ("index", "milestones", "ready", "docked", "lost", "counts", "person_days", "fraction_crewed",
            "launches", "losses", "horizon_days", "person_days_by_year")

    @property
    def n(self) -> int:
        return self.index.size

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self) if f.name != "most_aboard")

    @classmethod
    def of(cls, scenario: "Scenario", replications: Sequence[Replication]) -> "Columns":
        """The columns of ``replications`` (of ``scenario``, any number, in index order)."""
        from . import occupancy
        from .ensemble import _levels_of

        names = milestone_names(scenario)
        levels = _levels_of(names)
        mods = list(scenario.modules)
        keys = count_keys(scenario)
        reps = list(replications)
        n = len(reps)
        grid = grid_days(scenario)
        years = years_of(scenario)
        sim = scenario.simulation

        def per_rep(get, dtype=float) -> np.ndarray:
            return np.fromiter(map(get, reps), dtype=dtype, count=n)

        own = np.array([[r.milestones[m] for m in names] for r in reps], dtype=float).reshape(n, len(names))
        if n == 0:
            hosting = np.empty((n, len(levels)))
            pdays = np.empty((n, len(years)))
            share = np.empty((1, n, len(years)))
            cap_counts = crew_counts = np.zeros((grid.size, 1), dtype=np.int64)
            most = 0
        else:
            horizons = {r.horizon_days for r in reps}
            if len(horizons) > 1:
                raise ValueError(f"replications with different horizons: {sorted(horizons)}")
            steps = occupancy.Steps.from_arrays([r.capacity_t for r in reps], [r.crew_aboard for r in reps],
                                                horizons.pop(), sim.start)
            hosting = occupancy.hosting(steps, levels).T if levels else np.empty((n, 0))
            pdays = occupancy.person_days_by_year(steps)[1]
            most = int(steps.aboard.max())
            share = occupancy.share_at_least_by_year(steps, range(1, max(most, 1) + 1))[1]
            at = occupancy._index_at(steps, grid)  # (n, G) the step in force at each grid date
            capacity = np.zeros(steps.t_days.shape, dtype=np.int64)
            width = np.array([r.capacity.size for r in reps])
            filled = np.arange(capacity.shape[1]) < width[:, None]
            capacity[filled] = np.concatenate([r.capacity for r in reps])
            capacity = np.take_along_axis(capacity, np.minimum(np.arange(capacity.shape[1]), width[:, None] - 1), 1)
            cap_counts = _value_counts(np.take_along_axis(capacity, at, 1))
            crew_counts = _value_counts(np.take_along_axis(steps.aboard, at, 1))
        return cls(
            index=per_rep(lambda r: r.index, np.int64),
            milestones=np.concatenate([own, hosting], axis=1),
            ready=np.array([[r.module_ready.get(m, math.nan) for m in mods] for r in reps], dtype=float).reshape(n, len(mods)),
            docked=np.array([[r.module_docked.get(m, math.nan) for m in mods] for r in reps], dtype=float).reshape(n, len(mods)),
            lost=np.array([[r.module_lost[m] for m in mods] for r in reps], dtype=np.int64).reshape(n, len(mods)),
            counts=np.array([[r.counts[k] for k in keys] for r in reps], dtype=np.int64).reshape(n, len(keys)),
            person_days=per_rep(lambda r: r.person_days),
            fraction_crewed=per_rep(lambda r: r.fraction_crewed),
            launches=per_rep(lambda r: r.launches, np.int64),
            losses=per_rep(lambda r: r.losses, np.int64),
            horizon_days=per_rep(lambda r: r.horizon_days),
            person_days_by_year=pdays,
            share_at_least=share,
            capacity_counts=cap_counts,
            crew_counts=crew_counts,
            most_aboard=most,
        )

    def levels(self, scenario: "Scenario") -> list[int]:
        """The crew levels 1 .. L the occupancy outputs report: up to the most ever aboard, at
        least the scenario's largest phase target (:func:`rossim.occupancy.levels_for`)."""
        return list(range(1, max(self.most_aboard, _base_levels(scenario)) + 1))

    def at_least_on_grid(self, levels: Sequence[int]) -> np.ndarray:
        """(L, G) replications with at least k aboard at each grid date, for each k of ``levels``."""
        cum = np.cumsum(self.crew_counts[:, ::-1], axis=1)[:, ::-1]  # (G, V): at least v
        ks = np.asarray(levels, dtype=int)
        inside = ks < cum.shape[1]
        out = np.zeros((ks.size, cum.shape[0]), dtype=np.int64)
        out[inside] = cum[:, ks[inside]].T
        return out

    def shares(self, levels: Sequence[int]) -> np.ndarray:
        """(L, n, Y) share of each year with at least k aboard, for k = 1 .. len(levels)."""
        have = self.share_at_least.shape[0]
        ks = np.asarray(levels, dtype=int)
        if np.array_equal(ks, np.arange(1, have + 1)):
            return self.share_at_least  # the usual case: no copy
        out = np.zeros((ks.size, self.n, self.share_at_least.shape[2]))
        inside = ks <= have
        out[inside] = self.share_at_least[ks[inside] - 1]
        return out


def _value_counts(values: np.ndarray) -> np.ndarray:
    """(G, V) how many rows of ``values`` (n, G) of non-negative integers hold v in each column."""
    n, g = values.shape
    v = int(values.max(initial=0)) + 1
    flat = np.arange(g)[None, :] * v + values
    return np.bincount(flat.ravel(), minlength=g * v).reshape(g, v).astype(np.int64)


def quantile_of_counts(counts: np.ndarray, probs: Sequence[float]) -> np.ndarray:
    """(P, G) the quantiles over replications of integer values 0..V-1 given as counts (G, V) per
    column: exactly ``np.quantile(values, probs, axis=0, method="inverted_cdf")`` of the values
    those counts describe (the order statistic numpy would take, found in the cumulative counts)."""
    n = int(counts[0].sum()) if counts.shape[0] else 0
    if n == 0:
        return np.full((len(probs), counts.shape[0]), np.nan)
    ranks = np.quantile(np.arange(n), probs, method="inverted_cdf").astype(np.int64)  # 0-based
    cum = np.cumsum(counts, axis=1)  # (G, V): values <= v
    return np.stack([(cum <= r).sum(axis=1).astype(float) for r in ranks])


def _pad(a: np.ndarray, axis: int, size: int) -> np.ndarray:
    if a.shape[axis] >= size:
        return a
    width = [(0, 0)] * a.ndim
    width[axis] = (0, size - a.shape[axis])
    return np.pad(a, width)


class Builder:
    """Columns of ``n`` replications numbered ``first`` .. ``first + n - 1`` filled chunk by chunk
    (in any order) into arrays allocated once; :meth:`result` when every chunk is in. A chunk
    goes to the rows its replication numbers say, or from row ``at`` when given (replications not
    numbered consecutively: a selection)."""

    def __init__(self, scenario: "Scenario", n: int, first: int = 0):
        self.scenario, self.n, self.first = scenario, n, first
        self._rows: dict[str, np.ndarray] | None = None
        self._share: np.ndarray | None = None
        self._cap = self._crew = None
        self._most = 0
        self._filled = 0

    def add(self, part: Columns, at: int | None = None) -> None:
        if part.n == 0:
            return
        at = int(part.index[0]) - self.first if at is None else at
        rows = slice(at, at + part.n)
        if self._rows is None:
            self._rows = {name: np.empty((self.n, *getattr(part, name).shape[1:]), dtype=getattr(part, name).dtype)
                          for name in Columns.ROWS}
            levels = max(_base_levels(self.scenario), part.share_at_least.shape[0])
            self._share = np.zeros((levels, self.n, part.share_at_least.shape[2]))
            self._cap = np.zeros((part.capacity_counts.shape[0], 1), dtype=np.int64)
            self._crew = np.zeros_like(self._cap)
        for name in Columns.ROWS:
            self._rows[name][rows] = getattr(part, name)
        if part.share_at_least.shape[0] > self._share.shape[0]:  # more aboard than any target: grow once
            self._share = _pad(self._share, 0, part.share_at_least.shape[0])
        self._share[:part.share_at_least.shape[0], rows] = part.share_at_least
        self._cap = _add_counts(self._cap, part.capacity_counts)
        self._crew = _add_counts(self._crew, part.crew_counts)
        self._most = max(self._most, part.most_aboard)
        self._filled += part.n

    def result(self) -> Columns:
        if self._filled != self.n:
            raise RuntimeError(f"{self._filled} of {self.n} replications reduced")
        if self._rows is None:  # no replication at all
            return Columns.of(self.scenario, [])
        return Columns(**self._rows, share_at_least=self._share, capacity_counts=self._cap,
                       crew_counts=self._crew, most_aboard=self._most)


def _add_counts(total: np.ndarray, part: np.ndarray) -> np.ndarray:
    v = max(total.shape[1], part.shape[1])
    total = _pad(total, 1, v)
    total += _pad(part, 1, v)
    return total


def concatenate(scenario: "Scenario", parts: Sequence[Columns]) -> Columns:
    """The columns of consecutive runs of replications (each part numbered after the one before,
    as :func:`rossim.ensemble.run`'s ``first`` makes them) as one."""
    parts = [p for p in parts if p.n]
    if not parts:
        return Columns.of(scenario, [])
    b = Builder(scenario, sum(p.n for p in parts), int(parts[0].index[0]))
    for p in parts:
        b.add(p)
    return b.result()
