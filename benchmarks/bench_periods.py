"""Lomb-Scargle period recovery on CRTS: PeriodFinder's "nufft" method against "astropy".

On a stratified subset (up to --per-class stars of every class) both
period-search methods run side by side in one process, taking turns for
``--rounds`` rounds (best time of each), on the same stars. Prints the
curves/s of each and their ratio, how often they agree, and per class how often the catalogue period is recovered
within 1% (half and double the period also count for the eclipsing classes
Ecl and EA, whose two minima make the periodogram peak at half the orbit).
``--naive N`` adds astropy's default ``autopower`` loop on N of the stars
(the naive way: 'lra' NUFFT, 5 samples per peak, highest grid peak).

    OMP_NUM_THREADS=1 python benchmarks/bench_periods.py --per-class 100 --n-jobs 1

Three variants of ``"nufft"`` run beside them (all grid modes in one
transform instead of blocks, finufft's standard ``upsampfac`` 2, and the
``w`` sums at twice the frequency by a second transform); they patch
module settings, which only reach the search with
``--n-jobs 1`` (worker processes import the module afresh).

``--settings N`` instead compares grid settings of both methods (samples
per peak, refined candidates) on N stars per class, one process.
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


def grid_power_second_transform(t, w, wy, m, df, n_freq):
    """The grid power as before: the ``w`` sums at twice every frequency by a second transform.

    Run in place of ``vsaug.periods._grid_power`` for the side-by-side row;
    ``"nufft"`` now reads them off its own grid where they lie on it.
    """
    y1, w1 = vsaug.periods._trig_sums(t, [wy, w], m * df, df, n_freq)
    (w2,) = vsaug.periods._trig_sums(t, [w], 2 * m * df, 2 * df, n_freq)
    a = 1 - np.abs(w1) ** 2
    b = w2 - w1 * w1
    y_squared = y1 * y1
    power = a * np.abs(y1) ** 2 - (b.real * y_squared.real + b.imag * y_squared.imag)
    det = a * a - (b.real * b.real + b.imag * b.imag)
    with np.errstate(divide="ignore", invalid="ignore"):
        power /= det
    power[~(det > vsaug.periods._MIN_GRID_DET)] = 0.0
    return power


def trig_sums_one_transform(t, coefficients, g0, dg, n_freq):
    """The grid's sums as before session 14: all modes in one transform, not in blocks.

    Run in place of ``vsaug.periods._trig_sums`` for the side-by-side row:
    the mode count rounded up to a multiple of 4,096 (so that curves of
    similar baselines shared a plan), the coefficients shifted once to
    the middle frequency.
    """
    n_modes = -(-n_freq // 4096) * 4096
    shift = np.exp((2j * np.pi * (g0 + (n_modes // 2) * dg)) * t)
    plan = vsaug.periods._plan(n_modes, len(coefficients))
    plan.setpts(np.mod((2 * np.pi * dg) * t, 2 * np.pi).astype(np.float32))
    return plan.execute((np.stack(coefficients) * shift).astype(np.complex64))[:, :n_freq]


def compare_settings(S, ys):
    """Recovery and speed of the grid settings, same stars, one process."""
    catalogue = S.meta["period"].to_numpy()
    saved = (vsaug.periods._FAST_KWDS, vsaug.periods._N_CANDIDATES,
             vsaug.periods._NUFFT_CANDIDATES, vsaug.periods._PER_BAND)

    def run(method, spp):
        start = time.perf_counter()
        found = PeriodFinder(method=method, samples_per_peak=spp, overwrite=True,
                             n_jobs=1).fit_transform(S)
        seconds = time.perf_counter() - start
        return len(S) / seconds, hits(found.meta["period"].to_numpy(), catalogue, ys).mean()

    print("astropy: samples_per_peak oversampling candidates  curves/s  recovered")
    try:
        for spp, oversampling, candidates in [(5, 5, 10), (2, 2, 10), (2, 2, 1)]:
            vsaug.periods._FAST_KWDS = {"algorithm": "fasper",
                                        "trig_sum_kwds": {"oversampling": oversampling}}
            vsaug.periods._N_CANDIDATES = candidates
            rate, recovered = run("astropy", spp)
            print(f"{spp:25d} {oversampling:12d} {candidates:10d} {rate:9.1f} "
                  f"{recovered:10.1%}", flush=True)
        print("nufft: samples_per_peak candidates per_band  curves/s  recovered")
        for spp, candidates, per_band in [(2, 15, 1), (2, 10, 0), (2, 5, 0), (1, 15, 1),
                                          (1, 30, 2), (3, 15, 1)]:
            vsaug.periods._NUFFT_CANDIDATES, vsaug.periods._PER_BAND = candidates, per_band
            rate, recovered = run("nufft", spp)
            print(f"{spp:23d} {candidates:10d} {per_band:8d} {rate:9.1f} {recovered:10.1%}",
                  flush=True)
    finally:
        (vsaug.periods._FAST_KWDS, vsaug.periods._N_CANDIDATES,
         vsaug.periods._NUFFT_CANDIDATES, vsaug.periods._PER_BAND) = saved


def per_class_table(found, catalogue, ys):
    """Per class: recovered (1%, eclipsing half/double allowed) for every method."""
    columns = {"n": pd.Series(ys).value_counts().sort_index()}
    for name, period in found.items():
        ok = pd.Series(hits(period, catalogue, ys), index=ys)
        # For information: half/double allowed for every class (double-wave
        # rotators/ellipsoidals and RV Tau-like Cepheids peak at P/2 too).
        any2 = pd.Series(hits(period, catalogue, ys, doubling=np.unique(ys)), index=ys)
        columns[name] = ok.groupby(level=0).mean()
        columns[f"{name} (x2 ok)"] = any2.groupby(level=0).mean()
    return pd.DataFrame(columns)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-class", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3,
                        help="the methods take turns this many times; best time of each")
    parser.add_argument("--naive", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=1)
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

    found, seconds = {}, {}
    # Three variants of the default method, for the effect of three choices:
    # blocks of modes instead of one transform, finufft's standard
    # oversampling of its fine grid instead of vsaug's 1.25, and a second
    # transform for the w sums at twice the frequency.
    grid_power, upsampfac = vsaug.periods._grid_power, vsaug.periods._NUFFT_UPSAMPFAC
    trig_sums = vsaug.periods._trig_sums
    runs = (("astropy", "astropy", upsampfac, grid_power, trig_sums),
            ("nufft (one transform)", "nufft", upsampfac, grid_power, trig_sums_one_transform),
            ("nufft (upsampfac 2)", "nufft", 2.0, grid_power, trig_sums),
            ("nufft (2nd transform)", "nufft", upsampfac, grid_power_second_transform, trig_sums),
            ("nufft", "nufft", upsampfac, grid_power, trig_sums))
    # The methods take turns, round after round; each keeps its best time
    # (the plans are made afresh every round, so planning is always counted).
    for _ in range(args.rounds):
        for label, method, factor, power, sums in runs:
            vsaug.periods._NUFFT_UPSAMPFAC, vsaug.periods._grid_power = factor, power
            vsaug.periods._trig_sums = sums
            vsaug.periods._thread_plans.__dict__.clear()  # plans are made with upsampfac
            start = time.perf_counter()
            out = PeriodFinder(method=method, overwrite=True, n_jobs=args.n_jobs).fit_transform(S)
            seconds[label] = min(seconds.get(label, np.inf), time.perf_counter() - start)
            found[label] = out.meta["period"].to_numpy()
    table = per_class_table(found, catalogue, ys)
    print(f"\nPeriodFinder(n_jobs={args.n_jobs}), side by side on the same {len(S)} stars "
          f"(best of {args.rounds} rounds):")
    for method in found:
        ok = hits(found[method], catalogue, ys)
        print(f"  {method:22s} {seconds[method]:7.1f} s {len(S) / seconds[method]:7.1f} "
              f"curves/s  x{seconds['astropy'] / seconds[method]:5.2f}  recovered {ok.mean():.1%}"
              f" (class-balanced {table[method].mean():.1%})")
    for other in ("astropy", "nufft (one transform)", "nufft (upsampfac 2)",
                  "nufft (2nd transform)"):
        same = np.abs(found["nufft"] / found[other] - 1) < 0.01
        print(f"  same period (within 1%) from nufft and {other}: {same.mean():.1%} "
              f"({np.sum(~same)} stars differ)")
    pct = "{:.1%}".format
    print(table.to_string(formatters={c: pct for c in table.columns if c != "n"}))

    if args.naive:  # --- astropy's default loop, for scale --------------------
        sub = rng.choice(len(S), min(args.naive, len(S)), replace=False)
        start = time.perf_counter()
        naive = naive_periods(S[sub])
        naive_seconds = time.perf_counter() - start
        print(f"\nastropy autopower loop on {sub.size} of those stars: {naive_seconds:.1f} s, "
              f"{sub.size / naive_seconds:.2f} curves/s, recovered "
              f"{hits(naive, catalogue[sub], ys[sub]).mean():.1%}")


if __name__ == "__main__":
    main()
