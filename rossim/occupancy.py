"""Crew occupancy: how often at least k cosmonauts are aboard, not only when k first are.

Each replication's crew aboard is a step function (:attr:`rossim.campaign.Replication.crew_aboard`
from each time of ``capacity_t`` until the next, up to ``horizon_days``). A first-instant milestone
(``capacity_4``: the first moment four could be aboard) can come years before four are aboard most
of the time, so this module measures occupancy itself, exactly from the step functions (integrals
and crossings, never samples on a grid):

* :func:`prob_at_least`: P(at least k aboard) at each date of a grid, with its Monte Carlo interval;
* :func:`days_at_least_by_year` / :func:`share_at_least_by_year`: the days (share) of each calendar
  year with at least k aboard, per replication; :func:`person_days_by_year` likewise;
  :func:`year_summary`: mean and 10/50/90 % over replications with their Monte Carlo intervals;
* :func:`first_at_least`: the first time at least k are aboard;
* :func:`hosting`: the first date on which at least k are aboard and from which at least k are
  aboard for at least ``share`` (90 %) of the following ``window_days`` (365): "hosting k
  routinely". The window must end within the horizon, else the milestone is not reached (NaN:
  later than the horizon, a censored value).

All functions take a :class:`Steps` (plain arrays, one row per replication, padded) or an
:class:`rossim.ensemble.Ensemble`, and are vectorized across replications.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence, Union

import numpy as np

from . import ensemble as _ensemble
from . import montecarlo
from .ensemble import QUANTILES, Ensemble

__all__ = ["Steps", "levels_for", "prob_at_least", "first_at_least", "hosting", "days_at_least_by_year",
           "share_at_least_by_year", "person_days_by_year", "year_summary", "milestone_quantiles",
           "HOSTING_SHARE", "HOSTING_WINDOW_DAYS"]

#: "Hosting k routinely": at least k aboard for this share of ...
HOSTING_SHARE = 0.9
#: ... the following days.
HOSTING_WINDOW_DAYS = 365.0
#: Slack (days) on the share of a window when testing f(t) >= share x window: the sums of step
#: lengths are exact only to ~1e-12 x horizon, and a window exactly at the share must count.
_SLACK_DAYS = 1e-7


@dataclass(frozen=True)
class Steps:
    """Crew-aboard step functions of R replications, padded to one width M + 1.

    ``t_days`` (R, M + 1): times (days since ``start``) ascending per row, first 0, padded with
    ``horizon_days`` (every row ends with at least one such column); ``aboard`` (R, M + 1): crew
    aboard from each time until the next, padding repeating the row's last value; ``start``: the
    calendar date of day 0 (needed only for calendar years)."""

    t_days: np.ndarray
    aboard: np.ndarray
    horizon_days: float
    start: dt.date | None = None

    @property
    def n(self) -> int:
        return self.t_days.shape[0]

    @classmethod
    def from_arrays(cls, t_days: Sequence[np.ndarray] | np.ndarray, aboard: Sequence[np.ndarray] | np.ndarray,
                    horizon_days: float, start: dt.date | None = None) -> Steps:
        """From per-replication arrays (a list of (K_i,) arrays, or one (K,) pair for one
        replication): times ascending from 0, all within the horizon."""
        if isinstance(t_days, np.ndarray) and t_days.ndim == 1:
            t_days, aboard = [t_days], [aboard]
        ts = [np.asarray(t, dtype=float).ravel() for t in t_days]
        als = [np.asarray(a).ravel() for a in aboard]
        if len(ts) != len(als) or not ts:
            raise ValueError("need one aboard array per time array, and at least one replication")
        lengths = np.array([t.size for t in ts])
        if np.any(lengths != [a.size for a in als]) or np.any(lengths < 1):
            raise ValueError("each replication needs as many aboard values as times, at least one")
        h = float(horizon_days)
        width = int(lengths.max()) + 1
        filled = np.arange(width) < lengths[:, None]
        t = np.full((len(ts), width), h)
        t[filled] = np.concatenate(ts)
        raw = np.zeros((len(ts), width), dtype=np.int64)
        raw[filled] = np.concatenate(als)
        last = np.minimum(np.arange(width), lengths[:, None] - 1)
        a = np.take_along_axis(raw, last, axis=1)
        if np.any(t[:, 0] != 0.0) or np.any(np.diff(t, axis=1) < 0) or not np.all(t <= h):
            raise ValueError("times must start at 0, ascend and stay within the horizon")
        if np.any(a < 0):
            raise ValueError("crew aboard cannot be negative")
        return cls(t, a, h, start)

    @classmethod
    def from_ensemble(cls, ens: Ensemble) -> Steps:
        """The replications' ``capacity_t`` and ``crew_aboard`` (one horizon for all)."""
        reps = ens.kept()
        horizons = {r.horizon_days for r in reps}
        if len(horizons) > 1:
            raise ValueError(f"replications with different horizons: {sorted(horizons)}")
        h = horizons.pop() if horizons else ens.scenario.simulation.horizon_days
        return cls.from_arrays([r.capacity_t for r in reps], [r.crew_aboard for r in reps], h, ens.start)


