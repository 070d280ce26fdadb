"""The one exception type for bad user input.

Everything a user can get wrong (a scenario file, a command-line value, a GeoJSON file) is
reported as an :class:`InputError`: one line naming where the problem is (file), what is wrong
(field path) and what was expected. The command line prints it and exits with status 2; the
library never prints.
"""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """Bad user input, reported as ``source: field: message``.

    >>> str(InputError("must be > 0, got -3", source="a.toml", field="modules.nem.mass_kg"))
    'a.toml: modules.nem.mass_kg: must be > 0, got -3'
    """

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None):
        self.message = message
        self.source = source
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.field) if p]
        return ": ".join([*parts, self.message])
