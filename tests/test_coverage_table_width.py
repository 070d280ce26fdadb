"""The coverage table printed by `rossim coverage` fits the terminal and never cuts a number, even
with a long region name (issue 12 §2): names wrap, numbers stay whole."""

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from rossim import coverage_run
from rossim.api import coverage

ROOT = Path(__file__).resolve().parent.parent
LONG = "the Northern Sea Route corridor and the Arctic zone of the Russian Federation (user GeoJSON)"


@pytest.fixture(scope="module")
def summary():
    s = coverage(ROOT / "scenarios" / "ross_high_latitude.toml", days=0.25, resolution_km=600.0).summary
    regions = dict(s["regions"])
    regions[LONG] = regions.pop("nsr")
    return {**s, "regions": regions}


def numbers(summary) -> list[str]:
    out = []
    for by_inst in summary["regions"].values():
        for s in by_inst.values():
            out.append(f"{s['percent_area_observed']:.1f}")
            out += [coverage_run._h(s[k]) for k in coverage_run.FIGURES[1:]]
    return out


@pytest.mark.parametrize("width", [80, 100, 120])
def test_every_number_whole_at_each_width(summary, width):
    buf = io.StringIO()
    coverage_run.print_summary(summary, Console(file=buf, width=width, highlight=False))
    text = buf.getvalue()
    assert "…" not in text
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    cells = [c for line in lines for c in re.split(r"\s{1,}", line.strip())]
    for value in numbers(summary):
        assert value in cells, value
    words = set(text.split())
    assert all(w in words for w in LONG.split())  # the long name is there, wrapped between words