Source = Union[Steps, Ensemble]


def _steps(source: Source) -> Steps:
    return source if isinstance(source, Steps) else Steps.from_ensemble(source)


def levels_for(source: Source) -> list[int]:
    """The crew levels 1 .. the most ever aboard (at least [1]); for an ensemble, at least its
    scenario's largest phase crew target."""
    return _default_levels(source, _steps(source))


def _default_levels(source: Source, steps: Steps) -> list[int]:
    top = int(steps.aboard.max(initial=0))
    if isinstance(source, Ensemble):
        top = max(top, *(p.crew_target for p in source.scenario.phases))
    return list(range(1, max(top, 1) + 1))


def _levels(source: Source, steps: Steps, levels) -> np.ndarray:
    """``levels`` as an integer array; None: :func:`levels_for` (``steps`` already packed)."""
    out = np.atleast_1d(np.asarray(_default_levels(source, steps) if levels is None else levels))
    if out.ndim != 1 or not np.issubdtype(out.dtype, np.integer):
        raise ValueError("levels must be integers")
    return out


# ---------------------------------------------------------------------------------------------
# At dates of a grid
# ---------------------------------------------------------------------------------------------


def _grid_position(steps: Steps, grid: np.ndarray) -> np.ndarray:
    """For each change point (R, M + 1), the index in ascending ``grid`` of the first grid date at
    or after it: the change counts at that date and every later one."""
    return np.searchsorted(grid, steps.t_days, side="left")


def _index_at(steps: Steps, grid: np.ndarray) -> np.ndarray:
    """(R, G) index of the step in force at each date of ascending ``grid`` (dates in
    [0, horizon]), exactly: the number of change points at or before the date, minus one
    (counted per row with one bincount, no per-row search)."""
    r, g = steps.n, grid.size
    pos = _grid_position(steps, grid) + (g + 1) * np.arange(r)[:, None]
    counts = np.bincount(pos.ravel(), minlength=r * (g + 1)).reshape(r, g + 1)
    return np.cumsum(counts, axis=1)[:, :g] - 1


def prob_at_least(source: Source, levels: Sequence[int] | None = None, grid_days=None,
                  level: float = montecarlo.LEVEL) -> montecarlo.Interval:
    """P(at least k aboard) at each date of ``grid_days`` (days since start), for each k of
    ``levels`` (default :func:`levels_for`): an :class:`~rossim.montecarlo.Interval` of shape
    (len(levels), G) (Wilson intervals). The crew at a change point is the new one; dates outside
    [0, horizon] are NaN. ``grid_days`` defaults, for an ensemble, to its capacity grid (every
    ``capacity_step_days`` from 0 to the horizon).

    Exact and cheap: each replication adds +1 to the count of "at least k" from each date its
    indicator rises and -1 from each date it falls (a bincount and a cumulative sum)."""
    steps = _steps(source)
    ks = _levels(source, steps, levels)
    if grid_days is None:
        if not isinstance(source, Ensemble):
            raise ValueError("grid_days is needed for plain arrays")
        grid_days = np.arange(0.0, steps.horizon_days + 1e-9, source.scenario.simulation.capacity_step_days)
    grid = np.atleast_1d(np.asarray(grid_days, dtype=float))
    order = np.argsort(grid, kind="stable")
    pos = _grid_position(steps, grid[order]).ravel()
    counts = np.empty((ks.size, grid.size))
    for i, k in enumerate(ks):
        ind = (steps.aboard >= k).astype(np.int64)
        rises = np.diff(ind, axis=1, prepend=0).ravel()  # +1 rise, -1 fall, at each change point
        counts[i, order] = np.cumsum(np.bincount(pos, weights=rises, minlength=grid.size + 1))[:grid.size]
    out = montecarlo.proportion(np.rint(counts), steps.n, level)
    outside = (grid < 0.0) | (grid > steps.horizon_days) | np.isnan(grid)
    return montecarlo.Interval(*(np.where(outside, np.nan, np.broadcast_to(a, counts.shape))
                                 for a in (out.value, out.low, out.high, out.se)), level)


