"""Classify a survey catalogue larger than memory, chunk by chunk, resumably.

:func:`predict_catalog` reads a long table (one row per observation: a
Parquet file, a folder of Parquet files, or CSV) and writes one row per star
(class probabilities, the predicted class, the period used, or the reason a
star could not be classified) to a folder of Parquet part files.

How stars are grouped
---------------------
Nothing is assumed about the order of the rows. A first pass reads only the
id column and finds out whether the rows of every star are contiguous in
reading order (files in sorted name order, rows in file order), as in most
survey exports. If they are, the second pass streams the table once and cuts
it into chunks of ``chunk_stars`` whole stars. If they are not (a star's
rows spread over row groups or files), the second pass first partitions the
rows by a hash of the id into one spill file per chunk, so every chunk again
holds whole stars. Either way memory holds one chunk (and one read batch),
never the catalogue.

Resuming
--------
Every finished chunk is written as its own part file (atomically) and then
recorded in ``manifest.json`` (atomically). Chunks are a deterministic
function of the input and the settings, so a run started again with the
same arguments skips the recorded chunks and rewrites an unrecorded part in
place: no chunk is done twice and no star appears twice.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time as _time
import warnings
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ._atomic import atomic_write
from ._progress import progress_bar
from .lightcurves import MIN_POINTS, LightCurves
from ._ragged import lengths_to_offsets

__all__ = ["predict_catalog", "read_predictions"]

MANIFEST = "manifest.json"
_FORMAT = "vsaug-predictions"
_FORMAT_VERSION = 1
_SPILL = ".spill"
# Rows per read batch: large enough for vectorised work, small next to a chunk.
_BATCH_ROWS = 262_144
# Columns of the output besides one probability column per class.
_RESERVED = ("id", "predicted_class", "period", "period_source", "period_fap", "n_points",
             "n_valid", "reason")


# ===================================================================== input
class _Source:
    """The files of a long table and how to read them in batches."""

    def __init__(self, source):
        items = [source] if isinstance(source, (str, os.PathLike)) else list(source)
        files = []
        for item in map(Path, items):
            if item.is_dir():
                found = sorted(p for p in item.rglob("*")
                               if p.is_file() and _kind(p) and not p.name.startswith((".", "_")))
                if not found:
                    raise FileNotFoundError(f"no .parquet or .csv files in the folder {item}")
                files.extend(found)
            elif item.is_file():
                files.append(item)
            else:
                raise FileNotFoundError(f"no such file or folder: {item}")
        kinds = {_kind(f) for f in files}
        if None in kinds or len(kinds) != 1:
            raise ValueError(
                f"the source must be Parquet (.parquet, .pq) or CSV (.csv, .csv.gz) files of one "
                f"kind; got {sorted(str(f) for f in files)[:5]}"
            )
        self.files, self.kind = files, kinds.pop()
        self._target = None

    def unify(self, columns):
        """Cast every batch to the first file's types of ``columns`` (files may differ)."""
        schema = self.schema(self.files[0])
        self._target = pa.schema([schema.field(c) for c in columns])

    def schema(self, file):
        if self.kind == "parquet":
            return pq.read_schema(file)
        from pyarrow import csv

        with csv.open_csv(file) as reader:
            return reader.schema

    def batches(self, file, columns, batch_rows=_BATCH_ROWS):
        """Record batches of ``columns`` of one file, in file order."""
        if self.kind == "parquet":
            with pq.ParquetFile(file) as handle:
                for batch in handle.iter_batches(batch_size=batch_rows, columns=columns):
                    yield self._cast(batch, columns)
            return
        from pyarrow import csv

        options = csv.ConvertOptions(include_columns=columns)
        with csv.open_csv(file, read_options=csv.ReadOptions(block_size=1 << 24),
                          convert_options=options) as reader:
            for batch in reader:
                yield self._cast(batch, columns)

    def _cast(self, batch, columns):
        batch = batch.select(columns)  # the requested order, whatever the file's
        if self._target is None or len(columns) != len(self._target.names):
            return batch
        return batch if batch.schema.equals(self._target) else batch.cast(self._target)


def _kind(path):
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    return None


def _check_columns(source, columns):
    """Every file has every column, and the id column has one type throughout."""
    id_types = {}
    for file in source.files:
        schema = source.schema(file)
        missing = [c for c in columns if c not in schema.names]
        if missing:
            raise ValueError(
                f"{file} has no column {missing[0]!r}; name the columns with id=, time=, mag=, "
                f"err=, period= (its columns: {schema.names})"
            )
        id_type = schema.field(columns[0]).type
        id_types.setdefault("string" if pa.types.is_string(id_type) or
                            pa.types.is_large_string(id_type) else "number", file)
    if len(id_types) > 1:
        raise ValueError(
            f"the id column {columns[0]!r} holds numbers in {id_types['number']} but strings in "
            f"{id_types['string']}; give every file the same id type"
        )


