"""--seed takes what simulation.seed takes (0 to 2**128 - 1) on every command that has it: one
line and exit 2 beyond, as for the scenario field."""

import pytest

from conftest import one_line_error

HL = "scenarios/ross_high_latitude.toml"


@pytest.mark.parametrize("command", [["run", HL], ["compare", HL, "scenarios/ros_iss_orbit.toml"],
                                     ["drivers", HL, "--outcome", "phase_2_complete.p50"],
                                     ["sweep", HL, "--vary", "modules.nem.slip_days.scale=100:200"]])
def test_a_seed_of_2_to_the_128_is_refused_like_the_scenario_field(capsys, tmp_path, command):
    line = one_line_error(capsys, [*command, "--seed", str(2 ** 128), "--out", tmp_path / "x"],
                          "--seed", "2**128 - 1")
    assert "39 digits" in line
    assert not (tmp_path / "x").exists()


def test_the_largest_seed_is_taken(capsys, tmp_path):
    from rossim import cli

    assert cli.main(["run", HL, "-n", "2", "--workers", "1", "--seed", str(2 ** 128 - 1), "--no-report",
                     "--events", "none", "--out", str(tmp_path / "r")]) == 0
