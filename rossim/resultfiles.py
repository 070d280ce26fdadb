"""rossim's own result files read back, checked: what ``rossim report`` and ``rossim compare`` read.

A result folder may have been damaged since rossim wrote it (edited by hand, truncated by a full
disk, copied half-way, written by another version). Everything read from it goes through this
module, which checks the structure and the type of every value used — JSON members, CSV columns,
every row's field count and every cell — and refuses anything else with an
:class:`~rossim.errors.InputError` naming the file, the field (``milestones.first_crew.p50``) or
the row and column (``row 7, capacity_p50``) and what was expected: one line, exit 2. Numbers
must be finite. Files are read through :mod:`rossim.inputfiles` (regular files, size checked first).

Specs are plain data: a :class:`Kind` (a test and the words for what it expects), a dict (an
object with these keys; a key ending in ``?`` may be absent), :class:`ListOf`, :class:`MapOf`.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import math
import re
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from . import inputfiles
from .errors import InputError

__all__ = [
    "Kind", "ListOf", "MapOf", "Column", "check", "read_json", "read_csv", "read_columns", "read_text",
    "NUMBER", "NONNEG", "POSITIVE", "SHARE", "PERCENT", "COUNT", "TEXT", "NAME", "DATE", "DATETIME",
    "optional", "any_of", "MAX_JSON_BYTES", "MAX_CSV_BYTES", "MAX_TEXT_BYTES",
]

#: Largest JSON file read back (a summary of rossim's is a few kB; a coverage summary < 1 MB).
MAX_JSON_BYTES = 64 * 2**20
#: Largest CSV file read back (events.csv of 10,000 replications is ~200 MB).
MAX_CSV_BYTES = 2 * 2**30
#: Largest text file read back (the scenario as run).
MAX_TEXT_BYTES = 16 * 2**20


# ------------------------------------------------------------------------------ specs


@dataclasses.dataclass(frozen=True)
class Kind:
    """A value's expected kind: ``test(value)`` says whether it is one; ``expected`` says what it
    should be, in the words of the error message."""

    expected: str
    test: Callable[[Any], bool]


@dataclasses.dataclass(frozen=True)
class ListOf:
    item: Any
    min_items: int = 0


@dataclasses.dataclass(frozen=True)
class MapOf:
    """An object whose keys are free text and whose values are all ``value``; ``min_items`` keys."""

    value: Any
    min_items: int = 0


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_date(v) -> bool:
    if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return False
    try:
        dt.date.fromisoformat(v)
    except ValueError:
        return False
    return True


def _is_datetime(v) -> bool:
    if not isinstance(v, str) or len(v) > 40:
        return False
    try:
        dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


NUMBER = Kind("a finite number", _is_number)
NONNEG = Kind("a finite number >= 0", lambda v: _is_number(v) and v >= 0)
POSITIVE = Kind("a finite number > 0", lambda v: _is_number(v) and v > 0)
#: Sums of floats may pass a bound by a rounding error (100.00000000000001 %).
_ROUNDING = 1e-9
SHARE = Kind("a share in [0, 1]", lambda v: _is_number(v) and -_ROUNDING <= v <= 1 + _ROUNDING)
PERCENT = Kind("a percentage in [0, 100]", lambda v: _is_number(v) and -_ROUNDING <= v <= 100 * (1 + _ROUNDING))
COUNT = Kind("a whole number >= 0", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0)
TEXT = Kind("text", lambda v: isinstance(v, str))
NAME = Kind("a non-empty name", lambda v: isinstance(v, str) and v.strip() != "")
DATE = Kind("an ISO date YYYY-MM-DD", _is_date)
DATETIME = Kind("an ISO date and time", _is_datetime)
BOOL = Kind("true or false", lambda v: isinstance(v, bool))
ANY = Kind("anything", lambda v: True)


def optional(kind: Kind) -> Kind:
    """``kind`` or null."""
    return Kind(f"{kind.expected} or null", lambda v: v is None or kind.test(v))


def any_of(*kinds: Kind) -> Kind:
    return Kind(" or ".join(k.expected for k in kinds), lambda v: any(k.test(v) for k in kinds))


def _join(field: str, key) -> str:
    return f"{field}[{key}]" if isinstance(key, int) else f"{field}.{key}" if field else str(key)


def check(value, spec, source: str, field: str = ""):
    """``value`` if it matches ``spec``; else InputError naming ``source`` and the field path."""
    def bad(expected: str, v=value, where: str = field):
        raise InputError(f"expected {expected}, got {inputfiles.got(v)}", source=source, field=where or None)

    if isinstance(spec, Kind):
        if not spec.test(value):
            bad(spec.expected)
    elif isinstance(spec, dict):
        if not isinstance(value, dict):
            bad("an object {...}")
        for key, sub in spec.items():
            name = key.rstrip("?")
            if name in value:
                check(value[name], sub, source, _join(field, name))
            elif not key.endswith("?"):
                raise InputError("missing (rossim writes it: the file is damaged or from another version)",
                                 source=source, field=_join(field, name))
    elif isinstance(spec, ListOf):
        if not isinstance(value, list):
            bad("a list [...]")
        if len(value) < spec.min_items:
            bad(f"a list of at least {spec.min_items} items")
        for i, item in enumerate(value):
            check(item, spec.item, source, _join(field, i))
    elif isinstance(spec, MapOf):
        if not isinstance(value, dict):
            bad("an object {...}")
        if len(value) < spec.min_items:
            bad(f"an object of at least {spec.min_items} members")
        for key, item in value.items():
            check(item, spec.value, source, _join(field, key))
    else:  # pragma: no cover - a programming error
        raise TypeError(f"unknown spec {spec!r}")
    return value


# ------------------------------------------------------------------------------ files


def _require(path: Path, label: str | None) -> None:
    if not path.exists() and not path.is_symlink():
        raise InputError(f"no such file (every rossim {label or 'result'} folder holds it)", source=str(path))


def read_text(path: Path, *, label: str | None = None) -> str:
    """The UTF-8 text of a result file (InputError if missing, not a regular file, too large)."""
    _require(path, label)
    return inputfiles.read_text(path, MAX_TEXT_BYTES)


def read_json(path: Path, spec, *, label: str | None = None):
    """A result JSON file, checked against ``spec``."""
    _require(path, label)
    data = inputfiles.read_json(path, MAX_JSON_BYTES)
    return check(data, spec, str(path))


@dataclasses.dataclass(frozen=True)
class Column:
    """A CSV column: its cells match ``kind`` (``empty_ok``: or are empty); ``convert`` turns the
    text into the value the reader keeps (default: the text).

    The same check for the columnar reader (:func:`read_columns`), which tests a whole column at
    once: ``array`` is what it holds — ``"number"`` (float64, NaN where empty), ``"int"`` (int64),
    ``"date"`` (datetime64[D], NaT where empty), ``"text"`` (str objects, no control character
    but tab) or ``"other"`` (str objects, ``kind.test`` cell by cell: small files only); ``cell`` is
    a regular expression every non-empty cell of numbers and whole numbers matches in full;
    numbers lie in [``low``, ``high``] and are finite; dates are ``YYYY-MM-DD`` in ASCII digits,
    nothing around them, a day of the calendar from year 1 (as :func:`_is_date`)."""

    kind: Kind
    empty_ok: bool = False
    convert: Callable[[str], Any] | None = None
    array: str = "other"
    cell: str | None = None
    low: float = -math.inf
    high: float = math.inf


def _number(text: str) -> float:
    return float(text) if text else math.nan


def _number_cell(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _int_cell(text: str) -> bool:
    return re.fullmatch(r"\d{1,18}", text) is not None


#: A number as rossim writes it (``repr`` of a float, ``%g``), spaces or tabs around it (as
#: ``float`` and pyarrow take them): what the columnar reader accepts.
_NUMBER_CELL = r"[ \t]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[ \t]*"


def _number_column(expected: str = "a finite number", low: float = -math.inf, high: float = math.inf,
                   empty_ok: bool = False) -> Column:
    return Column(Kind(expected + (" or empty" if empty_ok else ""),
                       lambda t: _number_cell(t) and low <= float(t) <= high),
                  empty_ok, _number, "number", _NUMBER_CELL, low, high)


def _int_column(expected: str, cell: str) -> Column:
    return Column(Kind(expected, lambda t: re.fullmatch(cell, t) is not None), convert=int, array="int", cell=cell)


#: Common CSV columns: a finite number (>= 0), a whole number >= 0, an ISO date, free text.
NUMBER_COL = _number_column()
OPT_NUMBER_COL = _number_column(empty_ok=True)
NONNEG_COL = _number_column("a finite number >= 0", 0.0)
#: A whole number >= 0 as the CSV cell of an INT_COL (18 digits at most: an int64).
_INT_CELL = r"\d{1,18}"
INT_COL = Column(Kind("a whole number >= 0", _int_cell), convert=int, array="int", cell=_INT_CELL)
DATE_COL = Column(Kind("an ISO date YYYY-MM-DD", _is_date), array="date")
OPT_DATE_COL = Column(Kind("an ISO date YYYY-MM-DD or empty", _is_date), empty_ok=True, array="date")
TEXT_COL = Column(Kind("text without control characters", lambda v: not any(c < " " and c != "\t" for c in v)),
                  empty_ok=True, array="text")
DATETIME_COL = Column(Kind("an ISO date and time", _is_datetime))


def read_csv(path: Path, columns: Mapping[str, Column], *, pattern: tuple[str, Column] | None = None,
             min_rows: int = 0, label: str | None = None,
             stop: Callable[[dict], bool] | None = None) -> dict[str, list]:
    """A result CSV file as ``{column: values}``, every row and cell checked.

    ``columns``: the columns it must have and their kinds (other columns are kept as text);
    ``pattern``: (regex, Column) for columns named by a pattern (``person_days_(\\d{4})``), which
    are checked too; ``min_rows``: rows it must have; ``stop(row)``: stop reading at the first row
    (a dict of converted values) for which it is true (that row is not kept).
    Raises InputError naming the file, and the row (1 = the first after the header) and column.
    """
    _require(path, label)
    source = str(path)
    text = inputfiles.read_text(path, MAX_CSV_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header:
            raise InputError("empty file: expected a header line of column names", source=source)
        kinds = _kinds(header, columns, pattern, source)
        out: dict[str, list] = {h: [] for h in header}
        for k, row in enumerate(reader, start=1):
            if not row:  # a blank line (an editor's last newline): nothing to read
                continue
            if len(row) != len(header):
                raise InputError(f"expected {len(header)} fields as in the header, got {len(row)} "
                                 f"(a truncated or damaged line)", source=source, field=f"row {k}")
            values = {}
            for h, kind, cell in zip(header, kinds, row):
                if kind is None:
                    values[h] = cell
                    continue
                if not (cell == "" and kind.empty_ok) and not kind.kind.test(cell):
                    raise InputError(f"expected {kind.kind.expected}, got {inputfiles.got(cell)}",
                                     source=source, field=f"row {k}, {h}")
                values[h] = kind.convert(cell) if kind.convert else cell
            if stop is not None and stop(values):
                break
            for h, v in values.items():
                out[h].append(v)
    except csv.Error as exc:
        raise InputError(f"not a valid CSV file ({exc})", source=source, field=f"line {reader.line_num}") from None
    rows = len(out[header[0]])
    if rows < min_rows:
        raise InputError(f"expected at least {min_rows} data row{'s' if min_rows != 1 else ''}, got {rows} "
                         "(a truncated file?)", source=source)
    return out


#: Bytes of the file parsed at a time by the columnar reader (~6,000 rows of replications.csv):
#: pyarrow holds ~40 times this while it parses (a million rows: 80 MB besides the arrays).
_BLOCK_BYTES = 2 * 2**20
#: Longest header line the columnar reader reads (a header of 60,000 columns); longer: row by row.
_MAX_HEADER_BYTES = 2**20


def read_columns(path: Path, columns: Mapping[str, Column], *, pattern: tuple[str, Column] | None = None,
                 min_rows: int = 0, label: str | None = None,
                 header_check: Callable[[list[str]], None] | None = None) -> dict[str, np.ndarray]:
    """A result CSV file as ``{column: array}``, every row and cell checked as :func:`read_csv`
    checks them, a column at a time: tables of a million rows (tens of millions of cells) in
    seconds and in the memory of their arrays.

    ``columns``, ``pattern``, ``min_rows``: as for :func:`read_csv`. Each column is an array of
    its :attr:`Column.array` kind (float64 with NaN where empty, int64, datetime64[D] with NaT
    where empty); other columns are object arrays of their text. ``header_check(header)`` is
    called with the column names before they are checked. A damaged file raises the InputError
    :func:`read_csv` raises: the same first error (a bad cell, a row without the header's number
    of fields), the same row and column, the same words.

    The file is parsed by ``pyarrow.csv`` a block of rows at a time, numbers by pyarrow itself,
    dates from their bytes (:func:`_dates`: pyarrow's own dates take spaces and year 0), and each
    column checked at once (:func:`_convert_typed`); only the arrays are kept.
    When a cell is refused the file is read again with every column as text, checked by
    :func:`_convert`, which finds the first bad cell (or the first row of another number of
    fields, if no cell before it is bad), rows ended at a lone CR as read_csv ends them. A file
    rossim does not write — a quoted field, a blank line between rows, a line pyarrow refuses —
    is read by :func:`read_csv` (its row numbers count blank lines; pyarrow's skip them), which
    says what is wrong.
    """
    _require(path, label)
    source = str(path)
    inputfiles.regular_file(path, MAX_CSV_BYTES)
    header = _header(path)
    if header is None:  # empty, not UTF-8, quoted: read_csv says what it is
        return _by_rows(path, columns, pattern, min_rows, label, header_check)
    kinds = _kinds(header, columns, pattern, source, header_check)
    lines, quoted = _lines(path)
    out = None
    if not quoted:
        try:
            out = _read_blocks(str(path), header, kinds, source, lines)
        except (_Recheck, _Unreadable):  # read as text: which cell, or read_csv says what is wrong
            out = _read_text(path, header, kinds, source)
    if out is None or len(out[header[0]]) != lines:  # quoted, or blank lines between rows
        return _by_rows(path, columns, pattern, min_rows, label, None)
    if lines < min_rows:
        raise InputError(f"expected at least {min_rows} data row{'s' if min_rows != 1 else ''}, got {lines} "
                         "(a truncated file?)", source=source)
    return out


def _header(path: Path) -> list[str] | None:
    """The column names of a CSV file's first line (a byte order mark skipped); None if it is
    empty, not UTF-8, quoted, ends lines with a lone CR or is longer than :data:`_MAX_HEADER_BYTES`."""
    with open(path, "rb") as f:
        line = f.readline(_MAX_HEADER_BYTES + 1)
    try:
        text = line.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        return None
    if not text or '"' in text or "\r" in text or len(line) > _MAX_HEADER_BYTES:
        return None
    return text.split(",")


def _lines(path: Path) -> tuple[int, bool]:
    """(data lines, whether a quote is in the file) of a CSV file: the lines after the header,
    an editor's last blank lines not counted (a blank line between rows is counted)."""
    newlines, quoted, last = 0, False, b""
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_BLOCK_BYTES), b""):
            newlines += chunk.count(b"\n")
            quoted = quoted or b'"' in chunk
            last = chunk
    content = last.rstrip(b"\r\n")
    trailing = last[len(content):].count(b"\n")
    return newlines - trailing, quoted


