"""The SimPy model of one replication of the assembly campaign.

Simulated time is float days since the scenario's start (``simulation.start``, 00:00 UTC).
One call of :func:`simulate` runs one replication with one :class:`numpy.random.Generator` and
returns a :class:`Replication`: the event log, the milestones, the crew-capacity and crew-aboard
step functions, and counts.

What happens, in order, for each module: it becomes ready (planned date + slip); it waits for
its target module to be docked and reserves its docking port (first come, first served among
the flights wanting that port: :class:`_Ports`); it books its launch vehicle and launch site
(first come, first served) at the first launch opportunity (daily at 00:00 UTC, or when the site
passes through the orbit plane: :mod:`rossim.windows`) that respects the vehicle's cadence, the
pad's turnaround, stand-downs after failures and pad outages; a scrub moves it to the next
opportunity; it launches (success with the vehicle's probability, drawn once per replication
when the scenario gives a distribution); a loss frees the port and triggers the rebuild policy
(rebuild after a delay, or drop the module from the plan); after the rendezvous it tries to dock
(each attempt succeeds with a probability, failed attempts are retried after a delay; a module
that runs out of attempts counts as lost); once docked its ports open, and after commissioning
it adds its berths, life support and power to the station. A module with nothing to dock to (the
core, or a module flying free because its target has left) has no rendezvous and no docking: it
is in orbit, "docked" as the station, when its launch succeeds.

A dropped module takes with it, at once, every module that was to dock to it (logged "dropped",
"X was dropped"), and so on down the docking tree, except a module whose ``if_target_departs`` is
``"free_flyer"``: that one flies free as the new core when it comes to fly, exactly as when its
target has left the station before it came. A phase is complete when each of its modules is
commissioned or dropped and at least one is commissioned: the plan goes on without what it gave
up, but a phase with nothing built never completes (nor do the phases after it).

Crews ride crew ships. A crew "slot" ``j`` is one ship's worth of crew (seats ``s``): slot 0 flies
once the station can hold ``min_crew``, slot ``j`` once it can hold more than ``j * s``; each
flight carries what the station can then hold (up to the seats). In permanent mode a
replacement is launched to arrive ``handover_overlap_days`` before the increment ends; the
arriving crew replaces the departing one at docking (the departing ship stays docked for the
overlap and holds its port, but its seats are its departing crew's: the lifeboat rule no longer
counts them), and a crew whose replacement is late stays until its ship's docked life runs out.
In visiting mode a crew stays ``visit_days``, leaves, and the next visit flies
``days_between_visits`` later; the other slots' ships fly with slot 0's visits. A failed crew
launch is an abort: the crew is safe and the flight is retried.

A module that leaves the station takes its ports with it. A ship docked at one of them moves
first to a free port of the remaining station that it may use (crew ships first, then cargo
ships, in the order of the module's ports; logged "relocated"), or leaves with the module, and
its crew with it: crew aboard and return seats drop at once. A ship whose port leaves while it
is on its way docks at another free port it may use, or returns.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np
import simpy

from ..scenario import Scenario
from . import milestones
from .plan import FIXED, TRIANGULAR, UNIFORM, Draw, Plan
from .station import Station

__all__ = ["Plan", "Replication", "simulate", "MILESTONES", "EVENT_KINDS"]

#: Milestones of the shipped scenarios (days since start; NaN if not reached in the horizon);
#: a plan's own are :attr:`Plan.milestones` (see :mod:`.milestones`).
MILESTONES = milestones.MILESTONES

EVENT_KINDS = (
    "ready", "launch", "launch_failure", "scrub", "pad_outage", "docked", "docking_failed",
    "commissioned", "module_lost", "rebuild", "dropped", "free_flyer", "departed", "crew_arrived",
    "crew_departed", "crew_aborted", "flight_cancelled", "cargo_docked", "cargo_undocked",
    "relocated", "phase_complete", "milestone",
)

#: Times closer than this (about 0.1 ms) are the same instant: guards float round-off.
_EPS_DAYS = 1e-9

#: Uniform numbers drawn from a replication's Generator at a time (a replication uses ~400).
_UNIFORM_BLOCK = 256


def _uniforms(rng: np.random.Generator):
    """Uniform numbers on [0, 1) from ``rng``, a block at a time: one NumPy call per block
    instead of one per draw (``rng.random()`` costs ~0.4 us, ``next`` of this ~0.05 us). Still
    a function of the replication's stream alone, so independent of workers and chunking."""
    while True:
        yield from rng.random(_UNIFORM_BLOCK).tolist()



