"""An ensemble reduced to columns where its chunks run (rossim.columns), and the event log
streamed to disk (eventlog.Writer): every number equals what the whole ensemble's step
functions and event logs give, computed here the direct way (the twin), whatever the chunks
and the workers; the memory held grows by the columns, not the replications."""

import concurrent.futures
import gc
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from rossim import columns, ensemble, eventlog, occupancy, results, scenario
from rossim.campaign import count_keys

ROOT = Path(__file__).resolve().parent.parent
HL = ROOT / "scenarios" / "ross_high_latitude.toml"
ISS = ROOT / "scenarios" / "ros_iss_orbit.toml"


TIANGONG = ROOT / "scenarios" / "history" / "tiangong_2021_2022.toml"


@pytest.fixture(scope="module", params=[(HL, []), (ISS, []), (TIANGONG, []),
                                        (HL, ["simulation.horizon=2028-06-01"])],
                ids=["high_latitude", "iss_orbit", "tiangong_six_aboard", "nobody_aboard_yet"])
def kept(request):
    path, overrides = request.param
    return ensemble.run(scenario.load(path, overrides), n=120, seed=11, workers=1)


def test_the_fixtures_hold_the_edge_cases(kept):
    """(More aboard than any phase's target; nobody aboard at all: the padded levels.)"""
    most = kept.columns.most_aboard
    target = max(p.crew_target for p in kept.scenario.phases)
    assert most > target or most == 0 or kept.scenario.name.startswith("ros")


def test_columns_equal_the_whole_ensembles_step_functions(kept):
    reps, sc, cols = kept.replications, kept.scenario, kept.columns
    steps = occupancy.Steps.from_arrays([r.capacity_t for r in reps], [r.crew_aboard for r in reps],
                                        reps[0].horizon_days, kept.start)
    levels = list(range(1, max(int(steps.aboard.max()), *(p.crew_target for p in sc.phases)) + 1))
    assert cols.levels(sc) == levels
    hosting = occupancy.hosting(steps, kept.hosting_levels)
    for j, k in enumerate(kept.hosting_levels):
        np.testing.assert_array_equal(kept.milestone_days(f"hosting_{k}"), hosting[j])
    np.testing.assert_array_equal(cols.shares(levels), occupancy.share_at_least_by_year(steps, levels)[1])
    np.testing.assert_array_equal(cols.person_days_by_year, occupancy.person_days_by_year(steps)[1])
    grid = columns.grid_days(sc)
    prob = occupancy.prob_at_least(steps, levels, grid)
    np.testing.assert_array_equal(cols.at_least_on_grid(levels) / kept.n, prob.value)
    # the capacity bands as the (n, G) values at the grid dates give them, one replication at a time
    cap = np.array([r.capacity[np.searchsorted(r.capacity_t, grid, side="right") - 1] for r in reps], float)
    crew = np.array([r.crew_aboard[np.searchsorted(r.capacity_t, grid, side="right") - 1] for r in reps], float)
    bands = kept.capacity_bands()
    for name, m in (("capacity", cap), ("crew_aboard", crew)):
        q = np.quantile(m, ensemble.QUANTILES, axis=0, method="inverted_cdf")
        for p, row in zip((10, 50, 90), q):
            np.testing.assert_array_equal(bands[f"{name}_p{p}"], row)
        np.testing.assert_array_equal(bands[f"{name}_mean"], m.mean(axis=0))
    for j, mid in enumerate(sc.modules):
        np.testing.assert_array_equal(cols.docked[:, j], [r.module_docked.get(mid, np.nan) for r in reps])
    assert cols.counts.tolist() == [[r.counts[k] for k in count_keys(sc)] for r in reps]


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 101, 1000])
def test_quantile_of_counts_is_numpys_inverted_cdf(n):
    rng = np.random.default_rng(n)
    values = rng.integers(0, 6, size=(n, 9))
    counts = np.stack([np.bincount(values[:, g], minlength=6) for g in range(9)])
    probs = (0.0, 0.1, 0.25, 0.5, 0.9, 1.0)
    np.testing.assert_array_equal(columns.quantile_of_counts(counts, probs),
                                  np.quantile(values, probs, axis=0, method="inverted_cdf"))


def test_chunks_in_any_order_and_any_workers_give_the_same_columns(kept):
    sc = kept.scenario
    reps = kept.replications
    b = columns.Builder(sc, len(reps))
    cuts = [0, 7, 8, 50, 51, 120]
    for lo, hi in reversed(list(zip(cuts, cuts[1:]))):  # last chunk first
        b.add(columns.Columns.of(sc, reps[lo:hi]))
    two = ensemble.run(sc, n=120, seed=11, workers=2, keep=False)
    assert two.replications is None
    for other in (b.result(), two.columns):
        for name in ("index", "milestones", "ready", "docked", "lost", "counts", "person_days", "launches",
                     "person_days_by_year", "share_at_least", "capacity_counts", "crew_counts"):
            np.testing.assert_array_equal(getattr(other, name), getattr(kept.columns, name), err_msg=name)
    assert two.summary() == kept.summary()
    with pytest.raises(ValueError, match="kept only its columns"):
        two.kept()


def _split(t: pa.Table, cuts) -> list[pa.Table]:
    return [t.slice(lo, hi - lo) for lo, hi in zip(cuts, cuts[1:])]


