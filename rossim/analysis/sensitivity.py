"""Global sensitivity: the share of an outcome's variance each uncertain input explains on its
own (first-order Sobol' indices), estimated from one ensemble's recorded draws
(``rossim drivers --method sobol``).

**What is recorded.** One ensemble is run with :func:`rossim.campaign.recording.simulate_recording`
(the same replications as ``rossim run`` with the same seed: recording only watches the draws).
Each input of :func:`rossim.analysis.drivers.uncertain_inputs` becomes one number per
replication:

* a distribution (``modules.nem.slip_days``): the mean of its draws in that replication (one
  draw for a slip or a commissioning time, one per flight for a rendezvous time), or *not drawn*
  (the rebuild time of a module never lost);
* a risk (``risk:launch_vehicles.angara_a5m.success_probability``): how often it happened in that
  replication (launch failures of that vehicle, scrubs or outages of that pad, failed dockings of
  that module).

**The estimator** (given data, no special design: Plischke, Borgonovo & Smith 2013, "Global
sensitivity measures from given data", European Journal of Operational Research 226(3)). The
first-order index of input X is S = Var(E[Y | X]) / Var(Y). Replications are put in classes of X:
one class per value when X takes at most :data:`MAX_LEVELS` values (a count of failures), else
``sqrt(n)`` classes of equal size by rank (at most :data:`MAX_CLASSES`), and a class of its own
for *not drawn*. The between-class share of the variance is corrected for the share that noise
alone puts between k classes (the ANOVA omega-squared, (SSB - (k - 1) MSW) / (SST + MSW)), so an
input that does not matter scores about 0, not about (k - 1) / n. For an input not drawn in every
replication, the share already explained by *whether* it was drawn (the risk behind it, counted
under that risk) is subtracted: what is left is the effect of its value.

**Monte Carlo uncertainty**: a 95 % normal interval with the standard error of a bootstrap over
the replications (:data:`RESAMPLES` resamples, from the ensemble's seed: the same result on
every machine; see :func:`_interval`). An
index whose interval reaches 0 is *within noise*; an input drawn (or a risk happening) in fewer
than :data:`MIN_DRAWN` replications gets no index. The indices of independent inputs sum to at
most 1; the rest is interactions and the randomness that is not an input (which of several
launches fails).

The outcome per replication is :meth:`rossim.analysis.drivers.Outcome.values`: a milestone's date
(a milestone not reached counts as the horizon, the least it could be: ask for ``p_by_deadline``
when many are not reached), 0/1 for a probability, or the quantity.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .. import ensemble, montecarlo
from ..errors import InputError
from ..scenario import Scenario
from .drivers import (_QUANTILE_WORDS, ENSEMBLE_OVERHEAD_S, TIME_LIMIT_S, Input, Outcome, _duration,
                      estimate_seconds, parse_outcome, select_inputs, uncertain_inputs)

__all__ = ["Index", "Indices", "first_order", "classes", "resamples", "sobol", "write", "figure_data",
           "MAX_LEVELS", "MAX_CLASSES", "MIN_DRAWN", "MIN_REPLICATIONS", "RESAMPLES", "CSV_FILE", "JSON_FILE", "FIGURE_FILE"]

#: An input with at most this many distinct values gets one class per value.
MAX_LEVELS = 16
#: Most classes of a continuous input (sqrt(n) below that).
MAX_CLASSES = 32
#: Fewest replications in which an input must be drawn (or its risk happen) to get an index: a
#: value seen in a handful of replications explains nothing that can be told from noise.
MIN_DRAWN = 30
#: Fewest replications of the ensemble: fewer give no variance-based index.
MIN_REPLICATIONS = 20
#: Bootstrap resamples for the intervals.
RESAMPLES = 200
CSV_FILE, JSON_FILE, FIGURE_FILE = "sensitivity.csv", "sensitivity.json", "sensitivity.png"

#: A risk's input id -> (what its per-replication number counts, the count it is).
_RISK_COUNTS = {
    ("launch_vehicles", "success_probability"): ("launch failures", "launch_failures.{}"),
    ("launch_sites", "scrub_probability"): ("scrubs", "scrubs.{}"),
    ("launch_sites", "outage_probability"): ("pad outages", "draws:launch_sites.{}.outage_days"),
    ("modules", "docking_success_probability"): ("failed dockings", "docking_failures.{}"),
}


# ------------------------------------------------------------------------------ estimator


def classes(x: np.ndarray) -> tuple[np.ndarray, int, int | None]:
    """(class of each replication, number of classes, the *not drawn* class or None) for the
    values ``x`` of one input (NaN: not drawn), as the module docstring describes."""
    x = np.asarray(x, dtype=float)
    drawn = ~np.isnan(x)
    n_drawn = int(drawn.sum())
    c = np.zeros(x.size, dtype=np.intp)
    levels = np.unique(x[drawn])
    if levels.size <= MAX_LEVELS:
        c[drawn] = np.searchsorted(levels, x[drawn])
        k = max(levels.size, 1)
    else:
        k = int(min(MAX_CLASSES, max(2, math.isqrt(n_drawn))))
        rank = np.empty(n_drawn, dtype=np.intp)
        rank[np.argsort(x[drawn], kind="stable")] = np.arange(n_drawn)
        c[drawn] = rank * k // n_drawn
    if drawn.all():
        return c, k, None
    c[~drawn] = k
    return c, k + 1, k


def _between(c: np.ndarray, k: int, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(between-class sum of squares, classes present, total sum of squares) of ``y`` (R, n)
    in the classes ``c`` (R, n) numbered 0..k-1, per row."""
    rows, n = y.shape
    flat = (c + k * np.arange(rows)[:, None]).ravel()
    count = np.bincount(flat, minlength=rows * k).reshape(rows, k)
    total = np.bincount(flat, weights=y.ravel(), minlength=rows * k).reshape(rows, k)
    mean = y.mean(axis=1)
    sst = ((y - mean[:, None]) ** 2).sum(axis=1)
    ssb = (total ** 2 / np.maximum(count, 1)).sum(axis=1) - n * mean ** 2
    return ssb, (count > 0).sum(axis=1), sst


