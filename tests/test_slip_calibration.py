"""The shipped ROSS scenarios draw module *readiness* slips calibrated so that the simulated
*launch* slips (readiness plus the waits the campaign adds: the module before, the launcher, the
pad) follow the slip prior fitted to history (docs/history-sources.md#slip-prior-fit): the
percentile of each simulated first launch under the fitted prior (its PIT) has median 1/2 and
about 1/10 beyond each of the prior's 10 % and 90 % points. Drawing the fitted prior itself as the
readiness slip counted the waits twice (PIT median 0.59, 14.5 % above the 90 % point)."""

import datetime as dt
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from rossim import scenario

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("calibrate_slips", ROOT / "scripts" / "calibrate_slips.py")
calibrate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(calibrate)

PLANS = [("ross_high_latitude.toml", dt.date(2026, 1, 6)), ("ros_iss_orbit.toml", dt.date(2026, 3, 17))]


def test_pit_is_the_fitted_prior_cdf():
    # hand-computed: lead 1000 d, slip 647 d = lead x the Weibull scale: 1 - e^-1 of the late part
    u = calibrate.pit(np.array([647.0, 0.0, -5.0]), 1000.0)
    assert u[0] == pytest.approx(0.061 + 0.939 * (1 - np.exp(-1.0)))
    assert u[1] == u[2] == pytest.approx(0.0305)


@pytest.mark.parametrize("name, plan", PLANS)
def test_simulated_launch_slips_follow_the_fitted_prior(name, plan):
    sc = scenario.load(ROOT / "scenarios" / name)
    med, low, high, k = calibrate.measure(sc, plan, n=150, seed=3)
    assert k > 800
    # 150 replications x 6 modules: the PIT median is known to about +-0.03 here
    assert 0.44 <= med <= 0.56, med
    assert 0.03 <= low <= 0.16 and 0.04 <= high <= 0.16, (low, high)


def test_the_scenarios_say_what_lead_they_scale():
    # every module's scale is 0.53 x (ready - plan), as its comment says
    for name, plan in PLANS:
        sc = scenario.load(ROOT / "scenarios" / name)
        for k, lead in calibrate.leads(sc, plan).items():
            assert sc.modules[k].slip_days.scale == pytest.approx(0.53 * lead, abs=0.5), (name, k)
