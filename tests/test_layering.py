"""The architecture's arrows (DESIGN.md): nothing imports the CLI; the core never imports the
presentation layer (figures, maps, reports, comparisons); the campaign package knows nothing of
files or plotting. Modules are ``rossim/<name>.py`` files and packages ``rossim/<name>/``."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rossim"
CORE = ("clock", "errors", "distributions", "scenario", "windows", "campaign", "ensemble",
        "orbit", "sunlight", "regions", "coverage", "results", "folders", "interrupts", "montecarlo", "occupancy", "analysis", "contacts")
PRESENTATION = ("cli", "report", "figures", "maps", "compare")
#: What "knows nothing of files or plotting" (DESIGN.md) means for the campaign: none of rossim's
#: file or presentation modules, no plotting library, no file or serialisation library, no open().
FILES_AND_PLOTTING = ("results", "folders", "inputfiles", "resultfiles", "coverage_run", *PRESENTATION)
FILE_OR_PLOT_LIBRARIES = ("matplotlib", "cartopy", "pathlib", "os", "io", "csv", "json", "shutil",
                          "tempfile", "pickle", "marshal", "tomllib", "glob")


def source_files(module: str) -> list[Path]:
    """The files of ``module``: ``rossim/<module>.py``, or every ``.py`` of ``rossim/<module>/``."""
    path = PACKAGE / module
    return sorted(path.rglob("*.py")) if path.is_dir() else [PACKAGE / f"{module}.py"]


def _package_parts(file: Path) -> list[str]:
    """``rossim/campaign/model.py`` -> ``["rossim", "campaign"]``: the package a file is in."""
    return ["rossim", *file.parent.relative_to(PACKAGE).parts]


def _imports(file: Path) -> tuple[set[str], set[str]]:
    """(the rossim top-level modules ``file`` imports, the other top-level modules it imports),
    relative or absolute, at any depth in the file. A package's own files count as the package."""
    tree = ast.parse(file.read_text(encoding="utf-8"))
    ours, others = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package_parts(file)[:len(_package_parts(file)) - node.level + 1]
                names = [*base, *node.module.split(".")] if node.module else None
                if names is None:  # from . import a, b
                    targets = [[*base, a.name] for a in node.names]
                else:
                    targets = [names]
            else:
                targets = [node.module.split(".")] if node.module else []
                if targets and targets[0] == ["rossim"]:
                    targets = [["rossim", a.name] for a in node.names]
            for t in targets:
                (ours.add(t[1]) if t[0] == "rossim" and len(t) > 1 else others.add(t[0]))
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                (ours.add(parts[1]) if parts[0] == "rossim" and len(parts) > 1 else others.add(parts[0]))
    return ours, others


def rossim_imports(module: str) -> set[str]:
    """The other rossim modules ``module`` (a file or a package) imports."""
    return {m for f in source_files(module) for m in _imports(f)[0]} - {module}


def other_imports(module: str) -> set[str]:
    """The top-level non-rossim modules ``module`` imports (``numpy``, ``os``...)."""
    return {m for f in source_files(module) for m in _imports(f)[1]}


MODULES = sorted({p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
                 | {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()})


@pytest.mark.parametrize("module", MODULES)
def test_nothing_imports_the_cli(module):
    assert "cli" not in rossim_imports(module) or module == "cli"


@pytest.mark.parametrize("module", CORE)
def test_core_does_not_import_presentation(module):
    assert not rossim_imports(module) & set(PRESENTATION), rossim_imports(module)


def test_campaign_knows_nothing_of_files_or_plotting():
    assert not rossim_imports("campaign") & set(FILES_AND_PLOTTING), rossim_imports("campaign")
    assert not other_imports("campaign") & set(FILE_OR_PLOT_LIBRARIES), other_imports("campaign")
    for f in source_files("campaign"):
        calls = [n for n in ast.walk(ast.parse(f.read_text(encoding="utf-8")))
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "open"]
        assert not calls, f"{f.name} opens a file"


def test_the_checker_sees_imports(tmp_path):
    assert "campaign" in MODULES and "station" not in MODULES  # the package, and what moved into it
    assert {"scenario", "clock", "distributions"} <= rossim_imports("campaign")
    assert {"simpy", "numpy"} <= other_imports("campaign")
    assert "compare" in rossim_imports("report")
    assert "campaign" in rossim_imports("ensemble")
    # Every form of import, in a package two levels deep, as the checker reads it.
    fake = tmp_path / "rossim"
    (fake / "pkg" / "sub").mkdir(parents=True)
    (fake / "pkg" / "__init__.py").write_text("from .sub import thing\n")
    (fake / "pkg" / "sub" / "__init__.py").write_text("")
    (fake / "pkg" / "sub" / "deep.py").write_text(
        "import os\nimport rossim.maps\nfrom ... import cli\nfrom ...figures import f\nfrom .. import sibling\n"
        "from rossim import report\nfrom rossim.results import w\ndef g():\n    from matplotlib import pyplot\n")
    global PACKAGE
    saved, PACKAGE = PACKAGE, fake
    try:
        assert rossim_imports("pkg") == {"maps", "cli", "figures", "report", "results"}
        assert other_imports("pkg") == {"os", "matplotlib"}
    finally:
        PACKAGE = saved
