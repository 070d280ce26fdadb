"""``rossim report DIR`` on damaged result folders (issue 7, section 2).

A real run folder, coverage folder and comparison folder are made once; each case copies one, damages
one file in one way (emptied, truncated mid-line, not UTF-8, not JSON, a member missing or of the
wrong type, a cell holding "abc" or "inf", a row short of fields, a column missing, a mis-shaped
person-days table, a file replaced by a folder or removed) and asserts exactly one line on stderr
naming the damaged file and where in it (field, row, column), exit 2, no traceback. The truth is
the damage the test itself did; the undamaged copies must still give exit 0 (so the checks refuse
what is damaged, not whatever they are shown).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import one_line_error
from rossim import cli

HIGH = Path(__file__).parent.parent / "scenarios" / "ross_high_latitude.toml"
#: The comparison's two scenario folders (the same scenario twice: labels made unique).
A, B = "ross_high_latitude-1", "ross_high_latitude-2"


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    """{"run": run folder, "coverage": coverage folder, "comparison": comparison folder}."""
    base = tmp_path_factory.mktemp("originals")
    run, cov, cmp_ = base / "run", base / "cov", base / "cmp"
    assert cli.main(["run", str(HIGH), "-n", "5", "--workers", "1", "--no-report", "--events", "csv",
                     "--out", str(run)]) == 0
    assert cli.main(["coverage", str(HIGH), "--days", "0.1", "--resolution-km", "600", "--instrument", "radar",
                     "--no-report", "--out", str(cov)]) == 0
    # a comparison of the run with itself (two folders), coverage reused from the coverage folder
    for name in ("a", "b"):
        shutil.copytree(run, base / name)
        shutil.copytree(cov, base / name / "coverage")
    assert cli.main(["compare", str(base / "a"), str(base / "b"), "--out", str(cmp_)]) == 0
    return {"run": run, "coverage": cov, "comparison": cmp_}


# ------------------------------------------------------------------------------ damage


def edit_json(change, raw: dict[str, str] | None = None):
    """Change the parsed JSON, write it back, then replace text in it (``raw``: what JSON cannot
    say, e.g. a literal 1e999)."""
    def damage(path: Path):
        data = json.loads(path.read_text())
        change(data)
        text = json.dumps(data)
        for old, new in (raw or {}).items():
            text = text.replace(old, new)
        path.write_text(text)
    return damage


def write(text: str | bytes):
    def damage(path: Path):
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return damage


def truncate_mid_line(path: Path):
    """Cut the file in the middle of a line past its header (a disk that filled up)."""
    lines = path.read_bytes().splitlines(keepends=True)
    k = max(2, len(lines) // 2)
    path.write_bytes(b"".join(lines[:k]) + lines[k][: len(lines[k]) // 2])


def header_only(path: Path):
    path.write_bytes(path.read_bytes().splitlines(keepends=True)[0])


def set_cell(row: int, column: str, value: str):
    """Replace the cell of data row ``row`` (1 = first after the header) in ``column``."""
    def damage(path: Path):
        lines = path.read_text().splitlines()
        header = lines[0].split(",")
        cells = lines[row].split(",")
        cells[header.index(column)] = value
        lines[row] = ",".join(cells)
        path.write_text("\n".join(lines) + "\n")
    return damage


def drop_column(column: str):
    def damage(path: Path):
        lines = [line.split(",") for line in path.read_text().splitlines()]
        i = lines[0].index(column)
        path.write_text("\n".join(",".join(c[:i] + c[i + 1:]) for c in lines) + "\n")
    return damage


def rename_column(old: str, new: str):
    def damage(path: Path):
        text = path.read_text()
        head, rest = text.split("\n", 1)
        path.write_text(head.replace(old, new) + "\n" + rest)
    return damage


def drop_last_row(path: Path):
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n")


def extra_field(path: Path):
    lines = path.read_text().splitlines()
    lines[2] += ",7"
    path.write_text("\n".join(lines) + "\n")


def nul_byte(path: Path):
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1][:3] + b"\0" + lines[1][3:]
    path.write_bytes(b"".join(lines))


def a_folder(path: Path):
    path.unlink()
    path.mkdir()


def removed(path: Path):
    path.unlink()


def pop(*keys):
    def change(data):
        for k in keys[:-1]:
            data = data[k]
        data.pop(keys[-1])
    return change


def put(value, *keys):
    def change(data):
        for k in keys[:-1]:
            data = data[k]
        data[keys[-1]] = value
    return change


#: damage applicable to every file: (id, damage, needles)
ANY_FILE = [
    ("empty", write(""), []),
    ("not-utf8", write(b"\xff\xfe\x00\x81 binary"), ["not UTF-8"]),
    ("a-folder", a_folder, ["expected a regular file, got a folder"]),
    ("removed", removed, ["no such file"]),
]
#: damage applicable to every JSON file
ANY_JSON = [
    ("truncated", truncate_mid_line, ["not valid JSON"]),
    ("a-list", write("[1, 2]"), ["expected an object"]),
    ("nan", write('{"x": NaN}'), ["NaN is not a JSON number"]),
    ("deep", write("[" * 500 + "]" * 500), ["nested 500 levels deep"]),
]
#: damage applicable to every CSV file
ANY_CSV = [
    ("truncated", truncate_mid_line, ["row", "fields as in the header"]),
    ("extra-field", extra_field, ["row 2", "fields as in the header"]),
    ("nul-byte", nul_byte, ["row 1", "got"]),
]

SUMMARY = [
    ("no-deadline", edit_json(pop("deadline")), ["deadline", "missing"]),
    ("no-milestones", edit_json(pop("milestones")), ["milestones", "missing"]),
    ("no-modules", edit_json(pop("modules")), ["modules", "missing"]),
    ("scenario-number", edit_json(put(5, "scenario")), ["scenario", "expected a non-empty name, got 5"]),
    ("replications-text", edit_json(put("5", "replications")), ["replications", "whole number", "'5'"]),
    ("replications-true", edit_json(put(True, "replications")), ["replications", "whole number", "True"]),
    ("replications-float", edit_json(put(5.5, "replications")), ["replications", "whole number", "5.5"]),
    ("replications-wrong", edit_json(put(6, "replications")), ["@replications.csv", "5 rows", "summary.json says 6"]),
    ("start-not-date", edit_json(put("soon", "start")), ["start", "ISO date", "'soon'"]),
    ("start-feb-30", edit_json(put("2027-02-30", "start")), ["start", "ISO date"]),
    ("horizon-before-start", edit_json(put("2020-01-01", "horizon")), ["horizon", "after start"]),
    ("start-year-1", edit_json(put("0001-01-01", "start")), ["start", "between 1957-10-04 and 2200-12-31"]),
    ("deadline-9999", edit_json(put("9999-12-31", "deadline")), ["deadline", "between 1957-10-04"]),
    ("p50-before-p10", edit_json(lambda d: d["milestones"]["first_crew"].update(p50="2027-01-02")),
     ["milestones.first_crew.p50", "from the previous quantile", "'2027-01-02'"]),
    ("docked-after-horizon", edit_json(put("2100-01-01", "modules", "nem", "docked_p90")),
     ["modules.nem.docked_p90", "to the horizon (2046-01-01)", "'2100-01-01'"]),
    ("milestones-list", edit_json(put([], "milestones")), ["milestones", "expected an object"]),
    ("milestone-renamed", edit_json(lambda d: d["milestones"].update(x=d["milestones"].pop("first_crew"))),
     ["milestones", "incompatible run folder", "first_crew"]),
    ("milestone-p50-abc", edit_json(put("abc", "milestones", "first_crew", "p50")),
     ["milestones.first_crew.p50", "ISO date", "'abc'"]),
    ("probability-1.5", edit_json(put(1.5, "milestones", "capacity_4", "probability")),
     ["milestones.capacity_4.probability", "share in [0, 1]", "1.5"]),
    ("probability-missing", edit_json(pop("milestones", "capacity_4", "probability_by_deadline")),
     ["milestones.capacity_4.probability_by_deadline", "missing"]),
    ("person-days-mean-null", edit_json(put(None, "person_days", "mean")),
     ["person_days.mean", "finite number", "None"]),
    ("launches-text", edit_json(put("many", "launches")), ["launches", "expected an object"]),
    ("losses-p90-huge", edit_json(put("HUGE", "losses", "p90"), raw={'"HUGE"': "1e999"}),
     ["losses.p90", "finite number", "inf"]),
    ("modules-list", edit_json(put([], "modules")), ["modules", "expected an object"]),
    ("module-unknown", edit_json(lambda d: d["modules"].update(ghost=dict(d["modules"]["nem"]))),
     ["@replications.csv", "ghost_docked_date"]),
    ("module-losses-negative", edit_json(put(-1, "modules", "nem", "mean_losses")),
     ["modules.nem.mean_losses", ">= 0", "-1"]),
    ("overrides-text", edit_json(put("a=b", "overrides")), ["overrides", "a list"]),
    ("title-list", edit_json(put(["x"], "title")), ["title", "text or null"]),
    ("p50-low-after-p50", edit_json(put("2039-12-31", "milestones", "first_crew", "p50_low")),
     ["milestones.first_crew.p50", "p50_low <= p50 <= p50_high"]),
    ("p90-high-abc", edit_json(put("abc", "milestones", "phase_1_complete", "p90_high")),
     ["milestones.phase_1_complete.p90_high", "ISO date", "'abc'"]),
    ("probability-low-2", edit_json(put(2, "milestones", "capacity_4", "probability_low")),
     ["milestones.capacity_4.probability_low", "share in [0, 1]", "2"]),
    ("probability-high-below", edit_json(put(0.0, "milestones", "first_crew", "probability_high")),
     ["milestones.first_crew.probability", "probability_low <= probability <= probability_high"]),
    ("mean-high-text", edit_json(put("x", "person_days", "mean_high")), ["person_days.mean_high", "finite number"]),
    ("hosting-first", edit_json(lambda d: d.update(milestones={"hosting_2": d["milestones"].pop("hosting_2"),
                                                                **d["milestones"]})),
     ["milestones", "incompatible run folder", "hosting_N"]),
]
REPLICATIONS = [
    ("header-only", header_only, ["0 rows", "says 5"]),
    ("date-abc", set_cell(3, "capacity_4_date", "abc"), ["row 3, capacity_4_date", "ISO date", "'abc'"]),
    ("date-after-horizon", set_cell(2, "phase_2_complete_date", "2100-01-01"),
     ["row 2, phase_2_complete_date", "to 2046-01-01", "'2100-01-01'"]),
    ("docked-before-start", set_cell(4, "bm_docked_date", "2026-12-31"), ["row 4, bm_docked_date", "from 2027-01-01"]),
    ("ready-year-1", set_cell(1, "lab_ready_date", "0001-01-01"), ["row 1, lab_ready_date", "from 1957-10-04"]),
    ("losses-abc", set_cell(1, "nem_losses", "abc"), ["row 1, nem_losses", "whole number", "'abc'"]),
    ("losses-negative", set_cell(1, "bm_losses", "-2"), ["row 1, bm_losses", "whole number"]),
    ("replication-empty", set_cell(2, "replication", ""), ["row 2, replication", "whole number"]),
    ("no-column", drop_column("phase_2_complete_date"), ["no column 'phase_2_complete_date'"]),
    ("missing-row", drop_last_row, ["4 rows", "says 5"]),
]
CAPACITY = [
    ("abc", set_cell(4, "capacity_p50", "abc"), ["row 4, capacity_p50", "finite number", "'abc'"]),
    ("inf", set_cell(2, "crew_aboard_p90", "inf"), ["row 2, crew_aboard_p90", "finite number", "'inf'"]),
    ("nan", set_cell(2, "capacity_p10", "nan"), ["row 2, capacity_p10", "finite number"]),
    ("empty-cell", set_cell(2, "crew_aboard_p10", ""), ["row 2, crew_aboard_p10", "finite number"]),
    ("mean-abc", set_cell(5, "capacity_mean", "abc"), ["row 5, capacity_mean", "finite number"]),
    ("negative-crew", set_cell(6, "crew_aboard_p50", "-2"), ["row 6, crew_aboard_p50", ">= 0", "'-2'"]),
    ("date-abc", set_cell(3, "date", "2027-13-01"), ["row 3, date", "ISO date"]),
    ("header-only", header_only, ["at least 1 data row", "got 0"]),
    ("no-column", drop_column("crew_aboard_p50"), ["no column 'crew_aboard_p50'"]),
    ("duplicate-column", rename_column("capacity_mean", "capacity_p50"), ["'capacity_p50' appears twice"]),
]
OCCUPANCY = [
    ("abc", set_cell(3, "p_at_least_2", "abc"), ["row 3, p_at_least_2", "share in [0, 1]", "'abc'"]),
    ("1.5", set_cell(2, "p_at_least_1_high", "1.5"), ["row 2, p_at_least_1_high", "share in [0, 1]", "'1.5'"]),
    ("inf", set_cell(2, "p_at_least_4", "inf"), ["row 2, p_at_least_4", "'inf'"]),
    ("low-above", set_cell(5, "p_at_least_1_low", "1"), ["row 5", "p_at_least_1_low <= p_at_least_1"]),
    ("no-column", drop_column("p_at_least_3_high"), ["no column 'p_at_least_3_high'"]),
    ("level-gap", rename_column("p_at_least_3,", "p_at_least_9,"), ["p_at_least_<k>", "1, 2, 3, 4, 9"]),
    ("date-after-horizon", set_cell(3, "date", "2100-01-01"), ["row 3, date", "ascending dates"]),
    ("day-negative", set_cell(2, "day", "-7"), ["row 2, day", ">= 0", "'-7'"]),
    ("header-only", header_only, ["at least 1 data row", "got 0"]),
]
OCCUPANCY_BY_YEAR = [
    ("share-abc", set_cell(3, "share_mean", "abc"), ["row 3, share_mean", "share in [0, 1]", "'abc'"]),
    ("share-2", set_cell(3, "share_p90", "2"), ["row 3, share_p90", "share in [0, 1]", "'2'"]),
    ("year-abc", set_cell(1, "year", "20x7"), ["row 1, year", "a year", "'20x7'"]),
    ("level-0", set_cell(1, "level", "0"), ["row 1, level", "crew level", "'0'"]),
    ("missing-row", drop_last_row, ["a row per year", "crew level 1..4"]),
    ("no-column", drop_column("person_days_mean"), ["no column 'person_days_mean'"]),
    ("pd-negative", set_cell(2, "person_days_mean", "-1"), ["row 2, person_days_mean", ">= 0", "'-1'"]),
    ("header-only", header_only, ["at least 1 data row", "got 0"]),
]
PERSON_DAYS = [
    ("missing-row", drop_last_row, ["expected 5 rows", "got 4"]),
    ("header-only", header_only, ["expected 5 rows", "got 0"]),
    ("extra-column", lambda p: p.write_text("\n".join(line + (",x" if i == 0 else ",1") for i, line in
                                                      enumerate(p.read_text().splitlines())) + "\n"),
     ["person_days_<year>", "'x'"]),
    ("year-gap", rename_column("person_days_2030", "person_days_2130"), ["consecutive years"]),
    ("no-year", lambda p: p.write_text("\n".join(line.split(",")[0] for line in p.read_text().splitlines()) + "\n"),
     ["person_days_<year>", "none"]),
    ("negative", set_cell(2, "person_days_2031", "-3.5"), ["row 2, person_days_2031", ">= 0", "'-3.5'"]),
    ("abc", set_cell(1, "person_days_2035", "abc"), ["row 1, person_days_2035", "'abc'"]),
    ("no-replication-column", drop_column("replication"), ["no column 'replication'"]),
]
COVERAGE_SUMMARY = [
    ("no-regions", edit_json(pop("regions")), ["regions", "missing"]),
    ("no-span-days", edit_json(pop("span", "days")), ["span.days", "missing"]),
    ("span-days-zero", edit_json(put(0, "span", "days")), ["span.days", "> 0", "got 0"]),
    ("instruments-list", edit_json(put(["radar"], "instruments")), ["instruments", "expected an object"]),
    ("percent-150", edit_json(put(150, "regions", "russia", "radar", "percent_area_observed")),
     ["regions.russia.radar.percent_area_observed", "[0, 100]", "150"]),
    ("revisit-text", edit_json(put("soon", "regions", "arctic", "radar", "revisit_mean_h")),
     ["regions.arctic.radar.revisit_mean_h", "'soon'"]),
    ("curve-short", edit_json(lambda d: d["regions"]["nsr"]["radar"]["curve"]["hours"].pop()),
     ["regions.nsr.radar.curve", "as many hours as percent"]),
    ("curve-abc", edit_json(put("abc", "regions", "russia", "radar", "curve", "percent", 3)),
     ["regions.russia.radar.curve.percent[3]", "'abc'"]),
    ("unknown-instrument", edit_json(lambda d: d["regions"]["russia"].update(
        lidar=d["regions"]["russia"]["radar"])), ["regions.russia.lidar", "not in 'instruments'"]),
    ("scenario-null", edit_json(put(None, "scenario")), ["scenario", "non-empty name", "None"]),
]
CELLS = [
    ("lat-abc", set_cell(3, "lat_deg", "abc"), ["row 3, lat_deg", "latitude", "'abc'"]),
    ("lat-95", set_cell(3, "lat_deg", "95"), ["row 3, lat_deg", "latitude in [-90, 90]", "'95'"]),
    ("accesses-2.5", set_cell(2, "accesses", "2.5"), ["row 2, accesses", "whole number", "'2.5'"]),
    ("revisit-inf", set_cell(2, "revisit_mean_h", "inf"), ["row 2, revisit_mean_h", "finite number"]),
    ("no-column", drop_column("area_km2"), ["no column 'area_km2'"]),
]
TRACK = [
    ("time-abc", set_cell(2, "time_utc", "abc"), ["row 2, time_utc", "ISO date and time", "'abc'"]),
    ("lat-abc", set_cell(2, "lat_deg", "abc"), ["row 2, lat_deg", "'abc'"]),
]
COMPARISON = [
    ("no-deadline", edit_json(pop("deadline")), ["deadline", "missing"]),
    ("deadline-abc", edit_json(put("abc", "deadline")), ["deadline", "ISO date", "'abc'"]),
    ("no-scenarios", edit_json(pop("scenarios")), ["scenarios", "missing"]),
    ("one-scenario", edit_json(lambda d: d["scenarios"].pop()), ["scenarios", "at least 2"]),
    ("folder-outside", edit_json(put("../../etc", "scenarios", 1, "folder")),
     ["scenarios[1].folder", "folder name inside the comparison folder", "'../../etc'"]),
    ("folder-dotdot", edit_json(put("..", "scenarios", 0, "folder")), ["scenarios[0].folder"]),
    ("folder-absent", edit_json(put("nowhere", "scenarios", 1, "folder")), ["@nowhere", "no such run folder"]),
    ("label-number", edit_json(put(3, "scenarios", 0, "label")), ["scenarios[0].label", "got 3"]),
    ("instrument-number", edit_json(put(5, "coverage_instrument")), ["coverage_instrument", "got 5"]),
]
SCENARIO_TOML = [
    ("not-toml", lambda p: p.write_text(p.read_text() + "\n[modules\n"), ["not valid TOML"]),
    ("toml-3000-deep", lambda p: p.write_text("x = " + "[" * 3000 + "]" * 3000 + "\n" + p.read_text()),
     ["not valid TOML"]),
    ("not-utf8", write(b"title = '\xff'"), ["not UTF-8"]),
    ("removed", removed, ["no such file"]),
    ("a-folder", a_folder, ["got a folder"]),
]
PNG = [("not-png", write("<html>not a picture</html>"), ["not a PNG image"])]


def cases():
    """(id, which original folder, file inside it, damage, needles besides the file's name; a first
    needle "@other.csv": the damage shows against that file of the folder, which is named instead)."""
    table = [
        ("run", "summary.json", ANY_FILE[:3] + ANY_JSON + SUMMARY),
        ("run", "replications.csv", ANY_FILE + ANY_CSV + REPLICATIONS),
        ("run", "capacity.csv", ANY_FILE + ANY_CSV + CAPACITY),
        ("run", "person_days_by_year.csv", ANY_FILE[:3] + ANY_CSV + PERSON_DAYS),
        ("run", "occupancy.csv", ANY_FILE + ANY_CSV + OCCUPANCY),
        ("run", "occupancy_by_year.csv", ANY_FILE + ANY_CSV + OCCUPANCY_BY_YEAR),
        ("run", "scenario.toml", SCENARIO_TOML),
        ("coverage", "coverage_summary.json", ANY_FILE[:3] + ANY_JSON + COVERAGE_SUMMARY),
        ("coverage", "map_radar.png", PNG + ANY_FILE[2:3]),
        ("comparison", "comparison.json", ANY_FILE[:3] + ANY_JSON + COMPARISON),
        ("comparison", f"{A}/summary.json", SUMMARY[:4]),
        ("comparison", f"{B}/capacity.csv", CAPACITY[:2]),
        ("comparison", f"{A}/occupancy.csv", OCCUPANCY[:2]),
        ("comparison", f"{B}/occupancy_by_year.csv", OCCUPANCY_BY_YEAR[:2]),
        ("comparison", f"{A}/coverage/coverage_summary.json", COVERAGE_SUMMARY[:3]),
        ("comparison", f"{B}/coverage/coverage_cells.csv", ANY_FILE + ANY_CSV + CELLS),
        ("comparison", f"{A}/coverage/ground_track.csv", ANY_FILE + TRACK + ANY_CSV[1:]),
    ]
    out = []
    for kind, name, damages in table:
        for case_id, damage, needles in damages:
            if "removed" == case_id and name.endswith("summary.json"):
                continue  # a folder without its summary is another kind of folder (see below)
            out.append(pytest.param(kind, name, damage, needles, id=f"{name}-{case_id}"))
    return out


NEEDLES_FOR_EMPTY = {".json": "not valid JSON", ".csv": "empty file", ".png": "not a PNG image"}


@pytest.mark.parametrize("kind, name, damage, needles", cases())
def test_damaged_file_is_one_line_naming_it(originals, kind, name, damage, needles, tmp_path, capsys):
    folder = tmp_path / kind
    shutil.copytree(originals[kind], folder)
    path = folder / name
    damage(path)
    if damage is ANY_FILE[0][1]:  # emptied: what is wrong depends on the kind of file
        needles = [NEEDLES_FOR_EMPTY[path.suffix]]
    if needles and needles[0].startswith("@"):  # a damage seen against another file: that one is named
        path, needles = path.parent / needles[0][1:], needles[1:]
    one_line_error(capsys, ["report", folder], str(path), *needles)


@pytest.mark.parametrize("kind", ["run", "coverage", "comparison"])
def test_undamaged_copies_still_report(originals, kind, tmp_path, capsys):
    """The control: the same copies, undamaged, give a report (exit 0)."""
    folder = tmp_path / kind
    shutil.copytree(originals[kind], folder)
    assert cli.main(["report", str(folder)]) == 0, capsys.readouterr().err
    assert (folder / "report.html").stat().st_size > 10_000


def test_person_days_rebuilt_from_events_are_checked_too(originals, tmp_path, capsys):
    """An older run folder (no person_days_by_year.csv) reads events.csv instead: checked the same."""
    folder = tmp_path / "run"
    shutil.copytree(originals["run"], folder)
    (folder / "person_days_by_year.csv").unlink()
    assert cli.main(["report", str(folder)]) == 0, capsys.readouterr().err
    set_cell(7, "day", "abc")(folder / "events.csv")
    one_line_error(capsys, ["report", folder], str(folder / "events.csv"), "row 7, day", "'abc'")


def test_missing_summary_or_folder(originals, tmp_path, capsys):
    one_line_error(capsys, ["report", "/nonexistent"], "/nonexistent", "no such folder")
    one_line_error(capsys, ["report", tmp_path / "nope"], "nope", "no such folder")
    folder = tmp_path / "run"
    shutil.copytree(originals["run"], folder)
    (folder / "summary.json").unlink()
    one_line_error(capsys, ["report", folder], str(folder), "not a rossim run folder")


def test_compare_refuses_a_damaged_run_folder_before_running(originals, tmp_path, capsys):
    folder = tmp_path / "run"
    shutil.copytree(originals["run"], folder)
    set_cell(4, "capacity_p50", "abc")(folder / "capacity.csv")
    one_line_error(capsys, ["compare", folder, HIGH, "--out", tmp_path / "o"],
                   str(folder / "capacity.csv"), "row 4, capacity_p50", "'abc'")
    assert not (tmp_path / "o").exists()


def test_compare_copies_only_regular_files_of_a_reused_folder(originals, tmp_path, capsys):
    """A reused run folder holding a link (it could point at /dev/zero) and a named pipe: the copy
    in the comparison leaves both out instead of reading them."""
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(originals["comparison"] / A, a)
    shutil.copytree(originals["comparison"] / B, b)
    (tmp_path / "outside.txt").write_text("not rossim's")
    (a / "link.txt").symlink_to(tmp_path / "outside.txt")
    os.mkfifo(a / "pipe")
    assert cli.main(["compare", str(a), str(b), "--out", str(tmp_path / "o")]) == 0, capsys.readouterr().err
    copied = tmp_path / "o" / A
    assert (copied / "summary.json").is_file()
    assert not (copied / "link.txt").exists() and not (copied / "pipe").exists()


def test_blank_lines_are_not_damage(originals, tmp_path, capsys):
    """An editor's extra newlines at the end of a CSV change nothing that is read."""
    folder = tmp_path / "run"
    shutil.copytree(originals["run"], folder)
    for name in ("capacity.csv", "replications.csv", "person_days_by_year.csv"):
        with open(folder / name, "a") as f:
            f.write("\n\n")
    assert cli.main(["report", str(folder)]) == 0, capsys.readouterr().err
