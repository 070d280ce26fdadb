"""Scenarios side by side: run folders read back, the comparison table, ``rossim compare``.

A *run folder* is what ``rossim run`` writes (see :mod:`rossim.results`): ``summary.json``,
``replications.csv``, ``capacity.csv``, ``events.csv``, ``scenario.toml``; this module adds
``person_days_by_year.csv`` (person-days aboard per replication and calendar year, integrated
exactly from each replication's crew-aboard step function) and may hold a ``coverage/`` folder
(what ``rossim coverage`` writes: ``coverage_summary.json`` ...).

:func:`read_run` reads and checks one folder (:class:`RunFolder`); :func:`compare_runs` builds the
comparison (:class:`Comparison`): one row per metric and statistic, one value per scenario, the
difference of each scenario against the first (the *reference*) and which of the two is better.
Every number in the comparison is taken or computed from the run folders' files, never
re-rounded: milestone quantiles are the ``summary.json`` dates, probabilities are shares of the
``replications.csv`` rows, person-days come from ``person_days_by_year.csv``, coverage figures are
``coverage_summary.json`` values.

Signs: ``delta`` is always *scenario minus reference*, in the row's unit (days for dates,
percentage points are not used: shares stay fractions 0..1). ``better`` names the better scenario
of the pair by the row's rule (``better_if``): earlier dates, higher probabilities, person-days and
coverage, lower revisit times and losses; rows with no rule (launches) name none. A difference
that does not exceed the Monte Carlo noise of the two estimates (:func:`rossim.montecarlo.differs`
on their 95 % intervals, computed from the replications) is ``"within noise"`` instead: another
seed could reverse it. Coverage rows are deterministic (no noise).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import campaign_coverage_compare, clock, ensemble, montecarlo, resultfiles
from .results import OCCUPANCY_BY_YEAR_FILE, OCCUPANCY_FILE, PERSON_DAYS_FILE
from .campaign import milestones as campaign_milestones
from .errors import InputError

__all__ = [
    "RunFolder", "Row", "Comparison", "read_run", "compare_runs", "write_comparison",
    "format_value", "format_delta", "table_rows", "format_error", "date_pm", "date_error_days", "share_pm", "WITHIN_NOISE", "reuses_folders",
    "REGIONS", "REGION_NAMES", "milestone_name", "common_milestones", "REVISIT_NOTE", "build",
]

#: Coverage regions compared, in order (keys of ``coverage_summary.json``'s ``regions``).
REGIONS = ("russia", "arctic", "nsr")
REGION_NAMES = {"russia": "Russia", "arctic": "Arctic zone", "nsr": "Northern Sea Route"}
_SHORT_REGION = {"russia": "Russia", "arctic": "Arctic", "nsr": "NSR"}


def milestone_name(milestone: str) -> str:
    """What a milestone means, for tables: "Crew capacity ≥ 4" for ``capacity_4`` (see
    :mod:`rossim.campaign.milestones`), "Hosting 4 routinely" for ``hosting_4`` (at least 4
    aboard 90 % of the following year: :func:`rossim.occupancy.hosting`); an unknown name as it is."""
    parsed = campaign_milestones.parse(milestone)
    if parsed is None:
        level = ensemble.hosting_level(milestone)
        return milestone if level is None else f"Hosting {level} routinely"
    kind, n = parsed
    return {"first_crew": "First crew aboard", "room_for": f"Room for {n} crew (ships aside)",
            "capacity": f"Crew capacity ≥ {n}", "phase": f"Phase {n} complete"}[kind]


def common_milestones(runs: Sequence["RunFolder"]) -> list[str]:
    """The milestones every run reports, in the first run's order (scenarios with other phases
    or crew levels share only some)."""
    if not runs:
        return []
    others = [set(r.milestones) for r in runs[1:]]
    return [m for m in runs[0].milestones if all(m in o for o in others)]

#: How to read revisit rows (shown with every comparison).
REVISIT_NOTE = ("revisit times are over the cells observed at least twice: an orbit that sees little of a "
                "region can show a short revisit over that small part; read them with the area observed")
#: Keys ``summary.json`` must have for a folder to be read (written by rossim 0.1).
_SUMMARY_KEYS = ("scenario", "replications", "start", "horizon", "deadline", "milestones",
                 "person_days", "fraction_crewed", "launches", "losses", "modules")


# ------------------------------------------------------------------------------ person-days


_CREW_DETAIL = re.compile(r"^(\d+) crew")


def _person_days_from_events(path: Path, start: dt.date, horizon_days: float,
                             n: int) -> tuple[list[int], np.ndarray]:
    """Person-days per replication and year rebuilt from ``events.csv`` crew arrivals and
    departures (for run folders written without ``person_days_by_year.csv``). Event times are
    stored to 1e-4 day, so integrals agree with the exact ones to about 1e-3 person-days per change."""
    events = resultfiles.read_csv(path, resultfiles.EVENTS_COLUMNS, label="run")
    changes: list[list[tuple[float, int]]] = [[] for _ in range(n)]
    for k, day, kind, detail in zip(events["replication"], events["day"], events["kind"], events["detail"]):
        if kind not in ("crew_arrived", "crew_departed"):
            continue
        m = _CREW_DETAIL.match(detail)
        if m and 0 <= k < n:
            changes[k].append((day, (1 if kind == "crew_arrived" else -1) * int(m.group(1))))
    out = []
    years: list[int] = []
    for ch in changes:
        t = np.array([0.0] + [c[0] for c in ch])
        a = np.cumsum([0] + [c[1] for c in ch])
        years, v = ensemble.person_days_by_year(start, horizon_days, t, a)
        out.append(v)
    if not changes:
        years, _ = ensemble.person_days_by_year(start, horizon_days, np.zeros(1), np.zeros(1))
    return years, np.array(out).reshape(len(out), len(years))


# ------------------------------------------------------------------------------ run folders


@dataclasses.dataclass(eq=False)
class RunFolder:
    """One run folder read back, every file checked (:func:`read_run`). ``replications``: the CSV
    columns as arrays (n,) (:func:`rossim.resultfiles.read_columns`: dates as datetime64[D], NaT
    where empty; ``replication``, ``launches`` and the losses and other counts as int64; ``*_day``
    and other numbers as float64, NaN where empty); ``capacity``: ``day`` and band columns as float arrays (G,),
    ``date`` as datetime64[D]; ``person_days``: years and (n, Y) person-days; ``coverage``:
    ``coverage_summary.json`` or None."""

    path: Path
    label: str
    summary: dict
    replications: dict[str, np.ndarray]
    capacity: dict[str, np.ndarray] | None
    scenario_text: str
    meta: dict[str, Any]
    person_days_years: list[int]
    person_days: np.ndarray
    coverage: dict | None = None
    coverage_dir: Path | None = None
    #: ``occupancy.csv``: ``date`` (G,) datetime64[D], ``day`` (G,), ``levels`` (1..K), ``prob``,
    #: ``low``, ``high`` (K, G); None in a folder written before it existed.
    occupancy: dict | None = None
    #: ``occupancy_by_year.csv``: ``years`` (Y), ``levels`` (1..K), ``share_mean``,
    #: ``share_mean_low``, ``share_mean_high``, ``share_p10``, ``share_p50``, ``share_p90`` (K, Y),
    #: ``person_days_mean`` (Y,); None in a folder written before it existed.
    occupancy_by_year: dict | None = None
    #: ``campaign_coverage.json`` (``rossim run --coverage``), checked
    #: (:func:`rossim.campaign_coverage_compare.read`); None in a run made without it.
    campaign_coverage: dict | None = None

    @property
    def name(self) -> str:
        return self.summary["scenario"]

    @property
    def title(self) -> str:
        return self.summary.get("title") or self.meta.get("title") or self.name

    @property
    def start(self) -> dt.date:
        return dt.date.fromisoformat(self.summary["start"])

    @property
    def horizon(self) -> dt.date:
        return dt.date.fromisoformat(self.summary["horizon"])

    @property
    def deadline(self) -> dt.date:
        return dt.date.fromisoformat(self.summary["deadline"])

    @property
    def n(self) -> int:
        return len(self.replications["replication"])

    @property
    def modules(self) -> list[str]:
        return list(self.summary["modules"])

    @property
    def milestones(self) -> list[str]:
        """The milestones the run reports, in order (those of its scenario)."""
        return list(self.summary["milestones"])

    def dates(self, column: str) -> np.ndarray:
        """A date column of ``replications.csv`` as datetime64[D] (NaT where empty)."""
        return self.replications[column]

    def milestone_days(self, name: str) -> np.ndarray:
        """Whole days from the start to the date each replication reached ``name`` (NaN: not in
        the horizon), from the ``<name>_date`` column."""
        d = self.dates(f"{name}_date")
        days = (d - np.datetime64(self.start, "D")).astype(float)
        days[np.isnat(d)] = np.nan
        return days

    def probability_by(self, name: str, date: dt.date) -> float:
        """Share of replications reaching ``name`` on or before ``date`` (the same as
        :meth:`rossim.ensemble.Ensemble.probability_by`, from the stored dates)."""
        d = self.dates(f"{name}_date")
        return float(np.mean(~np.isnat(d) & (d <= np.datetime64(date, "D"))))

    def module_info(self) -> dict[str, dict]:
        """Module tables of ``scenario.toml`` (name, phase, present_at_start, departs), when readable."""
        mods = self.meta.get("modules") or {}
        return {m: (mods.get(m) if isinstance(mods.get(m), dict) else {}) for m in self.modules}

    def coverage_instruments(self) -> list[str]:
        if not self.coverage:
            return []
        regions = self.coverage.get("regions") or {}
        first = regions.get("russia") or next(iter(regions.values()), {})
        return [k for k, v in first.items() if isinstance(v, dict)]


def _find_coverage(folder: Path) -> tuple[dict | None, Path | None]:
    for d in (folder / "coverage", folder):
        if (d / "coverage_summary.json").exists():
            return resultfiles.coverage_summary(d / "coverage_summary.json"), d
    return None, None


_HEADER = re.compile(r"^# rossim run of (.+)$", re.M)


def _original_source(text: str) -> Path | None:
    """The scenario file a run folder's scenario.toml was copied from (its header line)."""
    m = _HEADER.search(text)
    return Path(m.group(1).strip()) if m else None


