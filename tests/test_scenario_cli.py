"""Bad input: one line on stderr naming the file, the field and what was expected; exit code 2."""

import re
from pathlib import Path

import pytest

from conftest import one_line_error
from rossim import cli, scenario
from rossim.errors import InputError

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny.toml"
SCENARIOS = sorted(Path("scenarios").glob("*.toml"))


def edit(tmp_path, old, new, name="bad.toml", source=TINY):
    text = source.read_text()
    assert old in text, old
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path




@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenarios_validate(path, capsys):
    assert cli.main(["validate", str(path)]) == 0
    assert "OK" in capsys.readouterr().out


BAD_CASES = [
    # (old text, new text, expected fragments of the message)
    ("mass_kg = 20000.0\nlaunch_vehicle = \"heavy\"\nlaunch_site = \"pad\"\nready = 2030-01-10",
     "mass_kg = -5.0\nlaunch_vehicle = \"heavy\"\nlaunch_site = \"pad\"\nready = 2030-01-10",
     ["modules.a.mass_kg", "greater than 0", "-5"]),
    ("mass_kg = 20000.0\nlaunch_vehicle = \"heavy\"\nlaunch_site = \"pad\"\nready = 2030-01-10",
     "mas_kg = 20000.0\nlaunch_vehicle = \"heavy\"\nlaunch_site = \"pad\"\nready = 2030-01-10",
     ["modules.a.mas_kg", "unknown key", "did you mean 'mass_kg'"]),
    ("docked_life_days = 200.0", "docked_life_days = 0.0",
     ["crew_ships.capsule.docked_life_days", "greater than or equal to 1", "got 0.0"]),
    ("seats = 3", 'seats = "three"', ["crew_ships.capsule.seats", "integer"]),
    ("launch_vehicle = \"heavy\"\nlaunch_site = \"pad\"\nready = 2030-01-01",
     "launch_vehicle = \"angara\"\nlaunch_site = \"pad\"\nready = 2030-01-01",
     ["modules.b.launch_vehicle", "no launch vehicle named 'angara'"]),
    ('docks_to = "a.x"', 'docks_to = "a.q"', ["modules.b.docks_to", "no port 'q'"]),
    ('docks_to = "a.x"', 'docks_to = "c.x"', ["modules.b.docks_to", "no module named 'c'"]),
    ("horizon = 2031-01-01", "horizon = 2029-01-01", ["simulation", "horizon", "after start"]),
    ("inclination_deg = 51.6", "inclination_deg = 97.0", ["launch_site", "cannot reach", "97.00"]),
    ("payload_kg_at_inclination_deg = [[51.6, 30000.0]]", "payload_kg_at_inclination_deg = [[51.6, 15000.0]]",
     ["modules.a.mass_kg", "more than 'Heavy' lifts", "15000"]),
    ("altitude_km = 400", "altitude_km = 120", ["orbit.altitude_km", "150"]),
    ("success_probability = 1.0\nmin_days", "success_probability = 1.5\nmin_days",
     ["launch_vehicles.heavy.success_probability", "probabilit"]),
    ("rendezvous_days = 2.0\ncommissioning_days = 5.0",
     "rendezvous_days = { dist = \"triangle\", low = 1.0 }\ncommissioning_days = 5.0",
     ["modules.a.rendezvous_days", "triangular"]),
]


@pytest.mark.parametrize("old,new,needles", BAD_CASES, ids=lambda v: str(v)[:30] if isinstance(v, str) else "")
def test_bad_scenarios(tmp_path, capsys, old, new, needles):
    path = edit(tmp_path, old, new)
    one_line_error(capsys, ["validate", str(path)], str(path), *needles)
    one_line_error(capsys, ["run", str(path), "-n", "2", "--out", str(tmp_path / "out")], str(path))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("override,needle", [
    ("crew.increment_days=0.0", "duration >= 1 day"),
    ("crew.visit_days=-1.0", "duration >= 1 day"),
    ("modules.a.rendezvous_days=-2.0", "duration >= 0"),
    ('modules.a.commissioning_days={ dist = "normal", mean = 5.0, sd = 2.0 }', "'low' bound"),
    ('modules.b.slip_days={ dist = "uniform", low = -10.0, high = 5.0 }', "duration >= 0"),
])
def test_durations_must_not_be_negative(capsys, override, needle):
    field = override.split("=", 1)[0]
    one_line_error(capsys, ["validate", str(TINY), "--set", override], field, needle)


