"""Monte Carlo uncertainty of what an ensemble estimates from n independent replications.

An ensemble of n replications estimates probabilities, quantiles and means; each estimate would
come out differently with another seed. This module gives each its 95 % Monte Carlo interval (the
``level`` is a parameter), so a printed number says how far to trust it, and :func:`differs` says
whether two estimates (two scenarios, two years) differ by more than that noise.

* a probability p = k/n: the Wilson score interval (it stays inside [0, 1] and keeps its coverage
  near 0 and 1, where the normal "p ± 1.96 se" collapses to a point) and the standard error
  sqrt(p (1 - p) / n);
* a quantile: the distribution-free interval between two order statistics whose ranks come from
  the binomial distribution of the count of replications below the true quantile (no assumption
  on the distribution; conservative: coverage at least ``level`` for a continuous quantity);
  censored samples (NaN = "later than the horizon") as :func:`rossim.ensemble.quantiles`;
* a mean: the standard error s / sqrt(n) and the normal interval (central limit theorem);
* two probabilities k1/n1 and k2/n2: :func:`proportions_p_value` (Fisher's exact test, or the
  pooled score test when every margin is large) and :func:`proportions_differ`;
* :func:`replications_for`: how many replications an interval needs to reach a given width.

Everything is vectorized: the replications lie along ``axis`` (default 0), every other axis is
kept (a grid of dates, a list of crew levels, calendar years).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Sequence

import numpy as np

__all__ = ["Interval", "z_value", "proportion", "proportion_of", "quantile", "quantile_ranks", "binomial_ppf", "mean",
           "replications_for", "differs",
           "proportions_p_value", "proportions_differ", "FISHER_MOST"]

#: The confidence level of every interval unless told otherwise.
LEVEL = 0.95


def z_value(level: float = LEVEL) -> float:
    """The two-sided standard normal quantile of ``level`` (1.959964 at 95 %)."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    return NormalDist().inv_cdf(0.5 + level / 2.0)


@dataclass(frozen=True)
class Interval:
    """An estimate with its Monte Carlo interval: ``value`` within [``low``, ``high``] at
    ``level``; ``se`` its standard error where one applies (NaN for quantiles). Floats or arrays
    of one shape. For quantiles of censored samples a NaN bound means "later than the horizon"
    (a NaN ``value`` too); -inf / inf mean that too few replications bound that side. ``n``: for
    a probability, the number of replications it is a share of (its successes round(value n)),
    so that :func:`differs` compares two with :func:`proportions_differ`; None otherwise."""

    value: np.ndarray | float
    low: np.ndarray | float
    high: np.ndarray | float
    se: np.ndarray | float
    level: float = LEVEL
    n: int | None = None

    def __getitem__(self, key) -> Interval:
        """The same estimates at ``key`` (numpy indexing of every field)."""
        pick = lambda a: np.asarray(a)[key]  # noqa: E731
        return Interval(pick(self.value), pick(self.low), pick(self.high), pick(self.se), self.level, self.n)

    @property
    def half_width(self) -> np.ndarray | float:
        """The larger distance from the value to a bound (the "±" to print)."""
        return np.maximum(np.asarray(self.value) - self.low, np.asarray(self.high) - self.value)


