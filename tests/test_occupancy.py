"""Crew occupancy: hand-computed step functions, and slow brute-force twins (here only) over many
random step functions."""

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest

from rossim import ensemble, occupancy as oc
from rossim.scenario import load

ROOT = Path(__file__).resolve().parent.parent


def steps(t, a, h, start=None):
    return oc.Steps.from_arrays(np.asarray(t, float), np.asarray(a), h, start)


def alternating(first: int, second: int, period: float, h: float):
    """``first`` aboard for ``period`` days, then ``second``, and so on, from day 0."""
    t = np.arange(0.0, h, period)
    return t, np.where(np.arange(t.size) % 2 == 0, first, second)


def random_steps(rng, count, h, integer=False):
    """Random step functions: 0-4 aboard, steps of 1-200 days (whole days when ``integer``)."""
    ts, als = [], []
    for _ in range(count):
        gaps = rng.integers(1, 200, 60) if integer else rng.uniform(0.01, 200.0, 60)
        t = np.concatenate([[0.0], np.cumsum(gaps)])
        t = t[t < h]
        ts.append(t)
        als.append(rng.integers(0, 5, t.size))
    return ts, als


# --------------------------------------------------------------------------------- brute force

def brute_window(t, a, h, k, u, w):
    """Days with >= k aboard in [u, u + w) for each u (array): the overlap of each "on" step."""
    ends = np.append(t[1:], h)
    on = a >= k
    total = np.zeros_like(u, dtype=float)
    for s, e in zip(t[on], ends[on]):
        total += np.clip(np.minimum(e, u + w) - np.maximum(s, u), 0.0, None)
    return total


def qualifies(t, a, h, k, u, target, w):
    """Whether >= k are aboard at each date u and for >= ``target`` days of [u, u + w)."""
    here = a[np.searchsorted(t, u, side="right") - 1] >= k  # a change point gives the new crew
    return here & (brute_window(t, a, h, k, u, w) >= target)


def brute_hosting(t, a, h, k, target, w, step):
    """The first grid date (every ``step`` days) that qualifies, the window within the horizon;
    NaN if none."""
    u = np.arange(0.0, h - w + step / 2, step)
    u = u[u <= h - w]
    hit = np.nonzero(qualifies(t, a, h, k, u, target, w))[0]
    return u[hit[0]] if hit.size else math.nan


def brute_aboard(t, a, day):
    """Crew aboard on ``day`` (a change point gives the new crew), by a plain search."""
    i = 0
    while i + 1 < len(t) and t[i + 1] <= day:
        i += 1
    return a[i]


# --------------------------------------------------------------------------------- hosting

def test_hosting_hand_cases():
    # four aboard from day 100 on: hosting 4 (and 1..3) from day 100, once a year fits
    s = steps([0, 100], [0, 4], 2000.0)
    np.testing.assert_array_equal(oc.hosting(s, [1, 4]), [[100.0], [100.0]])
    assert np.isnan(oc.hosting(s, [5])).all()
    assert oc.hosting(s, [4], share=1.0)[0, 0] == 100.0
    # the window must end within the horizon: 100 + 365 = 465
    assert oc.hosting(steps([0, 100], [0, 4], 465.0), [4])[0, 0] == 100.0
    assert np.isnan(oc.hosting(steps([0, 100], [0, 4], 464.9), [4])[0, 0])
    # at 90 % of a year, [63.5, 428.5) already holds 328.5 days with four; but nobody is aboard
    # on day 63.5: the routine starts when the crew does
    assert oc.hosting(s, [4], share=0.9)[0, 0] == 100.0
    s = steps([0, 100, 120], [0, 4, 0], 2000.0)  # a 20-day visit never makes a year
    assert np.isnan(oc.hosting(s, [4], share=0.9)).all()
    assert oc.hosting(s, [4], share=20 / 365)[0, 0] == 100.0
    assert np.isnan(oc.hosting(s, [4], share=20.01 / 365)).all()
    # four for 300 days from day 50, a gap of 30, four again from day 380: from day 50 the year
    # holds 300 + 35 = 335 >= 328.5 days
    s = steps([0, 50, 350, 380], [0, 4, 1, 4], 2000.0)
    assert oc.hosting(s, [4])[0, 0] == 50.0
    s = steps([0, 50, 350, 400], [0, 4, 1, 4], 2000.0)  # 300 + 15 < 328.5: from day 400
    assert oc.hosting(s, [4])[0, 0] == 400.0
    assert oc.hosting(s, [1])[0, 0] == 50.0


