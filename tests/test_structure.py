"""The package's shape: imports flow one way, no module uses another's private names, no lazy
import hides a dependency, and ``import spinemets`` stays free of heavy optional libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import spinemets as sm

PACKAGE = Path(sm.__file__).parent

# The pipeline, bottom to top (README, "Layout"): a module may import only modules before it.
LAYERS = [
    "errors", "_version", "_validation", "_display", "_draw", "_catalogue",
    "_bbkernel", "_mixkernel", "_laws", "_values", "_pooling", "_synthesis", "_encodings",
    "_registry", "_parameters", "counts", "_montecarlo", "_totals", "_results", "_dask",
    "_estimate", "_sensitivity", "plotting", "_audit", "_planning", "_cli_common", "_cli_plan",
    "_cli_commands", "cli", "__init__", "__main__",
]
# The planning package (README, "Layout"), bottom to top: its modules import one another
# (``from ._x``) only downwards, and the rest of spinemets (``from .._x``) only from modules
# below ``_planning`` in LAYERS.
PLANNING = PACKAGE / "_planning"
PLANNING_LAYERS = [
    "_limits", "_followup", "_horizon", "_inputs", "_registry", "_queue", "_profile", "_hours",
    "_laws", "_exact", "_local", "_resolve", "_check", "_simulate", "_build", "_plan", "_api",
    "__init__",
]
# Optional or heavy libraries that may be imported inside a function, where they are used.
# dask: the optional extra spinemets[dask], imported by _dask only once a Dask frame is given.
# simpy: the optional extra spinemets[queue], imported by _planning/_queue when waits are
# simulated.
LAZY_ALLOWED = ("matplotlib", "pandas.io.formats.style", "scipy.fft", "jinja2",
                "dask", "simpy")
# Package modules that may be imported inside a function, each with the reason.
LAZY_RELATIVE_ALLOWED = {
    # The console entry point: `spinemets --help` and `--version` must answer without loading
    # numpy, pandas and scipy (tests/test_cli_startup.py), so the subcommands are loaded only
    # when one runs.
    ("cli", "_cli_commands"): "entry point: subcommands load the numeric stack on demand",
}
# ``spinemets/__init__.py`` imports its public names under ``if TYPE_CHECKING:`` (for type
# checkers and readers) and at run time through ``__getattr__`` from its ``_EXPORTS`` table,
# for the same reason; tests/test_cli_startup.py checks the table against those imports.


def _parse(folder: Path) -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(encoding="utf-8"))
            for p in sorted(folder.glob("*.py"))}


def _modules() -> dict[str, ast.Module]:
    """The package's modules; the planning package counts as one, ``_planning``, whose
    imports from the rest of spinemets are those of all its modules."""
    out = _parse(PACKAGE)
    assert "_planning" not in out, "spinemets/_planning.py and the package _planning/ both exist"
    out["_planning"] = ast.Module(body=[], type_ignores=[])
    for tree in _parse(PLANNING).values():
        out["_planning"].body += _up_one_level(tree).body
    return out


def _up_one_level(tree: ast.Module) -> ast.Module:
    """A planning module's imports as seen from spinemets: ``from .._x`` becomes ``from ._x``
    (its own ``from ._x`` imports stay inside the planning package and are dropped)."""

    class Lift(ast.NodeTransformer):
        def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST | None:
            if node.level == 1:
                return ast.Pass()
            if node.level == 2:
                node.level = 1
            return node

    return Lift().visit(tree)


def _top_level(tree: ast.Module) -> set[int]:
    """Ids of the module's top-level statements, counting those under ``if TYPE_CHECKING:``."""
    top = {id(node) for node in tree.body}
    for node in tree.body:
        if (isinstance(node, ast.If) and isinstance(node.test, ast.Name)
                and node.test.id == "TYPE_CHECKING"):
            top |= {id(child) for child in node.body}
    return top


def _relative_imports(tree: ast.Module) -> list[tuple[str, list[str], bool]]:
    """(module, names, at top level) for every ``from .x import ...`` in the tree."""
    top = _top_level(tree)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [a.name for a in node.names]
            if node.module is None:  # from . import a, b
                out += [(n, [], id(node) in top) for n in names]
            else:
                out.append((node.module, names, id(node) in top))
    return out


def test_every_module_has_a_place_in_the_layers():
    assert sorted(_modules()) == sorted(LAYERS)
    assert sorted(_parse(PLANNING)) == sorted(PLANNING_LAYERS)


@pytest.mark.parametrize("name", PLANNING_LAYERS)
def test_planning_imports_flow_down_its_layers(name):
    tree = _parse(PLANNING)[name]
    below = set(PLANNING_LAYERS[:PLANNING_LAYERS.index(name)])
    for module, names, at_top in _relative_imports(tree):
        assert module in below, f"_planning.{name} imports {module}, which is not below it"
        private = [n for n in names if n.startswith("_")]
        assert not private, f"_planning.{name} imports private {private} from {module}"
        assert at_top, f"_planning.{name} imports .{module} inside a function"


@pytest.mark.parametrize("name", LAYERS)
def test_imports_flow_down_the_layers(name):
    tree = _modules()[name]
    below = set(LAYERS[:LAYERS.index(name)])
    for module, _, _ in _relative_imports(tree):
        assert module in below, f"{name} imports {module}, which is not below it"


@pytest.mark.parametrize("name", LAYERS)
def test_no_private_name_crosses_a_module_boundary(name):
    for module, names, _ in _relative_imports(_modules()[name]):
        private = [n for n in names if n.startswith("_") and n != "__version__"]
        assert not private, f"{name} imports private {private} from {module}"


@pytest.mark.parametrize("name", LAYERS)
def test_no_lazy_import_hides_a_dependency(name):
    tree = _modules()[name]
    for module, _, at_top in _relative_imports(tree):
        assert at_top or (name, module) in LAZY_RELATIVE_ALLOWED, \
            f"{name} imports .{module} inside a function"
    top = _top_level(tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top:
            if isinstance(node, ast.ImportFrom) and node.level:
                continue
            mods = ([a.name for a in node.names] if isinstance(node, ast.Import)
                    else [node.module or ""])
            if any(m == "TYPE_CHECKING" for m in mods):
                continue
            if isinstance(node, ast.ImportFrom):  # from scipy import fft -> scipy.fft
                mods = [f"{node.module}.{a.name}" for a in node.names]
            for m in mods:
                assert m.startswith(LAZY_ALLOWED), f"{name} imports {m} lazily"


def test_import_spinemets_loads_no_optional_library():
    code = ("import sys, spinemets; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('matplotlib', 'jinja2', 'dask', 'distributed', 'openpyxl', 'simpy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_every_warning_and_error_is_exported_from_errors():
    from spinemets import errors

    for name in errors.__all__:
        assert getattr(sm, name) is getattr(errors, name)
    classes = {n for n, v in vars(errors).items() if isinstance(v, type)
               and issubclass(v, (Exception, Warning))
               and v.__module__ == errors.__name__}
    assert classes == set(errors.__all__)


def test_public_names_are_documented():
    for name in sm.__all__:
        obj = getattr(sm, name)
        if callable(obj):
            assert obj.__doc__ and obj.__doc__.strip(), f"spinemets.{name} has no docstring"


def test_readme_layout_names_every_planning_module():
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    for name in PLANNING_LAYERS[:-1]:  # __init__ only re-exports
        assert f"`{name}`" in layout, f"README's Layout does not name _planning/{name}.py"
