"""Phase-folded images: vectorised numpy against matplotlib, one run.

Renders CRTS light curves as 128x128 white-on-black images with
:func:`vsaug.images.render_phase_images` (all curves at once) and with
matplotlib the usual way (one 4x4 in figure at 32 dpi per curve, a scatter
plot, the canvas read back as an array), and prints images/s of both and
their ratio. With ``--examples DIR`` it also writes a few images of each
kind as PNG files.

Usage::

    python benchmarks/bench_images.py [--n-numpy 5000] [--n-mpl 300] [--examples docs/images]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from vsaug.datasets import load_crts  # noqa: E402
from vsaug.folding import fold  # noqa: E402
from vsaug.images import render_phase_images  # noqa: E402

CRTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "crts"


def matplotlib_image(phase, mag, size=128):
    """One curve drawn the naive way: a new figure, scatter, canvas to array."""
    fig = Figure(figsize=(4, 4), dpi=size / 4, facecolor="black")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_facecolor("black")
    ax.scatter(phase, mag, c="white", s=20, linewidths=0)  # about 2 px across
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_axis_off()
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, 0].copy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-numpy", type=int, default=5000)
    parser.add_argument("--n-mpl", type=int, default=300)
    parser.add_argument("--examples", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    X, y = load_crts(CRTS)
    rng = np.random.default_rng(args.seed)
    X_np = X[rng.choice(len(X), args.n_numpy, replace=False)]
    X_mpl = X[rng.choice(len(X), args.n_mpl, replace=False)]

    render_phase_images(X_np[:50])  # warm caches
    start = time.perf_counter()
    images = render_phase_images(X_np, size=128)
    t_np = time.perf_counter() - start

    start = time.perf_counter()
    folded, ph = fold(X_mpl)
    mpl_images = [
        matplotlib_image(ph[lo:hi], folded.mag[lo:hi])
        for lo, hi in zip(folded.offsets[:-1], folded.offsets[1:])
    ]
    t_mpl = time.perf_counter() - start
    assert images.shape == (args.n_numpy, 128, 128) and mpl_images[0].shape == (128, 128)

    rate_np, rate_mpl = args.n_numpy / t_np, args.n_mpl / t_mpl
    print(f"numpy render_phase_images: {args.n_numpy} images in {t_np:.3f} s = {rate_np:,.0f} images/s")
    print(f"matplotlib, one figure per curve: {args.n_mpl} images in {t_mpl:.2f} s = "
          f"{rate_mpl:,.1f} images/s")
    print(f"speed-up: {rate_np / rate_mpl:,.0f}x")

    if args.examples is not None:
        write_examples(X, y, args.examples)


def write_examples(X, y, folder):
    """One cleaned curve of a few classes: vsaug's image next to matplotlib's."""
    from vsaug.cleaning import LightCurveCleaner

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    for name in ("RRab", "RRc", "Ecl", "EA", "LPV", "Rot"):
        i = rng.choice(np.flatnonzero(y == name))
        curve = LightCurveCleaner().fit_transform(X[[i]])
        ours = render_phase_images(curve, size=128)[0]
        folded, ph = fold(curve)
        theirs = matplotlib_image(ph, folded.mag)
        pair = np.concatenate([ours, np.full((128, 4), 128, np.uint8), theirs], axis=1)
        path = folder / f"phase_image_{name}.png"
        plt.imsave(path, pair, cmap="gray", vmin=0, vmax=255)
        print(f"wrote {path} (star id {curve.meta['id'].iloc[0]}: vsaug left, matplotlib right)")


if __name__ == "__main__":
    main()
