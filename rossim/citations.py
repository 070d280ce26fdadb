"""Where a scenario value comes from: ``rossim validate SCENARIO --cite FIELD``.

A scenario file cites its sources in comments, ``sources.md#<anchor>`` or
``history-sources.md#<anchor>`` (docs/sources.md describes the scheme); a value no source gives
is marked ``assumption`` with its reason. :func:`cite` finds the line that sets a field (in the
file, else in the file it ``extends``), reads the comments that belong to it (on its line, the
comment lines just above it, and those of its table's header), and resolves each citation to its
entry in ``docs/`` (:func:`entry`): heading, fact, URLs and publication date.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from .errors import InputError

__all__ = ["Citation", "Entry", "cite", "entry", "entries", "DOCS", "format_citation"]

#: The project's documents (a source checkout: docs/ beside the package).
DOCS = Path(__file__).resolve().parent.parent / "docs"
_CITATION = re.compile(r"(?<![\w-])((?:history-)?sources\.md)#([A-Za-z0-9_-]+)")
_ANCHOR = re.compile(r'<a id="([a-z0-9][a-z0-9-]*)"></a>')
_URL = re.compile(r"https?://[^\s;,)]+")
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")


@dataclasses.dataclass
class Entry:
    """One entry of docs/sources.md or docs/history-sources.md."""

    document: str
    anchor: str
    heading: str
    fact: str
    urls: list[str]
    published: str


@dataclasses.dataclass
class Citation:
    """What ``--cite`` prints: the field, its value as loaded, the file and line that set it, the
    comments belonging to it, and the entries they cite (none: an assumption or uncited)."""

    field: str
    value: object
    file: Path | None
    line: int | None
    comments: list[str]
    entries: list[Entry]
    overridden: bool = False


def _field(text: str) -> str:
    """An entry field's text ("- **Fact:** ...", continuation lines joined)."""
    return " ".join(text.split())


def entries(document: str) -> dict[str, Entry]:
    """The entries of ``docs/<document>`` by anchor."""
    path = DOCS / document
    if not path.is_file():
        raise InputError(f"not found: {path} (the docs/ folder of a rossim source checkout holds the sources)",
                         source=document)
    text = path.read_text(encoding="utf-8")
    marks = list(_ANCHOR.finditer(text))
    out = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        section = re.search(r"^## |^---", text[m.end():end], flags=re.M)
        body = text[m.end():m.end() + section.start()] if section else text[m.end():end]
        heading = re.search(r"^#+\s*(.+)$", body, flags=re.M)
        items = dict(re.findall(r"^- \*\*(\w+):\*\*\s*(.*(?:\n(?!- \*\*)(?!\s*$).*)*)", body, flags=re.M))
        out[m.group(1)] = Entry(document, m.group(1), heading.group(1).strip() if heading else "",
                                _field(items.get("Fact", "")), _URL.findall(items.get("Source", body)),
                                _field(items.get("Published", "")).rstrip("."))
    return out


def entry(document: str, anchor: str) -> Entry:
    """The entry ``docs/<document>#<anchor>``; InputError when there is none."""
    found = entries(document)
    if anchor not in found:
        raise InputError(f"cites {document}#{anchor}, which is not an entry of docs/{document}", source=document)
    return found[anchor]


