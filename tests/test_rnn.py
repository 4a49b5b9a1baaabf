"""MultiInputRNNClassifier: learning, masking, best epoch, repeatability, persistence."""

import copy
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from vsaug import LightCurves, MultiInputRNNClassifier
from vsaug._training import NetworkInputs, balanced_accuracy
from vsaug.sequences import EncodedSequences, pad_batch

CLASSES = ("RRab", "Ecl", "EA", "LPV")  # conftest.NETWORK_CLASSES
# A tiny network; all training curves fit one padded length (64) so that the
# training step is traced once.
TINY = dict(gru_units=(8, 8), dense_units=(16,), scalar_units=(8,), learning_rate=1e-2,
            pad_multiple=64, epochs=8)


@pytest.fixture(scope="module")
def data(network_data, network_curves):
    return {**network_data, "mixed": network_curves(48, 3, n_points=(20, 300))}


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data["train"]
    return MultiInputRNNClassifier(**TINY, random_state=0).fit(X, y, validation_data=data["val"])


def test_learns_well_above_chance(fitted, data):
    X, y = data["test"]
    proba = fitted.predict_proba(X)
    assert proba.shape == (200, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(fitted.classes_, sorted(CLASSES))
    np.testing.assert_array_equal(fitted.predict(X), fitted.classes_[proba.argmax(axis=1)])
    # Chance is 0.25; this configuration reaches about 0.75.
    assert np.mean(fitted.predict(X) == y) >= 0.6
    assert fitted.model_.count_params() < 5000
    assert len(fitted.history_["loss"]) == 8 and fitted.history_["loss"][-1] < fitted.history_["loss"][0]


def test_learning_rate_schedules(fitted, data):
    # Constant: every epoch at the set rate, the optimizer never touched.
    assert fitted.history_["learning_rate"] == [1e-2] * 8
    assert float(fitted.model_.optimizer.learning_rate) == pytest.approx(1e-2)
    X, y = data["train"]
    params = {**TINY, "epochs": 4}
    cosine = MultiInputRNNClassifier(**params, learning_rate_schedule="cosine",
                                     random_state=0).fit(X, y)
    # Half a cosine from 1e-2: epoch starts at 1, 0.85, 0.5, 0.15 of it, and
    # the last step just above zero.
    np.testing.assert_allclose(cosine.history_["learning_rate"],
                               1e-2 * 0.5 * (1 + np.cos(np.pi * np.arange(4) / 4)), rtol=1e-6)
    assert 0 < float(cosine.model_.optimizer.learning_rate) < 1e-4
    constant = MultiInputRNNClassifier(**params, random_state=0).fit(X, y)
    # Same seed, same batches: only the step sizes differ after the first step.
    assert not np.allclose(cosine.predict_proba(X[:20]), constant.predict_proba(X[:20]))
    assert cosine.history_["loss"][0] == pytest.approx(constant.history_["loss"][0], rel=0.2)


def test_padding_never_changes_a_prediction(fitted, data):
    X, _ = data["mixed"]
    together = fitted.predict_proba(X)  # one batch padded to the longest (>= 288)
    shortest = np.argsort(X.lengths)[:5]
    assert X.lengths[shortest].max() < 64 <= X.lengths.max() - 200
    for i in shortest:
        np.testing.assert_allclose(fitted.predict_proba(X[[i]])[0], together[i], atol=1e-5)
    # The network itself: the same curve padded to 64 or to 512 steps.
    enc = fitted._encode(X[shortest], fit=False)
    short = fitted.model_.predict_on_batch([pad_batch(enc.seq, np.arange(5), multiple=64),
                                            enc.scalars])
    long = fitted.model_.predict_on_batch([pad_batch(enc.seq, np.arange(5), length=512),
                                           enc.scalars])
    np.testing.assert_allclose(short, long, atol=1e-5)
    # Padding every batch to the data set's longest curve: same probabilities.
    naive = copy.copy(fitted).set_params(group_by_length=False, predict_batch_size=7)
    np.testing.assert_allclose(naive.predict_proba(X), together, atol=1e-5)


def test_best_epoch_weights_are_kept(fitted, data):
    history = fitted.history_
    scores = history["val_balanced_accuracy"]
    assert len(scores) == len(history["val_loss"]) == 8
    best = max(zip(scores, -np.asarray(history["val_loss"])))
    assert fitted.best_epoch_ == 1 + list(zip(scores, -np.asarray(history["val_loss"]))).index(best)
    X_val, y_val = data["val"]
    y_idx = np.searchsorted(fitted.classes_, y_val)
    pred = np.searchsorted(fitted.classes_, fitted.predict(X_val))
    assert balanced_accuracy(y_idx, pred, 4) == pytest.approx(scores[fitted.best_epoch_ - 1])


class _ScriptedModel:
    """Stands in for a Keras model: its 'weights' count the training steps, and
    its validation predictions follow a script per step count."""

    # steps -> (classes predicted correctly, confidence)
    SCRIPT = {1: ({0}, 0.9), 2: ({0, 1}, 0.6), 3: ({0}, 0.9), 4: (set(), 0.9),
              5: ({0, 1}, 0.55), 6: ({0, 1}, 0.9), 7: ({1}, 0.9)}

    def __init__(self):
        self.steps = 0

    def train_on_batch(self, inputs, targets, sample_weight=None):
        self.steps += 1
        return 1.0 / self.steps

    def get_weights(self):
        return [np.array(self.steps)]

    def set_weights(self, weights):
        self.steps = int(weights[0])

    def predict_on_batch(self, inputs):
        label = inputs[1][:, 0].astype(int)  # the scalar input carries the label
        right, conf = self.SCRIPT[self.steps]
        pred = np.where(np.isin(label, list(right)), label, 1 - label)
        proba = np.full((label.size, 2), 1 - conf)
        proba[np.arange(label.size), pred] = conf
        return proba


def test_training_loop_restores_best_epoch_with_loss_tie_break():
    clf = MultiInputRNNClassifier(batch_size=32, epochs=7, pad_multiple=8)
    clf.classes_ = np.array(["a", "b"])
    seq = EncodedSequences(np.ones((20, 3), np.float32), np.arange(0, 21, 5), np.zeros(20))
    labels = np.array([0, 1, 0, 1])
    inputs = NetworkInputs(seq, labels[:, None].astype(np.float32))
    model = _ScriptedModel()
    clf._train(model, inputs, labels, None, (inputs, labels), np.random.default_rng(0))
    assert clf.history_["val_balanced_accuracy"] == [0.5, 1.0, 0.5, 0.0, 1.0, 1.0, 0.5]
    # Epochs 2, 5 and 6 all score 1.0; epoch 6 is the most confident (lowest loss).
    assert clf.best_epoch_ == 6 and model.steps == 6
    assert clf.history_["loss"] == pytest.approx([1.0, 0.5, 1 / 3, 0.25, 0.2, 1 / 6, 1 / 7])


def test_same_seed_same_weights_and_other_seed_differs(data):
    X, y = data["train"]
    X, y, X_test = X[:64], y[:64], data["test"][0]
    fits = [MultiInputRNNClassifier(**{**TINY, "epochs": 2}, random_state=0).fit(X, y)
            for _ in range(2)]
    for a, b in zip(fits[0].model_.get_weights(), fits[1].model_.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(fits[0].predict_proba(X_test), fits[1].predict_proba(X_test))
    # Another seed starts from other weights (built only, not trained).
    built = [fits[0]._build_model(4, seed).get_weights() for seed in (5, 5, 6)]
    assert all(np.array_equal(a, b) for a, b in zip(built[0], built[1]))
    assert not np.array_equal(built[0][0], built[2][0])
    # The forward and backward GRUs of a layer start differently.
    gru = fits[0]._build_model(4, 5).get_layer("rnn_bigru_1")
    assert not np.array_equal(gru.forward_layer.get_weights()[0], gru.backward_layer.get_weights()[0])


def test_without_scalar_branch_and_verbose_progress(data, capsys):
    X, y = data["train"]
    clf = MultiInputRNNClassifier(**{**TINY, "epochs": 2}, scalar_features=(), verbose=1,
                                  random_state=0).fit(X[:96], y[:96], validation_data=data["val"])
    assert len(clf.model_.inputs) == 1
    assert clf.predict_proba(X[:3]).shape == (3, 4)
    err = capsys.readouterr()
    assert "epoch 1/2" in err.err and "epoch 2/2" in err.err
    assert "val_balanced_accuracy" in err.out + err.err


def test_pickle_and_save_load_give_identical_probabilities(fitted, data, tmp_path):
    X, _ = data["mixed"]
    expected = fitted.predict_proba(X)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    path = fitted.save(tmp_path / "rnn.vsaug")
    loaded = MultiInputRNNClassifier.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    assert loaded.get_params() == fitted.get_params() and loaded.best_epoch_ == fitted.best_epoch_
    # The archive holds the weights, not Adam's moments (a fitted network only predicts).
    assert getattr(loaded.model_, "optimizer", None) is None
    assert fitted.model_.optimizer is not None  # pickling left the fitted network compiled
    from vsaug import save
    from vsaug.compound import CompoundRNNCNNClassifier
    with pytest.raises(TypeError, match="holds a MultiInputRNNClassifier, not a CompoundRNNCNNClassifier"):
        CompoundRNNCNNClassifier.load(save(fitted, tmp_path / "other.vsaug"))


def test_ensemble_of_networks_persists(data, tmp_path):
    from vsaug import BaggingAugmentedEnsemble, load

    X, y = data["train"]
    ens = BaggingAugmentedEnsemble(
        MultiInputRNNClassifier(**{**TINY, "epochs": 1}), augmenter="duplicate",
        n_estimators=2, samples_per_class=24, random_state=0,
    ).fit(X[:80], y[:80], validation_data=(X[200:], y[200:]))
    X_test, _ = data["mixed"]
    expected = ens.predict_proba(X_test)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(ens)).predict_proba(X_test), expected)
    np.testing.assert_array_equal(load(ens.estimators_[0].save(tmp_path / "m.vsaug")).predict_proba(X_test),
                                  ens.estimators_[0].predict_proba(X_test))
    from vsaug import save
    np.testing.assert_array_equal(load(save(ens, tmp_path / "ens.vsaug")).predict_proba(X_test), expected)


