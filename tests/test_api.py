"""The library's public face (rossim.api through ``import rossim``): tables with real dates checked
against what the simulation logged (its float days, converted by Python's datetime) and against the
files ``rossim run`` / ``rossim coverage`` write; ``import rossim`` stays light."""

import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rossim
from rossim import cli, clock, results
from rossim.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
HIGH = ROOT / "scenarios" / "ross_high_latitude.toml"
N = 40


@pytest.fixture(scope="module")
def ens():
    return rossim.run(HIGH, n=N, seed=3, workers=1)


@pytest.fixture(scope="module")
def run_folder(ens, tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    results.write_campaign(folder, ens)
    return folder


def _csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_import_rossim_is_light():
    code = ("import sys, rossim; heavy = ('matplotlib', 'cartopy', 'simpy', 'pandas'); "
            "print(','.join(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    # and the API is there
    code = "import rossim; print(all(callable(getattr(rossim, n)) for n in rossim.__all__[1:]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_coverage_and_occupancy_are_modules_and_functions():
    import rossim.coverage as cov_module
    from rossim import occupancy

    assert cov_module is rossim.coverage and callable(cov_module)
    assert rossim.coverage.analyze.__module__ == "rossim.coverage"  # the module's functions still there
    assert occupancy is sys.modules["rossim.occupancy"] and callable(occupancy)
    assert occupancy.prob_at_least.__module__ == "rossim.occupancy"
    with pytest.raises(AttributeError):
        rossim.no_such_thing


def test_load_applies_overrides_and_refuses_bad_input():
    sc = rossim.load(HIGH, overrides=["simulation.replications=7"])
    assert sc.simulation.replications == 7
    assert rossim.load(HIGH, overrides="simulation.replications=9").simulation.replications == 9  # one string
    with pytest.raises(InputError, match="simulation.replications"):
        rossim.load(HIGH, overrides=["simulation.replications=-1"])


def test_run_takes_a_path_or_a_scenario_with_overrides():
    ens = rossim.run(HIGH, seed=1, workers=1, overrides=["simulation.replications=5"])
    assert ens.n == 5 and ens.seed == 1
    sc = rossim.load(HIGH)
    again = rossim.run(sc, seed=1, workers=1, overrides=["simulation.replications=5"])
    assert [r.events for r in again.replications] == [r.events for r in ens.replications]
    assert rossim.run(sc, n=3, seed=1, workers=1).n == 3


def test_events_are_the_logs_with_utc_times(ens, run_folder):
    table = rossim.events(ens)
    logged = [(r.index, *e) for r in ens.replications for e in r.events]
    assert len(table) == len(logged) == len(_csv(run_folder / "events.csv"))
    assert list(table.columns) == ["replication", "time", "day", "kind", "subject", "detail"]
    assert str(table["time"].dtype) == "datetime64[us, UTC]"
    assert table["replication"].tolist() == [e[0] for e in logged]
    assert table["day"].tolist() == [e[1] for e in logged]
    assert table["kind"].astype(str).tolist() == [e[2] for e in logged]
    assert table["subject"].astype(str).tolist() == [e[3] for e in logged]
    assert table["detail"].astype(str).tolist() == [e[4] for e in logged]
    for i in range(0, len(logged), max(1, len(logged) // 50)):  # Python's datetime, independently
        expected = clock.datetime_at(ens.start, logged[i][1])
        assert abs((table["time"].iloc[i].to_pydatetime() - expected).total_seconds()) <= 1.5e-6  # to the microsecond


def test_replications_match_the_csv_and_the_logs(ens, run_folder):
    table = rossim.replications(ens)
    rows = _csv(run_folder / "replications.csv")
    assert table.index.tolist() == [int(r["replication"]) for r in rows] == list(range(N))
    for m in ens.milestones:
        assert str(table[m].dtype) == "datetime64[us, UTC]"
        dates = table[m].dt.strftime("%Y-%m-%d").fillna("").tolist()
        assert dates == [r[f"{m}_date"] for r in rows], m
    for r, rep in zip(rows, ens.replications):
        assert int(r["launches"]) == table.loc[rep.index, "launches"] == rep.launches
        counts = [k for k in r if k.split(".")[0] in ("launch_failures", "scrubs", "docking_failures", "losses")]
        assert counts and all(int(r[k]) == table.loc[rep.index, k] for k in counts)
        for mid in ens.scenario.modules:
            got = table.loc[rep.index, f"{mid}_docked"]
            want = rep.module_docked.get(mid)
            if want is None or not np.isfinite(want):
                assert pd.isna(got)
            else:
                assert abs((got.to_pydatetime() - clock.datetime_at(ens.start, want)).total_seconds()) <= 1.5e-6  # to the microsecond
    # the milestone logged in the events is the date in the table
    ev = rossim.events(ens)
    first = ev[(ev.kind == "milestone") & (ev.subject == "first_crew")].groupby("replication")["time"].min()
    assert (first == table.loc[first.index, "first_crew"]).all()


def test_milestones_are_the_quantiles_of_the_replications(ens, run_folder):
    table = rossim.milestones(ens)
    reps = rossim.replications(ens)
    summary = json.loads((run_folder / "summary.json").read_text())["milestones"]
    assert table.index.tolist() == list(ens.milestones) == list(summary)
    for m in ens.milestones:
        dates = reps[m]
        # inverted empirical CDF, never reached sorted last: the ceil(q n)-th smallest
        ordered = sorted(dates, key=lambda t: (pd.isna(t), t if not pd.isna(t) else 0))
        for q in (10, 50, 90):
            want = ordered[int(np.ceil(q / 100 * N)) - 1]
            got = table.loc[m, f"p{q}"]
            assert (pd.isna(got) and pd.isna(want)) or got == want, (m, q)
            iso = summary[m][f"p{q}"]
            assert (got.date().isoformat() if not pd.isna(got) else None) == iso
            low, high = table.loc[m, f"p{q}_low"], table.loc[m, f"p{q}_high"]
            assert pd.isna(got) or (low <= got and (pd.isna(high) or got <= high))
        assert table.loc[m, "probability"] == pytest.approx(dates.notna().mean())
        deadline = pd.Timestamp(ens.scenario.simulation.deadline, tz="UTC") + pd.Timedelta(days=1)
        assert table.loc[m, "probability_by_deadline"] == pytest.approx((dates < deadline).mean())
        assert table.loc[m, "probability_low"] <= table.loc[m, "probability"] <= table.loc[m, "probability_high"]


def test_occupancy_counts_replications_with_k_aboard(ens, run_folder):
    table = rossim.occupancy(ens)
    rows = _csv(run_folder / "occupancy.csv")
    assert len(table) == len(rows)
    assert table.index.strftime("%Y-%m-%d").tolist() == [r["date"] for r in rows]
    grid = table["day"].to_numpy()
    aboard = np.array([r.crew_aboard[np.searchsorted(r.capacity_t, grid, side="right") - 1]
                       for r in ens.replications])
    for k in range(1, 5):
        np.testing.assert_allclose(table[f"p_at_least_{k}"], (aboard >= k).mean(axis=0), atol=1e-12)
        assert (table[f"p_at_least_{k}_low"] <= table[f"p_at_least_{k}"]).all()
    assert table.loc[table.index[-1], "p_at_least_1"] > 0  # somebody aboard by the horizon


def test_occupancy_figure_from_memory_is_the_reports(ens, run_folder):
    from matplotlib.figure import Figure

    from rossim import report

    mine = rossim.occupancy_input(ens, label="x")
    theirs = report._occupancy(report.read_run(run_folder))
    np.testing.assert_array_equal(mine.dates, theirs.dates)
    assert mine.levels == theirs.levels and mine.years == theirs.years
    np.testing.assert_allclose(mine.prob, theirs.prob, atol=1e-6)
    np.testing.assert_allclose(mine.year_mean, theirs.year_mean, atol=1e-6)
    assert mine.phase_dates == theirs.phase_dates
    fig = rossim.occupancy_figure([ens, ens], labels=["a", "b"])
    assert isinstance(fig, Figure)
    assert [ax.get_title(loc="left") for ax in fig.axes] == [f"{lb} — {N:,} replications" for lb in "ab"]


def test_tables_of_an_empty_ensemble_are_empty(ens):
    from rossim.ensemble import Ensemble

    empty = Ensemble(ens.scenario, 1, [])
    assert list(rossim.events(empty).columns) == ["replication", "time", "day", "kind", "subject", "detail"]
    assert len(rossim.events(empty)) == 0 and len(rossim.replications(empty)) == 0


def test_events_table_of_a_million_events_is_fast():
    """No Python loop per event: a million events in a few seconds on a shared core."""
    import time

    from rossim.ensemble import Ensemble

    base = rossim.run(HIGH, n=4, seed=1, workers=1)
    reps = base.replications * (1_000_000 // sum(len(r.events) for r in base.replications) + 1)
    big = Ensemble(base.scenario, 1, reps)
    t = time.perf_counter()
    table = rossim.events(big)
    elapsed = time.perf_counter() - t
    assert len(table) >= 1_000_000
    assert elapsed < 6.0, elapsed


def test_coverage_in_memory_is_what_rossim_coverage_writes(tmp_path, capsys):
    args = dict(days=0.25, resolution_km=400.0, instrument="radar")
    got = rossim.coverage(HIGH, **args)
    assert cli.main(["coverage", str(HIGH), "--days", "0.25", "--resolution-km", "400", "--instrument", "radar",
                     "--out", str(tmp_path / "cov"), "--no-report"]) == 0
    written = json.loads((tmp_path / "cov" / "coverage_summary.json").read_text())
    assert json.loads(json.dumps(got.summary)) == written
    table = got.table()
    assert table.loc[("russia", "radar"), "percent_area_observed"] == written["regions"]["russia"]["radar"][
        "percent_area_observed"]
    assert set(table.index.get_level_values("region")) == {"russia", "arctic", "nsr"}
    assert not (tmp_path / "runs").exists()
    fig = got.map()  # a figure from the results in memory
    # its plain title carries the headline number the folder holds, and names the scenario
    title = fig.get_suptitle()
    share = written["regions"]["russia"]["radar"]["percent_area_observed"]
    assert fig.axes and title.startswith("Radar: ") and f"{share:.0f}\u00a0% of Russia" in title, title
    assert written["title"] in title


def test_coverage_orbit_overrides_as_the_cli():
    for overrides in (["orbit.sun_synchronous=false", "orbit.inclination_deg=51.6"],
                      ["orbit.inclination_deg=51.6", "orbit.sun_synchronous=false"]):
        got = rossim.coverage(HIGH, days=0.1, resolution_km=500.0, instrument="radar", overrides=overrides)
        assert got.summary["orbit"]["inclination_deg"] == pytest.approx(51.6)
        assert got.summary["overrides"] == overrides
    with pytest.raises(InputError, match="instrument"):
        rossim.coverage(HIGH, days=0.1, resolution_km=500.0, instrument="no_such")


def test_readme_library_example_runs(monkeypatch):
    import re

    monkeypatch.chdir(ROOT)
    block = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S).group(1)
    names: dict = {}
    exec(compile(block, "README.md", "exec"), names)
    assert names["ens"].n == 400
    assert names["sc"].launch_vehicles["angara_a5m"].success_probability.value == 0.8
    assert {"fig", "cov"} <= set(names)
