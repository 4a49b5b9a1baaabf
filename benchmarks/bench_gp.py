"""GP fitting and drawing on CRTS: speed, robustness, cached fits against refits.

Sections (each prints its figures):

1. ``fits``: GP fits/s with ``n_jobs=1`` and ``n_jobs=2`` on the same curves
   of the small classes (fewer than 1875 stars), for each ``wrap`` setting,
   and the fallback counts over all curves of the small classes.
2. ``cache``: the time to draw ten bags' synthetics (small classes of the
   training part topped up to 1875) from cached fits, against refitting a GP
   for every synthetic curve (timed on a random sample of the synthetics and
   scaled to all of them), as a ratio; plus the size of the stored state
   (a parameter table) against pickled george GP objects.
3. ``all`` (only when asked): fit every one of the 29,950 curves and count
   exceptions and fallbacks per class.

    python benchmarks/bench_gp.py                  # fits, cache
    python benchmarks/bench_gp.py --sections all   # every CRTS curve (long)
"""

from __future__ import annotations

import argparse
import pickle
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from vsaug import GPLightCurveAugmenter
from vsaug.augmentation import spread_prototypes
from vsaug.datasets import load_crts
from vsaug.folding import phase
from vsaug.gp import fit_curve, fit_curves, predict_curve

CRTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "crts"
SPC = 1875


def small_classes(y, limit=SPC):
    names, counts = np.unique(y, return_counts=True)
    return names[counts < limit]


def fallbacks_per_class(y, table, **kw):
    classes = pd.Series(y[table.index], index=table.index, name="class")
    return pd.crosstab(classes, table["fallback"], dropna=False, **kw)


def section_fits(X, y, n_sample, wraps):
    rng = np.random.default_rng(0)
    small = np.flatnonzero(np.isin(y, small_classes(y)))
    sample = np.sort(rng.choice(small, min(n_sample, small.size), replace=False))
    print(f"[fits] {sample.size} curves of the small classes {list(small_classes(y))}, "
          f"median {int(np.median(X.lengths[sample]))} points")
    for wrap in wraps:
        rates = {}
        for n_jobs in (1, 2):
            start = time.perf_counter()
            table = fit_curves(X, sample, wrap=wrap, n_jobs=n_jobs)
            rates[n_jobs] = sample.size / (time.perf_counter() - start)
        print(f"[fits] wrap={wrap}: n_jobs=1 {rates[1]:.1f} fits/s, n_jobs=2 {rates[2]:.1f} fits/s "
              f"(x{rates[2] / rates[1]:.2f}); fallbacks {table['fallback'].value_counts().to_dict()}")
    start = time.perf_counter()
    table = fit_curves(X, small, n_jobs=2)
    seconds = time.perf_counter() - start
    per_class = fallbacks_per_class(y, table)
    print(f"[fits] all {small.size} curves of the small classes (library default wrap), "
          f"n_jobs=2: {small.size / seconds:.1f} fits/s; fallbacks per class:\n{per_class}")


