"""Ensembles: reproducibility whatever the workers, summaries equal to the replications."""

import json
from pathlib import Path

import numpy as np
import pytest

from rossim import cli, clock, ensemble, scenario

HL = Path("scenarios/ross_high_latitude.toml")


@pytest.fixture(scope="module")
def hl():
    return scenario.load(HL)


def test_same_seed_same_bytes_any_workers(tmp_path):
    outs = []
    for k, workers in enumerate(("1", "2", "2")):
        out = tmp_path / f"run{k}"
        assert cli.main(["run", str(HL), "-n", "24", "--seed", "7", "--workers", workers,
                         "--no-report", "--out", str(out)]) == 0
        outs.append(out)
    for name in ("replications.csv", "events.parquet", "capacity.csv", "summary.json"):
        first = (outs[0] / name).read_bytes()
        assert all((o / name).read_bytes() == first for o in outs[1:]), name
    # A different seed gives different replications.
    other = tmp_path / "other"
    assert cli.main(["run", str(HL), "-n", "24", "--seed", "8", "--workers", "1",
                     "--no-report", "--out", str(other)]) == 0
    assert (other / "replications.csv").read_bytes() != (outs[0] / "replications.csv").read_bytes()


def test_replication_i_does_not_depend_on_n_or_workers(hl):
    """Replication i draws from the i-th child of SeedSequence(seed): the first 10 replications
    of an ensemble of 16 on two workers are those of an ensemble of 10 in one process."""
    a = ensemble.run(hl, n=10, seed=3, workers=1)
    b = ensemble.run(hl, n=16, seed=3, workers=2)
    for ra, rb in zip(a.replications, b.replications):
        assert ra.index == rb.index
        assert ra.events == rb.events
        for name in ra.milestones:
            np.testing.assert_array_equal(ra.milestones[name], rb.milestones[name])
    # and they are not all the same replication
    assert len({r.launches for r in b.replications}) > 1


def test_summary_matches_replications(hl, tmp_path):
    ens = ensemble.run(hl, n=60, seed=11, workers=1)
    s = ens.summary()
    days = ens.milestone_days("phase_1_complete")
    finite = np.sort(days[np.isfinite(days)])
    # p50 by the inverted CDF: the ceil(0.5 n)-th smallest, NaN (never) sorting last.
    k = int(np.ceil(0.5 * len(days))) - 1
    expected = finite[k] if k < finite.size else np.nan
    assert s["milestones"]["phase_1_complete"]["p50"] == clock.iso_date(hl.start, expected)
    assert s["milestones"]["phase_1_complete"]["probability"] == pytest.approx(finite.size / 60)
    deadline = clock.days_between(hl.start, hl.simulation.deadline) + 1
    assert s["milestones"]["phase_2_complete"]["probability_by_deadline"] == pytest.approx(
        np.mean(np.nan_to_num(ens.milestone_days("phase_2_complete"), nan=np.inf) < deadline))
    launches = np.sort(ens.values("launches"))
    assert s["launches"]["p50"] == launches[29] and s["launches"]["p10"] == launches[5]  # ceil(q n)-th
    required = {"first_crew", "room_for_2", "capacity_2", "room_for_4", "capacity_4", "phase_1_complete",
                "phase_2_complete"}
    assert required <= set(s["milestones"])
    for m in required:
        assert {"p10", "p50", "p90", "probability"} <= set(s["milestones"][m])
    json.dumps(s, allow_nan=False)


def test_capacity_bands_bracket_the_median(hl):
    ens = ensemble.run(hl, n=40, seed=5, workers=1)
    b = ens.capacity_bands()
    assert np.all(b["capacity_p10"] <= b["capacity_p50"]) and np.all(b["capacity_p50"] <= b["capacity_p90"])
    assert np.all(b["crew_aboard_p90"] <= 4)
    assert b["day"][0] == 0 and b["day"][1] == hl.simulation.capacity_step_days


def test_censored_quantiles():
    # 10 values, 6 never reached: the median is "not reached", the 10 % quantile is the smallest.
    v = np.array([5.0, 1.0, 3.0, 2.0] + [np.nan] * 6)
    q = ensemble.quantiles(v, censored=True)
    assert q[0] == 1.0 and np.isnan(q[1]) and np.isnan(q[2])


def test_run_writes_every_file(tmp_path):
    out = tmp_path / "run"
    assert cli.main(["run", str(HL), "-n", "8", "--workers", "1", "--no-report", "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"summary.json", "replications.csv", "events.parquet", "capacity.csv", "scenario.toml"} <= names
    assert "events.csv" not in names
    import pyarrow.parquet as pq

    assert pq.read_schema(out / "events.parquet").names == ["replication", "day", "date", "kind", "subject", "detail"]
    rows = (out / "replications.csv").read_text().splitlines()
    assert len(rows) == 9


def test_a_chunk_gives_the_collector_back_as_it_found_it(hl, monkeypatch):
    """A chunk runs with the older objects frozen out of the garbage collector's sight
    (``gc.freeze``) and unfreezes them when it ends, even by an exception: nothing stays frozen
    (frozen objects are never collected), and the replications are those of a plain loop."""
    import gc

    assert gc.get_freeze_count() == 0
    sc = hl
    reps = ensemble._run_chunk(sc, 4, 3, range(3))
    assert gc.get_freeze_count() == 0
    plain = ensemble.simulate(ensemble.Plan.from_scenario(sc), np.random.Generator(np.random.PCG64(ensemble.stream(4, 2))), 2)
    assert reps[2].events == plain.events and reps[2].milestones == plain.milestones

    def fails(*args):
        assert gc.get_freeze_count() > 0  # the older objects are frozen while it runs
        raise RuntimeError("boom")

    monkeypatch.setattr(ensemble, "simulate", fails)
    with pytest.raises(RuntimeError, match="boom"):
        ensemble._run_chunk(sc, 4, 3, range(3))
    assert gc.get_freeze_count() == 0
    monkeypatch.undo()

    # a caller's own freeze is left as it was: its objects stay frozen after the chunk
    marker = [object()]
    gc.freeze()
    try:
        assert ensemble._run_chunk(sc, 4, 3, range(2, 3))[0].events == plain.events
        assert gc.get_freeze_count() > 0  # (objects freed meanwhile leave the count, so not equal)
        assert not any(o is marker for o in gc.get_objects())  # still frozen: out of every generation
    finally:
        gc.unfreeze()
    assert any(o is marker for o in gc.get_objects())
