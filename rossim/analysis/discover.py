"""Scenario discovery: the region of a sweep's inputs where a goal is met (``rossim discover``).

A **goal** (:func:`parse_goal`) is ``COLUMN OP VALUE`` on an outcome column of the sweep's table
(:mod:`rossim.analysis.sweep`; not an input, ``point``, ``seed`` or a ``_low``/``_high`` end): a
milestone's date statistic with an ISO date
(``phase_2_complete.p50 <= 2033-12-31``; a date not reached, NaT, is later than any date) or a
number (``capacity_4.p_by_deadline >= 0.5``, ``launches.mean < 12``); OP one of
``<= < >= > == !=``. It marks each design point met or not (:func:`evaluate`); a point whose
statistic's 95 % Monte Carlo interval (the ``_low``/``_high`` columns) holds values on both sides
of the bound is counted as **uncertain** (:func:`uncertain`): more replications per point would
be needed to say.

The inputs are the sweep's ``--vary`` columns: numbers, whole numbers, dates (as days),
``true``/``false`` (as 1/0), and levels that are words (``crew.ship=soyuz_ms,orel``) as a 0/1
column per level (:class:`Inputs`), which PRIM peels a whole level at a time, whatever its
share of the box's points (as EMA Workbench peels a categorical input), and CART splits on; an
input with a single value is left out (and said to be).

**PRIM** (:func:`prim`, the Patient Rule Induction Method of Friedman & Fisher, "Bump hunting
in high-dimensional data", Statistics and Computing 9, 1999, 123-143), written here after EMA
Workbench's ``ema_workbench/analysis/prim.py`` (docs/design-notes.md says why not the package):

* **Peeling**: from the box holding every point, each step considers, for every input, removing
  the ``peel_alpha`` share of the box's points with the lowest values and, separately, the
  highest (with every point tied with the last one removed, so that whole levels of a grid go at
  once) and takes the candidate with the largest gain in the share of points meeting the goal
  (the box's *density*) per point removed (EMA Workbench's default objective, "lenient1"; ties:
  the larger box, then the input's order). Friedman & Fisher take the largest density, which
  favours removing a whole level of an input of words, a third of the points at once, over a
  5 % peel of a number. Peeling goes on even when the density falls (as Friedman & Fisher; EMA
  Workbench stops there instead) until the box would hold less than ``mass_min`` of the points or
  nothing is left to peel. The boxes
  along the way are the **trajectory**, each with its *coverage* (the share of all goal-meeting
  points inside), *density* and *mass* (the share of all points inside): the peeling trade-off.
* **Choosing**: the box of the trajectory with the highest coverage among those with density at
  least ``threshold`` (of equal coverage, the densest; the densest box, when none reaches it).
* **Pasting**: the chosen box is then widened, one input and side at a time, by the
  ``paste_alpha`` share of its size of the nearest points outside it on that side (or by the
  nearest one alone, with its ties, when that is better), as long as the best such widening
  does not lower the density (Friedman & Fisher widen while the mean
  rises; accepting an equal density lets a pure box win back the goal-meeting points peeling
  cut off, and never admits a point that misses the goal into a pure box).
* **Covering**: the points of the box are set aside and PRIM runs again on the rest, for up to
  ``max_boxes`` boxes, keeping each further box only when its density reaches ``threshold``.

A box's limits lie halfway between the last point inside and the first outside; an input is
*restricted* when a limit cuts off some points. Each restriction of a final box has its
**quasi-p-value** (:func:`quasi_p`, as EMA Workbench's): how likely the box's density would be
without that restriction; a large one marks a restriction the design's sample alone may explain.
In words (:func:`describe`), each limit is the
shortest number (or the roundest date: a year, then a month's first day, then the 15th)
between those two points, so that it splits the points exactly as the box does:
``launch_vehicles.angara_a5m.success_probability >= 0.93 and modules.nem.ready <= 2028-06-01``.

**CART** (:func:`cart`): a classification tree (scikit-learn ``DecisionTreeClassifier``, Gini,
``max_depth`` levels, leaves of at least 5 % of the points, ``random_state=0``) over the same
inputs; each leaf where most points meet the goal is a box too, with its rule in words.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import operator
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .. import montecarlo
from ..errors import InputError

__all__ = ["Goal", "Inputs", "Box", "Leaf", "Result", "parse_goal", "evaluate", "uncertain", "inputs_of", "prim",
           "choose", "paste", "quasi_p", "cart", "describe", "discover", "read_sweep", "write", "OPERATORS",
           "FOLDER", "JSON_FILE", "TRAJECTORY_FILE", "BOXES_FILE", "CART_FILE"]

OPERATORS = {"<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne, "<": operator.lt,
             ">": operator.gt}
_GOAL = re.compile(r"\s*(?P<column>[^=!<>\s]+)\s*(?P<op><=|>=|==|!=|<|>)\s*(?P<value>[^=!<>\s]+)\s*")
#: The folder inside the sweep's folder, and its files.
FOLDER = "discover"
JSON_FILE, TRAJECTORY_FILE, BOXES_FILE, CART_FILE = "discover.json", "prim_trajectory.csv", "boxes.csv", "cart.txt"
#: Days of a date input are counted from this day (numpy's epoch).
_EPOCH = np.datetime64("1970-01-01", "D")


# ------------------------------------------------------------------------------ goals


@dataclass(frozen=True)
class Goal:
    """``column op value``; ``value`` a float, or a day number (days since 1970) for a date column."""

    text: str
    column: str
    op: str
    value: float
    is_date: bool

    def shown_value(self) -> str:
        return _day(self.value).isoformat() if self.is_date else f"{self.value:g}"


def _is_date_column(series) -> bool:
    return str(series.dtype).startswith("datetime64")


def parse_goal(text: str, table, inputs: Sequence[str] = ()) -> Goal:
    """``COLUMN OP VALUE`` on one of ``table``'s outcome columns (every column but the
    ``inputs``, ``point``, ``seed`` and the ``_low``/``_high`` interval ends); InputError
    (``--goal``) naming what is wrong and the columns a goal may use when it cannot be read."""
    import difflib

    text = str(text)
    shown = text if len(text) <= 80 else text[:77] + "..."
    inputs = [str(c) for c in inputs]
    outputs = [c for c in table.columns if c not in ("point", "seed", *inputs) and not c.endswith(("_low", "_high"))]
    listed = f"{', '.join(outputs[:12])}{', ...' if len(outputs) > 12 else ''}"
    m = _GOAL.fullmatch(text)
    if m is None:
        raise InputError(f"expected COLUMN OP VALUE (OP one of {' '.join(OPERATORS)}), e.g. "
                         f"'phase_2_complete.p50 <= 2033-12-31', got {shown!r}", source="--goal")
    column, op, raw = m["column"], m["op"], m["value"]
    if column not in table.columns:
        near = difflib.get_close_matches(column, outputs, n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(near)}?" if near else f"columns: {listed} (every column in sweep.csv)"
        raise InputError(f"no column {column[:80]!r} in the sweep's table; {hint}", source="--goal")
    if column not in outputs:
        end = column.rsplit("_", 1)[-1]
        if column not in (*inputs, "point", "seed"):  # an end of an interval
            stat = column.removesuffix("_" + end)
            raise InputError(f"{column[:80]} is the {'lower' if end == 'low' else 'upper'} end of the 95 % Monte "
                             f"Carlo interval of {stat[:80]}, not an outcome; give the goal on {stat[:80]} (a point "
                             "whose interval holds both sides of the bound is counted uncertain)", source="--goal")
        what = ("an input the sweep varied (--vary)" if column in inputs
                else "the number of the design point" if column == "point"
                else "the seed of the point's random numbers")
        raise InputError(f"{column[:80]} is {what}, not an outcome; a goal is on an outcome column: {listed} "
                         "(every column of sweep.csv but the inputs, point, seed and the _low/_high ends)",
                         source="--goal")
    if _is_date_column(table[column]):
        try:
            day = dt.date.fromisoformat(raw) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) else None
        except ValueError:
            day = None
        if day is None:
            raise InputError(f"{column} is a date: expected an ISO date (YYYY-MM-DD), got {raw[:40]!r}", source="--goal")
        return Goal(text, column, op, float((np.datetime64(day, "D") - _EPOCH).astype(int)), True)
    from pandas.api import types

    if not types.is_numeric_dtype(table[column].dtype) or types.is_bool_dtype(table[column].dtype):
        raise InputError(f"{column} holds no numbers or dates; a goal compares one of those", source="--goal")
    try:
        value = float(raw.removesuffix("%")) / (100.0 if raw.endswith("%") else 1.0)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InputError(f"{column} is a number: expected a number (or a percentage: 50%), got {raw[:40]!r}",
                         source="--goal")
    return Goal(text, column, op, value, False)


def _values(table, column: str, is_date: bool) -> np.ndarray:
    """A column as floats: days since 1970 for dates, NaT as +inf (later than any date)."""
    col = table[column].to_numpy()
    if is_date:
        days = col.astype("datetime64[D]")
        return np.where(np.isnat(days), np.inf, (days - _EPOCH).astype(np.int64).astype(float))
    return np.asarray(col, dtype=float)


def evaluate(goal: Goal, table) -> np.ndarray:
    """Whether each point (row) meets ``goal`` (a NaN number meets no goal)."""
    v = _values(table, goal.column, goal.is_date)
    with np.errstate(invalid="ignore"):
        return np.asarray(OPERATORS[goal.op](v, goal.value), dtype=bool) & ~np.isnan(v)


def uncertain(goal: Goal, table) -> np.ndarray:
    """Points whose statistic's 95 % Monte Carlo interval holds values meeting the goal and values
    missing it (False where the table has no interval for the column)."""
    lo_col, hi_col = f"{goal.column}_low", f"{goal.column}_high"
    if lo_col not in table.columns or hi_col not in table.columns:
        return np.zeros(len(table), dtype=bool)
    lo, hi = _values(table, lo_col, goal.is_date), _values(table, hi_col, goal.is_date)
    g = goal.value
    with np.errstate(invalid="ignore"):
        contains, point = (lo <= g) & (g <= hi), (lo == g) & (hi == g)
        meets, misses = {"<=": (lo <= g, hi > g), "<": (lo < g, hi >= g), ">=": (hi >= g, lo < g),
                         ">": (hi > g, lo <= g), "==": (contains, ~point), "!=": (~point, contains)}[goal.op]
        return np.asarray(meets & misses, dtype=bool)


# ------------------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class Inputs:
    """The design's inputs as a (points, d) float matrix, a column per input: ``names`` (the
    ``--vary`` paths), ``kinds`` ("number", "whole", "date", "bool"); an input of words (levels
    such as ``crew.ship=soyuz_ms,orel``) is a column per level, named ``PATH=LEVEL``, of kind
    "level" (1 where the point has that level); ``levels``: each such input's levels in the
    order they first appear; ``left_out``: inputs with a single value."""

    x: np.ndarray
    names: tuple[str, ...]
    kinds: tuple[str, ...]
    left_out: tuple[str, ...] = ()
    levels: dict = field(default_factory=dict)


def inputs_of(table, paths: Sequence[str]) -> Inputs:
    """The columns ``paths`` of ``table`` (a sweep's inputs) as numbers."""
    from pandas.api import types

    cols, names, kinds, out, levels = [], [], [], [], {}
    for p in paths:
        s = table[p]
        if s.nunique(dropna=False) < 2:
            out.append(p)
            continue
        if _is_date_column(s):
            cols.append(_values(table, p, True))
            kinds.append("date")
        elif types.is_bool_dtype(s.dtype):
            cols.append(s.to_numpy().astype(float))
            kinds.append("bool")
        elif types.is_integer_dtype(s.dtype):
            cols.append(s.to_numpy().astype(float))
            kinds.append("whole")
        elif types.is_float_dtype(s.dtype):
            cols.append(s.to_numpy().astype(float))
            kinds.append("number")
        else:  # words: a 0/1 column per level (PRIM peels a level away, or all but one; CART splits on one)
            words = [str(v) for v in s.to_numpy()]
            levels[p] = tuple(dict.fromkeys(words))
            for level in levels[p]:
                cols.append(np.array([w == level for w in words], dtype=float))
                kinds.append("level")
                names.append(f"{p}={level}")
            continue
        names.append(p)
    x = np.column_stack(cols) if cols else np.empty((len(table), 0))
    return Inputs(x, tuple(names), tuple(kinds), tuple(out), levels)


# ------------------------------------------------------------------------------ boxes


@dataclass
class Box:
    """Limits ``lower``/``upper`` per input (-inf/+inf: not restricted), the points inside
    (``inside``, over all points), and its statistics against the goal ``y`` of all points."""

    lower: np.ndarray
    upper: np.ndarray
    inside: np.ndarray
    coverage: float = 0.0
    density: float = 0.0
    mass: float = 0.0
    count: int = 0
    met: int = 0
    density_low: float = 0.0
    density_high: float = 0.0
    quasi_p: dict = field(default_factory=dict)

    def stats(self, y: np.ndarray) -> "Box":
        self.count = int(self.inside.sum())
        self.met = int((y & self.inside).sum())
        total = int(y.sum())
        self.coverage = self.met / total if total else math.nan
        self.density = self.met / self.count if self.count else math.nan
        self.mass = self.count / len(y)
        iv = montecarlo.proportion(self.met, self.count)
        self.density_low, self.density_high = float(iv.low), float(iv.high)
        return self

    def restricted(self) -> list[int]:
        return [j for j in range(len(self.lower)) if np.isfinite(self.lower[j]) or np.isfinite(self.upper[j])]

    def to_dict(self, inputs: Inputs) -> dict:
        return {"coverage": self.coverage, "density": self.density, "density_low": self.density_low,
                "density_high": self.density_high, "mass": self.mass, "points": self.count, "met": self.met,
                "restricted": [inputs.names[j] for j in self.restricted()],
                "limits": {inputs.names[j]: {**({"is": bool(np.isfinite(self.lower[j]))} if inputs.kinds[j] == "level"
                                                else {"lower": _limit_value(self.lower[j], inputs.kinds[j]),
                                                      "upper": _limit_value(self.upper[j], inputs.kinds[j])}),
                                             **({"quasi_p": self.quasi_p[j]} if j in self.quasi_p else {})}
                           for j in self.restricted()}}


def _limit_value(v: float, kind: str):
    if not np.isfinite(v):
        return None
    return _day(v).isoformat() if kind == "date" else float(v)


def _day(days: float) -> dt.date:
    return (_EPOCH + np.timedelta64(int(math.floor(days)), "D")).item()


def _in_box(x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    return np.all((x >= lower) & (x <= upper), axis=1)


def _peels(x: np.ndarray, y: np.ndarray, box: Box, alpha: float, levels: frozenset = frozenset()):
    """Every candidate peel of ``box``: (input, side, new limit, points left inside). The 0/1
    columns of an input's ``levels`` are peeled from above only: one whole level removed at a
    time, however few or many of the box's points it holds (as EMA Workbench's categorical peel;
    a level of fewer than ``alpha`` of the points would otherwise never go)."""
    idx = np.flatnonzero(box.inside)
    k = max(1, int(math.ceil(alpha * len(idx))))
    for j in range(x.shape[1]):
        v = np.sort(x[idx, j])
        if v[0] == v[-1]:
            continue
        # lower side: remove the k lowest and every point tied with the k-th
        cut = v[k - 1]
        above = v[v > cut]
        if above.size and j not in levels:
            limit = (cut + above[0]) / 2.0
            yield j, 0, limit, box.inside & (x[:, j] >= limit)
        cut = v[-1] if j in levels else v[-k]
        below = v[v < cut]
        if below.size:
            limit = (cut + below[-1]) / 2.0
            yield j, 1, limit, box.inside & (x[:, j] <= limit)


def prim(x: np.ndarray, y: np.ndarray, *, peel_alpha: float = 0.05, mass_min: float = 0.05,
         among: np.ndarray | None = None, levels: Sequence[int] = ()) -> list[Box]:
    """The peeling trajectory (module docstring) over the points ``among`` (default: all),
    statistics against all of ``y``: the first box holds them all, each next one is peeled.
    ``levels``: the columns that are an input's levels (0/1, :class:`Inputs`)."""
    levels = frozenset(levels)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=bool)
    n, d = x.shape
    inside = np.ones(n, dtype=bool) if among is None else np.asarray(among, dtype=bool).copy()
    box = Box(np.full(d, -np.inf), np.full(d, np.inf), inside).stats(y)
    trajectory = [box]
    while True:
        best = None
        for j, side, limit, kept in _peels(x, y, box, peel_alpha, levels):
            count = int(kept.sum())
            if count < mass_min * n or count == 0:
                continue
            gain = ((y & kept).sum() / count - box.density) / (box.count - count)  # per point removed
            key = (gain, count, -j)
            if best is None or key > best[0]:
                best = (key, j, side, limit, kept)
        if best is None:
            return trajectory
        _, j, side, limit, kept = best
        lower, upper = box.lower.copy(), box.upper.copy()
        (lower if side == 0 else upper)[j] = limit
        box = Box(lower, upper, kept).stats(y)
        trajectory.append(box)


def quasi_p(x: np.ndarray, y: np.ndarray, box: Box, among: np.ndarray | None = None) -> dict[int, float]:
    """Each restriction's quasi-p-value (as EMA Workbench's): the one-sided binomial probability
    of at least the box's goal-meeting points among its points, were they drawn at the density
    of the box without that restriction. Large: the restriction adds little (it may be noise of
    the design's sample)."""
    from scipy.stats import binomtest

    pool = np.ones(len(y), dtype=bool) if among is None else np.asarray(among, dtype=bool)
    out = {}
    for j in box.restricted():
        lower, upper = box.lower.copy(), box.upper.copy()
        lower[j], upper[j] = -np.inf, np.inf
        wider = pool & _in_box(x, lower, upper)
        out[j] = float(binomtest(box.met, box.count, float(y[wider].mean()), alternative="greater").pvalue)
    return out


def choose(trajectory: Sequence[Box], threshold: float) -> int:
    """The index of the box with the highest coverage among those of density at least
    ``threshold`` (of equal coverage, the densest); the densest when none reaches it."""
    ok = [i for i, b in enumerate(trajectory) if b.density >= threshold]
    if ok:
        return max(ok, key=lambda i: (trajectory[i].coverage, trajectory[i].density, -i))
    return max(range(len(trajectory)), key=lambda i: (trajectory[i].density, -i))


def paste(x: np.ndarray, y: np.ndarray, box: Box, *, paste_alpha: float = 0.05,
          among: np.ndarray | None = None) -> Box:
    """``box`` widened while the best widening keeps its density (module docstring); only the
    points ``among`` (default: all) may join it."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=bool)
    pool = np.ones(len(y), dtype=bool) if among is None else np.asarray(among, dtype=bool)
    while True:
        best = None
        k = max(1, int(math.ceil(paste_alpha * box.count)))
        for j in box.restricted():
            others_lo, others_hi = box.lower.copy(), box.upper.copy()
            others_lo[j], others_hi[j] = -np.inf, np.inf
            slab = pool & _in_box(x, others_lo, others_hi) & ~box.inside
            for side in (0, 1):
                limit = box.lower[j] if side == 0 else box.upper[j]
                if not np.isfinite(limit):
                    continue
                out = np.sort(x[slab & ((x[:, j] < limit) if side == 0 else (x[:, j] > limit)), j])
                if not out.size:
                    continue
                for m in sorted({1, min(k, out.size)}):  # the nearest point (and its ties), or the share
                    if side == 0:
                        cut = out[-m]
                        rest = out[out < cut]
                        new = (cut + rest[-1]) / 2.0 if rest.size else -np.inf
                    else:
                        cut = out[m - 1]
                        rest = out[out > cut]
                        new = (cut + rest[0]) / 2.0 if rest.size else np.inf
                    lower, upper = box.lower.copy(), box.upper.copy()
                    (lower if side == 0 else upper)[j] = new  # infinite: every point on that side joins
                    grown = box.inside | (slab & (x[:, j] >= lower[j]) & (x[:, j] <= upper[j]))
                    count = int(grown.sum())
                    density = (y & grown).sum() / count
                    key = (density, count, -j)
                    if best is None or key > best[0]:
                        best = (key, lower, upper, grown)
        if best is None or best[0][0] < box.density:
            return box
        box = Box(best[1], best[2], best[3]).stats(y)


# ------------------------------------------------------------------------------ in words


def _shortest(inside: float, outside: float) -> float:
    """The number with the fewest decimals from ``inside`` (included) towards ``outside``
    (excluded; infinite: none), for a lower limit (``outside < inside``) or an upper one."""
    if not np.isfinite(outside):
        return inside
    up = outside > inside
    for digits in range(0, 16):
        scale = 10.0 ** digits
        r = (math.ceil(inside * scale) if up else math.floor(inside * scale)) / scale
        if (inside <= r < outside) if up else (outside < r <= inside):
            return r
    return inside


def _roundest_day(first: int, last: int) -> int:
    """The roundest day from ``first`` to ``last`` (day numbers): a year's first day, then a
    month's, then a 15th, else ``first``."""
    days = np.arange(first, last + 1)
    if days.size > 4000:
        days = days[:4000]
    dates = [_day(d) for d in days]
    for test in (lambda t: t.month == 1 and t.day == 1, lambda t: t.day == 1, lambda t: t.day == 15):
        for d, t in zip(days, dates):
            if test(t):
                return int(d)
    return int(first)


def _limit_text(values: np.ndarray, limit: float, side: int, kind: str) -> str:
    """A box limit in words, splitting ``values`` (the input's values of the points) as it does."""
    if side == 0:  # x >= limit: the inside's lowest value, the outside's highest
        inside, outside = values[values >= limit], values[values < limit]
        hi, lo = (inside.min() if inside.size else limit), (outside.max() if outside.size else -np.inf)
        if kind == "date":
            return "≥ " + _day(_roundest_day(int(lo) + 1, int(hi))).isoformat()
        if kind in ("whole", "bool"):
            return f"≥ {int(math.floor(lo)) + 1}"
        return f"≥ {_fmt(_shortest(hi, lo))}"
    inside, outside = values[values <= limit], values[values > limit]
    lo, hi = (inside.max() if inside.size else limit), (outside.min() if outside.size else np.inf)
    if kind == "date":
        return "≤ " + _day(_roundest_day(int(lo), int(hi) - 1)).isoformat()
    if kind in ("whole", "bool"):
        return f"≤ {int(math.ceil(hi)) - 1}"
    return f"≤ {_fmt(_shortest(lo, hi))}"


def _fmt(v: float) -> str:
    return f"{v:.12g}"


def describe(box_lower: np.ndarray, box_upper: np.ndarray, inputs: Inputs) -> str:
    """A box's restrictions in words, e.g. ``a.b ≥ 0.93 and c.ready ≤ 2028-06-01``, an input of
    words as the levels it keeps (``crew.ship is orel``, ``crew.ship is one of a, b``); "any inputs"
    when it restricts none."""
    parts: list[str] = []
    words: dict[str, tuple[set, set]] = {}  # path: (levels required, levels excluded)
    for j, name in enumerate(inputs.names):
        lo, hi, kind = box_lower[j], box_upper[j], inputs.kinds[j]
        if kind == "level":
            path, _, level = name.partition("=")
            if path not in words:
                words[path] = (set(), set())
                parts.append(path)  # its place in the sentence, filled in below
            if np.isfinite(lo):
                words[path][0].add(level)
            if np.isfinite(hi):
                words[path][1].add(level)
            continue
        values = inputs.x[:, j]
        limits = [_limit_text(values, lo, 0, kind) if np.isfinite(lo) else None,
                  _limit_text(values, hi, 1, kind) if np.isfinite(hi) else None]
        if kind == "bool":
            parts += [f"{name} is true"] if limits[0] else [f"{name} is false"] if limits[1] else []
            continue
        parts += [f"{name} {t}" for t in limits if t]
    for path, (required, excluded) in words.items():
        kept = [v for v in inputs.levels[path] if (v in required if required else v not in excluded)]
        text = (f"{path} is {kept[0]}" if len(kept) == 1 else f"{path} is one of {', '.join(kept)}") \
            if required or excluded else None
        parts = [text if p == path else p for p in parts if p != path or text]
    return " and ".join(parts) if parts else "any inputs"


# ------------------------------------------------------------------------------ CART


@dataclass
class Leaf:
    """A CART leaf where most points meet the goal: its box and its rule in words."""

    box: Box
    rule: str


def cart(x: np.ndarray, y: np.ndarray, inputs: Inputs, max_depth: int = 3) -> tuple[list[Leaf], str]:
    """The classification tree's goal-meeting leaves (as boxes, largest coverage first) and the
    whole tree as text."""
    from sklearn.tree import DecisionTreeClassifier, export_text

    n = len(y)
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=max(1, int(math.ceil(0.05 * n))),
                                  random_state=0).fit(x, y.astype(int))
    t = tree.tree_
    leaves: list[Leaf] = []

    def walk(node: int, lower: np.ndarray, upper: np.ndarray) -> None:
        if t.children_left[node] == -1:
            if y.all() or (len(tree.classes_) == 2 and t.value[node][0][1] > t.value[node][0][0]):
                inside = _in_box(x, lower, upper)
                box = Box(lower, upper, inside).stats(y)
                leaves.append(Leaf(box, describe(lower, upper, inputs)))
            return
        j, thr = t.feature[node], t.threshold[node]
        up = upper.copy()
        up[j] = min(up[j], thr)
        walk(t.children_left[node], lower, up)
        lo = lower.copy()
        lo[j] = max(lo[j], np.nextafter(thr, np.inf))
        walk(t.children_right[node], lo, upper)

    d = x.shape[1]
    walk(0, np.full(d, -np.inf), np.full(d, np.inf))
    leaves.sort(key=lambda leaf: -leaf.box.coverage)
    text = export_text(tree, feature_names=list(inputs.names), class_names=["missed", "met"]
                       if len(tree.classes_) == 2 else None, show_weights=True)
    return leaves, text


