"""The crew rotation: crews ride crew ships, one "slot" per ship's worth of crew.

Slot ``j`` (seats ``s``): slot 0 flies once the station can hold ``min_crew``, slot ``j`` once it
can hold more than ``j * s``; each flight carries what the station can then hold (up to the
seats). A failed crew launch is an abort: the crew is safe and the flight is retried. The two
policies share the flight (:meth:`CrewPolicy.fly`: port, launch, rendezvous, docking, crew
aboard) and differ in when a slot flies and how long its crew stays:

* :class:`PermanentCrews`: a replacement is launched to arrive ``handover_overlap_days`` before
  the increment ends; the arriving crew replaces the departing one at docking (the departing ship
  stays docked for the overlap and holds its port, but its seats are its departing crew's: the
  lifeboat rule no longer counts them), and a crew whose replacement is late stays until its
  ship's docked life runs out.
* :class:`VisitingCrews`: a crew stays ``visit_days``, leaves, and the next visit flies
  ``days_between_visits`` later; the other slots' ships fly with slot 0's visits.

:class:`CrewRotation`, a part of the replication's model (:class:`rossim.campaign.model._Model`),
whose state (clock, station, ports, log, crew aboard) it shares, holds what happens to crew ships
whatever the policy: handovers, the end of a ship's docked life, undocking, crews sent home when
the capacity falls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .signals import broadcast

__all__ = ["CrewRotation", "CrewShip", "CrewPolicy", "PermanentCrews", "VisitingCrews", "crew_policy",
           "MANIFEST_SLOT"]

#: The key in the model's ``slots`` of the k-th crew flight of the manifest: below every rotation
#: slot, so that a fall in capacity sends the rotation's crews home first, then the manifest's
#: latest crews.
MANIFEST_SLOT = -1_000_000


@dataclass(slots=True)
class CrewShip:
    """A crew and its ship: aboard since ``docked_at``, ``n`` people (0 once gone), leaves at
    ``docked_at + life_days`` unless relieved earlier; the ship leaves ``overlap_days`` after
    a handover (never past ``life_days``). ``seats``: the return seats it gives the station while
    docked (a manifest flight's ship may give fewer than it has: ``return_seats``). ``ports``: where
    the ship may dock; ``relieved``: the crew is going home (its seats no longer the station's);
    ``undocked``: the ship has left."""

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
    leaving: bool = False  # a manifest resident crew in its handover overlap (still aboard)


class CrewPolicy:
    """What both policies do: the crews a slot wants, a crew flight, the crew aboard at the start.
    A policy reads and changes the model's state (``model``) and the crew plan (``plan``)."""

    def __init__(self, model, plan):
        self.m, self.plan = model, plan
        self.start_stay_days = 0.0  # what is left of the stay of the crew aboard at the start

    def wanted(self, j: int) -> int:
        """The crew slot ``j`` would fly now: none below ``min_crew`` (slot 0), else what the
        station can hold beyond the slots before it, up to the seats."""
        # m.last_habitable is the station's habitable capacity whenever a process runs: every
        # change of modules or phases is followed by update() before anything yields (it
        # spares two Station method calls in this hot loop).
        hab, plan = self.m.last_habitable, self.plan
        if j == 0 and hab < plan.min_crew:
            return 0
        room, seats = hab - j * plan.seats, plan.seats
        return 0 if room <= 0 else seats if room > seats else room  # max(0, min(seats, room)), no calls

    def fly(self, j: int, flight: int, current: CrewShip | None, joining: bool = False):
        """``got = yield from policy.fly(...)``: the ``flight``-th crew flight of slot ``j``:
        claim a port, launch, meet the station, dock, relieve ``current`` (a handover), and count
        the crew aboard. Returns ``(crew, stay_days)``, or None when the flight was called off,
        aborted, or has lost its port."""
        m, plan = self.m, self.plan
        env = m.env
        ship_id = f"{plan.ship}#{j}.{flight}"
        port = m.ports.take(plan.ports)  # m.ports.claim(), inlined: its generator costs more than this
        if port is None:
            port = yield m.ports.wait(plan.ports)
        ok = yield from m.launch(plan.launch_vehicle, plan.launch_site, ship_id, self.still_wanted(joining))
        if ok is None:
            m.release_port(port)
            m.log("flight_cancelled", ship_id, "the visit it was to join is over")
            return None
        if not ok:
            m.release_port(port)
            m.log("crew_aborted", ship_id, "launch failure; crew safe")
            return None
        yield env.sleep(m.draw(plan.rendezvous))
        if self.too_late(joining):
            m.release_port(port)
            m.log("flight_cancelled", ship_id, "arrived after the visit ended; returns")
            return None
        if port in m.dead_ports:  # its port left with its module during the approach
            port = m.ports.take_free(plan.ports)
            if port is None:
                m.log("flight_cancelled", ship_id, "its port has left the station; returns")
                return None
        if current is not None and current.n:
            m.hand_over(current)
        others = m.crew_aboard
        m.station.dock_crew_ship(plan.seats)
        n, room = self.wanted(j), m.last_habitable - others
        n = room if room < n else n  # max(0, min(wanted, room)), without the calls
        n = n if n > 0 else 0
        stay, crew = self.arrive(j, joining, CrewShip(ship_id, n, port, env.now, plan.seats, 0.0, 0.0, plan.ports))
        m.crew_aboard += n
        m.slots[j] = crew
        m.ships_at[port] = crew
        m.events.append((env.now, "crew_arrived", ship_id, f"{n} crew"))  # m.log, inlined (as m.after below)
        m.update()
        env.call_in(crew.life_days, m.life_ends, crew)
        return crew, stay

    def still_wanted(self, joining: bool):
        """A check of the flight on its launch day (None: none)."""
        return None

    def too_late(self, joining: bool) -> bool:
        """Whether a flight that has met the station is too late to dock."""
        return False

    def arrive(self, j: int, joining: bool, crew: CrewShip) -> tuple[float, CrewShip]:
        """``(stay_days, crew)`` with the crew's ``life_days`` and ``overlap_days`` set."""
        raise NotImplementedError  # pragma: no cover - abstract

    def start_crew(self) -> tuple[float, float]:
        """``(life_days, overlap_days)`` of the crew aboard at the start; sets ``start_stay_days``."""
        raise NotImplementedError  # pragma: no cover - abstract

    def crew_at_start(self) -> None:
        """Put ``crew_at_start`` aboard at the start, halfway through its stay, with one ship
        docked that has half its docked life left (if a port is free for it)."""
        m, plan = self.m, self.plan
        port = m.ports.take_free(plan.ports)
        if port is None:
            return
        m.station.dock_crew_ship(plan.seats)
        n = min(plan.crew_at_start, m.station.habitable_capacity())
        life, overlap = self.start_crew()
        crew = CrewShip(f"{plan.ship}#start", n, port, 0.0, plan.seats, life, overlap, plan.ports)
        m.slots[0] = crew
        m.ships_at[port] = crew
        m.crew_aboard += n
        m.log("crew_arrived", crew.ship_id, f"{n} crew (aboard at start)")
        m.after(crew.life_days, m.life_ends, crew)


class PermanentCrews(CrewPolicy):
    """Increments with handovers: each slot's next crew arrives ``handover_overlap_days`` before
    the current one's increment ends (judged with the expected rendezvous) and relieves it."""

    def slot(self, j: int):
        """The process of crew slot ``j``."""
        m, plan = self.m, self.plan
        env = m.env
        current: CrewShip | None = m.slots.get(j)  # a crew aboard at the start (slot 0)
        if current is not None:  # halfway through its stay: relieve it in time
            lead = self.start_stay_days - plan.handover_overlap_days - plan.rendezvous.expected
            if lead > 0:
                yield env.sleep(lead)
        flight = 0
        while True:
            while self.wanted(j) <= 0:
                yield m.changed
            flight += 1
            got = yield from self.fly(j, flight, current)
            if got is None:
                continue
            current, stay = got
            lead = stay - plan.handover_overlap_days - plan.rendezvous.expected
            if lead > 0:
                yield env.sleep(lead)

    def arrive(self, j, joining, crew):
        # the crew stays until relieved, at the latest when its ship must leave
        plan = self.plan
        crew.life_days, crew.overlap_days = plan.docked_life_days, plan.handover_overlap_days
        stay, life = self.m.draw(plan.increment), plan.docked_life_days
        return (life if life < stay else stay), crew  # min(stay, life), without the call

    def start_crew(self):
        plan = self.plan
        life = plan.docked_life_days / 2
        self.start_stay_days = min(plan.increment.expected / 2, life)
        return life, plan.handover_overlap_days


class VisitingCrews(CrewPolicy):
    """Visits: slot 0 starts a visit, its crew stays ``visit_days`` and leaves with its ship, and
    the next visit flies ``days_between_visits`` later; the other slots' ships join slot 0's
    visits (when there is room for more crew than one ship holds) and leave with them."""

    def __init__(self, model, plan):
        super().__init__(model, plan)
        self.starts = model.env.event()  # slot 0 launches a visit
        self.ends_at = -math.inf         # when the current visit ends

    def slot(self, j: int):
        """The process of crew slot ``j``."""
        m, plan = self.m, self.plan
        env = m.env
        joining = j > 0  # more crew than one ship holds: join slot 0's visit
        if m.slots.get(j) is not None:  # the crew at the start: visit again in time
            yield env.sleep(self.start_stay_days + m.draw(plan.between_visits))
        flight = 0
        while True:
            while self.wanted(j) <= 0:
                yield m.changed
            if joining:
                yield self.starts
                if self.wanted(j) <= 0:
                    continue
            else:
                self.ends_at = math.inf  # a visit starts; it ends when its crew has docked
                self.starts = broadcast(self.starts, env)
            flight += 1
            got = yield from self.fly(j, flight, None, joining)
            if got is None:
                continue
            _, stay = got
            # slot 0 sets the rhythm; the others wait for its next visit
            yield env.sleep(stay + (m.draw(plan.between_visits) if j == 0 else 0.0))

    def still_wanted(self, joining):
        return self.visit_open if joining else None

    def visit_open(self) -> bool:
        """Is the current visit still long enough to join? (a rendezvous and a day aboard left)"""
        return self.m.env.now + self.plan.rendezvous.expected + 1.0 < self.ends_at

    def too_late(self, joining):
        return joining and self.m.env.now >= self.ends_at

    def arrive(self, j, joining, crew):
        # the crew leaves after its visit (or with the visit it joined), its ship with it
        plan, now = self.plan, self.m.env.now
        if joining and math.isfinite(self.ends_at):
            stay = self.ends_at - now
        else:
            stay = self.m.draw(plan.visit)
        stay = min(stay, plan.docked_life_days)
        if j == 0:
            self.ends_at = now + stay
        crew.life_days, crew.overlap_days = stay, 0.0
        return stay, crew

    def start_crew(self):
        plan = self.plan
        self.start_stay_days = min(plan.visit.expected, plan.docked_life_days) / 2
        return self.start_stay_days, 0.0


def crew_policy(model, plan) -> CrewPolicy:
    """The policy of the crew plan ``plan`` for ``model``."""
    return (VisitingCrews if plan.visiting else PermanentCrews)(model, plan)


class CrewRotation:
    """What happens to crew ships whatever the policy (a part of the model), and the crew
    flights of the manifest."""

    __slots__ = ()  # the model's (:class:`rossim.campaign.model._Model`)

    def crew_flight(self, k: int, f):
        """The ``k``-th crew flight of the manifest (:class:`~.plan.CrewFlightPlan`): on its
        planned date plus its slip, claim a port, fly (a launch failure is an abort: the crew is
        safe and the flight flies again), meet the station, dock.

        A visit's crew stays ``stay_days``. A handover's crew is a resident: it relieves the
        residents aboard (the crews of earlier handover flights; only those it names when it gives
        ``relieves``, so that several resident crews overlap, each relieved in turn: ISS crews of
        two or three and a third member rotated by the Shuttle), and stays until relieved in turn
        or its stay ends. The arriving crew takes the room the relieved crews leave, and that of
        crews already going home in an open overlap (``min(crew, habitable - others + going +
        relieved)``: a second crew of the same exchange, as Soyuz MS-18's two, arriving while
        MS-17's three were leaving). When the station may hold both crews for
        a short overlap (``station.handover_crew_max``, and the return seats of every docked ship,
        the relieved crews' included) both stay aboard for ``handover_days``, then the relieved
        crews leave with their ships; otherwise the relieved crews leave at docking and their
        ships stay docked for the overlap, as in the rotation policy. With ``max_wait_days``
        the flight launches whether or not a port is free and waits for one in orbit that long at
        most; if none is freed it returns (logged ``flight_cancelled``)."""
        env, plan = self.env, self.plan
        ready = f.planned_days + self.draw(f.slip)
        if ready > env.now:
            yield env.sleep(ready - env.now)
        while True:
            if f.max_wait_days is None:
                port = yield from self.ports.claim(f.ports)
            else:  # a port if one is free now, else one is claimed in orbit
                port = self.ports.take_free(f.ports)
            ok = yield from self.launch(f.launch_vehicle, f.launch_site, f.name, None, f.launch_at)
            if ok:
                break
            if port is not None:
                self.release_port(port)
            self.log("crew_aborted", f.name, "launch failure; crew safe")
        yield env.sleep(self.draw(f.rendezvous))
        if port is None:  # launched before a port was free: wait for one in orbit, or return
            port = yield from self.wait_in_orbit(f.ports, f.max_wait_days)
            if port is None:
                self.log("flight_cancelled", f.name, f"no port freed within {f.max_wait_days:g} days in orbit; returns")
                return
        if port in self.dead_ports:  # its port left with its module during the approach
            port = self.ports.take_free(f.ports)
            if port is None:
                self.log("flight_cancelled", f.name, "its port has left the station; returns")
                return
        residents = [c for c in self.residents if c.n and not c.leaving
                     and (f.relieves is None or c.ship_id in f.relieves)] if f.handover else []
        relieved = sum(c.n for c in residents)
        # crews already going home in an open overlap leave their places to the newcomers too
        going = sum(c.n for c in self.residents if c.leaving) if self.handovers_open else 0
        others = self.crew_aboard
        self.station.dock_crew_ship(f.return_seats)
        n = max(0, min(f.crew, self.last_habitable - others + going + relieved))
        overlap = bool(residents) and others + n <= min(plan.handover_crew_max, self.station.return_seats)
        for c in residents:
            if overlap:  # both crews aboard for the overlap
                c.leaving = True
                self.handovers_open += 1
                self.overlap_seats += c.seats
                remaining = c.life_days - (env.now - c.docked_at)
                self.after(max(0.0, min(f.overlap_days, remaining)), self.end_overlap, c)
            else:
                c.overlap_days = min(f.overlap_days, c.life_days)
                self.hand_over(c)
        crew = CrewShip(f.name, n, port, env.now, f.return_seats, f.stay_days, f.overlap_days, f.ports)
        if f.handover:
            # the crews gone (n is 0 for good) count for nothing here again: kept, they made
            # each handover scan every resident crew since the start (a quadratic replay)
            self.residents = [c for c in self.residents if c.n]
            self.residents.append(crew)
        self.crew_aboard += n
        self.slots[MANIFEST_SLOT + k] = crew
        self.ships_at[port] = crew
        self.log("crew_arrived", f.name, f"{n} crew")
        self.update()
        self.after(crew.life_days, self.life_ends, crew)
        if f.relocate is not None:
            env.process(self.ship_relocation(crew, f.relocate))

    def end_overlap(self, crew: "CrewShip") -> None:
        """The handover overlap is over: the relieved crew leaves with its ship (unless its
        docked life ended first)."""
        self.handovers_open -= 1
        self.end_leaving(crew)
        if crew.relieved:
            self.update()
        else:
            self.life_ends(crew, " (handover)")

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

    def life_ends(self, crew: "CrewShip", why: str = "") -> None:
        """``crew.life_days`` after docking (or at the end of a manifest handover's overlap,
        ``why`` then saying so): the crew leaves (unless relieved or already sent home by a fall
        in capacity) and its ship undocks."""
        if crew.relieved:
            return  # hand_over has scheduled the undocking
        if crew.n:
            self.crew_aboard -= crew.n
            self.events.append((self.env.now, "crew_departed", crew.ship_id, f"{crew.n} crew{why}"))  # self.log
            crew.n = 0
        self.relieve(crew)
        self.undock_crew_ship(crew)
        self.update()

    def relieve(self, crew: "CrewShip") -> None:
        """``crew``'s ship is no longer one of the station's lifeboats: its crew is going home."""
        crew.relieved = True
        self.station.undock_crew_ship(crew.seats)
        self.end_leaving(crew)

    def end_leaving(self, crew: "CrewShip") -> None:
        """``crew``'s handover overlap is over (or its ship has gone): its seats leave the
        overlap's count, which the recorded capacity leaves out while it is open."""
        if crew.leaving:
            crew.leaving = False
            self.overlap_seats -= crew.seats

    def undock_crew_ship(self, crew: "CrewShip") -> None:
        """``crew``'s ship leaves its port (its seats were given up when its crew was relieved),
        unless it has already left with the module it was docked at."""
        if crew.undocked:
            return
        crew.undocked = True
        del self.ships_at[crew.port]
        if crew.port not in self.dead_ports:  # self.release_port(crew.port), inlined
            self.ports.put(crew.port)

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
