"""A scenario compiled once into a plain plan of numbers and names, shared by every replication.

The SimPy model reads only a :class:`Plan`: tuples, dicts and slotted dataclasses of floats,
ints and strings, and each uncertain quantity as a :class:`Draw` (what a replication needs to
sample it, computed once). Nothing of the pydantic scenario is read while a replication runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import clock
from ..distributions import BaseDistribution, Fixed, Triangular, Uniform
from ..scenario import Scenario
from . import milestones
from .station import ModuleContribution

__all__ = ["Plan", "Draw", "ModulePlan", "VehiclePlan", "SitePlan", "CrewPlan", "CargoPlan",
           "FlightPlan", "CrewFlightPlan", "CargoFlightPlan", "Move", "FIXED", "UNIFORM", "TRIANGULAR", "OTHER", "day_fraction"]

#: :attr:`Draw.kind`: how a replication samples it.
FIXED, UNIFORM, TRIANGULAR, OTHER = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Draw:
    """An uncertain quantity, ready to sample from one uniform number (fixed, uniform,
    triangular: nearly every draw of a replication) or with its distribution's own sampler.

    ``kind`` FIXED: ``low`` is the value. UNIFORM: ``low + span * u``. TRIANGULAR (NumPy's
    inverse transform of one uniform ``u``): ``low + sqrt(u * left)`` when ``u <= cut``, else
    ``high - sqrt((1 - u) * right)``, with ``cut = (mode - low) / (high - low)``,
    ``left = (mode - low) * (high - low)``, ``right = (high - mode) * (high - low)``, the very
    products NumPy's ``Generator.triangular`` forms, so the samples are the same bits. OTHER:
    ``sample(rng)``. ``expected``: the mean.
    """

    kind: int
    low: float = 0.0
    span: float = 0.0
    cut: float = 0.0
    left: float = 0.0
    high: float = 0.0
    right: float = 0.0
    expected: float = 0.0
    sample: Callable[[np.random.Generator], float] | None = None

    @classmethod
    def of(cls, dist: BaseDistribution) -> "Draw":
        kind = type(dist)
        if kind is Fixed:
            return cls(FIXED, low=dist.value, expected=dist.expected())
        if kind is Uniform:
            return cls(UNIFORM, low=dist.low, span=dist.high - dist.low, expected=dist.expected())
        if kind is Triangular:
            low, mode, high = dist.low, dist.mode, dist.high
            base = high - low
            return cls(TRIANGULAR, low=low, cut=(mode - low) / base, left=(mode - low) * base,
                       high=high, right=(high - mode) * base, expected=dist.expected())
        return cls(OTHER, expected=dist.expected(), sample=dist.sample)


@dataclass(frozen=True, slots=True)
class ModulePlan:
    """A module: when it is ready, how it flies and docks, what it adds, what it leaves."""

    name: str
    ready_days: float | None          # planned, days since start (None: present at start)
    departs_days: float | None
    present_at_start: bool
    slip: Draw
    launch_vehicle: str | None
    launch_site: str | None
    docks_to: str | None              # "module.port"
    target: str | None                # the module of docks_to
    ports: tuple[str, ...]            # the ports it opens, as "module.port"
    contribution: ModuleContribution  # berths, life support, power
    rendezvous: Draw
    docking_success_probability: float
    docking_retry: Draw
    max_docking_attempts: int
    commissioning: Draw
    drop_on_loss: bool                # on_loss = "drop" (else rebuild)
    rebuild: Draw
    free_flyer_if_target_departs: bool
    dependants: tuple[str, ...]       # the modules that dock to it, in scenario order
    launch_at: float | None = None    # its own time of day (fraction of a day), None: the site's
    relocate: "Move | None" = None    # it moves to another port after docking
    forced_slip: float = 0.0          # a what-if slip (days), on top of the drawn one
    #: It may launch while its port is held and wait in orbit this long for it (None: it holds
    #: its port before it launches).
    max_wait_days: float | None = None
    #: It leaves ``days`` after ``event`` ("launched", "docked", "commissioned", "departed")
    #: of ``module``: (event, module, days); None: on ``departs_days`` or never.
    departs_after: tuple[str, str, float] | None = None


@dataclass(frozen=True, slots=True)
class VehiclePlan:
    gap_days: float                   # min_days_between_flights
    success_probability: Draw         # drawn once per replication
    stand_down: Draw                  # after a failure


@dataclass(frozen=True, slots=True)
class SitePlan:
    gap_days: float                   # turnaround
    scrub_probability: float
    outage_probability: float
    outage: Draw
    #: Launch opportunities (days since start, sorted) into the orbit plane; None: daily.
    windows: list[float] | None
    daily_at: float = 0.0             # time of day of a daily opportunity, fraction of a day


@dataclass(frozen=True, slots=True)
class CrewPlan:
    """The crew policy and its crew ship."""

    visiting: bool
    ship: str
    seats: int
    docked_life_days: float
    launch_vehicle: str
    launch_site: str
    ports: frozenset[str]
    rendezvous: Draw
    increment: Draw
    handover_overlap_days: float
    visit: Draw
    between_visits: Draw
    min_crew: int
    crew_at_start: int


@dataclass(frozen=True, slots=True)
class CargoPlan:
    first_flight_days: float | None   # None: with the first crew
    interval_days: float              # 365.25 / flights_per_year (inf: manifest flights only)
    launch_vehicle: str
    launch_site: str
    ports: frozenset[str]
    rendezvous: Draw
    docked: Draw


@dataclass(frozen=True, slots=True)
class Move:
    """A relocation after docking: to ``to`` ("module.port") at ``at_days`` since the start, or
    ``after_days`` after docking; each attempt takes ``duration_days`` and succeeds with
    ``success_probability``, ``max_attempts`` at most, ``retry_days`` apart."""

    to: str
    at_days: float | None
    after_days: float | None
    duration_days: float
    success_probability: float = 1.0
    max_attempts: int = 1
    retry_days: float = 0.0
    #: (event, module, days): it starts ``days`` after ``module``'s ``event`` (None: at_days or
    #: after_days).
    trigger: tuple[str, str, float] | None = None

    @classmethod
    def of(cls, start, r) -> "Move | None":
        if r is None:
            return None
        e = r.after_event
        return cls(r.to, clock.days_between(start, r.at) if r.at is not None else None,
                   r.after_days, float(r.duration_days), float(r.success_probability),
                   int(r.max_attempts), float(r.retry_days),
                   (e.event, e.module, float(e.days)) if e is not None else None)

    def when(self, docked_days: float) -> float:
        """When the move starts (days since start), for a ship or module docked at ``docked_days``."""
        return self.at_days if self.at_days is not None else docked_days + self.after_days


@dataclass(frozen=True, slots=True)
class FlightPlan:
    """What every flight of the manifest has (:func:`_flight` fills it)."""

    name: str
    planned_days: float
    launch_at: float | None           # time of day, fraction of a day (None: the site's)
    slip: Draw
    launch_vehicle: str
    launch_site: str
    ports: frozenset[str]
    rendezvous: Draw
    relocate: Move | None
    max_wait_days: float | None       # it may launch before a port is free and wait in orbit


@dataclass(frozen=True, slots=True)
class CrewFlightPlan(FlightPlan):
    """A crew flight of the manifest, with its ship's numbers."""

    seats: int
    crew: int
    handover: bool
    stay_days: float                  # at most the ship's docked life
    overlap_days: float               # handover: both crews aboard this long
    return_seats: int                 # the lifeboat seats it gives the station while docked
    relieves: frozenset[str] | None = None  # handover: the flights it relieves (None: every resident)


