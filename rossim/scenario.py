"""Scenario files: the TOML schema, loading, ``--set`` overrides and validation messages.

A scenario is read once, checked once, and handed to the rest of rossim as an immutable
:class:`Scenario`. Every problem a user can make is reported as one
:class:`~rossim.errors.InputError` line naming the file, the dotted field path and what was
expected, e.g. ``ross.toml: modules.nem.mass_kg: input should be greater than 0, got -5``.

Units are in the key names (``mass_kg``, ``altitude_km``, ``rendezvous_days``); dates are ISO
dates, read as 00:00 UTC. Uncertain quantities use the vocabulary of :mod:`rossim.distributions`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import clock
from .distributions import BaseDistribution, Fixed, Uncertain
from .errors import InputError

__all__ = [
    "Scenario", "Meta", "Simulation", "OrbitSpec", "LaunchSite", "LaunchVehicle", "Module",
    "CrewShip", "CargoShip", "Phase", "CrewPolicy", "StationSpec", "InstrumentSpec",
    "CoverageSpec", "load", "loads", "apply_overrides", "resolve_extends", "build_orbit",
]

#: Inclination tolerance when matching an orbit against a site's documented inclinations (deg):
#: ranges in the data are quoted to 0.1 deg, and a sun-synchronous solve lands between them.
INCLINATION_TOLERANCE_DEG = 0.05


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Meta(_Model):
    """What the scenario is: shown in tables and reports."""

    name: str
    title: str = ""
    description: str = ""
    plan: str = Field("", description="which published plan this encodes, with its date")


class Simulation(_Model):
    start: dt.date
    horizon: dt.date
    replications: int = Field(1000, gt=0)
    seed: int = Field(0, ge=0)
    deadline: dt.date = Field(dt.date(2033, 12, 31),
                              description="report P(phase complete by this date)")
    capacity_step_days: float = Field(7.0, gt=0, description="grid of the capacity bands")
    launch_opportunities: Literal["daily", "orbit_plane"] = Field(
        "daily", description="daily at 00:00 UTC, or when the site passes through the orbit plane")

    @model_validator(mode="after")
    def _horizon_after_start(self):
        if self.horizon <= self.start:
            raise ValueError(f"horizon ({self.horizon}) must be after start ({self.start})")
        return self

    @property
    def horizon_days(self) -> float:
        return clock.days_between(self.start, self.horizon)


class OrbitSpec(_Model):
    """The station's orbit: mean elements, or a TLE (two lines) for checks against real stations."""

    altitude_km: float | None = Field(None, ge=150, le=40000)
    inclination_deg: float | None = Field(None, ge=0, le=180)
    sun_synchronous: bool = False
    raan_deg: float | None = Field(None, ge=0, lt=360)
    ltan_h: float | None = Field(None, ge=0, lt=24, description="local time of the ascending node")
    eccentricity: float = Field(0.0, ge=0, lt=1)
    arg_perigee_deg: float = 0.0
    mean_anomaly_deg: float = 0.0
    epoch: dt.datetime | dt.date | None = None
    tle: list[str] | None = None
    omm: dict[str, str | float | int] | None = Field(
        None, description="OMM mean elements keyed as CelesTrak's JSON (EPOCH, MEAN_MOTION, ...)")

    @model_validator(mode="after")
    def _one_way(self):
        if self.tle is not None and self.omm is not None:
            raise ValueError("give a tle or an omm, not both")
        if self.tle is not None:
            if len(self.tle) != 2:
                raise ValueError("tle must be a list of the two element-set lines")
            return self
        if self.omm is not None:
            if "INCLINATION" not in self.omm:
                raise ValueError("the omm table needs at least EPOCH, MEAN_MOTION, ECCENTRICITY, "
                                 "INCLINATION, RA_OF_ASC_NODE, ARG_OF_PERICENTER, MEAN_ANOMALY")
            return self
        if self.altitude_km is None:
            raise ValueError("give altitude_km (or a tle or an omm)")
        if self.sun_synchronous == (self.inclination_deg is not None):
            raise ValueError("give exactly one of inclination_deg or sun_synchronous = true")
        if (self.raan_deg is None) == (self.ltan_h is None):
            raise ValueError("give exactly one of raan_deg or ltan_h")
        return self

    def resolved_inclination_deg(self) -> float:
        """The inclination the orbit will have (solved for sun-synchronous orbits)."""
        if self.tle is not None:
            return float(self.tle[1][8:16])
        if self.omm is not None:
            return float(self.omm["INCLINATION"])
        if self.sun_synchronous:
            from .orbit import sun_synchronous_inclination_deg

            return sun_synchronous_inclination_deg(self.altitude_km, self.eccentricity)
        return self.inclination_deg


