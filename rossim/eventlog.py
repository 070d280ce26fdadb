"""The event log of an ensemble as one columnar table, and the file ``rossim run`` writes of it.

Every replication's events, in replication then log order, as columns: ``replication``,
``day`` (days since the scenario start), ``date`` (the UTC calendar date of that day), ``kind``,
``subject``, ``detail``. The columns are built in one pass per column over the logs (C loops
over the tuples, numpy for the times and dates: no Python formatting per event), and written by
Arrow: ``events.parquet`` (the default: typed, compressed, read by pandas, polars and duckdb),
``events.csv`` (on request: the same columns as text) or nothing (``--events none``).

Formats, measured on this 2-core machine for 2,000 replications of the high-latitude plan
(~700,000 events): the CSV written event by event with Python dates took 7.6 s; the columns
take ~0.5 s, the Parquet file ~0.1 s more (see docs/design-notes.md).
"""

from __future__ import annotations

import datetime as dt
import itertools
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from . import clock

if TYPE_CHECKING:
    import pyarrow as pa

    from .campaign import Replication
    from .ensemble import Ensemble

__all__ = ["FORMATS", "FILES", "ROW_GROUP_ROWS", "columns", "chunk", "table", "Writer", "write"]

#: What ``rossim run --events`` accepts, the default first.
FORMATS = ("parquet", "csv", "none")
#: The file of each format.
FILES = {"parquet": "events.parquet", "csv": "events.csv"}
#: Decimals of ``day`` in the CSV (1e-4 day: under 9 seconds), as the CSV always had.
CSV_DAY_DECIMALS = 4
#: Rows of a row group of ``events.parquet``: ~300 replications of the default scenario, the
#: most of the log a run holds at once (~150 B a row as Arrow columns: ~20 MB). pyarrow's default
#: for a whole table, 1 Mi rows, held ~190 MB (``bench/memory.py``) for no gain in file size.
ROW_GROUP_ROWS = 128 * 1024


def _event_type() -> "pa.DataType":
    import pyarrow as pa

    return pa.struct([("day", pa.float64()), ("kind", pa.string()), ("subject", pa.string()), ("detail", pa.string())])


def _rows(replications: Sequence["Replication"]) -> tuple[np.ndarray, np.ndarray]:
    """The events of each replication (int64), and the replication of each event (int64)."""
    reps = replications
    counts = np.fromiter((len(r.events) for r in reps), dtype=np.int64, count=len(reps))
    return counts, np.repeat(np.fromiter((r.index for r in reps), dtype=np.int64, count=len(reps)), counts)


def columns(replications: Sequence["Replication"]) -> dict[str, np.ndarray | list]:
    """The log of ``replications`` as columns: ``replication`` (int64), ``day`` (float64),
    ``kind``, ``subject``, ``detail`` (lists of str)."""
    reps = replications
    counts, replication = _rows(reps)
    flat = list(itertools.chain.from_iterable(r.events for r in reps))
    return {
        "replication": replication,
        "day": np.fromiter(map(itemgetter(0), flat), dtype=float, count=len(flat)),
        "kind": list(map(itemgetter(1), flat)),
        "subject": list(map(itemgetter(2), flat)),
        "detail": list(map(itemgetter(3), flat)),
    }


def chunk(start: dt.date, replications: Sequence["Replication"]) -> "pa.Table":
    """The log of some replications (of a scenario starting on ``start``) as an Arrow table with
    plain columns (a worker makes one per chunk; :class:`Writer` encodes them)."""
    import pyarrow as pa

    reps = replications
    counts, replication = _rows(reps)
    # the events (day, kind, subject, detail) as one struct array: Arrow reads the tuples' fields
    # in one C++ pass (what :func:`columns` does in four, then four more to make the arrays)
    day, kind, subject, detail = pa.array(itertools.chain.from_iterable(r.events for r in reps), _event_type(),
                                          size=int(counts.sum())).flatten()
    return pa.table({
        "replication": pa.array(replication, pa.int64()),
        "day": day,
        "date": pa.array(clock.dates(start, day.to_numpy()), pa.date32()),
        "kind": kind,
        "subject": subject,
        "detail": detail,
    })


