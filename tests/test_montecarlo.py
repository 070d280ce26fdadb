"""Monte Carlo intervals: hand-computed values, and coverage of the truth at the nominal rate
(simulated with fixed seeds, or computed exactly from the binomial distribution)."""

import dataclasses
import math

import numpy as np
import pytest
from scipy.stats import binom

from rossim import ensemble, montecarlo as mc

TRIALS, N = 2000, 500  # coverage: 2,000 ensembles of 500 replications (coverage se ~0.5 %)


def covered(iv: mc.Interval, truth) -> float:
    return float(np.mean((iv.low <= truth) & (truth <= iv.high)))


# --------------------------------------------------------------------------------- proportions

def test_wilson_hand_values():
    # Wilson (1927) score interval, z = 1.959964: 0/10 -> [0, 0.2775], 5/10 -> [0.2366, 0.7634]
    iv = mc.proportion([0, 5, 10], 10)
    np.testing.assert_allclose(iv.value, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(iv.low, [0.0, 0.236593, 0.722467], atol=1e-6)
    np.testing.assert_allclose(iv.high, [0.277533, 0.763407, 1.0], atol=1e-6)
    np.testing.assert_allclose(iv.se, [0.0, math.sqrt(0.25 / 10), 0.0])
    # 30/100: centre (0.3 + z²/200) / (1 + z²/100), half-width z/(1 + z²/100) sqrt(0.0021 + z²/40000)
    z = 1.959963984540054
    centre = (0.3 + z * z / 200) / (1 + z * z / 100)
    half = z / (1 + z * z / 100) * math.sqrt(0.3 * 0.7 / 100 + z * z / 40000)
    one = mc.proportion(30, 100)
    assert isinstance(one.value, float)
    assert one.low == pytest.approx(centre - half) and one.high == pytest.approx(centre + half)
    assert one.low == pytest.approx(0.2189, abs=1e-4) and one.high == pytest.approx(0.3958, abs=1e-4)


def test_wilson_edges_and_errors():
    assert np.isnan(mc.proportion(0, 0).value) and np.isnan(mc.proportion(0, 0).low)
    with pytest.raises(ValueError):
        mc.proportion(3, 2)
    with pytest.raises(ValueError):
        mc.z_value(1.0)
    assert mc.z_value(0.90) == pytest.approx(1.644854, abs=1e-6)
    iv = mc.proportion_of(np.array([[True, False], [True, True], [False, False], [True, False]]))
    np.testing.assert_allclose(iv.value, [0.75, 0.25])
    assert mc.proportion(7, 10).half_width == pytest.approx(max(0.7 - mc.proportion(7, 10).low,
                                                                mc.proportion(7, 10).high - 0.7))


@pytest.mark.parametrize("p", [0.3, 0.02])
def test_wilson_covers_at_nominal_rate_simulated(p):
    rng = np.random.default_rng(20260101)
    k = rng.binomial(N, p, size=TRIALS)
    assert 0.93 <= covered(mc.proportion(k, N), p) <= 0.97


def test_wilson_exact_coverage_across_p():
    """Exact coverage sum_k P(k) [p in CI(k)] over a grid of p: about 95 % everywhere, where
    the normal interval p ± z se collapses near 0 (the reason for Wilson)."""
    n = 500
    ks = np.arange(n + 1)
    iv = mc.proportion(ks, n)
    wald_low, wald_high = iv.value - 1.96 * iv.se, iv.value + 1.96 * iv.se
    cover, wald = [], []
    for p in np.linspace(0.004, 0.996, 125):
        pmf = binom.pmf(ks, n, p)
        cover.append(pmf[(iv.low <= p) & (p <= iv.high)].sum())
        wald.append(pmf[(wald_low <= p) & (p <= wald_high)].sum())
    assert 0.945 <= np.mean(cover) <= 0.955 and min(cover) >= 0.92
    assert min(wald) < 0.90  # the check would catch the normal interval


# --------------------------------------------------------------------------------- quantiles

def test_quantile_ranks_hand_values():
    # median of 10: ranks 2 and 9, coverage F(8) - F(1) = 0.9785 (classic table)
    assert [int(r[0]) for r in mc.quantile_ranks(10, 0.5)] == [5, 2, 9]
    assert binom.cdf(8, 10, 0.5) - binom.cdf(1, 10, 0.5) == pytest.approx(0.978516, abs=1e-6)
    # median of 1,000: ranks 469 and 532 (n/2 ∓ 1.96 sqrt(n)/2 = 469.0, 531.0, rounded outwards)
    assert [int(r[0]) for r in mc.quantile_ranks(1000, 0.5)] == [500, 469, 532]
    value, low, high = mc.quantile_ranks(1000, [0.1, 0.9])
    assert list(value) == [100, 900] and list(low) == [82, 881] and list(high) == [120, 919]
    for p, lo, hi in zip([0.1, 0.9], low, high):  # each tail below 2.5 %, coverage >= 95 %
        assert binom.cdf(lo - 1, 1000, p) < 0.025 and 1 - binom.cdf(hi - 1, 1000, p) <= 0.025
    with pytest.raises(ValueError):
        mc.quantile_ranks(10, 1.0)


def test_binomial_ppf_is_scipys():
    rng = np.random.default_rng(1)
    for n in [*range(1, 40), 100, 333, 1000, 10_000, 100_000]:
        probs = np.concatenate([[0.1, 0.5, 0.9], rng.uniform(0.001, 0.999, 4)])
        for q in (0.005, 0.025, 0.975, 0.995):
            np.testing.assert_array_equal(mc.binomial_ppf(q, n, probs), binom.ppf(q, n, probs).astype(int))
    # an exact tie F(k) = q: P(Binomial(5, 1/2) <= 2) = 16/32
    assert mc.binomial_ppf(0.5, 5, 0.5)[0] == 2


def test_quantile_hand_values():
    x = np.array([5.0, 1.0, 4.0, 2.0, 3.0, 10.0, 9.0, 8.0, 7.0, 6.0])
    iv = mc.quantile(x, 0.5)
    assert (iv.value, iv.low, iv.high) == (5.0, 2.0, 9.0) and np.isnan(iv.se)
    # 10 % of 10: rank 1; the lower bound rank binom.ppf(0.025, 10, 0.1) = 0 is unbounded
    iv = mc.quantile(x, 0.1)
    assert iv.value == 1.0 and iv.low == -np.inf and iv.high == x[np.argsort(x)][binom.ppf(0.975, 10, 0.1).astype(int)]
    with pytest.raises(ValueError):
        mc.quantile([1.0, np.nan], 0.5)


def test_quantile_censored_hand_values():
    # 10 replications, 4 later than the horizon (NaN, sorted last): the median (rank 5) is
    # observed, its upper bound (rank 9) is censored
    x = np.array([3.0, np.nan, 1.0, 6.0, np.nan, 2.0, 5.0, np.nan, 4.0, np.nan])
    iv = mc.quantile(x, 0.5, censored=True)
    assert iv.value == 5.0 and iv.low == 2.0 and np.isnan(iv.high)
    iv = mc.quantile(x, [0.1, 0.9], censored=True)
    assert iv.value[0] == 1.0 and np.isnan(iv.value[1]) and np.isnan(iv.low[1]) and np.isnan(iv.high[1])


def test_quantile_values_are_the_ensembles():
    rng = np.random.default_rng(7)
    for n in (1, 7, 10, 333, 1000):
        x = rng.exponential(size=n)
        x[rng.random(n) < 0.3] = np.nan
        np.testing.assert_array_equal(mc.quantile(x, ensemble.QUANTILES, censored=True).value,
                                      ensemble.quantiles(x, censored=True))
        y = np.nan_to_num(x, nan=5.0)
        np.testing.assert_array_equal(mc.quantile(y, ensemble.QUANTILES).value, ensemble.quantiles(y))


def test_quantile_along_an_axis():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 50, 3))
    iv = mc.quantile(x, [0.1, 0.5], axis=1)
    assert iv.value.shape == (2, 4, 3)
    for i in range(4):
        for j in range(3):
            one = mc.quantile(x[i, :, j], [0.1, 0.5])
            np.testing.assert_array_equal(iv.low[:, i, j], one.low)
            np.testing.assert_array_equal(iv.value[:, i, j], one.value)
            np.testing.assert_array_equal(iv.high[:, i, j], one.high)