class LaunchSite(_Model):
    name: str
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=180)
    inclination_ranges_deg: list[tuple[float, float]] = Field(
        description="[low, high] inclinations the site's ascent corridors reach")
    turnaround_days: float = Field(0.0, ge=0, description="minimum days between two launches")
    scrub_probability: float = Field(0.0, ge=0, lt=1, description="per launch attempt")
    outage_probability: float = Field(0.0, ge=0, le=1, description="pad damaged by a launch")
    outage_days: Uncertain = Fixed(value=0.0)

    def reaches(self, inclination_deg: float) -> bool:
        tol = INCLINATION_TOLERANCE_DEG
        return any(lo - tol <= inclination_deg <= hi + tol for lo, hi in self.inclination_ranges_deg)


class LaunchVehicle(_Model):
    name: str
    payload_kg_at_inclination_deg: list[tuple[float, float]] = Field(
        description="(inclination_deg, payload_kg) pairs, interpolated linearly")
    success_probability: Uncertain = Field(
        description="fixed, or drawn once per replication (e.g. beta from the flight record)")
    min_days_between_flights: float = Field(0.0, ge=0)
    stand_down_days_after_failure: Uncertain = Fixed(value=0.0)
    sites: list[str] = Field(min_length=1)

    @field_validator("payload_kg_at_inclination_deg")
    @classmethod
    def _payload_table(cls, v):
        if not v:
            raise ValueError("give at least one (inclination_deg, payload_kg) pair")
        if any(kg <= 0 for _, kg in v):
            raise ValueError("payloads must be > 0 kg")
        return sorted(v)

    def payload_kg(self, inclination_deg: float) -> float:
        incs = [i for i, _ in self.payload_kg_at_inclination_deg]
        kgs = [k for _, k in self.payload_kg_at_inclination_deg]
        if inclination_deg <= incs[0]:
            return kgs[0]
        for (i0, k0), (i1, k1) in zip(self.payload_kg_at_inclination_deg,
                                      self.payload_kg_at_inclination_deg[1:]):
            if inclination_deg <= i1:
                return k0 + (k1 - k0) * (inclination_deg - i0) / (i1 - i0)
        return kgs[-1]


