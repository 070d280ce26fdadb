"""Analyses over ensembles of a scenario.

==============  =============================================================================
``drivers``     which uncertain input drives an outcome (one at a time; :func:`drivers.run`)
==============  =============================================================================
"""
