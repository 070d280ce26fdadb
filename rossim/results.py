"""Result files: what a run writes, and how, atomically.

Folders are written whole or not at all, never over what rossim did not write, and carry a
``manifest.json``: see :mod:`rossim.folders`, whose :func:`~rossim.folders.output_dir` this module
re-exports.

Files of a campaign run (``rossim run``):

=====================  =====================================================================
``summary.json``       stable keys: ``milestones.<name>.{p10,p50,p90}`` (ISO dates, null if not
                       reached) with ``_days`` twins, each with its 95 % Monte Carlo interval
                       ``{p10,p50,p90}_low`` / ``_high`` (order statistics; null: later than
                       the horizon; a low bound too few replications give is the start) and
                       ``_low_days`` / ``_high_days``; ``.probability`` (by the horizon) and
                       ``.probability_by_deadline`` with their Wilson intervals ``_low`` /
                       ``_high``. One entry per milestone of the scenario
                       (:mod:`rossim.campaign.milestones`: ``first_crew``, ``room_for_N`` and
                       ``capacity_N`` per crew level, ``phase_<n>_complete`` per phase), in
                       that order, then ``hosting_N`` per crew level N ("hosting N routinely":
                       the first date with at least N aboard from which at least N are aboard
                       90 % of the next 365 days, :func:`rossim.occupancy.hosting`);
                       ``person_days``, ``fraction_crewed``, ``launches``, ``losses`` as
                       ``{p10,p50,p90,mean,mean_low,mean_high}``
``replications.csv``   one row per replication: milestone days and dates (the same milestones,
                       in the same order: ``<name>_day``, ``<name>_date``, ``hosting_N`` too),
                       counts, module dates, then the counts of what happened (every key of
                       :func:`rossim.campaign.count_keys`, 0 when none): ``launch_failures.<vehicle>``,
                       ``scrubs.<site>``, ``docking_failures.<module>``, ``losses.<module>``
``events.csv``         every replication's event log, with a ``replication`` column
``capacity.csv``       crew capacity and crew aboard on a regular grid: 10/50/90 % and mean
``occupancy.csv``      on the same grid (``date``, ``day``), for each crew level k from 1 to the
                       largest crew target: ``p_at_least_k`` (the share of replications with at
                       least k aboard on that date, exact from the step functions) and its 95 %
                       Wilson interval ``p_at_least_k_low`` / ``p_at_least_k_high``
``occupancy_by_year.csv``  a row per calendar year and crew level k (``year``, ``level``): the
                       share of the year with at least k aboard, ``share_mean`` with its 95 %
                       interval (``share_mean_low``, ``share_mean_high``) and ``share_p10`` /
                       ``share_p50`` / ``share_p90`` over replications (a year cut by the start
                       or the horizon: of its simulated days); ``person_days_mean``: the year's
                       mean person-days aboard (the same on every level's row)
``person_days_by_year.csv``  person-days aboard per replication and calendar year
``scenario.toml``      the scenario text as run, with the ``--set`` overrides in a header
=====================  =====================================================================
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from . import clock, eventlog
from .campaign import count_keys
from .ensemble import Ensemble
from .folders import output_dir

__all__ = ["output_dir", "write_json", "write_csv", "write_campaign", "write_person_days", "write_occupancy",
           "read_summary", "PERSON_DAYS_FILE", "OCCUPANCY_FILE", "OCCUPANCY_BY_YEAR_FILE"]

#: Person-days aboard per replication and calendar year.
PERSON_DAYS_FILE = "person_days_by_year.csv"
#: P(at least k aboard) on the capacity grid.
OCCUPANCY_FILE = "occupancy.csv"
#: Share of each calendar year with at least k aboard.
OCCUPANCY_BY_YEAR_FILE = "occupancy_by_year.csv"


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if not np.isfinite(v) else f"{v:.6g}" if abs(v) < 1e5 else f"{v:.1f}"
    return str(v)


#: Replications formatted at a time into the per-replication tables (bounded memory).
BLOCK_ROWS = 10_000


def write_campaign(folder: Path, ensemble: Ensemble, overrides: Sequence[str] = (),
                   selection: dict | None = None, events: str | None = "csv") -> dict:
    """Write the campaign files of ``ensemble`` into ``folder`` (see the module docstring), the
    event log as ``events`` says (:data:`rossim.eventlog.FORMATS`: parquet, csv or none; None:
    it is written already, streamed while the ensemble ran, see :func:`rossim.ensemble.run`);
    ``selection``: ``{"where": [...], "selected": k, "of": n}`` when ``ensemble`` holds the
    replications of a larger one that met conditions (``rossim run --where``), added to
    ``summary.json``. Returns the summary written (the terminal prints it: computed once).
    Everything comes from the ensemble's columns; the per-replication tables are formatted a
    block of replications at a time."""
    sc = ensemble.scenario
    summary = ensemble.summary()
    summary["overrides"] = list(overrides)
    summary["what_if"] = [w.describe() for w in ensemble.scenario.what_if]  # forced events, all of them
    if selection is not None:
        summary.update(selection)
    write_json(folder / "summary.json", summary)

    write_replications(folder / "replications.csv", ensemble)
    if events is not None:
        eventlog.write(folder, ensemble, events)
    write_person_days(folder, *ensemble.person_days_by_year(), ensemble.columns.index)

    start = sc.simulation.start
    bands = ensemble.capacity_bands()
    keys = [k for k in bands if k != "day"]
    write_csv(folder / "capacity.csv", ["day", "date", *keys],
              ([_fmt(d), clock.iso_date(start, d), *(_fmt(float(bands[k][i])) for k in keys)]
               for i, d in enumerate(bands["day"])))

    write_occupancy(folder, ensemble)

    header_lines = [f"# rossim run of {sc.source}"]
    header_lines += [f"# --set {o}" for o in overrides]
    (folder / "scenario.toml").write_text("\n".join(header_lines) + "\n" + sc.source_text, encoding="utf-8")
    return summary


def write_replications(path: Path, ensemble: Ensemble) -> None:
    """``replications.csv``: a row per replication (milestone days and dates, person-days,
    launches, losses, module dates and losses, counts), from the ensemble's columns."""
    sc = ensemble.scenario
    start = sc.simulation.start
    cols = ensemble.columns
    mods = list(sc.modules)
    milestones = ensemble.milestones
    header = ["replication"]
    for m in milestones:
        header += [f"{m}_day", f"{m}_date"]
    header += ["person_days", "fraction_crewed", "launches", "losses"]
    header += [f"{m}_docked_date" for m in mods] + [f"{m}_ready_date" for m in mods]
    header += [f"{m}_losses" for m in mods]
    header += count_keys(sc)

    def block(rows: slice):
        days = cols.milestones[rows]
        iso = clock.iso_dates(start, days).tolist()  # dates by block, not one by one
        docked = clock.iso_dates(start, cols.docked[rows]).tolist()
        ready = clock.iso_dates(start, cols.ready[rows]).tolist()
        scalars = zip(cols.index[rows].tolist(), cols.person_days[rows].tolist(), cols.fraction_crewed[rows].tolist(),
                      cols.launches[rows].tolist(), cols.losses[rows].tolist())
        for i, (index, person_days, fraction, launches, losses) in enumerate(scalars):
            row = [index]
            for d, text in zip(days[i].tolist(), iso[i]):
                row += [_fmt(d), text]
            row += [_fmt(person_days), _fmt(fraction), launches, losses]
            yield row + docked[i] + ready[i] + cols.lost[rows.start + i].tolist() + cols.counts[rows.start + i].tolist()

    write_csv(path, header, (row for at in range(0, cols.n, BLOCK_ROWS)
                             for row in block(slice(at, min(at + BLOCK_ROWS, cols.n)))))