def test_clone_and_params(network_curves):
    clf = MultiInputRNNClassifier(gru_units=(4, 4), epochs=3, random_state=7)
    twin = clone(clf)
    assert twin.get_params() == clf.get_params()
    assert MultiInputRNNClassifier().get_params()["gru_units"] == (128, 64)
    defaults = MultiInputRNNClassifier().get_params()
    assert (defaults["dense_units"], defaults["scalar_units"], defaults["dropout"],
            defaults["label_smoothing"], defaults["learning_rate"], defaults["batch_size"],
            defaults["epochs"]) == ((128, 32), (64, 32), 0.4, 0.1, 1e-3, 32, 10)
    assert defaults["scalar_features"] == ("log_period", "amplitude")
    with pytest.raises(NotFittedError):
        clf.predict_proba(network_curves(8, 0)[0])


@pytest.mark.parametrize("params, message", [
    (dict(gru_units=(8, 0)), r"gru_units must be a tuple of positive ints, got \(8, 0\)"),
    (dict(dense_units=()), r"dense_units must be a tuple of positive ints, got \(\)"),
    (dict(dropout=1.5), r"The 'dropout' parameter of MultiInputRNNClassifier must be"),
    (dict(batch_size=0), r"The 'batch_size' parameter"),
    (dict(scalar_features=("period", "period")), r"scalar_features must be distinct"),
    (dict(scalar_features=("colour",)), r"scalar feature 'colour' needs a meta column 'colour'"),
    (dict(class_weight="inverse"), r"The 'class_weight' parameter"),
    (dict(learning_rate_schedule="step"), r"The 'learning_rate_schedule' parameter"),
])
def test_bad_parameters(params, message, network_curves):
    X, y = network_curves(8, 0)
    with pytest.raises(ValueError, match=message):
        MultiInputRNNClassifier(**params).fit(X, y)


