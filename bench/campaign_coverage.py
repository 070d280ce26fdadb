"""Benchmark: coverage over the campaign (rossim.campaign_coverage), cost and error.

    python bench/campaign_coverage.py [N]              # cost, N replications (default 1,000)
    python bench/campaign_coverage.py --error [N] [RES_KM] [FIRST_YEAR] [LAST_YEAR] [SCENARIO]

Cost: in one process, the single coverage run over the representative span
(:func:`rossim.campaign_coverage.reference`: WINDOWS_PER_MONTH x WINDOW_DAYS days a month, both instruments of the
default scenario at its 50 km cells), the default ``rossim coverage`` analysis (30 days) for
comparison, and the clipping of N replications (:func:`~rossim.campaign_coverage.spells` and
:func:`~rossim.campaign_coverage.yearly` for every instrument, the ensemble's own simulation
excluded), printed as ratios. The goal: N = 1,000 adds less than the single coverage run.

Error: the full computation, every day of the calendar years FIRST_YEAR..LAST_YEAR (default
2028..2033, RES_KM = 100 km cells; kept in /tmp for the next run), against representative spans of
DESIGNS (windows a month x days a window), all clipped by the same N (default 200) replications'
spells of the default scenario (or SCENARIO). Printed per
instrument and region, over the years: the largest error of the mean percent observed (percentage
points), of the share of replications with full coverage, of the median revisit (%; near the
edge of the replications that observe at all it compares a few accesses with none), the largest
error of one replication's percent in one year, and of the median revisit of the replications
that observe the whole year (%). The day rounding of the spells is measured
by clipping the full computation with every spell's ends moved half a day earlier and later.
"""

from __future__ import annotations

import datetime as dt
import pickle
import sys
import time
from pathlib import Path

import numpy as np

from rossim import campaign_coverage as cc
from rossim import coverage_run, ensemble, scenario

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "ross_high_latitude.toml"
#: Representative spans compared with the full computation: (windows a month, days a window).
DESIGNS = ((1, 1), (1, 3), (1, 5), (2, 2), (3, 1), (3, 2))


