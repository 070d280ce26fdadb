"""Launch windows: at each window the site lies in the orbit plane of the propagated SGP4 orbit."""

import datetime as dt
import math

import numpy as np
import pytest

from rossim import clock, orbit, windows

EPOCH = dt.datetime(2028, 1, 1, tzinfo=dt.timezone.utc)
VOSTOCHNY = (51.8833, 128.3333)
BAIKONUR = (45.996, 63.5641)
#: The mean plane (windows) and SGP4's osculating plane differ by J2 short-period terms of a few
#: hundredths of a degree; 0.05 deg of plane angle is ~12 s of Earth rotation at these latitudes.
PLANE_TOL_DEG = 0.05


def site_and_normal(orb, days, lat_deg, lon_deg):
    """Site unit vector and orbit normal, both Earth-fixed, at ``days`` since the orbit epoch."""
    t = clock.time_at(orb.epoch, days)
    whole, frac = t.whole, t.ut1_fraction - t.dut1 / 86400.0
    _, r, v = orb.satrec.sgp4_array(np.atleast_1d(whole), np.atleast_1d(frac))
    h = np.cross(r, v)
    h_itrs = orbit._rotate_z(h, orbit._gmst1982_rad(np.atleast_1d(t.whole), np.atleast_1d(t.ut1_fraction)))
    h_itrs /= np.linalg.norm(h_itrs, axis=1)[:, None]
    phi, lam = math.radians(lat_deg), math.radians(lon_deg)
    site = np.array([math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)])
    return site, h_itrs, r


@pytest.mark.parametrize("inclination,site,altitude", [
    (96.93, VOSTOCHNY, 372.0), (51.6, BAIKONUR, 415.0), (64.8, VOSTOCHNY, 400.0)])
def test_site_is_in_the_plane_at_each_window(inclination, site, altitude):
    orb = orbit.Orbit.from_elements(EPOCH, altitude, inclination, raan_deg=40.0)
    rate = orb.raan_rate_deg_per_day
    # SGP4's secular rate is the first-order J2 one within 0.5 % (J2^2, J4 terms)
    assert rate == pytest.approx(float(orbit.nodal_precession_deg_per_day(
        altitude + orbit.WGS84_A_KM, 0.0, inclination)), rel=5e-3)
    w = windows.plane_windows(EPOCH, *site, orb.inclination_deg, orb.raan_deg, rate, 0.0, 60.0)
    assert w.in_plane
    # one ascending window per (sidereal - node) day: 59-61 in 60 days
    assert 59 <= len(w) <= 61
    assert np.allclose(np.diff(w.days), 360.0 / (windows.SIDEREAL_RATE_DEG_PER_DAY - rate))
    s, h, r = site_and_normal(orb, w.days, *site)
    off_plane_deg = np.degrees(np.arcsin(np.abs(h @ s)))
    assert off_plane_deg.max() < PLANE_TOL_DEG
    # Ascending branch: the site lies on the northbound half, i.e. ahead of the node by less than
    # 90 deg: its component along the orbit's ascending-node direction is positive.
    node = np.cross([0.0, 0.0, 1.0], h)
    assert np.all(node @ s > 0)


def test_descending_branch_is_the_other_crossing():
    inc, rate = 51.6, -5.0
    asc = windows.plane_windows(EPOCH, *BAIKONUR, inc, 10.0, rate, 0.0, 3.0, branch="ascending")
    desc = windows.plane_windows(EPOCH, *BAIKONUR, inc, 10.0, rate, 0.0, 3.0, branch="descending")
    assert asc.argument_of_latitude_deg == pytest.approx(
        math.degrees(math.asin(math.sin(math.radians(45.996)) / math.sin(math.radians(51.6)))))
    assert desc.argument_of_latitude_deg == pytest.approx(180.0 - asc.argument_of_latitude_deg)
    assert not np.allclose(asc.days, desc.days)


def test_site_above_the_plane_gets_its_closest_approach():
    """Vostochny (51.88 N) never lies in a 51.6-deg plane: the window is the closest approach,
    which is the site's latitude minus the inclination (0.28 deg) away from the plane."""
    orb = orbit.Orbit.from_elements(EPOCH, 415.0, 51.6, raan_deg=0.0)
    rate = orb.raan_rate_deg_per_day
    w = windows.plane_windows(EPOCH, *VOSTOCHNY, orb.inclination_deg, orb.raan_deg, rate, 0.0, 10.0)
    assert not w.in_plane and w.argument_of_latitude_deg == 90.0
    s, h, _ = site_and_normal(orb, w.days, *VOSTOCHNY)
    off = np.degrees(np.arcsin(np.abs(h @ s)))
    assert off == pytest.approx(51.8833 - orb.inclination_deg, abs=PLANE_TOL_DEG)


def test_next_window():
    days = np.array([0.3, 1.3, 2.3])
    assert windows.next_window(days, 0.0) == 0.3
    assert windows.next_window(days, 0.3) == 0.3
    assert windows.next_window(days, 1.31) == 2.3
    assert windows.next_window(days, 5.0) == math.inf