class _Unreadable(Exception):
    """pyarrow refused the file (a row's fields, not UTF-8, ...)."""


class _Recheck(Exception):
    """A cell pyarrow or the checks refused: the file is read again as text, to say which."""


def _kinds(header: list[str], columns: Mapping[str, Column], pattern, source: str,
           header_check: Callable[[list[str]], None] | None = None) -> list[Column | None]:
    """Each header column's Column (None: kept as text, unchecked), after the header is checked:
    no column twice, ``header_check(header)``, every column of ``columns`` present."""
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise InputError(f"column {dup!r} appears twice in the header", source=source)
    if header_check:
        header_check(header)
    lacking = [c for c in columns if c not in header]
    if lacking:
        raise InputError(f"no column {lacking[0]!r} (rossim writes it: the file is damaged or from "
                         "another version)", source=source)
    return [columns.get(h) or (pattern[1] if pattern and re.fullmatch(pattern[0], h) else None) for h in header]


_EMPTY = {"number": np.nan, "int": 0, "date": np.datetime64("NaT", "D"), "text": "", "other": ""}
_DTYPE = {"number": np.float64, "int": np.int64, "date": "datetime64[D]", "text": object, "other": object}


def _read_blocks(source_file, header: list[str], kinds: list[Column | None], source: str, rows: int,
                 typed: bool = True) -> dict[str, np.ndarray]:
    """The columns of a CSV file (``source_file``: its path, or a pyarrow buffer of its bytes; a
    header line, then ``rows`` lines without quotes), parsed by pyarrow a block at a time, checked.

    ``typed``: pyarrow parses numbers itself (fast) and any cell it refuses or the
    checks refuse raises :class:`_Recheck`; else every column is parsed as text and checked by
    :func:`_convert`, and the first bad cell, row by row, raises InputError. pyarrow refusing
    a line raises :class:`_Unreadable`; more rows than ``rows`` (a line pyarrow splits), too."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    arrays = [np.empty(rows, dtype=_DTYPE[k.array if k else "text"]) for k in kinds]
    types = {"number": pa.float64()} if typed else {}
    done = 0
    try:
        reader = pa_csv.open_csv(
            source_file,
            read_options=pa_csv.ReadOptions(column_names=header, skip_rows=1, block_size=_BLOCK_BYTES,
                                            use_threads=False),  # threads: more blocks in memory, no faster
            convert_options=pa_csv.ConvertOptions(
                column_types={h: types.get(k.array if k else "text", pa.string()) for h, k in zip(header, kinds)},
                null_values=[""], strings_can_be_null=False, quoted_strings_can_be_null=False))
        for batch in reader:
            m = batch.num_rows
            if done + m > rows:
                raise _Unreadable
            first_bad = None  # (row in the batch, column) of the first bad cell, row by row
            for j, (kind, arr) in enumerate(zip(kinds, arrays)):
                values, bad = (_convert_typed if typed else _convert)(batch.column(j), kind)
                if typed and bad.any():
                    raise _Recheck
                arr[done:done + m] = values
                if bad.any() and (first_bad is None or int(np.argmax(bad)) < first_bad[0]):
                    first_bad = (int(np.argmax(bad)), j)
            if first_bad is not None:
                i, j = first_bad
                cell = batch.column(j)[i].as_py()
                raise InputError(f"expected {kinds[j].kind.expected}, got {inputfiles.got(cell)}",
                                 source=source, field=f"row {done + i + 1}, {header[j]}")
            done += m
    except pa.ArrowInvalid:
        raise (_Recheck if typed else _Unreadable) from None
    finally:
        pa.default_memory_pool().release_unused()  # the blocks' memory, not kept for later (~80 MB)
    return {h: (a[:done].copy() if done < rows // 2 else a[:done]) for h, a in zip(header, arrays)}


def _utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 (decoded a block at a time, the text not kept)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), _BLOCK_BYTES):
            decoder.decode(view[start:start + _BLOCK_BYTES])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _read_text(path: Path, header: list[str], kinds: list[Column | None], source: str) -> dict | None:
    """:func:`_read_blocks` of every column as text, from the file's bytes: the first bad cell
    raises InputError, or the first row without the header's number of fields (:func:`_first_ragged`)
    when no cell before it is bad — read_csv's first error. A lone CR ends a row, as read_csv
    ends it (it is read as a line feed). None when the file is not UTF-8, when its rows cannot be
    numbered as :func:`read_csv` numbers them (a blank line between rows) or pyarrow refuses a
    line for another reason (read_csv says what is wrong, as it would)."""
    import pyarrow as pa

    data = inputfiles.read_bytes(path, MAX_CSV_BYTES)
    if not _utf8(data):  # read_csv says where, before anything else
        return None
    begin = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if data.count(b"\r", begin) != data.count(b"\r\n", begin):  # a lone CR ends a row for read_csv
        data = re.sub(rb"\r(?!\n)", b"\n", data)
    end = len(data)
    while end > begin and data[end - 1] in b"\r\n":  # an editor's last newlines
        end -= 1
    if any(data.find(b, begin, end) >= 0 for b in (b"\n\n", b"\n\r\n")):
        return None
    rows = data.count(b"\n", begin, end)  # after the header line
    buffer = pa.py_buffer(data)
    try:
        return _read_blocks(pa.BufferReader(buffer.slice(begin)), header, kinds, source, rows, typed=False)
    except _Unreadable:
        ragged = _first_ragged(data, begin, len(header))
    if ragged is None:
        return None
    row, fields, start = ragged
    try:  # the rows before it: a bad cell there is read_csv's first error
        _read_blocks(pa.BufferReader(buffer.slice(begin, start - begin)), header, kinds, source, row - 1,
                     typed=False)
    except _Unreadable:
        return None
    raise InputError(f"expected {len(header)} fields as in the header, got {fields} (a truncated or damaged "
                     "line)", source=source, field=f"row {row}")


def _convert_typed(column, kind: Column | None) -> tuple[np.ndarray, np.ndarray]:
    """(values, bad) of a column pyarrow parsed (numbers, empty cells null; other columns are
    text): what :func:`_convert` gives of the same cells, when none is bad."""
    if kind is None or kind.array != "number":
        return _convert(column, kind)
    null = column.is_null().to_numpy(zero_copy_only=False)
    values = column.to_numpy(zero_copy_only=False)
    ok = np.isfinite(values) & (values >= kind.low) & (values <= kind.high)
    return values, ~ok & ~(null & kind.empty_ok)


def _convert(text, kind: Column | None) -> tuple[np.ndarray, np.ndarray]:
    """(values, bad) of a pyarrow string array: its cells as ``kind.array`` values and whether
    ``kind`` refuses each (text, none refused, when ``kind`` is None)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(text)
    if kind is None:
        return text.to_numpy(zero_copy_only=False), np.zeros(n, dtype=bool)
    if kind.array == "date":
        return _dates(text, kind)
    empty = pc.equal(text, "").to_numpy(zero_copy_only=False)
    if kind.array in ("text", "other"):
        values = text.to_numpy(zero_copy_only=False)
        if kind.array == "text":
            ok = ~pc.match_substring_regex(text, r"[\x00-\x08\x0a-\x1f]").to_numpy(zero_copy_only=False)
        else:  # checked cell by cell
            ok = np.fromiter((kind.kind.test(v) for v in values), dtype=bool, count=n)
        return values, ~ok & ~(empty & kind.empty_ok)
    if kind.array == "int" and kind.cell == _INT_CELL:  # 1 to 18 ASCII digits, without a regex
        ok_pa = pc.and_(pc.ascii_is_decimal(text), pc.less_equal(pc.binary_length(text), 18))
    else:
        ok_pa = pc.match_substring_regex(text, f"^(?:{kind.cell})$")
    ok = ok_pa.to_numpy(zero_copy_only=False)
    values = np.full(n, _EMPTY[kind.array], dtype=_DTYPE[kind.array])
    chosen = pc.filter(text, ok_pa)
    where = np.flatnonzero(ok)
    if kind.array == "number":
        x = pc.cast(pc.utf8_trim(chosen, " \t"), pa.float64()).to_numpy()
        ok[where] = np.isfinite(x) & (x >= kind.low) & (x <= kind.high)
        values[where] = x
    elif kind.array == "int":
        values[where] = pc.cast(chosen, pa.int64()).to_numpy()
    else:  # pragma: no cover - a programming error
        raise TypeError(f"unknown column array {kind.array!r}")
    return values, ~ok & ~(empty & kind.empty_ok)


