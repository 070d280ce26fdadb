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
    "Fixed", "Uniform", "Triangular", "Normal", "LogNormal", "Weibull", "Bernoulli", "BetaRecord",
    "BaseDistribution", "Distribution", "Uncertain", "as_distribution",
]


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
    value: float

    def sample(self, rng):
        return self.value

    def bounds(self):
        return self.value, self.value

    def expected(self) -> float:
        """The mean of the distribution."""
        return self.value


class Uniform(BaseDistribution):
    dist: Literal["uniform"]
    low: float
    high: float

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
    low: float
    mode: float
    high: float

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
    mean: float
    sd: float = Field(ge=0)
    low: float = -math.inf
    high: float = math.inf

    def sample(self, rng):
        return float(min(max(rng.normal(self.mean, self.sd), self.low), self.high))

    def bounds(self):
        return self.low, self.high

    def expected(self) -> float:
        """The mean of the distribution."""
        return min(max(self.mean, self.low), self.high)


class LogNormal(BaseDistribution):
    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(ge=0)

    def sample(self, rng):
        return float(self.median * math.exp(self.sigma * rng.standard_normal()))

    def bounds(self):
        return 0.0, math.inf

    def expected(self) -> float:
        """The mean of the distribution."""
        return self.median * math.exp(self.sigma ** 2 / 2)


class Weibull(BaseDistribution):
    dist: Literal["weibull"]
    shape: float = Field(gt=0)
    scale: float = Field(gt=0)
    p_zero: float = Field(default=0.0, ge=0, le=1)

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
    p: float = Field(ge=0, le=1)

    def sample(self, rng):
        return 1.0 if rng.random() < self.p else 0.0

    def bounds(self):
        return 0.0, 1.0

    def expected(self) -> float:
        """The mean of the distribution."""
        return self.p


class BetaRecord(BaseDistribution):
    dist: Literal["beta"]
    successes: float = Field(ge=0)
    failures: float = Field(ge=0)
    prior_a: float = Field(default=1.0, gt=0)
    prior_b: float = Field(default=1.0, gt=0)

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
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Fixed(value=float(value))
    return _ADAPTER.validate_python(value)


def _coerce(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"dist": "fixed", "value": float(value)}
    return value


_ADAPTER = TypeAdapter(Distribution)

#: A field type for scenario models: a bare number or a distribution table.
Uncertain = Annotated[Distribution, BeforeValidator(_coerce)]
