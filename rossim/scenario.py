"""Scenario files: the TOML schema, loading, ``--set`` overrides and validation messages.

A scenario is read once, checked once, and handed to the rest of rossim as an immutable
:class:`Scenario`. Every problem a user can make is reported as one
:class:`~rossim.errors.InputError` line naming the file, the dotted field path and what was
expected, e.g. ``ross.toml: modules.nem.mass_kg: input should be greater than 0, got -5``.

Units are in the key names (``mass_kg``, ``altitude_km``, ``rendezvous_days``); dates are ISO
dates, read as 00:00 UTC. Uncertain quantities use the vocabulary of :mod:`rossim.distributions`.

Every field has a type that carries its check (one validator per concept): ``Number`` (a finite
TOML number, never a boolean or a string), ``Count`` (``PositiveCount``, ``Attempts``,
``Replications``: each count type carries its bounds), ``Flag``, ``Date`` (1957-10-04 to
2200-12-31), ``Duration`` (never negative, whatever the key), ``Cycle`` (at least a day),
``Probability``, ``Key`` (table keys and references) and ``Name``/``Text`` (bounded plain text).
What a scenario may ask of the machine is bounded before any work starts: file size, nesting,
``extends`` depth, the simulated span, the capacity grid and the coverage samples; each limit
is stated in the message that enforces it. Checks across sections are the ``_check_*``
functions listed in ``_CROSS_CHECKS``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import math
import re
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, Strict, ValidationError,
                      ValidationInfo, field_validator, model_validator)

from . import clock, inputfiles
from .distributions import BaseDistribution, Number, Uncertain
from .errors import InputError

__all__ = [
    "Scenario", "Meta", "Simulation", "OrbitSpec", "LaunchSite", "LaunchVehicle", "Module",
    "CrewShip", "CargoShip", "Phase", "CrewPolicy", "StationSpec", "InstrumentSpec",
    "Relocation", "CrewFlight", "CargoFlight",
    "CoverageSpec", "load", "loads", "all_problems", "apply_overrides", "resolve_extends", "build_orbit",
    "check_coverage_sampling", "validate_orbit", "GroundStationSpec", "GroundStations",
]

#: Inclination tolerance when matching an orbit against a site's documented inclinations (deg):
#: ranges in the data are quoted to 0.1 deg, and a sun-synchronous solve lands between them.
INCLINATION_TOLERANCE_DEG = 0.05

# Limits on what a scenario may ask for; every one is stated in the message that enforces it.
#: Dates a scenario may hold: from Sputnik (so that history, Mir from 1986, can be replayed) to 2200.
DATE_MIN = dt.date(1957, 10, 4)
DATE_MAX = dt.date(2200, 12, 31)
#: Longest simulated span, start to horizon (years).
MAX_SPAN_YEARS = 100
#: Largest count of anything (crew, berths, seats, phases).
MAX_COUNT = 1000
#: Largest number of replications a scenario may ask for by default.
MAX_REPLICATIONS = 1_000_000
#: Most modules of a station (far more than any station has had): the checks of departures and
#: moves on events follow chains of waits from each one, quadratic in the modules.
MAX_MODULES = 200
#: Most docking attempts of one module.
MAX_DOCKING_ATTEMPTS = 100
#: Shortest crew stay, docked life of a crew ship and module rebuild (days): shorter ones could
#: repeat without end within a moment of simulated time.
MIN_CYCLE_DAYS = 1.0
#: Smallest chance of success of a flight that can be retried at the same instant (a rebuilt
#: module, a crew ship after a failure): below it the retries would not end (1 / chance tries).
MIN_CYCLE_SUCCESS = 1e-3
#: Most cargo flights a year (one a day).
MAX_FLIGHTS_PER_YEAR = 365.0
#: Most points of the capacity-band grid (horizon / capacity_step_days).
MAX_CAPACITY_POINTS = 10_000
#: Most orbit samples of a coverage run (days * 86400 / step_s); each costs ~100 bytes per array
#: of the propagation and the access search.
MAX_COVERAGE_SAMPLES = 2_000_000
#: Longest display name or title, and longest description or plan text (characters).
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 5000
#: Largest scenario file (bytes), checked before it is read.
MAX_FILE_BYTES = 1 << 20
#: Deepest nesting of tables and arrays in a scenario (the shipped ones nest 4 deep).
MAX_NESTING = 16
#: Longest chain of ``extends``.
MAX_EXTENDS_DEPTH = 16


# ---------------------------------------------------------------------------------- field types
# One validator per concept; the models below use these types for every field.


def _date_in_range(value: dt.date) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValueError(f"expected a date between {DATE_MIN} and {DATE_MAX}")
    return value


#: A TOML date (not a string or a number) between DATE_MIN and DATE_MAX.
Date = Annotated[dt.date, Strict(), AfterValidator(_date_in_range)]
#: A TOML date-time between DATE_MIN and DATE_MAX.
DateTime = Annotated[dt.datetime, Strict(), AfterValidator(_date_in_range)]

#: A TOML local time of day (``06:22:00``), read as UTC.
TimeOfDay = Annotated[dt.time, Strict()]

#: A TOML integer (not a boolean, a float or a string), 0..MAX_COUNT. The bounds are part of
#: each count type, and a type's own bounds override a field's (``Count = Field(ge=1)`` would
#: still take 0): a field that needs others uses one of the types below, or a ``gt``.
Count = Annotated[int, Strict(), Field(ge=0, le=MAX_COUNT)]
#: A count of at least one, 1..MAX_COUNT (a phase number, a crew level).
PositiveCount = Annotated[int, Strict(), Field(ge=1, le=MAX_COUNT)]
#: Attempts at a docking or a move, 1..MAX_DOCKING_ATTEMPTS.
Attempts = Annotated[int, Strict(), Field(ge=1, le=MAX_DOCKING_ATTEMPTS)]
#: Replications a scenario asks for by default, 1..MAX_REPLICATIONS.
Replications = Annotated[int, Strict(), Field(ge=1, le=MAX_REPLICATIONS)]
#: A TOML boolean (not 0/1 or "yes").
Flag = Annotated[bool, Strict()]

_KEY = re.compile(r"[\w-]{1,64}")


def _key(value: str) -> str:
    if not _KEY.fullmatch(value):
        raise ValueError("expected a key of 1 to 64 letters, digits, '_' or '-'")
    return value


#: A table key or a reference to one (module, port, site, vehicle, ship): no dots, spaces or
#: control characters, so that "module.port" and dotted field paths stay unambiguous.
Key = Annotated[str, Strict(), AfterValidator(_key)]


def _text(multiline: bool):
    allowed = "\n\t" if multiline else ""

    def check(value: str) -> str:
        bad = next((c for c in value if (c < " " or "\x7f" <= c <= "\x9f" or c in "\u2028\u2029")
                    and c not in allowed), None)
        if bad is not None:
            raise ValueError(f"expected {'text' if multiline else 'one line of text'} without control "
                             f"characters, got {bad!r} at position {value.index(bad)}")
        return value
    return AfterValidator(check)


#: A display name or title: one line of plain text, at most MAX_NAME_CHARS characters.
Name = Annotated[str, Strict(), Field(max_length=MAX_NAME_CHARS), _text(multiline=False)]
#: A description: plain text (lines allowed), at most MAX_TEXT_CHARS characters.
Text = Annotated[str, Strict(), Field(max_length=MAX_TEXT_CHARS), _text(multiline=True)]


def _duration(minimum: float):
    def check(d: BaseDistribution) -> BaseDistribution:
        lo, _ = d.bounds()
        if not lo >= minimum:
            hint = "; give a normal distribution a 'low' bound" if math.isinf(lo) else ""
            raise ValueError(f"expected a duration >= {minimum:g} day{'s' * (minimum != 1)} "
                             f"(the smallest value this can take is {lo:g}{hint})")
        return d
    return AfterValidator(check)


#: A duration in days, fixed or uncertain, that can never be negative.
Duration = Annotated[Uncertain, _duration(0.0)]
#: A duration that starts something over (a crew's stay, a rebuild): at least MIN_CYCLE_DAYS.
Cycle = Annotated[Uncertain, _duration(MIN_CYCLE_DAYS)]


def _probability(d: BaseDistribution) -> BaseDistribution:
    lo, hi = d.bounds()
    if not (0 <= lo and hi <= 1):
        raise ValueError("expected a probability in [0, 1], or a distribution of probabilities within "
                         "[0, 1] (fixed, uniform or beta)")
    return d


#: A probability, fixed or drawn (e.g. beta from a flight record).
Probability = Annotated[Uncertain, AfterValidator(_probability)]


def _inclination_pairs(pairs: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if any(not 0 <= inc <= 180 for inc, _ in pairs):
        raise ValueError("expected inclinations in [0, 180] deg")
    return pairs


class _Model(BaseModel):
    # Defaults are validated too, so that a default duration is a distribution like a given one.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Meta(_Model):
    """What the scenario is: shown in tables and reports."""

    name: Name = Field(min_length=1)
    title: Name = ""
    description: Text = ""
    plan: Name = Field("", description="which published plan this encodes, with its date")


class Simulation(_Model):
    start: Date
    horizon: Date
    replications: Replications = 1000
    seed: int = Field(0, ge=0, lt=2**128, strict=True)
    deadline: Date = Field(dt.date(2033, 12, 31), description="report P(phase complete by this date)")
    capacity_step_days: Number = Field(7.0, gt=0, description="grid of the capacity bands")
    launch_opportunities: Literal["daily", "orbit_plane"] = Field(
        "daily", description="daily at daily_launch_utc, or when the site passes through the orbit plane")
    daily_launch_utc: TimeOfDay = Field(dt.time(0, 0), description="time of day (UTC) of a daily launch opportunity")
    crew_milestones: list[Annotated[Count, Field(gt=0)]] = Field(
        default_factory=list, max_length=MAX_COUNT,
        description="crew levels N reported as room_for_N and capacity_N besides the phases' crew targets")

    @model_validator(mode="after")
    def _span(self):
        if self.horizon <= self.start:
            raise ValueError(f"horizon ({self.horizon}) must be after start ({self.start})")
        if self.horizon > _add_years(self.start, MAX_SPAN_YEARS):
            raise ValueError(f"the span from start ({self.start}) to horizon ({self.horizon}) is longer "
                             f"than the limit of {MAX_SPAN_YEARS} years")
        return self

    @field_validator("capacity_step_days")
    @classmethod
    def _grid_size(cls, step: float, info: ValidationInfo) -> float:
        start, horizon = info.data.get("start"), info.data.get("horizon")
        if start is None or horizon is None:
            return step
        days = (horizon - start).days
        points = days / step + 1
        if points > MAX_CAPACITY_POINTS:
            raise ValueError(f"{step:g} days over {days:,} days gives about {points:,.0f} grid points per "
                             f"replication, more than the limit of {MAX_CAPACITY_POINTS:,}; use at least "
                             f"{math.ceil(days / (MAX_CAPACITY_POINTS - 1) * 100) / 100:g} days")
        return step

    @property
    def horizon_days(self) -> float:
        return clock.days_between(self.start, self.horizon)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class OrbitSpec(_Model):
    """The station's orbit: mean elements, or a TLE (two lines) for checks against real stations."""

    altitude_km: Number | None = Field(None, ge=150, le=40000, description=(
        "SGP4's Brouwer mean semi-major axis minus the WGS84 equatorial radius 6378.137 km"))
    semi_major_axis_km: Number | None = Field(None, ge=6528.137, le=46378.137, description=(
        "the Brouwer mean semi-major axis itself (instead of altitude_km)"))
    mean_altitude_km: Number | None = Field(None, ge=150, le=40000, description=(
        "the height above the WGS84 ellipsoid averaged over whole revolutions (instead of altitude_km): "
        "what 'an orbit at 400 km' usually means; 400 at 51.6 deg is altitude_km 394.2"))
    inclination_deg: Number | None = Field(None, ge=0, le=180)
    sun_synchronous: Flag = False
    raan_deg: Number | None = Field(None, ge=0, lt=360)
    ltan_h: Number | None = Field(None, ge=0, lt=24, description="local time of the ascending node")
    eccentricity: Number = Field(0.0, ge=0, lt=1)
    arg_perigee_deg: Number = Field(0.0, ge=-360, le=360)
    mean_anomaly_deg: Number = Field(0.0, ge=-360, le=360)
    epoch: DateTime | Date | None = None
    tle: list[Annotated[str, Strict(), Field(max_length=80)]] | None = None
    omm: dict[str, Annotated[str, Strict(), Field(max_length=80)] | Number] | None = Field(
        None, description="OMM mean elements keyed as CelesTrak's JSON (EPOCH, MEAN_MOTION, ...)")

    @field_validator("tle")
    @classmethod
    def _tle(cls, lines):
        from .orbit import Orbit

        if lines is not None:
            if len(lines) != 2:
                raise ValueError(f"expected a list of the two element-set lines, got {len(lines)} lines")
            _orbit_or_value_error(Orbit.from_tle, *lines)
        return lines

    @field_validator("omm")
    @classmethod
    def _omm(cls, fields):
        from .orbit import Orbit

        if fields is not None:
            _orbit_or_value_error(Orbit.from_omm, fields)
        return fields

    @model_validator(mode="after")
    def _one_way(self):
        if self.tle is not None and self.omm is not None:
            raise ValueError("give a tle or an omm, not both")
        if self.tle is not None or self.omm is not None:
            return self
        given = [k for k in ALTITUDE_KEYS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(ALTITUDE_KEYS)} (or a tle or an omm)"
                             + (f", got {' and '.join(given)}" if given else ""))
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

            return sun_synchronous_inclination_deg(self.brouwer_altitude_km(), self.eccentricity)
        return self.inclination_deg

    def brouwer_altitude_km(self) -> float:
        """``altitude_km`` in rossim's convention (Brouwer mean semi-major axis minus 6378.137 km),
        from whichever of :data:`ALTITUDE_KEYS` the scenario gives; NaN when a ``mean_altitude_km``
        has no orbit (no sun-synchronous solution near it). Element sets (tle, omm): None."""
        if self.altitude_km is not None:
            return float(self.altitude_km)
        from .orbit import WGS84_A_KM

        if self.semi_major_axis_km is not None:
            return float(self.semi_major_axis_km) - WGS84_A_KM
        if self.mean_altitude_km is not None:
            return _altitude_for_mean(float(self.mean_altitude_km), self.inclination_deg, self.sun_synchronous,
                                      float(self.eccentricity), float(self.arg_perigee_deg),
                                      float(self.mean_anomaly_deg))
        return None


