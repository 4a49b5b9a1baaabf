"""Reading and writing survey folders: the ``read_survey`` registry and the CRTS writer.

:func:`read_survey` picks a reader by the folder's format name, the way
astropy picks a Lomb-Scargle implementation by ``method``: ``"crts"`` (the
full CRTS catalogue, or a lean one with only ``id``, ``period`` and, for
training, ``class``) is the first entry; :func:`register_survey_reader` adds
another survey's layout without touching vsaug.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .._atomic import atomic_write
from .._ragged import segment_weighted_mean
from ..lightcurves import LightCurves, as_light_curves
from ._crts import CRTS_COLUMNS, _drop_invalid_times, load_crts

__all__ = ["SURVEY_READERS", "read_survey", "register_survey_reader", "write_crts_folder"]

#: Survey readers by format name: ``reader(path, *, labelled) -> (X, y)``.
SURVEY_READERS = {}


def register_survey_reader(name, reader):
    """Make ``read_survey(path, format=name)`` call ``reader(path, labelled=...)``.

    Parameters
    ----------
    name : str
        The format's name.
    reader : callable
        ``reader(path, *, labelled)`` returning ``(X, y)``: a
        :class:`~vsaug.LightCurves` with ``period`` (and an ``id``) in its
        meta, and the labels (``None`` allowed when ``labelled=False``).

    Returns
    -------
    callable
        ``reader``, so that this works as a decorator's body too.

    Examples
    --------
    A survey that ships one CSV of observations with the period per row:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from vsaug import LightCurves
    >>> from vsaug.datasets import read_survey, register_survey_reader
    >>> def read_one_table(path, *, labelled):
    ...     table = pd.read_csv(Path(path) / "observations.csv")
    ...     meta = table.groupby("id")[["period", "class"]].first()
    ...     X = LightCurves.from_long(table, time="hjd", meta=meta)
    ...     return X, X.meta["class"].to_numpy(dtype=object)
    >>> _ = register_survey_reader("one-table", read_one_table)
    >>> folder = Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"id": [1] * 6 + [2] * 6, "hjd": list(range(12)),
    ...               "mag": [15.0, 15.2] * 6, "err": [0.05] * 12, "period": [0.5] * 12,
    ...               "class": ["RRab"] * 6 + ["Ecl"] * 6}).to_csv(folder / "observations.csv")
    >>> X, y = read_survey(folder, format="one-table")
    >>> len(X), list(y)
    (2, ['RRab', 'Ecl'])
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"a survey format needs a non-empty str name; got {name!r}")
    if not callable(reader):
        raise TypeError(f"the reader of survey format {name!r} must be callable")
    SURVEY_READERS[name] = reader
    return reader


def read_survey(path, format="crts", *, labelled=True):
    """Light curves (and labels) from a survey folder, by the folder's format.

    Parameters
    ----------
    path : str or path-like
        The folder.
    format : str, default="crts"
        A key of :data:`SURVEY_READERS`. ``"crts"``: ``catalog.csv`` (one
        row per star) and ``lightcurves.parquet`` (one row per observation:
        ``id``, ``mjd``, ``mag``, ``err``); the catalogue is either the full
        CRTS one (read by :func:`load_crts`) or a lean one with ``id``,
        ``period`` and, when ``labelled``, ``class``.
    labelled : bool, default=True
        Require class labels (training, evaluation). With False, stars
        without labels are read too (prediction).

    Returns
    -------
    X : LightCurves
        One curve per catalogue row, in catalogue order, sorted by time.
    y : ndarray of object or None
        The labels; ``None`` when ``labelled=False`` and the catalogue has
        none.

    Warns
    -----
    UserWarning
        When observations with a non-positive (placeholder) MJD are dropped,
        and when a star of a lean catalogue loses all its observations that
        way (it is dropped, by id).

    Examples
    --------
    >>> import tempfile
    >>> from vsaug.datasets import make_light_curves, read_survey, write_crts_folder
    >>> X, y = make_light_curves(30, random_state=0)
    >>> folder = write_crts_folder(X, y, tempfile.mkdtemp())
    >>> X2, y2 = read_survey(folder)
    >>> len(X2), bool((y2 == y).all())
    (30, True)
    """
    if format not in SURVEY_READERS:
        raise ValueError(f"format must be one of {sorted(SURVEY_READERS)} (add one with "
                         f"register_survey_reader); got {format!r}")
    return SURVEY_READERS[format](path, labelled=labelled)


def _read_crts_folder(path, *, labelled):
    folder = Path(path)
    catalog_file, obs_file = folder / "catalog.csv", folder / "lightcurves.parquet"
    for file in (catalog_file, obs_file):
        if not file.is_file():
            raise FileNotFoundError(f"no {file.name} in {folder}: a data folder needs "
                                    "catalog.csv and lightcurves.parquet")
    columns = set(pd.read_csv(catalog_file, nrows=0).columns)
    if set(CRTS_COLUMNS) <= columns:
        return load_crts(folder)
    needed = {"id", "period"} | ({"class"} if labelled else set())
    if not needed <= columns:
        raise ValueError(f"{catalog_file} lacks column(s) {sorted(needed - columns)}; a lean "
                         "catalogue needs id, period and, for training or evaluation, class")
    return _read_lean_crts(catalog_file, obs_file, labelled=labelled)