def _scenario_tables(path: Path, text: str) -> dict:
    """The TOML tables of a stored scenario, its ``extends`` base merged under it when that file is
    still found (next to the copy, or next to the original; else without it), for names and
    descriptions shown in reports. A copy that is not TOML (rossim wrote a checked scenario) is
    damaged: InputError naming it."""
    from . import scenario

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML ({exc})", source=str(path)) from None
    except RecursionError:
        raise InputError("not valid TOML (nested too deep)", source=str(path)) from None
    origin = _original_source(text)
    for folder in [path.parent] + ([origin.parent] if origin else []):
        try:
            return scenario.resolve_extends(dict(raw), folder, str(path))
        except InputError:
            continue
    raw.pop("extends", None)
    return raw


def _scenario_meta(raw: dict) -> dict[str, Any]:
    """What reports show of a stored scenario's tables, of the right types only: the scenario's
    title, plan and description (text), and per module its name (text), ``present_at_start``
    (a boolean) and ``departs`` (a date)."""
    table = raw.get("scenario") if isinstance(raw.get("scenario"), dict) else {}
    meta: dict[str, Any] = {k: v for k, v in table.items() if k in ("title", "plan", "description")
                            and isinstance(v, str)}
    mods = raw.get("modules") if isinstance(raw.get("modules"), dict) else {}
    kinds = {"name": str, "present_at_start": bool, "departs": dt.date}
    meta["modules"] = {mid: {k: v for k, v in m.items() if k in kinds and isinstance(v, kinds[k])}
                       for mid, m in mods.items() if isinstance(m, dict)}
    return meta


def _replications_columns(milestones, modules) -> dict[str, resultfiles.Column]:
    cols = {"replication": resultfiles.INT_COL}
    for m in milestones:
        cols.update({f"{m}_day": resultfiles.OPT_NUMBER_COL, f"{m}_date": resultfiles.OPT_DATE_COL})
    cols.update({"person_days": resultfiles.OPT_NUMBER_COL, "fraction_crewed": resultfiles.OPT_NUMBER_COL,
                 "launches": resultfiles.INT_COL, "losses": resultfiles.INT_COL})
    for m in modules:
        cols.update({f"{m}_docked_date": resultfiles.OPT_DATE_COL, f"{m}_ready_date": resultfiles.OPT_DATE_COL,
                     f"{m}_losses": resultfiles.INT_COL})
    return cols


def _read_person_days(folder: Path, n: int, start: dt.date, horizon_days: float) -> tuple[list[int], np.ndarray]:
    """(years, (n, Y) person-days) from ``person_days_by_year.csv``, or rebuilt from ``events.csv``
    in a folder written before that file existed."""
    pp = folder / PERSON_DAYS_FILE
    if not pp.exists() and (folder / "events.csv").exists():
        return _person_days_from_events(folder / "events.csv", start, horizon_days, n)
    cols = resultfiles.read_columns(pp, resultfiles.PERSON_DAYS_COLUMNS, pattern=resultfiles.PERSON_DAYS_PATTERN,
                                    label="run")
    ykeys = [k for k in cols if k != "replication"]
    other = [k for k in ykeys if not re.fullmatch(resultfiles.PERSON_DAYS_PATTERN[0], k)]
    if other or not ykeys:
        raise InputError(f"expected columns person_days_<year>, got {other[0]!r}" if other else
                         "expected columns person_days_<year>, got none", source=str(pp))
    years = [int(k.removeprefix("person_days_")) for k in ykeys]
    if years != list(range(years[0], years[0] + len(years))):
        raise InputError(f"expected consecutive years in order, got {', '.join(map(str, years))}", source=str(pp))
    if len(cols["replication"]) != n:
        raise InputError(f"expected {n} rows, one per replication (summary.json says {n}), got "
                         f"{len(cols['replication'])}", source=str(pp))
    out = np.empty((n, len(years)), order="F")  # filled a column at a time, each freed once copied
    for j, k in enumerate(ykeys):
        out[:, j] = cols.pop(k)
    return years, out