#: The ways an orbit's size is given (exactly one): see :class:`OrbitSpec`.
ALTITUDE_KEYS = ("altitude_km", "semi_major_axis_km", "mean_altitude_km")


@functools.lru_cache(maxsize=64)
def _altitude_for_mean(mean_km, inclination_deg, sun_synchronous, e, arg_perigee_deg, mean_anomaly_deg) -> float:
    """The Brouwer ``altitude_km`` of an orbit whose mean height is ``mean_km``
    (:func:`rossim.orbit.altitude_for_mean_altitude_km`; the epoch does not matter)."""
    from .orbit import Orbit, altitude_for_mean_altitude_km

    def make(alt):
        return Orbit.from_elements(_MEAN_ALTITUDE_EPOCH, alt, None if sun_synchronous else inclination_deg,
                                   sun_synchronous=sun_synchronous, raan_deg=0.0, eccentricity=e,
                                   arg_perigee_deg=arg_perigee_deg, mean_anomaly_deg=mean_anomaly_deg)

    try:
        return altitude_for_mean_altitude_km(mean_km, make)
    except InputError:
        return math.nan


_MEAN_ALTITUDE_EPOCH = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)


def _orbit_or_value_error(build, *args):
    """Build an element set's orbit to check it; its InputError becomes the validator's message."""
    try:
        build(*args)
    except InputError as exc:  # field "omm.KEY": name the key in the message (the field is orbit.omm)
        key = (exc.field or "").partition(".")[2]
        raise ValueError(f"{key}: {exc.message}" if key else exc.message) from None


class LaunchSite(_Model):
    name: Name = Field(min_length=1)
    lat_deg: Number = Field(ge=-90, le=90)
    lon_deg: Number = Field(ge=-180, le=180)
    inclination_ranges_deg: list[tuple[Number, Number]] = Field(
        min_length=1, description="[low, high] inclinations the site's ascent corridors reach")
    turnaround_days: Number = Field(0.0, ge=0, description="minimum days between two launches")
    scrub_probability: Number = Field(0.0, ge=0, lt=1, description="per launch attempt")
    outage_probability: Number = Field(0.0, ge=0, le=1, description="pad damaged by a launch")
    outage_days: Duration = 0.0

    @field_validator("inclination_ranges_deg")
    @classmethod
    def _ranges(cls, ranges):
        if any(not 0 <= lo <= hi <= 180 for lo, hi in ranges):
            raise ValueError("expected [low, high] pairs with 0 <= low <= high <= 180 deg")
        return ranges

    def reaches(self, inclination_deg: float) -> bool:
        tol = INCLINATION_TOLERANCE_DEG
        return any(lo - tol <= inclination_deg <= hi + tol for lo, hi in self.inclination_ranges_deg)


class LaunchVehicle(_Model):
    name: Name = Field(min_length=1)
    payload_kg_at_inclination_deg: list[tuple[Number, Number]] = Field(
        description="(inclination_deg, payload_kg) pairs, interpolated linearly")
    success_probability: Probability = Field(
        description="fixed, or drawn once per replication (e.g. beta from the flight record)")
    min_days_between_flights: Number = Field(0.0, ge=0)
    stand_down_days_after_failure: Duration = 0.0
    sites: list[Key] = Field(min_length=1)

    @field_validator("payload_kg_at_inclination_deg")
    @classmethod
    def _payload_table(cls, v):
        if not v:
            raise ValueError("give at least one (inclination_deg, payload_kg) pair")
        if any(kg <= 0 for _, kg in v):
            raise ValueError("payloads must be > 0 kg")
        _inclination_pairs(v)
        if len({inc for inc, _ in v}) != len(v):
            raise ValueError("expected each inclination once")
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


#: A 'module.port' reference.
PortRef = Annotated[str, Strict(), Field(max_length=130)]


class ModuleEvent(_Model):
    """Some days after an event of a module: when a module leaves (``departs_after``; Pirs: five
    days after Nauka's launch) or moves (``relocate.after_event``: when the arrival that needs its
    port has launched), instead of on a date."""

    event: Literal["launched", "docked", "commissioned", "departed"]
    module: Key
    days: Number = Field(0.0, ge=0, description="days after the event")


class Relocation(_Model):
    """A module that docks at one port and later moves to another (Tiangong's laboratories, Mir's
    radial modules): at a date, some days after it docked, or some days after another module's
    event (the arrival that needs its port has launched); the move takes ``duration_days`` and
    frees the port it leaves for the next arrival."""

    to: PortRef = Field(description="'module.port' it moves to")
    at: DateTime | Date | None = Field(None, description="when it starts to move (not before it docks)")
    after_days: Number | None = Field(None, ge=0, description="days after it docked")
    after_event: ModuleEvent | None = Field(None, description="days after another module's event "
                                            "(at once if it docks later)")
    duration_days: Number = Field(0.0, ge=0, description="each attempt takes this long")
    success_probability: Number = Field(1.0, ge=0, le=1, description="per attempt; a failed attempt "
                                        "leaves it where it was, holding its port")
    max_attempts: Attempts = Field(1, description="after the last failed "
                                "one it stays where it is for good")
    retry_days: Number = Field(5.0, ge=0, description="days from a failed attempt to the next")

    @model_validator(mode="after")
    def _when(self):
        if sum(x is not None for x in (self.at, self.after_days, self.after_event)) != 1:
            raise ValueError("give exactly one of at or after_days (or after_event)")
        return self


class Module(_Model):
    name: Name = Field(min_length=1)
    phase: PositiveCount
    mass_kg: Number = Field(gt=0)
    launch_vehicle: Key | None = None
    launch_site: Key | None = None
    ready: Date | None = Field(None, description="planned date the module is ready to fly")
    slip_days: Duration = 0.0
    docks_to: PortRef | None = Field(None, description="'module.port' it docks to; none for the core")
    launch_utc: TimeOfDay | None = Field(None, description="time of day of its launch (daily opportunities)")
    max_wait_days: Number | None = Field(None, ge=0, description="it may launch while its port is still "
                                         "held and wait in orbit, after its rendezvous, this many days at "
                                         "most for the port (else it is lost); none: it launches once it "
                                         "holds its port")
    relocate: Relocation | None = None
    ports: list[Key] = Field(default_factory=list, description="ports this module adds")
    berths: Count = 0
    life_support_crew: Count = 0
    power_kw: Number = Field(0.0, ge=0)
    rendezvous_days: Duration = 2.0
    docking_success_probability: Number = Field(1.0, gt=0, le=1, description="per attempt")
    docking_retry_days: Duration = 5.0
    max_docking_attempts: Attempts = 3
    commissioning_days: Duration = 0.0
    on_loss: Literal["rebuild", "drop"] = "rebuild"
    rebuild_days: Duration = 730.0
    present_at_start: Flag = False
    departs: Date | None = Field(None, description="date the module leaves the station")
    departs_after: ModuleEvent | None = Field(None, description="it leaves after another module's event")
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
        if self.departs is not None and self.departs_after is not None:
            raise ValueError("give at most one of departs and departs_after")
        return self


