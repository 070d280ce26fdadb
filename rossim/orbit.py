"""The station's orbit: mean elements, SGP4 propagation in arrays, Earth-fixed and geodetic track.

Conventions
-----------
* Geometry uses the WGS84 ellipsoid (``WGS84_A_KM``, ``WGS84_F``): altitudes, geodetic latitude
  and height.
* Gravity uses the WGS72 constants that SGP4 itself uses (``sgp4.earth_gravity.wgs72``:
  mu = 398600.8 km^3/s^2, J2 = 1.082616e-3, J2 reference radius 6378.135 km), so the analytic
  J2 formulas below agree with the propagator.  Against WGS84/EGM96 gravity (mu = 398600.4418,
  J2 = 1.08262668e-3) the difference is below 1e-5 relative: 0.0001 deg of sun-synchronous
  inclination, 0.003 s of period.
* ``altitude_km`` is the *mean* semi-major axis minus the WGS84 equatorial radius:
  ``a = WGS84_A_KM + altitude_km`` (for e > 0 it is still the semi-major axis, not the perigee).
  "Mean" means the Brouwer mean element of SGP4 (``Satrec.a``).  The time-averaged geocentric
  radius differs from it by the J2 short-period offset -0.75 J2 Re^2/p (3 cos^2 i - 1): about
  +4.7 km for a 97 deg orbit, -0.8 km at 51.6 deg, at 400 km.
* Times: skyfield ``Time`` arrays (UTC, the one builtin timescale of :mod:`rossim.clock`).
  SGP4 is fed the UTC Julian date split exactly as skyfield's ``EarthSatellite`` does, and
  TEME is rotated to ITRS by GMST-1982 (AIAA 2006-6753 App. C) with polar motion ignored,
  exactly as skyfield's ``TEME`` frame does with the builtin timescale (which has no polar
  motion table).  Result: the same ITRS position as ``EarthSatellite.at(t)`` followed by
  ``frame_xyz(itrs)`` (agreement at the millimetre level), without the precession-nutation
  matrices that make skyfield's path ~60 times slower.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from sgp4 import io as _sgp4_io
from sgp4 import omm
from sgp4.api import SGP4_ERRORS, WGS72, Satrec
from sgp4.earth_gravity import wgs72 as _WGS72

from rossim import clock
from rossim.errors import InputError

__all__ = [
    "WGS84_A_KM",
    "WGS84_F",
    "Orbit",
    "Track",
    "check_tle",
    "check_omm",
    "check_epoch",
    "sun_synchronous_inclination_deg",
    "sun_synchronous_inclination_deg_j2",
    "nodal_precession_deg_per_day",
    "nodal_period_s",
    "mean_altitude_km",
    "altitude_for_mean_altitude_km",
]

# --- constants -----------------------------------------------------------------------------
WGS84_A_KM = 6378.137  # WGS84 equatorial radius, km
WGS84_F = 1.0 / 298.257223563  # WGS84 flattening
_E2 = WGS84_F * (2.0 - WGS84_F)  # first eccentricity squared
_B_KM = WGS84_A_KM * (1.0 - WGS84_F)  # polar radius, km
_EP2 = _E2 / (1.0 - _E2)  # second eccentricity squared

_MU_KM3_S2 = _WGS72.mu  # 398600.8, the value SGP4 uses
_J2 = _WGS72.j2  # 1.082616e-3
_RE_GRAV_KM = _WGS72.radiusearthkm  # 6378.135, the J2 reference radius

_DAY_S = 86400.0
_TAU = 2.0 * math.pi
_TROPICAL_YEAR_DAYS = 365.2421897
_SSO_NODE_RATE_DEG_PER_DAY = 360.0 / _TROPICAL_YEAR_DAYS  # +0.9856473598 deg/day
_MIN_PERIGEE_KM = 150.0  # below this an orbit decays within hours: physically impossible input
_JD_1949_DEC_31 = 2433281.5  # SGP4's epoch origin (sgp4init counts days from here)
_EPOCH_1949 = dt.datetime(1949, 12, 31, tzinfo=dt.timezone.utc)
_J2000_JD = 2451545.0
_SATNUM = 99999  # catalogue number given to orbits built from elements


# --- analytic J2 formulas --------------------------------------------------------------------
def _mean_motion_rad_s(a_km):
    return np.sqrt(_MU_KM3_S2 / np.asarray(a_km, dtype=float) ** 3)


def _j2_factor(a_km, e):
    """(3/2) J2 (Re/p)^2 n, rad/s: the common factor of the secular J2 rates."""
    a_km = np.asarray(a_km, dtype=float)
    p_km = a_km * (1.0 - np.asarray(e, dtype=float) ** 2)
    return 1.5 * _J2 * (_RE_GRAV_KM / p_km) ** 2 * _mean_motion_rad_s(a_km)


def nodal_precession_deg_per_day(a_km, e, i_deg):
    """Secular J2 drift of the right ascension of the ascending node, deg/day.

    dOmega/dt = -(3/2) J2 (Re/p)^2 n cos i, with p = a (1 - e^2) and n = sqrt(mu/a^3)
    (Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013, sec. 9.6,
    secular J2 rates).  ``a_km`` is the mean semi-major axis (km), ``e`` the eccentricity,
    ``i_deg`` the inclination (deg).  Arrays broadcast; returns float or ndarray.
    """
    rate = -_j2_factor(a_km, e) * np.cos(np.radians(i_deg))
    return np.degrees(rate) * _DAY_S


def nodal_period_s(a_km, e, i_deg):
    """Nodal (draconitic) period, ascending node to ascending node, s.

    P = 2 pi / (n + dM/dt + domega/dt) with the secular J2 rates (Vallado 4th ed., sec. 9.6):

        dM/dt     = (3/4) J2 (Re/p)^2 n sqrt(1 - e^2) (3 cos^2 i - 1)
        domega/dt = (3/4) J2 (Re/p)^2 n (5 cos^2 i - 1)

    i.e. the rate of the mean argument of latitude.  These are SGP4's own first-order secular
    rates (``mdot``, ``argpdot`` in ``sgp4init``); SGP4 adds J2^2 and J4 terms worth 0.14 s for an
    equatorial orbit, 0.05 s at 30 deg, < 0.02 s at 51.6-140 deg (400 km).
    ``a_km`` mean semi-major axis (km), ``e`` eccentricity, ``i_deg`` inclination (deg).
    Arrays broadcast.
    """
    e = np.asarray(e, dtype=float)
    c2 = np.cos(np.radians(i_deg)) ** 2
    k = 0.5 * _j2_factor(a_km, e)  # (3/4) J2 (Re/p)^2 n
    rate = _mean_motion_rad_s(a_km) + k * np.sqrt(1.0 - e**2) * (3.0 * c2 - 1.0) + k * (5.0 * c2 - 1.0)
    return _TAU / rate


def sun_synchronous_inclination_deg(altitude_km, eccentricity=0.0):
    """Inclination (deg) at which SGP4 turns the node with the mean sun, +0.98565 deg/day.

    The propagator, not first-order J2, decides how fast the node turns: SGP4's secular node
    rate (``Satrec.nodedot``) adds J2^2 and J4 terms to -(3/2) J2 (Re/p)^2 n cos i and uses its
    own un-Kozai'd mean motion. The first-order inclination is 0.02 deg off at 372 km, which
    SGP4 turns into a drift of the local time of the node of about -5 minutes a year. So the
    first-order solution (:func:`sun_synchronous_inclination_deg_j2`) only starts a secant
    solve on SGP4's own rate, for a = WGS84_A_KM + altitude_km (the Brouwer mean semi-major
    axis, as :meth:`Orbit.from_elements` builds it). 96.87 deg at 350 km, 97.05 deg at 400 km,
    97.23 deg at 450 km. Arrays broadcast. NaN where no sun-synchronous orbit exists (semi-major
    axis above ~12 350 km), so a validator can report it with the other problems;
    :meth:`Orbit.from_elements` raises InputError for it.
    """
    first = sun_synchronous_inclination_deg_j2(altitude_km, eccentricity)
    solve = np.vectorize(_sso_inclination_sgp4_deg, otypes=[float])
    return solve(np.asarray(altitude_km, dtype=float), np.asarray(eccentricity, dtype=float), first)[()]


def sun_synchronous_inclination_deg_j2(altitude_km, eccentricity=0.0):
    """First-order J2 sun-synchronous inclination (deg): -(3/2) J2 (Re/p)^2 n cos i = 360 deg /
    365.2421897 d solved for i. Arrays broadcast; NaN where there is no solution."""
    a_km = WGS84_A_KM + np.asarray(altitude_km, dtype=float)
    rate = np.radians(_SSO_NODE_RATE_DEG_PER_DAY) / _DAY_S
    cos_i = -rate / _j2_factor(a_km, eccentricity)
    cos_i = np.where(np.abs(cos_i) <= 1.0, cos_i, np.nan)
    return np.degrees(np.arccos(cos_i))


def _sgp4_node_rate_deg_per_day(a_km: float, e: float, i_deg: float) -> float:
    """SGP4's secular node rate (deg/day) for Brouwer mean semi-major axis ``a_km``."""
    satrec = _satrec(0.0, e, 0.0, math.radians(i_deg), 0.0, a_km, 0.0)
    return math.degrees(satrec.nodedot) * 1440.0


