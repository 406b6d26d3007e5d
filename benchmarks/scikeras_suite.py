"""Run scikeras's own test suite against skdeep.scikeras (or against scikeras, for the baseline).

scikeras's ``tests/`` folder (from a checkout of github.com/adriangb/scikeras at
0.13.0) is copied to ``--dest`` (outside this repository), its imports are
rewritten ``scikeras`` -> ``skdeep.scikeras`` (with ``--target skdeep``), and
pytest runs it in one process. Tests of scikeras's private utilities are left
out (``EXCLUDED``), and so is its 194-check scikit-learn suite unless
``--with-sklearn-checks`` is given: it checks scikeras's own expected failures.

    python benchmarks/scikeras_suite.py --tests ~/src/scikeras/tests --target skdeep
    /path/to/venv-with-scikeras/bin/python benchmarks/scikeras_suite.py --tests ... --target scikeras

Prints pytest's summary line and the wall time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# scikeras.utils.random_state.tensorflow_random_state: a private helper skdeep replaces.
EXCLUDED = ["test_random_state.py"]
SKLEARN_CHECKS = "test_scikit_learn_checks.py"
# keras.src moved KerasVariable in Keras 3.x; the public keras.Variable is the same class.
PATCHES = [("from keras.src.backend.common.variables import KerasVariable",
            "from keras import Variable as KerasVariable")]


def prepare(tests: Path, dest: Path, target: str) -> Path:
    """Copy ``tests`` to ``dest/tests`` with imports and Keras-version patches applied."""
    out = dest / "tests"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(tests, out)
    for path in out.glob("*.py"):
        text = path.read_text()
        for old, new in PATCHES:
            text = text.replace(old, new)
        if target == "skdeep":
            text = re.sub(r"\bfrom scikeras\b", "from skdeep.scikeras", text)
            text = re.sub(r"^import scikeras$", "import skdeep.scikeras as scikeras", text, flags=re.M)
        path.write_text(text)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=Path, required=True, help="scikeras's tests/ folder")
    parser.add_argument("--dest", type=Path, default=Path("/tmp/scikeras-suite"), help="scratch folder")
    parser.add_argument("--target", choices=["skdeep", "scikeras"], default="skdeep")
    parser.add_argument("--with-sklearn-checks", action="store_true")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    dest = args.dest.resolve()
    if ROOT in dest.parents or dest == ROOT:
        parser.error("--dest must be outside the repository")
    out = prepare(args.tests, dest, args.target)
    ignore = EXCLUDED + ([] if args.with_sklearn_checks else [SKLEARN_CHECKS])
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", str(out),
           *[f"--ignore={out / name}" for name in ignore], *args.pytest_args]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if args.target == "skdeep":
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=dest, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    (dest / f"pytest-{args.target}.log").write_text(proc.stdout + proc.stderr)
    summary = [line for line in proc.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    print(summary[-1] if summary else proc.stdout[-2000:])
    print(f"{args.target}: {elapsed:.0f} s; full log in {dest / f'pytest-{args.target}.log'}")
    return 0 if proc.returncode in (0, 1) else proc.returncode


if __name__ == "__main__":
    sys.exit(main())
