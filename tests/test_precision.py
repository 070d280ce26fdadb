"""rossim run --precision-days: rounds of replications until the medians are known to +-D days.
On the planted scenario phase 1 completes ~12 days after a slip uniform on 0-2000 days, so its
median's 95 % interval is about +-1.96 * 2000 * sqrt(0.25 / n) = 1960 / sqrt(n) days wide on each
side: +-100 days needs about 384 replications."""

import json

import numpy as np
import pytest

from rossim import ensemble, precision
from rossim.cli import main
from rossim.errors import InputError
from test_drivers import PLANTED, planted

WATCH = ["phase_1_complete"]


def test_stops_when_the_median_is_that_precise_and_not_before():
    sc = planted(["simulation.replications=1000"])
    r = precision.run_until(sc, 100.0, WATCH, workers=1)
    assert r.reached and not r.capped and r.half_widths["phase_1_complete"] <= 100.0
    assert 250 <= r.ensemble.n <= 1000  # ~384 expected (module docstring)
    # the round before did not have it
    before = ensemble.run(sc, n=r.rounds[-2], workers=1)
    assert precision.half_width_days(before.milestone_days("phase_1_complete"))[1] > 100.0
    # and the result is `rossim run -n N` for the count it stopped at, replication by replication
    plain = ensemble.run(sc, n=r.ensemble.n, workers=2)
    np.testing.assert_array_equal(r.ensemble.milestone_days("phase_1_complete"), plain.milestone_days("phase_1_complete"))
    assert [x.events for x in r.ensemble.replications] == [x.events for x in plain.replications]


def test_the_same_whatever_the_workers():
    sc = planted(["simulation.replications=1000"])
    a = precision.run_until(sc, 150.0, WATCH, workers=1)
    b = precision.run_until(sc, 150.0, WATCH, workers=2)
    assert a.rounds == b.rounds and a.half_widths == b.half_widths


def test_the_cap_stops_it_and_says_so():
    r = precision.run_until(planted(["simulation.replications=1000"]), 10.0, WATCH, max_replications=300, workers=1)
    assert r.capped and not r.reached and r.ensemble.n == 300 and r.rounds[-1] == 300


def test_a_median_after_the_horizon_is_not_watched_unless_asked():
    # phase 1 by 2031-01-01: ~15 % of the replications reach it, the median is after the horizon
    sc = planted(["simulation.replications=1000", "simulation.horizon=2031-01-01"])
    r = precision.run_until(sc, 30.0, workers=1)
    assert "phase_1_complete" not in r.half_widths
    asked = precision.run_until(sc, 30.0, WATCH, max_replications=400, workers=1)
    assert asked.half_widths["phase_1_complete"] == np.inf and not asked.capped
    # ~15 % reach it: its median is past the horizon beyond doubt after the first round; no count bounds it
    assert asked.beyond_horizon == ("phase_1_complete",) and asked.rounds == (200,) and not asked.reached


@pytest.mark.parametrize("days", [0.0, -3.0, float("nan"), float("inf")])
def test_bad_precision_refused(days):
    with pytest.raises(InputError, match="positive number of days"):
        precision.run_until(planted(), days)


def test_cli(tmp_path, capsys):
    path = tmp_path / "planted.toml"
    path.write_text(PLANTED.replace("replications = 20", "replications = 1000"))
    out = tmp_path / "out"
    assert main(["run", str(path), "--precision-days", "150", "--precision-of", "phase_1_complete",
                 "--out", str(out), "--no-report", "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "precision +-150 days reached after" in printed
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["precision"]["reached"] and manifest["replications"] == manifest["precision"]["replications"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == manifest["replications"]
    for argv, message in ((["--precision-days", "9", "-n", "10"], "either -n or --precision-days"),
                          (["--precision-days", "9", "--precision-of", "nope"], "unknown milestone 'nope'"),
                          (["--precision-of", "phase_1_complete"], "needs --precision-days")):
        code = main(["run", str(path), "--out", str(tmp_path / "x"), *argv])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and message in err[0], err
        assert not (tmp_path / "x").exists()


def test_nothing_within_the_horizon_is_not_called_precise(capsys, tmp_path):
    # the horizon before phase 1 can complete: no median to refine, and it says so
    sc = planted(["simulation.replications=1000", "simulation.horizon=2030-01-05"])
    r = precision.run_until(sc, 30.0, workers=1)
    assert r.half_widths == {} and not r.reached and r.ensemble.n == precision.FIRST_ROUND
    path = tmp_path / "planted.toml"
    path.write_text(PLANTED.replace("replications = 20", "replications = 1000").replace(
        "horizon = 2040-01-01", "horizon = 2030-01-05"))
    assert main(["run", str(path), "--precision-days", "30", "--out", str(tmp_path / "o"), "--no-report",
                 "--workers", "1"]) == 0
    assert "nothing was made precise" in " ".join(capsys.readouterr().out.split())


def test_a_precision_run_writes_the_files_of_run_n(tmp_path, capsys):
    """Rounds stream their event log and keep only columns; the folder is `rossim run -n N`'s."""
    path = tmp_path / "planted.toml"
    path.write_text(PLANTED.replace("replications = 20", "replications = 1000"))
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", str(path), "--precision-days", "40", "--precision-of", "phase_1_complete",
                 "--out", str(a), "--no-report", "--workers", "2"]) == 0
    n = json.loads((a / "manifest.json").read_text())["replications"]
    assert len(json.loads((a / "manifest.json").read_text())["precision"]["rounds"]) > 1  # several rounds
    assert main(["run", str(path), "-n", str(n), "--out", str(b), "--no-report", "--workers", "1"]) == 0
    names = sorted(p.name for p in a.iterdir() if p.name != "manifest.json")
    assert "events.parquet" in names and names == sorted(p.name for p in b.iterdir() if p.name != "manifest.json")
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