def _index_samples(x: np.ndarray, y: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """The index of the input with values ``x`` on ``y`` for each row of replication indices
    ``idx`` (R, n): row 0 the ensemble itself, the others bootstrap resamples.

    Omega-squared, (SSB - (k - 1) MSW) / (SST + MSW) with MSW = (SST - SSB) / (n - k); for an
    input not always drawn, the part of SSB (and of the k - 1 classes' noise) that the split into
    drawn / not drawn already explains is taken away."""
    c, k, none = classes(x)
    cc, yy = c[idx], np.asarray(y, dtype=float)[idx]
    n = yy.shape[1]
    ssb, present, sst = _between(cc, k, yy)
    msw = (sst - ssb) / np.maximum(n - present, 1)
    if none is not None:
        ssb_split, present_split, _ = _between((cc == none).astype(np.intp), 2, yy)
        ssb, present = ssb - ssb_split, present - present_split + 1
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (ssb - (present - 1) * msw) / (sst + msw)
    return np.where(sst > 0, out, 0.0)


def resamples(n: int, rng: np.random.Generator, count: int = RESAMPLES) -> np.ndarray:
    """(1 + count, n) replication indices: the ensemble itself, then ``count`` bootstrap resamples."""
    return np.vstack([np.arange(n)[None, :], rng.integers(0, n, size=(count, n))])


def _interval(s: np.ndarray, level: float) -> montecarlo.Interval:
    """The estimate ``s[0]`` with the normal interval of the bootstrap's standard error ``s[1:]``.
    (A percentile interval would inherit the bootstrap's bias: a resample repeats replications,
    which the noise correction does not expect. Its spread is sound: within 5 % of the estimator's
    true spread for an index of 0.5 or 0.67 in 100 trials of 1,000 replications, and wider, i.e.
    conservative, for an input that does not matter.)"""
    se = float(s[1:].std(ddof=1)) if s.size > 2 else math.nan
    z = montecarlo.z_value(level)
    return montecarlo.Interval(float(s[0]), float(s[0]) - z * se, float(s[0]) + z * se, se)


def first_order(x: np.ndarray, y: np.ndarray, rng: np.random.Generator | None = None,
                count: int = RESAMPLES, level: float = montecarlo.LEVEL) -> montecarlo.Interval:
    """The first-order index of the input with per-replication values ``x`` (NaN: not drawn) on
    the outcome ``y``, with its bootstrap interval (module docstring; none without ``rng``)."""
    n = np.asarray(y).size
    idx = resamples(n, rng, count) if rng is not None and count > 1 else np.arange(n)[None, :]
    return _interval(_index_samples(x, y, idx), level)


# ------------------------------------------------------------------------------ running


@dataclass(frozen=True)
class Index:
    """One input's first-order index."""

    input: Input
    what: str                     # what its per-replication number is, in words
    value: montecarlo.Interval    # the index with its bootstrap interval
    drawn_share: float            # share of replications in which it was drawn or happened
    within_noise: bool            # the interval reaches 0


@dataclass(frozen=True)
class Indices:
    """Inputs ranked by first-order index, largest first."""

    scenario: Scenario
    outcome: Outcome
    n: int
    seed: int
    baseline: montecarlo.Interval
    variance: float
    indices: list[Index]
    explained: montecarlo.Interval  # the sum of the indices
    elapsed_s: float
    method: str = "sobol"

    @property
    def words(self) -> str:
        """What is decomposed, in words: a date quantile's index is the date's (each replication's)."""
        o, text = self.outcome, self.outcome.words(self.scenario)
        return text.replace(f"the {_QUANTILE_WORDS[o.stat]} of ", "the date of ") if o.is_date else text

    def to_json(self) -> dict:
        sc, o = self.scenario, self.outcome
        num = lambda v: None if not math.isfinite(float(v)) else round(float(v), 6)  # noqa: E731
        return {
            "method": "first-order Sobol' indices from given data (one ensemble's recorded draws)",
            "scenario": sc.name, "title": sc.scenario.title, "outcome": o.name, "outcome_words": self.words,
            "replications": self.n, "seed": self.seed, "resamples": RESAMPLES, "level": montecarlo.LEVEL,
            "variance": num(self.variance),
            "explained": {"value": num(self.explained.value), "low": num(self.explained.low),
                          "high": num(self.explained.high)},
            "inputs": [{"rank": k + 1, "input": i.input.id, "kind": i.input.kind, "original": i.input.original,
                        "recorded_as": i.what, "drawn_share": round(i.drawn_share, 6),
                        "index": num(i.value.value), "low": num(i.value.low), "high": num(i.value.high),
                        "within_noise": i.within_noise} for k, i in enumerate(self.indices)],
            "elapsed_s": round(self.elapsed_s, 1),
        }


def _recorded(inp: Input) -> tuple[str, str]:
    """(words, key) of the per-replication number an input becomes: a count key of
    :attr:`Replication.counts`, ``draws:PATH`` (how often PATH was drawn) or ``mean:PATH``."""
    path = ".".join(inp.path)
    if inp.kind == "risk":
        words, key = _RISK_COUNTS[inp.path[0], inp.path[-1]]
        return words, key.format(inp.path[1])
    return "mean of its draws", "mean:" + path


def sobol(scenario: Scenario, outcome: str | Outcome, n: int | None = None, seed: int | None = None,
          inputs: Sequence[str] | None = None, progress: Callable[[int, int], None] | None = None,
          time_limit_s: float = TIME_LIMIT_S, **_ignored) -> Indices:
    """First-order indices of ``scenario``'s uncertain inputs (those matching the globs
    ``inputs``) on ``outcome``, from one ensemble of ``n`` replications with ``seed`` (defaults:
    the scenario's), run in this process with its draws recorded. Refused before any work
    (InputError) when too large for memory or estimated to exceed ``time_limit_s``."""
    from ..campaign import Plan
    from ..campaign.recording import draw_labels, simulate_recording

    t_start = time.perf_counter()
    source = scenario.source
    out = parse_outcome(scenario, outcome) if isinstance(outcome, str) else outcome
    chosen = select_inputs(uncertain_inputs(scenario), inputs, source)
    if not chosen:
        raise InputError("the scenario has no uncertain inputs to rank (every value is fixed)", source=source)
    n = scenario.simulation.replications if n is None else n
    seed = scenario.simulation.seed if seed is None else seed
    if n < MIN_REPLICATIONS:
        raise InputError(f"expected at least {MIN_REPLICATIONS} replications for a variance-based index, got {n}",
                         source=source, field="-n")
    ensemble.check_size(scenario, n, seed)
    estimate, each, _ = estimate_seconds(scenario, n, 1, seed, 1)
    if estimate > time_limit_s:
        most = int((time_limit_s - ENSEMBLE_OVERHEAD_S) / each)
        hint = (f"use -n {most:,} or less, or raise the limit (--max-minutes)" if most >= MIN_REPLICATIONS else
                f"raise the limit (--max-minutes): fewer than {MIN_REPLICATIONS} replications give no index")
        raise InputError(f"{n:,} replications would take about {_duration(estimate)} in one process "
                         f"(~{each * 1000:.1f} ms each), more than the limit of {_duration(time_limit_s)}; {hint}",
                         source=source, field="-n")
    plan = Plan.from_scenario(scenario)
    labels = draw_labels(scenario, plan)
    wanted = {key for _, key in map(_recorded, chosen)}
    table = {key: np.full(n, np.nan if key.startswith("mean:") else 0.0) for key in wanted}
    reps = []
    tick = max(1, n // 100)
    for i in range(n):
        rep, drawn = simulate_recording(plan, np.random.Generator(np.random.PCG64(ensemble.stream(seed, i))), i, labels)
        reps.append(rep)
        for key in wanted:
            kind, _, name = key.partition(":")
            if kind == "mean":
                values = drawn.get(name)
                if values:
                    table[key][i] = sum(values) / len(values)
            elif kind == "draws":
                table[key][i] = len(drawn.get(name, ()))
            else:
                table[key][i] = rep.counts[key]
        if progress is not None and ((i + 1) % tick == 0 or i + 1 == n):
            progress(i + 1, n)
    ens = ensemble.Ensemble(scenario, seed, reps)
    y = out.values(ens)
    baseline = out.estimate(y)
    y = np.where(np.isnan(y), scenario.simulation.horizon_days, y)  # not reached: the horizon
    if np.ptp(y) == 0:  # no variance to share out: every index would be 0/0
        raise InputError(f"{out.words(scenario)}: all {n:,} replications give the same value, so there is no "
                         "spread for an input to explain; choose an outcome that varies", source=source,
                         field="--outcome")
    idx = resamples(n, np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0x5E751]))))
    rows, samples = [], []
    for inp in chosen:
        words, key = _recorded(inp)
        x = table[key]
        drawn = float(np.mean(~np.isnan(x))) if key.startswith("mean:") else float(np.mean(x > 0))
        if round(drawn * n) < MIN_DRAWN:
            nan = montecarlo.Interval(math.nan, math.nan, math.nan, math.nan)
            rows.append(Index(inp, words + f" (in {round(drawn * n)} replications: too few)", nan, drawn, True))
            continue
        samples.append(_index_samples(x, y, idx))  # the same resamples for every input: their sum
        s = _interval(samples[-1], montecarlo.LEVEL)
        rows.append(Index(inp, words, s, drawn, not s.low > 0.0))
    rows.sort(key=lambda r: (math.isnan(r.value.value), -np.nan_to_num(r.value.value), r.input.id))
    return Indices(scenario, out, n, seed, baseline, float(np.var(y)), rows,
                   _interval(np.sum(samples, axis=0), montecarlo.LEVEL), time.perf_counter() - t_start)