class Module(_Model):
    name: str
    phase: int = Field(ge=1)
    mass_kg: float = Field(gt=0)
    launch_vehicle: str | None = None
    launch_site: str | None = None
    ready: dt.date | None = Field(None, description="planned date the module is ready to fly")
    slip_days: Uncertain = Fixed(value=0.0)
    docks_to: str | None = Field(None, description="'module.port' it docks to; none for the core")
    ports: list[str] = Field(default_factory=list, description="ports this module adds")
    berths: int = Field(0, ge=0)
    life_support_crew: int = Field(0, ge=0)
    power_kw: float = Field(0.0, ge=0)
    rendezvous_days: Uncertain = Fixed(value=2.0)
    docking_success_probability: float = Field(1.0, gt=0, le=1, description="per attempt")
    docking_retry_days: Uncertain = Fixed(value=5.0)
    max_docking_attempts: int = Field(3, ge=1)
    commissioning_days: Uncertain = Fixed(value=0.0)
    on_loss: Literal["rebuild", "drop"] = "rebuild"
    rebuild_days: Uncertain = Fixed(value=730.0)
    present_at_start: bool = False
    departs: dt.date | None = Field(None, description="date the module leaves the station")
    if_target_departs: Literal["drop", "free_flyer"] = Field(
        "drop", description="if the module it docks to has left the station before it docks: "
        "drop it, or fly it as the station's new core")

    @model_validator(mode="after")
    def _launch_or_present(self):
        if not self.present_at_start:
            missing = [f for f in ("launch_vehicle", "launch_site", "ready") if getattr(self, f) is None]
            if missing:
                raise ValueError(f"a module that is launched needs {', '.join(missing)}"
                                 " (or present_at_start = true)")
        return self


class _Ship(_Model):
    name: str
    launch_vehicle: str
    launch_site: str
    ports: list[str] = Field(min_length=1, description="'module.port' ports it may dock at")
    rendezvous_days: Uncertain = Fixed(value=0.25)


class CrewShip(_Ship):
    seats: int = Field(gt=0)
    docked_life_days: float = Field(gt=0)


class CargoShip(_Ship):
    flights_per_year: float = Field(gt=0)
    docked_days: Uncertain = Fixed(value=180.0)
    first_flight: dt.date | Literal["first_crew"] = "first_crew"


class Phase(_Model):
    number: int = Field(ge=1)
    name: str = ""
    crew_target: int = Field(gt=0)
    modules: list[str] | None = Field(None, description="default: every module of this phase")


class CrewPolicy(_Model):
    mode: Literal["permanent", "visiting"] = "permanent"
    ship: str
    increment_days: Uncertain = Fixed(value=180.0)
    handover_overlap_days: float = Field(0.0, ge=0)
    visit_days: Uncertain = Fixed(value=60.0)
    days_between_visits: Uncertain = Fixed(value=120.0)
    min_crew: int = Field(2, ge=1, description="send crews only when the station can hold this many")
    crew_at_start: int = Field(0, ge=0, description="crew aboard at the start, halfway through its "
                               "increment (or visit), with one ship docked that has half its life left")


class StationSpec(_Model):
    power_base_kw: float = Field(0.0, ge=0, description="power the station needs uncrewed")
    power_per_crew_kw: float = Field(0.0, ge=0)


class InstrumentSpec(_Model):
    half_angle_deg: float | None = Field(None, gt=0, lt=90)
    swath_km: float | None = Field(None, gt=0)
    min_sun_elevation_deg: float | None = Field(None, ge=-90, le=90)
    station_sunlit: bool | None = None

    @model_validator(mode="after")
    def _one_geometry(self):
        if (self.half_angle_deg is None) == (self.swath_km is None):
            raise ValueError("give exactly one of half_angle_deg or swath_km")
        return self


class CoverageSpec(_Model):
    days: float = Field(30.0, gt=0)
    resolution_km: float = Field(50.0, gt=0)
    step_s: float = Field(20.0, gt=0, le=120)
    nsr_corridor_width_km: float = Field(100.0, gt=0)
    start: dt.datetime | dt.date | None = None