# ------------------------------------------------------------------------------ the whole


@dataclass
class Result:
    goal: Goal
    inputs: Inputs
    y: np.ndarray
    uncertain: np.ndarray
    trajectory: list[Box]
    chosen: int
    boxes: list[Box]
    rules: list[str]
    leaves: list[Leaf]
    tree_text: str
    settings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "goal": self.goal.text, "column": self.goal.column, "op": self.goal.op,
            "value": self.goal.shown_value() if self.goal.is_date else self.goal.value,
            "points": int(len(self.y)), "met": int(self.y.sum()), "uncertain": int(self.uncertain.sum()),
            "inputs": list(self.inputs.names), "left_out": list(self.inputs.left_out), "settings": self.settings,
            "prim": {"chosen": self.chosen,
                     "boxes": [{**b.to_dict(self.inputs), "rule": r,
                                "uncertain": int((self.uncertain & b.inside).sum())}
                               for b, r in zip(self.boxes, self.rules)],
                     "trajectory": [{"step": i, "coverage": b.coverage, "density": b.density, "mass": b.mass,
                                     "restricted": len(b.restricted())} for i, b in enumerate(self.trajectory)]},
            "cart": [{**leaf.box.to_dict(self.inputs), "rule": leaf.rule} for leaf in self.leaves],
        }