def test_hosting_alternating_30_days():
    # 2 aboard for 30 days, then 4 for 30 days, ...: four are aboard half the time
    t, a = alternating(2, 4, 30.0, 3000.0)
    s = steps(t, a, 3000.0)
    assert np.isnan(oc.hosting(s, [4], share=0.9)).all()
    # at 50 % (182.5 of 365 days): the first "4" spell starts on day 30, and [30, 395) holds
    # six "4" spells (180 days) and [390, 395): 185 days
    assert oc.hosting(s, [4], share=0.5)[0, 0] == 30.0
    assert oc.hosting(s, [4], share=185 / 365)[0, 0] == 30.0
    # 186 days: no year from a spell start holds more than 185 (six spells and five days)
    assert np.isnan(oc.hosting(s, [4], share=186 / 365)).all()
    assert oc.hosting(s, [2], share=1.0)[0, 0] == 0.0
    # starting with the "4" spell: f(0) = 180 + 5 >= 182.5, hosting from day 0
    t, a = alternating(4, 2, 30.0, 3000.0)
    assert oc.hosting(steps(t, a, 3000.0), [4], share=0.5)[0, 0] == 0.0
    # the window a parameter: with 60-day windows exactly half is always there
    assert oc.hosting(steps(t, a, 3000.0), [4], share=0.5, window_days=60.0)[0, 0] == 0.0
    assert np.isnan(oc.hosting(steps(t, a, 3000.0), [4], share=0.51, window_days=60.0)).all()


def test_hosting_equals_brute_force_on_whole_days():
    """Change points on whole days, windows of whole days, targets on half days: every crossing
    lies on the brute force's half-day grid, so both must agree exactly."""
    rng = np.random.default_rng(11)
    h = 3000.0
    ts, als = random_steps(rng, 60, h, integer=True)
    s = oc.Steps.from_arrays(ts, als, h)
    for w in (365.0, 90.0):
        for target in (0.9 * w, 0.5 * w, np.floor(0.75 * w)):
            fast = oc.hosting(s, [1, 2, 3], share=target / w, window_days=w)
            for j, (t, a) in enumerate(zip(ts, als)):
                for i, k in enumerate([1, 2, 3]):
                    slow = brute_hosting(t, a, h, k, target, w, 0.5)
                    assert fast[i, j] == pytest.approx(slow, abs=1e-6, nan_ok=True), (w, target, k, j)


def test_hosting_is_the_first_crossing_on_random_step_functions():
    """Continuous random change points: where the fast answer is t, t qualifies (k aboard, the
    window's share checked by direct summation) and no date of a 0.05-day grid before it does;
    where it is NaN, no date of the grid does."""
    rng = np.random.default_rng(12)
    h, w, share = 2500.0, 365.0, 0.6
    ts, als = random_steps(rng, 60, h)
    s = oc.Steps.from_arrays(ts, als, h)
    fast = oc.hosting(s, [1, 2], share=share, window_days=w)
    grid = np.arange(0.0, h - w, 0.05)
    reached = 0
    for j, (t, a) in enumerate(zip(ts, als)):
        for i, k in enumerate([1, 2]):
            ok = qualifies(t, a, h, k, grid, share * w, w)
            if np.isnan(fast[i, j]):
                assert not ok.any()
                continue
            reached += 1
            assert qualifies(t, a, h, k, np.array([fast[i, j]]), share * w - 1e-6, w)[0]
            assert not ok[grid < fast[i, j] - 1e-9].any()
    assert reached > 20  # the case is not empty


def test_hosting_follows_first_and_ignores_padding():
    rng = np.random.default_rng(13)
    ts, als = random_steps(rng, 200, 4000.0)
    s = oc.Steps.from_arrays(ts, als, 4000.0)
    first, host = oc.first_at_least(s, [1, 2, 3, 4]), oc.hosting(s, [1, 2, 3, 4], share=0.5)
    both = np.isfinite(host)
    assert both.any() and np.all(host[both] >= first[both]) and np.any(host[both] > first[both])
    assert not np.any(np.isfinite(host) & np.isnan(first))
    # each row alone (no padding) gives the same answer as in the padded batch
    for j in range(0, 200, 37):
        one = oc.Steps.from_arrays(ts[j], als[j], 4000.0)
        np.testing.assert_array_equal(oc.hosting(one, [1, 2, 3, 4], share=0.5)[:, 0], host[:, j])


