"""A nearest-neighbour vote in the network's own representation, blended into its probabilities.

A tree model memorises a cell of the feature space: rows of one patient, one
community, or rows repeated label and all, land in one leaf, and a new row of
that entity gets their label. The network's smooth function does not (issue 21:
four of five fresh classification losses to CatBoost). After training, the
classifier keeps its training rows' last hidden layer; a row's ``k`` nearest
training rows there vote on its class, and the vote is blended into the
network's probabilities with weight ``w``. ``k`` and ``w`` are chosen on the
training rows by ROC AUC, the network's in-sample probabilities against
left-out votes: a comparison biased towards the network, so a blend is kept only
where the neighbours add much, and ``w = 0`` (no memory kept) otherwise.
benchmarks/retrieval.py and benchmarks/RESULTS.md ("Round sixteen") hold the
evidence.
"""

from __future__ import annotations

import re
import weakref

import keras
import numpy as np

NEIGHBOURS = (5, 10, 20, 50)
WEIGHTS = (0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
# retrieval="auto" blends from MIN_ROWS training rows (where the rule was measured) up to MAX_ROWS,
# which also bounds the memory kept with retrieval=True (a seeded sample of the rows): the search for
# every row's neighbours grows with the square of the rows (about 0.1 s at 3,000 rows, 1 s at 10,000).
MIN_ROWS = 500
MAX_ROWS = 10_000
_HIDDEN = re.compile(r"(hidden|activation)_[0-9]+")
# network -> its representation model, built once: every blended predict reads it, and the engine
# gives a model that keeps predicting a compiled forward function of its own (weak: goes with the network)
_representations: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def representation_layer(model: keras.Model):
    """The built-in network's last hidden layer (after its activation), or None without one."""
    hidden = [layer for layer in model.layers if _HIDDEN.fullmatch(layer.name)]
    return hidden[-1] if hidden else None


def representation_model(model: keras.Model) -> keras.Model:
    """A model sharing ``model``'s weights that outputs its last hidden layer (one per network)."""
    representation = _representations.get(model)
    if representation is None:
        # Named, so building it draws on none of Keras's automatic names.
        representation = keras.Model(model.input, representation_layer(model).output, name="skdeep_representation")
        _representations[model] = representation
    return representation


def blends(estimator) -> bool:
    """Whether a fitted classifier blends a neighbour vote into its probabilities (``retrieval_``)."""
    retrieval = getattr(estimator, "retrieval_", None)  # absent from estimators saved before it existed
    return retrieval is not None and bool(retrieval.weight_)


def _rows(representation) -> np.ndarray:
    """One vector per row: an ensemble's members (axis 1) averaged."""
    h = np.asarray(representation, dtype=np.float32)
    return h.mean(axis=1) if h.ndim == 3 else h


def _votes(neighbours: np.ndarray, labels: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """Each row's weighted class shares among its first ``k`` neighbours."""
    idx = neighbours[:, :k]
    w = weights[idx][..., None]
    return (labels[idx] * w).sum(axis=1) / w.sum(axis=1)


def _score(y: np.ndarray, proba: np.ndarray, sample_weight: np.ndarray) -> float:
    """ROC AUC, one-vs-rest and averaged over the classes for more than two (scikit-learn's "ovr" macro).

    Classes absent from ``y`` (all their rows of weight 0) are left out rather than failing.
    """
    columns = [1] if proba.shape[1] == 2 else [c for c in range(proba.shape[1]) if 0 < np.sum(y == c) < len(y)]
    if np.all(sample_weight == sample_weight[0]):  # the common case, by ranks: 25 scores a fit
        return float(np.mean([_ranked_auc(y == c, proba[:, c]) for c in columns]))
    from sklearn.metrics import roc_auc_score

    return float(np.mean([roc_auc_score(y == c, proba[:, c], sample_weight=sample_weight) for c in columns]))


def _ranked_auc(positive: np.ndarray, score: np.ndarray) -> float:
    """The Mann-Whitney statistic: ROC AUC with ties counted half, from average ranks."""
    from scipy.stats import rankdata

    n1 = int(positive.sum())
    n0 = len(positive) - n1
    return (rankdata(score)[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


class Retrieval:
    """The classifier's neighbour vote: its memory, ``k`` and weight, chosen by :meth:`fit`.

    Attributes
    ----------
    n_neighbors_ : int
        Training rows that vote (0: no blend).
    weight_ : float
        The vote's weight in the blend ``(1 - weight_) * p + weight_ * vote`` (0: no blend).
    memory_ : ndarray of shape (n_rows, n_units) or None
        The training rows' representations (None without a blend).
    labels_ : ndarray of shape (n_rows, n_classes) or None
        Their one-hot classes.
    weights_ : ndarray of shape (n_rows,) or None
        Their sample weights.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> h = rng.normal(size=(600, 4)).astype("float32")
    >>> y = (h[:, 0] > 0).astype(int)
    >>> flat = np.full((600, 2), 0.5)  # a network that learned nothing
    >>> r = Retrieval().fit(h, y, np.ones(600), flat)
    >>> r.weight_ > 0
    True
    """

    def fit(self, representation, y, sample_weight, proba, random_state=0) -> "Retrieval":
        """Choose ``k`` and the weight on the training rows; keep the memory if a blend wins.

        ``y`` holds class indices (columns of ``proba``), ``proba`` the network's
        probabilities for these rows; ``random_state`` draws the rows kept beyond ``MAX_ROWS``.
        """
        from sklearn.neighbors import NearestNeighbors

        keep = np.flatnonzero(sample_weight > 0)  # rows of weight 0 are not part of the data
        if len(keep) > MAX_ROWS:
            keep = np.sort(np.random.default_rng(random_state).choice(keep, MAX_ROWS, replace=False))
        h, y, sw, proba = _rows(representation)[keep], y[keep], sample_weight[keep], proba[keep]
        labels = np.eye(proba.shape[1], dtype=np.float32)[y]
        self.n_neighbors_, self.weight_ = 0, 0.0
        self.memory_ = self.labels_ = self.weights_ = None
        ks = [k for k in NEIGHBOURS if k < len(h)]
        if not ks or len(np.unique(y)) < 2:
            return self
        n = max(ks) + 1
        idx = NearestNeighbors(n_neighbors=n, algorithm="brute").fit(h).kneighbors(h)[1]
        # Leave each row out of its own vote (among exact twins it may not come first).
        own = idx == np.arange(len(h))[:, None]
        drop = np.where(own.any(axis=1), own.argmax(axis=1), n - 1)
        idx = idx[np.arange(n)[None, :] != drop[:, None]].reshape(len(h), n - 1)
        best = _score(y, proba, sw)
        for k in ks:
            vote = _votes(idx, labels, sw, k)
            for w in WEIGHTS:
                score = _score(y, (1 - w) * proba + w * vote, sw)
                if score > best:
                    best, self.n_neighbors_, self.weight_ = score, k, w
        if self.weight_:
            self.memory_, self.labels_, self.weights_ = h, labels, sw.astype(np.float32)
        return self

    def blend(self, representation, proba: np.ndarray) -> np.ndarray:
        """``proba`` blended with the vote of the ``k`` nearest training rows (unchanged without a blend)."""
        if not self.weight_:
            return proba
        from sklearn.neighbors import NearestNeighbors

        # brute force: no index to build at every predict (scikit-learn's choice for wide layers too)
        nn = NearestNeighbors(n_neighbors=self.n_neighbors_, algorithm="brute").fit(self.memory_)
        idx = nn.kneighbors(_rows(representation), return_distance=False)
        vote = _votes(idx, self.labels_, self.weights_, self.n_neighbors_)
        return ((1 - self.weight_) * proba + self.weight_ * vote).astype(proba.dtype, copy=False)
