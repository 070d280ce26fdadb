"""Sweeps: the scenario over a design of experiments, one ensemble per design point
(``rossim sweep``).

**Inputs** (:func:`parse_vary`): each ``--vary`` names a field by its dotted path, as ``--set``
does (a distribution's parameter too: ``modules.nem.slip_days.scale``), and its values:

* ``PATH=LOW:HIGH``: a range of numbers or of dates (``modules.nem.ready=2027-06-01:2029-06-01``).
  Integers stay integers where the schema needs them (a count such as ``crew.min_crew``: the
  bounds must be whole numbers, and the design's values are); any other number field takes
  real values between the bounds, whatever the bounds look like (``100:400``); dates are whole
  days. LOW may not be after HIGH.
* ``PATH=V1,V2,...``: the levels themselves, each read as a ``--set`` value (a number, a date,
  ``true``, a bare word is a string).

**Designs** (:func:`design_values`), of ``K`` = ``points`` points:

* ``grid``: every combination (a full factorial) of each input's levels; a range gives K levels
  evenly spaced from LOW to HIGH (rounded to whole numbers or days; a range of fewer whole
  values than K gives each of them).
* ``lhs``: a Latin hypercube of K points (:class:`scipy.stats.qmc.LatinHypercube`, points placed
  at random within their cells): each input's range is cut into K equal strata and each stratum
  holds exactly one point.
* ``sobol``: the first K points of a scrambled Sobol' sequence (:class:`scipy.stats.qmc.Sobol`);
  K a power of 2 keeps its balance properties.

LHS and Sobol' draw a point's coordinates u in [0, 1) and map them onto each range (a whole
number or day: ``LOW + floor(u (HIGH - LOW + 1))``, each value equally likely) or onto a list of
levels (level ``floor(u L)``). The design's sample comes from the generator of
``SeedSequence(seed)``, its scrambling included: the same seed gives the same design.

**Every point is checked before any run** (:func:`prepare`): each is the scenario with the
``--set`` overrides and then its own, validated as a scenario file; the first problem is one
:class:`~rossim.errors.InputError` line naming the ``--vary`` or the design point.

**Random numbers**: point k's ensemble uses its own seed, an integer derived from
``SeedSequence(seed, spawn_key=(k,))`` (:func:`point_seed`, recorded in the table's ``seed``
column: ``rossim run --seed S --set ...`` repeats the point), so that no two points share random
numbers and the table never depends on how the work is spread: the same sweep gives the same
table for any number of local workers, on a dask cluster of any size. With
``common_random_numbers`` every point uses the sweep's seed itself: replication i of every point
starts from the same random stream, so a difference between two points is the inputs' doing
rather than a fresh draw of noise (as ``rossim drivers`` does); the points' Monte Carlo errors
are then correlated, which helps comparisons between points and hurts nothing else.

**Where the work runs** (:func:`execute`): the unit of work is one point's ensemble. Locally (no
client, no executor) each of ``workers`` processes (at most the cores and the points) runs a
point's whole ensemble at a time and sends back only its row (processes that ignore Ctrl-C and
die with rossim, as the ensemble's); a single point, or a single worker, runs on the ensemble's
own workers (:func:`rossim.ensemble.run`). Measured on the README's example (8 points x 100
replications of the high-latitude plan, 2 cores shared with other work, so within 2x): 2.8 s with
a process a point, 3.4 s with the points one after another on the ensemble's 2 workers (each
point starts its workers and reduces its replications alone), 3.5 s in one process, 2.7 s on a
2-worker ``LocalCluster`` plus 2.2 s to start it: for sweeps on one machine the process pool
is the default, a cluster pays off across machines. On a ``dask.distributed`` client
(``client``, or ``--scheduler ADDRESS``) or any :class:`concurrent.futures.Executor`, each point
is one task running its ensemble in the worker (``workers=1``) and sending back only its row, so
the cluster spreads the points. Ctrl-C cancels the tasks not yet finished.

**The table** (:data:`PARQUET_FILE`, :func:`write`), one row per point: ``point``, one column per
varied input (named by its path; numbers, whole numbers or dates), ``seed``, then for every
milestone M (the union over the points, in the scenario's order) ``M.p10``, ``M.p50``, ``M.p90``
(dates; NaT: later than the horizon) each with its 95 % Monte Carlo interval ``_low``/``_high``
(order statistics, :func:`rossim.montecarlo.quantile`, as ``summary.json``), ``M.p_by_horizon``
and ``M.p_by_deadline`` (probabilities, with Wilson intervals ``_low``/``_high``), and
``person_days.mean``, ``fraction_crewed.mean``, ``launches.mean``, ``losses.mean`` with their
normal intervals. In Parquet the dates are ``date32`` (pyarrow; duckdb and polars read them as
dates); :func:`read` and ``pyarrow.parquet.read_table(path).to_pandas(date_as_object=False)``
give back the DataFrame :func:`run` returned (dates as ``datetime64``). ``sweep.csv`` holds the
same with ISO dates. On request (``per_replication``), :data:`REPLICATIONS_FILE`: every
replication's milestone days (days since the point's start, NaN: not reached), person-days,
share of the time crewed, launches and losses, with ``point`` and ``replication``.

**Resuming**: ``rossim sweep`` keeps each point as it finishes in its folder and, run again into
the same folder, runs only the points not yet kept (:mod:`rossim.analysis.sweep_folder`;
:func:`execute`'s ``done`` and ``on_result``).

A sweep that a short trial says would take longer than ``time_limit_s``, or that would hold more
than the memory limit, is refused before any work, with the estimate and the limit.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import itertools
import json
import math
import secrets
import types
import typing
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from pydantic import BaseModel

from .. import ensemble
from .. import scenario as scenarios
from ..distributions import BaseDistribution
from ..errors import InputError
from ..scenario import Scenario
from . import drivers

__all__ = ["Vary", "Point", "Sweep", "Results", "DESIGNS", "parse_vary", "design_values", "point_seed", "prepare",
           "estimate", "check_limits", "duration", "connect", "cluster_workers", "execute", "reduce", "run", "write", "read",
           "to_csv",
           "PARQUET_FILE", "CSV_FILE", "REPLICATIONS_FILE", "TIME_LIMIT_S", "MAX_POINTS"]

DESIGNS = ("grid", "lhs", "sobol")
PARQUET_FILE, CSV_FILE, REPLICATIONS_FILE = "sweep.parquet", "sweep.csv", "sweep_replications.parquet"
#: Longest a sweep may be estimated to take before it is refused (seconds).
TIME_LIMIT_S = 3600.0
#: Most design points of one sweep (a grid's product is checked before it is built).
MAX_POINTS = 100_000
#: The key of the sweep's description in the Parquet files' metadata.
METADATA_KEY = b"rossim.sweep"
#: Statistics of each milestone, and of each quantity, in the table's order.
QUANTILE_STATS = ("p10", "p50", "p90")
PROBABILITY_STATS = (("p_by_horizon", "probability"), ("p_by_deadline", "probability_by_deadline"))
QUANTITIES = ("person_days", "fraction_crewed", "launches", "losses")
#: Parquet and pandas unit of date columns (what pyarrow gives back for date32).
DATE_DTYPE = "datetime64[ms]"


# ------------------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class Vary:
    """One varied input: a range (``kind`` "float", "int" or "date", ``low``..``high``) or a list
    of ``levels`` (``kind`` "levels", with the text of each as given)."""

    text: str
    path: str
    kind: str
    low: Any = None
    high: Any = None
    levels: tuple = ()
    level_texts: tuple[str, ...] = ()

    @property
    def is_range(self) -> bool:
        return self.kind != "levels"

    def span(self) -> float:
        """HIGH - LOW (in days for dates)."""
        return float((self.high - self.low).days if self.kind == "date" else self.high - self.low)

    def at(self, u: np.ndarray) -> list:
        """The values at design coordinates ``u`` in [0, 1) (see the module docstring)."""
        u = np.asarray(u, dtype=float)
        if self.kind == "float":
            return [self.low + float(x) * (self.high - self.low) for x in u]
        if self.kind == "levels":
            return [self.levels[min(int(x * len(self.levels)), len(self.levels) - 1)] for x in u]
        span = int(self.span())
        steps = [min(int(math.floor(x * (span + 1))), span) for x in u]
        return [self.low + (dt.timedelta(days=s) if self.kind == "date" else s) for s in steps]

    def grid(self, k: int | None) -> list:
        """The grid's levels: the given ones, or ``k`` evenly spaced from LOW to HIGH."""
        if self.kind == "levels":
            return list(self.levels)
        if k is None or k < 2:
            raise InputError(f"a grid over the range {self.text_value} needs --points K of at least 2 "
                             "(K levels from LOW to HIGH)", source="--vary", field=self.path)
        steps = np.linspace(0.0, self.span(), k)
        if self.kind == "float":
            return [self.low + float(s) for s in steps]
        span = int(self.span())
        whole = list(range(span + 1)) if k > span else [int(round(s)) for s in steps]
        return [self.low + (dt.timedelta(days=s) if self.kind == "date" else s) for s in whole]

    @property
    def text_value(self) -> str:
        return self.text.partition("=")[2]

    def literal(self, value) -> str:
        """``value`` as the TOML text of a ``--set`` override."""
        if self.kind == "levels":
            return self.level_texts[self.levels.index(value)]
        if self.kind == "date":
            return value.isoformat()
        if self.kind == "int":
            return str(int(value))
        return repr(float(value))


