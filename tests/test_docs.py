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
    assert only == {"class_weight", "label_smoothing"}
    assert all(rows[name].startswith("Classifier only") for name in only)
    intro = DOC.read_text(encoding="utf-8").split("\n## Parameters", 1)[1].split("###", 1)[0]
    assert all(f"`{name}`" in intro for name in only)
