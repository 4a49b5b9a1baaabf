"""finufft's FFT for the period-search grid: one transform or blocks, FFTW_ESTIMATE or FFTW_MEASURE.

The ``"nufft"`` period search spends most of its time in one batched
type-1 transform per curve (see ``bench_periods.py``). For CRTS-sized
grids (2 sums, 250 points, single precision, tolerance 1e-4,
``upsampfac`` 1.25) this measures the best time per transform of

- all modes in one transform, planned with ``FFTW_ESTIMATE`` (the way
  before session 14),
- the same planned with ``FFTW_MEASURE`` (with its planning time, and
  whether its result equals ESTIMATE's bit for bit),
- the modes in blocks of 4,096, 8,192 (vsaug's ``_BLOCK_MODES``) and 16,384,
  all blocks and both sums in one batched ``FFTW_ESTIMATE`` transform,

the plans taking turns (15 rounds of 5 transforms).

    OMP_NUM_THREADS=1 python benchmarks/bench_fft_planning.py
"""

from __future__ import annotations

import time

import finufft
import numpy as np

FFTW_MEASURE, FFTW_ESTIMATE = 0, 64
BLOCKS = (4096, 8192, 16384)


def make_plan(n_modes, n_trans, flag, points):
    """A plan as PeriodFinder makes it, with FFTW flag ``flag``, and its planning seconds."""
    start = time.perf_counter()
    plan = finufft.Plan(1, (n_modes,), n_trans=n_trans, eps=1e-4, isign=1, nthreads=1,
                        dtype="complex64", upsampfac=1.25, fftw=flag)
    planning = time.perf_counter() - start
    plan.setpts(points)
    return plan, planning


def best_times(runs, rounds=15):
    """Best milliseconds per call of every ``(plan, coefficients)``, the plans taking turns."""
    best = [np.inf] * len(runs)
    for _ in range(rounds):
        for i, (plan, coefficients) in enumerate(runs):
            start = time.perf_counter()
            for _ in range(5):
                plan.execute(coefficients)
            best[i] = min(best[i], 1e3 * (time.perf_counter() - start) / 5)
    return best


def random_coefficients(rng, n_rows, n_points):
    """Standard complex normal single-precision coefficients, ``(n_rows, n_points)``."""
    return (rng.standard_normal((n_rows, n_points))
            + 1j * rng.standard_normal((n_rows, n_points))).astype(np.complex64)


def main():
    rng = np.random.default_rng(0)
    points = rng.uniform(0, 2 * np.pi, 250).astype(np.float32)
    two_sums = random_coefficients(rng, 2, points.size)
    print("ms per transform of 2 sums; ratio = one transform (ESTIMATE) / this")
    print(f"{'modes':>6} {'one':>6} {'MEASURE':>8} {'plan s':>7} {'bits':>5} "
          + " ".join(f"{'blocks ' + str(b):>12} {'ratio':>5}" for b in BLOCKS))
    # CRTS baselines of ~2,000-3,000 d: 4,096-multiples as the one-transform way rounded them
    for n_modes in (81920, 102400, 118784, 122880):
        estimate, _ = make_plan(n_modes, 2, FFTW_ESTIMATE, points)
        measure, measure_planning = make_plan(n_modes, 2, FFTW_MEASURE, points)
        runs = [(estimate, two_sums), (measure, two_sums)]
        for block in BLOCKS:
            n_blocks = -(-n_modes // block)
            plan, _ = make_plan(block, 2 * n_blocks, FFTW_ESTIMATE, points)
            runs.append((plan, random_coefficients(rng, 2 * n_blocks, points.size)))
        ms = best_times(runs)
        same = np.array_equal(estimate.execute(two_sums), measure.execute(two_sums))
        print(f"{n_modes:6d} {ms[0]:6.2f} {ms[1]:8.2f} {measure_planning:7.2f} {str(same):>5} "
              + " ".join(f"{t:12.2f} {ms[0] / t:5.2f}" for t in ms[2:]), flush=True)


if __name__ == "__main__":
    main()
