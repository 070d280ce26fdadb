"""What ``rossim coverage`` imports (issue 11 §5: imports were a third of the command's time).

The whole command (data files, maps, figures, report) in a fresh interpreter, with an empty cache,
imports neither cartopy (the maps project with pyproj, tests/test_maps_without_cartopy.py) nor
scipy.spatial (cells are found by rossim.capsearch) nor the data-frame and learning libraries of
other commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys


from rossim import regions

#: scipy.spatial: the access search and the maps find cells with rossim.capsearch (its import was ~0.44 s)
NOT_IMPORTED = ("cartopy", "pandas", "dask", "sklearn", "pyarrow", "scipy.spatial")


def _imported_by(code: str, tmp_path) -> set[str]:
    probe = (code + "\nimport json, sys\n"
             f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({NOT_IMPORTED!r}))))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path,
                         env={**os.environ, regions.CACHE_ENV: str(tmp_path / "cache")})
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_coverage_command_imports_only_what_it_uses(tmp_path):
    scenario = os.path.abspath("scenarios/ross_high_latitude.toml")
    code = ("from rossim import cli\n"
            f"assert cli.main(['coverage', {scenario!r}, '--days', '0.25', '--resolution-km', '400', "
            "'--out', 'cov']) == 0\n")
    assert _imported_by(code, tmp_path) == set()
    made = {p.name for p in (tmp_path / "cov").iterdir()}
    assert {"map_optical.png", "map_radar.png", "fig_coverage_by_latitude.png", "fig_coverage_time.png",
            "report.html", "coverage_cells.csv"} <= made


def test_the_probe_sees_an_import(tmp_path):
    """The check above is not blind: a module imported is reported."""
    assert "cartopy.crs" in _imported_by("import cartopy.crs", tmp_path)
