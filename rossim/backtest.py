"""Forecasting history with a slip prior, and scoring the forecasts (the backtest).

A scenario gives each module a planned date and a *slip prior*: the distribution of the days by
which the launch comes after the plan. Whether that prior deserves trust is a question history can
answer: take plans published before past launches, forecast each launch from its plan with the
prior, and see where the actual date falls in the forecast (its percentile). A calibrated prior
puts 80 % of actual dates inside its 10-90 % band, 50 % inside its 25-75 % band, and spreads the
percentiles evenly.

The record (``rossim/data/history/plan_vs_actual.csv``, sources in docs/history-sources.md) holds
one row per published plan of a flight: the modules of Mir, the ISS Russian segment and Tiangong
with a dated plan, and the US visiting vehicles of the ISS, 2012-2017, with every plan of the
Flight Planning Integration Panel reports that their published delay model was fitted to. A flight
counts once (:func:`one_plan_per_flight`: the plan published closest to 18 months ahead), so that a
vehicle listed in eleven reports does not outweigh a module listed in one.

A slip here is ``max(0, launch - plan)`` in days: a launch on or before its planned date is on
time (a month-only plan is recorded as the 15th, a year-only one as 1 July, so a launch early in
the planned month counts as on time). The priors (:class:`SlipPrior`) are the zero-inflated
families of :mod:`rossim.distributions`: on time with probability ``p_zero``, else a Weibull or a
lognormal slip, whose scale (or median) is either in days or **a fraction of the lead time**
(the days from the plan's publication to the planned date): a plan made four years ahead slips
more than one made four months ahead.

:func:`fit` is maximum likelihood (``p_zero`` = the share of on-time launches, the positive part
by ``scipy.stats``); :func:`compare_fits` gives each family's log-likelihood and AIC on the whole
record, in days whatever the unit (so the per-lead fits are comparable). :func:`backtest` scores a
prior; a :class:`FitRecipe` is fitted **leave one group out** (:func:`hold_out_groups`): the
flights of one station and kind (the modules of Mir; of the ISS, Russian and US together, since
they were one assembly planned together; of Tiangong; the ISS cargo flights) are forecast with a
prior fitted to the other groups only, so the score is out of sample.

Coverages carry their binomial (Wilson) interval from :mod:`rossim.montecarlo`, which counts the
flights as independent; they are not (a group's flights share one fitted prior and, often, one
plan), so :meth:`Scores.group_coverage` also gives the interval of a bootstrap over the held-out
groups (:func:`group_bootstrap`, computed exactly). :func:`lead_exponent` measures how fast slips
grow with the lead (a per-lead prior assumes proportionally: exponent 1).

What was chosen on the whole record, in sample, before any score: the families compared, the
per-lead scaling and the plan rule (:data:`TARGET_LEAD_DAYS`); the backtest scores the fit given
those choices, not the choices.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

from .distributions import LogNormal, Weibull, as_distribution
from .errors import InputError
from .montecarlo import Interval, proportion

__all__ = [
    "PLAN_VS_ACTUAL", "TARGET_LEAD_DAYS", "KINDS", "History", "load_history", "one_plan_per_flight",
    "SlipPrior", "FitRecipe", "Fit", "fit", "fit_recipe", "compare_fits", "Scores", "backtest", "NAMED_PRIORS",
    "parse_prior", "HOLD_OUT", "MAX_PLANS", "MAX_STATIONS", "hold_out_groups", "group_bootstrap", "lead_exponent",
]

#: The shipped plan-vs-actual record.
PLAN_VS_ACTUAL = Path(__file__).resolve().parent / "data" / "history" / "plan_vs_actual.csv"
#: Which of a flight's plans is used: the one published closest to this many days before its
#: planned date (18 months, the middle of the 1-2 years ahead that ROSS's plans are known).
TARGET_LEAD_DAYS = 548.0
#: The kinds of flight in the record.
KINDS = ("module", "visiting_vehicle")
_COLUMNS = ["programme", "flight", "kind", "planned_date", "plan_published", "launch_date", "source_anchor"]
#: The most plans (rows) a plan-vs-actual table may hold: every space station's flights with
#: every published plan of each are a few thousand; beyond, the table is not a record.
MAX_PLANS = 10_000
#: The most stations (hold-out groups are a station's modules and its visiting vehicles; there
#: have been about a dozen stations).
MAX_STATIONS = 100
#: How :func:`backtest` holds flights out: by ``station`` and kind (default) or by ``programme``.
HOLD_OUT = ("station", "programme")


# ------------------------------------------------------------------------------ the record


@dataclass(frozen=True)
class History:
    """Plans and launches, one array entry per plan: ``lead_days`` from the plan's publication to
    its planned date, ``slip_days`` from the planned date to the launch (negative: early).
    ``station``: the station each flight built or served (None: each programme its own)."""

    programme: np.ndarray
    flight: np.ndarray
    kind: np.ndarray
    planned: np.ndarray      # datetime64[D]
    published: np.ndarray    # datetime64[D]
    launched: np.ndarray     # datetime64[D]
    station: np.ndarray | None = None

    @property
    def lead_days(self) -> np.ndarray:
        return (self.planned - self.published).astype(float)

    @property
    def slip_days(self) -> np.ndarray:
        return (self.launched - self.planned).astype(float)

    def __len__(self) -> int:
        return len(self.flight)

    def take(self, index) -> History:
        """The plans at ``index`` (a mask or integer indices)."""
        return History(*(None if getattr(self, f) is None else np.asarray(getattr(self, f))[index]
                         for f in self.__dataclass_fields__))


def load_history(path: str | Path = PLAN_VS_ACTUAL) -> History:
    """Read a plan-vs-actual CSV (columns as the shipped one; ``station`` optional: without it each
    programme is its own station). Bad content raises :class:`InputError` naming the file, the row
    and the column."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            rows = list(itertools.islice(reader, MAX_PLANS + 1))
            header = list(reader.fieldnames or [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read the plan-vs-actual table ({exc})", source=str(path)) from None
    if len(rows) > MAX_PLANS:
        raise InputError(f"more than {MAX_PLANS:,} plans (rows), the most a backtest takes (the shipped "
                         "record has about 200)", source=str(path))
    missing = [c for c in _COLUMNS[:6] if c not in header]
    if missing or not rows:
        raise InputError(f"expected a CSV with columns {', '.join(_COLUMNS)} and at least one row; "
                         f"missing: {', '.join(missing) or 'rows'}", source=str(path))
    cols = {c: [] for c in _COLUMNS[:6]}
    for i, row in enumerate(rows, start=2):
        if "station" in header and not (row["station"] or "").strip():
            raise InputError("expected a station name, got nothing", source=str(path), field=f"line {i}: station")
        for c in _COLUMNS[:3]:
            if not (row[c] or "").strip():
                raise InputError("expected a name, got nothing", source=str(path), field=f"line {i}: {c}")
            cols[c].append(row[c].strip())
        if cols["kind"][-1] not in KINDS:
            raise InputError(f"expected one of {', '.join(KINDS)}, got {row['kind']!r}",
                             source=str(path), field=f"line {i}: kind")
        for c in _COLUMNS[3:6]:
            try:
                cols[c].append(dt.date.fromisoformat((row[c] or "").strip()))
            except ValueError:
                raise InputError(f"expected a date YYYY-MM-DD, got {row[c]!r}", source=str(path),
                                 field=f"line {i}: {c}") from None
        if not cols["plan_published"][-1] < cols["planned_date"][-1]:
            raise InputError("expected a plan published before its planned date, got "
                             f"{cols['plan_published'][-1]} for {cols['planned_date'][-1]}",
                             source=str(path), field=f"line {i}: plan_published")
        if not cols["plan_published"][-1] < cols["launch_date"][-1]:
            raise InputError("expected a plan published before the launch, got "
                             f"{cols['plan_published'][-1]} for a launch on {cols['launch_date'][-1]}",
                             source=str(path), field=f"line {i}: plan_published")
    day = lambda c: np.array(cols[c], dtype="datetime64[D]")  # noqa: E731
    station = np.array([r["station"].strip() for r in rows]) if "station" in header else None
    stations = np.unique(cols["programme"] if station is None else station)
    if stations.size > MAX_STATIONS:
        raise InputError(f"{stations.size:,} {'programmes (no station column)' if station is None else 'stations'}, "
                         f"more than the {MAX_STATIONS} a backtest holds out in turn (a fit and a bootstrap "
                         "over each)", source=str(path), field="station" if station is not None else "programme")
    return History(np.array(cols["programme"]), np.array(cols["flight"]), np.array(cols["kind"]),
                   day("planned_date"), day("plan_published"), day("launch_date"), station)


def one_plan_per_flight(history: History, target_lead_days: float = TARGET_LEAD_DAYS) -> History:
    """Each flight (programme and flight name) once: its plan published closest to
    ``target_lead_days`` ahead (on a tie, the earlier publication). Order: as first listed."""
    key = np.char.add(np.char.add(history.programme.astype(str), "/"), history.flight.astype(str))
    distance = np.abs(history.lead_days - target_lead_days)
    # sort by flight, then distance, then publication: the first row of each flight is its pick
    order = np.lexsort((history.published, distance, key))
    first = np.r_[True, key[order][1:] != key[order][:-1]]
    picked = order[first]
    return history.take(np.sort(picked))


# ------------------------------------------------------------------------------ priors


@dataclass(frozen=True)
class SlipPrior:
    """A slip prior: on time (slip 0) with probability ``p_zero``, else ``positive`` (a
    :class:`~rossim.distributions.Weibull` without ``p_zero``, or a
    :class:`~rossim.distributions.LogNormal`) in days, or, when ``per_lead``, in units of the
    plan's lead time (its scale or median multiplied by the lead in days)."""

    name: str
    positive: Weibull | LogNormal
    p_zero: float = 0.0
    per_lead: bool = False

    def _frozen(self, lead_days) -> stats.rv_continuous:
        unit = np.asarray(lead_days, dtype=float) if self.per_lead else 1.0
        if isinstance(self.positive, Weibull):
            return stats.weibull_min(self.positive.shape, scale=self.positive.scale * unit)
        return stats.lognorm(self.positive.sigma, scale=self.positive.median * unit)

    def cdf(self, slip_days, lead_days) -> np.ndarray:
        """P(slip <= ``slip_days``) for plans ``lead_days`` ahead (arrays broadcast); 0 below 0."""
        x = np.asarray(slip_days, dtype=float)
        inside = self.p_zero + (1.0 - self.p_zero) * self._frozen(lead_days).cdf(np.maximum(x, 0.0))
        return np.where(x < 0, 0.0, inside)

    def ppf(self, q, lead_days) -> np.ndarray:
        """The slip (days) at probability ``q``: 0 for ``q <= p_zero`` (the on-time mass)."""
        q = np.asarray(q, dtype=float)
        rest = np.clip((q - self.p_zero) / (1.0 - self.p_zero), 0.0, 1.0) if self.p_zero < 1 else 0 * q
        return np.where(q <= self.p_zero, 0.0, self._frozen(lead_days).ppf(rest))

    def percentile(self, slip_days, lead_days) -> np.ndarray:
        """Where an observed slip falls in the forecast, in [0, 1]: F(slip) for a slip > 0, and the
        middle of the on-time mass, ``p_zero / 2``, for a launch on time or early (mid-PIT)."""
        x = np.maximum(np.asarray(slip_days, dtype=float), 0.0)
        return np.where(x <= 0, self.p_zero / 2.0, self.cdf(x, lead_days))

    def log_likelihood(self, slip_days, lead_days) -> float:
        """Sum of log-probabilities of the slips (the on-time mass for slips <= 0, the density in
        days otherwise): comparable between priors in days and per lead."""
        x = np.asarray(slip_days, dtype=float)
        lead = np.broadcast_to(np.asarray(lead_days, dtype=float), x.shape)
        zero = x <= 0
        with np.errstate(divide="ignore"):
            ll = float(np.sum(zero) * np.log(self.p_zero)) if zero.any() else 0.0
            if (~zero).any():
                ll += np.sum(math.log1p(-self.p_zero) + self._frozen(lead[~zero]).logpdf(x[~zero]))
        return float(ll)

    def for_lead(self, lead_days: float) -> Weibull | LogNormal:
        """The prior of a plan ``lead_days`` ahead in the scenario vocabulary (slip in days)."""
        unit = float(lead_days) if self.per_lead else 1.0
        if isinstance(self.positive, Weibull):
            return Weibull(dist="weibull", shape=self.positive.shape, scale=self.positive.scale * unit,
                           p_zero=self.p_zero)
        if self.p_zero:
            raise ValueError("a lognormal slip with an on-time mass has no scenario form (no p_zero)")
        return LogNormal(dist="lognormal", median=self.positive.median * unit, sigma=self.positive.sigma)

    def describe(self) -> str:
        """One line: family, parameters and their unit."""
        unit = " x lead" if self.per_lead else " d"
        if isinstance(self.positive, Weibull):
            body = f"Weibull shape {self.positive.shape:.3g}, scale {self.positive.scale:.3g}{unit}"
        else:
            body = f"lognormal median {self.positive.median:.3g}{unit}, sigma {self.positive.sigma:.3g}"
        return f"{body}, p_zero {self.p_zero:.3f}"


@dataclass(frozen=True)
class FitRecipe:
    """A prior to be fitted to the record: ``family`` "weibull" or "lognormal", per lead or in
    days, to the flights of the ``kinds`` given (default: all)."""

    name: str
    family: str = "weibull"
    per_lead: bool = True
    kinds: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Fit:
    """A fitted prior with its log-likelihood on the n slips it was fitted to, and AIC (3 parameters)."""

    prior: SlipPrior
    log_likelihood: float
    n: int

    @property
    def aic(self) -> float:
        return 2 * 3 - 2 * self.log_likelihood


def fit(slip_days, lead_days, recipe: FitRecipe) -> Fit:
    """Maximum-likelihood fit of a zero-inflated prior: ``p_zero`` is the share of slips <= 0 (its
    MLE), the positive part ``scipy.stats.weibull_min.fit`` / ``lognorm.fit`` (location 0) on the
    positive slips, divided by their lead when ``per_lead``. Needs two positive slips."""
    x = np.asarray(slip_days, dtype=float)
    lead = np.broadcast_to(np.asarray(lead_days, dtype=float), x.shape)
    pos = x > 0
    if pos.sum() < 2:
        raise ValueError("a fit needs at least two positive slips")
    y = x[pos] / (lead[pos] if recipe.per_lead else 1.0)
    if recipe.family == "weibull":
        shape, _, scale = stats.weibull_min.fit(y, floc=0)
        positive = Weibull(dist="weibull", shape=shape, scale=scale)
    elif recipe.family == "lognormal":
        sigma, _, median = stats.lognorm.fit(y, floc=0)
        positive = LogNormal(dist="lognormal", median=median, sigma=sigma)
    else:
        raise ValueError(f"unknown family {recipe.family!r}")
    prior = SlipPrior(recipe.name, positive, p_zero=float(np.mean(~pos)), per_lead=recipe.per_lead)
    return Fit(prior, prior.log_likelihood(x, lead), int(x.size))


#: The families compared on the record (in-sample): Weibull and the heavier-tailed lognormal,
#: each with the slip in days and per lead time.
FAMILIES = (FitRecipe("weibull-days", "weibull", False), FitRecipe("lognormal-days", "lognormal", False),
            FitRecipe("weibull-per-lead", "weibull", True), FitRecipe("lognormal-per-lead", "lognormal", True))


def fit_recipe(history: History, recipe: FitRecipe) -> Fit:
    """``recipe`` fitted to all of ``history``'s flights of its kinds (in sample: the parameters a
    scenario would use, and those the backtest's description of the prior gives)."""
    keep = np.ones(len(history), bool) if recipe.kinds is None else np.isin(history.kind, recipe.kinds)
    rest = history.take(keep)
    return fit(rest.slip_days, rest.lead_days, recipe)


def compare_fits(history: History, recipes=FAMILIES) -> list[Fit]:
    """Each recipe fitted to the whole of ``history`` (no hold-out): log-likelihoods and AIC."""
    return [fit(history.slip_days, history.lead_days, r) for r in recipes]


#: The priors ``rossim backtest`` knows by name. ``visiting-vehicles-2017`` is the prior the ROSS
#: scenarios used before the fit (Weibull 1.04 / 173 d, no on-time launches:
#: sources.md#slip-weibull); ``fitted`` is what they use now (fitted per lead time).
NAMED_PRIORS: dict[str, SlipPrior | FitRecipe] = {
    "visiting-vehicles-2017": SlipPrior("visiting-vehicles-2017",
                                        Weibull(dist="weibull", shape=1.04, scale=173.0)),
    "fitted": FitRecipe("fitted", "weibull", True),
    "fitted-lognormal": FitRecipe("fitted-lognormal", "lognormal", True),
    "fitted-days": FitRecipe("fitted-days", "weibull", False),
    "fitted-modules": FitRecipe("fitted-modules", "weibull", True, kinds=("module",)),
}


def parse_prior(text: str) -> SlipPrior | FitRecipe:
    """A prior from the command line: a name of :data:`NAMED_PRIORS`, or a TOML inline table in
    the scenario vocabulary, ``weibull`` (``shape``, ``scale``, ``p_zero``) or ``lognormal``
    (``median``, ``sigma``), with ``unit = "days"`` (default) or ``"lead"`` (scale or median as a
    fraction of the lead time). Raises :class:`InputError` (source ``--prior``)."""
    import tomllib

    from pydantic import ValidationError

    text = str(text).strip()
    if text in NAMED_PRIORS:
        return NAMED_PRIORS[text]
    expected = (f"expected one of {', '.join(NAMED_PRIORS)}, or a table such as "
                "'{ dist = \"weibull\", shape = 1.4, scale = 0.5, p_zero = 0.07, unit = \"lead\" }'")
    if not text.startswith("{"):
        raise InputError(f"{expected}; got {text!r}", source="--prior")
    try:
        document = tomllib.loads(f"prior = {text}")
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not a TOML inline table ({exc}); {expected}", source="--prior") from None
    table = document.pop("prior")
    if document or not isinstance(table, dict):  # more after the table: "{ ... }\nx = 1"
        raise InputError(f"{expected}; got {text!r}", source="--prior")
    unit = table.pop("unit", "days")
    if unit not in ("days", "lead"):
        raise InputError(f"unit: expected \"days\" or \"lead\", got {unit!r}", source="--prior")
    if table.get("dist") not in ("weibull", "lognormal"):
        raise InputError(f"dist: expected \"weibull\" or \"lognormal\", got {table.get('dist')!r}",
                         source="--prior")
    try:
        dist = as_distribution(table)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"][1:]) or "table"
        raise InputError(f"{where}: {err['msg']}", source="--prior") from None
    p_zero = getattr(dist, "p_zero", 0.0)
    if p_zero >= 1:
        raise InputError(f"p_zero: expected less than 1 (a prior of launches that are all on time forecasts no "
                         f"slip), got {p_zero:g}", source="--prior")
    if isinstance(dist, Weibull):
        dist = Weibull(dist="weibull", shape=dist.shape, scale=dist.scale)
    return SlipPrior(text, dist, p_zero=p_zero, per_lead=unit == "lead")


# ------------------------------------------------------------------------------ scoring


def hold_out_groups(history: History, by: str = "station") -> np.ndarray:
    """The group of each flight that :func:`backtest` holds out together: by ``"programme"``, or
    by ``"station"`` and kind (``"iss/module"``: the modules of the ISS, Russian and US segments
    together, which one plan scheduled and one stand-down delayed; ``"iss/visiting_vehicle"``: the
    ISS cargo flights, which share no plan with the modules). Without a station column each
    programme is its own station."""
    if by not in HOLD_OUT:
        raise ValueError(f"hold out by one of {', '.join(HOLD_OUT)}, not {by!r}")
    if by == "programme":
        return np.asarray(history.programme).astype(str)
    station = history.programme if history.station is None else history.station
    return np.char.add(np.char.add(np.asarray(station).astype(str), "/"), np.asarray(history.kind).astype(str))


#: Above this many distinct resamples :func:`group_bootstrap` samples instead of enumerating.
_MAX_EXACT_RESAMPLES = 200_000


def group_bootstrap(k, n, level: float = 0.95, resamples: int = 100_000) -> Interval:
    """The share ``sum(k) / sum(n)`` of flights inside a band, with the percentile interval of a
    bootstrap over groups: ``k[g]`` of the ``n[g]`` flights of group g are inside; a resample draws
    as many groups as there are, with replacement, and takes their pooled share. Groups whose
    flights are correlated (one plan, one fitted prior) then count as the few units they are.

    With G groups the G-multisets are enumerated with their multinomial probabilities (exact, no
    Monte Carlo noise) while there are at most 200,000 (G <= 10); beyond, ``resamples`` are drawn
    with a fixed seed. ``low``/``high``: the smallest shares whose bootstrap probability of being
    at or below reaches (1 - level) / 2 and (1 + level) / 2; ``se``: the bootstrap standard
    deviation. With few groups the interval is coarse (it cannot leave the range of the groups'
    own shares): a statement of how little the groups pin the coverage down, not a precise one."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if k.ndim != 1 or k.shape != n.shape or k.size == 0 or np.any(n <= 0) or np.any((k < 0) | (k > n)):
        raise ValueError("expected per-group counts 0 <= k <= n, n >= 1, for at least one group")
    g = k.size
    if math.comb(2 * g - 1, g) <= _MAX_EXACT_RESAMPLES:
        counts = np.array([np.bincount(c, minlength=g) for c in itertools.combinations_with_replacement(range(g), g)])
        from scipy.special import gammaln
        log_w = gammaln(g + 1) - gammaln(counts + 1).sum(axis=1) - g * math.log(g)
        weight = np.exp(log_w)
    else:
        counts = np.random.default_rng(0).multinomial(g, np.full(g, 1.0 / g), size=resamples)
        weight = np.full(resamples, 1.0 / resamples)
    share = (counts @ k) / (counts @ n)
    order = np.argsort(share, kind="stable")
    share, weight = share[order], weight[order] / weight.sum()
    cum = np.cumsum(weight)
    tail = (1.0 - level) / 2.0
    low = share[np.searchsorted(cum, tail - 1e-12)]
    high = share[min(np.searchsorted(cum, 1.0 - tail - 1e-12), share.size - 1)]
    mean = float(weight @ share)
    se = math.sqrt(max(float(weight @ (share - mean) ** 2), 0.0))
    return Interval(float(k.sum() / n.sum()), float(low), float(high), se, level)


def lead_exponent(slip_days, lead_days, level: float = 0.95) -> Interval:
    """How fast slips grow with the lead: the slope b of the least-squares line log(slip) = a +
    b log(lead) through the positive slips, with its ``level`` t interval (n - 2 degrees of
    freedom, the slips taken as independent). A per-lead prior assumes b = 1, a prior in days
    b = 0. Needs three positive slips with two distinct leads."""
    x = np.asarray(slip_days, dtype=float)
    lead = np.broadcast_to(np.asarray(lead_days, dtype=float), x.shape)
    pos = x > 0
    u, v = np.log(lead[pos]), np.log(x[pos])
    if u.size < 3 or np.ptp(u) == 0:
        raise ValueError("a lead exponent needs three positive slips with two distinct leads")
    du = u - u.mean()
    slope = float(du @ (v - v.mean()) / (du @ du))
    resid = v - v.mean() - slope * du
    se = math.sqrt(float(resid @ resid) / (u.size - 2) / float(du @ du))
    half = float(stats.t.ppf(0.5 + level / 2.0, u.size - 2)) * se
    return Interval(slope, slope - half, slope + half, se, level)


@dataclass(frozen=True)
class Scores:
    """A prior's forecasts of ``history`` (one flight each): for each, the prior used (fitted
    without its group for a :class:`FitRecipe`), the observed slip's percentile, the forecast's
    quantiles and the flight's hold-out group. Coverage and misses take an optional ``mask`` (e.g.
    the modules)."""

    name: str
    history: History
    priors: tuple            # the SlipPrior of each flight
    percentile: np.ndarray   # mid-PIT in [0, 1]
    groups: np.ndarray | None = None  # hold-out group of each flight (None: each its own)

    def band(self, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
        """The forecast's ``low`` and ``high`` quantiles of slip (days), per flight."""
        lead = self.history.lead_days
        lo, hi = np.empty(len(lead)), np.empty(len(lead))
        for p, index in _by_prior(self.priors):
            lo[index], hi[index] = p.ppf(low, lead[index]), p.ppf(high, lead[index])
        return lo, hi

    def inside(self, low: float, high: float) -> np.ndarray:
        """Whether each actual slip (0 when on time or early) lies in the ``low``-``high`` band."""
        lo, hi = self.band(low, high)
        x = np.maximum(self.history.slip_days, 0.0)
        return (lo <= x) & (x <= hi)

    def _mask(self, mask) -> np.ndarray:
        return np.ones(len(self.history), bool) if mask is None else np.asarray(mask, bool)

    def coverage(self, low: float, high: float, mask=None) -> Interval:
        """The share of flights (of ``mask``) inside the band, with its 95 % Wilson interval (the
        flights taken as independent)."""
        keep = self._mask(mask)
        return proportion(int(self.inside(low, high)[keep].sum()), int(keep.sum()))

    def group_coverage(self, low: float, high: float, mask=None, level: float = 0.95) -> Interval:
        """The same share with the interval of a bootstrap over the hold-out groups
        (:func:`group_bootstrap`)."""
        keep = self._mask(mask)
        groups = np.arange(len(self.history)) if self.groups is None else np.asarray(self.groups)
        names, index = np.unique(groups[keep], return_inverse=True)
        inside = self.inside(low, high)[keep]
        return group_bootstrap(np.bincount(index, weights=inside, minlength=names.size),
                               np.bincount(index, minlength=names.size), level)

    def misses(self, low: float, high: float, mask=None) -> tuple[int, int]:
        """(early, late): actual slips (of ``mask``) below the band, above it."""
        keep = self._mask(mask)
        lo, hi = self.band(low, high)
        x = np.maximum(self.history.slip_days, 0.0)
        return int((x < lo)[keep].sum()), int((x > hi)[keep].sum())

    def log_score(self, mask=None) -> float:
        """Sum over the flights (those of ``mask``) of the log-probability their forecast gave the
        actual slip (out of sample for a fitted prior; higher is better; -inf when a forecast ruled
        an actual slip out, e.g. an on-time launch under a prior without ``p_zero``)."""
        keep = np.flatnonzero(self._mask(mask))
        h = self.history
        total = 0.0
        for p, index in _by_prior(self.priors):
            index = np.intersect1d(index, keep)
            total += p.log_likelihood(h.slip_days[index], h.lead_days[index])
        return float(total)

    def coverage_curve(self, levels) -> tuple[np.ndarray, Interval]:
        """Observed coverage of the central bands of nominal ``levels`` (e.g. 0.8 = 10-90 %)."""
        levels = np.asarray(levels, dtype=float)
        k = np.array([self.inside((1 - c) / 2, (1 + c) / 2).sum() for c in levels])
        return levels, proportion(k, np.full(k.shape, len(self.history)))


