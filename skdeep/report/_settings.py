"""The options the commands share, with every default (the CLI flags of the same names)."""

from __future__ import annotations

from dataclasses import dataclass

from ..compare import _baselines
from ..compare._baselines import MODEL_NAMES, model_names

# CLI names of the default models, in the order of ``default_models`` (and "boosting", the
# name histgb had before the boosting libraries came).
MODEL_ALIASES = (*MODEL_NAMES, "boosting")


@dataclass
class Settings:
    """Options shared by the commands (the CLI flags of the same names)."""

    cv: int = 5
    epochs: int | None = None  # None: the estimator's default (a budget sized in steps)
    hidden_layer_sizes: tuple[int, ...] | None = None
    batch_size: int | None = None
    random_state: int = 0
    n_jobs: int | None = None
    models: tuple[str, ...] | None = None  # None: every model whose library is installed
    scoring: list[str] | None = None
    n_repeats: int = 1
    test_size: float = 0.2
    validation_split: float = 0.2
    rows: int = 3
    top_k: int = 10
    background: int = 100
    global_rows: int = 100

    def model_list(self) -> list[str]:
        """The models to compare, by name: those asked for (all by default) whose library is installed."""
        installed = _baselines.installed_libraries()
        return [n for n in model_names(self.models) if installed.get(n, "builtin") is not None]

    def missing_libraries(self) -> list[str]:
        """Boosting libraries asked for by name (``--models``) that are not installed."""
        if self.models is None:
            return []
        installed = _baselines.installed_libraries()
        return [n for n in model_names(self.models) if n in installed and installed[n] is None]

    def network_text(self) -> str:
        parts = []
        if self.hidden_layer_sizes is not None:
            parts.append(f"hidden layers ({', '.join(str(n) for n in self.hidden_layer_sizes) or 'none'})")
        if self.epochs is not None:
            parts.append(f"{self.epochs} epochs")
        if self.batch_size is not None:
            parts.append(f"batch size {self.batch_size}")
        return ", ".join(parts) + (" (otherwise " if parts else "") + "skdeep's default recipe" + (")" if parts else "")