def test_zero_length_steps_do_not_count():
    # two changes on day 100: four for no time at all, then two; four from day 130
    s = steps([0, 100, 100, 130], [0, 4, 2, 4], 2000.0)
    assert oc.hosting(s, [4])[0, 0] == 130.0 and oc.first_at_least(s, [4])[0, 0] == 130.0
    assert oc.hosting(s, [2])[0, 0] == 100.0 and oc.first_at_least(s, [2])[0, 0] == 100.0
    np.testing.assert_array_equal(oc.prob_at_least(s, [2, 4], [99.0, 100.0, 129.0, 130.0]).value,
                                  [[0, 1, 1, 1], [0, 0, 0, 1]])


# --------------------------------------------------------------------------------- first time

def test_first_at_least():
    s = oc.Steps.from_arrays([np.array([0.0, 10, 20, 30]), np.array([0.0, 5])],
                             [np.array([0, 2, 1, 4]), np.array([3, 0])], 40.0)
    np.testing.assert_array_equal(oc.first_at_least(s, [1, 2, 3, 4]),
                                  [[10, 0], [10, 0], [30, 0], [30, np.nan]])
    # a change at the horizon itself is not within it
    assert np.isnan(oc.first_at_least(steps([0, 40], [0, 4], 40.0), [4])).all()
    rng = np.random.default_rng(14)
    ts, als = random_steps(rng, 100, 3000.0)
    got = oc.first_at_least(oc.Steps.from_arrays(ts, als, 3000.0), [1, 3, 4])
    for j, (t, a) in enumerate(zip(ts, als)):
        for i, k in enumerate([1, 3, 4]):
            slow = next((day for day, n in zip(t, a) if n >= k), math.nan)
            assert got[i, j] == pytest.approx(slow, nan_ok=True)


# --------------------------------------------------------------------------------- at dates

def test_prob_at_least_hand_case():
    s = oc.Steps.from_arrays([np.array([0.0, 10, 20]), np.array([0.0, 15]), np.array([0.0])],
                             [np.array([0, 4, 2]), np.array([2, 1]), np.array([1])], 30.0)
    p = oc.prob_at_least(s, [1, 2, 4], [0.0, 10.0, 15.0, 20.0, 30.0, 31.0, -1.0])
    assert p.value.shape == (3, 7)
    np.testing.assert_allclose(p.value[:, :5] * 3, [[2, 3, 3, 3, 3],   # >= 1
                                                    [1, 2, 1, 1, 1],   # >= 2
                                                    [0, 1, 1, 0, 0]])  # >= 4
    assert np.isnan(p.value[:, 5:]).all() and np.isnan(p.low[:, 5:]).all()
    assert np.all(p.low[:, :5] <= p.value[:, :5]) and np.all(p.value[:, :5] <= p.high[:, :5])


def test_prob_at_least_equals_brute_force():
    rng = np.random.default_rng(15)
    h = 3000.0
    ts, als = random_steps(rng, 80, h, integer=True)
    grid = np.concatenate([rng.uniform(0, h, 40), np.arange(0.0, h + 1, 100.0), ts[0][:10]])  # unsorted, on change points
    p = oc.prob_at_least(oc.Steps.from_arrays(ts, als, h), [1, 2, 3, 4], grid)
    aboard = np.array([[brute_aboard(t, a, d) for d in grid] for t, a in zip(ts, als)])
    for i, k in enumerate([1, 2, 3, 4]):
        np.testing.assert_allclose(p.value[i], np.mean(aboard >= k, axis=0), rtol=0, atol=1e-12)


# --------------------------------------------------------------------------------- years

def test_years_hand_case():
    # start 2030-01-01, two years: four aboard from day 100, two from day 500 (2031-05-16)
    s = steps([0, 100, 500], [0, 4, 2], 730.0, dt.date(2030, 1, 1))
    years, days = oc.days_at_least_by_year(s, [2, 4])
    assert years == [2030, 2031]
    np.testing.assert_allclose(days[:, 0], [[265, 365], [265, 135]])
    years, share = oc.share_at_least_by_year(s, [2, 4])
    np.testing.assert_allclose(share[:, 0], [[265 / 365, 1.0], [265 / 365, 135 / 365]])
    np.testing.assert_allclose(oc.person_days_by_year(s)[1], [[4 * 265, 4 * 135 + 2 * 230]])
    # a horizon cutting a year: the share is of its simulated days (2032-01-01 .. 2032-02-01)
    s = steps([0, 100], [0, 4], 731.0 + 31.0, dt.date(2030, 1, 1))
    years, share = oc.share_at_least_by_year(s, [4])
    assert years == [2030, 2031, 2032] and share[0, 0, 2] == 1.0
    with pytest.raises(ValueError):
        oc.days_at_least_by_year(steps([0], [1], 10.0))  # no start date


