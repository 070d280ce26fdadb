"""A scenario's coverage run: Russia, the Arctic zone and the Northern Sea Route, per instrument.

The library entry behind ``rossim coverage``. :func:`run` builds the station's orbit and the
instruments from a :class:`~rossim.scenario.Scenario`, grids the three regions, finds every cell's
accesses with :func:`rossim.coverage.analyze` (:func:`analyze`: the results in memory), and writes an
output folder atomically (:func:`write`, :func:`rossim.results.output_dir`). :func:`print_summary`
prints the figures of merit as a table.

Efficiency: the three regions' grids are joined into one grid, so each instrument takes one
:func:`~rossim.coverage.analyze` call; the orbit is propagated once for the whole run (a small
wrapper hands ``analyze`` the same track again for every instrument). Cells are independent in the
access search, so splitting the joint accesses by region and taking
:func:`~rossim.coverage.figures_of_merit` of each part gives the same figures as one ``analyze``
per region (checked in ``tests/test_coverage_cli.py``).

Files written (``runs/<scenario>-coverage`` by default):

``coverage_summary.json``
    Stable keys ``regions.<region>.<instrument>.{percent_area_observed, time_to_50pct_h,
    time_to_90pct_h, time_to_99pct_h, revisit_mean_h, revisit_p95_h, revisit_max_h,
    longest_gap_h}`` (null where never reached; definitions in :class:`rossim.coverage.CoverageResult`)
    for the regions ``russia``, ``arctic``, ``nsr``, each with ``accesses_total``, ``cells``,
    ``area_km2``, ``bands`` (5-degree latitude bands: ``lat_lo_deg``, ``lat_hi_deg``, ``cells``,
    ``area_km2``, ``percent_observed``, ``revisit_mean_h``) and ``curve`` (``hours``, ``percent``:
    the share of the area observed at least once, at <= 500 evenly spaced times). Top level:
    ``scenario``, ``title``, ``source``, ``overrides``, ``orbit`` (``altitude_km``,
    ``inclination_deg``, ``eccentricity``, ``period_min``, ``sun_synchronous``, ``epoch``,
    ``raan_deg``, and ``ltan_h`` when given; ``semi_major_axis_km`` and ``mean_altitude_km``, the
    other altitude conventions, named in ``altitude_convention``: :data:`ALTITUDE_CONVENTION`),
    ``span`` (``start``, ``end`` ISO, ``days``),
    ``resolution_km``, ``step_s``, ``nsr_corridor_width_km``, ``instruments`` (their parameters),
    ``contacts``: ``stations.<name>`` (``lat_deg``, ``lon_deg``, ``height_m``, ``min_elevation_deg``,
    ``source`` "shipped" or "scenario", and the figures below) and ``network`` (the union of all
    stations' windows: ``stations``, the count, and the figures), with the figures ``passes``,
    ``minutes_per_day``, ``passes_per_day``, ``longest_gap_h`` (:func:`rossim.contacts.statistics`).
``coverage_cells.csv``
    One row per region, instrument and cell: ``region, instrument, lat_deg, lon_deg, area_km2,
    accesses, first_access_h, first_access_utc, revisit_mean_h, revisit_max_h`` (empty where
    undefined; ``first_access_utc`` the hours as an ISO UTC time to the second).
``ground_track.csv``
    Every sample of the run: ``time_utc, lat_deg, lon_deg, height_km, sunlit`` (1/0).
``contacts.csv``
    Every contact window with a ground station (:mod:`rossim.contacts`; the shipped Russian stations
    and the scenario's ``[ground_stations]``, :func:`ground_stations`), by station then start:
    ``station, start_utc, end_utc, duration_s, max_elevation_deg`` (ISO UTC times to the
    millisecond). A window still open at the span's start or end is cut there.
``cells_<region>.geojson``
    The same cells as lon/lat rectangles (RFC 7946) for GIS tools, with ``area_km2``, per
    instrument ``<name>_accesses``, ``<name>_first_access_h``, ``<name>_revisit_mean_h``, and for
    Russia ``disputed_km2`` (:func:`_write_cells_geojson`).
``half_angle_sweep.csv``
    With ``--half-angle-sweep``: ``half_angle_deg``, ``percent_<region>`` and
    ``percent_russia_without_disputed`` (:func:`half_angle_sweep`; also ``half_angle_sweep`` in
    the summary).
``map_<instrument>.png``
    Mean revisit per cell over Russia (:func:`rossim.maps.coverage_map`), every instrument on one
    colour scale (:func:`shared_vmax_h`), titled with the share of Russia observed
    (:func:`map_title`), stamped with the ``--set`` changes; disputed territory hatched.
``coverage_by_month.csv``
    With ``--by-month``: ``start_utc``, ``days``, ``percent_<region>_<instrument>`` for the span
    started on each month of a year (:func:`by_month`; also ``by_month`` in the summary).
``fig_coverage_by_latitude.png``, ``fig_half_angle_sweep.png``, ``fig_coverage_by_month.png``
    The share of Russia observed by latitude band, and against the half-angle
    (:mod:`rossim.coverage_figures`).

The orbit's reach: ``instruments.<name>.reach_lat_deg`` is the most northern latitude the
footprint reaches over the span (:func:`reach_from_track`), and every entry's
``percent_area_within_reach`` the share of the region south of it, from the polygon (the analytic
maximum, :func:`percent_within_reach`). ``percent_area_observed`` counts a cell whole when its
centre is observed and not at all when it is not, so at a 51.6° orbit's reach it differs from that
maximum by up to the row of cells the reach crosses, either way, as the reach falls in the row:
measured for 400 km, 51.6°, 30° over Russia (7 days, every cell in reach seen), +0.06 pp at 25 km
cells, -0.9 pp at 50 km, +1.0 pp at 100 km (the maximum is 20.04 %). Quote the maximum for "how much
of Russia can this orbit ever see".

Disputed territory (:func:`rossim.regions.disputed`: Crimea, the southern Kurils) is counted as
Russia, as Natural Earth's de facto boundaries draw it; Russia's entries also give
``percent_area_observed_without_disputed``, and the summary ``disputed_territory`` (``area_km2``,
``note``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import itertools
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import clock, contacts, coverage, inputfiles, regions, results, scenario
from . import orbit as orbit_mod
from .coverage import CoverageResult, Instrument
from .errors import InputError
from .orbit import Orbit

__all__ = [
    "REGIONS",
    "FIGURES",
    "MAX_DAYS",
    "MAX_ACCESSES",
    "CURVE_POINTS",
    "load_scenario",
    "split_overrides",
    "override_orbit",
    "user_regions",
    "check_days",
    "check_resolution",
    "check_samples",
    "check_accesses",
    "estimate_accesses",
    "build_instruments",
    "region_grids",
    "analyze_regions",
    "ground_stations",
    "prepare",
    "CoverageRun",
    "analyze",
    "write",
    "run",
    "print_summary",
    "parse_sweep",
    "check_sweep",
    "half_angle_sweep",
    "MAX_SWEEP_ANGLES",
    "DEFAULT_SWEEP",
    "map_title",
    "shared_vmax_h",
    "reach_latitude_deg",
    "reach_from_track",
    "percent_within_reach",
    "ALTITUDE_CONVENTION",
    "instrument_words",
    "MONTHS",
    "month_starts",
    "by_month",
]

#: Region keys of the output, in order.
REGIONS = ("russia", "arctic", "nsr")
#: The figures of merit under ``regions.<region>.<instrument>`` (hours, percent).
FIGURES = (
    "percent_area_observed",
    "time_to_50pct_h",
    "time_to_90pct_h",
    "time_to_99pct_h",
    "revisit_mean_h",
    "revisit_p95_h",
    "revisit_max_h",
    "longest_gap_h",
)
#: Longest span accepted. A year at the 20 s default step is 1.6 M samples (~150 MB of track and
#: search arrays); longer spans are better run as several shorter ones.
MAX_DAYS = 366.0
#: Most accesses (a cell observed by one pass) a run may find, estimated before the search
#: (:func:`check_accesses`); each costs ~100 bytes through the search and the figures of merit.
MAX_ACCESSES = 20_000_000
#: Points of the coverage-over-time curve written to the summary (evenly spaced in time).
CURVE_POINTS = 500

_HOURS_PER_DAY = 24.0
_LAT_BAND_DEG = 5.0


# ---------------------------------------------------------------------------------------------
# Inputs: orbit, instruments, span, grids
# ---------------------------------------------------------------------------------------------


def load_scenario(path: str | Path, overrides: list[str] = ()):
    """Load a scenario for a coverage run: :func:`rossim.scenario.load` for the purpose
    ``"coverage"``, as ``rossim validate --for coverage`` does.

    Coverage uses the orbit, the instruments and the coverage settings only, so a what-if orbit
    (``--set orbit.inclination_deg=51.6`` on a sun-synchronous plan) must not fail the campaign's
    checks of launching into that orbit (launch sites that cannot reach it, payloads to its
    inclination); every override is applied before the one validation, like any other.
    """
    return scenario.load(path, overrides, purpose="coverage")


def split_overrides(overrides: Sequence[str]) -> tuple[list[str], list[str]]:
    """``(orbit.* overrides, the others)``, each in the given order."""
    orbit_overrides = [o for o in overrides if o.partition("=")[0].strip().split(".")[0] == "orbit"]
    return orbit_overrides, [o for o in overrides if o not in orbit_overrides]


def override_orbit(sc, orbit_overrides: Sequence[str]):
    """``sc`` with ``orbit.*`` overrides applied to its validated orbit (see :func:`load_scenario`)."""
    from pydantic import ValidationError

    if not orbit_overrides:
        return sc
    raw = {"orbit": sc.orbit.model_dump(mode="python", exclude_none=True)}
    raw = scenario.apply_overrides(raw, orbit_overrides, sc.source)
    try:
        orbit = scenario.OrbitSpec.model_validate(raw["orbit"])
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(["orbit", *(str(p) for p in err["loc"])])
        msg = err["msg"].removeprefix("Value error, ")
        msg = msg[:1].lower() + msg[1:]
        if "input" in err and not isinstance(err["input"], dict) and ", got " not in msg:
            msg += f", got {inputfiles.got(err['input'])}"
        raise InputError(msg, source=sc.source, field=field) from None
    return sc.model_copy(update={"orbit": orbit})


def _adhoc_name(half_angle_deg: float) -> str:
    return f"nadir_{half_angle_deg:g}deg"


def instrument_words(name: str) -> str:
    """How titles name an instrument: "instrument radar"; the ad-hoc cone of ``--half-angle-deg``
    (``nadir_45deg``) as "a ±45° nadir instrument, day and night"."""
    m = re.fullmatch(r"nadir_([0-9.]+)deg", name)
    return f"a ±{m.group(1)}° nadir instrument, day and night" if m else f"instrument {name}"


def build_instruments(sc, orbit: Orbit, instrument: str | None = None,
                      half_angle_deg: float | None = None) -> list[Instrument]:
    """The instruments of a run.

    ``half_angle_deg``: one ad-hoc nadir cone ``nadir_<A>deg`` with no lighting constraint;
    ``instrument``: that one scenario instrument; neither: all the scenario's instruments, in
    file order. A swath is turned into a half-angle at the orbit's altitude.
    """
    if half_angle_deg is not None:
        a = float(half_angle_deg)
        if not (math.isfinite(a) and 0.0 < a < 90.0):
            raise InputError(f"must be in (0, 90) degrees off nadir, got {half_angle_deg}",
                             field="--half-angle-deg")
        return [Instrument(_adhoc_name(a), a)]
    specs = dict(sc.instruments)
    if instrument is not None:
        if instrument not in specs:
            valid = ", ".join(specs) or "none defined; use --half-angle-deg"
            raise InputError(f"no instrument named {instrument!r} in the scenario (valid: {valid})",
                             source=sc.source, field="--instrument")
        specs = {instrument: specs[instrument]}
    if not specs:
        raise InputError("the scenario defines no instruments; give --half-angle-deg",
                         source=sc.source, field="instruments")
    out = []
    for name, spec in specs.items():
        constraints = dict(min_sun_elevation_deg=spec.min_sun_elevation_deg, station_sunlit=spec.station_sunlit)
        try:
            if spec.swath_km is not None:
                out.append(Instrument.from_swath(name, spec.swath_km, orbit.altitude_km, **constraints))
            else:
                out.append(Instrument(name, spec.half_angle_deg, **constraints))
        except InputError as exc:
            raise InputError(exc.message, source=sc.source, field=f"instruments.{name}") from None
    return out


def check_days(days) -> float:
    """A coverage span in days, checked: (0, MAX_DAYS]; else InputError naming --days."""
    try:
        d = float(days)
    except (TypeError, ValueError):
        raise InputError(f"must be a number of days, got {days!r}", field="coverage.days (--days)") from None
    if not (math.isfinite(d) and 0.0 < d <= MAX_DAYS):
        raise InputError(f"must be > 0 and at most {MAX_DAYS:g} days, got {days!r}",
                         field="coverage.days (--days)")
    return d


def check_samples(days: float, step_s: float, source: str | None = None) -> None:
    """Refuse (InputError with the estimate and the limit) a span of ``days`` sampled every ``step_s``
    seconds beyond :data:`rossim.scenario.MAX_COVERAGE_SAMPLES` samples, or shorter than one step,
    before anything is computed: the scenario checks its own ``coverage.days``; ``--days`` here."""
    if days * 86400.0 < step_s:
        raise InputError(f"a span of {days * 86400.0:.3g} s is shorter than one time step ({step_s:g} s, "
                         f"coverage.step_s); give at least {step_s / 86400.0:.3g} days",
                         field="coverage.days (--days)")
    try:
        scenario.check_coverage_sampling(days, step_s)
    except ValueError as exc:
        raise InputError(str(exc), source=source, field="coverage.step_s") from None


def check_resolution(resolution_km) -> float:
    """A grid resolution in km, checked: in (0, regions.MAX_RESOLUTION_KM] (the grid itself refuses
    too many cells)."""
    try:
        return regions.check_resolution_km(resolution_km)
    except InputError as exc:
        raise InputError(exc.message, field="coverage.resolution_km (--resolution-km)") from None


def user_regions(paths: Sequence[str | Path]) -> dict[str, regions.Region]:
    """User GeoJSON regions (``--region FILE``), named by their file's stem (made unique and
    distinct from the built-in regions). Bad files raise :class:`InputError` naming the file."""
    out: dict[str, regions.Region] = {}
    for path in paths:
        region = regions.from_geojson(path)
        name = _safe_name(Path(path).stem) or "region"
        while name in REGIONS or name in out:
            name += "_user"
        out[name] = region
    return out


def region_grids(resolution_km: float, nsr_corridor_width_km: float = 100.0,
                 extra: dict[str, regions.Region] | None = None, source: str | None = None) -> dict[str, regions.Grid]:
    """Equal-area grids of ``russia``, ``arctic`` and ``nsr`` (corridor of the given total width),
    then of the ``extra`` regions.

    Raises :class:`InputError` (field ``coverage.resolution_km``) for a grid finer than
    :data:`rossim.regions.MAX_GRID_CELLS` cells over a region, naming the region's file when one
    has no cell (smaller than a cell), or ``source`` (the scenario) and
    ``coverage.nsr_corridor_width_km`` when the corridor has none.
    """
    made = {
        "russia": regions.russia(),
        "arctic": regions.arctic_zone(),
        "nsr": regions.nsr_corridor(nsr_corridor_width_km),
        **(extra or {}),
    }
    try:
        for region in made.values():  # every region's cell estimate before any grid is built
            regions.check_cells(region, resolution_km)
        # the user's regions first: one smaller than a cell is refused before Russia's grid is built
        grids = {name: regions.equal_area_grid(region, resolution_km) for name, region in (extra or {}).items()}
        return {name: grids[name] if name in grids else regions.equal_area_grid(region, resolution_km)
                for name, region in made.items()}
    except InputError as exc:
        if exc.field == "resolution_km":
            raise InputError(exc.message, field="coverage.resolution_km (--resolution-km)") from None
        if exc.source is None:  # a built-in region smaller than a cell: only the corridor can be
            raise InputError(exc.message, source=source, field="coverage.nsr_corridor_width_km") from None
        raise


def estimate_accesses(orbit: Orbit, grids: dict[str, regions.Grid], instruments: list[Instrument],
                      days: float) -> float:
    """About how many accesses the run will find: for each instrument and cell, the passes a day
    whose footprint reaches a cell at latitude φ, revolutions/day x 2λ / (π cos φ) (the two
    crossings of φ per revolution, each seeing a band 2λ wide out of the latitude circle; λ the
    footprint's central angle), at most two a revolution, none beyond the orbit's reach; times the
    span. Lighting constraints are ignored (an upper estimate for optical instruments)."""
    lat = np.radians(np.concatenate([g.lat_deg for g in grids.values()]))
    revs = 86400.0 / orbit.period_s
    inc = math.radians(orbit.inclination_deg)
    reach = min(inc, math.pi - inc)
    cos_lat = np.maximum(np.cos(lat), 1e-3)
    total = 0.0
    for inst in instruments:
        lam = inst.footprint_central_angle_rad(orbit.altitude_km)
        per_day = np.minimum(2.0 * revs, revs * 2.0 * lam / (math.pi * cos_lat))
        total += float(per_day[np.abs(lat) <= reach + lam].sum())
    return total * days


def check_accesses(orbit: Orbit, grids: dict[str, regions.Grid], instruments: list[Instrument], days: float,
                   source: str | None = None) -> None:
    """Refuse a run whose :func:`estimate_accesses` exceeds :data:`MAX_ACCESSES` (InputError with
    the estimate and the limit), before the search."""
    estimate = estimate_accesses(orbit, grids, instruments, days)
    if estimate > MAX_ACCESSES:
        cells = sum(len(g) for g in grids.values())
        raise InputError(
            f"{cells:,} cells x {len(instruments)} instrument(s) over {days:g} days give about {estimate:,.0f} "
            f"accesses to find (~{estimate * 100 / 2**30:,.1f} GiB), more than the limit of {MAX_ACCESSES:,}; "
            "use a coarser --resolution-km, fewer --days or one --instrument", source=source,
            field="coverage.resolution_km (--resolution-km)")


def ground_stations(sc) -> list[tuple[contacts.GroundStation, str]]:
    """The ground stations of a run with where each comes from ("shipped" or "scenario"): the shipped
    Russian stations unless ``ground_stations.use_shipped`` is false, at
    ``ground_stations.min_elevation_deg``, then the scenario's ``ground_stations.extra`` (one named
    as a shipped station replaces it, in its place)."""
    spec = sc.ground_stations
    out: dict[str, tuple[contacts.GroundStation, str]] = {}
    if spec.use_shipped:
        for st in contacts.shipped_stations(spec.min_elevation_deg):
            out[st.name] = (st, "shipped")
    for name, extra in spec.extra.items():
        min_el = spec.min_elevation_deg if extra.min_elevation_deg is None else extra.min_elevation_deg
        try:
            st = contacts.GroundStation(name, extra.lat_deg, extra.lon_deg, extra.height_m, min_el)
        except InputError as exc:
            raise InputError(exc.message, source=sc.source, field=f"ground_stations.extra.{name}") from None
        out[name] = (st, "scenario")
    return list(out.values())


# ---------------------------------------------------------------------------------------------
# The analysis
# ---------------------------------------------------------------------------------------------


class _OnePropagation:
    """An orbit that propagates once: ``propagate(t)`` with the same times returns the same Track.

    ``coverage.analyze`` builds its sample times from (start, days, step) alone, so every
    instrument of a run asks for the same times.
    """

    def __init__(self, orbit: Orbit):
        self.orbit = orbit
        self.tt: np.ndarray | None = None
        self.track = None

    def propagate(self, t):
        tt = np.atleast_1d(np.asarray(t.tt, dtype=float))
        if self.tt is None or self.tt.shape != tt.shape or not np.array_equal(self.tt, tt):
            self.track = self.orbit.propagate(t)
            self.tt = tt
        return self.track


def _joint_grid(grids: dict[str, regions.Grid]) -> tuple[regions.Grid, dict[str, slice]]:
    parts, start = {}, 0
    for name, g in grids.items():
        parts[name] = slice(start, start + len(g))
        start += len(g)
    cat = [np.concatenate([getattr(g, k) for g in grids.values()]) for k in ("lat_deg", "lon_deg", "area_km2")]
    ecef = np.concatenate([g.ecef_km for g in grids.values()])
    res = next(iter(grids.values())).resolution_km
    return regions.Grid(cat[0], cat[1], cat[2], ecef, res, "+".join(grids)), parts


def _split(result: CoverageResult, grids: dict[str, regions.Grid], parts: dict[str, slice]) -> dict[str, CoverageResult]:
    acc = result.accesses
    out = {}
    for name, sl in parts.items():
        g = grids[name]
        inside = (acc.cell >= sl.start) & (acc.cell < sl.stop)
        sub = coverage.Accesses(acc.cell[inside] - sl.start, acc.start_days[inside], acc.end_days[inside], len(g))
        fom = coverage.figures_of_merit(sub, g.area_km2, result.span_days, lat_deg=g.lat_deg, band_deg=_LAT_BAND_DEG)
        out[name] = dataclasses.replace(fom, lon_deg=np.asarray(g.lon_deg, dtype=float), track=result.track)
    return out


@contextlib.contextmanager
def _no_progress(label: str):
    class _Bar:
        def add_task(self, *a, **k):
            return 0

        def update(self, *a, **k):
            pass

    yield _Bar()


def analyze_regions(
    orbit: Orbit,
    grids: dict[str, regions.Grid],
    instruments: list[Instrument],
    start: dt.date | dt.datetime,
    days: float,
    step_s: float = coverage.DEFAULT_STEP_S,
    progress: Callable[[str], Any] | None = None,
) -> tuple[dict[str, dict[str, CoverageResult]], Any]:
    """Coverage of every grid by every instrument: ``({region: {instrument: result}}, track)``.

    One propagation for the whole call and one access search per instrument over the joined grids
    (see the module docstring). ``track`` is the :class:`rossim.orbit.Track` of the samples.
    ``progress(label)`` returns a context manager with ``add_task``/``update`` (a rich Progress).
    """
    progress = progress or _no_progress
    joint, parts = _joint_grid(grids)
    prop = _OnePropagation(orbit)
    out: dict[str, dict[str, CoverageResult]] = {name: {} for name in grids}
    for inst in instruments:
        with progress(f"coverage: {inst.name}") as bar:
            task = bar.add_task(inst.name, total=None)

            def tick(done, total, bar=bar, task=task):
                bar.update(task, completed=done, total=total)

            whole = coverage.analyze(prop, joint, inst, start, days, step_s=step_s, progress=tick)
        for name, res in _split(whole, grids, parts).items():
            out[name][inst.name] = res
    if prop.track is None:  # no instrument: still propagate for the ground track
        n = int(np.ceil(days * 86400.0 / step_s - 1e-9)) + 1
        prop.propagate(clock.time_at(start, np.linspace(0.0, float(days), max(n, 2))))
    return out, prop.track


#: Most half-angles of one sweep (each is one access search over the run's grids).
MAX_SWEEP_ANGLES = 30
#: The sweep of ``--half-angle-sweep`` without a value: 15° to 60° every 5°.
DEFAULT_SWEEP = "15:60:5"


def parse_sweep(text: str) -> list[float]:
    """Half-angles from ``START:STOP:STEP`` (both ends included) or ``A,B,C`` (degrees), checked by
    :func:`check_sweep`; InputError naming ``--half-angle-sweep`` otherwise."""
    field = "--half-angle-sweep"
    text = str(text).strip()
    bad = InputError(f"expected START:STOP:STEP (e.g. {DEFAULT_SWEEP}) or a list A,B,C of degrees, got {text!r}",
                     field=field)
    try:
        numbers = [float(x) for x in text.split(":" if ":" in text else ",")]
    except ValueError:
        raise bad from None
    if ":" not in text:
        return check_sweep(numbers)
    if len(numbers) != 3 or not all(math.isfinite(x) for x in numbers):
        raise bad
    start, stop, step = numbers
    if not (step > 0 and stop >= start):
        raise bad
    steps = (stop - start) / step + 1e-9  # infinite for a step far below the range (1:1e308:1e-300)
    if steps >= MAX_SWEEP_ANGLES:
        many = f"{math.floor(steps) + 1}" if math.isfinite(steps) else "more than can be counted"
        raise InputError(f"at most {MAX_SWEEP_ANGLES} half-angles, {text!r} gives {many}", field=field)
    n = int(math.floor(steps)) + 1
    return check_sweep([start + k * step for k in range(n)])


def check_sweep(angles_deg: Sequence[float]) -> list[float]:
    """Sorted distinct half-angles, each in (0, 90) degrees, 2 to :data:`MAX_SWEEP_ANGLES` of them."""
    field = "--half-angle-sweep"
    out = sorted({round(float(a), 6) for a in angles_deg})
    bad = [a for a in out if not (math.isfinite(a) and 0.0 < a < 90.0)]
    if bad:
        raise InputError(f"half-angles must be in (0, 90) degrees off nadir, got {bad[0]:g}", field=field)
    if not 2 <= len(out) <= MAX_SWEEP_ANGLES:
        raise InputError(f"expected 2 to {MAX_SWEEP_ANGLES} different half-angles, got {len(out)}", field=field)
    return out


def half_angle_sweep(orbit: Orbit, grids: dict[str, regions.Grid], angles_deg: Sequence[float],
                     start: dt.date | dt.datetime, days: float, step_s: float = coverage.DEFAULT_STEP_S,
                     progress: Callable[[str], Any] | None = None) -> dict:
    """The share of every region observed at least once by a nadir cone of each half-angle (no
    lighting constraint), from one propagation (:func:`analyze_regions`).

    Returns ``{"angles_deg": [A], "percent": {region: [A]}, "time_to_90pct_h": {region: [A]} (None:
    never), "percent_russia_without_disputed": [A]}`` (the last when ``grids`` has ``russia``)."""
    insts = [Instrument(_adhoc_name(a), a) for a in angles_deg]
    by_region, _ = analyze_regions(orbit, grids, insts, start, days, step_s, progress)
    out = {"angles_deg": [float(a) for a in angles_deg],
           "percent": {r: [_num(by_region[r][i.name].percent_area_observed, 4) for i in insts] for r in grids},
           "time_to_90pct_h": {r: [_num(by_region[r][i.name].time_to_90pct_h, 4) for i in insts] for r in grids}}
    if "russia" in grids:
        g = grids["russia"]
        disp = _disputed_km2(g.lat_deg, g.lon_deg, g.area_km2, g.resolution_km)
        out["percent_russia_without_disputed"] = [
            _num(_percent_without(by_region["russia"][i.name], disp), 4) for i in insts]
    return out


#: Months of a by-month run (:func:`by_month`): a year.
MONTHS = 12


def month_starts(start: dt.datetime, months: int = MONTHS) -> list[dt.datetime]:
    """``start``, then the same day and time of each following month (the 28th at most), UTC."""
    start = clock.as_utc(start)
    out = []
    for k in range(months):
        y, m = divmod(start.month - 1 + k, 12)
        out.append(start.replace(year=start.year + y, month=m + 1, day=min(start.day, 28)))
    out[0] = start
    return out


def by_month(orbit: Orbit, grids: dict[str, regions.Grid], instruments: list[Instrument],
             start: dt.date | dt.datetime, days: float, step_s: float = coverage.DEFAULT_STEP_S,
             progress: Callable[[str], Any] | None = None, months: int = MONTHS) -> dict:
    """The seasons: the share of every region observed at least once by every instrument over
    ``days`` from each of :func:`month_starts` (the orbit propagated to each; lighting constraints
    as in the run: optical work stops in the polar night). One :func:`analyze_regions` per month.

    Returns ``{"starts": [ISO], "days": days, "percent": {region: {instrument: [months]}}}``."""
    starts = month_starts(start, months)
    out = {"starts": [t.isoformat() for t in starts], "days": float(days),
           "percent": {r: {i.name: [] for i in instruments} for r in grids}}
    for t in starts:
        res, _ = analyze_regions(orbit, grids, instruments, t, days, step_s, progress)
        for r in grids:
            for i in instruments:
                out["percent"][r][i.name].append(_num(res[r][i.name].percent_area_observed, 4))
    return out


def _disputed_km2(lat_deg, lon_deg, area_km2, resolution_km):
    from .coverage_compare import disputed_km2

    return disputed_km2(lat_deg, lon_deg, area_km2, resolution_km)


def _percent_without(res: CoverageResult, disputed_km2: np.ndarray) -> float:
    """Percent of the area observed, leaving the disputed area out of every cell and of the total."""
    area = np.maximum(res.area_km2 - disputed_km2, 0.0)
    total = float(area.sum())
    return 100.0 * float(area[res.access_count > 0].sum()) / total if total > 0 else math.nan


def _add_without_disputed(summary: dict, russia: dict[str, CoverageResult], resolution_km: float) -> None:
    """Russia's figures without its disputed territory: ``percent_area_observed_without_disputed``
    in every instrument's entry, and ``disputed_territory`` (``area_km2``, ``note``)."""
    if not russia:
        return
    any_res = next(iter(russia.values()))
    disp = _disputed_km2(any_res.lat_deg, any_res.lon_deg, any_res.area_km2, resolution_km)
    for name, res in russia.items():
        summary["regions"]["russia"][name]["percent_area_observed_without_disputed"] = _num(
            _percent_without(res, disp), 6)
    summary["disputed_territory"] = {"area_km2": round(float(disp.sum()), 1), "note": regions.DISPUTED_NOTE,
                                     "counted_in": "russia (percent_area_observed); left out of "
                                                   "percent_area_observed_without_disputed"}


