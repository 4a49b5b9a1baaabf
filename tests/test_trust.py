"""Trust: ``vsaug fit``'s bag size (issue 16, item 3), its output check, model-file arrays."""

import io

import numpy as np
import pytest

import vsaug.experiments as ex
from vsaug import load
from vsaug.cli import main
from vsaug.datasets import make_light_curves
from vsaug.experiments import write_crts_folder


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory):
    # 300 + 100 stars: a mean class size of 200, far below the fast profile's 1875.
    X, y = make_light_curves(400, classes=["Ecl", "RRab"], weights={"Ecl": 3, "RRab": 1},
                             n_points=(40, 60), random_state=3)
    return write_crts_folder(X, y, tmp_path_factory.mktemp("small"))


@pytest.fixture
def quick_members(monkeypatch):
    """make_model as the command calls it, with one bag of duplicates, no cleaning."""
    real = ex.make_model

    def quick(model, profile, **kwargs):
        kwargs.update(n_bags=1, clean=False)
        pipe = real(model, profile, **kwargs)
        return pipe.set_params(ensemble__augmenter="duplicate")

    monkeypatch.setattr(ex, "make_model", quick)


def fitted_bag_size(folder, tmp_path, *extra):
    out = tmp_path / "m.vsaug"
    assert main(["fit", "--data", str(folder), "--profile", "fast", "--out", str(out),
                 "--n-jobs", "1", *extra]) == 0
    return load(out).named_steps["ensemble"].samples_per_class


def test_a_small_catalogue_gets_a_small_bag_and_is_told(small_folder, tmp_path, quick_members,
                                                       capsys):
    assert fitted_bag_size(small_folder, tmp_path) == 200
    out = capsys.readouterr().out
    assert "bags of 200 curves per class" in out and "--samples-per-class" in out


def test_an_explicit_bag_size_wins(small_folder, tmp_path, quick_members, capsys):
    assert fitted_bag_size(small_folder, tmp_path, "--samples-per-class", "37") == 37
    assert "bags of" not in capsys.readouterr().out


def test_an_unwritable_out_is_named_as_given(small_folder, tmp_path, monkeypatch, capsys):
    from pathlib import Path

    def refuse(self, data):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_bytes", refuse)
    out = tmp_path / "m.vsaug"
    assert main(["fit", "--data", str(small_folder), "--out", str(out), "-q"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"vsaug fit: error: {out}: Permission denied; choose a folder you may write to, "
        "or fix its permissions")


@pytest.mark.parametrize("array", [
    np.zeros(0), np.array(3.5), np.zeros((0, 3), dtype=np.int32), np.arange(10, dtype=">i4"),
    np.array(["ab", "c"]), np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    np.ones(7, dtype=[("value", "<f8"), ("count", "<u4"), ("is_leaf", "u1")]),
])
def test_model_file_arrays_read_back_exactly(array):
    from vsaug._model_format import _read_npy

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    back = _read_npy(buffer.getvalue())
    assert back.dtype == array.dtype and back.shape == array.shape and back.flags.writeable
    np.testing.assert_array_equal(back, array)


def test_truncated_or_foreign_array_members_are_refused():
    from vsaug._model_format import _read_npy

    buffer = io.BytesIO()
    np.save(buffer, np.arange(100.0), allow_pickle=False)
    with pytest.raises(ValueError, match="buffer is smaller"):
        _read_npy(buffer.getvalue()[:-1])
    with pytest.raises(ValueError, match="not a .npy file"):
        _read_npy(b"PK\x03\x04 not numpy")
