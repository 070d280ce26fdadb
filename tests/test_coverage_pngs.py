"""PNGs written with one draw are the bytes ``savefig`` writes with two (rossim.figures.save).

``Figure.savefig`` lays a figure with a layout engine out in a draw that renders nothing, then
draws it again; :func:`rossim.figures._write_png` draws once. Truth: ``savefig`` itself, on the
coverage command's figures, a campaign figure and a figure made at another dpi.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest

from rossim import coverage_figures, figures


def _savefig_bytes(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, dpi=figures.DPI, format="png", metadata={"Software": "rossim"})
    return out.getvalue()


def _one_draw_bytes(fig) -> bytes:
    out = io.BytesIO()
    figures._write_png(fig, out)
    return out.getvalue()


def _coverage_time():
    h = np.linspace(0.0, 100.0, 60)
    curves = [figures.CoverageCurve("ross", name, h, 100.0 * (1.0 - np.exp(-h / tau)), 168.0)
              for name, tau in (("optical", 30.0), ("radar", 18.0))]
    return figures.coverage_time_figure(curves, title="Coverage of Russia over time", note="--set orbit.ltan_h=10")


def _latitude():
    lo = np.arange(40.0, 80.0, 2.0)
    band = {"lat_lo_deg": lo, "lat_hi_deg": lo + 2.0, "percent_observed": np.linspace(100.0, 60.0, lo.size),
            "area_km2": np.full(lo.size, 1e5)}
    return coverage_figures.latitude_figure({"optical": band, "radar": band}, title="Share observed\nby latitude",
                                            reach_deg=78.0, note=None)


def _capacity():
    days = np.arange(np.datetime64("2030-01-01"), np.datetime64("2032-01-01"), 30)
    y = np.linspace(0.0, 4.0, days.size)
    return figures.capacity_figure([figures.Bands("plan", days, (y - 0.5, y, y + 0.5), (y - 1.0, y - 0.5, y),
                                                  {"phase 1": dt.date(2031, 3, 1), "phase 2": None})],
                                   title="Crew capacity")


@pytest.mark.parametrize("make", [_coverage_time, _latitude, _capacity])
def test_one_draw_writes_savefigs_bytes(make):
    assert _one_draw_bytes(make()) == _savefig_bytes(make())


def test_a_figure_made_at_another_dpi_is_written_at_the_figures_dpi():
    fig, ref = _latitude(), _latitude()
    fig.dpi = ref.dpi = 50
    assert _one_draw_bytes(fig) == _savefig_bytes(ref)
    assert fig.dpi == 50  # left as it was
