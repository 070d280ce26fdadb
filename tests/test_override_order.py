"""--set overrides of different fields give the same scenario whatever their order (a hypothesis
property over permutations), including the fields that exclude each other (inclination or
sun-synchronous, RAAN or LTAN, elements or a TLE)."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from rossim import scenario
from rossim.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
HIGH = ROOT / "scenarios" / "ross_high_latitude.toml"
ISS = ROOT / "scenarios" / "ros_iss_orbit.toml"

#: Values for fields of the shipped scenarios, several per field (one is drawn).
CHOICES = {
    "orbit.inclination_deg": ["51.6", "97.2"],
    "orbit.sun_synchronous": ["false", "true"],
    "orbit.raan_deg": ["10.0"],
    "orbit.ltan_h": ["10.5"],
    "orbit.altitude_km": ["400.0"],
    "simulation.replications": ["5"],
    "launch_vehicles.angara_a5m.success_probability": ["0.8"],
}


def _raw(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return scenario.resolve_extends(scenario._parse(text, str(path)), path.parent, str(path), seen=(str(path),))


def _outcome(path: Path, overrides: list[str]) -> str:
    """The validated scenario's fields, or the one-line refusal."""
    try:
        return scenario.load(path, overrides).model_dump_json()
    except InputError as exc:
        return f"refused: {exc}"


@st.composite
def overrides_and_order(draw):
    fields = draw(st.lists(st.sampled_from(sorted(CHOICES)), min_size=1, max_size=len(CHOICES), unique=True))
    items = [f"{f}={draw(st.sampled_from(CHOICES[f]))}" for f in fields]
    return items, draw(st.permutations(items))


@settings(max_examples=60, deadline=None)
@given(overrides_and_order(), st.sampled_from([HIGH, ISS]))
def test_the_order_of_overrides_does_not_matter(pair, path):
    items, shuffled = pair
    raw = _raw(path)
    assert scenario.apply_overrides(raw, items, str(path)) == scenario.apply_overrides(raw, shuffled, str(path))
    assert _outcome(path, items) == _outcome(path, shuffled)


def test_inclination_and_not_sun_synchronous_either_way_round():
    one = ["orbit.inclination_deg=51.6", "orbit.sun_synchronous=false"]
    for order in (one, one[::-1]):
        orbit = scenario.apply_overrides(_raw(HIGH), order, str(HIGH))["orbit"]
        assert orbit["inclination_deg"] == 51.6 and orbit["sun_synchronous"] is False
    # one alone drops the other, as before
    assert "sun_synchronous" not in scenario.apply_overrides(_raw(HIGH), one[:1], str(HIGH))["orbit"]
    # a contradiction is refused whichever comes first
    both = ["orbit.inclination_deg=51.6", "orbit.sun_synchronous=true"]
    for order in (both, both[::-1]):
        assert "give exactly one of inclination_deg or sun_synchronous" in _outcome(HIGH, order)
