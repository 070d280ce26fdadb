"""The uncertainty vocabulary: one small set of distributions, the same everywhere.

In a scenario file an uncertain quantity is either a plain number (fixed) or a table naming its
distribution, e.g. ``slip_days = { dist = "weibull", shape = 1.04, scale = 173.0 }``. Each kind
is a pydantic model with a ``sample(rng)`` method taking a :class:`numpy.random.Generator`;
nothing here knows about scenario files or the simulator.

=================  ==========================================  ======================================
``dist``           parameters                                  meaning
=================  ==========================================  ======================================
``fixed``          ``value``                                   always ``value`` (a bare number too)
``uniform``        ``low``, ``high``                           uniform on [low, high]
``triangular``     ``low``, ``mode``, ``high``                 triangular
``normal``         ``mean``, ``sd``, optional ``low``/``high``  normal, clipped to [low, high]
``lognormal``      ``median``, ``sigma``                       exp(N(ln median, sigma))
``weibull``        ``shape``, ``scale``, ``p_zero``            0 with probability p_zero, else
                                                               scale * Weibull(shape)
``bernoulli``      ``p``                                       1.0 with probability p, else 0.0
``beta``           ``successes``, ``failures``,                a probability drawn from the flight
                   ``prior_a`` = 1, ``prior_b`` = 1             record: Beta(prior_a + successes,
                                                               prior_b + failures)
=================  ==========================================  ======================================

``weibull`` is the zero-inflated launch-delay model fitted to visiting vehicles of the ISS
(shape 1.04, scale 173 days for plans 180–360 days ahead; code-lab-org/launch-delay).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, model_validator

__all__ = [
    "Number", "MAX_MAGNITUDE", "finite_number", "Fixed", "Uniform", "Triangular", "Normal", "LogNormal", "Weibull", "Bernoulli", "BetaRecord",
    "BaseDistribution", "Distribution", "Uncertain", "as_distribution",
]


#: The largest magnitude of any number in a scenario: far beyond every physical quantity rossim
#: reads (kg, days, km), small enough that sums, products and samples stay finite floats.
MAX_MAGNITUDE = 1e12


def finite_number(value) -> float:
    """``value`` as a float if it is a finite number within +-:data:`MAX_MAGNITUDE`.

    Only numbers count: a boolean (``true`` is not 1 kg), a string (``"372"``), NaN, infinity
    and integers too large for a float raise ValueError (pydantic reports it with the field).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("expected a number")
    try:
        f = float(value)
    except OverflowError:
        f = math.inf
    if not math.isfinite(f):
        raise ValueError("expected a finite number")
    if abs(f) > MAX_MAGNITUDE:
        raise ValueError(f"expected a number between {-MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g}")
    return f


#: A field type for every number of a scenario: a finite int or float (TOML integers accepted,
#: booleans and strings refused). Field constraints (``gt``, ``le``...) apply after it.
Number = Annotated[float, BeforeValidator(finite_number)]


