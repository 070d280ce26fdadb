"""The assembly campaign: one replication of the SimPy model (:func:`simulate`).

See :mod:`rossim.campaign.model` for what a replication does.
"""

from .model import EVENT_KINDS, MILESTONES, Plan, Replication, simulate
from .station import ModuleContribution, Station

__all__ = ["Plan", "Replication", "simulate", "MILESTONES", "EVENT_KINDS", "Station", "ModuleContribution"]
