"""rossim compare / report: numbers equal their sources, known differences, figures, report, bad input.

Kept fast (< 30 s here): small ensembles (40 replications) and a coarse one-day coverage
(300 km cells), one comparison shared by the tests of a module-scoped fixture.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import one_line_error
from rossim import cli, compare, coverage_run, ensemble, figures, montecarlo, results, scenario

SCENARIOS = Path(__file__).parent.parent / "scenarios"
HL = SCENARIOS / "ross_high_latitude.toml"
ISS = SCENARIOS / "ros_iss_orbit.toml"
N = 40
COVERAGE_ARGS = ["--days", "1", "--resolution-km", "300"]
#: A figure counts as blank below this grey-level variance (a white page with a thin frame is ~20;
#: every real figure here is > 1,000).
MIN_PIXEL_VARIANCE = 200.0
#: Person-days rebuilt from events.csv: event times are stored to 1e-4 day, each crew change
#: moves an integral by at most 0.5e-4 day x 4 crew; a run has a few hundred changes.
EVENTS_PERSON_DAYS_TOL = 0.1


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """``rossim compare`` of the two shipped plans (40 replications, one-day coverage)."""
    out = tmp_path_factory.mktemp("cmp") / "compare"
    code = cli.main(["compare", str(HL), str(ISS), "-n", str(N), "--workers", "1", *COVERAGE_ARGS,
                     "--out", str(out)])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def comparison(compared):
    return json.loads((compared / "comparison.json").read_text())


@pytest.fixture(scope="module")
def ensembles():
    """The same ensembles, run directly (the comparison must equal what they say)."""
    return {sc.name: ensemble.run(sc, n=N, workers=1) for sc in (scenario.load(HL), scenario.load(ISS))}


def rows_by_key(data: dict) -> dict[tuple[str, str], dict]:
    return {(r["key"], r["statistic"]): r for r in data["rows"]}


# ------------------------------------------------------------------------------ numbers


def _fisher_p(a: float, b: float, n: int) -> float:
    """Two-sided p-value of Fisher's exact test of shares a and b of n replications each (scipy)."""
    from scipy.stats import fisher_exact

    ka, kb = round(a * n), round(b * n)
    return float(fisher_exact([[ka, n - ka], [kb, n - kb]]).pvalue)


def test_comparison_equals_the_ensembles(comparison, ensembles):
    rows = rows_by_key(comparison)
    deadline = dt.date.fromisoformat(comparison["deadline"])
    assert deadline == dt.date(2033, 12, 31)
    for name, ens in ensembles.items():
        summary = ens.summary()
        for m in ens.milestones:
            for stat in ("p10", "p50", "p90"):
                assert rows[(m, stat)]["values"][name] == summary["milestones"][m][stat], (name, m, stat)
            assert rows[(m, "probability")]["values"][name] == summary["milestones"][m]["probability"]
            assert rows[(m, "p_by_deadline")]["values"][name] == ens.probability_by(m, deadline), (name, m)
        for key in ("person_days", "fraction_crewed", "launches", "losses"):
            for stat in ("p50", "mean"):
                if (key, stat) in rows:
                    assert rows[(key, stat)]["values"][name] == summary[key][stat]


def _person_days_by_year_slow(start: dt.date, r) -> dict[int, float]:
    """Slow twin: walk the crew-aboard steps interval by interval, splitting at New Year."""
    out: dict[int, float] = {}
    t = list(r.capacity_t) + [r.horizon_days]
    for k in range(len(r.crew_aboard)):
        a, b, crew = t[k], t[k + 1], float(r.crew_aboard[k])
        while b > a:
            day = start + dt.timedelta(days=a)
            next_year = (dt.datetime(day.year + 1, 1, 1) - dt.datetime(start.year, start.month, start.day))
            cut = min(b, next_year.total_seconds() / 86400.0)
            out[day.year] = out.get(day.year, 0.0) + crew * (cut - a)
            a = cut
    return out


def test_person_days_by_year(comparison, ensembles, compared):
    rows = rows_by_key(comparison)
    for name, ens in ensembles.items():
        start = ens.scenario.simulation.start
        years, values = ens.person_days_by_year()
        # each replication's years add up to its whole-run person-days (computed by the campaign)
        np.testing.assert_allclose(values.sum(axis=1), ens.values("person_days"), rtol=1e-12, atol=1e-9)
        for r, row in zip(ens.replications[:5], values):
            slow = _person_days_by_year_slow(start, r)
            np.testing.assert_allclose(row, [slow.get(y, 0.0) for y in years], rtol=1e-12, atol=1e-9)
        for j, y in enumerate(years):
            assert rows[(f"person_days_{y}", "mean")]["values"][name] == float(np.mean(values[:, j]))
        # rebuilt from events.csv (run folders written before person_days_by_year.csv existed)
        run = compare.read_run(compared / name)
        ey, ev = compare._person_days_from_events(compared / name / "events.csv", start,
                                                  ens.scenario.simulation.horizon_days, ens.n)
        assert ey == years == run.person_days_years
        np.testing.assert_allclose(ev, values, atol=EVENTS_PERSON_DAYS_TOL)
        np.testing.assert_array_equal(run.person_days, values)


def test_coverage_rows_equal_coverage_runs(comparison, compared):
    rows = rows_by_key(comparison)
    assert comparison["coverage_instrument"] == "radar"
    for path in (HL, ISS):
        sc = scenario.load(path)
        direct = coverage_run.run(sc, compared.parent / f"direct-{sc.name}", days=1, resolution_km=300, maps=False)
        stored = json.loads((compared / sc.name / "coverage" / "coverage_summary.json").read_text())
        for region in compare.REGIONS:
            for key in ("percent_area_observed", "revisit_mean_h", "revisit_max_h"):
                value = rows[(f"coverage_{region}", key)]["values"][sc.name]
                assert value == stored["regions"][region]["radar"][key] == direct["regions"][region]["radar"][key]


