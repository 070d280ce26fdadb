"""Output folders never cost a user a file: refused destinations, --overwrite, numbered defaults,
safe names, manifests, leftovers of killed runs, atomic single files."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rossim import cli, folders
from rossim.errors import InputError

from conftest import one_line_error

ROOT = Path(__file__).resolve().parent.parent
HL = ROOT / "scenarios" / "ross_high_latitude.toml"
FAST = ["-n", "3", "--workers", "1", "--no-report"]


def run(capsys, *argv) -> int:
    code = cli.main([str(a) for a in argv])
    capsys.readouterr()
    return code


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (hidden ones too) with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def dead_pid() -> int:
    """The pid of a process that has ended."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


# ------------------------------------------------------------------------------ refused destinations


def test_a_folder_rossim_did_not_write_is_refused_and_untouched(tmp_path, capsys):
    desk = tmp_path / "Desktop"
    (desk / "photos").mkdir(parents=True)
    (desk / "thesis.docx").write_bytes(b"years of work")
    (desk / "photos" / "cat.jpg").write_bytes(b"\xff\xd8")
    before = snapshot(desk)
    line = one_line_error(capsys, ["run", HL, *FAST, "--out", desk], "--out", "did not write")
    assert "Desktop" in line
    # --overwrite does not make it rossim's
    one_line_error(capsys, ["run", HL, *FAST, "--out", desk, "--overwrite"], "did not write")
    assert snapshot(desk) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Desktop"]


def test_an_earlier_result_is_replaced_only_with_overwrite(tmp_path, capsys):
    out = tmp_path / "res"
    assert run(capsys, "run", HL, *FAST, "--out", out, "--seed", "1") == 0
    before = snapshot(out)
    one_line_error(capsys, ["run", HL, *FAST, "--out", out, "--seed", "2"], "earlier rossim result", "--overwrite")
    assert snapshot(out) == before
    assert run(capsys, "run", HL, *FAST, "--out", out, "--seed", "2", "--overwrite") == 0
    after = snapshot(out)
    assert after["summary.json"] != before["summary.json"]
    assert json.loads(after["summary.json"])["seed"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]  # no temporary or old folder left


def test_an_empty_folder_is_used(tmp_path, capsys):
    out = tmp_path / "empty"
    out.mkdir()
    assert run(capsys, "run", HL, *FAST, "--out", out) == 0
    assert (out / "summary.json").is_file()


def test_the_default_folder_is_numbered_when_taken(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "ross_high_latitude").mkdir(parents=True)
    (tmp_path / "runs" / "ross_high_latitude" / "notes.txt").write_text("mine")
    assert run(capsys, "run", HL, *FAST) == 0
    assert run(capsys, "run", HL, *FAST) == 0
    names = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert names == ["ross_high_latitude", "ross_high_latitude-2", "ross_high_latitude-3"]
    assert (tmp_path / "runs" / "ross_high_latitude" / "notes.txt").read_text() == "mine"
    # --overwrite without --out replaces the default folder only when it is rossim's
    one_line_error(capsys, ["run", HL, *FAST, "--overwrite"], "did not write")


@pytest.mark.parametrize("name, folder", [("../../escaped", "escaped"), ("/tmp/rossim-absolute-name",
                                          "tmp_rossim-absolute-name"), ("a/b", "a_b"), (".hidden", "hidden"),
                                          ("..", "scenario"), ("x\\y", "x_y")])
def test_a_scenario_name_never_leaves_runs(tmp_path, capsys, monkeypatch, name, folder):
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "run", HL, *FAST, "--set", f"scenario.name={json.dumps(name)}") == 0
    assert [p.name for p in tmp_path.iterdir()] == ["runs"]
    assert [p.name for p in (tmp_path / "runs").iterdir()] == [folder]
    assert (tmp_path / "runs" / folder / "manifest.json").is_file()
    assert not Path("/tmp/rossim-absolute-name").exists()


@pytest.mark.parametrize("out", [".", "..", "X/.", "X/..", "", "/", "./"])
def test_out_naming_an_existing_folder_is_refused(tmp_path, capsys, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "X").mkdir()
    one_line_error(capsys, ["run", HL, *FAST, "--out", out], "--out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X"]


def test_a_symlink_and_a_file_are_refused(tmp_path, capsys):
    target = tmp_path / "real"
    assert run(capsys, "run", HL, *FAST, "--out", target) == 0
    link = tmp_path / "link"
    link.symlink_to(target)
    one_line_error(capsys, ["run", HL, *FAST, "--out", link, "--overwrite"], "symbolic link")
    (tmp_path / "file").write_text("x")
    one_line_error(capsys, ["run", HL, *FAST, "--out", tmp_path / "file"], "not a folder")
    assert link.is_symlink() and (tmp_path / "file").read_text() == "x"