#: The bytes of ``YYYY-MM-DD`` that are digits; the days of each month (1-12) in a common year
#: and the days of the year before it (0 and 13: no month); days from 0001-01-01 to 1970-01-01.
_DATE_DIGITS = np.array([0, 1, 2, 3, 5, 6, 8, 9])
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0], dtype=np.int32)
_DAYS_BEFORE_MONTH = np.cumsum(_MONTH_DAYS, dtype=np.int32) - _MONTH_DAYS
_DAYS_BEFORE_1970 = (dt.date(1970, 1, 1) - dt.date(1, 1, 1)).days


def _dates(text, kind: Column) -> tuple[np.ndarray, np.ndarray]:
    """(values, bad) of a pyarrow string array of dates, read from its bytes (no string per
    cell): a cell is good when it is 10 bytes ``YYYY-MM-DD`` of ASCII digits, year 1 or later, a
    day of the calendar — what :func:`_is_date` accepts — or empty when ``kind.empty_ok``."""
    import pyarrow as pa

    n = len(text)
    _, offsets, data = text.buffers()
    width = np.dtype(np.int64 if pa.types.is_large_string(text.type) else np.int32)
    offsets = np.frombuffer(offsets, dtype=width, count=n + 1, offset=text.offset * width.itemsize)
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    length = np.diff(offsets)
    where = np.flatnonzero(length == 10)
    if offsets[n] - offsets[0] == 10 * len(where):  # the cells are empty or 10 bytes: side by side
        cells = data[offsets[0]:offsets[n]].reshape(-1, 10)
    else:
        cells = data[offsets[where, None] + np.arange(10)]
    digits = cells[:, _DATE_DIGITS] - np.uint8(ord("0"))  # uint8: a byte below "0" wraps past 9
    form = (digits.max(axis=1) <= 9) & (cells[:, 4] == ord("-")) & (cells[:, 7] == ord("-"))
    digits = digits.astype(np.int32)  # the year, month and day (nonsense where not digits)
    y = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    m = np.minimum(digits[:, 4] * 10 + digits[:, 5], 13)  # 0 and 13: no month
    d = digits[:, 6] * 10 + digits[:, 7]
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    february = leap & (m == 2)
    exists = form & (y >= 1) & (d >= 1) & (d <= _MONTH_DAYS[m] + february)
    good = where[exists]
    y, d, after = y[exists] - 1, d[exists], _DAYS_BEFORE_MONTH[m[exists]] + (leap[exists] & (m[exists] > 2))
    values = np.full(n, _EMPTY["date"], dtype=_DTYPE["date"])
    values[good] = (y * 365 + y // 4 - y // 100 + y // 400 + after + d - 1 - _DAYS_BEFORE_1970).astype("datetime64[D]")
    bad = length != 0 if kind.empty_ok else np.ones(n, dtype=bool)
    bad[good] = False
    return values, bad


def _first_ragged(data: bytes, begin: int, fields: int) -> tuple[int, int, int] | None:
    """(row, its fields, its first byte) of the first row of ``data[begin:]`` (a header line, then
    lines without quotes, blank lines or lone CRs; rows numbered as :func:`read_csv` numbers them)
    whose number of fields is not ``fields``; None if every row has it."""
    start = begin
    for k, line in enumerate(io.BytesIO(memoryview(data)[begin:])):
        content = line.rstrip(b"\r\n")
        if k and content and content.count(b",") + 1 != fields:
            return k, content.count(b",") + 1, start
        start += len(line)
    return None


def _by_rows(path: Path, columns: Mapping[str, Column], pattern, min_rows: int, label: str | None,
             header_check: Callable[[list[str]], None] | None) -> dict[str, np.ndarray]:
    """:func:`read_columns` by :func:`read_csv` (row by row), its lists made arrays."""
    if header_check:
        header_check(list(read_csv(path, {}, label=label, stop=lambda row: True)))
    cols = read_csv(path, columns, pattern=pattern, min_rows=min_rows, label=label)
    out = {}
    for h, values in cols.items():
        kind = columns.get(h) or (pattern[1] if pattern and re.fullmatch(pattern[0], h) else None)
        array = kind.array if kind else "text"
        if array == "date":
            out[h] = np.array([v or "NaT" for v in values], dtype="datetime64[D]")
        else:
            out[h] = np.array(values, dtype=_DTYPE[array]).reshape(len(values))
    return out


# ------------------------------------------------------------------------------ rossim's files

#: (a mean's interval is null when one replication cannot give it)
_QUANTILES = {"p10": optional(NUMBER), "p50": optional(NUMBER), "p90": optional(NUMBER), "mean": NUMBER,
              "mean_low?": optional(NUMBER), "mean_high?": optional(NUMBER)}
#: One milestone of ``summary.json``: its quantiles (dates and days) and their Monte Carlo
#: intervals, its probabilities and their Wilson intervals (the intervals are absent in folders
#: written before rossim reported them).
MILESTONE = {
    **{f"p{q}": optional(DATE) for q in (10, 50, 90)},
    **{f"p{q}_days?": optional(NUMBER) for q in (10, 50, 90)},
    **{f"p{q}_{b}?": optional(DATE) for q in (10, 50, 90) for b in ("low", "high")},
    **{f"p{q}_{b}_days?": optional(NUMBER) for q in (10, 50, 90) for b in ("low", "high")},
    "probability": SHARE, "probability_by_deadline": SHARE,
    **{f"{p}_{b}?": optional(SHARE) for p in ("probability", "probability_by_deadline") for b in ("low", "high")},
}

#: ``summary.json`` of a run folder (see :mod:`rossim.results`).
SUMMARY = {
    "scenario": NAME,
    "title?": optional(TEXT),
    "replications": Kind("a whole number >= 1", lambda v: COUNT.test(v) and v >= 1),
    "seed?": optional(COUNT),
    "start": DATE,
    "horizon": DATE,
    "deadline": DATE,
    "milestones": MapOf(MILESTONE),
    "person_days": _QUANTILES,
    "fraction_crewed": _QUANTILES,
    "launches": _QUANTILES,
    "losses": _QUANTILES,
    "modules": MapOf({"docked_p10?": optional(DATE), "docked_p50?": optional(DATE),
                      "docked_p90?": optional(DATE), "probability_docked": SHARE, "mean_losses": NONNEG}),
    "overrides?": ListOf(TEXT),
    "where?": ListOf(TEXT),
    "selected?": COUNT,
    "of?": COUNT,
}

_FIGURE = optional(NONNEG)
#: One region and instrument of ``coverage_summary.json`` (see :mod:`rossim.coverage_run`).
COVERAGE_ENTRY = {
    "percent_area_observed": optional(PERCENT),
    "time_to_50pct_h": _FIGURE, "time_to_90pct_h": _FIGURE, "time_to_99pct_h": _FIGURE,
    "revisit_mean_h": _FIGURE, "revisit_p95_h": _FIGURE, "revisit_max_h": _FIGURE, "longest_gap_h": _FIGURE,
    "accesses_total?": COUNT, "cells?": COUNT, "area_km2?": NONNEG,
    "bands?": ListOf(MapOf(optional(NUMBER))),
    "curve": {"hours": ListOf(NONNEG), "percent": ListOf(PERCENT)},
}
#: ``coverage_summary.json`` of a coverage folder.
COVERAGE_SUMMARY = {
    "scenario": NAME,
    "title?": optional(TEXT),
    "source?": optional(TEXT),
    "overrides?": ListOf(TEXT),
    "orbit": MapOf(optional(any_of(NUMBER, TEXT, BOOL, Kind("a list of text", lambda v: isinstance(v, list)
                                                            and all(isinstance(x, str) for x in v))))),
    "span": {"start": DATETIME, "end?": DATETIME, "days": POSITIVE},
    "resolution_km": POSITIVE,
    "step_s?": POSITIVE,
    "instruments": MapOf({"half_angle_deg": NONNEG}, min_items=1),  # rounded: a tiny cone is 0
    "regions": MapOf(MapOf(COVERAGE_ENTRY), min_items=1),
}
#: ``comparison.json`` of a comparison folder (see :mod:`rossim.compare`): what the report reads.
COMPARISON = {
    "reference?": TEXT,
    "scenarios": ListOf({"label": NAME, "folder": Kind(
        "a folder name inside the comparison folder", lambda v: isinstance(v, str) and v not in ("", ".", "..")
        and "/" not in v and "\\" not in v and "\0" not in v)}, min_items=2),
    "deadline": DATE,
    "coverage_instrument?": optional(NAME),
}

#: ``capacity.csv`` of a run folder.
CAPACITY_COLUMNS = {"day": NONNEG_COL, "date": DATE_COL,
                    **{f"{w}_p{q}": NONNEG_COL for w in ("capacity", "crew_aboard") for q in (10, 50, 90)}}
#: Optional columns of ``capacity.csv``, checked when present.
CAPACITY_PATTERN = (r"(capacity|crew_aboard)_mean", NONNEG_COL)
#: The counts columns of ``replications.csv`` (``launch_failures.<vehicle>``, ``scrubs.<site>``,
#: ``docking_failures.<module>``, ``losses.<module>``): checked when present (older folders lack them).
REPLICATION_COUNTS_PATTERN = (r"(launch_failures|scrubs|docking_failures|losses)\..+", INT_COL)
#: ``person_days_by_year.csv``: a replication column and one per calendar year.
PERSON_DAYS_COLUMNS = {"replication": INT_COL}
PERSON_DAYS_PATTERN = (r"person_days_\d{4}", NONNEG_COL)
_SHARE_COL = _number_column("a share in [0, 1]", -_ROUNDING, 1 + _ROUNDING)
#: ``occupancy.csv`` of a run folder: ``date``, ``day``; the columns of each crew level k
#: (:data:`OCCUPANCY_PATTERN`: ``p_at_least_<k>``, ``_low``, ``_high``) are checked by the reader.
OCCUPANCY_COLUMNS = {"date": DATE_COL, "day": NONNEG_COL}
OCCUPANCY_PATTERN = (r"p_at_least_([1-9]\d{0,3})(_low|_high)?", _SHARE_COL)
#: ``occupancy_by_year.csv`` of a run folder.
OCCUPANCY_BY_YEAR_COLUMNS = {
    "year": _int_column("a year", r"\d{4}"),
    "level": _int_column("a crew level >= 1", r"[1-9]\d{0,3}"),
    **{k: _SHARE_COL for k in ("share_mean", "share_p10", "share_p50", "share_p90")},
    # a mean's interval is empty when one replication cannot give it
    **{k: _number_column("a share in [0, 1]", -_ROUNDING, 1 + _ROUNDING, empty_ok=True)
       for k in ("share_mean_low", "share_mean_high")},
    "person_days_mean": NONNEG_COL,
}
#: ``events.csv`` (read only for person-days of older folders).
EVENTS_COLUMNS = {"replication": INT_COL, "day": NUMBER_COL, "kind": TEXT_COL, "detail": TEXT_COL}
#: ``coverage_cells.csv`` of a coverage folder.
CELLS_COLUMNS = {"region": TEXT_COL, "instrument": TEXT_COL,
                 "lat_deg": _number_column("a latitude in [-90, 90]", -90.0, 90.0),
                 "lon_deg": _number_column("a longitude in [-180, 180]", -180.0, 180.0),
                 "area_km2": NONNEG_COL,
                 "accesses": INT_COL, "first_access_h": OPT_NUMBER_COL, "revisit_mean_h": OPT_NUMBER_COL}
#: ``ground_track.csv`` of a coverage folder.
TRACK_COLUMNS = {"time_utc": DATETIME_COL, "lat_deg": OPT_NUMBER_COL, "lon_deg": OPT_NUMBER_COL}


def coverage_summary(path: Path) -> dict:
    """A ``coverage_summary.json``, checked (:data:`COVERAGE_SUMMARY`): also every region's
    instruments are the summary's, and every curve has as many times as percentages."""
    cov = read_json(path, COVERAGE_SUMMARY, label="coverage")
    for region, by_inst in cov["regions"].items():
        for inst, entry in by_inst.items():
            field = f"regions.{region}.{inst}"
            if inst not in cov["instruments"]:
                raise InputError(f"an instrument not in 'instruments' ({', '.join(cov['instruments'])})",
                                 source=str(path), field=field)
            curve = entry["curve"]
            if len(curve["hours"]) != len(curve["percent"]):
                raise InputError(f"expected as many hours as percent values, got {len(curve['hours'])} and "
                                 f"{len(curve['percent'])}", source=str(path), field=f"{field}.curve")
    return cov
