"""The plain-language summaries never round a share of a region short of the whole up to "100 %"
(a comparison's "100 % of the Arctic zone in 2 days" was 99.6 %), as the maps' titles and the
terminal's table do not."""

import pytest

from rossim import coverage_compare, headlines


@pytest.mark.parametrize("pct, words", [(0.0, "0 %"), (4.1, "4 %"), (74.4, "74 %"), (99.4, "99 %"), (99.6, "99.6 %"),
                                        (99.96, "99.96 %"), (99.999, "99.99 %"), (100.0, "100 %"),
                                        (100.00000000000001, "100 %")])
def test_a_share_short_of_the_whole_never_reads_100(pct, words):
    assert headlines.area_percent(pct) == words
    assert coverage_compare._whole_share(pct) == words  # the terminal's table says the same



def test_the_summaries_say_shares_so():
    """The words of the comparison's and the coverage run's summaries (their "90 % of Russia and
    99.6 % of the Arctic zone in 2 days")."""
    assert headlines._pct(99.6) == "99.6 %" and headlines._pct(90.3) == "90 %" and headlines._pct(None) == "none"


def test_the_coverage_maps_titles_say_shares_so():
    from rossim import coverage_run

    for pct, words in ((0.0, "0"), (0.4, "0.4"), (4.1, "4.1"), (19.2, "19"), (99.6, "99.6"), (100.0, "100")):
        assert coverage_run._pct(pct) == coverage_compare._share(pct) == f"{words}\u00a0%"
    assert coverage_run._pct(float("nan")) == "—"