class _Ship(_Model):
    name: Name = Field(min_length=1)
    launch_vehicle: Key
    launch_site: Key
    ports: list[Annotated[str, Strict(), Field(max_length=130)]] = Field(
        min_length=1, description="'module.port' ports it may dock at")
    rendezvous_days: Duration = 0.25


class CrewShip(_Ship):
    seats: Count = Field(gt=0)
    docked_life_days: Number = Field(ge=MIN_CYCLE_DAYS)
    return_seats: Count | None = Field(None, description="seats it gives the station as a lifeboat while "
                                       "docked (default: seats); 0 when its crew's way home is a seat in "
                                       "another ship (an ISS crew member the Shuttle brought, whose seat "
                                       "liner went into the Soyuz)")


class CargoShip(_Ship):
    flights_per_year: Number = Field(0.0, ge=0, le=MAX_FLIGHTS_PER_YEAR,
                                     description="0: only the flights of cargo_flights")
    docked_days: Duration = 180.0
    first_flight: Date | Literal["first_crew"] = "first_crew"


class _Flight(_Model):
    """A flight of a manifest: a planned date (and time of day); it still books its vehicle and
    pad, slips, scrubs and may fail."""

    name: Key | None = Field(None, description="its name in the event log (default ship:date)")
    date: Date = Field(description="planned launch date")
    launch_utc: TimeOfDay | None = Field(None, description="time of day of the launch (UTC)")
    ship: Key
    port: PortRef | None = Field(None, description="'module.port' (default: the first free of the ship's ports)")
    slip_days: Duration = 0.0
    rendezvous_days: Duration | None = Field(None, description="default: the ship's")
    relocate: Relocation | None = Field(None, description="the ship moves to another of its ports")
    max_wait_days: Number | None = Field(None, ge=0, description="it may launch while its port is still "
                                         "held and wait in orbit, after its rendezvous, this many days at "
                                         "most for one (else it returns, or a cargo ship is lost)")


class CrewFlight(_Flight):
    crew: Count = Field(gt=0)
    mode: Literal["visit", "handover"] = Field(
        "visit", description="handover: relieves the crews of earlier handover flights still aboard")
    stay_days: Number | None = Field(None, ge=MIN_CYCLE_DAYS,
                                     description="days docked (default: the ship's docked life)")
    handover_days: Number | None = Field(None, ge=0, description="overlap of the two crews (handover)")
    relieves: list[Key] | None = Field(None, description="handover: the earlier crew flights (names) whose "
                                       "crews it relieves (default: every resident crew aboard)")


class CargoFlight(_Flight):
    docked_days: Duration | None = Field(None, description="default: the ship's")


class Phase(_Model):
    number: PositiveCount
    name: Name = ""
    crew_target: Count = Field(gt=0)
    modules: list[Key] | None = Field(None, description="default: every module of this phase")


class CrewPolicy(_Model):
    mode: Literal["permanent", "visiting"] = "permanent"
    ship: Key
    increment_days: Cycle = 180.0
    handover_overlap_days: Number = Field(0.0, ge=0)
    visit_days: Cycle = 60.0
    days_between_visits: Duration = 120.0
    min_crew: PositiveCount = Field(2, description="send crews only when the station can hold this many")
    crew_at_start: Count = Field(0, description="crew aboard at the start, halfway through its "
                                 "increment (or visit), with one ship docked that has half its life left")


class StationSpec(_Model):
    power_base_kw: Number = Field(0.0, ge=0, description="power the station needs uncrewed")
    power_per_crew_kw: Number = Field(0.0, ge=0)
    handover_crew_max: Count = Field(0, description="most people aboard during a handover overlap "
                                     "(0: no more than the steady capacity)")


class InstrumentSpec(_Model):
    half_angle_deg: Number | None = Field(None, gt=0, lt=90)
    swath_km: Number | None = Field(None, gt=0, le=20000)
    min_sun_elevation_deg: Number | None = Field(None, ge=-90, le=90)
    station_sunlit: Flag | None = None
    module: Key | None = Field(None, description="the module carrying it: it observes from that module's "
                               "commissioning until it departs (rossim.campaign_coverage); none: from the "
                               "station's first commissioned module")
    needs_crew: Flag = Field(False, description="observes only while crew is aboard (a hand-held camera)")

    @model_validator(mode="after")
    def _one_geometry(self):
        if (self.half_angle_deg is None) == (self.swath_km is None):
            raise ValueError("give exactly one of half_angle_deg or swath_km")
        return self


def check_coverage_sampling(days: float, step_s: float) -> None:
    """ValueError unless ``days`` sampled every ``step_s`` seconds stays within
    :data:`MAX_COVERAGE_SAMPLES` orbit samples (the message gives the estimate and the limit)."""
    samples = days * 86400.0 / step_s + 1
    if samples > MAX_COVERAGE_SAMPLES:
        finest = days * 86400.0 / (MAX_COVERAGE_SAMPLES - 1)
        raise ValueError(f"{step_s:g} s over {days:g} days gives about {samples:,.0f} orbit samples, more "
                         f"than the limit of {MAX_COVERAGE_SAMPLES:,}; use at least "
                         f"{math.ceil(finest * 100) / 100:g} s or fewer days")


class CoverageSpec(_Model):
    days: Number = Field(30.0, gt=0)
    resolution_km: Number = Field(50.0, gt=0)
    step_s: Number = Field(20.0, ge=1, le=120)
    nsr_corridor_width_km: Number = Field(100.0, gt=0, le=2000)
    start: DateTime | Date | None = None

    @field_validator("step_s")
    @classmethod
    def _samples(cls, step_s: float, info: ValidationInfo) -> float:
        if "days" in info.data:
            check_coverage_sampling(info.data["days"], step_s)
        return step_s


#: Most extra ground stations of a scenario (with the 7 shipped ones, within the contact search's
#: limit ``rossim.contacts.MAX_STATIONS``).
MAX_GROUND_STATIONS = 90


class GroundStationSpec(_Model):
    """One ground station of ``[ground_stations.extra.NAME]``: geodetic WGS84 position."""

    lat_deg: Number = Field(ge=-90, le=90)
    lon_deg: Number = Field(ge=-180, le=360)
    height_m: Number = Field(0.0, ge=-1000, le=10000, description="above the WGS84 ellipsoid")
    min_elevation_deg: Number | None = Field(None, ge=0, lt=90,
                                             description="default: ground_stations.min_elevation_deg")


class GroundStations(_Model):
    """``[ground_stations]``: the shipped Russian stations (``rossim/data/ground_stations.json``)
    unless ``use_shipped = false``, and the scenario's own in ``extra`` (one with a shipped
    station's id replaces it)."""

    use_shipped: Flag = True
    min_elevation_deg: Number = Field(5.0, ge=0, lt=90, description="assumption: rossim.contacts."
                                      "DEFAULT_MIN_ELEVATION_DEG, a usual mask of tracking antennas")
    extra: dict[Key, GroundStationSpec] = Field(default_factory=dict, max_length=MAX_GROUND_STATIONS)


class WhatIf(_Model):
    """A forced event of ``[[what_if]]``: exactly one of ``launch_fails`` (with ``nth``: that
    vehicle's n-th launch fails), ``docking_fails`` (with ``attempt``: that module's n-th docking
    attempt fails), ``pad_out`` (with ``from`` and ``days``: the site cannot launch in
    [from, from + days)) or ``slip`` (with ``days``: the module is ready that much later, on top
    of its drawn slip). Forced events override the drawn outcome, the random draws unchanged."""

    launch_fails: Key | None = None
    nth: int | None = Field(None, ge=1, le=MAX_COUNT, strict=True)
    docking_fails: Key | None = None
    attempt: int | None = Field(None, ge=1, le=MAX_COUNT, strict=True)
    pad_out: Key | None = None
    from_: Date | None = Field(None, alias="from")
    slip: Key | None = None
    days: Number | None = Field(None, gt=0)

    @property
    def kind(self) -> str | None:
        kinds = [k for k in WHAT_IF_KINDS if getattr(self, k) is not None]
        return kinds[0] if len(kinds) == 1 else None

    def describe(self) -> dict:
        """The entry as given (TOML keys, dates as ISO strings), for summaries."""
        out = self.model_dump(by_alias=True, exclude_none=True)
        return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in out.items()}


#: The kinds of forced event, and the other fields each one takes.
WHAT_IF_KINDS = {"launch_fails": ("nth",), "docking_fails": ("attempt",), "pad_out": ("from", "days"),
                 "slip": ("days",)}


class Scenario(_Model):
    """A validated, immutable scenario. Build it with :func:`load` or :func:`loads`."""

    scenario: Meta
    simulation: Simulation
    orbit: OrbitSpec
    station: StationSpec = StationSpec()
    launch_sites: dict[Key, LaunchSite]
    launch_vehicles: dict[Key, LaunchVehicle]
    modules: dict[Key, Module] = Field(min_length=1, max_length=MAX_MODULES)
    crew_ships: dict[Key, CrewShip] = Field(default_factory=dict)
    cargo_ships: dict[Key, CargoShip] = Field(default_factory=dict)
    phases: list[Phase] = Field(min_length=1)
    crew: CrewPolicy | None = None
    crew_flights: list[CrewFlight] = Field(default_factory=list, max_length=MAX_COUNT)
    cargo_flights: list[CargoFlight] = Field(default_factory=list, max_length=MAX_COUNT)
    instruments: dict[Key, InstrumentSpec] = Field(default_factory=dict)
    coverage: CoverageSpec = CoverageSpec()
    ground_stations: GroundStations = GroundStations()
    what_if: list[WhatIf] = Field(default_factory=list, max_length=MAX_COUNT)

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
            sc.orbit_epoch(), spec.brouwer_altitude_km(), spec.inclination_deg,
            sun_synchronous=spec.sun_synchronous, raan_deg=spec.raan_deg, ltan_h=spec.ltan_h,
            eccentricity=spec.eccentricity, arg_perigee_deg=spec.arg_perigee_deg,
            mean_anomaly_deg=spec.mean_anomaly_deg,
        )
    except InputError as exc:
        field = f"orbit.{exc.field}" if exc.field else "orbit"
        raise InputError(exc.message, source=exc.source or sc.source, field=field) from None


# --------------------------------------------------------------------------------------------
# Loading


#: What a scenario is loaded for. ``campaign`` (run, compare, validate by default) checks
#: everything; ``coverage`` (``rossim coverage``, ``validate --for coverage``) leaves out the
#: checks of launching into the orbit (:func:`_check_reach`: a launch site reaching its
#: inclination, a vehicle lifting a module there): a coverage run launches nothing, so an orbit
#: what-if (``--set orbit.inclination_deg=51.6`` on a sun-synchronous plan) is a valid coverage
#: scenario. Every override is applied before the one validation either way.
PURPOSES = ("campaign", "coverage")


