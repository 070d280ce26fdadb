"""Which uncertainty drives an answer: the scenario's uncertain inputs ranked by their effect on
one outcome (``rossim drivers``).

**Inputs** (:func:`uncertain_inputs`), each with a stable id:

* every field whose value is a distribution other than a fixed number, by its dotted path
  (``modules.nem.slip_days``, ``launch_vehicles.soyuz_2_1b.success_probability``);
* every risk, as ``risk:`` and the path of its probability: a launch vehicle's success (below 1),
  a module's docking success per attempt (below 1), a pad's scrub and outage per launch (above 0).
  "Switched off" means the failure never happens: success 1, scrub and outage 0.

Modules present at the start are never launched: their fields are not inputs.

**Outcomes** (:func:`parse_outcome`): ``MILESTONE.p10|p50|p90`` (a milestone's date quantile),
``MILESTONE.p_by_deadline`` / ``MILESTONE.p_by_horizon`` (the probability of reaching it by
``simulation.deadline`` / the horizon), ``QUANTITY.mean|p10|p50|p90`` for ``person_days``,
``fraction_crewed``, ``launches``, ``losses``.

**One at a time** (:func:`one_at_a_time`), as NASA's and the Aerospace Corporation's launch and
assembly simulations rank risk factors: the baseline ensemble, then for each input an ensemble
with that input fixed at its median (a risk: switched off), everything else as in the scenario,
with the **same seed**: replication *i* of every ensemble starts from the same random stream
(common random numbers), so the shift is the input's effect and not a fresh draw of noise.
The input is fixed by a stand-in that draws the same random numbers as the original (a
``uniform`` from m to m for a uniform or triangular one, which the campaign computes from one
uniform of its own; :class:`Pinned`, which draws the original's sample and gives m, for any
other; a scrub or outage probability below 2**-53, i.e. never, still drawn): the paired
replications stay in step until the course of events differs, and a fixed input that does not
matter leaves every replication as it was.

The shift's 95 % Monte Carlo interval (:mod:`rossim.montecarlo`): for a mean or a probability,
from the per-replication differences (a paired estimate: everything the two ensembles share
cancels); for a quantile, from the two order-statistic intervals, each at 97.5 %, so that the
shift's interval [low_fixed - high_base, high_fixed - low_base] holds at least 95 %
(distribution-free and conservative: it does not use the pairing, and at n = 300 spans about
+-300 days for the shipped plans' median dates). A shift whose interval contains 0 is *within
noise*; with many inputs, about 1 in 20 of those that change nothing still lands just beyond it.

What "fixed at its median" can show: it removes the input's spread. An outcome that follows one
input alone through a monotone relation keeps its median (the median of g(X) is g(median X)); a
median date moves only through the interplay of inputs (the last of several modules) and
through risks. To see what drives the spread, ask for ``p90`` or ``p_by_deadline``.

The global method, the share of the outcome's variance each input explains from one ensemble's
recorded draws (first-order Sobol' indices), is :mod:`rossim.analysis.sensitivity`
(``rossim drivers --method sobol``). :data:`METHODS` maps a one-at-a-time method's name to its
function; each returns a :class:`Drivers`.
"""

from __future__ import annotations

import fnmatch
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from pydantic import BaseModel

from .. import clock, ensemble, montecarlo
from ..distributions import (BaseDistribution, Bernoulli, BetaRecord, Fixed, LogNormal, Normal,
                             Triangular, Uniform, Weibull)
from ..errors import InputError
from ..scenario import LaunchSite, LaunchVehicle, Module, Scenario

__all__ = ["Input", "Outcome", "Driver", "Drivers", "uncertain_inputs", "select_inputs", "parse_outcome",
           "median", "with_input_fixed", "estimate_seconds", "one_at_a_time", "run", "write", "shown", "shown_shift",
           "outcome_names", "METHODS",
           "TIME_LIMIT_S", "CSV_FILE", "JSON_FILE", "FIGURE_FILE"]

#: Longest a drivers analysis may be estimated to take before it is refused (seconds).
TIME_LIMIT_S = 3600.0
#: Seconds an ensemble costs beyond its replications (starting workers, the memory check's trial).
ENSEMBLE_OVERHEAD_S = 0.3
#: Replications simulated to time one replication before any work starts.
TRIAL_REPLICATIONS = 4
#: A probability below the finest step of a uniform double (2**-53): ``u < p`` only when u is
#: exactly 0 (a chance of 1.1e-16), so the risk never happens while its draw is still made.
NEVER = 2.0 ** -60