@dataclass(frozen=True, slots=True)
class CargoFlightPlan(FlightPlan):
    """A cargo flight of the manifest."""

    docked: Draw


def day_fraction(t) -> float:
    """A time of day as a fraction of a day."""
    return (t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6) / 86400.0


@dataclass(frozen=True)
class Plan:
    """A scenario compiled to plain numbers and names once, shared by every replication."""

    horizon_days: float
    power_base_kw: float
    power_per_crew_kw: float
    modules: dict[str, ModulePlan]
    vehicles: dict[str, VehiclePlan]
    sites: dict[str, SitePlan]
    crew: CrewPlan | None
    cargo: dict[str, CargoPlan]
    phase_modules: tuple[tuple[str, ...], ...]
    phase_targets: tuple[int, ...]
    phase_numbers: tuple[int, ...]
    #: The milestones every replication reports, in order (:mod:`.milestones`).
    milestones: tuple[str, ...]
    #: The crew levels N of the ``room_for_N`` and ``capacity_N`` milestones, ascending.
    crew_levels: tuple[int, ...]
    #: "vehicle from site", the launch events' detail, made once (and one string to pickle).
    routes: dict[tuple[str, str], str]
    #: Per launch site, the launch opportunities (days since start, sorted) when the scenario
    #: asks for orbit-plane windows; None for a daily opportunity (at ``daily_launch_utc``). Lists, not
    #: arrays: ``bisect`` on a list is several times faster than ``np.searchsorted`` for one value.
    windows: dict[str, list[float] | None]
    #: Manifest flights, in scenario order.
    crew_flights: tuple[CrewFlightPlan, ...] = ()
    cargo_flights: tuple[CargoFlightPlan, ...] = ()
    #: Most people aboard during a handover overlap (0: the steady capacity).
    handover_crew_max: int = 0
    #: Forced events (``[[what_if]]``): per vehicle, the launches (1: its first) that fail; per
    #: module, the docking attempts (1: its first) that fail; pad outages as (site, from, until)
    #: in days since start. Empty: nothing forced.
    forced_launch_failures: dict[str, frozenset[int]] = field(default_factory=dict)
    forced_docking_failures: dict[str, frozenset[int]] = field(default_factory=dict)
    forced_pad_outages: tuple[tuple[str, float, float], ...] = ()
    #: The (event, module) pairs some module's departure waits for (``departs_after``).
    triggers: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> "Plan":
        sc = scenario
        start = sc.simulation.start
        windows = _launch_windows(sc)
        forced = _forced(sc)
        modules = {}
        for k, m in sc.modules.items():
            target = m.docks_to.split(".", 1)[0] if m.docks_to is not None else None
            modules[k] = ModulePlan(
                name=k,
                ready_days=clock.days_between(start, m.ready) if m.ready is not None else None,
                departs_days=clock.days_between(start, m.departs) if m.departs is not None else None,
                present_at_start=m.present_at_start, slip=Draw.of(m.slip_days),
                launch_vehicle=m.launch_vehicle, launch_site=m.launch_site,
                docks_to=m.docks_to, target=target, ports=tuple(f"{k}.{p}" for p in m.ports),
                contribution=ModuleContribution(m.berths, m.life_support_crew, m.power_kw),
                rendezvous=Draw.of(m.rendezvous_days),
                docking_success_probability=m.docking_success_probability,
                docking_retry=Draw.of(m.docking_retry_days), max_docking_attempts=m.max_docking_attempts,
                commissioning=Draw.of(m.commissioning_days), drop_on_loss=m.on_loss == "drop",
                rebuild=Draw.of(m.rebuild_days),
                free_flyer_if_target_departs=m.if_target_departs == "free_flyer",
                dependants=tuple(d for d, o in sc.modules.items()
                                 if o.docks_to is not None and o.docks_to.split(".", 1)[0] == k),
                forced_slip=forced["slip"].get(k, 0.0), **_relocation(start, m))
        vehicles = {k: VehiclePlan(v.min_days_between_flights, Draw.of(v.success_probability),
                                   Draw.of(v.stand_down_days_after_failure))
                    for k, v in sc.launch_vehicles.items()}
        daily_at = day_fraction(sc.simulation.daily_launch_utc)
        sites = {k: SitePlan(s.turnaround_days, s.scrub_probability, s.outage_probability,
                             Draw.of(s.outage_days), windows[k], daily_at)
                 for k, s in sc.launch_sites.items()}
        crew = None
        if sc.crew is not None:
            p, ship = sc.crew, sc.crew_ships[sc.crew.ship]
            crew = CrewPlan(
                visiting=p.mode == "visiting", ship=p.ship, seats=ship.seats,
                docked_life_days=ship.docked_life_days, launch_vehicle=ship.launch_vehicle,
                launch_site=ship.launch_site, ports=frozenset(ship.ports),
                rendezvous=Draw.of(ship.rendezvous_days), increment=Draw.of(p.increment_days),
                handover_overlap_days=p.handover_overlap_days, visit=Draw.of(p.visit_days),
                between_visits=Draw.of(p.days_between_visits), min_crew=p.min_crew,
                crew_at_start=p.crew_at_start)
        cargo = {k: CargoPlan(None if c.first_flight == "first_crew" else clock.days_between(start, c.first_flight),
                              365.25 / c.flights_per_year if c.flights_per_year else math.inf, c.launch_vehicle, c.launch_site, frozenset(c.ports),
                              Draw.of(c.rendezvous_days), Draw.of(c.docked_days))
                 for k, c in sc.cargo_ships.items()}
        crew_flights, cargo_flights = _crew_flights(sc), _cargo_flights(sc)
        numbers = tuple(p.number for p in sc.phases)
        targets = tuple(p.crew_target for p in sc.phases)
        levels = milestones.crew_levels(targets, sc.simulation.crew_milestones)
        return cls(
            horizon_days=sc.simulation.horizon_days, power_base_kw=sc.station.power_base_kw,
            power_per_crew_kw=sc.station.power_per_crew_kw, modules=modules, vehicles=vehicles,
            sites=sites, crew=crew, cargo=cargo,
            phase_modules=tuple(tuple(sc.phase_modules(p)) for p in sc.phases),
            phase_targets=targets, phase_numbers=numbers,
            milestones=milestones.names(numbers, levels), crew_levels=levels,
            routes={(v, s): f"{v} from {s}" for v in sc.launch_vehicles for s in sc.launch_sites},
            windows=windows, crew_flights=crew_flights, cargo_flights=cargo_flights,
            handover_crew_max=sc.station.handover_crew_max,
            forced_launch_failures={k: frozenset(v) for k, v in forced["launch_fails"].items()},
            forced_docking_failures={k: frozenset(v) for k, v in forced["docking_fails"].items()},
            forced_pad_outages=tuple(forced["pad_out"]),
            triggers=_triggers(modules.values(), crew_flights + cargo_flights))


