"""Broadcast events: "capacity changed", "a visit starts", for whoever waits on them."""

from __future__ import annotations

import simpy

__all__ = ["broadcast"]


def broadcast(event: simpy.Event, env: simpy.Environment) -> simpy.Event:
    """Wake the processes waiting on ``event`` (a broadcast: "capacity changed", "a visit
    starts") and return the fresh event later waiters wait on.

    With nobody waiting nothing is scheduled: no one can wait on ``event`` any more (waiters
    only ever see the fresh one), so succeeding it would be an event processed for nothing
    (~50 a replication, when there were ~460). Skipping it changes no order: the events left keep their
    relative order in the queue, only their ids are smaller.
    """
    if event.callbacks:
        event.succeed()
    return env.event()
