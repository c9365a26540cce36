"""One source of truth for planning defaults (issue 13 item 6).

Every default of ``plan_imaging`` is written once, in the planning registry
(``spinemets/_planning/_registry.py``). These tests fail when a default is restated by hand
anywhere else — in ``plan_imaging``'s docstring, in the ``spinemets plan`` help, or in the
README's table of planning inputs — or when the registry and the signature disagree.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import runpy
from pathlib import Path

import pytest

from spinemets import _cli_plan
from spinemets._planning import ARGUMENTS, DEFAULT_BY_NAME, DEFAULTS, plan_imaging
from spinemets._planning._registry import fill_defaults, glossary
from spinemets._planning._resolve import INPUTS

ROOT = Path(__file__).resolve().parent.parent
PLANNING = ROOT / "spinemets" / "_planning"
SCRIPT = ROOT / "scripts" / "planning_inputs_table.py"
README = ROOT / "README.md"
WITH_DEFAULT = [d for d in DEFAULTS if d.has_default and d.kind != "constant"]


def _template() -> str:
    """plan_imaging's docstring as written in the source, before the registry fills it."""
    tree = ast.parse((PLANNING / "_api.py").read_text(encoding="utf-8"))
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef)
                and n.name == "plan_imaging")
    return ast.get_docstring(func, clean=False) or ""


def _squash(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- signature


def test_the_signature_is_the_registry_s_arguments_in_order():
    params = inspect.signature(plan_imaging).parameters
    assert list(params) == list(ARGUMENTS)
    for name, p in params.items():
        # None means "the registry's default"; only abbreviated_streams has an empty tuple
        assert p.default == INPUTS.get(name), name
    assert {d.name for d in DEFAULTS if d.kind != "constant"} == set(ARGUMENTS)
    assert all(d.help for d in DEFAULTS), [d.name for d in DEFAULTS if not d.help]


def test_defaults_read_from_the_catalogue_go_through_parameter():
    import spinemets as sm

    for d in DEFAULTS:
        if d.parameter:
            assert d.value is None, d.name  # the number lives in data/parameters.csv only
            assert d.resolve() == pytest.approx(float(sm.parameter(d.parameter).mean))


# --------------------------------------------------------------------------- docstring


def test_the_docstring_states_no_default_by_hand():
    template = _template()
    params = template.split("Parameters\n    ----------", 1)[1].split("Returns\n", 1)[0]
    written = re.findall(r"\bDefaults?\b[^.<]*?\d[^.]*", params)
    assert not written, f"defaults written by hand in plan_imaging's docstring: {written}"
    for d in WITH_DEFAULT:
        assert f"<default:{d.name}>" in params, f"the docstring does not state {d.name}'s default"
        assert d.default_text() not in params, d.name


def test_the_docstring_s_default_sentences_are_the_registry_s():
    doc = _squash(plan_imaging.__doc__ or "")
    assert "<default:" not in doc
    for d in WITH_DEFAULT:
        assert _squash(d.default_sentence()) in doc, d.name


def test_a_placeholder_for_an_input_without_default_is_refused():
    with pytest.raises(ValueError, match="population"):
        fill_defaults("<default:population>")
    with pytest.raises(ValueError, match="nonsense"):
        fill_defaults("<default:nonsense>")


# --------------------------------------------------------------------------- command line


def _plan_help() -> str:
    """``spinemets plan --help``, whitespace squashed (argparse wraps the lines)."""
    parser = argparse.ArgumentParser(prog="spinemets")
    sub = parser.add_subparsers()
    _cli_plan.register(sub)
    return _squash(sub.choices["plan"].format_help().split("options:", 1)[1])


def test_every_flag_and_scenario_key_comes_from_the_registry():
    text = _plan_help()
    options = set(re.findall(r"(?<![\w-])--([a-z][a-z0-9-]*)", text))
    own = {"help", "scenario", "table", "out-dir", "format", "output", "force"}
    flags = {d.flag for d in DEFAULTS if d.flag}
    assert options - own == {f.replace("_", "-") for f in flags}
    for d in DEFAULTS:
        if not d.flag:
            continue
        entry = re.search(rf"--{re.escape(d.flag.replace('_', '-'))} \S+ (.*?)(?= --[a-z]|$)",
                          text)
        assert entry, d.name
        shown = entry.group(1)
        assert shown.startswith(_squash(d.help.replace("per person-year", "per 100,000 a year"))), \
            (d.name, shown)
        if d.has_default:
            assert shown.endswith(_squash(f"(default {d.default_text()})")), (d.name, shown)
        else:
            assert "(default" not in shown, (d.name, shown)
    assert flags | {"name", "description"} == _cli_plan.SCENARIO_KEYS


def test_the_command_line_module_writes_no_default_and_no_help_of_its_own():
    source = (ROOT / "spinemets" / "_cli_plan.py").read_text(encoding="utf-8")
    assert not re.search(r"\(default \d", source)
    for d in WITH_DEFAULT:
        if d.flag:
            written = rf"(?<![\w.]){re.escape(d.default_text())}(?![\w.])"
            assert not re.search(written, source), d.name
    for d in DEFAULTS:
        if d.flag and len(d.help) > 12:
            assert d.help not in source, f"{d.name}'s help is written in _cli_plan.py"


def test_a_scenario_key_becomes_its_registry_argument():
    kw = _cli_plan.scenario_to_kwargs({"mscc_rate_per_100k": 8.1, "seed": 3,
                                       "abbreviated": ["emergency"], "scan_minutes": 20})
    assert kw == {"mscc_rate": pytest.approx(8.1e-5), "rng": 3,
                  "abbreviated_streams": ("emergency",), "scan_minutes": 20}
    assert set(kw) <= set(ARGUMENTS)


# --------------------------------------------------------------------------- glossary


@pytest.fixture(scope="module")
def script():
    if not SCRIPT.exists() or not README.exists():
        pytest.skip("run from a source checkout (scripts/ and README.md)")
    return runpy.run_path(str(SCRIPT))


def test_readme_inputs_table_is_in_step_with_the_registry(script):
    text = README.read_text(encoding="utf-8")
    assert script["updated"](text) == text, (
        "README's planning inputs table is out of step with the registry: run "
        "`python scripts/planning_inputs_table.py`")


def test_the_glossary_has_every_argument_with_its_default(script):
    rows = glossary()
    assert [r["input"] for r in rows] == list(ARGUMENTS)
    lines = script["render"]().splitlines()[2:]
    assert len(lines) == len(rows)
    for line, row in zip(lines, rows, strict=True):
        cells = [c.strip() for c in line.strip("|").split("|")]
        d = DEFAULT_BY_NAME[row["input"]]
        assert cells[0] == f"`{d.name}`" and cells[4] == d.default_text()


def test_a_changed_default_puts_the_table_out_of_step(script):
    text = README.read_text(encoding="utf-8")
    edited = text.replace("| 30 minutes |", "| 25 minutes |")
    assert edited != text
    assert script["updated"](edited) != edited