def discover(table, paths: Sequence[str], goal_text: str, *, threshold: float = 0.8, peel_alpha: float = 0.05,
             paste_alpha: float = 0.05, mass_min: float = 0.05, max_boxes: int = 3, max_depth: int = 3) -> Result:
    """PRIM (with pasting and covering) and CART over a sweep's ``table`` with inputs ``paths``
    for the goal ``goal_text``; InputError for a bad goal or settings, or a goal that every point,
    or none, meets (nothing to tell apart)."""
    for name, v, hi in (("--threshold", threshold, 1.0), ("--peel-alpha", peel_alpha, 0.5),
                        ("--paste-alpha", paste_alpha, 0.5), ("--mass-min", mass_min, 1.0)):
        if not (isinstance(v, (int, float)) and 0.0 < v <= hi):
            raise InputError(f"expected a number in (0, {hi:g}], got {v!r}", source=name)
    goal = parse_goal(goal_text, table, paths)
    inputs = inputs_of(table, paths)
    if not inputs.names:
        raise InputError("the sweep varied no input that is a number, a date or true/false; PRIM and CART "
                         "need one", source="--goal")
    y = evaluate(goal, table)
    if y.all() or not y.any():
        raise InputError(f"{'all' if y.all() else 'none of the'} {len(y)} points "
                         f"{'meet' if y.all() else 'meets'} {goal.text.strip()!r}: nothing separates them; "
                         "choose a bound inside the column's range (see sweep.csv)", source="--goal")
    x = inputs.x
    levels = [j for j, kind in enumerate(inputs.kinds) if kind == "level"]
    trajectory = prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min, levels=levels)
    chosen = choose(trajectory, threshold)
    boxes = [paste(x, y, trajectory[chosen], paste_alpha=paste_alpha)]
    boxes[0].quasi_p = quasi_p(x, y, boxes[0])
    rest = ~boxes[0].inside
    while len(boxes) < max_boxes and (y & rest).any() and rest.sum() >= max(2, mass_min * len(y)):
        more = prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min, among=rest, levels=levels)
        box = paste(x, y, more[choose(more, threshold)], paste_alpha=paste_alpha, among=rest)
        if not box.density >= threshold or box.met == 0:
            break
        box.quasi_p = quasi_p(x, y, box, among=rest)
        boxes.append(box)
        rest &= ~box.inside
    rules = [describe(b.lower, b.upper, inputs) for b in boxes]
    leaves, text = cart(x, y, inputs, max_depth)
    settings = {"threshold": threshold, "peel_alpha": peel_alpha, "paste_alpha": paste_alpha, "mass_min": mass_min,
                "max_boxes": max_boxes, "max_depth": max_depth}
    return Result(goal, inputs, y, uncertain(goal, table), trajectory, chosen, boxes, rules, leaves, text, settings)


