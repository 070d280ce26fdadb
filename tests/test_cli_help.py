"""The command line's surface: every option explained, --version, one error prefix, and README's
table of the files a run writes checked against a real run."""

import argparse
import fnmatch
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from rossim import cli

from conftest import one_line_error

ROOT = Path(__file__).resolve().parent.parent


def _actions(parser: argparse.ArgumentParser, path: str = "rossim"):
    """(command path, action) for every action of the parser and its subcommands' parsers."""
    for action in parser._actions:
        yield path, action
        if isinstance(action, argparse._SubParsersAction):
            for pseudo in action._choices_actions:
                yield f"{path} {pseudo.dest}", pseudo
            for name, sub in action.choices.items():
                yield from _actions(sub, f"{path} {name}")


def test_every_option_of_every_command_has_a_help_line():
    found = list(_actions(cli._parser()))
    commands = {p for p, _ in found}
    assert {"rossim run", "rossim coverage", "rossim compare", "rossim report", "rossim sweep"} <= commands
    missing = [f"{path}: {'/'.join(a.option_strings) or a.dest}" for path, a in found
               if not isinstance(a, argparse._HelpAction) and not (a.help or "").strip()]
    assert not missing, missing


def test_version(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"rossim {metadata.version('rossim')}"
    out = subprocess.run([sys.executable, "-m", "rossim.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"rossim {metadata.version('rossim')}"


def test_help_exits_0(capsys):
    assert cli.main(["run", "--help"]) == 0
    assert "--replications" in capsys.readouterr().out


def test_usage_errors_have_one_prefix(capsys):
    for argv in (["run", "x.toml", "--frobnicate"], [], ["frobnicate"], ["run"], ["run", "x.toml", "-n", "0"]):
        line = one_line_error(capsys, argv)
        assert line.startswith("rossim: error: ") and line.count("rossim:") == 1 and line.count("error:") == 1, line
        assert line.endswith("--help)"), line  # says where to look


def test_usage_error_from_the_program_itself():
    out = subprocess.run([sys.executable, "-m", "rossim.cli", "run", "x.toml", "--frobnicate"],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr == "rossim: error: unrecognized arguments: --frobnicate (see rossim run --help)\n"


def test_report_of_a_missing_folder_says_it_does_not_exist(capsys, tmp_path):
    missing = tmp_path / "nonexistent"
    one_line_error(capsys, ["report", missing], str(missing), "does not exist")
    (tmp_path / "file").write_text("x")
    one_line_error(capsys, ["report", tmp_path / "file"], "is not a folder")


def _readme_run_files() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- run-files:start -->\n(.*?)<!-- run-files:end -->", text, re.S).group(1)
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return [re.match(r"\| `([^`]+)`", row).group(1) for row in rows]


def test_readme_lists_every_file_a_run_writes(tmp_path, capsys):
    """README's table of run files against a real run with --coverage (every file a run may write):
    every file written matches a row, every row a file; the files a row names are those written."""
    out = tmp_path / "run"
    assert cli.main(["run", str(ROOT / "scenarios" / "ross_high_latitude.toml"), "-n", "6", "--workers", "1",
                     "--coverage", "--out", str(out)]) == 0
    written = sorted(p.name for p in out.iterdir())
    listed = _readme_run_files()
    unlisted = [f for f in written if not any(fnmatch.fnmatchcase(f, pattern) for pattern in listed)]
    assert not unlisted, f"README's table of run files misses {unlisted}"
    absent = [pattern for pattern in listed if not any(fnmatch.fnmatchcase(f, pattern) for f in written)]
    assert not absent, f"README lists files a run does not write: {absent}"
    # the figures named in the fig_*.png row are the ones written
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `fig_*.png`"))
    assert sorted(re.findall(r"`(fig_[a-z_]+\.png)`", row)) == sorted(f for f in written if f.startswith("fig_"))
    row = next(line for line in text.splitlines() if line.startswith("| `campaign_coverage*`"))
    assert sorted(set(re.findall(r"`(campaign_coverage[a-z_]*\.[a-z]+)`", row))) == \
        sorted(f for f in written if f.startswith("campaign_coverage"))


def _count_more(line: str) -> int:
    m = re.search(r"\(and (\d+) more problems?: rossim validate --all-problems lists them\)", line)
    return int(m.group(1)) if m else 0


def test_validate_all_problems_lists_what_the_one_line_counts(capsys):
    high = str(ROOT / "scenarios" / "ross_high_latitude.toml")
    cases = (["--set", "orbit.inclination_deg=51.6"],  # cross-checks: four modules' launch site
             ["--set", "simulation.replications=-1", "--set", "simulation.seed=x", "--set", "orbit.altitude_km=true"])
    for sets in cases:
        line = one_line_error(capsys, ["validate", high, *sets])
        more = _count_more(line)
        assert more >= 1, line
        assert cli.main(["validate", high, *sets, "--all-problems"]) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == more + 1, lines
        assert all(ln.startswith(f"rossim: error: {high}: ") for ln in lines)
        fields = [ln.split(": ")[3] for ln in lines]
        assert len(set(fields)) == len(fields), fields  # one line per field
        assert line.startswith(lines[0])  # the first problem is the one-line one
    assert cli.main(["validate", high, "--all-problems"]) == 0
    assert "OK" in capsys.readouterr().out
