"""The README's parameter table is the catalogue's, not a hand-written copy."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

import spinemets as sm

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "parameter_table.py"
README = ROOT / "README.md"


@pytest.fixture(scope="module")
def script():
    if not SCRIPT.exists() or not README.exists():
        pytest.skip("run from a source checkout (scripts/ and README.md)")
    return runpy.run_path(str(SCRIPT))


def test_readme_parameter_table_is_in_step_with_the_catalogue(script):
    text = README.read_text(encoding="utf-8")
    assert script["updated"](text) == text, (
        "README's parameter table is out of step with data/: run "
        "`python scripts/parameter_table.py`")


def test_table_has_one_line_per_parameter_with_its_sources(script):
    lines = script["render"]().splitlines()[2:]
    params = sm.parameters()
    assert len(lines) == len(params)
    for line, (_, p) in zip(lines, params.iterrows(), strict=True):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[0] == f"`{p['id']}`" and cells[1] == p["primary_site"]
        for source in p["sources"].split(";"):
            assert source in cells[4]


def test_a_changed_figure_puts_the_table_out_of_step(script):
    text = README.read_text(encoding="utf-8")
    edited = text.replace("| `spinal_mets_autopsy` | all |", "| `spinal_mets_autopsy` | ALL |")
    assert edited != text
    assert script["updated"](edited) != edited