def test_quantile_intervals_cover_at_nominal_rate():
    """2,000 ensembles of 500 exponential draws: each quantile's interval holds the true
    quantile -ln(1 - p) 93-97 % of the time (distribution-free: conservative, ~95-96 %)."""
    rng = np.random.default_rng(20260102)
    x = rng.exponential(size=(N, TRIALS))
    probs = [0.1, 0.5, 0.9]
    iv = mc.quantile(x, probs)
    for i, p in enumerate(probs):
        assert 0.93 <= covered(iv[i], -math.log(1 - p)) <= 0.97, p


def test_censored_quantile_intervals_cover_where_observed():
    """Exponential draws censored at the horizon h (P(X > h) = 30 %): the median's interval
    (below h) still covers at the nominal rate; the 90 % quantile (beyond h) is NaN."""
    rng = np.random.default_rng(20260103)
    h = -math.log(0.3)
    x = rng.exponential(size=(N, TRIALS))
    x[x > h] = np.nan
    iv = mc.quantile(x, [0.5, 0.9], censored=True)
    assert np.all(np.isfinite(iv.high[0]))
    assert 0.93 <= covered(iv[0], math.log(2)) <= 0.97
    assert np.all(np.isnan(iv.value[1])) and np.all(np.isnan(iv.low[1]))


