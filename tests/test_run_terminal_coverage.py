"""rossim run --coverage says in the terminal what it found, not only in its files: the first
calendar year of full coverage per instrument and region, as campaign_coverage.json has it, and
where the years are."""

import json
from pathlib import Path

from rossim import campaign_coverage as cc
from rossim import campaign_coverage_compare as ccc
from rossim import cli

HL = Path(__file__).resolve().parent.parent / "scenarios" / "ross_high_latitude.toml"


def test_run_with_coverage_prints_the_first_full_years(tmp_path, capsys):
    out = tmp_path / "o"
    assert cli.main(["run", str(HL), "-n", "12", "--workers", "1", "--no-report", "--events", "none", "--coverage",
                     "--set", "coverage.resolution_km=400", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    summary = json.loads((out / cc.JSON_FILE).read_text(encoding="utf-8"))
    horizon = json.loads((out / "summary.json").read_text(encoding="utf-8"))["horizon"]
    assert "first calendar year of full coverage" in text.lower()
    lines = text.splitlines()
    for inst, entry in summary["instruments"].items():
        line = next(s for s in lines if s.split()[:1] == [inst])
        for region in ("russia", "arctic", "nsr"):  # each region's median year [its 95 % interval]
            assert ccc.year_cell(entry["regions"][region]["first_full_year"], horizon) in line, (region, line)
    assert cc.CSV_FILE in text and cc.FIGURE_FILE in text
    assert max(len(s) for s in lines) <= 80  # $COLUMNS of a pipe
