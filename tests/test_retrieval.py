"""The classifier's neighbour vote (``retrieval``): when it blends, what it keeps, where it stays off."""

import os
import tempfile

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

import skdeep
from skdeep import KerasClassifier
from skdeep._retrieval import Retrieval


def entities(n_entities=80, rows_each=10, seed=0):
    """Rows of recurring entities (a patient, a shop): each has its own features and its own
    label rate, unrelated to the features; a test row's entity is in the training rows."""
    rng = np.random.default_rng(seed)
    profile = rng.normal(size=(n_entities, 3))
    rate = rng.choice([0.1, 0.9], n_entities)
    entity = np.repeat(np.arange(n_entities), rows_each)
    X = np.hstack([profile[entity], rng.normal(size=(len(entity), 1))]).astype("float32")
    y = (rng.random(len(entity)) < rate[entity]).astype(int)
    return X, y


@pytest.fixture(scope="module")
def recurring():
    X, y = entities()
    test = np.arange(len(y)) % 5 == 0  # a fifth of each entity's rows held out
    blended = KerasClassifier(random_state=0).fit(X[~test], y[~test])
    alone = KerasClassifier(random_state=0, retrieval=False).fit(X[~test], y[~test])
    return X, y, test, blended, alone


def test_vote_blends_where_rows_recur(recurring):
    X, y, test, blended, alone = recurring
    r = blended.retrieval_
    assert r.weight_ > 0 and r.n_neighbors_ in (5, 10, 20, 50)
    assert r.memory_.shape == (int((~test).sum()), 128)  # the members' last hidden layer, averaged
    assert alone.retrieval_ is None
    with_vote = roc_auc_score(y[test], blended.predict_proba(X[test])[:, 1])
    without = roc_auc_score(y[test], alone.predict_proba(X[test])[:, 1])
    assert with_vote > without + 0.02
    # the same network underneath: the vote changes only the blend
    np.testing.assert_allclose(blended.model_.predict(X[:5], verbose=0), alone.model_.predict(X[:5], verbose=0),
                               rtol=1e-5, atol=1e-6)
    proba = blended.predict_proba(X[test])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert (blended.predict(X[test]) == blended.classes_[proba.argmax(axis=1)]).all()


def test_no_blend_where_the_network_is_right():
    # a network whose training probabilities rank every row right leaves nothing to gain
    rng = np.random.default_rng(0)
    h = rng.normal(size=(600, 8)).astype("float32")
    y = (h[:, 0] > 0).astype(int)
    r = Retrieval().fit(h, y, np.ones(600), np.eye(2)[y] * 0.8 + 0.1)
    assert r.weight_ == 0 and r.n_neighbors_ == 0 and r.memory_ is None
    proba = np.full((3, 2), 0.5)
    assert r.blend(h[:3], proba) is proba


def test_rows_of_weight_zero_are_not_remembered():
    rng = np.random.default_rng(1)
    h = rng.normal(size=(700, 4)).astype("float32")
    y = (h[:, 0] > 0).astype(int)
    sw = np.ones(700)
    sw[:100] = 0
    r = Retrieval().fit(h, y, sw, np.full((700, 2), 0.5))
    assert r.weight_ > 0 and len(r.memory_) == 600
    np.testing.assert_array_equal(r.memory_, h[100:])


def test_memory_is_bounded(monkeypatch):
    from skdeep import _retrieval

    monkeypatch.setattr(_retrieval, "MAX_ROWS", 300)
    rng = np.random.default_rng(2)
    h = rng.normal(size=(800, 4)).astype("float32")
    y = (h[:, 0] > 0).astype(int)
    r = Retrieval().fit(h, y, np.ones(800), np.full((800, 2), 0.5), random_state=0)
    assert len(r.memory_) == 300


def test_multiclass_vote():
    rng = np.random.default_rng(3)
    h = rng.normal(size=(600, 4)).astype("float32")
    y = np.digitize(h[:, 0], [-0.5, 0.5])  # three classes
    r = Retrieval().fit(h, y, np.ones(600), np.full((600, 3), 1 / 3))  # one-vs-rest ROC AUC
    assert r.weight_ > 0 and r.labels_.shape == (600, 3)
    np.testing.assert_allclose(r.blend(h[:5], np.full((5, 3), 1 / 3)).sum(axis=1), 1.0, rtol=1e-6)
    X, y = entities(seed=3)
    y = np.where(X[:, 1] > 0.8, 2, y)
    proba = KerasClassifier(random_state=0, retrieval=True, epochs=5).fit(X, y).predict_proba(X)
    assert proba.shape == (len(y), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("case", ["small", "off", "own_model", "multilabel", "partial_fit", "initialize"])
def test_where_the_vote_stays_off(case):
    import keras

    X, y = entities()
    kwargs = {"random_state": 0, "epochs": 3}
    if case == "small":  # "auto" from 500 training rows, where the rule was measured
        X, y = X[:400], y[:400]
    elif case == "off":
        kwargs["retrieval"] = False
    elif case == "own_model":  # named like the built-in network's layers, still not taken for one
        kwargs["model"] = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, name="hidden_1"),
                                            keras.layers.Dense(1, activation="sigmoid")])
    elif case == "multilabel":
        y = np.stack([y, 1 - y], axis=1)
    clf = KerasClassifier(**kwargs)
    if case == "partial_fit":
        clf.partial_fit(X, y)
    elif case == "initialize":
        clf.initialize(X, y)
    else:
        clf.fit(X, y)
    assert clf.retrieval_ is None


