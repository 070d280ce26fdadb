"""Figures of a coverage run besides its maps: coverage by latitude, sensitivity to the half-angle.

Plain data in, a :class:`matplotlib.figure.Figure` out (Agg, no pyplot), in the style of
:mod:`rossim.figures` (its colours, sizes and text limits); save with :func:`rossim.figures.save`.

* :func:`latitude_figure`: the share of each latitude band of a region observed at least once,
  one line per instrument (the ``bands`` of ``coverage_summary.json``), with the latitude the
  orbit's footprint can reach;
* :func:`half_angle_figure`: the share of each region observed at least once against the
  instrument's half-angle (:func:`rossim.coverage_run.half_angle_sweep`).
"""

from __future__ import annotations

import textwrap
from typing import Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from . import figures

__all__ = ["latitude_figure", "half_angle_figure", "month_figure", "caption"]

_STAMP_COLOR = "#8b0000"
#: Title lines are wrapped at this many characters (bold, about the figures' width).
_TITLE_WRAP = 100


def _title(text: str) -> str:
    return figures.title_text("\n".join(textwrap.fill(line, _TITLE_WRAP) or "" for line in str(text).splitlines()))


def _note(ax, note: str | None) -> None:
    """The ``--set`` stamp, under the title (where constrained layout keeps room for it)."""
    if note:
        ax.set_title(figures.plain("\n".join(textwrap.wrap(note, 140)), 150, 3), loc="left", fontsize=9,
                     color=_STAMP_COLOR, fontweight="bold")


def latitude_figure(bands: dict[str, dict[str, np.ndarray]], *, title: str, region: str = "Russia",
                    reach_deg: float | None = None, note: str | None = None) -> Figure:
    """Share of each latitude band of ``region`` observed at least once, per instrument.

    ``bands``: ``{instrument: {"lat_lo_deg", "lat_hi_deg", "percent_observed", "area_km2"}}`` (B,)
    arrays; ``reach_deg``: the most northern latitude the footprint reaches (drawn as a dashed
    line), None for none; ``note``: a line under the figure (``--set`` changes)."""
    with matplotlib.rc_context(figures._RC):
        fig = figures._figure(4.8)
        ax = fig.subplots()
        for k, (inst, b) in enumerate(bands.items()):
            lo = np.asarray(b["lat_lo_deg"], dtype=float)
            hi = np.asarray(b["lat_hi_deg"], dtype=float)
            pct = np.asarray(b["percent_observed"], dtype=float)
            xs = np.concatenate([lo, hi[-1:]])
            ys = np.concatenate([pct, pct[-1:]])
            ax.step(xs, ys, where="post", color=figures.color(k), linewidth=2.0, label=figures.plain(inst))
        if reach_deg is not None and np.isfinite(reach_deg):
            ax.axvline(reach_deg, color="0.3", linestyle="--", linewidth=1.0)
            ax.annotate(f"the footprint reaches {reach_deg:.1f}°N", (reach_deg, 30.0), xytext=(-4, 0),
                        textcoords="offset points", fontsize=9, color="0.25", rotation=90, va="center", ha="right")
        ax.set_ylim(0, 102)
        ax.set_xlabel("latitude (°N), bands of 5°")
        ax.set_ylabel(f"area of {region} in the band observed at least once (%)")
        ax.axhline(100, color="0.5", linewidth=0.8)
        ax.legend(loc="lower left", frameon=True, framealpha=0.9)
        _note(ax, note)
        fig.suptitle(_title(title), fontweight="bold")
    return fig


