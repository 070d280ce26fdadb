"""rossim's accesses against NASA TAT-C's on the same cells, orbit and instruments (skipped without
TAT-C: ``pip install -e '.[bench]'``).

TAT-C 3.6 is an independent twin: its own propagation path (skyfield: TEME -> GCRS -> ITRS), its own
search (windows screened every <= 60 s, residuals sampled and every crossing refined to 1 ms by
root finding) and its own lighting test (the apparent Sun from DE421). rossim's fits quadratics to
margins sampled every 20 s. The case is ``bench/tatc_coverage.py``'s, smaller: the scenario's orbit
(its SGP4 elements as TAT-C's ``GeneralPerturbationsOrbit``) and instruments (a cone of half-angle
a = a TAT-C field of regard 2a about the geocentric nadir), Russia's 150 km cells, 2 days.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from rossim import coverage, coverage_run, regions

tatc_analysis = pytest.importorskip("tatc.analysis")

ROOT = Path(__file__).resolve().parents[1]
DAYS = 2.0


def _tatc_satellite(orbit, instruments):
    from tatc.schemas import GeneralPerturbationsOrbit, Instrument, Satellite
    from tatc.schemas.orbit.gp_elements import GeneralPerturbationsElements

    # sgp4's OMM exporter, through which TAT-C propagates, needs an international designator
    elements = GeneralPerturbationsElements.from_satrec(orbit.satrec).model_copy(
        update={"international_designator": "29001A"})
    return Satellite(name="ross", orbit=GeneralPerturbationsOrbit(elements=[elements]), instruments=[
        Instrument(name=i.name, field_of_regard=2.0 * i.half_angle_deg, nadir_reference="geocentric",
                   min_target_solar_elevation=i.min_sun_elevation_deg, req_self_sunlit=i.station_sunlit)
        for i in instruments])


def _tatc_accesses(satellite, index, points, cell_of, start):
    """TAT-C's accesses by instrument ``index``: (cell, start s, end s), sorted by cell and start."""
    theirs = tatc_analysis.aggregate_observations(tatc_analysis.collect_observations(
        points, satellite, start, start + dt.timedelta(days=DAYS), instrument_index=index))
    cell = np.array([cell_of[(g.x, g.y)] for g in theirs.geometry], dtype=int)
    start_s = (theirs["start"] - start).dt.total_seconds().to_numpy()
    end_s = (theirs["end"] - start).dt.total_seconds().to_numpy()
    order = np.lexsort((start_s, cell))
    return cell[order], start_s[order], end_s[order]


@pytest.fixture(scope="module")
def case():
    from shapely import geometry as geo

    sc = coverage_run.load_scenario(ROOT / "scenarios" / "ross_high_latitude.toml")
    orbit = coverage_run.scenario.build_orbit(sc)
    instruments = coverage_run.build_instruments(sc, orbit)
    grid = regions.equal_area_grid(regions.russia(), 150.0)
    points = [geo.Point(x, y) for x, y in zip(grid.lon_deg, grid.lat_deg)]
    cell_of = {(x, y): k for k, (x, y) in enumerate(zip(grid.lon_deg, grid.lat_deg))}
    return orbit, instruments, grid, points, cell_of


def test_accesses_equal_tatcs_cell_for_cell(case):
    """An instrument without lighting constraint (the radar): the same accesses in every cell, their
    starts and ends within ``ACCESS_TIME_TOL_S`` of TAT-C's."""
    orbit, instruments, grid, points, cell_of = case
    index = next(k for k, i in enumerate(instruments) if i.min_sun_elevation_deg is None and i.station_sunlit is None)
    satellite = _tatc_satellite(orbit, instruments)
    ours = coverage.analyze(orbit, grid, instruments[index], orbit.epoch, DAYS).accesses
    cell, start_s, end_s = _tatc_accesses(satellite, index, points, cell_of, orbit.epoch)
    assert len(ours) > len(grid)  # most cells seen more than once: not an empty comparison
    np.testing.assert_array_equal(ours.cell, cell)
    assert np.abs(ours.start_days * 86400.0 - start_s).max() < coverage.ACCESS_TIME_TOL_S
    assert np.abs(ours.end_days * 86400.0 - end_s).max() < coverage.ACCESS_TIME_TOL_S


#: rossim's Sun elevation against skyfield + DE421 (tests/test_sunlight.py): an access whose
#: midpoint has the Sun closer than this to an instrument's threshold may be kept by one tool only.
SUN_ELEVATION_TOL_DEG = 0.05


def test_lit_accesses_differ_from_tatcs_only_at_the_sun_threshold(case):
    """The optical instrument (Sun >= 10 deg at the cell, tested at each access's midpoint by both
    tools): of the geometric accesses, the two tools keep the same ones except where the Sun is
    within ``SUN_ELEVATION_TOL_DEG`` of 10 deg (2 days at 150 km: one, 10.0004 deg by rossim's Sun)."""
    from rossim import clock, sunlight

    orbit, instruments, grid, points, cell_of = case
    index = next(k for k, i in enumerate(instruments) if i.min_sun_elevation_deg is not None)
    lit = instruments[index]
    satellite = _tatc_satellite(orbit, instruments)
    every = coverage.analyze(orbit, grid, coverage.Instrument("geometry", lit.half_angle_deg), orbit.epoch, DAYS).accesses
    kept = coverage.analyze(orbit, grid, lit, orbit.epoch, DAYS).accesses
    cell, start_s, _ = _tatc_accesses(satellite, index, points, cell_of, orbit.epoch)

    def kept_among_every(c, s_days):
        """Which of ``every`` are among the accesses (cell ``c``, start ``s_days``)."""
        key = every.cell * 10.0 + every.start_days  # sorted: cells ascending, starts within [0, DAYS]
        at = np.clip(np.searchsorted(key, c * 10.0 + s_days), 1, len(key) - 1)
        nearest = np.where(np.abs(key[at - 1] - (c * 10.0 + s_days)) < np.abs(key[at] - (c * 10.0 + s_days)), at - 1, at)
        assert np.abs(key[nearest] - (c * 10.0 + s_days)).max() * 86400.0 < coverage.ACCESS_TIME_TOL_S
        flags = np.zeros(len(every), dtype=bool)
        flags[nearest] = True
        return flags

    ours, theirs = kept_among_every(kept.cell, kept.start_days), kept_among_every(cell, start_s / 86400.0)
    assert ours.sum() > len(grid) / 2 and 0 < ours.sum() < len(every)  # lighting removes some, not all
    differ = np.flatnonzero(ours != theirs)
    sun_deg = sunlight.sun_elevation_deg(clock.time_at(orbit.epoch, every.mid_days[differ]),
                                         grid.lat_deg[every.cell[differ]], grid.lon_deg[every.cell[differ]])
    assert np.all(np.abs(sun_deg - lit.min_sun_elevation_deg) < SUN_ELEVATION_TOL_DEG), sun_deg
    assert differ.size <= 0.01 * len(every)
