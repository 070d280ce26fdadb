"""Calibrate a scenario's module readiness slips so that its *simulated launch slips* follow the
slip prior fitted to history.

    python scripts/calibrate_slips.py scenarios/ross_high_latitude.toml --plan-date 2026-01-06 [-n 400]
    python scripts/calibrate_slips.py scenarios/ros_iss_orbit.toml --plan-date 2026-03-17

The fitted prior (docs/history-sources.md#slip-prior-fit: on time with probability 0.061, else
lead x Weibull(1.42, 0.647)) describes how far past its plan a module *launched*: launch minus
plan, with whatever the module waited for (the module before it, a launcher, a pad) already in it.
A scenario draws a module's *readiness* slip, and the campaign then adds those waits; drawing the
fitted prior as the readiness slip counts the waits twice. This script finds the factor c of the
readiness slip, lead x Weibull(1.42, c), for which the simulated first launch (an attempt, failed
or not) past the plan has the fitted prior's distribution: the median of its percentile under the
fitted prior (its PIT, pooled over the modules) is 1/2. It prints, for a grid of c, the pooled
PIT median and the shares below the prior's 10 % and above its 90 % point (1/10 each when
calibrated), and the c interpolated to a PIT median of 1/2.

A module's lead is the days from the plan's publication (``--plan-date``) to its planned ready
date. The shape and the on-time probability stay as fitted; only the factor moves. Measured
(300 replications, seed 1): 0.526 for the high-latitude plan, 0.527 for the 51.6° plan; the
scenarios use 0.53.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np

from rossim import ensemble, scenario

#: The fitted prior (history-sources.md#slip-prior-fit).
P_ZERO, SHAPE, FACTOR = 0.061, 1.42, 0.647


def leads(sc, plan_date: dt.date) -> dict[str, float]:
    """Each launched module's lead: days from ``plan_date`` to its planned ready date."""
    return {k: float((m.ready - plan_date).days) for k, m in sc.modules.items() if not m.present_at_start}


def pit(slip_days: np.ndarray, lead_days: float) -> np.ndarray:
    """Percentile of a launch slip under the fitted prior (a slip <= 0: the middle of the on-time mass)."""
    x = np.maximum(np.asarray(slip_days, dtype=float), 0.0) / lead_days
    u = P_ZERO + (1.0 - P_ZERO) * (1.0 - np.exp(-(x / FACTOR) ** SHAPE))
    return np.where(slip_days <= 0.0, P_ZERO / 2.0, u)


def first_launch_slips(sc, n: int, seed: int) -> dict[str, np.ndarray]:
    """Per module, the first launch (attempt) minus its planned ready date, days; NaN: no launch."""
    ens = ensemble.run(sc, n=n, seed=seed)
    ready = {k: (m.ready - sc.simulation.start).days for k, m in sc.modules.items() if not m.present_at_start}
    out = {k: np.full(n, np.nan) for k in ready}
    for i, r in enumerate(ens.replications):
        seen = set()
        for t, kind, subject, _ in r.events:
            if kind in ("launch", "launch_failure") and subject in ready and subject not in seen:
                seen.add(subject)
                out[subject][i] = t - ready[subject]
    return out


def with_factor(sc, plan_date: dt.date, c: float):
    """The scenario with every module's slip scale c x lead (a --set per module)."""
    sets = [f"modules.{k}.slip_days.scale={c * lead:.1f}" for k, lead in leads(sc, plan_date).items()]
    return scenario.load(sc.source, sets)


def measure(sc, plan_date: dt.date, n: int, seed: int) -> tuple[float, float, float, int]:
    """(PIT median, share below the prior's 10 %, share above its 90 %, launches) pooled over the
    modules, of the simulated first launches under the fitted prior."""
    slips = first_launch_slips(sc, n, seed)
    lead = leads(sc, plan_date)
    u = np.concatenate([pit(s[np.isfinite(s)], lead[k]) for k, s in slips.items()])
    return float(np.median(u)), float(np.mean(u < 0.1)), float(np.mean(u > 0.9)), int(u.size)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--plan-date", type=dt.date.fromisoformat, required=True,
                    help="when the plan the scenario's ready dates follow was published")
    ap.add_argument("-n", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--grid", default="0.3,0.35,0.4,0.45,0.5,0.55,0.647")
    args = ap.parse_args(argv)
    base = scenario.load(args.scenario)
    rows = []
    for c in (float(v) for v in args.grid.split(",")):
        med, low, high, k = measure(with_factor(base, args.plan_date, c), args.plan_date, args.n, args.seed)
        rows.append((c, med))
        print(f"c = {c:.3f}: PIT median {med:.3f}, below the prior's 10 % {low:.3f}, above its 90 % {high:.3f}"
              f" ({k} launches)", flush=True)
    cs, meds = np.array(rows).T
    order = np.argsort(meds)
    if not meds.min() <= 0.5 <= meds.max():
        print("the PIT median does not cross 1/2 on this grid: widen it", file=sys.stderr)
        return 1
    best = float(np.interp(0.5, meds[order], cs[order]))
    print(f"calibrated factor: {best:.3f} (fitted prior {FACTOR}); scale = {best:.3f} x lead")
    return 0


if __name__ == "__main__":
    sys.exit(main())
