"""A sweep's folder: finished points kept as they finish, so that an interrupted sweep resumes.

``rossim sweep ... --out DIR`` writes into ``DIR`` while it runs (rather than into a hidden
temporary folder swapped into place at the end, as :func:`rossim.folders.output_dir` does for the
other commands), so that nothing finished is lost:

* **At the start** ``DIR`` is made with a provisional ``manifest.json`` (``finished_utc`` null)
  recording the sweep's **identity** (:func:`identity`: the SHA-256 of the scenario as read,
  ``extends`` and ``--set`` overrides included, the ``--vary`` specs, the design, the number of points, the seed, the
  replications per point, common random numbers, and the SHA-256 of rossim's own code and data,
  :func:`code_sha256`: a part made by other code is never mixed in) and the id of the process writing it. The
  folder appears in one rename, manifest included: a folder without rossim's manifest is never
  rossim's and is never touched (:mod:`rossim.folders`).
* **Each point, as it finishes**, becomes ``parts/point-NNNNNN.parquet`` (its row: the point, its
  seed, every statistic; and first, with ``--per-replication``, its replications in
  ``parts/point-NNNNNN.replications.parquet``, every row naming the point and seed), each
  written beside its name and renamed into place (:func:`rossim.folders.atomic_file`). A crash,
  ``kill -9`` or Ctrl-C loses at most the points in flight (a half-written part stays under a
  hidden temporary name, removed by the next run, :func:`rossim.folders.clean_leftovers`).
* **At the end** the table is assembled from every point's row (:func:`rossim.analysis.sweep.write`:
  ``sweep.parquet``, ``sweep.csv``, each atomic) and the manifest completed with every file's
  SHA-256. The parts stay: they are what a re-run reads.
* **Re-running the same command into the same folder** (:func:`destination`) runs only the
  points without a part (a point counts as finished when its part reads back and names the same
  point and seed; with ``--per-replication``, when its replications part does too) and assembles
  the same table, byte for byte, as an uninterrupted sweep. A finished sweep re-run does no
  work. Without ``--out`` the default folder is the first of ``runs/<name>-sweep``,
  ``runs/<name>-sweep-2``, ... that holds this same sweep, else the first free one.
* **A folder holding another sweep** (another identity) is refused with one line naming what
  differs (exit 2); ``--overwrite`` replaces it, at the start of the new sweep (this same sweep
  too: ``--overwrite`` starts afresh, its parts are not read). A folder whose
  sweep another living rossim process is writing is refused too. Any other rossim result is
  replaced only with ``--overwrite``; a folder rossim did not write, never.
* Ctrl-C before any point finished removes the folder this run made, as if it had never started.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import math
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import folders
from ..errors import InputError
from ..interrupts import SignalsDeferred
from .sweep import Sweep

__all__ = ["identity", "code_sha256", "destination", "Store", "PARTS"]

#: The folder of the finished points inside a sweep's folder.
PARTS = "parts"
#: What the manifest calls the sweep's identity.
IDENTITY_KEY = "sweep_identity"
#: Fields of the identity in the order a refusal names them, with their words.
_FIELDS = (("scenario_sha256", "the scenario (its file, the files it extends, its --set overrides)"), ("vary", "--vary"),
           ("design", "--design"), ("points", "--points"), ("seed", "--seed"), ("replications", "-n"),
           ("common_random_numbers", "--common-random-numbers"),
           ("code_sha256", "rossim's code (its source and data files)"))
#: The installed rossim package (this file is rossim/analysis/sweep_folder.py).
PACKAGE = Path(__file__).resolve().parents[1]


def tree_sha256(root: Path) -> str:
    """SHA-256 of the files of the rossim package at ``root`` that make its results: every ``.py``
    file and every file under ``data/`` but its READMEs, in order of their paths, each path and
    content with its length (so that no two trees give the same bytes)."""
    root = Path(root)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts
                   and (p.suffix == ".py" or (p.relative_to(root).parts[0] == "data" and p.suffix != ".md")))
    h = hashlib.sha256()
    for rel in files:
        for chunk in (rel.encode("utf-8"), (root / rel).read_bytes()):
            h.update(len(chunk).to_bytes(8, "little"))
            h.update(chunk)
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def code_sha256() -> str:
    """:func:`tree_sha256` of the installed rossim, computed once a process: the version of the
    code in a sweep's identity (``rossim.__version__`` does not change with every change of the model)."""
    return tree_sha256(PACKAGE)


def identity(plan: Sweep) -> dict:
    """What makes two sweeps the same sweep (the module docstring). The scenario counts as
    rossim reads it (``extends`` resolved, the ``--set`` overrides applied), so that an edit of a
    file it extends is noticed too."""
    text = plan.scenario.model_dump_json()
    return {"scenario_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "vary": [v.text for v in plan.varies], "design": plan.design, "points": len(plan.points),
            "seed": plan.seed, "replications": plan.n, "common_random_numbers": plan.common_random_numbers,
            "code_sha256": code_sha256()}