def load(path: str | Path, overrides: list[str] = (), what_if: list[str] = (), purpose: str = "campaign") -> Scenario:
    """Read, override (``PATH=VALUE`` strings) and validate a scenario file for ``purpose`` (one of
    :data:`PURPOSES`).

    A file may start with ``extends = "other.toml"`` (relative to itself): it is then read as the
    other file's tables with its own tables merged over them, key by key (lists are replaced).
    ``what_if``: forced events (the body of a TOML inline table each, ``'slip = "m", days = 30'``)
    appended to the scenario's ``[[what_if]]`` list, validated with it.
    """
    path = Path(path)
    text = _read_text(path)
    return loads(text, source=str(path), overrides=overrides, what_if=what_if, purpose=purpose)


def loads(text: str, source: str = "<scenario>", overrides: list[str] = (), what_if: list[str] = (),
          purpose: str = "campaign") -> Scenario:
    """Validate scenario TOML text; see :func:`load`."""
    raw = _parse(text, source)
    raw = resolve_extends(raw, Path(source).parent, source, seen=(source,))
    raw = apply_overrides(raw, overrides, source)
    raw = add_what_ifs(raw, what_if)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise _first_problem(exc, source) from None
    problems = _cross_check(scenario, purpose)
    if problems:
        field, message = problems[0]
        if purpose == "campaign" and not _cross_check(scenario, "coverage"):
            message += "; only launching into the orbit fails: a coverage run (rossim coverage, validate --for coverage) accepts it"
        raise InputError(message + _more(len(problems) - 1), source=source, field=field)
    return scenario.model_copy(update={"source": source, "source_text": text})


def add_what_ifs(raw: dict, texts: list[str]) -> dict:
    """``raw`` with each ``--what-if`` text (a TOML inline table's body) appended to its
    ``what_if`` list; InputError (source ``--what-if``) for text that is not one."""
    if not texts:
        return raw
    entries = []
    for text in texts:
        if "\n" in text or "\r" in text:
            raise InputError(f"expected one line, got {_short(text)}", source="--what-if")
        try:
            table = tomllib.loads(f"what_if = {{ {text} }}")
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"expected the body of a TOML inline table like 'launch_fails = \"vehicle\", "
                             f"nth = 1', got {_short(text)} ({_one_line(exc)})", source="--what-if") from None
        if list(table) != ["what_if"] or not isinstance(table["what_if"], dict):
            raise InputError(f"expected the body of one TOML inline table, got {_short(text)}", source="--what-if")
        entries.append(table["what_if"])
    listed = raw.get("what_if", [])
    if not isinstance(listed, list):
        listed = [listed]  # the schema refuses it, with its field
    return {**raw, "what_if": [*listed, *entries]}


def _more(n: int) -> str:
    """What a one-line refusal says of the ``n`` other problems."""
    if not n:
        return ""
    return f" (and {n} more problem{'s' * (n > 1)}: rossim validate --all-problems lists them)"


def all_problems(path: str | Path, overrides: list[str] = (), purpose: str = "campaign") -> list[InputError]:
    """Every problem of a scenario file with ``overrides`` for ``purpose``, one
    :class:`InputError` per field ([] when it is valid): where :func:`load` stops at the first. A
    file that cannot be read, parsed or overridden is one problem; then every field the schema
    refuses; then, for a scenario the schema accepts, every cross-check (launch sites, vehicles,
    dates, ports, ...)."""
    source = str(path)
    try:
        raw = _parse(_read_text(Path(path)), source)
        raw = resolve_extends(raw, Path(source).parent, source, seen=(source,))
        raw = apply_overrides(raw, overrides, source)
    except InputError as exc:
        return [exc]
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        return _problems(exc, source)
    return [InputError(message, source=source, field=field) for field, message in _cross_check(scenario, purpose)]


def _read_text(path: Path) -> str:
    """The text of a scenario file: a regular file (not a folder, device or pipe, which could be
    endless or block) of at most MAX_FILE_BYTES, checked before reading; UTF-8."""
    try:
        path.stat()
    except FileNotFoundError:
        raise InputError("no such scenario file", source=str(path)) from None
    except (OSError, ValueError) as exc:  # a loop of links, a NUL byte in the name
        raise InputError(f"cannot read the file ({_one_line(exc)})", source=str(path)) from None
    return inputfiles.read_text(path, MAX_FILE_BYTES)


def _value_problem(exc: ValueError) -> str:
    """What tomllib could not convert, in one line."""
    if "integer string conversion" in str(exc):
        return f"an integer has more than {sys.get_int_max_str_digits()} digits"
    return _one_line(exc)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _parse(text: str, source: str) -> dict:
    """TOML text as tables; InputError for syntax errors, values Python cannot hold (a 5,000-digit
    integer) and nesting deeper than MAX_NESTING levels."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"TOML syntax error: {exc}", source=source) from None
    except RecursionError:
        raise InputError(f"TOML nested too deeply (the limit is {MAX_NESTING} levels)", source=source) from None
    except ValueError as exc:  # e.g. an integer with more digits than int() converts
        raise InputError(f"TOML value that cannot be read: {_value_problem(exc)}", source=source) from None
    _check_nesting(raw, source)
    return raw


def _check_nesting(value: Any, source: str, prefix: str = "") -> None:
    """InputError if tables or arrays in ``value`` nest deeper than MAX_NESTING (iterative)."""
    stack = [(value, 0, prefix)]
    while stack:
        node, depth, path = stack.pop()
        if depth > MAX_NESTING:
            raise InputError(f"nested deeper than the limit of {MAX_NESTING} tables or arrays",
                             source=source, field=path[:200] or None)
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in items:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1, f"{path}.{_path_part(key)}" if path else _path_part(key)))


def _path_part(key: Any) -> str:
    """A key as shown in a dotted field path: quoted (repr) unless a plain key."""
    text = str(key)
    return text if _KEY.fullmatch(text) else repr(text)[:80]


def resolve_extends(raw: dict, folder: Path, source: str, seen: tuple[str, ...] = ()) -> dict:
    """``raw`` with its ``extends`` base (a path relative to ``folder``) merged under it, key by
    key, and the base's own base under that, at most MAX_EXTENDS_DEPTH files deep; InputError for
    a missing or circular base (paths compared resolved, so "sub/../x.toml" is "x.toml").
    Pops ``extends`` from ``raw``."""
    chain = [raw]
    visited = [_resolved(Path(p)) for p in seen]
    names = list(seen)
    while True:
        base = chain[-1].pop("extends", None)
        if base is None:
            break
        if not isinstance(base, str):
            raise InputError(f"expected the path of a scenario file (a string), got {_short(base)}",
                             source=source, field="extends")
        if len(chain) > MAX_EXTENDS_DEPTH:
            raise InputError(f"more than {MAX_EXTENDS_DEPTH} files deep (the limit of extends chains)",
                             source=source, field="extends")
        path = folder / base
        key = _resolved(path)
        if key is None:
            raise InputError(f"not a usable file path: {_short(base)}", source=source, field="extends")
        if key in visited:
            loop = " -> ".join(repr(n) for n in names[visited.index(key):] + [str(path)])
            raise InputError(f"circular extends: {loop[:500]}", source=source, field="extends")
        if not path.is_file():
            raise InputError(f"no such scenario file {_short(str(path))}", source=source, field="extends")
        chain.append(_parse(_read_text(path), str(path)))
        visited.append(key)
        names.append(str(path))
        folder, source = path.parent, str(path)
    merged = chain.pop()
    while chain:
        merged = _merge(merged, chain.pop())
    return merged


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError):
        return None


def _merge(base: dict, over: dict, path: tuple[str, ...] = ()) -> dict:
    """``over``'s keys merged over ``base``'s, table by table; a key of ``over`` drops the base's
    keys it excludes (:data:`_EXCLUSIVE`) unless ``over`` gives them too, as ``--set`` does: a
    variant giving ``mean_altitude_km`` replaces its base's ``altitude_km``."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, (*path, key))
        else:
            out[key] = value
        for other in _EXCLUSIVE.get((*path, key), ()):
            if other not in over:
                out.pop(other, None)
    return out


# Keys that exclude each other: an override of the first removes the second (unless the second is
# overridden too), so that ``--set orbit.inclination_deg=51.6`` works on a sun-synchronous scenario.
_EXCLUSIVE = {
    ("orbit", "inclination_deg"): ("sun_synchronous",),
    ("orbit", "sun_synchronous"): ("inclination_deg",),
    ("orbit", "raan_deg"): ("ltan_h",),
    ("orbit", "ltan_h"): ("raan_deg",),
    ("orbit", "altitude_km"): ("tle", "omm", "semi_major_axis_km", "mean_altitude_km"),
    ("orbit", "semi_major_axis_km"): ("tle", "omm", "altitude_km", "mean_altitude_km"),
    ("orbit", "mean_altitude_km"): ("tle", "omm", "altitude_km", "semi_major_axis_km"),
}


def apply_overrides(raw: dict, overrides: list[str], source: str = "<scenario>") -> dict:
    """Return a copy of ``raw`` with each ``dotted.path=VALUE`` applied (VALUE read as TOML).

    Every override is set first; then each overridden key drops the keys it excludes
    (:data:`_EXCLUSIVE`) unless they were overridden as well. The result does not depend on the
    order of overrides of different fields: ``orbit.inclination_deg=51.6`` with
    ``orbit.sun_synchronous=false`` gives a 51.6° orbit either way round, and
    ``orbit.sun_synchronous=true`` with ``orbit.inclination_deg=51.6`` is refused either way."""
    import copy

    raw = copy.deepcopy(raw)
    done: list[tuple[dict, tuple[str, ...]]] = []  # (the table, the path) of every override
    for item in overrides:
        if "=" not in item:
            raise InputError(f"--set expects PATH=VALUE, got {_short(item)}", source=source)
        path, _, text = item.partition("=")
        keys = path.strip().split(".")
        if not all(keys):
            raise InputError(f"--set: bad field path {_short(path)}", source=source)
        value = _parse_value(text.strip(), source, path.strip())
        node = raw
        for depth, key in enumerate(keys[:-1]):
            if isinstance(node, list) and key.isascii() and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
                continue
            if not isinstance(node, dict) or key not in node:
                here = ".".join(_path_part(k) for k in keys[: depth + 1])
                raise InputError(f"--set: no such field{_suggest(key, node)}", source=source, field=here)
            node = node[key]
        if not isinstance(node, dict):
            raise InputError("--set: not a table", source=source,
                             field=".".join(_path_part(k) for k in keys[:-1]))
        node[keys[-1]] = value
        done.append((node, tuple(keys)))
    overridden = {keys for _, keys in done}
    for node, keys in done:
        for other in _EXCLUSIVE.get(keys, ()):
            if (*keys[:-1], other) not in overridden:
                node.pop(other, None)
    return raw


