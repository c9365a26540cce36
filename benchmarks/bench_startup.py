"""Startup time of the command line, next to loading the numeric stack it avoids.

Prints the median wall-clock time of whole processes (``spinemets --version``,
``spinemets --help``, ``python -m spinemets --version``) next to
``python -c "import numpy, pandas, scipy.stats"`` and ``python -c "import spinemets;
spinemets.estimate"`` (the full package), in the same run. The goal of issue 14 is ≤ 0.3 s
for ``--help`` and ``--version``.

    python benchmarks/bench_startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def _median_seconds(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Time each command ``--repeat`` times and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat
    py = sys.executable
    script = shutil.which("spinemets")
    cases = [
        ("python -c pass (interpreter alone)", [py, "-c", "pass"]),
        ("python -m spinemets --version", [py, "-m", "spinemets", "--version"]),
        ("python -m spinemets --help", [py, "-m", "spinemets", "--help"]),
    ]
    if script:
        cases += [("spinemets --version", [script, "--version"]),
                  ("spinemets --help", [script, "--help"])]
    cases += [
        ('python -c "import numpy, pandas, scipy.stats"',
         [py, "-c", "import numpy, pandas, scipy.stats"]),
        ('python -c "import spinemets; spinemets.estimate" (full package)',
         [py, "-c", "import spinemets; spinemets.estimate"]),
    ]
    print(f"median of {repeat} runs (whole process, wall clock)")
    for label, cmd in cases:
        print(f"  {_median_seconds(cmd, repeat):6.3f} s  {label}")


if __name__ == "__main__":
    main()
