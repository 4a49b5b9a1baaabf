"""vsaug.plotting: the figures draw the data they are given."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from vsaug import GPLightCurveAugmenter, LightCurves  # noqa: E402
from vsaug.datasets import make_light_curves  # noqa: E402
from vsaug.folding import phase  # noqa: E402
from vsaug.gp import predict_curve  # noqa: E402
from vsaug.metrics import confusion_matrices, cross_test  # noqa: E402
from vsaug.plotting import (  # noqa: E402
    plot_confusion_matrices,
    plot_confusion_matrix,
    plot_cross_test,
    plot_gp_augmentation,
    plot_light_curve,
)

LABELS = ["Ecl", "RRab", "DSct"]
MATRIX = np.array([[0.8, 0.15, 0.05], [0.1, 0.9, 0.0], [0.0, 0.3, 0.7]])


def _ax():
    return Figure().add_subplot()


def _png_bytes(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def test_confusion_matrix_cells_labels_and_colours():
    ax = plot_confusion_matrix(MATRIX, LABELS, view="precision", ax=_ax())
    texts = [t.get_text() for t in ax.texts]
    assert texts == [f"{v:.2f}" for v in MATRIX.ravel()]
    # Each number sits on its own cell: text (x, y) = (column, row).
    assert [t.get_position() for t in ax.texts][5] == (2, 1)
    assert [t.get_text() for t in ax.get_xticklabels()] == LABELS
    assert [t.get_text() for t in ax.get_yticklabels()] == LABELS
    np.testing.assert_array_equal(ax.images[0].get_array(), MATRIX)
    assert ax.images[0].get_clim() == (0.0, 1.0)
    assert ax.get_title() == "Precision view (columns normalised)"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    colours = [t.get_color() for t in ax.texts]
    assert colours[0] == "white" and colours[1] == "black"  # 0.80 dark, 0.15 light
    assert len(ax.figure.axes) == 2  # the matrix and its colour bar
    assert _png_bytes(ax.figure)[:4] == b"\x89PNG"


def test_confusion_matrix_spread_text_and_errors():
    low, high = MATRIX - 0.05, MATRIX + 0.05
    ax = plot_confusion_matrix(MATRIX, LABELS, low=low, high=high, ax=_ax(), colorbar=False)
    assert ax.texts[0].get_text() == "0.80\n0.75-0.85"
    assert len(ax.figure.axes) == 1
    with pytest.raises(ValueError, match=r"matrix has shape \(3, 3\) but there are 2 labels"):
        plot_confusion_matrix(MATRIX, LABELS[:2], ax=_ax())
    with pytest.raises(ValueError, match="view must be 'recall' or 'precision', got 'f1'"):
        plot_confusion_matrix(MATRIX, LABELS, view="f1", ax=_ax())
    with pytest.raises(ValueError, match="give both low and high"):
        plot_confusion_matrix(MATRIX, LABELS, low=low, ax=_ax())


def test_both_views_side_by_side_match_metrics():
    y_true = ["a", "a", "b", "b", "b", "c"]
    y_pred = ["a", "b", "b", "b", "c", "c"]
    axes = Figure(figsize=(9, 4)).subplots(1, 2)
    fig = plot_confusion_matrices(y_true, y_pred, axes=axes, title="test")
    rec, prec = confusion_matrices(y_true, y_pred)
    np.testing.assert_allclose(axes[0].images[0].get_array(), rec)
    np.testing.assert_allclose(axes[1].images[0].get_array(), prec)
    assert fig._suptitle.get_text() == "test"
    assert len(axes[0].texts) == len(axes[1].texts) == 9
    with pytest.raises(ValueError, match="axes must hold two Axes, got 1"):
        plot_confusion_matrices(y_true, y_pred, axes=[_ax()])


def test_new_figure_through_pyplot_when_no_ax():
    before = plt.get_fignums()
    ax = plot_confusion_matrix(MATRIX, LABELS)
    try:
        assert ax.figure.number not in before
    finally:
        plt.close(ax.figure)


def test_cross_test_figure_shows_median_and_spread():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (25, 2)), rng.normal(1.5, 1, (25, 2))]
    y = np.repeat(["a", "b"], 25)
    from sklearn.neighbors import KNeighborsClassifier

    res = cross_test(KNeighborsClassifier(), X, y, n_splits=5, random_state=0)
    ax = plot_cross_test(res, view="recall", ax=_ax())
    med = res.median("recall")
    low = np.minimum(res.second_best("recall"), res.second_worst("recall"))
    high = np.maximum(res.second_best("recall"), res.second_worst("recall"))
    assert ax.texts[1].get_text() == f"{med[0, 1]:.2f}\n{low[0, 1]:.2f}-{high[0, 1]:.2f}"
    assert "median over 5 folds" in ax.get_title()


def _sine_curves():
    t = np.linspace(0.0, 20.0, 50)
    mag = 15 + 0.3 * np.sin(2 * np.pi * t / 2.5)
    meta = pd.DataFrame({"id": [7, 8], "period": [2.5, 3.0], "class": ["RRc", "Ecl"]})
    return LightCurves(np.r_[t, t], np.r_[mag, mag], np.full(100, 0.02), [0, 50, 100], meta)


def test_folded_light_curve_draws_phases_and_errors():
    X = _sine_curves()
    ax = plot_light_curve(X, 0, n_cycles=2, ax=_ax())
    line = ax.lines[0]
    expected_phase = phase(X[[0]])
    np.testing.assert_allclose(line.get_xdata(), np.r_[expected_phase, expected_phase + 1])
    np.testing.assert_allclose(line.get_ydata(), np.tile(X[0].mag, 2))
    bars = [c for c in ax.collections if isinstance(c, LineCollection)][0]
    lengths = [abs(seg[1][1] - seg[0][1]) for seg in bars.get_segments()]
    np.testing.assert_allclose(lengths, 0.04)  # two sigma per bar
    assert bool(ax.yaxis_inverted())
    assert ax.get_title() == "id 7, class RRc, P = 2.5 d"


def test_light_curve_unfolded_and_errors():
    X = _sine_curves()
    ax = plot_light_curve(X[1], folded=False, ax=_ax())
    np.testing.assert_allclose(ax.lines[0].get_xdata(), X[1].time)
    assert ax.get_xlabel() == "time (d)"
    with pytest.raises(ValueError, match="X holds 2 light curves: say which with index="):
        plot_light_curve(X, ax=_ax())
    bare = LightCurves(np.arange(6.0), np.zeros(6), np.ones(6), [0, 6])
    with pytest.raises(ValueError, match="cannot fold: the curve has period=None"):
        plot_light_curve(bare, ax=_ax())
    with pytest.raises(ValueError, match="n_cycles must be a positive integer, got 0"):
        plot_light_curve(X, 0, n_cycles=0, ax=_ax())


@pytest.fixture(scope="module")
def augmenter():
    X, y = make_light_curves(40, classes=["RRab", "DSct"], random_state=1)
    return GPLightCurveAugmenter(wrap=False, random_state=0).fit(X, y)


def test_gp_figure_draws_the_fit_the_curve_and_a_synthetic(augmenter):
    index = int(augmenter.gp_params_.index[0])
    ax = plot_gp_augmentation(augmenter, index, n_grid=50, random_state=3, ax=_ax())
    handles, labels = ax.get_legend_handles_labels()
    assert labels == ["GP ±2σ", "GP mean", "real", "synthetic"]
    curve = augmenter.X_[index]
    ph = phase(augmenter.X_[[index]])
    grid = np.linspace(0, 1, 50, endpoint=False)
    params = augmenter.gp_params_.loc[index, ["log_amp2", "log_metric", "jitter", "mean"]]
    mu, var = predict_curve(params.to_numpy(dtype=float), ph, curve.mag, curve.err, grid,
                            wrap=False)
    mean_line, real, synthetic = ax.lines
    np.testing.assert_allclose(mean_line.get_ydata(), mu)
    np.testing.assert_allclose(real.get_xdata(), ph)
    np.testing.assert_allclose(real.get_ydata(), curve.mag)
    # The synthetic has the prototype's number of points and lies near the GP.
    drawn = augmenter.sample([index], random_state=3)
    assert synthetic.get_xdata().size == curve.mag.size
    np.testing.assert_allclose(synthetic.get_ydata(), drawn.mag)
    shifted = (synthetic.get_xdata() + drawn.meta["phase_shift"].iloc[0]) % 1.0
    np.testing.assert_allclose(np.sort(shifted), np.sort(phase(drawn)), atol=1e-9)
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.max() == pytest.approx((mu + 2 * np.sqrt(var)).max())
    assert _png_bytes(ax.figure)[:4] == b"\x89PNG"


def test_gp_figure_errors(augmenter):
    unfitted = sorted(set(range(len(augmenter.X_))) - set(augmenter.gp_params_.index))[0]
    with pytest.raises(ValueError, match=f"star {unfitted} .* has no GP fit"):
        plot_gp_augmentation(augmenter, unfitted, ax=_ax())
    with pytest.raises(ValueError, match="the augmenter is not fitted"):
        plot_gp_augmentation(GPLightCurveAugmenter(), 0, ax=_ax())


def test_gp_figure_leaves_the_augmenters_random_stream_alone():
    X, y = make_light_curves(40, classes=["RRab", "DSct"], random_state=1)
    plotted = GPLightCurveAugmenter(wrap=False, random_state=0).fit(X, y)
    untouched = GPLightCurveAugmenter(wrap=False, random_state=0).fit(X, y)
    index = int(plotted.gp_params_.index[0])
    plot_gp_augmentation(plotted, index, n_grid=20, ax=_ax())
    after_plot = plotted.sample([index, index])
    np.testing.assert_array_equal(after_plot.mag, untouched.sample([index, index]).mag)