def _parse_value(text: str, source: str = "<scenario>", field: str | None = None) -> Any:
    """A ``--set`` value read as TOML (a bare word is a string); checked like a file's values."""
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text  # a bare word is a string
    except (RecursionError, ValueError) as exc:
        what = f"nested too deeply (the limit is {MAX_NESTING} levels)" if isinstance(exc, RecursionError) \
            else _value_problem(exc)
        raise InputError(f"--set: TOML value that cannot be read: {what}", source=source,
                         field=field and _path_part(field)) from None
    _check_nesting(value, source, f"--set {field}")
    return value


def _show(value: Any) -> str:
    """An input value as echoed in a message: dates in ISO form, anything else by :func:`_short`."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return _short(value)


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters: inputs are echoed, never at full length."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "...'" * isinstance(value, str) + \
        "..." * (not isinstance(value, str))


def _suggest(key: str, node: Any) -> str:
    if isinstance(node, dict):
        close = difflib.get_close_matches(key, [str(k) for k in node], n=1, cutoff=0.6)
        if close:
            return f"; did you mean {close[0]!r}?"
    return ""


_DIST_TAGS = {"fixed", "uniform", "triangular", "normal", "lognormal", "weibull", "bernoulli", "beta"}


def validate_orbit(raw: dict, source: str = "<scenario>") -> OrbitSpec:
    """An ``[orbit]`` table validated alone (for orbit what-ifs applied after the scenario's
    cross-checks); problems are reported as by :func:`load`, with fields ``orbit.*``."""
    try:
        return OrbitSpec.model_validate(raw)
    except ValidationError as exc:
        raise _first_problem(exc, source, prefix=("orbit",)) from None


def _first_problem(exc: ValidationError, source: str, prefix: tuple = ()) -> InputError:
    """The first of :func:`_problems`, saying how many more there are."""
    problems = _problems(exc, source, prefix)
    first = problems[0]
    return InputError(first.message + _more(len(problems) - 1), source=source, field=first.field)


def _problems(exc: ValidationError, source: str, prefix: tuple = ()) -> list[InputError]:
    """One problem per field the schema refuses, the most telling first."""
    # A misspelt key shows up twice, as an unknown key and as a missing one: the unknown key first.
    # Of the alternatives of a union (a date or a date-time), the one with a message of ours.
    errors = sorted(exc.errors(), key=lambda e: (e["type"] != "extra_forbidden", e["type"] != "value_error"))
    seen, out = set(), []
    for err in errors:
        where = tuple(_field_parts(err["loc"]))
        if where not in seen:  # the alternatives of a union are one problem
            seen.add(where)
            out.append(_problem(err, source, prefix))
    return out


def _problem(err: dict, source: str, prefix: tuple) -> InputError:
    loc = _field_parts(prefix + err["loc"])
    field = ".".join(_path_part(p) for p in loc) or None
    kind = err["type"]
    if kind == "extra_forbidden":
        parent = _model_at(prefix + err["loc"][:-1])
        valid = sorted(f.alias or k for k, f in parent.model_fields.items()) if parent else []
        close = difflib.get_close_matches(loc[-1], valid, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else (f"; valid keys: {', '.join(valid)}" if valid else "")
        message = f"unknown key{hint}"
    elif kind == "missing":
        message = "required field is missing"
    else:
        msg = err["msg"]
        msg = msg.removeprefix("Value error, ")
        message = msg[0].lower() + msg[1:] if msg[1:2].islower() else msg  # not "tLE"
        if "input" in err and not isinstance(err["input"], dict) and ", got " not in message:
            message += f", got {_show(err['input'])}"
    return InputError(message, source=source, field=field)


def _field_parts(loc: tuple) -> list[str]:
    """The user's field path in a pydantic error location: without pydantic's own parts (union
    members, "[key]") and the distribution tag after an uncertain field (a module named "beta"
    keeps its name)."""
    parts: list[str] = []
    for p in loc:
        if isinstance(p, str) and ("[" in p or (p in _DIST_TAGS and parts and parts[-1] in _UNCERTAIN_FIELDS)):
            continue
        parts.append(str(p))
    return parts


def _mentions_distribution(annotation: Any) -> bool:
    from typing import get_args

    if isinstance(annotation, type):
        return issubclass(annotation, BaseDistribution)
    return any(_mentions_distribution(a) for a in get_args(annotation))


#: Names of the fields that hold a distribution (after them, pydantic puts the ``dist`` tag).
_UNCERTAIN_FIELDS = {name for model in (LaunchSite, LaunchVehicle, Module, CrewShip, CargoShip, CrewPolicy,
                                         CrewFlight, CargoFlight)
                     for name, f in model.model_fields.items() if _mentions_distribution(f.annotation)}


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


def _cross_check(s: Scenario, purpose: str = "campaign") -> list[tuple[str, str]]:
    """Checks across sections, as (field, message) pairs: each concept is one function of
    :data:`_CROSS_CHECKS`, called with the scenario and ``add(field, message)``; add a rule by
    adding a function there. For ``purpose`` ``"coverage"``, those of :data:`_LAUNCH_ONLY` are
    left out (see :data:`PURPOSES`)."""
    if purpose not in PURPOSES:
        raise ValueError(f"purpose: expected one of {PURPOSES}, got {purpose!r}")
    problems: list[tuple[str, str]] = []

    def add(field: str, message: str) -> None:
        problems.append((field, message))

    for check in _CROSS_CHECKS:
        if purpose == "coverage" and check in _LAUNCH_ONLY:
            continue
        check(s, add)
    return problems


def _ref(add, field: str, value: str, table: dict, what: str) -> bool:
    """True if ``value`` names an entry of ``table``; else a problem with the closest name."""
    if value in table:
        return True
    close = difflib.get_close_matches(value, list(table), n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(map(repr, table)) or 'none'}"
    add(field, f"no {what} named {value!r}{hint}")
    return False


def _check_orbit(s: Scenario, add) -> None:
    """The orbit: a sun-synchronous solution exists; the epoch is in UTC."""
    if not math.isfinite(s.orbit.resolved_inclination_deg()):
        key = next((k for k in ALTITUDE_KEYS if getattr(s.orbit, k) is not None), "altitude_km")
        add(f"orbit.{key}", "no sun-synchronous solution for this altitude")
    if isinstance(s.orbit.epoch, dt.datetime) and s.orbit.epoch.tzinfo is not None \
            and s.orbit.epoch.utcoffset() != dt.timedelta(0):
        add("orbit.epoch", "give the epoch in UTC (Z)")


def _check_dates(s: Scenario, add) -> None:
    """Dates against the simulated span: the deadline after the start, departures not before it
    (planned ``ready`` and first cargo dates before the start mean "ready at the start")."""
    start = s.simulation.start
    if s.simulation.deadline <= start:
        add("simulation.deadline", f"must be after simulation.start ({start}), got {s.simulation.deadline}")
    for mid, m in s.modules.items():
        if m.departs is not None and m.departs < start:
            add(f"modules.{mid}.departs", f"expected a date on or after simulation.start ({start}), "
                f"got {m.departs}")


def _check_vehicles(s: Scenario, add) -> None:
    for vid, v in s.launch_vehicles.items():
        for j, site in enumerate(v.sites):
            _ref(add, f"launch_vehicles.{vid}.sites.{j}", site, s.launch_sites, "launch site")


def _launches(s: Scenario):
    """(field prefix, vehicle, site, mass_kg or None) of everything the scenario launches."""
    for mid, m in s.modules.items():
        if not m.present_at_start:
            yield f"modules.{mid}", m.launch_vehicle, m.launch_site, m.mass_kg
    for table, kind in ((s.crew_ships, "crew_ships"), (s.cargo_ships, "cargo_ships")):
        for sid, ship in table.items():
            yield f"{kind}.{sid}", ship.launch_vehicle, ship.launch_site, None


def _check_launches(s: Scenario, add) -> None:
    """What flies: its vehicle and site exist, the vehicle flies from the site."""
    for prefix, vehicle, site, _ in _launches(s):
        ok_v = _ref(add, f"{prefix}.launch_vehicle", vehicle, s.launch_vehicles, "launch vehicle")
        ok_s = _ref(add, f"{prefix}.launch_site", site, s.launch_sites, "launch site")
        if ok_v and ok_s and site not in s.launch_vehicles[vehicle].sites:
            lv = s.launch_vehicles[vehicle]
            add(f"{prefix}.launch_site", f"{lv.name!r} does not fly from {site!r}; it flies from "
                f"{', '.join(map(repr, lv.sites))}")


def _check_reach(s: Scenario, add) -> None:
    """Launching into the orbit: each site reaches the orbit's inclination, each vehicle lifts
    its module's mass there (not checked for coverage: :data:`PURPOSES`)."""
    inclination = s.orbit.resolved_inclination_deg()
    if not math.isfinite(inclination):
        return  # reported by _check_orbit
    for prefix, vehicle, site, mass_kg in _launches(s):
        if vehicle not in s.launch_vehicles or site not in s.launch_sites:
            continue  # reported by _check_launches
        lv, ls = s.launch_vehicles[vehicle], s.launch_sites[site]
        if not ls.reaches(inclination):
            ranges = ", ".join(f"{a:g}-{b:g}" for a, b in ls.inclination_ranges_deg)
            add(f"{prefix}.launch_site",
                f"{ls.name!r} cannot reach the orbit's inclination {inclination:.2f} deg (reaches {ranges} deg)")
        if mass_kg is not None and mass_kg > lv.payload_kg(inclination):
            add(f"{prefix}.mass_kg", f"{mass_kg:g} kg is more than {lv.name!r} lifts to "
                f"{inclination:.1f} deg ({lv.payload_kg(inclination):.0f} kg)")


def _docked_ports(s: Scenario) -> dict[str, str]:
    """'module.port' -> the module that holds it for good: the first (in :func:`_port_occupants`
    order) that docks there and stays, or one that moves there (``relocate.to``)."""
    used: dict[str, str] = {}
    for port, mids in _port_occupants(s).items():
        stays = next((k for k in mids if _leaves_port(s.modules[k]) is None), None)
        if stays is not None:
            used[port] = stays
    for mid, m in s.modules.items():
        if m.relocate is not None:
            used.setdefault(m.relocate.to, mid)
    return used


