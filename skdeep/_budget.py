"""The training budget: batch size, epochs, early stopping and the learning-rate schedule.

A fixed number of epochs over-trains large data and under-trains small data: 100
epochs at batch 32 are 2,600 gradient steps on 1,000 rows and 31,000 on 10,000.
The ``"auto"`` values below size the budget in *steps* instead, let early stopping
on a held-out split pick the epoch, and decay the learning rate over the budget.
Where early stopping is off (below ``EARLY_STOPPING_MIN_ROWS`` rows, too few to
hold out) the budget itself is the stopping rule, and it shrinks with the data:
``STEPS_PER_ROW`` steps a training row in classification (``STEPS_PER_ROW_REGRESSION``
in regression), at least ``MIN_STEPS`` (issue 18: 455 rows ran 4,000 steps, 40x
sklearn's MLP, for the same ROC AUC; 910 steps gave it too, and 455 do in
classification).
With early stopping the budget stays ``TARGET_STEPS``: the held-out loss ends the
fit, and cutting the budget there cost accuracy (attrition: -0.016 ROC AUC with
two steps a row). The measurements behind each number are in ``benchmarks/TABULAR.md``
and ``benchmarks/RESULTS.md`` (default cost).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
import numpy as np

from ._params import DEFAULT_DROPOUT, DEFAULT_LEARNING_RATE

# Gradient steps the "auto" epoch budget aims at: TARGET_STEPS with early stopping,
# else STEPS_PER_ROW per training row (STEPS_PER_ROW_REGRESSION in regression) between
# MIN_STEPS and TARGET_STEPS; and its bounds in epochs (a few epochs even when one epoch
# is thousands of steps). Classification takes one step a row, not two: on the selection half
# subsampled to 400 and 600 rows (320 and 480 training rows a fold; two draws, 5-fold, 12 cases
# each) two steps over-fit (higher ROC AUC with one in 9 of 12 cases at both sizes, +0.0150 and
# +0.0164, paired t 2.80 and 3.20) at about half the fit time; at 300 rows 8 of 12 (+0.0040).
# Fewer steps than MIN_STEPS lost (200 rows, 160 steps against 320: 3 of 12, -0.0217). Regression
# keeps two: one lost on the smooth targets (concrete, ames; 3 of 8 better at 400 rows).
# benchmarks/RESULTS.md "Round thirteen".
TARGET_STEPS, MIN_STEPS, STEPS_PER_ROW, STEPS_PER_ROW_REGRESSION = 4000, 300, 1, 2
MIN_EPOCHS, MAX_EPOCHS = 5, 400
# "auto" batch size: a power of two near n / 40 rows in [32, 256] where the step budget is the
# stopping rule, near n / 20 in [64, 256] where early stopping runs. Twice the batches n / 40
# gave there, chosen on the selection half (benchmarks/small_data.py, RESULTS.md "round three"):
# subsampled to 2,000 rows (540-1,440 training rows a fold, 20 cases) 64 ranked 1.70 against
# 2.35 for 32 (better in 13 of 20) at 0.69x the median fit time; at 2,100-3,600 training rows
# (10 cases) 128 ranked 1.70 against 2.60 for 64 (better in 9 of 10) at 0.80x. Early stopping
# ends the fit after about as many epochs, each of half the steps.
MIN_BATCH, MIN_BATCH_EARLY_STOPPING, MAX_BATCH = 32, 64, 256
ROWS_PER_BATCH, ROWS_PER_BATCH_EARLY_STOPPING = 40, 20
# early_stopping="auto" holds out a split (and stops early) from this many rows on:
# below it the validation set would be too small to choose an epoch reliably.
EARLY_STOPPING_MIN_ROWS = 500
AUTO_VALIDATION_SPLIT = 0.1
# patience="auto" (not a default): early stopping waits about PATIENCE_STEPS gradient steps for
# a better validation loss, between MIN_PATIENCE and MAX_PATIENCE epochs. Patience counted in
# epochs waits longer the larger the data: 16 epochs are 192 steps on concrete (1,030 rows, 12
# steps an epoch), where 8 stopped one network too early (RESULTS.md "Round seven"), but 464 on
# diamonds (10,000 rows, 29 steps an epoch), a third of its fit time. As the default of the
# single-network regressor (patience 16 then) it cut fit times to 0.6-0.9x from 3,000 rows but cost
# R² (RESULTS.md "Round nine"). Both estimators now default to 8 epochs (the regressor since its
# ensemble, "Round twelve"); "auto" is a choice.
PATIENCE_STEPS, MIN_PATIENCE, MAX_PATIENCE = 192, 8, 16
# hidden_layer_sizes="auto" and numeric_embedding="auto": below SMALL_DATA_ROWS rows a
# narrower network without periodic embeddings, else the full recipe. Chosen on the
# selection half of benchmarks/tabular.py subsampled to 400 rows (two draws each,
# 20 cases): the full recipe ranked last of four variants (average rank 3.20; the
# small one 2.15, better in 15 of 20) at 0.41x its median fit time.
SMALL_DATA_ROWS = EARLY_STOPPING_MIN_ROWS
SMALL_HIDDEN, HIDDEN = (128, 128), (256, 256)
# numeric_embedding="auto" from SMALL_DATA_ROWS rows: in classification "periodic+scaled" (the
# scaled values passed on beside their embeddings, as RealMLP's PBLD does), in regression
# "periodic". On the selection half (benchmarks/small_data.py --variants embedding-scaled,
# RESULTS.md "Round eight") classification scored higher with the scaled values at full size (9 of
# 12 cases, mean +0.0029 ROC AUC) and at 1,000 rows (8 of 12, +0.0031); regression did not (3 of 8
# better at each size, mean -0.0006 and -0.0055 R²).
EMBEDDING, CLASSIFIER_EMBEDDING = "periodic", "periodic+scaled"
# dropout="auto": DROPOUT, except in regression from SMALL_DATA_ROWS rows (where early stopping
# runs), where none. On the selection half (benchmarks/small_data.py --variants dropout, RESULTS.md
# "Round five") regression scored higher without dropout on the full data sets (6 of 8 cases,
# +0.0042 R²) and subsampled to 1,000 rows (6 of 8, +0.0050) at 0.82-0.88x the median fit time,
# but lower at 400 rows (6 of 8 worse), where the step budget, not early stopping, ends the fit.
# Classification keeps it: at 1,000 rows and beyond even (14 of 24 better, mean -0.0007 ROC AUC),
# at 400 rows worse without it (8 of 12 worse).
DROPOUT = DEFAULT_DROPOUT  # KerasClassifier's default: "auto" means it there
# n_ensemble="auto" (KerasClassifier's default): where early stopping runs on held-out rows,
# ENSEMBLE_MEMBERS members of ENSEMBLE_HIDDEN units, trained at ENSEMBLE_LEARNING_RATE in
# batches of about n / ROWS_PER_BATCH_ENSEMBLE rows (a power of two in [MIN_BATCH_ENSEMBLE,
# MAX_BATCH_ENSEMBLE]); else one network. Those "auto" sizes follow any ensemble in
# classification. Chosen on the selection half (benchmarks/RESULTS.md "Round ten"): the six
# classification sets in two row orders scored higher in 8 of 12 cases (+0.0034 ROC AUC, t 2.23)
# at 1.36x the median fit time; the single network at the same batches and rate scored lower
# (-0.0016, -0.0029), as did larger batches at a higher rate. Then first on all four held-out
# classification sets (benchmarks/TABULAR.md).
# KerasRegressor's n_ensemble="auto" (its default too) is ENSEMBLE_MEMBERS members where early
# stopping runs on held-out rows as well, at the single network's width, at ENSEMBLE_LEARNING_RATE
# in batches of about n / ROWS_PER_BATCH_REGRESSION_ENSEMBLE ([MIN_BATCH_REGRESSION_ENSEMBLE,
# MAX_BATCH_REGRESSION_ENSEMBLE]: twice the single network's), its periodic embedding started
# from frequencies of spread REGRESSION_ENSEMBLE_FREQUENCY_SCALE (0.5; the layer's default is 0.1).
# Chosen on the selection half (RESULTS.md "Round twelve"; the four regression sets in two row
# orders, 5-fold): against one network at patience 16, higher in 8 of 8 cases (+0.0090 R², paired
# t 5.99) at 1.05x its median fit time (a 5-fold CV on diamonds, 10,000 rows, took about 2x), and
# at patience 8 (now both estimators' default) in 8 of 8 (+0.0073) at 0.66x. At the single
# network's rate and batch it gained about as much (7 of 8, +0.0077) at 1.23x (1.85x on
# diamonds: the members' averaged validation loss keeps improving for longer); at spread 0.1,
# 6 of 8 (+0.0036); spread 0.5 in one network, 6 of 8 (+0.0011; doctorvisits -0.017): higher
# frequencies fit smooth targets (concrete, ames) better and over-fit noisy counts, which four
# members' mean evens out. The classifier's own sizes scored lower in regression (4 of 8 better,
# +0.0006).
REGRESSION_ENSEMBLE_FREQUENCY_SCALE = 0.5
ENSEMBLE_MEMBERS, ENSEMBLE_HIDDEN, ENSEMBLE_LEARNING_RATE = 4, (128, 128), 2e-3
MIN_BATCH_ENSEMBLE, MAX_BATCH_ENSEMBLE, ROWS_PER_BATCH_ENSEMBLE = 256, 1024, 5
MIN_BATCH_REGRESSION_ENSEMBLE, MAX_BATCH_REGRESSION_ENSEMBLE, ROWS_PER_BATCH_REGRESSION_ENSEMBLE = 128, 512, 10
LEARNING_RATE = DEFAULT_LEARNING_RATE


# After early stopping, KerasRegressor trains ``finish_on_all_rows`` (0.25,
# skdeep._params.DEFAULT_FINISH) times its best epoch count more, at least MIN_FINAL_EPOCHS,
# on every row, the held-out ones included, the rate decaying from its initial value to zero.
# Early stopping on a tenth of the rows stops regression early (concrete, 1,030 rows: best
# epochs 17-89 of 333; every row trained four times as long scored 0.936 R² against 0.913), but
# without it noisy targets over-fit (doctorvisits: 0.12 -> -0.07 R²). The final phase keeps the
# length early stopping chose and adds the held-out rows and a decayed rate. Chosen on the
# selection half (benchmarks/RESULTS.md "Round four"): all four regression data sets better
# (+0.0023 to +0.0117 R²; subsampled to 1,000 rows, better in 6 of 8 cases, rank 1.88 against
# 2.50 without it; 0.5 gained a little more on concrete and lost on noisy data). KerasClassifier
# leaves it off: on the six classification data sets 3 better and 3 worse (mean -0.0004 ROC AUC).
MIN_FINAL_EPOCHS = 3


@dataclass(frozen=True)
class Budget:
    """The resolved budget of one fit."""

    batch_size: int
    epochs: int
    early_stopping: bool
    validation_split: float
    patience: int = MAX_PATIENCE


def auto_batch_size(n_samples: int, early_stopping: bool = False, ensemble: bool = False,
                    regression: bool = False) -> int:
    """A power of two near ``n_samples / 40`` between 32 and 256; with early stopping near
    ``n_samples / 20`` between 64 and 256; for a classifier's ensemble that stops early near
    ``n_samples / 5`` between 256 and 1,024, for a regressor's near ``n_samples / 10`` between
    128 and 512.

    Examples
    --------
    >>> auto_batch_size(1000), auto_batch_size(5000), auto_batch_size(100_000)
    (32, 128, 256)
    >>> auto_batch_size(1000, early_stopping=True), auto_batch_size(3000, early_stopping=True)
    (64, 128)
    >>> [auto_batch_size(n, early_stopping=True, ensemble=True) for n in (900, 3000, 7000)]
    [256, 512, 1024]
    >>> [auto_batch_size(n, early_stopping=True, ensemble=True, regression=True) for n in (900, 3000, 7000)]
    [128, 256, 512]
    """
    if early_stopping and ensemble and regression:
        low, high = MIN_BATCH_REGRESSION_ENSEMBLE, MAX_BATCH_REGRESSION_ENSEMBLE
        rows = ROWS_PER_BATCH_REGRESSION_ENSEMBLE
    elif early_stopping and ensemble:
        low, high, rows = MIN_BATCH_ENSEMBLE, MAX_BATCH_ENSEMBLE, ROWS_PER_BATCH_ENSEMBLE
    elif early_stopping:
        low, high, rows = MIN_BATCH_EARLY_STOPPING, MAX_BATCH, ROWS_PER_BATCH_EARLY_STOPPING
    else:
        low, high, rows = MIN_BATCH, MAX_BATCH, ROWS_PER_BATCH
    size = 2 ** round(math.log2(max(n_samples, 1) / rows)) if n_samples > rows else low
    return int(min(high, max(low, size)))


def auto_epochs(n_train: int, batch_size: int, early_stopping: bool, regression: bool = False) -> int:
    """Epochs of about ``TARGET_STEPS`` steps with early stopping, else of
    ``STEPS_PER_ROW * n_train`` steps (``STEPS_PER_ROW_REGRESSION`` in regression;
    ``MIN_STEPS`` to ``TARGET_STEPS``).

    Examples
    --------
    >>> auto_epochs(455, 32, False), auto_epochs(455, 32, False, regression=True), auto_epochs(100, 32, False)
    (30, 61, 75)
    >>> auto_epochs(8000, 128, True), auto_epochs(100_000, 256, True)
    (63, 10)
    """
    per_row = STEPS_PER_ROW_REGRESSION if regression else STEPS_PER_ROW
    steps = TARGET_STEPS if early_stopping else min(TARGET_STEPS, max(MIN_STEPS, per_row * n_train))
    steps_per_epoch = max(1, math.ceil(n_train / batch_size))
    return int(min(MAX_EPOCHS, max(MIN_EPOCHS, round(steps / steps_per_epoch))))


def auto_patience(n_train: int, batch_size: int) -> int:
    """Epochs of about ``PATIENCE_STEPS`` steps, between ``MIN_PATIENCE`` and ``MAX_PATIENCE``.

    Examples
    --------
    >>> auto_patience(741, 64), auto_patience(2584, 128), auto_patience(7200, 256)
    (16, 9, 8)
    """
    steps_per_epoch = max(1, math.ceil(n_train / batch_size))
    return int(min(MAX_PATIENCE, max(MIN_PATIENCE, round(PATIENCE_STEPS / steps_per_epoch))))


def resolve(n_samples: int, *, batch_size, epochs, early_stopping, validation_split: float,
            can_hold_out: bool = True, patience="auto", ensemble: bool = False,
            regression: bool = False) -> Budget:
    """Turn the estimator's budget parameters (``"auto"`` allowed) into numbers.

    ``validation_split="auto"`` holds out ``AUTO_VALIDATION_SPLIT`` for early stopping
    from ``EARLY_STOPPING_MIN_ROWS`` rows, else none; a number is that fraction, ``0``
    none (and ``early_stopping="auto"`` is then off: it stops on held-out rows).
    ``can_hold_out=False`` (rows streamed from disk) never holds rows out by itself:
    ``early_stopping="auto"`` is then off, and ``True`` monitors the training loss.
    ``patience="auto"`` is :func:`auto_patience` of the training rows and batch size.
    ``regression``: a regressor's budget (its steps a row, :func:`auto_epochs`).
    ``ensemble``: the network is an ensemble of the built-in network (``regression``: a
    regressor's); it takes the ensemble's batch (:func:`auto_batch_size`) where early stopping
    runs on held-out rows, as :func:`auto_network` gives it the ensemble's rate (and a classifier's
    the ensemble's width) only there.

    Examples
    --------
    >>> for split in ("auto", 0.0):
    ...     b = resolve(1000, batch_size="auto", epochs="auto", early_stopping="auto", validation_split=split)
    ...     print(b.early_stopping, b.validation_split)
    True 0.1
    False 0.0
    """
    enough = can_hold_out and n_samples >= EARLY_STOPPING_MIN_ROWS
    if early_stopping == "auto":
        early_stopping = enough and validation_split != 0
    if validation_split == "auto":
        validation_split = AUTO_VALIDATION_SPLIT if early_stopping and enough else 0.0
    n_train = n_samples - int(math.ceil(n_samples * validation_split)) if validation_split else n_samples
    if batch_size == "auto":
        batch_size = auto_batch_size(n_train, bool(early_stopping), ensemble and validation_split > 0, regression)
    elif batch_size is None:
        batch_size = n_train
    if epochs == "auto":
        epochs = auto_epochs(n_train, batch_size, bool(early_stopping), regression)
    if patience == "auto":
        patience = auto_patience(n_train, batch_size)
    return Budget(int(batch_size), int(epochs), bool(early_stopping), float(validation_split), int(patience))


def final_phase_epochs(fraction: float, val_loss) -> int:
    """Epochs of the final phase on every row: ``fraction`` of the best epoch count (the
    epochs up to the lowest ``val_loss``), at least ``MIN_FINAL_EPOCHS``; 0 when ``fraction`` is 0.

    Examples
    --------
    >>> final_phase_epochs(0.5, [3.0, 2.0, 1.0] + [1.5] * 16), final_phase_epochs(0.5, [1.0, 2.0])
    (3, 3)
    >>> final_phase_epochs(0.25, [1.0] * 39 + [0.5] + [0.9] * 16), final_phase_epochs(0.0, [1.0])
    (10, 0)
    """
    val_loss = np.asarray(val_loss, dtype=float)
    if not fraction or not np.isfinite(val_loss).any():
        return 0
    best = int(np.argmin(np.where(np.isfinite(val_loss), val_loss, np.inf))) + 1
    return max(MIN_FINAL_EPOCHS, round(fraction * best))


def auto_network(n_samples: int | None, hidden_layer_sizes, numeric_embedding, dropout=DROPOUT,
                 regression: bool = False, n_ensemble=1, learning_rate=LEARNING_RATE,
                 held_out: bool = False) -> dict:
    """The recipe's ``"auto"`` values for ``n_samples`` training rows; other values as given.

    ``n_samples=None`` (``partial_fit``: the stream's length is unknown) sizes for large data.
    ``held_out``: early stopping runs on held-out rows, where ``n_ensemble="auto"`` is an
    ensemble in classification; its members' "auto" width and rate follow it.

    Examples
    --------
    >>> auto_network(400, "auto", "auto")
    {'hidden_layer_sizes': (128, 128), 'numeric_embedding': None, 'dropout': 0.1, 'n_ensemble': 1, \
'learning_rate': 0.001}
    >>> auto_network(5000, "auto", "auto", n_ensemble="auto", learning_rate="auto", held_out=True)
    {'hidden_layer_sizes': (128, 128), 'numeric_embedding': 'periodic+scaled', 'dropout': 0.1, \
'n_ensemble': 4, 'learning_rate': 0.002}
    >>> auto_network(5000, "auto", "auto", n_ensemble="auto", learning_rate="auto")["hidden_layer_sizes"]
    (256, 256)
    >>> auto_network(None, "auto", "auto")["numeric_embedding"]
    'periodic+scaled'
    >>> auto_network(5000, "auto", "auto", regression=True, n_ensemble="auto", learning_rate="auto", held_out=True)
    {'hidden_layer_sizes': (256, 256), 'numeric_embedding': 'periodic', 'dropout': 0.1, 'n_ensemble': 4, \
'learning_rate': 0.002}
    >>> auto_network(5000, "auto", "auto", regression=True, n_ensemble="auto")["n_ensemble"]
    1
    >>> auto_network(400, (32,), "periodic", dropout=0.2, n_ensemble=2, learning_rate=0.01)
    {'hidden_layer_sizes': (32,), 'numeric_embedding': 'periodic', 'dropout': 0.2, 'n_ensemble': 2, \
'learning_rate': 0.01}
    >>> [auto_network(n, "auto", "auto", "auto", regression=True)["dropout"] for n in (400, 5000, None)]
    [0.1, 0.0, 0.0]
    """
    small = n_samples is not None and n_samples < SMALL_DATA_ROWS
    if isinstance(n_ensemble, str):  # "auto"
        n_ensemble = ENSEMBLE_MEMBERS if held_out and n_samples is not None else 1
    ensemble = n_ensemble > 1 and held_out
    if isinstance(hidden_layer_sizes, str):  # "auto": the constraints allow no other string
        hidden_layer_sizes = (SMALL_HIDDEN if small else ENSEMBLE_HIDDEN if ensemble and not regression
                              else HIDDEN)
    if numeric_embedding == "auto":
        numeric_embedding = None if small else EMBEDDING if regression else CLASSIFIER_EMBEDDING
    if isinstance(dropout, str):  # "auto"
        dropout = 0.0 if regression and not small else DROPOUT
    if isinstance(learning_rate, str):  # "auto"
        learning_rate = ENSEMBLE_LEARNING_RATE if ensemble else LEARNING_RATE
    return {"hidden_layer_sizes": hidden_layer_sizes, "numeric_embedding": numeric_embedding, "dropout": dropout,
            "n_ensemble": int(n_ensemble), "learning_rate": learning_rate}


def frequency_scale(regression: bool, n_ensemble: int, held_out: bool) -> float | None:
    """The periodic embedding's initial frequency spread: ``REGRESSION_ENSEMBLE_FREQUENCY_SCALE``
    for a regressor's ensemble where early stopping runs on held-out rows (the rule that gives it
    the ensemble's rate and batch, :func:`auto_network` and :func:`resolve`), else None (the
    layer's default).

    Examples
    --------
    >>> frequency_scale(True, 4, True), frequency_scale(True, 4, False), frequency_scale(True, 1, True)
    (0.5, None, None)
    >>> frequency_scale(False, 4, True) is None
    True
    """
    return REGRESSION_ENSEMBLE_FREQUENCY_SCALE if regression and n_ensemble > 1 and held_out else None


def rate_set_elsewhere(optimizer, callbacks) -> bool:
    """Whether the user already controls the learning rate (a schedule or a callback).

    Their choice wins: the default cosine schedule then steps aside.
    """
    if isinstance(optimizer.get_config().get("learning_rate"), dict):  # a LearningRateSchedule
        return True
    users = (keras.callbacks.LearningRateScheduler, keras.callbacks.ReduceLROnPlateau)
    return any(isinstance(cb, users) for cb in callbacks)


class CosineSchedule(keras.callbacks.Callback):
    """Cosine decay of the learning rate from its initial value to 0 over ``epochs`` epochs.

    Counted from the first epoch of this fit, so a ``warm_start`` fit decays again.
    Set per epoch, which both training engines honour.
    """

    reads_model_state = False  # it only sets the rate: the engine need not copy weights out per epoch

    def __init__(self, initial: float, first_epoch: int, epochs: int):
        super().__init__()
        self.initial, self.first_epoch, self.epochs = float(initial), int(first_epoch), int(epochs)

    def on_epoch_begin(self, epoch, logs=None):
        progress = min(1.0, (epoch - self.first_epoch) / max(self.epochs, 1))
        self.model.optimizer.learning_rate = self.initial * 0.5 * (1.0 + math.cos(math.pi * progress))

    def on_train_end(self, logs=None):
        self.model.optimizer.learning_rate = self.initial  # a later fit starts where this one did