def backtest(history: History, prior: SlipPrior | FitRecipe, hold_out: str = "station") -> Scores:
    """Forecast each flight of ``history`` (use :func:`one_plan_per_flight` first) with ``prior``.
    A :class:`FitRecipe` is fitted leave one group out (:func:`hold_out_groups` ``by=hold_out``):
    a group's flights are scored with the prior fitted to all other groups (to their flights of
    the recipe's kinds)."""
    n = len(history)
    groups = hold_out_groups(history, hold_out)
    if isinstance(prior, SlipPrior):
        priors = (prior,) * n
    else:
        per = {}
        for group in np.unique(groups):
            keep = groups != group
            if prior.kinds is not None:
                keep &= np.isin(history.kind, prior.kinds)
            rest = history.take(keep)
            per[group] = fit(rest.slip_days, rest.lead_days, prior).prior
        priors = tuple(per[g] for g in groups)
    pit = np.empty(n)
    for p, index in _by_prior(priors):
        pit[index] = p.percentile(history.slip_days[index], history.lead_days[index])
    return Scores(prior.name, history, priors, pit, groups)


def _by_prior(priors) -> list[tuple[SlipPrior, np.ndarray]]:
    """Each distinct prior of ``priors`` (one per flight; a fitted prior is one object per
    hold-out group) with the indices of its flights: one vectorized call per prior."""
    ids: dict[int, int] = {}
    codes = np.fromiter((ids.setdefault(id(p), len(ids)) for p in priors), dtype=int, count=len(priors))
    order = np.argsort(codes, kind="stable")
    return [(priors[index[0]], index) for index in np.split(order, np.flatnonzero(np.diff(codes[order])) + 1)
            if index.size]