CSV_FILE, JSON_FILE, FIGURE_FILE = "drivers.csv", "drivers.json", "drivers.png"

MILESTONE_STATS = ("p10", "p50", "p90", "p_by_deadline", "p_by_horizon")
QUANTITIES = {"person_days": ("person-days aboard", "person_days"),
              "fraction_crewed": ("share of the time crewed", "share"),
              "launches": ("launches", "count"), "losses": ("losses", "count")}
QUANTITY_STATS = ("mean", "p10", "p50", "p90")
_QUANTILE_WORDS = {"p10": "10 % date", "p50": "median date", "p90": "90 % date"}  # "the ... of X"

#: Risks: (model, field, the value that switches the risk off, whether the risk is "below 1").
_RISKS = ((LaunchVehicle, "success_probability", 1.0, True),
          (Module, "docking_success_probability", 1.0, True),
          (LaunchSite, "scrub_probability", 0.0, False),
          (LaunchSite, "outage_probability", 0.0, False))


# ------------------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class Input:
    """An uncertain input of a scenario and how one-at-a-time fixes it."""

    id: str                       # dotted path; "risk:" + path for a risk
    path: tuple[str, ...]         # the field's path in the scenario
    kind: str                     # "distribution" or "risk"
    original: str                 # the value in the scenario, e.g. "weibull(shape=1.04, scale=173)"
    fixed_at: float               # the value it is fixed at: the median, or 0 / 1 for a risk
    how: str                      # in words: "fixed at its median 126.6", "switched off (success 1)"
    replacement: BaseDistribution | float  # what replaces the field's value (the same draws)


def _show(value) -> str:
    if isinstance(value, BaseDistribution):
        if isinstance(value, Fixed):
            return f"{value.value:g}"
        params = ", ".join(f"{k}={v:g}" for k, v in value.model_dump(exclude={"dist"}).items())
        return f"{value.dist}({params})"
    return f"{value:g}"


def median(dist: BaseDistribution) -> float:
    """The median of ``dist``: analytic for every distribution of the vocabulary (a Bernoulli
    with p = 1/2: 0, its lower median), by 200,001 draws for any other."""
    if isinstance(dist, Fixed):
        return dist.value
    if isinstance(dist, Uniform):
        return (dist.low + dist.high) / 2.0
    if isinstance(dist, Triangular):
        low, mode, high = dist.low, dist.mode, dist.high
        if (mode - low) / (high - low) >= 0.5:
            return low + math.sqrt(0.5 * (mode - low) * (high - low))
        return high - math.sqrt(0.5 * (high - mode) * (high - low))
    if isinstance(dist, Normal):  # clipping is monotone: the median of the clipped is the clipped median
        return min(max(dist.mean, dist.low), dist.high)
    if isinstance(dist, LogNormal):
        return dist.median
    if isinstance(dist, Weibull):  # P(X <= x) = p0 + (1 - p0)(1 - exp(-(x / scale)^shape)) = 1/2
        if dist.p_zero >= 0.5:
            return 0.0
        return dist.scale * math.log(2.0 * (1.0 - dist.p_zero)) ** (1.0 / dist.shape)
    if isinstance(dist, Bernoulli):
        return 1.0 if dist.p > 0.5 else 0.0
    if isinstance(dist, BetaRecord):
        from scipy.special import betaincinv

        return float(betaincinv(dist.prior_a + dist.successes, dist.prior_b + dist.failures, 0.5))
    rng = np.random.Generator(np.random.PCG64(0))  # pragma: no cover - a distribution added later
    return float(np.median([dist.sample(rng) for _ in range(200_001)]))  # pragma: no cover


class Pinned(BaseDistribution):
    """Always ``value``, after drawing (and discarding) a sample of ``original``: a replication's
    random stream advances exactly as it would have with the original, whatever its kind."""

    dist: str = "pinned"
    original: BaseDistribution
    value: float

    def sample(self, rng: np.random.Generator) -> float:
        self.original.sample(rng)
        return self.value

    def bounds(self) -> tuple[float, float]:
        return self.value, self.value

    def expected(self) -> float:
        return self.value


