"""Campaign coverage read back from run folders: the table of a run's report and the rows of
``rossim compare``.

A run made with ``rossim run --coverage`` holds ``campaign_coverage.json``
(:mod:`rossim.campaign_coverage`): per instrument and region, the percent of the region observed in
each calendar year across replications (10/50/90 % with 95 % Monte Carlo intervals), the share of
replications with full coverage that year (``p_full``, Wilson interval) and the first year of full
coverage (10/50/90 %, censored at the horizon). :func:`read` reads and checks it.

For the run's report, :func:`report_tables` gives a few years of it as table rows (the mean
percent observed with its interval, P(full) with its interval) and the first full year. The mean,
not the median: a replication observes a region in a year wholly or not at all (its station is
there or not yet), so the median percent is nearly always 0 or 100 and jumps between them where
P(full) passes one half.

For ``rossim compare``, :func:`comparison_rows` gives the rows of the comparison table (the caller,
:func:`rossim.compare.compare_runs`, makes them :class:`rossim.compare.Row`), each value with its
Monte Carlo interval (:class:`rossim.montecarlo.Interval`) so that a difference is called only when
it exceeds the noise (:func:`rossim.montecarlo.differs`: a two-sample z test for the mean percent
observed, disjoint order-statistic intervals for the median first full year, and for P(full)
:func:`rossim.montecarlo.proportions_differ` on the counts k = round(P(full) n): Fisher's exact
test, the pooled score test for large counts). Only like is compared with like:
one instrument id present in every run, a calendar year every run simulates alike (the same part
of it: a year cut by a start or horizon that differs is left out), a region of the same area; every
row left out is said in a note.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from . import montecarlo, resultfiles
from .errors import InputError
from .resultfiles import BOOL, DATE, NAME, NONNEG, NUMBER, PERCENT, POSITIVE, SHARE, TEXT, Kind, MapOf, optional

__all__ = ["read", "shown_years", "compared_years", "report_tables", "comparison_rows", "comparison_sentence", "REPORT_YEARS",
           "COMPARED_YEARS"]

#: As :data:`rossim.campaign_coverage.JSON_FILE`, ``FIGURE_FILE``, ``REGION_LABELS`` and
#: ``FULL_SHARE`` (not imported: that module loads the coverage engine, a second more for every
#: compare and report; a test checks that they agree).
JSON_FILE = "campaign_coverage.json"
FIGURE_FILE = "fig_campaign_coverage.png"
REGION_LABELS = {"russia": "Russia", "arctic": "Arctic zone", "nsr": "NSR corridor"}
FULL_SHARE = 0.99
#: What "full coverage" (P(full)) means, in words.
FULL_WORDS = (f"{FULL_SHARE * 100:.0f} % of the area a year of uninterrupted observation from that orbit gives "
              "(not of the region: a 51.6° orbit never sees the far north)")
#: At most this many calendar years in a run report's table (every year, else every other ...).
REPORT_YEARS = 10
#: At most this many calendar years compared in ``rossim compare`` (evenly spread).
COMPARED_YEARS = 5

_YEAR = Kind("a calendar year", lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 9999)
_Q = ("p10", "p50", "p90")
_BY_YEAR = {
    **{f"percent_{q}{s}": optional(PERCENT) for q in (*_Q, "mean") for s in ("", "_low", "_high")},
    # a mean ± z se may pass 0 or 100 %
    **{f"percent_mean{s}": optional(NUMBER) for s in ("_low", "_high")},
    "full_year_percent": optional(PERCENT),
    **{f"p_full{s}": optional(SHARE) for s in ("", "_low", "_high")},
}
_REGION = {
    "area_km2": NONNEG,
    "first_full_year": {f"{q}{s}": optional(_YEAR) for q in _Q for s in ("", "_low", "_high")},
    "first_observation?": {f"{q}{s}": optional(DATE) for q in _Q for s in ("", "_low", "_high")},
    "by_year": MapOf(_BY_YEAR, min_items=1),
}
#: ``campaign_coverage.json`` (see :mod:`rossim.campaign_coverage`): what reports and compare read.
SPEC = {
    "scenario": NAME,
    "replications": Kind("a whole number >= 1", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1),
    "resolution_km": POSITIVE,
    "start?": DATE,
    "full_share?": SHARE,
    "instruments": MapOf({"module": optional(TEXT), "needs_crew": BOOL, "regions": MapOf(_REGION, min_items=1)},
                         min_items=1),
}


def read(folder: Path) -> dict | None:
    """The checked ``campaign_coverage.json`` of a run folder, or None when it has none (a run made
    without ``--coverage``). Checked beyond its fields' kinds: every region's years are consecutive
    4-digit keys, the same for every region and instrument, and ``_low <= value <= _high`` for the
    median and mean percent and ``p_full`` (InputError naming the file and the field)."""
    path = Path(folder) / JSON_FILE
    if not path.exists() and not path.is_symlink():
        return None
    data = resultfiles.read_json(path, SPEC, label="run")
    src = str(path)
    first = None
    for inst, entry in data["instruments"].items():
        for region, r in entry["regions"].items():
            field = f"instruments.{inst}.regions.{region}.by_year"
            keys = list(r["by_year"])
            if not all(re.fullmatch(r"\d{4}", k) for k in keys) or \
                    [int(k) for k in keys] != list(range(int(keys[0]), int(keys[0]) + len(keys))):
                raise InputError(f"expected consecutive calendar years (YYYY) in order, got {', '.join(keys[:5])}"
                                 + (" ..." if len(keys) > 5 else ""), source=src, field=field)
            first = first or (field, keys)
            if keys != first[1]:
                raise InputError(f"expected the years of {first[0]} ({_span_words(list(map(int, first[1])))}), "
                                 f"got {_span_words(list(map(int, keys)))}", source=src, field=field)
            for year, e in r["by_year"].items():
                for key in ("percent_p50", "percent_mean", "p_full"):
                    v, lo, hi = e[key], e[f"{key}_low"], e[f"{key}_high"]
                    if v is not None and not ((lo is None or lo <= v + 1e-9) and (hi is None or v <= hi + 1e-9)):
                        raise InputError(f"expected {key}_low <= {key} <= {key}_high, got {lo}, {v}, {hi}",
                                         source=src, field=f"{field}.{year}.{key}")
    return data


def _years(cc: dict, instrument: str) -> list[int]:
    regions = cc["instruments"][instrument]["regions"]
    first = next(iter(regions.values()))
    return [int(y) for y in first["by_year"]]


def _observes(cc: dict, instrument: str, year: int) -> bool:
    """Whether some replication (its 90 %) observes anything of any region in ``year``."""
    for r in cc["instruments"][instrument]["regions"].values():
        e = r["by_year"].get(str(year))
        if e is not None and (e["percent_p90"] or 0.0) > 0.0:
            return True
    return False


def shown_years(years: Sequence[int], observed: Sequence[bool], most: int, before: int = 1) -> list[int]:
    """At most ``most`` of ``years`` (ascending) for a table: the ``before`` years before the first
    in which anything is ``observed`` (nothing, for contrast), then from that first year (where the
    assembly shows) to the last, every year when they fit, else evenly spread (the first and the
    last kept); all years, evenly spread, when nothing is observed."""
    years = list(years)
    first = next((k for k, seen in enumerate(observed) if seen), None)
    lead = []
    if first is not None:
        lead, years = years[max(first - before, 0):first], years[first:]
    room = most - len(lead)
    if len(years) <= room:
        return lead + years
    picks = np.unique(np.round(np.linspace(0, len(years) - 1, room)).astype(int))
    return lead + [years[k] for k in picks]


# ------------------------------------------------------------------------------ a run's report


def _pct(v) -> str:
    return "—" if v is None else f"{v:.1f} %"


def _interval(lo, hi, fmt) -> str:
    return f"[{'?' if lo is None else fmt(lo)}–{'?' if hi is None else fmt(hi)}]"


def mean_cell(e: dict) -> str:
    """"45.2 [43.0–47.9]": the mean percent of the region observed and its 95 % Monte Carlo
    interval (mean ± 1.96 se, shown within 0-100 %; "?": none, from a single replication)."""
    if e["percent_mean"] is None:
        return "—"
    return f"{e['percent_mean']:.1f} " + _interval(e["percent_mean_low"], e["percent_mean_high"],
                                                    lambda x: f"{min(max(x, 0.0), 100.0):.1f}")


def p_full_cell(e: dict) -> str:
    """"80 [66–89]": the share (percent) of replications observing the full year's area, with its
    Wilson interval."""
    if e["p_full"] is None:
        return "—"
    return f"{100 * e['p_full']:.0f} " + _interval(e["p_full_low"], e["p_full_high"], lambda x: f"{100 * x:.0f}")


def year_cell(q: dict, horizon: str | None = None, in_reach: bool = True) -> str:
    """"2031 [2030–2033]": the median first full year and its 95 % Monte Carlo interval ("after
    the horizon" when more than half of the replications see none within it; "never" when no
    year of uninterrupted observation sees any of the region: out of the orbit's reach; "?" an
    open side)."""
    if not in_reach:
        return "never (out of the orbit's reach)"
    if q["p50"] is None:
        return "after the horizon" + (f" ({horizon})" if horizon else "")
    return f"{q['p50']} " + _interval(q["p50_low"], q["p50_high"], str)


def reachable(region_entry: dict) -> bool:
    """Whether a year of uninterrupted observation sees any of the region (``full_year_percent``
    above 0 in some year): a 51.6° orbit never sees the Arctic zone."""
    return any((e.get("full_year_percent") or 0.0) > 0.0 for e in region_entry.get("by_year", {}).values())


def report_tables(cc: dict, horizon: str | None = None) -> list[tuple[str, list[str], list[list[str]]]]:
    """``[(title, header, rows)]`` for a run's report: per instrument and shown calendar year
    (:func:`shown_years`, at most :data:`REPORT_YEARS`), for each region the mean percent
    observed [95 % MC] and P(full) [95 %]; then per instrument and region the first year of full
    coverage (median [95 % MC])."""
    regions = [r for r in REGION_LABELS if any(r in e["regions"] for e in cc["instruments"].values())]
    regions += [r for e in cc["instruments"].values() for r in e["regions"] if r not in regions]
    header = ["instrument", "year"]
    for r in regions:
        header += [f"{REGION_LABELS.get(r, r)}: mean % observed [95 % MC]", f"{REGION_LABELS.get(r, r)}: P(full) %"]
    rows = []
    for inst, entry in cc["instruments"].items():
        years = _years(cc, inst)
        for y in shown_years(years, [_observes(cc, inst, y) for y in years], REPORT_YEARS):
            row = [inst, str(y)]
            for r in regions:
                e = entry["regions"].get(r, {}).get("by_year", {}).get(str(y))
                row += ["—", "—"] if e is None else [mean_cell(e), p_full_cell(e)]
            rows.append(row)
    first = [[inst, *(year_cell(entry["regions"][r]["first_full_year"], horizon, reachable(entry["regions"][r]))
                      if r in entry["regions"] else "—" for r in regions)] for inst, entry in cc["instruments"].items()]
    return [("Area observed per calendar year, given the assembly", header, rows),
            ("First calendar year of full coverage", ["instrument", *(REGION_LABELS.get(r, r) for r in regions)],
             first)]


def where_words(entry: dict) -> str:
    """"on NEM, with crew aboard only": where an instrument of ``campaign_coverage.json`` observes from."""
    where = f"on {entry['module'].upper()}" if entry.get("module") else "from the first module"
    return where + (", with crew aboard only" if entry.get("needs_crew") else "")


# ------------------------------------------------------------------------------ rossim compare


def _instrument(ccs: Sequence[dict], wanted: str | None) -> tuple[str | None, list[str]]:
    """The instrument compared (``wanted`` when every run has it, else radar, else the first every
    run has) and notes on the instruments not compared."""
    sets = [list(c["instruments"]) for c in ccs]
    common = [i for i in sets[0] if all(i in s for s in sets[1:])]
    notes = []
    if wanted is not None and wanted not in common:
        notes.append(f"no instrument {wanted!r} in every run's campaign coverage (common: {', '.join(common) or 'none'})")
    chosen = wanted if wanted in common else "radar" if "radar" in common else (common[0] if common else None)
    if chosen is None:
        notes.append("the runs' campaign coverages have no instrument in common: no rows")
    others = [i for i in common if i != chosen]
    if others:
        notes.append(f"{', '.join(others)} also in every run: compare with --instrument {others[0]}")
    only = sorted({i for s in sets for i in s} - set(common))
    if only:
        notes.append(f"{', '.join(only)}: not in every run's campaign coverage, not compared")
    return chosen, notes


def _simulated_part(run, year: int) -> tuple[str, str]:
    """The part of calendar ``year`` a run simulates: (first day, day after the last), ISO."""
    lo = max(f"{year:04d}-01-01", run.summary["start"])
    hi = min(f"{year + 1:04d}-01-01", run.summary["horizon"])
    return lo, hi


def _noise_quantile(v, lo, hi, censored: bool = False) -> montecarlo.Interval:
    """An order-statistic interval from a JSON quantile (None: unbounded by the replications, or
    for a censored quantity after the horizon)."""
    value = math.nan if v is None else float(v)
    low = (-math.inf if math.isfinite(value) or not censored else math.nan) if lo is None else float(lo)
    high = (math.inf if not censored else math.nan) if hi is None else float(hi)
    return montecarlo.Interval(value, low, high, math.nan)


def _bound(b) -> float:
    return math.nan if b is None else float(b)  # (null: not given)


def _noise_share(p, lo, hi, n: int) -> montecarlo.Interval | None:
    """A share of ``n`` replications with its Wilson interval from the JSON: :func:`rossim.montecarlo.differs`
    compares two by :func:`rossim.montecarlo.proportions_differ` on their counts round(p n) (p is
    written to 8 decimals: the count is exact up to 50 million replications; files written before
    held 4: exact up to 10,000, within n / 20,000 beyond)."""
    if p is None:
        return None
    return montecarlo.Interval(float(p), _bound(lo), _bound(hi), math.sqrt(p * (1.0 - p) / n), n=n)


def _noise_mean(m, lo, hi) -> montecarlo.Interval | None:
    """A mean percent with its normal 95 % interval from the JSON (mean ± z se) and so its standard
    error (high - low) / (2 z); NaN (no test: never called) from a single replication."""
    if m is None:
        return None
    se = (_bound(hi) - _bound(lo)) / (2.0 * montecarlo.z_value())
    return montecarlo.Interval(float(m), _bound(lo), _bound(hi), se)


def comparison_rows(runs: Sequence, wanted: str | None = None) -> tuple[str | None, list[int], list[dict], list[str]]:
    """``(instrument, years, rows, notes)`` of the campaign coverage of ``runs``
    (:class:`rossim.compare.RunFolder`, with ``campaign_coverage`` read by :func:`read`).

    Each row is a dict of :class:`rossim.compare.Row`'s fields ``key, statistic, label, unit,
    better_if, values, short, never`` and ``noise`` (one :class:`rossim.montecarlo.Interval` per
    run): per region, for each compared year the mean percent observed and P(full), then the
    median first year of full coverage. No rows (only notes) unless every run has campaign
    coverage."""
    have = [r for r in runs if r.campaign_coverage is not None]
    if not have:
        return None, [], [], []
    if len(have) < len(runs):
        lacking = [r.label for r in runs if r.campaign_coverage is None]
        return None, [], [], [f"{', '.join(lacking)} {'has' if len(lacking) == 1 else 'have'} no campaign coverage "
                              "(rossim run --coverage, or compare scenario files with --coverage): not compared"]
    ccs = [r.campaign_coverage for r in runs]
    instrument, notes = _instrument(ccs, wanted)
    if instrument is None:
        return None, [], [], notes
    res = sorted({c["resolution_km"] for c in ccs})
    if len(res) > 1:
        notes.append(f"cells of {' and '.join(f'{x:g}' for x in res)} km: the areas carry each grid's own bias "
                     "(a few tenths of a point); compare runs of one coverage.resolution_km")
    per_run = [set(_years(c, instrument)) for c in ccs]
    common = sorted(set.intersection(*per_run))
    alike = [y for y in common if len({_simulated_part(r, y) for r in runs}) == 1]
    if len(alike) < len(common):
        cut = [y for y in common if y not in alike]
        notes.append(f"{_span_words(cut)} left out: simulated to other days in the runs (other starts or horizons)")
    outside = sorted(set.union(*per_run) - set(common))
    if outside:
        notes.append(f"{_span_words(outside)} not in every run's campaign coverage")
    years = compared_years(alike, [any(_observes(c, instrument, y) for c in ccs) for y in alike],
                           _settled(ccs, instrument))
    if len(years) < len(alike):
        notes.append(f"{', '.join(map(str, years))} shown of {_span_words(alike)}; every year in each run's "
                     "campaign_coverage.csv")
    rows = []
    regions = [g for g in ccs[0]["instruments"][instrument]["regions"]
               if all(g in c["instruments"][instrument]["regions"] for c in ccs[1:])]
    for region in regions:
        entries = [c["instruments"][instrument]["regions"][region] for c in ccs]
        areas = [e["area_km2"] for e in entries]
        if max(areas) - min(areas) > 1e-6 * max(areas) + 0.1:
            notes.append(f"{REGION_LABELS.get(region, region)}: regions of other areas in the runs "
                         f"({', '.join(f'{a:,.0f}' for a in areas)} km²: another corridor width or region file), "
                         "not compared")
            continue
        name = REGION_LABELS.get(region, region)
        short = {"russia": "Russia", "arctic": "Arctic", "nsr": "NSR"}.get(region, region)
        for y in years:
            es = [e["by_year"][str(y)] for e in entries]
            rows.append(dict(key=f"campaign_{region}_{y}", statistic="mean",
                             label=f"{name} observed in {y} ({instrument}): mean % of it",
                             unit="percent", better_if="higher", values=[e["percent_mean"] for e in es],
                             short=f"{short} {y} ({instrument}) % seen", never=[False] * len(es),
                             noise=[_noise_mean(e["percent_mean"], e["percent_mean_low"], e["percent_mean_high"])
                                    for e in es]))
            rows.append(dict(key=f"campaign_{region}_{y}", statistic="p_full",
                             label=f"{name} observed in {y} ({instrument}): P(full coverage)",
                             unit="share", better_if="higher", values=[e["p_full"] for e in es],
                             short="  P(full)", never=[False] * len(es),
                             noise=[_noise_share(e["p_full"], e["p_full_low"], e["p_full_high"], c["replications"])
                                    for e, c in zip(es, ccs)]))
        qs = [e["first_full_year"] for e in entries]
        rows.append(dict(key=f"campaign_{region}", statistic="first_full_p50",
                         label=f"{name} ({instrument}): first year of full coverage, median",
                         unit="year", better_if="lower", values=[q["p50"] for q in qs],
                         short=f"{short} ({instrument}) first full year", never=[q["p50"] is None for q in qs],
                         noise=[_noise_quantile(q["p50"], q["p50_low"], q["p50_high"], censored=True) for q in qs],
                         absent=["" if reachable(e) else year_cell(q, in_reach=False) for e, q in zip(entries, qs)]))
    left = [g for c in ccs for g in c["instruments"][instrument]["regions"] if g not in regions]
    if left:
        notes.append(f"{', '.join(sorted(set(left)))}: not in every run's campaign coverage, not compared")
    return instrument, years, rows, notes


#: The runs have "settled" from the year when every P(full) is at least this, to the last.
SETTLED_P_FULL = 0.99


def _settled(ccs: Sequence[dict], instrument: str) -> int | None:
    """The first year from which, to the last, every run's P(full) of every region is at least
    :data:`SETTLED_P_FULL` (nearly every replication observes it whole: the runs cannot differ much
    there); None when the last year is not so. Not the latest median first full year: up to it
    half of the replications may still lack full coverage, and P(full) may differ for years after."""
    regions = [r["by_year"] for c in ccs for r in c["instruments"][instrument]["regions"].values()]
    if not regions:
        return None
    years = sorted({int(y) for by in regions for y in by})
    settled = None
    for y in reversed(years):
        if not all((by.get(str(y), {}).get("p_full") or 0.0) >= SETTLED_P_FULL for by in regions):
            break
        settled = y
    return settled


def compared_years(years: Sequence[int], observed: Sequence[bool], settled: int | None,
                   most: int = COMPARED_YEARS) -> list[int]:
    """At most ``most`` of ``years`` (ascending) for ``rossim compare``: where the runs change,
    from the first year in which any observes anything (a year before it would be nothing against
    nothing) to the year the runs have ``settled`` (:func:`_settled`; the last year when None),
    evenly spread (:func:`shown_years`), and the last year (the station complete) when it is later.
    When that span has fewer than ``most - 1`` years, the years after it fill the table up to ``most``."""
    years = list(years)
    if settled is None or not years or settled >= years[-1]:
        return shown_years(years, observed, most, before=0)
    first = next((k for k, seen in enumerate(observed) if seen), 0)
    end = max(years.index(settled) + 1 if settled in years else sum(y <= settled for y in years),
              min(first + most - 1, len(years) - 1))  # (filled up to most - 1 years before the last)
    change = years[:end]
    picked = shown_years(change, observed[:end], most - 1, before=0) if change else []
    return picked + [years[-1]]


def _span_words(years: Sequence[int]) -> str:
    """"2027–2030, 2045": runs of consecutive years."""
    parts, years = [], sorted(years)
    k = 0
    while k < len(years):
        j = k
        while j + 1 < len(years) and years[j + 1] == years[j] + 1:
            j += 1
        parts.append(str(years[k]) if j == k else f"{years[k]}–{years[j]}")
        k = j + 1
    return ", ".join(parts)


def comparison_sentence(comp) -> str | None:
    """One sentence on a comparison's campaign coverage (:class:`rossim.compare.Comparison`):
    the Arctic zone (else the first region) in the compared year where the means differ most
    (beyond the Monte Carlo noise first, then the latest), each run's mean percent observed ±
    its Monte Carlo error and P(full); None without rows."""
    rows = [r for r in comp.rows if r.key.startswith("campaign_") and r.statistic == "mean"]
    if not rows:
        return None
    arctic = [r for r in rows if r.key.startswith("campaign_arctic_")]
    rows = arctic or [r for r in rows if r.key.startswith(rows[0].key.rsplit("_", 1)[0] + "_")]
    spread = [max(r.values) - min(r.values) if None not in r.values else -1.0 for r in rows]
    called = [any(b not in ("", "same", "within noise") for b in r.better[1:]) for r in rows]
    row = rows[max(range(len(rows)), key=lambda k: (called[k], spread[k], k))]
    full = comp.row(row.key, "p_full")
    region, year = row.key.removeprefix("campaign_").rsplit("_", 1)
    parts = []
    for i, label in enumerate(comp.labels):
        iv = row.noise[i]
        half = float(iv.half_width) if iv is not None and np.isfinite(iv.half_width) else None
        pm = f" (±{half:.1f})" if half else ""  # (none when the interval is the value itself)
        pf = full.values[i]
        fully = "" if pf is None else f", fully in {100 * pf:.0f} % of campaigns"
        value = "—" if row.values[i] is None else f"{row.values[i]:.0f} %"
        parts.append(f"{label} {value}{pm}{fully}")
    verdicts = sorted({b for b in row.better[1:] if b and b != "same"})  # (all "same": nothing to say)
    verdict = ""
    if verdicts == ["within noise"]:
        verdict = " — within the Monte Carlo noise"
    elif verdicts:
        verdict = " — " + "; ".join(f"{b} observes more" for b in verdicts if b != "within noise")
    return (f"Given each campaign's assembly, the station's instrument {comp.campaign_instrument} observes, on average "
            f"over the campaigns (± its Monte Carlo error), this much of the {REGION_LABELS.get(region, region)} in "
            f"{year}: " + "; ".join(parts) + verdict + ".")