def proportion(k, n, level: float = LEVEL) -> Interval:
    """Probability ``k / n`` (successes of n replications, arrays broadcast) with its Wilson score
    interval and standard error. n = 0 gives NaN."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(k < 0) or np.any(k > n):
        raise ValueError("proportion needs 0 <= k <= n")
    z = z_value(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        se = np.sqrt(p * (1.0 - p) / n)
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2.0 * n)) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    low = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))  # exact ends (no 1e-17 residue)
    high = np.where(k == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    low, high = np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan)
    return Interval(_out(p), _out(low), _out(high), _out(se), level)


def proportion_of(mask, axis: int = 0, level: float = LEVEL) -> Interval:
    """The share of replications (along ``axis``) where boolean ``mask`` holds, with its interval."""
    mask = np.asarray(mask, dtype=bool)
    return proportion(np.count_nonzero(mask, axis=axis), mask.shape[axis], level)


def quantile_ranks(n: int, probs, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """1-based ranks of (the quantile, its lower bound, its upper bound) among n sorted values.

    The quantile is the inverted empirical CDF's, rank ceil(n p) (as ``np.quantile(...,
    method="inverted_cdf")``). The count B of replications at or below the true quantile is
    Binomial(n, p), and X_(l) <= q_p < X_(u) exactly when l <= B < u; l and u are the equal-tailed
    binomial quantiles (each tail below (1 - level) / 2), so the coverage
    F(u - 1) - F(l - 1) >= level. A lower rank of 0 or an upper rank of n + 1 means that side
    is unbounded by n replications."""
    p = np.atleast_1d(np.asarray(probs, dtype=float))
    if n < 1:
        raise ValueError("quantile_ranks needs n >= 1")
    if np.any((p <= 0.0) | (p >= 1.0)):
        raise ValueError("quantile probabilities must be in (0, 1)")
    alpha = 1.0 - level
    value = np.clip(np.ceil(n * p), 1, n).astype(int)  # as numpy's inverted_cdf (same rounding)
    low = _binomial_ppf(alpha / 2.0, n, tuple(p.tolist())).copy()      # F(low - 1) < alpha / 2
    high = _binomial_ppf(1.0 - alpha / 2.0, n, tuple(p.tolist())) + 1  # F(high - 1) >= 1 - alpha / 2
    return value, low, high


@functools.lru_cache(maxsize=256)
def _binomial_ppf(q: float, n: int, probs: tuple[float, ...]) -> np.ndarray:
    """:func:`binomial_ppf`, remembered: O(n) each, and a comparison of runs of a million
    replications asks the same few (n, p) for every milestone (read-only arrays)."""
    out = binomial_ppf(q, n, probs)
    out.flags.writeable = False
    return out


def binomial_ppf(q: float, n: int, probs) -> np.ndarray:
    """The smallest k with P(Binomial(n, p) <= k) >= q, for each p of ``probs`` (as
    ``scipy.stats.binom.ppf``, whose import costs seconds). The log-pmf comes from the ratio
    pmf(k + 1) / pmf(k) = (n - k) p / ((k + 1)(1 - p)) summed in logs: O(n) per p. A CDF
    within 1e-12 of q counts as reaching it (an exact tie, as 16/32 = 0.5, is not lost to rounding)."""
    k = np.arange(n, dtype=float)
    log_ratio = np.log(n - k) - np.log(k + 1.0)
    out = []
    for p in np.atleast_1d(np.asarray(probs, dtype=float)):
        log_pmf = n * np.log1p(-p) + np.concatenate([[0.0], np.cumsum(log_ratio + (np.log(p) - np.log1p(-p)))])
        cdf = np.cumsum(np.exp(log_pmf))
        out.append(min(int(np.searchsorted(cdf, q - 1e-12, side="left")), n))  # F(k) = q exactly: k
    return np.array(out, dtype=int)


def quantile(values, probs: float | Sequence[float], axis: int = 0, censored: bool = False,
             level: float = LEVEL) -> Interval:
    """Quantiles of ``values`` over the replications along ``axis`` with their order-statistic
    intervals. ``probs`` a float gives that axis removed; a sequence puts it first (as
    ``np.quantile``). The value equals :func:`rossim.ensemble.quantiles`' (a replication's value,
    no interpolation).

    ``censored``: NaN means "later than the horizon" (sorted last); a quantile or bound whose
    rank falls among those is NaN. Otherwise NaN values are refused. A bound beyond the sample
    (too few replications) is -inf or inf; when censored, an upper bound beyond the sample is NaN
    (later than every replication observed, which may be beyond the horizon)."""
    x = np.moveaxis(np.asarray(values, dtype=float), axis, 0)
    n = x.shape[0]
    if not censored and np.isnan(x).any():
        raise ValueError("NaN values in an uncensored sample")
    scalar = np.ndim(probs) == 0
    ranks = quantile_ranks(n, probs, level)
    # the values at those ranks as a sort puts them (NaN last: the censored replications), in O(n)
    ordered = np.partition(x, np.unique(np.clip(np.concatenate(ranks), 1, n)) - 1, axis=0)
    padded = np.concatenate([np.full((1, *x.shape[1:]), -np.inf), ordered,
                             np.full((1, *x.shape[1:]), np.nan if censored else np.inf)])
    value, low, high = (padded[np.clip(r, 0, n + 1)] for r in ranks)  # rank r sits at r
    out = Interval(value, low, high, np.full(value.shape, np.nan), level)
    return out[0] if scalar else out


def mean(values, axis: int = 0, level: float = LEVEL) -> Interval:
    """Mean over the replications along ``axis``, standard error s / sqrt(n) and the normal
    interval mean ± z se (NaN with fewer than two replications)."""
    x = np.asarray(values, dtype=float)
    n = x.shape[axis]
    m = x.mean(axis=axis) if n else np.full(np.delete(x.shape, axis), np.nan)
    se = x.std(axis=axis, ddof=1) / np.sqrt(n) if n > 1 else np.full(np.shape(m), np.nan)
    z = z_value(level)
    return Interval(_out(m), _out(m - z * se), _out(m + z * se), _out(se), level)


def replications_for(n: int, half_width, target) -> int:
    """Replications needed for an interval of half-width ``half_width`` from ``n`` replications to
    shrink to ``target`` (same units): Monte Carlo error falls as 1/sqrt(n), so
    ceil(n (half_width / target)²), at least ``n``. For "run until the median is known to
    ± 30 days": run n, ask this, run the rest (and check again: the estimate is itself noisy).
    An unbounded or NaN half-width (a censored bound) gives -1: no count will do from here."""
    hw = float(np.max(half_width))
    if not target > 0:
        raise ValueError("target half-width must be positive")
    if not np.isfinite(hw):
        return -1
    return max(n, math.ceil(n * (hw / target) ** 2 - 1e-9))  # (not 9,611 for 9,610.000000000001)


def differs(a: Interval, b: Interval) -> np.ndarray | bool:
    """Whether two estimates from independent ensembles differ by more than their Monte Carlo
    noise.

    * Both are probabilities with their replication counts (``n``): :func:`proportions_differ`
      on the counts k = round(value n) (Fisher's exact test; the pooled score test for large
      counts).
    * Both have a standard error (probabilities without counts, means): a two-sample z test at the intervals'
      level, ``|a - b| > z sqrt(se_a² + se_b²)`` (for proportions the unpooled, Wald form; it is
      the one that needs no common p, and with se = 0 on both sides any difference counts).
    * Otherwise (quantiles): the intervals do not overlap. Conservative: two disjoint 95 %
      intervals mean a difference significant well beyond 95 % (about 99.4 % for equal widths),
      so a real difference may be called noise, but noise is rarely called a difference.
      A NaN bound (censored: later than the horizon) counts as +inf, so a median after the
      horizon differs from one whose interval ends before it.
    NaN values with a standard error give False (nothing to compare)."""
    level = min(a.level, b.level)
    if a.n is not None and b.n is not None:
        va, vb = np.broadcast_arrays(np.asarray(a.value, dtype=float), np.asarray(b.value, dtype=float))
        out = np.zeros(va.shape, dtype=bool)
        for idx in np.ndindex(va.shape):  # a few values (calendar years), each test O(its counts)
            if np.isfinite(va[idx]) and np.isfinite(vb[idx]):
                out[idx] = proportions_differ(round(float(va[idx]) * a.n), a.n, round(float(vb[idx]) * b.n), b.n,
                                              level)
        return bool(out) if out.ndim == 0 else out
    with np.errstate(invalid="ignore"):
        se_a, se_b = np.asarray(a.se, dtype=float), np.asarray(b.se, dtype=float)
        have_se = np.isfinite(se_a) & np.isfinite(se_b)
        z_test = np.abs(np.asarray(a.value) - b.value) > z_value(level) * np.sqrt(se_a ** 2 + se_b ** 2)
        late = lambda v: np.nan_to_num(np.asarray(v, dtype=float), nan=np.inf, posinf=np.inf,  # noqa: E731
                                       neginf=-np.inf)
        apart = (late(a.low) > late(b.high)) | (late(b.low) > late(a.high))
    out = np.where(have_se, z_test, apart)
    return bool(out) if out.ndim == 0 else out


#: Fisher's exact test while the hypergeometric's support (at most min(n1, n2, k1 + k2, failures) + 1
#: tables) is no longer than this; beyond it every margin exceeds it, every expected cell count is
#: large (over 100 for up to 4 million replications in all) and the pooled score test is accurate.
FISHER_MOST = 20_000


def proportions_p_value(k1: int, n1: int, k2: int, n2: int) -> float:
    """The two-sided p-value of "k1 of n1 and k2 of n2 come from one probability" (two independent
    ensembles' counts of replications where something holds).

    Fisher's exact test when the hypergeometric's support has at most :data:`FISHER_MOST` tables:
    given the margins (n1, n2 and K = k1 + k2 successes of N = n1 + n2), the successes of the first
    sample X are hypergeometric, P(X = x) = C(n1, x) C(n2, K - x) / C(N, K); the p-value sums the
    probabilities of the tables no more likely than the one observed (as
    ``scipy.stats.fisher_exact``, within a relative 1e-7). Its log-pmf comes from the ratio
    P(x + 1) / P(x) = (n1 - x)(K - x) / ((x + 1)(n2 - K + x + 1)) summed in logs, numpy, O(support).
    Otherwise the pooled score test: z = (p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2)) with the
    pooled p = K / N, p-value erfc(|z| / sqrt 2)."""
    k1, n1, k2, n2 = (int(v) for v in (k1, n1, k2, n2))
    if n1 < 1 or n2 < 1 or not (0 <= k1 <= n1 and 0 <= k2 <= n2):
        raise ValueError(f"proportions_p_value needs 0 <= k <= n and n >= 1, got {k1}/{n1}, {k2}/{n2}")
    big_n, big_k = n1 + n2, k1 + k2
    lo, hi = max(0, big_k - n2), min(n1, big_k)
    if hi - lo + 1 <= FISHER_MOST:
        x = np.arange(lo, hi, dtype=float)
        log_ratio = np.log(n1 - x) + np.log(big_k - x) - np.log(x + 1.0) - np.log(n2 - big_k + x + 1.0)
        log_pmf = np.concatenate([[0.0], np.cumsum(log_ratio)])  # relative to P(lo)
        pmf = np.exp(log_pmf - log_pmf.max())
        observed = pmf[k1 - lo]
        return float(min(1.0, pmf[pmf <= observed * (1.0 + 1e-7)].sum() / pmf.sum()))
    p = big_k / big_n
    z = (k1 / n1 - k2 / n2) / math.sqrt(p * (1.0 - p) * (1.0 / n1 + 1.0 / n2))
    return math.erfc(abs(z) / math.sqrt(2.0))


def proportions_differ(k1: int, n1: int, k2: int, n2: int, level: float = LEVEL) -> bool:
    """Whether k1 of n1 and k2 of n2 differ beyond the Monte Carlo noise: the two-sided
    :func:`proportions_p_value` below 1 - ``level`` (0/3 against 2/3: p = 0.4, not called; 0/4
    against 4/4: p = 2/70 = 0.029, called at 95 %)."""
    z_value(level)  # (checks the level)
    return proportions_p_value(k1, n1, k2, n2) < 1.0 - level


def _out(a: np.ndarray) -> np.ndarray | float:
    """A 0-d array as a float, anything else unchanged."""
    return float(a) if np.ndim(a) == 0 else a
