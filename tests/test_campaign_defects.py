"""Regression tests for the campaign defects of issue 8 (section 1, items 1-6): each failed on the
model before its fix."""

from pathlib import Path

import numpy as np
from test_campaign import kinds, run

from rossim import campaign, scenario

SCENARIOS = Path(__file__).parent.parent / "scenarios"


# ---------------------------------------------------------------- 1. no docking lottery without a target
def test_core_is_in_orbit_when_its_launch_succeeds():
    """The core (no docks_to) has nothing to dock to: however bad its docking odds, it never logs
    a docking failure and is never lost after a good launch; commissioning still applies."""
    overrides = ["modules.a.docking_success_probability=0.01", "modules.a.max_docking_attempts=1"]
    for seed in range(10):
        r = run(overrides, seed)
        assert not kinds(r, "docking_failed", "a") and r.module_lost["a"] == 0
        assert r.module_docked["a"] == 9.0  # launched day 9, no rendezvous
        assert kinds(r, "commissioned", "a") == [14.0]  # + 5 days of commissioning


def test_free_flyer_is_in_orbit_when_its_launch_succeeds():
    """A module that becomes the core because its target left is in orbit on its launch day."""
    overrides = ["modules.a.present_at_start=true", "modules.a.departs=2030-02-01",
                 "modules.b.ready=2030-03-01", "modules.b.if_target_departs=free_flyer",
                 "modules.b.docking_success_probability=0.01", "modules.b.max_docking_attempts=1"]
    for seed in range(10):
        r = run(overrides, seed)
        assert kinds(r, "free_flyer", "b") == [59.0]
        assert not kinds(r, "docking_failed", "b") and r.module_lost["b"] == 0
        assert r.module_docked["b"] == 59.0


def test_shipped_scenarios_log_no_docking_failure_without_a_target():
    for path in sorted(SCENARIOS.glob("*.toml")):
        sc = scenario.load(path)
        plan = campaign.Plan.from_scenario(sc)
        cores = {k for k, m in sc.modules.items() if m.docks_to is None}
        for seed in range(40):
            r = campaign.simulate(plan, np.random.default_rng(seed))
            free = {s: t for t, k, s, _ in r.events if k == "free_flyer"}
            for t, k, s, _ in r.events:
                if k == "docking_failed":
                    assert s not in cores and not (s in free and t >= free[s]), (path.name, seed, s)