def _degenerate(dist: BaseDistribution, value: float) -> BaseDistribution:
    """A distribution that always gives ``value`` and draws the same random numbers as ``dist``
    in a replication: the campaign computes a uniform or triangular draw from one uniform of its
    own (:class:`rossim.campaign.plan.Draw`), which a uniform from ``value`` to ``value`` takes too;
    it asks any other kind for ``sample(rng)``, which :class:`Pinned` passes to the original."""
    if isinstance(dist, Fixed):
        return Fixed(value=value)
    if isinstance(dist, (Uniform, Triangular)):
        return Uniform(dist="uniform", low=value, high=value)
    return Pinned(original=dist, value=value)


def _walk(node, path: tuple[str, ...] = ()):
    """(path, owning model, field name, value) of every field of the scenario, depth first in
    the scenario's order; a module present at the start and what it holds are left out."""
    if isinstance(node, Module) and node.present_at_start:
        return
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            if name in ("source", "source_text"):
                continue
            value = getattr(node, name)
            yield path + (name,), node, name, value
            yield from _walk(value, path + (name,))
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, path + (str(key),))
    elif isinstance(node, list):
        for j, value in enumerate(node):
            yield from _walk(value, path + (str(j),))


def uncertain_inputs(scenario: Scenario) -> list[Input]:
    """Every uncertain input of ``scenario`` (see the module docstring), in the scenario's order:
    a field's distribution, then its risk when it is one."""
    out: list[Input] = []
    for path, owner, name, value in _walk(scenario):
        dotted = ".".join(path)
        if isinstance(value, BaseDistribution) and not isinstance(value, Fixed):
            m = median(value)
            out.append(Input(dotted, path, "distribution", _show(value), m, f"fixed at its median {m:.4g}",
                             _degenerate(value, m)))
        for model, field, off, success in _RISKS:
            if not (isinstance(owner, model) and name == field):
                continue
            dist = value if isinstance(value, BaseDistribution) else None
            lo, hi = dist.bounds() if dist is not None else (value, value)
            if (lo >= 1.0) if success else (hi <= 0.0):
                continue  # no risk to switch off
            if dist is not None:
                replacement = _degenerate(dist, off)
            else:  # a success below 1 becomes 1 (u < 1: the same draw, always a success)
                replacement = off if success else NEVER
            what = "success" if success else field.removesuffix("_probability")
            out.append(Input(f"risk:{dotted}", path, "risk", _show(value), off,
                             f"switched off ({what} {off:g})", replacement))
    return out


def select_inputs(inputs: Sequence[Input], patterns: Sequence[str] | None, source: str | None = None) -> list[Input]:
    """The inputs whose id matches any of the glob ``patterns`` (all of them when there are
    none); InputError (field ``--inputs``) when a pattern matches nothing."""
    if not inputs:
        raise InputError("the scenario has no uncertain input (no distribution, no risk) to rank",
                         source=source)
    if not patterns:
        return list(inputs)
    for pat in patterns:
        if not any(fnmatch.fnmatchcase(i.id, pat) for i in inputs):
            ids = [i.id for i in inputs]
            shown = ", ".join(ids[:8]) + (f", ... ({len(ids)} in all)" if len(ids) > 8 else "")
            raise InputError(f"no uncertain input matches {pat[:80]!r}; inputs are {shown}",
                             source=source, field="--inputs")
    return [i for i in inputs if any(fnmatch.fnmatchcase(i.id, p) for p in patterns)]


def with_input_fixed(scenario: Scenario, inp: Input) -> Scenario:
    """``scenario`` with ``inp``'s field replaced as one-at-a-time fixes it (nothing else changes)."""
    def put(node, parts):
        if not parts:
            return inp.replacement
        head, rest = parts[0], parts[1:]
        if isinstance(node, BaseModel):
            return node.model_copy(update={head: put(getattr(node, head), rest)})
        if isinstance(node, dict):
            return {**node, head: put(node[head], rest)}
        items = list(node)
        items[int(head)] = put(items[int(head)], rest)
        return items
    return put(scenario, inp.path)


# ------------------------------------------------------------------------------ outcomes