def test_unwritable_places_are_refused_before_work(tmp_path, capsys):
    # /proc accepts no new folders even for root; a mount point is never replaced.
    one_line_error(capsys, ["run", HL, *FAST, "--out", "/proc/rossim-out"], "--out")
    one_line_error(capsys, ["run", HL, *FAST, "--out", "/proc"], "--out")
    (tmp_path / "plain").write_text("x")
    one_line_error(capsys, ["run", HL, *FAST, "--out", tmp_path / "plain" / "sub"], "--out", "not a folder")


def test_a_failure_leaves_nothing_behind(tmp_path, capsys, monkeypatch):
    from rossim import results

    def boom(folder, *a, **k):
        (folder / "summary.json").write_text("{}")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(results, "write_campaign", boom)
    assert run(capsys, "run", HL, *FAST, "--out", tmp_path / "new" / "deep" / "out") == 1
    assert list(tmp_path.iterdir()) == []  # not even the parents it made


def test_an_interrupt_while_writing_keeps_the_earlier_result(tmp_path, capsys, monkeypatch):
    from rossim import results

    out = tmp_path / "res"
    assert run(capsys, "run", HL, *FAST, "--out", out) == 0
    before = snapshot(out)

    def interrupted(folder, *a, **k):
        (folder / "summary.json").write_text("{}")
        raise KeyboardInterrupt

    monkeypatch.setattr(results, "write_campaign", interrupted)
    assert run(capsys, "run", HL, *FAST, "--out", out, "--overwrite") == 130
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


# ------------------------------------------------------------------------------ manifest


def test_the_manifest_lists_every_file_with_its_hash(tmp_path, capsys):
    out = tmp_path / "res"
    assert run(capsys, "run", HL, "-n", "3", "--workers", "1", "--out", out, "--seed", "7",
               "--set", "simulation.deadline=2034-06-30") == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["producer"] == "rossim" and m["seed"] == 7 and m["replications"] == 3 and m["workers"] == 1
    assert m["cores"] == os.cpu_count()
    assert m["overrides"] == ["simulation.deadline=2034-06-30"]
    assert m["command"][:2] == ["rossim", "run"] and "--seed" in m["command"]
    assert m["inputs"] == [{"path": str(HL), "sha256": hashlib.sha256(HL.read_bytes()).hexdigest()}]
    assert set(m["packages"]) >= {"numpy", "simpy", "sgp4", "skyfield", "pydantic"}
    assert m["started_utc"] <= m["finished_utc"]
    listed = {f["path"]: f for f in m["files"]}
    on_disk = {p.name for p in out.iterdir()} - {"manifest.json"}
    assert set(listed) == on_disk and "report.html" in listed
    for name, f in listed.items():
        data = (out / name).read_bytes()
        assert f["bytes"] == len(data) and f["sha256"] == hashlib.sha256(data).hexdigest()
    page = (out / "report.html").read_text()  # the report (written inside the folder) says so too
    for label, value in (("seed", "7"), ("replications", "3"), ("worker processes", "1")):
        assert f"<td>{label}</td><td>{value}</td>" in page, label


def test_report_refuses_foreign_folders_and_refreshes_the_manifest(tmp_path, capsys):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "summary.json").write_text("{}")
    one_line_error(capsys, ["report", foreign], "not a rossim result")
    one_line_error(capsys, ["report", tmp_path / "missing"], "no such folder")

    out = tmp_path / "res"
    assert run(capsys, "run", HL, *FAST, "--out", out) == 0
    leftover = out / f".report.html.tmp-{dead_pid()}-0abc"
    leftover.write_text("<html>half")
    assert run(capsys, "report", out) == 0
    assert not leftover.exists()
    m = json.loads((out / "manifest.json").read_text())
    listed = {f["path"]: f["sha256"] for f in m["files"]}
    assert listed["report.html"] == hashlib.sha256((out / "report.html").read_bytes()).hexdigest()
    assert "updated_utc" in m


# ------------------------------------------------------------------------------ leftovers


def test_leftovers_of_killed_runs_are_cleaned_and_nothing_else(tmp_path, capsys):
    pid = dead_pid()
    ours = tmp_path / f".res.tmp-{pid}-00aa"          # a killed run's half-written folder
    ours.mkdir()
    (ours / folders.PARTIAL_MARKER).write_text(str(pid))
    (ours / "events.csv").write_text("x" * 1000)
    empty = tmp_path / f".res.tmp-{pid}-00bb"         # killed right after mkdir
    empty.mkdir()
    theirs = tmp_path / f".res.tmp-{pid}-00cc"        # same pattern, not rossim's: kept
    theirs.mkdir()
    (theirs / "diary.txt").write_text("mine")
    alive = tmp_path / f".res.tmp-{os.getpid()}-00dd"  # a live process's: kept
    alive.mkdir()
    (alive / folders.PARTIAL_MARKER).write_text("")
    other = tmp_path / f".other.tmp-{pid}-00ee"       # another destination's: kept
    other.mkdir()
    (other / folders.PARTIAL_MARKER).write_text("")

    assert run(capsys, "run", HL, *FAST, "--out", tmp_path / "res") == 0
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["res", theirs.name, alive.name, other.name])


