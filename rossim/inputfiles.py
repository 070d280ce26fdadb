"""Reading the files a user hands rossim, safely: regular files only, size checked before reading,
text decoded, JSON parsed with bounded nesting, bounded integer literals and no NaN/Infinity.

Every problem is an :class:`~rossim.errors.InputError` naming the file (one line, exit 2). Nothing
here blocks or reads without bound: ``/dev/zero``, a named pipe, a device or a folder is refused
from its ``stat`` before it is opened, and a file is read up to its size limit plus one byte (a
file growing while read is refused too).
"""

from __future__ import annotations

import json
import os
import re
import reprlib
import stat
from pathlib import Path

import numpy as np

from .errors import InputError

__all__ = ["MAX_JSON_DEPTH", "MAX_INT_DIGITS", "regular_file", "read_bytes", "read_text", "parse_json", "read_json",
           "got"]

#: Deepest nesting of arrays and objects accepted in a JSON file (a GeoJSON MultiPolygon's
#: coordinates are 4 levels deep, collections add a few; rossim's own files 4).
MAX_JSON_DEPTH = 64
#: Longest integer literal accepted in a JSON file (digits); no quantity rossim reads needs more.
MAX_INT_DIGITS = 30


def _size_text(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n} bytes"  # pragma: no cover


def regular_file(path: str | Path, limit: int, *, field: str | None = None) -> int:
    """The size of the regular file ``path`` (checked before it is opened), at most ``limit``.

    Raises InputError (source = the path) if it does not exist, is not a regular file (a folder,
    a device such as /dev/zero, a named pipe, a socket) or is larger than ``limit``.
    """
    source = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError("no such file", source=source, field=field) from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise InputError(f"cannot read the file ({getattr(exc, 'strerror', None) or exc})", source=source,
                         field=field) from None
    if not stat.S_ISREG(st.st_mode):
        kind = ("a folder" if stat.S_ISDIR(st.st_mode) else "a named pipe" if stat.S_ISFIFO(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
        raise InputError(f"expected a regular file, got {kind}", source=source, field=field)
    if st.st_size > limit:
        raise InputError(f"the file is {_size_text(st.st_size)}, more than the limit of {_size_text(limit)}",
                         source=source, field=field)
    return st.st_size


def read_bytes(path: str | Path, limit: int, *, field: str | None = None) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Raises InputError (source = the path) if it does not exist, is not a regular file (a folder,
    a device such as /dev/zero, a named pipe, a socket), is larger than ``limit``, or cannot be read.
    """
    source = str(path)
    regular_file(path, limit, field=field)
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})", source=source, field=field) from None
    if len(data) > limit:
        raise InputError(f"the file grew past the limit of {_size_text(limit)} while being read",
                         source=source, field=field)
    return data


def read_text(path: str | Path, limit: int, *, field: str | None = None) -> str:
    """The UTF-8 text (a BOM tolerated) of the regular file ``path`` (see :func:`read_bytes`)."""
    data = read_bytes(path, limit, field=field)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start} is {data[exc.start:exc.start + 1]!r})",
                         source=str(path), field=field) from None


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text (strings skipped)."""
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    if not bare:
        return 0
    codes = np.frombuffer(bare.encode("utf-8", "replace"), dtype=np.uint8)
    step = np.isin(codes, (ord("["), ord("{"))).astype(np.int32) - np.isin(codes, (ord("]"), ord("}")))
    return int(np.cumsum(step).max(initial=0))


def parse_json(text: str, source: str, *, max_depth: int = MAX_JSON_DEPTH):
    """Parse JSON text; InputError (naming ``source``) for bad JSON, nesting deeper than
    ``max_depth``, an integer literal of more than :data:`MAX_INT_DIGITS` digits, or NaN/Infinity
    (not JSON, RFC 8259). Numbers too large for a float become ``inf`` (callers check finiteness)."""
    depth = _depth(text)
    if depth > max_depth:
        raise InputError(f"JSON nested {depth} levels deep, more than the limit of {max_depth}", source=source)

    def parse_int(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_INT_DIGITS:
            raise InputError(f"holds an integer of {len(digits.lstrip('-')):,} digits; expected numbers "
                             f"of at most {MAX_INT_DIGITS} digits", source=source)
        return int(digits)

    def parse_constant(name: str):
        raise InputError(f"{name} is not a JSON number (RFC 8259); expected finite numbers", source=source)

    try:
        return json.loads(text, parse_int=parse_int, parse_constant=parse_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                         source=source) from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise InputError("JSON nested too deep", source=source) from None


def read_json(path: str | Path, limit: int, *, max_depth: int = MAX_JSON_DEPTH):
    """:func:`read_text` then :func:`parse_json`."""
    return parse_json(read_text(path, limit), str(path), max_depth=max_depth)


def got(value, width: int = 40) -> str:
    """A short description of a value for an error message: a repr bounded in size (reprlib),
    cut to ``width`` characters."""
    r = reprlib.Repr()
    r.maxlevel, r.maxlist, r.maxdict, r.maxstring, r.maxother = 2, 4, 3, width, width
    text = r.repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"