def _read_lean_crts(catalog_file, obs_file, *, labelled):
    """A catalogue with only some CRTS columns: the user's own stars."""
    catalog = pd.read_csv(catalog_file)
    if catalog["id"].duplicated().any():
        dup = catalog.loc[catalog["id"].duplicated(), "id"].iloc[0]
        raise ValueError(f"{catalog_file.name} lists star id {dup} more than once")
    obs = pd.read_parquet(obs_file)
    missing = [c for c in ("id", "mjd", "mag", "err") if c not in obs.columns]
    if missing:
        raise ValueError(f"{obs_file.name} lacks column(s) {missing}; it needs id, mjd, mag, err")
    obs = obs.loc[obs["id"].isin(catalog["id"]), ["id", "mjd", "mag", "err"]]
    unobserved = np.setdiff1d(catalog["id"].to_numpy(), obs["id"].to_numpy())
    if unobserved.size:
        raise ValueError(f"{unobserved.size} star(s) of {catalog_file.name} have no observations "
                         f"in {obs_file.name}, e.g. id {unobserved[0]}; remove them from the "
                         "catalogue")
    obs = _drop_invalid_times(obs, obs_file.name)
    emptied = np.setdiff1d(catalog["id"].to_numpy(), obs["id"].to_numpy())
    if emptied.size:
        warnings.warn(f"{obs_file.name}: dropped {emptied.size} star(s) whose observations all "
                      f"have placeholder dates: id {', '.join(map(str, emptied[:10]))}",
                      UserWarning, stacklevel=4)
        catalog = catalog[~catalog["id"].isin(emptied)].reset_index(drop=True)
    X = LightCurves.from_long(obs, meta=catalog)
    # from_long orders curves by first appearance; put them in catalogue order.
    X = X.take(pd.Index(X.meta["id"]).get_indexer(catalog["id"]))
    X.meta = X.meta.reset_index(drop=True)
    if not np.array_equal(X.meta["id"].to_numpy(), catalog["id"].to_numpy()):
        raise RuntimeError("read_survey put a curve under the wrong star id; please report it")
    has_labels = "class" in X.meta
    return X, (X.meta["class"].to_numpy(dtype=object) if has_labels else None)


register_survey_reader("crts", _read_crts_folder)


def write_crts_folder(X, y, path):
    """Write light curves in the layout of the CRTS data (``catalog.csv`` + ``lightcurves.parquet``).

    Parameters
    ----------
    X : LightCurves or anything :func:`vsaug.as_light_curves` takes
        ``meta`` should hold ``period``; missing catalogue columns (id, name,
        ra, dec, mean_mag, n_obs, amplitude) are filled in.
    y : array-like of shape (n_curves,)
        Class labels (the ``class`` column).
    path : str or path-like
        Folder to create or fill.

    Returns
    -------
    pathlib.Path
        The folder; :func:`vsaug.datasets.load_crts` reads it back.

    Examples
    --------
    The two files of the CRTS layout, read back with :func:`load_crts`:

    >>> import tempfile
    >>> from vsaug.datasets import make_light_curves, load_crts, write_crts_folder
    >>> X, y = make_light_curves(60, random_state=0)
    >>> folder = write_crts_folder(X, y, tempfile.mkdtemp())
    >>> sorted(p.name for p in folder.iterdir())
    ['catalog.csv', 'lightcurves.parquet']
    >>> bool((load_crts(folder)[1] == y).all())
    True
    """
    X = as_light_curves(X)
    y = np.asarray(y, dtype=object)
    if y.shape != (len(X),):
        raise ValueError(f"y has shape {y.shape} but X holds {len(X)} light curves")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    meta = X.meta
    n = len(X)
    ids = meta["id"].to_numpy(dtype=np.int64) if "id" in meta else np.arange(n, dtype=np.int64)
    catalog = pd.DataFrame({
        "id": ids,
        "name": meta["name"] if "name" in meta else [f"VSAUG_{i}" for i in ids],
        "ra": meta["ra"] if "ra" in meta else np.zeros(n),
        "dec": meta["dec"] if "dec" in meta else np.zeros(n),
        "period": X.require("period"),
        "mean_mag": (meta["mean_mag"] if "mean_mag" in meta
                     else segment_weighted_mean(X.mag, X.err**-2, X.offsets)),
        "n_obs": X.lengths,
        "amplitude": meta["amplitude"] if "amplitude" in meta else np.full(n, np.nan),
        "class": y,
    })
    observations = pd.DataFrame({
        "id": np.repeat(ids, X.lengths),
        "mjd": X.time,
        "mag": X.mag.astype(np.float32),
        "err": X.err.astype(np.float32),
    })
    atomic_write(folder / "catalog.csv", lambda p: catalog.to_csv(p, index=False))
    atomic_write(folder / "lightcurves.parquet", lambda p: observations.to_parquet(p, index=False))
    return folder
