"""Difference-map titles as a reader sees them: a region seen whole by one orbit reads "100 %",
not "100.00 %" (the four areas' sum and the region's total add the same cells in another order),
and an area's number, "M" and "km²" stay on one line however the title is wrapped."""

import textwrap

import numpy as np

from rossim import coverage_compare, maps, regions


def _all_seen_by_a(grid, area_km2) -> coverage_compare.Difference:
    cat = np.full(grid.lat_deg.size, coverage_compare.CATEGORIES.index("a_only"))
    return coverage_compare.Difference("nsr", "radar", "sso", "iss", grid.lat_deg, grid.lon_deg, area_km2,
                                       cat, np.zeros(grid.lat_deg.size), 2.0, corridor_width_km=100.0)


def test_a_region_seen_whole_reads_100_percent():
    grid = regions.equal_area_grid(regions.nsr_corridor(100.0), 200.0)
    rng = np.random.default_rng(7)
    for _ in range(200):  # cell areas whose sum in bincount's order exceeds numpy's pairwise sum
        area = grid.area_km2 * rng.uniform(0.5, 1.5, grid.area_km2.size)
        if np.bincount(np.zeros(area.size, dtype=int), weights=area)[0] > area.sum():
            break
    else:
        raise AssertionError("no cell areas that round the other way")
    d = _all_seen_by_a(grid, area)
    assert d.areas()["a_only"]["percent"] == 100.0
    title = coverage_compare._map_title(d)
    assert "(100\u00a0% of the NSR corridor)" in title and "100.00" not in title


def test_an_area_is_never_split_across_title_lines():
    grid = regions.equal_area_grid(regions.arctic_zone(), 200.0)
    cat = np.full(grid.lat_deg.size, coverage_compare.CATEGORIES.index("a_only"))
    cat[:3] = coverage_compare.CATEGORIES.index("neither")
    d = coverage_compare.Difference("arctic", "radar", "ross_high_latitude", "ros_iss_orbit", grid.lat_deg,
                                    grid.lon_deg, grid.area_km2, cat, np.zeros(grid.lat_deg.size), 2.0,
                                    name_a="the 97.0° orbit", name_b="the 51.6° orbit")
    title = coverage_compare._map_title(d)
    for width in range(40, maps._TITLE_WRAP + 1):  # as the map wraps it, and narrower
        lines = [w for line in title.splitlines() for w in textwrap.wrap(line, width)]
        assert not any(w.endswith((" M", "M km²")) or w.startswith(("km²", "M ")) for w in lines), (width, lines)
    assert title.count("M\u00a0km²") == 2


def test_the_terminal_table_keeps_its_units_on_one_line(tmp_path):
    """At 80 columns the terminal table of what one orbit sees that the other cannot says its units
    ("M km² · % of the region") on one line, not "(M" at the end of one and "km²" on the next; a
    share short of the whole region does not read "100 %" (as in the maps' titles)."""
    import io

    from rich.console import Console

    grid = regions.equal_area_grid(regions.arctic_zone(), 200.0)
    cat = np.full(grid.lat_deg.size, coverage_compare.CATEGORIES.index("a_only"))
    cat[:1] = coverage_compare.CATEGORIES.index("neither")  # one cell of many seen by neither
    d = coverage_compare.Difference("arctic", "radar", "ross_high_latitude", "ros_iss_orbit", grid.lat_deg,
                                    grid.lon_deg, grid.area_km2, cat, np.zeros(grid.lat_deg.size), 2.0)
    coverage_compare.write(tmp_path, [d], [], maps=False)
    share = d.areas()["a_only"]["percent"]
    assert 99.5 < share < 100.0
    for width in (80, 100, 120):
        text = io.StringIO()
        coverage_compare.print_table(tmp_path, Console(file=text, width=width))
        lines = [line.strip() for line in text.getvalue().splitlines()]
        assert any("(M km² · % of the region)" in line for line in lines), lines
        assert any("A = ross_high_latitude, B = ros_iss_orbit" in line for line in lines), lines
        assert max(len(line) for line in text.getvalue().splitlines()) <= width and "…" not in text.getvalue()
        row = next(line for line in lines if line.startswith("Arctic zone"))
        assert "100 %" not in row and f"· {share:.1f} %" in row, row  # partial: never "100 %"
