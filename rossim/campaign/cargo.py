"""Cargo flights: each cargo ship flies at its rate from its first flight (if it has one), and
each flight of the manifest on its planned date; a cargo ship docks for a while and undocks; a
ship whose port has left returns.

:class:`CargoFlights` is a part of the replication's model (:class:`rossim.campaign.model._Model`),
whose state (clock, ports, log) it shares.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CargoFlights", "CargoShip"]


@dataclass(slots=True)
class CargoShip:
    """A docked cargo ship, at ``port``, that may dock at ``ports``; ``undocked`` once it has left."""

    ship_id: str
    port: str
    ports: frozenset[str]
    undocked: bool = False


class CargoFlights:
    """The cargo ships' processes (a part of the model)."""

    __slots__ = ()  # the model's (:class:`rossim.campaign.model._Model`)

    def cargo(self, cid: str):
        env, c = self.env, self.plan.cargo[cid]
        first = c.first_flight_days
        if first is None:
            yield self.first_crew
        elif first > env.now:
            yield env.sleep(first - env.now)
        interval, cargo_ports = c.interval_days, c.ports
        flight = 0
        while True:
            next_at = env.now + interval
            flight += 1
            ship_id = f"{cid}#{flight}"
            port = self.ports.take(cargo_ports)  # self.ports.claim(), inlined: its generator costs more
            if port is None:
                port = yield self.ports.wait(cargo_ports)
            ok = yield from self.launch(c.launch_vehicle, c.launch_site, ship_id)
            if ok:
                yield env.sleep(self.draw(c.rendezvous))
                self.cargo_docks(ship_id, port, cargo_ports, c.docked)
            else:
                self.release_port(port)
            if next_at > env.now:
                yield env.sleep(next_at - env.now)

    def cargo_flight(self, f):
        """A cargo flight of the manifest (:class:`~.plan.CargoFlightPlan`): on its planned date
        plus its slip, claim a port, fly, dock; a failed launch loses it (it is not flown again).
        With ``max_wait_days`` it flies whether or not a port is free and waits in orbit for one
        that long at most; if none is freed it is lost (deorbited)."""
        env = self.env
        ready = f.planned_days + self.draw(f.slip)
        if ready > env.now:
            yield env.sleep(ready - env.now)
        if f.max_wait_days is None:
            port = yield from self.ports.claim(f.ports)
        else:  # a port if one is free now, else one is claimed in orbit
            port = self.ports.take_free(f.ports)
        ok = yield from self.launch(f.launch_vehicle, f.launch_site, f.name, None, f.launch_at)
        if ok:
            yield env.sleep(self.draw(f.rendezvous))
            if port is None:  # launched before a port was free: wait for one in orbit
                port = yield from self.wait_in_orbit(f.ports, f.max_wait_days)
                if port is None:
                    self.log("flight_cancelled", f.name, f"no port freed within {f.max_wait_days:g} days "
                             "in orbit; lost")
                    return
            ship = self.cargo_docks(f.name, port, f.ports, f.docked)
            if ship is not None and f.relocate is not None:
                self.env.process(self.ship_relocation(ship, f.relocate))
        elif port is not None:
            self.release_port(port)

    def cargo_docks(self, ship_id: str, port: str, cargo_ports: frozenset[str], docked) -> "CargoShip | None":
        """A cargo ship that has met the station docks at ``port`` (or another free one it may
        use if ``port`` has left with its module), and undocks after its docked time. Returns the
        docked ship, or None."""
        if port in self.dead_ports:  # its port left with its module during the approach
            port = self.ports.take_free(cargo_ports)
        if port is None:
            self.log("flight_cancelled", ship_id, "its port has left the station")
            return None
        self.events.append((self.env.now, "cargo_docked", ship_id, port))  # self.log, inlined (as self.after)
        ship = self.ships_at[port] = CargoShip(ship_id, port, cargo_ports)
        self.env.call_in(self.draw(docked), self.cargo_undocks, ship)
        return ship

    def cargo_undocks(self, ship: "CargoShip") -> None:
        if ship.undocked:  # it left with the module it was docked at
            return
        ship.undocked = True
        port = ship.port
        del self.ships_at[port]
        self.events.append((self.env.now, "cargo_undocked", ship.ship_id, port))  # self.log, inlined
        if port not in self.dead_ports:  # self.release_port(port), inlined
            self.ports.put(port)