def reach_from_track(itrs_km, half_angle_deg: float) -> float:
    """The most northern geodetic latitude (deg) a nadir cone of ``half_angle_deg`` sees from the
    sampled track ``itrs_km`` (N, 3) (NaN rows skipped): the largest, over the samples, of the
    station's geocentric latitude plus the footprint's central angle for that sample's radius and
    the WGS84 radius at the reached latitude (plane triangle, as :func:`reach_latitude_deg`), in
    geodetic latitude; 90 when it reaches the pole. Between the northernmost cell a 25 km grid sees
    and the next row (53.87° and 53.92° for 400 km, 51.6°, 30°: 53.90°)."""
    s = np.asarray(itrs_km, dtype=float)
    s = s[np.isfinite(s).all(axis=1)]
    if not s.size:
        return float("nan")
    r_s = np.linalg.norm(s, axis=1)
    phi = np.arcsin(s[:, 2] / r_s)
    a, f = coverage._WGS84_A_KM, coverage._WGS84_F
    b = a * (1.0 - f)
    eta = math.radians(half_angle_deg)
    lam = np.zeros_like(phi)
    for _ in range(2):  # the cell radius at the reached latitude; a second pass settles it to < 1 m
        r_c = a * b / np.hypot(b * np.cos(phi + lam), a * np.sin(phi + lam))
        x = r_s / r_c * math.sin(eta)
        with np.errstate(invalid="ignore"):
            lam = np.where(x < 1.0, np.arcsin(np.minimum(x, 1.0)) - eta, np.arccos(np.minimum(r_c / r_s, 1.0)))
    geocentric = float(np.max(phi + lam))
    if geocentric >= math.pi / 2:
        return 90.0
    return math.degrees(math.atan(math.tan(geocentric) / (1.0 - f * (2.0 - f))))


