"""rossim.sunlight (analytic Sun) against skyfield with the DE421 ephemeris from skyfield-data."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pytest
from skyfield.api import EarthSatellite, Loader, wgs84
from skyfield.framelib import itrs
from skyfield_data import get_skyfield_data_path

from rossim import clock
from rossim.orbit import Orbit
from rossim.sunlight import is_sunlit, sun_direction_itrs, sun_elevation_deg, sunlit_fraction

UTC = dt.timezone.utc

# Tolerances ------------------------------------------------------------------------------------
# Brief: 0.05 deg of sun elevation.  Budget: Meeus low-accuracy theory ~0.01 deg, nutation left
# out <= 0.005 deg, solar parallax <= 0.0025 deg; measured max 0.012 deg over 2025-2040.
SUN_ELEVATION_TOL_DEG = 0.05
# Shadow flags may differ only this close to a shadow entry/exit (skyfield uses the geometric,
# we the apparent Sun: 20 arcsec of aberration moves the boundary by under a second; at high
# beta angles the limb is crossed slowly, so allow a few seconds).
SHADOW_EDGE_S = 5.0
# Max solar declination over a year equals the mean obliquity (23.4355 deg in 2030); daily
# sampling is within 0.0004 deg of the solstice peak, the theory within 0.01 deg.
OBLIQUITY_TOL_DEG = 0.01


@pytest.fixture(scope="module")
def eph():
    # skyfield-data warns that its bundled finals2000A.all (Earth orientation) has expired; we
    # use only de421.bsp (valid 1900-2050), so that warning does not concern these tests.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*has expired", category=RuntimeWarning)
        path = get_skyfield_data_path()
    kernel = Loader(path, verbose=False)("de421.bsp")
    yield kernel
    kernel.close()  # an open file at exit is a ResourceWarning, an error under our settings


def _random_samples(n, seed):
    rng = np.random.default_rng(seed)
    days = rng.uniform(0.0, 15.0 * 365.25, n)  # 2025-2040
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))  # uniform over the sphere
    lon = rng.uniform(-180.0, 180.0, n)
    return clock.time_at(dt.datetime(2025, 1, 1, tzinfo=UTC), days), lat, lon


def test_sun_elevation_matches_skyfield_de421(eph):
    t, lat, lon = _random_samples(3000, seed=1)
    observer = eph["earth"] + wgs84.latlon(lat, lon)
    expected = observer.at(t).observe(eph["sun"]).apparent().altaz()[0].degrees
    got = sun_elevation_deg(t, lat, lon)
    assert got.shape == (3000,)
    assert np.abs(got - expected).max() < SUN_ELEVATION_TOL_DEG


def test_sun_direction_matches_skyfield_de421(eph):
    t, _, _ = _random_samples(2000, seed=2)
    apparent = eph["earth"].at(t).observe(eph["sun"]).apparent()
    expected = apparent.frame_xyz(itrs).au.T
    expected /= np.linalg.norm(expected, axis=1)[:, None]
    got = sun_direction_itrs(t)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-12)
    angle_deg = np.degrees(np.arccos(np.clip(np.sum(got * expected, axis=1), -1.0, 1.0)))
    assert angle_deg.max() < SUN_ELEVATION_TOL_DEG


def test_sun_elevation_outer_equals_paired():
    """outer=True (N times x M points) equals the paired form evaluated point by point."""
    t, lat, lon = _random_samples(50, seed=3)
    grid = sun_elevation_deg(t, lat[:7], lon[:7], outer=True)
    assert grid.shape == (50, 7)
    for j in range(7):  # loop over 7 points in the test only: the slow twin
        np.testing.assert_allclose(grid[:, j], sun_elevation_deg(t, np.full(50, lat[j]), np.full(50, lon[j])))
    # scalar time with many points
    assert sun_elevation_deg(t[0], lat, lon).shape == (50,)


def test_max_declination_is_the_obliquity():
    days = np.arange(0.0, 366.0)
    t = clock.time_at(dt.datetime(2030, 1, 1, tzinfo=UTC), days)
    dec = np.degrees(np.arcsin(sun_direction_itrs(t)[:, 2]))
    assert abs(dec.max() - 23.4355) < OBLIQUITY_TOL_DEG
    assert abs(dec.min() + 23.4355) < OBLIQUITY_TOL_DEG


def _orbits():
    l1 = "1 25544U 98067A   24001.50000000  .00016717  00000-0  30000-3 0  9990"
    l2 = "2 25544  51.6416 208.9163 0002390  80.1234 280.0000 15.49560000432101"
    return {
        "iss_tle": Orbit.from_tle(l1, l2),
        "sso_372km_1030": Orbit.from_elements(dt.datetime(2028, 3, 1, tzinfo=UTC), 372.0,
                                              sun_synchronous=True, ltan_h=10.5),  # fmt: skip
        "i51.6_400km_2035": Orbit.from_elements(dt.datetime(2035, 9, 1, tzinfo=UTC), 400.0, 51.6, raan_deg=100.0),
    }


@pytest.mark.parametrize("name", ["iss_tle", "sso_372km_1030", "i51.6_400km_2035"])
def test_is_sunlit_matches_skyfield_de421(eph, name):
    orbit = _orbits()[name]
    seconds = np.arange(0.0, 6 * 3600.0, 2.0)  # 10 800 samples, ~4 orbits
    t = clock.time_at(orbit.epoch, seconds / 86400.0)
    track = orbit.propagate(t)
    got = is_sunlit(t, track.itrs_km)

    sat = EarthSatellite.from_satrec(orbit.satrec, clock.timescale())
    expected = sat.at(clock.time_at(orbit.epoch, seconds / 86400.0)).is_sunlit(eph)

    edges_s = seconds[np.nonzero(np.diff(expected.astype(int)))[0]]
    assert len(edges_s) >= 4, "the test should cross the shadow several times"
    mismatch_s = seconds[got != expected]
    if mismatch_s.size:
        nearest_edge_s = np.abs(mismatch_s[:, None] - edges_s[None, :]).min(axis=1)
        assert nearest_edge_s.max() <= SHADOW_EDGE_S
    assert (got != expected).sum() <= 2 * len(edges_s)


def test_sunlit_fraction_is_conical_and_consistent_with_is_sunlit():
    orbit = _orbits()["i51.6_400km_2035"]
    seconds = np.arange(0.0, 3 * 3600.0, 0.5)
    t = clock.time_at(orbit.epoch, seconds / 86400.0)
    itrs_km = orbit.propagate(t).itrs_km
    fraction = sunlit_fraction(t, itrs_km)
    assert np.all((fraction >= 0.0) & (fraction <= 1.0))
    np.testing.assert_array_equal(is_sunlit(t, itrs_km), fraction > 0.5)
    assert (fraction == 0.0).any() and (fraction == 1.0).any()  # umbra and full sun both occur
    # Penumbra: the Sun's 0.53 deg disc crossed at ~0.06 deg/s, so a few seconds up to tens of
    # seconds per crossing depending on the beta angle (never minutes at this geometry).
    penumbra = (fraction > 0.0) & (fraction < 1.0)
    crossings = np.count_nonzero(np.diff((fraction > 0.5).astype(int)))
    penumbra_s_per_crossing = penumbra.sum() * 0.5 / crossings
    assert 5.0 < penumbra_s_per_crossing < 60.0


def test_nan_positions():
    t = clock.time_at(dt.datetime(2030, 1, 1, tzinfo=UTC), np.zeros(2))
    itrs_km = np.array([[np.nan, np.nan, np.nan], [7000.0, 0.0, 0.0]])
    assert is_sunlit(t, itrs_km)[0] == np.False_
    assert np.isnan(sunlit_fraction(t, itrs_km)[0]) and np.isfinite(sunlit_fraction(t, itrs_km)[1])
