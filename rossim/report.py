"""The figures of a run or comparison folder, and its self-contained ``report.html``.

:func:`write_report` writes the figures (``fig_*.png``, and ``.svg`` with ``svg=True``) into a
run folder (``summary.json``) or comparison folder (``comparison.json``) and then ``report.html``:
one page that works offline: figures embedded as base64 PNG data URIs, inline CSS, no links, no
scripts. A run's page holds the scenario's name, title and description, the key-figures table,
every figure of the folder (its own and the coverage maps) and the scenario file as run. A
comparison's page holds the comparison table with deltas, the comparison figures and a section
per scenario.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html
import json
import os
import shlex
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import campaign_coverage_compare, figures, headlines, inputfiles, resultfiles
from .campaign import milestones as campaign_milestones
from .compare import (REGION_NAMES, REGIONS, REVISIT_NOTE, WITHIN_NOISE, Comparison, RunFolder,
                      common_milestones, compare_runs, date_pm, milestone_name, read_run, share_pm, table_rows)
from .ensemble import hosting_level
from .errors import InputError
from .folders import PARTIAL_MARKER, atomic_file, now_utc, read_manifest

__all__ = ["write_report", "write_run_report", "write_coverage_report", "run_figures", "comparison_figures",
           "coverage_curve"]



def cdf_milestones(runs: list[RunFolder]) -> tuple[tuple[str, str], ...]:
    """The milestones shown as distributions (figure 3), with their names: the largest crew
    capacity and the last phase's completion that every run reports (``capacity_4`` and
    ``phase_2_complete`` for the shipped scenarios)."""
    last: dict[str, tuple[int, str]] = {}  # kind -> (largest level or phase, milestone)
    for m in common_milestones(runs):
        kind, n = campaign_milestones.parse(m) or ("hosting", None)
        if kind in ("capacity", "phase") and (kind not in last or n > last[kind][0]):
            last[kind] = (n, m)
    return tuple((last[k][1], milestone_name(last[k][1])) for k in ("capacity", "phase") if k in last)


# ------------------------------------------------------------------------------ data -> figure inputs


def _phase_medians(run: RunFolder) -> dict[str, str | None]:
    """"phase n complete" -> the median date (ISO text; None: after the horizon)."""
    phases = {}
    for m in run.milestones:  # names checked by read_run
        kind, n = campaign_milestones.parse(m) or ("hosting", None)
        if kind == "phase":
            phases[f"phase {n} complete"] = run.summary["milestones"][m]["p50"]
    return phases


def _occupancy(run: RunFolder) -> figures.Occupancy | None:
    """The figure inputs of a run's ``occupancy.csv`` and ``occupancy_by_year.csv``; None for a
    folder written before them."""
    occ, by_year = run.occupancy, run.occupancy_by_year
    if occ is None or by_year is None:
        return None
    half = np.maximum(occ["prob"] - occ["low"], occ["high"] - occ["prob"])
    phases = {k: (dt.date.fromisoformat(v) if v else None) for k, v in _phase_medians(run).items()}
    return figures.Occupancy(run.label, occ["date"], occ["levels"], occ["prob"], half, tuple(by_year["years"]),
                             by_year["share_mean"], by_year["share_p10"], by_year["share_p90"], phases, run.n)


def _shown_levels(items: Sequence[figures.Occupancy], runs: Sequence[RunFolder]) -> tuple[int, ...]:
    """The crew levels of the per-year chart: those of the runs' milestones (2 and 4 for the
    shipped scenarios), else the largest."""
    return tuple(_hosting_levels(runs)) or (max(k for it in items for k in it.levels),)


def _hosting_levels(runs: Sequence[RunFolder]) -> list[int]:
    """The crew levels N of the runs' ``hosting_N`` milestones, ascending."""
    return sorted({hosting_level(m) for r in runs for m in r.milestones} - {None})


def _occupancy_figures(runs: Sequence[RunFolder], folder: Path, svg: bool, title: str) -> list[tuple[str, Path]]:
    """The occupancy figures of ``runs`` (one panel per scenario, common axes); [] when a run
    has no occupancy files (an older folder: the caller falls back to the capacity bands)."""
    items = [_occupancy(r) for r in runs]
    if not items or any(it is None for it in items):
        return []
    shown = _shown_levels(items, runs)
    fig = figures.occupancy_figure(items, title=f"How many cosmonauts are aboard — {title}")
    out = [("Share of replications with exactly k cosmonauts aboard on each date, stacked: the top of each band "
            "is the probability that at least k are aboard. Dashed lines: median phase-complete dates.",
            _save(fig, folder, "fig_occupancy", svg))]
    words = " and ".join(f"at least {k}" for k in shown)
    fig = figures.occupancy_by_year_figure(items, levels=shown, title=f"Share of each year with {words} aboard — {title}")
    out.append((f"Share of each calendar year with {words} cosmonauts aboard: bars, the mean over replications; "
                "whiskers, 10–90 % of replications.", _save(fig, folder, "fig_occupancy_by_year", svg)))
    return out


def _bands(run: RunFolder) -> figures.Bands | None:
    cap = run.capacity
    if not cap or "capacity_p50" not in cap or cap["date"].size == 0:
        return None
    phases = _phase_medians(run)
    return figures.Bands(
        run.label, cap["date"],
        tuple(cap[f"capacity_p{q}"] for q in (10, 50, 90)),
        tuple(cap[f"crew_aboard_p{q}"] for q in (10, 50, 90)),
        phases, cap.get("capacity_mean"), cap.get("crew_aboard_mean"))