def test_years_equal_the_per_replication_integrals():
    """Against :func:`rossim.ensemble.person_days_by_year`, one replication at a time, on the
    indicator (days with >= k) and on the crew (person-days)."""
    rng = np.random.default_rng(16)
    start, h = dt.date(2027, 3, 15), 4000.5
    ts, als = random_steps(rng, 50, h)
    s = oc.Steps.from_arrays(ts, als, h, start)
    years, days = oc.days_at_least_by_year(s, [1, 3])
    _, person = oc.person_days_by_year(s)
    _, share = oc.share_at_least_by_year(s, [1, 3])
    for j, (t, a) in enumerate(zip(ts, als)):
        y, slow = ensemble.person_days_by_year(start, h, t, a)
        assert y == years
        np.testing.assert_allclose(person[j], slow, rtol=1e-12, atol=1e-9)
        for i, k in enumerate([1, 3]):
            np.testing.assert_allclose(days[i, j], ensemble.person_days_by_year(start, h, t, a >= k)[1],
                                       rtol=1e-12, atol=1e-9)
    _, lengths = ensemble.person_days_by_year(start, h, np.zeros(1), np.ones(1))
    np.testing.assert_allclose(share, days / lengths)
    assert np.all((share >= 0) & (share <= 1 + 1e-12))


def test_year_summary():
    rng = np.random.default_rng(17)
    shares = rng.random((2, 400, 5))
    out = oc.year_summary(shares)
    assert set(out) == {"mean", "p10", "p50", "p90"}
    np.testing.assert_allclose(out["mean"].value, shares.mean(axis=1))
    np.testing.assert_array_equal(out["p50"].value, np.quantile(shares, 0.5, axis=1, method="inverted_cdf"))
    assert out["p90"].low.shape == (2, 5) and np.all(out["p90"].low <= out["p90"].high)


# --------------------------------------------------------------------------------- input, ensembles

def test_steps_validation_and_padding():
    s = oc.Steps.from_arrays([np.array([0.0, 5.0]), np.array([0.0])], [np.array([1, 3]), np.array([2])], 9.0)
    np.testing.assert_array_equal(s.t_days, [[0, 5, 9], [0, 9, 9]])
    np.testing.assert_array_equal(s.aboard, [[1, 3, 3], [2, 2, 2]])
    for t, a, h in (([1.0], [1], 5.0), ([0.0, 3.0, 2.0], [1, 1, 1], 5.0), ([0.0, 6.0], [1, 1], 5.0),
                    ([0.0], [-1], 5.0), ([0.0, 1.0], [1], 5.0)):
        with pytest.raises(ValueError):
            oc.Steps.from_arrays(np.array(t), np.array(a), h)
    assert oc.levels_for(s) == [1, 2, 3]
    with pytest.raises(ValueError):
        oc.hosting(s, [1.5])
    for share, w in ((0.0, 365.0), (1.01, 365.0), (0.9, 0.0)):
        with pytest.raises(ValueError):
            oc.hosting(s, [1], share=share, window_days=w)
    with pytest.raises(ValueError):
        oc.prob_at_least(s, [1])  # a grid is needed without an ensemble


def test_on_an_ensemble():
    sc = load(ROOT / "scenarios" / "ross_high_latitude.toml")
    ens = ensemble.run(sc, n=12, seed=5, workers=1)
    s = oc.Steps.from_ensemble(ens)
    assert s.n == 12 and s.start == ens.start
    levels = oc.levels_for(ens)
    assert levels[-1] >= max(p.crew_target for p in sc.phases)
    years, person = oc.person_days_by_year(ens)
    for r, row in zip(ens.replications, person):  # the one-replication integral, independently
        y2, slow = ensemble.person_days_by_year(ens.start, sc.simulation.horizon_days, r.capacity_t, r.crew_aboard)
        assert years == y2
        np.testing.assert_allclose(row, slow, rtol=1e-12, atol=1e-9)
    # crew aboard never exceeds the capacity: k aboard comes no earlier than capacity_k
    first = oc.first_at_least(ens, [2, 4])
    for i, name in enumerate(["capacity_2", "capacity_4"]):
        cap = ens.milestone_days(name)
        reached = np.isfinite(first[i])
        assert np.all(np.isfinite(cap[reached])) and np.all(first[i][reached] >= cap[reached])
    p = oc.prob_at_least(ens)
    bands = ens.capacity_bands()
    assert p.value.shape == (len(levels), bands["day"].size)
    np.testing.assert_allclose(p.value.sum(axis=0), bands["crew_aboard_mean"])  # E[N] = sum P(N >= k)
    q = oc.milestone_quantiles(oc.hosting(ens, [2]))
    assert q.value.shape == (3, 1)