def percent_within_reach(region: regions.Region, reach_deg: float) -> float:
    """Percent of ``region``'s area south of the geodetic latitude ``reach_deg``: the most any span
    can observe from an orbit whose footprint reaches that far (the analytic maximum), from the
    polygon itself (WGS84 ellipsoidal area)."""
    import shapely

    north = region.geometry.bounds[3]
    if not math.isfinite(reach_deg) or reach_deg >= north:
        return 100.0
    part = shapely.intersection(region.geometry, shapely.box(-180.0, -90.0, 180.0, reach_deg))
    polygons = [p for p in shapely.get_parts(part) if p.geom_type in ("Polygon", "MultiPolygon") and p.area > 0]
    if not polygons:
        return 0.0
    inside = regions.from_geometry(shapely.union_all(polygons), "reach")
    return 100.0 * inside.area_km2 / region.area_km2


def _add_within_reach(summary: dict, made: dict[str, regions.Region], track_km, instruments) -> None:
    """``percent_area_within_reach`` in every entry (see the module docstring), and the reach
    latitude per instrument (``instruments.<name>.reach_lat_deg``)."""
    for inst in instruments:
        reach = reach_from_track(track_km, inst.half_angle_deg)
        summary["instruments"][inst.name]["reach_lat_deg"] = _num(reach, 4)
        for name, region in made.items():
            entry = summary["regions"].get(name, {}).get(inst.name)
            if entry is not None:
                entry["percent_area_within_reach"] = _num(percent_within_reach(region, reach), 4)


# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------


def _num(x, digits: int = 6):
    x = float(x)
    return round(x, digits) if math.isfinite(x) else None


def _curve(res: CoverageResult, points: int = CURVE_POINTS) -> dict[str, list]:
    """Percent of the area observed at least once, at ``points`` evenly spaced times over the span."""
    days = np.linspace(0.0, res.span_days, points)
    i = np.searchsorted(res.curve_days, days, side="right")
    pct = np.where(i > 0, res.curve_percent[np.maximum(i - 1, 0)] if res.curve_percent.size else 0.0, 0.0)
    return {"hours": [round(float(h), 4) for h in days * _HOURS_PER_DAY],
            "percent": [round(float(p), 4) for p in pct]}


def _bands(res: CoverageResult) -> list[dict]:
    b = res.bands or {}
    keys = ("lat_lo_deg", "lat_hi_deg", "cells", "area_km2", "percent_observed", "revisit_mean_h")
    n = len(b.get("cells", ()))
    rows = []
    for i in range(n):
        row = {}
        for k in keys:
            v = b[k][i]
            row[k] = int(v) if k == "cells" else _num(v, 4)
        rows.append(row)
    return rows


def _region_summary(res: CoverageResult) -> dict:
    s = res.summary()
    out = {k: s[k] for k in FIGURES}
    out.update(accesses_total=s["accesses_total"], cells=s["cells"], area_km2=round(s["area_km2"], 1))
    out["bands"] = _bands(res)
    out["curve"] = _curve(res)
    return out