# --------------------------------------------------------------------------------- means

def test_mean_hand_values():
    iv = mc.mean([1.0, 2.0, 3.0, 4.0])
    se = math.sqrt(sum((v - 2.5) ** 2 for v in (1, 2, 3, 4)) / 3) / 2  # s / sqrt(n)
    assert iv.value == 2.5 and iv.se == pytest.approx(se)
    assert iv.low == pytest.approx(2.5 - 1.959964 * se) and iv.high == pytest.approx(2.5 + 1.959964 * se)
    assert np.isnan(mc.mean([3.0]).se)
    np.testing.assert_allclose(mc.mean(np.array([[1.0, 2.0], [3.0, 6.0]]), axis=0).value, [2.0, 4.0])


def test_mean_interval_covers_at_nominal_rate():
    rng = np.random.default_rng(20260104)
    x = rng.exponential(scale=2.0, size=(N, TRIALS))
    assert 0.93 <= covered(mc.mean(x), 2.0) <= 0.97


# --------------------------------------------------------------------------------- differences

def test_differs_proportions_hand_values():
    # 30 % vs 50 % of 100: z = 0.2 / sqrt(0.21/100 + 0.25/100) = 2.95 > 1.96
    assert mc.differs(mc.proportion(30, 100), mc.proportion(50, 100)) is True
    # 40 % vs 50 %: z = 0.1 / sqrt(0.24/100 + 0.25/100) = 1.43
    assert mc.differs(mc.proportion(40, 100), mc.proportion(50, 100)) is False
    # none of 1,000 vs all of 1,000: no noise at all; 0 vs 0: nothing
    assert mc.differs(mc.proportion(0, 1000), mc.proportion(1000, 1000))
    assert not mc.differs(mc.proportion(0, 1000), mc.proportion(0, 1000))
    np.testing.assert_array_equal(mc.differs(mc.proportion([30, 40], 100), mc.proportion([50, 50], 100)),
                                  [True, False])


def test_proportions_p_value_hand_fisher():
    """Fisher's exact test by hand: with margins n1, n2, K the first sample's successes are
    hypergeometric, P(x) = C(n1, x) C(n2, K - x) / C(N, K); the p-value sums the tables no more
    likely than the one observed."""
    # 0/3 vs 2/3: P(0..2) = 3, 9, 3 of C(6, 2) = 15; observed P(0) = 3/15: p = 6/15
    assert mc.proportions_p_value(0, 3, 2, 3) == pytest.approx(0.4, rel=1e-12)
    assert not mc.proportions_differ(0, 3, 2, 3)
    # 3/4 vs 1/4 (the lady tasting tea): 1, 16, 36, 16, 1 of 70; p = 34/70
    assert mc.proportions_p_value(3, 4, 1, 4) == pytest.approx(34 / 70, rel=1e-12)
    # 4/4 vs 0/4: p = 2/70 = 0.0286 < 0.05, called; not at 99 %
    assert mc.proportions_p_value(4, 4, 0, 4) == pytest.approx(2 / 70, rel=1e-12)
    assert mc.proportions_differ(4, 4, 0, 4) and not mc.proportions_differ(4, 4, 0, 4, level=0.99)
    # 0/5 vs 0/7: one table, p = 1; unequal sizes 1/2 vs 5/5: P(x) over x = 4..5 of C(7, 6) = 7:
    # C(2,1) C(5,5) = 2 (observed), C(2,2) C(5,4) = 5: p = 2/7
    assert mc.proportions_p_value(0, 5, 0, 7) == 1.0
    assert mc.proportions_p_value(1, 2, 5, 5) == pytest.approx(2 / 7, rel=1e-12)
    with pytest.raises(ValueError):
        mc.proportions_p_value(4, 3, 0, 3)


@pytest.mark.parametrize("k1, n1, k2, n2", [(0, 40, 5, 40), (21, 40, 27, 40), (12, 50, 3, 30), (40, 40, 35, 40),
                                            (700, 1000, 660, 1000), (0, 10_000, 7, 10_000), (3, 100_000, 15, 90_000)])
def test_proportions_p_value_is_scipys_fisher(k1, n1, k2, n2):
    """The independent twin: scipy.stats.fisher_exact (two-sided) on the same 2x2 table."""
    from scipy.stats import fisher_exact

    want = fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue
    assert mc.proportions_p_value(k1, n1, k2, n2) == pytest.approx(want, rel=1e-9, abs=1e-15)


