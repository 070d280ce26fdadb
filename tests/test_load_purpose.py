"""One loader for every command: every --set applied, then one validation, for a purpose.

``rossim validate --for coverage`` and ``rossim coverage`` load a scenario the same way
(:func:`rossim.scenario.load` with ``purpose="coverage"``): an orbit what-if that the plan's launch
sites cannot reach is a valid coverage scenario, and refused for a campaign (run, compare,
validate) with a hint. Everything else is checked for both."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from rossim import cli, coverage_run, scenario
from rossim.errors import InputError

HL = Path(__file__).parent.parent / "scenarios" / "ross_high_latitude.toml"
WHAT_IF = ["orbit.inclination_deg=51.6"]


def _unreachable(inclination_deg: float) -> list[str]:
    """The launches of HL whose site cannot reach ``inclination_deg``, from the file itself."""
    raw = tomllib.loads(HL.read_text())
    sites = raw["launch_sites"]

    def reaches(site: str) -> bool:
        return any(lo <= inclination_deg <= hi for lo, hi in sites[site]["inclination_ranges_deg"])

    out = [f"modules.{mid}.launch_site" for mid, m in raw["modules"].items()
           if not m.get("present_at_start") and not reaches(m["launch_site"])]
    for kind in ("crew_ships", "cargo_ships"):
        out += [f"{kind}.{sid}.launch_site" for sid, s in raw.get(kind, {}).items() if not reaches(s["launch_site"])]
    return out


def test_orbit_what_if_valid_for_coverage_refused_for_a_campaign(capsys):
    want = _unreachable(51.6)
    assert len(want) >= 3
    problems = scenario.all_problems(HL, WHAT_IF)
    assert [p.field for p in problems] == want
    assert scenario.all_problems(HL, WHAT_IF, "coverage") == []
    with pytest.raises(InputError, match="a coverage run .* accepts it") as exc:
        scenario.load(HL, WHAT_IF)
    assert exc.value.field == want[0] and f"and {len(want) - 1} more problems" in str(exc.value)
    assert cli.main(["validate", str(HL), "--set", *WHAT_IF]) == 2
    assert cli.main(["validate", str(HL), "--set", *WHAT_IF, "--for", "coverage"]) == 0
    assert "orbit 51.60 deg" in capsys.readouterr().out


def test_coverage_loads_what_validate_for_coverage_loads():
    a = coverage_run.load_scenario(HL, WHAT_IF + ["coverage.days=2"])
    b = scenario.load(HL, ["coverage.days=2"] + WHAT_IF, purpose="coverage")  # order does not matter
    assert a.model_dump() == b.model_dump()
    assert a.orbit.resolved_inclination_deg() == 51.6 and a.coverage.days == 2


def test_payload_to_the_orbit_is_a_campaign_check_only():
    heavy = ["modules.nem.mass_kg=90000"]
    with pytest.raises(InputError) as exc:
        scenario.load(HL, heavy)
    assert exc.value.field == "modules.nem.mass_kg" and "lifts to" in str(exc.value)
    assert scenario.load(HL, heavy, purpose="coverage").modules["nem"].mass_kg == 90000


@pytest.mark.parametrize("overrides", [
    ["orbit.altitude_km=100000"],                                   # no sun-synchronous solution
    ["orbit.inclination_deg=51.6", "orbit.sun_synchronous=true"],   # contradictory, either order
    ["orbit.altitude_km=\"372\""],                                   # a string is not a number
    ["modules.nem.launch_vehicle=\"no_such_rocket\""],               # names are checked for both
    ["launch_vehicles.angara_a5m.success_probability=2"],
    ["coverage.days=-1"],
])
def test_validate_for_coverage_and_coverage_refuse_alike(overrides, capsys):
    """Whatever coverage refuses, validate --for coverage refuses with the same line, and so
    does a campaign (these are not launch-reach problems)."""
    with pytest.raises(InputError) as cov:
        coverage_run.load_scenario(HL, overrides)
    sets = [a for o in overrides for a in ("--set", o)]
    assert cli.main(["validate", str(HL), *sets, "--for", "coverage"]) == 2
    assert capsys.readouterr().err.strip() == f"rossim: error: {cov.value}"
    with pytest.raises(InputError) as campaign:
        scenario.load(HL, overrides)
    assert campaign.value.field == cov.value.field