def best_of(f, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def cost(n: int) -> None:
    sc = scenario.load(SCENARIO)
    ens = ensemble.run(sc, n=n)
    coverage_run.region_grids(sc.coverage.resolution_km)  # the region outlines are read once (cached), apart
    tables = cc.reference(sc)
    reference_s = best_of(lambda: cc.reference(sc), 2)  # the machine is shared: the best of a few
    default_s = best_of(lambda: coverage_run.analyze(sc), 2)
    best = best_of(lambda: cc.analyze(ens, tables=tables), 3)
    cells = next(iter(tables.values())).n_cells
    print(f"{sc.name}: {len(tables)} instruments, {cells:,} cells, {ens.n:,} replications, "
          f"{cc.WINDOWS_PER_MONTH} window(s) of {cc.WINDOW_DAYS} days a month")
    print(f"representative span (the single coverage run, {12 * cc.WINDOWS_PER_MONTH * cc.WINDOW_DAYS} d):"
          f"{reference_s:10.2f} s")
    print(f"default rossim coverage analysis ({sc.coverage.days:g} d):             {default_s:6.2f} s")
    print(f"clipping {ens.n:,} replications:                               {best:6.2f} s  "
          f"= {best / reference_s:.2f} x the representative span, {best / default_s:.2f} x the default run")


def _summary(res):
    pct = res.percent  # (R, Y, G)
    rev = np.quantile(np.nan_to_num(res.revisit_h, nan=np.inf), 0.5, axis=0, method="inverted_cdf")
    return pct, pct.mean(axis=0), res.full().mean(axis=0), rev


def _whole_year_error(true, rep, inside, whole, whole_years, gi) -> float:
    """Largest relative error (%) over the years of the median revisit of the replications that
    observe the whole year (NaN: no year with at least 5 of them)."""
    out = []
    for j in np.flatnonzero(whole_years):
        t = np.median(true.revisit_h[:, inside][whole[:, j], j, gi])
        r = np.median(rep.revisit_h[:, inside][whole[:, j], j, gi])
        out.append(abs(r / t - 1.0))
    return 100.0 * max(out) if out else float("nan")


def _shifted(sp, shift_days):
    return cc.Spells(sp.rep, sp.start_days + shift_days, sp.end_days + shift_days, sp.n, sp.start, sp.horizon_days)


def error(n: int, resolution_km: float, first_year: int, last_year: int, path: Path = SCENARIO) -> None:
    sc = scenario.load(path)
    orbit = scenario.build_orbit(sc)
    instruments = coverage_run.build_instruments(sc, orbit)
    grids = coverage_run.region_grids(resolution_km, sc.coverage.nsr_corridor_width_km)
    ens = ensemble.run(sc, n=n)
    t = time.perf_counter()
    cache = Path(f"/tmp/rossim_bench_campaign_coverage_{sc.name}_{first_year}_{last_year}_{resolution_km:g}km.pkl")
    if cache.is_file():  # the full computation of an earlier run of this benchmark
        truth = pickle.loads(cache.read_bytes())
    else:
        spans = [(dt.date(y, 1, 1), (dt.date(y + 1, 1, 1) - dt.date(y, 1, 1)).days)
                 for y in range(first_year, last_year + 1)]
        truth = cc.daily_accesses(orbit, grids, instruments, spans, sc.coverage.step_s)
        cache.write_bytes(pickle.dumps(truth))
    full_s = time.perf_counter() - t
    print(f"full computation {first_year}-{last_year}, {resolution_km:g} km: {full_s:.0f} s")
    reps = {}
    for per_month, k in DESIGNS:
        t = time.perf_counter()
        reps[per_month, k] = cc.reference(sc, resolution_km=resolution_km, window_days=k, per_month=per_month)
        print(f"representative span, {per_month} x {k} d a month: {time.perf_counter() - t:.1f} s")
    for name, spec in sc.instruments.items():
        sp = cc.spells(ens, spec.module, spec.needs_crew)
        true = cc.yearly(truth[name], sp)
        years = np.array(true.years)
        inside = (years >= first_year) & (years <= last_year)
        t_pct, t_mean, t_full, t_rev = (a[..., inside, :] if a.ndim == 3 else a[inside] for a in _summary(true))
        print(f"\n{name} (module {spec.module}, needs_crew {spec.needs_crew}); years {first_year}-{last_year}; "
              f"truth: mean % observed by year (Arctic) {np.round(t_mean[:, 1], 1).tolist()}")
        print(f"  {'':22s} {'region':8s} {'mean % (pp)':>12s} {'P(full) (pp)':>13s} {'median revisit':>15s} "
              f"{'one replication (pp)':>21s} {'revisit, whole year':>20s}")
        # replications observing all of a year (at least 5 in it): their median revisit, censoring aside
        year_days = np.array([(dt.date(y + 1, 1, 1) - dt.date(y, 1, 1)).days for y in years[inside]])
        whole = true.observing_days[:, inside] >= year_days[None]
        whole_years = whole.sum(axis=0) >= 5
        for (per_month, k), tables in reps.items():
            rep = cc.yearly(tables[name], sp)
            r_pct, r_mean, r_full, r_rev = (a[..., inside, :] if a.ndim == 3 else a[inside] for a in _summary(rep))
            for gi, region in enumerate(true.regions):
                with np.errstate(invalid="ignore"):
                    rel = np.abs(r_rev[:, gi] / t_rev[:, gi] - 1.0)
                rel = rel[np.isfinite(rel)]
                mean_err = np.max(np.abs(r_mean[:, gi] - t_mean[:, gi]))
                print(f"  {per_month} x {k} d a month{'':6s} {region:8s} {mean_err:12.2f} "
                      f"{100 * np.max(np.abs(r_full[:, gi] - t_full[:, gi])):13.1f} "
                      f"{100 * (rel.max() if rel.size else np.nan):14.1f}% "
                      f"{np.max(np.abs(r_pct[:, :, gi] - t_pct[:, :, gi])):21.2f} "
                      f"{_whole_year_error(true, rep, inside, whole, whole_years, gi):19.1f}%")
        for shift in (-0.5, 0.5):
            moved = cc.yearly(truth[name], _shifted(sp, shift))
            m_pct, m_mean, m_full, _ = (a[..., inside, :] if a.ndim == 3 else a[inside] for a in _summary(moved))
            print(f"  spells {shift:+.1f} d (rounding) " + " ".join(
                f"{region}: mean {np.max(np.abs(m_mean[:, gi] - t_mean[:, gi])):.2f} pp, "
                f"P(full) {100 * np.max(np.abs(m_full[:, gi] - t_full[:, gi])):.1f} pp;"
                for gi, region in enumerate(true.regions)))


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] == "--error":
        rest = args[1:]
        n = int(rest[0]) if rest else 200
        res = float(rest[1]) if len(rest) > 1 else 100.0
        first = int(rest[2]) if len(rest) > 2 else 2028
        last = int(rest[3]) if len(rest) > 3 else 2033
        error(n, res, first, last, Path(rest[4]) if len(rest) > 4 else SCENARIO)
    else:
        cost(int(args[0]) if args else 1000)


if __name__ == "__main__":
    main()
