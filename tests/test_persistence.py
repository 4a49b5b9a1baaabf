"""The safe model format: round trips, refusals with nothing executed, atomic writes."""

import io
import json
import pickle
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

import vsaug
import vsaug._model_format as model_format
from vsaug import BaggingAugmentedEnsemble, GPLightCurveAugmenter, PeriodicFeatures, load, save
from vsaug.datasets import make_light_curves
from vsaug.persistence import (InconsistentVersionWarning, ModelFileError, UntrustedTypesError,
                               load_legacy)

CLASSES = ["Ecl", "RRab", "RRc", "DSct"]


@pytest.fixture(scope="module")
def data():
    return make_light_curves(80, classes=CLASSES, n_points=(30, 50), random_state=0)


def _features_model():
    return make_pipeline(PeriodicFeatures(n_harmonics=2),
                         HistGradientBoostingClassifier(max_iter=10, max_leaf_nodes=8))


@pytest.fixture(scope="module")
def fast_model(data):
    X, y = data
    with threadpool_limits(limits=1, user_api="openmp"):
        return BaggingAugmentedEnsemble(
            _features_model(), augmenter=GPLightCurveAugmenter(), n_estimators=2,
            samples_per_class=25, random_state=0).fit(X, y)


class _Payload:
    """Unpickling this touches ``marker``: the code a hostile pickle would run."""

    def __init__(self, marker):
        self.marker = Path(marker)

    def __reduce__(self):
        return (Path.touch, (self.marker,))


class Plain:
    """A class vsaug does not know."""

    def __init__(self, value=1):
        self.value = value


def _replace_member(path, name, data):
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[name] = data
    with zipfile.ZipFile(path, "w") as zf:
        for n, d in members.items():
            zf.writestr(n, d)


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()


def test_fast_model_round_trip_identical(fast_model, data, tmp_path):
    X, _ = data
    path = save(fast_model, tmp_path / "fast.vsaug")
    loaded = load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), fast_model.predict_proba(X))
    assert loaded.get_params(deep=False).keys() == fast_model.get_params(deep=False).keys()
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    assert manifest["class"] == "vsaug.ensemble.BaggingAugmentedEnsemble"
    assert manifest["params"]["n_estimators"] == 2
    assert "vsaug.augmentation.GPLightCurveAugmenter" in manifest["classes"]
    assert not any(n.endswith((".pkl", ".joblib")) for n in _members(path))
    # pickling still works for users who want it
    restored = pickle.loads(pickle.dumps(fast_model))
    np.testing.assert_array_equal(restored.predict_proba(X), fast_model.predict_proba(X))


def test_plain_pipeline_round_trip(data, tmp_path):
    X, y = data
    pipe = _features_model().fit(X, y)
    loaded = load(save(pipe, tmp_path / "pipe.vsaug"))
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    assert list(loaded.named_steps) == list(pipe.named_steps)