def _censored_median_date(run: RunFolder, column: str) -> str | None:
    """Median of a date column, NaT sorted last (None if the median falls among them)."""
    d = run.dates(column)
    if d.size == 0:
        return None
    days = (d - np.datetime64(run.start, "D")).astype(float)
    days[np.isnat(d)] = np.inf
    q = np.quantile(days, 0.5, method="inverted_cdf")
    return None if not np.isfinite(q) else str(np.datetime64(run.start, "D") + int(q))


def _module_bars(run: RunFolder) -> list[figures.ModuleBar]:
    info = run.module_info()
    bars = []
    for mid in run.modules:
        m = run.summary["modules"][mid]
        meta = info.get(mid, {})
        losses = run.replications[f"{mid}_losses"]
        departs = meta.get("departs")
        bars.append(figures.ModuleBar(
            name=meta.get("name") or mid,
            ready=_censored_median_date(run, f"{mid}_ready_date"),
            docked=(m.get("docked_p10"), m.get("docked_p50"), m.get("docked_p90")),
            probability_docked=float(m.get("probability_docked", 1.0)),
            loss_share=float(np.mean(losses > 0)) if losses.size else 0.0,
            present_at_start=bool(meta.get("present_at_start", False)),
            departs=departs.isoformat() if isinstance(departs, dt.date) else None))
    return bars


def _milestone_sample(run: RunFolder, shown: tuple[tuple[str, str], ...]) -> figures.MilestoneSample:
    return figures.MilestoneSample(run.label, run.start, run.horizon, {m: run.milestone_days(m) for m, _ in shown})