class BaseDistribution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def sample(self, rng: np.random.Generator) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value a sample can take (may be infinite)."""
        raise NotImplementedError  # pragma: no cover - abstract

    def expected(self) -> float:
        """The mean of the distribution."""
        raise NotImplementedError  # pragma: no cover - abstract


class Fixed(BaseDistribution):
    dist: Literal["fixed"] = "fixed"
    value: Number

    def sample(self, rng):
        return self.value

    def bounds(self):
        return self.value, self.value

    def expected(self) -> float:
        """The mean of the distribution."""
        return self.value


class Uniform(BaseDistribution):
    dist: Literal["uniform"]
    low: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low <= self.high:
            raise ValueError(f"uniform needs low <= high, got low={self.low}, high={self.high}")
        return self

    def sample(self, rng):
        return float(rng.uniform(self.low, self.high))

    def bounds(self):
        return self.low, self.high

    def expected(self) -> float:
        """The mean of the distribution."""
        return (self.low + self.high) / 2


class Triangular(BaseDistribution):
    dist: Literal["triangular"]
    low: Number
    mode: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self):
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError("triangular needs low <= mode <= high and low < high, "
                             f"got {self.low}, {self.mode}, {self.high}")
        return self

    def sample(self, rng):
        return float(rng.triangular(self.low, self.mode, self.high))

    def bounds(self):
        return self.low, self.high

    def expected(self) -> float:
        """The mean of the distribution."""
        return (self.low + self.mode + self.high) / 3


class Normal(BaseDistribution):
    dist: Literal["normal"]
    mean: Number
    sd: Number = Field(ge=0)
    low: Number = -math.inf
    high: Number = math.inf

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low <= self.high:
            raise ValueError(f"normal needs low <= high, got low={self.low}, high={self.high}")
        return self

    def sample(self, rng):
        return float(min(max(rng.normal(self.mean, self.sd), self.low), self.high))

    def bounds(self):
        return self.low, self.high

    def expected(self) -> float:
        """The mean of the distribution."""
        return min(max(self.mean, self.low), self.high)


#: Largest lognormal sigma: median * exp(sigma * z) stays a finite float for any draw z.
MAX_LOGNORMAL_SIGMA = 10.0
#: Smallest Weibull shape: scale * (-ln U) ** (1 / shape) stays a finite float for any draw U.
MIN_WEIBULL_SHAPE = 0.1


class LogNormal(BaseDistribution):
    dist: Literal["lognormal"]
    median: Number = Field(gt=0)
    sigma: Number = Field(ge=0, le=MAX_LOGNORMAL_SIGMA, description="exp(sigma * z) must stay finite")

    def sample(self, rng):
        return float(self.median * math.exp(self.sigma * rng.standard_normal()))

    def bounds(self):
        return 0.0, math.inf

    def expected(self) -> float:
        """The mean of the distribution."""
        return self.median * math.exp(self.sigma ** 2 / 2)


class Weibull(BaseDistribution):
    dist: Literal["weibull"]
    shape: Number = Field(ge=MIN_WEIBULL_SHAPE, description="below it samples overflow")
    scale: Number = Field(gt=0)
    p_zero: Number = Field(default=0.0, ge=0, le=1)

    def sample(self, rng):
        if self.p_zero and rng.random() < self.p_zero:
            return 0.0
        return float(self.scale * rng.weibull(self.shape))

    def bounds(self):
        return 0.0, math.inf

    def expected(self) -> float:
        """The mean of the distribution."""
        return (1 - self.p_zero) * self.scale * math.gamma(1 + 1 / self.shape)


class Bernoulli(BaseDistribution):
    dist: Literal["bernoulli"]
    p: Number = Field(ge=0, le=1)

    def sample(self, rng):
        return 1.0 if rng.random() < self.p else 0.0

    def bounds(self):
        return 0.0, 1.0

    def expected(self) -> float:
        """The mean of the distribution."""
        return self.p


class BetaRecord(BaseDistribution):
    dist: Literal["beta"]
    successes: Number = Field(ge=0)
    failures: Number = Field(ge=0)
    prior_a: Number = Field(default=1.0, gt=0)
    prior_b: Number = Field(default=1.0, gt=0)

    def sample(self, rng):
        return float(rng.beta(self.prior_a + self.successes, self.prior_b + self.failures))

    def bounds(self):
        return 0.0, 1.0

    def expected(self) -> float:
        """The mean of the distribution."""
        a, b = self.prior_a + self.successes, self.prior_b + self.failures
        return a / (a + b)


Distribution = Annotated[
    Union[Fixed, Uniform, Triangular, Normal, LogNormal, Weibull, Bernoulli, BetaRecord],
    Field(discriminator="dist"),
]


def as_distribution(value: float | int | dict | BaseDistribution) -> BaseDistribution:
    """A bare number becomes :class:`Fixed`; a table is parsed by its ``dist`` key."""
    if isinstance(value, BaseDistribution):
        return value
    return _ADAPTER.validate_python(_coerce(value))


def _coerce(value):
    if isinstance(value, (dict, BaseDistribution)):
        return value
    return {"dist": "fixed", "value": finite_number(value)}  # a bare value must be a number


_ADAPTER = TypeAdapter(Distribution)

#: A field type for scenario models: a bare number or a distribution table.
Uncertain = Annotated[Distribution, BeforeValidator(_coerce)]
