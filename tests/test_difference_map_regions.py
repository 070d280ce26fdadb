"""Difference maps of the Arctic zone and the NSR corridor paint that region's pixels only (not
all of Russia by nearest cell), checked against the pixels' own latitudes and the corridor's
geometry; titles name the region and never round a partial share up to 100 %; the terminal names
a shipped ground station as people do."""

import numpy as np

from rossim import coverage_compare, maps, regions


def _difference(region: str, grid) -> coverage_compare.Difference:
    cat = np.full(grid.lat_deg.size, coverage_compare.CATEGORIES.index("a_only"))  # all "seen by A only" ...
    cat[:3] = coverage_compare.CATEGORIES.index("neither")  # ... but three cells
    return coverage_compare.Difference(region, "radar", "sso", "iss", grid.lat_deg, grid.lon_deg, grid.area_km2,
                                       cat, np.zeros(grid.lat_deg.size), 2.0, corridor_width_km=100.0)


def test_each_region_paints_its_own_pixels():
    _, lon, lat, in_russia = maps._frame()
    colors = np.tile([0.9, 0.6, 0.0, 1.0], (1, 1))
    painted = {}
    for region, shape in (("arctic", regions.arctic_zone()), ("nsr", regions.nsr_corridor(100.0)),
                          ("russia", regions.russia())):
        grid = regions.equal_area_grid(shape, 200.0)
        d = _difference(region, grid)
        rgba, _ = maps._paint(grid, np.repeat(colors, grid.lat_deg.size, axis=0), d.shape())
        painted[region] = rgba[..., 3] > 0
    assert lat[painted["arctic"]].min() >= 66.5  # nothing south of the Arctic Circle
    assert painted["arctic"].sum() < 0.4 * painted["russia"].sum()
    route = regions.nsr_corridor(100.0)
    assert route.contains(lon[painted["nsr"]], lat[painted["nsr"]]).all()
    assert (painted["nsr"] & ~in_russia).any()  # the corridor's sea, which Russia's mask would drop
    assert painted["russia"].sum() == in_russia.sum()


def test_titles_name_the_region_and_keep_a_partial_share_partial():
    grid = regions.equal_area_grid(regions.arctic_zone(), 200.0)
    title = coverage_compare._map_title(_difference("arctic", grid))
    assert "of Russia's Arctic zone" in title and "of the Arctic zone)" in title
    assert "(100 %" not in title and "99." in title  # three cells seen by neither: not "100 %"
    assert coverage_compare._share(100.0) == "100\u00a0%" and coverage_compare._share(0.0) == "0\u00a0%"
    assert [coverage_compare._share(p) for p in (99.6, 99.96, 99.999, 50.4, 3.14)] == \
        ["99.6\u00a0%", "99.96\u00a0%", "99.99\u00a0%", "50\u00a0%", "3.1\u00a0%"]


def test_terminal_names_a_shipped_ground_station_as_people_do():
    from rossim import coverage_run

    stations = {"nip18_vorkuta": {"min_elevation_deg": 5.0, "source": "shipped", "minutes_per_day": 48.0},
                "my_dish": {"min_elevation_deg": 5.0, "source": "scenario", "minutes_per_day": 12.0}}
    net = {"minutes_per_day": 55.0, "passes_per_day": 9.0, "longest_gap_h": 3.3}
    line = coverage_run._contacts_line({"network": net, "stations": stations})
    assert "most: NIP-18 Vorkuta, 48 min/day" in line and "nip18" not in line
    stations["my_dish"]["minutes_per_day"] = 60.0  # a scenario's own station keeps the name it was given
    assert "most: my_dish, 60 min/day" in coverage_run._contacts_line({"network": net, "stations": stations})