def _check_summary_dates(summary: dict, source: str) -> tuple[dt.date, dt.date]:
    """(start, horizon) of a checked summary, after its dates are checked against each other:
    start, horizon and deadline within the dates a scenario may hold, start before horizon and
    deadline; every milestone and docking date within [start, horizon], 10 % <= median <= 90 %
    (null: after the horizon, so only after dates)."""
    from . import scenario

    span = {k: dt.date.fromisoformat(summary[k]) for k in ("start", "horizon", "deadline")}
    for k, d in span.items():
        if not scenario.DATE_MIN <= d <= scenario.DATE_MAX:
            raise InputError(f"expected a date between {scenario.DATE_MIN} and {scenario.DATE_MAX}, got "
                             f"{summary[k]!r}", source=source, field=k)
    for k in ("horizon", "deadline"):
        if span[k] <= span["start"]:
            raise InputError(f"expected a date after start ({summary['start']}), got {summary[k]!r}",
                             source=source, field=k)
    groups = [(f"milestones.{m}", e, ("p10", "p50", "p90")) for m, e in summary["milestones"].items()]
    groups += [(f"modules.{m}", e, ("docked_p10", "docked_p50", "docked_p90")) for m, e in summary["modules"].items()]
    for field, entry, keys in groups:
        previous = span["start"]
        for k in keys:
            v = entry.get(k)
            if v is None:  # after the horizon: so are the later quantiles
                previous = dt.date.max
                continue
            d = dt.date.fromisoformat(v)
            if not previous <= d <= span["horizon"]:
                raise InputError(f"expected a date from {'the previous quantile' if k[-2:] != '10' else 'start'} "
                                 f"to the horizon ({summary['horizon']}), got {v!r}", source=source,
                                 field=f"{field}.{k}")
            previous = d
    late = lambda v: dt.date.max if v is None else dt.date.fromisoformat(v)  # noqa: E731  (null: after the horizon)
    for m, e in summary["milestones"].items():
        for q in ("p10", "p50", "p90"):
            lo, hi = e.get(f"{q}_low", ...), e.get(f"{q}_high", ...)
            if lo is ... or hi is ...:
                continue  # written before the intervals
            if not late(lo) <= late(e[q]) <= late(hi):
                raise InputError(f"expected {q}_low <= {q} <= {q}_high (null: after the horizon), got {lo}, "
                                 f"{e[q]}, {hi}", source=source, field=f"milestones.{m}.{q}")
        for p in ("probability", "probability_by_deadline"):
            lo, hi = e.get(f"{p}_low"), e.get(f"{p}_high")
            if lo is not None and hi is not None and not lo - 1e-9 <= e[p] <= hi + 1e-9:
                raise InputError(f"expected {p}_low <= {p} <= {p}_high, got {lo}, {e[p]}, {hi}", source=source,
                                 field=f"milestones.{m}.{p}")
    return span["start"], span["horizon"]


def _check_replication_dates(reps: dict[str, np.ndarray], summary: dict, source: str) -> None:
    """Milestone and docking dates of replications.csv within [start, horizon]; ready dates (a
    plan's date plus a slip) within the dates a scenario may hold, and up to a century after."""
    from . import scenario

    bounds = (np.datetime64(summary["start"], "D"), np.datetime64(summary["horizon"], "D"))
    late = np.datetime64(scenario.DATE_MAX, "D") + np.timedelta64(36525, "D")
    first = None  # (row, column) of the first date out of its bounds, row by row
    for column, d in reps.items():
        if not column.endswith("_date"):
            continue
        lo, hi = (np.datetime64(scenario.DATE_MIN, "D"), late) if column.endswith("_ready_date") else bounds
        bad = np.flatnonzero(~np.isnat(d) & ((d < lo) | (d > hi)))
        if bad.size and (first is None or bad[0] < first[0]):
            first = (bad[0], column, lo, hi)
    if first is not None:
        i, column, lo, hi = first
        raise InputError(f"expected a date from {lo} to {hi}, got {str(reps[column][i])!r}", source=source,
                         field=f"row {i + 1}, {column}")


def read_run(folder: str | Path, label: str | None = None) -> RunFolder:
    """Read and check the run folder ``folder`` (every file through :mod:`rossim.resultfiles`);
    bad, damaged or incompatible folders raise InputError naming the file and the field."""
    folder = Path(folder)
    src = str(folder)
    if not folder.exists():
        raise InputError("no such run folder", source=src)
    if not folder.is_dir():
        raise InputError("not a folder; expected a rossim run folder", source=src)
    sp = folder / "summary.json"
    if not sp.exists():
        raise InputError("not a rossim run folder (no summary.json)", source=src)
    summary = resultfiles.read_json(sp, resultfiles.SUMMARY, label="run")
    have = list(summary["milestones"])
    split = ensemble.split_milestones(have)
    if split is None or campaign_milestones.from_names(split[0]) is None:
        raise InputError(f"incompatible run folder: milestones {', '.join(have) or 'none'}; this rossim "
                         "reports first_crew, room_for_N and capacity_N for each crew level N (ascending), "
                         "then phase_<n>_complete for each phase (and hosting_N for each level N)",
                         source=str(sp), field="milestones")
    start, horizon = _check_summary_dates(summary, str(sp))
    rp = folder / "replications.csv"

    def same_milestones(header: list[str]) -> None:
        found = [c[:-4] for c in header if c.endswith("_day")
                 and (campaign_milestones.parse(c[:-4]) or ensemble.hosting_level(c[:-4]) is not None)]
        if found != have:
            raise InputError(f"incompatible run folder: replications.csv has the milestones "
                             f"{', '.join(found) or 'none'}, summary.json {', '.join(have)}", source=str(rp),
                             field="milestones")

    reps = resultfiles.read_columns(rp, _replications_columns(have, summary["modules"]),
                                    pattern=resultfiles.REPLICATION_COUNTS_PATTERN, label="run",
                                    header_check=same_milestones)
    _check_replication_dates(reps, summary, str(rp))
    n = len(reps["replication"])
    if n != summary["replications"]:
        raise InputError(f"incompatible run folder: {n} rows, summary.json says {summary['replications']} "
                         "replications", source=str(rp))
    cols = resultfiles.read_columns(folder / "capacity.csv", resultfiles.CAPACITY_COLUMNS,
                                    pattern=resultfiles.CAPACITY_PATTERN, min_rows=1, label="run")
    numeric = [k for k in cols if k != "date" and (k in resultfiles.CAPACITY_COLUMNS
                                                 or re.fullmatch(resultfiles.CAPACITY_PATTERN[0], k))]
    capacity = {k: cols[k] for k in numeric}
    capacity["date"] = cols["date"]
    tp = folder / "scenario.toml"
    text = resultfiles.read_text(tp, label="run")
    meta = _scenario_meta(_scenario_tables(tp, text))
    years, pdays = _read_person_days(folder, n, start, clock.days_between(start, horizon))
    occ, occ_years = _read_occupancy(folder, start, horizon)
    coverage, cov_dir = _find_coverage(folder)
    return RunFolder(folder, label or summary["scenario"], summary, reps, capacity, text, meta,
                     years, pdays, coverage, cov_dir, occ, occ_years, campaign_coverage_compare.read(folder))