#: What ``orbit.altitude_km`` of the summary means, and the other conventions beside it.
ALTITUDE_CONVENTION = ("altitude_km: SGP4's Brouwer mean semi-major axis minus the WGS84 equatorial radius "
                       "(6378.137 km); semi_major_axis_km: that mean semi-major axis; mean_altitude_km: the "
                       "station's height above the WGS84 ellipsoid averaged over 15 revolutions (what 'flies at "
                       "400 km' usually means); altitude_given_as: the one the scenario gave")


def _orbit_info(sc, orbit: Orbit) -> dict:
    """The orbit as run, its size in the three conventions (:data:`ALTITUDE_CONVENTION`) and the
    one the scenario gave (``altitude_given_as``: a key of :data:`rossim.scenario.ALTITUDE_KEYS`,
    or ``tle`` / ``omm``)."""
    spec = sc.orbit
    info = {
        "altitude_km": _num(orbit.altitude_km, 3),
        "semi_major_axis_km": _num(orbit.altitude_km + coverage._WGS84_A_KM, 3),
        "inclination_deg": _num(orbit.inclination_deg, 4),
        "eccentricity": _num(orbit.eccentricity, 7),
        "period_min": _num(orbit.period_s / 60.0, 4),
        "sun_synchronous": bool(spec.sun_synchronous),
        "epoch": orbit.epoch.isoformat(),
        "raan_deg": _num(orbit.raan_deg, 4),
    }
    info["mean_altitude_km"] = _num(orbit_mod.mean_altitude_km(orbit), 3)
    info["altitude_given_as"] = next((k for k in scenario.ALTITUDE_KEYS if getattr(spec, k, None) is not None),
                                     "tle" if spec.tle is not None else "omm")
    info["altitude_convention"] = ALTITUDE_CONVENTION
    if spec.ltan_h is not None:
        info["ltan_h"] = spec.ltan_h
    if spec.tle is not None:
        info["tle"] = list(spec.tle)
    return info


def _instrument_info(sc, inst: Instrument, orbit: Orbit) -> dict:
    spec = sc.instruments.get(inst.name)
    lam = inst.footprint_central_angle_rad(orbit.altitude_km)
    return {
        "half_angle_deg": _num(inst.half_angle_deg, 4),
        "swath_km": spec.swath_km if spec is not None else None,
        "footprint_radius_km": _num(lam * coverage.EARTH_MEAN_RADIUS_KM, 1),
        "min_sun_elevation_deg": inst.min_sun_elevation_deg,
        "station_sunlit": inst.station_sunlit,
        "source": "scenario" if spec is not None else "--half-angle-deg",
    }


def _describe_orbit(info: dict) -> str:
    plane = f"LTAN {_hhmm(info['ltan_h'])}" if "ltan_h" in info else f"RAAN {info['raan_deg']:.1f}°"
    sso = " (SSO)" if info["sun_synchronous"] else ""
    mean = info.get("mean_altitude_km")
    height = f" (mean height {mean:.0f} km)" if isinstance(mean, (int, float)) else ""
    return f"altitude_km {info['altitude_km']:.0f}{height}, {info['inclination_deg']:.1f}°{sso}, {plane}"


def _hhmm(hours: float) -> str:
    m = int(round(hours * 60.0)) % (24 * 60)
    return f"{m // 60:02d}:{m % 60:02d}"


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def _fmt(v) -> str:
    v = float(v)
    return f"{v:.6g}" if math.isfinite(v) else ""


def _utc_stamps(start, days: np.ndarray) -> list[str]:
    """ISO UTC times to the second (``...Z``) ``days`` after ``start``; "" where NaN. Numpy
    arithmetic, one conversion for the whole array."""
    d = np.asarray(days, dtype=float)
    ok = np.isfinite(d)
    t0 = np.datetime64(clock.as_utc(start).replace(tzinfo=None), "s")
    stamps = np.datetime_as_string(t0 + np.round(np.where(ok, d, 0.0) * 86_400.0).astype("timedelta64[s]"), unit="s")
    return [f"{s}Z" if k else "" for s, k in zip(stamps.tolist(), ok.tolist())]


def _cell_rows(results_by_region: dict[str, dict[str, CoverageResult]], start):
    for region, by_inst in results_by_region.items():
        for inst, r in by_inst.items():
            first_h = r.first_access_days * _HOURS_PER_DAY
            cols = (r.lat_deg, r.lon_deg, r.area_km2, first_h, r.cell_revisit_mean_h, r.cell_revisit_max_h)
            # Python floats (tolist) format ~2x faster than numpy scalars, to the same text as _fmt
            text = [[f"{v:.6g}" if math.isfinite(v) else "" for v in np.asarray(col, dtype=float).tolist()]
                    for col in cols]
            first_utc = _utc_stamps(start, r.first_access_days)
            yield from zip(itertools.repeat(region), itertools.repeat(inst), text[0], text[1], text[2],
                           np.asarray(r.access_count).astype(np.int64).tolist(), text[3], first_utc, text[4], text[5])


def _json_numbers(values, digits: int) -> list[str]:
    """JSON texts of numbers rounded to ``digits`` decimals ("null" where not finite)."""
    v = np.round(np.asarray(values, dtype=float), digits)
    ok = np.isfinite(v)
    return [repr(x) if k else "null" for x, k in zip(v.tolist(), ok.tolist())]


def _write_cells_geojson(path: Path, by_instrument: dict[str, CoverageResult], resolution_km: float) -> None:
    """``cells_<region>.geojson``: each cell of the grid as its lon/lat rectangle (RFC 7946, WGS84;
    a boundary cell's rectangle is whole, its ``area_km2`` the region's part of it), with
    ``area_km2`` and, per instrument ``<name>``, ``<name>_accesses``, ``<name>_first_access_h`` and
    ``<name>_revisit_mean_h`` (null where undefined); Russia's cells also ``disputed_km2``. Written
    as text, a feature per line (json.dumps of the whole took 3x longer)."""
    import json

    first = next(iter(by_instrument.values()))
    _, b = regions.cell_bounds(first.lat_deg, first.lon_deg, resolution_km)
    w, so, e, n = (_json_numbers(b[:, k], 5) for k in range(4))
    props: dict[str, list[str]] = {"area_km2": _json_numbers(first.area_km2, 3)}
    if path.stem == "cells_russia":
        props["disputed_km2"] = _json_numbers(
            _disputed_km2(first.lat_deg, first.lon_deg, first.area_km2, resolution_km), 3)
    for name, r in by_instrument.items():
        props[f"{name}_accesses"] = [str(int(a)) for a in r.access_count.tolist()]
        props[f"{name}_first_access_h"] = _json_numbers(r.first_access_days * _HOURS_PER_DAY, 4)
        props[f"{name}_revisit_mean_h"] = _json_numbers(r.cell_revisit_mean_h, 4)
    keys = [json.dumps(k) for k in props]
    columns = list(props.values())
    lines = []
    for i in range(len(w)):
        ring = f"[{w[i]},{so[i]}],[{e[i]},{so[i]}],[{e[i]},{n[i]}],[{w[i]},{n[i]}],[{w[i]},{so[i]}]"
        fields = ",".join(f"{k}:{col[i]}" for k, col in zip(keys, columns))
        lines.append(f'{{"type":"Feature","geometry":{{"type":"Polygon","coordinates":[[{ring}]]}},'
                     f'"properties":{{{fields}}}}}')
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        f.write(",\n".join(lines))
        f.write("\n]}\n")


def _write_by_month(path: Path, seasons: dict) -> None:
    """``coverage_by_month.csv``: ``start_utc``, ``days``, then ``percent_<region>_<instrument>``."""
    cols = {f"percent_{r}_{i}": v for r, by in seasons["percent"].items() for i, v in by.items()}
    results.write_csv(path, ("start_utc", "days", *cols),
                      ([t, f"{seasons['days']:g}", *(_fmt(v[k]) if v[k] is not None else "" for v in cols.values())]
                       for k, t in enumerate(seasons["starts"])))


def _write_sweep(path: Path, sweep: dict) -> None:
    """``half_angle_sweep.csv``: ``half_angle_deg`` then the percent of each region observed
    (``percent_<region>``, and ``percent_russia_without_disputed``) and the hours until 90 % of it
    was (``time_to_90pct_h_<region>``, empty: never)."""
    cols = {f"percent_{r}": v for r, v in sweep["percent"].items()}
    if "percent_russia_without_disputed" in sweep:
        cols["percent_russia_without_disputed"] = sweep["percent_russia_without_disputed"]
    cols.update({f"time_to_90pct_h_{r}": v for r, v in sweep.get("time_to_90pct_h", {}).items()})
    results.write_csv(path, ("half_angle_deg", *cols),
                      ([f"{a:g}", *(_fmt(v[k]) if v[k] is not None else "" for v in cols.values())]
                       for k, a in enumerate(sweep["angles_deg"])))