@pytest.mark.parametrize("case", ["own_model", "no_hidden_layer", "multilabel"])
def test_asked_for_where_it_cannot_be_refuses_before_training(case):
    import keras

    X, y = entities()
    kwargs = {"random_state": 0, "epochs": 3, "retrieval": True}
    if case == "own_model":
        kwargs["model"] = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, name="hidden_1"),
                                            keras.layers.Dense(1, activation="sigmoid")])
    elif case == "no_hidden_layer":
        kwargs["hidden_layer_sizes"] = ()
    else:
        y = np.stack([y, 1 - y], axis=1)
    clf = KerasClassifier(**kwargs)
    with pytest.raises(ValueError, match="retrieval=True needs"):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")  # nothing trained, nothing kept
    clf.set_params(retrieval="auto").fit(X, y)  # the same data and network without it: fine


def test_the_representation_is_built_once_and_goes_with_the_network(recurring):
    import gc
    import weakref

    from skdeep._retrieval import representation_model

    X, y, test, blended, _ = recurring
    assert representation_model(blended.model_) is representation_model(blended.model_)
    blended.predict_proba(X[test])
    est = KerasClassifier(random_state=0).fit(X[~test], y[~test])
    est.predict_proba(X[test])
    network = weakref.ref(est.model_)
    del est
    gc.collect()
    assert network() is None  # the cache holds no network alive


def test_a_refit_replaces_the_vote(recurring):
    X, y, test, blended, _ = recurring
    from sklearn.base import clone

    est = clone(blended).set_params(warm_start=True).fit(X[~test], y[~test])
    first = est.retrieval_
    est.fit(X[~test][:600], y[~test][:600])  # a warm-start fit: chosen again, on this call's rows
    assert est.retrieval_ is not first and est.retrieval_.weight_ > 0 and len(est.retrieval_.memory_) == 600
    est.partial_fit(X[~test], y[~test])  # the network changed: a stale memory would mislead
    assert first is not None and est.retrieval_ is None


def test_saved_and_loaded_with_its_vote(recurring):
    X, y, test, blended, _ = recurring
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "model.skdeep")
        skdeep.save(blended, path)
        loaded = skdeep.load(path)  # Retrieval is skdeep's own type: trusted without being named
    assert loaded.retrieval_.weight_ == blended.retrieval_.weight_
    np.testing.assert_allclose(loaded.predict_proba(X[test]), blended.predict_proba(X[test]), rtol=1e-6)


def test_explained_as_predict_proba_gives_it(recurring):
    from skdeep.explain import Explainer

    X, y, test, blended, _ = recurring
    explainer = Explainer(blended, X[~test][:50])  # checks its output against predict_proba
    assert explainer.method_ not in ("deep", "gradient")
    explanation = explainer.explain(X[test][:3])
    # SHAP's additivity: base value plus the row's values is the blended probability
    np.testing.assert_allclose(explanation.base_values + explanation.values.sum(axis=1),
                               blended.predict_proba(X[test][:3]), atol=1e-4)
    with pytest.raises(ValueError, match="neighbour vote"):
        Explainer(blended, X[~test][:50], method="deep")
    with pytest.raises(ValueError, match="retrieval=False"):
        Explainer(blended, X[~test][:50], output="raw")


def test_its_roc_auc_is_scikit_learns():
    from skdeep._retrieval import _score

    rng = np.random.default_rng(4)
    y2, y3 = rng.integers(0, 2, 300), rng.integers(0, 3, 300)
    p2 = np.round(rng.random(300), 2)  # ties, counted half
    p2 = np.stack([1 - p2, p2], axis=1)
    p3 = rng.dirichlet(np.ones(3), 300)
    ones, weights = np.ones(300), rng.random(300)
    assert _score(y2, p2, ones) == pytest.approx(roc_auc_score(y2, p2[:, 1]), abs=1e-12)
    assert _score(y3, p3, ones) == pytest.approx(roc_auc_score(y3, p3, multi_class="ovr"), abs=1e-12)
    assert _score(y2, p2, weights) == pytest.approx(roc_auc_score(y2, p2[:, 1], sample_weight=weights))
    assert _score(y3, p3, weights) == pytest.approx(roc_auc_score(y3, p3, multi_class="ovr", sample_weight=weights))
    # a class without rows (all of weight 0) is left out, not an error
    assert _score(np.where(y3 == 2, 0, y3), p3, ones) == pytest.approx(
        np.mean([roc_auc_score(y3 != 1, p3[:, 0]), roc_auc_score(y3 == 1, p3[:, 1])]))