def coverage_curve(cov: dict, region: str, instrument: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(hours, percent) of the coverage-over-time curve of ``region`` and ``instrument`` in a
    checked ``coverage_summary.json`` dict (:func:`rossim.resultfiles.coverage_summary`), or None
    when the summary has no such entry."""
    entry = cov["regions"].get(region, {}).get(instrument)
    if entry is None:
        return None
    return np.asarray(entry["curve"]["hours"], dtype=float), np.asarray(entry["curve"]["percent"], dtype=float)


def _coverage_span_h(cov: dict) -> float:
    """The coverage span in hours (``span.days`` of ``coverage_summary.json``)."""
    return float(cov["span"]["days"]) * 24.0


def _coverage_curves(runs: Sequence[RunFolder], instruments: Sequence[str] | None,
                     region: str = "russia") -> list[figures.CoverageCurve]:
    out = []
    for r in runs:
        if not r.coverage:
            continue
        for inst in (instruments or r.coverage_instruments()):
            c = coverage_curve(r.coverage, region, inst)
            if c is not None:
                out.append(figures.CoverageCurve(r.label, inst, c[0], c[1], _coverage_span_h(r.coverage)))
    return out


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _coverage_result(run: RunFolder, instrument: str, region: str = "russia", track_days: float = 1.0):
    """What :func:`rossim.maps.coverage_map` reads of a coverage result, rebuilt from the run's
    ``coverage_cells.csv`` and ``ground_track.csv`` (cell coordinates, areas, access counts, mean
    revisit and first access per cell; the first ``track_days`` of the ground track), both checked
    (:mod:`rossim.resultfiles`). None if the run has no coverage or no cell of that region and
    instrument."""
    from types import SimpleNamespace

    d = run.coverage_dir
    if d is None:
        return None
    cells = resultfiles.read_csv(d / "coverage_cells.csv", resultfiles.CELLS_COLUMNS, label="coverage")
    mine = np.array([r == region and i == instrument for r, i in zip(cells["region"], cells["instrument"])],
                    dtype=bool)
    if not mine.any():
        return None
    a = {k: np.asarray(cells[k], dtype=float)[mine] for k in
         ("lat_deg", "lon_deg", "area_km2", "accesses", "first_access_h", "revisit_mean_h")}
    t0: list[dt.datetime] = []

    def beyond(row) -> bool:  # stop reading at the first sample after track_days
        t = _utc(row["time_utc"])
        if not t0:
            t0.append(t)
        return (t - t0[0]).total_seconds() / 86400.0 > track_days

    rows = resultfiles.read_csv(d / "ground_track.csv", resultfiles.TRACK_COLUMNS, label="coverage", stop=beyond)
    track = None
    if rows["time_utc"]:
        days = [(_utc(t) - t0[0]).total_seconds() / 86400.0 for t in rows["time_utc"]]
        track = SimpleNamespace(days=np.array(days), lat_deg=np.array(rows["lat_deg"], dtype=float),
                                lon_deg=np.array(rows["lon_deg"], dtype=float))
    return SimpleNamespace(lat_deg=a["lat_deg"], lon_deg=a["lon_deg"], area_km2=a["area_km2"],
                           access_count=a["accesses"].astype(int),
                           cell_revisit_mean_h=a["revisit_mean_h"], first_access_days=a["first_access_h"] / 24.0,
                           track=track)


# ------------------------------------------------------------------------------ figures of a folder


def _save(fig, folder: Path, name: str, svg: bool) -> Path:
    path = folder / f"{name}.png"
    figures.save(fig, path, svg=svg)
    return path


def _coverage_maps(found: Sequence[tuple[RunFolder, Any]], instrument: str, folder: Path,
                   svg: bool) -> list[tuple[str, Path]]:
    """One map of Russia per scenario (:func:`rossim.maps.coverage_map`) of its coverage result
    (``found``: (run, :func:`_coverage_result`) pairs), mean revisit per cell of ``instrument`` on
    one colour scale: 0 to the round number at or above the largest of the scenarios' 95th
    percentiles (the scale each map would get alone, made common)."""
    from . import maps

    if not found:
        return []
    p95 = [float(np.percentile(v[np.isfinite(v)], 95)) for _, res in found
           if np.isfinite(v := res.cell_revisit_mean_h).any()]
    vmax = maps.nice_ceiling(max(p95)) if p95 else 1.0
    out = []
    for r, res in found:
        from . import coverage_run

        fig = maps.coverage_map(res, title=coverage_run.map_title(r.coverage, instrument), vmin=0.0, vmax=vmax,
                                stamp=maps.overrides_stamp(r.coverage.get("overrides")))
        path = folder / f"fig_map_{r.label}_{instrument}.png"
        maps.save(fig, path)
        if svg:
            with atomic_file(path.with_suffix(".svg")) as tmp:
                fig.savefig(tmp, format="svg", metadata={"Date": None})
        out.append((f"{r.label}: mean revisit per cell over Russia ({instrument}); colour scale shared "
                    f"by all scenarios (0–{vmax:g} h).", path))
    return out


def run_figures(run: RunFolder, folder: Path, svg: bool = False) -> list[tuple[str, Path]]:
    """Write the figures of one run folder; returns (caption, path) pairs."""
    title = run.title
    out = _occupancy_figures([run], folder, svg, title)
    b = None if out else _bands(run)
    if b is not None:  # a folder written before occupancy.csv
        fig = figures.capacity_figure([b], title=f"Crew capacity and crew aboard — {title}")
        out.append(("Crew capacity and crew aboard over time (median, 10–90 % band, median phase-complete "
                    "dates).", _save(fig, folder, "fig_capacity", svg)))
    fig = figures.timeline_figure([(run.label, _module_bars(run), run.horizon)],
                                  title=f"Assembly timeline — {title}")
    out.append(("Assembly timeline: median ready → median docked per module; whiskers: 10–90 % of the "
                "docking date; red notes: share of replications with a loss.", _save(fig, folder, "fig_timeline", svg)))
    shown = cdf_milestones([run])
    fig = figures.milestone_cdf_figure([_milestone_sample(run, shown)], shown, run.deadline,
                                       title=f"When milestones are reached — {title}")
    out.append(("Empirical CDFs of milestone dates; a curve ending below 100 % at the horizon means some "
                "replications never reach it.", _save(fig, folder, "fig_milestones", svg)))
    curves = _coverage_curves([run], None)
    if curves:
        fig = figures.coverage_time_figure(curves, "Russia", title=f"Coverage of Russia over time — {title}")
        out.append(("Share of Russia's area observed at least once vs elapsed hours, per instrument.",
                    _save(fig, folder, "fig_coverage_time", svg)))
    return out


def comparison_figures(comp: Comparison, folder: Path, svg: bool = False) -> list[tuple[str, Path]]:
    """Write the figures of a comparison folder; returns (caption, path) pairs."""
    runs = comp.runs
    names = " vs ".join(r.label for r in runs)
    # every file read (and checked) before any figure is drawn
    found = [(r, res) for r in runs if comp.instrument and (res := _coverage_result(r, comp.instrument)) is not None]
    out = _occupancy_figures(runs, folder, svg, names)
    bands = [] if out else [b for b in (_bands(r) for r in runs) if b is not None]
    if bands:  # some run folder was written before occupancy.csv
        fig = figures.capacity_figure(bands, title=f"Crew capacity and crew aboard — {names}")
        out.append(("Crew capacity and crew aboard over time, one colour per scenario (median, 10–90 % band, "
                    "median phase-complete dates dashed).", _save(fig, folder, "fig_capacity", svg)))
    fig = figures.timeline_figure([(r.label, _module_bars(r), r.horizon) for r in runs],
                                  title=f"Assembly timeline — {names}")
    out.append(("Assembly timelines: median ready → median docked per module; whiskers: 10–90 % of the "
                "docking date; red notes: share of replications with a loss.", _save(fig, folder, "fig_timeline", svg)))
    shown = cdf_milestones(runs)
    fig = figures.milestone_cdf_figure([_milestone_sample(r, shown) for r in runs], shown, comp.deadline,
                                       title=f"When milestones are reached — {names}")
    out.append(("Empirical CDFs of milestone dates per scenario; plateaus below 100 % are replications that "
                "never reach the milestone within the horizon.", _save(fig, folder, "fig_milestones", svg)))
    if comp.instrument:
        out += _coverage_maps(found, comp.instrument, folder, svg)
        curves = _coverage_curves(runs, None)
        if curves:
            fig = figures.coverage_time_figure(curves, "Russia", title=f"Coverage of Russia over time — {names}")
            out.append(("Share of Russia's area observed at least once vs elapsed hours; colour: scenario, "
                        "line style: instrument.", _save(fig, folder, "fig_coverage_time", svg)))
    return out


# ------------------------------------------------------------------------------ HTML

_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;max-width:1180px;margin:2em auto;
padding:0 1em;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #0072B2;padding-bottom:.2em;margin-top:1.8em}
h3{margin-top:1.4em}.sub{color:#555;margin-top:0}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .55em;
text-align:right;vertical-align:top}th{background:#eef3f8}td:first-child,th:first-child{text-align:left}
tr:nth-child(even) td{background:#fafafa}.better{font-weight:bold;color:#006400}
figure{margin:1.2em 0}figure img{max-width:100%;border:1px solid #ddd}figcaption{color:#444;font-size:.9em}
pre{background:#f6f6f6;border:1px solid #ddd;padding:.8em;overflow-x:auto;font-size:.8em;white-space:pre}
.note{color:#555;font-size:.9em}details{margin:.6em 0}summary{cursor:pointer;font-weight:bold}
td:first-child{min-width:14em}.wide{overflow-x:auto}table.nowrap td:not(:first-child){white-space:pre}
.num{white-space:nowrap}.brief{font-size:1.08em;background:#eef3f8;border-left:4px solid #0072B2;
padding:.6em .9em;margin:1em 0}table.comparison th,table.comparison td{overflow-wrap:anywhere}
table.comparison td:first-child{min-width:10em}
"""

_e = html.escape


#: Largest PNG embedded in a report (a figure of rossim's is < 1 MB).
MAX_PNG_BYTES = 64 * 2**20
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _data_uri(path: Path) -> str:
    data = inputfiles.read_bytes(path, MAX_PNG_BYTES)
    if not data.startswith(_PNG_SIGNATURE):
        raise InputError(f"not a PNG image (starts with {inputfiles.got(data[:8])})", source=str(path))
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _figure_html(caption: str, path: Path) -> str:
    return (f'<figure><img alt="{_e(caption)}" src="{_data_uri(path)}">'
            f"<figcaption>{_e(caption)} <span class=\"note\">({_e(path.name)})</span></figcaption></figure>")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], classes: Sequence[Sequence[str]] | None = None,
           nowrap: bool = False, whole: Sequence[int] = ()) -> str:
    """An HTML table; ``nowrap``: cells other than the first keep their lines (break only at
    newlines: a date is never cut at its hyphens); ``whole``: the columns whose cells break only
    around " – " (a range of dates: each date kept whole); a header of empty names is left out (rows
    of a name and its value: no empty grey row on top)."""
    h = "".join(f"<th>{_e(x)}</th>" for x in header)
    head = f"<thead><tr>{h}</tr></thead>" if any(header) else ""
    body = []
    for k, r in enumerate(rows):
        cells = []
        for j, x in enumerate(r):
            cls = classes[k][j] if classes else ""
            text = (" – ".join(f'<span class="num">{_e(part)}</span>' for part in str(x).split(" – "))
                    if j in whole else _e(str(x)))
            cells.append(f'<td class="{cls}">{text}</td>' if cls else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    attr = ' class="nowrap"' if nowrap else ""
    return f"<table{attr}>{head}<tbody>{''.join(body)}</tbody></table>"


def _pct(v) -> str:
    return "—" if v is None else f"{v:.1%}"


def _n(v, fmt="{:,.0f}") -> str:
    return "—" if v is None else fmt.format(v)


def _key_figures(run: RunFolder) -> str:
    s = run.summary
    rows = []
    for m in run.milestones:
        e = s["milestones"][m]
        rows.append([milestone_name(m), e["p10"] or "after horizon", date_pm(e), e["p90"] or "after horizon",
                     share_pm(e, "probability"), share_pm(e, "probability_by_deadline")])
    out = [f"<h3>Milestones ({run.n:,} replications)</h3>",
           _table(["milestone", "10 %", "median ± MC error", "90 %", f"P(by horizon {s['horizon']})",
                   f"P(by {s['deadline']})"], rows, nowrap=True),
           '<p class="note">Dates: 10 %, median and 90 % of the replications. "± 45 d" after a median and '
           '"± 3" after a probability (percentage points) are the Monte Carlo error: the wider half of the 95 % '
           "interval of that estimate from this many replications (order statistics for dates, Wilson for "
           "probabilities; \u201c+?\u201d: the interval reaches past the horizon); another seed moves the "
           "number within it. <i>Hosting N routinely</i>: the first date with at least N aboard from which at "
           "least N are aboard 90 % of the following 365 days (needs that year within the horizon); "
           "<i>crew capacity \u2265 N</i> is only the first instant N could be aboard.</p>"]
    rows = []
    for key, name, fmt in (("person_days", "person-days aboard", "{:,.0f}"),
                           ("fraction_crewed", "fraction of time crewed", "{:.1%}"),
                           ("launches", "launches", "{:,.0f}"), ("losses", "losses (launch failures)", "{:,.1f}")):
        q = s[key]
        mean = _n(q.get("mean"), fmt)
        if q.get("mean_low") is not None and q.get("mean_high") is not None:
            mean += f" [{_n(q['mean_low'], fmt)} – {_n(q['mean_high'], fmt)}]"
        rows.append([name, *(_n(q.get(k), fmt) for k in ("p10", "p50", "p90")), mean])
    out += ["<h3>Totals over the run</h3>",
            _table(["quantity", "10 %", "median", "90 %", "mean [95 % MC interval]"], rows)]
    out.append(_occupancy_table(run))
    if run.person_days_years:
        pd_ = run.person_days
        rows = []
        for j, y in enumerate(run.person_days_years):
            v = pd_[:, j]
            q = np.quantile(v, (0.1, 0.5, 0.9)) if v.size else [np.nan] * 3
            rows.append([str(y), *(f"{x:,.0f}" for x in q), f"{v.mean():,.1f}" if v.size else "—"])
        out += ["<h3>Person-days aboard by calendar year</h3>",
                _table(["year", "10 %", "median", "90 %", "mean"], rows)]
    rows = []
    info = run.module_info()
    for mid, m in s["modules"].items():
        rows.append([info.get(mid, {}).get("name") or mid, m.get("docked_p10") or "after horizon",
                     m.get("docked_p50") or "after horizon", m.get("docked_p90") or "after horizon",
                     _pct(m.get("probability_docked")), _n(m.get("mean_losses"), "{:.2f}")])
    out += ["<h3>Modules: docking dates</h3>",
            _table(["module", "10 %", "median", "90 %", "P(docked)", "mean losses"], rows)]
    if run.coverage:
        out.append(_coverage_table(run))
    return "\n".join(out)


def _occupancy_table(run: RunFolder) -> str:
    """Share of each calendar year with at least N aboard (N: the hosting levels), mean over the
    replications with its 95 % interval and the 10–90 % range; empty for an older folder."""
    by = run.occupancy_by_year
    if by is None:
        return ""
    levels = [k for k in (_hosting_levels([run]) or [by["levels"][-1]]) if k in by["levels"]]
    rows = []
    for i, y in enumerate(by["years"]):
        row = [str(y)]
        for k in levels:
            j = by["levels"].index(k)
            row += [f"{100 * by['share_mean'][j, i]:.0f} % [{100 * by['share_mean_low'][j, i]:.0f}–"
                    f"{100 * by['share_mean_high'][j, i]:.0f}]",
                    f"{100 * by['share_p10'][j, i]:.0f}–{100 * by['share_p90'][j, i]:.0f} %"]
        rows.append(row)
    header = ["year"]
    for k in levels:
        header += [f"\u2265 {k} aboard: mean share [95 % MC]", f"\u2265 {k}: 10–90 % of replications"]
    return ("<h3>Share of each calendar year with at least N cosmonauts aboard</h3>" + _table(header, rows)
            + '<p class="note">The mean over replications of the share of the year with at least N aboard [its 95 % '
              "Monte Carlo interval], and the range from the 10 % to the 90 % replication. A first or last year cut "
              "by the start or the horizon counts its simulated days only.</p>")


def _coverage_table(run: RunFolder) -> str:
    return _coverage_summary_table(run.coverage or {}, run.coverage_instruments())


def _coverage_summary_table(cov: dict, instruments: Sequence[str]) -> str:
    """The figures of merit of a ``coverage_summary.json`` dict, region by instrument."""
    keys = [("percent_area_observed", "area observed (%)", "{:.1f}"), ("time_to_50pct_h", "50 % after (h)", "{:,.1f}"),
            ("time_to_90pct_h", "90 % after (h)", "{:,.1f}"), ("revisit_mean_h", "mean revisit (h)", "{:,.1f}"),
            ("revisit_p95_h", "95 % revisit (h)", "{:,.1f}"), ("revisit_max_h", "max revisit (h)", "{:,.1f}"),
            ("longest_gap_h", "longest gap (h)", "{:,.1f}")]
    rows = []
    regions = [*REGIONS, *(r for r in cov.get("regions", {}) if r not in REGIONS)]
    for region in regions:
        for inst in instruments:
            try:
                e = cov["regions"][region][inst]
            except (KeyError, TypeError):
                continue
            rows.append([REGION_NAMES.get(region, region), inst,
                         *(_n(e.get(k), f) if isinstance(e.get(k), (int, float)) or e.get(k) is None else str(e.get(k))
                           for k, _, f in keys)])
    span = _coverage_span_h(cov)
    note = f" over {span / 24:g} day{'' if span == 24 else 's'}" if span else ""
    return (f"<h3>Coverage{_e(note)}</h3>"
            + _table(["region", "instrument", *(n for _, n, _ in keys)], rows))


def _made_by(folder: Path) -> str:
    """"How this was made": the provenance in the folder's ``manifest.json`` (or, for a run
    inside a comparison, the comparison's), as a table; empty when there is none."""
    home = folder if read_manifest(folder) is not None else folder.parent
    m = read_manifest(home)
    if m is None:
        return ""

    def text(value) -> str:
        if isinstance(value, str):
            return value[:2000]
        return json.dumps(value, ensure_ascii=False)[:2000]

    rows = []
    if isinstance(m.get("command"), list):
        rows.append(("command", " ".join(shlex.quote(str(a)) for a in m["command"])[:2000]))
    for item in m.get("inputs") or []:
        if isinstance(item, dict):
            digest = item.get("sha256") or item.get("manifest_sha256")
            rows.append(("input", f"{text(item.get('path'))}" + (f" (SHA-256 {text(digest)})" if digest else "")))
    if m.get("finished_utc") is None and _written_here(home):
        # a folder this process is writing: its command writes the report last, before it seals
        # the manifest (which lists the report's SHA-256): the work is finished now, the folder next
        m = {**m, "finished_utc": now_utc()}
    for key, label in (("overrides", "overrides"), ("seed", "seed"), ("replications", "replications"),
                       ("workers_requested", "workers asked for"), ("workers", "worker processes"),
                       ("cores", "cores"),
                       ("started_utc", "started (UTC)"), ("finished_utc", "finished (UTC)"),
                       ("rossim_version", "rossim"), ("python", "Python"), ("platform", "platform")):
        if m.get(key) not in (None, [], ""):
            rows.append((label, text(m[key])))
    if isinstance(m.get("packages"), dict):
        rows.append(("packages", ", ".join(f"{k} {v}" for k, v in m["packages"].items())[:2000]))
    return ("<h2>How this was made</h2>\n" + _table(("", ""), rows)
            + '\n<p class="note">From manifest.json, which also lists every file of the folder with its '
              "size and SHA-256.</p>")


def _written_here(folder: Path) -> bool:
    """Whether this process is writing ``folder`` (:func:`rossim.folders.output_dir` marks it with
    its process id until it is in place; a killed run's leftover names another process)."""
    try:
        return (folder / PARTIAL_MARKER).read_text(encoding="utf-8").strip() == str(os.getpid())
    except (OSError, UnicodeDecodeError):
        return False


def _write_page(path: Path, title: str, body: Sequence[str]) -> None:
    """Write the page atomically: a killed ``rossim report`` leaves the previous page, not half of one."""
    with atomic_file(path) as tmp:
        tmp.write_text(_page(title, "\n".join(body)), encoding="utf-8")


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n{body}\n"
            f"<p class=\"note\">Written by rossim on {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC. "
            "Self-contained: figures embedded, no external resources.</p></body></html>\n")


