"""Coverage over the campaign: how much of Russia, the Arctic zone and the Northern Sea Route
corridor the station observes in each calendar year, given how the assembly goes.

An instrument of the scenario belongs to a module (``instruments.<name>.module``) and observes from
that module's commissioning until the module departs (no module: from the station's first
commissioned module); one that ``needs_crew`` observes only while crew is aboard. Each replication
of an ensemble has its own commissioning and crew dates, so its own observing spells.

Cost design. The orbit's accesses do not depend on the replication, so they are computed once,
over a *representative span* (:func:`reference`): :data:`WINDOWS_PER_MONTH` windows of
:data:`WINDOW_DAYS` days in each month of one year (the year of the coverage epoch; the 5th-6th,
15th-16th and 25th-26th: 72 days), with the coverage engine
(:func:`rossim.coverage_run.analyze_regions`, lighting constraints included), binned per cell and
day (:class:`DailyAccesses`). A calendar day of the campaign stands for a day of the window nearest
in the season (within six days of the same date in the year: the nearest window's middle is at most
about five away and the window's day taken adds up to one; measured over 2027-2044, at most 6.0
days, 99 % within 5.6), consecutive days running through the window's days in turn: the season, hence the lighting of an optical instrument and the polar night, is kept;
the ground track's phase on a given day is not (no model of the campaign can know it years ahead),
so a replication's value for a spell of a few days is indicative, and the distributions across
replications are what is accurate. ``bench/campaign_coverage.py --error`` measures this against the
full computation over the campaign years (the numbers and the designs tried: docs/design-notes.md).

Each replication then only clips (:func:`yearly`): its observing spells are rounded to whole days
(a day counts when the instrument observes at its midday, the same rule at every half day: the
boundaries move by at most half a day) and, for each calendar year, a cell's accesses in a spell
are the difference of a cumulative count along the year's days (the per-day table expanded to the year's calendar, summed once), so
the work is (spells x cells) per year, vectorized with numpy; a replication observing the whole
year takes the year's total, computed once.

Per replication, instrument, region and calendar year (:class:`CampaignCoverage`):

* ``area_km2``: area of the cells with at least one access in the year (a cell counts whole when
  its centre is observed, as in :mod:`rossim.coverage`);
* ``revisit_h``: mean time between a cell's accesses over the calendar year, the year's hours
  over the cell's accesses, area-weighted over the observed cells (NaN: nothing observed): it
  grows when the instrument observes only part of the year (before commissioning, without crew);
* ``observing_days``: the days of the year the instrument observes;

and per replication and region, ``first_full_year`` (the first calendar year in which the area
observed reaches :data:`FULL_SHARE` of what a year of uninterrupted observation gives, NaN: none
within the horizon) and ``first_observation_days`` (the first day with an access in the region).
Across replications: 10/50/90 % and means with their Monte Carlo intervals (:mod:`rossim.montecarlo`).

Files (``rossim run --coverage``; :func:`write`):

``campaign_coverage.csv``
    A row per instrument, region and calendar year: ``instrument, region, year, region_area_km2,
    full_year_percent`` (a year of uninterrupted observation), ``percent_p10, percent_p50,
    percent_p90`` of the region observed across replications, each with its 95 % Monte Carlo
    interval (``_low``, ``_high``), ``percent_mean``, ``area_km2_p50``, ``revisit_h_p10,
    revisit_h_p50, revisit_h_p90`` (empty: more than that share of replications observe nothing
    that year), ``observing_days_mean``, ``p_full``: the share of replications with full coverage
    that year (:data:`FULL_SHARE`); every figure with its 95 % Monte Carlo interval (``_low``,
    ``_high``: order statistics for quantiles, mean ± z se for means, Wilson for ``p_full``; empty
    where too few replications bound it).
``campaign_coverage_by_replication.csv``
    A row per replication, instrument, region and year: ``area_km2, percent, revisit_h,
    observing_days``.
``campaign_coverage.json``
    The settings (``reference_year``, ``window_days``, ``window_starts``, ``resolution_km``,
    ``step_s``, ``replications``), per instrument its ``module``, ``needs_crew`` and per region
    ``first_full_year`` and ``first_observation`` (10/50/90 % with Monte Carlo intervals; null:
    not within the horizon) and ``by_year`` (year -> 10/50/90 % and mean of the percent observed,
    ``full_year_percent``, ``p_full``; each but ``full_year_percent`` with ``_low``/``_high``).
``fig_campaign_coverage.png``
    A row per instrument: the percent of each region observed per calendar year (mean over
    replications and 10-90 % band) and the revisit over the year (median and 10-90 %)
    (:func:`figure`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse

from . import clock, coverage_run, montecarlo, regions, scenario
from .ensemble import QUANTILES, Ensemble
from .errors import InputError

__all__ = [
    "WINDOW_DAYS",
    "WINDOWS_PER_MONTH",
    "window_starts",
    "FULL_SHARE",
    "CSV_FILE",
    "REPLICATIONS_FILE",
    "JSON_FILE",
    "FIGURE_FILE",
    "DailyAccesses",
    "daily_accesses",
    "reference",
    "reference_year",
    "Spells",
    "spells",
    "YearlyCoverage",
    "yearly",
    "REGION_LABELS",
    "CampaignCoverage",
    "check",
    "analyze",
    "write",
    "figure",
]

#: The representative span: WINDOWS_PER_MONTH windows of WINDOW_DAYS consecutive days in each month
#: of one year, evenly spread through the month (:func:`window_starts`). Chosen by measurement
#: against the full computation (bench/campaign_coverage.py, docs/design-notes.md).
WINDOW_DAYS = 2
WINDOWS_PER_MONTH = 3
#: "Full coverage" in a year: at least this share of the area a year of uninterrupted observation
#: gives (not of the region: a 51.6 deg orbit never sees the far north).
FULL_SHARE = 0.99

CSV_FILE = "campaign_coverage.csv"
REPLICATIONS_FILE = "campaign_coverage_by_replication.csv"
JSON_FILE = "campaign_coverage.json"
FIGURE_FILE = "fig_campaign_coverage.png"

#: Replications x cells of access counts held at once when clipping (float32: ~64 MB).
_CHUNK_ELEMENTS = 16_000_000
_HOURS_PER_DAY = 24.0


# ---------------------------------------------------------------------------------------------
# The orbit's accesses, per cell and day
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class DailyAccesses:
    """Accesses of one instrument per cell and calendar day.

    ``dates`` (J,) datetime64[D] ascending; ``counts`` (J, M) int32: accesses starting on each day
    (UTC); ``area_km2`` (M,) cell areas; ``region`` (M,) index into ``regions`` (names) of each
    cell's region. ``window_days``: None when the days are the ones of the campaign themselves
    (every day looked up by its date, a day not in ``dates`` has no access); else ``dates`` are a
    representative span of windows of ``window_days`` days starting on ``window_starts`` (one
    year's), and a day of any year stands for a day of the window nearest in the season
    (:meth:`rows_for`)."""

    instrument: str
    dates: np.ndarray
    counts: np.ndarray
    area_km2: np.ndarray
    region: np.ndarray
    regions: tuple[str, ...]
    window_days: int | None = None
    window_starts: np.ndarray | None = None

    @property
    def n_cells(self) -> int:
        return int(self.area_km2.size)

    def region_area_km2(self) -> np.ndarray:
        """(G,) area of each region."""
        return np.bincount(self.region, weights=self.area_km2, minlength=len(self.regions))

    def rows_for(self, days: np.ndarray) -> np.ndarray:
        """(D,) row of ``counts`` for each calendar day of ``days`` (datetime64[D]); ``len(dates)``
        (a row of zeros, see :meth:`padded_counts`) for a day with no row.

        With windows, a day stands for a day of the window whose middle is nearest in the season
        (its place in its year, as a fraction of the year, circularly), and consecutive days run
        through the window's days in turn (the day of the year modulo ``window_days``)."""
        days = np.asarray(days, dtype="datetime64[D]")
        if self.window_days is not None:
            k = self.window_days
            centres = _season(self.window_starts, k / 2.0)  # (W,)
            here = _season(days, 0.5)  # (D,)
            gap = np.abs(here[:, None] - centres[None, :])
            nearest = np.argmin(np.minimum(gap, 1.0 - gap), axis=1)
            day_of_year = (days - days.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
            days = self.window_starts[nearest] + day_of_year % k  # every year alike: shared sums
        i = np.minimum(np.searchsorted(self.dates, days), self.dates.size)
        found = (i < self.dates.size) & (self.dates[np.minimum(i, self.dates.size - 1)] == days)
        return np.where(found, i, self.dates.size)

    def padded_counts(self) -> np.ndarray:
        """``counts`` with a row of zeros appended (the row of a day with no accesses)."""
        return np.concatenate([self.counts, np.zeros((1, self.n_cells), dtype=self.counts.dtype)])


def _season(days: np.ndarray, plus_days: float) -> np.ndarray:
    """Where ``days + plus_days`` falls in its calendar year, as a fraction of the year [0, 1)."""
    days = np.asarray(days, dtype="datetime64[D]")
    jan1 = days.astype("datetime64[Y]").astype("datetime64[D]")
    length = ((days.astype("datetime64[Y]") + 1).astype("datetime64[D]") - jan1).astype(float)
    return ((days - jan1).astype(float) + plus_days) / length


def window_starts(year: int, window_days: int = WINDOW_DAYS, per_month: int = WINDOWS_PER_MONTH) -> np.ndarray:
    """The first days (datetime64[D]) of the representative span's windows in ``year``:
    ``per_month`` windows of ``window_days`` days in each month, centred on the middles of equal
    parts of a 30-day month (one 3-day window: the 15th to the 17th)."""
    k, n = int(window_days), int(per_month)
    if k < 1 or n < 1 or n * k > 28:
        raise ValueError(f"need windows of at least a day, at most 28 days a month, got {n} x {k}")
    first = [min(max(1 + round((j + 0.5) * 30.0 / n - k / 2.0), 1 + j * k), 29 - (n - j) * k) for j in range(n)]
    return np.array([np.datetime64(dt.date(year, month, d), "D") for month in range(1, 13) for d in first])


def daily_accesses(orbit, grids: dict, instruments, spans: Sequence[tuple[dt.date, int]], step_s: float,
                   window_days: int | None = None,
                   progress: Callable[[str], Any] | None = None) -> dict[str, DailyAccesses]:
    """The accesses of ``instruments`` over the cells of ``grids`` (``{region: Grid}``) during
    ``spans`` (``(first UTC date, days)`` each, whole days, not overlapping), binned per cell and
    calendar day of their start: ``{instrument name: DailyAccesses}``. One
    :func:`rossim.coverage_run.analyze_regions` per span (one propagation, one access search per
    instrument, lighting constraints applied). ``window_days``: the spans are a representative
    span's windows of that many days (see :class:`DailyAccesses`)."""
    names = tuple(grids)
    sizes = [len(g) for g in grids.values()]
    offsets = dict(zip(names, np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)))
    m = int(sum(sizes))
    area = np.concatenate([g.area_km2 for g in grids.values()])
    region = np.repeat(np.arange(len(names)), sizes)
    all_dates = []
    counts = {inst.name: [] for inst in instruments}
    for first, days in spans:
        days = int(days)
        start = clock.as_utc(first)
        by_region, _ = coverage_run.analyze_regions(orbit, grids, instruments, start, float(days), step_s,
                                                    progress)
        all_dates.append(np.datetime64(start.date(), "D") + np.arange(days))
        for inst in instruments:
            cells, day = [], []
            for name in names:
                acc = by_region[name][inst.name].accesses
                cells.append(acc.cell + offsets[name])
                day.append(np.minimum(np.floor(acc.start_days).astype(np.intp), days - 1))
            flat = np.concatenate(day) * m + np.concatenate(cells)
            counts[inst.name].append(np.bincount(flat, minlength=days * m).reshape(days, m).astype(np.int32))
    dates = np.concatenate(all_dates)
    order = np.argsort(dates, kind="stable")
    if np.any(np.diff(dates[order]) == np.timedelta64(0, "D")):
        raise ValueError("spans overlap")
    starts = None if window_days is None else np.array([np.datetime64(first, "D") for first, _ in spans])
    return {name: DailyAccesses(name, dates[order], np.concatenate(c)[order], area, region, names, window_days,
                                starts)
            for name, c in counts.items()}


def reference_year(sc) -> int:
    """The year of the representative span: that of the coverage start (``coverage.start``, else
    the orbit's epoch)."""
    if sc.coverage.start is not None:
        return clock.as_utc(sc.coverage.start).year
    return sc.orbit_epoch().year


def reference(sc, *, resolution_km: float | None = None, window_days: int = WINDOW_DAYS,
              per_month: int = WINDOWS_PER_MONTH, year: int | None = None,
              progress: Callable[[str], Any] | None = None) -> dict[str, DailyAccesses]:
    """The representative span's accesses of every instrument of scenario ``sc`` over Russia, the
    Arctic zone and the NSR corridor (``coverage.resolution_km`` cells unless ``resolution_km``):
    ``per_month`` windows of ``window_days`` days in each month of ``year`` (default
    :func:`reference_year`; :func:`window_starts`)."""
    cov = sc.coverage
    res = coverage_run.check_resolution(cov.resolution_km if resolution_km is None else resolution_km)
    starts = window_starts(reference_year(sc) if year is None else int(year), window_days, per_month)
    orbit = scenario.build_orbit(sc)
    instruments = coverage_run.build_instruments(sc, orbit)
    grids = coverage_run.region_grids(res, cov.nsr_corridor_width_km, source=sc.source)
    spans = [(d.astype(dt.date), int(window_days)) for d in starts]
    return daily_accesses(orbit, grids, instruments, spans, cov.step_s, window_days=int(window_days),
                          progress=progress)


# ---------------------------------------------------------------------------------------------
# Observing spells of each replication
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Spells:
    """When an instrument observes, in R replications: flat arrays ``rep`` (P,) replication
    index, ``start_days`` / ``end_days`` (P,) days since ``start`` (a date, midnight UTC),
    disjoint and sorted by (rep, start); ``horizon_days``: the end of the simulated span."""

    rep: np.ndarray
    start_days: np.ndarray
    end_days: np.ndarray
    n: int
    start: dt.date
    horizon_days: float


def _module_interval(ens: Ensemble, module: str | None) -> tuple[np.ndarray, np.ndarray]:
    """(R,) commissioning and departure days of ``module`` in each replication (NaN: never
    commissioned; the horizon: never departs); ``module`` None: the station's first commissioned
    module, to the horizon. From the replications' event logs as columns
    (:func:`rossim.eventlog.columns`), for all replications at once."""
    from . import eventlog

    horizon = ens.columns.horizon_days.copy()
    begin = np.full(ens.n, np.nan)
    end = horizon.copy()
    if not ens.n:
        return begin, end
    log = eventlog.columns(ens.kept())
    index = ens.columns.index
    order = np.argsort(index, kind="stable")
    row = order[np.searchsorted(index, log["replication"], sorter=order)]  # position of each event's replication
    kind, subject, day = np.asarray(log["kind"]), np.asarray(log["subject"]), log["day"]
    mine = np.ones(day.size, dtype=bool) if module is None else subject == module
    up = mine & (kind == "commissioned")
    np.fmin.at(begin, row[up], day[up])
    if module is not None:
        gone = mine & (kind == "departed")
        np.minimum.at(end, row[gone], day[gone])
    return begin, end


def spells(ens: Ensemble, module: str | None, needs_crew: bool,
           interval: tuple[np.ndarray, np.ndarray] | None = None) -> Spells:
    """The observing spells of an instrument on ``module`` in each replication of ``ens``: from the
    module's commissioning to its departure (or the horizon), and, when it ``needs_crew``, only
    while at least one cosmonaut is aboard (the replications' crew step functions,
    :class:`rossim.occupancy.Steps`, intersected with the module's interval for all replications at
    once). ``interval``: the module's (commissioning, departure) days per replication when already
    read from the event log (instruments sharing a module read it once)."""
    from . import occupancy

    begin, end = _module_interval(ens, module) if interval is None else interval
    horizon = float(ens.columns.horizon_days.max(initial=0.0))
    if not needs_crew:
        ok = np.isfinite(begin) & (end > begin)
        rep = np.flatnonzero(ok)
        return Spells(rep, begin[ok], end[ok], ens.n, ens.start, horizon)
    steps = occupancy.Steps.from_ensemble(ens)
    t, aboard = steps.t_days, steps.aboard
    crewed = (aboard[:, :-1] >= 1) & (np.diff(t, axis=1) > 0.0)  # (R, K) steps with crew
    before = np.pad(crewed, ((0, 0), (1, 0)))[:, :-1]
    after = np.pad(crewed, ((0, 0), (0, 1)))[:, 1:]
    r0, k0 = np.nonzero(crewed & ~before)  # runs of crewed steps: first and last step (row-major,
    r1, k1 = np.nonzero(crewed & ~after)  # so the i-th start pairs with the i-th end)
    s = np.maximum(t[r0, k0], begin[r0])
    e = np.minimum(t[r1, k1 + 1], end[r1])
    ok = np.isfinite(s) & (e > s)
    return Spells(r0[ok], s[ok], e[ok], ens.n, ens.start, horizon)


# ---------------------------------------------------------------------------------------------
# Clipping: per replication and calendar year
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class YearlyCoverage:
    """One instrument's coverage per replication and calendar year (see the module docstring):
    ``years`` (Y,); ``area_km2``, ``revisit_h`` (R, Y, G); ``observing_days`` (R, Y);
    ``full_area_km2`` (Y, G): a year of uninterrupted observation; ``first_observation_days``
    (R, G) (NaN: never); ``region_area_km2`` (G,); ``regions`` names."""

    instrument: str
    years: list[int]
    area_km2: np.ndarray
    revisit_h: np.ndarray
    observing_days: np.ndarray
    full_area_km2: np.ndarray
    first_observation_days: np.ndarray
    region_area_km2: np.ndarray
    regions: tuple[str, ...]

    @property
    def percent(self) -> np.ndarray:
        """(R, Y, G) percent of each region observed."""
        return 100.0 * self.area_km2 / self.region_area_km2

    def full(self) -> np.ndarray:
        """(R, Y, G) whether the year's observed area reaches :data:`FULL_SHARE` of a year of
        uninterrupted observation ("full coverage")."""
        full = self.full_area_km2[None]
        return (full > 0.0) & (self.area_km2 >= FULL_SHARE * full * (1.0 - 1e-6))

    def first_full_year(self) -> np.ndarray:
        """(R, G) first calendar year with full coverage (:meth:`full`; NaN: none)."""
        hit = self.full()
        first = np.argmax(hit, axis=1)
        return np.where(hit.any(axis=1), np.asarray(self.years, dtype=float)[first], np.nan)


def _split_weights(area_km2: np.ndarray, region: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
    """Float32 weights for :func:`_reduce`: (M, 2G) each cell's area in its region's columns as a
    multiple of 2 km² (exact in single precision for sums up to 2^25 km², twice Russia) and the
    remainder (under 1 km² a cell); (M, G) the area itself."""
    m = area_km2.size
    coarse = 2.0 * np.round(area_km2 / 2.0)
    split = np.zeros((m, 2 * g), dtype=np.float32)
    whole = np.zeros((m, g), dtype=np.float32)
    rows = np.arange(m)
    split[rows, region] = coarse
    split[rows, g + region] = area_km2 - coarse
    whole[rows, region] = area_km2
    return split, whole


def _reduce(a: np.ndarray, weights: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per row of access counts ``a`` (N, M) float32, overwritten: (observed area (N, G),
    area-weighted sum of 1 / accesses over the observed cells (N, G)), from ``weights``
    (:func:`_split_weights`). Single precision, half the memory traffic of double, three passes
    over ``a``: counts are exact in it, the area observed is the exact sum of the 2 km² parts plus
    the remainders' (a region observed whole sums to its area within 1e-3 km²), the sum for the
    revisit errs by < 1e-6."""
    split, whole = weights
    g = whole.shape[1]
    seen = np.minimum(a, np.float32(1.0))  # counts are whole numbers: 1 where observed, else 0
    parts = seen @ split
    np.maximum(a, np.float32(1.0), out=a)
    inv = np.divide(seen, a, out=seen)  # 1 / accesses where observed, else 0
    return (parts[:, :g].astype(np.float64) + parts[:, g:].astype(np.float64),
            (inv @ whole).astype(np.float64))


def _first_day_from_midday(days):
    """The first whole day whose midday is at or after ``days`` (days since a midnight):
    ``ceil(days - 0.5)``. A spell ``[start, end)`` observes the days ``[f(start), f(end))``, those
    whose midday it holds; one rule at every half day (np.rint rounds halves to even: 0.5 -> 0 but
    1.5 -> 2)."""
    out = np.ceil(np.asarray(days, dtype=float) - 0.5).astype(np.int64)
    return int(out) if out.ndim == 0 else out


def yearly(table: DailyAccesses, sp: Spells) -> YearlyCoverage:
    """Clip ``table``'s accesses by the observing spells ``sp`` of each replication: the coverage
    per replication and calendar year of ``[start, start + horizon)`` (see the module docstring).

    Spells are rounded to whole days (a day counts when the instrument observes at its midday).
    Vectorized over spells and cells: per year one cumulative count of the year's days (D + 1, M)
    and one gather of two of its rows per spell; no loop over cells or days."""
    g = len(table.regions)
    m = table.n_cells
    weights = _split_weights(table.area_km2, table.region, g)
    first_year = sp.start.year
    end_date = clock.datetime_at(sp.start, sp.horizon_days)
    last_year = (end_date - dt.timedelta(microseconds=1)).year
    years = list(range(first_year, last_year + 1))
    jan1 = np.datetime64(f"{first_year:04d}-01-01", "D")
    offset = int((np.datetime64(sp.start, "D") - jan1).astype(np.int64))
    bounds = np.array([(np.datetime64(f"{y:04d}-01-01", "D") - jan1).astype(np.int64) for y in years + [last_year + 1]])
    horizon_day = offset + _first_day_from_midday(sp.horizon_days)

    # Spells in whole calendar days since 1 January of the first year, cut at year bounds.
    s = _first_day_from_midday(sp.start_days) + offset
    e = np.minimum(_first_day_from_midday(sp.end_days) + offset, horizon_day)
    keep = e > s
    rep, s, e = sp.rep[keep], s[keep], e[keep]
    ys = np.searchsorted(bounds, s, side="right") - 1
    ye = np.searchsorted(bounds, e - 1, side="right") - 1
    pieces = ye - ys + 1
    src = np.repeat(np.arange(s.size), pieces)
    year_index = ys[src] + (np.arange(src.size) - np.repeat(np.cumsum(pieces) - pieces, pieces))
    ps = np.maximum(s[src], bounds[year_index])
    pe = np.minimum(e[src], bounds[year_index + 1])
    prep = rep[src]

    n_years = len(years)
    area = np.zeros((sp.n, n_years, g))
    revisit = np.full((sp.n, n_years, g), np.nan)
    days_obs = np.zeros((sp.n, n_years))
    full_area = np.zeros((n_years, g))
    np.add.at(days_obs, (prep, year_index), (pe - ps).astype(float))
    padded = table.padded_counts()

    # First day with an access in each region, from each calendar day on (for first observations).
    rows = table.rows_for(jan1 + np.arange(bounds[-1]))  # (D,) the table's row of each calendar day
    seen_day = ((padded @ weights[1]) > 0)[rows]  # (D, G) a day with an access in the region
    nxt = np.where(seen_day, np.arange(bounds[-1])[:, None], bounds[-1])
    nxt = np.minimum.accumulate(nxt[::-1], axis=0)[::-1]  # first day >= d with an access
    nxt = np.vstack([nxt, np.full((1, g), bounds[-1])])
    first_hit = nxt[s]  # (P, G) first day with an access from each spell's start
    valid = first_hit < e[:, None]
    first_obs = np.full((sp.n, g), np.inf)
    np.minimum.at(first_obs, rep, np.where(valid, first_hit, np.inf).astype(float))
    first_obs = np.where(np.isfinite(first_obs), first_obs - offset, np.nan)

    # The simulated hours of each calendar year (the first and last may be cut by the span).
    year_hours = (np.minimum(bounds[1:], horizon_day) - np.maximum(bounds[:-1], offset)) * _HOURS_PER_DAY
    year_tables: dict[bytes, tuple] = {}  # years with the same table rows (most of them) share one
    for yi in range(n_years):
        lo, hi = bounds[yi], bounds[yi + 1]
        key = rows[lo:hi].tobytes()
        if key not in year_tables:
            cum = np.zeros((hi - lo + 1, m), dtype=np.float32)  # accesses from 1 January to each day (exact)
            np.cumsum(padded[rows[lo:hi]], axis=0, out=cum[1:])
            year_tables[key] = (cum, *_reduce(cum[-1:].copy(), weights))
        cum, obs, inv_sum = year_tables[key]
        full_area[yi] = obs[0]
        here = prep[year_index == yi]
        if here.size == 0:
            continue
        # A replication observing the whole year (one spell from 1 January to 31 December) has the
        # year's totals; the others the sum over their spells of cum[end] - cum[start]: a signed
        # sparse matrix (replications x days) times cum.
        reps_here, n_spells = np.unique(here, return_counts=True)
        one = (ps == lo) & (pe == hi) & (year_index == yi)
        whole = np.isin(reps_here, prep[one]) & (n_spells == 1)
        hours = year_hours[yi]
        area[reps_here[whole], yi] = obs
        revisit[reps_here[whole], yi] = np.where(obs > 0, hours * inv_sum / np.where(obs > 0, obs, 1.0), np.nan)
        part = reps_here[~whole]
        if part.size == 0:
            continue
        mine = (year_index == yi) & np.isin(prep, part)
        row = np.searchsorted(part, prep[mine])
        signed = scipy.sparse.csr_matrix(
            (np.r_[np.ones(row.size, np.float32), -np.ones(row.size, np.float32)],
             (np.r_[row, row], np.r_[pe[mine] - lo, ps[mine] - lo])), shape=(part.size, hi - lo + 1))
        step = max(_CHUNK_ELEMENTS // m, 1)
        for c0 in range(0, part.size, step):  # chunks of replications (memory), not of cells or days
            a = np.asarray(signed[c0:c0 + step] @ cum, dtype=np.float32)  # (replications, M) accesses while observing
            o, inv = _reduce(a, weights)
            rr = part[c0:c0 + step]
            area[rr, yi] = o
            h = year_hours[yi]
            revisit[rr, yi] = np.where(o > 0, h * inv / np.where(o > 0, o, 1.0), np.nan)
    return YearlyCoverage(table.instrument, years, area, revisit, days_obs, full_area, first_obs,
                          table.region_area_km2(), table.regions)


# ---------------------------------------------------------------------------------------------
# A run's campaign coverage
# ---------------------------------------------------------------------------------------------

#: Plain names of the regions in figures.
REGION_LABELS = {"russia": "Russia", "arctic": "Arctic zone", "nsr": "NSR corridor"}


@dataclasses.dataclass(eq=False)
class CampaignCoverage:
    """The campaign coverage of an ensemble: ``results`` ``{instrument: YearlyCoverage}``,
    ``instruments`` ``{instrument: {"module": ..., "needs_crew": ...}}``, ``settings`` (reference
    year, window, resolution, step) and the ensemble's ``scenario`` name, ``title``, ``start``,
    ``replications`` and their ``indices`` (as in ``replications.csv``; a ``--where`` selection
    keeps its replications' numbers)."""

    scenario: str
    title: str
    start: dt.date
    replications: int
    settings: dict
    instruments: dict[str, dict]
    results: dict[str, YearlyCoverage]
    indices: np.ndarray | None = None

    def summary(self) -> dict:
        """What ``campaign_coverage.json`` holds (see the module docstring)."""
        out = {"scenario": self.scenario, "title": self.title, "replications": self.replications,
               **self.settings, "full_share": FULL_SHARE, "instruments": {}}
        for name, res in self.results.items():
            entry = dict(self.instruments[name])
            entry["regions"] = {}
            full_year = res.first_full_year()
            st = _year_stats(res)
            for gi, region in enumerate(res.regions):
                entry["regions"][region] = {
                    "area_km2": round(float(res.region_area_km2[gi]), 1),
                    "first_full_year": _quantiles(full_year[:, gi], lambda v: None if not math.isfinite(v) else int(v)),
                    "first_observation": _quantiles(res.first_observation_days[:, gi],
                                                    lambda v: clock.iso_date(self.start, v)),
                    "by_year": {str(y): _year_entry(st, res, yi, gi) for yi, y in enumerate(res.years)},
                }
            out["instruments"][name] = entry
        return out

    def rows(self):
        """The rows of ``campaign_coverage.csv`` (header first)."""
        keys = [f"p{round(p * 100)}" for p in QUANTILES]
        header = ["instrument", "region", "year", "region_area_km2", "full_year_percent"]
        for k in keys:
            header += [f"percent_{k}", f"percent_{k}_low", f"percent_{k}_high"]
        header += ["percent_mean", "percent_mean_low", "percent_mean_high"]
        header += ["area_km2_p50", "area_km2_p50_low", "area_km2_p50_high"]
        for k in keys:
            header += [f"revisit_h_{k}", f"revisit_h_{k}_low", f"revisit_h_{k}_high"]
        header += ["observing_days_mean", "observing_days_mean_low", "observing_days_mean_high"]
        header += ["p_full", "p_full_low", "p_full_high"]
        yield header
        for name, res in self.results.items():
            st = _year_stats(res)
            q, rev, area = st["percent"], st["revisit_h"], st["area_km2_p50"]
            for gi, region in enumerate(res.regions):
                for yi, y in enumerate(res.years):
                    row = [name, region, y, _fmt(res.region_area_km2[gi]),
                           _fmt(100.0 * res.full_area_km2[yi, gi] / res.region_area_km2[gi])]
                    for j in range(len(QUANTILES)):
                        row += [_fmt(a[j, yi, gi]) for a in (q.value, q.low, q.high)]
                    row += [_fmt(a[yi, gi]) for a in _mean_or_single(st["percent_mean"], res.percent)]
                    row += [_fmt(a[yi, gi]) for a in (area.value, area.low, area.high)]
                    for j in range(len(QUANTILES)):
                        row += [_fmt(a[j, yi, gi]) for a in (rev.value, rev.low, rev.high)]
                    row += [_fmt(a[yi]) for a in _mean_or_single(st["observing_days_mean"], res.observing_days)]
                    row += [_fmt(a[yi, gi]) for a in (st["p_full"].value, st["p_full"].low, st["p_full"].high)]
                    yield row

    def replication_rows(self):
        """The rows of ``campaign_coverage_by_replication.csv`` (header first)."""
        yield ["replication", "instrument", "region", "year", "area_km2", "percent", "revisit_h", "observing_days"]
        for name, res in self.results.items():
            pct = res.percent
            numbers = range(res.area_km2.shape[0]) if self.indices is None else self.indices.tolist()
            for r, number in enumerate(numbers):
                for gi, region in enumerate(res.regions):
                    for yi, y in enumerate(res.years):
                        yield [number, name, region, y, _fmt(res.area_km2[r, yi, gi]), _fmt(pct[r, yi, gi]),
                               _fmt(res.revisit_h[r, yi, gi]), _fmt(res.observing_days[r, yi])]


def _year_stats(res) -> dict[str, montecarlo.Interval]:
    """Across replications, per calendar year (and region), each figure with its 95 % Monte Carlo
    interval: ``percent`` (10/50/90 %, first axis) and ``percent_mean`` of the region observed,
    ``area_km2_p50``, ``revisit_h`` (10/50/90 %, censored: NaN is "nothing observed"),
    ``observing_days_mean`` (per year) and ``p_full`` (Wilson)."""
    return {
        "percent": montecarlo.quantile(res.percent, QUANTILES, axis=0),
        "percent_mean": montecarlo.mean(res.percent, axis=0),
        "area_km2_p50": montecarlo.quantile(res.area_km2, 0.5, axis=0),
        "revisit_h": montecarlo.quantile(res.revisit_h, QUANTILES, axis=0, censored=True),
        "observing_days_mean": montecarlo.mean(res.observing_days, axis=0),
        "p_full": montecarlo.proportion_of(res.full(), axis=0),
    }


def _mean_or_single(mean: montecarlo.Interval, values: np.ndarray) -> tuple:
    """(value, low, high) of a mean over replications; a single replication's own value (no
    interval) when there is only one."""
    if values.shape[0] > 1:
        return mean.value, mean.low, mean.high
    nan = np.full(values.shape[1:], np.nan)
    return values[0], nan, nan


def _year_entry(st: dict, res, yi: int, gi: int) -> dict:
    """``by_year`` entry of ``campaign_coverage.json`` for year index ``yi`` and region ``gi``:
    the 10/50/90 % and mean percent observed and ``p_full``, each with ``_low``/``_high``."""
    q = st["percent"]
    out = {}
    for j, p in enumerate(QUANTILES):
        k = f"percent_p{round(p * 100)}"
        out |= {k: _num(q.value[j, yi, gi]), k + "_low": _num(q.low[j, yi, gi]), k + "_high": _num(q.high[j, yi, gi])}
    out["full_year_percent"] = _num(100.0 * res.full_area_km2[yi, gi] / res.region_area_km2[gi])
    mv, ml, mh = _mean_or_single(st["percent_mean"], res.percent)
    out |= {"percent_mean": _num(mv[yi, gi]), "percent_mean_low": _num(ml[yi, gi]), "percent_mean_high": _num(mh[yi, gi])}
    pf = st["p_full"]
    # (8 decimals: the count k = p_full x replications is recovered exactly, for Fisher's test in compare)
    out |= {"p_full": _num(pf.value[yi, gi], 8), "p_full_low": _num(pf.low[yi, gi], 8),
            "p_full_high": _num(pf.high[yi, gi], 8)}
    return out


def _num(v, digits: int = 4):
    v = float(v)
    return round(v, digits) if math.isfinite(v) else None


def _fmt(v) -> str:
    v = float(v)
    return f"{v:.6g}" if math.isfinite(v) else ""


def _quantiles(values: np.ndarray, show) -> dict:
    """10/50/90 % of censored ``values`` (NaN: not within the horizon) with their Monte Carlo
    intervals, each shown by ``show`` (None where censored or unbounded)."""
    q = montecarlo.quantile(values, QUANTILES, censored=True)
    out = {}
    for j, p in enumerate(QUANTILES):
        k = f"p{round(p * 100)}"
        for suffix, arr in (("", q.value), ("_low", q.low), ("_high", q.high)):
            v = float(arr[j])
            out[k + suffix] = show(v) if math.isfinite(v) else None
    return out


def check(sc) -> None:
    """Refuse, before any work, a scenario whose campaign coverage cannot be computed: no
    instruments, a coverage resolution the grids refuse (too many cells), an orbit or instrument
    that cannot be built (:class:`InputError`, one line)."""
    if not sc.instruments:
        raise InputError("the scenario defines no instruments; --coverage needs [instruments.<name>] "
                         "(with module = \"<module>\")", source=sc.source, field="instruments")
    res = coverage_run.check_resolution(sc.coverage.resolution_km)
    for region in (regions.russia(), regions.arctic_zone(), regions.nsr_corridor(sc.coverage.nsr_corridor_width_km)):
        try:
            regions.check_cells(region, res)
        except InputError as exc:
            raise InputError(exc.message, source=sc.source, field="coverage.resolution_km") from None
    orbit = scenario.build_orbit(sc)
    coverage_run.build_instruments(sc, orbit)


def analyze(ens: Ensemble, *, tables: dict[str, DailyAccesses] | None = None,
            resolution_km: float | None = None, progress: Callable[[str], Any] | None = None) -> CampaignCoverage:
    """The campaign coverage of every instrument of the ensemble's scenario: :func:`reference`
    (unless ``tables`` are given), then :func:`spells` and :func:`yearly` per instrument."""
    sc = ens.scenario
    check(sc)
    ens.kept()  # the replications' logs and crew steps are needed: say so before the reference is computed
    if tables is None:
        tables = reference(sc, resolution_km=resolution_km, progress=progress)
    results, instruments, intervals = {}, {}, {}
    for name, spec in sc.instruments.items():
        if spec.module not in intervals:
            intervals[spec.module] = _module_interval(ens, spec.module)
        results[name] = yearly(tables[name], spells(ens, spec.module, spec.needs_crew, intervals[spec.module]))
        instruments[name] = {"module": spec.module, "needs_crew": bool(spec.needs_crew)}
    any_table = next(iter(tables.values()))
    settings = {
        "reference_year": int(any_table.dates[0].astype("datetime64[Y]").astype(int) + 1970),
        "window_days": any_table.window_days,
        "window_starts": [str(d) for d in any_table.window_starts],
        "resolution_km": float(sc.coverage.resolution_km if resolution_km is None else resolution_km),
        "step_s": float(sc.coverage.step_s),
        "start": ens.start.isoformat(),
    }
    return CampaignCoverage(sc.name, sc.scenario.title or sc.name, ens.start, ens.n, settings, instruments, results,
                            ens.columns.index.astype(np.int64))


def write(folder: Path, cc: CampaignCoverage) -> None:
    """Write the campaign-coverage files of ``cc`` into ``folder`` (a run's folder being written,
    see :func:`rossim.folders.output_dir`; the figure atomically): see the module docstring."""
    from . import figures, results

    rows = cc.rows()
    results.write_csv(folder / CSV_FILE, next(rows), rows)
    rows = cc.replication_rows()
    results.write_csv(folder / REPLICATIONS_FILE, next(rows), rows)
    results.write_json(folder / JSON_FILE, cc.summary())
    figures.save(figure(cc), folder / FIGURE_FILE)


def figure(cc: CampaignCoverage):
    """A row per instrument. Left: percent of each region observed per calendar year, mean over
    replications (line) and 10-90 % of replications (band); dotted: a year of uninterrupted
    observation. Right: mean revisit over the calendar year (hours, log scale), median and 10-90 %
    (a replication observing nothing that year counts as never revisiting)."""
    import matplotlib
    import matplotlib.ticker
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from . import figures

    names = list(cc.results)
    with matplotlib.rc_context({"font.size": 10, "axes.titlesize": 10.5, "legend.fontsize": 9,
                                "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
                                "grid.alpha": 0.3}):
        fig = Figure(figsize=(figures.WIDTH_IN, 1.5 + 2.8 * len(names)), dpi=figures.DPI, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(len(names), 2, sharex=True, squeeze=False)
        for (ax, rax), name in zip(axes, names):
            res = cc.results[name]
            years = np.asarray(res.years, dtype=float)
            pct = res.percent
            q = np.quantile(pct, (0.1, 0.9), axis=0, method="inverted_cdf")  # (2, Y, G)
            rev = np.quantile(np.nan_to_num(res.revisit_h, nan=np.inf), QUANTILES, axis=0, method="inverted_cdf")
            for gi, region in enumerate(res.regions):
                c = figures.color(gi)
                x = years + 0.08 * (gi - (len(res.regions) - 1) / 2)  # regions side by side
                label = REGION_LABELS.get(region, region)
                ax.fill_between(years, q[0, :, gi], q[1, :, gi], color=c, alpha=0.12, linewidth=0)
                ax.plot(x, pct[:, :, gi].mean(axis=0), "-o", color=c, markersize=3.5, linewidth=1.4, label=label)
                ax.plot(years, 100.0 * res.full_area_km2[:, gi] / res.region_area_km2[gi], ":", color=c, linewidth=1.0)
                shown = np.isfinite(rev[1, :, gi])
                rax.fill_between(years, rev[0, :, gi], np.where(np.isfinite(rev[2, :, gi]), rev[2, :, gi], 1e5),
                                 where=np.isfinite(rev[0, :, gi]), color=c, alpha=0.12, linewidth=0)
                rax.plot(x[shown], rev[1, shown, gi], "-o", color=c, markersize=3.5, linewidth=1.4)
            spec = cc.instruments[name]
            where = f"on {spec['module'].upper()}" if spec["module"] else "from the first module"
            crew = ", with crew aboard only" if spec["needs_crew"] else ""
            ax.set_title(figures.plain(f"{name} ({where}{crew}): area observed", width=60), loc="left")
            rax.set_title("mean revisit over the year", loc="left")
            ax.set_ylim(0, 104)
            ax.set_ylabel("% of the region")
            rax.set_yscale("log")
            rax.set_ylim(1, 1e4)
            rax.set_ylabel("hours")
            for a in (ax, rax):
                a.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        for a in axes[-1]:
            a.set_xlabel("calendar year")
        handles, labels = axes[0, 0].get_legend_handles_labels()
        handles += [Patch(color="#888888", alpha=0.3), Line2D([], [], color="#888888", linestyle=":")]
        labels = [f"{lab}: mean (left), median (right)" if k == 0 else lab for k, lab in enumerate(labels)]
        labels += ["10–90 % of replications", "a year of uninterrupted observation"]
        fig.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False)
        fig.suptitle(figures.title_text(f"Area of Russia, the Arctic zone and the NSR observed each year, given "
                                        f"the assembly\n{cc.title} · "
                                        f"{cc.replications:,} replications · "
                                        f"{cc.settings['resolution_km']:g} km cells"),
                     fontweight="bold")
    return fig