def half_angle_figure(angles_deg: Sequence[float], percent: dict[str, Sequence[float]], *, title: str,
                      note: str | None = None, region_names: dict[str, str] | None = None,
                      hours: dict[str, Sequence[float | None]] | None = None) -> Figure:
    """Share of each region observed at least once against the instrument's half-angle, and, with
    ``hours`` (``{region: (A,) hours until 90 % was observed, None: never}``), a second panel of
    those hours (what still moves once every angle sees the whole region).

    ``angles_deg`` (A,); ``percent``: ``{region: (A,) percent}``; ``region_names``: how regions
    read in the legend."""
    names = region_names or {}
    a = np.asarray(angles_deg, dtype=float)
    with matplotlib.rc_context(figures._RC):
        fig = figures._figure(4.8 if hours is None else 7.6)
        axes = fig.subplots(1 if hours is None else 2, 1, sharex=True, squeeze=False)[:, 0]
        ax = axes[0]
        labelled: dict[int, list[float]] = {0: [], -1: []}  # end values already written, per end
        for k, (region, pct) in enumerate(percent.items()):
            p = np.asarray([np.nan if v is None else v for v in pct], dtype=float)
            ax.plot(a, p, color=figures.color(k), marker="o", markersize=4, linewidth=2.0,
                    label=figures.plain(names.get(region, region)))
            for end, dx, ha in ((0, -5, "right"), (-1, 5, "left")):
                if np.isfinite(p[end]) and all(abs(p[end] - q) >= 4.0 for q in labelled[end]):
                    labelled[end].append(p[end])
                    ax.annotate(f"{p[end]:.0f} %", (a[end], p[end]), xytext=(dx, 0), textcoords="offset points",
                                va="center", ha=ha, fontsize=9, color=figures.color(k))
        ax.set_xlim(a.min() - 0.08 * (np.ptp(a) or 1.0), a.max() + 0.08 * (np.ptp(a) or 1.0))
        ax.set_ylim(0, 102)
        ax.set_ylabel("area observed at least once (%)")
        ax.axhline(100, color="0.5", linewidth=0.8)
        ax.legend(loc="lower right", frameon=True, framealpha=0.9)
        if hours is not None:
            for k, region in enumerate(percent):
                h = np.asarray([np.nan if v is None else v for v in hours.get(region, [])], dtype=float)
                if h.size == a.size and np.isfinite(h).any():
                    axes[1].plot(a, h, color=figures.color(k), marker="o", markersize=4, linewidth=2.0)
            axes[1].set_ylim(bottom=0)
            axes[1].set_ylabel("hours until 90 % was observed")
        axes[-1].set_xlabel("instrument half-angle (° off nadir)")
        _note(ax, note)
        fig.suptitle(_title(title), fontweight="bold")
    return fig


def month_figure(seasons: dict, *, title: str, note: str | None = None,
                 region_names: dict[str, str] | None = None) -> Figure:
    """The share of each region observed at least once over a span started on each month: one
    panel per region (those of ``seasons["percent"]``: ``{region: {instrument: [M]}}``), one line per
    instrument; ``seasons["starts"]``: the M start times (ISO)."""
    import datetime as dt

    names = region_names or {}
    regions = list(seasons["percent"])
    labels = [f"{dt.datetime.fromisoformat(t):%b\n%Y}" if k == 0 or t[5:7] == "01" else
              f"{dt.datetime.fromisoformat(t):%b}" for k, t in enumerate(seasons["starts"])]
    x = np.arange(len(labels))
    with matplotlib.rc_context(figures._RC):
        fig = figures._figure(2.6 + 2.2 * len(regions))
        axes = fig.subplots(len(regions), 1, sharex=True, squeeze=False)[:, 0]
        for ax, region in zip(axes, regions):
            for k, (inst, pct) in enumerate(seasons["percent"][region].items()):
                p = np.asarray([np.nan if v is None else v for v in pct], dtype=float)
                ax.plot(x, p, color=figures.color(k), marker="o", markersize=4, linewidth=2.0,
                        label=figures.plain(inst))
            ax.set_ylim(0, 105)
            ax.set_ylabel("observed (%)")
            ax.set_title(figures.plain(names.get(region, region), 80), loc="left", fontsize=10)
        axes[0].legend(loc="lower left", frameon=True, framealpha=0.9, ncols=4)
        axes[-1].set_xticks(x, labels)
        axes[-1].set_xlabel("month the span starts")
        if note:
            fig.supxlabel(figures.plain(note, 150), x=0.01, ha="left", fontsize=9, color=_STAMP_COLOR,
                          fontweight="bold")
        fig.suptitle(_title(title), fontweight="bold")
    return fig


def caption(stem: str) -> str | None:
    """The report's caption of a figure file this package writes for coverage (by its stem), or
    None for another file."""
    from .coverage_compare import MAP_PREFIX, REGION_WORDS

    for region, prefix in MAP_PREFIX.items():
        if stem.startswith(prefix):
            where = REGION_WORDS[region]
            b, _, a = stem.removeprefix(prefix).partition("_vs_")
            return (f"What {b} sees of {where} that {a} cannot, and the reverse: places observed at least once, "
                    "cell by cell on the same grid, with each category's area (coverage_difference.csv).")
    if stem == "fig_coverage_by_latitude":
        return "Share of each 5° latitude band of Russia observed at least once, per instrument."
    if stem == "fig_coverage_by_month":
        return ("The seasons: share of each region observed at least once over the same span started on each "
                "month of a year (optical work stops in the polar night; coverage_by_month.csv).")
    if stem == "fig_half_angle_sweep":
        return ("Share of Russia, the Arctic zone and the Northern Sea Route corridor observed at least once "
                "against the instrument's half-angle (half_angle_sweep.csv).")
    if stem.startswith("map_"):
        return (f"Coverage map, instrument {stem.removeprefix('map_')}: the average time between two "
                "observations of each place; grey: never observed.")
    if stem == "fig_campaign_coverage":
        return ("Area of Russia, the Arctic zone and the NSR corridor observed each calendar year given each "
                "replication's commissioning and crew dates (left; dotted: a year of uninterrupted observation), "
                "and the mean revisit (right); bands: 10–90 % of replications (campaign_coverage.csv).")
    return None