def _id_array(column):
    """A pyarrow id column as numpy (object for strings)."""
    return column.to_numpy(zero_copy_only=False)


def _isin_sorted(values, sorted_ids):
    """``np.isin`` for a sorted, unique ``sorted_ids``."""
    if sorted_ids.size == 0:
        return np.zeros(values.size, dtype=bool)
    pos = np.searchsorted(sorted_ids, values)
    pos[pos == sorted_ids.size] = 0
    return sorted_ids[pos] == values


class _RowFilter:
    """Drops rows without an id and, with a catalogue, rows of stars it lacks."""

    def __init__(self, id_col, catalog_ids):
        self.id_col, self.catalog_ids = id_col, catalog_ids
        self.n_no_id = self.n_not_in_catalog = 0
        self.not_in_catalog = []

    def __call__(self, batch, *, count):
        ids = batch.column(self.id_col)
        if ids.null_count:
            if count:
                self.n_no_id += ids.null_count
            batch = batch.filter(pc.is_valid(ids))
        if self.catalog_ids is None:
            return batch
        keep = _isin_sorted(_id_array(batch.column(self.id_col)), self.catalog_ids)
        if count and not keep.all():
            self.n_not_in_catalog += int((~keep).sum())
            if len(self.not_in_catalog) < 5:
                self.not_in_catalog.extend(
                    pd.unique(_id_array(batch.column(self.id_col))[~keep])[:5].tolist())
        return batch if keep.all() else batch.filter(pa.array(keep))


# ===================================================================== index
class _Index:
    """First pass: star count, whether rows are contiguous, ids in several files."""

    def __init__(self, source, row_filter, batch_rows=_BATCH_ROWS):
        self.contiguous = True
        self._seen = np.zeros(0)
        run_ids, run_rows, per_file, self.file_rows = [], [], [], []
        last = _NOTHING = object()
        for file in source.files:
            uniques, n_rows = [], 0
            for batch in source.batches(file, [row_filter.id_col], batch_rows):
                ids = _id_array(row_filter(batch, count=True).column(0))
                if ids.size == 0:
                    continue
                n_rows += ids.size
                uniques.append(np.unique(ids))
                if self.contiguous:
                    self._add_runs(ids, last is not _NOTHING and ids[0] == last, run_ids, run_rows)
                last = ids[-1]
            if uniques:
                per_file.append(np.unique(np.concatenate(uniques)))
            self.file_rows.append(n_rows)
        if not per_file:
            raise ValueError("the source holds no observation rows (after skipping rows "
                             "without an id or not in the catalogue)")
        ids, n_files = np.unique(np.concatenate(per_file), return_counts=True)
        self.ids, self.n_rows = ids, int(sum(self.file_rows))
        self.in_several_files = ids[n_files > 1]
        if self.contiguous:
            self.star_ids = np.concatenate(run_ids) if run_ids else ids[:0]
            self.star_rows = np.concatenate(run_rows) if run_rows else np.zeros(0, np.int64)
        del self._seen

    def _add_runs(self, ids, continues, run_ids, run_rows):
        starts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
        starts = np.concatenate([[0], starts])
        r_ids, r_rows = ids[starts], np.diff(np.concatenate([starts, [ids.size]]))
        if continues:  # the last star of the previous batch goes on
            run_rows[-1][-1] += r_rows[0]
            r_ids, r_rows = r_ids[1:], r_rows[1:]
        if not r_ids.size:
            return
        ordered = np.sort(r_ids)
        if (ordered[1:] == ordered[:-1]).any() or _isin_sorted(ordered, self._seen).any():
            self.contiguous = False  # a star comes back after another one
            run_ids.clear(), run_rows.clear()
            return
        # Both halves are sorted, so the stable sort is a linear merge.
        self._seen = np.sort(np.concatenate([self._seen, ordered]), kind="stable") \
            if self._seen.size else ordered
        run_ids.append(r_ids), run_rows.append(r_rows.astype(np.int64))

    @property
    def n_stars(self):
        return int(self.ids.size)


# ==================================================================== chunks
def _hash_bucket(ids, n_buckets):
    """Stable (process- and platform-independent) bucket of every id."""
    return (pd.util.hash_array(np.asarray(ids)) % np.uint64(n_buckets)).astype(np.int64)


