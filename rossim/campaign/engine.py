"""The SimPy environment of a replication, with its two commonest timed events made cheap.

Nine events in ten of a replication are a process sleeping for a while (``yield
env.timeout(d)``) or a one-shot action due in some days (a ship's docked life ends, a cargo
ship undocks). A :class:`simpy.Timeout` carries what any event may need (a value, a failure, an
environment, a description); these two need none of it. :class:`Environment` schedules them as
SimPy would a Timeout (the same time ``now + delay``, the same priority, the next event id: so
the same order) but as a :class:`_Sleep` or a :class:`_Call`, objects holding only what
:meth:`simpy.Environment.step` and :meth:`simpy.Process._resume` read of an event
(``callbacks``, ``_ok``, ``_value``), and it runs the queue with SimPy's own step inlined in
:meth:`Environment.run_until`. Every other event (processes, ports, broadcasts, conditions) is
SimPy's own.
"""

from __future__ import annotations

from heapq import heappop, heappush

import simpy
from simpy.core import NORMAL, URGENT

__all__ = ["Environment"]


class _Sleep:
    """A process sleeping: scheduled as a :class:`simpy.Timeout` would be, with no value."""

    __slots__ = ("callbacks",)
    _ok = True
    _value = None


class _Call:
    """``action(*args)`` when it comes due (the one callback of the event)."""

    __slots__ = ("callbacks", "action", "args")
    _ok = True
    _value = None


def _fire(call: _Call) -> None:
    call.action(*call.args)


#: The callbacks of every :class:`_Call` (``step`` replaces them by None on the event itself).
_FIRE = (_fire,)


class Environment(simpy.Environment):
    """:class:`simpy.Environment` with cheap sleeps and calls and a lean run loop (same order).

    ``now`` is a plain attribute here, set with SimPy's ``_now`` as the clock advances: the
    model reads it ~1,500 times a replication, and SimPy's is a property (a function call)."""

    now = 0  # shadows simpy.Environment.now (a property); each instance sets its own

    def __init__(self) -> None:
        super().__init__()
        self.now = self._now

    def sleep(self, delay: float) -> _Sleep:
        """``yield env.sleep(d)``: as ``yield env.timeout(d)`` (``d >= 0``), at a third of the cost."""
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        event = _Sleep()
        event.callbacks = []
        heappush(self._queue, (self.now + delay, NORMAL, next(self._eid), event))
        return event

    def call_in(self, delay: float, action, *args) -> None:
        """Call ``action(*args)`` in ``delay`` (>= 0): one event, as a Timeout with that callback."""
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        call = _Call()
        call.callbacks, call.action, call.args = _FIRE, action, args
        heappush(self._queue, (self.now + delay, NORMAL, next(self._eid), call))

    def run_until(self, until: float) -> None:
        """``run(until=until)``: process every event before ``until`` (and the urgent ones due at
        it scheduled before this call), in SimPy's order; then ``now`` is ``until``. The same
        stop event and the same step as SimPy's, without a method call and a ``try`` per event."""
        if not until > self._now:
            raise ValueError(f"until ({until}) must be greater than the current simulation time")
        stop = simpy.Event(self)
        heappush(self._queue, (self._now + (until - self._now), URGENT, next(self._eid), stop))
        queue = self._queue
        while queue:
            self.now, _, _, event = heappop(queue)
            self._now = self.now
            if event is stop:
                return
            callbacks, event.callbacks = event.callbacks, None
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                # a failed event nobody handled: crash, as simpy.Environment.step does
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc
        raise RuntimeError(f'No scheduled events left but "until" event was not triggered: {stop}')