def test_rnn_member_round_trip(data, tmp_path):
    from vsaug import MultiInputRNNClassifier

    X, y = data
    clf = MultiInputRNNClassifier(gru_units=(4, 4), dense_units=(8,), scalar_units=(4,),
                                  epochs=1, pad_multiple=64, random_state=0).fit(X, y)
    path = clf.save(tmp_path / "rnn.vsaug")
    assert any(n.endswith(".keras") for n in _members(path))
    loaded = MultiInputRNNClassifier.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_zip_member_that_would_run_code_is_refused(tmp_path):
    clf = DummyClassifier().fit([[0], [1]], [0, 1])
    path = save(clf, tmp_path / "m.vsaug")
    npy = next(n for n in _members(path) if n.endswith(".npy"))
    marker = tmp_path / "pwned"
    buf = io.BytesIO()
    np.save(buf, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
    _replace_member(path, npy, buf.getvalue())
    with pytest.raises(ModelFileError, match="not a plain numpy array.*unsafe"):
        load(path)
    assert not marker.exists()
    # the payload is live: loading the member with pickle allowed runs it
    np.load(io.BytesIO(buf.getvalue()), allow_pickle=True)
    assert marker.exists()


def test_old_joblib_file_is_refused_unexecuted_with_how_to_convert(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "old.vsaug"
    joblib.dump({"format": "vsaug", "format_version": 1, "estimator": _Payload(marker)}, path,
                compress=3)
    with pytest.raises(ModelFileError, match=r"pickle .*load_legacy"):
        load(path)
    assert not marker.exists()
    joblib.dump({"format": "vsaug", "format_version": 1, "estimator": [1, 2]}, path)
    with pytest.raises(ModelFileError, match="load_legacy"):
        load(path)
    assert load_legacy(path) == [1, 2]  # the user's explicit, trusted conversion


def test_unknown_class_refused_by_name_unless_trusted(tmp_path):
    clf = DummyClassifier().fit([[0], [1]], [0, 1])
    clf.extra_ = Plain(3)
    path = save(clf, tmp_path / "m.vsaug")
    name = f"{Plain.__module__}.Plain"
    with pytest.raises(UntrustedTypesError, match=f"{name}.*trusted=") as info:
        load(path)
    assert info.value.types == [name]
    assert load(path, trusted=[name]).extra_.value == 3


def test_manifest_cannot_hide_a_class_from_the_check(tmp_path):
    clf = DummyClassifier().fit([[0], [1]], [0, 1])
    path = save(clf, tmp_path / "m.vsaug")
    state = zipfile.ZipFile(path).read("state.json").decode()
    _replace_member(path, "state.json", state.replace(
        '"class": "sklearn.dummy.DummyClassifier"', '"class": "subprocess.Popen"').encode())
    with pytest.raises(ModelFileError, match="names subprocess.Popen, which its manifest"):
        load(path)
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    manifest["classes"] = ["subprocess.Popen"]
    _replace_member(path, "manifest.json", json.dumps(manifest).encode())
    with pytest.raises(UntrustedTypesError, match="subprocess.Popen"):
        load(path)


def test_functions_are_refused_unless_trusted(tmp_path):
    clf = DummyClassifier().fit([[0], [1]], [0, 1])
    clf.hook_ = print
    path = save(clf, tmp_path / "m.vsaug")
    with pytest.raises(UntrustedTypesError, match="builtins.print"):
        load(path)
    assert load(path, trusted=["builtins.print"]).hook_ is print


def test_other_version_warns_with_both_versions(tmp_path, monkeypatch):
    clf = DummyClassifier().fit([[0], [1]], [0, 1])
    monkeypatch.setattr(vsaug, "__version__", "0.0.1")
    path = save(clf, tmp_path / "m.vsaug")
    monkeypatch.undo()
    with pytest.warns(InconsistentVersionWarning,
                      match=f"saved with vsaug 0.0.1 and is loaded with vsaug {vsaug.__version__}"):
        load(path)


def test_failed_write_leaves_the_old_file_intact(tmp_path, monkeypatch, data):
    X, y = data
    old = DummyClassifier(strategy="prior").fit(np.zeros((len(y), 1)), y)
    path = save(old, tmp_path / "m.vsaug")
    before = path.read_bytes()
    calls = []

    def full_disk(*args, **kwargs):
        calls.append(1)
        if len(calls) > 2:  # a few members written, then the disk is full
            raise OSError(28, "No space left on device")
        return real_save(*args, **kwargs)

    real_save = np.save
    monkeypatch.setattr(model_format.np, "save", full_disk)
    with pytest.raises(OSError, match="No space left"):
        save(_features_model().fit(X, y), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert load(path).predict_proba(np.zeros((2, 1))).shape == (2, len(set(y)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.vsaug"]  # no temp file left


def test_damaged_files_give_a_clear_error(tmp_path):
    clf = DummyClassifier().fit([[0], [1]], [0, 1])
    path = save(clf, tmp_path / "m.vsaug")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="not a vsaug model file or is damaged"):
        load(path)
    path.write_bytes(b"hello")
    with pytest.raises(ModelFileError, match="not a vsaug model file"):
        load(path)
    with pytest.raises(FileNotFoundError, match="no model file"):
        load(tmp_path / "absent.vsaug")


def test_state_walker_round_trips_the_value_kinds(tmp_path):
    import pandas as pd

    rng = np.random.default_rng(5)
    rng.random()
    shared = np.arange(3)
    clf = DummyClassifier().fit([[0], [1]], [0, 1])
    clf.values_ = {
        "floats": [1.5, float("inf"), float("nan")], "tuple": (1, "a", None), "set": {1, 2},
        "bytes": b"\x00\x01", "scalar": np.float32(2.5), "int": np.int64(-7),
        "dtype": np.dtype("<f4"), "type": np.float64, "rng": rng,
        "legacy": np.random.RandomState(3), 3: "int key", "a": shared, "b": shared,
        "structured": np.zeros(2, dtype=[("x", "<f8"), ("n", "<i4")]),
        "objects": np.array(["RRab", 3, None], dtype=object),
        "frame": pd.DataFrame({"x": [1.0, 2.0], "s": ["a", "b"],
                               "c": pd.Categorical(["u", "v"])}, index=[5, 7]),
        "series": pd.Series([1, 2], name="n"),
        # LogisticRegression's coef_ is Fortran-ordered; BLAS rounds differently
        # for the other order, so a loaded model must keep it
        "fortran": np.asfortranarray(rng.random((3, 4))),
    }
    got = load(save(clf, tmp_path / "m.vsaug")).values_
    want = clf.values_
    assert got["floats"][:2] == [1.5, float("inf")] and np.isnan(got["floats"][2])
    for key in ("tuple", "set", "bytes", "dtype", "type", 3):
        assert got[key] == want[key]
    assert type(got["scalar"]) is np.float32 and got["scalar"] == 2.5
    assert type(got["int"]) is np.int64 and got["int"] == -7
    assert got["rng"].random() == rng.random()
    assert got["legacy"].randint(1000) == np.random.RandomState(3).randint(1000)
    assert got["a"] is got["b"]
    np.testing.assert_array_equal(got["structured"], want["structured"])
    assert got["objects"].dtype == object and got["objects"].tolist() == ["RRab", 3, None]
    pd.testing.assert_frame_equal(got["frame"], want["frame"])
    pd.testing.assert_series_equal(got["series"], want["series"])
    assert got["fortran"].flags.f_contiguous and not got["fortran"].flags.c_contiguous
    np.testing.assert_array_equal(got["fortran"], want["fortran"])