def _encoded(t: "pa.Table") -> "pa.Table":
    """``kind`` and ``subject`` dictionary-encoded (a few dozen distinct values each)."""
    for name in ("kind", "subject"):
        i = t.schema.get_field_index(name)
        t = t.set_column(i, name, t.column(name).combine_chunks().dictionary_encode())
    return t


def table(ens: "Ensemble") -> "pa.Table":
    """The log of an ensemble that kept its replications as one Arrow table (``kind`` and
    ``subject`` dictionary-encoded, ``date`` a date)."""
    return _encoded(chunk(ens.start, ens.kept()))


class Writer:
    """The event log written as its chunks arrive (:meth:`add`, in replication order), so an
    ensemble never holds it whole: ``events.parquet`` in row groups of :data:`ROW_GROUP_ROWS`
    rows whatever the chunks (the same bytes for any number of workers), or ``events.csv``.
    :meth:`close` finishes the file (a run's temporary folder holds it: the whole folder is put
    in place atomically, see :mod:`rossim.folders`)."""

    def __init__(self, folder: Path, fmt: str = "parquet"):
        if fmt not in FORMATS:
            raise ValueError(f"expected one of {', '.join(FORMATS)}, got {fmt!r}")
        self.fmt = fmt
        self.path = folder / FILES[fmt] if fmt != "none" else None
        self._pending: list = []
        self._rows = 0
        self._out = None

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, kind, exc, tb) -> None:
        """Finish the file, or, after an exception, only close it (its folder is being removed)."""
        if kind is None:
            self.close()
        elif self._out is not None:
            try:
                self._out.close()
            except Exception:  # an unfinished file in a folder being removed: nothing to save
                pass
            self._out = None

    def add(self, t: "pa.Table") -> None:
        if self.path is None or t.num_rows == 0:
            return
        if self.fmt == "csv":
            import pyarrow.compute as pc
            import pyarrow.csv as pcsv

            t = t.set_column(1, "day", pc.round(t.column("day"), CSV_DAY_DECIMALS))
            if self._out is None:
                self._out = pcsv.CSVWriter(self.path, t.schema, write_options=pcsv.WriteOptions(quoting_header="none"))
            self._out.write_table(t)
            return
        self._pending.append(t)
        self._rows += t.num_rows
        while self._rows >= ROW_GROUP_ROWS:
            self._flush(ROW_GROUP_ROWS)

    def _flush(self, rows: int) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        whole = pa.concat_tables(self._pending)
        group, rest = whole.slice(0, rows), whole.slice(rows)
        group = _encoded(group.combine_chunks())  # one array a column: pages independent of the chunks
        if self._out is None:
            self._out = pq.ParquetWriter(self.path, group.schema, compression="zstd")
        self._out.write_table(group, row_group_size=max(rows, 1))
        self._pending, self._rows = ([rest] if rest.num_rows else []), rest.num_rows

    def close(self) -> Path | None:
        """Finish the file; the path written (None for ``"none"``). An empty log is still a file."""
        if self.path is None:
            return None
        if self.fmt == "parquet" and (self._rows or self._out is None):
            if not self._pending:
                self._pending = [chunk(dt.date(2000, 1, 1), [])]
            self._flush(self._rows)
        if self._out is not None:
            self._out.close()
            self._out = None
        elif self.fmt == "csv":  # no event at all: the header alone
            import pyarrow.csv as pcsv

            pcsv.write_csv(chunk(dt.date(2000, 1, 1), []), self.path, pcsv.WriteOptions(quoting_header="none"))
        return self.path


def write(folder: Path, ens: "Ensemble", fmt: str = "parquet") -> Path | None:
    """Write the log of ``ens`` (which kept its replications) into ``folder`` as ``fmt``
    (:data:`FORMATS`); the path written, None for ``"none"``."""
    w = Writer(folder, fmt)
    if w.path is not None:
        w.add(chunk(ens.start, ens.kept()))
    return w.close()