def read_sweep(folder: Path):
    """(table, the ``--vary`` paths) of a finished sweep's folder; InputError naming the folder
    when it is not one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .. import folders
    from . import sweep

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("does not exist (no such folder); expected a rossim sweep folder" if not folder.exists()
                         else "is not a folder; expected a rossim sweep folder", source=str(folder))
    manifest = folders.read_manifest(folder)
    if manifest is None or "sweep" not in manifest:
        raise InputError("is not a rossim sweep folder (no rossim manifest.json of a sweep); run rossim sweep "
                         "first", source=str(folder))
    path = folder / sweep.PARQUET_FILE
    if manifest.get("finished_utc") is None or not path.is_file():
        raise InputError("holds an unfinished sweep; run the same rossim sweep command again to finish it",
                         source=str(folder))
    try:
        meta = json.loads(pq.read_schema(path).metadata[sweep.METADATA_KEY])
        table = sweep.read(path)
        paths = [str(v).partition("=")[0].strip() for v in meta["vary"]]
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        raise InputError(f"cannot be read as a sweep's table ({' '.join(str(exc).split())[:120]})",
                         source=str(path)) from None
    missing = [p for p in paths if p not in table.columns]
    if missing:
        raise InputError(f"lacks the input column {missing[0]!r}", source=str(path))
    return table, paths


def write(folder: Path, result: Result) -> list[Path]:
    """:data:`JSON_FILE`, :data:`TRAJECTORY_FILE`, :data:`BOXES_FILE`, :data:`CART_FILE` into
    ``folder`` (each atomic); the figures are the presentation layer's."""
    import csv

    from ..folders import atomic_file

    folder = Path(folder)
    data = result.to_dict()
    with atomic_file(folder / JSON_FILE) as tmp:
        tmp.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    with atomic_file(folder / TRAJECTORY_FILE) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["step", "coverage", "density", "mass", "points", "restricted", "rule"])
        for i, b in enumerate(result.trajectory):
            w.writerow([i, _num(b.coverage), _num(b.density), _num(b.mass), b.count, len(b.restricted()),
                        describe(b.lower, b.upper, result.inputs)])
    with atomic_file(folder / BOXES_FILE) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["method", "box", "coverage", "density", "density_low", "density_high", "mass", "points", "met",
                    "rule"])
        for i, (b, r) in enumerate(zip(result.boxes, result.rules)):
            w.writerow(["prim", i + 1, *(_num(v) for v in (b.coverage, b.density, b.density_low, b.density_high,
                                                           b.mass)), b.count, b.met, r])
        for i, leaf in enumerate(result.leaves):
            b = leaf.box
            w.writerow(["cart", i + 1, *(_num(v) for v in (b.coverage, b.density, b.density_low, b.density_high,
                                                           b.mass)), b.count, b.met, leaf.rule])
    with atomic_file(folder / CART_FILE) as tmp:
        tmp.write_text(result.tree_text, encoding="utf-8")
    return [folder / f for f in (JSON_FILE, TRAJECTORY_FILE, BOXES_FILE, CART_FILE)]