@dataclass(frozen=True)
class Outcome:
    """What is ranked: ``subject.stat``, e.g. ``phase_2_complete.p50`` or ``person_days.mean``."""

    subject: str
    stat: str
    milestone: bool

    @property
    def name(self) -> str:
        return f"{self.subject}.{self.stat}"

    @property
    def is_date(self) -> bool:
        return self.milestone and self.stat in _QUANTILE_WORDS

    @property
    def is_probability(self) -> bool:
        return self.stat.startswith("p_by_")

    @property
    def unit(self) -> str:
        """The unit of values and shifts, as column names carry it."""
        if self.is_date:
            return "days"
        if self.is_probability:
            return "probability"
        return QUANTITIES[self.subject][1]

    def words(self, scenario: Scenario) -> str:
        """The outcome in plain words, e.g. "the median date of phase 2 completion"."""
        if self.milestone:
            kind = milestone_kind(self.subject)
            subject = {"first_crew": "the first crew", "phase": "phase {} completion", "room_for": "room for {} crew",
                       "capacity": "capacity for {} crew (return seats docked)",
                       "hosting": "hosting {} crew routinely"}[kind[0]].format(kind[1])
            if self.stat == "p_by_deadline":
                return f"P({subject} by {scenario.simulation.deadline.isoformat()})"
            if self.stat == "p_by_horizon":
                return f"P({subject} by {scenario.simulation.horizon.isoformat()})"
            return f"the {_QUANTILE_WORDS[self.stat]} of {subject}"
        what = QUANTITIES[self.subject][0]
        return {"mean": f"the mean {what}", "p50": f"the median {what}"}.get(
            self.stat, f"the {self.stat[1:]} % quantile of {what}")

    def values(self, ens: ensemble.Ensemble) -> np.ndarray:
        """One value per replication: milestone days (NaN: not reached), 0/1 for a probability,
        the quantity otherwise."""
        if not self.milestone:
            return ens.values(self.subject)
        days = ens.milestone_days(self.subject)
        if self.stat == "p_by_horizon":
            return np.isfinite(days).astype(float)
        if self.stat == "p_by_deadline":
            limit = clock.days_between(ens.start, ens.scenario.simulation.deadline) + 1.0  # to the day's end
            return (np.nan_to_num(days, nan=np.inf) < limit).astype(float)
        return days

    def estimate(self, values: np.ndarray, level: float = montecarlo.LEVEL) -> montecarlo.Interval:
        if self.is_probability:
            return montecarlo.proportion_of(values > 0.5, level=level)
        if self.stat == "mean":
            return montecarlo.mean(values, level=level)
        return montecarlo.quantile(values, int(self.stat[1:]) / 100.0, censored=self.milestone, level=level)

    def shift(self, base: np.ndarray, fixed: np.ndarray, horizon_days: float) -> montecarlo.Interval:
        """fixed - base with its 95 % interval (see the module docstring). A quantile later than the
        horizon (NaN) has an unknown shift (NaN value), but its interval still bounds it: a NaN
        lower bound is at least the horizon, a NaN upper bound unbounded."""
        if self.is_probability or self.stat == "mean":
            return montecarlo.mean(fixed - base)  # paired: per-replication differences
        level = 1.0 - (1.0 - montecarlo.LEVEL) / 2.0  # each side at 97.5 %: the shift at >= 95 %
        b, f = self.estimate(base, level), self.estimate(fixed, level)
        lower = lambda v: horizon_days if np.isnan(v) else float(v)  # noqa: E731  (NaN: after the horizon)
        upper = lambda v: np.inf if np.isnan(v) else float(v)  # noqa: E731
        with np.errstate(invalid="ignore"):
            low, high = lower(f.low) - upper(b.high), upper(f.high) - lower(b.low)
        return montecarlo.Interval(float(f.value) - float(b.value), -np.inf if np.isnan(low) else low,
                                   np.inf if np.isnan(high) else high, math.nan)

    @property
    def interval_method(self) -> str:
        if self.is_probability or self.stat == "mean":
            return "normal interval of the per-replication differences (paired, common random numbers)"
        return ("from the two order-statistic intervals at 97.5 % each: [low_fixed - high_base, "
                "high_fixed - low_base] holds the shift with at least 95 %")


def milestone_kind(name: str) -> tuple[str, int | None]:
    """``("first_crew", None)``, ``("phase", n)``, ``("room_for", N)``, ``("capacity", N)`` or
    ``("hosting", N)``."""
    if name == "first_crew":
        return "first_crew", None
    head, _, number = name.removesuffix("_complete").rpartition("_")
    return head, int(number)