def _write_ground_track(path: Path, start, track, step_days: np.ndarray) -> None:
    """``ground_track.csv``: every sample; empty fields where the propagation failed."""
    from . import sunlight

    t = clock.time_at(start, step_days)
    lit = np.asarray(sunlight.is_sunlit(t, track.itrs_km), dtype=bool)
    t0 = np.datetime64(clock.as_utc(start).replace(tzinfo=None), "ms")
    stamps = np.datetime_as_string(t0 + np.round(step_days * 86_400_000.0).astype("timedelta64[ms]"), unit="s")
    # Python floats format about twice as fast as numpy scalars: one f-string per row.
    rows = [f"{s}Z,{la:.4f},{lo:.4f},{h:.3f},{int(li)}" for s, la, lo, h, li in
            zip(stamps.tolist(), track.lat_deg.tolist(), track.lon_deg.tolist(), track.height_km.tolist(),
                lit.tolist())]
    for i in np.flatnonzero(~np.isfinite(track.lat_deg)):
        rows[i] = f"{stamps[i]}Z,,,,"
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write("time_utc,lat_deg,lon_deg,height_km,sunlit\n")
        f.write("\n".join(rows))
        f.write("\n")


def _contacts_summary(found: contacts.Contacts, stations: list[tuple[contacts.GroundStation, str]]) -> dict:
    def figures(stats: dict) -> dict:
        return {"passes": stats["passes"], "minutes_per_day": _num(stats["minutes_per_day"], 3),
                "passes_per_day": _num(stats["passes_per_day"], 4), "longest_gap_h": _num(stats["longest_gap_h"], 4)}

    stats = contacts.summary(found)
    by_station = {}
    for st, origin in stations:
        by_station[st.name] = {"lat_deg": st.lat_deg, "lon_deg": st.lon_deg, "height_m": st.height_m,
                               "min_elevation_deg": st.min_elevation_deg, "source": origin,
                               **figures(stats["stations"][st.name])}
    return {"stations": by_station, "network": {"stations": len(stations), **figures(stats["network"])}}


def _write_contacts(path: Path, start, found: contacts.Contacts) -> None:
    """``contacts.csv``: one row per window, by station then start."""
    t0 = np.datetime64(clock.as_utc(start).replace(tzinfo=None), "ms")

    def stamps(days):
        return np.datetime_as_string(t0 + np.round(days * 86_400_000.0).astype("timedelta64[ms]"), unit="ms")

    rows = zip([found.names[k] for k in found.station.tolist()], stamps(found.start_days).tolist(),
               stamps(found.end_days).tolist(), found.duration_s.tolist(), found.max_elevation_deg.tolist())
    results.write_csv(path, ("station", "start_utc", "end_utc", "duration_s", "max_elevation_deg"),
                      ((name, f"{s}Z", f"{e}Z", f"{d:.3f}", f"{el:.3f}") for name, s, e, d, el in rows))


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "instrument"


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def prepare(sc, *, days: float | None = None, resolution_km: float | None = None, instrument: str | None = None,
            half_angle_deg: float | None = None, region_files: Sequence[str | Path] = ()):
    """Every input of a :func:`run`, checked, before anything is computed: ``(days, resolution_km,
    orbit, instruments, start, grids)``. Raises :class:`InputError` for bad input and for a run
    too large (time samples, grid cells, accesses: the estimate and the limit)."""
    cov = sc.coverage
    days = check_days(cov.days if days is None else days)
    resolution_km = check_resolution(cov.resolution_km if resolution_km is None else resolution_km)
    check_samples(days, cov.step_s, sc.source)
    orbit = scenario.build_orbit(sc)
    instruments = build_instruments(sc, orbit, instrument, half_angle_deg)
    if cov.start is not None:
        start = clock.as_utc(cov.start)
    elif sc.orbit.tle is not None or sc.orbit.omm is not None:
        start = orbit.epoch
    else:
        start = sc.orbit_epoch()
    grids = region_grids(resolution_km, cov.nsr_corridor_width_km, user_regions(region_files), sc.source)
    check_accesses(orbit, grids, instruments, days, sc.source)
    return days, resolution_km, orbit, instruments, start, grids


@dataclasses.dataclass
class CoverageRun:
    """The results of a coverage run in memory (:func:`analyze`), before any file is written.

    ``summary``: what ``coverage_summary.json`` holds; ``results``: ``{region: {instrument:
    CoverageResult}}`` (cells, accesses, revisits, curves: :class:`rossim.coverage.CoverageResult`);
    ``track``: the propagated :class:`rossim.orbit.Track` at ``sample_days`` (days since ``start``,
    a UTC datetime); ``contacts``: the ground-station windows (:class:`rossim.contacts.Contacts`);
    ``instruments`` and ``orbit``: as run."""

    summary: dict
    results: dict[str, dict[str, CoverageResult]]
    track: Any
    sample_days: np.ndarray
    start: dt.datetime
    contacts: contacts.Contacts
    instruments: list[Instrument]
    orbit: Orbit
    #: The half-angle sweep (:func:`half_angle_sweep`) when asked for, else None.
    sweep: dict | None = None
    #: The coverage by month (:func:`by_month`) when asked for, else None.
    seasons: dict | None = None

    def table(self):
        """The figures of merit as a pandas DataFrame, a row per region and instrument (index
        ``region``, ``instrument``; columns :data:`FIGURES`, ``accesses_total``, ``cells``,
        ``area_km2``; NaN: never reached), as ``coverage_summary.json`` holds them."""
        import pandas as pd

        rows = {(region, inst): {k: (np.nan if s[k] is None else s[k])
                                 for k in (*FIGURES, "accesses_total", "cells", "area_km2")}
                for region, by_inst in self.summary["regions"].items() for inst, s in by_inst.items()}
        table = pd.DataFrame.from_dict(rows, orient="index")
        table.index = table.index.set_names(["region", "instrument"])
        return table

    def map(self, instrument: str | None = None, region: str = "russia", vmax_h: float | None = None):
        """The mean-revisit map of ``instrument`` (default: the first) over ``region`` (Russia's map
        frame, :func:`rossim.maps.coverage_map`), on the colour scale every instrument's map of the
        run shares (:func:`shared_vmax_h`) unless ``vmax_h`` is given: a matplotlib Figure."""
        from . import maps

        name = instrument or self.instruments[0].name
        if name not in self.results[region]:
            raise InputError(f"no instrument named {name!r} in this run (valid: {', '.join(self.results[region])})",
                             field="instrument")
        if vmax_h is None:
            vmax_h = shared_vmax_h(list(self.results[region].values()))
        return maps.coverage_map(self.results[region][name], title=map_title(self.summary, name, region),
                                 vmin=0.0, vmax=vmax_h, stamp=maps.overrides_stamp(self.summary.get("overrides")))


def analyze(
    sc,
    *,
    days: float | None = None,
    resolution_km: float | None = None,
    instrument: str | None = None,
    half_angle_deg: float | None = None,
    progress: Callable[[str], Any] | None = None,
    overrides: list[str] = (),
    region_files: Sequence[str | Path] = (),
    half_angle_sweep_deg: Sequence[float] | None = None,
    monthly: bool = False,
) -> CoverageRun:
    """The coverage of scenario ``sc``, in memory (no file written): see :func:`run` for the
    arguments, :class:`CoverageRun` for what it returns. Bad input raises :class:`InputError`
    before anything is computed."""
    cov = sc.coverage
    if half_angle_sweep_deg is not None:
        half_angle_sweep_deg = check_sweep(half_angle_sweep_deg)
    days, resolution_km, orbit, instruments, start, grids = prepare(
        sc, days=days, resolution_km=resolution_km, instrument=instrument, half_angle_deg=half_angle_deg,
        region_files=region_files)
    if half_angle_sweep_deg is not None:
        check_accesses(orbit, grids, [Instrument(_adhoc_name(a), a) for a in half_angle_sweep_deg], days, sc.source)
    if monthly:
        check_accesses(orbit, grids, instruments, days * MONTHS, sc.source)
    stations = ground_stations(sc)
    by_region, track = analyze_regions(orbit, grids, instruments, start, days, cov.step_s, progress)
    any_result = by_region["russia"][instruments[0].name]
    sample_days = any_result.track.days
    found = contacts.find_contacts(orbit, [st for st, _ in stations], start, days, t_days=sample_days,
                                   itrs_km=track.itrs_km)

    orbit_info = _orbit_info(sc, orbit)
    summary = {
        "scenario": sc.name,
        "title": sc.scenario.title or sc.name,
        "source": sc.source,
        "overrides": list(overrides),
        "orbit": orbit_info,
        "span": {"start": start.isoformat(), "end": clock.datetime_at(start, days).isoformat(), "days": days},
        "resolution_km": resolution_km,
        "step_s": float(sample_days[1] - sample_days[0]) * 86400.0 if sample_days.size > 1 else cov.step_s,
        "nsr_corridor_width_km": cov.nsr_corridor_width_km,
        "instruments": {i.name: _instrument_info(sc, i, orbit) for i in instruments},
        "regions": {r: {i: _region_summary(res) for i, res in by_region[r].items()} for r in grids},
        "contacts": _contacts_summary(found, stations),
    }
    summary["step_s"] = round(summary["step_s"], 6)
    _add_without_disputed(summary, by_region.get("russia", {}), resolution_km)
    made = {"russia": regions.russia(), "arctic": regions.arctic_zone(),
            "nsr": regions.nsr_corridor(cov.nsr_corridor_width_km), **user_regions(region_files)}
    _add_within_reach(summary, made, track.itrs_km, instruments)
    sweep = None
    if half_angle_sweep_deg is not None:
        sweep = half_angle_sweep(orbit, grids, half_angle_sweep_deg, start, days, cov.step_s, progress)
        summary["half_angle_sweep"] = sweep
    seasons = None
    if monthly:
        seasons = by_month(orbit, grids, instruments, start, days, cov.step_s, progress)
        summary["by_month"] = seasons
    return CoverageRun(summary, by_region, track, sample_days, start, found, instruments, orbit, sweep, seasons)


