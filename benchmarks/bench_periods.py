"""Lomb-Scargle period recovery on CRTS with PeriodFinder.

On a stratified subset (up to --per-class stars of every class) prints how
often the catalogue period is recovered within 1% (half and double the
period also count for the eclipsing classes Ecl and EA, whose two minima
make the periodogram peak at half the orbit), per class, and the curves/s.
Side by side on a smaller subset: astropy's default ``autopower`` loop (the
naive way: 'lra' NUFFT, 5 samples per peak, highest grid peak).

    python benchmarks/bench_periods.py [--per-class 300] [--naive 300] [--n-jobs 2]

``--settings N`` instead compares grid settings (samples per peak, FFT
oversampling, refined candidates) on N stars per class, one process.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from astropy.timeseries import LombScargle

import vsaug.periods
from vsaug import PeriodFinder
from vsaug.datasets import load_crts

CRTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "crts"
ECLIPSING = ("Ecl", "EA")


def hits(found, catalogue, labels, tol=0.01, doubling=ECLIPSING):
    """Recovered within ``tol``; half/double also count for the ``doubling`` classes."""
    ratio = found / catalogue
    ok = np.abs(ratio - 1) < tol
    alias = (np.abs(2 * ratio - 1) < tol) | (np.abs(ratio / 2 - 1) < tol)
    return ok | (np.isin(labels, doubling) & alias)


def naive_periods(X, min_period=0.05, max_period=1500.0):
    """astropy's defaults, one star after another."""
    out = np.empty(len(X))
    for i, curve in enumerate(X):
        freq, power = LombScargle(curve.time, curve.mag, curve.err).autopower(
            minimum_frequency=1 / max_period, maximum_frequency=1 / min_period,
            samples_per_peak=5)
        out[i] = 1 / freq[np.argmax(power)]
    return out


def compare_settings(S, ys):
    """Recovery and speed of the grid settings, same stars, one process."""
    catalogue = S.meta["period"].to_numpy()
    saved = vsaug.periods._FAST_KWDS, vsaug.periods._N_CANDIDATES
    print("samples_per_peak oversampling candidates  curves/s  recovered")
    try:
        for spp, oversampling, candidates in [(5, 5, 1), (5, 5, 10), (3, 3, 10), (2, 2, 10),
                                              (2, 2, 1)]:
            vsaug.periods._FAST_KWDS = {"algorithm": "fasper",
                                        "trig_sum_kwds": {"oversampling": oversampling}}
            vsaug.periods._N_CANDIDATES = candidates
            start = time.perf_counter()
            found = PeriodFinder(samples_per_peak=spp, overwrite=True).fit_transform(S)
            seconds = time.perf_counter() - start
            rate = hits(found.meta["period"].to_numpy(), catalogue, ys).mean()
            print(f"{spp:16d} {oversampling:12d} {candidates:10d} {len(S) / seconds:9.1f} "
                  f"{rate:10.1%}", flush=True)
    finally:
        vsaug.periods._FAST_KWDS, vsaug.periods._N_CANDIDATES = saved


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-class", type=int, default=300)
    parser.add_argument("--naive", type=int, default=300)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--settings", type=int, default=0)
    args = parser.parse_args()
    warnings.simplefilter("ignore", UserWarning)

    X, y = load_crts(CRTS)
    rng = np.random.default_rng(0)
    n_per_class = args.settings or args.per_class
    pick = np.sort(np.concatenate([
        rng.choice(np.flatnonzero(y == c), min(n_per_class, np.sum(y == c)), replace=False)
        for c in np.unique(y)
    ]))
    S, ys = X[pick], y[pick]
    catalogue = S.meta["period"].to_numpy()
    print(f"stratified subset: {len(S)} stars (up to {n_per_class} per class)")
    if args.settings:
        compare_settings(S, ys)
        return

    start = time.perf_counter()
    found = PeriodFinder(overwrite=True, n_jobs=args.n_jobs).fit_transform(S)
    seconds = time.perf_counter() - start
    period = found.meta["period"].to_numpy()
    ok = hits(period, catalogue, ys)
    table = pd.DataFrame({
        "class": ys, "hit": ok, "exact": np.abs(period / catalogue - 1) < 0.01,
        # For information: half/double allowed for every class (double-wave
        # rotators/ellipsoidals and RV Tau-like Cepheids peak at P/2 too).
        "any2": hits(period, catalogue, ys, doubling=np.unique(ys)),
    })
    per_class = table.groupby("class").agg(n=("hit", "size"), recovered=("hit", "mean"),
                                           within_1pct=("exact", "mean"),
                                           half_or_double_ok=("any2", "mean"))
    print(f"\nPeriodFinder(n_jobs={args.n_jobs}): {seconds:.1f} s, {len(S) / seconds:.1f} curves/s")
    print(f"recovered (1%, eclipsing half/double allowed): {ok.mean():.1%}; "
          f"class-balanced mean {per_class['recovered'].mean():.1%}")
    pct = "{:.1%}".format
    print(per_class.to_string(formatters={"recovered": pct, "within_1pct": pct,
                                          "half_or_double_ok": pct}))

    # --- side by side with astropy's default loop ---------------------------
    sub = rng.choice(len(S), min(args.naive, len(S)), replace=False)
    timings = {}
    start = time.perf_counter()
    naive = naive_periods(S[sub])
    timings["astropy autopower loop"] = time.perf_counter() - start
    start = time.perf_counter()
    mine = PeriodFinder(overwrite=True, n_jobs=1).fit_transform(S[sub]).meta["period"].to_numpy()
    timings["PeriodFinder n_jobs=1"] = time.perf_counter() - start
    print(f"\nside by side on {sub.size} of those stars:")
    base = timings["astropy autopower loop"]
    for name, result in (("astropy autopower loop", naive), ("PeriodFinder n_jobs=1", mine)):
        rate = hits(result, catalogue[sub], ys[sub]).mean()
        print(f"  {name:24s} {timings[name]:7.1f} s  {sub.size / timings[name]:5.1f} curves/s  "
              f"x{base / timings[name]:.2f}  recovered {rate:.1%}")


if __name__ == "__main__":
    main()
