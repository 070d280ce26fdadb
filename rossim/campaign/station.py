"""The station's configuration and its crew-capacity rules.

Plain bookkeeping, no SimPy and no randomness: the campaign model tells a :class:`Station` what
was commissioned, which crew ships are docked and which phase is complete; the station answers
how many people it can hold, and which rule is the binding one.

The crew capacity is the minimum of five limits:

==================  =================================================================
``berths``          sum of the berths of the commissioned modules
``life_support``    sum of the life-support crew ratings of the commissioned modules
``return_seats``    seats of the docked crew ships (the lifeboat rule); a ship whose crew
                    has been relieved may stay docked for the handover overlap, but its
                    seats are its departing crew's and no longer count
``power``           floor((power_kw - power_base_kw) / power_per_crew_kw); unlimited
                    when power_per_crew_kw is 0 and the base load is met
``phase``           the crew target of the latest completed phase (before any phase is
                    complete: the first phase's target)
==================  =================================================================

:meth:`Station.habitable_capacity` leaves out the lifeboat rule: it is what a crew-rotation
planner fills, since a crew brings its own return seats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["ModuleContribution", "Station", "RULES"]

RULES = ("berths", "life_support", "return_seats", "power", "phase")

#: A limit no crew reaches (keeps the power rule an int for tiny per-crew loads).
_UNLIMITED = 1_000_000


@dataclass(frozen=True, slots=True)
class ModuleContribution:
    """What a commissioned module adds to the station's limits."""

    berths: int = 0
    life_support_crew: int = 0
    power_kw: float = 0.0


@dataclass(slots=True)
class Station:
    """Commissioned modules, docked crew ships and completed phases; the capacity rules.

    >>> s = Station(phase_targets=(2, 4), power_base_kw=6.0, power_per_crew_kw=2.0)
    >>> s.commission("nem", ModuleContribution(berths=2, life_support_crew=2, power_kw=18.0))
    >>> s.habitable_capacity(), s.capacity()          # no crew ship docked: no lifeboat
    (2, 0)
    >>> s.dock_crew_ship(3); s.capacity()
    2
    """

    phase_targets: tuple[int, ...]
    power_base_kw: float = 0.0
    power_per_crew_kw: float = 0.0
    modules: dict[str, ModuleContribution] = field(default_factory=dict)
    return_seats: int = 0
    phases_complete: int = 0
    _berths: int = 0
    _life_support: int = 0
    _power_crew: int = 0
    _module_limit: int = 0   # min of the three module rules, kept with them
    _targets: tuple[int, ...] = ()  # the phase rule's limit by number of phases complete

    def __post_init__(self) -> None:
        t = self.phase_targets
        self._targets = (t[0], *t) if t else (0,)

    def commission(self, name: str, contribution: ModuleContribution) -> None:
        self.modules[name] = contribution
        self._totals()

    def remove(self, name: str) -> None:
        self.modules.pop(name, None)
        self._totals()

    def dock_crew_ship(self, seats: int) -> None:
        self.return_seats += seats

    def undock_crew_ship(self, seats: int) -> None:
        self.return_seats -= seats

    def _totals(self) -> None:
        """Module sums change only at commissioning and departure: keep them, not recompute."""
        mods = self.modules.values()
        self._berths = sum(m.berths for m in mods)
        self._life_support = sum(m.life_support_crew for m in mods)
        power_kw = sum(m.power_kw for m in mods)
        if self.power_per_crew_kw > 0:
            crew = (power_kw - self.power_base_kw) / self.power_per_crew_kw
            self._power_crew = math.floor(max(0.0, min(crew, _UNLIMITED)) + 1e-9)
        else:
            self._power_crew = _UNLIMITED if power_kw >= self.power_base_kw else 0
        self._module_limit = min(self._berths, self._life_support, self._power_crew)

    def _phase_target(self) -> int:
        """The crew target of the latest completed phase (before any: the first phase's)."""
        return self._targets[self.phases_complete]

    def limits(self) -> dict[str, int]:
        """Each rule's limit on the crew (the capacity is their minimum)."""
        return {"berths": self._berths, "life_support": self._life_support,
                "return_seats": self.return_seats, "power": self._power_crew,
                "phase": self._phase_target()}

    def habitable_capacity(self) -> int:
        """Capacity without the lifeboat rule: what crew rotations aim to fill."""
        return min(self._module_limit, self._phase_target())

    def capacity(self) -> int:
        """Crew the station can hold now: the minimum over all rules."""
        return min(self.habitable_capacity(), self.return_seats)

    def capacities(self) -> tuple[int, int]:
        """``(habitable_capacity(), capacity())`` at once (the campaign asks after every change)."""
        hab, target, seats = self._module_limit, self._targets[self.phases_complete], self.return_seats
        if target < hab:  # min() of ints, without its call
            hab = target
        return hab, (seats if seats < hab else hab)

    def binding_rule(self) -> str:
        """The name of the rule that sets the capacity (first in :data:`RULES` on ties)."""
        lim = self.limits()
        return min(RULES, key=lambda r: lim[r])
