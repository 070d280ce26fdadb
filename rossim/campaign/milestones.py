"""The milestones a replication reports, derived from the plan: their names, the crew levels
they watch, and how to read a name back.

Each is the first time (days since start; NaN if not within the horizon) that:

================================  ==========================================================
``first_crew``                    a crew is aboard
``room_for_N``                    the station could host N: berths, life support, power and
                                  the phase target allow it, crew ships aside
``capacity_N``                    it can, with the lifeboat rule (return seats docked) too
``phase_<n>_complete``            phase n is complete
================================  ==========================================================

The crew levels N are the distinct crew targets of the scenario's phases and the levels it adds
in ``simulation.crew_milestones`` (each at most the largest target: the phase target caps the
capacity), ascending. The shipped scenarios (phases 1 and 2, targets 2 and 4) report
``first_crew, room_for_2, capacity_2, room_for_4, capacity_4, phase_1_complete,
phase_2_complete``.
"""

from __future__ import annotations

import re

__all__ = ["FIRST_CREW", "names", "crew_levels", "of_scenario", "crew_rules", "phase_complete", "parse", "from_names"]

FIRST_CREW = "first_crew"

_NAME = re.compile(r"(room_for|capacity)_([1-9]\d*)|phase_([1-9]\d*)_complete")


def phase_complete(number: int) -> str:
    return f"phase_{number}_complete"


def crew_levels(phase_targets, extra_levels=()) -> tuple[int, ...]:
    """The crew levels N of ``room_for_N`` and ``capacity_N``: the distinct phase crew targets and
    the extra levels, ascending."""
    return tuple(sorted({*phase_targets, *extra_levels}))


def names(phase_numbers, levels) -> tuple[str, ...]:
    """The milestones of a plan, in report order: ``first_crew``, then ``room_for_N`` and
    ``capacity_N`` for each crew level N (ascending), then each phase's completion."""
    out = [FIRST_CREW]
    for n in levels:
        out += [f"room_for_{n}", f"capacity_{n}"]
    return (*out, *(phase_complete(k) for k in phase_numbers))


def of_scenario(scenario) -> tuple[str, ...]:
    """The milestones a replication of ``scenario`` reports (without compiling its plan)."""
    return names([p.number for p in scenario.phases],
                 crew_levels([p.crew_target for p in scenario.phases], scenario.simulation.crew_milestones))


def crew_rules(levels) -> tuple[tuple[str, int, bool], ...]:
    """The crew milestones as ``(name, level, on_capacity)`` in the order a change checks them
    (and logs those it reaches): every ``capacity_N`` (the capacity with the lifeboat rule >= N),
    then every ``room_for_N`` (the habitable capacity >= N), levels ascending. ``first_crew`` is
    checked last, on the crew aboard."""
    return (*((f"capacity_{n}", n, True) for n in levels),
            *((f"room_for_{n}", n, False) for n in levels))


def parse(name: str) -> tuple[str, int | None] | None:
    """``("first_crew", None)``, ``("room_for", N)``, ``("capacity", N)``, ``("phase", n)``, or
    None when ``name`` is not a milestone name."""
    if name == FIRST_CREW:
        return FIRST_CREW, None
    m = _NAME.fullmatch(name)
    if m is None:
        return None
    return ("phase", int(m[3])) if m[3] else (m[1], int(m[2]))


def from_names(milestones) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """``(phase numbers, crew levels)`` of a list of milestone names, if it is exactly what
    :func:`names` gives for them, in its order; None otherwise (an unknown name, a level without
    its pair, phases out of order, no ``first_crew``)."""
    parsed = [parse(m) for m in milestones]
    if any(p is None for p in parsed):
        return None
    phases = [n for kind, n in parsed if kind == "phase"]
    levels = sorted({n for kind, n in parsed if kind in ("room_for", "capacity")})
    if sorted(set(phases)) != phases or tuple(milestones) != names(phases, levels):
        return None
    return tuple(phases), tuple(levels)