def _sso_inclination_sgp4_deg(altitude_km: float, e: float, first_deg: float) -> float:
    if not math.isfinite(first_deg):
        return math.nan
    a_km = WGS84_A_KM + altitude_km
    x0, x1 = first_deg, first_deg + 0.01
    f0 = _sgp4_node_rate_deg_per_day(a_km, e, x0) - _SSO_NODE_RATE_DEG_PER_DAY
    for _ in range(30):
        f1 = _sgp4_node_rate_deg_per_day(a_km, e, x1) - _SSO_NODE_RATE_DEG_PER_DAY
        if f1 == f0 or abs(f1) < 1e-13:
            break
        x0, x1, f0 = x1, x1 - f1 * (x1 - x0) / (f1 - f0), f1
        if not 90.0 < x1 < 180.0:
            return math.nan
    return x1


def _satrec(epoch_days: float, e: float, argp_rad: float, i_rad: float, mean_anomaly_rad: float, a_km: float,
            raan_rad: float) -> Satrec:
    """``sgp4init`` (WGS72, improved mode, no drag) with the Kozai mean motion whose Brouwer
    semi-major axis is ``a_km``."""
    n_brouwer = _WGS72.xke / (a_km / _RE_GRAV_KM) ** 1.5  # rad/min
    n_kozai = _kozai_from_brouwer(n_brouwer, e, i_rad)
    satrec = Satrec()
    satrec.sgp4init(WGS72, "i", _SATNUM, epoch_days, 0.0, 0.0, 0.0, e, argp_rad, i_rad, mean_anomaly_rad,
                    n_kozai, raan_rad)
    return satrec