def _read_occupancy(folder: Path, start: dt.date, horizon: dt.date) -> tuple[dict | None, dict | None]:
    """``occupancy.csv`` and ``occupancy_by_year.csv`` read back and checked (see
    :attr:`RunFolder.occupancy`); (None, None) when the folder has neither (written before them).
    Checked: levels 1..K each with its three columns, low <= share <= high, dates within
    [start, horizon] and ascending; a row per year and level, years consecutive."""
    op, yp = folder / OCCUPANCY_FILE, folder / OCCUPANCY_BY_YEAR_FILE
    if not op.exists() and not op.is_symlink() and not yp.exists() and not yp.is_symlink():
        return None, None
    cols = resultfiles.read_columns(op, resultfiles.OCCUPANCY_COLUMNS, pattern=resultfiles.OCCUPANCY_PATTERN,
                                    min_rows=1, label="run")
    src = str(op)
    levels = sorted({int(m[1]) for c in cols if (m := re.fullmatch(resultfiles.OCCUPANCY_PATTERN[0], c))})
    if not levels or levels != list(range(1, len(levels) + 1)):
        raise InputError(f"expected columns p_at_least_<k> for k = 1, 2, ... K, got levels "
                         f"{', '.join(map(str, levels)) or 'none'}", source=src)
    for k in levels:
        for suffix in ("", "_low", "_high"):
            if f"p_at_least_{k}{suffix}" not in cols:
                raise InputError(f"no column 'p_at_least_{k}{suffix}' (rossim writes it: the file is damaged or "
                                 "from another version)", source=src)
    arr = {w: np.array([cols[f"p_at_least_{k}{s}"] for k in levels], dtype=float)
           for w, s in (("prob", ""), ("low", "_low"), ("high", "_high"))}
    bad = np.argwhere((arr["low"] > arr["prob"] + 1e-9) | (arr["prob"] > arr["high"] + 1e-9))
    if bad.size:
        j, i = bad[0]
        raise InputError(f"expected p_at_least_{levels[j]}_low <= p_at_least_{levels[j]} <= p_at_least_{levels[j]}"
                         f"_high, got {arr['low'][j, i]:g}, {arr['prob'][j, i]:g}, {arr['high'][j, i]:g}",
                         source=src, field=f"row {i + 1}")
    dates = cols["date"]
    lo, hi = np.datetime64(start, "D"), np.datetime64(horizon, "D")
    bad_d = np.flatnonzero((dates < lo) | (dates > hi) | np.concatenate([[False], np.diff(dates) < np.timedelta64(0, "D")]))
    if bad_d.size:
        raise InputError(f"expected ascending dates from {lo} to {hi}, got {str(dates[bad_d[0]])!r}",
                         source=src, field=f"row {bad_d[0] + 1}, date")
    occ = {"date": dates, "day": cols["day"], "levels": tuple(levels), **arr}
    ycols = resultfiles.read_columns(yp, resultfiles.OCCUPANCY_BY_YEAR_COLUMNS, min_rows=1, label="run")
    ysrc = str(yp)
    years = sorted(set(ycols["year"].tolist()))
    expected = [(y, k) for y in years for k in levels]
    got = list(zip(ycols["year"].tolist(), ycols["level"].tolist()))
    if years != list(range(years[0], years[0] + len(years))) or got != expected:
        first = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
        raise InputError(f"expected a row per year (consecutive) and crew level 1..{levels[-1]} (as in "
                         f"{OCCUPANCY_FILE}), in order", source=ysrc, field=f"row {first + 1}")
    shape = (len(years), len(levels))
    by_year = {"years": years, "levels": tuple(levels),
               **{k: np.array(ycols[k], dtype=float).reshape(shape).T for k in
                  ("share_mean", "share_mean_low", "share_mean_high", "share_p10", "share_p50", "share_p90")},
               "person_days_mean": np.array(ycols["person_days_mean"], dtype=float).reshape(shape)[:, 0]}
    return occ, by_year


# ------------------------------------------------------------------------------ comparison


#: Revisit times cover only the cells observed at least twice, so a "better" revisit is named
#: only between scenarios that both observe at least this share of the region (percent).
REVISIT_RANKED_PERCENT = 99.0


@dataclasses.dataclass
class Row:
    """One metric and statistic across scenarios.

    ``unit``: ``date`` (values ISO dates or None = after the horizon; deltas in days), ``share``
    (0..1), ``person-days``, ``count``, ``percent`` (of area), ``h`` (hours). ``better_if``:
    ``earlier``, ``higher``, ``lower`` or ``""`` (no preference). ``deltas[i]``: scenario i minus
    the reference (None for the reference or when undefined); ``better[i]``: the label of the
    better of (reference, scenario i), ``"same"``, or ``""`` when undefined. ``never[i]``: the value
    is None because it never happened (e.g. a revisit time of a region never observed twice), which
    counts as worse than any value; ``short``: the label in terminal tables."""

    key: str
    statistic: str
    label: str
    unit: str
    better_if: str
    values: list
    short: str = ""
    never: list = dataclasses.field(default_factory=list)
    deltas: list = dataclasses.field(default_factory=list)
    better: list = dataclasses.field(default_factory=list)
    #: revisit rows: each scenario's percent of the region observed (ranks only when both >= 99 %)
    revisit_seen: list | None = None
    #: each scenario's estimate with its Monte Carlo interval (:class:`rossim.montecarlo.Interval`,
    #: from the replications), or None where the value is not a Monte Carlo estimate (coverage)
    noise: list | None = None
    #: what a missing value means, per scenario, where it is not "after the horizon" (e.g. a
    #: region out of the orbit's reach: "never (out of the orbit's reach)"); None or "" otherwise
    absent: list | None = None


