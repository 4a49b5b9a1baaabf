"""CompoundRNNCNNClassifier: two-stage training, frozen branch, persistence."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator

from vsaug import CompoundRNNCNNClassifier, MultiInputRNNClassifier
from vsaug.compound import PAPER_CONV_BLOCKS

TINY_RNN = dict(gru_units=(8, 8), dense_units=(16,), scalar_units=(8,), learning_rate=1e-2,
                pad_multiple=64)
TINY_CNN = dict(image_size=32, conv_blocks=(((4, 5),), ((8, 3),), ((8, 3),)),
                cnn_dense_units=(16,), learning_rate=1e-2, pad_multiple=64)


@pytest.fixture(scope="module")
def data(network_data, network_curves):
    return {**network_data, "mixed": network_curves(32, 3, n_points=(20, 300))}


@pytest.fixture(scope="module")
def rnn(data):
    X, y = data["train"]
    return MultiInputRNNClassifier(**TINY_RNN, epochs=6, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def compound(rnn, data):
    X, y = data["train"]
    before = [w.copy() for w in rnn.model_.get_weights()]
    clf = CompoundRNNCNNClassifier(FrozenEstimator(rnn), **TINY_CNN, epochs=6, random_state=0)
    clf.fit(X, y, validation_data=data["val"])
    # Stage two never touches the stage-one estimator it was given.
    for a, b in zip(before, rnn.model_.get_weights()):
        np.testing.assert_array_equal(a, b)
    return clf


def _layer_weights(model, prefix):
    return {layer.name: layer.get_weights() for layer in model.layers
            if layer.name.startswith(prefix) and layer.weights}


def test_learns_well_above_chance(compound, data):
    X, y = data["test"]
    proba = compound.predict_proba(X)
    assert proba.shape == (200, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    # Chance is 0.25.
    assert np.mean(compound.predict(X) == y) >= 0.6
    names = [t.name for t in compound.model_.inputs]
    assert [n.split(":")[0] for n in names] == ["sequence", "scalars", "image"]
    assert compound.model_.get_layer("image").output.shape[1:] == (32, 32, 1)


def test_frozen_rnn_branch_is_unchanged_and_the_rest_trained(compound, rnn):
    frozen = _layer_weights(compound.model_, "rnn_")
    assert set(frozen) == {"rnn_bigru_1", "rnn_bigru_2", "rnn_dense_1"}
    source = _layer_weights(rnn.model_, "rnn_")
    for name, weights in frozen.items():
        assert not compound.model_.get_layer(name).trainable
        for a, b in zip(weights, source[name]):
            np.testing.assert_array_equal(a, b)
    # The scalar branch was copied but not frozen: stage two moved it.
    scalar = _layer_weights(compound.model_, "scalar_")
    assert compound.model_.get_layer("scalar_dense_1").trainable
    assert not np.array_equal(scalar["scalar_dense_1"][0], _layer_weights(rnn.model_, "scalar_")
                              ["scalar_dense_1"][0])
    assert sorted(compound.copied_layers_) == ["rnn_bigru_1", "rnn_bigru_2", "rnn_dense_1",
                                               "scalar_dense_1"]
    assert compound.rnn_ is rnn


def test_padding_never_changes_a_prediction(compound, data):
    X, _ = data["mixed"]
    together = compound.predict_proba(X)
    for i in np.argsort(X.lengths)[:3]:
        np.testing.assert_allclose(compound.predict_proba(X[[i]])[0], together[i], atol=1e-5)


def test_pickle_and_save_load(compound, data, tmp_path):
    X, _ = data["mixed"]
    expected = compound.predict_proba(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(compound)).predict_proba(X), expected)
    loaded = CompoundRNNCNNClassifier.load(compound.save(tmp_path / "compound.vsaug"))
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    np.testing.assert_array_equal(loaded.rnn_.predict_proba(X), compound.rnn_.predict_proba(X))


def test_stage_one_trained_inside_and_both_branches_frozen(data):
    X, y = data["train"]
    X, y = X[:96], y[:96]
    stage_one = MultiInputRNNClassifier(**TINY_RNN, epochs=1)
    clf = CompoundRNNCNNClassifier(stage_one, **TINY_CNN, epochs=1,
                                   frozen_branches=("rnn", "scalar"), random_state=3)
    clf.fit(X, y)
    assert not hasattr(stage_one, "model_")  # cloned, not fitted in place
    assert clf.rnn_.random_state is not None  # seeded from the compound's random_state
    for prefix in ("rnn_", "scalar_"):
        source = _layer_weights(clf.rnn_.model_, prefix)
        for name, weights in _layer_weights(clf.model_, prefix).items():
            for a, b in zip(weights, source[name]):
                np.testing.assert_array_equal(a, b)
    assert clf.predict_proba(X[:5]).shape == (5, 4)
    # clone() keeps the configuration and drops the fitted state.
    twin = clone(clf)
    assert twin.get_params()["rnn__epochs"] == 1 and not hasattr(twin, "rnn_")


def test_defaults_are_the_papers():
    params = CompoundRNNCNNClassifier().get_params()
    assert params["conv_blocks"] == PAPER_CONV_BLOCKS == (
        ((4, 7), (4, 5)), ((8, 3),) * 3, ((16, 3),) * 3, ((32, 3),) * 2)
    assert (params["image_size"], params["pool_size"], params["pool_strides"],
            params["cnn_dropout"], params["cnn_dense_units"]) == (128, 3, 2, 0.2, (256, 32))


def test_errors(rnn, data):
    X, y = data["train"]
    X, y = X[:16], y[:16]
    with pytest.raises(TypeError, match="rnn must be a MultiInputRNNClassifier"):
        CompoundRNNCNNClassifier(FrozenEstimator(CompoundRNNCNNClassifier())).fit(X, y)
    with pytest.raises(ValueError, match="FrozenEstimator around an unfitted"):
        CompoundRNNCNNClassifier(FrozenEstimator(MultiInputRNNClassifier())).fit(X, y)
    keep = np.isin(y, ["RRab", "Ecl"])
    with pytest.raises(ValueError, match=r"the fitted rnn knows classes \['EA', 'Ecl', 'LPV', "
                                         r"'RRab'\] but y has \['Ecl', 'RRab'\]"):
        CompoundRNNCNNClassifier(FrozenEstimator(rnn)).fit(X[keep], y[keep])
    with pytest.raises(ValueError, match="conv_blocks must be a non-empty tuple of blocks"):
        CompoundRNNCNNClassifier(rnn, conv_blocks=(((4, 0),),)).fit(X, y)
    with pytest.raises(ValueError, match=r"frozen_branches may hold \['rnn', 'scalar'\], got \['cnn'\]"):
        CompoundRNNCNNClassifier(rnn, frozen_branches=("cnn",)).fit(X, y)
    with pytest.raises(ValueError, match="The 'image_size' parameter"):
        CompoundRNNCNNClassifier(rnn, image_size=4).fit(X, y)
