"""Sphinx configuration of the spinemets documentation.

Build: ``python -m pip install ".[docs]" && python -m sphinx -W -b html docs docs/_build/html``.
Two pages are made here, before Sphinx reads the sources, into ``docs/_generated/`` (not
kept in git): the notebooks (copied from ``notebooks/``, rendered with their stored outputs,
not executed) and the assumptions page (one section per named parameter, from the
catalogue ``data/parameters.csv``).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import spinemets

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GENERATED = HERE / "_generated"

project = "spinemets"
author = "spinemets developers"
copyright = "2026, spinemets developers"
version = release = spinemets.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"

autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc Parameters sections say the types
numpydoc_show_class_members = False
numpydoc_validation_checks: set[str] = set()
numpydoc_xref_param_type = False

nb_execution_mode = "off"  # notebooks are rendered with the outputs stored in them
myst_enable_extensions = ["dollarmath"]

html_theme = "alabaster"
html_static_path: list[str] = []
html_title = f"spinemets {release}"


def _copy_notebooks() -> None:
    target = GENERATED / "notebooks"
    target.mkdir(parents=True, exist_ok=True)
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copyfile(notebook, target / notebook.name)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _assumptions_page() -> None:
    """docs/_generated/assumptions.md: every named parameter, its evidence and assumption."""
    with open(ROOT / "data" / "parameters.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    lines = [
        "# Assumptions",
        "",
        "Every named parameter (`spinemets.parameters()`), one section each: what it means, the",
        "catalogue rows it is built from (`spinemets.evidence()`), how they are encoded and",
        "the assumption in words. Generated from `data/parameters.csv` when the documentation",
        "is built.",
        "",
    ]
    current = None
    for row in rows:
        if row["id"] != current:
            current = row["id"]
            lines += [f"## `{current}`", "", f"{_cell(row['definition'])}", "",
                      "| site | setting | sources | encoding | assumption |",
                      "|---|---|---|---|---|"]
        lines.append(f"| {_cell(row['primary_site'])} | {_cell(row['setting'])} | "
                     f"{_cell(row['sources'])} | {_cell(row['encoding'])} "
                     f"{_cell(row['arguments'])} | {_cell(row['assumption'])} |")
        if row is rows[-1] or rows[rows.index(row) + 1]["id"] != current:
            lines.append("")
    GENERATED.mkdir(parents=True, exist_ok=True)
    page = GENERATED / "assumptions.md"
    text = "\n".join(lines) + "\n"
    if not page.exists() or page.read_text(encoding="utf-8") != text:
        page.write_text(text, encoding="utf-8")


_copy_notebooks()
_assumptions_page()
