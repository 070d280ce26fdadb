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