def _port_occupants(s: Scenario) -> dict[str, list[str]]:
    """'module.port' -> the modules that dock there: in planned order (present at the start
    first, then by ready date, then scenario order) when one of them leaves it (relocates or
    departs), else in scenario order (a port that is never freed goes to the first listed)."""
    out: dict[str, list[str]] = {}
    for mid, m in s.modules.items():
        if m.docks_to is not None:
            out.setdefault(m.docks_to, []).append(mid)
    for mids in out.values():
        if any(_leaves_port(s.modules[k]) is not None for k in mids):
            mids.sort(key=lambda k: _planned_order(s, k))
    return out


def _leaves_port(m) -> tuple[str, dt.date | None] | None:
    """How a module leaves the port it docks at: ("moves", date or None) if it relocates,
    ("leaves", date) if it departs; None if it stays."""
    if m.relocate is not None:
        at = m.relocate.at
        return "moves", (at.date() if isinstance(at, dt.datetime) else at)  # None: after days or an event
    if m.departs is not None:
        return "leaves", m.departs
    if m.departs_after is not None:
        return "leaves", None
    return None


def _planned_order(s: Scenario, mid: str) -> tuple:
    m = s.modules[mid]
    return (not m.present_at_start, m.ready or DATE_MIN, list(s.modules).index(mid))


def _check_docking(s: Scenario, add) -> None:
    """The docking graph: ports unique, each module docks to an existing port of another module
    that is free when it comes (planned order: present at the start, then by ready date; a
    module that relocates frees its port for the next one), no cycles, exactly one core (a
    module with no docks_to)."""
    all_ports = {f"{mid}.{p}" for mid, m in s.modules.items() for p in m.ports}
    occupants = _port_occupants(s)
    relocated_to = {m.relocate.to: mid for mid, m in s.modules.items() if m.relocate is not None}
    for mid, m in s.modules.items():
        prefix = f"modules.{mid}"
        if len(set(m.ports)) != len(m.ports):
            add(f"{prefix}.ports", "port names must be unique within a module")
        if m.max_wait_days is not None and (m.docks_to is None or m.present_at_start):
            add(f"{prefix}.max_wait_days", "a wait in orbit for a port applies to a module that is launched to "
                "dock at one (docks_to); this one " + ("is the core (it has no docks_to)" if m.docks_to is None
                                                       else "is present at the start (it is never launched)"))
        if m.docks_to is None:
            continue
        target, _, port = m.docks_to.partition(".")
        if not port:
            add(f"{prefix}.docks_to", f"expected 'module.port', got {_short(m.docks_to)}")
        elif _ref(add, f"{prefix}.docks_to", target, s.modules, "module") and m.docks_to not in all_ports:
            add(f"{prefix}.docks_to", f"module {target!r} has no port {port!r}; "
                f"its ports: {', '.join(map(repr, s.modules[target].ports)) or 'none'}")
        elif stays := [k for k in occupants[m.docks_to][:occupants[m.docks_to].index(mid)]
                       if _leaves_port(s.modules[k]) is None]:
            add(f"{prefix}.docks_to", f"port {m.docks_to!r} is already taken by module {stays[0]!r}")
        elif relocated_to.get(m.docks_to, mid) != mid:
            add(f"{prefix}.docks_to", f"port {m.docks_to!r} is where module {relocated_to[m.docks_to]!r} "
                "moves to (relocate.to)")
        if target == mid:
            add(f"{prefix}.docks_to", "a module cannot dock to itself")
        if m.present_at_start and target in s.modules and not s.modules[target].present_at_start:
            add(f"{prefix}.docks_to", "a module present at the start must dock to another present at the start")
    cycle = _docking_cycle(s)
    if cycle:
        add(f"modules.{cycle[0]}.docks_to", "the docking graph has a cycle: " + " -> ".join(map(repr, cycle)))
    roots = [mid for mid, m in s.modules.items() if m.docks_to is None]
    if not roots:
        add("modules", "no module is the core (one module must have no docks_to)")
    elif len(roots) > 1:
        add(f"modules.{roots[1]}.docks_to", f"exactly one module is the core (has no docks_to), got "
            f"{len(roots)}: {', '.join(map(repr, roots[:5]))}{', ...' * (len(roots) > 5)}")


def _check_relocations(s: Scenario, add) -> None:
    """A relocation: to an existing port of another module that no other module takes, not for
    the core; planned occupancies of a port can be ordered without overlap (a module that moves
    away or departs at a date does so before the next module for its port is ready)."""
    all_ports = {f"{mid}.{p}" for mid, m in s.modules.items() for p in m.ports}
    start = s.simulation.start
    seen: dict[str, str] = {}
    for mid, m in s.modules.items():
        r = m.relocate
        if r is None:
            continue
        prefix = f"modules.{mid}.relocate"
        if m.docks_to is None:
            add(prefix, "the core has nothing to move along (it has no docks_to)")
            continue
        if r.to not in all_ports:
            add(f"{prefix}.to", f"no port {_short(r.to)}; ports are 'module.port'")
        elif r.to.partition(".")[0] == mid:
            add(f"{prefix}.to", "a module cannot move to a port of its own")
        elif r.to == m.docks_to:
            add(f"{prefix}.to", "it already docks there")
        elif r.to in seen:
            add(f"{prefix}.to", f"port {r.to!r} is where module {seen[r.to]!r} moves to")
        else:
            seen[r.to] = mid
        if r.at is not None:
            at = r.at.date() if isinstance(r.at, dt.datetime) else r.at
            earliest = m.ready or start
            if at < earliest:
                add(f"{prefix}.at", f"expected a date on or after the module is ready ({earliest}), got {at}")
    for port, mids in _port_occupants(s).items():
        for before, after in zip(mids, mids[1:]):
            leaves, nxt = _leaves_port(s.modules[before]), s.modules[after]
            if leaves is None or leaves[1] is None or nxt.ready is None or leaves[1] <= nxt.ready:
                continue
            if nxt.max_wait_days is None:
                add(f"modules.{after}.ready", f"port {port!r} is held by module {before!r} until it "
                    f"{leaves[0]} on {leaves[1]}, after this module is ready ({nxt.ready}); to launch "
                    "before the port is free and wait in orbit, give max_wait_days")
                continue
            # it launches when ready and meets the station after its (expected) rendezvous
            latest = nxt.ready + dt.timedelta(days=nxt.rendezvous_days.expected() + nxt.max_wait_days)
            if leaves[1] > latest:
                add(f"modules.{after}.max_wait_days", f"port {port!r} is held by module {before!r} until "
                    f"it {leaves[0]} on {leaves[1]}, after this module's wait in orbit ends ({latest})")


def _check_departures(s: Scenario, add) -> None:
    """A departure or a move on an event (``departs_after``, ``relocate.after_event``): the other
    module exists and the event can happen to it (launched: it is launched; departed: it
    departs); a module that waits for the port the leaving one holds cannot be the event it
    waits for unless it may launch first and the event is its launch (else each would wait for
    the other)."""
    occupants = _port_occupants(s)
    triggers = [(f"modules.{mid}.departs_after", mid, m, m.departs_after, "leave") for mid, m in s.modules.items()]
    triggers += [(f"modules.{mid}.relocate.after_event", mid, m, m.relocate and m.relocate.after_event, "move")
                 for mid, m in s.modules.items()]
    for prefix, mid, m, d, verb in triggers:
        if d is None:
            continue
        field = f"{prefix}.module"
        if d.module == mid:
            add(field, f"a module cannot {verb} after an event of its own")
            continue
        if not _check_event(add, prefix, d, s):
            continue
        if _waits_for_each_other(s, occupants, mid, d):
            add(field, f"module {d.module!r} waits for port {m.docks_to!r}, which this module frees only "
                f"after {d.module!r} has {d.event}: each would wait for the other (let it {verb} after "
                f'{d.module!r} is "launched" and give modules.{d.module}.max_wait_days)')
    for kind, flights in (("crew_flights", s.crew_flights), ("cargo_flights", s.cargo_flights)):
        for j, f in enumerate(flights):
            if f.relocate is not None and f.relocate.after_event is not None:
                _check_event(add, f"{kind}.{j}.relocate.after_event", f.relocate.after_event, s)


#: How :func:`_check_event_order` words a module's event ("'b' departs") and a past one ("'b' has departed").
_EVENT_WORDS = {"launched": ("launches", "has launched"), "docked": ("docks", "has docked"),
                "commissioned": ("is commissioned", "has been commissioned"), "departed": ("departs", "has departed"),
                "moves": ("moves off its port", "has moved off its port")}


class _Wait(NamedTuple):
    """What a module event waits for (:func:`_event_graph`)."""

    before: tuple[str, str]  #: the earlier event, (module, event)
    days: float | None  #: the least days after it, whatever happens; None: only as planned
    field: str = ""  #: the trigger that makes it wait; "" in the course of things
    why: str = ""  #: said when a circle goes through it


def _event_graph(s: Scenario) -> dict[tuple[str, str], list[_Wait]]:
    """What each module event waits for, as planned: ``(module, event) -> [_Wait]``, events as in
    :class:`ModuleEvent` plus "moves" (it starts to move off its port, which frees it). A module
    launches once the module it docks to has docked and (unless it may wait in orbit, then:
    docks once) the module before it at its port (planned order, :func:`_port_occupants`) has
    left or moved; it docks a rendezvous after its launch (a core: at its launch), is
    commissioned after docking (at once if present at the start), departs only once commissioned
    and, with ``departs_after``, after the other's event; it moves after docking and, with
    ``relocate.after_event``, after the other's event. The least days come from the lower bounds
    of the durations; the order at a port is planned, not sure (slips reorder arrivals), nor is
    anything about the target of a module that may fly free. Triggers that
    :func:`_check_departures` refuses are left out."""
    graph: dict[tuple[str, str], list[_Wait]] = {}
    occupants = _port_occupants(s)

    def wait(node, *args, **kwargs) -> None:
        graph.setdefault(node, []).append(_Wait(*args, **kwargs))

    def trigger(mid: str, d) -> bool:
        return (d is not None and d.module != mid and _check_event(lambda *a: None, "", d, s)
                and not _waits_for_each_other(s, occupants, mid, d))

    for mid, m in s.modules.items():
        sure = m.if_target_departs != "free_flyer"  # else it may launch when its target is lost, and fly free
        if not m.present_at_start:
            if m.docks_to is not None and m.docks_to.partition(".")[0] in s.modules:
                target = m.docks_to.partition(".")[0]
                wait((mid, "launched"), (target, "docked"), 0.0 if sure else None, why=f"it docks to {target!r}")
            rendezvous = m.rendezvous_days.bounds()[0] if m.docks_to is not None and sure else 0.0
            wait((mid, "docked"), (mid, "launched"), rendezvous)  # a core is docked when in orbit
        commissioning = 0.0 if m.present_at_start else m.commissioning_days.bounds()[0]  # at once if present
        wait((mid, "commissioned"), (mid, "docked"), commissioning)
        if m.departs is not None or m.departs_after is not None:
            wait((mid, "departed"), (mid, "commissioned"), 0.0)
        if trigger(mid, m.departs_after):
            d = m.departs_after
            wait((mid, "departed"), (d.module, d.event), float(d.days), f"modules.{mid}.departs_after")
        if m.relocate is not None and m.docks_to is not None:
            wait((mid, "moves"), (mid, "docked"), float(m.relocate.after_days or 0.0))
            if trigger(mid, m.relocate.after_event):
                d = m.relocate.after_event
                wait((mid, "moves"), (d.module, d.event), float(d.days), f"modules.{mid}.relocate.after_event")
    for port, mids in occupants.items():
        for before, after in zip(mids, mids[1:]):
            leaves, nxt = _leaves_port(s.modules[before]), s.modules[after]
            if leaves is not None and not nxt.present_at_start:
                wait((after, "launched" if nxt.max_wait_days is None else "docked"),
                     (before, "departed" if leaves[0] == "leaves" else "moves"), None,
                     why=f"it takes port {port!r} after {before!r}")
    return graph


