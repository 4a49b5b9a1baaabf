"""Time loading the full CRTS development set with vsaug.datasets.load_crts.

Side by side with the naive way (one pandas groupby, a per-star Python loop
that builds each curve and sorts it by time).

    python benchmarks/bench_load.py
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from vsaug import as_light_curves
from vsaug.datasets import load_crts

CRTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "crts"


def naive_load(path):
    """Per-star loop: the way a first notebook would do it."""
    catalog = pd.read_csv(path / "catalog.csv")
    obs = pd.read_parquet(path / "lightcurves.parquet")
    obs = obs[obs["mjd"] > 0]
    groups = dict(list(obs.groupby("id", sort=False)))
    curves = []
    for star in catalog["id"]:
        rows = groups[star].sort_values("mjd", kind="stable")
        curves.append((rows["mjd"].to_numpy(), rows["mag"].to_numpy(), rows["err"].to_numpy()))
    return as_light_curves(curves, meta=catalog), catalog["class"].to_numpy(dtype=object)


def main():
    warnings.simplefilter("ignore", UserWarning)  # the 3 placeholder dates
    timings, loaded = {}, {}
    for name, loader in (("load_crts", load_crts), ("naive per-star loop", naive_load)):
        start = time.perf_counter()
        loaded[name] = loader(CRTS)
        timings[name] = time.perf_counter() - start
    X, y = loaded["load_crts"]
    Xn, _ = loaded["naive per-star loop"]
    same = np.array_equal(X.time, Xn.time) and np.array_equal(X.mag, Xn.mag)
    print(f"{len(X)} curves, {X.n_points} points; both loaders give identical curves: {same}")
    for name, seconds in timings.items():
        print(f"  {name:22s} {seconds:6.2f} s  {len(X) / seconds:8.0f} curves/s  "
              f"x{timings['naive per-star loop'] / seconds:.1f}")


if __name__ == "__main__":
    main()