# --- frames -----------------------------------------------------------------------------------
def _gmst1982_rad(jd_ut1, fraction_ut1):
    """GMST-1982 angle (rad) from a UT1 Julian date split in two parts; arrays broadcast.

    AIAA 2006-6753 Appendix C, written exactly as skyfield's ``sgp4lib.theta_GMST1982`` so that
    our TEME->ITRS rotation reproduces skyfield's ``TEME`` frame bit for bit (up to rounding).
    """
    t = (jd_ut1 - _J2000_JD + fraction_ut1) / 36525.0
    g = 67310.54841 + (8640184.812866 + (0.093104 + (-6.2e-6) * t) * t) * t
    return (jd_ut1 % 1.0 + fraction_ut1 + g / _DAY_S % 1.0) % 1.0 * _TAU


def _rotate_z(xyz, theta):
    """Rotate (N,3) vectors by -theta about z (TEME -> ITRS when theta is GMST); (N,3)."""
    c = np.cos(theta)
    s = np.sin(theta)
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    return np.stack((c * x + s * y, c * y - s * x, z), axis=-1)


def _geodetic(itrs_km):
    """ITRS (N,3) km -> geodetic WGS84 latitude (deg), longitude (deg, [-180,180)), height (km).

    Bowring's method (Bowring 1976, Survey Review 23:181) with two refinements of the
    parametric latitude u, written without trigonometry inside the loop (tan u = (1-f) tan lat,
    normalised); error well below 1 mm for heights from -5 to 40 000 km.  NaN in, NaN out.
    """
    x, y, z = itrs_km[..., 0], itrs_km[..., 1], itrs_km[..., 2]
    p = np.sqrt(x * x + y * y)
    su, cu = WGS84_A_KM * z, _B_KM * p  # parametric latitude, first guess (unnormalised)
    for _ in range(2):  # two refinements (fixed count, vectorized over samples)
        inv = 1.0 / np.sqrt(su * su + cu * cu)
        su *= inv
        cu *= inv
        num = z + (_EP2 * _B_KM) * (su * su * su)
        den = p - (_E2 * WGS84_A_KM) * (cu * cu * cu)  # tan(lat) = num / den
        su, cu = (1.0 - WGS84_F) * num, den
    inv = 1.0 / np.sqrt(num * num + den * den)
    sl, cl = num * inv, den * inv
    lat = np.arctan2(num, den)
    height = p * cl + z * sl - WGS84_A_KM * np.sqrt(1.0 - _E2 * sl * sl)
    lon = (np.arctan2(y, x) + math.pi) % _TAU - math.pi
    return np.degrees(lat), np.degrees(lon), height