def write(done: CoverageRun, out, *, progress: Callable[[str], Any] | None = None, maps: bool = True,
          map_vmax_h: float | None = None, finish: Callable[[Path], Any] | None = None) -> None:
    """Write the files of an :func:`analyze` into the folder ``out`` (replaced whole, atomically;
    see the module docstring and :func:`run`)."""
    with results.output_dir(out) as tmp:
        results.write_json(tmp / "coverage_summary.json", done.summary)
        results.write_csv(tmp / "coverage_cells.csv",
                          ("region", "instrument", "lat_deg", "lon_deg", "area_km2", "accesses",
                           "first_access_h", "first_access_utc", "revisit_mean_h", "revisit_max_h"),
                          _cell_rows(done.results, done.start))
        _write_ground_track(tmp / "ground_track.csv", done.start, done.track, done.sample_days)
        _write_contacts(tmp / "contacts.csv", done.start, done.contacts)
        for region, by_inst in done.results.items():
            _write_cells_geojson(tmp / f"cells_{region}.geojson", by_inst, done.summary["resolution_km"])
        if done.sweep is not None:
            _write_sweep(tmp / "half_angle_sweep.csv", done.sweep)
        if done.seasons is not None:
            _write_by_month(tmp / "coverage_by_month.csv", done.seasons)
        if maps:
            _write_maps(tmp, done.summary, done.results["russia"], done.instruments, progress, map_vmax_h)
            _write_figures(tmp, done)
        if finish is not None:
            finish(tmp)


def run(
    sc,
    out: str | Path,
    *,
    days: float | None = None,
    resolution_km: float | None = None,
    instrument: str | None = None,
    half_angle_deg: float | None = None,
    progress: Callable[[str], Any] | None = None,
    maps: bool = True,
    map_vmax_h: float | None = None,
    overrides: list[str] = (),
    region_files: Sequence[str | Path] = (),
    finish: Callable[[Path], Any] | None = None,
    half_angle_sweep_deg: Sequence[float] | None = None,
    monthly: bool = False,
) -> dict:
    """Run the coverage of scenario ``sc`` and write the folder ``out`` (replaced whole, atomically):
    :func:`analyze`, then :func:`write`.

    ``region_files``: user GeoJSON polygons analysed beside Russia, the Arctic zone and the NSR
    (``regions.<file stem>`` in the summary). ``finish(folder)`` writes more into the folder
    before it is renamed into place (the CLI's report).

    ``days`` / ``resolution_km`` override ``sc.coverage``; ``instrument`` / ``half_angle_deg`` pick
    the instruments (see :func:`build_instruments`); ``progress(label)`` returns a rich-like Progress
    context manager; ``maps=False`` skips the PNGs; ``map_vmax_h`` fixes the top of the maps' colour
    scale (hours) so that maps of several runs compare; ``overrides``: the ``--set`` strings the
    scenario was loaded with, recorded in the summary. Every input is checked before anything is
    computed or written: bad input raises :class:`InputError` and leaves ``out`` untouched.
    ``half_angle_sweep_deg``: also the share of every region observed by a nadir cone of each of
    these half-angles (:func:`half_angle_sweep`; ``half_angle_sweep.csv`` and its figure).
    ``monthly``: also the same span from each month of a year (:func:`by_month`;
    ``coverage_by_month.csv`` and its figure).

    Returns the summary written to ``coverage_summary.json``.
    """
    done = analyze(sc, days=days, resolution_km=resolution_km, instrument=instrument,
                   half_angle_deg=half_angle_deg, progress=progress, overrides=overrides,
                   region_files=region_files, half_angle_sweep_deg=half_angle_sweep_deg, monthly=monthly)
    write(done, out, progress=progress, maps=maps, map_vmax_h=map_vmax_h, finish=finish)
    return done.summary


def _pct(x) -> str:
    """A share as titles print it: "19 %", "0.4 %", "99.6 %" (a share short of the whole never
    "100 %": :func:`rossim.headlines.area_percent`), "—" when undefined."""
    from .headlines import area_percent

    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:.1f}\u00a0%" if 0 < x < 9.5 else area_percent(x, "\u00a0")  # no line break before "%"


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th ... 21st, 28th (month days)."""
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _span_text(days: float) -> str:
    return f"{days * 24:g} hours" if days < 1 else f"{days:g} day{'' if days == 1 else 's'}"


def _orbit_phrase(info: dict) -> str:
    """"an orbit inclined 51.6°, 406 km up on average" (its mean height above the ellipsoid; "a 400 km
    orbit inclined 51.6°" by ``altitude_km`` in a summary without it; ", sun-synchronous" when it
    is; "the station's orbit" when a summary lacks both)."""
    sso = ", sun-synchronous" if info.get("sun_synchronous") else ""
    alt, inc, mean = info.get("altitude_km"), info.get("inclination_deg"), info.get("mean_altitude_km")
    if not isinstance(inc, (int, float)):
        return "the station's orbit"
    if isinstance(mean, (int, float)):
        return f"an orbit inclined {inc:.1f}°{sso}, {mean:.0f} km up on average"
    if isinstance(alt, (int, float)):
        return f"a {alt:.0f} km orbit inclined {inc:.1f}°{sso}"
    return "the station's orbit"


def map_title(summary: dict, instrument: str, region: str = "russia") -> str:
    """The plain title of an instrument's map of Russia: the headline number (the share of Russia
    observed at least once), the instrument and the orbit as they were run, then the scenario."""
    entry = summary["regions"][region][instrument]
    info = summary["instruments"][instrument]
    days = summary["span"]["days"]
    place = {"russia": "Russia", "arctic": "the Arctic zone", "nsr": "the Northern Sea Route corridor"}.get(region, region)
    words = instrument_words(instrument).removeprefix("instrument ")
    head = (f"{words[:1].upper()}{words[1:]}: {_pct(entry['percent_area_observed'])} of {place} "
            f"observed at least once in "
            f"{_span_text(days)}, from {_orbit_phrase(summary['orbit'])}")
    second = f"{_describe_instrument(info)}."
    within = entry.get("percent_area_within_reach")
    if within is not None and within < 99.95:
        second += f" {_pct(within)} of {place} lies within this orbit's reach (cells at its edge count whole)."
    if entry.get("percent_area_observed_without_disputed") is not None:
        second += f" Without the disputed territory: {_pct(entry['percent_area_observed_without_disputed'])}."
    changed = " (changed by --set, see below)" if summary.get("overrides") else ""
    title = summary.get("title") or summary["scenario"]
    third = f"Scenario “{title}”{changed}, from {summary['span']['start'][:16].replace('T', ' ')} UTC"
    return f"{head}\n{second}\n{third}"


def shared_vmax_h(results: Sequence[CoverageResult]) -> float:
    """One colour scale for a set of revisit maps: the round number at or above the largest of
    their 95th percentiles of the cells' mean revisit (:func:`rossim.maps.nice_ceiling`)."""
    from . import maps

    p95 = [float(np.percentile(v[np.isfinite(v)], 95)) for r in results
           if np.isfinite(v := np.asarray(r.cell_revisit_mean_h, dtype=float)).any()]
    return maps.nice_ceiling(max(p95)) if p95 else maps.nice_ceiling(24.0 * max(r.span_days for r in results))