def outcome_names(scenario: Scenario) -> list[str]:
    """Every outcome :func:`parse_outcome` accepts for ``scenario``."""
    return [f"{m}.{s}" for m in ensemble.all_milestones(scenario) for s in MILESTONE_STATS] + \
        [f"{q}.{s}" for q in QUANTITIES for s in QUANTITY_STATS]


def parse_outcome(scenario: Scenario, text: str, source: str = "--outcome") -> Outcome:
    """``text`` as an :class:`Outcome` of ``scenario``; InputError listing the valid ones."""
    subject, _, stat = str(text).strip().rpartition(".")
    milestones = ensemble.all_milestones(scenario)
    if subject in milestones and stat in MILESTONE_STATS:
        return Outcome(subject, stat, True)
    if subject in QUANTITIES and stat in QUANTITY_STATS:
        return Outcome(subject, stat, False)
    shown = str(text)[:60]
    raise InputError(f"unknown outcome {shown!r}; expected MILESTONE.STAT with MILESTONE one of "
                     f"{', '.join(milestones)} and STAT one of {', '.join(MILESTONE_STATS)}, or "
                     f"{'|'.join(QUANTITIES)} . {'|'.join(QUANTITY_STATS)} "
                     f"(e.g. phase_2_complete.p50, capacity_4.p_by_deadline, person_days.mean)",
                     source=source)


# ------------------------------------------------------------------------------ running


@dataclass(frozen=True)
class Driver:
    """One input's effect: the outcome with the input fixed, and the shift from the baseline."""

    input: Input
    value: montecarlo.Interval
    shift: montecarlo.Interval
    #: The shift's interval contains 0.
    within_noise: bool


@dataclass(frozen=True)
class Drivers:
    """A ranking of inputs by |shift| of one outcome, largest first (an unknown shift, a quantile
    later than the horizon, by the least its interval allows)."""

    method: str
    scenario: Scenario
    outcome: Outcome
    n: int
    seed: int
    baseline: montecarlo.Interval
    drivers: list[Driver]
    elapsed_s: float

    def to_json(self) -> dict:
        sc, o = self.scenario, self.outcome
        return {
            "method": self.method, "scenario": sc.name, "title": sc.scenario.title,
            "outcome": o.name, "outcome_words": o.words(sc), "unit": o.unit,
            "replications": self.n, "seed": self.seed, "start": sc.simulation.start.isoformat(),
            "common_random_numbers": "every ensemble uses the same seed: replication i starts from the "
                                     "same random stream",
            "shift_interval": o.interval_method, "level": montecarlo.LEVEL,
            "baseline": _interval_json(self.baseline, o, sc),
            "inputs": [{"rank": k + 1, "input": d.input.id, "kind": d.input.kind, "original": d.input.original,
                        "how": d.input.how, "fixed_at": d.input.fixed_at,
                        "value": _interval_json(d.value, o, sc), "shift": _interval_json(d.shift, o, None),
                        "within_noise": d.within_noise}
                       for k, d in enumerate(self.drivers)],
            "elapsed_s": round(self.elapsed_s, 1),
        }


