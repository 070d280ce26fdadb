"""Where results go: output folders that never cost a user a file.

Rules, in the order they are applied:

1. **A destination is checked before any work starts** (:func:`destination`). It must name a
   folder of its own: not ``""``, ``.``, ``..`` or ``X/.``, not a symbolic link, not a mount
   point, in a folder rossim may write. If it exists it must be empty or an earlier rossim
   result (a folder holding rossim's ``manifest.json``); an earlier result is replaced only when
   the user asks (``--overwrite``). Anything else is refused with one line (exit 2) and never
   touched. Without ``--out`` the default folder is ``runs/<name>``, or the first free
   ``runs/<name>-2``, ``-3``, ... when it is taken.
2. **A folder is written whole or not at all** (:func:`output_dir`): it is built under a hidden
   temporary name beside the destination (``.<name>.tmp-<pid>-<random>``, holding a
   ``.rossim-partial`` marker until it is complete), gets its ``manifest.json``, and is then
   swapped into place with one atomic ``renameat2(RENAME_EXCHANGE)`` (Linux) or, where that is
   not available, two renames. On any exception, ``KeyboardInterrupt`` included, the temporary
   folder is removed.
3. **A killed run is cleaned up by the next one** (:func:`clean_leftovers`): hidden temporary
   folders and files whose process is gone are removed when they are rossim's (they carry the
   marker, or rossim's manifest, or are empty), an orphaned ``.<name>.old-<pid>`` of the
   two-rename path is put back when the destination is missing, and nothing else is touched.
4. **Single files written into an existing folder** (``rossim report DIR``) go through
   :func:`atomic_file`: written beside their name and renamed over it.

``manifest.json`` records what made the folder (rossim and package versions, the command line,
the scenarios' SHA-256 and overrides, seed, start and end times, cores and workers) and every
file with its size and SHA-256 (:func:`write_manifest`). It is what marks a folder as rossim's.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as dt
import functools
import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Iterator

from .errors import InputError
from .interrupts import SignalsDeferred

__all__ = ["Destination", "destination", "output_dir", "atomic_file", "clean_leftovers",
           "write_manifest", "read_manifest", "refresh_manifest", "is_rossim_result", "safe_component",
           "file_sha256", "MANIFEST"]

#: The file that marks a folder as rossim's.
MANIFEST = "manifest.json"
#: What ``manifest.json`` says in its ``producer`` field.
PRODUCER = "rossim"
#: A file inside a temporary folder that is still being written.
PARTIAL_MARKER = ".rossim-partial"
#: Largest manifest read back (a manifest lists files; a bigger one is not rossim's).
MAX_MANIFEST_BYTES = 16 * 2**20
#: Packages whose versions a manifest records.
PACKAGES = ("numpy", "scipy", "simpy", "sgp4", "skyfield", "pydantic", "shapely", "pyproj", "matplotlib",
            "pyarrow")

_TMP = re.compile(r"^\.(?P<name>.+)\.tmp-(?P<pid>\d+)-[0-9a-f]+$")
_OLD = re.compile(r"^\.(?P<name>.+)\.old-(?P<pid>\d+)$")


@dataclass(frozen=True)
class Destination:
    """A checked output folder: where to write, whether an earlier rossim result there may be
    replaced, and what to record in the manifest about how the result was made."""

    path: Path
    overwrite: bool = False
    provenance: dict = field(default_factory=dict)


# ------------------------------------------------------------------------------ names


def safe_component(name: str, fallback: str = "scenario") -> str:
    """``name`` as one safe path component: letters, digits, ``_``, ``-`` and ``.``; no leading
    dot, no separators, no ``..``; at most 100 characters; ``fallback`` if nothing is left.

    >>> safe_component("../../etc"), safe_component(""), safe_component("ROSS 97°/2027")
    ('etc', 'scenario', 'ROSS_97_2027')
    """
    text = re.sub(r"[^\w.-]+", "_", str(name), flags=re.ASCII)
    text = re.sub(r"\.{2,}", ".", text).strip("._-")[:100].strip("._-")
    return text or fallback


# ------------------------------------------------------------------------------ checking a destination


def destination(out: str | os.PathLike | None, default: str | os.PathLike, *, overwrite: bool = False,
                provenance: dict | None = None, option: str = "--out") -> Destination:
    """Check where a result will go, before any work starts; see the module docstring.

    ``out`` is what the user gave (``None``: use ``default``, numbered if taken). Raises
    :class:`InputError` naming ``option`` for a destination rossim must not write.
    """
    if out is None:
        path = Path(default)
        if not overwrite:
            path = _first_free(path)
    else:
        text = os.fspath(out)
        last = text.rstrip("/").rsplit("/", 1)[-1]
        if not text.strip():
            raise InputError(f"expected the path of a folder, got {text!r}", source=option)
        if last in ("", ".", ".."):
            raise InputError(f"expected the path of a folder of its own, got {text!r}, which names "
                             "an existing folder (the current, parent or root folder)", source=option)
        path = Path(text)
    check_destination(path, overwrite=overwrite, option=option)
    return Destination(path, overwrite, dict(provenance or {}))


def check_destination(path: Path, *, overwrite: bool, option: str = "--out") -> None:
    """Raise :class:`InputError` unless rossim may write a result at ``path``."""
    where = str(path)
    if path.is_symlink():
        raise InputError("is a symbolic link; give the folder itself", source=option, field=where)
    if path.exists():
        if not path.is_dir():
            raise InputError("exists and is not a folder; give a new folder's path", source=option, field=where)
        if os.path.ismount(path):
            raise InputError("is a mount point; give a folder inside it", source=option, field=where)
        if is_rossim_result(path):
            if not overwrite:
                raise InputError("holds an earlier rossim result; add --overwrite to replace it, or give "
                                 "another folder", source=option, field=where)
        elif any(path.iterdir()):
            raise InputError("exists and holds files rossim did not write (no rossim manifest.json); "
                             "rossim never replaces them: give a new folder's path", source=option, field=where)
    parent = _existing_ancestor(path.parent)
    if not parent.is_dir():
        raise InputError(f"cannot be made: {str(parent)!r} is not a folder", source=option, field=where)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"cannot be written: no permission to write in {str(parent)!r}", source=option,
                         field=where)


def _existing_ancestor(path: Path) -> Path:
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _first_free(path: Path) -> Path:
    """``path``, or ``path-2``, ``path-3``, ... : the first that does not exist."""
    if not (path.exists() or path.is_symlink()):
        return path
    for k in range(2, 10_000):
        candidate = path.with_name(f"{path.name}-{k}")
        if not (candidate.exists() or candidate.is_symlink()):
            return candidate
    raise InputError("no free numbered folder left (up to -9999); give --out", source="--out",
                     field=str(path))


# ------------------------------------------------------------------------------ manifests


def is_rossim_result(folder: Path) -> bool:
    """Whether ``folder`` holds a ``manifest.json`` written by rossim."""
    return read_manifest(folder) is not None


def read_manifest(folder: Path) -> dict | None:
    """``folder``'s rossim manifest, or ``None`` when there is none (or it is not rossim's)."""
    path = Path(folder) / MANIFEST
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_MANIFEST_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and data.get("producer") == PRODUCER else None


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _file_list(folder: Path) -> list[dict]:
    files = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink() and p.name not in (MANIFEST, PARTIAL_MARKER) \
                and not _TMP.match(p.name):
            files.append({"path": p.relative_to(folder).as_posix(), "bytes": p.stat().st_size,
                          "sha256": file_sha256(p)})
    return files


@functools.cache
def _versions() -> dict:
    """The installed versions of :data:`PACKAGES` (read once a process: the provisional and the
    final manifest of a folder both record them)."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def write_manifest(folder: Path, provenance: dict | None = None, *, started: dt.datetime | None = None,
                   finished: bool = True) -> dict:
    """Write ``folder/manifest.json`` (atomically) and return it; see the module docstring.
    ``finished=False``: a provisional one while the folder is written (no end time, no files)."""
    from . import __version__

    now = dt.datetime.now(dt.timezone.utc)
    manifest = {
        "producer": PRODUCER,
        "rossim_version": __version__,
        "python": platform.python_version(),
        "packages": dict(_versions()),
        "platform": platform.platform(),
        "cores": os.cpu_count(),
        **(provenance or {}),
        "started_utc": _iso(started or now),
        "finished_utc": _iso(now) if finished else None,
        "files": _file_list(folder) if finished else [],
    }
    with atomic_file(Path(folder) / MANIFEST) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return manifest


