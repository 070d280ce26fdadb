"""Replications until a precision is reached: ``rossim run --precision-days D``.

A user who wants "the median date to within a month" should not have to guess a count. This runs
the ensemble in rounds and stops when the median of every milestone asked for (by default every
milestone whose median falls within the horizon) is known to within ``precision_days``: the
wider half of its 95 % order-statistic interval (:func:`rossim.montecarlo.quantile`) is at most
that. Each round adds replications numbered after the last (replication i always from its own
stream), so the final ensemble *is* ``rossim run -n N`` for the count N it stopped at: the same
numbers, whatever the rounds were.

How many to add: Monte Carlo error falls as 1/sqrt(n), so the count that would reach the target
(:func:`rossim.montecarlo.replications_for`) is asked for, at least 25 % more than so far (the
estimate is itself noisy) and at most 4 times as many, and never more than ``max_replications``
(which is also checked against memory before the first round). A median whose interval is not
bounded yet (too few replications reach the milestone to bound its upper side) doubles the count.
Reaching the cap is not an error: the result says which medians are not yet that precise. A median
past the horizon beyond doubt (fewer than half the replications reach the milestone, by the 95 %
interval of that share) is no longer refined: no count would bound it; the result names it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from . import columns, ensemble, montecarlo
from .errors import InputError
from .scenario import Scenario

__all__ = ["Precision", "half_width_days", "run_until", "FIRST_ROUND", "MAX_REPLICATIONS"]

#: Replications of the first round (or the scenario's count, when smaller).
FIRST_ROUND = 200
#: Default cap on the replications a precision run may reach.
MAX_REPLICATIONS = 100_000


@dataclass(frozen=True)
class Precision:
    """What a precision run reached: the ensemble, the target, each watched median's half-width
    (days; inf: not bounded yet) and the rounds' counts."""

    ensemble: ensemble.Ensemble
    target_days: float
    half_widths: dict[str, float]
    rounds: tuple[int, ...]
    capped: bool
    #: Watched milestones whose medians are past the horizon beyond doubt (the run stopped there).
    beyond_horizon: tuple[str, ...] = ()

    @property
    def reached(self) -> bool:
        """Every watched median is that precise (False when nothing was watched: no milestone's
        median fell within the horizon, so nothing was made precise)."""
        return bool(self.half_widths) and all(h <= self.target_days for h in self.half_widths.values())

    def to_json(self) -> dict:
        return {"target_days": self.target_days, "reached": self.reached, "capped": self.capped,
                "beyond_horizon": list(self.beyond_horizon),
                "replications": self.ensemble.n, "rounds": list(self.rounds),
                "median_half_width_days": {k: (round(v, 2) if math.isfinite(v) else None)
                                           for k, v in self.half_widths.items()}}


def half_width_days(days: np.ndarray) -> tuple[float, float]:
    """(median, the wider half of its 95 % interval) of a milestone's days (NaN: not reached):
    the median NaN when it falls after the horizon; the half-width inf when a bound is not known."""
    q = montecarlo.quantile(days, 0.5, censored=True)
    value, low, high = float(q.value), float(q.low), float(q.high)
    if not math.isfinite(value):
        return value, math.inf
    if not (math.isfinite(low) and math.isfinite(high)):
        return value, math.inf
    return value, max(value - low, high - value)


def _beyond_horizon(ens: ensemble.Ensemble, names: Sequence[str]) -> tuple[str, ...]:
    """Those of ``names`` (milestones not yet precise) whose median is past the horizon beyond
    doubt: the 95 % interval of the share reaching them within the horizon lies below one half,
    so no count of replications brings their medians within the horizon."""
    out = []
    for name in names:
        days = ens.milestone_days(name)
        if montecarlo.proportion(int(np.sum(np.isfinite(days))), days.size).high < 0.5:
            out.append(name)
    return tuple(out)


def _watched(ens: ensemble.Ensemble, names: Sequence[str] | None) -> dict[str, float]:
    """Half-widths of the medians watched: ``names``, or each milestone whose median is reached."""
    out = {}
    for name in names if names else ens.milestones:
        value, half = half_width_days(ens.milestone_days(name))
        if names or math.isfinite(value):
            out[name] = half
    return out


def run_until(scenario: Scenario, precision_days: float, milestones: Sequence[str] | None = None,
              max_replications: int = MAX_REPLICATIONS, seed: int | None = None, workers: int | None = None,
              progress: Callable[[int, int], None] | None = None, keep: bool = True,
              events: Callable[[object], None] | None = None) -> Precision:
    """Run ``scenario`` in rounds until each watched milestone's median is known to within
    ``precision_days`` (module docstring), or ``max_replications`` are reached. ``progress(done,
    planned)``: replications so far and planned through the current round. ``keep`` and
    ``events`` as :func:`rossim.ensemble.run` takes them (the rounds follow each other in
    replication order, so a streamed event log is the ensemble's)."""
    if not (isinstance(precision_days, (int, float)) and math.isfinite(precision_days) and precision_days > 0):
        raise InputError(f"expected a positive number of days, got {precision_days!r}", source="--precision-days")
    if max_replications < 2:
        raise InputError(f"expected at least 2, got {max_replications}", source="--max-replications")
    known = ensemble.all_milestones(scenario)
    for name in milestones or ():
        if name not in known:
            raise InputError(f"unknown milestone {name[:60]!r}; expected one of {', '.join(known)}",
                             source="--precision-of")
    seed = scenario.simulation.seed if seed is None else seed
    ensemble.check_size(scenario, max_replications, seed, keep=keep)  # the cap must fit before any work
    n = min(FIRST_ROUND, scenario.simulation.replications, max_replications)
    reps: list | None = [] if keep else None
    parts: list = []
    rounds: list[int] = []
    have = 0
    while True:
        tick = None if progress is None else (lambda done, _t, have=have, n=n: progress(have + done, n))
        part = ensemble.run(scenario, n=n - have, seed=seed, workers=workers, progress=tick, first=have, keep=keep,
                            events=events)
        if keep:
            reps.extend(part.replications)
        parts = [columns.concatenate(scenario, [*parts, part.columns])]
        have = n
        rounds.append(n)
        ens = ensemble.Ensemble(scenario, seed, reps, part.workers, columns=parts[0])
        widths = _watched(ens, milestones)
        beyond = _beyond_horizon(ens, [k for k, h in widths.items() if h > precision_days])
        left = {k: h for k, h in widths.items() if h > precision_days and k not in beyond}  # still to refine
        if not left or n >= max_replications:  # (nothing watched: no median within the horizon to refine)
            return Precision(ens, float(precision_days), widths, tuple(rounds),
                             capped=bool(left), beyond_horizon=beyond)
        need = max(montecarlo.replications_for(n, h, precision_days) if math.isfinite(h) else 2 * n
                   for h in left.values())
        n = min(max_replications, max(math.ceil(1.25 * n), min(need, 4 * n)))
