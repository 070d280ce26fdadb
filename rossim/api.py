"""rossim's public face for a script or a notebook: load, run, tables with real dates, figures.

``import rossim`` exposes these functions (and imports nothing heavy until one is called)::

    sc = rossim.load("scenarios/ross_high_latitude.toml", overrides=["simulation.replications=200"])
    ens = rossim.run(sc, n=200, seed=1)          # a rossim.ensemble.Ensemble
    rossim.milestones(ens)                       # one row per milestone: dates with Monte Carlo intervals
    rossim.replications(ens)                     # one row per replication: milestone dates, counts
    rossim.events(ens)                           # every event of every replication, UTC times
    rossim.occupancy(ens)                        # P(at least k aboard) on each date
    rossim.occupancy_figure(ens)                 # a matplotlib Figure
    cov = rossim.coverage(sc, days=2, resolution_km=200)   # in memory, no output folder
    cov.table()                                  # figures of merit, a row per region and instrument
    rossim.drivers(sc, "capacity_4.p50", method="sobol", n=500)   # inputs ranked, a DataFrame
    rossim.drivers_figure(table)                 # its tornado / index chart

Times are pandas timestamps in UTC (``datetime64[us, UTC]``: a simulated span may run to 2300,
past the nanosecond range), built from the simulators' float days since the scenario start by
numpy arithmetic (no per-row formatting). NaT: not reached within the horizon. The tables hold
the numbers the files of ``rossim run`` hold (``summary.json``, ``replications.csv``,
``events.csv``, ``occupancy.csv``) as dates and numbers instead of text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .coverage_run import CoverageRun
    from .ensemble import Ensemble
    from .figures import Occupancy
    from .scenario import Scenario

__all__ = ["load", "run", "coverage", "milestones", "replications", "events", "occupancy",
           "occupancy_input", "occupancy_figure", "utc_times", "drivers", "drivers_figure"]

#: Microseconds per day: times are kept to the microsecond.
_US_PER_DAY = 86_400_000_000.0


def _overrides(overrides) -> list[str]:
    """The ``--set`` strings as a list (one string alone is one override, not its characters)."""
    if isinstance(overrides, str):
        return [overrides]
    return [str(o) for o in overrides]


def load(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """A scenario file read, overridden (``"dotted.path=VALUE"`` strings, as ``--set``) and
    validated: :func:`rossim.scenario.load`. Bad input raises :class:`rossim.errors.InputError`."""
    from . import scenario

    return scenario.load(path, _overrides(overrides))


def _scenario(scenario_or_path, overrides, purpose: str = "campaign") -> Scenario:
    """A Scenario from a path, or a Scenario with overrides applied to the text it was loaded
    from, validated for ``purpose`` (:data:`rossim.scenario.PURPOSES`)."""
    from . import scenario

    overrides = _overrides(overrides)
    if not isinstance(scenario_or_path, scenario.Scenario):
        return scenario.load(scenario_or_path, overrides, purpose=purpose)
    sc = scenario_or_path
    if not overrides:
        return sc
    if not sc.source_text:
        raise InputError("overrides need the scenario's text; load it with rossim.load", source=sc.source)
    return scenario.loads(sc.source_text, sc.source, overrides, purpose=purpose)


def run(scenario_or_path, n: int | None = None, seed: int | None = None, workers: int | None = None,
        overrides: Sequence[str] = ()) -> Ensemble:
    """The campaign ensemble of a scenario (a path or a :class:`~rossim.scenario.Scenario`):
    ``n`` replications (default: the scenario's) from ``seed`` (default: the scenario's) on
    ``workers`` processes (default: the cores); :func:`rossim.ensemble.run`. The same scenario and
    seed give the same ensemble whatever the workers, as ``rossim run``."""
    from . import ensemble

    return ensemble.run(_scenario(scenario_or_path, overrides), n=n, seed=seed, workers=workers)


def coverage(scenario_or_path, days: float | None = None, resolution_km: float | None = None,
             instrument: str | None = None, half_angle_deg: float | None = None,
             overrides: Sequence[str] = (), regions: Sequence[str | Path] = ()) -> CoverageRun:
    """The coverage of Russia, the Arctic zone and the Northern Sea Route (and the GeoJSON
    ``regions``) by a scenario's station, in memory: :func:`rossim.coverage_run.analyze`, the same
    numbers ``rossim coverage`` writes (``.summary`` is its ``coverage_summary.json``; ``.table()``
    the figures of merit; ``.map(instrument)`` a map). The scenario is validated for coverage, as
    ``rossim coverage --set`` does (:func:`rossim.coverage_run.load_scenario`): an orbit what-if
    its launch sites cannot reach is accepted."""
    from . import coverage_run

    overrides = _overrides(overrides)
    sc = _scenario(scenario_or_path, overrides, "coverage")
    return coverage_run.analyze(sc, days=days, resolution_km=resolution_km, instrument=instrument,
                                half_angle_deg=half_angle_deg, overrides=overrides, region_files=regions)


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------


def utc_times(start: dt.date | dt.datetime, days) -> pd.DatetimeIndex:
    """UTC timestamps ``days`` (float days, any shape flattened; NaN: NaT) after ``start``, to the
    microsecond, as a ``DatetimeIndex`` of dtype ``datetime64[us, UTC]``: numpy arithmetic, no
    Python loop."""
    import pandas as pd

    from . import clock

    d = np.asarray(days, dtype=float).ravel()
    t0 = np.datetime64(clock.as_utc(start).replace(tzinfo=None), "us")
    ok = np.isfinite(d)
    offset = np.round(np.where(ok, d, 0.0) * _US_PER_DAY).astype(np.int64).astype("timedelta64[us]")
    t = np.where(ok, t0 + offset, np.datetime64("NaT", "us"))
    return pd.DatetimeIndex(t).tz_localize("UTC")


def milestones(ens: Ensemble) -> pd.DataFrame:
    """One row per milestone (index ``milestone``, in :attr:`Ensemble.milestones` order): the
    10/50/90 % dates ``p10``, ``p50``, ``p90`` with their 95 % Monte Carlo intervals ``p50_low`` /
    ``p50_high`` ... (UTC timestamps; NaT: later than the horizon), ``probability`` (by the
    horizon) and ``probability_by_deadline`` with their Wilson intervals ``_low`` / ``_high``:
    the numbers of :meth:`Ensemble.summary` (``summary.json``)."""
    import pandas as pd

    summary = ens.summary()["milestones"]
    keys = ("p10", "p50", "p90")
    date_cols = [c for k in keys for c in (k, f"{k}_low", f"{k}_high")]
    prob_cols = [f"{k}{s}" for k in ("probability", "probability_by_deadline") for s in ("", "_low", "_high")]
    names = list(summary)
    days = np.array([[_nan(summary[m][f"{c}_days"]) for c in date_cols] for m in names], dtype=float)
    days = days.reshape(len(names), len(date_cols))
    table = {c: utc_times(ens.start, days[:, j]) for j, c in enumerate(date_cols)}
    table.update({c: np.array([_nan(summary[m][c]) for m in names], dtype=float) for c in prob_cols})
    return pd.DataFrame(table, index=pd.Index(names, name="milestone"))


def _nan(v) -> float:
    return np.nan if v is None else float(v)


def replications(ens: Ensemble) -> pd.DataFrame:
    """One row per replication (index ``replication``): each milestone's date (a column named as
    the milestone; NaT: not reached within the horizon), ``person_days``, ``fraction_crewed``,
    ``launches``, ``losses``, and per module ``<module>_ready`` and ``<module>_docked`` dates and
    ``<module>_losses``, and the counts of what happened (``launch_failures.<vehicle>``,
    ``scrubs.<site>``, ``docking_failures.<module>``, ``losses.<module>``): ``replications.csv`` as
    dates and numbers."""
    import pandas as pd

    c = ens.columns
    cols: dict = {m: utc_times(ens.start, ens.milestone_days(m)) for m in ens.milestones}
    for name in ("person_days", "fraction_crewed"):
        cols[name] = ens.values(name)
    for name in ("launches", "losses"):
        cols[name] = getattr(c, name).astype(np.int64)
    mods = list(ens.scenario.modules)
    for j, mid in enumerate(mods):
        cols[f"{mid}_ready"] = utc_times(ens.start, c.ready[:, j])
        cols[f"{mid}_docked"] = utc_times(ens.start, c.docked[:, j])
    for j, mid in enumerate(mods):
        cols[f"{mid}_losses"] = c.lost[:, j].astype(np.int64)
    from .campaign import count_keys

    for j, key in enumerate(count_keys(ens.scenario)):  # launch_failures.<vehicle>, scrubs.<site>, ...
        cols[key] = c.counts[:, j].astype(np.int64)
    index = pd.Index(c.index.astype(np.int64), name="replication")
    return pd.DataFrame(cols, index=index)


def events(ens: Ensemble) -> pd.DataFrame:
    """Every event of every replication, in replication then log order: ``replication``, ``time``
    (UTC timestamp), ``day`` (days since the start), ``kind``, ``subject``, ``detail``
    (``kind`` and ``subject`` categorical): ``events.csv`` as a table. Built column by column
    from the logs (a pass in C over the tuples per column, numpy for the times), so a million
    events take about a second."""
    import pandas as pd

    from . import eventlog

    c = eventlog.columns(ens.kept())
    return pd.DataFrame({
        "replication": c["replication"],
        "time": utc_times(ens.start, c["day"]),
        "day": c["day"],
        "kind": pd.Categorical(c["kind"]),
        "subject": pd.Categorical(c["subject"]),
        "detail": np.array(c["detail"], dtype=object),
    })


def _grid(ens: Ensemble) -> np.ndarray:
    """The capacity grid (days): every ``capacity_step_days`` from the start to the horizon."""
    from .columns import grid_days

    return grid_days(ens.scenario)


def occupancy(ens: Ensemble, levels: Sequence[int] | None = None) -> pd.DataFrame:
    """P(at least k aboard) on each date of the capacity grid (index ``date``, UTC; a ``day``
    column): ``p_at_least_<k>`` with its 95 % Wilson interval ``p_at_least_<k>_low`` / ``_high``
    for each crew level k (default: 1 .. the largest crew target), exact from each replication's
    crew-aboard steps (:func:`rossim.occupancy.prob_at_least`): ``occupancy.csv`` as a table."""
    import pandas as pd

    from . import occupancy as occ

    steps = occ.Steps.from_ensemble(ens)
    levels = list(occ.levels_for(ens) if levels is None else levels)
    grid = _grid(ens)
    prob = occ.prob_at_least(steps, levels, grid)
    cols: dict = {"day": grid}
    for j, k in enumerate(levels):
        cols[f"p_at_least_{k}"] = prob.value[j]
        cols[f"p_at_least_{k}_low"] = prob.low[j]
        cols[f"p_at_least_{k}_high"] = prob.high[j]
    return pd.DataFrame(cols, index=utc_times(ens.start, grid).rename("date"))


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def occupancy_input(ens: Ensemble, label: str | None = None) -> Occupancy:
    """The input of :func:`rossim.figures.occupancy_figure` and
    :func:`rossim.figures.occupancy_by_year_figure` for an ensemble in memory (``label``: default
    the scenario's name), as ``rossim run``'s report builds it from its files."""
    from . import figures
    from . import occupancy as occ
    from .campaign import milestones as campaign_milestones

    steps = occ.Steps.from_ensemble(ens)
    levels = occ.levels_for(ens)
    grid = _grid(ens)
    prob = occ.prob_at_least(steps, levels, grid)
    half = np.maximum(prob.value - prob.low, prob.high - prob.value)
    years, share = occ.share_at_least_by_year(steps, levels)
    ys = occ.year_summary(share)
    summary = ens.summary()["milestones"]
    phases = {}
    for m in ens.milestones:
        parsed = campaign_milestones.parse(m)
        if parsed and parsed[0] == "phase":
            p50 = summary[m]["p50"]
            phases[f"phase {parsed[1]} complete"] = dt.date.fromisoformat(p50) if p50 else None
    dates = np.datetime64(ens.start, "D") + np.floor(grid).astype(np.int64)
    return figures.Occupancy(label or ens.scenario.name, dates, tuple(levels), prob.value, half, tuple(years),
                             ys["mean"].value, ys["p10"].value, ys["p90"].value, phases, ens.n)


def occupancy_figure(ensembles: Ensemble | Sequence[Ensemble], labels: Sequence[str] | None = None,
                     title: str | None = None):
    """:func:`rossim.figures.occupancy_figure` of one ensemble or several (one panel each, common
    axes): a matplotlib Figure (``rossim.figures.save(fig, "occupancy.png")`` writes it)."""
    from . import figures
    from .ensemble import Ensemble

    items = [ensembles] if isinstance(ensembles, Ensemble) else list(ensembles)
    labels = list(labels) if labels is not None else [None] * len(items)
    if len(labels) != len(items):
        raise ValueError(f"{len(labels)} labels for {len(items)} ensembles")
    return figures.occupancy_figure([occupancy_input(e, lb) for e, lb in zip(items, labels)], title=title)


# ---------------------------------------------------------------------------------------------
# Drivers
# ---------------------------------------------------------------------------------------------


def drivers(scenario_or_path, outcome: str, method: str = "one_at_a_time", n: int | None = None,
            seed: int | None = None, inputs: Sequence[str] | None = None, workers: int | None = None,
            overrides: Sequence[str] = ()) -> pd.DataFrame:
    """The scenario's uncertain inputs ranked by their effect on ``outcome``, as ``rossim drivers``
    ranks them: ``method="one_at_a_time"`` (each fixed at its median or its risk switched off:
    columns ``shift``, ``shift_low``, ``shift_high`` in the outcome's unit, and ``value``) or
    ``"sobol"`` (first-order Sobol' indices from one ensemble's recorded draws: ``index``,
    ``index_low``, ``index_high``, a share of the outcome's variance). One row per input, largest
    effect first, with ``within_noise``; ``df.attrs["result"]`` keeps the full result for
    :func:`drivers_figure`."""
    import pandas as pd

    from .analysis import drivers as oat
    from .analysis import sensitivity

    sc = _scenario(scenario_or_path, overrides)
    if method == "sobol":
        res = sensitivity.sobol(sc, outcome, n=n, seed=seed, inputs=inputs)
        df = pd.DataFrame({"input": [i.input.id for i in res.indices], "kind": [i.input.kind for i in res.indices],
                           "recorded_as": [i.what for i in res.indices],
                           "index": [float(i.value.value) for i in res.indices],
                           "index_low": [float(i.value.low) for i in res.indices],
                           "index_high": [float(i.value.high) for i in res.indices],
                           "within_noise": [i.within_noise for i in res.indices]})
    else:
        res = oat.run(sc, outcome, method, n=n, seed=seed, inputs=inputs, workers=workers)
        df = pd.DataFrame({"input": [d.input.id for d in res.drivers], "kind": [d.input.kind for d in res.drivers],
                           "how": [d.input.how for d in res.drivers],
                           "value": [float(d.value.value) for d in res.drivers],
                           "shift": [float(d.shift.value) for d in res.drivers],
                           "shift_low": [float(d.shift.low) for d in res.drivers],
                           "shift_high": [float(d.shift.high) for d in res.drivers],
                           "within_noise": [bool(d.within_noise) for d in res.drivers]})
    df.index = pd.RangeIndex(1, len(df) + 1, name="rank")
    df.attrs["result"] = res
    return df


def drivers_figure(table: pd.DataFrame):
    """The chart ``rossim drivers`` draws for a :func:`drivers` table: a tornado chart of the
    shifts, or the bar chart of the indices (a matplotlib Figure)."""
    from . import figures
    from .analysis import drivers as oat
    from .analysis import sensitivity

    res = table.attrs.get("result")
    if res is None:
        raise ValueError("expected a table made by rossim.drivers (its attrs['result'] is missing)")
    data = sensitivity.figure_data(res) if isinstance(res, sensitivity.Indices) else oat.tornado_data(res)
    return figures.tornado_figure(**data)
