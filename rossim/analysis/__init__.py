"""Analyses over ensembles of a scenario.

================  =============================================================================
``drivers``       which uncertain input drives an outcome (one at a time; :func:`drivers.run`)
``sweep``         the scenario over a design of experiments, locally or on dask (:func:`sweep.run`)
``sweep_folder``  a sweep's folder: points kept as they finish, an interrupted sweep resumed
``discover``      which region of a sweep's inputs meets a goal: PRIM and CART (``rossim discover``)
``where``         replications selected by what happened in them (``rossim run --where``)
================  =============================================================================
"""