def test_an_orphaned_old_result_is_restored(tmp_path, capsys):
    out = tmp_path / "res"
    assert run(capsys, "run", HL, *FAST, "--out", out) == 0
    before = snapshot(out)
    old = tmp_path / f".res.old-{dead_pid()}"   # killed between the two renames of the fallback
    out.rename(old)
    # the next run puts it back, then refuses to replace it without --overwrite
    one_line_error(capsys, ["run", HL, *FAST, "--out", out], "earlier rossim result")
    assert snapshot(out) == before and not old.exists()


def test_clean_leftovers_never_follows_a_symlink(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / folders.PARTIAL_MARKER).write_text("")
    (tmp_path / f".res.tmp-{dead_pid()}-00aa").symlink_to(victim)
    assert folders.clean_leftovers(tmp_path) == []
    assert (victim / folders.PARTIAL_MARKER).exists()


# ------------------------------------------------------------------------------ names and files


@pytest.mark.parametrize("name, safe", [("ross_high_latitude", "ross_high_latitude"), ("../../x", "x"),
                                        ("/abs/path", "abs_path"), ("", "scenario"), (".", "scenario"),
                                        ("..", "scenario"), ("a b\nc", "a_b_c"), ("ROSS 97°", "ROSS_97")])
def test_safe_component(name, safe):
    got = folders.safe_component(name)
    assert got == safe
    assert "/" not in got and got not in ("", ".", "..") and not got.startswith(".")


def test_atomic_file_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "report.html"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with folders.atomic_file(path) as tmp:
            tmp.write_text("half")
            raise RuntimeError
    assert path.read_text() == "old" and list(tmp_path.iterdir()) == [path]
    with folders.atomic_file(path) as tmp:
        tmp.write_text("new")
    assert path.read_text() == "new" and list(tmp_path.iterdir()) == [path]


def test_a_plain_path_destination_is_checked_too(tmp_path):
    (tmp_path / "mine.txt").write_text("x")
    with pytest.raises(InputError, match="did not write"):
        with folders.output_dir(tmp_path):
            pass
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]


def test_the_report_shows_how_the_result_was_made(tmp_path, capsys):
    out = tmp_path / "res"
    assert run(capsys, "run", HL, "-n", "3", "--workers", "1", "--out", out, "--seed", "11",
               "--set", "simulation.deadline=2034-06-30") == 0
    page = (out / "report.html").read_text()
    section = page.split("How this was made", 1)[1]
    digest = hashlib.sha256(HL.read_bytes()).hexdigest()
    for needle in (digest, "simulation.deadline=2034-06-30", "--seed 11", "numpy"):
        assert needle in section, needle
    m = json.loads((out / "manifest.json").read_text())
    assert m["started_utc"] in section and m["finished_utc"] >= m["started_utc"]
    # the report, written before the manifest is sealed, still says when the work finished
    finished = re.search(r"<td>finished \(UTC\)</td><td>([^<]+)</td>", section)
    assert finished, "no finished row"
    assert m["started_utc"] <= finished.group(1) <= m["finished_utc"]
    table = section.split("</table>", 1)[0]
    assert "<thead>" not in table and "<th>" not in table  # rows of name and value: no empty header row



def test_reports_inside_a_comparison_say_when_it_finished_and_a_leftover_does_not(tmp_path, capsys):
    """A comparison's reports, its own and each scenario's (whose manifest is the comparison's),
    say when the work finished; a killed run's leftover folder (its partial marker names another
    process) does not pretend it finished now."""
    from rossim import folders, report

    out = tmp_path / "cmp"
    assert run(capsys, "compare", HL, HL.with_name("ross_angara_trouble.toml"), "-n", "3", "--workers", "1", "--days", "1",
               "--set", "coverage.resolution_km=400", "--out", out) == 0
    m = json.loads((out / "manifest.json").read_text())
    pages = [out / "report.html", *sorted(out.glob("*/report.html"))]
    assert len(pages) == 3
    for page in pages:
        row = re.search(r"<td>finished \(UTC\)</td><td>([^<]+)</td>", page.read_text())
        assert row and m["started_utc"] <= row.group(1) <= m["finished_utc"], page

    left = tmp_path / ".res.tmp-1-abcd"
    shutil.copytree(out / sorted(p.name for p in out.iterdir() if p.is_dir())[0], left)
    data = json.loads((out / "manifest.json").read_text())
    data["finished_utc"] = None
    (left / "manifest.json").write_text(json.dumps(data))
    (left / folders.PARTIAL_MARKER).write_text("1\n")  # another process's (pid 1)
    report.write_run_report(left)
    assert "finished (UTC)" not in (left / "report.html").read_text()

def test_an_error_inside_names_the_destination_not_the_temporary_folder(tmp_path, capsys, monkeypatch):
    from rossim import results

    def damaged(folder, *a, **k):
        raise InputError("expected a JSON object", source=str(folder / "summary.json"))

    monkeypatch.setattr(results, "write_campaign", damaged)
    line = one_line_error(capsys, ["run", HL, *FAST, "--out", tmp_path / "res"], "summary.json")
    assert str(tmp_path / "res" / "summary.json") in line and ".tmp-" not in line
