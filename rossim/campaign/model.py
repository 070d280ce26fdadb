"""The SimPy model of one replication of the assembly campaign: the wiring of its parts.

Simulated time is float days since the scenario's start (``simulation.start``, 00:00 UTC).
One call of :func:`simulate` runs one replication of a :class:`~.plan.Plan` (the scenario
compiled once) with one :class:`numpy.random.Generator` and returns a :class:`Replication`: the
event log, the milestones, the crew-capacity and crew-aboard step functions, and counts.

The parts, each in its module: :mod:`.assembly` (each module from ready to commissioned: wait
for its target, claim its port, fly, rendezvous and dock only with a target, loss and
rebuild or the drop cascade, relocation, departure with its ships), :mod:`.crew` (the crew
rotation and the manifest's crew flights), :mod:`.cargo` (cargo flights, periodic and from the
manifest), :mod:`.booking` (vehicles and pads as bookings, no SimPy), :mod:`.ports` (the
first-come port list), :mod:`.station` (the capacity rules, no SimPy),
:mod:`.milestones` (their names and the crew levels they watch). :class:`_Model` holds the
state they share (clock, station, ports, bookings, event log, crew aboard, milestones) and the
steps every part uses: :meth:`_Model.launch` (book the vehicle and the pad at the first
opportunity both are free, wait for the day, fly or scrub or be called off; success with the
vehicle's probability, drawn once per replication when the scenario gives a distribution),
:meth:`_Model.update` (record capacity and crew after any change, reach milestones, wake the
crews waiting for room) and :meth:`_Model.draw`.
"""

from __future__ import annotations

import itertools
import math
import sys
from dataclasses import dataclass, field

import numpy as np

from ..scenario import Scenario
from . import milestones
from .assembly import Assembly
from .booking import EPS_DAYS, Launcher, book, clear_to_fly
from .cargo import CargoFlights, CargoShip
from .crew import CrewRotation, CrewShip, crew_policy
from .engine import Environment
from .plan import FIXED, TRIANGULAR, UNIFORM, Draw, Plan
from .ports import Ports
from .signals import broadcast
from .station import Station

__all__ = ["Plan", "Replication", "simulate", "EVENT_KINDS", "count_keys"]

EVENT_KINDS = (
    "ready", "launch", "launch_failure", "scrub", "pad_outage", "docked", "docking_failed",
    "commissioned", "module_lost", "rebuild", "dropped", "free_flyer", "departed", "crew_arrived",
    "crew_departed", "crew_aborted", "flight_cancelled", "cargo_docked", "cargo_undocked",
    "relocated", "relocation_failed", "phase_complete", "milestone",
)

#: Uniform numbers drawn from a replication's Generator at a time (a replication uses ~400).
_UNIFORM_BLOCK = 256


def _uniforms(rng: np.random.Generator):
    """Uniform numbers on [0, 1) from ``rng``, a block at a time: one NumPy call per block
    instead of one per draw (``rng.random()`` costs ~0.4 us, ``next`` of this ~0.03 us: a
    ``chain`` steps through a block's list in C, resuming the generator of blocks only for the
    next block, as late as a ``yield from`` would draw it). Still a function of the replication's
    stream alone, so independent of workers and chunking."""
    def blocks():
        while True:
            yield rng.random(_UNIFORM_BLOCK).tolist()

    return itertools.chain.from_iterable(blocks())


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
    #: What happened, counted as it happened (:func:`count_keys`: every key, 0 when none):
    #: ``launch_failures.<vehicle>``, ``scrubs.<site>``, ``docking_failures.<module>``,
    #: ``losses.<module>``.
    counts: dict[str, int] = field(default_factory=dict)


def count_keys(plan: Plan | Scenario) -> list[str]:
    """The keys of :attr:`Replication.counts`, in order: launch failures by vehicle, scrubs by
    site, docking failures and losses by module (a plan's names are its scenario's)."""
    if isinstance(plan, Plan):
        vehicles, sites, modules = plan.vehicles, plan.sites, plan.modules
    else:
        vehicles, sites, modules = plan.launch_vehicles, plan.launch_sites, plan.modules
    keys = ([f"launch_failures.{v}" for v in vehicles] + [f"scrubs.{s}" for s in sites]
            + [f"docking_failures.{m}" for m in modules] + [f"losses.{m}" for m in modules])
    return [sys.intern(k) for k in keys]  # one copy of each name for all replications


