"""Shared test helpers; every test runs offline, and writes rossim's disk cache (region grids,
map lookups: rossim.regions.cache_dir) into a temporary folder of the session, never the user's
~/.cache/rossim."""

import os
import shutil
import socket
import tempfile

import pytest

from rossim import cli
from rossim.regions import CACHE_ENV


def pytest_configure(config):
    """The session's own cache folder (subprocesses inherit it through the environment)."""
    if CACHE_ENV not in os.environ:
        folder = tempfile.mkdtemp(prefix="rossim-test-cache-")
        os.environ[CACHE_ENV] = folder
        config._rossim_cache = folder


def pytest_unconfigure(config):
    folder = getattr(config, "_rossim_cache", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(CACHE_ENV, None)


def one_line_error(capsys, argv, *needles) -> str:
    """Run the CLI on ``argv``: it must exit 2 with one line on stderr, no traceback, holding
    every ``needle``. Returns that line."""
    code = cli.main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def replay_events(scenario_file, out) -> list[dict]:
    """`rossim run SCENARIO -n 1` of a deterministic history replay into ``out``: its event log
    (``--events csv``) as rows of strings."""
    import csv

    assert cli.main(["run", str(scenario_file), "-n", "1", "--workers", "1", "--no-report", "--events", "csv",
                     "--out", str(out)]) == 0
    with (out / "events.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """rossim works offline: any attempt to open a network connection fails the test."""
    def refuse(self, address, *args, **kwargs):
        raise AssertionError(f"network access attempted: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
