"""Analyses over ensembles of a scenario.

==============  =============================================================================
``drivers``     which uncertain input drives an outcome (one at a time; :func:`drivers.run`)
``sweep``       the scenario over a design of experiments, locally or on dask (:func:`sweep.run`)
``where``       replications selected by what happened in them (``rossim run --where``)
==============  =============================================================================
"""
