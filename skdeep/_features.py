"""Encode features: mixed-type DataFrames, sparse matrices and arrays -> the network's input.

:class:`FeatureEncoder` keeps one column per original column, so attributions and
feature names map back one to one: numeric and boolean columns become floats
(missing values stay NaN; the network's input layer imputes them), categorical
columns become integer codes, ``0`` for a missing value or a category unseen at
fit and ``1..K`` for the K categories seen at fit; datetime and timedelta
columns become seconds (since the Unix epoch, in UTC, for datetimes) whatever
their storage unit, NaT a missing value. It also measures what the
built-in network's input layer needs (:mod:`._layers`): a robust centre and
scale per numeric column and which columns had missing values. Statistics are
weighted by ``sample_weight``, so integer weights act exactly as repeated rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

# Rows (spread evenly over the data) on which the numeric statistics are measured when
# there are more: quantiles of 20,000 rows are within about a percent of the full data's,
# the sample stays small in memory, and features streamed from disk (a memmap, a Dask
# array: skdeep._engine._host) get exactly the statistics the same rows in memory get.
STATISTICS_ROWS, STATISTICS_BLOCKS = 20_000, 20
# An IQR of a normal distribution is 1.349 standard deviations: robust scaling then
# agrees with standardization on well-behaved columns and ignores outliers elsewhere.
_IQR_TO_STD = 1.349


def _is_categorical_dtype(dtype) -> bool:
    return isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_object_dtype(dtype) or (
        pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_numeric_dtype(dtype))


def from_polars(X):
    """A polars DataFrame as the pandas frame skdeep reads (anything else as it is).

    Column by column through NumPy, so no pyarrow is needed: String columns become
    object columns, Categorical and Enum columns too (as their text; nulls missing),
    Boolean columns with nulls pandas' nullable booleans, integers with nulls floats
    with NaN, datetimes ``datetime64``.

    Examples
    --------
    >>> from_polars([[1.0]])
    [[1.0]]
    """
    if type(X).__module__.split(".")[0] != "polars" or not hasattr(X, "get_columns"):
        return X
    import polars as pl

    columns = {}
    for col in X.get_columns():
        if isinstance(col.dtype, (pl.Categorical, pl.Enum)):  # as text: its levels' order differs across versions
            values = col.cast(pl.String).to_numpy()
        elif col.dtype == pl.Boolean:
            values = pd.array(col.to_list(), dtype="boolean")
        else:
            values = col.to_numpy()
        columns[col.name] = values
    return pd.DataFrame(columns)


def _is_temporal_dtype(dtype) -> bool:
    return pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)


def has_temporal_columns(X) -> bool:
    """Whether ``X`` is a DataFrame with datetime or timedelta columns (read as seconds)."""
    return isinstance(X, pd.DataFrame) and any(_is_temporal_dtype(dt) for dt in X.dtypes)


# Storage units numpy may give a datetime64/timedelta64 column, in seconds.
_SECONDS_PER_UNIT = {"W": 604800.0, "D": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6,
                     "ns": 1e-9}


def seconds(col: pd.Series) -> np.ndarray:
    """A datetime column as seconds since 1970-01-01 UTC, a timedelta column as seconds; NaT -> NaN.

    Computed from the stored integers and their unit, so ``[s]``, ``[ms]``, ``[us]`` and
    ``[ns]`` storage of the same instants give the same numbers, and dates beyond the
    nanosecond range (year 2262) do not overflow.

    Examples
    --------
    >>> s = pd.Series(pd.to_datetime(["1970-01-02", None]))
    >>> np.array_equal(seconds(s.astype("datetime64[s]")), seconds(s), equal_nan=True)
    True
    >>> seconds(s).tolist()
    [86400.0, nan]
    """
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        col = col.dt.tz_convert("UTC").dt.tz_localize(None)
    values = col.to_numpy()
    unit, count = np.datetime_data(values.dtype)
    out = values.view("int64").astype("float64") * (count * _SECONDS_PER_UNIT[unit])
    out[np.isnat(values)] = np.nan
    return out


def non_numeric_error(exc: Exception) -> ValueError:
    """The error for text in a column read as numeric (raised by validation and by the encoder)."""
    return ValueError(
        f"X contains non-numeric values ({exc}). Pass a pandas DataFrame (its text and category columns "
        "are encoded by the network) or name them in categorical_features.")


def reads_columns(X, categorical_features, fitted: FeatureEncoder | None = None) -> bool:
    """Whether the encoder reads ``X``'s columns itself rather than a validated numeric array.

    True for frames with temporal columns and for ``X`` with categorical columns
    (decided from ``categorical_features`` before fit, from ``fitted``'s columns
    after): their columns are checked and converted here, one by one. Numeric
    arrays, numeric frames and sparse matrices are validated (and converted to the
    network's dtype) by scikit-learn's ``validate_data`` first.

    Examples
    --------
    >>> reads_columns(pd.DataFrame({"a": [1.0], "b": ["x"]}), "from_dtype")
    True
    >>> reads_columns(np.zeros((1, 2)), "from_dtype")
    False
    """
    if has_temporal_columns(X):
        return True
    if fitted is not None:
        return len(fitted.categorical_) > 0
    if not hasattr(X, "shape") or len(getattr(X, "shape", ())) != 2 or sp.issparse(X):
        return False
    if not isinstance(X, pd.DataFrame) and isinstance(categorical_features, str):
        return False
    return len(categorical_columns(X, categorical_features)) > 0


def categorical_columns(X, categorical_features) -> np.ndarray:
    """Indices of the columns of ``X`` treated as categorical.

    ``"from_dtype"``: pandas ``category``, ``object`` and string columns of a
    DataFrame (none for arrays); None: none; a list of column names or indices,
    or a boolean mask: those columns.
    """
    n_features = X.shape[1]
    if categorical_features is None:
        return np.array([], dtype=int)
    if isinstance(categorical_features, str):
        if categorical_features != "from_dtype":
            raise ValueError(
                f"categorical_features must be 'from_dtype', None, a list of column names or "
                f"indices, or a boolean mask; got {categorical_features!r}.")
        if not isinstance(X, pd.DataFrame):
            return np.array([], dtype=int)
        return np.array([i for i, dt in enumerate(X.dtypes) if _is_categorical_dtype(dt)], dtype=int)
    spec = np.asarray(categorical_features)
    if spec.dtype == bool:
        if spec.shape != (n_features,):
            raise ValueError(
                f"categorical_features as a boolean mask needs {n_features} entries, got {spec.shape[0]}.")
        return np.flatnonzero(spec)
    if spec.dtype.kind in "OUS":
        if not isinstance(X, pd.DataFrame):
            raise ValueError("categorical_features names columns, but X has no column names; pass indices.")
        names = list(map(str, X.columns))
        missing = [c for c in spec if str(c) not in names]
        if missing:
            raise ValueError(f"categorical_features names {missing[0]!r}, which is not a column of X.")
        return np.array(sorted(names.index(str(c)) for c in spec), dtype=int)
    if spec.dtype.kind not in "iu" or spec.ndim != 1:
        raise ValueError("categorical_features must be a list of column names, integer indices or a boolean mask.")
    if len(spec) and (spec.min() < -n_features or spec.max() >= n_features):
        raise ValueError(f"categorical_features has an index out of range for {n_features} columns.")
    return np.unique(spec % n_features)


def weighted_quantile(a: np.ndarray, q, weights: np.ndarray | None) -> np.ndarray:
    """Quantiles of ``a`` (no NaN) by the inverted CDF, with weights acting as repeated rows.

    The smallest value whose cumulative weight reaches ``q`` of the total: NumPy 2's
    ``np.quantile(..., weights=w, method="inverted_cdf")``, written out because
    NumPy 1.26 (a supported floor) has no ``weights``.

    Examples
    --------
    >>> weighted_quantile(np.array([1.0, 2.0, 3.0]), [0.5], np.array([1, 0, 5])).tolist()
    [3.0]
    """
    order = np.argsort(a, kind="stable")
    values = np.asarray(a)[order]
    w = np.ones(len(values)) if weights is None else np.asarray(weights, dtype="float64")[order]
    cumulative = np.cumsum(w)
    index = np.searchsorted(cumulative, np.asarray(q, dtype="float64") * cumulative[-1], side="left")
    return values[np.minimum(index, len(values) - 1)]


class FeatureEncoder(TransformerMixin, BaseEstimator):
    """Turn ``X`` into the float matrix the network reads, one column per column of ``X``.

    Missing numeric values: a column that had some at fit keeps NaN (the network's
    input layer imputes the centre and adds an indicator); elsewhere a missing value
    is replaced by the column's centre (median, mean, or 0 without scaling).

    Parameters
    ----------
    categorical_features : "from_dtype", None, list or boolean mask, default="from_dtype"
        Which columns are categorical (see :func:`categorical_columns`).
    numeric_transform : {"robust", "standard", None}, default="robust"
        The statistics to measure for the network's input layer: median and
        IQR / 1.349 ("robust", followed by a smooth clip in the layer), mean and
        standard deviation ("standard"), or none (columns used as they are).

    Attributes
    ----------
    categorical_ : ndarray of int
        Indices of the categorical columns.
    numeric_ : ndarray of int
        Indices of the numeric (and boolean) columns.
    categories_ : list of ndarray
        Categories seen at fit, per categorical column; a value's code is its
        position plus one.
    center_, scale_ : ndarray
        Per numeric column; ``(x - center_) / scale_`` is the scaled column.
    missing_ : ndarray of int
        Numeric columns (indices into ``numeric_``) that had missing values at fit.
    sparse_ : bool
        Whether ``X`` was a sparse matrix (passed through; never scaled).
    streamed_ : bool
        Whether ``X`` was streamed from disk (rows passed through as they are).

    Notes
    -----
    With more than ``STATISTICS_ROWS`` (20,000) rows, the centre and scale are
    measured on that many rows spread evenly over ``X``.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"size": [1.0, 2.0, None], "colour": ["red", "blue", "red"]})
    >>> enc = FeatureEncoder().fit(X)
    >>> enc.transform(pd.DataFrame({"size": [3.0], "colour": ["green"]})).tolist()
    [[3.0, 0.0]]
    """

    def __init__(self, categorical_features="from_dtype", numeric_transform="robust", dtype="float64"):
        self.categorical_features = categorical_features
        self.numeric_transform = numeric_transform
        self.dtype = dtype

    def fit(self, X, sample_weight=None):
        self.sparse_ = sp.issparse(X)
        self.streamed_ = _streamed(X)
        self.categorical_ = categorical_columns(X, self.categorical_features)
        if (self.sparse_ or self.streamed_) and len(self.categorical_):
            raise ValueError(
                f"A {'sparse' if self.sparse_ else 'streamed'} X cannot hold categorical columns; "
                "encode them before the network.")
        self.numeric_ = np.setdiff1d(np.arange(X.shape[1]), self.categorical_)
        self.categories_ = [self._categories(_column(X, j)) for j in self.categorical_]
        n = len(self.numeric_)
        self.center_, self.scale_, self.missing_ = np.zeros(n), np.ones(n), np.array([], dtype=int)
        if self.sparse_:  # passed through as it is, never scaled
            return self
        rows = _statistics_rows(X.shape[0])
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype="float64")
        if self.streamed_:  # never read whole (and validated free of NaN): only the statistics' rows
            X = np.asarray(X[rows] if rows is not None else X[:])
        if rows is not None and weights is not None:
            weights = weights[rows]
        if self.streamed_:
            rows = None
        missing = []
        for k, j in enumerate(self.numeric_):
            col = self._numeric_column(X, j)  # float64 one column at a time: no float64 copy of X
            gap = bool(np.isnan(col).any())  # anywhere in the data
            if rows is not None:
                col = col[rows]
            elif gap and self.numeric_transform is not None and weights is not None:
                gap = bool(np.isnan(col[weights > 0]).any())  # a row of weight 0 is not seen
            if gap:
                missing.append(k)
            self._measure(k, col, weights)
        if not self.streamed_:
            self.missing_ = np.array(missing, dtype=int)
        return self

    @staticmethod
    def _categories(col: pd.Series) -> np.ndarray:
        seen = col.dropna()
        if isinstance(col.dtype, pd.CategoricalDtype):
            return np.asarray(col.cat.categories[col.cat.categories.isin(seen.unique())], dtype=object)
        try:
            return np.sort(seen.unique()).astype(object)
        except TypeError:  # mixed types: order by text
            return np.array(sorted(seen.unique(), key=str), dtype=object)

    def _measure(self, k: int, col: np.ndarray, weights: np.ndarray | None) -> None:
        """Centre and scale of numeric column ``k`` (float64 values, NaN ignored) for the input layer."""
        if self.numeric_transform is None:
            return
        w_all = np.ones(len(col)) if weights is None else weights
        ok = ~np.isnan(col) & (w_all > 0)
        if not ok.any():
            return
        x, w = col[ok], w_all[ok]
        if self.numeric_transform == "standard":
            mean = np.average(x, weights=w)
            center, scale = mean, np.sqrt(np.average((x - mean) ** 2, weights=w))
        else:
            q25, center, q75 = weighted_quantile(x, [0.25, 0.5, 0.75], w)
            scale = (q75 - q25) / _IQR_TO_STD
            if not scale > 0:  # a column concentrated on one value: use its range
                scale = (x.max() - x.min()) / 2
        self.center_[k], self.scale_[k] = center, scale if scale > 0 else 1.0

    @staticmethod
    def _numeric_column(X, j: int) -> np.ndarray:
        """Column ``j`` of ``X`` as float64: datetimes and timedeltas as seconds, text refused."""
        if not isinstance(X, pd.DataFrame):
            try:
                return np.asarray(X)[:, j].astype("float64")
            except (TypeError, ValueError) as exc:
                raise non_numeric_error(exc) from None
        col = X.iloc[:, j]
        if _is_temporal_dtype(col.dtype):
            return seconds(col)
        try:
            values = pd.to_numeric(col.astype("object") if col.dtype == bool else col).to_numpy("float64", na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"Column {X.columns[j]!r} is numeric at fit but holds non-numeric values ({exc})."
            ) from None
        if np.isinf(values).any():
            raise ValueError(f"Input X contains infinity in column {X.columns[j]!r}.")
        return values

    def transform(self, X) -> np.ndarray | sp.spmatrix:
        """The network's input in ``dtype``: numeric columns as floats, categoricals as codes.

        Missing values stay NaN in the columns that had some at fit (the network
        imputes them and sees an indicator); elsewhere they become the column's centre.
        A numeric array already in ``dtype`` is returned as it is (no copy) unless such
        a value must be filled; any other ``X`` is converted once, column by column,
        into one new array.
        """
        check_is_fitted(self)
        if self.sparse_ or self.streamed_:  # used as they are (streamed rows hold no NaN)
            return X
        with np.errstate(over="ignore"):  # beyond the dtype's range: infinite, refused by name later
            if not isinstance(X, pd.DataFrame) and not len(self.categorical_):
                try:
                    out = np.asarray(X, dtype=self.dtype)
                except (TypeError, ValueError) as exc:
                    raise non_numeric_error(exc) from None
                return self._fill_gaps(out, owned=not (isinstance(X, np.ndarray) and np.may_share_memory(out, X)))
            out = np.empty(X.shape, dtype=self.dtype)
            for j in self.numeric_:
                out[:, j] = self._numeric_column(X, j)
        for j, cats in zip(self.categorical_, self.categories_):
            out[:, j] = _codes(_column(X, j), cats)
        return self._fill_gaps(out, owned=True)

    def _fill_gaps(self, out: np.ndarray, *, owned: bool) -> np.ndarray:
        """Missing values in numeric columns that had none at fit -> the column's centre.

        Columns are searched only where their sum is NaN (one pass, no temporary the
        size of ``out``); an array borrowed from the caller (``owned=False``) is
        copied before it is written.
        """
        check = np.ones(len(self.numeric_), dtype=bool)
        check[self.missing_] = False
        if not check.any() or not len(out):
            return out
        with np.errstate(invalid="ignore", over="ignore"):
            sums = np.add.reduce(out, axis=0)
        for k in np.flatnonzero(check & np.isnan(sums[self.numeric_])):
            j = self.numeric_[k]
            gaps = np.isnan(out[:, j])
            if gaps.any():
                if not owned:
                    out, owned = out.copy(), True
                out[gaps, j] = self.center_[k]
        return out

    @property
    def columnwise(self) -> bool:
        """Whether output column j depends on input column j alone (no categories, no indicators)."""
        check_is_fitted(self)
        return not (self.sparse_ or len(self.categorical_) or len(self.missing_))

    @property
    def n_categories_(self) -> list[int]:
        """Number of categories seen at fit, per categorical column."""
        return [len(c) for c in self.categories_]


def _statistics_rows(n: int) -> np.ndarray | None:
    """Rows on which numeric statistics are measured; None for all rows.

    ``STATISTICS_BLOCKS`` runs of consecutive rows, spread evenly over the data: a
    memmap then pages in only those runs, not (as single rows spread over the file
    would) nearly every page of it.
    """
    if n <= STATISTICS_ROWS:
        return None
    run = STATISTICS_ROWS // STATISTICS_BLOCKS
    starts = np.linspace(0, n - run, STATISTICS_BLOCKS).astype(int)
    return np.unique((starts[:, None] + np.arange(run)).ravel())


def _streamed(X) -> bool:
    """Rows read from disk on demand (``skdeep._engine._host.StreamedRows``), not an array."""
    return not isinstance(X, (np.ndarray, pd.DataFrame)) and not sp.issparse(X) and hasattr(X, "shape")


def _column(X, j: int) -> pd.Series:
    return X.iloc[:, j] if isinstance(X, pd.DataFrame) else pd.Series(np.asarray(X)[:, j])


def _codes(col: pd.Series, categories: np.ndarray) -> np.ndarray:
    """``1..K`` for the fitted categories, ``0`` for missing or unseen values."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype("object")
    index = pd.Index(categories)
    codes = index.get_indexer(col.to_numpy(dtype=object)) + 1 if len(index) else np.zeros(len(col), int)
    return codes.astype("float64")
