"""The crew-occupancy figures draw exactly the probabilities and shares they are given."""

import datetime as dt

import numpy as np
from matplotlib.collections import FillBetweenPolyCollection, PolyCollection

from rossim import figures


def _item(label="a") -> figures.Occupancy:
    dates = np.datetime64("2030-01-01") + np.arange(0, 70, 7)
    # P(>=1), P(>=2), P(>=4) on 10 dates: nested, as probabilities of "at least" are
    p1 = np.linspace(0.1, 1.0, 10)
    p2 = p1 * 0.6
    p4 = p1 * 0.2
    return figures.Occupancy(label, dates, (1, 2, 4), np.vstack([p1, p2, p4]), np.full((3, 10), 0.03),
                             (2030, 2031), np.array([[0.5, 0.9], [0.3, 0.6], [0.0, 0.2]]),
                             np.array([[0.2, 0.8], [0.1, 0.4], [0.0, 0.0]]),
                             np.array([[0.8, 1.0], [0.5, 0.8], [0.0, 0.5]]), {"phase 2": dt.date(2030, 2, 1)}, 100)


def _fills(ax):
    return [c for c in ax.collections if isinstance(c, (PolyCollection, FillBetweenPolyCollection))]


def test_stacked_bands_top_out_at_the_probabilities():
    item = _item()
    fig = figures.occupancy_figure([item, _item("b")])
    ax = fig.axes[0]
    fills = _fills(ax)
    assert len(fills) == 3
    for fill, p in zip(fills, item.prob):
        top = fill.get_paths()[0].vertices[:, 1].max()
        assert np.isclose(top, 100 * p.max())
    assert "±3.0 points" in fig.get_supxlabel()
    assert fig.axes[0].get_ylim() == fig.axes[1].get_ylim()
    assert max(fig.axes[0].get_yticks()) == 100


def test_year_bars_are_the_means_and_whiskers_the_10_90_range():
    item = _item()
    fig = figures.occupancy_by_year_figure([item], levels=(2, 4))
    ax = fig.axes[0]
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    assert heights == sorted([30.0, 60.0, 0.0, 20.0])
    segs = [s for c in ax.collections for s in c.get_segments()]
    spans = sorted((round(s[0][1], 6), round(s[1][1], 6)) for s in segs)
    assert (10.0, 50.0) in spans and (40.0, 80.0) in spans and (0.0, 50.0) in spans


def test_figures_save_as_png(tmp_path):
    for fig, name in ((figures.occupancy_figure([_item()]), "o.png"),
                      (figures.occupancy_by_year_figure([_item()]), "y.png")):
        path = figures.save(fig, tmp_path / name)[0]
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
