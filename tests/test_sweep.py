"""rossim sweep: designs over the scenario's fields, one ensemble per point; tables that do not
depend on where the points ran (1 or 2 local workers, a real dask LocalCluster), Parquet and CSV
files, refusals before any work."""

import datetime as dt
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from rossim import ensemble, scenario
from rossim.analysis import sweep
from rossim.cli import main
from rossim.errors import InputError

from conftest import one_line_error

TINY = Path(__file__).parent / "data" / "tiny.toml"
#: tiny.toml made random: the core's slip is uniform on 0-100 days.
SLIP = 'modules.a.slip_days={dist="uniform",low=0.0,high=100.0}'
VARY = ["launch_vehicles.heavy.success_probability=0.6:0.95", "modules.a.ready=2030-01-01:2030-04-01"]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Offline, as everywhere (conftest), but a LocalCluster talks to itself: loopback only."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def local_only(real):
        def connect(self, address, *args, **kwargs):
            host = address[0] if isinstance(address, tuple) else None
            if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
                raise AssertionError(f"network access attempted: {address!r}")
            return real(self, address, *args, **kwargs)
        return connect

    monkeypatch.setattr(socket.socket, "connect", local_only(real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", local_only(real_connect_ex))


@pytest.fixture(scope="module")
def random_tiny():
    return scenario.load(TINY, [SLIP])


def test_grid_of_ready_dates_moves_phase_1_by_exactly_the_delay():
    # tiny.toml is deterministic: the core is ready 2030-01-10 and phase 1 completes 5 days later
    # (launch next day, rendezvous 2 days, commissioning... = 2030-01-15, day 14); 50 days later
    # ready, 50 days later complete.
    sc = scenario.load(TINY)
    table = sweep.run(sc, ["modules.a.ready=2030-01-10,2030-03-01"], design="grid", n=4, workers=1)
    assert list(table["point"]) == [0, 1]
    assert list(table["modules.a.ready"]) == [pd.Timestamp("2030-01-10"), pd.Timestamp("2030-03-01")]
    p50 = table["phase_1_complete.p50"]
    assert p50[0] == pd.Timestamp("2030-01-15")
    assert (p50[1] - p50[0]) == pd.Timedelta(days=50)
    for q in ("p10", "p90"):
        assert list(table[f"phase_1_complete.{q}"]) == list(p50)
    assert list(table["phase_1_complete.p_by_horizon"]) == [1.0, 1.0]
    assert table["phase_1_complete.p50"].dtype == table["modules.a.ready"].dtype == np.dtype("datetime64[ms]")
    # Each row is the ensemble of the scenario with that --set, with the point's seed.
    for k, ready in enumerate(["2030-01-10", "2030-03-01"]):
        ens = ensemble.run(scenario.load(TINY, [f"modules.a.ready={ready}"]), n=4, seed=int(table["seed"][k]), workers=1)
        summary = ens.summary()
        assert summary["milestones"]["phase_2_complete"]["p50"] == table["phase_2_complete.p50"][k].date().isoformat()
        assert summary["launches"]["mean"] == table["launches.mean"][k]


def test_grid_levels_of_ranges_and_integer_fields():
    sc = scenario.load(TINY)
    made = sweep.prepare(sc, ["launch_sites.pad.turnaround_days=10:40", "crew.min_crew=1:2"], "grid", 4, n=2)
    assert [p.values for p in made.points][:4] == [(10.0, 1), (10.0, 2), (20.0, 1), (20.0, 2)]
    assert len(made.points) == 8
    assert [v.kind for v in made.varies] == ["float", "int"]  # the schema: turnaround is a number, min_crew a count
    assert made.points[1].overrides == ("launch_sites.pad.turnaround_days=10.0", "crew.min_crew=2")
    assert made.points[1].scenario.crew.min_crew == 2
    assert sweep.parse_vary("modules.nem.slip_days.scale=100:400").kind == "float"  # whole bounds, real field
    # A distribution's parameter, by its path under the field.
    slips = sweep.prepare(scenario.load(TINY, [SLIP]), ["modules.a.slip_days.high=50:150"], "grid", 3, n=2,
                          overrides=[SLIP])
    assert [p.scenario.modules["a"].slip_days.high for p in slips.points] == [50.0, 100.0, 150.0]
    assert {p.scenario.modules["a"].slip_days.dist for p in slips.points} == {"uniform"}
    levels = sweep.prepare(sc, ["launch_sites.pad.turnaround_days=10,20", "crew.min_crew=1,2"], "grid", n=2)
    assert levels.points[0].values == (10.0, 1) and isinstance(levels.points[0].values[0], float)
    table = sweep.execute(levels, workers=1).table
    assert str(table["launch_sites.pad.turnaround_days"].dtype) == "float64" and str(table["crew.min_crew"].dtype) == "int64"
    days = sweep.prepare(sc, ["modules.a.ready=2030-01-01:2030-01-03"], "grid", 5, n=2)  # 3 days: each one
    assert [p.values[0] for p in days.points] == [dt.date(2030, 1, d) for d in (1, 2, 3)]
    with pytest.raises(InputError, match="needs --points K of at least 2"):
        sweep.prepare(sc, ["crew.min_crew=1:2"], "grid", None, n=2)


@pytest.mark.parametrize("design", ["lhs", "sobol"])
def test_lhs_and_sobol_cover_their_ranges(design):
    k = 16
    varies = [sweep.parse_vary(v) for v in ("a.b=0.7:0.95", "a.c=2027-06-01:2029-06-01", "a.d=1,2,3,4")]
    values = sweep.design_values(varies, design, k, seed=5)
    assert len(values) == k
    prob = np.array([v[0] for v in values])
    days = np.array([(v[1] - dt.date(2027, 6, 1)).days for v in values])
    assert prob.min() >= 0.7 and prob.max() <= 0.95
    assert days.min() >= 0 and days.max() <= 731 and all(isinstance(v[1], dt.date) for v in values)
    # Each of the k strata of each range holds exactly one point (LHS by construction; the first
    # 2^m points of a scrambled Sobol' sequence are stratified in each coordinate too).
    assert sorted(np.floor((prob - 0.7) / 0.25 * k).astype(int)) == list(range(k))
    assert sorted(np.floor(days / 732 * k).astype(int)) == list(range(k))
    assert sorted(v[2] for v in values) == [1] * 4 + [2] * 4 + [3] * 4 + [4] * 4  # levels equally often
    assert sweep.design_values(varies, design, k, seed=5) == values
    assert sweep.design_values(varies, design, k, seed=6) != values


def test_seeds_per_point_or_common():
    sc = scenario.load(TINY, [SLIP])
    own = sweep.prepare(sc, ["scenario.title=A,B,C"], "grid", n=20, seed=3, overrides=[SLIP])
    assert [p.seed for p in own.points] == [sweep.point_seed(3, k) for k in range(3)]
    assert len({p.seed for p in own.points}) == 3
    with pytest.raises(ValueError, match="overrides"):  # loaded with SLIP, which the sweep must be told
        sweep.prepare(sc, ["scenario.title=A,B,C"], "grid", n=20)
    crn = sweep.prepare(sc, ["scenario.title=A,B,C"], "grid", n=20, seed=3, common_random_numbers=True,
                        overrides=[SLIP])
    assert {p.seed for p in crn.points} == {3}
    # The title changes nothing: with common random numbers every row is the same.
    table = sweep.execute(crn, workers=1).table.drop(columns=["point", "scenario.title"])
    assert (table.nunique(dropna=False) == 1).all()
    table = sweep.execute(own, workers=1).table
    assert table["phase_2_complete.p50"].nunique() > 1


@pytest.mark.parametrize("vary, needles", [
    ("modules.zz.ready=2030-01-01:2030-02-01", ["--vary modules.zz.ready", "modules.zz: no such field"]),
    ("modules.a.ready=2030-05-01:2030-02-01", ["--vary", "modules.a.ready", "LOW 2030-05-01 is after HIGH"]),
    ("modules.a.mass_kg=20000:40000", ["design point", "modules.a.mass_kg=", "is more than 'Heavy' lifts"]),
    ("crew.min_crew=1.5:3", ["crew.min_crew takes whole numbers"]),
    ("modules.a.ready", ["expected PATH=LOW:HIGH or PATH=V1,V2,..."]),
    ("modules.a.mass_kg=1:2030-01-01", ["must both be numbers or both dates"]),
])
def test_bad_vary_is_one_line_before_any_run(capsys, tmp_path, monkeypatch, vary, needles):
    def no_run(*args, **kwargs):
        raise AssertionError("an ensemble ran")

    monkeypatch.setattr(ensemble, "run", no_run)
    one_line_error(capsys, ["sweep", TINY, "--vary", vary, "--points", 8, "-n", 4, "--out", tmp_path / "s"], *needles)
    assert not (tmp_path / "s").exists()


def test_run_on_a_scheduler_with_precision_rounds_is_refused(capsys, tmp_path):
    one_line_error(capsys, ["run", TINY, "--precision-days", "30", "--scheduler", "tcp://127.0.0.1:1", "--out",
                            tmp_path / "r"], "--scheduler: --precision-days runs its rounds locally")
    assert not (tmp_path / "r").exists()


def test_cli_refuses_a_sweep_too_long_before_any_work(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(ensemble, "run", lambda *a, **k: pytest.fail("an ensemble ran"))
    one_line_error(capsys, ["sweep", TINY, "--vary", VARY[0], "--points", 8, "-n", 100_000, "--max-minutes", 0.01,
                            "--out", tmp_path / "s"], "8 points x 100,000 replications would take about",
                   "more than the limit of 1 s", "--max-minutes")
    assert not (tmp_path / "s").exists()


def test_refused_before_any_work_when_too_long_or_too_large(random_tiny, monkeypatch):
    monkeypatch.setattr(ensemble, "run", lambda *a, **k: pytest.fail("an ensemble ran"))
    with pytest.raises(InputError, match=r"8 points x 20,000,000 replications would take about .* more than the limit"):
        sweep.run(random_tiny, VARY, "lhs", 8, n=20_000_000, workers=1, overrides=[SLIP])
    with pytest.raises(InputError, match=r"would hold about .* more than the limit of 1.0 kiB"):
        sweep.run(random_tiny, VARY, "lhs", 8, n=10, workers=1, memory_limit_bytes=1024, overrides=[SLIP])


def test_same_table_on_one_or_two_workers_and_on_a_dask_cluster(random_tiny, tmp_path, capsys):
    from distributed import Client, LocalCluster

    args = dict(vary=VARY, design="lhs", points=8, n=50, seed=11, overrides=[SLIP])
    one = sweep.run(random_tiny, workers=1, **args)
    two = sweep.run(random_tiny, workers=2, **args)
    pd.testing.assert_frame_equal(one, two)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        assert len(client.nthreads()) == 2
        done = []
        on_cluster = sweep.run(random_tiny, client=client, progress=lambda k, total: done.append((k, total)), **args)
        by_address = sweep.run(random_tiny, scheduler=cluster.scheduler_address, **args)
        argv = ["sweep", str(TINY), "--set", SLIP, *(f"--vary={v}" for v in VARY), "--points", "8", "-n", "50",
                "--seed", "11"]
        assert main([*argv, "--scheduler", cluster.scheduler_address, "--out", str(tmp_path / "s")]) == 0
        # Re-running it does no new work: no point is sent to the cluster.
        capsys.readouterr()
        assert main([*argv, "--scheduler", cluster.scheduler_address, "--out", str(tmp_path / "s")]) == 0
        assert "8 of 8 points already done" in capsys.readouterr().out
        # rossim run --scheduler: the replications in chunks on the cluster, the files the local ones.
        run = ["run", str(TINY), "--set", SLIP, "-n", "60", "--seed", "5", "--no-report"]
        assert main([*run, "--scheduler", cluster.scheduler_address, "--out", str(tmp_path / "run_cluster")]) == 0
        assert main([*run, "--workers", "2", "--out", str(tmp_path / "run_local")]) == 0
        for name in ("summary.json", "replications.csv", "events.parquet", "occupancy.csv"):
            assert (tmp_path / "run_cluster" / name).read_bytes() == (tmp_path / "run_local" / name).read_bytes(), name
        assert "dask scheduler tcp://127.0.0.1:" in json.loads((tmp_path / "run_cluster" / "manifest.json").read_text())["ran_on"]
        # Ctrl-C after the first point: the other tasks are cancelled, none is left on the cluster.
        with pytest.raises(KeyboardInterrupt):
            sweep.run(random_tiny, client=client, progress=_interrupt, **{**args, "n": 400})
        deadline = time.monotonic() + 10
        while any(k.startswith("rossim-sweep") for k in cluster.scheduler.tasks) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [k for k in cluster.scheduler.tasks if k.startswith("rossim-sweep")]
    pd.testing.assert_frame_equal(one, on_cluster)
    pd.testing.assert_frame_equal(one, by_address)
    pd.testing.assert_frame_equal(one, sweep.read(tmp_path / "s" / sweep.PARQUET_FILE))
    # The process pool's Parquet file is the cluster's, byte for byte.
    assert main([*argv, "--workers", "2", "--out", str(tmp_path / "local")]) == 0
    assert (tmp_path / "local" / sweep.PARQUET_FILE).read_bytes() == (tmp_path / "s" / sweep.PARQUET_FILE).read_bytes()
    assert "dask scheduler tcp://127.0.0.1:" in json.loads((tmp_path / "s" / "manifest.json").read_text())["ran_on"]
    assert done[-1] == (8, 8)
    assert one["phase_2_complete.p50"].nunique() > 1 and one["launches.mean"].nunique() > 1  # it is random


def _interrupt(done, total):
    raise KeyboardInterrupt


def test_ctrl_c_ends_the_local_processes(random_tiny):
    raised = []

    def interrupt(done, total):
        raised.append(time.monotonic())
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # after the first point: the second is still running
        sweep.run(random_tiny, VARY, "lhs", 8, n=300, workers=2, overrides=[SLIP], progress=interrupt)
    assert time.monotonic() - raised[0] < 1.0
    assert multiprocessing.active_children() == []


def test_cli_writes_parquet_csv_and_replications_with_a_manifest(tmp_path, capsys):
    out = tmp_path / "sweep"
    argv = ["sweep", TINY, "--set", SLIP, "--vary", VARY[0], "--vary", VARY[1], "--design", "sobol", "--points", 4,
            "-n", 10, "--seed", 2, "--workers", 1, "--per-replication", "--out", out]
    assert main([str(a) for a in argv]) == 0
    assert f"wrote {out}/" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    assert {f["path"] for f in manifest["files"]} == {"sweep.parquet", "sweep.csv", "sweep_replications.parquet"} | {
        f"parts/point-{k:06d}{kind}.parquet" for k in range(4) for kind in ("", ".replications")}
    assert manifest["finished_utc"] and "writer_pid" not in manifest
    assert manifest["sweep"]["vary"] == VARY and manifest["sweep"]["design"] == "sobol"
    expected = sweep.run(scenario.load(TINY, [SLIP]), VARY, "sobol", 4, n=10, seed=2, workers=1, overrides=[SLIP])
    # The Parquet file reads back with pyarrow as the DataFrame the library returns.
    pd.testing.assert_frame_equal(pq.read_table(out / "sweep.parquet").to_pandas(date_as_object=False), expected)
    pd.testing.assert_frame_equal(sweep.read(out / "sweep.parquet"), expected)
    assert str(pq.read_schema(out / "sweep.parquet").field("phase_1_complete.p50").type) == "date32[day]"
    assert json.loads(pq.read_schema(out / "sweep.parquet").metadata[sweep.METADATA_KEY])["points"] == 4
    csv = pd.read_csv(out / "sweep.csv")
    assert list(csv.columns) == list(expected.columns)
    assert list(csv["phase_1_complete.p50"]) == [d.date().isoformat() for d in expected["phase_1_complete.p50"]]
    assert np.allclose(csv["launches.mean"], expected["launches.mean"])
    reps = pq.read_table(out / "sweep_replications.parquet").to_pandas()
    assert len(reps) == 4 * 10 and list(reps.columns[:2]) == ["point", "replication"]
    assert sorted(set(reps["point"])) == [0, 1, 2, 3] and list(reps["replication"][:10]) == list(range(10))
    first = reps[reps["point"] == 0]["phase_1_complete"].to_numpy()
    median = np.datetime64("2030-01-01") + np.timedelta64(int(np.sort(first)[4]), "D")  # rank ceil(10 / 2)
    assert median == expected["phase_1_complete.p50"][0].to_datetime64().astype("datetime64[D]")



# ------------------------------------------------------------------------------ resuming


def _sweep_argv(out, n=10, *extra, points=8):
    return [str(a) for a in ["sweep", TINY, "--set", SLIP, "--vary", VARY[0], "--vary", VARY[1], "--points", points,
                             "-n", n, "--seed", 4, "--workers", 1, "--out", out, *extra]]


_REAL_RUN = ensemble.run


def _counting_runs(monkeypatch, stop_after=None):
    """ensemble.run, counted (the seeds it ran); a KeyboardInterrupt (as Ctrl-C) at call ``stop_after + 1``."""
    real, seeds = _REAL_RUN, []

    def counted(sc, n=None, seed=None, **kwargs):
        if stop_after is not None and len(seeds) == stop_after:
            raise KeyboardInterrupt
        seeds.append(seed)
        return real(sc, n=n, seed=seed, **kwargs)

    monkeypatch.setattr(ensemble, "run", counted)
    return seeds


def test_an_interrupted_sweep_resumes_with_only_the_missing_points(tmp_path, monkeypatch, capsys):
    from rossim import folders
    from rossim.analysis import sweep_folder

    whole, out = tmp_path / "whole", tmp_path / "s"
    assert main(_sweep_argv(whole, 10, "--per-replication")) == 0
    plan_seeds = [sweep.point_seed(4, k) for k in range(8)]
    # Ctrl-C while the fourth point runs: three points are kept, the folder says it is unfinished.
    seeds = _counting_runs(monkeypatch, stop_after=3)
    assert main(_sweep_argv(out, 10, "--per-replication")) == 130
    assert sorted(p.name for p in (out / "parts").iterdir()) == sorted(
        [f"point-{k:06d}.parquet" for k in range(3)] + [f"point-{k:06d}.replications.parquet" for k in range(3)])
    manifest = folders.read_manifest(out)
    assert manifest["finished_utc"] is None and not (out / sweep.PARQUET_FILE).exists()
    # While another living rossim process writes it, it is refused; a living process that is not
    # rossim's (the id reused after a kill -9) is not a writer.
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "rossim"])
    stranger = subprocess.Popen(["sleep", "30"])
    try:
        (out / "manifest.json").write_text(json.dumps({**manifest, "writer_pid": writer.pid}))
        capsys.readouterr()
        one_line_error(capsys, _sweep_argv(out, 10, "--per-replication"),
                       f"is being written by another rossim sweep (process {writer.pid})")
        (out / "manifest.json").write_text(json.dumps({**manifest, "writer_pid": stranger.pid}))
        assert not sweep_folder._writing(stranger.pid) and sweep_folder._writing(writer.pid)
    finally:
        writer.kill(), stranger.kill(), writer.wait(), stranger.wait()
    (out / "manifest.json").write_text(json.dumps(manifest))
    # A point's part lost as well (as if it had been in flight): re-run runs the other six, only.
    (out / "parts" / "point-000001.parquet").unlink()
    half = out / "parts" / ".point-000003.parquet.tmp-4194999-0badcafe"  # a killed run's, half written
    half.write_bytes(b"PAR1")
    seeds = _counting_runs(monkeypatch)
    capsys.readouterr()
    assert main(_sweep_argv(out, 10, "--per-replication")) == 0
    assert "2 of 8 points already done" in capsys.readouterr().out
    assert sorted(seeds) == sorted(plan_seeds[1:2] + plan_seeds[3:]) and not half.exists()
    # The same files, byte for byte, as the sweep that was never interrupted.
    for name in (sweep.PARQUET_FILE, sweep.CSV_FILE, sweep.REPLICATIONS_FILE):
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name
    manifest = folders.read_manifest(out)
    assert manifest["finished_utc"] and len(manifest["resumed_utc"]) == 1
    assert {f["path"] for f in manifest["files"]} >= {"sweep.parquet", "parts/point-000007.parquet"}
    # Done: the same command again runs nothing; asking for per-replication rows it lacks reruns them.
    seeds.clear()
    assert main(_sweep_argv(out, 10, "--per-replication")) == 0 and seeds == []
    assert (out / sweep.PARQUET_FILE).read_bytes() == (whole / sweep.PARQUET_FILE).read_bytes()
    plain = tmp_path / "plain"
    assert main(_sweep_argv(plain, 10)) == 0 and len(seeds) == 8
    assert main(_sweep_argv(plain, 10, "--per-replication")) == 0 and len(seeds) == 16
    assert (plain / sweep.REPLICATIONS_FILE).read_bytes() == (whole / sweep.REPLICATIONS_FILE).read_bytes()
    # Another sweep into it: one line naming what differs; nothing run, nothing changed.
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    for argv, needle in [(_sweep_argv(out, 11), "-n 10 there, 11 here"),
                         ([*_sweep_argv(out, 10), "--seed", "5"], "--seed 4 there, 5 here"),
                         ([*_sweep_argv(out, 10), "--set", "crew.min_crew=1"], "the scenario (its file, the files it extends, its --set overrides) differs"),
                         ([*_sweep_argv(out, 10), "--design", "sobol"], "--design lhs there, sobol here")]:
        one_line_error(capsys, argv, f"--out: {out}: holds another sweep", needle, "--overwrite")
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before and len(seeds) == 16
    # ... unless --overwrite: then it is replaced by the new sweep.
    assert main([*_sweep_argv(out, 11), "--overwrite"]) == 0
    assert folders.read_manifest(out)[sweep_folder.IDENTITY_KEY]["replications"] == 11
    assert len(list((out / "parts").iterdir())) == 8


def test_a_replications_part_of_another_point_is_run_again(tmp_path, monkeypatch, capsys):
    """A replications part names its point and seed: one copied over another point's is not that
    point's, so the point runs again and the table is the uninterrupted sweep's."""
    whole, out = tmp_path / "whole", tmp_path / "s"
    argv = lambda folder: _sweep_argv(folder, 3, "--per-replication", points=4)
    assert main(argv(whole)) == 0 and main(argv(out)) == 0
    parts = out / "parts"
    (parts / "point-000002.replications.parquet").write_bytes((parts / "point-000000.replications.parquet").read_bytes())
    seeds = _counting_runs(monkeypatch)
    capsys.readouterr()
    assert main(argv(out)) == 0
    assert "3 of 4 points already done" in capsys.readouterr().out and seeds == [sweep.point_seed(4, 2)]
    assert (out / sweep.REPLICATIONS_FILE).read_bytes() == (whole / sweep.REPLICATIONS_FILE).read_bytes()


def test_the_code_is_part_of_the_identity_and_any_edit_of_it_counts(tmp_path):
    import shutil

    from rossim.analysis import sweep_folder

    tree = tmp_path / "rossim"
    shutil.copytree(sweep_folder.PACKAGE, tree, ignore=shutil.ignore_patterns("__pycache__"))
    base = sweep_folder.tree_sha256(tree)
    assert base == sweep_folder.tree_sha256(sweep_folder.PACKAGE) and len(base) == 64
    for name, changes in [("ensemble.py", True), ("analysis/sweep.py", True), ("data/launch_sites.json", True),
                          ("data/README.md", False)]:
        original = (tree / name).read_bytes()
        (tree / name).write_bytes(original + b"\n")
        assert (sweep_folder.tree_sha256(tree) != base) == changes, name
        (tree / name).write_bytes(original)
    (tree / "new_model.py").write_text("X = 1\n")  # a new module counts too
    assert sweep_folder.tree_sha256(tree) != base


def test_parts_of_other_code_are_refused_and_overwrite_starts_afresh(tmp_path, monkeypatch, capsys):
    from rossim.analysis import sweep_folder

    out = tmp_path / "s"
    seeds = _counting_runs(monkeypatch)
    assert main(_sweep_argv(out, 2, points=2)) == 0 and len(seeds) == 2
    monkeypatch.setattr(sweep_folder, "code_sha256", lambda: "0" * 64)  # as after an edit of the model
    one_line_error(capsys, _sweep_argv(out, 2, points=2),
                   f"--out: {out}: holds another sweep (rossim's code (its source and data files) differs)")
    assert len(seeds) == 2
    # --overwrite: afresh, this same sweep too (no point taken from the folder).
    assert main([*_sweep_argv(out, 2, points=2), "--overwrite"]) == 0 and len(seeds) == 4
    assert main([*_sweep_argv(out, 2, points=2), "--overwrite"]) == 0 and len(seeds) == 6
    assert "already done" not in capsys.readouterr().out
    assert main(_sweep_argv(out, 2, points=2)) == 0 and len(seeds) == 6  # without it: resumed, nothing to run


def test_an_edit_of_a_file_the_scenario_extends_is_another_sweep(tmp_path, capsys, monkeypatch):
    base, child = tmp_path / "base.toml", tmp_path / "child.toml"
    base.write_text(TINY.read_text())
    child.write_text('extends = "base.toml"\n')
    _counting_runs(monkeypatch)
    argv = ["sweep", str(child), "--vary", VARY[0], "--points", "2", "-n", "2", "--workers", "1",
            "--out", str(tmp_path / "s")]
    assert main(argv) == 0
    base.write_text(TINY.read_text().replace("turnaround_days = 10.0", "turnaround_days = 11.0"))
    one_line_error(capsys, argv, "holds another sweep (the scenario (its file, the files it extends")


def test_resuming_never_touches_foreign_folders_and_a_fresh_ctrl_c_leaves_nothing(tmp_path, monkeypatch, capsys):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep")
    _counting_runs(monkeypatch)
    one_line_error(capsys, _sweep_argv(foreign), "holds files rossim did not write")
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    # A foreign manifest.json (not rossim's) is not a sweep either.
    (foreign / "manifest.json").write_text('{"producer": "someone", "sweep_identity": {}}')
    one_line_error(capsys, _sweep_argv(foreign), "holds files rossim did not write")
    # Ctrl-C before any point finished: the folder this run made is gone, nothing next to it.
    _counting_runs(monkeypatch, stop_after=0)
    assert main(_sweep_argv(tmp_path / "out" / "s")) == 130
    assert not (tmp_path / "out" / "s").exists() and list((tmp_path / "out").iterdir()) == []


def test_default_folder_resumes_the_same_sweep(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    seeds = _counting_runs(monkeypatch)
    argv = _sweep_argv("x")[:-2]  # no --out: runs/tiny-sweep
    assert main(argv) == 0 and len(seeds) == 8
    assert main(argv) == 0 and len(seeds) == 8  # the same sweep: found, nothing run
    assert main([*argv, "--seed", "9"]) == 0 and len(seeds) == 16  # another: the next free folder
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["tiny-sweep", "tiny-sweep-2"]


# ------------------------------------------------------------------------------ a real Ctrl-C, kill -9

HL = Path(__file__).resolve().parents[1] / "scenarios" / "ross_high_latitude.toml"


def _start_sweep(tmp_path: Path):
    """A real ``rossim sweep`` of 4 points x 1,500 replications on 2 processes (~20 s if left
    alone), in its own session as in tests/test_interrupts.py."""
    out, err = tmp_path / "out" / "s", tmp_path / "stderr.txt"
    argv = [sys.executable, "-m", "rossim.cli", "sweep", str(HL), "--vary", "modules.lab.slip_days.scale=100:400",
            "--points", "4", "-n", "1500", "--workers", "2", "--out", str(out)]
    with open(err, "wb") as f:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=f,
                                start_new_session=True)
    return proc, out, err


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("how", ["ctrl_c", "kill_9"])
def test_a_real_interrupt_ends_the_sweep_and_its_processes(tmp_path, how):
    from test_interrupts import STOP_S, _alive, _assert_nothing_left, _kill_all, _wait_until, _workers_started

    proc, out, err = _start_sweep(tmp_path)
    kids = []
    try:
        kids = _workers_started(proc, err)
        time.sleep(1.0)  # well into the first points
        t0 = time.monotonic()
        if how == "ctrl_c":
            os.killpg(proc.pid, signal.SIGINT)  # as in a terminal: rossim and its processes
            assert proc.wait(10) == 130, err.read_text()
            assert time.monotonic() - t0 < STOP_S
            assert "interrupted" in err.read_text() and "Traceback" not in err.read_text()
            _assert_nothing_left(out)
        else:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(5)
            # What it left is this sweep's folder, unfinished: the same command resumes it.
            from rossim import folders

            assert folders.read_manifest(out)["finished_utc"] is None and (out / "parts").is_dir()
        assert _wait_until(lambda: not any(_alive(k) for k in kids), 2.0), "a sweep process survived"
    finally:
        _kill_all(proc, kids)


def test_the_suggested_n_is_the_largest_that_fits(random_tiny, monkeypatch):
    """The refusal's "use -n N or less": at N the estimate (k n s / w + k overhead / w) is within the
    limit and at N + 1 it is not, whatever the number of workers (the overhead is shared too)."""
    import re

    from rossim.analysis import drivers

    each = 0.001
    monkeypatch.setattr(drivers, "estimate_seconds", lambda *a, **k: (each, each))
    for workers in (1, 2, 8):
        plan = sweep.prepare(random_tiny, VARY, "lhs", 8, n=10_000_000, overrides=[SLIP])
        with pytest.raises(InputError) as err:
            sweep.check_limits(plan, workers, distributed=True, time_limit_s=60.0)
        most = int(re.search(r"use -n (\d+) or less", str(err.value))[1])
        k = len(plan.points)

        def seconds(n):
            return k * n * each / workers + k * drivers.ENSEMBLE_OVERHEAD_S / workers

        assert seconds(most) <= 60.0 < seconds(most + 1)