# ------------------------------------------------------------------------------ files


def write(folder: Path, result: Indices, overrides: Sequence[str] = ()) -> list[Path]:
    """``sensitivity.csv`` and ``sensitivity.json`` into ``folder``."""
    from .. import results

    header = ["rank", "input", "kind", "original", "recorded_as", "drawn_share", "first_order_index",
              "index_low", "index_high", "within_noise"]
    rows = [[k + 1, i.input.id, i.input.kind, i.input.original, i.what, f"{i.drawn_share:.6g}",
             f"{float(i.value.value):.6g}", f"{float(i.value.low):.6g}", f"{float(i.value.high):.6g}",
             str(i.within_noise).lower()] for k, i in enumerate(result.indices)]
    results.write_csv(folder / CSV_FILE, header, rows)
    data = result.to_json()
    data["overrides"] = list(overrides)
    results.write_json(folder / JSON_FILE, data)
    return [folder / CSV_FILE, folder / JSON_FILE]


def figure_data(result: Indices) -> dict:
    """The bar chart's data, as ``figures.tornado_figure`` takes it: indices in % of the variance."""
    sc = result.scenario
    return dict(
        labels=[i.input.id for i in result.indices],
        shifts=[100.0 * float(i.value.value) for i in result.indices],
        lows=[100.0 * float(i.value.low) for i in result.indices],
        highs=[100.0 * float(i.value.high) for i in result.indices],
        within_noise=[i.within_noise for i in result.indices],
        title=f"{sc.scenario.title or sc.name}\nWhat explains the spread of {result.words}: "
              "share of its variance each input explains on its own",
        xlabel="first-order Sobol' index (% of the outcome's variance)",
        note=(f"{result.n:,} replications, seed {result.seed}. The indices sum to "
              f"{100 * float(result.explained.value):.0f} % (below 100 %: interactions and chance; above: inputs "
              "that go together, such as a failure and the rebuild it causes). Whiskers: 95 % bootstrap "
              "interval; grey: within noise."),
        value_format="{:.1f} %", one_sided=True, hidden_word="indices")
