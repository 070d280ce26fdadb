"""The docking ports: a first-come list of free ports and the flights waiting for one."""

from __future__ import annotations

import simpy

__all__ = ["Ports"]


class Ports:
    """The free docking ports and the flights waiting for one, first come, first served.

    The same rules and the same order as a :class:`simpy.FilterStore` of port names (a flight
    takes the first free port it may use, in the order the ports were freed; freed ports go to
    the waiting flights in the order they started waiting), without its get and put events:
    those were a quarter of the SimPy events of a replication. A flight that finds a port free
    takes it at once when nothing else is due at this instant (a get event would resume it
    straight away); otherwise it gets an already-succeeded event and resumes, as with the store,
    after the processes due before it, e.g. a waiting flight just handed a port, which came first
    and so must book its launch first.
    """

    __slots__ = ("env", "free", "waiting")

    def __init__(self, env: simpy.Environment):
        self.env = env
        self.free: list[str] = []
        self.waiting: list[tuple[frozenset[str], simpy.Event]] = []

    def claim(self, allowed: frozenset[str]):
        """``port = yield from ports.claim(allowed)``: a port now if one is free, else when one is."""
        port = self.take(allowed)
        if port is None:
            port = yield self.wait(allowed)
        return port

    def take(self, allowed: frozenset[str]) -> str | None:
        """The first free port in ``allowed``, reserved now; None if none is free or if other
        events are due at this instant (the caller then gets its port through :meth:`wait`)."""
        env = self.env
        queue = env._queue  # env.peek() <= env.now, without the call
        if queue and queue[0][0] <= env.now:
            return None
        for port in self.free:  # self.take_free(allowed), inlined
            if port in allowed:
                self.free.remove(port)
                return port
        return None

    def wait(self, allowed: frozenset[str]) -> simpy.Event:
        """An event that succeeds with a port in ``allowed``: now (resuming the caller after the
        flights served before it) if one is free, else when one is freed for this flight."""
        event = self.env.event()
        port = self.take_free(allowed)
        if port is None:
            self.waiting.append((allowed, event))
        else:
            event.succeed(port)
        return event

    def withdraw(self, event: simpy.Event) -> None:
        """A flight gives up waiting (its event has not succeeded): it is no longer served."""
        self.waiting = [w for w in self.waiting if w[1] is not event]

    def take_free(self, allowed: frozenset[str]) -> str | None:
        """The first free port in ``allowed``, reserved now whatever else is due (set-up)."""
        for port in self.free:
            if port in allowed:
                self.free.remove(port)
                return port
        return None

    def put(self, *ports: str) -> None:
        """Free ``ports`` (all at once: a docking module opens several), then serve the waiting
        flights in the order they came, each the first free port it may use."""
        self.free.extend(ports)
        if self.waiting:
            still = []
            for allowed, event in self.waiting:
                port = self.take_free(allowed)
                if port is None:
                    still.append((allowed, event))
                else:
                    event.succeed(port)
            self.waiting = still
