"""rossim: planner-simulator for the assembly of the Russian Orbital Service Station (ROSS).

A library first, a command line on top: every ``rossim`` command is a thin layer over
functions of this package. The public face (:mod:`rossim.api`)::

    import rossim
    sc = rossim.load("scenarios/ross_high_latitude.toml", overrides=["orbit.altitude_km=400"])
    ens = rossim.run(sc, n=200, seed=1)
    rossim.milestones(ens), rossim.replications(ens), rossim.events(ens), rossim.occupancy(ens)
    fig = rossim.occupancy_figure(ens)
    cov = rossim.coverage(sc, days=2, resolution_km=200); cov.table(); cov.map("radar")

``import rossim`` is light: numpy, pandas, SimPy and matplotlib are imported when first
needed. ``rossim.coverage`` and ``rossim.occupancy`` are both the modules of those names (their
functions: ``rossim.coverage.analyze``, ``rossim.occupancy.prob_at_least``, ...) and, called,
the functions of :mod:`rossim.api` (``rossim.coverage(sc)``, ``rossim.occupancy(ens)``).
"""

import importlib
import sys
import types

__version__ = "0.1.0"

#: The names of :mod:`rossim.api` that ``rossim`` exposes.
_API = ("load", "run", "milestones", "replications", "events", "occupancy_input", "occupancy_figure", "drivers",
        "drivers_figure")
#: Submodules that are also callables of the API: ``rossim.coverage(...)``, ``rossim.occupancy(...)``.
_CALLABLE_MODULES = ("coverage", "occupancy")

__all__ = ["__version__", *_API, *_CALLABLE_MODULES]


class _CallableModule(types.ModuleType):
    """A submodule that, called, runs the :mod:`rossim.api` function of its name."""

    def __call__(self, *args, **kwargs):
        from . import api

        return getattr(api, self.__name__.rpartition(".")[2])(*args, **kwargs)


def _callable_module(name: str) -> property:
    def get(package):
        module = importlib.import_module(f"{__name__}.{name}")
        if type(module) is types.ModuleType:
            module.__class__ = _CallableModule
        return module

    def set_(package, value):  # the import system binds the submodule here once imported
        package.__dict__[name] = value

    return property(get, set_)


class _Package(types.ModuleType):
    """The ``rossim`` package: its API imported on first use."""

    def __getattr__(self, name):
        if name in _API:
            from . import api

            return getattr(api, name)
        if not name.startswith("__"):
            try:
                return importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{__name__}.{name}":
                    raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__(self):
        return sorted({*super().__dir__(), *_API, *_CALLABLE_MODULES})


for _name in _CALLABLE_MODULES:
    setattr(_Package, _name, _callable_module(_name))
sys.modules[__name__].__class__ = _Package
del _name