def section_cache(X, y, n_refit, n_bags=10):
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(X))
    train, _ = train_test_split(idx, train_size=0.6, stratify=y, random_state=0)
    Xt, yt = X.take(train), y[train]
    strategy = {c: SPC for c in small_classes(yt)}
    aug = GPLightCurveAugmenter(sampling_strategy=strategy, n_jobs=1, random_state=0)
    start = time.perf_counter()
    aug.fit(Xt, yt)
    fit_s = time.perf_counter() - start
    rng = np.random.default_rng(0)
    batches = [
        np.concatenate([spread_prototypes(np.flatnonzero(yt == c), SPC - np.sum(yt == c), rng)
                        for c in strategy])
        for _ in range(n_bags)
    ]
    n_synth = sum(b.size for b in batches)
    start = time.perf_counter()
    aug.sample_batches(batches, list(range(n_bags)))
    draw_s = time.perf_counter() - start
    start = time.perf_counter()
    for b in range(n_bags):
        aug.sample(batches[b], random_state=b)
    draw_each_s = time.perf_counter() - start

    # The naive way: a fresh GP fit for every synthetic curve, then its draw.
    chosen = rng.choice(np.concatenate(batches), n_refit, replace=False)
    ph = phase(Xt)
    start = time.perf_counter()
    for p in chosen:
        lo, hi = Xt.offsets[p], Xt.offsets[p + 1]
        params, _ = fit_curve(ph[lo:hi], Xt.mag[lo:hi], Xt.err[lo:hi], wrap=aug.wrap)
        predict_curve(params, ph[lo:hi], Xt.mag[lo:hi], Xt.err[lo:hi], ph[lo:hi], wrap=aug.wrap)
    refit_per_curve = (time.perf_counter() - start) / n_refit
    refit_s = refit_per_curve * n_synth
    cached_s = fit_s + draw_s
    print(f"[cache] {len(aug.gp_params_)} prototypes, {n_bags} bags x {n_synth // n_bags} synthetics, "
          f"n_jobs=1, wrap={aug.wrap}")
    print(f"[cache] fit once {fit_s:.1f} s ({len(aug.gp_params_) / fit_s:.1f} fits/s); draw all bags "
          f"together {draw_s:.1f} s ({n_synth / draw_s:.0f} curves/s); bag by bag {draw_each_s:.1f} s "
          f"({n_synth / draw_each_s:.0f} curves/s)")
    print(f"[cache] refit per synthetic: {refit_per_curve * 1e3:.1f} ms (timed on {n_refit}) -> "
          f"{refit_s:.0f} s for {n_synth} ({n_synth / refit_s:.1f} curves/s)")
    print(f"[cache] ten bags of synthetics: cached fits (fit + draws) {cached_s:.0f} s vs refitting "
          f"{refit_s:.0f} s: x{refit_s / cached_s:.1f}; draws alone x{refit_s / draw_s:.0f}")
    # Stored state: the parameter table against pickled, computed george GPs.
    from vsaug.gp import _gp, _prepare

    table_bytes = len(pickle.dumps(aug.gp_params_))
    some = aug.gp_params_.index[:100]
    gps = []
    for p in some:
        lo, hi = Xt.offsets[p], Xt.offsets[p + 1]
        x, resid, e, _ = _prepare(ph[lo:hi], Xt.mag[lo:hi], Xt.err[lo:hi], aug.wrap)
        row = aug.gp_params_.loc[p]
        gp = _gp(row["log_amp2"], row["log_metric"])
        gp.compute(x, e)
        gp.predict(resid, x[:1], return_var=True)  # caches alpha
        gps.append(gp)
    gp_bytes = len(pickle.dumps(gps)) / len(gps) * len(aug.gp_params_)
    print(f"[cache] stored state for {len(aug.gp_params_)} prototypes: parameter table "
          f"{table_bytes / 1e3:.0f} kB; computed george GPs would pickle to {gp_bytes / 1e6:.0f} MB")


def section_all(X, y, wrap, save=None):
    start = time.perf_counter()
    table = fit_curves(X, wrap=wrap, n_jobs=2, verbose=1)
    seconds = time.perf_counter() - start
    if save:
        table.to_pickle(save)
    print(f"[all] {len(table)} of {len(X)} curves fitted, no exception escaped, "
          f"{len(X) / seconds:.1f} fits/s with n_jobs=2, wrap={wrap} ({seconds / 60:.1f} min)")
    print(fallbacks_per_class(y, table, margins=True))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default="fits,cache")
    parser.add_argument("--n-sample", type=int, default=300, help="curves timed in [fits]")
    parser.add_argument("--n-refit", type=int, default=200, help="refits timed in [cache]")
    parser.add_argument("--wraps", default="0,0.25,1", help="wrap settings timed in [fits]")
    parser.add_argument("--save", help="[all]: write the table of fits to this pickle")
    parser.add_argument("--wrap", type=float, default=GPLightCurveAugmenter().wrap,
                        help="[all]: wrap margin of the fits (default: the augmenter's)")
    args = parser.parse_args()
    warnings.simplefilter("ignore", UserWarning)  # 3 placeholder dates in CRTS
    X, y = load_crts(CRTS)
    sections = args.sections.split(",")
    if "fits" in sections:
        wraps = [float(w) for w in args.wraps.split(",")]
        section_fits(X, y, args.n_sample, wraps)
    if "cache" in sections:
        section_cache(X, y, args.n_refit)
    if "all" in sections:
        section_all(X, y, args.wrap, args.save)


if __name__ == "__main__":
    main()
