"""``spinemets --help`` and ``--version`` answer without loading the numeric stack, and the
package's lazily loaded public names stay in step with its imports and ``__all__``.
(The time it takes is measured in benchmarks/bench_startup.py, not asserted here.)"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import spinemets as sm

HEAVY = ("numpy", "pandas", "scipy", "matplotlib")


def _imported_modules(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``python -X importtime -m spinemets ARGS``; the modules it imported."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "spinemets", *args],
                          capture_output=True, text=True, check=False)
    names = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()
             if line.startswith("import time:")}
    return proc, names


@pytest.mark.parametrize("args", [["--version"], ["--help"], []])
def test_version_and_help_do_not_load_the_numeric_stack(args):
    proc, names = _imported_modules(*args)
    assert proc.returncode == 0 and proc.stdout.startswith(("spinemets ", "usage:"))
    assert "spinemets.cli" in names  # the listing is real
    loaded = sorted(n for n in names if n.split(".")[0] in HEAVY)
    assert loaded == [], loaded


def test_a_subcommand_does_load_it():
    proc, names = _imported_modules("parameters", "--format", "csv")
    assert proc.returncode == 0 and "numpy" in names and "pandas" in names


def test_import_spinemets_alone_is_light():
    code = ("import sys, spinemets; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def _type_checking_imports() -> dict[str, tuple[str, ...]]:
    tree = ast.parse(Path(sm.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
    return {node.module: tuple(a.name for a in node.names) for node in block.body
            if isinstance(node, ast.ImportFrom) and node.module}


def test_lazy_table_matches_the_type_checking_imports_and_all():
    assert _type_checking_imports() == {f"{k}": v for k, v in sm._EXPORTS.items()}
    eager = {"__version__", *sm.errors.__all__}
    lazy = {name for names in sm._EXPORTS.values() for name in names}
    assert lazy | eager == set(sm.__all__) and not lazy & eager


def test_every_public_name_resolves_to_its_module():
    for module, names in sm._EXPORTS.items():
        for name in names:
            obj = getattr(sm, name)
            if callable(obj):  # defined in the module, or in a module of that package
                assert (obj.__module__ == f"spinemets.{module}"
                        or obj.__module__.startswith(f"spinemets.{module}.")), \
                    (name, obj.__module__)
    assert {"counts", "plotting", "cli", "estimate"} <= set(dir(sm))
    assert sm.counts.__name__ == "spinemets.counts"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = sm.nope


def test_star_import_gives_every_public_name():
    namespace: dict[str, object] = {}
    exec("from spinemets import *", namespace)
    assert set(sm.__all__) <= set(namespace)