def _in_brief(sentences: Sequence[str]) -> str:
    """The plain-language summary at the top of a report (:mod:`rossim.headlines`)."""
    return '<p class="brief">' + " ".join(_e(x) for x in sentences) + "</p>"


def _scenario_header(run: RunFolder, level: int = 1) -> str:
    meta = run.meta
    parts = [f"<h{level}>{_e(run.title)}</h{level}>",
             f'<p class="sub">scenario <b>{_e(run.name)}</b>'
             + (f" — plan: {_e(meta['plan'])}" if meta.get("plan") else "") + "</p>"]
    if meta.get("description"):
        parts.append(f"<p>{_e(str(meta['description']).strip())}</p>")
    s = run.summary
    ov = s.get("overrides") or []
    kept = (f"{run.n:,} of {s['of']:,} replications, those where {' and '.join(s['where'])}"
            if s.get("where") and s.get("of") else f"{run.n:,} replications")
    forced = "; ".join(headlines.forced_event(e) for e in s.get("what_if") or [])
    parts.append(f'<p class="note">{_e(kept)}, seed {_e(str(s.get("seed")))}, simulated '
                 f'{_e(s["start"])} to {_e(s["horizon"])}'
                 + (f"; in every replication, {_e(forced)}" if forced else "")
                 + (f"; overrides: {_e(', '.join(ov))}" if ov else "") + ".</p>")
    return "\n".join(parts)


