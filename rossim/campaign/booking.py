"""Launch vehicles and launch sites as bookings: plain objects, no SimPy.

A flight books its vehicle and its pad at the first launch opportunity at which both are free
(:func:`first_opportunity`), and holds them from that date for the vehicle's cadence and the
pad's turnaround. On its day it flies only if nothing happened meanwhile that holds either back
(:func:`clear_to_fly`: a stand-down after a failure, a pad outage, a scrubbed flight that flew in
its gap); otherwise it gives up its booking (:meth:`Launcher.unbook`) and books again. A flight
called off cancels its booking (:meth:`Launcher.cancel`): the launcher is then next free as if it
had never been booked, ``max(last launch, pending bookings) + gap``; flights booked after it keep
their dates.
"""

from __future__ import annotations

import bisect
import math

__all__ = ["Launcher", "first_opportunity", "book", "clear_to_fly", "EPS_DAYS"]

#: Times closer than this (about 0.1 ms) are the same instant: guards float round-off.
EPS_DAYS = 1e-9


class Launcher:
    """A launch vehicle or a launch site: when it is next free (booked) and next usable, and
    the numbers every launch reads (kept here to spare the look-ups).

    A booking holds the launcher from its date for ``gap_days`` (cadence or turnaround). A flight
    that moves (scrub, stand-down) gives up its booking for a later one; when a flight is called
    off its booking is cancelled, and the launcher is then next free as if it had never been
    booked (flights booked after it keep their dates)."""

    __slots__ = ("next_free", "blocked_until", "last_launch", "bookings", "gap_days", "scrub_p",
                 "outage_p", "plan", "windows", "daily_at")

    def __init__(self, gap_days: float, plan=None, scrub_p: float = 0.0, outage_p: float = 0.0,
                 windows: list[float] | None = None, daily_at: float = 0.0):
        self.next_free = 0.0       # booked until (cadence or turnaround after the last booking)
        self.blocked_until = 0.0   # stand-down after a failure, or pad outage
        self.last_launch = -math.inf
        self.bookings: list[float] = []  # dates of the flights booked and not yet flown
        self.gap_days = gap_days
        self.plan = plan           # the VehiclePlan or SitePlan (stand-down, outage)
        self.scrub_p = scrub_p
        self.outage_p = outage_p
        self.windows = windows     # a site's launch opportunities (days), None: daily
        self.daily_at = daily_at   # time of day of a daily opportunity (fraction of a day)

    def book(self, t: float) -> None:
        self.bookings.append(t)
        if t + self.gap_days > self.next_free:
            self.next_free = t + self.gap_days

    def unbook(self, t: float) -> None:
        """The flight booked at ``t`` has flown, or moves to a later booking."""
        self.bookings.remove(t)

    def cancel(self, t: float) -> None:
        """The flight booked at ``t`` is off: free the launcher as if it had never been booked."""
        self.bookings.remove(t)
        # max(0.0, last launch + gap, each booking + gap), unrolled to the same value (the first of
        # equals, as max keeps it): max of a generator cost ~1 us, ~25 times a replication
        gap = self.gap_days
        free = 0.0
        if self.last_launch + gap > free:
            free = self.last_launch + gap
        for b in self.bookings:
            if b + gap > free:
                free = b + gap
        self.next_free = free

    def opportunity(self, t: float, at: float | None = None) -> float:
        """The site's first launch opportunity at or after ``t`` (days; inf if none is left).
        Daily ones are at ``daily_at`` (a fraction of a day), or at ``at`` when a flight gives
        its own time of day."""
        if self.windows is None:
            if at is None:
                at = self.daily_at
            if at:
                return at + math.ceil(t - EPS_DAYS - at)
            return math.ceil(t - EPS_DAYS)
        k = bisect.bisect_left(self.windows, t - EPS_DAYS)
        return self.windows[k] if k < len(self.windows) else math.inf


def first_opportunity(vehicle: Launcher, site: Launcher, t: float, at: float | None = None) -> float:
    """The site's first launch opportunity at or after ``t`` (daily ones at the flight's own
    time of day ``at`` if given) at which the vehicle (cadence, stand-down) and the pad
    (turnaround, outage) are both free, as booked so far."""
    # max(t, ...) of the four dates, unrolled (the same value: the first of equals): builtin max
    # parses its arguments as a keyword-taking call, several times the cost of these tests
    if vehicle.next_free > t:
        t = vehicle.next_free
    if vehicle.blocked_until > t:
        t = vehicle.blocked_until
    if site.next_free > t:
        t = site.next_free
    if site.blocked_until > t:
        t = site.blocked_until
    return site.opportunity(t, at)


def book(vehicle: Launcher, site: Launcher, t: float, at: float | None = None) -> float:
    """Book the vehicle and the pad for a flight at :func:`first_opportunity` after ``t``; returns it."""
    t = first_opportunity(vehicle, site, t, at)
    # vehicle.book(t) and site.book(t), inlined (~140 bookings a replication)
    vehicle.bookings.append(t)
    if t + vehicle.gap_days > vehicle.next_free:
        vehicle.next_free = t + vehicle.gap_days
    site.bookings.append(t)
    if t + site.gap_days > site.next_free:
        site.next_free = t + site.gap_days
    return t


def clear_to_fly(vehicle: Launcher, site: Launcher, now: float) -> bool:
    """Whether a flight booked for ``now`` may fly: no stand-down or outage holds the vehicle or
    the pad, and the launches that actually happened leave its cadence and turnaround free."""
    latest = now + EPS_DAYS  # at or after each of them (as ``>= max(...)``, without max's call)
    return (vehicle.blocked_until <= latest and site.blocked_until <= latest
            and vehicle.last_launch + vehicle.gap_days <= latest and site.last_launch + site.gap_days <= latest)