def _comment(line: str) -> str:
    """The comment of a TOML line (after a # outside quotes), stripped; "" when none."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[i + 1:].strip()
    return ""


def _key_path(text: str) -> list[str]:
    return [k.strip().strip("\"'") for k in text.split(".")]


def _find(path: Path, field: list[str]) -> tuple[int, list[str]] | None:
    """(line number, its comments) of the line setting ``field`` in the TOML file ``path``: the
    key's own comment, the comment lines just above it and its table header's (on the header line
    and the lines just above it). An array of tables counts its entries (``crew_flights.0.date``);
    a field inside an inline table or array is found on the line of the key holding it. None when
    the file does not set it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    table: list[str] = []
    header_notes: list[str] = []
    above: list[str] = []
    counts: dict[str, int] = {}
    in_string = None
    best = None  # (depth, line, comments) of the deepest key holding the field
    for n, line in enumerate(lines, 1):
        if in_string:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        stripped = line.strip()
        if stripped.startswith("#"):
            above.append(stripped.lstrip("#").strip())
            continue
        if not stripped:
            above = []
            continue
        m = _HEADER.match(line)
        if m and not _KEY_LINE.match(line):
            table = _key_path(m.group(1))
            if stripped.startswith("[["):  # the next entry of an array of tables
                key = ".".join(table)
                table = table + [str(counts.get(key, 0))]
                counts[key] = counts.get(key, 0) + 1
            header_notes = above + ([_comment(line)] if _comment(line) else [])
            above = []
            continue
        k = _KEY_LINE.match(line)
        if k:
            full = table + _key_path(k.group(1))
            if field[:len(full)] == full and (best is None or len(full) > best[0]):
                own = [_comment(line)] if _comment(line) else []
                best = (len(full), n, [c for c in own + above + header_notes if c])
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    in_string = quote
        above = []
    return best[1:] if best else None


def _lookup(raw: dict, field: list[str]):
    node = raw
    for key in field:
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            raise KeyError(key)
    return node


def _chain(path: Path, raw: dict) -> list[Path]:
    """``path`` and the files it extends, nearest first, each base relative to the file naming it
    (the chain :func:`rossim.scenario.resolve_extends` merged, so known to be finite and whole)."""
    from . import scenario

    files = [path]
    base = raw.get("extends")
    while isinstance(base, str) and len(files) <= scenario.MAX_EXTENDS_DEPTH:
        files.append(files[-1].parent / base)
        base = scenario._parse(scenario._read_text(files[-1]), str(files[-1])).get("extends")
    return files


def cite(path: str | Path, field: str, overrides: list[str] = ()) -> Citation:
    """The citation of ``field`` (a dotted path, as for ``--set``) of the scenario file ``path``:
    its value after ``extends`` and ``overrides``, and the sources its comments cite."""
    from . import scenario

    path = Path(path)
    raw = scenario._parse(scenario._read_text(path), str(path))
    files = _chain(path, raw)
    merged = scenario.apply_overrides(scenario.resolve_extends(dict(raw), path.parent, str(path)),
                                      list(overrides), str(path))
    keys = _key_path(field)
    try:
        value = _lookup(merged, keys)
    except KeyError:
        raise InputError("--cite: no such field in the scenario (or the file it extends)",
                         source=str(path), field=field) from None
    overridden = any(o.partition("=")[0].strip() == field for o in overrides)
    found, where = None, None
    for f in files:  # the file that sets it: the nearest in the extends chain
        found = _find(f, keys)
        if found:
            where = f
            break
    comments = found[1] if found else []
    cited, seen = [], set()
    for text in comments:
        for doc, anchor in _CITATION.findall(text):
            if (doc, anchor) not in seen:
                seen.add((doc, anchor))
                cited.append(entry(doc, anchor))
    return Citation(field, value, where, found[0] if found else None, comments, cited, overridden)


def format_citation(c: Citation) -> list[str]:
    """The lines ``rossim validate --cite`` prints for a citation."""
    shown = _toml(c.value)
    where = f"{c.file}:{c.line}" if c.file else "not set in the file: a default"
    out = [f"{c.field} = {shown}" + ("  (--set)" if c.overridden else "") + f"  ({where})"]
    out += [f"  # {x}" for x in c.comments]
    if not c.entries:
        assumption = any("assumption" in x.lower() for x in c.comments)
        out.append("  no source cited: " + ("an assumption (the comment gives the reason)" if assumption
                                             else "no comment cites docs/sources.md for this field"))
    for e in c.entries:
        out.append(f"  {e.document}#{e.anchor}: {e.heading}")
        if e.fact:
            out.append(f"    fact: {e.fact}")
        for url in e.urls:
            out.append(f"    source: {url}")
        if e.published:
            out.append(f"    published: {e.published}")
    return out


def _toml(value) -> str:
    """A value as TOML would spell it (for showing)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)
