"""Running the example notebooks headlessly (nbclient), shared by their tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbclient
import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run_notebook(name: str, folder: Path, *, allow_stderr: bool = False) -> nbformat.NotebookNode:
    """Copy ``notebooks/<name>`` into ``folder`` and run it there, top to bottom; fail on
    any error output (and, unless allowed, on anything written to stderr: a warning such
    as a data-change warning would mean a broken example)."""
    path = folder / name
    shutil.copy(NOTEBOOKS / name, path)
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        errors = [o for o in outputs if o.get("output_type") == "error"]
        assert not errors, errors
        if not allow_stderr:
            stderr = [o for o in outputs if o.get("name") == "stderr"]
            assert not stderr, stderr
    nbformat.write(nb, path)
    return nb


def cell_text(cell: nbformat.NotebookNode) -> str:
    """What a cell printed and displayed as text."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif "data" in out:
            parts.append(out["data"].get("text/plain", ""))
    return "\n".join(parts)


def code_cell(nb: nbformat.NotebookNode, needle: str) -> nbformat.NotebookNode:
    """The first code cell whose source contains ``needle``."""
    return next(c for c in nb.cells if c.cell_type == "code" and needle in c.source)


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]
