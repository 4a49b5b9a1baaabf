"""finufft's FFT planning for the period-search grid: FFTW_ESTIMATE (vsaug's) against FFTW_MEASURE.

The ``"nufft"`` period search spends most of its time in one batched
type-1 transform per curve (see ``bench_periods.py``). finufft plans its
FFTs with ``FFTW_ESTIMATE``. This measures, for CRTS-sized grids (2 sums,
250 points, single precision, tolerance 1e-4, ``upsampfac`` 1.25), the
planning time and the best time per transform under both planners
(the two plans taking turns, 15 rounds of 5 transforms), and whether the two results agree bit for bit.

    OMP_NUM_THREADS=1 python benchmarks/bench_fft_planning.py
"""

from __future__ import annotations

import time

import finufft
import numpy as np

FFTW_MEASURE, FFTW_ESTIMATE = 0, 64


def make_plan(n_modes, flag, points):
    """A plan as PeriodFinder makes it, with FFTW flag ``flag``, and its planning seconds."""
    start = time.perf_counter()
    plan = finufft.Plan(1, (n_modes,), n_trans=2, eps=1e-4, isign=1, nthreads=1,
                        dtype="complex64", upsampfac=1.25, fftw=flag)
    planning = time.perf_counter() - start
    plan.setpts(points)
    return plan, planning


def best_times(plans, coefficients, rounds=15):
    """Best milliseconds per transform of every plan, the plans taking turns."""
    best = [np.inf] * len(plans)
    for _ in range(rounds):
        for i, plan in enumerate(plans):
            start = time.perf_counter()
            for _ in range(5):
                plan.execute(coefficients)
            best[i] = min(best[i], 1e3 * (time.perf_counter() - start) / 5)
    return best


def main():
    rng = np.random.default_rng(0)
    points = rng.uniform(0, 2 * np.pi, 250).astype(np.float32)
    coefficients = (rng.standard_normal((2, 250))
                    + 1j * rng.standard_normal((2, 250))).astype(np.complex64)
    print("modes    ESTIMATE plan s  ms/transform   MEASURE plan s  ms/transform  "
          "ratio  same bits")
    # 4096-multiples as PeriodFinder rounds them: CRTS baselines of ~2,000-3,000 d
    for n_modes in (81920, 102400, 118784, 122880):
        (estimate, est_plan), (measure, mea_plan) = (make_plan(n_modes, flag, points)
                                                     for flag in (FFTW_ESTIMATE, FFTW_MEASURE))
        est_ms, mea_ms = best_times([estimate, measure], coefficients)
        same = np.array_equal(estimate.execute(coefficients), measure.execute(coefficients))
        print(f"{n_modes:6d} {est_plan:16.3f} {est_ms:13.2f} {mea_plan:16.2f} {mea_ms:13.2f} "
              f"{est_ms / mea_ms:6.2f}  {same}", flush=True)


if __name__ == "__main__":
    main()