def test_bad_input(network_curves):
    X, y = network_curves(8, 0)
    clf = MultiInputRNNClassifier()
    with pytest.raises(ValueError, match="y has 7 labels but there are 8 light curves"):
        clf.fit(X, y[:7])
    with pytest.raises(ValueError, match=r"needs at least 2 classes in y, got 1 \(\['RRab'\]\)"):
        clf.fit(X, np.array(["RRab"] * 8))
    no_amp = X.with_points(meta=X.meta.drop(columns="amplitude"))
    with pytest.raises(ValueError, match="'amplitude'.*LightCurveCleaner fills it"):
        clf.fit(no_amp, y)
    bad_period = X.meta.copy()
    bad_period.loc[3, "period"] = -1.0
    with pytest.raises(ValueError, match=r"star 3 \(id=3\) has period=-1.0"):
        clf.fit(X.with_points(meta=bad_period), y)
    no_period = LightCurves(X.time, X.mag, X.err, X.offsets, X.meta.drop(columns="period"))
    with pytest.raises(ValueError, match="no 'period' in meta"):
        MultiInputRNNClassifier(scalar_features=()).fit(no_period, y)
    with pytest.raises(ValueError, match=r"validation_data: star 0 \(id=0\) has label 'Rot'"):
        clf.fit(X, y, validation_data=(X[:2], ["Rot", "RRab"]))
    with pytest.raises(ValueError, match=r"validation_data must be a pair \(X_val, y_val\)"):
        clf.fit(X, y, validation_data=X)
    with pytest.raises(ValueError, match="sample_weight must be 8 finite non-negative values"):
        clf.fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match=r"class_weight names classes \['Rot'\]"):
        MultiInputRNNClassifier(class_weight={"Rot": 2.0}).fit(X, y)


