"""Module names on the assembly timeline: whole, on two lines when long, never cut mid-name."""

import datetime as dt
import io

from rossim import figures


def _bar(name: str) -> figures.ModuleBar:
    return figures.ModuleBar(name=name, ready="2030-01-01", docked=("2030-02-01", "2030-06-01", "2031-01-01"),
                             probability_docked=1.0, loss_share=0.0)


def test_long_module_names_wrap_whole_on_the_timeline():
    names = ["Node (UUM) + gateway/airlock (ShM) stack", "ISS Russian segment (Zvezda, Poisk, Prichal)", "BM"]
    fig = figures.timeline_figure([("plan", [_bar(n) for n in names], dt.date(2046, 1, 1))])
    fig.savefig(io.BytesIO(), format="png")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert [label.replace("\n", " ") for label in labels] == names
    assert labels[0] == "Node (UUM) + gateway/airlock (ShM)\nstack"
    for t in fig.axes[0].get_yticklabels():  # inside the figure
        assert t.get_window_extent().x0 >= 0
    # a name longer than two lines is cut with an ellipsis, not drawn across the figure
    long = figures._module_label("x " * 100)
    assert long.count("\n") == 1 and long.endswith("…")


def test_coverage_legend_names_the_scenario_only_when_there_are_several():
    import numpy as np

    def curve(label, inst):
        return figures.CoverageCurve(label, inst, np.array([1.0, 2.0]), np.array([10.0, 20.0]), 3.0)

    one = figures.coverage_time_figure([curve("ross_high_latitude", "optical"), curve("ross_high_latitude", "radar")])
    assert [t.get_text() for t in one.legends[0].get_texts()] == ["optical", "radar"]
    two = figures.coverage_time_figure([curve("a", "radar"), curve("b", "radar")])
    assert [t.get_text() for t in two.legends[0].get_texts()] == ["a — radar", "b — radar"]


def test_campaign_coverage_figure_has_a_caption_in_words():
    from rossim import coverage_figures

    text = coverage_figures.caption("fig_campaign_coverage")
    assert text and "each calendar year" in text and "campaign_coverage.csv" in text
