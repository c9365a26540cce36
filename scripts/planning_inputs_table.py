"""Write the README's table of planning inputs from the planning registry.

The table between the markers ``<!-- planning-inputs:begin -->`` and
``<!-- planning-inputs:end -->`` in README.md is generated, never edited by hand: run
``python scripts/planning_inputs_table.py`` after changing the registry
(``spinemets/_planning/_registry.py``); ``tests/test_planning_registry.py`` fails when the
two disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from spinemets._planning._registry import glossary

BEGIN, END = "<!-- planning-inputs:begin -->", "<!-- planning-inputs:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    """The markdown table, one line per argument of ``plan_imaging`` (signature order)."""
    lines = ["| input | `spinemets plan` | meaning | unit | default | source |",
             "|---|---|---|---|---|---|"]
    for row in glossary():
        flag = f"`{row['flag']}`" if row["flag"] else "—"
        lines.append(f"| `{row['input']}` | {flag} | {_cell(row['meaning'])} | "
                     f"{_cell(row['unit'])} | {_cell(row['default'])} | "
                     f"{_cell(row['source'])} |")
    return "\n".join(lines)


def updated(text: str) -> str:
    """``text`` (the README) with the generated table between the markers."""
    start, stop = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + "\n" + render() + "\n" + text[stop:]


if __name__ == "__main__":
    README.write_text(updated(README.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write(f"wrote the planning inputs table into {README}\n")
