"""Package-level promises: fast import, public names, persistence format."""

import subprocess
import sys

import numpy as np
import pytest

import vsaug


def test_import_does_not_load_tensorflow():
    code = "import vsaug, vsaug.datasets, sys; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_public_names_resolve():
    for name in vsaug.__all__:
        assert getattr(vsaug, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        vsaug.nope


def test_save_load_roundtrip_and_bad_file(tmp_path):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = LogisticRegression().fit(X, y)
    path = vsaug.save(clf, tmp_path / "m.vsaug")
    np.testing.assert_array_equal(vsaug.load(path).predict_proba(X), clf.predict_proba(X))
    import joblib

    joblib.dump({"something": 1}, tmp_path / "other.pkl")
    with pytest.raises(ValueError, match="not a vsaug model file"):
        vsaug.load(tmp_path / "other.pkl")