def _write_maps(folder: Path, summary: dict, russia: dict[str, CoverageResult], instruments, progress,
                vmax_h) -> None:
    """``map_<instrument>.png`` per instrument, all on one colour scale (``vmax_h`` or
    :func:`shared_vmax_h`), each stamped with the run's ``--set`` changes."""
    from . import maps

    used: set[str] = set()
    vmax = vmax_h if vmax_h is not None else shared_vmax_h([russia[i.name] for i in instruments])
    stamp = maps.overrides_stamp(summary.get("overrides"))
    with (progress or _no_progress)("maps") as bar:
        task = bar.add_task("maps", total=len(instruments))
        for k, inst in enumerate(instruments):
            stem = _safe_name(inst.name)
            stem = stem if stem not in used else f"{stem}_{k + 1}"
            used.add(stem)
            fig = maps.coverage_map(russia[inst.name], title=map_title(summary, inst.name), vmin=0.0, vmax=vmax,
                                    stamp=stamp)
            maps.save(fig, folder / f"map_{stem}.png")
            bar.update(task, completed=k + 1)


def reach_latitude_deg(orbit: Orbit, instrument: Instrument) -> float:
    """The most northern geodetic latitude (deg) a nadir cone on ``orbit`` can see: the orbit's
    highest geocentric latitude ``i' = min(i, 180° - i)`` plus the footprint's central angle from
    the plane triangle (Earth's centre, station, cell), ``asin(r_sat / r_cell sin(eta)) - eta``
    (the horizon's angle when the cone misses the Earth), with the station at the WGS84 equatorial
    radius plus ``orbit.altitude_km`` and the cell on the ellipsoid at geocentric latitude ``i'``;
    converted to geodetic latitude; 90 when it reaches the pole. Within about 0.1° of the exact
    reach (the station's radius varies along an orbit by some kilometres)."""
    inc = math.radians(min(orbit.inclination_deg, 180.0 - orbit.inclination_deg))
    a, f = coverage._WGS84_A_KM, coverage._WGS84_F
    b = a * (1.0 - f)
    r_cell = a * b / math.hypot(b * math.cos(inc), a * math.sin(inc))
    r_sat = a + orbit.altitude_km
    eta = math.radians(instrument.half_angle_deg)
    x = r_sat / r_cell * math.sin(eta)
    lam = math.asin(x) - eta if x < 1.0 else math.acos(r_cell / r_sat)
    geocentric = inc + lam
    if geocentric >= math.pi / 2:
        return 90.0
    e2 = f * (2.0 - f)
    return math.degrees(math.atan(math.tan(geocentric) / (1.0 - e2)))


def _write_figures(folder: Path, done: "CoverageRun") -> None:
    """``fig_coverage_by_latitude.png`` (Russia, every instrument) and, with a sweep,
    ``fig_half_angle_sweep.png``; stamped with the run's ``--set`` changes."""
    from . import coverage_figures, figures, maps

    summary = done.summary
    stamp = maps.overrides_stamp(summary.get("overrides"))
    russia = done.results["russia"]
    bands = {name: res.bands for name, res in russia.items() if res.bands is not None}
    if bands:
        reach = [summary["instruments"][i.name].get("reach_lat_deg") or 90.0 for i in done.instruments]
        fig = coverage_figures.latitude_figure(
            bands, title=f"Share of Russia observed at least once in {_span_text(summary['span']['days'])}, by "
                         f"latitude\nfrom {_orbit_phrase(summary['orbit'])}; instruments: {', '.join(bands)}",
            reach_deg=max(reach) if max(reach) < 84.0 else None, note=stamp)
        figures.save(fig, folder / "fig_coverage_by_latitude.png")
    if done.seasons is not None:
        fig = coverage_figures.month_figure(
            done.seasons, title=f"The seasons: share observed at least once in {_span_text(done.seasons['days'])} "
                                f"from the {_ordinal(done.start.day)} of each month\n"
                                f"{_orbit_phrase(summary['orbit'])[:1].upper()}{_orbit_phrase(summary['orbit'])[1:]}",
            note=stamp,
            region_names=_REGION_NAMES)
        figures.save(fig, folder / "fig_coverage_by_month.png")
    if done.sweep is not None:
        sw = done.sweep
        pct = sw["percent"]
        lo, hi = sw["angles_deg"][0], sw["angles_deg"][-1]
        title = (f"Share of Russia observed at least once in {_span_text(summary['span']['days'])}: "
                 f"{_pct(pct['russia'][0])} with a ±{lo:g}° instrument, {_pct(pct['russia'][-1])} with ±{hi:g}°\n"
                 f"Nadir cones, day and night, from {_orbit_phrase(summary['orbit'])}")
        fig = coverage_figures.half_angle_figure(sw["angles_deg"], pct, title=title, note=stamp,
                                                 region_names=_REGION_NAMES, hours=sw.get("time_to_90pct_h"))
        figures.save(fig, folder / "fig_half_angle_sweep.png")


_REGION_NAMES = {"russia": "Russia", "arctic": "Arctic zone (Russia north of 66.56°N)",
                 "nsr": "Northern Sea Route corridor"}


def _describe_instrument(info: dict) -> str:
    parts = [f"±{info['half_angle_deg']:g}° off nadir"]
    if info.get("min_sun_elevation_deg") is not None:
        parts.append(f"sun ≥ {info['min_sun_elevation_deg']:g}°")
    if info.get("station_sunlit") is not None:
        parts.append("station sunlit" if info["station_sunlit"] else "station in shadow")
    if len(parts) == 1:
        parts.append("day and night")
    return ", ".join(parts)


def _h(v) -> str:
    if v is None:
        return "—"
    return f"{v:.1f}" if v < 100 else f"{v:,.0f}"


def print_summary(summary: dict, console) -> None:
    """Print the figures of merit of a :func:`run` summary as a rich table on ``console``: names
    (a long region name) wrap, a number is never cut; a table that still does not fit the
    console is printed at its own width rather than truncated."""
    from rich import box
    from rich.console import Console
    from rich.measure import Measurement
    from rich.table import Table

    span = summary["span"]
    t = Table(title=f"{summary['title']}\norbit {_describe_orbit(summary['orbit'])} · "
                    f"{span['start'][:10]} + {span['days']:g} d · {summary['resolution_km']:g} km cells",
              caption="times in hours. tNN: until NN % of the area was observed at least once; revisit: "
                      "time between a cell's accesses (area mean, p95, max); gap: longest time with no "
                      "cell of the region observed",
              box=box.SIMPLE_HEAD, padding=(0, 0), show_edge=False)
    rows = []
    for region, by_inst in summary["regions"].items():
        for inst, s in by_inst.items():
            pct = s["percent_area_observed"]
            rows.append((region, inst, "—" if pct is None else f"{pct:.1f}", *(_h(s[k]) for k in FIGURES[1:])))
    headers = ("observed\n%", "t50", "t90", "t99", "revisit\nmean", "revisit\np95", "revisit\nmax", "gap")
    longest_word = lambda k: min(24, max(len(w) for r in rows for w in r[k].split()))  # noqa: E731
    t.add_column("region", overflow="fold", min_width=longest_word(0) if rows else 6)
    t.add_column("instrument", overflow="fold", min_width=longest_word(1) if rows else 5)
    for k, col in enumerate(headers):  # as wide as their widest number: never cut to "13…"
        widest = max([len(r[2 + k]) for r in rows] + [len(w) for w in col.split("\n")])
        t.add_column(col, justify="right", no_wrap=True, min_width=widest + 1)
    for r in rows:
        t.add_row(*r)
    need = Measurement.get(console, console.options, t).minimum
    if need > console.width:  # at the table's own width, never a cut number
        console = Console(file=console.file, width=need, highlight=False, force_terminal=console.is_terminal,
                          no_color=console.no_color)
    console.print(t)
    if summary.get("contacts"):
        console.print(_contacts_line(summary["contacts"]))


def _contacts_line(section: dict) -> str:
    """One line on the ground-station contacts of a summary."""
    net, stations = section["network"], section["stations"]
    if not stations:
        return "contacts: no ground stations (ground_stations.use_shipped = false and no extra)"
    els = sorted({s["min_elevation_deg"] for s in stations.values()})
    mask = f"{els[0]:g}°" if len(els) == 1 else f"{els[0]:g}-{els[-1]:g}°"
    best = max(stations, key=lambda k: stations[k]["minutes_per_day"])
    name = contacts.shipped_names().get(best, best) if stations[best].get("source") == "shipped" else best
    return (f"contacts with {len(stations)} ground stations (elevation >= {mask}): {net['minutes_per_day']:.0f} "
            f"min/day, {net['passes_per_day']:.1f} passes/day, longest gap {_h(net['longest_gap_h'])} h "
            f"(contacts.csv; most: {name}, {stations[best]['minutes_per_day']:.0f} min/day)")