def update_provenance(folder: Path, provenance: dict) -> None:
    """Rewrite the provisional manifest of a folder being written (:func:`output_dir`) with
    ``provenance``: what is known only once the work is done (seed, replications, workers), for
    the report written next; its start time is kept."""
    path = Path(folder) / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(provenance)
    with atomic_file(path) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def refresh_manifest(folder: Path) -> None:
    """Bring the file list of ``folder``'s manifest up to date (after ``rossim report`` wrote
    into it), keeping what it says about how the result was made."""
    manifest = read_manifest(folder)
    if manifest is None:
        return
    manifest["files"] = _file_list(Path(folder))
    manifest["updated_utc"] = now_utc()
    with atomic_file(Path(folder) / MANIFEST) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def now_utc() -> str:
    """Now, as manifests write times (ISO 8601 to the second, UTC, ``Z``)."""
    return _iso(dt.datetime.now(dt.timezone.utc))


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


# ------------------------------------------------------------------------------ writing


@contextlib.contextmanager
def output_dir(dest: Destination | str | os.PathLike) -> Iterator[Path]:
    """Yield a fresh temporary folder; on success it gets a manifest and takes ``dest``'s place.

    ``dest`` is a :class:`Destination` from :func:`destination` (a plain path is checked here
    with ``overwrite=False``). On an exception the temporary folder is removed and ``dest`` is
    untouched.
    """
    if not isinstance(dest, Destination):
        dest = Destination(Path(dest))
    path = dest.path
    started = dt.datetime.now(dt.timezone.utc)
    check_destination(path, overwrite=dest.overwrite)
    created = _make_parents(path.parent)
    clean_leftovers(path.parent, only=path.name)
    try:
        tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        tmp.mkdir(mode=0o755)
        (tmp / PARTIAL_MARKER).write_text(f"{os.getpid()}\n", encoding="utf-8")
        write_manifest(tmp, dest.provenance, started=started, finished=False)  # for the report
    except OSError as exc:
        _remove_created(created)
        raise InputError(f"cannot create the output folder ({exc.strerror})", source="--out",
                         field=str(path)) from None
    try:
        yield tmp
        write_manifest(tmp, dest.provenance, started=started)
        (tmp / PARTIAL_MARKER).unlink()
        _put_in_place(tmp, path, overwrite=dest.overwrite)
    except BaseException as exc:
        with SignalsDeferred(drop=True):  # a second Ctrl-C must not leave the folder half removed
            shutil.rmtree(tmp, ignore_errors=True)
            _remove_created(created)
        if isinstance(exc, InputError) and exc.source and str(tmp) in exc.source:
            exc.source = exc.source.replace(str(tmp), str(path))  # name the folder the user knows
        raise


