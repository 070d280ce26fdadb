"""rossim's PNGs: the pixels ``savefig`` and Pillow write, from one draw and a faster encoder.

``Figure.savefig`` lays a figure with a layout engine out in a draw that renders nothing, then
draws it again; :func:`rossim.figures.write_png` draws once and encodes with
:func:`rossim.png.write_png` (unfiltered rows). Truth: ``savefig`` itself, on the coverage command's
figures, a campaign figure and a figure made at another dpi, decoded by Pillow; random images
read back by Pillow.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest
from PIL import Image

from rossim import coverage_figures, figures, png


def _savefig_bytes(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, dpi=figures.DPI, format="png", metadata={"Software": "rossim"})
    return out.getvalue()


def _one_draw_bytes(fig) -> bytes:
    out = io.BytesIO()
    figures.write_png(fig, out)
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


def _decoded(data: bytes) -> tuple[np.ndarray, dict]:
    im = Image.open(io.BytesIO(data))
    return np.asarray(im.convert("RGBA")), im.info


@pytest.mark.parametrize("make", [_coverage_time, _latitude, _capacity])
def test_one_draw_writes_savefigs_pixels(make):
    ours, info = _decoded(_one_draw_bytes(make()))
    ref, ref_info = _decoded(_savefig_bytes(make()))
    assert ours.shape == ref.shape and np.array_equal(ours, ref)
    assert info["Software"] == ref_info["Software"] == "rossim"
    assert np.allclose(info["dpi"], ref_info["dpi"])


def test_a_figure_made_at_another_dpi_is_written_at_the_figures_dpi():
    fig, ref = _latitude(), _latitude()
    fig.dpi = ref.dpi = 50
    assert np.array_equal(_decoded(_one_draw_bytes(fig))[0], _decoded(_savefig_bytes(ref))[0])
    assert fig.dpi == 50  # left as it was


@pytest.mark.parametrize("channels", [3, 4])
def test_png_round_trip_through_pillow(channels):
    rng = np.random.default_rng(5)
    noise = rng.integers(0, 256, size=(37, 53, channels), dtype=np.uint8)
    flat = np.zeros((20, 9, channels), dtype=np.uint8)
    flat[..., 0] = 200
    for pixels in (noise, flat, noise[:1, :1]):
        out = io.BytesIO()
        png.write_png(out, pixels, dpi=144, text={"Software": "rossim", "Title": "Carte de la Russie, 50 km"})
        im = Image.open(io.BytesIO(out.getvalue()))
        assert im.mode == ("RGB" if channels == 3 else "RGBA")
        assert np.array_equal(np.asarray(im), pixels)
        assert im.info["Software"] == "rossim" and im.info["Title"] == "Carte de la Russie, 50 km"
        assert np.allclose(im.info["dpi"], (144, 144), atol=0.01)


def test_png_refuses_what_it_cannot_write():
    for bad in (np.zeros((4, 4, 3), dtype=float), np.zeros((4, 4), dtype=np.uint8), np.zeros((4, 4, 2), np.uint8)):
        with pytest.raises(ValueError):
            png.write_png(io.BytesIO(), bad)
