"""The architecture's arrows (DESIGN.md): nothing imports the CLI; the core never imports the
presentation layer (figures, maps, reports, comparisons)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rossim"
CORE = ("clock", "errors", "distributions", "scenario", "station", "windows", "campaign", "ensemble",
        "orbit", "sunlight", "regions", "coverage", "results", "folders", "interrupts", "montecarlo", "occupancy")
PRESENTATION = ("cli", "report", "figures", "maps", "compare")


def rossim_imports(module: str) -> set[str]:
    """The rossim modules ``module`` imports (relative or absolute, at any depth in the file)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(a.name for a in node.names)
            elif node.module and node.module.split(".")[0] == "rossim":
                parts = node.module.split(".")
                found.update([parts[1]] if len(parts) > 1 else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("rossim."))
    return found


@pytest.mark.parametrize("module", sorted(p.stem for p in PACKAGE.glob("*.py")))
def test_nothing_imports_the_cli(module):
    assert "cli" not in rossim_imports(module) or module == "cli"


@pytest.mark.parametrize("module", CORE)
def test_core_does_not_import_presentation(module):
    assert not rossim_imports(module) & set(PRESENTATION), rossim_imports(module)


def test_the_checker_sees_imports():
    assert {"scenario", "station"} <= rossim_imports("campaign")
    assert "compare" in rossim_imports("report")