def _png_order(path: Path) -> tuple[str, int]:
    """Sort key of a folder's PNGs: by name, but each pair's difference maps together in the order of
    :data:`rossim.coverage_compare.MAP_PREFIX` (Russia, the Arctic zone, the NSR corridor), not
    alphabetically (the Arctic zone's first)."""
    from .coverage_compare import MAP_PREFIX

    for rank, prefix in enumerate(MAP_PREFIX.values()):
        if path.stem.startswith(prefix):
            return "fig_difference_" + path.stem.removeprefix(prefix), rank
    return path.stem, -1


def _extra_pngs(folder: Path, run: RunFolder | None, done: set[Path]) -> list[tuple[str, Path]]:
    """PNGs in the folder (and its coverage folder) not drawn by this module, e.g. coverage maps."""
    dirs = [folder]
    if run is not None and run.coverage_dir is not None and run.coverage_dir != folder:
        dirs.append(run.coverage_dir)
    out = []
    for d in dirs:
        for p in sorted(d.glob("*.png"), key=_png_order):
            if p.resolve() not in done:
                from . import coverage_figures

                cap = coverage_figures.caption(p.stem) or p.stem.replace("_", " ")
                out.append((cap, p))
    return out


#: "99 %": the share of a year's observable area that counts as full coverage, in words.
_FULL_PERCENT = f"{campaign_coverage_compare.FULL_SHARE * 100:.0f} %"


