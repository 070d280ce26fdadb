"""Sun direction, sun elevation at ground points and the station's shadow, vectorized.

No ephemeris file: the Sun comes from Meeus's low-accuracy solar theory (J. Meeus,
*Astronomical Algorithms*, 2nd ed., 1998, ch. 25, "low accuracy", ~0.01 deg), as apparent
longitude in the mean equator and equinox of date (aberration included, nutation left out).
That frame is SGP4's TEME to within nutation, so the same GMST-1982 rotation as
:mod:`rossim.orbit` turns it into ITRS.  Left out: nutation (<= 0.005 deg), solar parallax
(<= 0.0025 deg), refraction.  Measured against skyfield + DE421: see ``tests/test_sunlight.py``.

Shadow model: a spherical Earth of radius WGS84_A_KM and the Sun's disc at its true distance
(conical umbra/penumbra).  Oblateness (the limb is up to 21 km lower over the poles) and the
atmosphere (which darkens a further ~20-50 km) are ignored; each moves shadow entry/exit by a
few seconds at most in low Earth orbit.
"""

from __future__ import annotations

import numpy as np

from rossim.orbit import WGS84_A_KM, _gmst1982_rad, _rotate_z

__all__ = ["sun_direction_itrs", "sun_elevation_deg", "is_sunlit", "sunlit_fraction"]

_AU_KM = 149597870.7
_SUN_RADIUS_KM = 695700.0  # IAU 2015 Resolution B3 nominal solar radius
_J2000_JD = 2451545.0


def _sun_mean_of_date(t):
    """Apparent Sun (no nutation): unit vectors (..., 3) in the mean equator/equinox of date
    and distance (...) in km.  Meeus 1998, ch. 25 (eqs. 25.2-25.5, 22.2)."""
    T = (np.asarray(t.whole, dtype=float) - _J2000_JD + np.asarray(t.tt_fraction, dtype=float)) / 36525.0
    L0 = 280.46646 + (36000.76983 + 0.0003032 * T) * T
    M = np.radians(357.52911 + (35999.05029 - 0.0001537 * T) * T)
    e = 0.016708634 - (0.000042037 + 0.0000001267 * T) * T
    C = (
        (1.914602 - (0.004817 + 0.000014 * T) * T) * np.sin(M)
        + (0.019993 - 0.000101 * T) * np.sin(2.0 * M)
        + 0.000289 * np.sin(3.0 * M)
    )
    nu = M + np.radians(C)
    r_au = 1.000001018 * (1.0 - e * e) / (1.0 + e * np.cos(nu))
    lam = np.radians(L0 + C - 0.00569161 / r_au)  # true longitude + annual aberration
    eps = np.radians(23.0 + (26.0 + (21.448 - (46.8150 + (0.00059 - 0.001813 * T) * T) * T) / 60.0) / 60.0)
    sl = np.sin(lam)
    u = np.stack((np.cos(lam), np.cos(eps) * sl, np.sin(eps) * sl), axis=-1)
    return u, r_au * _AU_KM


def sun_direction_itrs(t):
    """Unit vectors towards the Sun in ITRS at skyfield Time ``t``: shape t.shape + (3,).

    Geocentric apparent direction, accurate to ~0.01 deg for 1950-2050.
    """
    u, _ = _sun_mean_of_date(t)
    return _rotate_z(u, _gmst1982_rad(t.whole, t.ut1_fraction))


def sun_elevation_deg(t, lat_deg, lon_deg, *, outer=False):
    """Elevation of the Sun's centre above the geodetic horizon of ground points, deg.

    ``t``: Time of shape (N,) (or scalar); ``lat_deg``, ``lon_deg``: geodetic WGS84, deg,
    arrays that broadcast together to shape (M,) (or any shape P).
    * ``outer=False`` (default): t.shape and P broadcast with numpy rules, e.g. paired samples
      with N == M give (N,); a scalar t with points gives P.
    * ``outer=True``: every time at every point, result (N, M) (t.shape + P).
    Geocentric direction (solar parallax <= 0.0025 deg ignored), no refraction.
    """
    s = sun_direction_itrs(t)
    lat, lon = np.broadcast_arrays(np.radians(lat_deg), np.radians(lon_deg))
    cl = np.cos(lat)
    up = (cl * np.cos(lon), cl * np.sin(lon), np.sin(lat))  # geodetic zenith, ITRS
    sx, sy, sz = s[..., 0], s[..., 1], s[..., 2]
    if outer:
        idx = (Ellipsis,) + (None,) * np.ndim(up[0])
        sx, sy, sz = sx[idx], sy[idx], sz[idx]
    dot = sx * up[0] + sy * up[1] + sz * up[2]
    return np.degrees(np.arcsin(np.clip(dot, -1.0, 1.0)))


def _limb_geometry(t, itrs_km):
    """Angular separation of the Sun's centre above the Earth's limb, and the Sun's angular
    radius, both in rad, seen from ITRS positions (N,3) km at Time t (N,)."""
    r = np.asarray(itrs_km, dtype=float)
    u, dist_km = _sun_mean_of_date(t)
    sun_km = _rotate_z(u, _gmst1982_rad(t.whole, t.ut1_fraction)) * dist_km[..., None]
    to_sun = sun_km - r
    to_earth = -r
    cross = np.cross(to_sun, to_earth)
    theta = np.arctan2(np.linalg.norm(cross, axis=-1), np.sum(to_sun * to_earth, axis=-1))
    with np.errstate(invalid="ignore"):
        rho_earth = np.arcsin(WGS84_A_KM / np.linalg.norm(r, axis=-1))
    rho_sun = np.arcsin(_SUN_RADIUS_KM / np.linalg.norm(to_sun, axis=-1))
    return theta - rho_earth, rho_sun


def is_sunlit(t, itrs_km):
    """Whether the centre of the Sun's disc is above the Earth's limb, (N,) bool.

    ``t``: Time (N,); ``itrs_km``: (N,3) ITRS positions, km (e.g. ``Track.itrs_km``).
    This is the middle of the penumbra (the penumbra lasts ~8 s in low orbit), the same
    criterion as skyfield's ``is_sunlit``.  NaN positions (SGP4 errors) give False: use
    ``Track.error`` to tell them apart.
    """
    h, _ = _limb_geometry(t, itrs_km)
    with np.errstate(invalid="ignore"):
        return h > 0.0


def sunlit_fraction(t, itrs_km):
    """Fraction of the Sun's disc visible, (N,) float in [0, 1]: 0 in umbra, 1 in full sun.

    Conical shadow; within the tiny solar disc the Earth's limb is taken as straight (error
    < 0.3 % of the fraction).  NaN positions give NaN.
    """
    h, rho_sun = _limb_geometry(t, itrs_km)
    x = np.clip(h / rho_sun, -1.0, 1.0)
    hidden = (np.arccos(x) - x * np.sqrt(1.0 - x * x)) / np.pi
    return 1.0 - hidden
