"""Run the examples that draw, at their own epochs, and copy their figures into docs/img/examples/.

The Examples page (docs/examples.md) shows these PNGs. Re-run after changing an
example or a plot, and commit the PNGs::

    python tools/example_figures.py

Each script runs in a fresh process with ``MPLBACKEND=Agg`` and
``SKDEEP_EXAMPLE_OUTPUT`` set to a temporary folder; only the PNGs listed in
``FIGURES`` are kept, as 256-colour PNGs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "img" / "examples"

# script -> the figures it writes that docs/examples.md shows
FIGURES = {
    "01_perceptron_binary_step": ["perceptron.png"],
    "02_deep_classifier_shap": ["training_curves.png", "network.png", "shap_decision.png",
                                "shap_importance.png"],
    "03_regression_mae_r2": ["mlp_training_curves.png", "shap_waterfall.png"],
    "06_multiclass_digits_regularization": ["no_regularization.png", "dropout_05.png", "L2_001.png"],
    "08_iris_save_load": ["accuracy.png"],
}


def shrink(source: Path, target: Path) -> None:
    """``source`` as a 256-colour PNG: a third of the size, indistinguishable for line plots."""
    from PIL import Image  # comes with matplotlib

    with Image.open(source) as image:
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                dither=Image.Dither.NONE)
    palette.save(target, optimize=True)


def main(names: list[str]) -> int:
    env = {**os.environ, "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("SKDEEP_EXAMPLE_EPOCHS", None)  # the figures show each example's own training
    with tempfile.TemporaryDirectory() as tmp:
        env["SKDEEP_EXAMPLE_OUTPUT"] = tmp
        for name in names or list(FIGURES):
            print(f"running {name}", flush=True)
            subprocess.run([sys.executable, str(ROOT / "examples" / f"{name}.py")], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            target = DOCS / name
            target.mkdir(parents=True, exist_ok=True)
            for figure in FIGURES[name]:
                shrink(Path(tmp) / name / figure, target / figure)
                print(f"  {target.relative_to(ROOT) / figure} ({(target / figure).stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