@dataclass
class Replication:
    """Outcome of one replication. Times are days since the scenario start."""

    index: int
    events: list[tuple[float, str, str, str]]
    milestones: dict[str, float]
    module_ready: dict[str, float]
    module_docked: dict[str, float]
    module_lost: dict[str, int]
    capacity_t: np.ndarray
    capacity: np.ndarray
    crew_aboard: np.ndarray
    person_days: float
    fraction_crewed: float
    launches: int
    losses: int
    horizon_days: float


def _signal(event: simpy.Event, env: simpy.Environment) -> simpy.Event:
    """Wake the processes waiting on ``event`` (a broadcast: "capacity changed", "a visit
    starts") and return the fresh event later waiters wait on.

    With nobody waiting nothing is scheduled: no one can wait on ``event`` any more (waiters
    only ever see the fresh one), so succeeding it would be an event processed for nothing
    (~50 a replication, when there were ~460). Skipping it changes no order: the events left keep their
    relative order in the queue, only their ids are smaller.
    """
    if event.callbacks:
        event.succeed()
    return env.event()


class _Launcher:
    """A launch vehicle or a launch site: when it is next free (booked) and next usable, and
    its spec's numbers that every launch reads (kept here to spare the look-ups).

    A booking holds the launcher from its date for ``gap_days`` (cadence or turnaround). A flight
    that moves (scrub, stand-down) gives up its booking for a later one; when a flight is called
    off its booking is cancelled, and the launcher is then next free as if it had never been
    booked (flights booked after it keep their dates)."""

    __slots__ = ("next_free", "blocked_until", "last_launch", "bookings", "gap_days", "scrub_p",
                 "outage_p", "spec", "windows")

    def __init__(self, gap_days: float, spec, scrub_p: float = 0.0, outage_p: float = 0.0,
                 windows: list[float] | None = None):
        self.next_free = 0.0       # booked until (cadence or turnaround after the last booking)
        self.blocked_until = 0.0   # stand-down after a failure, or pad outage
        self.last_launch = -math.inf
        self.bookings: list[float] = []  # dates of the flights booked and not yet flown
        self.gap_days = gap_days
        self.spec = spec           # the LaunchVehicle or LaunchSite
        self.scrub_p = scrub_p
        self.outage_p = outage_p
        self.windows = windows     # a site's launch opportunities (days), None: daily at 00:00

    def book(self, t: float) -> None:
        self.bookings.append(t)
        if t + self.gap_days > self.next_free:
            self.next_free = t + self.gap_days

    def unbook(self, t: float) -> None:
        """The flight booked at ``t`` has flown, or moves to a later booking."""
        self.bookings.remove(t)

    def cancel(self, t: float) -> None:
        """The flight booked at ``t`` is off: free the launcher as if it had never been booked."""
        self.bookings.remove(t)
        self.next_free = max(0.0, self.last_launch + self.gap_days, *(b + self.gap_days for b in self.bookings))

    def opportunity(self, t: float) -> float:
        """The site's first launch opportunity at or after ``t`` (days; inf if none is left)."""
        if self.windows is None:
            return math.ceil(t - _EPS_DAYS)
        k = bisect.bisect_left(self.windows, t - _EPS_DAYS)
        return self.windows[k] if k < len(self.windows) else math.inf


