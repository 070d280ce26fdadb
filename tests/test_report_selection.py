"""A run's report says which campaigns its numbers are over: those --where kept, and the events
--what-if forced, in its header and in the first sentence of its summary."""

import html
import json
from pathlib import Path

from rossim import cli, folders, headlines

HL = Path(__file__).resolve().parent.parent / "scenarios" / "ross_high_latitude.toml"


def test_forced_events_in_words():
    assert headlines.forced_event({"launch_fails": "angara_a5m", "nth": 1}) == \
        "the 1st angara_a5m launch forced to fail"
    assert headlines.forced_event({"docking_fails": "lab", "attempt": 2}) == \
        "the 2nd docking attempt of lab forced to fail"
    assert headlines.forced_event({"launch_fails": "x", "nth": 11}) == "the 11th x launch forced to fail"
    assert headlines.forced_event({"pad_out": "vostochny_1a", "from": "2030-01-01", "days": 90}) == \
        "vostochny_1a out of use for 90 days from 2030-01-01"
    assert headlines.forced_event({"slip": "nem", "days": 365}) == "nem forced 365 days late"


def test_where_and_what_if_are_said_in_the_report(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["run", str(HL), "-n", "40", "--workers", "1", "--where", "launch_failures.angara_a5m == 0",
                     "--what-if", 'launch_fails = "soyuz_2_1b", nth = 2', "--out", str(out)]) == 0
    printed = capsys.readouterr().out  # the terminal says both too
    assert "replications selected (--where launch_failures.angara_a5m == 0)" in printed
    assert "in every replication: the 2nd soyuz_2_1b launch forced to fail" in printed
    s = json.loads((out / "summary.json").read_text())
    kept, of = s["replications"], s["of"]
    assert 0 < kept < of == 40
    first = headlines.run_sentences(s)[0]
    assert first.startswith(f"In the {kept} of 40 simulated campaigns of “{s['title']}” where "
                            "launch_failures.angara_a5m == 0, with the 2nd soyuz_2_1b launch forced to fail, ")
    page = (out / "report.html").read_text()
    head = page[:page.index("<h2>")]
    assert html.escape(first) in head
    assert (f"{kept} of 40 replications, those where launch_failures.angara_a5m == 0, seed {s['seed']}" in head
            and "in every replication, the 2nd soyuz_2_1b launch forced to fail" in head)


def test_report_of_a_sweep_folder_says_it_has_none(tmp_path, capsys):
    folder = tmp_path / "sweep"
    folder.mkdir()
    (folder / "sweep.csv").write_text("point\n0\n")
    (folder / folders.MANIFEST).write_text(json.dumps({"producer": folders.PRODUCER}))  # rossim's folder
    assert cli.main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a rossim run folder" in err and "sweep, drivers and backtest folders" in err