def _stream_contiguous(source, columns, row_filter, index, chunk_stars, skip):
    """Yield ``(chunk, table)`` of whole stars, the rows being contiguous per star."""
    bounds = np.concatenate([[0], np.cumsum(index.star_rows)])[::chunk_stars]
    if bounds[-1] != index.n_rows:
        bounds = np.append(bounds, index.n_rows)
    todo = np.array([c not in skip for c in range(bounds.size - 1)])
    file_start = np.concatenate([[0], np.cumsum(index.file_rows)])
    pending = []
    for f, file in enumerate(source.files):
        lo, hi = file_start[f], file_start[f + 1]
        first = np.searchsorted(bounds, lo, side="right") - 1
        if hi == lo or not todo[first:np.searchsorted(bounds, hi)].any():
            continue  # every chunk in this file is finished: no need to read it
        row = lo
        for batch in source.batches(file, columns):
            batch = row_filter(batch, count=False)
            while batch.num_rows:
                chunk = np.searchsorted(bounds, row, side="right") - 1
                take = int(min(bounds[chunk + 1] - row, batch.num_rows))
                if todo[chunk]:
                    pending.append(batch.slice(0, take))
                batch, row = batch.slice(take), row + take
                if row == bounds[chunk + 1] and todo[chunk]:
                    yield int(chunk), pa.Table.from_batches(pending)
                    pending = []


def _spill(source, columns, row_filter, n_buckets, folder):
    """Partition the rows by id hash into one Parquet file per chunk (then rename)."""
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    writers = {}
    try:
        for file in source.files:
            for batch in source.batches(file, columns):
                batch = row_filter(batch, count=False)
                if not batch.num_rows:
                    continue
                bucket = _hash_bucket(_id_array(batch.column(columns[0])), n_buckets)
                order = np.argsort(bucket, kind="stable")
                table = pa.Table.from_batches([batch]).take(order)
                edges = np.searchsorted(bucket[order], np.arange(n_buckets + 1))
                for b in np.flatnonzero(np.diff(edges)):
                    if b not in writers:
                        writers[b] = pq.ParquetWriter(tmp / f"bucket-{b:05d}.parquet",
                                                      table.schema)
                    writers[b].write_table(table.slice(edges[b], edges[b + 1] - edges[b]))
    finally:
        for w in writers.values():
            w.close()
    # The folder appears whole or not at all: a killed spill is redone.
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)


def _stream_spilled(folder, skip, n_buckets, schema):
    for b in range(n_buckets):
        if b in skip:
            continue
        path = folder / f"bucket-{b:05d}.parquet"
        yield b, pq.read_table(path) if path.exists() else schema.empty_table()


# ========================================================== classify a chunk
def _classify_chunk(table, model, options):
    """Classify the whole stars of one chunk; return (rows as DataFrame, seconds per stage).

    ``table`` has the columns id, time, mag, err (and period); ``options``
    holds the column names, catalogue periods, the period finder and limits.
    """
    timings = {}
    started = _time.perf_counter()
    cols = options["columns"]
    ids, codes, stars = _group(table, cols, options)
    reason = _point_reasons(stars)
    ok = np.flatnonzero(reason == None)  # noqa: E711 (object array)
    X = stars["curves"].take(ok) if ok.size else None
    timings["group"] = _time.perf_counter() - started

    period, source, fap = stars["period"].copy(), np.full(ids.size, None, object), \
        np.full(ids.size, np.nan)
    source[np.isfinite(period) & (period > 0)] = "input"
    proba = np.full((ids.size, len(options["classes"])), np.nan)
    if X is not None:
        X, found_reason = _periods(X, options, timings)
        period[ok] = X.meta["period"].to_numpy(dtype=np.float64)
        fap[ok] = X.meta["period_fap"].to_numpy(dtype=np.float64)
        searched = np.isfinite(fap[ok])
        source[ok[searched]] = "search"
        reason[ok] = found_reason
        good = np.flatnonzero(found_reason == None)  # noqa: E711
        if good.size:
            p, fail = _bisect(lambda Z: _proba_steps(model, Z, timings), X.take(good),
                              "could not be classified")
            proba[ok[good]] = p
            reason[ok[good]] = fail
    rows = _rows(ids, proba, period, source, fap, stars, reason, options)
    timings["total"] = _time.perf_counter() - started
    return rows, timings


def _group(table, cols, options):
    """Whole stars of a chunk as flat arrays; invalid points dropped and counted."""
    ids = _id_array(table.column(cols["id"]))
    codes, uniques = pd.factorize(ids, sort=False)
    t = table.column(cols["time"]).to_numpy(zero_copy_only=False).astype(np.float64)
    m = table.column(cols["mag"]).to_numpy(zero_copy_only=False).astype(np.float64)
    e = table.column(cols["err"]).to_numpy(zero_copy_only=False).astype(np.float64)
    valid = np.isfinite(t) & np.isfinite(m) & np.isfinite(e) & (e > 0)
    if options["min_time"] is not None:
        valid &= t > options["min_time"]
    n = uniques.size
    n_points = np.bincount(codes, minlength=n)
    order = np.lexsort((t, codes))
    order = order[valid[order]]
    c_sorted, t_sorted = codes[order], t[order]
    n_valid = np.bincount(c_sorted, minlength=n)
    new_time = np.ones(order.size, dtype=bool)
    new_time[1:] = (np.diff(t_sorted) != 0) | (np.diff(c_sorted) != 0)
    n_times = np.bincount(c_sorted[new_time], minlength=n)
    period = _star_periods(table, cols, codes, uniques, options)
    meta = pd.DataFrame({"id": np.asarray(uniques), "period": period})
    curves = LightCurves(t_sorted, m[order], e[order], lengths_to_offsets(n_valid), meta,
                         validate=False, copy=False)
    return np.asarray(uniques), codes, {"curves": curves, "n_points": n_points,
                                         "n_valid": n_valid, "n_times": n_times,
                                         "period": period}