@dataclasses.dataclass
class Comparison:
    runs: list[RunFolder]
    rows: list[Row]
    deadline: dt.date
    instrument: str | None
    #: campaign coverage compared (:mod:`rossim.campaign_coverage_compare`): the instrument, the
    #: calendar years of its rows, and why rows are missing
    campaign_instrument: str | None = None
    campaign_years: list[int] = dataclasses.field(default_factory=list)
    campaign_notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [r.label for r in self.runs]

    def row(self, key: str, statistic: str) -> Row:
        for r in self.rows:
            if r.key == key and r.statistic == statistic:
                return r
        raise KeyError((key, statistic))

    def to_json(self) -> dict:
        ref = self.runs[0].label
        cov = {}
        for r in self.runs:
            c = r.coverage or {}
            cov[r.label] = {k: c.get(k) for k in ("days", "resolution_km", "start") if k in c}
        return {
            "reference": ref,
            "scenarios": [{"label": r.label, "scenario": r.name, "title": r.title, "folder": r.path.name,
                           "replications": r.n, "seed": r.summary.get("seed"), "start": r.summary["start"],
                           "horizon": r.summary["horizon"], "overrides": r.summary.get("overrides", [])}
                          for r in self.runs],
            "deadline": self.deadline.isoformat(),
            "coverage_instrument": self.instrument,
            "coverage_settings": cov,
            "sign": "delta = scenario minus reference (days for dates); better = the better scenario "
                    "of the pair by better_if, or 'within noise' when the difference does not exceed the "
                    "Monte Carlo noise (95 %: disjoint order-statistic intervals for dates and quantiles, "
                    "a two-sample z test for probabilities and means; Fisher's exact test on the counts "
                    "for campaign coverage's P(full))",
            "notes": [REVISIT_NOTE] if self.instrument else [],
            "campaign_coverage": {"instrument": self.campaign_instrument, "years": self.campaign_years,
                                  "notes": self.campaign_notes},
            "rows": [{"key": r.key, "statistic": r.statistic, "label": r.label, "unit": r.unit,
                      "better_if": r.better_if,
                      "values": dict(zip(self.labels, r.values)),
                      "delta_vs_reference": dict(zip(self.labels[1:], r.deltas[1:])),
                      "better": dict(zip(self.labels[1:], r.better[1:]))} for r in self.rows],
        }


def _num(v) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


#: ``better`` of a difference smaller than the Monte Carlo noise (:func:`rossim.montecarlo.differs`).
WITHIN_NOISE = "within noise"
_PROBS = {"p10": 0.1, "p50": 0.5, "p90": 0.9}


def _noise(run: RunFolder, row: Row, deadline: dt.date):
    """The Monte Carlo interval of ``run``'s value on ``row``, from its replications
    (:mod:`rossim.montecarlo`: order statistics for quantiles, censored for milestone dates;
    Wilson for probabilities; normal for means); None when the row is not such an estimate or
    the replications do not give it."""
    reps, stat, n = run.replications, row.statistic, run.n
    if n < 1:
        return None
    if row.key in run.summary["milestones"]:
        d = run.dates(f"{row.key}_date")
        if stat in _PROBS:  # days since one epoch for all runs (their starts may differ)
            days = np.where(np.isnat(d), np.nan, (d - np.datetime64("1970-01-01", "D")).astype(float))
            return montecarlo.quantile(days, _PROBS[stat], censored=True)
        # shares carry their counts: two are compared by Fisher's exact test (montecarlo.differs)
        if stat == "probability":
            return dataclasses.replace(montecarlo.proportion_of(~np.isnat(d)), n=int(d.size))
        if stat == "p_by_deadline":
            return dataclasses.replace(montecarlo.proportion_of(~np.isnat(d) & (d <= np.datetime64(deadline, "D"))),
                                       n=int(d.size))
        return None
    if row.key in ("person_days", "fraction_crewed", "launches", "losses") and row.key in reps:
        v = np.asarray(reps[row.key], dtype=float)
        if not np.isfinite(v).all():
            return None
        return montecarlo.mean(v) if stat == "mean" else montecarlo.quantile(v, _PROBS[stat]) if stat in _PROBS else None
    if row.key.startswith("person_days_") and stat == "mean":
        y = int(row.key.removeprefix("person_days_"))
        if y in run.person_days_years and run.person_days.shape[0]:
            return montecarlo.mean(run.person_days[:, run.person_days_years.index(y)])
    return None


def _pair(row: Row, i: int, la: str, lb: str):
    """(delta, better) of scenario i against the reference (0)."""
    a, b = row.values[0], row.values[i]
    if row.unit == "date":
        da = dt.date.fromisoformat(a) if a else None
        db = dt.date.fromisoformat(b) if b else None
        if da is None and db is None:
            return None, ""
        if da is None or db is None:  # None: later than that scenario's horizon
            return None, (la if db is None else lb)
        d = (db - da).days
        return d, ("same" if d == 0 else la if d > 0 else lb)
    if a is None or b is None:
        never = row.never or [False] * len(row.values)
        if a is None and b is not None and never[0] and row.better_if:
            return None, lb
        if b is None and a is not None and never[i] and row.better_if:
            return None, la
        return None, ""
    d = b - a
    if not row.better_if:
        return d, ""
    if d == 0:
        return d, "same"
    b_wins = d > 0 if row.better_if == "higher" else d < 0
    return d, (lb if b_wins else la)


def _instrument(runs: Sequence[RunFolder], wanted: str | None = None) -> str | None:
    """The coverage instrument compared: ``wanted`` if given (every scenario with coverage must
    have it), else ``radar`` (all-weather, day and night) if they all have it, else the first
    instrument they all have."""
    sets = [r.coverage_instruments() for r in runs if r.coverage]
    if not sets:
        return None
    common = [i for i in sets[0] if all(i in s for s in sets[1:])]
    if wanted is not None:
        if wanted not in common:
            raise InputError(f"no instrument {wanted!r} in every scenario's coverage; common: "
                             f"{', '.join(common) or 'none'}", field="--instrument")
        return wanted
    if "radar" in common:
        return "radar"
    return common[0] if common else None