class _Ports:
    """The free docking ports and the flights waiting for one, first come, first served.

    The same rules and the same order as a :class:`simpy.FilterStore` of port names (a flight
    takes the first free port it may use, in the order the ports were freed; freed ports go to
    the waiting flights in the order they started waiting), without its get and put events:
    those were a quarter of the SimPy events of a replication. A flight that finds a port free
    takes it at once when nothing else is due at this instant (a get event would resume it
    straight away); otherwise it gets an already-succeeded event and resumes, as with the store,
    after the processes due before it, e.g. a waiting flight just handed a port, which came first
    and so must book its launch first.
    """

    __slots__ = ("env", "free", "waiting")

    def __init__(self, env: simpy.Environment):
        self.env = env
        self.free: list[str] = []
        self.waiting: list[tuple[frozenset[str], simpy.Event]] = []

    def claim(self, allowed: frozenset[str]):
        """``port = yield from ports.claim(allowed)``: a port now if one is free, else when one is."""
        port = self.take(allowed)
        if port is None:
            port = yield self.wait(allowed)
        return port

    def take(self, allowed: frozenset[str]) -> str | None:
        """The first free port in ``allowed``, reserved now; None if none is free or if other
        events are due at this instant (the caller then gets its port through :meth:`wait`)."""
        env = self.env
        if env.peek() <= env.now:
            return None
        for port in self.free:
            if port in allowed:
                self.free.remove(port)
                return port
        return None

    def wait(self, allowed: frozenset[str]) -> simpy.Event:
        """An event that succeeds with a port in ``allowed``: now (resuming the caller after the
        flights served before it) if one is free, else when one is freed for this flight."""
        event = self.env.event()
        port = self.take_free(allowed)
        if port is None:
            self.waiting.append((allowed, event))
        else:
            event.succeed(port)
        return event

    def take_free(self, allowed: frozenset[str]) -> str | None:
        """The first free port in ``allowed``, reserved now whatever else is due (set-up)."""
        for port in self.free:
            if port in allowed:
                self.free.remove(port)
                return port
        return None

    def put(self, *ports: str) -> None:
        """Free ``ports`` (all at once: a docking module opens several), then serve the waiting
        flights in the order they came, each the first free port it may use."""
        self.free.extend(ports)
        if self.waiting:
            still = []
            for allowed, event in self.waiting:
                port = self.take_free(allowed)
                if port is None:
                    still.append((allowed, event))
                else:
                    event.succeed(port)
            self.waiting = still


