"""KerasClassifier: a Keras network behind scikit-learn's classifier API."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.class_weight import compute_sample_weight

from . import _engine, _retrieval, _state
from ._base import BaseKerasEstimator
from ._compat import Interval, StrOptions
from ._compile import DEFAULT_LOSS, wants_one_hot
from ._compile import loss_name as _loss_name
from ._params import (
    DEFAULT_DROPOUT, DEFAULT_EMBEDDING, DEFAULT_ENSEMBLE, DEFAULT_HIDDEN, DEFAULT_LABEL_SMOOTHING,
    DEFAULT_LINEAR_SKIP, DEFAULT_OPTIMIZER, DEFAULT_PATIENCE,
)
from ._targets import ClassifierTargetEncoder


class KerasClassifier(ClassifierMixin, BaseKerasEstimator):
    """A deep network classifier (Keras 3) with the scikit-learn API.

    Binary, multiclass and multilabel (indicator matrix) targets; labels of any
    type scikit-learn accepts come back from :meth:`predict` in their own type.
    With ``model=None`` the network is built from the parameters below; pass a
    build function or a ``keras.Model`` as ``model`` to use your own.

    Parameters
    ----------
    model : None, callable or keras.Model, default=None
        None builds the built-in network. A callable is a build function that
        returns a ``keras.Model``; it receives, by argument name, any of
        ``n_features_in``, ``n_outputs``, ``n_classes``, ``classes``, ``task``,
        ``output_activation``, ``categorical_features``, ``n_categories``, the
        network parameters below, and ``model__<name>`` parameters. A
        ``keras.Model`` is cloned (fresh weights) at every fit.
    hidden_layer_sizes : int, tuple of int or "auto", default="auto"
        Units of each hidden Dense layer; ``()`` with ``numeric_transform=None`` and
        ``numeric_embedding=None`` gives a perceptron. "auto": ``(256, 256)`` from
        500 training rows, ``(128, 128)`` below and for an ensemble's members
        (``hidden_layer_sizes_`` says which).
    activation : str or callable, default="relu"
        Activation of the hidden layers (any Keras activation).
    dropout : float or "auto", default=0.1
        Dropout rate after each hidden layer. "auto" is 0.1 here; for
        :class:`KerasRegressor` it depends on the rows (``dropout_`` says which).
    l2 : float, default=0.0
        L2 penalty on the kernels of all Dense layers.
    batch_normalization : bool, default=False
        Batch normalization between each hidden Dense layer and its activation.
    optimizer : str, keras.optimizers.Optimizer or class, default="adamw"
        The optimizer; ``optimizer__<arg>`` parameters go to its constructor.
        An optimizer object is copied from its config, never trained itself.
    learning_rate : float, "auto" or None, default="auto"
        Learning rate for an optimizer named by string or class (an optimizer object keeps
        its own); None keeps the optimizer's default; ``optimizer__learning_rate`` wins.
        "auto": 0.002 for an ensemble (see ``n_ensemble``), else 0.001
        (``learning_rate_`` says which).
    learning_rate_schedule : {"cosine"} or None, default="cosine"
        Cosine decay of the learning rate to 0 over each fit's epochs (set per
        epoch); it steps aside for a user's learning-rate callback or schedule.
    loss : str, keras.losses.Loss, callable or None, default=None
        None picks binary cross-entropy (binary, multilabel) or categorical
        cross-entropy (multiclass; sparse when ``label_smoothing=0``).
        ``"categorical_crossentropy"`` trains on one-hot targets.
        ``loss__<arg>`` parameters go to the loss's constructor.
    metrics : list or None, default=None
        Metrics recorded per epoch in ``history_``: Keras names or objects, plus
        the task-aware ``"accuracy"``, ``"f1"``, ``"precision"``, ``"recall"``, ``"auc"``.
    batch_size : int, "auto" or None, default="auto"
        Mini-batch size; "auto" is about n_samples / 40 as a power of two in
        [32, 256] (with early stopping n_samples / 20 in [64, 256], for an
        ensemble n_samples / 5 in [256, 1024]); None trains on the whole set as one batch.
    epochs : int or "auto", default="auto"
        Epochs per :meth:`fit` call; "auto" sizes the budget to about 4,000
        gradient steps with early stopping, else one a training row (300 at
        least; :class:`KerasRegressor`: two); between 5 and 400 epochs.
    validation_split : float or "auto", default="auto"
        Fraction of the training data held out (stratified) to report ``val_*``
        metrics and to monitor early stopping; ``0.0`` holds out none. "auto":
        10% when early stopping is on and there are at least 500 rows, else none.
    early_stopping : bool or "auto", default="auto"
        Stop when the monitored loss (``val_loss`` if validating, else ``loss``)
        has not improved for ``patience`` epochs, and restore the best weights.
        "auto": on from 500 rows when rows are held out (``validation_split``
        "auto" or above 0).
    patience : int or "auto", default=8
        Epochs without improvement before early stopping (:class:`KerasRegressor` too:
        on the selection data sets classification stopped at the same best epoch, or
        as good a one, after 8 at about two thirds of the fit time; benchmarks/RESULTS.md
        "Round seven", "Round twelve"). "auto": epochs of about 192
        gradient steps, between 8 and 16 (``budget_.patience`` says how many).
    finish_on_all_rows : float, default=0.0
        After early stopping has restored the best weights, train this fraction of
        the best epoch count more (at least 3 epochs) on every row, the held-out
        rows included, with the learning rate decaying from its initial value to
        zero; 0 turns it off. Off for classification (no gain measured), 0.25 for
        :class:`KerasRegressor`. ``history_`` has no ``val_*`` entries for these
        epochs; ``callbacks`` run in them too, except those that monitor a ``val_`` metric.
    callbacks : list of keras.callbacks.Callback or None, default=None
        Keras callbacks (e.g. ``ModelCheckpoint``, ``TensorBoard``), used as given.
    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplied into ``sample_weight``.
    label_smoothing : float, default=0.1
        Smoothing of the cross-entropy's targets (binary and multiclass); 0 turns
        it off, for probabilities that are not pulled away from 0 and 1.
    retrieval : "auto" or bool, default="auto"
        After training, let each row's nearest training rows in the network's last
        hidden layer vote on its class, blended into the network's probabilities:
        ``(1 - w) * p + w * vote``. The number of neighbours (5 to 50) and ``w`` (0.1
        to 1) are chosen on the training rows by ROC AUC, comparing the network's
        in-sample probabilities with left-out votes; where no blend beats the network
        there, none is used (``retrieval_.weight_`` is 0). A tree model memorises
        rows that recur (one patient's, one community's, repeated rows); the vote
        gives the network such a memory. "auto": on for the built-in network from 500
        to 10,000 training rows of dense input (binary and multiclass targets); True:
        at any size (the memory a sample of at most 10,000 rows; a ValueError before
        training with your own ``model``, no hidden layer or a multilabel target); False: off. The
        memory (the rows' hidden activations, e.g. 128 floats a row, and their classes)
        is kept, and saved with the estimator, only with a blend. Chosen by a rule
        frozen before its test (benchmarks/retrieval.py, benchmarks/RESULTS.md
        "Round sixteen").
    categorical_features : "from_dtype", None, list or boolean mask, default="from_dtype"
        Categorical columns: from a DataFrame's dtypes (``category``, ``object``,
        string), none, or given by names, indices or a mask. They are one-hot
        encoded or embedded by the network, with a slot for missing and unseen values.
    numeric_transform : {"robust", "standard"} or None, default="robust"
        Scaling of numeric columns inside the network: median / IQR with a smooth
        clip to +-3, mean / standard deviation, or none. Missing values are imputed.
    numeric_embedding : {"periodic", "periodic+scaled", "auto"} or None, default="auto"
        Periodic embeddings of numeric columns (PLR), the same with each column's
        scaled value passed on beside its embedding ("periodic+scaled", as RealMLP's
        PBLD), or none. "auto": "periodic+scaled" from 500 training rows (in
        :class:`KerasRegressor` "periodic"), none below (``numeric_embedding_`` says which).
    n_ensemble : int or "auto", default="auto"
        Members of a TabM-style parameter-efficient ensemble (shared hidden layers,
        per-member input adapters and output heads; predictions averaged). In
        training each row runs through one member (row ``j`` through member ``j mod
        k``), so a step costs about one member's compute; prediction runs all ``k``.
        "auto": 4 where early stopping runs on held-out rows (from 500 rows by
        default), else 1; always 1 with your own ``model`` (``n_ensemble_`` says
        which). An ensemble of the built-in network takes "auto" members of
        ``(128, 128)`` units, rate 0.002 and batches of about a fifth of the training
        rows (256 to 1,024): on the selection data sets of ``benchmarks/TABULAR.md``
        that scored +0.0034 ROC AUC over one ``(256, 256)`` network at 1.36x its
        median fit time. :class:`KerasRegressor`'s ensemble keeps its own sizes.
    linear_skip : bool, default=False
        Add a linear function of the scaled inputs (before any periodic embedding)
        to the output's pre-activation, beside the hidden layers ("wide and deep"):
        the linear part of the signal needs no hidden layer to pass through. It
        starts at zero, so training starts from the plain network; with no hidden
        layers it adds nothing. Off by default: on the selection data sets it
        changed the default network's scores by no more than their noise
        (benchmarks/RESULTS.md "Round six").
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation, dropout, shuffling and the validation split,
        without touching any global random state.
    verbose : int, default=0
        0 silent, 1 progress bar over epochs, 2 one line per epoch.
    warm_start : bool, default=False
        Continue training the fitted network (and optimizer state) on ``fit``.
    engine : {"auto", "compiled", "keras"}, default="auto"
        Training engine: "compiled" runs whole epochs as compiled code, "keras" is
        ``keras.Model.fit``; "auto" uses "compiled" unless the request needs ``fit``.
    distribution : "auto", int or None, default=None
        Data-parallel training on this machine's devices: each batch is split
        among them and the gradients are averaged, through Keras's own API
        (``keras.distribution.DataParallel`` on JAX, ``tf.distribute.MirroredStrategy``
        on TensorFlow) in ``keras.Model.fit``. "auto" uses every local GPU (or
        CPU device); an int, that many. With one device found, training is as
        with None. ``model_`` stays an ordinary single-device model.
    on_divergence : {"raise", "warn"}, default="raise"
        When the loss or a weight stops being finite after an epoch: raise a
        ValueError (the estimator keeps its previous state), or stop training with
        a ``ConvergenceWarning`` and keep the weights and optimizer state of the
        best finite epoch (lowest ``val_loss``, else ``loss``), or of where the
        call started when it continues a trained network (``warm_start``, the final
        phase of ``finish_on_all_rows``). A fresh network whose first epoch
        diverges raises either way.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the network's weights and computation; X is converted to it.
    **routed_params
        ``optimizer__*``, ``loss__*``, ``model__*``, ``fit__*`` (``keras.Model.fit``
        arguments, which select the Keras engine) and ``compile__*`` parameters.

    Attributes
    ----------
    model_ : keras.Model
        The trained, compiled network; outputs probabilities.
    history_ : dict of list
        Per-epoch ``loss``, metrics and ``val_*`` entries over all fits.
    n_iter_ : int
        Epochs trained.
    classes_ : ndarray
        Class labels (or label indices for multilabel targets).
    n_outputs_ : int
        Units of the output layer.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string column names.
    target_encoder_ : ClassifierTargetEncoder
    feature_encoder_ : FeatureEncoder
        Column roles, categories and the statistics of the numeric columns.
    budget_ : Budget
        The batch size, epochs, early stopping and validation split this fit used.
    hidden_layer_sizes_ : int or tuple of int
        ``hidden_layer_sizes`` with "auto" resolved: what the built-in network (or a build
        function asking for it) got; sized by the first fit's rows, for large data by ``partial_fit``.
    numeric_embedding_ : str or None
        ``numeric_embedding`` with "auto" resolved, likewise.
    dropout_ : float
        ``dropout`` with "auto" resolved, likewise.
    n_ensemble_ : int
        ``n_ensemble`` with "auto" resolved, likewise.
    learning_rate_ : float or None
        ``learning_rate`` with "auto" resolved, likewise.
    retrieval_ : Retrieval or None
        The neighbour vote (``n_neighbors_``, ``weight_``; ``weight_`` 0 where no
        blend won), or None where ``retrieval`` left it off.

    See Also
    --------
    KerasRegressor : the regression counterpart.
    sklearn.neural_network.MLPClassifier : scikit-learn's own network.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdeep import KerasClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = KerasClassifier(hidden_layer_sizes=(16,), epochs=5, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    _task_family = "classification"

    def __init__(
        self,
        model=None,
        *,
        hidden_layer_sizes=DEFAULT_HIDDEN,
        activation="relu",
        dropout=DEFAULT_DROPOUT,
        l2=0.0,
        batch_normalization=False,
        optimizer=DEFAULT_OPTIMIZER,
        learning_rate="auto",
        learning_rate_schedule="cosine",
        loss=None,
        metrics=None,
        batch_size="auto",
        epochs="auto",
        validation_split="auto",
        early_stopping="auto",
        patience=DEFAULT_PATIENCE,
        finish_on_all_rows=0.0,
        callbacks=None,
        class_weight=None,
        label_smoothing=DEFAULT_LABEL_SMOOTHING,
        retrieval="auto",
        categorical_features="from_dtype",
        numeric_transform="robust",
        numeric_embedding=DEFAULT_EMBEDDING,
        n_ensemble=DEFAULT_ENSEMBLE,
        linear_skip=DEFAULT_LINEAR_SKIP,
        random_state=None,
        verbose=0,
        warm_start=False,
        engine="auto",
        distribution=None,
        on_divergence="raise",
        dtype="float32",
        **routed_params,
    ):
        super().__init__(
            model, hidden_layer_sizes=hidden_layer_sizes, activation=activation, dropout=dropout,
            l2=l2, batch_normalization=batch_normalization, optimizer=optimizer,
            learning_rate=learning_rate, learning_rate_schedule=learning_rate_schedule, loss=loss,
            metrics=metrics, batch_size=batch_size,
            epochs=epochs, validation_split=validation_split, early_stopping=early_stopping,
            patience=patience, finish_on_all_rows=finish_on_all_rows, callbacks=callbacks,
            categorical_features=categorical_features,
            numeric_transform=numeric_transform, numeric_embedding=numeric_embedding, n_ensemble=n_ensemble,
            linear_skip=linear_skip, random_state=random_state, verbose=verbose,
            warm_start=warm_start, engine=engine, distribution=distribution, on_divergence=on_divergence,
            dtype=dtype, **routed_params,
        )
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing
        self.retrieval = retrieval

    _parameter_constraints = {
        **BaseKerasEstimator._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "retrieval": [StrOptions({"auto"}), "boolean"],
    }

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train one epoch, keeping the weights and optimizer state of earlier calls.

        Parameters
        ----------
        X, y, sample_weight : as in :meth:`fit`
        classes : array-like, optional
            All labels that will ever appear; needed on the first call when it
            does not see every class.
        """
        return self._fit(X, y, sample_weight, reset=not hasattr(self, "model_"), epochs=1, classes=classes,
                         stream=True)

    def _make_target_encoder(self):
        if self.loss is None:
            # Keras's sparse cross-entropy has no label smoothing: smooth one-hot targets instead.
            return ClassifierTargetEncoder(one_hot="multiclass" if self.label_smoothing else False, dtype=self.dtype)
        return ClassifierTargetEncoder(one_hot=wants_one_hot(self.loss), dtype=self.dtype)

    def _encoder_fit_kwargs(self, classes, sample_weight) -> dict:
        return {"classes": classes}

    def _default_loss_params(self, enc, loss) -> dict:
        # Smoothing applies to the (non-sparse) cross-entropies skdeep picks or the user names;
        # Keras's sparse categorical cross-entropy has no such argument.
        name = DEFAULT_LOSS[enc.task_] if loss is None else loss
        if (self.label_smoothing and enc.task_ in ("binary", "multiclass") and isinstance(name, str)
                and "crossentropy" in name.lower() and "sparse" not in name.lower()):
            return {"label_smoothing": self.label_smoothing}
        return {}

    def _adapt_encoder(self, network, enc, loss) -> None:
        # The target follows the user's head and loss: a binary target on a two-unit
        # softmax is one-hot (categorical loss) or class indices (a sparse loss).
        outputs = getattr(network, "outputs", None)
        name = _loss_name(loss) if loss is not None and not isinstance(loss, (list, tuple, dict)) else ""
        if enc.task_ == "multiclass" and wants_one_hot(name):
            enc.one_hot_ = True
        if enc.task_ == "binary" and outputs and outputs[0].shape[-1] == 2:
            enc.n_outputs_, enc.one_hot_ = 2, "sparse" not in name

    def _class_sample_weight(self, y) -> np.ndarray:
        if self.class_weight is None:
            return super()._class_sample_weight(y)
        if isinstance(self.class_weight, dict):
            negative = {k: v for k, v in self.class_weight.items() if v < 0}
            if negative:  # refused as sample_weight refuses negative values
                raise ValueError(f"Negative values in class_weight: {negative}. Class weights must be >= 0.")
        return compute_sample_weight(self.class_weight, y)

    @property
    def n_outputs_(self) -> int:
        return self.target_encoder_.n_outputs_

    @property
    def classes_(self) -> np.ndarray:
        return self.target_encoder_.classes_

    def initialize(self, X, y):
        """Build and compile the network for ``(X, y)`` without training it.

        ``model_``, ``classes_`` and the other fitted attributes exist afterwards,
        and :meth:`partial_fit` or a ``warm_start`` fit continue from there.
        """
        return self._fit(X, y, None, reset=True, epochs=0)

    def _build(self, features, enc, seed: int, shape: dict, held_out: bool):
        network = super()._build(features, enc, seed, shape, held_out)
        if isinstance(self.retrieval, str) or not self.retrieval:  # "auto" or off: nothing asked for by name
            return network
        # Asked for by name: refuse, before training, what would quietly leave it off.
        if self.model is not None or _retrieval.representation_layer(network) is None:
            need = "the built-in network with a hidden layer (model=None, hidden_layer_sizes not ())"
        elif enc.task_ == "multilabel":
            need = "a binary or multiclass target, not a multilabel one"
        else:
            return network
        raise ValueError(f"retrieval=True needs {need}; use retrieval='auto' or False.")

    def _after_training(self, Xe, y, sw, *, full_fit: bool) -> None:
        # A fresh neighbour vote for every whole fit (the network changed); none after
        # initialize() or partial_fit, whose rows are one chunk of the data.
        self.retrieval_ = None
        if not (full_fit and self._retrieval_wanted(len(sw))):
            return
        enc = self.target_encoder_
        proba = enc.proba(_engine.predict(self.model_, Xe))
        hidden = _engine.predict(_retrieval.representation_model(self.model_), Xe)
        self.retrieval_ = _retrieval.Retrieval().fit(hidden, enc.indices(y), sw, proba, random_state=self._seed_)

    def _retrieval_wanted(self, n_rows: int) -> bool:
        if (not self.retrieval or self.model is not None or self.target_encoder_.task_ == "multilabel"
                or _retrieval.representation_layer(self.model_) is None):
            return False  # (True in those cases was refused before training, in _build)
        if isinstance(self.retrieval, str):  # "auto": dense rows of the sizes where the rule was measured
            return _retrieval.MIN_ROWS <= n_rows <= _retrieval.MAX_ROWS and not self.feature_encoder_.sparse_
        return True

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes) (per label for multilabel)."""
        return self._proba(self._encoded(X))  # checks fitted first

    @_state.keras_names_kept()  # a first predict traces a forward function
    @_state.tensorflow_left_unloaded()
    def _proba(self, Xe) -> np.ndarray:
        """Probabilities of encoded rows: the network's, with the neighbour vote blended in where it is."""
        proba = self.target_encoder_.proba(_engine.predict(self.model_, Xe))
        if _retrieval.blends(self):
            proba = self.retrieval_.blend(_engine.predict(_retrieval.representation_model(self.model_), Xe), proba)
        return proba

    def predict(self, X) -> np.ndarray:
        """Predicted labels, in the type of the labels seen at fit."""
        proba = self.predict_proba(X)  # checks fitted first
        return self.target_encoder_.inverse_transform(proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
