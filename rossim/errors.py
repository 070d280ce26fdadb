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
        parts = [_printable(p) for p in (self.source, self.field) if p]
        return ": ".join([*parts, self.message])


def _printable(text: str) -> str:
    """``text``, or its repr when it holds a control character (a file name with a newline must
    not print a second line).

    >>> _printable("a.toml"), _printable("a\\nb.toml")
    ('a.toml', "'a\\\\nb.toml'")
    """
    text = str(text)
    return repr(text) if any(ord(c) < 32 or ord(c) == 127 for c in text) else text
