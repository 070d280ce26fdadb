"""The uncertainty vocabulary: parsing and sampling against the distributions' known moments."""

import math

import numpy as np
import pytest
from pydantic import BaseModel, ValidationError

from rossim.distributions import (MAX_LOGNORMAL_SIGMA, MAX_MAGNITUDE, MIN_WEIBULL_SHAPE, BetaRecord, Fixed,
                                  Uncertain, Weibull, as_distribution, finite_number)

N = 20_000  # samples: the sample mean's standard error is sd / 141


class Holder(BaseModel):
    x: Uncertain


CASES = [
    ({"dist": "uniform", "low": 2.0, "high": 6.0}, 4.0, math.sqrt(16 / 12)),
    ({"dist": "triangular", "low": 0.0, "mode": 3.0, "high": 6.0}, 3.0, math.sqrt(36 / 24)),
    ({"dist": "normal", "mean": 10.0, "sd": 2.0}, 10.0, 2.0),
    ({"dist": "lognormal", "median": 100.0, "sigma": 0.5}, 100 * math.exp(0.125),
     100 * math.exp(0.125) * math.sqrt(math.exp(0.25) - 1)),
    # The ISS visiting-vehicle delay model (DOMAIN 7): mean = scale * Gamma(1 + 1/k).
    ({"dist": "weibull", "shape": 1.04, "scale": 173.0}, 173 * math.gamma(1 + 1 / 1.04), 173.0),
    ({"dist": "weibull", "shape": 2.0, "scale": 10.0, "p_zero": 0.5}, 0.5 * 10 * math.gamma(1.5), 6.0),
    ({"dist": "bernoulli", "p": 0.3}, 0.3, math.sqrt(0.21)),
    # Angara-A5's record (4 successes, 1 failure) with a uniform prior: Beta(5, 2), mean 5/7.
    ({"dist": "beta", "successes": 4, "failures": 1}, 5 / 7, math.sqrt(5 * 2 / (49 * 8))),
]


@pytest.mark.parametrize("table,mean,sd", CASES, ids=lambda v: v["dist"] if isinstance(v, dict) else "")
def test_sample_mean_and_expected_value(table, mean, sd):
    d = Holder(x=table).x
    rng = np.random.default_rng(42)
    samples = np.array([d.sample(rng) for _ in range(N)])
    assert d.expected() == pytest.approx(mean, rel=1e-12)
    assert samples.mean() == pytest.approx(mean, abs=5 * sd / math.sqrt(N))
    lo, hi = d.bounds()
    assert samples.min() >= lo and samples.max() <= hi


def test_bare_number_is_fixed():
    assert Holder(x=3).x == Fixed(value=3.0)
    assert as_distribution(2.5).sample(np.random.default_rng(0)) == 2.5
    assert isinstance(as_distribution({"dist": "weibull", "shape": 1.0, "scale": 5.0}), Weibull)
    assert BetaRecord(dist="beta", successes=65, failures=2).expected() == pytest.approx(66 / 69)


@pytest.mark.parametrize("table", [
    {"dist": "uniform", "low": 5.0, "high": 1.0},
    {"dist": "triangular", "low": 0.0, "mode": 9.0, "high": 6.0},
    {"dist": "normal", "mean": 1.0, "sd": -1.0},
    {"dist": "bernoulli", "p": 1.5},
    {"dist": "weibull", "shape": 1.0},
    {"dist": "gamma", "k": 1.0},
    {"dist": "uniform", "low": 0.0, "high": 1.0, "mode": 0.5},
])
def test_bad_tables_are_refused(table):
    with pytest.raises(ValidationError):
        Holder(x=table)


@pytest.mark.parametrize("value", [
    True, False, "3", None, math.nan, math.inf, -math.inf, 10**400, 1e13,
    {"dist": "uniform", "low": 0.0, "high": math.inf},
    {"dist": "normal", "mean": math.nan, "sd": 1.0},
    {"dist": "normal", "mean": 1.0, "sd": 1.0, "low": 5.0, "high": 2.0},
    {"dist": "weibull", "shape": math.inf, "scale": 1.0},
    {"dist": "weibull", "shape": 0.01, "scale": 1.0},
    {"dist": "lognormal", "median": 1.0, "sigma": 1000.0},
    {"dist": "bernoulli", "p": True},
    {"dist": "beta", "successes": "65", "failures": 2},
    {"dist": "fixed", "value": math.nan},
], ids=repr)
def test_every_parameter_is_a_finite_number(value):
    """Booleans, strings, NaN, infinities and numbers beyond MAX_MAGNITUDE are not numbers here."""
    with pytest.raises(ValidationError):
        Holder(x=value)


@pytest.mark.parametrize("table", [
    {"dist": "lognormal", "median": MAX_MAGNITUDE, "sigma": MAX_LOGNORMAL_SIGMA},
    {"dist": "weibull", "shape": MIN_WEIBULL_SHAPE, "scale": MAX_MAGNITUDE},
    {"dist": "normal", "mean": MAX_MAGNITUDE, "sd": MAX_MAGNITUDE},
], ids=lambda t: t["dist"])
def test_samples_stay_finite_at_the_parameter_limits(table):
    d = Holder(x=table).x
    rng = np.random.default_rng(7)
    samples = np.array([d.sample(rng) for _ in range(N)])
    assert np.isfinite(samples).all()
    assert math.isfinite(d.expected())


def test_integers_are_numbers():
    assert Holder(x={"dist": "uniform", "low": 1, "high": 3}).x.high == 3.0
    assert finite_number(7) == 7.0 and isinstance(finite_number(7), float)