class _Model(Assembly, CrewRotation, CargoFlights):
    """One replication: the shared state (clock, station, ports, bookings, log, milestones) and
    the SimPy wiring; module assembly, crew rotation and cargo flights are its parts."""

    # Slots: over 30 attributes, an instance dict stops sharing its keys and every attribute
    # read of the hot paths takes the slow lookup (the parts declare empty slots for this).
    __slots__ = ("plan", "rng", "index", "env", "events", "station", "ports", "dead_ports", "ships_at",
                 "slots", "residents", "handovers_open", "overlap_seats", "vehicles", "sites", "uniform",
                 "p_success", "docked", "module_ready", "module_docked", "module_port", "module_lost",
                 "counts", "dropped", "departed", "commissioned", "milestones", "crew_rules", "unreached",
                 "lowest", "launches", "losses", "forced_failures", "vehicle_launches", "docking_attempts",
                 "triggers", "fired", "crew_aboard", "changed", "last_habitable", "first_crew", "cap_t",
                 "cap", "aboard")

    def __init__(self, plan: Plan, rng: np.random.Generator, index: int):
        self.plan, self.rng, self.index = plan, rng, index
        self.env = env = Environment()
        self.events: list[tuple[float, str, str, str]] = []
        self.station = Station(plan.phase_targets, plan.power_base_kw, plan.power_per_crew_kw)
        self.ports = Ports(env)
        self.dead_ports: set[str] = set()
        self.ships_at: dict[str, CrewShip | CargoShip] = {}  # the ship docked at each occupied port
        self.slots: dict[int, CrewShip] = {}  # the latest crew of each crew slot
        self.residents: list[CrewShip] = []  # the manifest's handover crews aboard, in order of arrival
        self.handovers_open = 0  # manifest handovers with both crews aboard
        self.overlap_seats = 0   # the seats of their relieved crews' ships: those crews' way home
        self.vehicles = {k: Launcher(v.gap_days, v) for k, v in plan.vehicles.items()}
        self.sites = {k: Launcher(s.gap_days, s, s.scrub_probability, s.outage_probability, s.windows,
                                  s.daily_at) for k, s in plan.sites.items()}
        self.uniform = _uniforms(rng).__next__
        self.p_success = {k: min(max(float(self.draw(v.success_probability)), 0.0), 1.0)
                          for k, v in plan.vehicles.items()}
        # Succeeds when the module docks, or when it is dropped (its dependants then find it in
        # self.dropped and never wait for it again).
        self.docked = {k: env.event() for k in plan.modules}
        self.module_ready: dict[str, float] = {}
        self.module_docked: dict[str, float] = {}
        self.module_port: dict[str, str | None] = {}  # the port each docked module holds
        self.module_lost = {k: 0 for k in plan.modules}
        self.counts = dict.fromkeys(count_keys(plan), 0)
        self.dropped: set[str] = set()
        self.departed: set[str] = set()
        self.commissioned: set[str] = set()
        self.milestones = {m: math.nan for m in plan.milestones}
        # the milestones update() sets (phases are set by check_phases), in the order it checks them
        self.crew_rules = milestones.crew_rules(plan.crew_levels)
        self.unreached = {name for name, _, _ in self.crew_rules} | {milestones.FIRST_CREW}
        self._lowest()
        self.launches = self.losses = 0
        self.forced_failures = plan.forced_launch_failures  # what-ifs: {vehicle: launches that fail}
        self.vehicle_launches: dict[str, int] = {}  # counted for the vehicles with forced failures
        self.docking_attempts: dict[str, int] = {}  # counted for the modules with forced failures
        # the module events departures wait for (departs_after), by (event, module)
        self.triggers = {key: env.event() for key in plan.triggers}
        self.fired: dict[tuple[str, str], float] = {}  # when each of those happened
        self.crew_aboard = 0
        self.changed = env.event()
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
        if self.overlap_seats:  # a relieved crew's ship is its way home, not the station's (defect 6)
            cap = min(hab, self.station.return_seats - self.overlap_seats)
        if self.crew_aboard > cap:
            allowed = cap
            if self.handovers_open:  # a handover overlap: more aboard for a short while
                allowed = max(cap, min(self.plan.handover_crew_max, self.station.return_seats))
            if self.crew_aboard > allowed:
                self._shed_crew(self.crew_aboard - allowed)
        if self.cap_t[-1] == now:
            self.cap[-1], self.aboard[-1] = cap, self.crew_aboard
        else:
            self.cap_t.append(now)
            self.cap.append(cap)
            self.aboard.append(self.crew_aboard)
        unreached = self.unreached
        # the milestones still unreached (none early in most replications), tested only when
        # one may be reached: the capacity or the room at a level not yet reached, a first crew
        if unreached and (cap >= self.lowest[0] or hab >= self.lowest[1] or self.crew_aboard > 0
                          and milestones.FIRST_CREW in unreached):
            for name, level, on_capacity in self.crew_rules:
                if (cap if on_capacity else hab) >= level and name in unreached:
                    self.reach(name)
            if self.crew_aboard > 0 and milestones.FIRST_CREW in unreached:
                self.reach(milestones.FIRST_CREW)
                self.first_crew.succeed()
        if hab != self.last_habitable:  # wake the crew slots waiting for room
            self.last_habitable = hab
            self.changed = broadcast(self.changed, self.env)

    def _lowest(self) -> None:
        """``lowest``: (capacity, room), the lowest crew level of the unreached ``capacity_N``
        and ``room_for_N`` milestones (inf: none), below which :meth:`update` skips them."""
        low = [math.inf, math.inf]
        for name, level, on_capacity in self.crew_rules:
            k = 0 if on_capacity else 1
            if name in self.unreached and level < low[k]:
                low[k] = level
        self.lowest = low

    def reach(self, milestone: str) -> None:
        self.unreached.discard(milestone)
        self._lowest()
        self.milestones[milestone] = self.env.now
        self.log("milestone", milestone)

    # ------------------------------------------------------------------ launches
    def launch(self, vehicle_id: str, site_id: str, subject: str, still_wanted=None, at=None):
        """Book the vehicle and the pad, wait for the day, fly; ``yield from`` it. Returns
        success, or None when ``still_wanted()`` (checked on the day) says the flight is off.
        ``at``: the flight's own time of day (a fraction of a day) for daily opportunities.

        Bookings are first come, first served: a flight takes the first launch opportunity at
        which both the vehicle (cadence, stand-down) and the pad (turnaround, outage) are free,
        and holds them from then on; a flight called off on its day gives them back. A failure
        or a pad outage discovered meanwhile moves the later bookings when they come due, and so
        does a scrubbed flight that moved to the next opportunity: on its day every flight checks
        the vehicle's cadence and the pad's turnaround against the launches that actually
        happened.
        """
        env, u = self.env, self.uniform
        vehicle, site = self.vehicles[vehicle_id], self.sites[site_id]
        t = book(vehicle, site, env.now, at)  # the first opportunity when vehicle and pad are both free
        while True:
            now = env.now
            if t > now:
                yield env.sleep(t - now)
                now = env.now
            if not clear_to_fly(vehicle, site, now):
                vehicle.unbook(t)  # grounded, pad damaged, or a scrubbed flight flew in our gap
                site.unbook(t)
                t = book(vehicle, site, t, at)
                continue
            if still_wanted is not None and not still_wanted():
                vehicle.cancel(t)
                site.cancel(t)
                return None
            vehicle.unbook(t)
            site.unbook(t)
            if site.scrub_p and u() < site.scrub_p:
                self.log("scrub", subject, site_id)
                self.counts["scrubs." + site_id] += 1
                t = site.opportunity(now + 2 * EPS_DAYS, at)  # the next opportunity after now
                vehicle.book(t)
                site.book(t)
                continue
            break
        vehicle.last_launch = site.last_launch = now
        self.launches += 1
        success = u() < self.p_success[vehicle_id]  # drawn even when forced: the stream stays paired
        forced = self.forced_failures
        if forced and vehicle_id in forced:
            nth = self.vehicle_launches[vehicle_id] = self.vehicle_launches.get(vehicle_id, 0) + 1
            if nth in forced[vehicle_id]:
                success = False
        if site.outage_p and u() < site.outage_p:
            days = self.draw(site.plan.outage)
            site.blocked_until = now + days
            self.log("pad_outage", site_id, f"{days:.0f} days")
        route = self.plan.routes[vehicle_id, site_id]
        if success:
            self.events.append((now, "launch", subject, route))  # self.log, inlined: the commonest event
            return True
        self.losses += 1
        days = self.draw(vehicle.plan.stand_down)
        vehicle.blocked_until = max(vehicle.blocked_until, now + days)
        self.log("launch_failure", subject, f"{route}; stand-down {days:.0f} days")
        self.counts["launch_failures." + vehicle_id] += 1
        return False

    def after(self, days: float, action, *args) -> None:
        """Call ``action(*args)`` in ``days``: one event (:meth:`.engine.Environment.call_in`) where
        a process doing the same costs three (start, timeout, end); for one-shot actions."""
        self.env.call_in(days, action, *args)

    def release_port(self, port: str) -> None:
        if port not in self.dead_ports:
            self.ports.put(port)

    def wait_in_orbit(self, allowed: frozenset[str], days: float):
        """``port = yield from model.wait_in_orbit(allowed, days)``: a flight that launched before
        its port was free, now at the station, waits for one of ``allowed`` at most ``days``
        (first come, first served with the flights already waiting). None if none was freed."""
        event = self.ports.wait(allowed)
        if not event.triggered:
            yield event | self.env.timeout(days)
            if not event.triggered:
                self.ports.withdraw(event)
                return None
        return event.value

    def fire(self, event: str, mid: str) -> None:
        """``mid`` has ``event`` (launched, docked, commissioned, departed): start the departures
        that wait for it."""
        trigger = self.triggers.get((event, mid))
        if trigger is not None and not trigger.triggered:
            self.fired[event, mid] = self.env.now
            trigger.succeed()

    # ------------------------------------------------------------------ run
    def pad_out(self, site_id: str, until: float) -> None:
        """A forced pad outage (what-if) begins: the site cannot launch before ``until``."""
        site = self.sites[site_id]
        site.blocked_until = max(site.blocked_until, until)
        self.log("pad_outage", site_id, f"{until - self.env.now:.0f} days (what-if)")

    def run(self) -> Replication:
        env, plan = self.env, self.plan
        for site_id, begin, until in plan.forced_pad_outages:  # before anything can launch
            if begin <= 0.0:
                self.pad_out(site_id, until)
            else:
                self.after(begin, self.pad_out, site_id, until)
        for mid, m in plan.modules.items():
            if m.present_at_start:
                self.dock_module(mid, m.docks_to)
                self.commission(mid)
        for mid, m in plan.modules.items():
            if not m.present_at_start:
                env.process(self.module(mid))
            if m.departs_days is not None:
                env.process(self.departure(mid, m.departs_days))
            elif m.departs_after is not None:
                event, other, days = m.departs_after
                env.process(self.departure(mid, days, self.triggers[event, other]))
        if plan.crew is not None:
            crews = crew_policy(self, plan.crew)
            if plan.crew.crew_at_start:
                crews.crew_at_start()
            max_slots = max(plan.phase_targets)
            for j in range(math.ceil(max_slots / plan.crew.seats)):
                env.process(crews.slot(j))
        for cid, c in plan.cargo.items():
            if c.interval_days != math.inf:
                env.process(self.cargo(cid))
        for k, f in enumerate(plan.crew_flights):
            env.process(self.crew_flight(k, f))
        for f in plan.cargo_flights:
            env.process(self.cargo_flight(f))
        self.update()
        env.run_until(self.plan.horizon_days)
        return self._result()

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
            launches=self.launches, losses=self.losses, horizon_days=h, counts=self.counts,
        )


def simulate(plan: Plan | Scenario, rng: np.random.Generator, index: int = 0) -> Replication:
    """Run one replication of the campaign with the random stream ``rng``."""
    if isinstance(plan, Scenario):
        plan = Plan.from_scenario(plan)
    return _Model(plan, rng, index).run()