def _split_levels(text: str) -> list[str]:
    """``text`` split at the commas outside brackets, braces and quotes."""
    parts, depth, quote, start = [], 0, None, 0
    for i, c in enumerate(text):
        if quote:
            quote = None if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_date(v) -> bool:
    return isinstance(v, dt.date) and not isinstance(v, dt.datetime)


def _range_bounds(text: str, where: str):
    """(LOW, HIGH) when ``text`` is ``LOW:HIGH`` of two numbers or two dates, else None."""
    for i, c in enumerate(text):
        if c != ":":
            continue
        left, right = text[:i].strip(), text[i + 1:].strip()
        if not left or not right:
            continue
        try:
            lo, hi = (scenarios._parse_value(s, "--vary", where) for s in (left, right))
        except InputError:
            continue
        if (_is_number(lo) and _is_number(hi)) or (_is_date(lo) and _is_date(hi)):
            return lo, hi
        if (_is_number(lo) or _is_date(lo)) and (_is_number(hi) or _is_date(hi)):
            raise InputError(f"LOW and HIGH must both be numbers or both dates, got {left!r} and {right!r}",
                             source="--vary", field=where)
    return None


def parse_vary(text: str) -> Vary:
    """One ``--vary PATH=LOW:HIGH`` or ``PATH=V1,V2,...`` (module docstring); InputError
    (source ``--vary``) when it cannot be read. Whether the path exists is checked by
    :func:`prepare`, which knows the scenario."""
    text = str(text)
    shown = text if len(text) <= 80 else text[:77] + "..."
    if "=" not in text:
        raise InputError(f"expected PATH=LOW:HIGH or PATH=V1,V2,..., got {shown!r}", source="--vary")
    path, _, values = text.partition("=")
    path, values = path.strip(), values.strip()
    if not path or not all(path.split(".")) or any(c.isspace() for c in path):
        raise InputError(f"expected a dotted field path before '=', got {shown!r}", source="--vary")
    if not values:
        raise InputError("expected LOW:HIGH or V1,V2,... after '='", source="--vary", field=path)
    levels = [s.strip() for s in _split_levels(values)]
    if len(levels) == 1:
        bounds = _range_bounds(values, path)
        if bounds is not None:
            return _range(text, path, *bounds)
    if any(not s for s in levels):
        raise InputError(f"an empty level in {values[:60]!r}", source="--vary", field=path)
    parsed = [scenarios._parse_value(s, "--vary", path) for s in levels]
    if len({json.dumps(v, default=str, sort_keys=True) for v in parsed}) < len(parsed):
        raise InputError(f"a level is given twice in {values[:60]!r}", source="--vary", field=path)
    if all(_is_number(x) for x in parsed) and _schema_kind(path) == "float":
        parsed = [float(x) for x in parsed]  # a real field's column holds reals, whatever the levels look like
    return Vary(text, path, "levels", levels=tuple(parsed), level_texts=tuple(levels))


