"""What one scenario's station observes that another's cannot: coverage difference maps and tables.

Two coverage runs over the same grid (same region and resolution: ``rossim compare`` runs every
scenario's coverage on one grid) are compared cell by cell: a cell is *seen* by a run when it was
observed at least once over the span. Every cell falls in exactly one category of
:data:`CATEGORIES`: seen by A only, by B only, by both, by neither; the categories' areas (km²)
add up to the region's area, and are given as a share of it.

For Russia the areas are also given without its disputed territory (:func:`rossim.regions.disputed`:
Crimea and the southern Kurils): the disputed area inside each cell is the area of the disputed
region's own grid cell of the same index (:func:`rossim.regions.cell_bounds`: a resolution gives the
same cells to every region), subtracted from the cell's.

:func:`difference` compares two runs' cells in memory; :func:`compare_folders` reads the runs of a
comparison (``coverage_cells.csv`` through :mod:`rossim.resultfiles`); :func:`write` writes
``coverage_difference.json``, ``coverage_difference.csv`` and a map of Russia per pair
(``fig_difference_<B>_vs_<A>.png``, :func:`rossim.maps.difference_map`).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Sequence

import numpy as np

from . import regions, resultfiles

__all__ = ["CATEGORIES", "CATEGORY_LABELS", "Difference", "categories", "difference", "disputed_km2",
           "compare_folders", "write", "rows", "print_table", "report_table", "DIFFERENCE_JSON", "DIFFERENCE_CSV"]

#: Cell categories, in the order of their codes 0..3.
CATEGORIES = ("neither", "a_only", "b_only", "both")
#: How the categories read in tables ({a}, {b}: the two scenarios' labels).
CATEGORY_LABELS = {"a_only": "seen by {a} only", "b_only": "seen by {b} only", "both": "seen by both",
                   "neither": "seen by neither"}
DIFFERENCE_JSON = "coverage_difference.json"
DIFFERENCE_CSV = "coverage_difference.csv"
#: Regions compared (those every coverage run has), in order.
_REGIONS = ("russia", "arctic", "nsr")


def categories(seen_a, seen_b) -> np.ndarray:
    """(M,) int8 category codes (index into :data:`CATEGORIES`) of cells seen (bool (M,)) by A and B."""
    a = np.asarray(seen_a, dtype=bool)
    b = np.asarray(seen_b, dtype=bool)
    return (a.astype(np.int8) + 2 * b.astype(np.int8)).astype(np.int8)


@dataclasses.dataclass(frozen=True, eq=False)
class Difference:
    """Cells of one region seen by A, B, both or neither.

    ``lat_deg``, ``lon_deg``, ``area_km2`` (M,) the grid's cells; ``category`` (M,) codes
    (:data:`CATEGORIES`); ``disputed_km2`` (M,) disputed area inside each cell (zeros outside Russia).
    """

    region: str
    instrument: str
    label_a: str
    label_b: str
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    area_km2: np.ndarray
    category: np.ndarray
    disputed_km2: np.ndarray
    span_days: float | None = None
    #: How the two read in titles and legends ("the 97.0° orbit"); default their labels.
    name_a: str | None = None
    name_b: str | None = None
    #: Width of the NSR corridor the runs used (their ``coverage.nsr_corridor_width_km``).
    corridor_width_km: float = 100.0

    def shape(self):
        """The region's :class:`rossim.regions.Region` (the built-in one of that name, whose cells
        these are), for the map to paint only its pixels; None for Russia (the map's default)."""
        if self.region == "arctic":
            return regions.arctic_zone()
        if self.region == "nsr":
            return regions.nsr_corridor(self.corridor_width_km)
        return None

    @property
    def names(self) -> tuple[str, str]:
        return self.name_a or self.label_a, self.name_b or self.label_b

    def areas(self, without_disputed: bool = False) -> dict[str, dict[str, float]]:
        """``{category: {"area_km2", "percent"}}`` (percent of the region's area; the four areas add
        up to it); ``without_disputed``: the disputed area left out of every cell and of the total."""
        area = self.area_km2 - (self.disputed_km2 if without_disputed else 0.0)
        area = np.maximum(area, 0.0)
        by = np.bincount(self.category, weights=area, minlength=len(CATEGORIES))
        # the categories' own sum (not area.sum(), which adds in another order): a category holding
        # every cell is then exactly 100 %, not 100.00000000000001 % ("100.00 %" in a title)
        total = float(by.sum())
        return {c: {"area_km2": float(by[k]), "percent": 100.0 * float(by[k]) / total if total > 0 else math.nan}
                for k, c in enumerate(CATEGORIES)}


def disputed_km2(lat_deg, lon_deg, area_km2, resolution_km: float) -> np.ndarray:
    """(M,) area (km²) of Russia's disputed territory inside each cell of Russia's grid at
    ``resolution_km`` (cells given by their centres and areas ``area_km2``)."""
    index, _ = regions.cell_bounds(lat_deg, lon_deg, resolution_km)
    grid = regions.equal_area_grid(regions.disputed(), resolution_km)
    d_index, _ = regions.cell_bounds(grid.lat_deg, grid.lon_deg, resolution_km)
    order = np.argsort(d_index)
    pos = np.clip(np.searchsorted(d_index[order], index), 0, max(d_index.size - 1, 0))
    hit = d_index[order][pos] == index if d_index.size else np.zeros(index.size, dtype=bool)
    # The disputed parts lie inside Russia's outline; their boundary cells' areas agree with Russia's
    # to ~1e-4 km² (chords of the same edges): never more than the cell holds.
    return np.minimum(np.where(hit, grid.area_km2[order][pos], 0.0), np.asarray(area_km2, dtype=float))


def difference(region: str, instrument: str, label_a: str, label_b: str, lat_deg, lon_deg, area_km2,
               accesses_a, accesses_b, resolution_km: float, span_days: float | None = None) -> Difference:
    """The :class:`Difference` of two runs over the same cells (``accesses_a``/``_b`` (M,) access
    counts per cell; ``span_days``: the runs' span, for titles)."""
    lat = np.asarray(lat_deg, dtype=float)
    lon = np.asarray(lon_deg, dtype=float)
    cat = categories(np.asarray(accesses_a) > 0, np.asarray(accesses_b) > 0)
    disp = disputed_km2(lat, lon, area_km2, resolution_km) if region == "russia" else np.zeros(lat.size)
    return Difference(region, instrument, label_a, label_b, lat, lon, np.asarray(area_km2, dtype=float), cat, disp,
                      span_days)


def _cells(folder: Path, instrument: str) -> dict[str, dict[str, np.ndarray]]:
    """``{region: {lat_deg, lon_deg, area_km2, accesses}}`` of ``instrument`` in a coverage folder."""
    cells = resultfiles.read_csv(folder / "coverage_cells.csv", resultfiles.CELLS_COLUMNS, label="coverage")
    region = np.asarray(cells["region"])
    mine = np.asarray(cells["instrument"]) == instrument
    out = {}
    for r in _REGIONS:
        sel = mine & (region == r)
        if sel.any():
            out[r] = {k: np.asarray(cells[k], dtype=float)[sel] for k in ("lat_deg", "lon_deg", "area_km2", "accesses")}
    return out


def compare_folders(runs: Sequence, instrument: str) -> tuple[list[Difference], list[str]]:
    """Differences of every run against the first (the reference), per region, for ``instrument``.

    ``runs``: :class:`rossim.compare.RunFolder` objects (``label``, ``coverage``, ``coverage_dir``).
    Returns ``(differences, notes)``: a note says why a pair was left out (no coverage, the
    instrument missing in one, spans or instruments that differ, grids of different resolution or
    cells). Only like is compared with like: spans of one length (and, for an instrument that needs
    daylight, one start: the season) and one instrument (half-angle or swath, lighting rule), the
    orbits being what differs."""
    ref = runs[0]
    out, notes = [], []
    if ref.coverage_dir is None:
        return out, [f"{ref.label} has no coverage: no difference maps"]
    cells_ref = _cells(ref.coverage_dir, instrument)
    for run in runs[1:]:
        if run.coverage_dir is None:
            notes.append(f"{run.label} has no coverage: no difference with {ref.label}")
            continue
        why = _not_comparable(ref, run, instrument)
        if why:
            notes.append(f"{run.label} and {ref.label}: {why}: no cell-by-cell difference")
            continue
        res_a, res_b = ref.coverage["resolution_km"], run.coverage["resolution_km"]
        if res_a != res_b:
            notes.append(f"{run.label} and {ref.label} were gridded at {res_b:g} and {res_a:g} km: no cell-by-cell "
                         "difference (run them with one --resolution-km)")
            continue
        cells = _cells(run.coverage_dir, instrument)
        for r in _REGIONS:
            a, b = cells_ref.get(r), cells.get(r)
            if a is None or b is None:
                continue
            if not (a["lat_deg"].size == b["lat_deg"].size and np.allclose(a["lat_deg"], b["lat_deg"], atol=1e-4)
                    and np.allclose(a["lon_deg"], b["lon_deg"], atol=1e-4)):
                notes.append(f"{run.label} and {ref.label} have different {r} cells (another region file or "
                             "corridor width): no difference")
                continue
            d = difference(r, instrument, ref.label, run.label, a["lat_deg"], a["lon_deg"], a["area_km2"],
                           a["accesses"], b["accesses"], float(res_a), _span_days(ref, run))
            out.append(dataclasses.replace(d, **dict(zip(("name_a", "name_b"), _names(ref, run))),
                                           corridor_width_km=float(ref.coverage.get("nsr_corridor_width_km", 100.0))))
    return out, notes


#: What an instrument's coverage depends on besides the orbit: equal in two runs to compare them.
_INSTRUMENT_KEYS = ("half_angle_deg", "swath_km", "min_sun_elevation_deg", "station_sunlit")


def _not_comparable(a, b, instrument: str) -> str | None:
    """Why the coverage of runs ``a`` and ``b`` cannot be compared cell by cell for ``instrument``
    (None when it can): a span of another start or length (a reused run folder's coverage), the
    instrument missing in one, or another cone or lighting rule."""
    sa, sb = a.coverage.get("span") or {}, b.coverage.get("span") or {}
    if sa.get("days") != sb.get("days"):
        return (f"their coverage spans differ ({sb.get('days')} days against {sa.get('days')}; run them with "
                "one --days, or give scenario files)")
    ia, ib = (c.coverage.get("instruments") or {} for c in (a, b))
    if instrument not in ia or instrument not in ib:
        missing = b.label if instrument not in ib else a.label
        return f"{missing} has no instrument {instrument!r}"
    differ = [k for k in _INSTRUMENT_KEYS if ia[instrument].get(k) != ib[instrument].get(k)]
    if differ:
        return (f"their {instrument} differs in {', '.join(differ)} "
                f"({', '.join(f'{ib[instrument].get(k)} against {ia[instrument].get(k)}' for k in differ)})")
    if ia[instrument].get("min_sun_elevation_deg") is not None and sa.get("start") != sb.get("start"):
        # an optical instrument sees what the season lights: spans of other dates are not alike
        return (f"their spans start on other dates ({sb.get('start')} against {sa.get('start')}) and the "
                f"{instrument} needs daylight")
    return None


def _names(a, b) -> tuple[str, str]:
    """"the 97.0° orbit" / "the 51.6° orbit" when the two runs' orbits differ in inclination (then
    altitude: "the 400 km orbit"), else the labels."""
    oa, ob = a.coverage.get("orbit") or {}, b.coverage.get("orbit") or {}
    for key, fmt in (("inclination_deg", "the {:.1f}° orbit"), ("altitude_km", "the {:.0f} km orbit")):
        va, vb = oa.get(key), ob.get(key)
        if isinstance(va, (int, float)) and isinstance(vb, (int, float)) and fmt.format(va) != fmt.format(vb):
            return fmt.format(va), fmt.format(vb)
    return a.label, b.label


def _span_days(a, b) -> float | None:
    days = {float(r.coverage["span"]["days"]) for r in (a, b)}
    return days.pop() if len(days) == 1 else None


def rows(diffs: Sequence[Difference]) -> list[dict]:
    """One row per pair, region, category and variant (with / without disputed territory)."""
    out = []
    for d in diffs:
        variants = [("all", False)] + ([("without_disputed", True)] if d.region == "russia" else [])
        for name, wd in variants:
            for c, v in d.areas(wd).items():
                out.append({"region": d.region, "instrument": d.instrument, "a": d.label_a, "b": d.label_b,
                            "territory": name, "category": c,
                            "label": CATEGORY_LABELS[c].format(a=d.label_a, b=d.label_b),
                            "area_km2": round(v["area_km2"], 1), "percent": round(v["percent"], 4)})
    return out


def _share(pct: float) -> str:
    """A share for a title: whole percents, one decimal below 9.5 %, and as many as needed near
    100 % so that a partial share never reads "100 %" (as the coverage maps' titles)."""
    from .coverage_run import _pct

    return _pct(pct)


def _whole_share(pct: float) -> str:
    """A share for the terminal's narrow table: whole percents, but never "100 %" for a partial one."""
    from .headlines import area_percent

    return area_percent(pct)


#: How a map's title names each region, and the file name of its difference map.
REGION_WORDS = {"russia": "Russia", "arctic": "Russia's Arctic zone", "nsr": "the Northern Sea Route corridor"}
_REGION_SHARE = {"russia": "of Russia", "arctic": "of the Arctic zone", "nsr": "of the NSR corridor"}
#: The file name of each region's difference map starts so (Russia's as it always did).
MAP_PREFIX = {"russia": "fig_difference_", "arctic": "fig_arctic_difference_", "nsr": "fig_nsr_difference_"}


def _map_title(d: Difference) -> str:
    """The larger of the two one-sided areas first: "What the 97.0° orbit sees of Russia that the
    51.6° orbit cannot: 12.07 M km² (71 %); the reverse: 0.03 M km² (0.2 %)"."""
    from . import coverage_run

    areas = d.areas()
    name_a, name_b = d.names
    first, second = (("b_only", name_b, name_a), ("a_only", name_a, name_b))
    if areas["a_only"]["area_km2"] > areas["b_only"]["area_km2"]:
        first, second = second, first
    key, sees, cannot = first
    where = REGION_WORDS.get(d.region, d.region)
    # no-break spaces: the number, "M" and "km²" stay on one line when the title is wrapped
    head = (f"What {sees} sees of {where} that {cannot} cannot: {areas[key]['area_km2'] / 1e6:.2f}\u00a0M\u00a0km² "
            f"({_share(areas[key]['percent'])} {_REGION_SHARE.get(d.region, 'of the region')})")
    other = areas[second[0]]
    head += f"; the reverse: {other['area_km2'] / 1e6:.2f}\u00a0M\u00a0km² ({_share(other['percent'])})"
    span = "" if d.span_days is None else f" in {d.span_days:g} day{'' if d.span_days == 1 else 's'}"
    who = f"{d.label_b} vs {d.label_a}: " if (name_a, name_b) != (d.label_a, d.label_b) else ""
    return (f"{head}\n{who}places observed at least once{span} by {coverage_run.instrument_words(d.instrument)}, "
            "same grid for both")


def write(folder: Path, diffs: Sequence[Difference], notes: Sequence[str], stamp: str | None = None,
          maps: bool = True) -> list[Path]:
    """Write ``coverage_difference.json`` / ``.csv`` and a map per pair and region into ``folder``
    (:data:`MAP_PREFIX`: Russia's ``fig_difference_B_vs_A.png``, then the Arctic zone's and the NSR
    corridor's, on the same frame); returns the map paths."""
    from . import maps as mapping, results

    table = rows(diffs)
    results.write_json(folder / DIFFERENCE_JSON, {"rows": table, "notes": list(notes),
                                                  "disputed": regions.DISPUTED_NOTE})
    cols = ("region", "instrument", "a", "b", "territory", "category", "label", "area_km2", "percent")
    results.write_csv(folder / DIFFERENCE_CSV, cols, ([r[c] for c in cols] for r in table))
    paths = []
    if maps:
        for d in diffs:
            fig = mapping.difference_map(d, title=_map_title(d), stamp=stamp)
            name = f"{MAP_PREFIX.get(d.region, f'fig_{_safe(d.region)}_difference_')}{_safe(d.label_b)}_vs_{_safe(d.label_a)}"
            paths.append(mapping.save(fig, folder / f"{name}.png"))
    return paths


def _safe(label: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("._") or "scenario"


def print_table(folder: Path, console) -> None:
    """Print the ``coverage_difference.json`` of a comparison folder (nothing when it has none):
    per pair and region, the area seen by A only, B only, both and neither (M km², % of the region)."""
    import json

    from rich import box
    from rich.table import Table

    path = Path(folder) / DIFFERENCE_JSON
    if not path.is_file():
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    table = data.get("rows") or []
    for note in data.get("notes") or []:
        console.print(f"coverage difference: {note}")
    if not table:
        return
    groups: dict[tuple, dict] = {}
    for r in table:
        groups.setdefault((r["a"], r["b"]), {}).setdefault((r["region"], r["territory"]), {})[r["category"]] = r
    names = {"russia": "Russia", "arctic": "Arctic zone", "nsr": "NSR corridor"}
    for (a, b), by_region in groups.items():
        # the units on a line of their own, the names on the next: a wrapped title never parts "M" from "km²"
        t = Table(title=f"Places observed at least once (M km² · % of the region)\nA = {a}, B = {b}",
                  title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1))
        for col in ("region", "A only", "B only", "both", "neither"):
            t.add_column(col, justify="left" if col == "region" else "right", no_wrap=True)
        for (region, territory), cats in by_region.items():
            name = "  without disputed" if territory == "without_disputed" else names.get(region, region)
            t.add_row(name, *(f"{cats[c]['area_km2'] / 1e6:.2f} · {_whole_share(cats[c]['percent'])}"
                              for c in ("a_only", "b_only", "both", "neither")))
        console.print(t)
    console.print(f"disputed: {data.get('disputed', regions.DISPUTED_NOTE)}; details in {DIFFERENCE_CSV}")


def report_table(folder: Path) -> tuple[list[str], list[list[str]], str] | None:
    """``(header, rows, note)`` of the ``coverage_difference.json`` of a comparison folder for an
    HTML table (one row per pair and region: km² and % of the region per category), or None when
    the folder has none."""
    import json

    path = Path(folder) / DIFFERENCE_JSON
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    groups: dict[tuple, dict] = {}
    for r in data.get("rows") or []:
        groups.setdefault((r["a"], r["b"], r["region"], r["territory"]), {})[r["category"]] = r
    names = {"russia": "Russia", "arctic": "Arctic zone", "nsr": "Northern Sea Route corridor"}
    rows = []
    for (a, b, region, territory), cats in groups.items():
        name = names.get(region, region) + (" without disputed territory" if territory == "without_disputed" else "")
        # no-break spaces: a narrow cell breaks only before "(", never "74.1" from its "%"
        rows.append([f"A: {a}, B: {b}", name,
                     *(f"{cats[c]['area_km2'] / 1e6:,.2f}\u00a0M\u00a0km² ({cats[c]['percent']:.1f}\u00a0%)"
                       for c in ("a_only", "b_only", "both", "neither"))])
    if not rows:
        return None
    note = (f"Places observed at least once over the span, cell by cell on the same grid; the four areas add up to "
            f"the region. Disputed territory: {data.get('disputed', regions.DISPUTED_NOTE)}. "
            + " ".join(data.get("notes") or []) + f" Exact values in {DIFFERENCE_CSV}.")
    return ["scenarios", "region", "seen by A only", "seen by B only", "seen by both", "seen by neither"], rows, note