def test_toml_syntax_error_names_the_line(tmp_path, capsys):
    path = edit(tmp_path, "seats = 3", "seats == 3")
    line = one_line_error(capsys, ["validate", str(path)], str(path), "TOML syntax error")
    n = TINY.read_text().splitlines().index("seats = 3") + 1
    assert f"line {n}" in line


def test_two_modules_on_one_port(tmp_path, capsys):
    text = TINY.read_text() + '''
[modules.c]
name = "C"
phase = 2
mass_kg = 1000.0
launch_vehicle = "heavy"
launch_site = "pad"
ready = 2030-01-01
docks_to = "a.x"
'''
    path = tmp_path / "two.toml"
    path.write_text(text)
    one_line_error(capsys, ["validate", str(path)], "modules.c.docks_to", "already taken by module 'b'")


def test_docking_cycle(tmp_path, capsys):
    path = edit(tmp_path, 'ports = ["x", "y"]', 'ports = ["x", "y"]\ndocks_to = "b.z"')
    one_line_error(capsys, ["validate", str(path)], "docks_to", "cycle")


def test_module_present_at_start_needs_no_launch(tmp_path):
    path = edit(tmp_path, 'name = "Core A"', 'name = "Core A"\npresent_at_start = true')
    assert scenario.load(path).modules["a"].present_at_start


def test_missing_file_and_unknown_option(tmp_path, capsys):
    one_line_error(capsys, ["validate", str(tmp_path / "nope.toml")], "nope.toml", "no such scenario file")
    one_line_error(capsys, ["run", str(TINY), "-n", "0"], "positive integer")
    one_line_error(capsys, ["run", str(TINY), "--frobnicate"], "unrecognized arguments")


def test_set_overrides_are_validated_like_the_file(capsys):
    sc = scenario.load(TINY, ["orbit.inclination_deg=51.65", "launch_vehicles.heavy.success_probability=0.8"])
    assert sc.orbit.inclination_deg == 51.65
    assert sc.launch_vehicles["heavy"].success_probability.value == 0.8
    one_line_error(capsys, ["validate", str(TINY), "--set", "modules.a.mass_kg=-1"], "modules.a.mass_kg")
    one_line_error(capsys, ["validate", str(TINY), "--set", "modules.zz.mass_kg=1"], "modules.zz", "no such field")
    one_line_error(capsys, ["validate", str(TINY), "--set", "orbit.altitudekm=400"], "orbit.altitudekm",
                "did you mean 'altitude_km'")
    one_line_error(capsys, ["validate", str(TINY), "--set", "nonsense"], "PATH=VALUE")


def test_set_inclination_overrides_sun_synchronous():
    sc = scenario.load("scenarios/ross_high_latitude.toml",
                       ["orbit.inclination_deg=97.5", "orbit.altitude_km=400"])
    assert sc.orbit.inclination_deg == 97.5 and not sc.orbit.sun_synchronous


def test_extends_merges_over_the_base():
    base = scenario.load("scenarios/ross_high_latitude.toml")
    variant = scenario.load("scenarios/ross_angara_trouble.toml")
    assert variant.name == "ross_angara_trouble"
    assert variant.launch_vehicles["angara_a5m"].min_days_between_flights == 730.0
    assert variant.launch_vehicles["angara_a5m"].payload_kg_at_inclination_deg == \
        base.launch_vehicles["angara_a5m"].payload_kg_at_inclination_deg
    assert variant.modules == base.modules


def test_existing_output_is_not_lost_on_failure(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["run", str(TINY), "-n", "2", "--workers", "1", "--no-report", "--out", str(out)]) == 0
    earlier = (out / "summary.json").read_text()
    bad = edit(tmp_path, "seats = 3", "seats = 0")
    one_line_error(capsys, ["run", str(bad), "-n", "2", "--out", str(out), "--overwrite"], "seats")
    assert (out / "summary.json").read_text() == earlier
    assert cli.main(["run", str(TINY), "-n", "3", "--workers", "1", "--no-report", "--out", str(out),
                     "--overwrite"]) == 0
    assert (out / "summary.json").read_text() != earlier
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_input_error_format():
    e = InputError("must be > 0", source="f.toml", field="modules.a.mass_kg")
    assert str(e) == "f.toml: modules.a.mass_kg: must be > 0"
    assert re.match(r"^f\.toml: ", str(e))


def test_output_folder_that_cannot_be_made(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    one_line_error(capsys, ["run", TINY, "-n", "2", "--workers", "1", "--out", afile / "x"], "--out", "cannot be made")
    one_line_error(capsys, ["run", TINY, "-n", "2", "--workers", "1", "--out", afile], "--out", "not a folder")
    assert afile.read_text() == "not a folder"
