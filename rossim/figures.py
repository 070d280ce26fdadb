"""Figures of runs and comparisons (matplotlib ``Figure`` objects, Agg, no pyplot state).

Each function takes plain data (the small dataclasses below, numpy arrays, dates) and returns a
:class:`matplotlib.figure.Figure`; :func:`save` writes it as PNG (and SVG). One colour per
scenario, in input order (:data:`COLORS`, the Okabe-Ito palette, readable by colour-blind
readers). Dates are drawn as dates; legends sit outside the data.

Figures:

1. :func:`capacity_figure`: crew capacity and crew aboard over time (median, 10-90 % band),
   median phase-complete dates as vertical lines.
2. :func:`timeline_figure`: assembly timeline, one bar per module from the median ready date to
   the median docking date, 10-90 % whiskers of docking, share of replications with a loss.
3. :func:`milestone_cdf_figure`: empirical CDFs of milestone dates; replications that never
   reach a milestone leave the curve below 100 % at the horizon.
4. coverage maps: drawn by :func:`rossim.maps.coverage_map` (one colour scale across scenarios).
5. :func:`coverage_time_figure`: percent of a region observed vs elapsed hours.
6. :func:`occupancy_figure`: share of replications with exactly k aboard on each date, stacked
   (the top of each band is P(at least k aboard)); :func:`occupancy_by_year_figure`: share of
   each calendar year with at least k aboard. One panel per scenario, common axes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from pathlib import Path
from typing import Sequence

import matplotlib
import matplotlib.dates as mdates
import matplotlib.ticker
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from .folders import atomic_file

__all__ = [
    "COLORS", "DPI", "WIDTH_IN", "Bands", "ModuleBar", "MilestoneSample", "CoverageCurve",
    "capacity_figure", "timeline_figure", "milestone_cdf_figure", "coverage_time_figure", "save", "write_png", "color",
    "plain", "title_text", "TITLE_CHARS", "LABEL_CHARS", "TITLE_LINES", "TITLE_WRAP", "Occupancy", "occupancy_figure",
    "occupancy_by_year_figure",
]

#: Okabe-Ito colours (Okabe & Ito 2008, "Color Universal Design"), yellow left out (poor on white).
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
#: Pixels per inch of the PNGs; every figure is WIDTH_IN wide: 1100 px.
DPI = 110
WIDTH_IN = 10.0
_RC = {"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 9,
       "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3}


#: Longest line of a title, and of a label (legend entry, axis label), drawn in a figure; longer
#: ones are cut with an ellipsis so that no text can blow up a figure's layout.
TITLE_CHARS = 120
LABEL_CHARS = 48
#: Most lines of a title.
TITLE_LINES = 3
#: Title lines are wrapped between words at this many characters: about a figure's width
#: (WIDTH_IN x DPI) in bold at the title's size, so that a long title never runs off both sides.
TITLE_WRAP = 100


@functools.lru_cache(maxsize=1)
def _glyphs() -> frozenset[int]:
    """Code points the figures' font (matplotlib's default, DejaVu Sans) can draw."""
    from matplotlib import font_manager, ft2font

    path = font_manager.findfont(font_manager.FontProperties(family=matplotlib.rcParams["font.family"]))
    return frozenset(ft2font.FT2Font(path).get_charmap())


def plain(text, width: int = LABEL_CHARS, max_lines: int = 1) -> str:
    """User text (a title, a scenario or module name) as figures draw it: as it is, never as
    matplotlib math (``$`` escaped), at most ``max_lines`` lines of at most ``width`` characters
    (cut with an ellipsis), characters the font lacks as "?" (no missing-glyph warnings)."""
    lines = str(text).splitlines() or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1] + "…"
    lines = [ln if len(ln) <= width else ln[: width - 1] + "…" for ln in lines]
    glyphs = _glyphs()
    out = "\n".join(lines)
    out = "".join(c if ord(c) in glyphs or c == "\n" else "?" for c in out)
    return out.replace("$", r"\$")


def title_text(text) -> str:
    """:func:`plain` for a figure's title: wrapped between words at :data:`TITLE_WRAP` characters,
    up to :data:`TITLE_LINES` lines."""
    import textwrap

    lines = str(text).splitlines()[:TITLE_LINES + 1] or [""]  # one more: plain() marks the cut with "…"
    wrapped = [w for ln in lines for w in textwrap.wrap(ln[:TITLE_WRAP * (TITLE_LINES + 1)], TITLE_WRAP) or [""]]
    return plain("\n".join(wrapped), TITLE_WRAP, TITLE_LINES)


def _module_label(name: str, width: int = 34) -> str:
    """A module's name on a timeline's axis: whole on up to two lines of ``width`` characters
    ("Node (UUM) + gateway/airlock (ShM)" / "stack"), cut with an ellipsis only beyond them."""
    import textwrap

    lines = textwrap.wrap(str(name)[:4 * width], width) or [""]
    return plain("\n".join(lines), width, 2)


def color(i: int) -> str:
    return COLORS[i % len(COLORS)]


def _figure(height_in: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _num(d) -> float:
    """A date as a matplotlib date number."""
    return float(mdates.date2num(np.datetime64(d, "D")))


def _date_axis(ax) -> None:
    loc = mdates.AutoDateLocator(minticks=4, maxticks=12)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc, show_offset=False))


def _trim_axis(ax, x_last) -> None:
    """End the x axis (spine and ticks) at ``x_last``: nothing is simulated beyond the horizon."""
    hi = _num(x_last)
    lo = ax.get_xlim()[0]
    ticks = [t for t in ax.xaxis.get_major_locator()() if lo <= t <= hi + 1e-9]
    fmt = ax.xaxis.get_major_formatter()
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(fmt)
    ax.spines["bottom"].set_bounds(lo, hi)


def save(fig: Figure, path: str | Path, svg: bool = False) -> list[Path]:
    """Write ``fig`` as ``path`` (PNG) and, with ``svg``, next to it as SVG. Returns the paths."""
    path = Path(path)
    with atomic_file(path) as tmp:
        write_png(fig, tmp)
    out = [path]
    if svg:
        p = path.with_suffix(".svg")
        with atomic_file(p) as tmp:
            fig.savefig(tmp, format="svg", metadata={"Date": None})
        out.append(p)
    return out


def write_png(fig: Figure, target, dpi: float = DPI, level: int | None = None) -> None:
    """The pixels of ``fig.savefig(target, dpi=dpi, format="png", metadata={"Software": "rossim"})``
    from one draw (``savefig`` draws a figure with a layout engine twice: once without rendering, to
    lay it out, then for real; ~13 % of a figure's saving), written by :func:`rossim.png.write_png`
    at zlib ``level`` (default its ``ZLIB_LEVEL``; a figure in ~3 ms instead of Pillow's ~50 ms), as
    RGB when every pixel is opaque. ``target``: a path or a binary file. tests/test_coverage_pngs.py
    decodes both."""
    from . import png

    before = fig.dpi
    fig.dpi = dpi
    try:
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        pixels = np.ascontiguousarray(rgba[..., :3]) if (rgba[..., 3] == 255).all() else rgba
        kw = {"dpi": dpi, "text": {"Software": "rossim"}, "level": png.ZLIB_LEVEL if level is None else level}
        if hasattr(target, "write"):
            png.write_png(target, pixels, **kw)
        else:
            with open(target, "wb") as f:
                png.write_png(f, pixels, **kw)
    finally:
        fig.dpi = before


# ------------------------------------------------------------------------------ 1. capacity


def _flat_steps(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A step function as its flat pieces only (NaN between them): a median that flips between
    two levels week by week reads as two broken lines instead of a solid block of risers."""
    xn = mdates.date2num(np.asarray(x))
    y = np.asarray(y, dtype=float)
    if y.size == 0:
        return xn, y
    cut = np.flatnonzero(np.diff(y) != 0) + 1
    starts = np.concatenate([[0], cut])
    ends = np.concatenate([cut, [y.size - 1]])
    px = np.column_stack([xn[starts], xn[ends], np.full(starts.size, np.nan)]).ravel()
    py = np.column_stack([y[starts], y[starts], np.full(starts.size, np.nan)]).ravel()
    return px, py


@dataclasses.dataclass
class Bands:
    """One scenario's capacity bands (G,) on dates (G,) datetime64[D]; ``phase_dates``: phase
    label -> median completion date (None: after the horizon)."""

    label: str
    dates: np.ndarray
    capacity: tuple[np.ndarray, np.ndarray, np.ndarray]
    crew: tuple[np.ndarray, np.ndarray, np.ndarray]
    phase_dates: dict[str, dt.date | str | None]
    capacity_mean: np.ndarray | None = None
    crew_mean: np.ndarray | None = None


def capacity_figure(bands: Sequence[Bands], title: str | None = None) -> Figure:
    """Crew capacity (top) and crew aboard (bottom) over time, median and 10-90 % band."""
    with matplotlib.rc_context(_RC):
        fig = _figure(6.6)
        ax_cap, ax_crew = fig.subplots(2, 1, sharex=True)
        top = 1.0
        for i, b in enumerate(bands):
            c = color(i)
            x = b.dates
            for ax, (lo, mid, hi), what in ((ax_cap, b.capacity, "capacity"), (ax_crew, b.crew, "aboard")):
                ax.fill_between(x, lo, hi, step="post", color=c, alpha=0.18 if len(bands) <= 2 else 0.12,
                                linewidth=0)
                sx, sy = _flat_steps(x, mid)
                ax.plot(sx, sy, color=c, linewidth=2.2, solid_capstyle="butt", label=f"{plain(b.label)}: median")
                top = max(top, float(np.nanmax(hi)) if np.size(hi) else 1.0)
            for ax, mean in ((ax_cap, b.capacity_mean), (ax_crew, b.crew_mean)):
                if mean is not None:
                    ax.plot(x, mean, color=c, linewidth=1.0, linestyle=(0, (4, 2)), alpha=0.9,
                            label=f"{plain(b.label)}: mean")
        for ax in (ax_cap, ax_crew):
            ax.set_ylim(0, top + 1.2)
            ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        # Median phase-complete dates, labelled at the top of the capacity panel.
        for i, b in enumerate(bands):
            c = color(i)
            for k, (phase, when) in enumerate(b.phase_dates.items()):
                if when is None:
                    continue
                xd = np.datetime64(when, "D")
                for ax in (ax_cap, ax_crew):
                    ax.axvline(xd, color=c, linestyle="--", linewidth=1.0, alpha=0.8)
                tr = blended_transform_factory(ax_cap.transData, ax_cap.transAxes)
                ax_cap.text(xd, 0.97 - 0.09 * i, f" {phase}", transform=tr, color=c, fontsize=8.5,
                            va="top", ha="left")
        ax_cap.set_ylabel("crew capacity (people)")
        ax_crew.set_ylabel("crew aboard (people)")
        ax_crew.set_xlabel("date (UTC)")
        ax_cap.set_title("Crew capacity (berths, life support, return seats, power, phase cap): median, "
                         "mean, 10–90 % of replications (band)", loc="left")
        ax_crew.set_title("Crew aboard: median, mean, 10–90 % (band); dashed verticals: median "
                          "phase-complete dates", loc="left")
        ax_crew.xaxis_date()
        _date_axis(ax_crew)
        handles, labels = ax_cap.get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(4, len(labels)), frameon=False)
        fig.suptitle(title_text(title or "Crew capacity and crew aboard over time"), fontweight="bold")
    return fig


# ------------------------------------------------------------------------------ 2. timeline


@dataclasses.dataclass
class ModuleBar:
    """One module's median ready date, docking dates (10/50/90 %, None: after the horizon),
    share of replications where it docked, share with at least one loss."""

    name: str
    ready: dt.date | str | None
    docked: tuple
    probability_docked: float
    loss_share: float
    present_at_start: bool = False
    departs: dt.date | str | None = None


def timeline_figure(groups: Sequence[tuple[str, Sequence[ModuleBar], dt.date]],
                    title: str | None = None) -> Figure:
    """Assembly timeline; ``groups``: (scenario label, modules, horizon) per scenario."""
    n_bars = sum(len(g[1]) for g in groups)
    height = max(4.0, 1.4 + 0.36 * n_bars + 0.5 * len(groups))
    with matplotlib.rc_context(_RC):
        fig = _figure(height)
        axes = fig.subplots(len(groups), 1, sharex=True, squeeze=False,
                            height_ratios=[max(1, len(g[1])) for g in groups])[:, 0]
        lo_all, hi_all = np.inf, -np.inf
        for gi, ((label, bars, horizon), ax) in enumerate(zip(groups, axes)):
            c = color(gi)
            h_num = _num(horizon)
            hi_all = max(hi_all, h_num)
            ys = np.arange(len(bars))[::-1]
            for y, m in zip(ys, bars):
                d10, d50, d90 = (_num(d) if d else None for d in m.docked)
                if m.present_at_start:
                    x0 = d50 if d50 is not None else None
                    if x0 is not None:
                        x1 = _num(m.departs) if m.departs else h_num
                        ax.barh(y, x1 - x0, left=x0, height=0.5, color=c, alpha=0.15, edgecolor=c, hatch="//")
                        note = "present at start" + (f", leaves {m.departs}" if m.departs else "")
                        ax.text(x0, y + 0.33, note, fontsize=8, va="bottom", color="0.25")
                        lo_all = min(lo_all, x0)
                    continue
                r = _num(m.ready) if m.ready else None
                if r is not None:
                    lo_all = min(lo_all, r)
                    end = d50 if d50 is not None else h_num
                    ax.barh(y, max(end - r, 1.0), left=r, height=0.5, color=c, alpha=0.35,
                            edgecolor=c, hatch=None if d50 is not None else "//")
                if d50 is not None:
                    lo_all = min(lo_all, d50)
                    xlo = d10 if d10 is not None else d50
                    xhi = d90 if d90 is not None else h_num
                    ax.errorbar([d50], [y], xerr=[[d50 - xlo], [xhi - d50]], fmt="D", color=c, ms=6,
                                ecolor="0.2", elinewidth=1.2, capsize=4, zorder=3)
                    if d90 is None:  # 90 % beyond the horizon: an arrow says so
                        ax.annotate("", xy=(h_num, y), xytext=(h_num - 1, y),
                                    arrowprops=dict(arrowstyle="->", color="0.2"))
                notes = []
                if d50 is None:
                    notes.append("median docking after horizon")
                if m.loss_share > 0:
                    notes.append(f"lost ≥ once: {_share(m.loss_share)}")
                if m.probability_docked < 1:
                    notes.append(f"never docked: {_share(1 - m.probability_docked)}")
                if notes:  # a column of notes at the right, past the horizon
                    tr = blended_transform_factory(ax.transAxes, ax.transData)
                    ax.text(0.995, y, " · ".join(notes), transform=tr, va="center", ha="right", fontsize=8,
                            color="#8B0000" if m.loss_share > 0 or m.probability_docked < 1 else "0.25")
            ax.set_yticks(ys, [_module_label(m.name) for m in bars])
            ax.set_ylim(-0.7, len(bars) - 0.3)
            ax.grid(axis="y", visible=False)
            ax.axvline(h_num, color="0.4", linewidth=1.0, linestyle=":")
            ax.set_title(plain(label, TITLE_CHARS), loc="left", color=c, fontweight="bold")
        lo_all = lo_all if np.isfinite(lo_all) else hi_all - 3650.0
        lo_all -= 0.03 * (hi_all - lo_all)
        # The horizon at 68 % of the width: the notes' column fits to its right.
        axes[-1].set_xlim(lo_all, lo_all + (hi_all - lo_all) / 0.68)
        axes[-1].xaxis_date()
        _date_axis(axes[-1])
        years = mdates.YearLocator(base=2 if hi_all - lo_all > 8 * 365 else 1)
        ticks = [t for t in years.tick_values(mdates.num2date(lo_all), mdates.num2date(hi_all)) if lo_all <= t <= hi_all]
        axes[-1].set_xticks(ticks)
        axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        for ax in axes:
            ax.spines["bottom"].set_bounds(lo_all, hi_all)
        axes[-1].set_xlabel("date (UTC); dotted line: simulation horizon")
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        handles = [Patch(facecolor="0.6", alpha=0.5, label="median ready → median docked"),
                   Line2D([], [], marker="D", color="0.2", linestyle="-", label="docking: median, 10–90 %")]
        fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
        fig.suptitle(title_text(title or "Assembly timeline: module ready and docking dates (median, 10–90 %)"),
                     fontweight="bold")
    return fig


def _share(x: float) -> str:
    """A share as a whole percentage, never rounding a rare event to 0 % or a near-certain one to 100 %."""
    if 0 < x < 0.005:
        return "<1%"
    if 0.995 <= x < 1:
        return ">99%"
    return f"{x:.0%}"


# ------------------------------------------------------------------------------ 3. milestone CDFs


@dataclasses.dataclass
class MilestoneSample:
    """One scenario's milestone days (days since ``start``; NaN: not reached by the horizon)."""

    label: str
    start: dt.date
    horizon: dt.date
    days: dict[str, np.ndarray]


def milestone_cdf_figure(samples: Sequence[MilestoneSample], milestones: Sequence[tuple[str, str]],
                         deadline: dt.date | None = None, title: str | None = None) -> Figure:
    """Empirical CDFs of the milestone dates, one panel per (key, display name) in ``milestones``."""
    with matplotlib.rc_context(_RC):
        fig = _figure(5.0)
        axes = fig.subplots(1, len(milestones), sharey=True, squeeze=False)[0]
        for ax, (key, name) in zip(axes, milestones):
            notes = []
            x_right = np.datetime64("1900-01-01", "D")
            x_left = np.datetime64("2999-01-01", "D")
            for i, s in enumerate(samples):
                c = color(i)
                d = np.asarray(s.days[key], dtype=float)
                n = d.size
                reached = d[np.isfinite(d)]
                start = np.datetime64(s.start, "D")
                horizon = np.datetime64(s.horizon, "D")
                # one step per day reached (the same curve: a million replications are a few
                # thousand days, not a million vertices)
                day, count = np.unique(np.round(reached), return_counts=True)
                x = start + day.astype("timedelta64[D]")
                y = np.cumsum(count) / max(n, 1) * 100
                x0 = x[0] if reached.size else horizon
                xs = np.concatenate([[x0], x, [horizon]])
                ys = np.concatenate([[0.0], y, [y[-1] if y.size else 0.0]])
                ax.step(xs, ys, where="post", color=c, linewidth=1.8, label=plain(s.label))
                final = ys[-1]
                ax.plot([horizon], [final], marker="o", color=c, ms=5)
                if final < 100:  # the replications that never reach it: a bracket up to 100 %
                    ax.plot([horizon, horizon], [final, 100], color=c, linewidth=3, alpha=0.35,
                            solid_capstyle="butt")
                    notes.append((final, horizon, f"never by horizon: {100 - final:.0f} %", c))
                x_right = max(x_right, horizon)
                x_left = min(x_left, xs[0])
            y_next = np.inf  # labels below their curve's end, stacked downwards without overlap
            for final, horizon, text, c in sorted(notes, key=lambda n: -n[0]):
                y = min(final - 2.0, y_next)
                ax.annotate(text, xy=(horizon, y), xytext=(5, 0), textcoords="offset points", ha="left",
                            va="top", fontsize=8, color=c)
                y_next = y - 7.0
            # The deadline, when it falls within the simulated dates (one after the horizon, drawn
            # outside the axes, collapsed the layout).
            shown = deadline is not None and np.datetime64(deadline, "D") <= x_right
            if shown:
                xd = np.datetime64(deadline, "D")
                ax.axvline(xd, color="0.3", linestyle="--", linewidth=1.0)
                tr = blended_transform_factory(ax.transData, ax.transAxes)
                ax.text(xd, 0.99, f" deadline\n {deadline.isoformat()}", transform=tr, fontsize=8,
                        va="top", ha="left", color="0.3")
            ax.axhline(100, color="0.5", linewidth=0.8)
            ax.set_ylim(0, 105)
            if shown:
                x_left = min(x_left, np.datetime64(deadline, "D"))
            room = max(int((x_right - x_left).astype(int) * 0.24), 60)
            ax.set_xlim(x_left - np.timedelta64(room // 4, "D"), x_right + np.timedelta64(room, "D"))
            ax.set_title(f"{name}: share of replications reaching it by each date", loc="left", fontsize=10)
            ax.set_xlabel("date (UTC)")
            _date_axis(ax)
            _trim_axis(ax, x_right)
        axes[0].set_ylabel("replications reached (%)")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(4, len(labels)), frameon=False)
        fig.suptitle(title_text(title or "When milestones are reached (empirical CDF; a plateau below 100 % = "
                                "some replications never reach it)"), fontweight="bold")
    return fig


# ------------------------------------------------------------------------------ 4-5. coverage


@dataclasses.dataclass
class CoverageCurve:
    """Percent of a region observed at least once by each elapsed time (hours)."""

    label: str
    instrument: str
    hours: np.ndarray
    percent: np.ndarray
    span_h: float | None = None


#: The coverage-over-time axis ends once every curve is within this many percentage points of its
#: final value (what happens later is a slow creep, a few cells at the swaths' edges, under 4
#: pixels of the axis).
COVERAGE_TAIL_PP = 1.0


def _last_change_h(c: "CoverageCurve") -> float:
    """Hours at which a coverage curve comes within :data:`COVERAGE_TAIL_PP` of its final value (0
    for an empty or flat curve)."""
    h = np.asarray(c.hours, dtype=float)
    p = np.asarray(c.percent, dtype=float)
    if not p.size or p[-1] <= 0:
        return 0.0
    return float(h[np.argmax(p >= p[-1] - COVERAGE_TAIL_PP)])


def coverage_time_figure(curves: Sequence[CoverageCurve], region: str = "Russia",
                         title: str | None = None, note: str | None = None) -> Figure:
    """Percent of ``region`` observed vs elapsed hours: colour per scenario, line style per instrument.

    The time axis ends a little after every curve comes within :data:`COVERAGE_TAIL_PP` of its
    final value (a round number of hours, at most the span); the label then says so and how long
    the span was.
    ``note``: a line under the figure (the ``--set`` changes of the run)."""
    styles = ("-", "--", ":", "-.")
    with matplotlib.rc_context(_RC):
        fig = _figure(5.0)
        ax = fig.subplots()
        labels = list(dict.fromkeys(c.label for c in curves))
        instruments = list(dict.fromkeys(c.instrument for c in curves))
        span = 0.0
        for c in curves:
            col = color(labels.index(c.label))
            ls = styles[instruments.index(c.instrument) % len(styles)]
            h = np.asarray(c.hours, dtype=float)
            p = np.asarray(c.percent, dtype=float)
            end = c.span_h if c.span_h is not None else (h[-1] if h.size else 0.0)
            xs = np.concatenate([[0.0], h, [end]])
            ys = np.concatenate([[0.0], p, [p[-1] if p.size else 0.0]])
            # Scenarios with the same orbit draw the same curve: earlier ones wider, so a curve
            # drawn over another leaves it visible as an outline.
            width = 1.4 + 2.2 * (len(labels) - 1 - labels.index(c.label)) / max(len(labels) - 1, 1)
            ax.step(xs, ys, where="post", color=col, linestyle=ls, linewidth=width,  # one scenario: the
                    label=plain(c.instrument) if len(labels) == 1  # title names it, the legend the instrument
                    else f"{plain(c.label)} — {plain(c.instrument)}")
            span = max(span, end)
        last = max((_last_change_h(c) for c in curves), default=0.0)
        xmax = min(span, _round_hours(1.15 * last)) if last > 0 else span
        ax.set_xlim(0, xmax or 1.0)
        ax.set_ylim(0, 102)
        ax.set_xlabel("hours since the start of the coverage span" if xmax >= span else
                      f"hours since the start of the coverage span (axis cut at {xmax:g} h of {span:g} h: "
                      f"later no curve rises by more than {COVERAGE_TAIL_PP:g} percentage point"
                      f"{'' if COVERAGE_TAIL_PP == 1 else 's'})")
        ax.set_ylabel(f"area of {region} observed at least once (%)")
        ax.axhline(100, color="0.5", linewidth=0.8)
        fig.legend(loc="outside lower center", ncols=min(3, max(1, len(curves))), frameon=False)
        if note:  # under the title, where constrained layout keeps room for it
            ax.set_title(plain(note, 150), loc="left", fontsize=9, color="#8b0000", fontweight="bold")
        fig.suptitle(title_text(title or f"Coverage of {region} over time: share of its area seen at least once"),
                     fontweight="bold")
    return fig


def _round_hours(h: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k hours at or above ``h`` (> 0), or a whole number of days
    (24, 48, 72, 96, 120, 168, ...) above 24 h."""
    if h > 24.0:
        return float(24.0 * np.ceil(h / 24.0))
    k = np.floor(np.log10(h))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10**k >= h * (1 - 1e-12):
            return float(m * 10**k)
    return float(10 ** (k + 1))


# ------------------------------------------------------------------------------ 6. crew occupancy


@dataclasses.dataclass(frozen=True)
class Occupancy:
    """One scenario's crew occupancy: P(at least k aboard) for k in ``levels`` (1, 2, ..., K) on
    ``dates`` (G,) datetime64[D] (``prob`` (L, G), its Monte Carlo half-width ``half_width``
    (L, G)), the share of each calendar year in ``years`` with at least k aboard (``year_mean``,
    ``year_p10``, ``year_p90``: (L, Y) over replications), median phase-complete dates."""

    label: str
    dates: np.ndarray
    levels: tuple[int, ...]
    prob: np.ndarray
    half_width: np.ndarray
    years: tuple[int, ...]
    year_mean: np.ndarray
    year_p10: np.ndarray
    year_p90: np.ndarray
    phase_dates: dict[str, dt.date | None]
    replications: int


#: Sequential blues for "exactly k aboard" (k = 1 lightest), from ColorBrewer's Blues.
_OCCUPANCY_BLUES = ("#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")


def _level_colors(levels: Sequence[int]) -> list[str]:
    n = len(levels)
    picks = np.linspace(0, len(_OCCUPANCY_BLUES) - 1, max(n, 2)).round().astype(int)[-n:] if n else []
    return [_OCCUPANCY_BLUES[i] for i in picks]


def occupancy_figure(items: Sequence[Occupancy], title: str | None = None) -> Figure:
    """Crew aboard over time: for each scenario (one panel each, common axes), the share of
    replications with exactly k aboard, stacked (the top of the k-th band is P(at least k)).
    A reader sees at once how likely 2 or 4 are aboard on any date, not only when they first are."""
    with matplotlib.rc_context(_RC):
        fig = _figure(1.2 + 2.6 * len(items))
        axes = np.atleast_1d(fig.subplots(len(items), 1, sharex=True, sharey=True, squeeze=False)[:, 0])
        levels = sorted({k for it in items for k in it.levels})
        colors = dict(zip(levels, _level_colors(levels)))
        worst = 0.0
        for ax, it in zip(axes, items):
            x = it.dates
            prob = 100.0 * np.asarray(it.prob, dtype=float)
            for j, k in enumerate(it.levels):
                upper = prob[j]
                lower = prob[j + 1] if j + 1 < len(it.levels) else np.zeros_like(upper)
                last = j + 1 == len(it.levels)
                ax.fill_between(x, lower, upper, step="post", color=colors[k], linewidth=0,
                                label=f"{k} or more aboard" if last else f"{k} aboard")
            for j, k in enumerate(it.levels):
                if k in (2, 4) or k == it.levels[-1]:
                    ax.step(x, prob[j], where="post", color="#08306b", linewidth=0.8)
                    i_end = np.flatnonzero(np.isfinite(prob[j]))
                    if i_end.size:
                        ax.annotate(f"≥{k}", (x[i_end[-1]], prob[j][i_end[-1]]), xytext=(3, 0),
                                    textcoords="offset points", fontsize=8, va="center", color="#08306b")
            worst = max(worst, float(np.nanmax(100.0 * np.asarray(it.half_width))) if np.size(it.half_width) else 0.0)
            for phase, when in it.phase_dates.items():
                if when is None:
                    continue
                xd = np.datetime64(when, "D")
                ax.axvline(xd, color="#555555", linestyle="--", linewidth=0.9)
                tr = blended_transform_factory(ax.transData, ax.transAxes)
                ax.text(xd, 0.995, f" {phase} (median)", transform=tr, fontsize=8, va="top", ha="left",
                        color="#333333")
            ax.set_ylim(0, 112)  # headroom above 100 % for the phase labels
            ax.set_yticks(range(0, 101, 20))
            ax.set_ylabel("replications (%)")
            ax.set_title(f"{plain(it.label)} — {it.replications:,} replications", loc="left")
        axes[-1].set_xlabel("date (UTC)")
        axes[-1].xaxis_date()
        _date_axis(axes[-1])
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles[::-1], labels[::-1], loc="outside right center", frameon=False,
                   title="crew aboard")
        fig.suptitle(title_text(title or "How many cosmonauts are aboard: share of replications on each date"),
                     fontweight="bold")
        fig.supxlabel(f"Top of each band: P(at least k aboard). Monte Carlo uncertainty (95 %) at most "
                      f"±{worst:.1f} points. Dashed: median phase-complete dates.", fontsize=8, color="#444444")
    return fig


def occupancy_by_year_figure(items: Sequence[Occupancy], levels: Sequence[int] = (2, 4),
                             title: str | None = None) -> Figure:
    """Share of each calendar year with at least k aboard (bars: mean over replications; whiskers:
    10-90 % of replications), for the crew levels ``levels``; one panel per scenario, common axes."""
    with matplotlib.rc_context(_RC):
        fig = _figure(1.2 + 2.4 * len(items))
        axes = np.atleast_1d(fig.subplots(len(items), 1, sharex=True, sharey=True, squeeze=False)[:, 0])
        shown = [k for k in levels if any(k in it.levels for it in items)]
        all_levels = sorted({k for it in items for k in it.levels})
        colors = dict(zip(all_levels, _level_colors(all_levels)))
        width = 0.8 / max(len(shown), 1)
        for ax, it in zip(axes, items):
            years = np.asarray(it.years)
            for m, k in enumerate(shown):
                if k not in it.levels:
                    continue
                j = it.levels.index(k)
                xs = years + (m - (len(shown) - 1) / 2) * width
                mean = 100.0 * np.asarray(it.year_mean[j])
                lo, hi = 100.0 * np.asarray(it.year_p10[j]), 100.0 * np.asarray(it.year_p90[j])
                ax.bar(xs, mean, width=width, color=colors[k], edgecolor="#08306b", linewidth=0.5,
                       label=f"at least {k} aboard: mean")
                # whiskers from the 10 % to the 90 % replication (the mean may lie outside them
                # when most replications have none of the year)
                ax.vlines(xs, lo, hi, color="#333333", linewidth=0.9,
                          label="10–90 % of replications" if m == 0 else None)
            ax.set_ylim(0, 100)
            ax.set_ylabel("share of the year (%)")
            ax.set_title(f"{plain(it.label)} — {it.replications:,} replications", loc="left")
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        axes[-1].set_xlabel("calendar year")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
        fig.suptitle(title_text(title or "Share of each year with at least 2 and at least 4 cosmonauts aboard"),
                     fontweight="bold")
    return fig


# ------------------------------------------------------------------------------ scenario discovery

__all__ += ["DiscoveryInput", "prim_tradeoff_figure", "box_limits_figure", "pairs_figure"]

#: Colours of points meeting and missing a goal (Okabe-Ito blue, vermillion).
MET_COLORS = (COLORS[0], COLORS[1])


@dataclasses.dataclass(frozen=True)
class DiscoveryInput:
    """One input of a sweep: its ``name``, its points' ``values`` (day numbers since 1970 for a
    date input, ``is_date``), and each box's limits (``lower``, ``upper``; ±inf: none) with, if
    given, their texts (``lower_text``, ``upper_text``; default: the limit's value)."""

    name: str
    values: np.ndarray
    is_date: bool
    lower: Sequence[float] = ()
    upper: Sequence[float] = ()
    lower_text: Sequence[str] = ()
    upper_text: Sequence[str] = ()


def _discovery_inputs(inputs) -> list[DiscoveryInput]:
    return [i if isinstance(i, DiscoveryInput) else DiscoveryInput(**i) for i in inputs]


def _input_value(inp: DiscoveryInput, v: float) -> str:
    if inp.is_date:
        return str(np.datetime64("1970-01-01", "D") + np.timedelta64(int(np.floor(v)), "D"))
    return f"{v:.4g}"


def _short_name(path: str) -> str:
    """An input's path without its table (``modules.lab.slip_days.scale``: ``lab.slip_days.scale``),
    on two lines at a dot when long."""
    parts = path.split(".")
    name = ".".join(parts[1:]) if len(parts) > 2 else path
    if len(name) > 22 and "." in name:
        head, _, tail = name.partition(".")
        name = f"{head}\n{tail}"
    return name


def _note(fig: Figure, note: str) -> None:
    import textwrap

    if note:
        fig.supxlabel(plain("\n".join(textwrap.wrap(note, 150)), 160, 4), x=0.01, ha="left", fontsize=8,
                      color="#444444")


def _discovery_values(inp: DiscoveryInput) -> np.ndarray:
    """The values as matplotlib numbers (dates as date numbers)."""
    v = np.asarray(inp.values, dtype=float)
    return v + float(mdates.date2num(np.datetime64("1970-01-01", "D"))) if inp.is_date else v


def prim_tradeoff_figure(coverage: Sequence[float], density: Sequence[float], restricted: Sequence[int],
                         chosen: int, boxes: Sequence[tuple[float, float]], title: str, note: str = "") -> Figure:
    """PRIM's peeling trajectory: each box's coverage (x) and density (y), coloured by how many
    inputs it restricts; the chosen box ringed, the final (pasted) boxes as stars."""
    with matplotlib.rc_context(_RC):
        fig = _figure(4.6)
        ax = fig.subplots()
        restricted = np.asarray(restricted, dtype=int)
        levels = sorted(set(restricted.tolist()))
        ax.plot(coverage, density, color="#999999", linewidth=0.8, zorder=1)
        for k, c in zip(levels, _level_colors(levels) if len(levels) > 1 else [COLORS[0]]):
            sel = restricted == k
            ax.scatter(np.asarray(coverage)[sel], np.asarray(density)[sel], s=22, color=c, zorder=2,
                       label=f"{k} input{'s' * (k != 1)} restricted")
        ax.scatter([coverage[chosen]], [density[chosen]], s=140, facecolors="none", edgecolors="#000000",
                   linewidths=1.4, zorder=3, label="chosen by the threshold")
        for i, (c, d) in enumerate(boxes):
            ax.scatter([c], [d], marker="*", s=170, color=COLORS[2 + i % 3], edgecolors="#000000", linewidths=0.6,
                       zorder=4, label=f"box {i + 1} after pasting")
        ax.set_xlabel("coverage: share of the goal-meeting points inside the box")
        ax.set_ylabel("density: share of the box's points meeting the goal")
        ax.set_xlim(max(0.0, min(coverage) - 0.05), 1.02)
        ax.set_ylim(max(0.0, min(density) - 0.05), 1.02)
        fig.legend(loc="outside right center", frameon=False)
        fig.suptitle(title_text(title), x=0.01, ha="left", fontweight="bold")
        _note(fig, note)
    return fig


def box_limits_figure(inputs: Sequence[DiscoveryInput], labels: Sequence[str], title: str, note: str = "") -> Figure:
    """Each box's limits on every input, as a share of the input's range (0: its lowest value
    in the sweep, 1: its highest), the limits written in the input's units. ``inputs``: :class:`DiscoveryInput` or dicts of its fields."""
    inputs = _discovery_inputs(inputs)
    n_in, n_box = len(inputs), len(labels)
    with matplotlib.rc_context(_RC):
        fig = _figure(1.4 + 0.55 * n_in * max(n_box, 1))
        ax = fig.subplots()
        rows = []
        for i, inp in enumerate(inputs):
            v = np.asarray(inp.values, dtype=float)
            lo, hi = float(v.min()), float(v.max())
            span = (hi - lo) or 1.0
            for b in range(n_box):
                y = (n_in - 1 - i) * (n_box + 0.6) + (n_box - 1 - b)
                rows.append((y, inp.name if b == 0 else ""))
                a = inp.lower[b] if b < len(inp.lower) else -np.inf
                z = inp.upper[b] if b < len(inp.upper) else np.inf
                left = (max(a, lo) - lo) / span if np.isfinite(a) else 0.0
                right = (min(z, hi) - lo) / span if np.isfinite(z) else 1.0
                ax.plot([0, 1], [y, y], color="#DDDDDD", linewidth=7, solid_capstyle="butt", zorder=1)
                ax.plot([left, right], [y, y], color=COLORS[2 + b % 3] if n_box > 1 else COLORS[0], linewidth=7,
                        solid_capstyle="butt", zorder=2, label=labels[b] if i == 0 else None)
                for side, frac, val in ((0, left, a), (1, right, z)):
                    given = (inp.lower_text if side == 0 else inp.upper_text)[b:b + 1]
                    text = (given[0] if given else _input_value(inp, val)) if np.isfinite(val) else \
                        _input_value(inp, lo if side == 0 else hi)
                    ax.annotate(text, (frac, y), xytext=(0, 7), textcoords="offset points", fontsize=7.5,
                                ha="left" if side == 0 else "right", va="bottom",
                                color="#000000" if np.isfinite(val) else "#888888")
        ax.set_yticks([r[0] for r in rows], [plain(r[1], 60) for r in rows], fontsize=8)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.8, max(r[0] for r in rows) + 0.9)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["lowest", "", "", "", "highest"])
        ax.grid(axis="y", visible=False)
        ax.tick_params(axis="y", length=0)
        if n_box > 1:
            fig.legend(loc="outside right upper", frameon=False)
        fig.suptitle(title_text(title), x=0.01, ha="left", fontweight="bold")
        _note(fig, note)
    return fig


def pairs_figure(inputs: Sequence[DiscoveryInput], met: np.ndarray, title: str, note: str = "") -> Figure:
    """Every pair of inputs as a scatter of the design points, coloured by whether they meet the
    goal, with the first box's limits drawn; on the diagonal each input's histogram, stacked.
    ``inputs``: :class:`DiscoveryInput` or dicts of its fields."""
    inputs = _discovery_inputs(inputs)
    met = np.asarray(met, dtype=bool)
    d = len(inputs)
    with matplotlib.rc_context({**_RC, "axes.grid": False}):
        fig = Figure(figsize=(WIDTH_IN, min(WIDTH_IN, 1.2 + 2.2 * d)), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        axes = np.atleast_2d(fig.subplots(d, d, squeeze=False))
        vals = [_discovery_values(inp) for inp in inputs]
        shift = float(mdates.date2num(np.datetime64("1970-01-01", "D")))
        for i in range(d):
            for j in range(d):
                ax = axes[i, j]
                if i == j:
                    bins = np.histogram_bin_edges(vals[j], bins=min(20, max(5, len(met) // 8)))
                    ax.hist([vals[j][met], vals[j][~met]], bins=bins, stacked=True, color=MET_COLORS,
                            label=["meets the goal", "misses it"])
                    ax.set_yticks([])
                else:
                    ax.scatter(vals[j][~met], vals[i][~met], s=9, color=MET_COLORS[1], alpha=0.75, linewidths=0)
                    ax.scatter(vals[j][met], vals[i][met], s=9, color=MET_COLORS[0], alpha=0.75, linewidths=0)
                    box = [(inputs[k].lower[0] if len(inputs[k].lower) else -np.inf,
                            inputs[k].upper[0] if len(inputs[k].upper) else np.inf) for k in (j, i)]
                    (x0, x1), (y0, y1) = [
                        (lo + (shift if inputs[k].is_date else 0) if np.isfinite(lo) else vals[k].min(),
                         hi + (shift if inputs[k].is_date else 0) if np.isfinite(hi) else vals[k].max())
                        for (lo, hi), k in zip(box, (j, i))]
                    ax.plot([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0], color="#000000", linewidth=1.0)
                for axis, k, show in ((ax.xaxis, j, i == d - 1), (ax.yaxis, i, j == 0 and i != j)):
                    if inputs[k].is_date and (i != j or axis is ax.xaxis):
                        loc = mdates.AutoDateLocator(minticks=2, maxticks=4)
                        axis.set_major_locator(loc)
                        axis.set_major_formatter(mdates.ConciseDateFormatter(loc, show_offset=False))
                    if not show:
                        axis.set_ticklabels([])
                ax.tick_params(labelsize=7)
                if i == d - 1:
                    ax.set_xlabel(plain(_short_name(inputs[j].name), 40, 2), fontsize=8)
                if j == 0:
                    ax.set_ylabel(plain(_short_name(inputs[i].name), 40, 2), fontsize=8)
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside right upper", frameon=False)
        fig.suptitle(title_text(title), x=0.01, ha="left", fontweight="bold")
        _note(fig, note)
    return fig


# ------------------------------------------------------------------------------ drivers (tornado)

__all__ += ["tornado_figure", "TORNADO_BARS"]

#: Most bars of a tornado chart: the largest shifts; the rest are counted in its note.
TORNADO_BARS = 30


def tornado_figure(labels: Sequence[str], shifts: Sequence[float], lows: Sequence[float], highs: Sequence[float],
                   within_noise: Sequence[bool], title: str, xlabel: str, note: str = "",
                   value_format: str = "{:+,.3g}", one_sided: bool = False, hidden_word: str = "shifts") -> Figure:
    """A tornado chart: one horizontal bar per input, the shift it causes in an outcome, in the
    order given from the top (rank them first: largest |shift| on top), whiskers from ``lows`` to
    ``highs`` (a bound that is infinite or off the chart ends in an arrow at the edge), shifts
    within noise in grey. A NaN shift (unknown: later than the horizon) gets its whisker and a
    "?" but no bar. At most :data:`TORNADO_BARS` bars; the rest are counted in the note (as
    "N smaller ``hidden_word``"). ``one_sided``: values that cannot be below 0 but for noise (a
    share of variance): the axis starts just left of 0 instead of mirroring the right side."""
    shifts, lows, highs = (np.asarray(a, dtype=float) for a in (shifts, lows, highs))
    shown = min(len(labels), TORNADO_BARS)
    hidden = len(labels) - shown
    with matplotlib.rc_context(_RC):
        fig = _figure(1.9 + 0.32 * max(shown, 1))
        ax = fig.subplots()
        y = np.arange(shown)[::-1]
        finite = [abs(v) for a in (shifts, lows, highs) for v in a[:shown] if np.isfinite(v)]
        edge = 1.12 * max(finite + [1e-12])
        for yi, k in zip(y, range(shown)):
            s = shifts[k]
            noise = bool(within_noise[k])
            if np.isfinite(s):
                ax.barh(yi, s, height=0.62, color="#BBBBBB" if noise else COLORS[0],
                        edgecolor="#555555" if noise else "#08306b", linewidth=0.5)
            lo, hi = (float(np.clip(np.nan_to_num(v, nan=sign * np.inf), -edge, edge))
                      for v, sign in ((lows[k], -1), (highs[k], 1)))
            ax.plot([lo, hi], [yi, yi], color="#222222", linewidth=1.0, solid_capstyle="butt")
            for v, clipped, marker in ((lo, not lows[k] >= -edge, "<"), (hi, not highs[k] <= edge, ">")):
                ax.plot([v], [yi], marker=marker if clipped else "|", color="#222222",
                        markersize=6 if clipped else 7)
            right = s >= 0 if np.isfinite(s) else hi > 0
            text = value_format.format(s) if np.isfinite(s) else "? (beyond the horizon)"
            ax.annotate(text, (max(np.nan_to_num(s), hi) if right else min(np.nan_to_num(s), lo), yi),
                        xytext=(4 if right else -4, 0), textcoords="offset points",
                        ha="left" if right else "right", va="center", fontsize=8)
        ax.axvline(0.0, color="#000000", linewidth=0.8)
        ax.set_xlim(-edge * (0.25 if one_sided else 1.3), edge * 1.3)
        ax.set_yticks(y, [plain(labels[k], 60) for k in range(shown)], fontsize=8)
        ax.set_ylim(-0.7, shown - 0.3)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(plain(xlabel, 80))
        import textwrap

        wrapped = "\n".join(w for line in str(title).splitlines() for w in textwrap.wrap(line, 100) or [""])
        fig.suptitle(title_text(wrapped), x=0.01, ha="left", fontweight="bold")
        more = f" {hidden} smaller {hidden_word} not shown." if hidden else ""
        if note or more:
            fig.supxlabel(plain("\n".join(textwrap.wrap(note + more, 140)), 150, 4), x=0.01, ha="left",
                          fontsize=8, color="#444444")
    return fig


# ------------------------------------------------------------------------------ backtest calibration

__all__ += ["CalibrationCurve", "calibration_figure"]


@dataclasses.dataclass(frozen=True)
class CalibrationCurve:
    """One slip prior's backtest: nominal central-band ``levels`` with the observed coverage
    (``observed``, its 95 % interval ``low``-``high``), and the actual dates' ``percentiles``."""

    name: str
    levels: np.ndarray
    observed: np.ndarray
    low: np.ndarray
    high: np.ndarray
    percentiles: np.ndarray


def calibration_figure(curves: Sequence[CalibrationCurve], title: str, bins: int = 5) -> Figure:
    """Left: observed against nominal coverage of the forecasts' central bands (on the diagonal
    when calibrated; the shaded band is the 95 % binomial interval). Right: histogram of the
    percentiles at which the actual dates fell (flat when calibrated; a pile at the left means
    launches earlier than forecast, at the right later)."""
    with matplotlib.rc_context(_RC):
        fig = _figure(4.4)
        ax, bx = fig.subplots(1, 2)
        ax.plot([0, 1], [0, 1], color="#777777", linewidth=0.8, linestyle="--", label="calibrated")
        for i, c in enumerate(curves):
            ax.fill_between(c.levels, c.low, c.high, color=color(i), alpha=0.15, linewidth=0)
            ax.plot(c.levels, c.observed, marker="o", markersize=3, color=color(i), label=plain(c.name))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("nominal coverage of the central band (0.8 = 10-90 %)")
        ax.set_ylabel("share of actual dates inside the band")
        ax.legend(loc="upper left")
        edges = np.linspace(0.0, 1.0, bins + 1)
        width = 1.0 / bins / (len(curves) + 1)
        for i, c in enumerate(curves):
            counts, _ = np.histogram(np.clip(c.percentiles, 0, 1), bins=edges)
            bx.bar(edges[:-1] + width * (i + 0.5), counts, width=width, align="edge", color=color(i),
                   label=plain(c.name))
        if curves:
            bx.axhline(len(curves[0].percentiles) / bins, color="#777777", linewidth=0.8, linestyle="--",
                       label="calibrated (flat)")
        bx.set_xticks(edges)
        bx.set_xlabel("percentile of the actual date in its forecast")
        bx.set_ylabel("flights")
        bx.grid(axis="x", visible=False)
        bx.legend(loc="upper center")
        fig.suptitle(title_text(title), x=0.01, ha="left", fontweight="bold")
    return fig
