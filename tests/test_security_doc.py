"""SECURITY.md states the resource limits the code enforces (issue 16).

Every constant named in the limits table must exist in the module the row names, and its value
must be one of the numbers written in that row; a limit changed in the code without the page
(or the page without the code) fails here.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECURITY = ROOT / "SECURITY.md"


def _limit_rows() -> list[str]:
    text = SECURITY.read_text(encoding="utf-8")
    section = text.split("## Resource limits", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| what") and "---" not in line]


def _numbers(row: str) -> set[float]:
    """Every number written in a row: 10,000,000, 1e12, 2**52, 0.01, 1e-100."""
    out: set[float] = set()
    for base, exp in re.findall(r"\b(\d+)\*\*(\d+)\b", row):
        out.add(float(int(base) ** int(exp)))
    for token in re.findall(r"(?<![\w*])\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?(?![\w*])", row):
        out.add(float(token.replace(",", "")))
    return out


def _constants(row: str) -> list[tuple[str, str]]:
    """(module, constant) pairs named in a row; a bare `_x.py` is a module of spinemets, a
    path such as `spinemets/_planning/_limits.py` names the module at that path."""
    module = None
    pairs = []
    for token in re.findall(r"`([^`]+)`", row):
        if token.endswith(".py"):
            path = Path(token).with_suffix("")
            module = (".".join(path.parts) if path.parts[0] == "spinemets"
                      else "spinemets." + path.stem)
            pairs = [(module if m is None else m, c) for m, c in pairs]
        elif re.fullmatch(r"_?[A-Z][A-Z_]+", token):
            pairs.append((module, token))
    return [(m, c) for m, c in pairs if m is not None]


def test_every_limit_on_the_page_is_the_code_s_value():
    rows = _limit_rows()
    assert len(rows) >= 10, rows  # the table is there and was parsed
    checked = 0
    for row in rows:
        written = _numbers(row)
        for module, name in _constants(row):
            value = getattr(importlib.import_module(module), name)
            values = value if isinstance(value, tuple) else (value,)
            for v in values:
                assert float(v) in written, f"{module}.{name} = {v!r}, not in the row: {row}"
                checked += 1
    assert checked >= 10, checked


def test_the_page_names_the_limits_of_the_validation_module():
    from spinemets import _validation

    text = SECURITY.read_text(encoding="utf-8")
    for name in ("MAX_DRAWS", "MAX_COUNT", "MAX_PERSON_YEARS", "MAX_SHAPE", "MIN_SHAPE",
                 "MAX_ROWS", "MAX_COMPONENTS"):
        assert hasattr(_validation, name), name
        assert f"`{name}`" in text, f"SECURITY.md does not state the limit {name}"
