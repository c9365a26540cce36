"""The public API carries real type hints: mypy accepts a typed usage example
(tests/typed_example/typed_usage.py) and rejects misuse it could only catch through them.
Skipped when mypy is not installed (it is in the ``test`` extra)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="mypy is in the test extra; not installed here")

EXAMPLE = Path(__file__).parent / "typed_example" / "typed_usage.py"
MYPY = [sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent",
        "--ignore-missing-imports", "--cache-dir=/dev/null", "--no-error-summary"]


def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MYPY, *args], capture_output=True, text=True, check=False,
                          cwd=Path(__file__).parent.parent)


def test_typed_usage_example_passes_strict_mypy():
    proc = _mypy("--strict", str(EXAMPLE))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_typed_usage_example_runs():
    proc = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("code, error", [
    ('p: str = sm.beta_from_counts(3, 30)', "Incompatible types in assignment"),
    ('sm.beta_from_counts("three", 30)', 'incompatible type "str"'),
    ('x: str = sm.parameter("mscc_rate").mean', "Incompatible types in assignment"),
    ('sm.pool_proportions([1], [10]).nope', 'has no attribute "nope"'),
    ('sm.estimate(100, "spinal_mets_autopsy", rng="seed")', 'incompatible type "str"'),
    ('sm.pool_proportions({1: 2}, [10])', 'incompatible type "dict'),
    ('sm.pool(effects=None, variances=[0.1])', 'incompatible type "None"'),
])
def test_mypy_catches_misuse_through_the_hints(code, error, tmp_path):
    bad = tmp_path / "misuse.py"
    bad.write_text(f"import spinemets as sm\n\n{code}\n", encoding="utf-8")
    proc = _mypy(str(bad))
    assert proc.returncode == 1 and error in proc.stdout, proc.stdout + proc.stderr
