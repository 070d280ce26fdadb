"""What a replication drew: every sample of the scenario's uncertain quantities, by the field it
comes from, for the global sensitivity analysis (:mod:`rossim.analysis.sensitivity`).

:func:`simulate_recording` runs one replication exactly as :func:`~.model.simulate` does (the
same random stream, the same events: recording only watches the draws) and returns, beside the
:class:`~.model.Replication`, each labelled quantity's draws in that replication. A label is the
scenario field's dotted path, as :func:`rossim.analysis.drivers.uncertain_inputs` names inputs
(``modules.nem.slip_days``, ``launch_vehicles.angara_a5m.success_probability``,
``crew.increment_days``). A field drawn several times in a replication (a rendezvous per
flight, an outage per outage) is recorded as each of its draws; a field never drawn (the
rebuild time of a module never lost) has none.

The plain :func:`~.model.simulate` does not pay for this: recording is a subclass whose
``draw`` notes the value, used only here.
"""

from __future__ import annotations

import numpy as np

from ..scenario import Scenario
from .model import Replication, _Model
from .plan import Draw, Plan

__all__ = ["draw_labels", "simulate_recording"]


def draw_labels(scenario: Scenario, plan: Plan) -> dict[int, str]:
    """``{id(draw): dotted path}`` for every :class:`~.plan.Draw` of ``plan`` (compiled from
    ``scenario``): the scenario field each one samples. Keyed by identity: two fields with the
    same distribution compile to two Draw objects."""
    labels: dict[int, str] = {}

    def put(d: Draw, path: str) -> None:
        labels[id(d)] = path

    for k, m in plan.modules.items():
        for name, d in (("slip_days", m.slip), ("rendezvous_days", m.rendezvous),
                        ("docking_retry_days", m.docking_retry), ("commissioning_days", m.commissioning),
                        ("rebuild_days", m.rebuild)):
            put(d, f"modules.{k}.{name}")
    for k, v in plan.vehicles.items():
        put(v.success_probability, f"launch_vehicles.{k}.success_probability")
        put(v.stand_down, f"launch_vehicles.{k}.stand_down_days_after_failure")
    for k, s in plan.sites.items():
        put(s.outage, f"launch_sites.{k}.outage_days")
    if plan.crew is not None:
        c = plan.crew
        put(c.rendezvous, f"crew_ships.{c.ship}.rendezvous_days")
        put(c.increment, "crew.increment_days")
        put(c.visit, "crew.visit_days")
        put(c.between_visits, "crew.days_between_visits")
    for k, c in plan.cargo.items():
        put(c.rendezvous, f"cargo_ships.{k}.rendezvous_days")
        put(c.docked, f"cargo_ships.{k}.docked_days")
    for key, flights, specs, ships in (("crew_flights", plan.crew_flights, scenario.crew_flights, "crew_ships"),
                                       ("cargo_flights", plan.cargo_flights, scenario.cargo_flights, "cargo_ships")):
        for j, (f, spec) in enumerate(zip(flights, specs)):
            put(f.slip, f"{key}.{j}.slip_days")
            # a flight without its own rendezvous time samples its ship's
            put(f.rendezvous, f"{key}.{j}.rendezvous_days" if spec.rendezvous_days is not None
                else f"{ships}.{spec.ship}.rendezvous_days")
            if key == "cargo_flights":
                put(f.docked, f"{key}.{j}.docked_days" if spec.docked_days is not None
                    else f"{ships}.{spec.ship}.docked_days")
    return labels


class _Recording(_Model):
    """A replication that notes every labelled draw (the same draws as :class:`_Model`)."""

    def __init__(self, plan: Plan, rng: np.random.Generator, index: int, labels: dict[int, str]):
        self.labels = labels
        self.drawn: dict[str, list[float]] = {}
        super().__init__(plan, rng, index)  # draws the vehicles' success probabilities

    def draw(self, d: Draw) -> float:
        value = _Model.draw(self, d)
        label = self.labels.get(id(d))
        if label is not None:
            self.drawn.setdefault(label, []).append(value)
        return value


def simulate_recording(plan: Plan, rng: np.random.Generator, index: int,
                       labels: dict[int, str]) -> tuple[Replication, dict[str, list[float]]]:
    """One replication, as :func:`~.model.simulate` runs it, and the draws of each label of
    ``labels`` (:func:`draw_labels`) it made, in the order made."""
    model = _Recording(plan, rng, index, labels)
    return model.run(), model.drawn
