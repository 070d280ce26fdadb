"""Sources a reader can check: every citation in the scenarios resolves to an entry of docs/sources.md,
every entry gives a URL, no file cites the team's private brief, and the history data (module dates)
is well formed and cites docs/history-sources.md."""

from __future__ import annotations

import csv
import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "docs" / "sources.md"
HISTORY_SOURCES = ROOT / "docs" / "history-sources.md"
MODULE_DATES = ROOT / "rossim" / "data" / "history" / "module_dates.csv"

ANCHOR = re.compile(r'<a id="([a-z0-9][a-z0-9-]*)"></a>')
URL = re.compile(r"https?://\S+")
# A citation: "sources.md#anchor" or "history-sources.md#anchor" anywhere in a file.
CITATION = re.compile(r"(?<![\w-])((?:history-)?sources\.md)#([A-Za-z0-9_-]+)")
# Citations of the team's private brief that must not come back (spelt in pieces so that this file
# does not contain them): its file name, its section citations (a D and a section sign), its folder.
FORBIDDEN = ("DOMAIN" + ".md", "D" + "\u00a7", "../" + "shared")
HISTORY_COLUMNS = ["programme", "module", "planned_date", "plan_published", "launch_date",
                   "docking_date", "source_anchor"]


def entries(path: Path) -> dict[str, str]:
    """anchor id -> the text of its entry (up to the next anchor or the next ## heading)."""
    text = path.read_text(encoding="utf-8")
    marks = list(ANCHOR.finditer(text))
    out: dict[str, str] = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        section = re.search(r"^## ", text[m.end():end], flags=re.M)
        if section:
            end = m.end() + section.start()
        assert m.group(1) not in out, f"{path.name}: anchor {m.group(1)!r} defined twice"
        out[m.group(1)] = text[m.end():end]
    return out


def scenario_files() -> list[Path]:
    return sorted((ROOT / "scenarios").rglob("*.toml"))


def citations(text: str) -> list[tuple[str, str]]:
    return CITATION.findall(text)


def tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / p for p in out.stdout.decode("utf-8").split("\0") if p]


# ---------------------------------------------------------------- docs/sources.md

def test_sources_document_has_entries_with_urls():
    found = entries(SOURCES)
    assert len(found) >= 30
    no_url = [a for a, body in found.items() if not URL.search(body)]
    assert not no_url, f"entries of docs/sources.md without a URL: {no_url}"


def test_every_scenario_has_citations_and_each_resolves():
    anchors = {"sources.md": set(entries(SOURCES)), "history-sources.md": set(entries(HISTORY_SOURCES))}
    files = scenario_files()
    assert files
    bad = []
    for f in files:
        text = f.read_text(encoding="utf-8")
        cited = citations(text)
        if f.parent == ROOT / "scenarios" and "extends" not in text:
            assert len(cited) >= 20, f"{f.name}: only {len(cited)} citations"
        bad += [f"{f.relative_to(ROOT)}: {doc}#{a}" for doc, a in cited if a not in anchors[doc]]
    assert not bad, "citations with no entry:\n" + "\n".join(bad)


def test_scenarios_cite_no_brief_sections():
    """A value cites sources.md#anchor; no section-sign citation is left."""
    bad = [f"{f.relative_to(ROOT)}:{n}" for f in scenario_files()
           for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1) if "\u00a7" in line]
    assert not bad, f"{len(bad)} section-sign citations left, first: " + ", ".join(bad[:10])


def test_cross_references_in_the_documents_resolve():
    anchors = {"sources.md": set(entries(SOURCES)), "history-sources.md": set(entries(HISTORY_SOURCES))}
    bad = []
    for doc in (SOURCES, HISTORY_SOURCES):
        text = doc.read_text(encoding="utf-8")
        # links within the same document: (#anchor)
        bad += [f"{doc.name}: #{a}" for a in re.findall(r"\]\(#([A-Za-z0-9_-]+)\)", text)
                if a not in anchors[doc.name]]
        bad += [f"{doc.name}: {d}#{a}" for d, a in citations(text) if a not in anchors[d]]
    assert not bad, "dangling cross-references: " + ", ".join(bad)


def test_no_tracked_file_mentions_the_brief():
    bad = []
    for path in tracked_files():
        if not path.is_file():
            continue
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        bad += [f"{path.relative_to(ROOT)}: {word!r}" for word in FORBIDDEN if word in text]
    assert not bad, "files citing the team's brief, which is not in the repository:\n" + "\n".join(bad)


# ---------------------------------------------------------------- history

def test_history_document_has_entries_with_urls():
    found = entries(HISTORY_SOURCES)
    assert len(found) >= 20
    no_url = [a for a, body in found.items() if not URL.search(body)]
    assert not no_url, f"entries of docs/history-sources.md without a URL: {no_url}"


def _date(value: str, row: int, column: str) -> dt.date | None:
    if value == "":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pytest.fail(f"module_dates.csv row {row}: {column} {value!r} is not YYYY-MM-DD")


def test_module_dates_csv_structure():
    anchors = set(entries(HISTORY_SOURCES))
    with MODULE_DATES.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == HISTORY_COLUMNS
        rows = list(reader)
    assert len(rows) >= 15
    seen = set()
    for i, r in enumerate(rows, start=2):
        key = (r["programme"], r["module"])
        assert all(key), f"row {i}: programme and module are required"
        assert key not in seen, f"row {i}: {key} listed twice"
        seen.add(key)
        launch = _date(r["launch_date"], i, "launch_date")
        docking = _date(r["docking_date"], i, "docking_date")
        planned = _date(r["planned_date"], i, "planned_date")
        published = _date(r["plan_published"], i, "plan_published")
        assert launch is not None, f"row {i}: {key} has no launch date"
        if docking is not None:
            assert docking >= launch, f"row {i}: {key} docked before launch"
            assert (docking - launch).days <= 30, f"row {i}: {key} docked {docking - launch} after launch"
        assert (planned is None) == (published is None), f"row {i}: a plan date needs its publication date"
        if published is not None:
            assert published < launch, f"row {i}: {key} plan published after the launch"
            assert planned >= published, f"row {i}: {key} plan date before it was published"
        refs = r["source_anchor"].split(";")
        assert refs and all(refs), f"row {i}: no source_anchor"
        missing = [a for a in refs if a not in anchors]
        assert not missing, f"row {i}: source_anchor {missing} not in docs/history-sources.md"
    assert {p for p, _ in seen} == {"mir", "iss_rs", "tiangong"}
