"""Benchmark: rossim's array propagation vs skyfield's EarthSatellite.at() + wgs84.latlon_of.

Not a test.  Run:  python bench/coverage_propagation.py [n_samples]

Both paths get the same times, each timing on a freshly built Time object (skyfield caches
rotation matrices on a Time, so reusing one would flatter whichever path runs second); Time
construction itself is left out of both timings.  The paths are timed alternately, round after
round, in the same process, and the best round of each is kept: on a shared machine this makes
the ratio far steadier than timing one path after the other.
Also prints the largest ground distance between the two paths' subpoints.
"""

from __future__ import annotations

import datetime as dt
import sys
import time

import numpy as np
import sgp4
import skyfield
from skyfield.api import EarthSatellite, wgs84

from rossim import clock
from rossim.orbit import WGS84_A_KM, Orbit

ROUNDS = 7


def _best_seconds(paths):
    """Best wall time of each ``(make_input, run)`` over ROUNDS alternating rounds."""
    best = [float("inf")] * len(paths)
    outputs = [None] * len(paths)
    for _ in range(ROUNDS):
        for k, (make_input, run) in enumerate(paths):
            x = make_input()
            start = time.perf_counter()
            outputs[k] = run(x)
            best[k] = min(best[k], time.perf_counter() - start)
    return best, outputs


def _surface_km(lat_deg, lon_deg):
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    e2 = (2.0 - 1.0 / 298.257223563) / 298.257223563
    n = WGS84_A_KM / np.sqrt(1.0 - e2 * np.sin(lat) ** 2)
    return np.stack((n * np.cos(lat) * np.cos(lon), n * np.cos(lat) * np.sin(lon), n * (1 - e2) * np.sin(lat)), -1)


def main(n_samples: int = 20000) -> None:
    orbit = Orbit.from_elements(dt.datetime(2030, 6, 1, tzinfo=dt.timezone.utc), 372.0,
                                sun_synchronous=True, ltan_h=10.5)  # fmt: skip
    days = np.linspace(0.0, 3.0, n_samples)
    make_time = lambda: clock.time_at(orbit.epoch, days)  # noqa: E731
    sat = EarthSatellite.from_satrec(orbit.satrec, clock.timescale())

    def skyfield_path(t):
        lat, lon = wgs84.latlon_of(sat.at(t))
        return lat.degrees, lon.degrees

    def rossim_path(t):
        track = orbit.propagate(t)
        return track.lat_deg, track.lon_deg

    orbit.propagate(make_time())  # warm-up (imports, first sgp4_array call)
    (s_sky, s_ros, s_days), ((lat_s, lon_s), (lat_r, lon_r), _) = _best_seconds(
        [(make_time, skyfield_path), (make_time, rossim_path), (lambda: days, orbit.propagate_days)]
    )
    ground_m = 1e3 * np.linalg.norm(_surface_km(lat_s, lon_s) - _surface_km(lat_r, lon_r), axis=-1).max()

    print(f"skyfield {skyfield.__version__}, sgp4 {sgp4.__version__} (accelerated={sgp4.api.accelerated}), "
          f"{n_samples} samples over 3 days, best of {ROUNDS} alternating rounds")  # fmt: skip
    print(f"  skyfield EarthSatellite.at + wgs84.latlon_of : {n_samples / s_sky:12,.0f} samples/s")
    print(f"  rossim Orbit.propagate(Time)                 : {n_samples / s_ros:12,.0f} samples/s")
    print(f"  rossim Orbit.propagate_days(days) (incl. Time): {n_samples / s_days:11,.0f} samples/s")
    print(f"  speed ratio propagate / skyfield             : {s_sky / s_ros:12.1f} x")
    print(f"  speed ratio propagate_days / skyfield        : {s_sky / s_days:12.1f} x")
    print(f"  max ground distance between the two paths    : {ground_m:12.2e} m")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
