"""Crew occupancy and Monte Carlo error in what users read (issue 9, sections 1 and 4): the run
folder's occupancy.csv and occupancy_by_year.csv, the hosting_N milestones, the intervals of
summary.json, the comparison's "within noise", the terminal table.

The truth is computed by hand: tests/data/tiny.toml is deterministic (every date fixed, every
launch succeeds; tests/test_campaign.py derives its crew by hand: 0 aboard until day 14.25, 2
until 44.25, 3 until 114.25, 4 from then on), and a Wilson bound of a share of 0 or 1 is
z² / (n + z²) from the edge. Where the simulation is random, the expected numbers are recomputed
here from replications.csv and each replication's step function with plain loops, not through
rossim.occupancy or rossim.montecarlo.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from rossim import cli, compare, ensemble, results, scenario

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny.toml"
HL = Path(__file__).parent.parent / "scenarios" / "ross_high_latitude.toml"
Z = 1.959963984540054
#: tiny.toml simulated to 2031-06-01 (516 days): a year's window fits after day 151.
LONGER = ["simulation.horizon=2031-06-01"]
N_TINY = 40  # the fewest (>= 36) that bound a 10 % and a 90 % quantile on both sides at 95 %


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny") / "run"
    argv = ["run", str(TINY), "-n", str(N_TINY), "--workers", "1", "--out", str(out)]
    for s in LONGER:
        argv += ["--set", s]
    assert cli.main(argv) == 0
    return out


@pytest.fixture(scope="module")
def hl_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("hl") / "run"
    assert cli.main(["run", str(HL), "-n", "40", "--workers", "1", "--no-report", "--out", str(out)]) == 0
    return out


# ------------------------------------------------------------------------------ deterministic: by hand


def aboard_by_hand(day: float) -> int:
    """tiny.toml's crew aboard at ``day`` (the new crew from each change on)."""
    return 0 if day < 14.25 else 2 if day < 44.25 else 3 if day < 114.25 else 4


def test_occupancy_csv_equals_the_hand_computed_crew(tiny_run):
    rows = read_csv(tiny_run / "occupancy.csv")
    assert list(rows[0]) == ["date", "day", *(f"p_at_least_{k}{s}" for k in (1, 2, 3, 4) for s in ("", "_low", "_high"))]
    days = [float(r["day"]) for r in rows]
    assert days == [7.0 * i for i in range(len(rows))] and days[-1] == 511.0  # the capacity grid, every 7 days
    assert rows[3]["date"] == "2030-01-22"
    edge = N_TINY / (N_TINY + Z * Z)  # Wilson bound of 40 out of 40: 0.9124
    for r, day in zip(rows, days):
        for k in (1, 2, 3, 4):
            p = float(aboard_by_hand(day) >= k)
            assert float(r[f"p_at_least_{k}"]) == p, (day, k)
            lo, hi = float(r[f"p_at_least_{k}_low"]), float(r[f"p_at_least_{k}_high"])
            assert (lo, hi) == ((pytest.approx(edge, abs=1e-6), 1.0) if p else (0.0, pytest.approx(1 - edge, abs=1e-6)))
    # the changes fall between grid dates: day 14 has nobody, day 21 two; day 112 three, day 119 four
    at = {d: r for d, r in zip(days, rows)}
    assert at[14.0]["p_at_least_1"] == "0" and at[21.0]["p_at_least_2"] == "1" and at[21.0]["p_at_least_3"] == "0"
    assert at[112.0]["p_at_least_4"] == "0" and at[119.0]["p_at_least_4"] == "1"


def test_occupancy_by_year_equals_the_hand_computed_shares(tiny_run):
    rows = read_csv(tiny_run / "occupancy_by_year.csv")
    assert [(r["year"], r["level"]) for r in rows] == [(y, k) for y in ("2030", "2031") for k in "1234"]
    share_2030 = {1: (365 - 14.25) / 365, 2: (365 - 14.25) / 365, 3: (365 - 44.25) / 365, 4: (365 - 114.25) / 365}
    for r in rows:
        want = share_2030[int(r["level"])] if r["year"] == "2030" else 1.0  # 2031: 151 simulated days, 4 aboard
        for key in ("share_mean", "share_mean_low", "share_mean_high", "share_p10", "share_p50", "share_p90"):
            assert float(r[key]) == pytest.approx(want, abs=1e-6), (r["year"], r["level"], key)
        pd_want = 2 * 30 + 3 * 70 + 4 * 250.75 if r["year"] == "2030" else 4 * 151
        assert float(r["person_days_mean"]) == pytest.approx(pd_want)