def _put_in_place(tmp: Path, path: Path, *, overwrite: bool) -> None:
    """Move the finished folder ``tmp`` to ``path``, replacing an earlier rossim result there."""
    if path.exists() or path.is_symlink():
        check_destination(path, overwrite=overwrite)  # it may have appeared while we worked
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    if not path.exists():
        os.rename(tmp, path)
        return
    if _exchange(tmp, path):  # one atomic step: path is the new result, tmp the old one
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = path.with_name(f".{path.name}.old-{os.getpid()}")
    with SignalsDeferred():  # a Ctrl-C between the two renames would leave the destination missing
        os.rename(path, old)
        os.rename(tmp, path)
    shutil.rmtree(old, ignore_errors=True)


def _make_parents(folder: Path) -> list[Path]:
    """Make ``folder`` and its missing parents; return those made, deepest first."""
    made = []
    p = Path(folder)
    while not p.exists() and p != p.parent:
        made.append(p)
        p = p.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder ({exc.strerror})", source="--out",
                         field=str(folder)) from None
    return made


def _remove_created(made: list[Path]) -> None:
    for p in made:  # deepest first; only folders we made and that are still empty
        with contextlib.suppress(OSError):
            p.rmdir()


_RENAME_EXCHANGE = 2
_libc = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where that is not available."""
    global _libc
    if not sys.platform.startswith("linux"):
        return False
    if _libc is None:
        try:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            _libc.renameat2  # noqa: B018 - glibc >= 2.28
        except (OSError, AttributeError):
            _libc = False
    if not _libc:
        return False
    at_fdcwd = -100
    rc = _libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename.

    Write the file at the yielded path (e.g. ``fig.savefig(tmp, format="png")``: give the
    format, the temporary name has no suffix). On an exception it is removed and ``path`` is
    untouched.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


# ------------------------------------------------------------------------------ leftovers


def clean_leftovers(folder: Path, only: str | None = None) -> list[Path]:
    """Remove what killed rossim processes left in ``folder`` and return it.

    Only hidden ``.<name>.tmp-<pid>-<hex>`` entries of processes that are gone, and only when
    they are rossim's: a folder holding the partial marker or a rossim manifest (the old result
    after an atomic exchange) or nothing, or a single file (``atomic_file``'s). An orphaned
    ``.<name>.old-<pid>`` holding a rossim result is put back at ``<name>`` when that is
    missing, removed when ``<name>`` holds the newer result. ``only``: consider only leftovers
    of that destination name.
    """
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _TMP.match(entry.name) or _OLD.match(entry.name)
        if m is None or (only is not None and m["name"] != only) or _alive(int(m["pid"])) \
                or entry.is_symlink():
            continue
        if m.re is _OLD:
            if not is_rossim_result(entry):
                continue
            target = entry.with_name(m["name"])
            if not (target.exists() or target.is_symlink()):
                os.rename(entry, target)
            elif is_rossim_result(target):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
            continue
        if entry.is_file():
            entry.unlink()
        elif entry.is_dir() and ((entry / PARTIAL_MARKER).is_file() or is_rossim_result(entry)
                                 or not any(entry.iterdir())):
            shutil.rmtree(entry, ignore_errors=True)
        else:
            continue
        removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True
