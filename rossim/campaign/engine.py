"""The SimPy environment of a replication, with its two commonest timed events made cheap.

Nine events in ten of a replication are a process sleeping for a while (``yield
env.timeout(d)``) or a one-shot action due in some days (a ship's docked life ends, a cargo
ship undocks). A :class:`simpy.Timeout` carries what any event may need (a value, a failure, an
environment, a description); these two need none of it. :class:`Environment` schedules them as
SimPy would a Timeout (the same time ``now + delay``, the same priority, the next event id: so
the same order) but as a :class:`_Sleep` or a :class:`_Call`, objects holding only what
:meth:`simpy.Environment.step` and :meth:`simpy.Process._resume` read of an event
(``callbacks``, ``_ok``, ``_value``), and it runs the queue with SimPy's own step inlined in
:meth:`Environment.run_until`. Its processes (:class:`_Process`) skip what the campaign never
reads. Every other event (process starts and ends, ports, broadcasts, conditions) is SimPy's own.
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


class _Process(simpy.Process):
    """A process resumed as :meth:`simpy.Process._resume` resumes one (the same sends, the same
    callbacks in the same order, the same end), without the bookkeeping the campaign never reads:
    the environment's ``active_process`` and the process's ``target`` (so no ``interrupt``)."""

    def __init__(self, env: simpy.Environment, generator) -> None:
        super().__init__(env, generator)
        self._wake = self._resume  # one bound method for every wait, not one each

    def _resume(self, event) -> None:
        while True:
            try:
                if event._ok:
                    event = self._generator.send(event._value)
                else:  # as SimPy: the process handles the failure (or fails itself)
                    event._defused = True
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    event = self._generator.throw(exc)
            except StopIteration as e:
                self._ok = True
                self._value = e.args[0] if len(e.args) else None
                self.env.schedule(self)
                return
            except BaseException as e:
                self._ok = False
                e.__traceback__ = e.__traceback__.tb_next
                self._value = e
                self.env.schedule(self)
                return
            try:
                callbacks = event.callbacks
            except AttributeError:
                raise RuntimeError(f'Invalid yield value "{event}"') from None
            if callbacks is not None:  # not processed yet: wait for it (else go on at once)
                callbacks.append(self._wake)
                return


class Environment(simpy.Environment):
    """:class:`simpy.Environment` with cheap sleeps and calls, lean processes and a lean run loop
    (the same events in the same order).

    ``now`` is a plain attribute here (the model reads it ~1,500 times a replication; SimPy's is
    a property, a function call), and SimPy's ``_now`` an alias of it for SimPy's own code."""

    now = 0  # shadows simpy.Environment.now (a property); each instance sets its own

    def __init__(self) -> None:
        super().__init__()
        # SimPy binds its event classes to an environment once (BoundClass.bind_early) only when
        # they are declared by the environment's own class: bind them here (process is ours)
        for name in ("event", "timeout", "all_of", "any_of"):
            setattr(self, name, getattr(self, name))

    @property
    def _now(self) -> float:
        return self.now

    @_now.setter
    def _now(self, value: float) -> None:
        self.now = value

    def schedule(self, event, priority=NORMAL, delay=0) -> None:
        """As :meth:`simpy.Environment.schedule`, reading the plain ``now``."""
        heappush(self._queue, (self.now + delay, priority, next(self._eid), event))

    def process(self, generator) -> _Process:
        """A process of ``generator`` (:class:`_Process`), started as SimPy starts one."""
        return _Process(self, generator)

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
        if not until > self.now:
            raise ValueError(f"until ({until}) must be greater than the current simulation time")
        stop = simpy.Event(self)
        self.schedule(stop, URGENT, until - self.now)
        queue = self._queue
        while queue:
            self.now, _, _, event = heappop(queue)
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