def test_hosting_equals_the_hand_computed_dates(tiny_run):
    """Two aboard from day 14.25 to the horizon: hosting 2 from then (2030-01-15); four from
    114.25 (2030-04-25). In a year-long run no year's window fits: not reached."""
    summary = json.loads((tiny_run / "summary.json").read_text())
    assert list(summary["milestones"])[-2:] == ["hosting_2", "hosting_4"]
    h2, h4 = summary["milestones"]["hosting_2"], summary["milestones"]["hosting_4"]
    assert (h2["p50"], h2["p50_days"], h4["p50"], h4["p50_days"]) == ("2030-01-15", 14.25, "2030-04-25", 114.25)
    assert h2["probability"] == h4["probability"] == 1.0
    rows = read_csv(tiny_run / "replications.csv")
    assert {(r["hosting_2_day"], r["hosting_2_date"], r["hosting_4_day"], r["hosting_4_date"]) for r in rows} == \
        {("14.25", "2030-01-15", "114.25", "2030-04-25")}
    short = ensemble.run(scenario.load(TINY), n=2, workers=1)  # horizon 365 days: no window fits
    assert np.isnan(short.milestone_days("hosting_4")).all() and short.summary()["milestones"]["hosting_4"]["p50"] is None


def test_summary_intervals_collapse_on_a_deterministic_run(tiny_run):
    s = json.loads((tiny_run / "summary.json").read_text())
    edge = N_TINY / (N_TINY + Z * Z)
    for name, m in s["milestones"].items():
        for q in ("p10", "p50", "p90"):
            assert m[f"{q}_low"] == m[q] == m[f"{q}_high"], (name, q)
            assert m[f"{q}_low_days"] == m[f"{q}_days"] == m[f"{q}_high_days"], (name, q)
        for p in ("probability", "probability_by_deadline"):
            assert m[p] == 1.0 and m[f"{p}_high"] == 1.0 and m[f"{p}_low"] == pytest.approx(edge)
    for name in ("person_days", "fraction_crewed", "launches", "losses"):
        assert s[name]["mean_low"] == pytest.approx(s[name]["mean"]) == s[name]["mean_high"]


# ------------------------------------------------------------------------------ random: recomputed here


def test_occupancy_csv_equals_the_step_functions(tmp_path):
    """A random ensemble: each P(at least k) is the share of replications whose crew at that date
    (the step in force: the last change at or before it) is at least k, counted with plain loops."""
    ens = ensemble.run(scenario.load(HL), n=12, workers=1)
    results.write_occupancy(tmp_path, ens)
    rows = read_csv(tmp_path / results.OCCUPANCY_FILE)
    for r in rows[::9]:
        day = float(r["day"])
        crews = [int(rep.crew_aboard[np.searchsorted(rep.capacity_t, day, side="right") - 1]) for rep in ens.replications]
        for k in (1, 2, 3, 4):
            hits = sum(c >= k for c in crews)
            assert float(r[f"p_at_least_{k}"]) == pytest.approx(hits / 12, abs=5e-6), (day, k)
            lo, hi = wilson(hits, 12)
            assert float(r[f"p_at_least_{k}_low"]) == pytest.approx(lo, abs=5e-6)
            assert float(r[f"p_at_least_{k}_high"]) == pytest.approx(hi, abs=5e-6)


def wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def test_summary_intervals_equal_their_definitions(hl_run):
    """Each milestone's probabilities and Wilson intervals from the counts of replications.csv;
    each quantile's interval between the order statistics of binomial ranks (scipy), the
    replications not reaching it sorted last (null), a missing lower rank the start."""
    s = json.loads((hl_run / "summary.json").read_text())
    rows = read_csv(hl_run / "replications.csv")
    n = len(rows)
    deadline = s["deadline"]
    for name, m in s["milestones"].items():
        dates = [r[f"{name}_date"] for r in rows]
        for key, k in (("probability", sum(bool(d) for d in dates)),
                       ("probability_by_deadline", sum(bool(d) and d <= deadline for d in dates))):
            lo, hi = wilson(k, n)
            assert m[key] == k / n and m[f"{key}_low"] == pytest.approx(lo) and m[f"{key}_high"] == pytest.approx(hi)
            assert m[f"{key}_low"] <= m[key] <= m[f"{key}_high"]
        ordered = sorted(d or "9999-12-31" for d in dates)
        for q, prob in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
            lo_rank = int(stats.binom.ppf(0.025, n, prob))
            hi_rank = int(stats.binom.ppf(0.975, n, prob)) + 1
            pick = lambda rank: None if rank > n or ordered[rank - 1] == "9999-12-31" else ordered[rank - 1]  # noqa: E731
            assert m[f"{q}_low"] == (s["start"] if lo_rank == 0 else pick(lo_rank)), (name, q)
            assert m[f"{q}_high"] == pick(hi_rank), (name, q)
            late = lambda v: v or "9999-12-31"  # noqa: E731
            assert late(m[f"{q}_low"]) <= late(m[q]) <= late(m[f"{q}_high"])
    pdays = [float(r["person_days"]) for r in rows]
    half = Z * np.std(pdays, ddof=1) / math.sqrt(n)
    assert s["person_days"]["mean_low"] == pytest.approx(np.mean(pdays) - half)
    assert s["person_days"]["mean_high"] == pytest.approx(np.mean(pdays) + half)


def test_wilson_interval_of_a_bernoulli_milestone_covers_at_its_rate():
    """Phase 1 of tiny.toml is its one module A's single launch when a lost A is dropped: P(phase
    1 complete) is the launch's success probability p = 0.7. Over 40 seeds of 50 replications the
    95 % interval of summary.json must hold p about 38 times; fewer than 33 has probability < 0.1 %."""
    sc = scenario.load(TINY, ["launch_vehicles.heavy.success_probability=0.7", "modules.a.on_loss=drop",
                              "modules.b.if_target_departs=drop"])
    covered = 0
    for seed in range(40):
        m = ensemble.run(sc, n=50, seed=seed, workers=1).summary()["milestones"]["phase_1_complete"]
        covered += m["probability_low"] <= 0.7 <= m["probability_high"]
    assert 33 <= covered <= 40


# ------------------------------------------------------------------------------ older folders, damage


def test_a_folder_without_occupancy_files_still_reports(tiny_run, tmp_path):
    """A folder written before occupancy.csv: read back without it, and the report draws the
    capacity bands instead; summary.json without intervals too."""
    import shutil

    old = tmp_path / "old"
    shutil.copytree(tiny_run, old)
    for name in (results.OCCUPANCY_FILE, results.OCCUPANCY_BY_YEAR_FILE, "report.html"):
        (old / name).unlink()
    for p in old.glob("fig_*.png"):
        p.unlink()
    s = json.loads((old / "summary.json").read_text())
    for m in s["milestones"].values():
        for k in [k for k in m if k.endswith(("_low", "_high", "_low_days", "_high_days"))]:
            del m[k]
    (old / "summary.json").write_text(json.dumps(s))
    run = compare.read_run(old)
    assert run.occupancy is None and run.occupancy_by_year is None
    assert cli.main(["report", str(old)]) == 0
    assert (old / "fig_capacity.png").is_file() and not (old / "fig_occupancy.png").exists()
    page = (old / "report.html").read_text()
    assert "<td>First crew aboard</td><td>2030-01-15</td><td>2030-01-15</td>" in page  # no interval: the date alone
    assert "<td>100%</td>" in page and "2030-01-15 ±" not in page and "% ±" not in page


def test_a_damaged_occupancy_csv_is_one_line(tiny_run, tmp_path, capsys):
    import shutil

    from conftest import one_line_error

    bad = tmp_path / "bad"
    shutil.copytree(tiny_run, bad)
    text = (bad / "occupancy.csv").read_text().splitlines()
    text[2] = text[2].replace(",0,", ",zero,", 1)
    (bad / "occupancy.csv").write_text("\n".join(text) + "\n")
    one_line_error(capsys, ["report", str(bad)], "occupancy.csv", "row 2", "'zero'")


# ------------------------------------------------------------------------------ comparison and terminal