def test_proportions_p_value_score_test_for_large_counts():
    """Beyond FISHER_MOST tables, the pooled score test: its p-value by hand, and near Fisher's
    (every expected cell count is large)."""
    from scipy.stats import fisher_exact

    k1, n1, k2, n2 = 301_000, 1_000_000, 299_800, 1_000_000
    p = (k1 + k2) / (n1 + n2)
    z = (k1 / n1 - k2 / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    got = mc.proportions_p_value(k1, n1, k2, n2)
    assert got == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-12)
    assert got == pytest.approx(fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue, rel=0.02)


def test_differs_uses_fisher_for_shares_with_counts():
    """A probability with its replication count: differs is Fisher's test, so 0/3 vs 2/3 is noise
    (the unpooled z test, se 0 on the first side, called it) and 0/40 vs 6/40 is called."""
    share = lambda k, n: dataclasses.replace(mc.proportion(k, n), n=n)  # noqa: E731
    assert not mc.differs(share(0, 3), share(2, 3))
    assert mc.differs(share(0, 40), share(6, 40))  # Fisher p = 0.026
    assert not mc.differs(share(0, 40), share(4, 40))  # p = 0.116
    assert not mc.differs(share(0, 3), share(0, 3))
    np.testing.assert_array_equal(mc.differs(share(np.array([0, 0]), 40), share(np.array([6, 4]), 40)),
                                  [True, False])


def test_differs_quantiles_by_overlap():
    a = mc.Interval(100.0, 90.0, 110.0, np.nan)
    assert not mc.differs(a, mc.Interval(120.0, 109.0, 130.0, np.nan))
    assert mc.differs(a, mc.Interval(120.0, 111.0, 130.0, np.nan))
    # censored: a median after the horizon vs one whose interval ends before it
    late = mc.Interval(np.nan, np.nan, np.nan, np.nan)
    assert mc.differs(a, late) and not mc.differs(late, late)
    assert not mc.differs(mc.Interval(150.0, 105.0, np.nan, np.nan), a)


def test_differs_false_alarm_rate():
    """Two independent ensembles of the same distribution: the z test calls ~5 % of pairs
    different, the (conservative) interval overlap rule under 1 %; clearly different ones are
    called different."""
    rng = np.random.default_rng(20260105)
    k1, k2 = rng.binomial(N, 0.4, TRIALS), rng.binomial(N, 0.4, TRIALS)
    assert 0.035 <= np.mean(mc.differs(mc.proportion(k1, N), mc.proportion(k2, N))) <= 0.065
    x1, x2 = rng.exponential(size=(N, TRIALS)), rng.exponential(size=(N, TRIALS))
    assert 0.035 <= np.mean(mc.differs(mc.mean(x1), mc.mean(x2))) <= 0.065
    assert np.mean(mc.differs(mc.quantile(x1, 0.5), mc.quantile(x2, 0.5))) < 0.01
    assert np.mean(mc.differs(mc.quantile(x1, 0.5), mc.quantile(x2 * 1.5, 0.5))) > 0.9
    assert np.mean(mc.differs(mc.proportion(k1, N), mc.proportion(rng.binomial(N, 0.5, TRIALS), N))) > 0.9


# --------------------------------------------------------------------------------- precision

def test_replications_for_hand_values():
    assert mc.replications_for(1000, 0.031, 0.01) == 9610  # (3.1)² x 1,000
    assert mc.replications_for(1000, 0.005, 0.01) == 1000  # already there
    assert mc.replications_for(500, [10.0, 40.0], 20.0) == 2000  # the widest side decides
    assert mc.replications_for(500, np.nan, 20.0) == -1
    with pytest.raises(ValueError):
        mc.replications_for(500, 1.0, 0.0)


def test_replications_for_reaches_the_target():
    """The 1/sqrt(n) law the count rests on: from the median's typical half-width with 400
    exponential draws, the count predicted for ± 0.05 gives half-widths of 0.05 on average
    (±10 %); so does the count for a probability's Wilson interval."""
    rng = np.random.default_rng(20260106)
    typical = np.mean(mc.quantile(rng.exponential(size=(400, 200)), 0.5).half_width)
    n = mc.replications_for(400, typical, 0.05)
    assert n > 1000
    again = mc.quantile(rng.exponential(size=(n, 200)), 0.5)
    assert 0.9 * 0.05 <= np.mean(again.half_width) <= 1.1 * 0.05
    typical = np.mean(mc.proportion(rng.binomial(400, 0.3, 200), 400).half_width)
    n = mc.replications_for(400, typical, 0.01)
    assert 0.9 * 0.01 <= np.mean(mc.proportion(rng.binomial(n, 0.3, 200), n).half_width) <= 1.1 * 0.01
