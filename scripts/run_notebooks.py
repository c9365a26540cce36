"""Execute the three notebooks in place, so their stored outputs are the library's current ones.

The notebooks are stored *with* outputs (the documentation site renders them without running
them, and a reader on a code host sees the figures): run ``python scripts/run_notebooks.py``
after a change that moves a number, and ``tests/test_notebooks.py`` checks that every stored
text output equals a fresh run.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbclient
import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run(path: Path) -> None:
    """Execute ``path`` in a scratch folder (files it writes stay out of the repository)."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as scratch:
        nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": scratch}}).execute()
    nbformat.write(nb, path)


if __name__ == "__main__":
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        run(notebook)
        sys.stdout.write(f"executed {notebook.name}\n")