def _campaign_coverage_section(run: RunFolder, folder: Path) -> str:
    """The campaign coverage of a run made with ``--coverage`` (:mod:`rossim.campaign_coverage`):
    a table of a few calendar years (mean percent observed and P(full), each with its 95 %
    Monte Carlo interval), the first year of full coverage, and its figure; empty without it."""
    from . import coverage_figures

    cc = run.campaign_coverage
    if cc is None:
        return ""
    where = "; ".join(f"{name} {campaign_coverage_compare.where_words(e)}" for name, e in cc["instruments"].items())
    out = ["<h2>Coverage over the campaign</h2>",
           f'<p class="sub">How much of Russia, the Arctic zone and the Northern Sea Route corridor the station '
           f"observes in each calendar year, given each replication's commissioning and crew dates ({_e(where)}; "
           f"{cc['replications']:,} replications, {cc['resolution_km']:g} km cells).</p>"]
    for title, header, rows in campaign_coverage_compare.report_tables(cc, run.summary["horizon"]):
        out += [f"<h3>{_e(title)}</h3>", _table(header, rows, nowrap=True)]
    out.append('<p class="note">Mean % observed: the mean over the replications of the percent of the region '
               "observed that year [its 95 % Monte Carlo interval] (a replication observes a year mostly all or "
               "nothing, so the median is 0 or 100 %). P(full) %: the share of replications observing "
               f"at least {_FULL_PERCENT} of what a year of uninterrupted observation gives, in percent "
               "[its 95 % Wilson interval]. A first or "
               "last year cut by the start or the horizon counts its simulated days only. Every year, with the "
               "10 % and 90 % of replications and the revisit: campaign_coverage.csv.</p>")
    fig = folder / campaign_coverage_compare.FIGURE_FILE
    if fig.is_file():
        out.append(_figure_html(coverage_figures.caption(fig.stem) or "Coverage over the campaign", fig))
    return "\n".join(out)