class Scenario(_Model):
    """A validated, immutable scenario. Build it with :func:`load` or :func:`loads`."""

    scenario: Meta
    simulation: Simulation
    orbit: OrbitSpec
    station: StationSpec = StationSpec()
    launch_sites: dict[str, LaunchSite]
    launch_vehicles: dict[str, LaunchVehicle]
    modules: dict[str, Module] = Field(min_length=1)
    crew_ships: dict[str, CrewShip] = Field(default_factory=dict)
    cargo_ships: dict[str, CargoShip] = Field(default_factory=dict)
    phases: list[Phase] = Field(min_length=1)
    crew: CrewPolicy | None = None
    instruments: dict[str, InstrumentSpec] = Field(default_factory=dict)
    coverage: CoverageSpec = CoverageSpec()

    # Filled by load(): where the scenario came from, for messages and reports.
    source: str = Field("<scenario>", exclude=True)
    source_text: str = Field("", exclude=True)

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def start(self) -> dt.date:
        return self.simulation.start

    def phase_modules(self, phase: Phase) -> list[str]:
        if phase.modules is not None:
            return list(phase.modules)
        return [k for k, m in self.modules.items() if m.phase == phase.number]

    def orbit_epoch(self) -> dt.datetime:
        return clock.as_utc(self.orbit.epoch or self.simulation.start)


def build_orbit(sc: Scenario):
    """The station's :class:`~rossim.orbit.Orbit` from ``sc.orbit`` (mean elements or a TLE).

    Raises :class:`InputError` (field ``orbit.<name>``, the scenario file as source) for orbits
    that cannot exist (perigee below 150 km, hyperbolic, no sun-synchronous solution).
    """
    from .orbit import Orbit

    spec = sc.orbit
    try:
        if spec.tle is not None:
            return Orbit.from_tle(*spec.tle)
        if spec.omm is not None:
            return Orbit.from_omm({k: str(v) for k, v in spec.omm.items()})
        return Orbit.from_elements(
            sc.orbit_epoch(), spec.altitude_km, spec.inclination_deg,
            sun_synchronous=spec.sun_synchronous, raan_deg=spec.raan_deg, ltan_h=spec.ltan_h,
            eccentricity=spec.eccentricity, arg_perigee_deg=spec.arg_perigee_deg,
            mean_anomaly_deg=spec.mean_anomaly_deg,
        )
    except InputError as exc:
        field = f"orbit.{exc.field}" if exc.field else "orbit"
        raise InputError(exc.message, source=exc.source or sc.source, field=field) from None


# --------------------------------------------------------------------------------------------
# Loading


def load(path: str | Path, overrides: list[str] = ()) -> Scenario:
    """Read, override (``PATH=VALUE`` strings) and validate a scenario file.

    A file may start with ``extends = "other.toml"`` (relative to itself): it is then read as the
    other file's tables with its own tables merged over them, key by key (lists are replaced).
    """
    path = Path(path)
    text = _read_text(path)
    return loads(text, source=str(path), overrides=overrides)


def loads(text: str, source: str = "<scenario>", overrides: list[str] = ()) -> Scenario:
    """Validate scenario TOML text; see :func:`load`."""
    raw = _parse(text, source)
    raw = resolve_extends(raw, Path(source).parent, source, seen=(source,))
    raw = apply_overrides(raw, overrides, source)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise _first_problem(exc, source) from None
    problems = _cross_check(scenario)
    if problems:
        field, message = problems[0]
        more = f" (and {len(problems) - 1} more problem{'s' * (len(problems) > 2)})" if len(problems) > 1 else ""
        raise InputError(message + more, source=source, field=field)
    return scenario.model_copy(update={"source": source, "source_text": text})


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such scenario file", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file ({exc})", source=str(path)) from None


def _parse(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"TOML syntax error: {exc}", source=source) from None


def resolve_extends(raw: dict, folder: Path, source: str, seen: tuple[str, ...] = ()) -> dict:
    """``raw`` with its ``extends`` base (a path relative to ``folder``) merged under it, key by
    key, recursively; InputError for a missing or circular base. Pops ``extends`` from ``raw``."""
    base = raw.pop("extends", None)
    if base is None:
        return raw
    if not isinstance(base, str):
        raise InputError("expected the path of a scenario file (a string)", source=source, field="extends")
    path = folder / base
    if str(path) in seen:
        raise InputError(f"circular extends: {' -> '.join(seen + (str(path),))}", source=source, field="extends")
    if not path.is_file():
        raise InputError(f"no such scenario file {str(path)!r}", source=source, field="extends")
    base_raw = resolve_extends(_parse(_read_text(path), str(path)), path.parent, str(path), seen + (str(path),))
    return _merge(base_raw, raw)


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


