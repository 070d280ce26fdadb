"""rossim validate --cite: a field's value and the sources its comments cite, resolved to
docs/sources.md (checked against the document read independently here, via test_sources)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import one_line_error
from rossim import citations, cli
from test_sources import CITATION, SOURCES, URL, entries, scenario_files

SCENARIOS = Path(__file__).parent.parent / "scenarios"
HL = SCENARIOS / "ross_high_latitude.toml"
ANGARA = SCENARIOS / "ross_angara_trouble.toml"


def _line_of(path: Path, pattern: str) -> int:
    """The 1-based number of the only line of ``path`` matching ``pattern``."""
    found = [n for n, line in enumerate(path.read_text().splitlines(), 1) if re.match(pattern, line)]
    assert len(found) == 1, found
    return found[0]


def test_cite_a_sourced_field(capsys):
    assert cli.main(["validate", str(HL), "--cite", "orbit.altitude_km"]) == 0
    out = capsys.readouterr().out
    line = _line_of(HL, r"altitude_km\s*=\s*372\b")
    assert f"orbit.altitude_km = 372  ({HL}:{line})" in out
    body = entries(SOURCES)["hl-orbit-altitude"]
    heading = re.search(r"^### (.+)$", body, re.M).group(1)
    assert f"sources.md#hl-orbit-altitude: {heading}" in out
    urls = URL.findall(body)
    assert urls and all(f"source: {u.rstrip(';')}" in out for u in urls)
    assert "published: 26 Jul 2022" in out


def test_cite_an_assumption_and_two_sources():
    c = citations.cite(HL, "station.power_base_kw")
    assert c.value == 6.0 and not c.entries and any("assumption" in x for x in c.comments)
    assert "an assumption" in "\n".join(citations.format_citation(c))
    c = citations.cite(HL, "orbit.sun_synchronous")
    assert c.value is True and [e.anchor for e in c.entries] == ["sso-97-98-2021", "sso-inclination"]


def test_cite_from_the_table_header_and_the_extended_file():
    c = citations.cite(HL, "launch_sites.vostochny_1a.name")  # cited once, on its table's header comment
    assert [e.anchor for e in c.entries] == ["launch-site-positions"]
    # a field the variant does not set comes from the file it extends, with that file's citation
    c = citations.cite(ANGARA, "orbit.altitude_km")
    assert c.file == ANGARA.parent / "ross_high_latitude.toml" and c.value == 372
    assert [e.anchor for e in c.entries] == ["hl-orbit-altitude"]


def test_cite_shows_the_value_as_overridden(capsys):
    assert cli.main(["validate", str(HL), "--set", "orbit.altitude_km=400", "--cite", "orbit.altitude_km"]) == 0
    assert "orbit.altitude_km = 400  (--set)" in capsys.readouterr().out


def test_cite_of_no_such_field_is_one_line(capsys):
    code = cli.main(["validate", str(HL), "--cite", "orbit.altitude"])
    out, err = capsys.readouterr()
    assert code == 2 and "OK" not in out  # nothing printed before the refusal
    assert err.count("\n") == 1 and "orbit.altitude" in err and "no such field" in err
    one_line_error(capsys, ["validate", HL, "--cite", "modules.nope.name"], "modules.nope.name", "no such field")


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.name)
def test_every_citation_resolves_to_the_same_entry(path):
    """Each entry a scenario cites, as citations reads it, has the URLs of the entry as the
    document's own test reads it."""
    docs = {"sources.md": entries(SOURCES), "history-sources.md": entries(SOURCES.parent / "history-sources.md")}
    for doc, anchor in CITATION.findall(path.read_text()):
        e = citations.entry(doc, anchor)
        want = [u.rstrip(";,)") for u in URL.findall(docs[doc][anchor])]
        assert e.urls and set(e.urls) <= set(want), (doc, anchor, e.urls, want)


def test_cite_an_entry_of_an_array_of_tables():
    """``crew_flights.1.date``: the second [[crew_flights]] table's date, with its own citation."""
    path = SCENARIOS / "history" / "tiangong_2021_2022.toml"
    lines = path.read_text().splitlines()
    starts = [n for n, line in enumerate(lines, 1) if line.strip() == "[[crew_flights]]"]
    line = next(n for n in range(starts[1], starts[2]) if lines[n - 1].startswith("date ="))
    c = citations.cite(path, "crew_flights.1.date")
    assert (c.line, str(c.value)) == (line, lines[line - 1].split("=")[1].split("#")[0].strip())
    assert [(e.document, e.anchor) for e in c.entries] == CITATION.findall(lines[line - 1])


def test_cite_through_a_chain_of_extends(tmp_path):
    # a variant of a variant, in another folder: the field is set two files up, and found there
    chain = tmp_path / "deeper" / "chain.toml"
    chain.parent.mkdir()
    chain.write_text(f'extends = "{ANGARA}"\n[scenario]\nname = "chain"\n')
    c = citations.cite(chain, "orbit.altitude_km")
    assert c.value == 372 and c.file == ANGARA.parent / "ross_high_latitude.toml"
    assert c.line == _line_of(HL, r"altitude_km\s*=\s*372\b")
    assert [e.anchor for e in c.entries] == ["hl-orbit-altitude"]
    # and the name the chain's own file sets comes from it
    assert citations.cite(chain, "scenario.name").file == chain