# --- the orbit --------------------------------------------------------------------------------
class Track(NamedTuple):
    """Propagated states at N times.

    itrs_km:   (N,3) float, Earth-fixed position (ITRS, polar motion ignored), km
    lat_deg:   (N,)  float, geodetic WGS84 latitude, deg
    lon_deg:   (N,)  float, longitude in [-180, 180), deg
    height_km: (N,)  float, height above the WGS84 ellipsoid, km
    error:     (N,)  uint8, SGP4 error code (0 = good; see ``sgp4.api.SGP4_ERRORS``).
               Samples with a non-zero code are NaN in every float field.
    """

    itrs_km: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    height_km: np.ndarray
    error: np.ndarray


def _kozai_from_brouwer(n_brouwer, e, i_rad):
    """Kozai mean motion (rad/min) whose SGP4 un-Kozai conversion gives ``n_brouwer`` (rad/min).

    Inverts the conversion in SGP4's ``initl`` (Hoots & Roehrich 1980, Spacetrack Report 3):
    n_B = n_K / (1 + delta(n_K)); a fixed-point iteration converges to machine precision in a
    few steps because delta ~ 1e-3.
    """
    c2 = math.cos(i_rad) ** 2
    omeosq = 1.0 - e * e
    d1 = 0.75 * _J2 * (3.0 * c2 - 1.0) / (math.sqrt(omeosq) * omeosq)
    n_k = n_brouwer
    for _ in range(20):
        ak = (_WGS72.xke / n_k) ** (2.0 / 3.0)
        d = d1 / (ak * ak)
        adel = ak * (1.0 - d * d - d * (1.0 / 3.0 + 134.0 * d * d / 81.0))
        n_next = n_brouwer * (1.0 + d1 / (adel * adel))
        if abs(n_next - n_k) <= 1e-15 * n_k:
            return n_next
        n_k = n_next
    return n_k


def _epoch_of(satrec) -> dt.datetime:
    days = (satrec.jdsatepoch - _JD_1949_DEC_31) + satrec.jdsatepochF
    return _EPOCH_1949 + dt.timedelta(days=days)


def _check_physical(a_km, e, i_deg, source=None):
    """Raise InputError for orbits that cannot exist (hyperbolic, sub-150 km perigee, bad i)."""
    if not (0.0 <= e < 1.0):
        raise InputError(
            f"eccentricity must be in [0, 1) for a closed orbit, got {e}",
            source=source,
            field="eccentricity",
        )
    if not (0.0 <= i_deg <= 180.0):
        raise InputError(
            f"inclination must be in [0, 180] deg, got {i_deg}", source=source, field="inclination_deg"
        )
    perigee_km = a_km * (1.0 - e) - WGS84_A_KM
    if not perigee_km >= _MIN_PERIGEE_KM:
        raise InputError(
            f"perigee altitude must be >= {_MIN_PERIGEE_KM:.0f} km, got {perigee_km:.1f} km",
            source=source,
            field="altitude_km",
        )