def test_deltas_and_better(comparison):
    ref, other = comparison["reference"], comparison["scenarios"][1]["label"]
    assert ref == "ross_high_latitude" and other == "ros_iss_orbit"
    checked = noise = 0
    for r in comparison["rows"]:
        a, b = r["values"][ref], r["values"][other]
        d, better = r["delta_vs_reference"][other], r["better"][other]
        if a is None or b is None:
            assert d is None
            continue
        if r["unit"] == "date":
            assert d == (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days
            want = "same" if d == 0 else (ref if d > 0 else other)
        else:
            assert d == b - a
            if not r["better_if"]:
                assert better == ""
                continue
            if r["key"].startswith("coverage_") and r["statistic"] != "percent_area_observed":
                seen = rows_by_key(comparison)[(r["key"], "percent_area_observed")]["values"]
                if min(seen[ref], seen[other]) < compare.REVISIT_RANKED_PERCENT:
                    assert better == ""  # revisit over a small observed part ranks nothing
                    continue
            up = r["better_if"] == "higher"
            want = "same" if d == 0 else (other if (d > 0) == up else ref)
        if better == compare.WITHIN_NOISE:  # a difference no larger than the Monte Carlo noise
            assert want not in ("", "same") and not r["key"].startswith("coverage_"), r
            if r["unit"] == "share":  # Fisher's exact test (scipy's, the twin) on the two counts of N
                assert _fisher_p(a, b, N) >= 0.05, r
            noise += 1
        else:
            assert better == want, r
            if r["unit"] == "share" and not r["key"].startswith("coverage_") and d:
                assert _fisher_p(a, b, N) < 0.05, r
        checked += 1
    assert noise > 0  # 40 replications: some differences are noise
    assert checked > 30
    # a region the 51.6-degree orbit never sees: its revisit is undefined, which is worse
    arctic = rows_by_key(comparison)[("coverage_arctic", "revisit_mean_h")]
    assert arctic["values"][other] is None and arctic["better"][other] == ref


def test_coverage_difference_agrees_with_the_comparison(compared, comparison):
    """Cells seen by A (A only + both) and by B (B only + both) are the areas each run observed,
    as the comparison's coverage rows say; the four categories make up the region."""
    rows = json.loads((compared / "coverage_difference.json").read_text())["rows"]
    table = rows_by_key(comparison)
    for region in ("russia", "arctic", "nsr"):
        cat = {r["category"]: r["percent"] for r in rows if r["region"] == region and r["territory"] == "all"}
        assert sum(cat.values()) == pytest.approx(100.0, abs=1e-3)
        seen = table[(f"coverage_{region}", "percent_area_observed")]["values"]
        assert cat["a_only"] + cat["both"] == pytest.approx(seen["ross_high_latitude"], abs=1e-3)
        assert cat["b_only"] + cat["both"] == pytest.approx(seen["ros_iss_orbit"], abs=1e-3)
    # The report shows the table: Russia's row as the JSON has it.
    page = (compared / "report.html").read_text()
    russia = {r["category"]: r for r in rows if r["region"] == "russia" and r["territory"] == "all"}
    assert "What one orbit sees that the other cannot" in page
    assert f"{russia['b_only']['area_km2'] / 1e6:,.2f}\u00a0M\u00a0km² ({russia['b_only']['percent']:.1f}\u00a0%)" in page


def test_csv_matches_json(compared, comparison):
    with open(compared / "comparison.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(comparison["rows"])
    for c, j in zip(rows, comparison["rows"]):
        for label, v in j["values"].items():
            if v is None:
                assert c[label] == ""
            elif isinstance(v, float):
                assert float(c[label]) == v  # written exactly (repr), no re-rounding
            else:
                assert c[label] == str(v)
        d = j["delta_vs_reference"]["ros_iss_orbit"]
        key = "delta_ros_iss_orbit_vs_ross_high_latitude"
        assert (c[key] == "") if d is None else (float(c[key]) == d)


def _fixed(path: Path) -> list[str]:
    """--set overrides that fix every distribution of the high-latitude scenario."""
    raw = scenario._parse(path.read_text(), str(path))
    sets = []
    for m in raw["modules"]:
        sets += [f"modules.{m}.slip_days=0", f"modules.{m}.docking_success_probability=1",
                 f"modules.{m}.rendezvous_days=2", f"modules.{m}.commissioning_days=30",
                 f"modules.{m}.rebuild_days=0"]
    for v in raw["launch_vehicles"]:
        sets += [f"launch_vehicles.{v}.success_probability=1", f"launch_vehicles.{v}.stand_down_days_after_failure=0"]
    for s in raw["launch_sites"]:
        sets += [f"launch_sites.{s}.scrub_probability=0", f"launch_sites.{s}.outage_probability=0",
                 f"launch_sites.{s}.outage_days=0"]
    for c in raw["crew_ships"]:
        sets += [f"crew_ships.{c}.rendezvous_days=0.25"]
    for c in raw["cargo_ships"]:
        sets += [f"cargo_ships.{c}.rendezvous_days=0.25", f"cargo_ships.{c}.docked_days=180"]
    sets += ["crew.visit_days=60", "crew.days_between_visits=32"]
    return sets


def test_known_difference_deterministic(tmp_path):
    """Everything fixed; the base module ready 100 days later delays phase 1 by exactly 100 days.
    40 replications: the fewest that bound a 10 % and a 90 % quantile at 95 % (0.9^n < 0.025 needs
    n >= 36), so a difference of identical replications is not Monte Carlo noise."""
    sets = _fixed(HL)
    text = HL.read_text()
    a = scenario.loads(text, str(HL), sets + ["scenario.name=fixed"])
    b = scenario.loads(text, str(HL), sets + ["scenario.name=fixed_late_bm",
                                              f"modules.bm.ready={a.modules['bm'].ready + dt.timedelta(days=100)}"])
    runs = []
    for sc in (a, b):
        ens = ensemble.run(sc, n=40, workers=1)
        days = ens.milestone_days("phase_1_complete")
        assert np.all(days == days[0])  # deterministic: every replication the same
        folder = tmp_path / sc.name
        folder.mkdir()
        results.write_campaign(folder, ens)
        runs.append(compare.read_run(folder))
    comp = compare.compare_runs(runs)
    for stat in ("p10", "p50", "p90"):
        row = comp.row("phase_1_complete", stat)
        assert row.deltas[1] == 100 and row.better[1] == "fixed"
        for m in ("first_crew", "phase_2_complete"):
            assert comp.row(m, stat).deltas[1] == 0 and comp.row(m, stat).better[1] == "same"
    assert comp.row("phase_1_complete", "p_by_deadline").values == [1.0, 1.0]
    from rich.console import Console

    console = Console(file=io.StringIO(), width=200)
    cli.print_comparison(comp, console)
    line = next(s for s in console.file.getvalue().splitlines() if "Phase 1 complete" in s)
    assert "+100 d" in line and "fixed " in line


def test_reused_run_folders_give_the_same_numbers(compared, comparison, tmp_path, capsys):
    """Run folders given instead of scenario files: the same comparison, from the files alone."""
    hl = tmp_path / "hl"
    shutil.copytree(compared / "ross_high_latitude", hl)
    (hl / results.PERSON_DAYS_FILE).unlink()  # an older folder: person-days rebuilt from events.csv
    out = tmp_path / "again"
    assert cli.main(["compare", str(hl), str(compared / "ros_iss_orbit"), "--out", str(out), *COVERAGE_ARGS]) == 0
    again = json.loads((out / "comparison.json").read_text())
    old = rows_by_key(comparison)
    for key, r in rows_by_key(again).items():
        if key[0].startswith("person_days_"):
            for label, v in r["values"].items():
                assert v == pytest.approx(old[key]["values"][label], abs=EVENTS_PERSON_DAYS_TOL)
        else:
            assert r["values"] == old[key]["values"], key
    out = capsys.readouterr().out
    assert "Scenarios compared with ross_high_latitude" in out
    assert max(len(line) for line in out.splitlines()) <= cli._out.width  # fits $COLUMNS (80 in a pipe)


def _shown_numbers(comp) -> list[str]:
    """Every number the terminal table shows, as it is formatted: each value with its error and
    10-90 % range (one line each) and each delta."""
    shown = []
    for _, vals, ds in compare.table_rows(comp, sep="\n"):
        shown += [line for v in vals for line in v.split("\n")]
        shown += [d for d in ds[0::2] if d]
    return shown


@pytest.mark.parametrize("width", [80, 100, 120])
@pytest.mark.parametrize("long_labels", [False, True])
def test_terminal_table_fits_the_width(compared, width, long_labels):
    """The compare table at 80, 100 and 120 columns: no line wider than the terminal, every number
    of the comparison whole on one line (none cut to "13…"), also with labels too long for any
    column (they wrap; numbers do not)."""
    from rich.console import Console

    runs = [compare.read_run(compared / name, ("a_rather_long_label_for_" + name) if long_labels else name)
            for name in ("ross_high_latitude", "ros_iss_orbit")]
    comp = compare.compare_runs(runs)
    console = Console(file=io.StringIO(), width=width)
    cli.print_comparison(comp, console)
    text = console.file.getvalue()
    from rich.cells import cell_len

    assert max(cell_len(line) for line in text.splitlines()) <= width
    assert "…" not in text
    lines = text.splitlines()
    numbers = _shown_numbers(comp)
    assert len(numbers) > 150
    for s in numbers:
        assert any(s in line for line in lines), (width, s)
    for row in comp.rows:  # the milestone dates and coverage values of comparison.json among them
        for v in row.values:
            if row.unit == "date" and v is not None:
                assert v in text
    if width >= 120 and not long_labels:  # wide enough for the scenarios side by side
        line = next(s for s in lines if s.lstrip().startswith("Crew capacity ≥ 4"))
        _, vals, ds = next(t for t in compare.table_rows(comp, sep="\n")
                           if (t[0].key, t[0].statistic) == ("capacity_4", "p50"))
        assert all(v.split("\n")[0] in line for v in vals) and ds[0] in line and ds[1] in line


def test_terminal_table_breaks_a_name_after_an_underscore(compared):
    """At 120 columns the Δ column's header, narrower than "Δ ros_iss_orbit", breaks the name after
    an underscore ("Δ ros_iss_" over "orbit"), never inside a word ("Δ ros_iss_or" over "bit")."""
    from rich.console import Console

    runs = [compare.read_run(compared / name) for name in ("ross_high_latitude", "ros_iss_orbit")]
    console = Console(file=io.StringIO(), width=120)
    cli.print_comparison(compare.compare_runs(runs), console)
    lines = console.file.getvalue().splitlines()
    head = lines[:next(k for k, line in enumerate(lines) if "───" in line)]
    assert any(re.search(r"Δ ros_iss_ *$", line.rstrip()) or "Δ ros_iss_ " in line for line in head), head
    assert not any(re.search(r"ros_iss_or(?!bit)", line) for line in lines), head


def test_terminal_table_keeps_a_name_whole_when_it_fits(compared):
    """At 80 columns a 21-character scenario name is printed whole, not broken after 18
    characters ("ross_angara_troubl" over "e"), while every line still fits."""
    from rich.console import Console

    label = "ross_angara_trouble_2"
    runs = [compare.read_run(compared / "ross_high_latitude"), compare.read_run(compared / "ros_iss_orbit"),
            compare.read_run(compared / "ros_iss_orbit", label)]  # three: one block of lines per metric
    console = Console(file=io.StringIO(), width=80)
    cli.print_comparison(compare.compare_runs(runs), console)
    lines = console.file.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80
    assert sum(bool(re.search(rf" {label} +[\d—]", line)) for line in lines) > 10  # the name, then its value


# ------------------------------------------------------------------------------ figures and report

COMPARISON_FIGURES = ["fig_occupancy", "fig_occupancy_by_year", "fig_timeline", "fig_milestones", "fig_coverage_time",
                      "fig_map_ross_high_latitude_radar", "fig_map_ros_iss_orbit_radar",
                      "fig_difference_ros_iss_orbit_vs_ross_high_latitude",
                      "fig_arctic_difference_ros_iss_orbit_vs_ross_high_latitude",
                      "fig_nsr_difference_ros_iss_orbit_vs_ross_high_latitude"]
RUN_FIGURES = ["fig_occupancy", "fig_occupancy_by_year", "fig_timeline", "fig_milestones", "fig_coverage_time"]


def check_png(path: Path) -> tuple[int, int]:
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        assert im.format == "PNG"
        grey = np.asarray(im.convert("L"), dtype=float)
    assert grey.var() > MIN_PIXEL_VARIANCE, (path, grey.var())
    return grey.shape[1], grey.shape[0]


def check_report(folder: Path, names: list[str]) -> str:
    page = (folder / "report.html").read_text()
    uris = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    for name in names:
        data = base64.b64encode((folder / f"{name}.png").read_bytes()).decode()
        assert data in uris, name
    text = re.sub(r'src="data:image/png;base64,[A-Za-z0-9+/=]+"', "", page).lower()  # base64 may spell "http"
    assert "http" not in text
    assert "<script" not in text and "<link" not in text and "href=" not in text
    assert 'src="' not in text and "url(" not in text
    return page


def test_comparison_figures_and_report(compared):
    pngs = sorted(p.stem for p in compared.glob("*.png"))
    assert pngs == sorted(COMPARISON_FIGURES)
    for name in COMPARISON_FIGURES:
        w, h = check_png(compared / f"{name}.png")
        if name.startswith(("fig_map_", "fig_difference_", "fig_arctic_difference_", "fig_nsr_difference_")):
            assert (w, h) == (1560, 900)  # rossim.maps' fixed size
        else:
            assert w == figures.WIDTH_IN * figures.DPI and 350 <= h <= 1000, (name, w, h)  # one panel: >= 3.2 in
    page = check_report(compared, COMPARISON_FIGURES)
    assert "Comparison table" in page and "ross_high_latitude" in page and "ros_iss_orbit" in page
    maps = [page.index(f"({name}.png)") for name in COMPARISON_FIGURES if "difference" in name]
    assert maps == sorted(maps)  # the difference maps as listed: Russia, the Arctic zone, the NSR corridor
    for sc in (HL, ISS):  # each scenario's file, escaped, for the record
        assert scenario.load(sc).scenario.title.replace("&", "&amp;") in page


CHROMIUM = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
#: Measures the page once laid out: the document's scroll width, the viewport's width and the
#: rightmost edge of any table, written into the DOM that --dump-dom prints.
_MEASURE = """<script>window.addEventListener("load", () => {
  const right = Math.max(0, ...[...document.querySelectorAll("table")].map(t => t.getBoundingClientRect().right));
  document.body.setAttribute("data-measured", [document.documentElement.scrollWidth,
    document.documentElement.clientWidth, Math.ceil(right)].join(" "));
});</script>"""


def _layout_at_1280px(page: Path, tmp_path: Path) -> tuple[int, int, int]:
    """(document scroll width, viewport width, rightmost table edge) of ``page`` in headless
    Chromium with a 1280 px wide window (a copy of the page with a measuring script)."""
    import subprocess

    probe = tmp_path / f"measured_{page.parent.name}.html"
    probe.write_text(page.read_text().replace("</body>", _MEASURE + "</body>"))
    out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                          "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120).stdout
    m = re.search(r'data-measured="(\d+) (\d+) (\d+)"', out)
    assert m, out[-2000:]
    return tuple(int(x) for x in m.groups())


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here to render the report (apt install chromium)")
@pytest.mark.parametrize("n_scenarios", [2, 3])
def test_report_fits_a_1280px_page(compared, tmp_path, n_scenarios):
    """report.html of a comparison, its table included, fits a 1280 px window in headless Chromium
    (no horizontal scrolling, no table past the viewport) with two scenarios and with three, with
    labels longer than any column."""
    folder = tmp_path / "cmp"
    folder.mkdir()
    names = ["ross_high_latitude", "ros_iss_orbit", "ross_high_latitude"][:n_scenarios]
    runs = []
    for k, name in enumerate(names):
        label = f"label_{k}_much_longer_than_a_column_for_{name}"
        shutil.copytree(compared / name, folder / label, ignore=shutil.ignore_patterns("report.html", "fig_*"))
        runs.append(compare.read_run(folder / label, label))
    compare.write_comparison(folder, compare.compare_runs(runs))
    from rossim import report

    page = report.write_report(folder)
    scroll, viewport, right = _layout_at_1280px(page, tmp_path)
    assert 1200 <= viewport <= 1280  # the window's width less a scroll bar
    assert scroll <= viewport and right <= viewport, (scroll, viewport, right)
    text = page.read_text()
    for _, vals, _ in compare.table_rows(compare.compare_runs(runs), sep="\n"):
        for v in vals:  # every number whole, in a span that does not break
            for line in v.split("\n"):
                assert f'<span class="num">{html.escape(line)}</span>' in text


#: The text of each line as laid out, for every "better" verdict and every cell of the table of
#: what one orbit sees that the other cannot, written into the DOM that --dump-dom prints.
_LINES = """<script>window.addEventListener("load", () => {
  const lines = el => {  // the element's text cut where its characters move down a line
    const out = [""], range = document.createRange();
    let top = null;
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      for (let i = 0; i < node.length; i++) {
        range.setStart(node, i); range.setEnd(node, i + 1);
        const box = range.getClientRects()[0];
        if (box && top !== null && box.top > top + 2) out.push("");
        if (box) top = box.top;
        out[out.length - 1] += node.data[i];
      }
    }
    return out;
  };
  const cells = [...document.querySelectorAll("span.better, table:not(.comparison) td")];
  document.body.setAttribute("data-lines", encodeURIComponent(JSON.stringify(cells.map(lines))));
});</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here to render the report (apt install chromium)")
def test_report_breaks_names_and_areas_where_a_reader_expects(compared, tmp_path):
    """In a 1280 px window, a "better" verdict too long for its column breaks after an underscore
    of the scenario's name ("ross_high_" / "latitude"), never inside a word ("ross_high_lat" /
    "itude"); an area of the table of what one orbit sees that the other cannot keeps its number,
    "M km²" and its percent's number and "%" together."""
    import subprocess
    import urllib.parse

    probe = tmp_path / "lines.html"
    probe.write_text((compared / "report.html").read_text().replace("</body>", _LINES + "</body>"))
    out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                          "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120).stdout
    m = re.search(r'data-lines="([^"]*)"', out)
    assert m, out[-2000:]
    cells = json.loads(urllib.parse.unquote(html.unescape(m.group(1))))
    verdicts = [c for c in cells if "".join(c) in ("ross_high_latitude", "ros_iss_orbit")]
    assert verdicts and any(len(c) > 1 for c in verdicts)  # the column is narrower than the longer name
    for c in verdicts:
        assert all(line.endswith("_") for line in c[:-1]), c
    areas = [c for c in cells if "km²" in "".join(c)]
    assert len(areas) >= 4 * 4  # four categories, Russia (twice), the Arctic zone and the NSR corridor
    assert any(len(c) > 1 for c in areas)  # some too long for their column
    for c in areas:  # broken, if at all, between the area and its percent
        assert len(c) <= 2 and all(line.rstrip().endswith("km²") for line in c[:-1]), c


def test_scenario_reports_in_comparison(compared):
    for name, path in (("ross_high_latitude", HL), ("ros_iss_orbit", ISS)):
        folder = compared / name
        for fig in RUN_FIGURES:
            w, _ = check_png(folder / f"{fig}.png")
            assert w == 1100
        page = check_report(folder, RUN_FIGURES)
        assert "Coverage map" in page  # the coverage run's own maps are embedded too
        import html

        assert html.escape(path.read_text()) in page  # the scenario file, escaped
        description = scenario.load(path).scenario.description.strip()
        assert html.escape(description) in page


def test_run_figure_titles_name_the_scenario_by_its_title(compared, tmp_path, monkeypatch):
    """Every figure of one run is titled with the scenario's title, not its internal name."""
    from rossim import figures, report

    titles = {}
    for name in ("occupancy_figure", "occupancy_by_year_figure", "timeline_figure", "milestone_cdf_figure"):
        def spy(*args, _f=getattr(figures, name), _name=name, **kwargs):
            titles[_name] = kwargs["title"]
            return _f(*args, **kwargs)
        monkeypatch.setattr(figures, name, spy)
    run = compare.read_run(compared / "ross_high_latitude")
    report.run_figures(run, tmp_path)
    assert len(titles) == 4
    for name, title in titles.items():
        assert title.endswith(f" — {run.title}") and run.title != run.label, (name, title)


def test_run_writes_report_and_report_command_svg(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["run", str(HL), "-n", "30", "--workers", "1", "--out", str(out)]) == 0
    assert (out / results.PERSON_DAYS_FILE).is_file()
    check_report(out, RUN_FIGURES[:3])
    assert cli.main(["report", str(out), "--svg"]) == 0
    assert "report.html" in capsys.readouterr().out
    for name in RUN_FIGURES[:3]:
        assert (out / f"{name}.svg").read_text().lstrip().startswith("<?xml")


def test_figures_never_touch_pyplot(tmp_path):
    """Figures are plain Figure objects: making a run's figures leaves pyplot unimported (no
    global figure state, no backend switch in the user's session)."""
    import subprocess
    import sys

    code = ("import sys, numpy as np; from rossim import figures; "
            "f = figures.coverage_time_figure([figures.CoverageCurve('a', 'radar', np.array([1.0]), "
            "np.array([5.0]), 2.0)]); figures.save(f, sys.argv[1]); "
            "print('matplotlib.pyplot' in sys.modules, type(f).__module__)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "f.png")], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["False", "matplotlib.figure"]


# ------------------------------------------------------------------------------ bad input


def test_unknown_run_folder(tmp_path, capsys):
    one_line_error(capsys, ["compare", HL, tmp_path / "nope", "--out", tmp_path / "o"], "nope",
                   "no such scenario file or run folder")
    assert not (tmp_path / "o").exists()


def test_neither_toml_nor_folder(tmp_path, capsys):
    p = tmp_path / "notes.txt"
    p.write_text("hello")
    one_line_error(capsys, ["compare", HL, p, "--out", tmp_path / "o"], "notes.txt", "neither")


def test_folder_without_summary(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    one_line_error(capsys, ["compare", tmp_path / "empty", HL, "--out", tmp_path / "o"], "no summary.json")
    one_line_error(capsys, ["report", tmp_path / "empty"], "not a rossim result")


def test_scenario_failing_validation(tmp_path, capsys):
    one_line_error(capsys, ["compare", HL, ISS, "--set", "modules.nem.mass_kg=-5", "--out", tmp_path / "o"],
                   "modules.nem.mass_kg", "greater than 0")
    assert not (tmp_path / "o").exists()


def test_bad_coverage_span_before_any_run(tmp_path, capsys):
    one_line_error(capsys, ["compare", HL, ISS, "--days", "-1", "--out", tmp_path / "o"], "--days", "-1")
    assert not (tmp_path / "o").exists()


def test_incompatible_run_folders(compared, tmp_path, capsys):
    other = tmp_path / "other"
    shutil.copytree(compared / "ros_iss_orbit", other)
    summary = json.loads((other / "summary.json").read_text())
    summary["milestones"]["phase_3_complete"] = summary["milestones"].pop("phase_2_complete")
    (other / "summary.json").write_text(json.dumps(summary))
    one_line_error(capsys, ["compare", compared / "ross_high_latitude", other, "--out", tmp_path / "o"],
                   "incompatible run folder", "phase_3_complete")
    old = tmp_path / "old"
    shutil.copytree(compared / "ros_iss_orbit", old)
    (old / "replications.csv").unlink()
    one_line_error(capsys, ["compare", old, compared / "ross_high_latitude", "--out", tmp_path / "o"],
                   str(old / "replications.csv"), "no such file")
    broken = tmp_path / "broken"
    shutil.copytree(compared / "ros_iss_orbit", broken)
    (broken / "summary.json").write_text("{not json")
    one_line_error(capsys, ["compare", broken, HL, "--out", tmp_path / "o"], "summary.json")
    assert not (tmp_path / "o").exists()


def test_extends_scenario_keeps_names_and_description(tmp_path):
    """A run of a scenario that extends another: its report still names modules and describes it."""
    out = tmp_path / "angara"
    assert cli.main(["run", str(SCENARIOS / "ross_angara_trouble.toml"), "-n", "5", "--workers", "1",
                     "--no-report", "--out", str(out)]) == 0
    run = compare.read_run(out)
    assert run.module_info()["nem"]["name"] == "Science-power module (NEM)"  # from the base file
    assert "less reliable" in run.meta["description"]  # from the variant itself
    assert compare._scenario_of_folder(out).name == "ross_angara_trouble"


def test_compare_needs_two_different_inputs(capsys):
    one_line_error(capsys, ["compare", "scenarios/ross_high_latitude.toml"], "two or more")
    one_line_error(capsys, ["compare", "scenarios/ross_high_latitude.toml", "scenarios/ross_high_latitude.toml"],
                   "two or more", "repeats")


def test_compare_another_instrument(compared, tmp_path, capsys):
    """--instrument picks the coverage compared (reusing the run folders); an instrument not in
    every scenario is refused on one line."""
    out = tmp_path / "optical"
    folders = [str(compared / "ross_high_latitude"), str(compared / "ros_iss_orbit")]
    assert cli.main(["compare", *folders, "--instrument", "optical", "--out", str(out)]) == 0
    data = json.loads((out / "comparison.json").read_text())
    assert data["coverage_instrument"] == "optical"
    assert "(optical)" in (out / "report.html").read_text()
    one_line_error(capsys, ["compare", *folders, "--instrument", "lidar", "--out", tmp_path / "x"],
                   "--instrument", "lidar", "optical")


# ------------------------------------------------------------------------------ user text in figures

#: Crashed matplotlib's mathtext parser when titles were drawn as math (issue 7, section 2).
MATH = r"$\frac{1}{$"


def test_titles_and_names_are_plain_text_in_figures_and_escaped_in_the_report(tmp_path, capsys):
    """A run whose title, scenario name and module name hold mathtext, HTML and 120,000 characters:
    the report is written (exit 0, no warning: pytest turns them into errors), its figures keep
    their size, and the page shows the text escaped."""
    out = tmp_path / "run"
    assert cli.main(["run", str(HL), "-n", "5", "--workers", "1", "--no-report", "--out", str(out)]) == 0
    hostile = f"{MATH} <script>alert(1)</script> & 漢 " + "x" * 120_000
    summary = json.loads((out / "summary.json").read_text())
    summary["title"] = hostile
    (out / "summary.json").write_text(json.dumps(summary))
    toml = (out / "scenario.toml").read_text()
    (out / "scenario.toml").write_text(toml.replace('name = "Science-power module (NEM)"',
                                                    f'name = "{MATH} module"', 1))
    assert cli.main(["report", str(out)]) == 0, capsys.readouterr().err
    page = check_report(out, RUN_FIGURES[:3])
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 漢" in page and "<script>" not in page
    for name in RUN_FIGURES[:3]:
        w, h = check_png(out / f"{name}.png")
        assert w == figures.WIDTH_IN * figures.DPI and 350 <= h <= 1000, (name, w, h)  # one panel: >= 3.2 in


def _drawn_as_text(text_artist, original: str) -> None:
    """matplotlib's own rule: the artist is not math, and what it draws begins as ``original`` does."""
    shown, math = text_artist._preprocess_math(text_artist.get_text())
    assert math is False, shown
    assert shown[:4] == original[:4], shown


@pytest.mark.parametrize("title", [MATH, "$x$ and $y$", "x" * 120_000, "line\n" * 500, "漢字 ROSS"])
def test_figure_titles_never_math_never_blow_up_the_layout(title):
    curves = [figures.CoverageCurve(MATH, MATH, np.array([1.0, 2.0]), np.array([10.0, 20.0]), 3.0)]  # user text
    base = figures.coverage_time_figure(curves, title="short")
    fig = figures.coverage_time_figure(curves, title=title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")  # draws everything (mathtext would raise here)
    base.savefig(io.BytesIO(), format="png")
    _drawn_as_text(fig._suptitle, title.replace("漢字", "??"))
    legend = fig.legends[0].get_texts()[0]
    _drawn_as_text(legend, MATH)
    ax, ax0 = fig.axes[0].get_position(), base.axes[0].get_position()
    assert ax.width == pytest.approx(ax0.width, rel=0.05) and ax.height >= 0.6 * ax0.height, (ax, ax0)
    assert len(fig._suptitle.get_text()) <= figures.TITLE_LINES * (figures.TITLE_CHARS + 1) + 10


def test_a_long_title_wraps_within_the_figure():
    """A comparison's title (117 characters) is wrapped between words inside the figure, not drawn
    past both of its sides."""
    title = ("Share of each year with at least 2 and at least 4 aboard — ross_high_latitude vs ros_iss_orbit "
             "vs ross_angara_trouble")
    curves = [figures.CoverageCurve("a", "radar", np.array([1.0, 2.0]), np.array([10.0, 20.0]), 3.0)]
    fig = figures.coverage_time_figure(curves, title=title)
    fig.savefig(io.BytesIO(), format="png")
    box = fig._suptitle.get_window_extent()
    assert 0 <= box.x0 and box.x1 <= fig.bbox.width, (box, fig.bbox.width)
    assert fig._suptitle.get_text().replace("\n", " ") == title


def test_map_title_is_plain_text(tmp_path):
    from types import SimpleNamespace

    from rossim import maps

    result = SimpleNamespace(lat_deg=np.array([60.0, 65.0]), lon_deg=np.array([60.0, 100.0]),
                             area_km2=np.array([1.0, 1.0]), access_count=np.array([2, 0]),
                             cell_revisit_mean_h=np.array([5.0, np.nan]), first_access_days=np.array([0.1, np.nan]),
                             track=None)
    fig = maps.coverage_map(result, title=f"{MATH}\n" + "y" * 120_000)
    maps.save(fig, tmp_path / "map.png")
    assert check_png(tmp_path / "map.png") == (1560, 900)
    _drawn_as_text(fig._suptitle, MATH)


# ------------------------------------------------------------------------------ plain-language summaries


def _half_days(entry: dict) -> int:
    p50 = dt.date.fromisoformat(entry["p50"])
    return max((p50 - dt.date.fromisoformat(entry["p50_low"])).days,
               (dt.date.fromisoformat(entry["p50_high"]) - p50).days)


def _error_words(days: int) -> str:
    """The date error as the summary says it, worked out here: days up to 60, else months of 30.436875 days."""
    return f"{days} days" if days <= 60 else f"{round(days / 30.436875)} months"


def _half_points(half: float) -> str:
    """An error in percentage points as the summary says it: whole points, a tenth below one."""
    return f"{round(half)}" if half >= 0.95 else f"{round(half, 1):.1f}"


def _points(entry: dict, key: str) -> tuple[int, str]:
    p, lo, hi = entry[key], entry[f"{key}_low"], entry[f"{key}_high"]
    return round(100 * p), _half_points(100 * max(p - lo, hi - p))


def _share_words(entry: dict, key: str) -> str:
    """A share as the summary says it: "17 % (± 12 points)"; at 0 or 1, where the Wilson interval
    is one-sided, "0 % (at most 0.4 %)" / "100 % (at least 99.6 %)"."""
    p, lo, hi = entry[key], entry[f"{key}_low"], entry[f"{key}_high"]
    if p == 0:
        return f"0 % (at most {_half_points(100 * hi)} %)"
    if p == 1:
        return f"100 % (at least {100 - float(_half_points(100 * (1 - lo))):g} %)"
    return "{} % (± {} points)".format(*_points(entry, key))


def test_errors_below_one_point_keep_a_decimal():
    """0 of 1,000 is "0 % (at most 0.4 %)": a one-sided interval, never "± 0 points", which reads
    as exact, nor "± 0.4 points", which reads as if it could be below 0; the mean share of time
    crewed keeps a tenth of a point."""
    from rossim import headlines

    none = {"p50": None, "probability": 0.0, "probability_low": 0.0, "probability_high": 0.00383}
    assert headlines._when(none, "2046-01-01") == ("in only 0 % (at most 0.4 %) of them before the simulation "
                                                   "ends (2046-01-01)")
    every = {"p": 1.0, "p_low": 0.929, "p_high": 1.0}
    assert headlines._share(every, "p") == "100 % (at least 93 %)"
    assert headlines._share({"p": 0.5, "p_low": 0.47, "p_high": 0.53}, "p") == "50 % (± 3 points)"
    crewed = {"mean": 0.4771, "mean_low": 0.4738, "mean_high": 0.4803}
    assert headlines._mean(crewed, "{:.0f}", 100.0, " points", " %") == "48 % (± 0.3 points)"


def test_date_errors_in_words():
    from rossim import headlines

    e = {"p50": "2035-06-15", "p50_low": "2035-05-01", "p50_high": "2035-07-01"}
    assert headlines.date_error(e) == "± 45 days"
    assert headlines.date_error({**e, "p50_low": "2035-03-15"}) == "± 3 months"  # 92 days
    assert headlines.date_error({**e, "p50_high": None}) == "− 45 days, no upper bound within the horizon"
    assert headlines.date_error({"p50": "2035-06-15"}) is None  # an older folder: no interval
    assert headlines.month_year("2035-06-15") == "June 2035"
    older = {"scenario": "x", "title": "", "replications": 10, "start": "2027-01-01", "horizon": "2040-01-01",
             "deadline": "2033-12-31", "milestones": {}, "fraction_crewed": {"p50": 0.5},
             "person_days": {"p50": 1000.0}}  # a folder written without means: medians, said so
    assert headlines.run_sentences(older) == ["From 2027-01-01 to 2040-01-01, it is crewed 50 % of the time in the "
                                              "median campaign, 1,000 person-days aboard in all (medians over the "
                                              "campaigns)."]


def test_run_summary_sentences_equal_summary_json(compared):
    """The three sentences at the top of a run's report: every number is summary.json's, rounded
    (dates to the month, errors to days or months, shares and their errors to whole percent)."""
    from rossim import headlines

    folder = compared / "ros_iss_orbit"
    s = json.loads((folder / "summary.json").read_text())
    first, second, third = headlines.run_sentences(s)
    host = s["milestones"]["hosting_4"]
    assert first.startswith(f"In {N} simulated campaigns of “{s['title']}”")
    if host["p50"]:
        month = dt.date.fromisoformat(host["p50"]).strftime("%B %Y")
        assert f"first hosts four cosmonauts routinely in {month} (median; ± {_error_words(_half_days(host))}, " \
               "Monte Carlo)" in first
    else:
        assert f"in only {_share_words(host, 'probability')} of them" in first
    ph = s["milestones"]["phase_2_complete"]
    assert f"complete by the {s['deadline']} deadline in {_share_words(ph, 'probability_by_deadline')}" in second
    fc, pd_ = s["fraction_crewed"], s["person_days"]
    assert f"crewed {round(100 * fc['mean'])} % (± {_half_points(100 * max(fc['mean'] - fc['mean_low'], fc['mean_high'] - fc['mean']))} points)" in third
    assert f"{pd_['mean']:,.0f} (± {max(pd_['mean'] - pd_['mean_low'], pd_['mean_high'] - pd_['mean']):,.0f}) person-days" in third
    page = (folder / "report.html").read_text()
    brief = page.index('<p class="brief">')
    assert brief < page.index("<h2>Key figures</h2>") < page.index("<h2>Figures</h2>")  # the summary, then figures
    for sentence in (first, second, third):
        assert html.escape(sentence) in page


def test_comparison_and_coverage_sentences(compared, tmp_path):
    """The comparison's sentences carry each scenario's summary.json numbers; the coverage
    report's header and sentences are words and coverage_summary.json's numbers, no Python values."""
    from rossim import headlines, report

    runs = [compare.read_run(compared / n, n) for n in ("ross_high_latitude", "ros_iss_orbit")]
    comp = compare.compare_runs(runs, instrument="radar")
    first, second, third = headlines.comparison_sentences(comp)
    for r in runs:
        ph = r.summary["milestones"]["phase_2_complete"]
        assert f"{_share_words(ph, 'probability_by_deadline')} for {r.label}" in second
        host = r.summary["milestones"]["hosting_4"]
        if host["p50"]:
            assert f"{r.label} in {dt.date.fromisoformat(host['p50']):%B %Y} (median; ± {_error_words(_half_days(host))}" in first
        else:
            assert f"{r.label} in only {_share_words(host, 'probability')}" in first
        reg = r.coverage["regions"]
        assert (f"{r.label} {reg['russia']['radar']['percent_area_observed']:.0f} % of Russia and "
                f"{reg['arctic']['radar']['percent_area_observed']:.0f} % of the Arctic zone in 1 day") in third
    assert html.escape(first) in (compared / "report.html").read_text()

    cov_dir = tmp_path / "coverage"
    shutil.copytree(compared / "ross_high_latitude" / "coverage", cov_dir)
    cov = json.loads((cov_dir / "coverage_summary.json").read_text())
    page = report.write_coverage_report(cov_dir).read_text()
    head = page[page.index("<h1>"):page.index("<h2>")]
    for python_value in ("altitude_km", "inclination_deg", "sun_synchronous", "True", "+00:00", "{", "'"):
        assert python_value not in head, python_value
    o, russia = cov["orbit"], cov["regions"]["russia"]["radar"]
    # the height a reader means: the mean height above the ellipsoid, not the Brouwer altitude_km
    assert (f"a circular orbit {o['mean_altitude_km']:.0f} km up on average, inclined "
            f"{o['inclination_deg']:.2f}°") in head
    assert "20 March 2029, 00:00 UTC" in head and cov["span"]["start"].startswith("2029-03-20T00:00")
    one, two, three = headlines.coverage_sentences(cov)
    assert f"radar observes {russia['percent_area_observed']:.0f} % of Russia's area in 1 day" in one
    assert f"after {russia['time_to_50pct_h']:,.1f} hours" in two and f"every {russia['revisit_mean_h']:,.1f} hours" in two
    assert f"{cov['regions']['nsr']['radar']['percent_area_observed']:.0f} % of the Northern Sea Route" in three
    assert all(html.escape(x) in head for x in (one, two, three))


def test_a_milestone_share_is_compared_by_fishers_test():
    """0 of 40 against 4 of 40 reaching a milestone: the Wald z test called it (z = 2.1); Fisher's
    exact test does not (p = 0.116), 0 of 40 against 8 of 40 it does (p = 0.005)."""
    from types import SimpleNamespace

    def run(k: int):
        dates = np.full(40, np.datetime64("NaT"), dtype="datetime64[D]")
        dates[:k] = np.datetime64("2030-01-01")
        return SimpleNamespace(replications={}, n=40, summary={"milestones": {"phase_1_complete": {}}},
                               dates=lambda column: dates)

    row = SimpleNamespace(key="phase_1_complete", statistic="probability")
    noise = {k: compare._noise(run(k), row, dt.date(2034, 12, 31)) for k in (0, 4, 8)}
    assert noise[4].n == 40 and not montecarlo.differs(noise[0], noise[4])
    assert _fisher_p(0.0, 0.1, 40) == pytest.approx(0.1156, abs=1e-3)
    assert montecarlo.differs(noise[0], noise[8]) and _fisher_p(0.0, 0.2, 40) < 0.01