def _range(text: str, path: str, lo, hi) -> Vary:
    if lo > hi:
        raise InputError(f"LOW {lo} is after HIGH {hi}", source="--vary", field=path)
    if _is_date(lo):
        return Vary(text, path, "date", lo, hi)
    kind = _schema_kind(path)
    if kind == "int" or (kind is None and isinstance(lo, int) and isinstance(hi, int)):
        if not (float(lo).is_integer() and float(hi).is_integer()):
            raise InputError(f"{path} takes whole numbers: give whole LOW and HIGH, got {lo}:{hi}",
                             source="--vary", field=path)
        return Vary(text, path, "int", int(lo), int(hi))
    return Vary(text, path, "float", float(lo), float(hi))


def _leaf_types(annotation, parts: Sequence[str]) -> set:
    """The Python types the scenario schema takes at ``parts`` below ``annotation`` (empty when
    the path leads nowhere it knows); a distribution field takes a plain number (float)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _leaf_types(args[0], parts)
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_leaf_types(a, parts) for a in args if a is not type(None)))
    if not parts:
        if isinstance(annotation, type) and issubclass(annotation, BaseDistribution):
            return {float}
        return {annotation} if isinstance(annotation, type) else {object}
    if origin is dict:
        return _leaf_types(args[1], parts[1:])
    if origin in (list, tuple) and args:
        return _leaf_types(args[0], parts[1:]) if parts[0].isdigit() else set()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        f = annotation.model_fields.get(parts[0])
        return _leaf_types(f.annotation, parts[1:]) if f is not None else set()
    return set()


def _schema_kind(path: str) -> str | None:
    """"int" where the schema takes only whole numbers at ``path``, "float" where it takes real
    numbers, None where it does not say."""
    found = _leaf_types(Scenario, path.split(".")) - {type(None)}
    if found == {int}:
        return "int"
    if found and found <= {int, float}:
        return "float"
    return None


# ------------------------------------------------------------------------------ designs


def _unit_sample(design: str, d: int, k: int, seed: int) -> np.ndarray:
    """(k, d) design coordinates in [0, 1) from the generator of ``SeedSequence(seed)``."""
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence(seed))
    cls = qmc.LatinHypercube if design == "lhs" else qmc.Sobol
    try:
        engine = cls(d, scramble=True, rng=rng)
    except TypeError:  # scipy < 1.15 calls it seed
        engine = cls(d, scramble=True, seed=rng)
    with warnings.catch_warnings():  # Sobol' balance with k not a power of 2: documented
        warnings.simplefilter("ignore", UserWarning)
        return np.asarray(engine.random(k))


def design_values(varies: Sequence[Vary], design: str, points: int | None, seed: int) -> list[tuple]:
    """The design's points, each a tuple of values in the order of ``varies``."""
    if design not in DESIGNS:
        raise InputError(f"unknown design {str(design)[:40]!r}; expected one of {', '.join(DESIGNS)}",
                         source="--design")
    if design == "grid":
        levels = [v.grid(points) for v in varies]
        size = math.prod(len(lv) for lv in levels)
        if size > MAX_POINTS:
            raise InputError(f"a grid of {' x '.join(str(len(lv)) for lv in levels)} = {size:,} points is more than "
                             f"the limit of {MAX_POINTS:,}", source="--vary")
        return list(itertools.product(*levels))
    if points is None:
        raise InputError(f"the {design} design needs --points K", source="--points")
    if not 1 <= points <= MAX_POINTS:
        raise InputError(f"expected 1 to {MAX_POINTS:,} points, got {points}", source="--points")
    u = _unit_sample(design, len(varies), points, seed)
    columns = [v.at(u[:, j]) for j, v in enumerate(varies)]
    return list(zip(*columns))


