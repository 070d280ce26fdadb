"""The milestones a replication reports: their names, and the crew levels they watch.

Each is the first time (days since start; NaN if not within the horizon) that:

================================  ==========================================================
``first_crew``                    a crew is aboard
``room_for_N``                    the station could host N: berths, life support, power and
                                  the phase target allow it, crew ships aside
``capacity_N``                    it can, with the lifeboat rule (return seats docked) too
``phase_<n>_complete``            phase n is complete
================================  ==========================================================
"""

from __future__ import annotations

__all__ = ["MILESTONES", "CREW_LEVELS", "FIRST_CREW", "names", "crew_rules", "phase_complete"]

FIRST_CREW = "first_crew"

#: The crew levels N of ``room_for_N`` and ``capacity_N``.
CREW_LEVELS = (2, 4)


def phase_complete(number: int) -> str:
    return f"phase_{number}_complete"


def names(phase_numbers: tuple[int, ...], crew_levels: tuple[int, ...]) -> tuple[str, ...]:
    """The milestones of a plan, in report order: ``first_crew``, then ``room_for_N`` and
    ``capacity_N`` for each crew level N (ascending), then each phase's completion."""
    out = [FIRST_CREW]
    for n in crew_levels:
        out += [f"room_for_{n}", f"capacity_{n}"]
    return (*out, *(phase_complete(k) for k in phase_numbers))


def crew_rules(crew_levels: tuple[int, ...]) -> tuple[tuple[str, int, bool], ...]:
    """The crew milestones as ``(name, level, on_capacity)`` in the order a change checks them
    (and logs those it reaches): every ``capacity_N`` (the capacity with the lifeboat rule >= N),
    then every ``room_for_N`` (the habitable capacity >= N), levels ascending. ``first_crew`` is
    checked last, on the crew aboard."""
    return (*((f"capacity_{n}", n, True) for n in crew_levels),
            *((f"room_for_{n}", n, False) for n in crew_levels))


#: The milestones of the shipped scenarios (phases 1 and 2, crews of 2 and 4).
MILESTONES = names((1, 2), CREW_LEVELS)