def _star_periods(table, cols, codes, uniques, options):
    """Each star's given period (catalogue, else its first finite row value), NaN if none."""
    period = np.full(uniques.size, np.nan)
    if options["catalog"] is not None:
        period[:] = options["catalog"].reindex(np.asarray(uniques)).to_numpy(dtype=np.float64)
    elif cols.get("period"):
        values = table.column(cols["period"]).to_numpy(zero_copy_only=False).astype(np.float64)
        given = np.flatnonzero(np.isfinite(values) & (values > 0))
        star, first = np.unique(codes[given], return_index=True)
        period[star] = values[given[first]]
    return period


def _point_reasons(stars):
    """Why a star cannot even be searched or cleaned (None where it can)."""
    n_valid, n_times = stars["n_valid"], stars["n_times"]
    reason = np.full(n_valid.size, None, dtype=object)
    short = (n_valid > 0) & (n_times < MIN_POINTS)
    for i in np.flatnonzero(short):
        reason[i] = (f"too few points: {n_times[i]} distinct valid time(s) of "
                     f"{stars['n_points'][i]} row(s), need {MIN_POINTS}")
    reason[n_valid == 0] = "no valid points (every row has a NaN or err <= 0)"
    return reason


def _periods(X, options, timings):
    """Search the periods that are missing; the reason for stars left without one."""
    started = _time.perf_counter()
    finder = options["period_finder"]
    period = X.meta["period"].to_numpy(dtype=np.float64)
    need = ~(np.isfinite(period) & (period > 0))
    meta = X.meta.assign(period_fap=np.nan)
    reason = np.full(len(X), None, dtype=object)
    if need.any():
        todo = np.flatnonzero(need)
        found, fail = _bisect(lambda Z: _search(finder, Z), X.take(todo), "period search failed")
        meta.loc[todo, "period"], meta.loc[todo, "period_fap"] = found[:, 0], found[:, 1]
        reason[todo] = fail
        bad = (reason == None) & ~(np.isfinite(meta["period"].to_numpy()) &  # noqa: E711
                                   (meta["period"].to_numpy() > 0))
        reason[bad] = "no period found"
        max_fap = options["max_fap"]
        if max_fap is not None:
            fap = meta["period_fap"].to_numpy()
            for i in np.flatnonzero((reason == None) & (fap > max_fap)):  # noqa: E711
                reason[i] = f"no significant period (false-alarm probability {fap[i]:.2g} > {max_fap:g})"
    timings["periods"] = _time.perf_counter() - started
    return X.with_points(meta=meta), reason


def _search(finder, X):
    meta = finder.transform(X).meta
    return np.column_stack([meta["period"].to_numpy(dtype=np.float64),
                            meta["period_fap"].to_numpy(dtype=np.float64)])


def _proba_steps(model, X, timings):
    """``model.predict_proba(X)``, timing each step of a pipeline on its own."""
    from sklearn.pipeline import Pipeline

    steps = model.steps[:-1] if isinstance(model, Pipeline) else []
    for name, step in steps:
        started = _time.perf_counter()
        X = step.transform(X) if step not in (None, "passthrough") else X
        timings[name] = timings.get(name, 0.0) + _time.perf_counter() - started
    started = _time.perf_counter()
    final = model.steps[-1][1] if isinstance(model, Pipeline) else model
    proba = final.predict_proba(X)
    timings["predict"] = timings.get("predict", 0.0) + _time.perf_counter() - started
    return proba


