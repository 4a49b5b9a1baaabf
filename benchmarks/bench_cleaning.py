"""Clean every CRTS light curve: the vectorised LightCurveCleaner against today's per-star path.

The reference is the cleaner as it was before the vectorised SuperSmoother:
the same folding, clipping and merging, with one call per star and per pass
into the pure-Python ``supersmoother`` package (kept here as
``PerStarCleaner``). Both run on the same curves in one process; the script
prints curves/s of each, their ratio, and how far they agree per curve
(kept-point mask, points removed, amplitude), then the fraction of points
removed per class.

    python benchmarks/bench_cleaning.py [--n-jobs 2] [--subset 0]

``--subset N`` runs on N random curves instead of all 29,950.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from supersmoother import SuperSmoother

from vsaug import MIN_POINTS, LightCurveCleaner
from vsaug._ragged import chunk_bounds
from vsaug.cleaning import merge_duplicate_phases
from vsaug.datasets import load_crts

CRTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "crts"


def _per_star_chunk(ph, mag, err, fit_ok, offsets, residual_clip, max_iter):
    """Today's per-star loop: one SuperSmoother fit per star and pass."""
    smooth = np.empty(ph.size)
    keep = np.zeros(ph.size, dtype=bool)
    for i in range(offsets.size - 1):
        lo, hi = offsets[i], offsets[i + 1]
        c_ph, c_mag, c_err, c_ok = ph[lo:hi], mag[lo:hi], err[lo:hi], fit_ok[lo:hi]
        fit = c_ok
        for _ in range(max_iter):
            m_ph, m_mag, m_err, _ = merge_duplicate_phases(
                c_ph[fit], c_mag[fit], c_err[fit], np.array([0, fit.sum()]))
            model = SuperSmoother(period=1.0).fit(m_ph, m_mag, m_err, presorted=True)
            c_smooth = model.predict(c_ph)
            accepted = c_ok & (np.abs(c_mag - c_smooth) < residual_clip * c_err)
            distinct = accepted.sum() and 1 + np.count_nonzero(np.diff(c_ph[accepted]) >= 1e-7)
            if np.array_equal(accepted, fit) or distinct < MIN_POINTS:
                break
            fit = accepted
        smooth[lo:hi], keep[lo:hi] = c_smooth, accepted
    return smooth, keep


class PerStarCleaner(LightCurveCleaner):
    """LightCurveCleaner with today's per-star smoothing, in chunks of 256 curves."""

    def _smooth_and_clip(self, X, ph, err_ok):
        from vsaug._ragged import segment_sort

        order = segment_sort(ph, X.offsets)
        tasks = []
        for a, b in chunk_bounds(len(X), size=256):
            lo, hi = X.offsets[a], X.offsets[b]
            tasks.append(delayed(_per_star_chunk)(
                ph[order[lo:hi]], X.mag[order[lo:hi]], X.err[order[lo:hi]],
                err_ok[order[lo:hi]], X.offsets[a:b + 1] - lo, self.residual_clip,
                self.max_iter))
        parts = Parallel(n_jobs=self.n_jobs)(tasks)
        smooth, keep = np.empty(X.n_points), np.empty(X.n_points, dtype=bool)
        smooth[order] = np.concatenate([p[0] for p in parts])
        keep[order] = np.concatenate([p[1] for p in parts])
        return smooth, keep


def kept_masks(X, Xc):
    """Per original point (time-sorted X): was it kept? Matched by curve and time."""
    Xs = X.sort_by_time()
    key_all = pd.MultiIndex.from_arrays([Xs.curve_index, Xs.time, Xs.mag])
    key_kept = pd.MultiIndex.from_arrays([Xc.curve_index, Xc.time, Xc.mag])
    return key_all.isin(key_kept)


