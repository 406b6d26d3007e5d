"""JAX's persistent compilation cache (issue 18): where it is, the off switch, the user's own wins."""

import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("jax")
from skdeep._engine._jax import CACHE_ENV, compilation_cache_dir  # noqa: E402


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert compilation_cache_dir() == os.path.join(str(tmp_path), "skdeep", "jax")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "mine"))
    assert compilation_cache_dir() == str(tmp_path / "mine")
    for off in ("off", "", "0", "OFF"):
        monkeypatch.setenv(CACHE_ENV, off)
        assert compilation_cache_dir() is None


_FIT = textwrap.dedent("""
    import os, sys
    import jax
    if len(sys.argv) > 1:
        jax.config.update("jax_compilation_cache_dir", sys.argv[1])  # the user's own, set first
    import numpy as np
    from skdeep import KerasClassifier
    X = np.random.RandomState(0).randn(60, 3); y = (X[:, 0] > 0).astype(int)
    KerasClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(X, y).predict(X)
    print(jax.config.jax_compilation_cache_dir)
""")


def _fit(env, *args):
    out = subprocess.run([sys.executable, "-c", _FIT, *args], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_compiled_programs_are_kept_where_asked(tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "jax", CACHE_ENV: str(tmp_path / "cache")}
    assert _fit(env) == str(tmp_path / "cache")
    kept = os.listdir(tmp_path / "cache")
    assert any("epoch" in name for name in kept), kept  # the epoch function among them
    # The user's own cache folder wins; "off" sets none.
    assert _fit(env, str(tmp_path / "users")) == str(tmp_path / "users")
    assert _fit({**env, CACHE_ENV: "off"}) == "None"
