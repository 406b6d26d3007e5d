"""``skdeep report``: one self-contained HTML file, checked as text and in a real browser.

The browser test drives headless Chromium (Debian's ``chromium`` package) over
the DevTools protocol on a pipe (the driver is ``tests/_browser.py``). It loads the report,
fails on any console message, uncaught exception, log error or request that is
not the file itself or a ``data:`` URI, checks the rendered DOM, and saves a
screenshot. It is skipped when no Chromium is installed (CI installs it).
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
from html.parser import HTMLParser

import pytest

from _browser import DOM_PROBE, DevTools, find_chromium
from skdeep.cli import main
from skdeep.report import Settings, build_models, load_dataset
from skdeep.report._html import comparison_table, contributions_table, importance_table

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TINY = ["--epochs", "3", "--cv", "2", "--hidden-layer-sizes", "16,8", "--global-rows", "30", "--quiet"]


class _Page(HTMLParser):
    """Tags, attributes and text of a page, with the tables' rows counted."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.tables: list[dict] = []  # class and number of body rows
        self._stack: list[dict] = []
        self._in_tbody = False
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "table":
            self._stack.append({"class": attrs.get("class", ""), "rows": 0})
        elif tag == "tbody":
            self._in_tbody = True
        elif tag == "tr" and self._in_tbody and self._stack:
            self._stack[-1]["rows"] += 1

    def handle_endtag(self, tag):
        if tag == "table" and self._stack:
            self.tables.append(self._stack.pop())
        elif tag == "tbody":
            self._in_tbody = False

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag):
        return [attrs for t, attrs in self.tags if t == tag]

    def tables_of(self, css_class):
        return [t for t in self.tables if t["class"] == css_class]


def _make_report(tmp_path_factory, name, *extra):
    path = tmp_path_factory.mktemp("report") / f"{name}.html"
    code = main(["report", "--dataset", name, *TINY, "--output", str(path), *extra])
    assert code == 0
    return path, path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def binary_report(tmp_path_factory):
    # The built-in models only: the boosting libraries (when installed) add rows, not code paths.
    return _make_report(tmp_path_factory, "breast_cancer", "--rows", "2", "--models", "network,linear,forest,histgb")


def _expected_images(n_rows: int, n_beeswarms: int) -> int:
    # comparison, training curves, network, SHAP bar, beeswarm(s), one per explained row
    return 4 + n_beeswarms + n_rows


def _assert_self_contained(text: str, page: _Page) -> None:
    assert not page.find("script"), "the report must not need JavaScript"
    for attrs in page.find("link"):
        assert attrs.get("href", "").startswith("data:"), attrs
    for tag, attrs in page.tags:
        for key in ("src", "href", "srcset", "poster", "action", "data"):
            value = attrs.get(key)
            if value is not None:
                assert value.startswith(("data:", "#")), f"<{tag} {key}={value[:60]!r}> leaves the file"
    without_images = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
    assert not re.search(r"(https?|ftp|file)://|//[a-z0-9-]+\.[a-z]", without_images, re.I)
    assert "@import" not in text and "url(" not in text and "@font-face" not in text


