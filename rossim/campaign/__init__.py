"""The assembly campaign: a scenario compiled once into a :class:`Plan`, one replication of the
SimPy model (:func:`simulate`) per random stream.

==============  =============================================================================
``plan``        Scenario -> Plan: plain numbers and names, each uncertain quantity a ``Draw``
``booking``     launch vehicles and pads: book, unbook, cancel, opportunity (no SimPy)
``ports``       the first-come list of free docking ports and the flights waiting for one
``assembly``    module lifecycle: ready, wait for the target, fly, dock only with a target,
                relocation (modules and manifest ships), ports freed over time,
                loss and rebuild or the drop cascade, departure with its ships, phases
``crew``        the crew policies (permanent, visiting: a class each), the manifest's crew
                flights (visits, handovers within station.handover_crew_max), lifeboats
``cargo``       cargo flights: periodic and the manifest's
``station``     the crew-capacity rules (no SimPy)
``milestones``  the milestones derived from the plan: names, crew levels
``model``       the SimPy wiring: shared state, launch, update, :func:`simulate`
==============  =============================================================================
"""

from .milestones import of_scenario as milestone_names
from .model import EVENT_KINDS, Plan, Replication, count_keys, simulate
from .station import ModuleContribution, Station

__all__ = ["Plan", "Replication", "simulate", "milestone_names", "EVENT_KINDS", "count_keys", "Station", "ModuleContribution"]