def _triggers(modules, flights) -> frozenset[tuple[str, str]]:
    """The (event, module) pairs that departures and moves wait for."""
    keys = {m.departs_after[:2] for m in modules if m.departs_after is not None}
    keys |= {x.relocate.trigger[:2] for x in (*modules, *flights)
             if x.relocate is not None and x.relocate.trigger is not None}
    return frozenset(keys)


def _forced(sc: Scenario) -> dict:
    """The scenario's ``[[what_if]]`` entries as plain numbers, by kind."""
    out: dict = {"launch_fails": {}, "docking_fails": {}, "pad_out": [], "slip": {}}
    for w in sc.what_if:
        if w.launch_fails is not None:
            out["launch_fails"].setdefault(w.launch_fails, set()).add(w.nth)
        elif w.docking_fails is not None:
            out["docking_fails"].setdefault(w.docking_fails, set()).add(w.attempt)
        elif w.pad_out is not None:
            begin = clock.days_between(sc.simulation.start, w.from_)
            out["pad_out"].append((w.pad_out, begin, begin + float(w.days)))
        elif w.slip is not None:
            out["slip"][w.slip] = out["slip"].get(w.slip, 0.0) + float(w.days)
    return out


def _relocation(start, m) -> dict:
    """A module's time of day and relocation, as ModulePlan fields."""
    d = m.departs_after
    return {"launch_at": day_fraction(m.launch_utc) if m.launch_utc is not None else None,
            "relocate": Move.of(start, m.relocate),
            "max_wait_days": float(m.max_wait_days) if m.max_wait_days is not None else None,
            "departs_after": (d.event, d.module, float(d.days)) if d is not None else None}