def point_seed(seed: int, k: int) -> int:
    """The seed of point ``k``'s ensemble: 63 bits of ``SeedSequence(seed, spawn_key=(k,))``."""
    return int(np.random.SeedSequence(seed, spawn_key=(k,)).generate_state(1, np.uint64)[0] >> np.uint64(1))


# ------------------------------------------------------------------------------ the sweep


@dataclass(frozen=True)
class Point:
    index: int
    values: tuple
    overrides: tuple[str, ...]
    seed: int
    scenario: Scenario


@dataclass(frozen=True)
class Sweep:
    """A checked sweep: every point validated, nothing run yet."""

    scenario: Scenario
    varies: tuple[Vary, ...]
    design: str
    points: tuple[Point, ...]
    n: int
    seed: int
    common_random_numbers: bool
    overrides: tuple[str, ...] = ()

    def describe(self) -> dict:
        """What the sweep is, as recorded in the Parquet files and the manifest."""
        return {"scenario": self.scenario.name, "source": self.scenario.source, "design": self.design,
                "vary": [v.text for v in self.varies], "points": len(self.points), "replications": self.n,
                "seed": self.seed, "common_random_numbers": self.common_random_numbers,
                "overrides": list(self.overrides)}


def prepare(scenario: Scenario, vary: Sequence[str], design: str = "lhs", points: int | None = None,
            n: int | None = None, seed: int | None = None, *, common_random_numbers: bool = False,
            overrides: Sequence[str] = ()) -> Sweep:
    """Parse the ``vary`` specs, draw the design and validate every point (``scenario``'s file
    text with ``overrides``, the ``--set`` overrides ``scenario`` was loaded with, then the point's own);
    InputError naming the ``--vary`` or the point at the first problem. Nothing is run."""
    if not vary:
        raise InputError("nothing to vary: give at least one --vary PATH=LOW:HIGH or PATH=V1,V2,...",
                         source="--vary")
    varies = tuple(parse_vary(v) for v in vary)
    paths = [v.path for v in varies]
    twice = next((p for p in paths if paths.count(p) > 1), None)
    if twice:
        raise InputError("varied twice", source="--vary", field=twice)
    n = scenario.simulation.replications if n is None else n
    if not isinstance(n, int) or n < 1:
        raise InputError(f"expected a positive number of replications, got {n!r}", source="-n")
    seed = scenario.simulation.seed if seed is None else seed
    text, source = scenario.source_text, scenario.source

    def load(extra: list[str]) -> Scenario:
        return scenarios.loads(text, source=source, overrides=[*overrides, *extra])

    if load([]) != scenario:
        raise ValueError("the scenario differs from its file with these overrides: pass the --set overrides it "
                         "was loaded with as overrides=")
    for v in varies:  # the path exists and the first value is one the schema takes
        first = v.levels[0] if v.kind == "levels" else v.low
        try:
            load([f"{v.path}={v.literal(first)}"])
        except InputError as exc:
            raise InputError(f"{_without_set(exc)}", source=f"--vary {v.text[:120]}") from None
    values = design_values(varies, design, points, seed)
    made = []
    for k, vals in enumerate(values):
        extra = [f"{v.path}={v.literal(x)}" for v, x in zip(varies, vals)]
        try:
            sc = load(extra)
        except InputError as exc:
            raise InputError(f"{_without_set(exc)}", source=f"--vary: design point {k} of {len(values)} "
                             f"({' '.join(extra)[:200]})") from None
        made.append(Point(k, tuple(vals), tuple(extra), seed if common_random_numbers else point_seed(seed, k), sc))
    return Sweep(scenario, varies, design, tuple(made), n, seed, common_random_numbers, tuple(overrides))


