"""docs/walkthrough.ipynb runs from top to bottom (offline, in well under a minute) and is stored
without outputs, so the walkthrough of the README's two questions cannot rot."""

import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="pip install -e '.[test]' installs nbformat")
nbclient = pytest.importorskip("nbclient", reason="pip install -e '.[test]' installs nbclient")

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "walkthrough.ipynb"


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert all(not c.outputs and c.execution_count is None for c in code)


def test_notebook_executes_and_answers_both_questions():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    start = time.monotonic()
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    elapsed = time.monotonic() - start
    assert elapsed < 60, f"the walkthrough took {elapsed:.0f} s"
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "if Angara fails once" in text and "if it never does" in text  # question 1 answered
    assert "never from 51.6°" in text and "beyond the 51.6° orbit's reach" in text  # question 2
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 2, "the occupancy figure and the 51.6° map are drawn"
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    stderr = [o["text"] for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
    assert not stderr, stderr  # no warnings either