def _event_cycle(graph, skip: set) -> list[tuple[tuple[str, str], _Wait]] | None:
    """A circle of waits in ``graph`` (:func:`_event_graph`) through none of the ``skip``
    edges (event, event it waits for), as [(event, its wait)], or None."""
    state: dict = {}  # node -> 1 while on the path, 2 when done
    for root in graph:
        if root in state:
            continue
        path, stack = [], [(root, iter(graph.get(root, ())))]
        state[root] = 1
        while stack:
            node, waits = stack[-1]
            for w in waits:
                if (node, w.before) in skip:
                    continue
                if state.get(w.before) == 1:  # back to an event on the path: the circle
                    path.append((node, w))
                    return path[next(k for k, (n, _) in enumerate(path) if n == w.before):]
                if w.before not in state:
                    state[w.before] = 1
                    path.append((node, w))
                    stack.append((w.before, iter(graph.get(w.before, ()))))
                    break
            else:
                state[node] = 2
                stack.pop()
                if path:
                    path.pop()
    return None


def _longest_chains(graph, floors: dict, fixed=frozenset()) -> dict:
    """For each event of ``graph`` (which has no circle), the longest chain of sure least days
    (:class:`_Wait`) that ends there: the largest of its floor (``floors``) and, for each event it
    surely waits for, that one's value plus the days between; None when no chain comes from a
    floor. An event in ``fixed`` keeps its floor (what it waits for is not followed): with
    ``floors = fixed = {event: 0}`` the values are the least days after that event."""
    value: dict = {}
    for root in [*graph, *floors]:
        stack = [root]
        while stack:
            node = stack[-1]
            if node in value:
                stack.pop()
                continue
            waits = [w for w in graph.get(node, ()) if w.days is not None and node not in fixed]
            pending = [w.before for w in waits if w.before not in value]
            if pending:
                stack.extend(pending)
                continue
            chains = [value[w.before] + w.days for w in waits if value[w.before] is not None]
            if node in floors:
                chains.append(floors[node])
            value[node] = max(chains, default=None)
            stack.pop()
    return value


def _check_event_order(s: Scenario, add) -> None:
    """Departures and moves on events (``departs_after``, ``relocate.after_event``) whose events
    can happen: no circle of waits (:func:`_event_graph`; each one is reported once, at a
    trigger in it), and a module that departs only once commissioned does not depart on an event
    that comes before it can be commissioned (else it would never depart)."""
    if _docking_cycle(s):
        return  # reported by _check_docking
    graph, skip = _event_graph(s), set()
    while (cycle := _event_cycle(graph, skip)) is not None:
        field = next((w.field for _, w in cycle if w.field), f"modules.{cycle[0][0][0]}.docks_to")
        # from the trigger on, "'b' departs after 'd' has docked; 'd' launches after 'c' has
        # docked (it docks to 'c'); ...", without the steps of one module's own course
        k = next((k for k, (_, w) in enumerate(cycle) if w.field == field), 0)
        steps = [f"{n[0]!r} {_EVENT_WORDS[n[1]][0]} after {w.before[0]!r} {_EVENT_WORDS[w.before[1]][1]}"
                 + f" ({w.why})" * bool(w.why)
                 for n, w in cycle[k:] + cycle[:k] if w.field or w.why or n[0] != w.before[0]]
        add(field, "these events wait for each other in a circle, so none of them happens: "
            + "; ".join(steps[:8]) + "; ..." * (len(steps) > 8))
        skip.update((n, w.before) for n, w in cycle if w.field)
        skip.add((cycle[0][0], cycle[0][1].before))
    if skip:
        return  # least days need a graph without circles
    start = s.simulation.start
    earliest = _longest_chains(graph, {(mid, "launched"): float((m.ready - start).days) for mid, m in
                                       s.modules.items() if not m.present_at_start and m.ready is not None})
    for mid, m in s.modules.items():
        first = earliest.get((mid, "commissioned"))
        if m.departs is not None and first is not None and (m.departs - start).days <= first:
            add(f"modules.{mid}.departs", f"module {mid!r} departs on {m.departs} only if it is commissioned by "
                f"then, and it is commissioned on {start + dt.timedelta(days=first)} at the earliest (when ready, "
                "with its least rendezvous and commissioning, after the modules it waits for): it would never depart")
        d = m.departs_after
        if d is None or not any(w.field for w in graph.get((mid, "departed"), ())):
            continue  # it departs on no event, or one refused by another check
        event = (d.module, d.event)
        least = _longest_chains(graph, {event: 0.0}, {event}).get((mid, "commissioned"))
        if least is not None and d.days <= least:
            add(f"modules.{mid}.departs_after.days", f"module {mid!r} departs {d.days:g} days after {d.module!r} "
                f"{_EVENT_WORDS[d.event][1]} only if it is commissioned by then, and it is commissioned at least "
                f"{least:g} days after that: it would never depart; give more than {least:g} days")


def _waits_for_each_other(s: Scenario, occupants: dict[str, list[str]], mid: str, d) -> bool:
    """Module ``mid`` leaves or moves on event ``d`` of a module that comes after it to the port
    it holds, and that event needs the port (it is not the launch of a module that may wait in
    orbit): the simplest circle of :func:`_check_event_order`, reported on its own."""
    held = occupants.get(s.modules[mid].docks_to, [])
    return (mid in held and d.module in held[held.index(mid) + 1:]
            and (d.event != "launched" or s.modules[d.module].max_wait_days is None))


def _check_event(add, prefix: str, d, s: Scenario) -> bool:
    """``d`` (a :class:`ModuleEvent` at ``prefix``) names a module to which the event can happen
    (launched: it is launched; departed: it departs). True if so."""
    if not _ref(add, f"{prefix}.module", d.module, s.modules, "module"):
        return False
    other = s.modules[d.module]
    if d.event == "launched" and other.present_at_start:
        add(f"{prefix}.event", f"module {d.module!r} is present at the start: it never launches")
        return False
    if d.event == "departed" and other.departs is None and other.departs_after is None:
        add(f"{prefix}.event", f"module {d.module!r} never departs (no departs or departs_after)")
        return False
    return True


def _check_manifest(s: Scenario, add) -> None:
    """Manifest flights: their ship exists, the port is one the ship may use, the crew fits its
    seats, the dates lie in the simulated span, the names are unique, a time of day (theirs or a
    module's) only with daily launch opportunities, a handover overlap only for a handover."""
    start, horizon = s.simulation.start, s.simulation.horizon
    names: dict[str, str] = {}
    daily = s.simulation.launch_opportunities == "daily"
    for mid, m in s.modules.items():
        if m.launch_utc is not None and not daily:
            add(f"modules.{mid}.launch_utc", 'a time of day needs simulation.launch_opportunities = "daily" '
                "(orbit-plane windows set their own times)")
    for kind, flights, ships in (("crew_flights", s.crew_flights, s.crew_ships),
                                 ("cargo_flights", s.cargo_flights, s.cargo_ships)):
        for j, f in enumerate(flights):
            prefix = f"{kind}.{j}"
            if not start <= f.date < horizon:
                add(f"{prefix}.date", f"expected a date from simulation.start ({start}) to before the "
                    f"horizon ({horizon}), got {f.date}")
            if f.launch_utc is not None and not daily:
                add(f"{prefix}.launch_utc", 'a time of day needs simulation.launch_opportunities = "daily" '
                    "(orbit-plane windows set their own times)")
            name = f.name or f"{f.ship}:{f.date}"
            if name in names:
                add(f"{prefix}.name", f"flight {name!r} is already {names[name]}; give each flight its own name")
            else:
                names[name] = prefix
            if not _ref(add, f"{prefix}.ship", f.ship, ships, kind.replace("_flights", " ship")):
                continue
            ship = ships[f.ship]
            for field, port in (("port", f.port), ("relocate.to", f.relocate and f.relocate.to)):
                if port is not None and port not in ship.ports:
                    add(f"{prefix}.{field}", f"{ship.name!r} docks at {', '.join(map(repr, ship.ports))}, "
                        f"not {_short(port)}")
            r = f.relocate
            if r is not None and r.at is not None:
                at = r.at.date() if isinstance(r.at, dt.datetime) else r.at
                if at < f.date:
                    add(f"{prefix}.relocate.at", f"expected a date on or after the flight's ({f.date}), got {at}")
            if kind == "crew_flights":
                if f.crew > ship.seats:
                    add(f"{prefix}.crew", f"{f.crew} crew do not fit {ship.name!r} ({ship.seats} seats)")
                if f.stay_days is not None and f.stay_days > ship.docked_life_days:
                    add(f"{prefix}.stay_days", f"{f.stay_days:g} days is longer than {ship.name!r} may stay "
                        f"docked ({ship.docked_life_days:g} days)")
                if f.handover_days is not None and f.mode != "handover":
                    add(f"{prefix}.handover_days", 'an overlap of crews needs mode = "handover"')
                _check_relieves(s, add, j, f)
    if s.station.handover_crew_max and not any(f.mode == "handover" for f in s.crew_flights):
        add("station.handover_crew_max", 'applies to crew flights with mode = "handover"; there are none')


def _check_relieves(s: Scenario, add, j: int, f) -> None:
    """``relieves`` of crew flight ``j``: a handover's, naming earlier handover flights."""
    if f.relieves is None:
        return
    field = f"crew_flights.{j}.relieves"
    if f.mode != "handover":
        add(field, 'relieving crews needs mode = "handover"')
        return
    earlier = {g.name or f"{g.ship}:{g.date}": g for g in s.crew_flights[:j]}
    for k, name in enumerate(f.relieves):
        g = earlier.get(name)
        if name in f.relieves[:k]:
            add(f"{field}.{k}", f"flight {name!r} is listed twice")
        elif g is None:
            add(f"{field}.{k}", f"no earlier crew flight named {name!r} (it must come before this one)")
        elif g.mode != "handover" or g.date > f.date:
            add(f"{field}.{k}", f"flight {name!r} is not an earlier handover flight (mode and date)")