def _flight(sc: Scenario, f, ship) -> dict:
    """The fields every manifest flight has."""
    return dict(name=f.name or f"{f.ship}:{f.date}",
                planned_days=clock.days_between(sc.simulation.start, f.date),
                launch_at=day_fraction(f.launch_utc) if f.launch_utc is not None else None,
                slip=Draw.of(f.slip_days), launch_vehicle=ship.launch_vehicle,
                launch_site=ship.launch_site,
                ports=frozenset((f.port,)) if f.port is not None else frozenset(ship.ports),
                rendezvous=Draw.of(f.rendezvous_days if f.rendezvous_days is not None else ship.rendezvous_days),
                relocate=Move.of(sc.simulation.start, f.relocate),
                max_wait_days=float(f.max_wait_days) if f.max_wait_days is not None else None)


def _crew_flights(sc: Scenario) -> tuple[CrewFlightPlan, ...]:
    out = []
    for f in sc.crew_flights:
        ship = sc.crew_ships[f.ship]
        stay = ship.docked_life_days if f.stay_days is None else f.stay_days  # validated: within it
        out.append(CrewFlightPlan(**_flight(sc, f, ship), seats=ship.seats, crew=f.crew,
                                  handover=f.mode == "handover", stay_days=float(stay),
                                  overlap_days=float(f.handover_days or 0.0),
                                  return_seats=ship.seats if ship.return_seats is None else ship.return_seats,
                                  relieves=frozenset(f.relieves) if f.relieves is not None else None))
    return tuple(out)


def _cargo_flights(sc: Scenario) -> tuple[CargoFlightPlan, ...]:
    return tuple(CargoFlightPlan(**_flight(sc, f, sc.cargo_ships[f.ship]),
                                 docked=Draw.of(f.docked_days if f.docked_days is not None
                                                else sc.cargo_ships[f.ship].docked_days))
                 for f in sc.cargo_flights)


def _launch_windows(sc: Scenario) -> dict[str, list[float] | None]:
    """Each site's launch opportunities into the orbit plane (ascending branch), days since start."""
    if sc.simulation.launch_opportunities == "daily":
        return {k: None for k in sc.launch_sites}
    from ..scenario import build_orbit
    from ..windows import plane_windows

    orb = build_orbit(sc)
    offset = clock.days_between(orb.epoch, clock.as_utc(sc.simulation.start))
    span = sc.simulation.horizon_days + 30.0  # launches booked just past the horizon still resolve
    out = {}
    for k, site in sc.launch_sites.items():
        w = plane_windows(orb.epoch, site.lat_deg, site.lon_deg, orb.inclination_deg, orb.raan_deg,
                          orb.raan_rate_deg_per_day, offset, offset + span)
        out[k] = (w.days - offset).tolist()
    return out
