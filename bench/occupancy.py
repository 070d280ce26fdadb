"""Benchmark: crew-occupancy analysis of a large ensemble, against the capacity bands.

    python bench/occupancy.py [N]

Runs N/5 replications of the default scenario on all cores (default N = 10,000), repeats them five
times (same sizes as N replications), and prints the time of each :mod:`rossim.occupancy`
function as a ratio to :meth:`rossim.ensemble.Ensemble.capacity_bands` on the same ensemble in the
same process (the existing per-replication pass over the capacity grid). The goal: each well
under a second at 10,000 replications on a 2-core machine.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from rossim import ensemble, occupancy, scenario

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "ross_high_latitude.toml"


def best_of(f, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    sc = scenario.load(SCENARIO)
    few = ensemble.run(sc, n=max(1, n // 5))
    ens = ensemble.Ensemble(sc, few.seed, few.replications * 5)
    steps = occupancy.Steps.from_ensemble(ens)
    levels = occupancy.levels_for(ens)
    _, shares = occupancy.share_at_least_by_year(steps, levels)
    days = occupancy.hosting(steps, levels)
    base = best_of(ens.capacity_bands, 1)
    print(f"{ens.n:,} replications, up to {steps.t_days.shape[1]} change points each, levels {levels}")
    print(f"baseline Ensemble.capacity_bands: {base * 1000:.0f} ms")
    cases = {
        "Steps.from_ensemble": lambda: occupancy.Steps.from_ensemble(ens),
        "prob_at_least (capacity grid)": lambda: occupancy.prob_at_least(ens, levels),
        "share_at_least_by_year": lambda: occupancy.share_at_least_by_year(steps, levels),
        "person_days_by_year": lambda: occupancy.person_days_by_year(steps),
        "year_summary": lambda: occupancy.year_summary(shares),
        "first_at_least": lambda: occupancy.first_at_least(steps, levels),
        "hosting": lambda: occupancy.hosting(steps, levels),
        "milestone_quantiles": lambda: occupancy.milestone_quantiles(days),
        "Ensemble.person_days_by_year (per replication)": lambda: ens.person_days_by_year(),
    }
    for name, f in cases.items():
        t = best_of(f, 1 if "per replication" in name else 3)
        print(f"{name:48s} {t * 1000:7.1f} ms  {t / base:6.2f} x baseline")
    np.testing.assert_allclose(occupancy.person_days_by_year(steps)[1], ens.person_days_by_year()[1])


if __name__ == "__main__":
    main()
