"""Phase folding of all curves at once."""

import numpy as np
import pandas as pd
import pytest

from vsaug import LightCurves
from vsaug.folding import fold, phase


def test_phase_and_fold_per_curve_periods():
    rng = np.random.default_rng(0)
    lengths = [20, 30]
    periods = np.array([0.37, 5.2])
    t = np.concatenate([np.sort(rng.uniform(0, 100, n)) for n in lengths])
    mag = rng.normal(size=t.size)
    X = LightCurves(t, mag, np.full(t.size, 0.1), [0, 20, 50], pd.DataFrame({"period": periods}))
    ph = phase(X)
    expected = np.concatenate([(t[:20] / 0.37) % 1, (t[20:] / 5.2) % 1])
    np.testing.assert_allclose(ph, expected, atol=1e-12)
    Xf, phf = fold(X)
    for i in range(2):
        a, b = Xf.offsets[i], Xf.offsets[i + 1]
        assert np.all(np.diff(phf[a:b]) >= 0)
        # same points, just reordered within the curve
        np.testing.assert_array_equal(np.sort(Xf.mag[a:b]), np.sort(mag[a:b]))
    assert np.all((phf >= 0) & (phf < 1))


def test_epoch_and_explicit_period():
    X = LightCurves(np.arange(6.0), np.zeros(6), np.ones(6), [0, 6], pd.DataFrame({"t0": [0.5]}))
    np.testing.assert_allclose(phase(X, period=[2.0]), [0.75, 0.25, 0.75, 0.25, 0.75, 0.25])
    with pytest.raises(ValueError, match="no 'period' in meta"):
        phase(X)
    with pytest.raises(ValueError, match="period has shape"):
        phase(X, period=[1.0, 2.0])