def compare_runs(runs: Sequence[RunFolder], deadline: dt.date | None = None,
                 instrument: str | None = None, campaign_instrument: str | None = None) -> Comparison:
    """The comparison table of ``runs`` (the first is the reference). ``instrument``: the one of
    the coverage rows (see :func:`_instrument`); ``campaign_instrument``: the one of the campaign
    coverage rows (default ``instrument``; :func:`rossim.campaign_coverage_compare.comparison_rows`)."""
    if not runs:
        raise InputError("nothing to compare")
    runs = list(runs)
    deadline = deadline or runs[0].deadline
    rows: list[Row] = []

    def add(key, stat, label, unit, better_if, values, short="", never=None):
        rows.append(Row(key, stat, label, unit, better_if, list(values), short or label,
                        list(never) if never is not None else [False] * len(runs)))

    for m in common_milestones(runs):
        name = milestone_name(m)
        for stat, what in (("p50", "median"), ("p10", "10 %"), ("p90", "90 %")):
            add(m, stat, f"{name}: {what} date", "date", "earlier",
                [r.summary["milestones"][m][stat] for r in runs], short=f"{name} ({what})")
        add(m, "probability", f"{name}: P(within horizon)", "share", "higher",
            [_num(r.summary["milestones"][m]["probability"]) for r in runs], short="  P(within horizon)")
        add(m, "p_by_deadline", f"{name}: P(by {deadline.isoformat()})", "share", "higher",
            [r.probability_by(m, deadline) for r in runs], short=f"  P(by {deadline.isoformat()})")
    for key, label, short, unit, better_if, stats in (
        ("person_days", "Person-days aboard (whole run)", "person-days", "person-days", "higher",
         ("p50", "p10", "p90", "mean")),
        ("fraction_crewed", "Fraction of time crewed", "time crewed", "share", "higher", ("p50", "p10", "p90")),
        ("launches", "Launches", "launches", "count", "", ("p50", "mean")),
        ("losses", "Losses (launch failures)", "losses", "count", "lower", ("p50", "p90", "mean")),
    ):
        for stat in stats:
            add(key, stat, f"{label}: {stat}", unit, better_if,
                [_num(r.summary[key][stat]) for r in runs], short=f"{short} {stat}")
    years = sorted({y for r in runs for y in r.person_days_years})
    for y in years:
        vals = []
        for r in runs:
            if y in r.person_days_years and r.person_days.shape[0]:
                vals.append(float(np.mean(r.person_days[:, r.person_days_years.index(y)])))
            else:
                vals.append(None)
        add(f"person_days_{y}", "mean", f"Person-days aboard in {y}: mean", "person-days", "higher", vals,
            short=f"person-days {y} (mean)")

    instrument = _instrument(runs, instrument)
    if instrument is not None:
        for region in REGIONS:
            for key, what, short, unit, better_if in (
                ("percent_area_observed", "area observed", "% seen", "percent", "higher"),
                ("revisit_mean_h", "mean revisit (area-weighted)", "revisit mean", "h", "lower"),
                ("revisit_max_h", "max revisit", "revisit max", "h", "lower"),
            ):
                vals, never, seen = [], [], []
                for r in runs:
                    entry = ((r.coverage or {}).get("regions") or {}).get(region, {}).get(instrument)
                    v = _num(entry.get(key)) if isinstance(entry, dict) else None
                    vals.append(v)
                    # a region entry whose revisit is null: never observed twice (worse than any value)
                    never.append(v is None and isinstance(entry, dict) and key in entry)
                    seen.append(_num(entry.get("percent_area_observed")) if isinstance(entry, dict) else None)
                add(f"coverage_{region}", key, f"{REGION_NAMES[region]}: {what} ({instrument})",
                    unit, better_if, vals, short=f"{_SHORT_REGION[region]} {short}", never=never)
                if key != "percent_area_observed":
                    # Revisit is over the cells observed at least twice: it ranks two scenarios
                    # only when both observe (nearly) all of the region.
                    rows[-1].revisit_seen = seen

    campaign = campaign_coverage_compare.comparison_rows(runs, campaign_instrument or instrument)
    for spec in campaign[2]:
        add(*(spec[k] for k in ("key", "statistic", "label", "unit", "better_if", "values", "short", "never")))
        rows[-1].noise = spec["noise"]
        rows[-1].absent = spec.get("absent")

    labels = [r.label for r in runs]
    for row in rows:
        row.deltas = [None]
        row.better = [""]
        if row.noise is None and not row.key.startswith("coverage_"):
            row.noise = [_noise(r, row, deadline) for r in runs]
        for i in range(1, len(runs)):
            d, b = _pair(row, i, labels[0], labels[i])
            seen = row.revisit_seen
            if seen is not None and d is not None and not all(
                    x is not None and x >= REVISIT_RANKED_PERCENT for x in (seen[0], seen[i])):
                b = ""  # two revisits over different parts of the region: no ranking
            if (b not in ("", "same") and row.noise and row.noise[0] is not None and row.noise[i] is not None
                    and not montecarlo.differs(row.noise[0], row.noise[i])):
                b = WITHIN_NOISE
            row.deltas.append(d)
            row.better.append(b)
    return Comparison(runs, rows, deadline, instrument, campaign[0], campaign[1], campaign[3])


def _csv_value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(v)


def write_comparison(folder: Path, comp: Comparison) -> None:
    """Write ``comparison.json`` and ``comparison.csv`` (one row per metric and statistic; one
    value column per scenario; ``delta_<s>_vs_<ref>`` and ``better_<s>_vs_<ref>`` per other one)."""
    from . import results

    results.write_json(folder / "comparison.json", comp.to_json())
    labels = comp.labels
    ref = labels[0]
    header = ["metric", "statistic", "label", "unit", "better_if", *labels]
    for lb in labels[1:]:
        header += [f"delta_{lb}_vs_{ref}", f"better_{lb}_vs_{ref}"]
    rows = []
    for r in comp.rows:
        row = [r.key, r.statistic, r.label, r.unit, r.better_if, *(_csv_value(v) for v in r.values)]
        for i in range(1, len(labels)):
            row += [_csv_value(r.deltas[i]), r.better[i]]
        rows.append(row)
    results.write_csv(folder / "comparison.csv", header, rows)


# ------------------------------------------------------------------------------ display


def format_value(row: Row, v, i: int | None = None) -> str:
    """A value (scenario ``i``'s) as shown in tables (rounded for reading; files hold the exact
    numbers)."""
    if v is None:
        if i is not None and row.absent and row.absent[i]:
            return row.absent[i]
        return "after horizon" if row.unit in ("date", "year") else "—"
    if row.unit == "date":
        return v
    if row.unit == "year":
        return f"{v:.0f}"
    if row.unit == "share":
        return f"{v:.1%}"
    if row.unit == "percent":
        return f"{v:.1f} %"
    if row.unit == "h":
        return f"{v:,.1f} h"
    if row.unit == "count":
        return f"{v:,.2f}" if row.statistic == "mean" else f"{v:,.0f}"
    return f"{v:,.0f}"


def date_pm(entry: dict, stat: str = "p50", after: str = "after horizon") -> str:
    """A milestone quantile of ``summary.json`` with its Monte Carlo error as "2034-09-09 ±45 d"
    (the wider half of its 95 % interval, in days); "−30 d/+?" when the interval reaches past the
    horizon; the date alone in a folder written without intervals; ``after`` when the quantile is
    after the horizon."""
    v = entry.get(stat)
    if v is None:
        return after
    err = date_error_days(entry, stat)
    if err is None:
        return v
    below, above = err
    if above is None:
        return f"{v} −{below} d/+?"
    return f"{v} ±{max(below, above)} d"


def date_error_days(entry: dict, stat: str = "p50") -> tuple[int, int | None] | None:
    """(days below, days above) of a date quantile of ``summary.json`` to the ends of its 95 %
    interval (above None: the interval reaches past the horizon); None without an interval (a
    folder written without them) or without the date."""
    v, lo, hi = entry.get(stat), entry.get(f"{stat}_low", ...), entry.get(f"{stat}_high", ...)
    if v is None or lo is ... or hi is ... or lo is None:
        return None
    d = dt.date.fromisoformat(v)
    return (d - dt.date.fromisoformat(lo)).days, None if hi is None else (dt.date.fromisoformat(hi) - d).days