def write_occupancy(folder: Path, ensemble: Ensemble) -> None:
    """``occupancy.csv`` (P(at least k aboard) on the capacity grid, with Wilson intervals) and
    ``occupancy_by_year.csv`` (share of each calendar year with at least k aboard: mean with its
    interval, 10/50/90 % over replications; mean person-days of the year), for k = 1 .. the largest
    crew target or the most ever aboard (:meth:`rossim.columns.Columns.levels`)."""
    from . import montecarlo, occupancy
    from .columns import grid_days, years_of

    start = ensemble.start
    cols = ensemble.columns
    levels = cols.levels(ensemble.scenario)
    grid = grid_days(ensemble.scenario)
    prob = montecarlo.proportion(cols.at_least_on_grid(levels), cols.n)
    header = ["date", "day"]
    for k in levels:
        header += [f"p_at_least_{k}", f"p_at_least_{k}_low", f"p_at_least_{k}_high"]
    write_csv(folder / OCCUPANCY_FILE, header,
              ([clock.iso_date(start, d), _fmt(float(d)),
                *(_fmt(float(a[j, i])) for j in range(len(levels)) for a in (prob.value, prob.low, prob.high))]
               for i, d in enumerate(grid)))
    years = years_of(ensemble.scenario)
    share = cols.shares(levels)
    ys = [occupancy.year_summary(share[j], axis=0) for j in range(len(levels))]  # a level at a time: bounded copies
    pd_mean = cols.person_days_by_year.mean(axis=0)
    write_csv(folder / OCCUPANCY_BY_YEAR_FILE,
              ["year", "level", "share_mean", "share_mean_low", "share_mean_high", "share_p10", "share_p50",
               "share_p90", "person_days_mean"],
              ([y, k, *(_fmt(float(min(max(v, 0.0), 1.0))) for v in
                        (ys[j]["mean"].value[i], ys[j]["mean"].low[i], ys[j]["mean"].high[i],
                         ys[j]["p10"].value[i], ys[j]["p50"].value[i], ys[j]["p90"].value[i])),
                _fmt(float(pd_mean[i]))]
               for i, y in enumerate(years) for j, k in enumerate(levels)))


def write_person_days(folder: Path, years: Sequence[int], values: np.ndarray,
                      replications: Sequence[int] | None = None) -> None:
    """``person_days_by_year.csv``: a row per replication (numbered as ``replications`` says, as
    in ``replications.csv``; default 0, 1, ...), a column per calendar year (exact floats)."""
    numbers = range(len(values)) if replications is None else np.asarray(replications).tolist()
    write_csv(folder / PERSON_DAYS_FILE, ["replication", *(f"person_days_{y}" for y in years)],
              ([numbers[at + i], *map(repr, row)] for at in range(0, len(values), BLOCK_ROWS)
               for i, row in enumerate(values[at:at + BLOCK_ROWS].tolist())))


def read_summary(folder: str | Path) -> dict:
    """Read a run folder's ``summary.json``."""
    return json.loads((Path(folder) / "summary.json").read_text(encoding="utf-8"))
