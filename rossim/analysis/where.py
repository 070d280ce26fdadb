"""Conditioning: the replications of an ensemble in which something happened.

A condition is ``NAME OP VALUE``: NAME a count of :attr:`rossim.campaign.Replication.counts`
(``launch_failures.<vehicle>``, ``scrubs.<site>``, ``docking_failures.<module>``,
``losses.<module>``) compared with a whole number, or a milestone (``phase_2_complete``,
``hosting_4``, ...) compared with an ISO date (its date in ``replications.csv``; a milestone not
reached is later than any date); OP one of ``== != < <= > >=``. :func:`parse` reads one (no
``eval``), :func:`select` keeps the replications meeting them all, with their original indices.

>>> c = parse("launch_failures.angara_a5m >= 1", ["launch_failures.angara_a5m"])
>>> (c.name, c.op, c.value)
('launch_failures.angara_a5m', '>=', 1)
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from dataclasses import dataclass
from typing import Sequence

from .. import clock
from ..campaign import count_keys
from ..ensemble import Ensemble, all_milestones
from ..errors import InputError
from ..scenario import Scenario

__all__ = ["Condition", "parse", "parse_all", "names", "mask", "select"]

OPERATORS = {"==": operator.eq, "!=": operator.ne, "<=": operator.le, ">=": operator.ge,
             "<": operator.lt, ">": operator.gt}
_EXPR = re.compile(r"\s*(?P<name>[^=!<>\s]+)\s*(?P<op>==|!=|<=|>=|<|>)\s*(?P<value>[^=!<>\s]+)\s*")
_INT = re.compile(r"[+-]?\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: What a milestone not reached compares as: later than any ISO date.
_NEVER = "9999-99-99"


@dataclass(frozen=True)
class Condition:
    text: str
    name: str
    op: str
    value: int | dt.date

    @property
    def is_milestone(self) -> bool:
        return isinstance(self.value, dt.date)


def names(scenario: Scenario) -> tuple[list[str], list[str]]:
    """(count names, milestone names) a condition on ``scenario``'s ensemble may use."""
    return count_keys(scenario), list(all_milestones(scenario))


def _error(text: str, problem: str, counts: Sequence[str], milestones: Sequence[str]) -> InputError:
    valid = ", ".join([*counts, *milestones]) or "none"
    return InputError(f"{problem} in {text!r}: expected NAME OP VALUE, OP one of {' '.join(OPERATORS)}, "
                      f"VALUE a whole number for a count or an ISO date (YYYY-MM-DD) for a milestone; "
                      f"valid names: {valid}", source="--where")


def parse(text: str, counts: Sequence[str], milestones: Sequence[str] = ()) -> Condition:
    """One condition; InputError (source ``--where``, listing the valid names) if it is not one."""
    m = _EXPR.fullmatch(text)
    if m is None:
        raise _error(text, "not a condition", counts, milestones)
    name, op, raw = m["name"], m["op"], m["value"]
    if name in counts:
        if not _INT.fullmatch(raw):
            raise _error(text, f"{name} is a count: expected a whole number, got {raw!r}", counts, milestones)
        return Condition(text, name, op, int(raw))
    if name in milestones:
        try:
            if not _DATE.fullmatch(raw):
                raise ValueError
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise _error(text, f"{name} is a milestone: expected an ISO date, got {raw!r}",
                         counts, milestones) from None
        return Condition(text, name, op, day)
    raise _error(text, f"unknown name {name!r}", counts, milestones)


def parse_all(texts: Sequence[str], scenario: Scenario) -> list[Condition]:
    counts, milestones = names(scenario)
    return [parse(t, counts, milestones) for t in texts]


def mask(ensemble: Ensemble, condition: Condition) -> list[bool]:
    """Whether each replication of ``ensemble`` meets ``condition``."""
    compare = OPERATORS[condition.op]
    if condition.is_milestone:
        start = ensemble.start
        want = condition.value.isoformat()
        days = ensemble.milestone_days(condition.name)
        return [compare(clock.iso_date(start, float(d)) or _NEVER, want) for d in days]
    return [compare(r.counts[condition.name], condition.value) for r in ensemble.kept()]


def select(ensemble: Ensemble, conditions: Sequence[Condition]) -> Ensemble:
    """The ensemble of the replications meeting every condition (their indices kept)."""
    keep = [True] * ensemble.n
    for c in conditions:
        keep = [a and b for a, b in zip(keep, mask(ensemble, c))]
    return Ensemble(ensemble.scenario, ensemble.seed,
                    [r for r, k in zip(ensemble.kept(), keep) if k], ensemble.workers)
