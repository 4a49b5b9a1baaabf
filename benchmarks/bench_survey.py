"""Survey-scale classification: streamed Parquet -> periods -> cleaning -> fast model.

Two sections, each printing tables (and writing ``results.json`` to
``--work``):

``synthetic``
    ``make_light_curves`` at scale, written as a long Parquet table (one
    file per generated block of 20,000 stars), classified by
    :func:`vsaug.streaming.predict_catalog` with a fitted fast model (10
    bags of ``PeriodicFeatures`` + gradient boosting, cleaning first):

    * with a period column, for every size in ``--sizes`` (peak RSS of each
      run in its own process, to compare sizes);
    * without one (period search added), ``--search-size`` stars;
    * the same two on a 2-worker ``dask.distributed.LocalCluster``
      (``--cluster``);
    * today's in-memory path on the same no-period set (``pandas.read_parquet``
      + ``LightCurves.from_long`` + ``PeriodFinder`` + the model's
      ``predict_proba``, which cleans), side by side.

``crts``
    The 29,950 curves of ``../shared/crts`` with the catalogue periods
    removed: a fast model (``make_model("fast")``) fitted on the stratified
    6:1:3 training part (seed 0, as ``bench_fast_model.py``), then every
    curve streamed from ``lightcurves.parquet`` with period search; the
    end-to-end rate, and balanced accuracy / macro F1 on the test part
    with the found periods against the catalogue periods.

Run it niced, in the background, on the shared machine::

    nice -n 10 python benchmarks/bench_survey.py synthetic --sizes 10000 40000 \\
        --search-size 3000 --cluster --n-jobs 2 > survey_synthetic.log 2>&1 &
    nice -n 10 python benchmarks/bench_survey.py crts --n-jobs 2 > survey_crts.log 2>&1 &
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve()
CRTS = HERE.parents[1] / ".." / "shared" / "crts"
_BLOCK = 20_000  # stars generated and written per Parquet file


def peak_rss_mb():
    """Peak resident memory of this process so far (MB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------- data
def write_synthetic(folder, n_stars, *, with_period, seed):
    """Write ``n_stars`` synthetic curves as a long Parquet table, block by block."""
    from vsaug.datasets import make_light_curves

    folder.mkdir(parents=True, exist_ok=True)
    if (folder / "_done").exists():  # "_" so pandas/pyarrow skip it
        return
    for b, start in enumerate(range(0, n_stars, _BLOCK)):
        n = min(_BLOCK, n_stars - start)
        X, _ = make_light_curves(max(n, 11), random_state=seed + b)
        X = X[:n]
        table = {"id": np.repeat(X.meta["id"].to_numpy() + start, X.lengths),
                 "mjd": X.time, "mag": X.mag.astype(np.float32), "err": X.err.astype(np.float32)}
        if with_period:
            table["period"] = np.repeat(X.meta["period"].to_numpy(), X.lengths)
        pd.DataFrame(table).to_parquet(folder / f"part-{b:04d}.parquet", row_group_size=500_000)
    (folder / "_done").write_text("ok")


def fit_synthetic_model(path, *, n_jobs):
    """The fast model (10 bags) fitted on 3,000 synthetic curves of another seed."""
    import vsaug
    from vsaug.datasets import make_light_curves
    from vsaug.experiments import make_model

    if path.exists():
        return
    from joblib import parallel_config

    X, y = make_light_curves(3000, random_state=12345)
    # n_jobs left at None in the model, so each run sets its own workers.
    model = make_model("fast", "fast", samples_per_class=300, random_state=0)
    started = time.perf_counter()
    with parallel_config(n_jobs=n_jobs):
        model.fit(X, y)
    print(f"fitted the synthetic fast model in {time.perf_counter() - started:.0f} s", flush=True)
    vsaug.save(model, path)


# ------------------------------------------------------ one measured run
def child(args):
    """One streamed (or in-memory) run in this process; print its numbers as JSON."""
    import vsaug

    warnings.simplefilter("ignore", UserWarning)
    model = vsaug.load(args.model)
    rss_model = peak_rss_mb()
    if args.mode == "memory":
        result = in_memory(model, args)
    else:
        result = streamed(model, args)
    result.update(peak_rss_mb=peak_rss_mb(), rss_after_model_load_mb=rss_model)
    print("RESULT " + json.dumps(result), flush=True)


def streamed(model, args):
    from vsaug.streaming import predict_catalog

    client = cluster = None
    if args.cluster:
        from dask.distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    started = time.perf_counter()
    summary = predict_catalog(model, args.source, args.out, period=args.period,
                              chunk_stars=args.chunk_stars, n_jobs=args.n_jobs,
                              min_time=args.min_time, client=client, resume=False, verbose=1)
    wall = time.perf_counter() - started
    result = {"wall_s": wall, "summary": summary}
    if client is not None:
        result["worker_peak_rss_mb"] = list(client.run(peak_rss_mb).values())
        client.close()
        cluster.close()
    return result


def in_memory(model, args):
    """Today's path: load all, PeriodFinder, model.predict_proba (with its cleaner)."""
    from joblib import parallel_config

    from vsaug import LightCurves, PeriodFinder

    seconds = {}
    started = time.perf_counter()
    table = pd.read_parquet(args.source, columns=["id", "mjd", "mag", "err"])
    X = LightCurves.from_long(table)
    seconds["load"] = time.perf_counter() - started
    with parallel_config(n_jobs=args.n_jobs):
        t = time.perf_counter()
        X = PeriodFinder().fit_transform(X)
        seconds["periods"] = time.perf_counter() - t
        t = time.perf_counter()
        X_clean = model.named_steps["clean"].transform(X)
        seconds["clean"] = time.perf_counter() - t
        t = time.perf_counter()
        model.named_steps["ensemble"].predict_proba(X_clean)
        seconds["predict"] = time.perf_counter() - t
    wall = time.perf_counter() - started
    return {"wall_s": wall, "n_stars": len(X), "seconds": seconds}


def run_child(mode, *, model, source, out, n_jobs, period=None, chunk_stars=5000,
              cluster=False, min_time=None):
    command = [sys.executable, str(HERE), "_child", "--mode", mode, "--model", str(model),
               "--source", str(source), "--out", str(out), "--chunk-stars", str(chunk_stars),
               "--n-jobs", str(n_jobs)]
    if period:
        command += ["--period", period]
    if cluster:
        command.append("--cluster")
    if min_time is not None:
        command += ["--min-time", str(min_time)]
    print("$ " + " ".join(command[1:]), flush=True)
    proc = subprocess.run(command, capture_output=True, text=True,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    sys.stderr.write(proc.stderr[-2000:])
    if proc.returncode:
        raise SystemExit(f"child failed ({proc.returncode})")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


# --------------------------------------------------------------- tables
_STAGES = ("index", "spill", "read", "group", "periods", "clean", "predict", "write")


def stage_table(label, result):
    summary, wall = result["summary"], result["wall_s"]
    n = summary["n_stars"]
    s = summary["seconds"]
    cells = [f"{n / s[k]:,.0f}" if s.get(k) else "-" for k in _STAGES]
    rss = f"{result['peak_rss_mb']:,.0f}"
    if "worker_peak_rss_mb" in result:
        rss += " + workers " + "/".join(f"{v:,.0f}" for v in result["worker_peak_rss_mb"])
    return f"| {label} | {n:,} | " + " | ".join(cells) + f" | {n / wall:,.1f} | {wall:,.0f} | {rss} |"


def print_stage_header():
    print("\ncurves/s per stage (stage seconds summed over chunks; cluster stages are "
          "worker seconds)")
    print("| run | stars | " + " | ".join(_STAGES) + " | overall curves/s | wall s | peak RSS MB |")
    print("|---|---:|" + "---:|" * (len(_STAGES) + 3))


# -------------------------------------------------------------- sections
def synthetic(args):
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    model = work / "synthetic_fast.vsaug"
    fit_synthetic_model(model, n_jobs=args.n_jobs)
    results = {}
    for size in args.sizes:
        data = work / f"with_period_{size}"
        write_synthetic(data, size, with_period=True, seed=1000)
        results[f"period_{size}"] = run_child("stream", model=model, source=data,
                                              out=work / "out_tmp", n_jobs=args.n_jobs,
                                              period="period", chunk_stars=args.chunk_stars)
    search = work / f"no_period_{args.search_size}"
    write_synthetic(search, args.search_size, with_period=False, seed=2000)
    results["search"] = run_child("stream", model=model, source=search, out=work / "out_tmp",
                                  n_jobs=args.n_jobs, chunk_stars=args.chunk_stars)
    results["memory"] = run_child("memory", model=model, source=search, out=work / "out_tmp",
                                  n_jobs=args.n_jobs)
    if args.cluster:
        size = args.sizes[0]
        results[f"cluster_period_{size}"] = run_child(
            "stream", model=model, source=work / f"with_period_{size}", out=work / "out_tmp",
            n_jobs=1, period="period", chunk_stars=args.chunk_stars, cluster=True)
        results["cluster_search"] = run_child(
            "stream", model=model, source=search, out=work / "out_tmp", n_jobs=1,
            chunk_stars=args.chunk_stars, cluster=True)
    (work / "results_synthetic.json").write_text(json.dumps(results, indent=1))
    report_synthetic(results, args)


def report_synthetic(results, args):
    print_stage_header()
    for key, result in results.items():
        if key != "memory":
            print(stage_table(key, result))
    mem, stream = results["memory"], results["search"]
    n = mem["n_stars"]
    print(f"\nin-memory path on the same {n:,} curves without periods: "
          + ", ".join(f"{k} {n / v:,.1f} curves/s" for k, v in mem["seconds"].items())
          + f"; overall {n / mem['wall_s']:,.1f} curves/s, peak RSS {mem['peak_rss_mb']:,.0f} MB")
    rate = stream["summary"]["n_stars"] / stream["wall_s"]
    print(f"streamed: {rate:,.1f} curves/s, ratio streamed / in-memory = "
          f"{rate / (n / mem['wall_s']):.2f}")
    if "cluster_search" in results:
        c = results["cluster_search"]
        c_rate = c["summary"]["n_stars"] / c["wall_s"]
        print(f"2-worker LocalCluster: {c_rate:,.1f} curves/s, ratio cluster / in-memory = "
              f"{c_rate / (n / mem['wall_s']):.2f}")
    sizes = [k for k in results if k.startswith("period_")]
    if len(sizes) > 1:
        lo, hi = results[sizes[0]]["peak_rss_mb"], results[sizes[-1]]["peak_rss_mb"]
        print(f"peak RSS {sizes[0]} {lo:,.0f} MB vs {sizes[-1]} {hi:,.0f} MB: "
              f"{100 * (hi - lo) / lo:+.1f}%")


def crts(args):
    import vsaug
    from sklearn.metrics import balanced_accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    from vsaug.datasets import load_crts
    from vsaug.experiments import make_model

    warnings.simplefilter("ignore", UserWarning)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    X, y = load_crts(CRTS)
    idx = np.arange(y.size)
    train, rest = train_test_split(idx, train_size=0.6, stratify=y, random_state=0)
    _, test = train_test_split(rest, train_size=0.25, stratify=y[rest], random_state=0)
    model_file = work / "crts_fast.vsaug"
    if not model_file.exists():
        started = time.perf_counter()
        from joblib import parallel_config

        model = make_model("fast", "fast", random_state=0)
        with parallel_config(n_jobs=args.n_jobs):
            model.fit(X[train], y[train])
        print(f"fitted the fast model on {train.size} CRTS curves in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        vsaug.save(model, model_file)
    model = vsaug.load(model_file)
    started = time.perf_counter()
    y_cat = model.predict(X[test])
    catalogue_s = time.perf_counter() - started
    del X
    result = run_child("stream", model=model_file, source=CRTS / "lightcurves.parquet",
                       out=work / "crts_out", n_jobs=args.n_jobs, chunk_stars=args.chunk_stars,
                       min_time=0)
    from vsaug.streaming import read_predictions

    rows = read_predictions(work / "crts_out").set_index("id")
    catalog = pd.read_csv(CRTS / "catalog.csv").set_index("id")
    ids = catalog.index.to_numpy()[test]
    found = rows.loc[ids]
    y_found = found["predicted_class"].fillna("(unclassified)").to_numpy(dtype=object)
    labels = np.unique(y)
    print_stage_header()
    print(stage_table("CRTS, periods searched", result))
    print(f"\nCRTS test part ({test.size} stars), fast model fitted on {train.size}:")
    print("| periods | balanced accuracy | macro F1 | unclassified |")
    print("|---|---:|---:|---:|")
    for name, pred in (("catalogue", y_cat), ("found by PeriodFinder", y_found)):
        ba = balanced_accuracy_score(y[test], pred)
        f1 = f1_score(y[test], pred, labels=labels, average="macro")
        print(f"| {name} | {ba:.3f} | {f1:.3f} | {int(np.sum(pred == '(unclassified)'))} |")
    print(f"(catalogue-period prediction of the test part in memory: {catalogue_s:.0f} s)")
    ratio = found["period"].to_numpy() / catalog.loc[ids, "period"].to_numpy()
    hit = np.abs(ratio - 1) < 0.01
    alias = hit | (np.abs(ratio - 0.5) < 0.005) | (np.abs(ratio - 2) < 0.02)
    print(f"found period within 1% of the catalogue's: {hit.mean():.1%} of the test part; "
          f"counting half/double: {alias.mean():.1%}")
    if rows["reason"].notna().any():
        print("reasons:", rows["reason"].value_counts().to_dict())
    found_periods_model(X_all=load_crts(CRTS)[0], y=y, train=train, test=test,
                        test_periods=found["period"].to_numpy(), work=work, n_jobs=args.n_jobs)
    (work / "results_crts.json").write_text(json.dumps(result, indent=1))


def found_periods_model(X_all, y, train, test, test_periods, work, n_jobs):
    """The remedy for a catalogue without periods: train on searched periods too.

    A model trained on catalogue periods sees eclipsing binaries folded on
    their orbit; Lomb-Scargle finds half of it, so the searched-period test
    curves look different from everything it learnt. Searching the training
    stars' periods the same way makes the two agree.
    """
    import vsaug
    from joblib import parallel_config
    from sklearn.metrics import balanced_accuracy_score, f1_score

    from vsaug import PeriodFinder
    from vsaug.experiments import make_model

    model_file = work / "crts_fast_found.vsaug"
    X_train = X_all[train]
    started = time.perf_counter()
    X_train = PeriodFinder(overwrite=True, n_jobs=n_jobs).fit_transform(X_train)
    print(f"searched the periods of the {train.size} training stars in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    if not model_file.exists():
        model = make_model("fast", "fast", random_state=0)
        with parallel_config(n_jobs=n_jobs):
            model.fit(X_train, y[train])
        vsaug.save(model, model_file)
    model = vsaug.load(model_file)
    X_test = X_all[test]
    meta = X_test.meta.copy()
    meta["period"] = test_periods
    X_test = X_test.with_points(meta=meta)
    ok = np.isfinite(test_periods)
    pred = np.full(test.size, "(unclassified)", dtype=object)
    pred[ok] = model.predict(X_test[np.flatnonzero(ok)])
    labels = np.unique(y)
    ba = balanced_accuracy_score(y[test], pred)
    f1 = f1_score(y[test], pred, labels=labels, average="macro")
    print(f"| found by PeriodFinder, model trained on found periods | {ba:.3f} | {f1:.3f} | "
          f"{int((~ok).sum())} |", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="section", required=True)
    syn = sub.add_parser("synthetic")
    syn.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000],
                     help="stars of the with-period runs (the issue: 100k and 1M)")
    syn.add_argument("--search-size", type=int, default=100_000,
                     help="stars of the no-period run (period search)")
    syn.add_argument("--cluster", action="store_true", help="also on a 2-worker LocalCluster")
    real = sub.add_parser("crts")
    for p in (syn, real):
        p.add_argument("--n-jobs", type=int, default=2)
        p.add_argument("--chunk-stars", type=int, default=5000)
        p.add_argument("--work", default="/tmp/vsaug_bench_survey",
                       help="folder for the data, the models and the outputs")
    ch = sub.add_parser("_child")
    ch.add_argument("--mode", choices=("stream", "memory"))
    for name in ("--model", "--source", "--out", "--period"):
        ch.add_argument(name)
    ch.add_argument("--chunk-stars", type=int, default=5000)
    ch.add_argument("--n-jobs", type=int, default=1)
    ch.add_argument("--min-time", type=float)
    ch.add_argument("--cluster", action="store_true")
    args = parser.parse_args(argv)
    if args.section == "_child":
        return child(args)
    print(" ".join(sys.argv), flush=True)
    {"synthetic": synthetic, "crts": crts}[args.section](args)


if __name__ == "__main__":
    main()
