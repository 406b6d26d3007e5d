"""The docs say what the code does: every estimator parameter has a row in docs/estimators.md."""

import inspect
import re
from pathlib import Path

import pytest

from skdeep import KerasClassifier, KerasRegressor

DOC = Path(__file__).resolve().parents[1] / "docs" / "estimators.md"


def _parameter_rows() -> dict[str, str]:
    """``{name: meaning}`` from the parameter tables (the rows under "## Parameters")."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("\n## Parameters"):text.index("\n### Routed parameters")]
    rows = re.findall(r"^\| `([a-z_0-9]+)` \| [^|]* \| (.*)$", section, re.M)
    return dict(rows)


@pytest.mark.parametrize("estimator", [KerasClassifier, KerasRegressor])
def test_every_parameter_has_a_row(estimator):
    rows = _parameter_rows()
    signature = inspect.signature(estimator.__init__).parameters
    # ``routed_params`` collects the ``<prefix>__<arg>`` parameters, documented in their own section.
    names = [name for name, p in signature.items() if name != "self" and p.kind is not p.VAR_KEYWORD]
    missing = [name for name in names if name not in rows]
    assert not missing, f"docs/estimators.md has no parameter row for {missing}"
    stale = [name for name in rows if name not in inspect.signature(KerasClassifier.__init__).parameters]
    assert not stale, f"docs/estimators.md documents parameters that do not exist: {stale}"


def test_classifier_only_parameters_are_said_to_be():
    rows = _parameter_rows()
    only = set(inspect.signature(KerasClassifier.__init__).parameters) - set(
        inspect.signature(KerasRegressor.__init__).parameters)
    assert only == {"class_weight", "label_smoothing", "retrieval"}
    assert all(rows[name].startswith("Classifier only") for name in only)
    intro = DOC.read_text(encoding="utf-8").split("\n## Parameters", 1)[1].split("###", 1)[0]
    assert all(f"`{name}`" in intro for name in only)


def _imports(path: Path, module: str, package: bool, modules) -> set[str]:
    """The skdeep modules ``path`` imports anywhere in it (top level or inside functions)."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.split(".") if package else module.split(".")[:-1]
                parts = parts[:len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            elif (node.module or "").startswith("skdeep"):
                base = node.module
            else:
                continue
            # ``from . import _x`` imports the module _x (its package is already being imported);
            # ``from .m import name`` imports m.
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                         for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("skdeep"))
    return found


def test_no_import_loop_in_the_package():
    root = Path(__file__).resolve().parents[1] / "skdeep"
    modules = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if package else parts)] = (path, package)
    graph = {}
    for name, (path, package) in modules.items():
        graph[name] = {m for m in _imports(path, name, package, modules) if m in modules and m != name}
    # Depth-first search for a cycle; the package's own __init__ imports only _config eagerly.
    state, loops = {}, []

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                loops.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not loops, f"import loops: {loops}"
