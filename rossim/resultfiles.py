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

import csv
import dataclasses
import datetime as dt
import io
import math
import re
from pathlib import Path
from typing import Any, Callable, Mapping

from . import inputfiles
from .errors import InputError

__all__ = [
    "Kind", "ListOf", "MapOf", "check", "read_json", "read_csv", "read_text",
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
                raise InputError(f"missing (rossim writes it: the file is damaged or from another version)",
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
    text into the value the reader keeps (default: the text)."""

    kind: Kind
    empty_ok: bool = False
    convert: Callable[[str], Any] | None = None


def _number(text: str) -> float:
    return float(text) if text else math.nan


def _number_cell(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _int_cell(text: str) -> bool:
    return re.fullmatch(r"\d{1,18}", text) is not None


def _number_column(expected: str = "a finite number", ok: Callable[[float], bool] = lambda x: True,
                   empty_ok: bool = False) -> Column:
    return Column(Kind(expected + (" or empty" if empty_ok else ""), lambda t: _number_cell(t) and ok(float(t))),
                  empty_ok, _number)


#: Common CSV columns: a finite number (>= 0), a whole number >= 0, an ISO date, free text.
NUMBER_COL = _number_column()
OPT_NUMBER_COL = _number_column(empty_ok=True)
NONNEG_COL = _number_column("a finite number >= 0", lambda x: x >= 0)
INT_COL = Column(Kind("a whole number >= 0", _int_cell), convert=int)
DATE_COL = Column(Kind("an ISO date YYYY-MM-DD", _is_date))
OPT_DATE_COL = Column(Kind("an ISO date YYYY-MM-DD or empty", _is_date), empty_ok=True)
TEXT_COL = Column(Kind("text without control characters", lambda v: not any(c < " " and c != "\t" for c in v)),
                  empty_ok=True)
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
        if len(set(header)) != len(header):
            dup = next(h for h in header if header.count(h) > 1)
            raise InputError(f"column {dup!r} appears twice in the header", source=source)
        lacking = [c for c in columns if c not in header]
        if lacking:
            raise InputError(f"no column {lacking[0]!r} (rossim writes it: the file is damaged or from "
                             "another version)", source=source)
        kinds = [columns.get(h) or (pattern[1] if pattern and re.fullmatch(pattern[0], h) else None)
                 for h in header]
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
_SHARE_COL = _number_column("a share in [0, 1]", lambda x: -_ROUNDING <= x <= 1 + _ROUNDING)
#: ``occupancy.csv`` of a run folder: ``date``, ``day``; the columns of each crew level k
#: (:data:`OCCUPANCY_PATTERN`: ``p_at_least_<k>``, ``_low``, ``_high``) are checked by the reader.
OCCUPANCY_COLUMNS = {"date": DATE_COL, "day": NONNEG_COL}
OCCUPANCY_PATTERN = (r"p_at_least_([1-9]\d{0,3})(_low|_high)?", _SHARE_COL)
#: ``occupancy_by_year.csv`` of a run folder.
OCCUPANCY_BY_YEAR_COLUMNS = {
    "year": Column(Kind("a year", lambda t: re.fullmatch(r"\d{4}", t) is not None), convert=int),
    "level": Column(Kind("a crew level >= 1", lambda t: re.fullmatch(r"[1-9]\d{0,3}", t) is not None), convert=int),
    **{k: _SHARE_COL for k in ("share_mean", "share_p10", "share_p50", "share_p90")},
    # a mean's interval is empty when one replication cannot give it
    **{k: _number_column("a share in [0, 1]", lambda x: -_ROUNDING <= x <= 1 + _ROUNDING, empty_ok=True)
       for k in ("share_mean_low", "share_mean_high")},
    "person_days_mean": NONNEG_COL,
}
#: ``events.csv`` (read only for person-days of older folders).
EVENTS_COLUMNS = {"replication": INT_COL, "day": NUMBER_COL, "kind": TEXT_COL, "detail": TEXT_COL}
#: ``coverage_cells.csv`` of a coverage folder.
CELLS_COLUMNS = {"region": TEXT_COL, "instrument": TEXT_COL,
                 "lat_deg": _number_column("a latitude in [-90, 90]", lambda x: abs(x) <= 90),
                 "lon_deg": _number_column("a longitude in [-180, 180]", lambda x: abs(x) <= 180),
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