def test_streamed_log_is_the_same_file_whatever_the_chunks(kept, tmp_path, monkeypatch):
    whole = eventlog.chunk(kept.start, kept.replications)
    n = whole.num_rows
    monkeypatch.setattr(eventlog, "ROW_GROUP_ROWS", n // 3 + 1)  # several row groups
    files = []
    for k, cuts in enumerate(([0, n], [0, 5, n // 2, n // 2 + 1, n], [0, *range(1000, n, 1000), n])):
        folder = tmp_path / str(k)
        folder.mkdir()
        w = eventlog.Writer(folder, "parquet")
        for part in _split(whole, cuts):
            w.add(part)
        files.append(w.close().read_bytes())
        meta = pq.ParquetFile(folder / "events.parquet").metadata
        assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == \
            [n // 3 + 1, n // 3 + 1, n - 2 * (n // 3 + 1)]
    assert files[0] == files[1] == files[2]
    back = pq.read_table(tmp_path / "0" / "events.parquet")
    assert back.column("kind").type == pa.dictionary(pa.int32(), pa.string())
    assert back.column("detail").to_pylist() == [e[3] for r in kept.replications for e in r.events]
    # CSV: the same text as the whole table written at once
    w = eventlog.Writer(tmp_path, "csv")
    for part in _split(whole, [0, 3, 900, n]):
        w.add(part)
    w.close()
    one = tmp_path / "one"
    one.mkdir()
    eventlog.write(one, kept, "csv")
    assert (tmp_path / "events.csv").read_bytes() == (one / "events.csv").read_bytes()


def test_an_empty_log_is_still_a_readable_file(tmp_path):
    for fmt in ("parquet", "csv"):
        path = eventlog.Writer(tmp_path, fmt).close()
        t = pq.read_table(path) if fmt == "parquet" else pcsv.read_csv(path)
        assert t.num_rows == 0 and t.column_names == ["replication", "day", "date", "kind", "subject", "detail"]


def test_streamed_run_writes_what_a_kept_ensemble_writes(tmp_path):
    sc = scenario.load(HL)
    (tmp_path / "streamed").mkdir()
    log = eventlog.Writer(tmp_path / "streamed", "parquet")
    lean = ensemble.run(sc, n=60, seed=2, workers=2, keep=False, events=log.add)
    log.close()
    results.write_campaign(tmp_path / "streamed", lean, events=None)
    (tmp_path / "kept").mkdir()
    results.write_campaign(tmp_path / "kept", ensemble.run(sc, n=60, seed=2, workers=1), events="parquet")
    names = sorted(p.name for p in (tmp_path / "kept").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "streamed").iterdir()) and "events.parquet" in names
    for name in names:
        assert (tmp_path / "kept" / name).read_bytes() == (tmp_path / "streamed" / name).read_bytes(), name


def _held_bytes(sc, n: int, keep: bool) -> int:
    """Memory (tracemalloc) an ensemble of n replications holds once it is made."""
    gc.collect()
    tracemalloc.start()
    try:
        ens = ensemble.run(sc, n=n, seed=3, workers=1, keep=keep)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del ens
    return held


def test_memory_held_grows_by_the_columns_not_the_replications():
    sc = scenario.load(HL)
    lean = (_held_bytes(sc, 300, keep=False) - _held_bytes(sc, 100, keep=False)) / 200
    assert lean < 1.5 * columns.row_bytes(sc) < 2.5e3  # ~1.2 kB a replication
    full = (_held_bytes(sc, 150, keep=True) - _held_bytes(sc, 50, keep=True)) / 100
    assert full > 20 * lean  # a kept replication: its event log (~40 kB)


class _Shuffling(concurrent.futures.ThreadPoolExecutor):
    """A real executor whose chunks finish out of order (a random delay each), counting how many
    were submitted and not yet done at once."""

    def __init__(self):
        super().__init__(max_workers=4)
        self.rng = np.random.default_rng(8)
        self.lock = threading.Lock()
        self.open = self.most = 0

    def submit(self, fn, *args):
        delay = float(self.rng.uniform(0.0, 0.05))
        with self.lock:
            self.open += 1
            self.most = max(self.most, self.open)

        def slow():
            time.sleep(delay)
            try:
                return fn(*args)
            finally:
                with self.lock:
                    self.open -= 1

        return super().submit(slow)


def test_an_executor_finishing_chunks_out_of_order_writes_the_same_log(tmp_path, monkeypatch):
    sc = scenario.load(HL)
    monkeypatch.setattr(eventlog, "ROW_GROUP_ROWS", 5000)  # several row groups
    files = []
    for k, executor in enumerate((None, _Shuffling())):
        folder = tmp_path / str(k)
        folder.mkdir()
        with eventlog.Writer(folder, "parquet") as log:
            ens = ensemble.run(sc, n=80, seed=4, workers=3 if executor else 1, executor=executor, keep=False,
                               events=log.add)
        files.append((folder / "events.parquet").read_bytes())
        if executor is not None:
            executor.shutdown()
            assert executor.most <= 2 * 3  # at most two chunks a worker in flight: waiting logs stay few
            assert len(ensemble._chunks(80, 3)) > executor.most  # (and there were more chunks than that)
    assert files[0] == files[1]