# Keys that exclude each other: an override of the first removes the second, so that
# ``--set orbit.inclination_deg=51.6`` works on a sun-synchronous scenario.
_EXCLUSIVE = {
    ("orbit", "inclination_deg"): ("sun_synchronous",),
    ("orbit", "sun_synchronous"): ("inclination_deg",),
    ("orbit", "raan_deg"): ("ltan_h",),
    ("orbit", "ltan_h"): ("raan_deg",),
    ("orbit", "altitude_km"): ("tle", "omm"),
}


def apply_overrides(raw: dict, overrides: list[str], source: str = "<scenario>") -> dict:
    """Return a copy of ``raw`` with each ``dotted.path=VALUE`` applied (VALUE read as TOML)."""
    import copy

    raw = copy.deepcopy(raw)
    for item in overrides:
        if "=" not in item:
            raise InputError(f"--set expects PATH=VALUE, got {item!r}", source=source)
        path, _, text = item.partition("=")
        keys = path.strip().split(".")
        if not all(keys):
            raise InputError(f"--set: bad field path {path!r}", source=source)
        value = _parse_value(text.strip())
        node = raw
        for depth, key in enumerate(keys[:-1]):
            if isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
                continue
            if not isinstance(node, dict) or key not in node:
                here = ".".join(keys[: depth + 1])
                raise InputError(f"--set: no such field{_suggest(key, node)}", source=source, field=here)
            node = node[key]
        if not isinstance(node, dict):
            raise InputError("--set: not a table", source=source, field=".".join(keys[:-1]))
        node[keys[-1]] = value
        for other in _EXCLUSIVE.get(tuple(keys), ()):
            node.pop(other, None)
    return raw


def _parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text  # a bare word is a string


def _suggest(key: str, node: Any) -> str:
    if isinstance(node, dict):
        close = difflib.get_close_matches(key, [str(k) for k in node], n=1, cutoff=0.6)
        if close:
            return f"; did you mean {close[0]!r}?"
    return ""


_DIST_TAGS = {"fixed", "uniform", "triangular", "normal", "lognormal", "weibull", "bernoulli", "beta"}


