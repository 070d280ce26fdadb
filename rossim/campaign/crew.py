"""The crew rotation: crews ride crew ships, one "slot" per ship's worth of crew.

Slot ``j`` (seats ``s``): slot 0 flies once the station can hold ``min_crew``, slot ``j`` once it
can hold more than ``j * s``; each flight carries what the station can then hold (up to the
seats). Permanent mode: a replacement is launched to arrive ``handover_overlap_days`` before the
increment ends; the arriving crew replaces the departing one at docking (the departing ship stays
docked for the overlap and holds its port, but its seats are its departing crew's: the lifeboat
rule no longer counts them), and a crew whose replacement is late stays until its ship's docked
life runs out. Visiting mode: a crew stays ``visit_days``, leaves, and the next visit flies
``days_between_visits`` later; the other slots' ships fly with slot 0's visits. A failed crew
launch is an abort: the crew is safe and the flight is retried.

:class:`CrewRotation` is a part of the replication's model (:class:`rossim.campaign.model._Model`),
whose state (clock, station, ports, log, crew aboard) it shares.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .signals import broadcast

__all__ = ["CrewRotation", "CrewShip"]


@dataclass(slots=True)
class CrewShip:
    """A crew and its ship: aboard since ``docked_at``, ``n`` people (0 once gone), leaves at
    ``docked_at + life_days`` unless relieved earlier; the ship leaves ``overlap_days`` after
    a handover (never past ``life_days``). ``ports``: where the ship may dock; ``relieved``: the
    crew is going home (its seats no longer the station's); ``undocked``: the ship has left."""

    ship_id: str
    n: int
    port: str
    docked_at: float
    seats: int
    life_days: float
    overlap_days: float
    ports: frozenset[str]
    relieved: bool = False
    undocked: bool = False


class CrewRotation:
    """The crew slots' processes, handovers, departures (a part of the model)."""

    def crew_slot(self, j: int):
        env, draw, plan = self.env, self.draw, self.plan.crew
        st = self.station
        visiting = plan.visiting
        seats, ship_ports = plan.seats, plan.ports
        flight = 0
        current: CrewShip | None = self.slots.get(j)  # a crew aboard at the start (slot 0)

        def wanted() -> int:
            # self.last_habitable is st.habitable_capacity() whenever a process runs: every
            # change of modules or phases is followed by update() before anything yields (it
            # spares two Station method calls in this hot loop).
            hab = self.last_habitable
            if j == 0 and hab < plan.min_crew:
                return 0
            return max(0, min(seats, hab - j * seats))

        if current is not None:  # halfway through its stay: relieve it (or visit again) in time
            if visiting:
                yield env.timeout(self.start_stay_days + draw(plan.between_visits))
                current = None
            else:
                lead = self.start_stay_days - plan.handover_overlap_days - plan.rendezvous.expected
                if lead > 0:
                    yield env.timeout(lead)
        while True:
            while wanted() <= 0:
                yield self.changed
            joining = visiting and j > 0
            if joining:  # more crew than one ship holds: join slot 0's visit
                yield self.visit_starts
                if wanted() <= 0:
                    continue
            elif visiting:
                self.visit_ends_at = math.inf  # a visit starts; it ends when its crew has docked
                self.visit_starts = broadcast(self.visit_starts, env)
            flight += 1
            ship_id = f"{plan.ship}#{j}.{flight}"
            port = yield from self.ports.claim(ship_ports)
            ok = yield from self.launch(plan.launch_vehicle, plan.launch_site, ship_id,
                                        self.visit_open if joining else None)
            if ok is None:
                self.release_port(port)
                self.log("flight_cancelled", ship_id, "the visit it was to join is over")
                continue
            if not ok:
                self.release_port(port)
                self.log("crew_aborted", ship_id, "launch failure; crew safe")
                continue
            yield env.timeout(draw(plan.rendezvous))
            if joining and env.now >= self.visit_ends_at:
                self.release_port(port)
                self.log("flight_cancelled", ship_id, "arrived after the visit ended; returns")
                continue
            if port in self.dead_ports:  # its port left with its module during the approach
                port = self.ports.take_free(ship_ports)
                if port is None:
                    self.log("flight_cancelled", ship_id, "its port has left the station; returns")
                    continue
            if current is not None and current.n:
                self.hand_over(current)
            others = self.crew_aboard
            st.dock_crew_ship(seats)
            n = max(0, min(wanted(), self.last_habitable - others))
            life = plan.docked_life_days
            if joining and math.isfinite(self.visit_ends_at):
                stay = self.visit_ends_at - env.now  # leave with the visit it joined
            else:
                stay = draw(plan.visit) if visiting else draw(plan.increment)
            stay = min(stay, life)
            if visiting and j == 0:
                self.visit_ends_at = env.now + stay
            if visiting:  # the crew leaves after its visit, its ship with it
                crew = CrewShip(ship_id, n, port, env.now, seats, stay, 0.0, ship_ports)
            else:  # the crew stays until relieved, at the latest when its ship must leave
                crew = CrewShip(ship_id, n, port, env.now, seats, life, plan.handover_overlap_days, ship_ports)
            self.crew_aboard += n
            self.slots[j] = crew
            self.ships_at[port] = crew
            self.log("crew_arrived", ship_id, f"{n} crew")
            self.update()
            self.after(crew.life_days, self.life_ends, crew)
            if visiting:  # slot 0 sets the rhythm; the others wait for its next visit
                yield env.timeout(stay + (draw(plan.between_visits) if j == 0 else 0.0))
                current = None
            else:
                lead = stay - plan.handover_overlap_days - plan.rendezvous.expected
                if lead > 0:
                    yield env.timeout(lead)
                current = crew

    def visit_open(self) -> bool:
        """Visiting mode: is the current visit still long enough to join? (a rendezvous and a
        day aboard left)"""
        return self.env.now + self.plan.crew.rendezvous.expected + 1.0 < self.visit_ends_at

    def hand_over(self, crew: "CrewShip") -> None:
        """A replacement crew has docked: ``crew`` leaves it the station now. Its ship stays on
        its port for the handover overlap (or until its docked life runs out, if sooner), but its
        seats are the departing crew's way home: the lifeboat rule stops counting them now."""
        self.crew_aboard -= crew.n
        self.log("crew_departed", crew.ship_id, f"{crew.n} crew (handover)")
        crew.n = 0
        self.relieve(crew)
        remaining = crew.life_days - (self.env.now - crew.docked_at)
        self.after(max(0.0, min(crew.overlap_days, remaining)), self.undock_crew_ship, crew)

    def life_ends(self, crew: "CrewShip") -> None:
        """``crew.life_days`` after docking: the crew leaves (unless relieved or already sent
        home by a fall in capacity) and its ship undocks."""
        if crew.relieved:
            return  # hand_over has scheduled the undocking
        if crew.n:
            self.crew_aboard -= crew.n
            self.log("crew_departed", crew.ship_id, f"{crew.n} crew")
            crew.n = 0
        self.relieve(crew)
        self.undock_crew_ship(crew)
        self.update()

    def relieve(self, crew: "CrewShip") -> None:
        """``crew``'s ship is no longer one of the station's lifeboats: its crew is going home."""
        crew.relieved = True
        self.station.undock_crew_ship(crew.seats)

    def undock_crew_ship(self, crew: "CrewShip") -> None:
        """``crew``'s ship leaves its port (its seats were given up when its crew was relieved),
        unless it has already left with the module it was docked at."""
        if crew.undocked:
            return
        crew.undocked = True
        del self.ships_at[crew.port]
        self.release_port(crew.port)

    def _crew_at_start(self, plan) -> None:
        port = self.ports.take_free(plan.ports)
        if port is None:
            return
        self.station.dock_crew_ship(plan.seats)
        n = min(plan.crew_at_start, self.station.habitable_capacity())
        # The crew at the start is halfway through its increment (or visit); its ship has half
        # its docked life left.
        if plan.visiting:
            life = self.start_stay_days = min(plan.visit.expected, plan.docked_life_days) / 2
            overlap = 0.0
        else:
            life = plan.docked_life_days / 2
            self.start_stay_days = min(plan.increment.expected / 2, life)
            overlap = plan.handover_overlap_days
        crew = CrewShip(f"{plan.ship}#start", n, port, 0.0, plan.seats, life, overlap, plan.ports)
        self.slots[0] = crew
        self.ships_at[port] = crew
        self.crew_aboard += n
        self.log("crew_arrived", crew.ship_id, f"{n} crew (aboard at start)")
        self.after(crew.life_days, self.life_ends, crew)

    def _shed_crew(self, excess: int) -> None:
        """Capacity fell below the crew aboard (a module left, a phase target is lower): the
        excess crew leaves, from the last crew slot down; their ships stay docked as lifeboats."""
        for slot in sorted(self.slots, reverse=True):
            if excess <= 0:
                break
            crew = self.slots[slot]
            cut = min(crew.n, excess)
            if cut:
                crew.n -= cut
                excess -= cut
                self.crew_aboard -= cut
                self.log("crew_departed", crew.ship_id, f"{cut} crew (capacity fell)")
