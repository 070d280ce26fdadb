"""Launch opportunities from a site into the station's orbit plane.

A launch site is carried by the Earth's rotation through the station's orbit plane, which itself
turns slowly (J2 node drift). A direct ascent into the plane is possible when the site lies in it:
once per crossing, on the northbound (ascending) or southbound (descending) half of the orbit.

Geometry, in the inertial frame of the orbit's node (true equator, as TEME): the site's unit vector
at latitude phi has the argument of latitude ``u`` along the orbit with ``sin u = sin phi / sin i``
and sits at right ascension ``Omega + Delta`` with ``Delta = atan2(cos i sin u, cos u)`` (spherical
trigonometry of the right triangle node - site - equator). The site's right ascension is
``GMST + longitude``, which grows at the sidereal rate; the node grows at ``raan_rate``. So the
windows are evenly spaced, one sidereal-relative day apart per branch:

    t_k = t_0 + k * 360 / (omega_earth - raan_rate),   omega_earth = 360.98564736629 deg/day

A site poleward of the plane's highest latitude (|phi| > i, or > 180 - i: Vostochny, 51.88 deg N, for
a 51.6 deg orbit) never lies in the plane: its opportunity is the daily closest approach
(``u = 90 deg``), flown with a small yaw ("dogleg"); :func:`plane_windows` then reports it.

Times are float days since the caller's epoch, arrays in, arrays out; the GMST at the epoch comes
from skyfield's builtin timescale (:mod:`rossim.clock`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from . import clock

__all__ = ["SIDEREAL_RATE_DEG_PER_DAY", "PlaneWindows", "plane_windows", "next_window"]

#: Rotation rate of the Earth relative to the equinox, deg per (UT1) day (IERS, GMST-1982 rate).
SIDEREAL_RATE_DEG_PER_DAY = 360.98564736629


@dataclass(frozen=True)
class PlaneWindows:
    """Launch opportunities: ``days`` (K,) since the epoch, and whether the site lies in the plane."""

    days: np.ndarray
    in_plane: bool
    argument_of_latitude_deg: float

    def __len__(self) -> int:
        return len(self.days)


def _site_offset_deg(lat_deg: float, inclination_deg: float, branch: str) -> tuple[float, float, bool]:
    """(Delta = site RA - node RA, argument of latitude u, in_plane) for one branch, degrees."""
    phi, inc = math.radians(lat_deg), math.radians(inclination_deg)
    sin_u = math.sin(phi) / math.sin(inc)
    in_plane = abs(sin_u) <= 1.0
    u = math.asin(max(-1.0, min(1.0, sin_u)))
    if branch == "descending":
        u = math.pi - u
    delta = math.atan2(math.cos(inc) * math.sin(u), math.cos(u))
    return math.degrees(delta), math.degrees(u), in_plane


def plane_windows(epoch: dt.datetime | dt.date, lat_deg: float, lon_deg: float, inclination_deg: float,
                  raan_deg: float, raan_rate_deg_per_day: float, start_days: float, end_days: float,
                  branch: Literal["ascending", "descending"] = "ascending") -> PlaneWindows:
    """Times (days since ``epoch``) in [start_days, end_days) when the site is in the orbit plane.

    ``raan_deg`` is the node's right ascension at ``epoch`` (TEME / true equator of date, as SGP4's
    elements and :attr:`rossim.orbit.Orbit.raan_deg`), drifting at ``raan_rate_deg_per_day``.
    """
    if not end_days > start_days:
        return PlaneWindows(np.empty(0), True, float("nan"))
    delta, u, in_plane = _site_offset_deg(lat_deg, inclination_deg, branch)
    gmst0_deg = float(clock.time_at(epoch, 0.0).gmst) * 15.0
    rate = SIDEREAL_RATE_DEG_PER_DAY - raan_rate_deg_per_day
    # angle(t) = site RA - node RA - delta = angle0 + rate * t; windows where angle = 0 (mod 360)
    angle0 = gmst0_deg + lon_deg - raan_deg - delta
    period = 360.0 / rate
    first = ((-angle0 - rate * start_days) % 360.0) / rate + start_days
    days = np.arange(first, end_days, period)
    return PlaneWindows(days, in_plane, u)


def next_window(windows: np.ndarray, t_days: float) -> float:
    """The first window at or after ``t_days`` (inf if none is left)."""
    k = np.searchsorted(windows, t_days - 1e-9)
    return float(windows[k]) if k < len(windows) else math.inf