#: Element-set epochs rossim accepts: from Sputnik to the end of the scenario date range.
EPOCH_MIN = dt.datetime(1957, 10, 4, tzinfo=dt.timezone.utc)
EPOCH_MAX = dt.datetime(2200, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc)


def check_epoch(epoch: dt.datetime, field: str = "epoch") -> None:
    """InputError unless ``epoch`` (aware UTC) is within [EPOCH_MIN, EPOCH_MAX]."""
    if not EPOCH_MIN <= epoch <= EPOCH_MAX:
        raise InputError(f"expected an epoch between {EPOCH_MIN:%Y-%m-%d} and {EPOCH_MAX:%Y-%m-%d}, "
                         f"got {epoch:%Y-%m-%d}", field=field)


def check_tle(line1, line2) -> None:
    """InputError (field ``tle``, one line) unless ``line1``/``line2`` are the two data lines of
    a TLE: printable ASCII, 68-69 columns, starting "1 " and "2 ", the same catalogue number, the
    column layout and numbers SGP4's parser expects. Checksums are not verified."""
    for n, line in ((1, line1), (2, line2)):
        if not isinstance(line, str):
            raise InputError(f"line {n} of the TLE: expected a string, got {line!r}", field="tle")
        text = line.rstrip()
        if not (text.isascii() and text.isprintable()):
            raise InputError(f"line {n} of the TLE: expected printable ASCII, got {line[:80]!r}", field="tle")
        if not 68 <= len(text) <= 69:
            raise InputError(f"line {n} of the TLE: expected 69 columns, got {len(text)}: {text[:80]!r}",
                             field="tle")
        if not text.startswith(f"{n} "):
            raise InputError(f"line {n} of the TLE: expected it to start with '{n} ', got {text[:2]!r}", field="tle")
    if line1[2:7] != line2[2:7]:
        raise InputError(f"the TLE's lines 1 and 2 have different catalogue numbers ({line1[2:7]!r}, "
                         f"{line2[2:7]!r})", field="tle")
    try:
        # The pure-Python parser checks the column layout; the compiled Satrec (used for speed)
        # would silently read a malformed line as zeros. Its messages span lines: keep the first.
        _sgp4_io.twoline2rv(line1, line2, _WGS72)
    except (ValueError, IndexError) as exc:
        first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise InputError(f"not a valid TLE: {first}", field="tle") from None


#: Keys sgp4's OMM reader needs, and which of them are numbers.
OMM_KEYS = ("OBJECT_ID", "EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE",
            "ARG_OF_PERICENTER", "MEAN_ANOMALY", "EPHEMERIS_TYPE", "CLASSIFICATION_TYPE",
            "NORAD_CAT_ID", "ELEMENT_SET_NO", "REV_AT_EPOCH", "BSTAR", "MEAN_MOTION_DOT",
            "MEAN_MOTION_DDOT")
_OMM_INTEGERS = ("EPHEMERIS_TYPE", "NORAD_CAT_ID", "ELEMENT_SET_NO", "REV_AT_EPOCH")
_OMM_NUMBERS = ("MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE", "ARG_OF_PERICENTER",
                "MEAN_ANOMALY", "BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT")