def call_overhead():
    """Microseconds of a small numpy call and milliseconds of one per-star smoother fit.

    The per-star path is thousands of small numpy calls per curve, so its
    rate, and the ratio, follow the machine's per-call overhead; printed so
    that runs on different machines can be compared.
    """
    rng = np.random.default_rng(0)
    small = np.arange(100.0)
    start = time.perf_counter()
    for _ in range(20_000):
        np.cumsum(small)
    cumsum_us = (time.perf_counter() - start) / 20_000 * 1e6
    ph = np.sort(rng.random(220))
    mag = np.sin(2 * np.pi * ph) + 0.1 * rng.standard_normal(ph.size)
    start = time.perf_counter()
    for _ in range(50):
        SuperSmoother(period=1.0).fit(ph, mag, np.full(ph.size, 0.1), presorted=True).predict(ph)
    fit_ms = (time.perf_counter() - start) / 50 * 1e3
    return cumsum_us, fit_ms


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--subset", type=int, default=0)
    args = parser.parse_args()

    X, y = load_crts(CRTS)
    if args.subset:
        pick = np.sort(np.random.default_rng(0).choice(len(X), args.subset, replace=False))
        X, y = X[pick], y[pick]
    print(f"{len(X)} curves, {X.n_points} points; n_jobs={args.n_jobs}")
    cumsum_us, fit_ms = call_overhead()
    print(f"per-call overhead of this machine: np.cumsum of 100 values {cumsum_us:.1f} us, "
          f"one SuperSmoother fit + predict on 220 points {fit_ms:.2f} ms")

    timings, outputs = {}, {}
    for name, cleaner in (("per-star (today's)", PerStarCleaner(n_jobs=args.n_jobs)),
                          ("vectorised", LightCurveCleaner(n_jobs=args.n_jobs))):
        start, cpu = time.perf_counter(), time.process_time()
        outputs[name] = cleaner.fit_transform(X)
        timings[name] = time.perf_counter() - start, time.process_time() - cpu
    base, base_cpu = timings["per-star (today's)"]
    # CPU seconds of this process: the fair measure on a shared machine, but
    # only with --n-jobs 1 (joblib workers' time is not counted).
    for name, (seconds, cpu) in timings.items():
        print(f"  {name:20s} {seconds:7.1f} s  {len(X) / seconds:7.0f} curves/s  "
              f"x{base / seconds:.1f}  (CPU of this process {cpu:.1f} s, x{base_cpu / cpu:.1f})")

    ref, new = outputs["per-star (today's)"], outputs["vectorised"]
    same_mask = np.bincount(X.sort_by_time().curve_index,
                            kept_masks(X, ref) != kept_masks(X, new), minlength=len(X)) == 0
    d_clipped = new.meta["n_clipped"].to_numpy() - ref.meta["n_clipped"].to_numpy()
    d_amp = np.abs(new.meta["amplitude"].to_numpy() - ref.meta["amplitude"].to_numpy())
    print(f"\nagreement with the per-star path over {len(X)} curves:")
    print(f"  identical kept points: {same_mask.mean():.3%} of curves "
          f"({np.sum(~same_mask)} differ)")
    print(f"  points removed: equal for {np.mean(d_clipped == 0):.3%} of curves; "
          f"max |difference| {np.abs(d_clipped).max()} points; total removed "
          f"{ref.meta['n_clipped'].sum()} (per-star) vs {new.meta['n_clipped'].sum()}")
    print(f"  amplitude: max |difference| {d_amp.max():.2g} mag over all curves, "
          f"{d_amp[same_mask].max() if same_mask.any() else np.nan:.2g} mag where the kept "
          f"points are identical; within 1e-6 mag for {np.mean(d_amp < 1e-6):.3%}")
    if (~same_mask).any():
        worst = np.argsort(-np.abs(d_clipped))[:5]
        print("  largest differences (star, class, n, removed per-star/vectorised, amplitudes):")
        for i in worst:
            print(f"    {X.star_name(int(i))} {y[i]} {X.lengths[i]} "
                  f"{ref.meta['n_clipped'][i]}/{new.meta['n_clipped'][i]} "
                  f"{ref.meta['amplitude'][i]:.4f}/{new.meta['amplitude'][i]:.4f}")

    per_class = (pd.DataFrame({"class": y, "n": X.lengths, "clipped": new.meta["n_clipped"]})
                 .groupby("class")[["n", "clipped"]].sum())
    print(f"\npoints removed: {1 - new.n_points / X.n_points:.2%} overall; per class: "
          + "  ".join(f"{c} {r:.2%}" for c, r in
                      (per_class["clipped"] / per_class["n"]).items()))


if __name__ == "__main__":
    main()