def test_class_and_sample_weights_combine():
    clf = MultiInputRNNClassifier(class_weight="balanced")
    clf.classes_ = np.array(["a", "b"])
    y_idx = np.array([0, 0, 0, 1])
    np.testing.assert_allclose(clf._sample_weights(y_idx, None), [2 / 3, 2 / 3, 2 / 3, 2.0])
    np.testing.assert_allclose(clf._sample_weights(y_idx, [1, 0, 1, 0.5]), [2 / 3, 0, 2 / 3, 1.0])
    clf.set_params(class_weight={"b": 3.0})
    np.testing.assert_allclose(clf._sample_weights(y_idx, None), [1, 1, 1, 3.0])


def test_importing_the_estimators_does_not_import_keras():
    code = ("import sys, vsaug, vsaug.rnn, vsaug.compound, vsaug.sequences, vsaug.images; "
            "vsaug.MultiInputRNNClassifier, vsaug.CompoundRNNCNNClassifier; "
            "print(sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_scalar_features_from_meta():
    from vsaug.rnn import scalar_feature_matrix

    X = LightCurves(np.arange(10.0), np.zeros(10), np.ones(10), [0, 5, 10],
                    pd.DataFrame({"period": [10.0, 0.1], "amplitude": [0.3, np.nan]}))
    np.testing.assert_allclose(scalar_feature_matrix(X, ("log_period",)), [[1.0], [-1.0]])
    with pytest.raises(ValueError, match="star 1 has amplitude=nan; it must be finite"):
        scalar_feature_matrix(X, ("amplitude",))


def test_interrupted_fit_resumes_from_its_backup(fitted, data, tmp_path, monkeypatch):
    from vsaug import _training_backup
    from vsaug._training_backup import BACKUP_FILE, TrainingBackup

    X, y = data["train"]
    save = TrainingBackup.save
    saved = []

    def killed_after_epoch_3(self, **state):
        save(self, **state)
        saved.append(state["epoch"])
        if state["epoch"] == 3:
            raise KeyboardInterrupt("simulated kill")

    monkeypatch.setattr(_training_backup.TrainingBackup, "save", killed_after_epoch_3)
    backup = tmp_path / "backup"
    make = lambda seed: MultiInputRNNClassifier(**TINY, backup_dir=str(backup), random_state=seed)
    with pytest.raises(KeyboardInterrupt):
        make(0).fit(X, y, validation_data=data["val"])
    assert saved == [1, 2, 3] and (backup / BACKUP_FILE).is_file()
    with np.load(backup / BACKUP_FILE, allow_pickle=False) as state:  # arrays and JSON only
        assert all(state[k].dtype != object for k in state.files)
    # A fit with other parameters does not take (or overwrite) this backup.
    with pytest.raises(ValueError, match=r"backup of another fit .*give this fit its own"):
        make(1).fit(X, y, validation_data=data["val"])
    with pytest.raises(ValueError, match=r"backup of another fit"):  # other curves
        make(0).fit(X[1:], y[1:], validation_data=data["val"])
    resumed = make(0).fit(X, y, validation_data=data["val"])
    assert saved == [1, 2, 3, 4, 5, 6, 7, 8]  # epochs 4 to 8 only
    assert resumed.resumed_from_epoch_ == 3 and fitted.resumed_from_epoch_ == 0
    assert not backup.exists()  # removed when the fit finished
    # The result of the uninterrupted fit: same epochs, same kept weights.
    assert resumed.history_["loss"][:3] == fitted.history_["loss"][:3]
    np.testing.assert_allclose(resumed.history_["loss"], fitted.history_["loss"], rtol=1e-4)
    assert resumed.best_epoch_ == fitted.best_epoch_
    Xt = data["test"][0][:40]
    np.testing.assert_allclose(resumed.predict_proba(Xt), fitted.predict_proba(Xt), atol=1e-4)


def test_keras_callbacks_see_every_epoch_and_can_stop_training(data):
    import keras

    X, y = data["train"]
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append((epoch, sorted(logs))))
    # loss must improve by 10 per epoch: it never does, so training stops after epoch 2.
    stop = keras.callbacks.EarlyStopping(monitor="loss", min_delta=10.0, patience=1)
    clf = MultiInputRNNClassifier(**TINY, callbacks=[record, stop], random_state=0)
    clf.fit(X, y, validation_data=data["val"])
    assert [e for e, _ in seen] == [0, 1]
    assert seen[0][1] == ["loss", "val_balanced_accuracy", "val_loss"]
    assert len(clf.history_["loss"]) == 2 and clf.best_epoch_ in (1, 2)
    # The callbacks are a parameter, cloned with the estimator.
    assert clone(clf).get_params()["callbacks"][0] is not record