def share_pm(entry: dict, key: str) -> str:
    """A probability of ``summary.json`` with its Monte Carlo error as "24 % ±3" (percentage
    points: the wider half of its 95 % Wilson interval); the share alone without an interval."""
    p = entry.get(key)
    if p is None:
        return "—"
    lo, hi = entry.get(f"{key}_low"), entry.get(f"{key}_high")
    if lo is None or hi is None:
        return f"{p:.0%}"
    half = 100.0 * max(p - lo, hi - p)
    return f"{100 * p:.0f} % ±{half:.0f}" if half >= 0.95 else f"{100 * p:.0f} % ±{half:.1f}"


_QUANTUM = {"share": 0.001, "percent": 0.1, "h": 0.1, "person-days": 1.0}


def format_delta(row: Row, i: int) -> str:
    """The delta of scenario ``i`` as shown: the difference of the values *as shown*, so that a
    table never shows 22.0 % vs 29.0 % with a delta of +6.9 pp."""
    a, b, d = row.values[0], row.values[i], row.deltas[i]
    if d is None:
        return ""
    if row.unit == "date":
        return f"{d:+,d} d"
    if row.unit == "year":
        return f"{d:+.0f} y"
    q = _QUANTUM.get(row.unit)
    if row.unit == "count":
        q = 0.01 if row.statistic == "mean" else 1.0
    shown = round(b / q) * q - round(a / q) * q
    if row.unit == "share":
        return f"{shown * 100:+.1f} pp"
    if row.unit == "percent":
        return f"{shown:+.1f} pp"
    if row.unit == "h":
        return f"{shown:+,.1f} h"
    if row.unit == "count" and row.statistic == "mean":
        return f"{shown:+,.2f}"
    return f"{shown:+,.0f}"


def format_error(row: Row, i: int) -> str:
    """The Monte Carlo error of scenario ``i``'s value on ``row`` as shown after it: " ±45 d"
    for a date (the wider half of its 95 % interval; " −30 d/+?" when it reaches past the horizon),
    " ±3" for a share (percentage points), " ±12" for a mean (" ±0.24" for a count); "" when there is none (coverage, an
    undefined value, a quantile of a quantity rather than a date)."""
    iv = row.noise[i] if row.noise else None
    if iv is None or row.values[i] is None or not np.isfinite(iv.value):
        return ""
    value, low, high = float(iv.value), float(iv.low), float(iv.high)
    if row.unit == "date":
        below = value - low if np.isfinite(low) else value  # too few replications: from the start
        if not np.isfinite(high):
            return f" −{below:,.0f} d/+?"
        return f" ±{max(below, high - value):,.0f} d"
    if row.unit == "year":  # a first year of full coverage: years to each end ("?": open)
        lo, hi = (f"{x:.0f}" if np.isfinite(x) else "?" for x in (value - low, high - value))
        return f" ±{lo} y" if lo == hi else f" −{lo}/+{hi} y"
    if not (np.isfinite(low) and np.isfinite(high)) or row.statistic in _PROBS:
        return ""
    half = max(value - low, high - value)
    if row.unit == "share":
        return f" ±{100 * half:.0f}" if half >= 0.0095 else f" ±{100 * half:.1f}"
    if row.unit == "percent":
        return f" ±{half:.1f}"
    return f" ±{half:,.2f}" if row.unit == "count" else f" ±{half:,.0f}"


def table_rows(comp: Comparison, compact: bool = True, sep: str = " ") -> list[tuple[Row, list[str], list[str]]]:
    """(row, shown values, shown delta and better per other scenario) for tables; ``compact``
    folds the 10/90 % date rows into the median's cell as a range, after ``sep``."""
    out = []
    for row in comp.rows:
        if compact and row.unit == "date" and row.statistic in ("p10", "p90"):
            continue
        vals = []
        for i, v in enumerate(row.values):
            s = format_value(row, v, i) + format_error(row, i)
            if compact and row.unit == "date" and row.statistic == "p50":
                lo = comp.row(row.key, "p10").values[i]
                hi = comp.row(row.key, "p90").values[i]
                if lo is not None:  # (none: every quantile after the horizon, said once)
                    s += f"{sep}[{lo} – {hi or '> horizon'}]"
            vals.append(s)
        ds = []
        for i in range(1, len(row.values)):
            ds.append(format_delta(row, i))
            ds.append(row.better[i])
        out.append((row, vals, ds))
    return out


# ------------------------------------------------------------------------------ rossim compare


@dataclasses.dataclass
class _Input:
    source: str
    scenario: Any = None      # a validated Scenario
    folder: Path | None = None
    label: str = ""
    run: RunFolder | None = None  # the folder read (and checked)


def _resolve(text: str, overrides: list[str]) -> _Input:
    from . import scenario

    path = Path(text)
    if path.is_dir():
        run = read_run(path)  # checks it now, before anything runs
        return _Input(text, folder=path, label=run.name, run=run)
    if path.is_file():
        if path.suffix.lower() != ".toml":
            raise InputError("neither a scenario TOML file nor a run folder", source=text)
        sc = scenario.load(path, overrides)
        return _Input(text, scenario=sc, label=sc.name)
    if path.suffix.lower() == ".toml":
        raise InputError("no such scenario file", source=text)
    raise InputError("no such scenario file or run folder", source=text)