def _difference(found: dict, wanted: dict) -> str:
    """The first field where two identities differ, in words."""
    for key, words in _FIELDS:
        if found.get(key) != wanted.get(key):
            if key in ("scenario_sha256", "code_sha256"):
                return f"{words} differs"
            return f"{words} {_shown(found.get(key))} there, {_shown(wanted.get(key))} here"
    return "it was made by another version of rossim"


def _shown(v) -> str:
    return " ".join(v) if isinstance(v, list) else str(v).lower() if isinstance(v, bool) else str(v)


def destination(out: str | os.PathLike | None, default: Path, plan: Sweep, *, overwrite: bool = False,
                provenance: dict | None = None) -> folders.Destination:
    """Check where ``plan`` goes before any work starts: a folder holding this same sweep (it
    resumes), a new or empty folder, or (``overwrite``) an earlier rossim result; InputError
    (``--out``) otherwise (the module docstring)."""
    wanted = identity(plan)
    if out is None:
        path = Path(default)
        k = 1
        while (path.exists() or path.is_symlink()) and not _same(path, wanted) and k < 10_000:
            k += 1
            path = Path(default).with_name(f"{Path(default).name}-{k}")
        if k > 1 and not (path.exists() or path.is_symlink()) and overwrite:
            path = Path(default)  # --overwrite without --out replaces the default folder, as elsewhere
        out = path
    dest = Path(out)
    manifest = folders.read_manifest(dest) if dest.is_dir() and not dest.is_symlink() else None
    found = manifest.get(IDENTITY_KEY) if manifest else None
    if found == wanted:
        writer = manifest.get("writer_pid")
        if manifest.get("finished_utc") is None and isinstance(writer, int) and _writing(writer):
            raise InputError(f"is being written by another rossim sweep (process {writer}); wait for it or give "
                             "another --out", source="--out", field=str(dest))
    elif isinstance(found, dict) and not overwrite:
        raise InputError(f"holds another sweep ({_difference(found, wanted)}); give the same command to resume "
                         "it, another --out, or --overwrite to replace it", source="--out", field=str(dest))
    else:
        return folders.destination(os.fspath(dest), default, overwrite=overwrite, provenance=provenance)
    return folders.Destination(dest, overwrite, dict(provenance or {}))


def _writing(pid: int) -> bool:
    """Whether another process ``pid`` that may be rossim is alive (on Linux, a process of that
    id whose command line does not name rossim is a reused id: not a writer)."""
    if pid == os.getpid() or not folders._alive(pid):
        return False
    try:
        return b"rossim" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # no /proc: trust the id
    except OSError:
        return True


def _same(path: Path, wanted: dict) -> bool:
    manifest = folders.read_manifest(path) if path.is_dir() and not path.is_symlink() else None
    return bool(manifest) and manifest.get(IDENTITY_KEY) == wanted


def _part(index: int, replications: bool = False) -> str:
    return f"point-{index:06d}{'.replications' if replications else ''}.parquet"