def test_identical_scenarios_with_other_seeds_differ_within_noise(tmp_path):
    """The same scenario under two seeds: no milestone median or probability by the deadline is
    called better; differences are "within noise" (or "same")."""
    runs = []
    sc = scenario.load(HL)
    for seed in (1, 2):
        folder = tmp_path / f"seed{seed}"
        folder.mkdir()
        results.write_campaign(folder, ensemble.run(sc, n=60, seed=seed, workers=1))
        runs.append(compare.read_run(folder, f"seed{seed}"))
    comp = compare.compare_runs(runs)
    noise = 0
    for m in runs[0].milestones:
        for stat in ("p50", "p_by_deadline"):
            row = comp.row(m, stat)
            assert row.better[1] in ("same", "", compare.WITHIN_NOISE), (m, stat, row.values, row.better)
            noise += row.better[1] == compare.WITHIN_NOISE
    assert noise >= 5  # the medians differ between the seeds, but not beyond the noise
    for key in ("hosting_2", "hosting_4"):  # the rows the findings table reads
        assert {comp.row(key, "p50").label, comp.row(key, "p_by_deadline").label} >= {f"Hosting {key[-1]} routinely: median date"}
    # dates are compared as dates: the same plan simulated from a year earlier is not a year apart
    early = scenario.load(HL, ["simulation.start=2026-01-01"])
    folder = tmp_path / "early"
    folder.mkdir()
    results.write_campaign(folder, ensemble.run(early, n=60, seed=1, workers=1))
    comp = compare.compare_runs([runs[0], compare.read_run(folder, "early")])
    assert comp.row("phase_1_complete", "p50").better[1] in ("same", compare.WITHIN_NOISE)
    # a real difference is still named: phase 1's module ready two years later
    late = scenario.load(HL, ["modules.nem.ready=2030-06-01"])
    folder = tmp_path / "late"
    folder.mkdir()
    results.write_campaign(folder, ensemble.run(late, n=60, seed=1, workers=1))
    comp = compare.compare_runs([runs[0], compare.read_run(folder, "late")])
    assert comp.row("first_crew", "p50").better[1] == "seed1"


def test_terminal_table_shows_errors_within_80_columns(hl_run, capsys):
    from rich.console import Console

    s = json.loads((hl_run / "summary.json").read_text())
    console = Console(file=io.StringIO(), width=80, highlight=False)
    cli._print_summary(s, console)
    out = console.file.getvalue()
    assert max(len(line) for line in out.splitlines()) <= 80
    first = next(line for line in out.splitlines() if line.strip().startswith("first_crew"))
    m = s["milestones"]["first_crew"]
    half = max((dt.date.fromisoformat(m["p50"]) - dt.date.fromisoformat(m["p50_low"])).days,
               (dt.date.fromisoformat(m["p50_high"]) - dt.date.fromisoformat(m["p50"])).days)
    assert f"{m['p50']} ±{half} d" in first
    p = m["probability_by_deadline"]
    assert f"{100 * p:.0f}% ±{100 * max(p - m['probability_by_deadline_low'], m['probability_by_deadline_high'] - p):.0f}" in first


def test_terminal_table_never_cuts_a_number(hl_run):
    """A probability of 100 % ±0.6 in both columns and a median whose interval reaches past the
    horizon do not fit 80 columns: the table is printed at its own width, no cell cut to "±0…"."""
    from rich.console import Console

    s = json.loads((hl_run / "summary.json").read_text())
    m = s["milestones"]["first_crew"]
    for key in ("probability", "probability_by_deadline"):
        m.update({key: 1.0, f"{key}_low": 0.994, f"{key}_high": 1.0})
    m["p50_high"] = None
    console = Console(file=io.StringIO(), width=80, highlight=False)
    cli._print_summary(s, console)
    out = console.file.getvalue()
    assert "…" not in out
    below = (dt.date.fromisoformat(m["p50"]) - dt.date.fromisoformat(m["p50_low"])).days
    first = next(line for line in out.splitlines() if line.strip().startswith("first_crew"))
    assert f"{m['p50']} −{below} d/+?" in first and first.count("100% ±0.6") == 2


def test_one_replication_reports(tmp_path, capsys):
    """One replication has no interval for a mean: null in summary.json, empty in the CSV, and
    the folder still reads back and reports (a deterministic replay is run with -n 1)."""
    from rossim import cli

    out = tmp_path / "one"
    assert cli.main(["run", str(TINY), "-n", "1", "--workers", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    assert (out / "report.html").is_file()
    assert cli.main(["report", str(out)]) == 0