def test_binary_report_structure(binary_report):
    path, text = binary_report
    assert text.startswith("<!DOCTYPE html>")
    page = _Page(text)
    _assert_self_contained(text, page)

    images = page.find("img")
    assert len(images) == _expected_images(n_rows=2, n_beeswarms=1)
    for attrs in images:
        assert attrs["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(attrs["src"].split(",", 1)[1]).startswith(PNG_MAGIC)
        assert attrs.get("alt")

    ids = {attrs.get("id") for tag, attrs in page.tags if tag == "section"}
    assert ids == {"data", "comparison", "training", "network", "importance", "rows"}
    comparison = page.tables_of("comparison")
    assert len(comparison) == 1 and comparison[0]["rows"] == 4  # the four models asked for
    assert page.tables_of("importance")[0]["rows"] == 10
    contributions = page.tables_of("contributions")
    assert len(contributions) == 2 and all(t["rows"] == 11 for t in contributions)  # top 10 + "20 other"
    body = " ".join(page.text)
    for model in ("KerasClassifier", "LogisticRegression", "RandomForest", "HistGradientBoosting"):
        assert model in body
    # Each model against the network, in the table and in words; the boosting libraries found or not.
    assert "Each model against KerasClassifier on accuracy, same 2 folds" in body
    assert len(re.findall(r"(?:LogisticRegression|RandomForest|HistGradientBoosting): "
                          r"(?:better|worse|no significant difference) \(accuracy [+-]", body)) == 3
    assert "Boosting libraries: " in body
    # two explained rows, the first of each predicted class, each with its heading (classes by name,
    # the predicted one's probability) and its own decision plot
    rows = re.findall(r"Row (\d+): predicted (\w+) \(p=([0-9.]+)\), true (\w+)", body)
    labels = set(load_dataset("breast_cancer").class_names)
    assert len(rows) == 2 and {predicted for _, predicted, _, _ in rows} == labels
    for index, predicted, p, true in rows:
        assert true in labels and 0.5 <= float(p) <= 1.0
        assert f"Decision plot of row {index}." in body
    assert "Command: " in body and "skdeep report --dataset breast_cancer" in body


@pytest.mark.slow  # 47 s: two more full reports
def test_regression_and_multiclass_reports(tmp_path_factory):
    _, text = _make_report(tmp_path_factory, "diabetes", "--rows", "1", "--models", "linear")
    page = _Page(text)
    _assert_self_contained(text, page)
    assert len(page.find("img")) == _expected_images(n_rows=1, n_beeswarms=1)
    assert page.tables_of("comparison")[0]["rows"] == 2  # the network is always added
    assert "Waterfall of row" in " ".join(page.text)

    _, text = _make_report(tmp_path_factory, "iris", "--rows", "3", "--models", "network", "--top", "3",
                           "--epochs", "150")  # enough for the network to predict all three classes, on every backend
    page = _Page(text)
    assert len(page.find("img")) == _expected_images(n_rows=3, n_beeswarms=3)  # one beeswarm per class
    assert page.tables_of("importance")[0]["rows"] == 3
    body = " ".join(page.text)
    for name in ("setosa", "versicolor", "virginica"):
        assert f"predicted {name}" in body  # one row per predicted class


def test_html_pieces_escape_text():
    import pandas as pd

    frame = pd.DataFrame({"rank": pd.array([1, 2], dtype="Int64"), "accuracy_mean": [0.9, 0.8],
                          "accuracy_std": [0.01, 0.02], "neg_log_loss_mean": [-0.3, float("nan")],
                          "neg_log_loss_std": [0.1, 0.0], "fit_time_mean": [1.0, 2.0]},
                         index=["<b>net</b>", "lin & co"])
    frame.attrs["metrics"] = ["accuracy", "neg_log_loss"]
    html = comparison_table(frame)
    assert "&lt;b&gt;net&lt;/b&gt;" in html and "lin &amp; co" in html and "<b>" not in html
    assert "0.3000 ± 0.1000" in html and "failed" in html and 'class="best"' in html
    assert "log loss ↓" in html
    html = importance_table(pd.Series([2.0, 1.0], index=["x<y", "z"]), top_k=5)
    assert "x&lt;y" in html and "width:140px" in html and "width:70px" in html
    html = contributions_table(pd.DataFrame({"feature": ["a"], "value": ["<1>"], "shap": [-0.5]}))
    assert "&lt;1&gt;" in html and 'class="num neg"' in html


def test_report_settings_default_to_the_estimators_recipe():
    """The README demo runs the estimator's own defaults on 5 folds; options override only themselves."""
    from sklearn.pipeline import Pipeline

    from skdeep import KerasClassifier

    dataset = load_dataset("breast_cancer")
    assert dataset.X.shape == (569, 30)

    def network(settings):
        net = build_models(dataset, settings, names=("network",))["KerasClassifier"]
        return net[-1] if isinstance(net, Pipeline) else net

    defaults = KerasClassifier().get_params()
    built = network(Settings()).get_params()
    differing = {k for k in defaults if built[k] != defaults[k]}
    assert differing <= {"random_state", "verbose"}, {k: built[k] for k in differing}
    assert "default recipe" in Settings().network_text()
    overridden = network(Settings(epochs=30, hidden_layer_sizes=(8,))).get_params()
    assert overridden["epochs"] == 30 and overridden["hidden_layer_sizes"] == (8,)
    assert overridden["batch_size"] == defaults["batch_size"]
    assert Settings(epochs=30).network_text() == "30 epochs (otherwise skdeep's default recipe)"
    assert Settings().cv == 5  # the README's "5-fold CV"


# -- names from the data, drawn as text ------------------------------------------
DOLLARS = "usd_$_per_$_kg"  # two $: matplotlib would read "_per_" as math text, and fail


@pytest.fixture(scope="module")
def dollar_csv(tmp_path_factory):
    """A column name, text values and class labels with two ``$`` each."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 40
    frame = pd.DataFrame({DOLLARS: rng.normal(size=n), "b": rng.normal(size=n),
                          "pack": rng.choice(["box_$_of_$_6", "box_$_of_$_12"], n)})
    frame["y"] = 2 * frame[DOLLARS] - frame["b"]
    frame["label"] = np.where(frame["b"] > 0, "up_$_by_$_1", "down_$_by_$_1")
    path = tmp_path_factory.mktemp("dollars") / "dollars.csv"
    frame.to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize("target, figure", [("y", "Waterfall"), ("label", "Decision plot")])
def test_dollar_signs_in_names_and_values_are_drawn_as_text(dollar_csv, tmp_path, capsys, target, figure):
    path = tmp_path / "report.html"
    code = main(["report", "--dataset", dollar_csv, "--target", target, "--models", "linear",
                 "--epochs", "2", "--cv", "2", "--hidden-layer-sizes", "4", "--rows", "1", "--global-rows", "5",
                 "--background", "5", "--top", "4", "--output", str(path), "-q"])
    err = capsys.readouterr().err
    assert code == 0, err
    text = path.read_text(encoding="utf-8")
    body = " ".join(_Page(text).text)
    assert DOLLARS in body and f"{figure} of row" in body
    assert "\\$" not in text  # matplotlib's escape stays in the figures
    assert len(_Page(text).find("img")) == _expected_images(n_rows=1, n_beeswarms=1)


def test_plots_draw_model_and_metric_names_with_dollar_signs_as_text():
    import io

    import matplotlib.pyplot as plt
    import pandas as pd

    from skdeep.plot import plot_comparison, plot_history

    results = pd.DataFrame({"accuracy_mean": [0.9, 0.8], "accuracy_std": [0.01, 0.02]}, index=[DOLLARS, "b"])
    for fig in (plot_comparison(results), plot_history({DOLLARS: [1.0, 0.5], f"val_{DOLLARS}": [1.1, 0.7]})):
        try:
            fig.savefig(io.BytesIO(), format="png")
        finally:
            plt.close(fig)


def test_generate_report_leaves_the_callers_figures_open():
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    from skdeep.report import Dataset, generate_report

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40)})
    data = Dataset("tiny", X, (X["a"] - X["b"]).to_numpy(), "regression", "y")
    settings = Settings(cv=2, epochs=2, hidden_layer_sizes=(4,), models=("linear",), rows=1, global_rows=5,
                        background=5, top_k=2)
    mine = plt.figure()
    try:
        generate_report(data, settings, progress=False)
        assert plt.fignum_exists(mine.number)
        assert plt.get_fignums() == [mine.number]  # and none of its own left open
    finally:
        plt.close(mine)


# -- a real browser (tests/_browser.py) --------------------------------------
@pytest.mark.skipif(sys.platform == "win32", reason="the DevTools pipe needs POSIX file descriptors")
@pytest.mark.skipif(find_chromium() is None,
                    reason="Chromium is not installed (Debian: apt-get install -y chromium); CI installs it")
def test_report_in_headless_chromium(binary_report, tmp_path):
    binary = find_chromium()
    path, _ = binary_report
    url = path.resolve().as_uri()
    browser = DevTools(binary)
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            browser.call(f"{domain}.enable", session=session)
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False}, session=session)
        browser.call("Page.navigate", {"url": url}, session=session)
        browser.wait_for(lambda m: m.get("method") == "Page.loadEventFired" and m.get("sessionId") == session)
        browser.drain(0.5)  # late console messages, if any
        dom = json.loads(browser.call("Runtime.evaluate", {"expression": DOM_PROBE, "returnByValue": True},
                                      session=session)["result"]["value"])
        shot = browser.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                            session=session)["data"]
    finally:
        browser.close()

    # No console output, no uncaught exception, no log error (e.g. a failed load).
    complaints = [e for e in browser.events
                  if e.get("method") in ("Runtime.consoleAPICalled", "Runtime.exceptionThrown")
                  or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] in ("error", "warning"))]
    assert not complaints, json.dumps(complaints, indent=1)[:2000]
    # Nothing was fetched but the file itself and its data: images.
    requests = [e["params"]["request"]["url"] for e in browser.events
                if e.get("method") == "Network.requestWillBeSent"]
    assert url in requests
    assert all(r == url or r.startswith("data:") for r in requests), [r[:80] for r in requests]
    failed = [e for e in browser.events if e.get("method") == "Network.loadingFailed"]
    assert not failed, failed

    # The rendered page: title, tables and every image decoded with a real size.
    assert dom["title"] == "skdeep report: breast_cancer" == dom["h1"]
    assert dom["comparisonRows"] == 4 and dom["bestModel"]
    assert dom["tables"] >= 5  # data, comparison, importance, two rows
    assert dom["sections"] == ["Data", "Model comparison", "Training curves", "Network",
                               "Global feature importance", "Per-row explanations"]
    assert len(dom["images"]) == _expected_images(n_rows=2, n_beeswarms=1)
    for image in dom["images"]:
        assert image["ok"] and image["data"] and image["w"] > 200 and image["h"] > 100, image
    assert dom["bodyWidth"] <= dom["viewport"], "the page scrolls sideways at 1280 px"
    assert not [r for r in dom["resources"] if not r.startswith("data:")]

    png = base64.b64decode(shot)
    assert png.startswith(PNG_MAGIC) and len(png) > 50_000
    screenshot = os.environ.get("SKDEEP_REPORT_SCREENSHOT") or str(tmp_path / "report.png")
    with open(screenshot, "wb") as handle:
        handle.write(png)