# ---------------------------------------------------------------------------------------------
# Calendar years
# ---------------------------------------------------------------------------------------------


def _integral_at(steps: Steps, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """(..., R, G) integral from 0 to each date of ascending ``grid`` (within [0, horizon]) of
    the step functions with ``values`` (..., R, M + 1) on the steps: exact (the cumulative sum
    at the last change point plus the partial step)."""
    t = steps.t_days
    cum = np.cumsum(values[..., :-1] * np.diff(t, axis=1), axis=-1)
    cum = np.concatenate([np.zeros((*cum.shape[:-1], 1)), cum], axis=-1)
    i = _index_at(steps, grid)
    take = lambda a: np.take_along_axis(a, np.broadcast_to(i, (*a.shape[:-1], grid.size)), axis=-1)  # noqa: E731
    return take(cum) + take(values) * (grid - take(t))


def _year_bounds(steps: Steps) -> tuple[list[int], np.ndarray]:
    """The calendar years of [start, start + horizon) and their bounds (Y + 1,) in days since
    start, clipped to [0, horizon]: the years and lengths :func:`rossim.ensemble.person_days_by_year`
    gives for one person aboard throughout (so both use the same calendar)."""
    if steps.start is None:
        raise ValueError("calendar years need the start date (Steps.start)")
    years, lengths = _ensemble.person_days_by_year(steps.start, steps.horizon_days, np.zeros(1), np.ones(1))
    return years, np.concatenate([[0.0], np.cumsum(lengths)])


def days_at_least_by_year(source: Source, levels: Sequence[int] | None = None) -> tuple[list[int], np.ndarray]:
    """(calendar years, (L, R, Y) days of each year with at least k aboard in each replication),
    exactly (integrals of the indicator step function between the year bounds)."""
    steps = _steps(source)
    years, bounds = _year_bounds(steps)
    ks = _levels(source, steps, levels)
    at_least = (steps.aboard >= ks[:, None, None]).astype(float)  # (L, R, M + 1)
    return years, np.diff(_integral_at(steps, at_least, bounds), axis=-1)


def share_at_least_by_year(source: Source, levels: Sequence[int] | None = None) -> tuple[list[int], np.ndarray]:
    """(calendar years, (L, R, Y) share of each year with at least k aboard in each replication).
    The share is of the year's days within the simulated span (a first or last year cut by the
    start or the horizon counts only its simulated days)."""
    steps = _steps(source)
    years, days = days_at_least_by_year(steps, _levels(source, steps, levels))
    lengths = np.diff(_year_bounds(steps)[1])
    return years, days / lengths


def person_days_by_year(source: Source) -> tuple[list[int], np.ndarray]:
    """(calendar years, (R, Y) person-days aboard): :meth:`rossim.ensemble.Ensemble.person_days_by_year`
    (same years and values) computed for all replications at once."""
    steps = _steps(source)
    years, bounds = _year_bounds(steps)
    return years, np.diff(_integral_at(steps, steps.aboard.astype(float), bounds), axis=-1)


def year_summary(per_replication: np.ndarray, axis: int = -2,
                 level: float = montecarlo.LEVEL) -> dict[str, montecarlo.Interval]:
    """Mean and 10/50/90 % over the replications (``axis``, default the R of (L, R, Y) or (R, Y))
    of per-year values, each with its Monte Carlo interval: keys ``mean``, ``p10``, ``p50``,
    ``p90``; the replication axis removed."""
    out = {"mean": montecarlo.mean(per_replication, axis=axis, level=level)}
    q = montecarlo.quantile(per_replication, QUANTILES, axis=axis, level=level)
    out.update({f"p{round(p * 100)}": q[i] for i, p in enumerate(QUANTILES)})
    return out


# ---------------------------------------------------------------------------------------------
# Milestones
# ---------------------------------------------------------------------------------------------


def first_at_least(source: Source, levels: Sequence[int] | None = None) -> np.ndarray:
    """(L, R) first time (days) at least k are aboard; NaN: not before the horizon. A step of
    zero length (two changes at one time) does not count: the crew then is the later one's."""
    steps = _steps(source)
    lasts = np.diff(steps.t_days, axis=1) > 0.0  # (R, M): the last column (the horizon) never counts
    ks = _levels(source, steps, levels)
    out = np.full((ks.size, steps.n), np.nan)
    for i, k in enumerate(ks):
        hit = (steps.aboard[:, :-1] >= k) & lasts
        j = np.argmax(hit, axis=1)
        out[i] = np.where(hit.any(axis=1), steps.t_days[np.arange(steps.n), j], np.nan)
    return out


def _index_after(steps: Steps, w: float) -> np.ndarray:
    """(R, M + 1) index of the last change point at or before each change point + ``w`` (w >= 0,
    capped at the horizon), exactly: both series are merged per row (one argsort along the
    rows) and each shifted point takes the last change point merged before it. The shifted
    points come out of the merge in their own (ascending) order, so no scatter is needed. (Ties
    may merge either way: the integrals evaluated there are continuous.)"""
    t = steps.t_days
    r, m = t.shape
    order = np.argsort(np.concatenate([t, np.minimum(t + w, steps.horizon_days)], axis=1), axis=1)
    last = np.maximum.accumulate(np.where(order < m, order, -1), axis=1)  # >= 0: t[0] = 0 comes first
    return last[order >= m].reshape(r, m)


def hosting(source: Source, levels: Sequence[int] | None = None, share: float = HOSTING_SHARE,
            window_days: float = HOSTING_WINDOW_DAYS) -> np.ndarray:
    """(L, R) "hosting k routinely": the first time t at which at least k are aboard and from
    which at least k are aboard for at least ``share`` of ``[t, t + window_days)``, the window
    ending within the horizon; NaN: not reached (censored).

    t itself must have k aboard, so the routine starts with a crew (not ``(1 - share) x W``
    days before one arrives) and hosting k never precedes :func:`first_at_least`. Exact: f(t),
    the time with at least k aboard in [t, t + W), is I(t + W) - I(t) with I the integral of the
    indicator. While k are aboard f cannot rise (its slope is ind(t + W) - 1), so if f is short
    where an "at least k" spell starts it stays short through that spell: the answer is the first
    change point with k aboard (on a step of positive length) where f >= share x W. I there is
    the cumulative sum; I(t + W) comes from the last change point before t + W
    (:func:`_index_after`, shared by all levels)."""
    steps = _steps(source)
    if not 0.0 < share <= 1.0 or not window_days > 0.0:
        raise ValueError("hosting needs 0 < share <= 1 and window_days > 0")
    ks = _levels(source, steps, levels)
    out = np.full((ks.size, steps.n), np.nan)
    t, h, w = steps.t_days, steps.horizon_days, float(window_days)
    if h < w:
        return out
    after = _index_after(steps, w)[:, :-1]  # (R, M): the last column (the horizon) never starts one
    step_days = np.diff(t, axis=1)
    start_ok = (t[:, :-1] <= h - w) & (step_days > 0.0)
    partial = np.minimum(t[:, :-1] + w, h) - np.take_along_axis(t, after, axis=1)  # into the step at t + W
    rows = np.arange(steps.n)
    for i, k in enumerate(ks):
        at_least = steps.aboard >= k
        cum = np.concatenate([np.zeros((steps.n, 1)), np.cumsum(at_least[:, :-1] * step_days, axis=1)], axis=1)
        ahead = np.take_along_axis(cum, after, axis=1) + np.take_along_axis(at_least, after, axis=1) * partial
        ok = start_ok & at_least[:, :-1] & (ahead - cum[:, :-1] >= share * w - _SLACK_DAYS)  # f(t) >= qW
        first = np.argmax(ok, axis=1)
        out[i] = np.where(ok.any(axis=1), t[rows, first], np.nan)
    return out


def milestone_quantiles(days: np.ndarray, level: float = montecarlo.LEVEL) -> montecarlo.Interval:
    """10/50/90 % of milestone days (..., R) over the replications (last axis), censored (NaN:
    not reached within the horizon), with their order-statistic intervals: shape (3, ...)."""
    return montecarlo.quantile(days, QUANTILES, axis=-1, censored=True, level=level)