def check_omm(fields) -> dict[str, str]:
    """The OMM table as strings, checked: every key of :data:`OMM_KEYS` present, numbers finite
    (booleans refused), integers integral, ``MEAN_MOTION`` > 0, ``EPOCH`` an ISO date-time
    (``YYYY-MM-DDTHH:MM:SS.ffffff``) within the accepted epochs. InputError (field ``omm.KEY``)."""
    if not isinstance(fields, dict):
        raise InputError(f"expected a table of OMM fields, got {fields!r}", field="omm")
    missing = [k for k in OMM_KEYS if k not in fields]
    if missing:
        raise InputError(f"missing OMM field{'s' * (len(missing) > 1)} {', '.join(missing)} "
                         "(keys as in CelesTrak's OMM JSON)", field="omm")
    out = {}
    for key, value in fields.items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise InputError(f"expected a string or a number, got {value!r}", field=f"omm.{key}")
        out[key] = str(value)
    for key in _OMM_NUMBERS + _OMM_INTEGERS:
        try:
            number = float(out[key]) if key in _OMM_NUMBERS else int(out[key])
        except (ValueError, OverflowError):
            number = math.nan
        if not math.isfinite(number) or abs(number) > 1e12:
            kind = "a finite number" if key in _OMM_NUMBERS else "an integer"
            raise InputError(f"expected {kind}, got {fields[key]!r}", field=f"omm.{key}")
    if not float(out["MEAN_MOTION"]) > 0:
        raise InputError(f"expected revolutions per day > 0, got {fields['MEAN_MOTION']!r}",
                         field="omm.MEAN_MOTION")
    try:
        epoch = dt.datetime.strptime(out["EPOCH"], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise InputError(f"expected a date-time YYYY-MM-DDTHH:MM:SS.ffffff, got {fields['EPOCH']!r}",
                         field="omm.EPOCH") from None
    check_epoch(epoch, "omm.EPOCH")
    return out


@dataclass(frozen=True, slots=True, eq=False)
class Orbit:
    """An orbit as an SGP4 element set (``satrec``) and its epoch (aware UTC datetime).

    Build with :meth:`from_elements`, :meth:`from_tle` or :meth:`from_omm`; propagate with
    :meth:`propagate` (skyfield Time array) or :meth:`propagate_days` (days since epoch).
    """

    satrec: Satrec
    epoch: dt.datetime

    # constructors ------------------------------------------------------------------------
    @classmethod
    def from_elements(
        cls,
        epoch: dt.date | dt.datetime,
        altitude_km: float,
        inclination_deg: float | None = None,
        *,
        sun_synchronous: bool = False,
        raan_deg: float | None = None,
        ltan_h: float | None = None,
        eccentricity: float = 0.0,
        arg_perigee_deg: float = 0.0,
        mean_anomaly_deg: float = 0.0,
    ) -> Orbit:
        """An orbit from mean elements at ``epoch`` (UTC), without drag (B* = 0).

        altitude_km:      mean semi-major axis minus WGS84_A_KM, km (see module docstring).
        inclination_deg:  deg; omit and pass ``sun_synchronous=True`` to get the
                          sun-synchronous inclination for this altitude and eccentricity.
        raan_deg / ltan_h: exactly one.  ``raan_deg`` is measured in SGP4's TEME frame (true
                          equator, mean equinox of date), deg.  ``ltan_h`` is the local *mean* solar time of the
                          ascending node at epoch, hours in [0, 24]: RAAN = GMST(epoch) +
                          15 deg/h * (ltan_h - UTC hour of epoch), i.e. the node's longitude
                          lambda satisfies UTC + lambda/15 = ltan_h (mean sun, so no equation
                          of time: the true-sun time differs by up to +/-16 min).
        eccentricity, arg_perigee_deg, mean_anomaly_deg: the remaining mean elements.  With
                          the defaults the station is at its ascending node at epoch.

        The elements are SGP4 (Brouwer) mean elements: the Kozai mean motion handed to
        ``sgp4init`` is chosen so that SGP4's Brouwer semi-major axis is exactly
        WGS84_A_KM + altitude_km.  Raises InputError for impossible input.
        """
        epoch = clock.as_utc(epoch)
        check_epoch(epoch)
        e = float(eccentricity)
        a_km = WGS84_A_KM + float(altitude_km)
        if sun_synchronous:
            if inclination_deg is not None:
                raise InputError(
                    "give inclination_deg or sun_synchronous=True, not both", field="inclination_deg"
                )
            if not (0.0 <= e < 1.0):
                _check_physical(a_km, e, 90.0)
            inclination_deg = float(sun_synchronous_inclination_deg(altitude_km, e))
            if math.isnan(inclination_deg):
                raise InputError(
                    f"no sun-synchronous orbit exists at altitude {altitude_km} km "
                    "(J2 cannot turn the node fast enough)",
                    field="altitude_km",
                )
        elif inclination_deg is None:
            raise InputError(
                "inclination_deg is required unless sun_synchronous=True", field="inclination_deg"
            )
        i_deg = float(inclination_deg)
        _check_physical(a_km, e, i_deg)

        if (raan_deg is None) == (ltan_h is None):
            raise InputError("give exactly one of raan_deg or ltan_h", field="raan_deg")
        if ltan_h is not None:
            if not (0.0 <= ltan_h <= 24.0):
                raise InputError(f"ltan_h must be in [0, 24] hours, got {ltan_h}", field="ltan_h")
            t0 = clock.time_at(epoch, 0.0)
            gmst_deg = math.degrees(float(_gmst1982_rad(t0.whole, t0.ut1_fraction)))
            utc_h = (epoch - epoch.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds() / 3600.0
            raan_deg = gmst_deg + 15.0 * (float(ltan_h) - utc_h)
        raan_rad = math.radians(float(raan_deg) % 360.0)

        epoch_days = (epoch - _EPOCH_1949).total_seconds() / _DAY_S
        satrec = _satrec(epoch_days, e, math.radians(arg_perigee_deg), math.radians(i_deg),
                         math.radians(mean_anomaly_deg), a_km, raan_rad)
        if satrec.error:
            raise InputError(f"SGP4 rejected these elements (error code {satrec.error})")
        return cls(satrec, _epoch_of(satrec))

    @classmethod
    def from_tle(cls, line1: str, line2: str) -> Orbit:
        """An orbit from the two data lines of a TLE (WGS72, improved mode, checksums ignored).

        Raises InputError (field ``tle``, one line) for lines that are not a TLE's: see
        :func:`check_tle`."""
        check_tle(line1, line2)
        satrec = Satrec.twoline2rv(line1, line2)
        return cls._checked(satrec, "tle")

    @classmethod
    def from_omm(cls, fields: dict) -> Orbit:
        """An orbit from OMM mean elements keyed as in CelesTrak's JSON/CSV (``EPOCH``,
        ``MEAN_MOTION``, ``ECCENTRICITY``, ``INCLINATION``, ``RA_OF_ASC_NODE``, ...).

        Raises InputError (field ``omm`` or ``omm.KEY``) for missing keys and values that are
        not numbers or dates: see :func:`check_omm`."""
        fields = check_omm(fields)
        satrec = Satrec()
        try:
            omm.initialize(satrec, fields)
        except (KeyError, ValueError, OverflowError) as exc:  # checked above; kept as a backstop
            raise InputError(f"bad OMM value: {exc}", field="omm") from None
        return cls._checked(satrec, "omm")

    @classmethod
    def _checked(cls, satrec, kind):
        """The orbit of an element set read from a ``kind`` ("tle" or "omm"); InputError (field
        ``kind``) for elements that cannot be an orbit or that SGP4 flags with an error code."""
        a_km = satrec.a * satrec.radiusearthkm if satrec.a == satrec.a else float("nan")
        try:
            _check_physical(a_km, satrec.ecco, math.degrees(satrec.inclo))
        except InputError as exc:
            raise InputError(f"{exc.message} ({exc.field} of the element set)", field=kind) from None
        if satrec.error:
            raise InputError(f"SGP4 rejected these elements (error code {satrec.error}: "
                             f"{SGP4_ERRORS.get(satrec.error, 'unknown')})", field=kind)
        return cls(satrec, _epoch_of(satrec))

    # properties --------------------------------------------------------------------------
    @property
    def inclination_deg(self) -> float:
        """Mean inclination at epoch, deg."""
        return math.degrees(self.satrec.inclo)

    @property
    def raan_deg(self) -> float:
        """Mean right ascension of the ascending node at epoch (TEME), deg in [0, 360)."""
        return math.degrees(self.satrec.nodeo) % 360.0

    @property
    def raan_rate_deg_per_day(self) -> float:
        """SGP4's secular drift of the node (J2, J2^2 and J4 terms), deg/day."""
        return math.degrees(self.satrec.nodedot) * 1440.0

    @property
    def eccentricity(self) -> float:
        """Mean eccentricity at epoch."""
        return self.satrec.ecco

    @property
    def altitude_km(self) -> float:
        """Mean (Brouwer) semi-major axis minus WGS84_A_KM, km."""
        return self.satrec.a * self.satrec.radiusearthkm - WGS84_A_KM

    @property
    def period_s(self) -> float:
        """Nodal period (node to node) from the secular J2 rates, s: see :func:`nodal_period_s`."""
        return float(nodal_period_s(self.altitude_km + WGS84_A_KM, self.eccentricity, self.inclination_deg))

    def __repr__(self) -> str:
        return (
            f"Orbit(epoch={self.epoch.isoformat()}, altitude_km={self.altitude_km:.3f}, "
            f"inclination_deg={self.inclination_deg:.4f}, raan_deg={self.raan_deg:.4f}, "
            f"eccentricity={self.eccentricity:.7f})"
        )

    # propagation -------------------------------------------------------------------------
    def propagate(self, t) -> Track:
        """States at skyfield Time ``t`` (shape (N,); a scalar Time is treated as N = 1).

        SGP4 on the whole array (``Satrec.sgp4_array``), TEME -> ITRS by GMST-1982, then
        geodetic WGS84.  Never raises for bad samples: they come back NaN with their SGP4
        error code in ``Track.error``.
        """
        whole = np.atleast_1d(np.asarray(t.whole, dtype=float))
        ut1_fraction = np.atleast_1d(np.asarray(t.ut1_fraction, dtype=float))
        # The UTC split skyfield's EarthSatellite feeds SGP4 (tai_fraction - leap seconds),
        # written with public attributes: ut1_fraction - dut1 is the same quantity.
        utc_fraction = ut1_fraction - np.atleast_1d(np.asarray(t.dut1, dtype=float)) / _DAY_S
        error, teme_km, _ = self.satrec.sgp4_array(whole, utc_fraction)
        error = np.asarray(error, dtype=np.uint8)
        bad = error != 0
        if bad.any():
            teme_km = np.array(teme_km, dtype=float)
            teme_km[bad] = np.nan
        itrs_km = _rotate_z(teme_km, _gmst1982_rad(whole, ut1_fraction))
        lat_deg, lon_deg, height_km = _geodetic(itrs_km)
        return Track(itrs_km, lat_deg, lon_deg, height_km, error)

    def propagate_days(self, days_since_epoch) -> Track:
        """States at float days since :attr:`epoch` (array (N,)): :meth:`propagate` on
        ``clock.time_at(epoch, days)``.  Building the Time costs ~10 % of the propagation."""
        return self.propagate(clock.time_at(self.epoch, np.atleast_1d(days_since_epoch)))


# --- altitude conventions ------------------------------------------------------------------
#: Whole nodal revolutions averaged by :func:`mean_altitude_km`, and samples per revolution.
_MEAN_ALTITUDE_REVS = 15
_MEAN_ALTITUDE_SAMPLES_PER_REV = 360


def mean_altitude_km(orbit: Orbit) -> float:
    """The station's height above the WGS84 ellipsoid averaged over whole revolutions (SGP4, 15
    nodal periods from the epoch, 360 samples each), km: what "an orbit at 400 km" usually means.

    It differs from ``altitude_km`` (Brouwer mean semi-major axis minus ``WGS84_A_KM``) by the J2
    short-period offset of the mean radius and by the ellipsoid's radius under the track,
    ``WGS84_A_KM (1 - f sin^2(i) / 2)`` on average: +5.7 km at 51.6 deg, +15.0 km sun-synchronous, at
    altitude_km 400. Heights above an ellipsoid of revolution do not depend on longitude, so the
    epoch does not matter (no drag: B* = 0 for element-built orbits).
    """
    n = _MEAN_ALTITUDE_REVS * _MEAN_ALTITUDE_SAMPLES_PER_REV
    days = np.arange(n) * (orbit.period_s * _MEAN_ALTITUDE_REVS / n) / _DAY_S
    return float(np.nanmean(orbit.propagate_days(days).height_km))


def altitude_for_mean_altitude_km(target_km: float, make) -> float:
    """The ``altitude_km`` (Brouwer convention) whose orbit ``make(altitude_km) -> Orbit`` has the
    mean height ``target_km`` (:func:`mean_altitude_km`): Newton steps of slope 1 (the mean height
    moves with the semi-major axis one for one, to ~1e-3), to 1 m."""
    alt = float(target_km)
    for _ in range(6):
        step = float(target_km) - mean_altitude_km(make(alt))
        alt += step
        if abs(step) < 1e-3:
            break
    return alt

