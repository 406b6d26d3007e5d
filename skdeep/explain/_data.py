"""Rows as the user passed them: sampling the background, and a numeric codec.

shap's maskers need numeric arrays, but a pipeline with a ColumnTransformer is
usually fitted on a DataFrame with text columns. :class:`TabularCodec` turns
such rows into floats (text becomes category codes) for masking and back into
a DataFrame with the original dtypes for the pipeline. Masking only ever swaps
in values from the row being explained or from a background row, so every
decoded value is one the user actually passed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def as_rows(X: Any) -> Any:
    """A DataFrame stays a DataFrame; a single row becomes a one-row 2-D array."""
    if isinstance(X, pd.DataFrame):
        return X
    if isinstance(X, pd.Series):
        return X.to_frame().T
    X = np.asarray(X)
    if X.ndim == 1:
        X = X.reshape(1, -1)
    if X.ndim != 2:
        raise ValueError(f"Expected 2-D rows (n_samples, n_features); got shape {X.shape}.")
    return X


def sample_rows(X: Any, max_rows: int | None, random_state: int | None) -> Any:
    """At most ``max_rows`` rows, drawn without replacement (order kept)."""
    X = as_rows(X)
    if max_rows is None or len(X) <= max_rows:
        return X
    rng = np.random.default_rng(random_state)
    index = np.sort(rng.choice(len(X), size=max_rows, replace=False))
    return X.iloc[index] if isinstance(X, pd.DataFrame) else X[index]


def to_array(X: Any) -> np.ndarray:
    """Rows as a NumPy array: float when all columns are numeric, else object."""
    array = X.to_numpy() if isinstance(X, pd.DataFrame) else np.asarray(X)
    if array.dtype.kind in "biuf":
        return array.astype(np.float64)
    return array


class TabularCodec:
    """Encode rows to floats for masking and decode them for the model."""

    def __init__(self, X: Any):
        self.frame = isinstance(X, pd.DataFrame)
        frame = X if self.frame else pd.DataFrame(np.asarray(X))
        self.columns = frame.columns
        self.dtypes = frame.dtypes
        self.categories: dict[Any, list] = {
            col: [] for col in frame.columns if not pd.api.types.is_numeric_dtype(frame[col])
        }

    def encode(self, X: Any) -> np.ndarray:
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X), columns=self.columns)
        out = np.empty(frame.shape, dtype=np.float64)
        for j, col in enumerate(self.columns):
            column = frame[col]
            if col not in self.categories:
                out[:, j] = column.to_numpy(dtype=np.float64)
                continue
            known = self.categories[col]
            codes = {value: i for i, value in enumerate(known)}
            for value in column:
                if value not in codes:
                    codes[value] = len(known)
                    known.append(value)
            out[:, j] = [codes[value] for value in column]
        return out

    def decode(self, A: np.ndarray) -> Any:
        frame = pd.DataFrame(A, columns=self.columns)
        for col in self.columns:
            if col in self.categories:
                lookup = np.empty(len(self.categories[col]), dtype=object)
                lookup[:] = self.categories[col]
                frame[col] = lookup[frame[col].to_numpy().astype(int)]
            frame[col] = frame[col].astype(self.dtypes[col])
        return frame if self.frame else frame.to_numpy()
