"""rossim: planner-simulator for the assembly of the Russian Orbital Service Station (ROSS).

A library first, a command line on top: every ``rossim`` command is a thin layer over
functions of this package (``rossim.scenario``, ``rossim.ensemble``, ``rossim.coverage``, ...).
"""

__version__ = "0.1.0"