def _bisect(fn, X, what):
    """``fn(X)`` row per curve; where it raises ValueError, halve until the culprits are alone.

    Returns the rows (NaN for failed curves) and per curve None or the reason.
    """
    try:
        return np.asarray(fn(X), dtype=np.float64), np.full(len(X), None, dtype=object)
    except (ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:
        if len(X) == 1:
            return None, np.array([f"{what}: {exc}"], dtype=object)
        half = len(X) // 2
        parts = [_bisect(fn, X[:half], what), _bisect(fn, X[half:], what)]
    width = next((p.shape[1] for p, _ in parts if p is not None), 1)
    rows = [p if p is not None else np.full((len(r), width), np.nan) for p, r in parts]
    return np.vstack(rows), np.concatenate([r for _, r in parts])


def _rows(ids, proba, period, source, fap, stars, reason, options):
    classes = options["classes"]
    predicted = np.full(ids.size, None, dtype=object)
    done = np.flatnonzero(reason == None)  # noqa: E711
    if done.size:
        predicted[done] = np.asarray(classes, dtype=object)[np.argmax(proba[done], axis=1)]
    data = {"id": ids, "predicted_class": predicted}
    data.update({name: proba[:, k] for k, name in enumerate(options["class_columns"])})
    data.update({"period": period, "period_source": source, "period_fap": fap,
                 "n_points": stars["n_points"], "n_valid": stars["n_valid"], "reason": reason})
    return pd.DataFrame(data)


# ==================================================================== output
def _output_schema(id_type, class_columns):
    fields = [pa.field("id", id_type), pa.field("predicted_class", pa.string())]
    fields += [pa.field(name, pa.float64()) for name in class_columns]
    fields += [pa.field("period", pa.float64()), pa.field("period_source", pa.string()),
               pa.field("period_fap", pa.float64()), pa.field("n_points", pa.int64()),
               pa.field("n_valid", pa.int64()), pa.field("reason", pa.string())]
    return pa.schema(fields)


def _write_part(out, chunk, rows, schema):
    name = f"part-{chunk:05d}.parquet"
    table = pa.Table.from_pandas(rows, schema=schema, preserve_index=False)
    atomic_write(out / name, lambda p: pq.write_table(table, p))
    return name


def _write_manifest(out, manifest):
    text = json.dumps(manifest, indent=1, default=str)
    atomic_write(out / MANIFEST, lambda p: Path(p).write_text(text))


def read_predictions(out):
    """Read the finished part files of a :func:`predict_catalog` run as one DataFrame.

    Parameters
    ----------
    out : str or path-like
        The output folder of :func:`predict_catalog`.

    Returns
    -------
    pandas.DataFrame
        One row per star of the finished chunks, chunk after chunk.

    Examples
    --------
    See :func:`predict_catalog`.
    """
    out = Path(out)
    manifest = json.loads((out / MANIFEST).read_text())
    chunks = sorted(manifest["chunks"].items(), key=lambda kv: int(kv[0]))
    tables = [pq.read_table(out / entry["file"]) for _, entry in chunks]
    if not tables:
        return pd.DataFrame()
    return pa.concat_tables(tables).to_pandas()


# ================================================================ settings
def _catalog_periods(catalog, id, period):
    """The catalogue as a Series of periods indexed by sorted star id."""
    if catalog is None:
        return None
    if not isinstance(catalog, pd.DataFrame):
        path = Path(catalog)
        catalog = pd.read_parquet(path) if _kind(path) == "parquet" else pd.read_csv(path)
    for column in (id, period):
        if column not in catalog.columns:
            raise ValueError(f"the catalogue has no column {column!r} (its columns: "
                             f"{list(catalog.columns)}); name it with id= / period=")
    ids = catalog[id]
    if ids.duplicated().any():
        raise ValueError(f"the catalogue lists star id {ids[ids.duplicated()].iloc[0]!r} more "
                         "than once; give every star one row")
    values = pd.to_numeric(catalog[period], errors="coerce").to_numpy(dtype=np.float64)
    return pd.Series(values, index=ids.to_numpy()).sort_index()


def _fingerprint(source, model, settings, catalog):
    import joblib

    files = [[str(f), f.stat().st_size, f.stat().st_mtime_ns] for f in source.files]
    return {"files": files, "model": joblib.hash(model),
            "catalog": None if catalog is None else joblib.hash(catalog), **settings}


def _open_run(out, fingerprint, resume):
    """The manifest of a matching earlier run in ``out``, or a fresh one."""
    path = out / MANIFEST
    if path.exists() and resume:
        manifest = json.loads(path.read_text())
        if manifest.get("format") != _FORMAT or manifest.get("settings") != \
                json.loads(json.dumps(fingerprint, default=str)):
            raise ValueError(
                f"{out} holds a run with other input, model or settings; pass another out "
                "folder, or resume=False to start it again"
            )
        return manifest
    if out.exists() and not resume:
        for old in list(out.glob("part-*.parquet")) + [path]:
            old.unlink(missing_ok=True)
        shutil.rmtree(out / _SPILL, ignore_errors=True)
    return {"format": _FORMAT, "format_version": _FORMAT_VERSION, "settings": fingerprint,
            "chunks": {}, "spilled": False, "complete": False}


def _class_columns(model):
    classes = list(getattr(model, "classes_", []))
    if not classes:
        raise ValueError("the model has no classes_; fit it (or load a fitted model) first")
    names = [str(c) for c in classes]
    clash = sorted(set(names) & set(_RESERVED)) or (len(set(names)) != len(names))
    if clash:
        raise ValueError(f"class names {names} clash with output columns {list(_RESERVED)}")
    return classes, names


# ================================================================== driver
def predict_catalog(model, source, out, *, id="id", time="mjd", mag="mag", err="err",
                    period=None, catalog=None, chunk_stars=5000, period_finder=None,
                    max_fap=None, min_time=None, n_jobs=None, client=None, resume=True,
                    verbose=1):
    """Classify every star of a long observation table, chunk by chunk, into Parquet parts.

    For every star: the period is taken from ``catalog`` or the ``period``
    column, or searched with ``period_finder`` where missing; then the model
    (usually a pipeline that cleans with :class:`vsaug.LightCurveCleaner`
    first, as :func:`vsaug.experiments.make_model` and ``vsaug fit`` build
    it) predicts the class probabilities. Stars are processed in chunks of
    about ``chunk_stars`` whole stars; memory holds one chunk.

    Parameters
    ----------
    model : fitted classifier
        Takes :class:`~vsaug.LightCurves` with ``meta['period']`` in
        ``predict_proba`` and has ``classes_``; e.g. what :func:`vsaug.load`
        returns.
    source : str, path-like or list of them
        A Parquet file, a CSV file, a folder of such files (searched
        recursively; names starting with ``.`` or ``_`` are skipped), or a
        list of files. One row per observation; rows of one star may be
        anywhere (see the module notes).
    out : str or path-like
        Output folder: ``part-NNNNN.parquet`` files, one per chunk, and
        ``manifest.json``. Read it back with :func:`read_predictions` or
        ``pandas.read_parquet(out)``.
    id, time, mag, err : str
        Column names in ``source`` of the star id, time (days), magnitude and
        its one-sigma error.
    period : str, optional
        Column of the period in days: in ``catalog`` when one is given, else
        in ``source`` (the first finite, positive value among a star's
        rows). Stars without a finite, positive period get one searched.
    catalog : pandas.DataFrame or path, optional
        One row per star with ``id`` (and ``period`` if named). When given it
        defines the stars: rows of other ids are skipped and counted (a
        warning says how many), listed stars without observations get a row
        with a reason.
    chunk_stars : int, default=5000
        Stars per chunk: the unit of memory, progress and resumption.
    period_finder : PeriodFinder, optional
        Used for stars without a period (default ``PeriodFinder()``).
    max_fap : float, optional
        Leave stars whose searched period has a false-alarm probability above
        this unclassified (reason "no significant period"); default: keep
        every found period.
    min_time : float, optional
        Treat observations at or before this time as invalid (CRTS marks
        missing dates with a negative MJD: use 0 there).
    n_jobs : int, optional
        joblib workers for the period search and cleaning inside a chunk
        (set through ``joblib.parallel_config``, so estimators left at
        ``n_jobs=None`` use them).
    client : dask.distributed.Client or str, optional
        Classify chunks on a Dask cluster: a client, or a scheduler address
        (``"tcp://host:8786"``). This process reads the table, sends chunks
        to the workers (a few per worker at a time) and writes the parts;
        the probabilities are the same as without a cluster.
    resume : bool, default=True
        Continue a run of the same input, model and settings in ``out``,
        skipping its finished chunks. ``False`` starts again.
    verbose : int, default=1
        Progress (stars/s and ETA) on stderr, and warnings about skipped rows
        and ids found in several files.

    Returns
    -------
    summary : dict
        ``n_stars``, ``n_classified``, ``n_unclassified``, ``n_chunks``,
        ``chunks_run`` (this call), ``mode`` ("contiguous" or "spilled"),
        ``seconds`` (per stage, summed over the chunks of this call, plus
        ``index``, ``spill``, ``read``, ``write`` and ``wall``), ``ids_in_several_files``
        (count), ``rows_without_id``, ``rows_not_in_catalog``.

    Raises
    ------
    ValueError
        A column missing from a file (named), a catalogue without the id or
        period column, or ``out`` holding a run of other settings.

    Notes
    -----
    The output has one row per star: ``id``, ``predicted_class``, one
    probability column per class of the model, ``period`` (days, as used),
    ``period_source`` ("input" or "search"), ``period_fap`` (searched
    periods), ``n_points`` (rows), ``n_valid`` (rows with finite values and
    ``err > 0``) and ``reason``: empty for classified stars, otherwise why
    not (no valid points, too few points, no period found, a failure of the
    model on that star); such stars have no class and NaN probabilities.
    An id whose rows sit in several files is treated as one star (rows of a
    star may be split over files) and counted in ``ids_in_several_files``
    with a warning, since it may also be two stars sharing an id.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from vsaug import PeriodicFeatures
    >>> from vsaug.datasets import make_light_curves
    >>> from vsaug.streaming import predict_catalog, read_predictions
    >>> X, y = make_light_curves(60, classes=["RRab", "Ecl"], random_state=0)
    >>> model = make_pipeline(PeriodicFeatures(), HistGradientBoostingClassifier(max_iter=10))
    >>> model = model.fit(X, y)
    >>> folder = Path(tempfile.mkdtemp())
    >>> table = pd.DataFrame({"id": X.meta["id"].repeat(X.lengths).to_numpy(),
    ...                       "mjd": X.time, "mag": X.mag, "err": X.err,
    ...                       "period": X.meta["period"].repeat(X.lengths).to_numpy()})
    >>> table.to_parquet(folder / "obs.parquet")
    >>> summary = predict_catalog(model, folder / "obs.parquet", folder / "out",
    ...                           period="period", chunk_stars=25, verbose=0)
    >>> summary["n_stars"], summary["n_chunks"], summary["n_classified"]
    (60, 3, 60)
    >>> rows = read_predictions(folder / "out")
    >>> rows.columns[:4].tolist()
    ['id', 'predicted_class', 'Ecl', 'RRab']
    """
    wall = _time.perf_counter()
    source, out = _Source(source), Path(out)
    chunk_stars = _positive(chunk_stars, "chunk_stars")
    classes, class_columns = _class_columns(model)
    catalog_periods = _catalog_periods(catalog, id, period) if catalog is not None else None
    period_in_rows = period if (period and catalog is None) else None
    columns = [id, time, mag, err] + ([period_in_rows] if period_in_rows else [])
    _check_columns(source, columns)
    source.unify(columns)
    from .periods import PeriodFinder

    finder = PeriodFinder() if period_finder is None else period_finder
    settings = {"columns": columns, "chunk_stars": chunk_stars, "min_time": min_time,
                "max_fap": max_fap, "period_finder": repr(finder.get_params())}
    manifest = _open_run(out, _fingerprint(source, model, settings, catalog_periods), resume)

    seconds = {"index": 0.0, "read": 0.0, "write": 0.0}
    started = _time.perf_counter()
    catalog_ids = None if catalog_periods is None else catalog_periods.index.to_numpy()
    row_filter = _RowFilter(id, catalog_ids)
    index = _Index(source, row_filter)
    seconds["index"] = _time.perf_counter() - started
    _report_input(index, row_filter, verbose)
    id_type = source.schema(source.files[0]).field(id).type
    schema = _output_schema(id_type, class_columns)
    options = {"columns": dict(id=id, time=time, mag=mag, err=err, period=period_in_rows),
               "catalog": catalog_periods, "period_finder": finder, "max_fap": max_fap,
               "min_time": min_time, "classes": classes, "class_columns": class_columns}

    n_data_chunks = max(1, math.ceil(index.n_stars / chunk_stars)) if index.n_stars else 0
    mode = "contiguous" if index.contiguous else "spilled"
    missing = _unobserved(catalog_ids, index)
    n_chunks = n_data_chunks + bool(missing.size)
    done = {int(k) for k in manifest["chunks"]}
    started = _time.perf_counter()
    chunks = _chunk_tables(source, columns, row_filter, index, chunk_stars, n_data_chunks,
                           mode, done, out, manifest, schema)
    seconds["spill"] = _time.perf_counter() - started
    bar = progress_bar(_stars_left(manifest, index, missing), desc="predict", unit="star",
                       verbose=verbose)
    run = _Runner(out, manifest, schema, seconds, bar)
    with bar:
        if client is None:
            with _joblib_workers(n_jobs):
                run.local(chunks, model, options)
        else:
            run.distributed(chunks, model, options, client)
        if missing.size and n_data_chunks not in done:
            run.record(n_data_chunks, _unobserved_rows(missing, options, schema), {})
    manifest["complete"] = len(manifest["chunks"]) == n_chunks
    _write_manifest(out, manifest)
    if manifest["complete"]:
        shutil.rmtree(out / _SPILL, ignore_errors=True)
    seconds["wall"] = _time.perf_counter() - wall
    return _summary(manifest, index, row_filter, mode, n_chunks, run, seconds)


def _positive(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def _joblib_workers(n_jobs):
    if n_jobs is None:
        return nullcontext()
    from joblib import parallel_config

    return parallel_config(n_jobs=n_jobs)


def _report_input(index, row_filter, verbose):
    if not verbose:
        return
    if row_filter.n_no_id:
        warnings.warn(f"skipped {row_filter.n_no_id} observation row(s) without a star id",
                      UserWarning, stacklevel=3)
    if row_filter.n_not_in_catalog:
        warnings.warn(
            f"skipped {row_filter.n_not_in_catalog} observation row(s) of star ids the catalogue "
            f"does not list, e.g. {row_filter.not_in_catalog[:3]}", UserWarning, stacklevel=3)
    if index.in_several_files.size:
        warnings.warn(
            f"{index.in_several_files.size} star id(s) have rows in more than one file, e.g. "
            f"{index.in_several_files[:3].tolist()}; their rows were classified as one star each "
            "(give two different stars different ids)", UserWarning, stacklevel=3)


def _unobserved(catalog_ids, index):
    if catalog_ids is None:
        return np.zeros(0)
    return catalog_ids[~_isin_sorted(catalog_ids, index.ids)]


def _unobserved_rows(ids, options, schema):
    n = ids.size
    rows = _rows(ids, np.full((n, len(options["classes"])), np.nan),
                 options["catalog"].reindex(ids).to_numpy(dtype=np.float64),
                 np.full(n, None, object), np.full(n, np.nan),
                 {"n_points": np.zeros(n, np.int64), "n_valid": np.zeros(n, np.int64)},
                 np.full(n, "no observations", dtype=object), options)
    return rows


def _stars_left(manifest, index, missing):
    return index.n_stars + missing.size - sum(c["n_stars"] for c in manifest["chunks"].values())


def _chunk_tables(source, columns, row_filter, index, chunk_stars, n_chunks, mode, done, out,
                  manifest, schema):
    """Yield ``(chunk, table)`` for the chunks not yet done."""
    if not n_chunks:
        return iter(())
    if mode == "contiguous":
        return _stream_contiguous(source, columns, row_filter, index, chunk_stars, done)
    spill = out / _SPILL
    if not manifest["spilled"] or not spill.is_dir():
        _spill(source, columns, row_filter, n_chunks, spill)
        manifest["spilled"] = True
        _write_manifest(out, manifest)
    first = pq.read_schema(next(spill.glob("bucket-*.parquet")))
    return _stream_spilled(spill, done, n_chunks, first)


class _Runner:
    """Classifies chunks (here or on a cluster) and records each finished one."""

    def __init__(self, out, manifest, schema, seconds, bar):
        self.out, self.manifest, self.schema = out, manifest, schema
        self.seconds, self.bar, self.chunks_run = seconds, bar, 0

    def _timed(self, chunks):
        while True:
            started = _time.perf_counter()
            item = next(chunks, None)
            self.seconds["read"] += _time.perf_counter() - started
            if item is None:
                return
            yield item

    def local(self, chunks, model, options):
        for chunk, table in self._timed(chunks):
            rows, timings = _classify_chunk(table, model, options)
            self.record(chunk, rows, timings)

    def distributed(self, chunks, model, options, client):
        from dask.distributed import Client, as_completed

        own = isinstance(client, str)
        client = Client(client) if own else client
        try:
            model_f, options_f = client.scatter([model, options], broadcast=True)
            limit = 2 * max(1, len(client.scheduler_info()["workers"]))
            pending = as_completed()
            keys = {}
            for chunk, table in self._timed(chunks):
                future = client.submit(_classify_chunk, table, model_f, options_f, pure=False)
                keys[future.key] = chunk
                pending.add(future)
                if pending.count() >= limit:
                    self._collect(next(pending), keys)
            for future in pending:
                self._collect(future, keys)
        finally:
            if own:
                client.close()

    def _collect(self, future, keys):
        rows, timings = future.result()
        self.record(keys.pop(future.key), rows, timings)

    def record(self, chunk, rows, timings):
        started = _time.perf_counter()
        name = _write_part(self.out, chunk, rows, self.schema)
        n_ok = int(rows["reason"].isna().sum())
        self.manifest["chunks"][str(chunk)] = {"file": name, "n_stars": len(rows),
                                               "n_classified": n_ok}
        _write_manifest(self.out, self.manifest)
        self.seconds["write"] += _time.perf_counter() - started
        for stage, value in timings.items():
            self.seconds[stage] = self.seconds.get(stage, 0.0) + value
        self.chunks_run += 1
        self.bar.update(len(rows))


def _summary(manifest, index, row_filter, mode, n_chunks, run, seconds):
    entries = manifest["chunks"].values()
    n_stars = sum(c["n_stars"] for c in entries)
    n_ok = sum(c["n_classified"] for c in entries)
    return {"n_stars": n_stars, "n_classified": n_ok, "n_unclassified": n_stars - n_ok,
            "n_chunks": n_chunks, "chunks_run": run.chunks_run, "mode": mode,
            "complete": manifest["complete"], "seconds": seconds,
            "ids_in_several_files": int(index.in_several_files.size),
            "rows_without_id": row_filter.n_no_id,
            "rows_not_in_catalog": row_filter.n_not_in_catalog}
