"""Issue 7 §2, "Done when": a fuzz test mutating the shipped scenarios' values and structure —
types, NaN/inf, negative, huge, deep nesting, dangling references, missing and unknown keys.

Whatever the mutation, `rossim validate` and `rossim run -n 3` either refuse it (exit 2, exactly one
line on stderr, no traceback) or succeed (exit 0) with finite outputs: strict JSON (no NaN or
Infinity) and no non-finite cell in any CSV. Hypothesis is derandomized so CI sees the same
examples on every run; the example counts keep the test under a minute.
"""

import copy
import csv
import datetime as dt
import json
import math
import tempfile
import tomllib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rossim import cli, scenario

SCENARIOS = sorted(Path(__file__).parent.parent.glob("scenarios/*.toml"))


def _raw(path: Path) -> dict:
    """A shipped scenario's tables with its extends base merged in (so it stands alone)."""
    raw = tomllib.loads(path.read_text())
    return scenario.resolve_extends(raw, path.parent, str(path))


BASES = {p.stem: _raw(p) for p in SCENARIOS}


# ------------------------------------------------------------------------------ a TOML writer


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return toml_string(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{toml_string(str(k))} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def toml_text(raw: dict) -> str:
    """One line per top-level key, tables written inline (valid TOML for any nesting)."""
    return "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in raw.items())


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped, the rest as is."""
    return '"' + "".join(f"\\u{ord(c):04x}" if c < " " or c in '"\\\x7f' else c for c in text) + '"'


def test_toml_writer_round_trips():
    for raw in BASES.values():
        assert tomllib.loads(toml_text(raw)) == raw
    odd = {"t": {'k "\\': ['a"b\\c\x7f\x00\U0001f600\n', math.inf, -1e300, dt.date(1957, 10, 4), nested(30)]}}
    assert tomllib.loads(toml_text(odd)) == odd


# ------------------------------------------------------------------------------ mutations


def leaf_paths(node, max_depth: int = 8):
    """Every path (tuple of keys/indices) in ``node`` at most ``max_depth`` deep, tables and arrays
    included (a deeply nested value inserted by an earlier mutation is not descended)."""
    out, stack = [], [((), node)]
    while stack:
        prefix, here = stack.pop()
        items = here.items() if isinstance(here, dict) else enumerate(here) if isinstance(here, list) else ()
        for key, child in items:
            out.append(prefix + (key,))
            if len(prefix) + 1 < max_depth:
                stack.append((prefix + (key,), child))
    return sorted(out, key=lambda p: [str(k) for k in p])


def nested(depth: int):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


NASTY = st.one_of(
    st.sampled_from([True, False, math.nan, math.inf, -math.inf, -1, 0, -1.0, 1e-9, -1e9, 1e300, 10**30,
                     "", "372", "a\nb", "nope", "x" * 5000, [], {}, [1, 2], {"dist": "weibull"},
                     {"dist": "lognormal", "median": 1.0, "sigma": 1000.0},
                     {"dist": "normal", "mean": 5.0, "sd": 1e6}, {"dist": "uniform", "low": 0, "high": math.inf},
                     dt.date(9999, 12, 31), dt.date(1900, 1, 1), dt.date(2030, 6, 1),
                     nested(20), nested(200)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
)


def plausible(value, factor: float, days: int):
    """A value changed the way a planner would: numbers scaled, dates moved."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return int(value * factor)
    if isinstance(value, float):
        return value * factor
    if isinstance(value, dt.datetime):
        return value + dt.timedelta(days=days)
    if isinstance(value, dt.date):
        return value + dt.timedelta(days=days)
    return value


@st.composite
def mutated(draw):
    name = draw(st.sampled_from(sorted(BASES)))
    raw = copy.deepcopy(BASES[name])
    for _ in range(draw(st.integers(1, 3))):
        paths = leaf_paths(raw)
        path = draw(st.sampled_from(paths))
        parent = raw
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        kind = draw(st.sampled_from(["plausible", "plausible", "plausible", "replace", "replace", "delete",
                                     "unknown", "dangling"]))
        if kind == "plausible":
            parent[key] = plausible(parent[key], draw(st.sampled_from([0.0, 0.5, 0.9, 1.5, 3.0, 100.0, -1.0])),
                                    draw(st.integers(-3000, 3000)))
        elif kind == "replace":
            parent[key] = draw(NASTY)
        elif kind == "delete":
            if isinstance(parent, dict):
                del parent[key]
            else:
                parent.pop(key)
        elif kind == "unknown" and isinstance(parent, dict):
            parent[key + "_typo" if isinstance(key, str) else "extra"] = 1.0
        elif kind == "dangling":
            parent[key] = "no_such_thing" if not isinstance(parent[key], str) or "." not in parent[key] \
                else "no_such_module.fwd"
    poisoned = draw(st.booleans())
    if poisoned:  # last, so that no later mutation removes it: a value no scenario may hold
        targets = [p for p in leaf_paths(raw) if _is_number_or_date(_at(raw, p))]
        path = draw(st.sampled_from(targets))
        parent = _at(raw, path[:-1])
        was = parent[path[-1]]
        parent[path[-1]] = draw(st.sampled_from(
            [dt.date(9999, 12, 31), dt.date(1, 1, 1), "2030-01-01"] if isinstance(was, dt.date)
            else [math.nan, math.inf, -math.inf, True, False, "372", 1e300, -1e300, 10**400]))
    return name, raw, poisoned


def _at(raw, path):
    for key in path:
        raw = raw[key]
    return raw


def _is_number_or_date(v) -> bool:
    return isinstance(v, (int, float, dt.date)) and not isinstance(v, bool)


# ------------------------------------------------------------------------------ the property


def values(node):
    """Every scalar in ``node`` (iteratively: nesting may be deep)."""
    stack = [node]
    while stack:
        here = stack.pop()
        if isinstance(here, dict):
            stack.extend(here.values())
        elif isinstance(here, list):
            stack.extend(here)
        else:
            yield here


def must_be_refused(raw: dict) -> bool:
    """What the issue says no scenario may hold, wherever it is: a number that is not finite, a
    date before 1957 or after 2200."""
    for v in values(raw):
        if isinstance(v, float) and not math.isfinite(v):
            return True
        if isinstance(v, dt.date) and not dt.date(1957, 10, 4) <= (v.date() if isinstance(v, dt.datetime) else v) \
                <= dt.date(2200, 12, 31):
            return True
    return False


def check_outcome(code: int, err: str, raw: dict, poisoned: bool = False) -> None:
    assert "Traceback" not in err, err
    assert code in (0, 2), (code, err)
    if code == 2:
        assert len(err.strip().splitlines()) == 1, err
        assert err.startswith("rossim: error: "), err
    elif poisoned or must_be_refused(raw):
        raise AssertionError("accepted a scenario holding a non-finite number, a boolean or a string for "
                             "a number, or a date out of range")


def _no_constant(name):
    raise AssertionError(f"non-finite number {name} in JSON output")


def check_finite_outputs(folder: Path) -> None:
    files = list(folder.iterdir())
    assert any(f.name == "summary.json" for f in files)
    for f in files:
        if f.suffix == ".json":
            json.loads(f.read_text(), parse_constant=_no_constant)
        elif f.suffix == ".csv":
            with f.open(newline="") as fh:
                for row in csv.reader(fh):
                    for cell in row:
                        assert cell.strip().lower() not in {"nan", "inf", "-inf", "infinity", "-infinity"}, \
                            (f.name, row)


FUZZ = dict(derandomize=True, deadline=None, database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                   HealthCheck.data_too_large])


def fuzz_cli(capsys, case, *args: str) -> None:
    """Write the mutated scenario to a temporary folder, run ``rossim ARGS[0] FILE ARGS[1:]`` in
    it (``{out}`` is the folder's ``out``), check the outcome; outputs checked."""
    name, raw, poisoned = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.toml"
        path.write_text(toml_text(raw))
        out = Path(tmp) / "out"
        code = cli.main([args[0], str(path), *(a.format(out=out) for a in args[1:])])
        check_outcome(code, capsys.readouterr().err, raw, poisoned)
        if code == 0 and args[0] == "run":
            check_finite_outputs(out)
        elif code == 2:
            assert not out.exists()


@settings(max_examples=300, **FUZZ)
@given(case=mutated())
def test_validate_refuses_in_one_line_or_accepts(capsys, case):
    fuzz_cli(capsys, case, "validate")


@settings(max_examples=100, **FUZZ)
@given(case=mutated())
def test_run_refuses_in_one_line_or_writes_finite_outputs(capsys, case):
    fuzz_cli(capsys, case, "run", "-n", "3", "--workers", "1", "--no-report", "--out", "{out}")