def write_run_report(folder: str | Path, svg: bool = False, run: RunFolder | None = None) -> Path:
    """Figures and ``report.html`` of a run folder; returns the report's path. ``run``: the folder
    already read (:func:`rossim.compare.read_run`; a million replications take seconds to read),
    shown under its scenario's name as when it is read here."""
    folder = Path(folder)
    run = read_run(folder) if run is None else dataclasses.replace(run, label=run.summary["scenario"])
    figs = run_figures(run, folder, svg)
    campaign = _campaign_coverage_section(run, folder)  # with its figure, not again below
    shown = {p.resolve() for _, p in figs} | ({(folder / campaign_coverage_compare.FIGURE_FILE).resolve()}
                                              if campaign else set())
    figs += _extra_pngs(folder, run, shown)
    body = [_scenario_header(run), _in_brief(headlines.run_sentences(run.summary)),
            "<h2>Key figures</h2>", _key_figures(run), campaign, "<h2>Figures</h2>",
            *(_figure_html(c, p) for c, p in figs), _made_by(folder),
            "<h2>Scenario file (as run)</h2>", f"<pre>{_e(run.scenario_text)}</pre>"]
    path = folder / "report.html"
    _write_page(path, f"rossim — {run.title}", body)
    return path


#: Most scenarios whose comparison table keeps a Δ and a "better" column per scenario; with more,
#: each scenario's Δ and verdict go under its value (one column per scenario), so that the table
#: fits a 1280 px page.
SIDE_BY_SIDE_MAX = 2


def _cell(text: str, cls: str = "", verdict: str = "") -> str:
    """A comparison cell: each line of ``text`` kept whole (numbers: no break inside a line), then
    ``verdict`` (text, may wrap) on a line of its own, a scenario's name preferably after an
    underscore ("ross_high_" / "latitude", not "ross_high_lat" / "itude")."""
    parts = [f'<span class="num">{_e(line)}</span>' for line in text.split("\n") if line]
    if verdict:
        words = _e(verdict).replace("_", "_<wbr>")
        parts.append(f'<span class="{cls}">{words}</span>' if cls else words)
    return "<td>" + "<br>".join(parts) + "</td>"