def _without_set(exc: InputError) -> str:
    """A scenario's message about an override, without the word "--set" (it was a --vary)."""
    return str(exc).replace("--set: ", "")


# ------------------------------------------------------------------------------ limits


def estimate(sweep: Sweep, workers: int, distributed: bool = False, per_replication: bool = False
             ) -> tuple[float, float, float, float]:
    """(seconds, seconds a replication, bytes on this machine, bytes of one ensemble) of ``sweep``
    on ``workers`` workers, from a trial of a few replications of its first, middle and last
    points (as ``rossim drivers``; the slowest and largest count)."""
    k = len(sweep.points)
    trial = [sweep.points[i] for i in sorted({0, k // 2, k - 1})]
    drivers.estimate_seconds(trial[0].scenario, 1, 0, trial[0].seed, 1)  # warm-up: a fresh process's first
    each = max(drivers.estimate_seconds(p.scenario, 1, 0, p.seed, 1)[1] for p in trial)  # runs are slower
    size = max(ensemble.bytes_per_replication(p.scenario, p.seed, keep=False)[0] for p in trial)
    milestones = len(_milestones(sweep))
    overhead = drivers.ENSEMBLE_OVERHEAD_S / workers  # points run side by side
    seconds = k * sweep.n * each / max(workers, 1) + k * overhead
    held = k * (len(sweep.varies) + 2 + milestones * 15 + 12) * 8 * 4  # the rows, as lists, frame, Arrow
    if per_replication:
        held += k * sweep.n * (milestones + 6) * 8 * 4
    one = sweep.n * size
    at_once = 0 if distributed else min(workers, k)  # an ensemble per local process; a cluster's are its own
    return seconds, each, held + at_once * one, one


def check_limits(sweep: Sweep, workers: int, distributed: bool = False, per_replication: bool = False,
                 time_limit_s: float = TIME_LIMIT_S, memory_limit_bytes: int | None = None) -> tuple[float, float]:
    """Refuse (InputError, field ``-n``) a sweep estimated to take longer than ``time_limit_s`` or
    more memory than ``memory_limit_bytes`` (default :func:`rossim.ensemble.memory_limit`);
    returns the estimates (seconds, bytes)."""
    k, n = len(sweep.points), sweep.n
    seconds, each, memory, one = estimate(sweep, workers, distributed, per_replication)
    where = f"{workers} worker{'s' * (workers > 1)}" + (" of the cluster" if distributed else "")
    if seconds > time_limit_s:
        # the -n at which the estimate above meets the limit (the overhead, too, is shared by the workers)
        most = int((time_limit_s / k - drivers.ENSEMBLE_OVERHEAD_S / workers) * workers / each) if each > 0 else 0
        hint = f"use -n {most} or less" if most >= 1 else "use fewer --points"
        raise InputError(
            f"{k:,} points x {n:,} replications would take about {drivers._duration(seconds)} (~{each * 1000:.1f} ms "
            f"a replication on {where}), more than the limit of {drivers._duration(time_limit_s)}; {hint}, fewer "
            "--points, or raise the limit (--max-minutes)", source=sweep.scenario.source, field="-n")
    limit = ensemble.memory_limit() if memory_limit_bytes is None else memory_limit_bytes
    if memory > limit:
        raise InputError(
            f"{k:,} points x {n:,} replications would hold about {ensemble._bytes(memory)} of memory here "
            f"({ensemble._bytes(one)} for one point's ensemble"
            f"{', the rest for the per-replication table' if per_replication else ''}), more than the limit of "
            f"{ensemble._bytes(limit)}; use a smaller -n or fewer --points", source=sweep.scenario.source, field="-n")
    return seconds, memory


def duration(seconds: float) -> str:
    """A duration as the refusals print it: "40 s", "12 min", "3.5 h"."""
    return drivers._duration(seconds)


# ------------------------------------------------------------------------------ running


@contextlib.contextmanager
def connect(scheduler: str | None, timeout_s: float = 10.0):
    """A ``distributed.Client`` of the scheduler at ``scheduler`` (None: yields None), closed
    afterwards; InputError (``--scheduler``) when it cannot be reached."""
    if scheduler is None:
        yield None
        return
    from distributed import Client

    try:
        client = Client(scheduler, timeout=f"{timeout_s}s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise InputError(f"cannot connect to a dask scheduler at {scheduler[:200]!r} "
                         f"({' '.join(str(exc).split())[:200]})", source="--scheduler") from None
    try:
        yield client
    finally:
        client.close()


def cluster_workers(client) -> int:
    """The threads of a dask client's cluster (at least 1)."""
    return max(1, sum(client.nthreads().values()))


def _milestones(sweep: Sweep) -> list[str]:
    """Every milestone of the sweep's points, in the order they first appear."""
    seen: dict[str, None] = {}
    for p in sweep.points:
        for m in ensemble.Ensemble(p.scenario, p.seed, []).milestones:
            seen.setdefault(m, None)
    return list(seen)


def _date(start: dt.date, days) -> np.datetime64:
    """The date ``days`` after ``start`` (the day it falls in, as ``clock.iso_date``); NaT for NaN/None."""
    if days is None or not math.isfinite(days):
        return np.datetime64("NaT", "D")
    return np.datetime64(start, "D") + np.timedelta64(int(math.floor(days)), "D")


def reduce(ens: ensemble.Ensemble, per_replication: bool = False) -> tuple[dict, dict | None]:
    """A point's row (milestone dates, probabilities and means, with intervals: the module
    docstring) and, when asked, its per-replication columns."""
    s = ens.summary()
    start = ens.start
    row: dict[str, Any] = {}
    for name, m in s["milestones"].items():
        for q in QUANTILE_STATS:
            for suffix in ("", "_low", "_high"):
                row[f"{name}.{q}{suffix}"] = _date(start, m[f"{q}{suffix}_days"])
        for stat, key in PROBABILITY_STATS:
            for suffix in ("", "_low", "_high"):
                row[f"{name}.{stat}{suffix}"] = _float(m[f"{key}{suffix}"])
    for q in QUANTITIES:
        for suffix in ("", "_low", "_high"):
            row[f"{q}.mean{suffix}"] = _float(s[q][f"mean{suffix}"])
    reps = None
    if per_replication:
        reps = {"replication": ens.columns.index.copy()}
        reps.update({m: ens.milestone_days(m) for m in ens.milestones})
        reps.update({q: ens.values(q) for q in QUANTITIES})
    return row, reps


def _float(v) -> float:
    return math.nan if v is None else float(v)


def _run_point(scenario: Scenario, n: int, seed: int, per_replication: bool) -> tuple[dict, dict | None]:
    """One point's ensemble, run where this is called (a dask worker: one process), reduced there."""
    return reduce(ensemble.run(scenario, n=n, seed=seed, workers=1, keep=False), per_replication)


@dataclass
class Results:
    """A sweep's table (one row per point) and, when asked, every replication's milestones."""

    sweep: Sweep
    table: Any  # pandas.DataFrame
    replications: Any = None  # pandas.DataFrame | None
    elapsed_s: float = 0.0
    where: str = "local"


def execute(sweep: Sweep, workers: int | None = None, client=None, executor=None, per_replication: bool = False,
            progress: Callable[[int, int], None] | None = None, done: dict[int, tuple] | None = None,
            on_result: Callable[[int, tuple], None] | None = None) -> Results:
    """Run every point of ``sweep`` (module docstring: locally with ``workers``, on a dask
    ``client`` or on an ``executor``); ``progress(points done, points)``. The result does not
    depend on where or how the points ran. ``done``: the results (row, replications) of points
    already run, by index (an earlier, interrupted run: :mod:`rossim.analysis.sweep_folder`),
    which are not run again; ``on_result(index, result)`` is called as each point finishes,
    before it counts as done."""
    import time

    t0 = time.perf_counter()
    k = len(sweep.points)
    out: list = [None] * k
    for i, result in (done or {}).items():
        out[i] = result
    todo = [p for p in sweep.points if out[p.index] is None]
    count = k - len(todo)

    def finished(i: int, result) -> None:
        nonlocal count
        if on_result:
            on_result(i, result)
        out[i] = result
        count += 1
        if progress:
            progress(count, k)

    if not todo:
        where = "nothing to run (every point done earlier)"
    elif client is not None:
        from distributed import as_completed

        token = secrets.token_hex(4)
        futures = [client.submit(_run_point, p.scenario, sweep.n, p.seed, per_replication, pure=False,
                                 key=f"rossim-sweep-{token}-{p.index}") for p in todo]
        index = {f.key: p.index for f, p in zip(futures, todo)}
        _gather(futures, as_completed, lambda f: index[f.key], finished, lambda: client.cancel(futures))
        where = f"dask scheduler {client.scheduler.address}"
    elif executor is not None:
        futures = [executor.submit(_run_point, p.scenario, sweep.n, p.seed, per_replication) for p in todo]
        index = {id(f): p.index for f, p in zip(futures, todo)}
        _gather(futures, concurrent.futures.as_completed, lambda f: index[id(f)], finished,
                lambda: [f.cancel() for f in futures])
        where = type(executor).__name__
    elif (w := ensemble.worker_count(workers, len(todo))) > 1:  # a point per process at a time
        with _process_pool(w) as pool:
            futures = [pool.submit(_run_point, p.scenario, sweep.n, p.seed, per_replication) for p in todo]
            index = {id(f): p.index for f, p in zip(futures, todo)}
            _gather(futures, concurrent.futures.as_completed, lambda f: index[id(f)], finished, lambda: None)
        where = f"local, {w} processes"
    else:  # one point, or one worker: each point's ensemble on the ensemble's own workers
        for p in todo:
            ens = ensemble.run(p.scenario, n=sweep.n, seed=p.seed, workers=workers, keep=False)
            finished(p.index, reduce(ens, per_replication))
        where = f"local, {max(1, ensemble.worker_count(workers, ensemble.cores()))} worker processes"
    table, reps = _frames(sweep, out, per_replication)
    return Results(sweep, table, reps, time.perf_counter() - t0, where)


@contextlib.contextmanager
def _process_pool(workers: int):
    """A pool of ``workers`` local processes that behave as the ensemble's (they ignore Ctrl-C,
    which the parent handles, and die with the parent even after ``kill -9``); on any exception
    (Ctrl-C) they are killed at once and the exception propagates."""
    import multiprocessing
    import os

    pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(),
                                                  initializer=_pool_worker, initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        # Killed first, then shut down: the pool's own thread finds them dead and fails every
        # future (cancelling futures first races with that thread on Python 3.11).
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.kill()
        pool.shutdown(wait=True)
        raise
    pool.shutdown(wait=True)


def _pool_worker(parent: int) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    ensemble._die_with_parent(parent)


def _gather(futures, as_completed, index_of, finished, cancel) -> None:
    """Results as they complete; on any exception (Ctrl-C) the unfinished tasks are cancelled."""
    try:
        for fut in as_completed(futures):
            finished(index_of(fut), fut.result())
    except BaseException:
        cancel()
        raise


def _frames(sweep: Sweep, out: list, per_replication: bool):
    """The table and the per-replication table as DataFrames with their final column types."""
    import pandas as pd

    cols: dict[str, Any] = {"point": np.arange(len(sweep.points), dtype=np.int64)}
    for j, v in enumerate(sweep.varies):
        cols[v.path] = _input_column([p.values[j] for p in sweep.points])
    cols["seed"] = np.array([p.seed for p in sweep.points], dtype=np.int64)
    names: dict[str, None] = {}
    for row, _ in out:
        names.update(dict.fromkeys(row))
    for name in names:
        values = [row.get(name) for row, _ in out]
        if name.rsplit(".", 1)[1].split("_")[0] in QUANTILE_STATS:
            cols[name] = np.array([np.datetime64("NaT", "D") if x is None else x for x in values],
                                  dtype="datetime64[D]").astype(DATE_DTYPE)
        else:
            cols[name] = np.array([math.nan if x is None else x for x in values], dtype=float)
    table = pd.DataFrame(cols)
    reps = None
    if per_replication:
        parts = []
        for p, (_, r) in zip(sweep.points, out):
            frame = pd.DataFrame(r)
            frame.insert(0, "point", np.int64(p.index))
            parts.append(frame)
        reps = pd.concat(parts, ignore_index=True)
        reps["point"] = reps["point"].astype(np.int64)
    return table, reps


def _input_column(values: list):
    if all(_is_date(x) for x in values):
        return np.array(values, dtype="datetime64[D]").astype(DATE_DTYPE)
    if all(isinstance(x, bool) for x in values):
        return np.array(values, dtype=bool)
    if all(isinstance(x, int) and not isinstance(x, bool) for x in values):
        return np.array(values, dtype=np.int64)
    if all(_is_number(x) for x in values):
        return np.array(values, dtype=float)
    return np.array([x if isinstance(x, str) else json.dumps(x, default=str) for x in values], dtype=object)


def run(scenario: Scenario, vary: Sequence[str], design: str = "lhs", points: int | None = None,
        n: int | None = None, seed: int | None = None, *, workers: int | None = None, scheduler: str | None = None,
        client=None, executor=None, common_random_numbers: bool = False, overrides: Sequence[str] = (),
        progress: Callable[[int, int], None] | None = None, time_limit_s: float = TIME_LIMIT_S,
        memory_limit_bytes: int | None = None):
    """Sweep ``scenario`` over ``vary`` (``PATH=LOW:HIGH`` / ``PATH=V1,V2,...``) with ``design``
    of ``points`` points, ``n`` replications each; returns the table as a pandas DataFrame
    (module docstring). Every point is validated and the time and memory estimated before any
    run. ``scheduler``: the address of a dask scheduler (or pass a ``client``, or any
    ``executor``); otherwise local, ``workers`` processes."""
    sweep = prepare(scenario, vary, design, points, n, seed, common_random_numbers=common_random_numbers,
                    overrides=overrides)
    with connect(scheduler) as own:
        client = own or client
        w = cluster_workers(client) if client is not None else \
            ensemble.worker_count(workers, ensemble.cores()) if executor is None else (workers or ensemble.cores())
        check_limits(sweep, max(w, 1), distributed=client is not None or executor is not None,
                     time_limit_s=time_limit_s, memory_limit_bytes=memory_limit_bytes)
        return execute(sweep, workers, client=client, executor=executor, progress=progress).table


# ------------------------------------------------------------------------------ files


def _arrow(frame, sweep: Sweep):
    """``frame`` as an Arrow table: dates as date32, the sweep's description in the metadata."""
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type):
            table = table.set_column(i, pa.field(f.name, pa.date32()), table.column(i).cast(pa.date32()))
    return table.replace_schema_metadata({METADATA_KEY: json.dumps(sweep.describe()).encode()})


def to_csv(frame, path: Path) -> None:
    """``frame`` as CSV: dates ISO (empty: later than the horizon), numbers in full."""
    out = frame.copy()
    for name in out.columns:
        if str(out[name].dtype).startswith("datetime64"):
            out[name] = out[name].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, na_rep="")


def write(folder: Path, results: Results) -> list[Path]:
    """:data:`PARQUET_FILE`, :data:`CSV_FILE` and, with per-replication rows,
    :data:`REPLICATIONS_FILE` into ``folder``, each atomically."""
    import pyarrow.parquet as pq

    from ..folders import atomic_file

    folder = Path(folder)
    with atomic_file(folder / PARQUET_FILE) as tmp:
        pq.write_table(_arrow(results.table, results.sweep), tmp)
    with atomic_file(folder / CSV_FILE) as tmp:
        to_csv(results.table, tmp)
    written = [folder / PARQUET_FILE, folder / CSV_FILE]
    if results.replications is not None:
        with atomic_file(folder / REPLICATIONS_FILE) as tmp:
            pq.write_table(_arrow(results.replications, results.sweep), tmp)
        written.append(folder / REPLICATIONS_FILE)
    return written


def read(path: str | Path):
    """A sweep's Parquet table as the DataFrame :func:`run` returned (dates as datetime64)."""
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pandas(date_as_object=False)
