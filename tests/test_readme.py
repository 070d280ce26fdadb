"""README's opening commands work: the scenario they name exists and runs, the test command is the
one .ci/run runs."""

import re
import shlex
from pathlib import Path

from rossim import cli

ROOT = Path(__file__).resolve().parent.parent


def opening_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_readme_opens_with_run_and_test_commands(tmp_path):
    run, tests = opening_commands()[:2]
    assert run.startswith("pip install -e . && rossim run ")
    argv = shlex.split(run.split("&&")[1])[1:]
    assert (ROOT / argv[1]).is_file()
    assert cli.main([argv[0], str(ROOT / argv[1]), "-n", "8", "--workers", "1", "--no-report",
                     "--out", str(tmp_path / "run")]) == 0
    assert tests == "pip install -e '.[test]' && pytest"
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _listed(marker: str) -> list[tuple[str, str]]:
    """(file pattern, description) of each row of README's table between ``marker`` comments."""
    import re as _re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = _re.search(rf"<!-- {marker}:start -->\n(.*?)<!-- {marker}:end -->", text, _re.S).group(1)
    return [(m.group(1), m.group(2)) for m in _re.finditer(r"^\| `([^`]+)` \| (.*) \|$", table, _re.M)]


def test_readme_lists_every_file_a_coverage_run_writes(tmp_path):
    """README's table of coverage files against a real (short, coarse) coverage run: every file
    written matches a row, every row matches a file, and the files named in a row's text exist."""
    import fnmatch

    out = tmp_path / "cov"
    assert cli.main(["coverage", str(ROOT / "scenarios" / "ross_high_latitude.toml"), "--days", "0.25",
                     "--resolution-km", "400", "--out", str(out)]) == 0
    written = sorted(p.name for p in out.iterdir())
    rows = _listed("coverage-files")
    unlisted = [f for f in written if not any(fnmatch.fnmatchcase(f, pattern) for pattern, _ in rows)]
    assert not unlisted, f"README's table of coverage files misses {unlisted}"
    absent = [pattern for pattern, _ in rows if not any(fnmatch.fnmatchcase(f, pattern) for f in written)]
    assert not absent, f"README lists files a coverage run does not write: {absent}"
    for pattern, text in rows:  # the files a row names are those written, e.g. all three cells_*.geojson
        named = sorted(n for n in re.findall(r"`([a-z_]+\.[a-z]+)`", text) if fnmatch.fnmatchcase(n, pattern))
        if named:
            assert named == sorted(f for f in written if fnmatch.fnmatchcase(f, pattern)), pattern


def test_readme_layout_names_every_module():
    """README's Layout names every module of the package (a new module is described there too)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = re.search(r"## Layout\n+```\n(.*?)```", text, re.S).group(1)
    named = set(re.findall(r"\b([a-z_]+\.py)\b", layout))
    package = ROOT / "rossim"
    modules = sorted(p.relative_to(package).as_posix() for p in package.rglob("*.py")
                     if p.name != "__init__.py" and "data" not in p.relative_to(package).parts)
    missing = [m for m in modules if m.rsplit("/", 1)[-1] not in named]
    assert not missing, f"README's Layout does not name {missing}"