@dataclass
class Store:
    """A sweep's folder (the module docstring): :meth:`finished` reads what an earlier run kept,
    :meth:`create` makes or reopens the folder, :meth:`save` keeps a point as it finishes,
    :meth:`finish` writes the table and completes the manifest."""

    dest: folders.Destination
    plan: Sweep
    per_replication: bool = False
    created: bool = False
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    saved: int = 0
    ran_on: str | None = None

    @property
    def path(self) -> Path:
        return self.dest.path

    def _resuming(self) -> bool:
        """Whether this run continues this sweep's folder (never with ``--overwrite``: afresh)."""
        return not self.dest.overwrite and _same(self.path, identity(self.plan))

    def finished(self) -> dict[int, tuple[dict, dict | None]]:
        """The points an earlier run of this sweep finished: {index: (row, replications)}."""
        if not self._resuming():
            return {}
        parts = self.path / PARTS
        done = {}
        for p in self.plan.points:
            got = _read_part(parts / _part(p.index), p.index, p.seed)
            if got is None:
                continue
            reps = None
            if self.per_replication:
                reps = _read_replications(parts / _part(p.index, True), p.index, p.seed)
                if reps is None:
                    continue
            done[p.index] = (got, reps)
        return done

    def create(self) -> None:
        """Make the folder (or take over this sweep's), with the provisional manifest."""
        prov = {**self.dest.provenance, IDENTITY_KEY: identity(self.plan), "writer_pid": os.getpid()}
        if self._resuming():
            old = folders.read_manifest(self.path) or {}
            self.started = _parse_utc(old.get("started_utc")) or self.started
            prov["resumed_utc"] = [*old.get("resumed_utc", []), folders.now_utc()]
            self.ran_on = old.get("ran_on")
            self.dest = folders.Destination(self.path, self.dest.overwrite, prov)
            folders.write_manifest(self.path, prov, started=self.started, finished=False)
            (self.path / PARTS).mkdir(exist_ok=True)
            for where in (self.path, self.path / PARTS):  # half-written files of a killed run
                folders.clean_leftovers(where)
            return
        self.dest = folders.Destination(self.path, self.dest.overwrite, prov)
        folders.check_destination(self.path, overwrite=self.dest.overwrite)
        made = folders._make_parents(self.path.parent)
        folders.clean_leftovers(self.path.parent, only=self.path.name)
        tmp = self.path.parent / f".{self.path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            tmp.mkdir(mode=0o755)
            (tmp / PARTS).mkdir()
            folders.write_manifest(tmp, prov, started=self.started, finished=False)
            folders._put_in_place(tmp, self.path, overwrite=self.dest.overwrite)
        except BaseException:
            with SignalsDeferred(drop=True):
                shutil.rmtree(tmp, ignore_errors=True)
                folders._remove_created(made)
            raise
        self.created = True

    def save(self, index: int, result: tuple[dict, dict | None]) -> None:
        """Keep point ``index``'s row (and replications) in its part, atomically."""
        import pyarrow.parquet as pq

        row, reps = result
        parts = self.path / PARTS
        if reps is not None:
            with folders.atomic_file(parts / _part(index, True)) as tmp:
                pq.write_table(_replications_table(index, self.plan.points[index].seed, reps), tmp)
        with folders.atomic_file(parts / _part(index)) as tmp:
            pq.write_table(_row_table(index, self.plan.points[index].seed, row), tmp)
        self.saved += 1

    def finish(self, results) -> list[Path]:
        """The table, assembled from every point, and the completed manifest (``ran_on``: where
        the points ran, this run's and earlier runs')."""
        from . import sweep

        written = sweep.write(self.path, results)
        prov = {k: v for k, v in self.dest.provenance.items() if k != "writer_pid"}
        earlier = self.ran_on if isinstance(self.ran_on, str) else None
        if self.saved == 0 and earlier:  # nothing ran this time: where the points ran before
            prov["ran_on"] = earlier
        elif earlier and earlier != results.where:
            prov["ran_on"] = f"{earlier}; then {results.where}"
        else:
            prov["ran_on"] = results.where
        folders.write_manifest(self.path, prov, started=self.started)
        return written

    @contextlib.contextmanager
    def running(self):
        """Around the run: on any exception (Ctrl-C) before a single point was kept, the folder
        this run made is removed; otherwise it stays, to be resumed."""
        try:
            yield self
        except BaseException:
            if self.created and self.saved == 0:
                with SignalsDeferred(drop=True):
                    shutil.rmtree(self.path, ignore_errors=True)
            raise


# ------------------------------------------------------------------------------ parts


def _row_table(index: int, seed: int, row: dict):
    """One point's row as a one-row Arrow table (dates as date32, the rest float64)."""
    import pyarrow as pa

    cols = {"point": pa.array([index], pa.int64()), "seed": pa.array([seed], pa.int64())}
    for name, v in row.items():
        if isinstance(v, np.datetime64):
            cols[name] = pa.array([None if np.isnat(v) else v.astype("datetime64[D]").item()], pa.date32())
        else:
            cols[name] = pa.array([float(v)], pa.float64())
    return pa.table(cols)


def _read_part(path: Path, index: int, seed: int) -> dict | None:
    """A point's row from its part, or None when it is missing, unreadable or another point's."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, ValueError, pa.ArrowException):
        return None
    if table.num_rows != 1 or table.column_names[:2] != ["point", "seed"] \
            or table.column(0)[0].as_py() != index or table.column(1)[0].as_py() != seed:
        return None
    row = {}
    for name, col in zip(table.column_names[2:], table.columns[2:]):
        v = col[0].as_py()
        if pa.types.is_date32(col.type):
            row[name] = np.datetime64("NaT", "D") if v is None else np.datetime64(v, "D")
        else:
            row[name] = math.nan if v is None else float(v)
    return row


def _replications_table(index: int, seed: int, reps: dict):
    """A point's replications as an Arrow table, each row naming the point and its seed first."""
    import pyarrow as pa

    k = len(next(iter(reps.values())))
    cols = {"point": pa.array(np.full(k, index, dtype=np.int64)), "seed": pa.array(np.full(k, seed, dtype=np.int64))}
    return pa.table({**cols, **{name: pa.array(np.asarray(v)) for name, v in reps.items()}})


def _read_replications(path: Path, index: int, seed: int) -> dict | None:
    """A point's replications from their part (without the point and seed columns), or None when
    it is missing, unreadable or another point's (or seed's), as :func:`_read_part`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, ValueError, pa.ArrowException):
        return None
    if table.column_names[:3] != ["point", "seed", "replication"] or table.num_rows == 0:
        return None
    point, their_seed = table.column(0).to_numpy(), table.column(1).to_numpy()
    if not (np.all(point == index) and np.all(their_seed == seed)):
        return None
    return {name: col.to_numpy() for name, col in zip(table.column_names[2:], table.columns[2:])}


def _parse_utc(text) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