class _Model:
    def __init__(self, plan: Plan, rng: np.random.Generator, index: int):
        self.plan, self.rng, self.index = plan, rng, index
        self.env = env = simpy.Environment()
        self.events: list[tuple[float, str, str, str]] = []
        self.station = Station(plan.phase_targets, plan.power_base_kw, plan.power_per_crew_kw)
        self.ports = _Ports(env)
        self.dead_ports: set[str] = set()
        self.ships_at: dict[str, _Crew | _Cargo] = {}  # the ship docked at each occupied port
        self.vehicles = {k: _Launcher(v.gap_days, v) for k, v in plan.vehicles.items()}
        self.sites = {k: _Launcher(s.gap_days, s, s.scrub_probability, s.outage_probability, s.windows)
                      for k, s in plan.sites.items()}
        self.uniform = _uniforms(rng).__next__
        self.p_success = {k: min(max(float(self.draw(v.success_probability)), 0.0), 1.0)
                          for k, v in plan.vehicles.items()}
        # Succeeds when the module docks, or when it is dropped (its dependants then find it in
        # self.dropped and never wait for it again).
        self.docked = {k: env.event() for k in plan.modules}
        self.module_ready: dict[str, float] = {}
        self.module_docked: dict[str, float] = {}
        self.module_lost = {k: 0 for k in plan.modules}
        self.dropped: set[str] = set()
        self.departed: set[str] = set()
        self.commissioned: set[str] = set()
        self.milestones = {m: math.nan for m in plan.milestones}
        # the milestones update() sets (phases are set by check_phases), in the order it checks them
        self.crew_rules = milestones.crew_rules(plan.crew_levels)
        self.unreached = {name for name, _, _ in self.crew_rules} | {milestones.FIRST_CREW}
        self.launches = self.losses = 0
        self.crew_aboard = 0
        self.changed = env.event()
        self.visit_starts = env.event()  # visiting mode: slot 0 launches a visit
        self.visit_ends_at = -math.inf   # visiting mode: when the current visit ends
        self.last_habitable = 0
        self.first_crew = env.event()
        self.cap_t: list[float] = [0.0]
        self.cap: list[int] = [0]
        self.aboard: list[int] = [0]

    # ------------------------------------------------------------------ bookkeeping
    def draw(self, d: Draw) -> float:
        """A sample of ``d``. Fixed, uniform and triangular ones (nearly every draw of a
        replication) are computed here from one of :func:`_uniforms`, by the same transforms
        NumPy's ``Generator.uniform`` and ``Generator.triangular`` apply to one uniform double;
        a call of those costs 1.2-1.6 us, this 0.3 us. Other kinds ask their distribution."""
        kind = d.kind
        if kind == FIXED:
            return d.low
        if kind == TRIANGULAR:
            u = self.uniform()
            if u <= d.cut:
                return d.low + math.sqrt(u * d.left)
            return d.high - math.sqrt((1.0 - u) * d.right)
        if kind == UNIFORM:
            return d.low + d.span * self.uniform()
        return d.sample(self.rng)

    def log(self, kind: str, subject: str, detail: str = "") -> None:
        self.events.append((self.env.now, kind, subject, detail))

    def update(self) -> None:
        """Record capacity and crew after any change; fire milestones; wake waiting crews."""
        now = self.env.now
        hab, cap = self.station.capacities()
        if self.crew_aboard > cap:
            self._shed_crew(self.crew_aboard - cap)
        if self.cap_t[-1] == now:
            self.cap[-1], self.aboard[-1] = cap, self.crew_aboard
        else:
            self.cap_t.append(now)
            self.cap.append(cap)
            self.aboard.append(self.crew_aboard)
        unreached = self.unreached
        if unreached:  # empty early in most replications: then the tests are spared
            for name, level, on_capacity in self.crew_rules:
                if (cap if on_capacity else hab) >= level and name in unreached:
                    self.reach(name)
            if self.crew_aboard > 0 and milestones.FIRST_CREW in unreached:
                self.reach(milestones.FIRST_CREW)
                self.first_crew.succeed()
        if hab != self.last_habitable:  # wake the crew slots waiting for room
            self.last_habitable = hab
            self.changed = _signal(self.changed, self.env)

    def reach(self, milestone: str) -> None:
        self.unreached.discard(milestone)
        self.milestones[milestone] = self.env.now
        self.log("milestone", milestone)

    def check_phases(self) -> None:
        """Complete the phases whose modules are all commissioned or dropped, in order. A phase
        completes without its dropped modules (the scenario said they may be given up), but not
        with none of its modules commissioned: a phase with nothing built never completes."""
        st = self.station
        while st.phases_complete < len(self.plan.phase_modules):
            modules = self.plan.phase_modules[st.phases_complete]
            built = [k for k in modules if k in self.commissioned]
            if not built or len(built) + sum(k in self.dropped for k in modules) < len(modules):
                break
            st.phases_complete += 1
            number = self.plan.phase_numbers[st.phases_complete - 1]
            without = [k for k in modules if k in self.dropped]
            self.log("phase_complete", f"phase_{number}", f"without {', '.join(without)}" if without else "")
            key = milestones.phase_complete(number)
            if key in self.milestones and math.isnan(self.milestones[key]):
                self.milestones[key] = self.env.now
        self.update()

    # ------------------------------------------------------------------ launches
    def launch(self, vehicle_id: str, site_id: str, subject: str, still_wanted=None):
        """Book the vehicle and the pad, wait for the day, fly; ``yield from`` it. Returns
        success, or None when ``still_wanted()`` (checked on the day) says the flight is off.

        Bookings are first come, first served: a flight takes the first launch opportunity at
        which both the vehicle (cadence, stand-down) and the pad (turnaround, outage) are free,
        and holds them from then on; a flight called off on its day gives them back. A failure
        or a pad outage discovered meanwhile moves the later bookings when they come due, and so
        does a scrubbed flight that moved to the next opportunity: on its day every flight checks
        the vehicle's cadence and the pad's turnaround against the launches that actually
        happened.
        """
        env, u, draw = self.env, self.uniform, self.draw
        vehicle, site = self.vehicles[vehicle_id], self.sites[site_id]
        t = env.now
        booked = False
        while True:
            if not booked:  # first opportunity when vehicle and pad are both free
                t = site.opportunity(max(t, vehicle.next_free, vehicle.blocked_until,
                                         site.next_free, site.blocked_until))
                vehicle.book(t)
                site.book(t)
                booked = True
            now = env.now
            if t > now:
                yield env.timeout(t - now)
                now = env.now
            if now + _EPS_DAYS < max(vehicle.blocked_until, site.blocked_until,
                                     vehicle.last_launch + vehicle.gap_days,
                                     site.last_launch + site.gap_days):
                vehicle.unbook(t)  # grounded, pad damaged, or a scrubbed flight flew in our gap
                site.unbook(t)
                booked = False
                continue
            if still_wanted is not None and not still_wanted():
                vehicle.cancel(t)
                site.cancel(t)
                return None
            vehicle.unbook(t)
            site.unbook(t)
            if site.scrub_p and u() < site.scrub_p:
                self.log("scrub", subject, site_id)
                t = site.opportunity(now + 2 * _EPS_DAYS)  # the next opportunity after now
                vehicle.book(t)
                site.book(t)
                continue
            break
        vehicle.last_launch = site.last_launch = now
        self.launches += 1
        success = u() < self.p_success[vehicle_id]
        if site.outage_p and u() < site.outage_p:
            days = draw(site.spec.outage)
            site.blocked_until = now + days
            self.log("pad_outage", site_id, f"{days:.0f} days")
        route = self.plan.routes[vehicle_id, site_id]
        if success:
            self.log("launch", subject, route)
        else:
            self.losses += 1
            days = draw(vehicle.spec.stand_down)
            vehicle.blocked_until = max(vehicle.blocked_until, now + days)
            self.log("launch_failure", subject, f"{route}; stand-down {days:.0f} days")
        return success

    # ------------------------------------------------------------------ modules
    def module(self, mid: str):
        env, u, draw, m = self.env, self.uniform, self.draw, self.plan.modules[mid]
        ready = m.ready_days + draw(m.slip)
        if ready > env.now:
            yield env.timeout(ready - env.now)
        if mid in self.dropped:  # with the module it docks to, meanwhile
            return
        self.module_ready[mid] = env.now
        self.log("ready", mid)
        docks_to, target = m.docks_to, m.target
        while True:
            port = still_there = None
            if docks_to is not None:
                yield self.docked[target]
                if mid in self.dropped:  # with its target, while it waited for it
                    return
                if target not in self.departed and target not in self.dropped:
                    port = yield from self.ports.claim(frozenset((docks_to,)))
                if port is None:  # e.g. the ISS segment left before this module came
                    if not self.target_gone(mid, target):
                        return
                    docks_to = None
                else:  # checked on the launch day
                    still_there = lambda: target not in self.departed
            ok = yield from self.launch(m.launch_vehicle, m.launch_site, mid, still_there)
            if ok is None:  # its target left before its launch day: it did not fly
                if not self.target_gone(mid, target):
                    return
                docks_to = None
                continue
            if ok and docks_to is not None:  # a module with no target (a core) is in orbit now
                yield env.timeout(draw(m.rendezvous))
                for attempt in range(m.max_docking_attempts):
                    if target in self.departed:  # it left while this module was on its way
                        if not self.target_gone(mid, target):
                            return
                        docks_to = None
                        break
                    if u() < m.docking_success_probability:
                        break
                    self.log("docking_failed", mid, f"attempt {attempt + 1}")
                    if attempt + 1 < m.max_docking_attempts:
                        yield env.timeout(draw(m.docking_retry))
                else:
                    ok = False
            if ok:
                break
            if port is not None:
                self.release_port(port)
            self.module_lost[mid] += 1
            self.log("module_lost", mid)
            if m.drop_on_loss:
                self.drop(mid)
                self.check_phases()
                return
            yield env.timeout(draw(m.rebuild))
            self.log("rebuild", mid)
        self.dock_module(mid, docks_to)
        yield env.timeout(draw(m.commissioning))
        self.commission(mid)

    def target_gone(self, mid: str, target: str) -> bool:
        """``mid``'s target has left the station or was dropped: ``mid`` flies free as the new
        core (True: the caller goes on with no target) or is dropped (False), as the scenario's
        ``if_target_departs`` says."""
        why = f"{target} has left the station" if target in self.departed else f"{target} was dropped"
        if self.plan.modules[mid].free_flyer_if_target_departs:
            self.log("free_flyer", mid, f"{why}; it becomes the core")
            return True
        self.drop(mid, why)
        self.check_phases()
        return False

    def drop(self, mid: str, why: str = "") -> None:
        """Drop ``mid`` from the plan, and with it, now, every module that was to dock to it,
        unless that module may fly free (``if_target_departs = "free_flyer"``: it does so when
        it comes to fly). A dropped module never docked, so nothing docked to it yet."""
        self.dropped.add(mid)
        self.log("dropped", mid, why)
        modules = self.plan.modules
        for dep in modules[mid].dependants:
            if dep not in self.dropped and not modules[dep].free_flyer_if_target_departs:
                self.drop(dep, f"{mid} was dropped")
        self.docked[mid].succeed()  # wakes the modules waiting for it

    def dock_module(self, mid: str, docks_to: str | None) -> None:
        self.module_docked[mid] = self.env.now
        self.log("docked", mid, docks_to or "")
        self.ports.put(*self.plan.modules[mid].ports)
        self.docked[mid].succeed()

    def commission(self, mid: str) -> None:
        self.station.commission(mid, self.plan.modules[mid].contribution)
        self.commissioned.add(mid)
        self.log("commissioned", mid)
        self.check_phases()

    def departure(self, mid: str, at_days: float):
        yield self.env.timeout(at_days)
        if mid not in self.commissioned:
            return
        self.departed.add(mid)
        self.station.remove(mid)
        self.commissioned.discard(mid)
        gone = self.plan.modules[mid].ports
        self.dead_ports.update(gone)
        self.ports.free[:] = [p for p in self.ports.free if p not in self.dead_ports]
        self.log("departed", mid)
        ships = [self.ships_at.pop(p) for p in gone if p in self.ships_at]
        ships.sort(key=lambda ship: not isinstance(ship, _Crew))  # crew ships first, in port order
        for ship in ships:
            self.move_or_leave(ship, mid)
        self.update()

    def move_or_leave(self, ship: "_Crew | _Cargo", mid: str) -> None:
        """``ship`` is docked at a port of ``mid``, which leaves: it moves first to a free port of
        the remaining station that it may use, or it leaves with ``mid``, and its crew with it
        (a relieved crew's ship, only waiting to undock, just leaves)."""
        relieved = isinstance(ship, _Crew) and ship.relieved
        port = None if relieved else self.ports.take_free(ship.ports)
        if port is not None:
            self.log("relocated", ship.ship_id, f"{ship.port} -> {port} ({mid} leaves)")
            ship.port = port
            self.ships_at[port] = ship
            return
        ship.undocked = True
        if not isinstance(ship, _Crew):
            self.log("cargo_undocked", ship.ship_id, f"{ship.port} (left with {mid})")
        elif not relieved:
            if ship.n:
                self.crew_aboard -= ship.n
                self.log("crew_departed", ship.ship_id, f"{ship.n} crew (left with {mid})")
                ship.n = 0
            self.relieve(ship)

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

    def release_port(self, port: str) -> None:
        if port not in self.dead_ports:
            self.ports.put(port)

    # ------------------------------------------------------------------ crew
    def crew_slot(self, j: int):
        env, draw, plan = self.env, self.draw, self.plan.crew
        st = self.station
        visiting = plan.visiting
        seats, ship_ports = plan.seats, plan.ports
        flight = 0
        current: _Crew | None = self.slots.get(j)  # a crew aboard at the start (slot 0)

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
                self.visit_starts = _signal(self.visit_starts, env)
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
                crew = _Crew(ship_id, n, port, env.now, seats, stay, 0.0, ship_ports)
            else:  # the crew stays until relieved, at the latest when its ship must leave
                crew = _Crew(ship_id, n, port, env.now, seats, life, plan.handover_overlap_days, ship_ports)
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

    def after(self, days: float, action, *args) -> None:
        """Call ``action(*args)`` in ``days``: a Timeout with a callback, one SimPy event where a
        process doing the same costs three (start, timeout, end); for one-shot actions."""
        self.env.timeout(days).callbacks.append(lambda _event: action(*args))

    def hand_over(self, crew: "_Crew") -> None:
        """A replacement crew has docked: ``crew`` leaves it the station now. Its ship stays on
        its port for the handover overlap (or until its docked life runs out, if sooner), but its
        seats are the departing crew's way home: the lifeboat rule stops counting them now."""
        self.crew_aboard -= crew.n
        self.log("crew_departed", crew.ship_id, f"{crew.n} crew (handover)")
        crew.n = 0
        self.relieve(crew)
        remaining = crew.life_days - (self.env.now - crew.docked_at)
        self.after(max(0.0, min(crew.overlap_days, remaining)), self.undock_crew_ship, crew)

    def life_ends(self, crew: "_Crew") -> None:
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

    def relieve(self, crew: "_Crew") -> None:
        """``crew``'s ship is no longer one of the station's lifeboats: its crew is going home."""
        crew.relieved = True
        self.station.undock_crew_ship(crew.seats)

    def undock_crew_ship(self, crew: "_Crew") -> None:
        """``crew``'s ship leaves its port (its seats were given up when its crew was relieved),
        unless it has already left with the module it was docked at."""
        if crew.undocked:
            return
        crew.undocked = True
        del self.ships_at[crew.port]
        self.release_port(crew.port)

    # ------------------------------------------------------------------ cargo
    def cargo(self, cid: str):
        env, draw, c = self.env, self.draw, self.plan.cargo[cid]
        first = c.first_flight_days
        if first is None:
            yield self.first_crew
        elif first > env.now:
            yield env.timeout(first - env.now)
        interval, cargo_ports = c.interval_days, c.ports
        flight = 0
        while True:
            next_at = env.now + interval
            flight += 1
            ship_id = f"{cid}#{flight}"
            port = yield from self.ports.claim(cargo_ports)
            ok = yield from self.launch(c.launch_vehicle, c.launch_site, ship_id)
            if ok:
                yield env.timeout(draw(c.rendezvous))
                if port in self.dead_ports:  # its port left with its module during the approach
                    port = self.ports.take_free(cargo_ports)
                if port is None:
                    self.log("flight_cancelled", ship_id, "its port has left the station")
                else:
                    self.log("cargo_docked", ship_id, port)
                    ship = self.ships_at[port] = _Cargo(ship_id, port, cargo_ports)
                    self.after(draw(c.docked), self.cargo_undocks, ship)
            else:
                self.release_port(port)
            if next_at > env.now:
                yield env.timeout(next_at - env.now)

    def cargo_undocks(self, ship: "_Cargo") -> None:
        if ship.undocked:  # it left with the module it was docked at
            return
        ship.undocked = True
        del self.ships_at[ship.port]
        self.log("cargo_undocked", ship.ship_id, ship.port)
        self.release_port(ship.port)

    # ------------------------------------------------------------------ run
    def run(self) -> Replication:
        env, plan = self.env, self.plan
        self.slots: dict[int, _Crew] = {}
        for mid, m in plan.modules.items():
            if m.present_at_start:
                self.dock_module(mid, m.docks_to)
                self.commission(mid)
        for mid, m in plan.modules.items():
            if not m.present_at_start:
                env.process(self.module(mid))
            if m.departs_days is not None:
                env.process(self.departure(mid, m.departs_days))
        if plan.crew is not None:
            if plan.crew.crew_at_start:
                self._crew_at_start(plan.crew)
            max_slots = max(plan.phase_targets)
            for j in range(math.ceil(max_slots / plan.crew.seats)):
                env.process(self.crew_slot(j))
        for cid in plan.cargo:
            env.process(self.cargo(cid))
        self.update()
        env.run(until=self.plan.horizon_days)
        return self._result()

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
        crew = _Crew(f"{plan.ship}#start", n, port, 0.0, plan.seats, life, overlap, plan.ports)
        self.slots[0] = crew
        self.ships_at[port] = crew
        self.crew_aboard += n
        self.log("crew_arrived", crew.ship_id, f"{n} crew (aboard at start)")
        self.after(crew.life_days, self.life_ends, crew)

    def _result(self) -> Replication:
        h = self.plan.horizon_days
        t = np.array(self.cap_t + [h])
        aboard = np.array(self.aboard, dtype=float)
        dt = np.diff(t)
        return Replication(
            index=self.index, events=self.events, milestones=dict(self.milestones),
            module_ready=self.module_ready, module_docked=self.module_docked,
            module_lost=self.module_lost,
            capacity_t=np.array(self.cap_t), capacity=np.array(self.cap, dtype=np.int16),
            crew_aboard=np.array(self.aboard, dtype=np.int16),
            person_days=float(np.dot(aboard, dt)),
            fraction_crewed=float(dt[aboard > 0].sum() / h),
            launches=self.launches, losses=self.losses, horizon_days=h,
        )


@dataclass(slots=True)
class _Crew:
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


@dataclass(slots=True)
class _Cargo:
    """A docked cargo ship, at ``port``, that may dock at ``ports``; ``undocked`` once it has left."""

    ship_id: str
    port: str
    ports: frozenset[str]
    undocked: bool = False


def simulate(plan: Plan | Scenario, rng: np.random.Generator, index: int = 0) -> Replication:
    """Run one replication of the campaign with the random stream ``rng``."""
    if isinstance(plan, Scenario):
        plan = Plan.from_scenario(plan)
    return _Model(plan, rng, index).run()