def _safe(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("._") or "scenario"


def _unique_labels(inputs: list[_Input]) -> list[str]:
    labels = [_safe(i.label) for i in inputs]
    if len(set(labels)) == len(labels):
        return labels
    out = []
    for k, (inp, lb) in enumerate(zip(inputs, labels)):
        if labels.count(lb) > 1:
            lb = f"{lb}-{k + 1}"
        out.append(lb)
    return out


def _run_coverage(sc, out: Path, days: float | None, resolution_km: float | None, progress,
                  overrides: Sequence[str], half_angle_deg: float | None = None) -> None:
    from . import coverage_run

    coverage_run.run(sc, out, days=days, resolution_km=resolution_km, progress=progress,
                     overrides=list(overrides), half_angle_deg=half_angle_deg)


def _check_coverage_args(days: float | None, resolution_km: float | None) -> None:
    """Check --days / --resolution-km before any ensemble runs, with coverage_run's own checks
    (the coverage run would find them only after the replications were spent)."""
    from . import coverage_run

    if days is not None:
        coverage_run.check_days(days)
    if resolution_km is not None:
        coverage_run.check_resolution(resolution_km)


def _scenario_of_folder(folder: Path, overrides: Sequence[str] = ()):
    """The scenario a run folder was made from (with its ``--set`` overrides), if its scenario.toml
    still loads (else None)."""
    from . import scenario

    p = folder / "scenario.toml"
    if not p.is_file():
        return None
    text = resultfiles.read_text(p, label="run")
    origin = _original_source(text)
    # 'extends' is relative to the file: try the copy, then the original's place.
    for source in [p] + ([origin] if origin else []):
        try:
            return scenario.loads(text, source=str(source), overrides=list(overrides))
        except InputError:
            continue
    return None


_REMADE = shutil.ignore_patterns("report.html", "fig_*.png", "fig_*.svg", ".*")


def _not_copied(folder: str, names: list[str]) -> set[str]:
    """What a reused run folder's copy leaves out: what the report remakes, hidden files, and
    anything but regular files and folders (a link to /dev/zero or a named pipe would never end)."""
    import stat

    odd = {n for n in names if not (stat.S_ISREG(m := os.lstat(os.path.join(folder, n)).st_mode)
                                      or stat.S_ISDIR(m))}
    return set(_REMADE(folder, names)) | odd


def build(folder: Path, sources: Sequence[str], run_ensemble, *, overrides: Sequence[str] = (),
          replications: int | None = None, seed: int | None = None, workers: int | None = None,
          days: float | None = None, resolution_km: float | None = None,
          instrument: str | None = None, progress=None,
          half_angle_deg: float | None = None,
          campaign_coverage: bool = False) -> tuple[Comparison, list[RunFolder]]:
    """Run (scenario files) or reuse (run folders) each source into ``folder/<label>``, compare
    them, and write ``comparison.csv`` / ``comparison.json`` into ``folder``.

    ``run_ensemble(scenario, n, seed, workers, label)`` runs one ensemble (the CLI passes one with
    a progress bar). Coverage is run over one span and grid for all: ``days`` / ``resolution_km``,
    else the shortest span and coarsest grid of the scenarios; ``instrument``: the one compared
    (default: radar, or the first all have); ``half_angle_deg``: every scenario's coverage with
    one ad-hoc nadir cone instead of its instruments (:func:`rossim.coverage_run.build_instruments`).
    Writes the coverage difference maps and tables (:mod:`rossim.coverage_compare`).
    ``campaign_coverage``: each scenario file's run also writes its campaign coverage (as ``rossim
    run --coverage``: :mod:`rossim.campaign_coverage`) on the grid of the coverage runs (``resolution_km``,
    else the coarsest), compared year by year; run folders keep
    theirs (or have none). Reports and other figures are the caller's (:mod:`rossim.report`). Bad
    input raises :class:`InputError` before anything runs.
    """
    from . import coverage_run, ensemble, eventlog, results

    if len(sources) < 2 or len({str(Path(s).resolve()) for s in sources}) < len(sources):
        raise InputError(f"expected two or more different scenarios or run folders, got {len(sources)}"
                         f"{' (with repeats)' if len(sources) >= 2 else ''}", field="SCENARIO")
    inputs = [_resolve(s, list(overrides)) for s in sources]
    labels = _unique_labels(inputs)
    if campaign_coverage:
        from . import campaign_coverage as campaign_cov
    scs = [i.scenario for i in inputs if i.scenario is not None]
    _check_coverage_args(days, resolution_km)
    days = days or (min(s.coverage.days for s in scs) if scs else None)
    res = resolution_km or (max(s.coverage.resolution_km for s in scs) if scs else None)
    for sc in scs:  # the ensembles' and the coverage runs' size, before any is spent
        ensemble.check_size(sc, replications or sc.simulation.replications, seed, keep=bool(campaign_coverage))
        if campaign_coverage:
            campaign_cov.check(sc)
        if sc.instruments or half_angle_deg is not None:  # every input of its coverage run, and its size
            coverage_run.prepare(sc, days=days, resolution_km=res, half_angle_deg=half_angle_deg)
    runs = []
    for inp, label in zip(inputs, labels):
        sub = folder / label
        if inp.scenario is not None:
            sc = inp.scenario
            sub.mkdir()
            with eventlog.Writer(sub, "csv") as log:  # streamed; only campaign coverage needs the replications
                ens = run_ensemble(sc, replications, seed, workers, f"{label}: replications",
                                   keep=bool(campaign_coverage), events=log.add)
            results.write_campaign(sub, ens, list(overrides), events=None)
            if campaign_coverage:
                campaign_cov.write(sub, campaign_cov.analyze(ens, resolution_km=res, progress=progress))
            if sc.instruments or half_angle_deg is not None:
                _run_coverage(sc, sub / "coverage", days, res, progress, overrides, half_angle_deg)
        else:
            shutil.copytree(inp.folder, sub, ignore=_not_copied)
            r, inp.run = inp.run, None
            if not (sub / PERSON_DAYS_FILE).is_file() and (sub / "events.csv").is_file():
                results.write_person_days(sub, r.person_days_years, r.person_days)
            if _find_coverage(sub)[0] is None:
                ov = r.summary.get("overrides", [])
                sc = _scenario_of_folder(sub, ov)
                if sc is not None and (sc.instruments or half_angle_deg is not None):
                    _run_coverage(sc, sub / "coverage", days, res, progress, ov, half_angle_deg)
            runs.append(_copied(r, inp.folder, sub, label))
            continue
        runs.append(read_run(sub, label))
    comp = compare_runs(runs, instrument=instrument)
    write_comparison(folder, comp)
    if comp.instrument:
        from . import coverage_compare, maps

        diffs, notes = coverage_compare.compare_folders(runs, comp.instrument)
        coverage_compare.write(folder, diffs, notes, stamp=maps.overrides_stamp(overrides))
    return comp, runs


def _copied(run: RunFolder, original: Path, copy: Path, label: str) -> RunFolder:
    """``run`` (read from ``original``) as :func:`read_run` reads its copy ``copy``: the same
    tables, not read again (a million replications take seconds), and what the copy may differ in
    — its paths, its coverage (run into it), the ``extends`` base its scenario finds — read from
    the copy. A table the copy lacks or holds with another size (a link not copied): read it all."""
    tables = ("summary.json", "replications.csv", "capacity.csv", "scenario.toml", PERSON_DAYS_FILE,
              OCCUPANCY_FILE, OCCUPANCY_BY_YEAR_FILE)
    for name in tables:
        a, b = original / name, copy / name
        if a.is_file() != b.is_file() or (a.is_file() and a.stat().st_size != b.stat().st_size):
            return read_run(copy, label)
    coverage, coverage_dir = _find_coverage(copy)
    meta = _scenario_meta(_scenario_tables(copy / "scenario.toml", run.scenario_text))
    return dataclasses.replace(run, path=copy, label=label, meta=meta, coverage=coverage, coverage_dir=coverage_dir,
                               campaign_coverage=campaign_coverage_compare.read(copy))


def reuses_folders(sources: Sequence[str]) -> bool:
    """Whether any source is a run folder (then -n / --seed do not apply to it)."""
    return any(Path(s).is_dir() for s in sources)
