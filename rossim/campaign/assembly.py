"""Module assembly: each module's life, from ready to commissioned, and what its loss or its
departure does to the station.

A module becomes ready (planned date + slip); a module with a target waits for it to be docked
and claims its docking port; it flies (:meth:`_Model.launch`); a module with nothing to dock to
(the core, or one flying free because its target has gone) is in orbit when its launch succeeds,
any other one meets its target after the rendezvous and tries to dock (attempts with retries;
its target checked before each). A loss triggers the module's policy: rebuild after a delay, or
drop it, and with it, at once, every module that was to dock to it, down the docking tree, but
for those that may fly free. A module that leaves takes its ports with it: each ship docked
there moves to a free port it may use, or leaves with it, its crew too.

A phase is complete when each of its modules is commissioned or dropped and at least one is
commissioned.

:class:`Assembly` is a part of the replication's model (:class:`rossim.campaign.model._Model`),
whose state (clock, station, ports, log) it shares.
"""

from __future__ import annotations

import math

from . import milestones
from .cargo import CargoShip
from .crew import CrewShip

__all__ = ["Assembly"]


class Assembly:
    """The module processes and the station's docking tree (a part of the model)."""

    __slots__ = ()  # the model's (:class:`rossim.campaign.model._Model`)

    def module(self, mid: str):
        env, u, draw, m = self.env, self.uniform, self.draw, self.plan.modules[mid]
        forced = self.plan.forced_docking_failures.get(mid)  # the attempts that fail (what-if)
        ready = m.ready_days + draw(m.slip)
        if m.forced_slip:  # a what-if
            ready += m.forced_slip
        if ready > env.now:
            yield env.sleep(ready - env.now)
        if mid in self.dropped:  # with the module it docks to, meanwhile
            return
        self.module_ready[mid] = env.now
        self.log("ready", mid)
        docks_to, target = m.docks_to, m.target
        while True:
            port = still_there = None
            waits = False  # it launches before its port is free and waits for it in orbit
            why = ""
            if docks_to is not None:
                yield self.docked[target]
                if mid in self.dropped:  # with its target, while it waited for it
                    return
                if target not in self.departed and target not in self.dropped:
                    if m.max_wait_days is None:
                        port = yield from self.ports.claim(frozenset((docks_to,)))
                    else:  # the port if it is free now, else it is claimed in orbit
                        port = self.ports.take_free(frozenset((docks_to,)))
                        waits = port is None
                if port is None and not waits:  # e.g. the ISS segment left before this module came
                    if not self.target_gone(mid, target):
                        return
                    docks_to = None
                else:  # checked on the launch day
                    still_there = lambda: target not in self.departed
            ok = yield from self.launch(m.launch_vehicle, m.launch_site, mid, still_there, m.launch_at)
            if ok is None:  # its target left before its launch day: it did not fly
                if not self.target_gone(mid, target):
                    return
                docks_to = None
                continue
            if ok and self.triggers:
                self.fire("launched", mid)
            if ok and docks_to is not None:  # a module with no target (a core) is in orbit now
                yield env.sleep(draw(m.rendezvous))
                if waits and target not in self.departed:
                    port = yield from self.wait_in_orbit(frozenset((docks_to,)), m.max_wait_days)
                    if port is None and target not in self.departed:
                        ok = False
                        why = f"{docks_to} was not freed within {m.max_wait_days:g} days in orbit"
                for attempt in range(m.max_docking_attempts if ok else 0):
                    if target in self.departed:  # it left while this module was on its way
                        if not self.target_gone(mid, target):
                            return
                        docks_to = None
                        break
                    docks = u() < m.docking_success_probability  # drawn even when forced
                    if forced is not None:
                        tried = self.docking_attempts[mid] = self.docking_attempts.get(mid, 0) + 1
                        if tried in forced:
                            docks = False
                    if docks:
                        break
                    self.log("docking_failed", mid, f"attempt {attempt + 1}")
                    self.counts["docking_failures." + mid] += 1
                    if attempt + 1 < m.max_docking_attempts:
                        yield env.sleep(draw(m.docking_retry))
                else:
                    ok = False
            if ok:
                break
            if port is not None:
                self.release_port(port)
            self.module_lost[mid] += 1
            self.counts["losses." + mid] += 1
            self.log("module_lost", mid, why)
            if m.drop_on_loss:
                self.drop(mid)
                self.check_phases()
                return
            yield env.sleep(draw(m.rebuild))
            self.log("rebuild", mid)
        self.dock_module(mid, docks_to)
        yield env.sleep(draw(m.commissioning))
        self.commission(mid)

    def target_gone(self, mid: str, target: str) -> bool:
        """``mid``'s target has left the station or was dropped: ``mid`` flies free as the new
        core (True: the caller goes on with no target) or is dropped (False), as the scenario's
        ``if_target_departs`` says."""
        why = f"{target} has left the station" if target in self.departed else f"{target} was dropped"
        if self.plan.modules[mid].free_flyer_if_target_departs:
            self.log("free_flyer", mid, f"{why}; it becomes the core")
            return True
        self.drop(mid, why)
        self.check_phases()
        return False

    def drop(self, mid: str, why: str = "") -> None:
        """Drop ``mid`` from the plan, and with it, now, every module that was to dock to it,
        unless that module may fly free (``if_target_departs = "free_flyer"``: it does so when
        it comes to fly). A dropped module never docked, so nothing docked to it yet."""
        self.dropped.add(mid)
        self.log("dropped", mid, why)
        modules = self.plan.modules
        for dep in modules[mid].dependants:
            if dep not in self.dropped and not modules[dep].free_flyer_if_target_departs:
                self.drop(dep, f"{mid} was dropped")
        self.docked[mid].succeed()  # wakes the modules waiting for it

    def dock_module(self, mid: str, docks_to: str | None) -> None:
        self.module_docked[mid] = self.env.now
        self.module_port[mid] = docks_to
        self.log("docked", mid, docks_to or "")
        m = self.plan.modules[mid]
        self.ports.put(*m.ports)
        self.docked[mid].succeed()
        if self.triggers:
            self.fire("docked", mid)
        if m.relocate is not None and docks_to is not None:
            self.env.process(self.relocation(mid, docks_to))

    def relocation(self, mid: str, port: str):
        """``mid``, docked at ``port``, moves to its ``relocate.to`` port: at its date (at once if
        it docked later) or some days after docking; it claims the new port (waiting if it is
        taken), frees the old one for the next arrival, and is there after the move's duration.
        Nothing happens if it or its target has left meanwhile. A move that may fail is tried as
        :meth:`move_attempts` says."""
        env, move = self.env, self.plan.modules[mid].relocate
        yield from self.move_starts(move)
        gone = lambda: mid in self.departed or port in self.dead_ports
        if gone():
            return
        new = yield from self.ports.claim(frozenset((move.to,)))
        if gone():
            self.release_port(new)
            return
        if move.success_probability < 1.0:
            moves = yield from self.move_attempts(mid, move, port, new, gone)
            if not moves:
                return
        self.release_port(port)
        self.module_port[mid] = new
        if move.duration_days:
            yield env.sleep(move.duration_days)
        self.log("relocated", mid, f"{port} -> {new}")

    def ship_relocation(self, ship, move):
        """A docked ship (crew or cargo) moves to ``move.to``, one of its ports: at its time (at
        once if it docked later) or some days after docking, unless it has left meanwhile. It
        claims the new port (waiting if it is taken) and holds it from the start of the move,
        freeing the old one; the move is logged when it ends."""
        env = self.env
        yield from self.move_starts(move)
        if ship.undocked:
            return
        new = yield from self.ports.claim(frozenset((move.to,)))
        if ship.undocked:  # it left (or its module left with it) while it waited for the port
            self.release_port(new)
            return
        if move.success_probability < 1.0:
            moves = yield from self.move_attempts(ship.ship_id, move, ship.port, new, lambda: ship.undocked)
            if not moves:
                return
        old = ship.port
        del self.ships_at[old]
        ship.port = new
        self.ships_at[new] = ship
        self.release_port(old)
        if move.duration_days:
            yield env.sleep(move.duration_days)
        if not ship.undocked:
            self.log("relocated", ship.ship_id, f"{old} -> {new}")

    def move_starts(self, move):
        """``yield from model.move_starts(move)`` (just docked): wait until ``move`` starts: its
        date or days after docking (at once if that is past), or days after another module's
        event (``relocate.after_event``; at once if that happened long enough ago)."""
        env = self.env
        if move.trigger is None:
            at = move.when(env.now)
            if at > env.now:
                yield env.sleep(at - env.now)
            return
        event, other, days = move.trigger
        trigger = self.triggers[event, other]
        if not trigger.processed:
            yield trigger
            if days:
                yield env.sleep(days)
        elif days and self.fired[event, other] + days > env.now:
            yield env.sleep(self.fired[event, other] + days - env.now)

    def move_attempts(self, subject: str, move, old: str, new: str, gone):
        """``moves = yield from model.move_attempts(...)``: a move that may fail (``relocate.
        success_probability`` < 1), ``subject`` holding its ``old`` port and the ``new`` one.
        Each attempt's outcome is drawn when it starts; a successful one goes on as any move
        (True: the caller frees ``old``). A failed one takes the move's duration and ends back
        at ``old`` (logged ``relocation_failed``); the next is tried ``retry_days`` later,
        holding both ports. After the last failure it stays at ``old`` for good, still holding
        it (the next arrival for it waits), and gives ``new`` back (False). False too if it has
        left meanwhile (``gone()``)."""
        env = self.env
        for attempt in range(1, move.max_attempts + 1):
            if self.uniform() < move.success_probability:
                return True
            if move.duration_days:
                yield env.sleep(move.duration_days)
            if gone():
                break
            last = attempt == move.max_attempts
            self.log("relocation_failed", subject, f"attempt {attempt}: stays at {old}"
                     + ("; gives up the move" if last else ""))
            if last:
                break
            if move.retry_days:
                yield env.sleep(move.retry_days)
            if gone():
                break
        self.release_port(new)
        return False

    def commission(self, mid: str) -> None:
        self.station.commission(mid, self.plan.modules[mid].contribution)
        self.commissioned.add(mid)
        self.log("commissioned", mid)
        if self.triggers:
            self.fire("commissioned", mid)
        self.check_phases()

    def departure(self, mid: str, at_days: float, after=None):
        """``mid`` leaves ``at_days`` from now, or that long after the event ``after`` (an event
        of another module, ``departs_after``), with its ports and the ships docked there; only
        if it is commissioned by then (else it never leaves)."""
        if after is not None:
            yield after
        yield self.env.sleep(at_days)
        if mid not in self.commissioned:
            return
        self.departed.add(mid)
        self.station.remove(mid)
        self.commissioned.discard(mid)
        gone = self.plan.modules[mid].ports
        self.dead_ports.update(gone)
        self.ports.free[:] = [p for p in self.ports.free if p not in self.dead_ports]
        self.log("departed", mid)
        if self.triggers:
            self.fire("departed", mid)
        held = self.module_port.get(mid)
        if held is not None:  # the port it leaves takes the next arrival
            self.release_port(held)
        ships = [self.ships_at.pop(p) for p in gone if p in self.ships_at]
        ships.sort(key=lambda ship: not isinstance(ship, CrewShip))  # crew ships first, in port order
        for ship in ships:
            self.move_or_leave(ship, mid)
        self.update()

    def move_or_leave(self, ship: "CrewShip | CargoShip", mid: str) -> None:
        """``ship`` is docked at a port of ``mid``, which leaves: it moves first to a free port of
        the remaining station that it may use, or it leaves with ``mid``, and its crew with it
        (a relieved crew's ship, only waiting to undock, just leaves)."""
        relieved = isinstance(ship, CrewShip) and ship.relieved
        port = None if relieved else self.ports.take_free(ship.ports)
        if port is not None:
            self.log("relocated", ship.ship_id, f"{ship.port} -> {port} ({mid} leaves)")
            ship.port = port
            self.ships_at[port] = ship
            return
        ship.undocked = True
        if not isinstance(ship, CrewShip):
            self.log("cargo_undocked", ship.ship_id, f"{ship.port} (left with {mid})")
        elif not relieved:
            if ship.n:
                self.crew_aboard -= ship.n
                self.log("crew_departed", ship.ship_id, f"{ship.n} crew (left with {mid})")
                ship.n = 0
            self.relieve(ship)

    def check_phases(self) -> None:
        """Complete the phases whose modules are all commissioned or dropped, in order. A phase
        completes without its dropped modules (the scenario said they may be given up), but not
        with none of its modules commissioned: a phase with nothing built never completes."""
        st = self.station
        while st.phases_complete < len(self.plan.phase_modules):
            modules = self.plan.phase_modules[st.phases_complete]
            built = [k for k in modules if k in self.commissioned]
            if not built or len(built) + sum(k in self.dropped for k in modules) < len(modules):
                break
            st.phases_complete += 1
            number = self.plan.phase_numbers[st.phases_complete - 1]
            without = [k for k in modules if k in self.dropped]
            self.log("phase_complete", f"phase_{number}", f"without {', '.join(without)}" if without else "")
            key = milestones.phase_complete(number)
            if key in self.milestones and math.isnan(self.milestones[key]):
                self.milestones[key] = self.env.now
        self.update()