def _num(v: float) -> str:
    return "" if v is None or not math.isfinite(v) else repr(float(v))



# ------------------------------------------------------------------------------ figures and text

#: The figures' files, and the most inputs a pairs plot shows (the boxes' restricted ones first).
TRADEOFF_FIGURE, LIMITS_FIGURE, PAIRS_FIGURE = "prim_tradeoff.png", "prim_box_limits.png", "pairs.png"
PAIRS_MOST = 6


def figure_data(result: Result) -> dict[str, tuple[str, dict]]:
    """{file name: (function of :mod:`rossim.figures`, its keyword arguments)} for the three
    figures (the presentation layer draws them: ``figures.save(getattr(figures, f)(**kw), path)``)."""
    inputs = result.inputs
    restricted = [j for b in result.boxes for j in b.restricted()]
    order = list(dict.fromkeys(restricted + list(range(len(inputs.names)))))

    def text(j: int, limit: float, side: int) -> str:
        if not np.isfinite(limit):
            return ""
        if inputs.kinds[j] in ("level", "bool"):  # 0/1: kept where it is 1 (lower limit), or 0
            return "only 1" if side == 0 else "only 0"
        return _limit_text(inputs.x[:, j], limit, side, inputs.kinds[j]).split(" ", 1)[1]

    def item(j: int, boxes: Sequence[Box]) -> dict:  # a figures.DiscoveryInput's fields
        texts = [[text(j, b.lower[j] if side == 0 else b.upper[j], side) for b in boxes] for side in (0, 1)]
        return dict(name=inputs.names[j], values=inputs.x[:, j], is_date=inputs.kinds[j] == "date",
                    lower=tuple(float(b.lower[j]) for b in boxes), upper=tuple(float(b.upper[j]) for b in boxes),
                    lower_text=tuple(texts[0]), upper_text=tuple(texts[1]))

    goal = result.goal.text.strip()
    met, n = int(result.y.sum()), len(result.y)
    first = result.boxes[0]
    note = (f"{met} of {n} design points meet the goal; at {int(result.uncertain.sum())} of the {n} the answer is "
            "uncertain (the statistic's 95 % Monte Carlo interval straddles the bound).")
    t = result.trajectory
    return {
        TRADEOFF_FIGURE: ("prim_tradeoff_figure", dict(
            coverage=[b.coverage for b in t], density=[b.density for b in t], restricted=[len(b.restricted()) for b in t],
            chosen=result.chosen, boxes=[(b.coverage, b.density) for b in result.boxes],
            title=f"PRIM peeling trade-off for {goal}", note=note)),
        LIMITS_FIGURE: ("box_limits_figure", dict(
            inputs=[item(j, result.boxes) for j in order],
            labels=[f"box {i + 1}\ncoverage {b.coverage:.0%}\ndensity {b.density:.0%}"
                    for i, b in enumerate(result.boxes)],
            title=f"PRIM box{'es' * (len(result.boxes) > 1)} for {goal}: the inputs' ranges kept",
            note=f"Box 1: {result.rules[0]} (coverage {first.coverage:.0%}, density {first.density:.0%}, "
                 f"mass {first.mass:.0%}). Grey: the whole range of the sweep.")),
        PAIRS_FIGURE: ("pairs_figure", dict(
            inputs=[item(j, result.boxes[:1]) for j in order[:PAIRS_MOST]], met=result.y,
            title=f"Design points by {goal}; the black frame is PRIM's box 1",
            note=note + (f" {len(order) - PAIRS_MOST} more inputs not shown." if len(order) > PAIRS_MOST else ""))),
    }