def _num(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def _interval_json(iv: montecarlo.Interval, o: Outcome, sc: Scenario | None) -> dict:
    """An interval as JSON (null: not bounded, or later than the horizon), with dates for a date."""
    out = {"value": _num(iv.value), "low": _num(iv.low), "high": _num(iv.high)}
    if sc is not None and o.is_date:
        start = sc.simulation.start
        out.update({f"{k}_date": clock.iso_date(start, float(v)) for k, v in
                    (("value", iv.value), ("low", iv.low), ("high", iv.high))})
    return out


def estimate_seconds(scenario: Scenario, replications: int, ensembles: int, seed: int,
                     workers: int | None) -> tuple[float, float, int]:
    """(estimated seconds, seconds a replication, workers) of ``replications`` in ``ensembles``
    ensembles, from a trial of :data:`TRIAL_REPLICATIONS` replications timed in this process."""
    from ..campaign import Plan, simulate

    plan = Plan.from_scenario(scenario)
    t0 = time.perf_counter()
    for i in range(TRIAL_REPLICATIONS):
        simulate(plan, np.random.Generator(np.random.PCG64(ensemble.stream(seed, i))), i)
    each = (time.perf_counter() - t0) / TRIAL_REPLICATIONS
    w = max(1, ensemble.worker_count(workers, ensemble.cores()))
    return replications * each / w + ensembles * ENSEMBLE_OVERHEAD_S, each, w


def _duration(s: float) -> str:
    return f"{s:,.0f} s" if s < 120 else f"{s / 60:,.0f} min" if s < 7200 else f"{s / 3600:,.1f} h"


def one_at_a_time(scenario: Scenario, outcome: str | Outcome, n: int | None = None, seed: int | None = None,
                  workers: int | None = None, inputs: Sequence[str] | None = None,
                  progress: Callable[[int, int], None] | None = None, time_limit_s: float = TIME_LIMIT_S,
                  executor=None) -> Drivers:
    """Rank ``scenario``'s uncertain inputs (those matching the globs ``inputs``) by the shift of
    ``outcome`` when each is fixed at its median or its risk switched off (module docstring).

    ``n`` replications per ensemble (default: the scenario's), one ensemble per input plus the
    baseline, all with ``seed``. Refused before any work (InputError, field ``-n``) when the time
    estimated from a short trial exceeds ``time_limit_s``. ``progress(done, total)`` counts
    replications over all ensembles. ``workers``/``executor`` as :func:`rossim.ensemble.run`."""
    t_start = time.perf_counter()
    source = scenario.source
    out = parse_outcome(scenario, outcome) if isinstance(outcome, str) else outcome
    chosen = select_inputs(uncertain_inputs(scenario), inputs, source)
    n = scenario.simulation.replications if n is None else n
    seed = scenario.simulation.seed if seed is None else seed
    total = (1 + len(chosen)) * n
    estimate, each, w = estimate_seconds(scenario, total, 1 + len(chosen), seed, workers)
    if estimate > time_limit_s:
        most = int((time_limit_s - (1 + len(chosen)) * ENSEMBLE_OVERHEAD_S) * w / each / (1 + len(chosen)))
        hint = f"use -n {most} or less" if most >= 1 else "rank fewer inputs"
        raise InputError(
            f"{1 + len(chosen)} ensembles (the baseline and {len(chosen)} inputs) x {n:,} replications would "
            f"take about {_duration(estimate)} (~{each * 1000:.1f} ms a replication on {w} worker"
            f"{'s' * (w > 1)}), more than the limit of {_duration(time_limit_s)}; {hint}, select inputs "
            "with --inputs, or raise the limit (--max-minutes)", source=source, field="-n")
    done = 0

    def values_of(sc: Scenario) -> np.ndarray:
        nonlocal done
        offset = done
        tick = None if progress is None else (lambda k, _n: progress(offset + k, total))
        ens = ensemble.run(sc, n=n, seed=seed, workers=workers, executor=executor, progress=tick, keep=False)
        done = offset + n
        return out.values(ens)

    base = values_of(scenario)
    baseline = out.estimate(base)
    rows = []
    for inp in chosen:
        fixed = values_of(with_input_fixed(scenario, inp))
        shift = out.shift(base, fixed, scenario.simulation.horizon_days)
        rows.append(Driver(inp, out.estimate(fixed), shift, not (shift.low > 0.0 or shift.high < 0.0)))
    rows.sort(key=lambda d: (-_size(d.shift), d.input.id))
    return Drivers("one_at_a_time", scenario, out, n, seed, baseline, rows, time.perf_counter() - t_start)


def _size(shift: montecarlo.Interval) -> float:
    """What a shift is ranked by: its magnitude; when it is unknown (a quantile later than the
    horizon), the least its interval allows (0 when the interval holds 0)."""
    v = float(shift.value)
    if math.isfinite(v):
        return abs(v)
    if shift.low > 0 or shift.high < 0:
        return min(abs(float(shift.low)), abs(float(shift.high)))
    return 0.0


#: The methods by name; each takes the arguments of :func:`one_at_a_time` and returns Drivers.
METHODS: dict[str, Callable[..., Drivers]] = {"one_at_a_time": one_at_a_time}


def run(scenario: Scenario, outcome: str | Outcome, method: str = "one_at_a_time", **kwargs) -> Drivers:
    """Rank the inputs of ``scenario`` by their effect on ``outcome`` with ``method``."""
    if method not in METHODS:
        raise InputError(f"unknown method {method[:40]!r}; expected one of {', '.join(METHODS)}",
                         source="--method")
    return METHODS[method](scenario, outcome, **kwargs)


# ------------------------------------------------------------------------------ files


def _csv_number(v) -> str:
    v = float(v)
    return "" if math.isnan(v) else "inf" if v == math.inf else "-inf" if v == -math.inf else f"{v:.6g}"


def write(folder: Path, result: Drivers, overrides: Sequence[str] = ()) -> list[Path]:
    """``drivers.csv`` and ``drivers.json`` into ``folder`` (the tornado chart is the presentation
    layer's: ``figures.tornado_figure(**tornado_data(result))``)."""
    from .. import results

    sc, o = result.scenario, result.outcome
    u = o.unit
    header = ["rank", "input", "kind", "original", "how", "fixed_at", f"baseline_{u}", f"value_{u}",
              f"shift_{u}", f"shift_low_{u}", f"shift_high_{u}", "within_noise"]
    if o.is_date:
        header += ["baseline_date", "value_date"]
    rows = []
    for k, d in enumerate(result.drivers):
        row = [k + 1, d.input.id, d.input.kind, d.input.original, d.input.how, f"{d.input.fixed_at:.6g}",
               _csv_number(result.baseline.value), _csv_number(d.value.value), _csv_number(d.shift.value),
               _csv_number(d.shift.low), _csv_number(d.shift.high),
               str(d.within_noise).lower()]
        if o.is_date:
            row += [clock.iso_date(sc.simulation.start, float(result.baseline.value)) or "",
                    clock.iso_date(sc.simulation.start, float(d.value.value)) or ""]
        rows.append(row)
    results.write_csv(folder / CSV_FILE, header, rows)
    data = result.to_json()
    data["overrides"] = list(overrides)
    results.write_json(folder / JSON_FILE, data)
    return [folder / CSV_FILE, folder / JSON_FILE]


def tornado_data(result: Drivers) -> dict:
    """The tornado chart's plain data, as ``figures.tornado_figure`` takes it: shifts (a
    probability's in percentage points), their intervals, which are within noise, and the words."""
    sc, o = result.scenario, result.outcome
    scale = 100.0 if o.is_probability else 1.0
    return dict(
        labels=[d.input.id for d in result.drivers],
        shifts=[scale * float(d.shift.value) for d in result.drivers],
        lows=[scale * float(d.shift.low) for d in result.drivers],
        highs=[scale * float(d.shift.high) for d in result.drivers],
        within_noise=[d.within_noise for d in result.drivers],
        title=f"{sc.scenario.title or sc.name}\nWhat moves {o.words(sc)}: each uncertain input in turn fixed "
              "at its median, or its risk switched off",
        xlabel=_axis_label(o), note=_figure_note(result),
        value_format={"days": "{:+,.0f} d", "probability": "{:+.1f} pts"}.get(o.unit, "{:+,.3g}"))


def _axis_label(o: Outcome) -> str:
    return {"days": "shift (days; negative = earlier)", "probability": "shift of the probability (percentage points)",
            "person_days": "shift (person-days)", "share": "shift of the share",
            "count": "shift (count)"}[o.unit]


def _figure_note(result: Drivers) -> str:
    return (f"Baseline {shown(result, result.baseline.value)}. Each bar: that input fixed at its median or its risk switched off, all "
            f"others as in the scenario; {result.n:,} replications each, seed {result.seed} (common random "
            f"numbers). Whiskers: 95 % Monte Carlo interval; grey: within noise.")


def shown(result: Drivers, value) -> str:
    """An outcome's value as printed: a date, a percentage or a number."""
    o, v = result.outcome, float(value)
    if o.is_date:
        return clock.iso_date(result.scenario.simulation.start, v) or f"after {result.scenario.simulation.horizon}"
    if o.is_probability:
        return f"{v:.1%}"
    return f"{v:,.4g}"


def shown_shift(result: Drivers, value) -> str:
    """A shift (or a bound of its interval) as printed: days, percentage points or a number."""
    v = float(value)
    if math.isnan(v):
        return "?"
    if math.isinf(v):
        return "-inf" if v < 0 else "+inf"
    if result.outcome.is_date:
        return f"{v:+,.0f}"
    if result.outcome.is_probability:
        return f"{100.0 * v:+.1f} pts"
    return f"{v:+,.3g}"
