"""rossim sweep's terminal table: each varied input told apart, no date or number wrapped or cut."""

import io
from types import SimpleNamespace

import pandas as pd
from rich.console import Console

from rossim import cli

# the README's scenario-discovery sweep: three inputs end in "slip_days.scale"
PATHS = ["launch_vehicles.angara_a5m.success_probability", "launch_vehicles.angara_a5m.min_days_between_flights",
         "modules.lab.slip_days.scale", "modules.production.slip_days.scale", "modules.platform.slip_days.scale"]


def _results(paths, n=25):
    table = pd.DataFrame({"point": range(n)})
    for j, p in enumerate(paths):
        table[p] = [1000.0 + 37.123 * (i + j) for i in range(n)]
    table["phase_2_complete.p50"] = pd.to_datetime([f"2037-{1 + i % 12:02d}-{1 + i:02d}" for i in range(n)])
    table["phase_2_complete.p_by_deadline"] = [0.01 * i for i in range(n)]
    return SimpleNamespace(table=table, sweep=SimpleNamespace(varies=[SimpleNamespace(path=p) for p in paths]))


def _printed(res, width=80):
    console = Console(file=io.StringIO(), width=width)
    cli._print_sweep(res, console=console)
    return console.file.getvalue()


def test_inputs_told_apart_and_dates_whole_at_80_columns():
    res = _results(PATHS)
    out = _printed(res)
    lines = out.splitlines()
    assert "…" not in out
    header = "\n".join(lines[:lines.index(next(line for line in lines if line.startswith("─")))])
    for module in ("lab", "production", "platform"):
        assert f" {module} " in f" {header} ", header
    for i, row in res.table.head(20).iterrows():  # each shown row on one line, its date whole
        line = next(line for line in lines if line.split() and line.split()[0] == str(i))
        assert row["phase_2_complete.p50"].date().isoformat() in line
        assert f"{row[PATHS[2]]:.4g}" in line
    assert "first 20 of 25 points" in out


def test_a_table_wider_than_the_console_is_printed_at_its_width():
    res = _results(PATHS + ["launch_sites.vostochny_1a.turnaround_days", "orbit.altitude_km"])
    out = _printed(res, width=60)
    assert "…" not in out
    assert all(d.date().isoformat() in out for d in res.table["phase_2_complete.p50"].head(20))


def test_short_paths():
    assert cli._short_paths(PATHS) == ["angara_a5m.success_probability", "angara_a5m.min_days_between_flights",
                                       "lab.slip_days.scale", "production.slip_days.scale",
                                       "platform.slip_days.scale"]
    assert cli._short_paths(["orbit.inclination_deg"]) == ["orbit.inclination_deg"]
    # the same name under two tables keeps its table
    assert cli._short_paths(["modules.lab.slip_days", "crew_ships.lab.slip_days"]) == [
        "modules.lab.slip_days", "crew_ships.lab.slip_days"]
    assert cli._header_lines("angara_a5m.min_days_between_flights") == "angara_a5m\nmin_days_\nbetween_\nflights"