def summary_lines(result: Result) -> list[str]:
    """What ``rossim discover`` prints: the goal's count, each box in words with its numbers,
    the trajectory's ends, and the tree's goal-meeting leaves."""
    y, n = result.y, len(result.y)
    lines = [f"goal {result.goal.text.strip()}: met at {int(y.sum())} of {n} design points"
             + (f" ({int(result.uncertain.sum())} uncertain: the 95 % Monte Carlo interval straddles the bound)"
                if result.uncertain.any() else "")]
    if result.inputs.left_out:
        lines.append(f"left out (a single value in the sweep): {', '.join(result.inputs.left_out)}")
    lines.append(f"PRIM (a peeling trajectory of {len(result.trajectory)} boxes; step {result.chosen} chosen, the most "
                 f"coverage at density >= {result.settings['threshold']:g}, then pasted):")
    for i, (b, r) in enumerate(zip(result.boxes, result.rules)):
        lines.append(f"  box {i + 1}: {r}")
        lines.append(f"         coverage {b.coverage:.0%} ({b.met} of {int(y.sum())} goal points), density "
                     f"{b.density:.0%} (95 % {b.density_low:.0%}-{b.density_high:.0%}, {b.met} of {b.count} points), "
                     f"mass {b.mass:.0%}")
        if b.quasi_p:
            lines.append("         quasi-p of each restriction (large: it adds little): " + ", ".join(
                f"{result.inputs.names[j]} {v:.2g}" for j, v in b.quasi_p.items()))
    lines.append("CART (goal-meeting leaves):" if result.leaves else "CART: no leaf where most points meet the goal")
    for i, leaf in enumerate(result.leaves):
        b = leaf.box
        lines.append(f"  leaf {i + 1}: {leaf.rule}")
        lines.append(f"          coverage {b.coverage:.0%}, density {b.density:.0%} ({b.met} of {b.count}), "
                     f"mass {b.mass:.0%}")
    return lines