def _check_drop(s: Scenario, add) -> None:
    """Dropping a module drops the modules that dock to it (unless they fly free): the scenario
    must say so for each of them (``if_target_departs`` given), not get it by default."""
    for mid, m in s.modules.items():
        if m.on_loss != "drop":
            continue
        for dep, d in s.modules.items():
            if d.docks_to is not None and d.docks_to.partition(".")[0] == mid \
                    and "if_target_departs" not in d.model_fields_set:
                add(f"modules.{mid}.on_loss", f'"drop" would drop module {dep!r} too (it docks to {mid!r}): '
                    f'say so with modules.{dep}.if_target_departs = "drop", let it fly free with '
                    '"free_flyer", or use on_loss = "rebuild"')
                break


def _manifest_only(s: Scenario, kind: str, sid: str, ship) -> bool:
    """Whether ship ``sid`` flies only dated flights of the manifest (at least one; not the
    rotation policy's ship, no periodic cargo flights). Such a ship may use a port that a module
    takes for good later (a Soyuz at Zarya's nadir port before Rassvet): the module, coming
    later, waits for the port as for any other."""
    flights = s.crew_flights if kind == "crew_ships" else s.cargo_flights
    if not any(f.ship == sid for f in flights):
        return False
    if kind == "crew_ships":
        return s.crew is None or s.crew.ship != sid
    return not ship.flights_per_year


def _check_ships(s: Scenario, add) -> None:
    """Ships dock at existing ports that no module takes (but a ship flown only by the manifest
    may use one a module takes later: :func:`_manifest_only`); the crew policy's ship exists and can
    bring the crew aboard at the start home."""
    all_ports = {f"{mid}.{p}" for mid, m in s.modules.items() for p in m.ports}
    used = _docked_ports(s)
    for table, kind in ((s.crew_ships, "crew_ships"), (s.cargo_ships, "cargo_ships")):
        for sid, ship in table.items():
            dated = _manifest_only(s, kind, sid, ship)
            for j, port in enumerate(ship.ports):
                if port not in all_ports:
                    known = ", ".join(map(repr, sorted(all_ports)[:20])) or "none"
                    add(f"{kind}.{sid}.ports.{j}", f"no port {_short(port)}; ports are 'module.port' among "
                        f"{known}{', ...' * (len(all_ports) > 20)}")
                elif port in used and not (dated and not s.modules[used[port]].present_at_start):
                    add(f"{kind}.{sid}.ports.{j}", f"port {port!r} is where module {used[port]!r} docks")
    for sid, ship in s.crew_ships.items():
        if ship.return_seats is not None and ship.return_seats > ship.seats:
            add(f"crew_ships.{sid}.return_seats", f"expected at most its {ship.seats} seats, got {ship.return_seats}")
        elif ship.return_seats is not None and s.crew is not None and s.crew.ship == sid \
                and ship.return_seats != ship.seats:
            add(f"crew_ships.{sid}.return_seats", "applies to manifest crew flights; the crew policy's ship "
                "gives all its seats")
    if s.crew is not None and _ref(add, "crew.ship", s.crew.ship, s.crew_ships, "crew ship"):
        ship = s.crew_ships[s.crew.ship]
        if s.crew.crew_at_start > ship.seats:
            add("crew.crew_at_start", f"{s.crew.crew_at_start} crew cannot return in one {ship.name!r} "
                f"({ship.seats} seats)")


def _check_phases(s: Scenario, add) -> None:
    """Phases: numbers unique and increasing, each with modules that exist, every module in
    exactly one phase, every module's phase declared."""
    numbers = [p.number for p in s.phases]
    if numbers != sorted(set(numbers)):
        add("phases", f"phase numbers must be unique and increasing, got {numbers[:20]}")
    listed: dict[str, str] = {}
    for j, phase in enumerate(s.phases):
        members = s.phase_modules(phase)
        if not members:
            add(f"phases.{j}.modules", f"phase {phase.number} has no modules")
        for k, mid in enumerate(members):
            field = f"phases.{j}.modules.{k}"
            if not _ref(add, field, mid, s.modules, "module"):
                continue
            if mid in listed:
                add(field, f"module {mid!r} is listed twice (first at {listed[mid]}); a module belongs "
                    "to one phase, once")
            else:
                listed[mid] = field
    for mid, m in s.modules.items():
        if m.phase not in numbers:
            add(f"modules.{mid}.phase", f"no phase {m.phase}; phases are {numbers[:20]}")
    most = max(p.crew_target for p in s.phases)
    for j, level in enumerate(s.simulation.crew_milestones):
        if level > most:  # the phase target caps the capacity: the milestone could never be reached
            add(f"simulation.crew_milestones.{j}", f"a crew of {level} can never be reached: the largest "
                f"crew target of the phases is {most}")


def _check_relaunch(s: Scenario, add) -> None:
    """Nothing can be lost and flown again without end within one instant of simulated time.

    A lost module that is rebuilt, and a crew ship after a launch failure, are booked again at
    once; with no gap between the vehicle's flights, no pad turnaround and no rebuild time (or
    stand-down), the next try is at the same instant. With a fair chance of success that ends
    after a few tries; with next to none (below MIN_CYCLE_SUCCESS a try) it never ends."""
    def at_once(vehicle: str, site: str) -> bool:
        v, pad = s.launch_vehicles.get(vehicle), s.launch_sites.get(site)
        return v is not None and pad is not None and v.min_days_between_flights < MIN_CYCLE_DAYS \
            and pad.turnaround_days < MIN_CYCLE_DAYS

    fix = (f"give it (or the vehicle's min_days_between_flights, or the pad's turnaround_days) at least "
           f"{MIN_CYCLE_DAYS:g} day")
    for mid, m in s.modules.items():
        if m.present_at_start or m.on_loss != "rebuild" or m.rebuild_days.bounds()[0] >= MIN_CYCLE_DAYS \
                or not at_once(m.launch_vehicle, m.launch_site):
            continue
        launched = s.launch_vehicles[m.launch_vehicle].success_probability.bounds()[0]
        success = launched * (1 - (1 - m.docking_success_probability) ** m.max_docking_attempts)
        if success < MIN_CYCLE_SUCCESS:
            add(f"modules.{mid}.rebuild_days", f"a module that reaches the station with probability "
                f"{success:.2g} a try, rebuilt and relaunched at once, would be lost and relaunched "
                f"without end; {fix}")
    for sid, ship in s.crew_ships.items():
        vehicle = s.launch_vehicles.get(ship.launch_vehicle)
        if vehicle is None or not at_once(ship.launch_vehicle, ship.launch_site):
            continue
        if vehicle.success_probability.bounds()[0] < MIN_CYCLE_SUCCESS \
                and vehicle.stand_down_days_after_failure.bounds()[0] < MIN_CYCLE_DAYS:
            add(f"launch_vehicles.{ship.launch_vehicle}.stand_down_days_after_failure",
                f"crew ship {sid!r} flies again at once after a failure, and with a success probability "
                f"below {MIN_CYCLE_SUCCESS:g} would relaunch without end; {fix}")


def _check_instruments(s: Scenario, add) -> None:
    """An instrument's ``module`` names a module of the scenario."""
    for name, spec in s.instruments.items():
        if spec.module is not None:
            _ref(add, f"instruments.{name}.module", spec.module, s.modules, "module")


def _check_what_if(s: Scenario, add) -> None:
    """Forced events: one kind each, with its fields only; what they name exists; dates within the
    simulated span."""
    start, horizon = s.simulation.start, s.simulation.horizon
    for i, w in enumerate(s.what_if):
        at = f"what_if.{i}"
        given = [k for k in WHAT_IF_KINDS if getattr(w, k) is not None]
        if len(given) != 1:
            add(at, "expected exactly one of " + ", ".join(WHAT_IF_KINDS)
                + (f", got {', '.join(given)}" if given else ""))
            continue
        kind = given[0]
        wanted = WHAT_IF_KINDS[kind]
        for f in ("nth", "attempt", "from", "days"):
            value = getattr(w, "from_" if f == "from" else f)
            if f in wanted and value is None:
                add(f"{at}.{f}", f"{kind} needs {f}")
            elif f not in wanted and value is not None:
                add(f"{at}.{f}", f"{kind} takes {' and '.join(wanted)}, not {f}")
        name = getattr(w, kind)
        if kind == "launch_fails":
            _ref(add, f"{at}.{kind}", name, s.launch_vehicles, "launch vehicle")
        elif kind == "pad_out":
            _ref(add, f"{at}.{kind}", name, s.launch_sites, "launch site")
            if w.from_ is not None and not start <= w.from_ < horizon:
                add(f"{at}.from", f"expected a date from simulation.start ({start}) to before "
                    f"simulation.horizon ({horizon}), got {w.from_}")
        elif _ref(add, f"{at}.{kind}", name, s.modules, "module"):
            m = s.modules[name]
            if m.present_at_start:
                add(f"{at}.{kind}", f"module {name!r} is present at the start: it neither launches nor docks")
            elif kind == "docking_fails" and m.docks_to is None:
                add(f"{at}.{kind}", f"module {name!r} docks to nothing (docks_to is not set)")


#: The cross-section checks, in the order their problems are reported.
_CROSS_CHECKS = (_check_orbit, _check_dates, _check_vehicles, _check_launches, _check_reach, _check_relaunch,
                 _check_docking, _check_relocations, _check_departures, _check_event_order, _check_drop,
                 _check_ships, _check_manifest, _check_phases, _check_what_if, _check_instruments)
#: The cross-checks of launching into the orbit, left out for coverage (:data:`PURPOSES`).
_LAUNCH_ONLY = (_check_reach,)


def _docking_cycle(s: Scenario) -> list[str] | None:
    parent = {mid: m.docks_to.split(".", 1)[0] for mid, m in s.modules.items()
              if m.docks_to and m.docks_to.split(".", 1)[0] in s.modules}
    on_cycle: set[str] = set()
    done: set[str] = set()  # walked before: on a cycle already found, or leading to none
    for start in parent:  # each module walked once: linear in the modules
        walk: dict[str, int] = {}
        node = start
        while node in parent and node not in done and node not in walk:
            walk[node] = len(walk)
            node = parent[node]
        if node in walk:  # back on this walk: a circle
            on_cycle.update(list(walk)[walk[node]:])
        done.update(walk)
    for start in parent:  # spelled from its first module in the file's order
        if start in on_cycle:
            cycle, node = [start], parent[start]
            while node != start:
                cycle.append(node)
                node = parent[node]
            return cycle + [start]
    return None