def _first_problem(exc: ValidationError, source: str) -> InputError:
    # A misspelt key shows up twice, as an unknown key and as a missing one: report the first.
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    err = errors[0]
    loc = [str(p) for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p in _DIST_TAGS))]
    field = ".".join(loc) or None
    kind = err["type"]
    if kind == "extra_forbidden":
        parent = _model_at(err["loc"][:-1])
        valid = sorted(parent.model_fields) if parent else []
        close = difflib.get_close_matches(loc[-1], valid, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else (f"; valid keys: {', '.join(valid)}" if valid else "")
        message = f"unknown key{hint}"
    elif kind == "missing":
        message = "required field is missing"
    else:
        msg = err["msg"]
        msg = msg.removeprefix("Value error, ")
        message = msg[0].lower() + msg[1:]
        if "input" in err and not isinstance(err["input"], dict):
            message += f", got {err['input']!r}"
    more = len(errors) - 1
    if more:
        message += f" (and {more} more problem{'s' * (more > 1)})"
    return InputError(message, source=source, field=field)


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model class that owns the field at ``loc`` (for key suggestions)."""
    from typing import get_args, get_origin

    model: Any = Scenario
    for part in loc:
        if isinstance(part, int) or (isinstance(part, str) and part in _DIST_TAGS):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        if part not in model.model_fields:
            continue  # a dict key such as a module name
        ann = model.model_fields[part].annotation
        while get_origin(ann) is not None:
            args = [a for a in get_args(ann) if a is not type(None)]
            ann = args[-1] if args else None
        model = ann
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _cross_check(s: Scenario) -> list[tuple[str, str]]:
    """Checks across sections: references, docking graph, payloads, inclinations."""
    problems: list[tuple[str, str]] = []
    add = lambda field, message: problems.append((field, message))  # noqa: E731

    def ref(field: str, value: str, table: dict, what: str):
        if value not in table:
            close = difflib.get_close_matches(value, list(table), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(table) or 'none'}"
            add(field, f"no {what} named {value!r}{hint}")
            return False
        return True

    inclination = s.orbit.resolved_inclination_deg()

    # Durations: never negative; a crew's stay must be positive (or rotations would not advance).
    for path, value in _distributions(s):
        lo, _ = value.bounds()
        key = path.rsplit(".", 1)[-1]
        if key.endswith("_days") and key in _POSITIVE_DURATIONS and not lo > 0:
            add(path, f"expected a duration > 0 days (the smallest value this can take is {lo:g})")
        elif key.endswith("_days") and not lo >= 0:
            add(path, f"expected a duration >= 0 days (the smallest value this can take is {lo:g}; "
                "give a normal distribution a 'low' bound)")

    for vid, v in s.launch_vehicles.items():
        for j, site in enumerate(v.sites):
            ref(f"launch_vehicles.{vid}.sites.{j}", site, s.launch_sites, "launch site")
        if isinstance(v.success_probability, Fixed) and not 0 <= v.success_probability.value <= 1:
            add(f"launch_vehicles.{vid}.success_probability", "expected a probability in [0, 1]")
        lo, hi = v.success_probability.bounds()
        if lo < 0 or hi > 1:
            add(f"launch_vehicles.{vid}.success_probability",
                "expected a distribution of probabilities within [0, 1] (fixed, uniform or beta)")

    def check_launch(prefix: str, vehicle: str, site: str, mass_kg: float | None):
        ok_v = ref(f"{prefix}.launch_vehicle", vehicle, s.launch_vehicles, "launch vehicle")
        ok_s = ref(f"{prefix}.launch_site", site, s.launch_sites, "launch site")
        if not (ok_v and ok_s):
            return
        lv, ls = s.launch_vehicles[vehicle], s.launch_sites[site]
        if site not in lv.sites:
            add(f"{prefix}.launch_site", f"{lv.name} does not fly from {site!r}; it flies from {', '.join(lv.sites)}")
        if not ls.reaches(inclination):
            ranges = ", ".join(f"{a:g}-{b:g}" for a, b in ls.inclination_ranges_deg)
            add(f"{prefix}.launch_site",
                f"{ls.name} cannot reach the orbit's inclination {inclination:.2f} deg (reaches {ranges} deg)")
        if mass_kg is not None and mass_kg > lv.payload_kg(inclination):
            add(f"{prefix}.mass_kg", f"{mass_kg:g} kg is more than {lv.name} lifts to "
                f"{inclination:.1f} deg ({lv.payload_kg(inclination):.0f} kg)")

    all_ports = {f"{mid}.{p}" for mid, m in s.modules.items() for p in m.ports}
    used: dict[str, str] = {}
    for mid, m in s.modules.items():
        prefix = f"modules.{mid}"
        if len(set(m.ports)) != len(m.ports):
            add(f"{prefix}.ports", "port names must be unique within a module")
        if not m.present_at_start:
            check_launch(prefix, m.launch_vehicle, m.launch_site, m.mass_kg)
        if m.docks_to is not None:
            target = m.docks_to.split(".", 1)[0]
            if "." not in m.docks_to:
                add(f"{prefix}.docks_to", f"expected 'module.port', got {m.docks_to!r}")
            elif ref(f"{prefix}.docks_to", target, s.modules, "module") and m.docks_to not in all_ports:
                add(f"{prefix}.docks_to", f"module {target!r} has no port {m.docks_to.split('.', 1)[1]!r}; "
                    f"its ports: {', '.join(s.modules[target].ports) or 'none'}")
            elif m.docks_to in used:
                add(f"{prefix}.docks_to", f"port {m.docks_to!r} is already taken by module {used[m.docks_to]!r}")
            else:
                used[m.docks_to] = mid
            if target == mid:
                add(f"{prefix}.docks_to", "a module cannot dock to itself")
        if m.present_at_start and m.docks_to is not None and target in s.modules \
                and not s.modules[target].present_at_start:
            add(f"{prefix}.docks_to", "a module present at the start must dock to another present at the start")
    cycle = _docking_cycle(s)
    if cycle:
        add(f"modules.{cycle[0]}.docks_to", "the docking graph has a cycle: " + " -> ".join(cycle))
    roots = [mid for mid, m in s.modules.items() if m.docks_to is None]
    if not roots:
        add("modules", "no module is the core (one module must have no docks_to)")

    for table, kind in ((s.crew_ships, "crew_ships"), (s.cargo_ships, "cargo_ships")):
        for sid, ship in table.items():
            check_launch(f"{kind}.{sid}", ship.launch_vehicle, ship.launch_site, None)
            for j, port in enumerate(ship.ports):
                if port not in all_ports:
                    add(f"{kind}.{sid}.ports.{j}", f"no port {port!r}; ports are 'module.port' among "
                        f"{', '.join(sorted(all_ports)) or 'none'}")
                elif port in used:
                    add(f"{kind}.{sid}.ports.{j}", f"port {port!r} is where module {used[port]!r} docks")
    if s.crew is not None:
        if ref("crew.ship", s.crew.ship, s.crew_ships, "crew ship"):
            ship = s.crew_ships[s.crew.ship]
            if s.crew.crew_at_start > ship.seats:
                add("crew.crew_at_start", f"{s.crew.crew_at_start} crew cannot return in one {ship.name} "
                    f"({ship.seats} seats)")

    numbers = [p.number for p in s.phases]
    if numbers != sorted(set(numbers)):
        add("phases", "phase numbers must be unique and increasing")
    for j, phase in enumerate(s.phases):
        for k, mid in enumerate(s.phase_modules(phase)):
            ref(f"phases.{j}.modules.{k}", mid, s.modules, "module")
        if not s.phase_modules(phase):
            add(f"phases.{j}.modules", f"phase {phase.number} has no modules")
    for mid, m in s.modules.items():
        if m.phase not in numbers:
            add(f"modules.{mid}.phase", f"no phase {m.phase}; phases are {numbers}")
    if isinstance(s.orbit.epoch, dt.datetime) and s.orbit.epoch.tzinfo is not None \
            and s.orbit.epoch.utcoffset() != dt.timedelta(0):
        add("orbit.epoch", "give the epoch in UTC (Z)")
    if s.simulation.deadline <= s.simulation.start:
        add("simulation.deadline", "must be after simulation.start")
    if not math.isfinite(inclination):
        add("orbit", "no sun-synchronous solution for this altitude")
    return problems


_POSITIVE_DURATIONS = {"increment_days", "visit_days"}


def _distributions(model: BaseModel, prefix: str = ""):
    """(dotted path, distribution) for every uncertain field in the scenario."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, BaseDistribution):
            yield path, value
        elif isinstance(value, BaseModel):
            yield from _distributions(value, path + ".")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from _distributions(item, f"{path}.{key}.")


def _docking_cycle(s: Scenario) -> list[str] | None:
    parent = {mid: m.docks_to.split(".", 1)[0] for mid, m in s.modules.items()
              if m.docks_to and m.docks_to.split(".", 1)[0] in s.modules}
    for start in parent:
        seen, node = [start], parent[start]
        while node in parent:
            if node == start:
                return seen + [start]
            if node in seen:
                break
            seen.append(node)
            node = parent[node]
    return None