def _comparison_table(comp: Comparison) -> str:
    """The comparison as HTML: a Δ and a "better" column per other scenario when there are at most
    :data:`SIDE_BY_SIDE_MAX` scenarios, else one column per scenario with its Δ and verdict under
    its value. Numbers never break inside a line; labels and names wrap (``overflow-wrap``)."""
    labels = comp.labels
    side = len(labels) <= SIDE_BY_SIDE_MAX
    header = ["metric", *labels]
    if side:
        for lb in labels[1:]:
            header += [f"Δ {lb} − {labels[0]}", "better"]
    body = []
    for row, vals, ds in table_rows(comp, sep="\n"):
        name = row.label.replace(": median date", ": median ± MC error [10 % – 90 %]")
        cells = [f"<td>{_e(name)}</td>", _cell(vals[0])]
        for i in range(1, len(labels)):
            delta, better = ds[2 * i - 2], ds[2 * i - 1]
            cls = "better" if better not in ("", "same", WITHIN_NOISE) else ""
            if side:
                cells += [_cell(vals[i]), _cell(delta), _cell("", cls, better)]
            else:
                cells.append(_cell(vals[i] + (f"\nΔ {delta}" if delta else ""), cls,
                                   f"{better} better" if cls else better))
        body.append("<tr>" + "".join(cells) + "</tr>")
    h = "".join(f"<th>{_e(x)}</th>" for x in header)
    return (f'<div class="wide"><table class="comparison"><thead><tr>{h}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _campaign_comparison_note(comp: Comparison) -> str:
    """How to read the campaign-coverage rows of a comparison, and why some are missing."""
    text = ""
    if comp.campaign_instrument:
        text = (f"Coverage over the campaign ({comp.campaign_instrument}, rows \u201cobserved in YEAR\u201d): in each "
                "calendar year, the mean over the replications of the percent of the region observed given "
                "each replication's commissioning and crew dates ± its Monte Carlo error, and P(full coverage), "
                f"the share of replications observing at least {_FULL_PERCENT} of what a year of uninterrupted "
                "observation gives ± percentage points (Wilson); the first year of full coverage is the median ± years. "
                "A difference is called only beyond the Monte Carlo noise (for P(full), Fisher's exact test on "
                "the counts of replications). ")
    if comp.campaign_notes:
        text += "Campaign coverage: " + "; ".join(comp.campaign_notes) + "."
    return f'<p class="note">{_e(text.strip())}</p>'


def _comparison_report(folder: Path, svg: bool, runs: Sequence[RunFolder] | None = None) -> Path:
    data = resultfiles.read_json(folder / "comparison.json", resultfiles.COMPARISON, label="comparison")
    if runs is None or [(r.path, r.label) for r in runs] != [(folder / e["folder"], e["label"])
                                                            for e in data["scenarios"]]:
        runs = [read_run(folder / e["folder"], e["label"]) for e in data["scenarios"]]
    campaign = data.get("campaign_coverage")
    comp = compare_runs(runs, dt.date.fromisoformat(data["deadline"]), instrument=data.get("coverage_instrument"),
                        campaign_instrument=campaign.get("instrument") if isinstance(campaign, dict)
                        and isinstance(campaign.get("instrument"), str) else None)
    figs = comparison_figures(comp, folder, svg)
    figs += _extra_pngs(folder, None, {p.resolve() for _, p in figs})
    names = " vs ".join(comp.labels)
    body = [f"<h1>Comparison: {_e(names)}</h1>", _in_brief(headlines.comparison_sentences(comp)),
            f'<p class="sub">Reference: <b>{_e(comp.labels[0])}</b>. Δ = scenario − reference (days for dates, '
            "percentage points for shares); <i>better</i> names the better scenario on that metric: earlier "
            "dates, higher probabilities, person-days and coverage, lower revisit times and losses; "
            "<i>within noise</i>: the difference does not exceed the Monte Carlo noise of the two estimates "
            "(their 95 % intervals from the replications), so another seed could reverse it.</p>",
            _table(["scenario", "title", "replications", "seed", "simulated"],
                   [[r.label, r.title, str(r.n), str(r.summary.get("seed")),
                     f"{r.summary['start']} – {r.summary['horizon']}"] for r in runs], whole=(4,))]
    if comp.instrument:
        spans = {r.label: _coverage_span_h(r.coverage) for r in runs if r.coverage}
        span_txt = ", ".join(f"{k}: {v / 24:g} d" for k, v in spans.items() if v)
        body.append(f'<p class="note">Coverage figures for instrument <b>{_e(comp.instrument)}</b>'
                    + (f" (span {_e(span_txt)})" if span_txt else "") + f". Note: {_e(REVISIT_NOTE)}.</p>")
    body += ["<h2>Comparison table</h2>", _comparison_table(comp),
             '<p class="note">Dates: median of the replications ± its Monte Carlo error (the wider half of its 95 % '
             "interval; +?: it reaches past the horizon), then [10 % – 90 %] of the replications; shares ± "
             "percentage points and means ± their error likewise. Exact values of every row, including the 10 % and 90 % dates' deltas, are in comparison.csv and comparison.json.</p>"]
    if comp.campaign_instrument or comp.campaign_notes:
        body.append(_campaign_comparison_note(comp))
    from . import coverage_compare

    diff = coverage_compare.report_table(folder)
    if diff is not None:
        body += ["<h3>What one orbit sees that the other cannot</h3>", _table(diff[0], diff[1]),
                 f'<p class="note">{_e(diff[2])}</p>']
    body += ["<h2>Figures</h2>", *(_figure_html(c, p) for c, p in figs)]
    for r in runs:
        body += [f"<h2>Scenario: {_e(r.label)}</h2>", _scenario_header(r, level=3), _key_figures(r),
                 f'<p class="note">This scenario\'s own report with its figures is {_e(r.path.name)}/report.html '
                 "in this folder.</p>",
                 f"<details><summary>Scenario file (as run)</summary><pre>{_e(r.scenario_text)}</pre></details>"]
    body.append(_made_by(folder))
    path = folder / "report.html"
    _write_page(path, f"rossim — comparison {names}", body)
    return path


def write_coverage_report(folder: str | Path, svg: bool = False) -> Path:
    """Figures and ``report.html`` of a ``rossim coverage`` folder; returns the report's path."""
    folder = Path(folder)
    cov = resultfiles.coverage_summary(folder / "coverage_summary.json")
    instruments = list(cov["instruments"])
    title = cov.get("title") or cov["scenario"]
    curves = []
    for inst in instruments:
        c = coverage_curve(cov, "russia", inst)
        if c is not None:
            curves.append(figures.CoverageCurve(str(cov["scenario"]), inst, c[0], c[1], _coverage_span_h(cov)))
    figs = []
    if curves:
        from . import maps

        fig = figures.coverage_time_figure(curves, title=f"Coverage of Russia over time — {title}",
                                           note=maps.overrides_stamp(cov.get("overrides")))
        figs.append(("Coverage of Russia over time", _save(fig, folder, "fig_coverage_time", svg)))
    figs += _extra_pngs(folder, None, {p.resolve() for _, p in figs})
    body = [f"<h1>{_e(title)}</h1>",
            f'<p class="sub">Coverage of scenario <b>{_e(str(cov["scenario"]))}</b> from '
            f'{_e(headlines.describe_orbit(cov["orbit"]))}, over {_e(headlines.describe_span(cov["span"]))}, '
            f'on cells of {cov["resolution_km"]:g} km'
            + (f"; overrides: {_e(', '.join(cov['overrides']))}" if cov.get("overrides") else "") + ".</p>",
            _in_brief(headlines.coverage_sentences(cov)),
            "<h2>Figures of merit</h2>", _coverage_summary_table(cov, instruments),
            f'<p class="note">{_e(REVISIT_NOTE)}</p>',
            "<h2>Figures</h2>", *(_figure_html(c, p) for c, p in figs)]
    body.append(_made_by(folder))
    path = folder / "report.html"
    _write_page(path, f"rossim coverage — {title}", body)
    return path


def write_report(folder: str | Path, svg: bool = False, runs: Sequence[RunFolder] | None = None) -> Path:
    """Figures and ``report.html`` of a run folder, a comparison folder or a coverage folder.
    ``runs``: a comparison's scenario folders already read (:func:`rossim.compare.build`), used
    when they are the ones its ``comparison.json`` names."""
    folder = Path(folder)
    if not folder.exists():
        raise InputError("no such folder; expected a rossim run, coverage or comparison folder", source=str(folder))
    if not folder.is_dir():
        raise InputError("not a folder; expected a rossim run, coverage or comparison folder", source=str(folder))
    if (folder / "comparison.json").exists():
        return _comparison_report(folder, svg, runs)
    if (folder / "summary.json").exists():
        return write_run_report(folder, svg)
    if (folder / "coverage_summary.json").exists():
        return write_coverage_report(folder, svg)
    raise InputError("not a rossim run folder, nor a coverage or comparison one (no summary.json, comparison.json "
                     "or coverage_summary.json); sweep, drivers and backtest folders have no report: read their "
                     "CSV files and figures", source=str(folder))
