"""Coverage over the campaign in a run's report and in rossim compare
(rossim.campaign_coverage_compare): the numbers are each run's campaign_coverage files' (read here
independently), a planted delay of the observing module is called, the same scenario under another
seed is not, rows that are not alike are left out with a note."""

import csv
import dataclasses
import html
import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import one_line_error
from rossim import campaign_coverage, campaign_coverage_compare as ccc, cli, compare, report
from rossim.errors import InputError
from test_compare_report import CHROMIUM, _layout_at_1280px
from test_damaged_folders import ANY_FILE, ANY_JSON, edit_json

HL = Path("scenarios/ross_high_latitude.toml")
#: Small and short: 40 replications to 2036, 400 km cells.
RUN = ["-n", "40", "--workers", "1", "--coverage", "--no-report", "--events", "none",
       "--set", "coverage.resolution_km=400", "--set", "simulation.horizon=2036-01-01"]
#: The planted difference: the NEM, which carries both instruments, ready four years later.
DELAY = ["--set", "modules.nem.ready=2031-12-15"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run folders of rossim run --coverage: ``a`` (seed 1), ``a_seed2`` (the same scenario, seed
    2) and ``late`` (seed 1, the NEM four years late)."""
    root = tmp_path_factory.mktemp("campaign_compare")
    out = {}
    for name, extra in (("a", ["--seed", "1"]), ("a_seed2", ["--seed", "2"]), ("late", ["--seed", "1", *DELAY])):
        out[name] = root / name
        assert cli.main(["run", str(HL), *RUN, *extra, "--out", str(out[name])]) == 0
    return out


def read_csv(path):
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def cell(text):
    return math.nan if text == "" else float(text)


def first_full_median(folder, instrument, region):
    """The median first calendar year of full coverage, from campaign_coverage_by_replication.csv
    and the full-year area of campaign_coverage.csv, by hand (None: after the horizon)."""
    summary = {(r["year"]): r for r in read_csv(folder / campaign_coverage.CSV_FILE)
               if (r["instrument"], r["region"]) == (instrument, region)}
    full_km2 = {y: cell(r["full_year_percent"]) / 100.0 * cell(r["region_area_km2"]) for y, r in summary.items()}
    first: dict[str, float] = {}
    for r in read_csv(folder / campaign_coverage.REPLICATIONS_FILE):
        if (r["instrument"], r["region"]) != (instrument, region):
            continue
        full = full_km2[r["year"]] > 0 and cell(r["area_km2"]) >= campaign_coverage.FULL_SHARE * full_km2[r["year"]] * (1 - 1e-5)
        if full:
            first[r["replication"]] = min(first.get(r["replication"], math.inf), int(r["year"]))
    n = json.loads((folder / "summary.json").read_text())["replications"]
    years = sorted(first.values()) + [math.inf] * (n - len(first))  # none: after the horizon, last
    v = years[math.ceil(0.5 * n) - 1]
    return None if math.isinf(v) else v


def campaign_rows(comp):
    return [r for r in comp.rows if r.key.startswith("campaign_")]


def test_compare_rows_are_the_runs_files(runs):
    """Every campaign-coverage row of the comparison holds each run's campaign_coverage.csv
    numbers (mean percent, its Monte Carlo interval, P(full) and its interval) and, for the
    first full year, the median computed by hand from campaign_coverage_by_replication.csv."""
    a, late = compare.read_run(runs["a"], "a"), compare.read_run(runs["late"], "late")
    comp = compare.compare_runs([a, late])
    assert comp.campaign_instrument == "radar"  # radar by default, as the coverage rows
    rows = campaign_rows(comp)
    assert comp.campaign_years and len(rows) == 3 * (2 * len(comp.campaign_years) + 1)
    assert len(comp.campaign_years) <= ccc.COMPARED_YEARS
    for i, name in enumerate(("a", "late")):
        table = {(r["region"], r["year"]): r for r in read_csv(runs[name] / campaign_coverage.CSV_FILE)
                 if r["instrument"] == "radar"}
        for row in rows:
            region = row.key.split("_")[1]
            if row.statistic == "first_full_p50":
                assert row.values[i] == first_full_median(runs[name], "radar", region), (name, row.label)
                continue
            year = row.key.rsplit("_", 1)[1]
            want = table[(region, year)]
            key = "percent_mean" if row.statistic == "mean" else "p_full"
            assert row.values[i] == pytest.approx(cell(want[key]), abs=1e-4, rel=1e-5), (name, row.label)
            noise = row.noise[i]
            for bound, suffix in ((noise.low, "_low"), (noise.high, "_high")):
                assert float(bound) == pytest.approx(cell(want[key + suffix]), abs=1e-4, rel=1e-5), (name, row.label, suffix)
    data = comp.to_json()
    assert data["campaign_coverage"]["instrument"] == "radar"
    assert data["campaign_coverage"]["years"] == comp.campaign_years
    assert sum(r["key"].startswith("campaign_") for r in data["rows"]) == len(rows)


def test_a_delayed_module_is_called_and_another_seed_is_not(runs):
    """The NEM four years late: its first full year is years later and some years' P(full) are
    called for the on-time run. The same scenario under another seed: nothing is called, though
    some values differ (the Monte Carlo noise decides, not the difference)."""
    a = compare.read_run(runs["a"], "a")
    comp = compare.compare_runs([a, compare.read_run(runs["late"], "late")])
    firsts = [r for r in campaign_rows(comp) if r.statistic == "first_full_p50"]
    assert firsts and all(r.better[1] == "a" and r.deltas[1] >= 3 for r in firsts)
    called = [r for r in campaign_rows(comp) if r.statistic == "p_full" and r.better[1] == "a"]
    assert len(called) >= 3
    assert not [r for r in campaign_rows(comp) if r.better[1] == "late"]

    other = compare.compare_runs([a, compare.read_run(runs["a_seed2"], "a_seed2")])
    rows = campaign_rows(other)
    assert any(r.values[0] != r.values[1] for r in rows)
    assert {r.better[1] for r in rows} <= {"same", compare.WITHIN_NOISE}
    copy = compare.compare_runs([a, compare.read_run(runs["a"], "a_again")])
    assert {r.better[1] for r in campaign_rows(copy)} == {"same"}


def test_rows_not_alike_are_left_out_with_a_note(runs, tmp_path):
    """A run without campaign coverage: no rows, a note. An instrument in one run only, a year cut
    by another horizon: those rows are left out, a note says why."""
    a = compare.read_run(runs["a"], "a")
    bare = tmp_path / "bare"
    shutil.copytree(runs["late"], bare)
    (bare / campaign_coverage.JSON_FILE).unlink()
    comp = compare.compare_runs([a, compare.read_run(bare, "bare")])
    assert not campaign_rows(comp) and comp.campaign_instrument is None
    assert any("bare has no campaign coverage" in n for n in comp.campaign_notes)

    cut = tmp_path / "cut"
    assert cli.main(["run", str(HL), *RUN, "--seed", "1", "--set", "simulation.horizon=2035-07-01",
                     "--out", str(cut)]) == 0
    data = json.loads((cut / campaign_coverage.JSON_FILE).read_text())
    del data["instruments"]["radar"]
    (cut / campaign_coverage.JSON_FILE).write_text(json.dumps(data))
    comp = compare.compare_runs([a, compare.read_run(cut, "cut")])
    assert comp.campaign_instrument == "optical"
    assert any("radar: not in every run's campaign coverage" in n for n in comp.campaign_notes)
    assert any(n.startswith("2035 left out") for n in comp.campaign_notes), comp.campaign_notes
    assert 2035 not in comp.campaign_years and comp.campaign_years
    assert all("(optical)" in r.label for r in campaign_rows(comp))


def test_compare_command_with_coverage(tmp_path, capsys):
    """rossim compare --coverage of two scenario files (the second with the NEM four years late)
    writes each one's campaign coverage as rossim run --coverage does and compares it: the rows in
    comparison.json and .csv, the table and the notes printed, the rows (as the table shows them)
    and the summary sentence in report.html, within a 1280 px window."""
    late = tmp_path / "late.toml"
    late.write_text(f'extends = "{HL.resolve()}"\n\n[scenario]\nname = "late"\n\n[modules.nem]\nready = 2031-12-15\n')
    out = tmp_path / "cmp"
    assert cli.main(["compare", str(HL), str(late), "-n", "20", "--workers", "1", "--days", "1", "--coverage",
                     "--set", "coverage.resolution_km=400", "--set", "simulation.horizon=2034-01-01",
                     "--out", str(out)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "P(full)" in printed and "full year" in printed  # ("first" may end the line before)
    assert "campaign coverage: optical also in every run" in printed
    ref = "ross_high_latitude"
    for name in (ref, "late"):
        assert (out / name / campaign_coverage.JSON_FILE).is_file()
        assert (out / name / campaign_coverage.CSV_FILE).is_file()
    data = json.loads((out / "comparison.json").read_text())
    assert data["campaign_coverage"]["instrument"] == "radar"
    first = [r for r in data["rows"] if r["statistic"] == "first_full_p50"]
    assert len(first) == 3 and all(r["better"]["late"] == ref for r in first)
    keys = [(r["key"], r["statistic"]) for r in data["rows"] if r["key"].startswith("campaign_")]
    assert keys == [(r["metric"], r["statistic"]) for r in read_csv(out / "comparison.csv")
                    if r["metric"].startswith("campaign_")]
    page = (out / "report.html").read_text()
    comp = compare.compare_runs([compare.read_run(out / ref), compare.read_run(out / "late")])
    shown = [(row, vals) for row, vals, _ in compare.table_rows(comp, sep="\n") if row.key.startswith("campaign_")]
    assert len(shown) == len(keys)
    for row, vals in shown:
        assert html.escape(row.label) in page
        for v in vals:
            assert f'<span class="num">{html.escape(v)}</span>' in page
    assert "Given each campaign&#x27;s assembly" in page and f"{ref} observes more" in page
    assert "the mean over the replications of the percent of the region" in page  # (the note on the rows)
    assert "Fisher&#x27;s exact test on the counts" in page
    if CHROMIUM:
        scroll, viewport, right = _layout_at_1280px(out / "report.html", tmp_path)
        assert scroll <= viewport and right <= viewport, (scroll, viewport, right)


def test_compare_coverage_refuses_before_any_work(tmp_path, capsys):
    """rossim compare --coverage of a scenario without instruments: one line, exit 2, before any
    ensemble runs (no folder written)."""
    tiny = Path(__file__).parent / "data" / "tiny.toml"
    other = tmp_path / "tiny_b.toml"
    other.write_text(tiny.read_text().replace('name = "tiny"', 'name = "tiny_b"'))
    out = tmp_path / "never"
    one_line_error(capsys, ["compare", tiny, other, "--coverage", "-n", "2", "--out", out],
                   "tiny.toml", "instruments", "defines no instruments")
    assert not out.exists()


def test_compare_coverage_of_run_folders_says_they_keep_theirs(runs, tmp_path, capsys, monkeypatch):
    """rossim compare --coverage of run folders only: a note that --coverage is for scenario files."""
    def stop(*args, **kwargs):  # what the note precedes: not needed here
        raise InputError("stopped before the comparison")

    monkeypatch.setattr(compare, "build", stop)
    assert cli.main(["compare", str(runs["a"]), str(runs["late"]), "--coverage", "--out", str(tmp_path / "x")]) == 2
    assert "--coverage applies to scenario files only" in " ".join(capsys.readouterr().out.split())


def test_run_report_table_is_the_json(runs, tmp_path):
    """report.html of a run made with --coverage: the campaign-coverage table holds the JSON's
    mean percent and P(full) with their intervals (as shown: one decimal within 0-100, whole percent), the
    first full year, its figure beside them, and fits a 1280 px window."""
    folder = tmp_path / "a"
    shutil.copytree(runs["a"], folder)
    page = report.write_run_report(folder).read_text()
    section = page[page.index("<h2>Coverage over the campaign</h2>"):page.index("<h2>Figures</h2>")]
    assert "fig_campaign_coverage.png" in section and page.count("fig_campaign_coverage.png") == 1
    data = json.loads((folder / campaign_coverage.JSON_FILE).read_text())
    trs = re.findall(r"<tr>(.*?)</tr>", section)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", tr) for tr in trs]
    by_year = [c for c in cells if len(c) == 8]
    assert len(by_year) >= 2 * 5
    def shown(v, scale=1.0, digits=1):  # "?": an interval side the replications do not bound
        return "?" if v is None else f"{min(max(scale * v, 0.0), 100.0):.{digits}f}"

    for inst, year, *values in by_year:
        for k, region in enumerate(("russia", "arctic", "nsr")):
            e = data["instruments"][inst]["regions"][region]["by_year"][year]
            assert values[2 * k] == (f"{shown(e['percent_mean'])} [{shown(e['percent_mean_low'])}–"
                                     f"{shown(e['percent_mean_high'])}]")
            assert values[2 * k + 1] == (f"{shown(e['p_full'], 100, 0)} [{shown(e['p_full_low'], 100, 0)}–"
                                         f"{shown(e['p_full_high'], 100, 0)}]")
    first = [c for c in cells if len(c) == 4]
    for inst, *values in first:
        for k, region in enumerate(("russia", "arctic", "nsr")):
            q = data["instruments"][inst]["regions"][region]["first_full_year"]
            assert values[k] == f"{q['p50']} [{q['p50_low']}–{q['p50_high']}]"
    years = sorted({int(c[1]) for c in by_year})
    assert len(years) <= ccc.REPORT_YEARS and years[-1] == 2035
    if CHROMIUM:
        scroll, viewport, right = _layout_at_1280px(folder / "report.html", tmp_path)
        assert scroll <= viewport and right <= viewport, (scroll, viewport, right)


def test_a_damaged_campaign_coverage_file_is_one_line(runs, tmp_path, capsys):
    """A campaign_coverage.json whose median lies outside its interval: compare and report say so
    in one line naming the file and the field (exit 2)."""
    folder = tmp_path / "damaged"
    shutil.copytree(runs["a"], folder)
    data = json.loads((folder / campaign_coverage.JSON_FILE).read_text())
    entry = data["instruments"]["radar"]["regions"]["arctic"]["by_year"]["2030"]
    entry["percent_p50_low"] = 100.0
    entry["percent_p50"] = 50.0
    (folder / campaign_coverage.JSON_FILE).write_text(json.dumps(data))
    field = "instruments.radar.regions.arctic.by_year.2030.percent_p50"
    one_line_error(capsys, ["report", folder], "campaign_coverage.json", field, "percent_p50_low <= percent_p50")
    one_line_error(capsys, ["compare", folder, runs["late"], "--out", tmp_path / "x"], "campaign_coverage.json", field)
    data["instruments"]["radar"]["regions"]["arctic"]["by_year"] = {"2030": entry, "2032": entry}
    (folder / campaign_coverage.JSON_FILE).write_text(json.dumps(data))
    one_line_error(capsys, ["report", folder], "campaign_coverage.json", "consecutive calendar years")


def _set_by_year(value):
    def change(d):
        d["instruments"]["radar"]["regions"]["nsr"]["by_year"]["2031"]["p_full"] = value
    return change


#: What may happen to campaign_coverage.json (besides what may happen to any JSON file).
CAMPAIGN_JSON = [
    ("no-instruments", edit_json(lambda d: d.pop("instruments")), ["instruments", "missing"]),
    ("no-instrument", edit_json(lambda d: d["instruments"].clear()), ["instruments", "at least 1"]),
    ("replications-0", edit_json(lambda d: d.update(replications=0)), ["replications", "whole number >= 1"]),
    ("p-full-2", edit_json(_set_by_year(2.0)), ["instruments.radar.regions.nsr.by_year.2031.p_full", "share"]),
    ("p-full-text", edit_json(_set_by_year("most")), ["by_year.2031.p_full", "'most'"]),
    ("years-differ", edit_json(lambda d: d["instruments"]["optical"]["regions"]["nsr"]["by_year"].pop("2035")),
     ["instruments.optical.regions.nsr.by_year", "expected the years of instruments.", "(2027–2035)", "got 2027–2034"]),
    ("first-full-year-text", edit_json(lambda d: d["instruments"]["optical"]["regions"]["arctic"]["first_full_year"]
                                       .update(p50="soon")), ["first_full_year.p50", "calendar year"]),
]


@pytest.mark.parametrize("case_id, damage, needles", [c for c in ANY_FILE[:3] + ANY_JSON + CAMPAIGN_JSON],
                         ids=[c[0] for c in ANY_FILE[:3] + ANY_JSON + CAMPAIGN_JSON])
def test_damaged_campaign_json_is_one_line(runs, case_id, damage, needles, tmp_path, capsys):
    """Whatever happens to a run's campaign_coverage.json, rossim report says what, in one line
    naming the file (exit 2); removing it is no damage (a run without --coverage)."""
    folder = tmp_path / "run"
    shutil.copytree(runs["a"], folder, ignore=shutil.ignore_patterns("*.png"))
    path = folder / campaign_coverage.JSON_FILE
    damage(path)
    one_line_error(capsys, ["report", folder], str(path), *(needles or ["not valid JSON"]))


def test_names_agree_with_campaign_coverage():
    """The file names and region labels this module keeps (to spare compare the coverage engine's
    import) are campaign_coverage's."""
    assert ccc.JSON_FILE == campaign_coverage.JSON_FILE
    assert ccc.FIGURE_FILE == campaign_coverage.FIGURE_FILE
    assert ccc.REGION_LABELS == campaign_coverage.REGION_LABELS
    assert ccc.FULL_SHARE == campaign_coverage.FULL_SHARE and ccc.FULL_WORDS.startswith("99 % of the area")


@pytest.mark.parametrize("years, observed, most, want", [
    (range(2027, 2036), [False] + [True] * 8, 10, list(range(2027, 2036))),
    # 2028: the contrast; then 9 of the 18 years 2029-2046 at 17/8 = 2.125 apart, rounded
    (range(2027, 2047), [False, False] + [True] * 18, 10, [2028, 2029, 2031, 2033, 2035, 2037, 2040, 2042, 2044, 2046]),
    (range(2027, 2031), [False] * 4, 2, [2027, 2030]),
])
def test_shown_years(years, observed, most, want):
    """The report's years: the year before the first observation, then from it evenly spread, the
    first observed and the last kept."""
    got = ccc.shown_years(list(years), observed, most)
    assert got == want
    assert len(got) <= most and np.all(np.diff(got) > 0)


def test_compared_years():
    """compare's years: from the first observation to the year the runs have settled, and the
    last; a short span filled with the years after it up to COMPARED_YEARS."""
    years = list(range(2027, 2046))
    observed = [y >= 2028 for y in years]
    assert ccc.compared_years(years, observed, 2034) == [2028, 2030, 2032, 2034, 2045]
    assert ccc.compared_years(years, observed, 2029, 5) == [2028, 2029, 2030, 2031, 2045]
    assert ccc.compared_years(years, observed, None, 3) == [2028, 2036, 2045]
    assert ccc.compared_years(list(range(2027, 2031)), [False, True, True, True], 2028) == [2028, 2029, 2030]


# ------------------------------------------------------------------ review defects (brief H8)


def _with_coverage(run, label, n, radar_years):
    """``run`` (a RunFolder) under ``label`` with its campaign coverage replaced: ``n``
    replications and, for every radar region, ``radar_years[year] = (p_full, percent_mean,
    half-width of its interval)``: the mean's interval is mean ± half; the 10/50/90 % are those of
    replications observing all or nothing (k = round(p n) of n observe all)."""
    cc = json.loads(json.dumps(run.campaign_coverage))
    cc["replications"] = n
    for region in cc["instruments"]["radar"]["regions"].values():
        for year, (p, m, half) in radar_years.items():
            e = region["by_year"][str(year)]
            k = round(p * n)
            q = lambda share: 100.0 if k > n * (1 - share) else 0.0  # noqa: E731  (the share-quantile)
            e.update({f"percent_p{pq}": q(pq / 100) for pq in (10, 50, 90)})  # intervals: all or nothing
            e.update({f"percent_p{pq}_low": 0.0 if k < n else 100.0 for pq in (10, 50, 90)})
            e.update({f"percent_p{pq}_high": 100.0 if k > 0 else 0.0 for pq in (10, 50, 90)})
            e.update(percent_mean=m, percent_mean_low=m - half, percent_mean_high=m + half, p_full=p,
                     p_full_low=max(p - 0.2, 0.0), p_full_high=min(p + 0.2, 1.0))
    return dataclasses.replace(run, label=label, campaign_coverage=cc)


def _ones(years, p, m, half):
    return {y: (p, m, half) for y in years}


def test_p_full_of_0_of_3_against_2_of_3_is_noise(runs):
    """P(full) 0/3 against 2/3 (Fisher's exact p = 0.40) is within the noise; 0/40 against 8/40
    (p = 0.005) is called. The unpooled z test with se 0 on one side called the first."""
    a = compare.read_run(runs["a"], "a")
    years = range(2027, 2036)
    few = [_with_coverage(a, "x", 3, _ones(years, 0.0, 0.0, 0.0)),
           _with_coverage(a, "y", 3, _ones(years, 2 / 3, 66.7, 60.0))]
    rows = [r for r in campaign_rows(compare.compare_runs(few)) if r.statistic == "p_full"]
    assert rows and {r.better[1] for r in rows} == {compare.WITHIN_NOISE}
    many = [_with_coverage(a, "x", 40, _ones(years, 0.0, 0.0, 0.0)),
            _with_coverage(a, "y", 40, _ones(years, 0.2, 20.0, 12.0))]
    rows = [r for r in campaign_rows(compare.compare_runs(many)) if r.statistic == "p_full"]
    assert rows and {r.better[1] for r in rows} == {"y"}


def test_percent_rows_are_means_not_all_or_nothing_medians(runs):
    """P(full) 0.46 against 0.54 of 50 (medians 0 % and 100 %): the rows compare the mean
    percent observed (46 and 54 %, within the noise), not +100 pp of medians; the summary
    sentence says the means."""
    a = compare.read_run(runs["a"], "a")
    years = range(2028, 2036)
    pair = [_with_coverage(a, "x", 50, _ones(years, 0.46, 46.0, 13.8)),
            _with_coverage(a, "y", 50, _ones(years, 0.54, 54.0, 13.8))]
    assert pair[0].campaign_coverage["instruments"]["radar"]["regions"]["arctic"]["by_year"]["2030"]["percent_p50"] == 0
    comp = compare.compare_runs(pair)
    pct = [r for r in campaign_rows(comp) if r.unit == "percent" and int(r.key.rsplit("_", 1)[1]) >= 2028]
    assert pct and all(r.statistic == "mean" and r.values == [46.0, 54.0] for r in pct)
    assert {r.better[1] for r in pct} == {compare.WITHIN_NOISE}
    sentence = ccc.comparison_sentence(comp)
    assert "x 46 % (±13.8)" in sentence and "y 54 % (±13.8)" in sentence and "on average" in sentence


def test_years_compared_reach_the_tail(runs):
    """Medians full from 2028 in both runs, but P(full) differs until 2035 (0.8 against 1.0 of
    200): the years compared run past the median first full year, up to COMPARED_YEARS."""
    a = compare.read_run(runs["a"], "a")
    cc = a.campaign_coverage["instruments"]["radar"]["regions"]
    assert {r["first_full_year"]["p50"] for r in cc.values()} == {2028}  # (the medians' year, as stored)
    tail = {2028: (0.6, 60.0, 6.8), **_ones(range(2029, 2035), 0.8, 80.0, 5.5), 2035: (1.0, 100.0, 0.0)}
    pair = [_with_coverage(a, "x", 200, tail),
            _with_coverage(a, "y", 200, {2028: (0.6, 60.0, 6.8), **_ones(range(2029, 2036), 1.0, 100.0, 0.0)})]
    comp = compare.compare_runs(pair)
    assert len(comp.campaign_years) == ccc.COMPARED_YEARS
    tail_years = [y for y in comp.campaign_years if 2029 <= y <= 2034]
    assert len(tail_years) >= 3
    called = [r for r in campaign_rows(comp) if r.statistic == "p_full" and r.better[1] == "y"]
    assert {int(r.key.rsplit("_", 1)[1]) for r in called} == set(tail_years)


def test_sentence_of_three_runs_same_and_within_noise(runs):
    """Three runs, one the same as the reference, one within the noise (26 against 25 of 50
    replications): the sentence ends "within the Monte Carlo noise.", not " — ."."""
    a = compare.read_run(runs["a"], "a")
    years = range(2028, 2036)
    three = [_with_coverage(a, "x", 50, _ones(years, 0.5, 50.0, 14.0)),
             _with_coverage(a, "y", 50, _ones(years, 0.5, 50.0, 14.0)),
             _with_coverage(a, "z", 50, _ones(years, 0.52, 52.0, 14.0))]
    sentence = ccc.comparison_sentence(compare.compare_runs(three))
    assert sentence.endswith(" — within the Monte Carlo noise."), sentence
    assert " — ." not in sentence


def test_compare_coverage_runs_campaign_coverage_on_one_grid(tmp_path, capsys):
    """rossim compare --coverage of scenarios of other coverage.resolution_km (1000 and 700 km):
    both campaign coverages are computed on the coarser common grid, as the span coverage, so no
    grid-bias note is needed."""
    fine = tmp_path / "fine.toml"
    fine.write_text(f'extends = "{HL.resolve()}"\n\n[scenario]\nname = "fine"\n\n[coverage]\nresolution_km = 700.0\n')
    coarse = tmp_path / "coarse.toml"
    coarse.write_text(f'extends = "{HL.resolve()}"\n\n[scenario]\nname = "coarse"\n\n[coverage]\nresolution_km = 1000.0\n')
    out = tmp_path / "cmp"
    assert cli.main(["compare", str(fine), str(coarse), "-n", "4", "--workers", "1", "--days", "1", "--coverage",
                     "--set", "simulation.horizon=2028-07-01", "--out", str(out)]) == 0
    capsys.readouterr()
    res = {name: json.loads((out / name / campaign_coverage.JSON_FILE).read_text())["resolution_km"]
           for name in ("fine", "coarse")}
    assert res == {"fine": 1000.0, "coarse": 1000.0}
    notes = json.loads((out / "comparison.json").read_text())["campaign_coverage"]["notes"]
    assert not any("cells of" in n for n in notes), notes


def test_p_full_in_the_json_gives_back_its_count_at_large_n():
    """Fisher's test in compare recovers k = round(p_full x n): exact with 8 decimals (4 were not,
    past 10,000 replications)."""
    from types import SimpleNamespace

    from rossim import campaign_coverage, montecarlo

    n, k = 123_457, 61_729  # k / n = 0.500004050...: 4 decimals give 0.5, i.e. 61,728.5
    full = np.zeros((n, 1, 1), dtype=bool)
    full[:k] = True
    pct = np.where(full, 100.0, 0.0)
    st = {"percent": montecarlo.quantile(pct, campaign_coverage.QUANTILES, axis=0),
          "percent_mean": montecarlo.mean(pct, axis=0), "p_full": montecarlo.proportion_of(full, axis=0)}
    res = SimpleNamespace(percent=pct, full_area_km2=np.ones((1, 1)), region_area_km2=np.ones(1))
    entry = campaign_coverage._year_entry(st, res, 0, 0)
    assert round(entry["p_full"] * n) == k


def test_a_region_out_of_the_orbits_reach_is_never_not_after_the_horizon():
    none = {"p50": None, "p50_low": None, "p50_high": None}
    out_of_reach = {"by_year": {"2030": {"full_year_percent": 0.0}, "2031": {"full_year_percent": 0.0}}}
    late = {"by_year": {"2030": {"full_year_percent": 0.0}, "2031": {"full_year_percent": 100.0}}}
    assert not ccc.reachable(out_of_reach) and ccc.reachable(late)
    assert ccc.year_cell(none, "2046-01-01", ccc.reachable(out_of_reach)) == "never (out of the orbit's reach)"
    assert ccc.year_cell(none, "2046-01-01", ccc.reachable(late)) == "after the horizon (2046-01-01)"


def test_compare_says_never_for_a_region_out_of_the_orbits_reach(runs):
    """A run whose orbit never sees the Arctic zone (as a 51.6° orbit: no year of uninterrupted
    observation sees any of it) reads "never (out of the orbit's reach)" in the compare tables'
    first-full-year row, as in its own report; the run that sees it later keeps its year."""
    import copy

    a = compare.read_run(runs["a"], "a")
    cc = copy.deepcopy(a.campaign_coverage)
    arctic = cc["instruments"]["radar"]["regions"]["arctic"]
    for e in arctic["by_year"].values():
        e["full_year_percent"] = 0.0
    arctic["first_full_year"] = {k: None for k in arctic["first_full_year"]}
    blind = dataclasses.replace(a, label="blind", campaign_coverage=cc)
    late = compare.read_run(runs["late"], "late")
    never = "never (out of the orbit's reach)"
    for order in ([a, blind], [blind, a], [a, late]):
        comp = compare.compare_runs(order)
        shown = {row.key: vals for row, vals, _ in compare.table_rows(comp)
                 if row.statistic == "first_full_p50"}
        for i, run in enumerate(order):
            assert (shown["campaign_arctic"][i] == never) == (run.label == "blind"), (order, i)
            assert never not in shown["campaign_russia"][i]
