"""Reader for the CRTS periodic-variable layout: ``catalog.csv`` + ``lightcurves.parquet``."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..lightcurves import MIN_POINTS, LightCurves

__all__ = ["CRTS_CLASSES", "CRTS_CLASS_COUNTS", "CRTS_COLUMNS", "load_crts"]

#: Stars per class in the CRTS development set (``../shared/crts``), largest
#: first. ``make_light_curves(weights="crts")`` reproduces this imbalance.
CRTS_CLASS_COUNTS = {
    "Ecl": 15042,
    "EA": 3607,
    "RRab": 3460,
    "RRc": 3002,
    "Rot": 2909,
    "LPV": 1029,
    "RRd": 402,
    "Blazhko": 137,
    "CepII": 122,
    "ACEP": 122,
    "DSct": 118,
}

#: The 11 CRTS class labels, largest class first.
CRTS_CLASSES = tuple(CRTS_CLASS_COUNTS)

#: Columns ``catalog.csv`` must hold; they all go into ``X.meta``.
CRTS_COLUMNS = ("id", "name", "ra", "dec", "period", "mean_mag", "n_obs", "amplitude", "class")
_OBS_COLUMNS = ("id", "mjd", "mag", "err")


def _require_columns(table, columns, filename):
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{filename} lacks column(s) {missing}; it needs {list(columns)} "
            f"(found {list(table.columns)})"
        )


def _read_catalog(path, classes):
    catalog = pd.read_csv(path)
    _require_columns(catalog, CRTS_COLUMNS, path.name)
    if catalog["id"].duplicated().any():
        dup = catalog.loc[catalog["id"].duplicated(), "id"].iloc[0]
        raise ValueError(f"{path.name} lists star id {dup} more than once")
    if classes is not None:
        classes = [classes] if isinstance(classes, str) else list(classes)
        unknown = sorted(set(classes) - set(catalog["class"]))
        if unknown:
            raise ValueError(
                f"classes={unknown} not in the catalogue; its classes are "
                f"{sorted(set(catalog['class']))}"
            )
        catalog = catalog[catalog["class"].isin(classes)].reset_index(drop=True)
    return catalog


def _read_observations(path, catalog, complete):
    """Read the observations of the catalogued stars; check ids both ways.

    With a class filter (``complete=False``) only the wanted stars are read,
    so observations of other ids are expected and skipped by the reader.
    """
    ids = catalog["id"].to_numpy()
    filters = None if complete else [("id", "in", ids.tolist())]
    obs = pd.read_parquet(path, filters=filters)
    _require_columns(obs, _OBS_COLUMNS, path.name)
    obs_ids = obs["id"].to_numpy()
    stray = np.setdiff1d(obs_ids, ids)
    if stray.size:
        raise ValueError(
            f"{path.name} holds observations of {stray.size} star id(s) missing "
            f"from catalog.csv, e.g. {stray[0]}; add them to the catalogue or drop them"
        )
    unobserved = np.setdiff1d(ids, obs_ids)
    if unobserved.size:
        raise ValueError(
            f"{unobserved.size} star(s) in catalog.csv have no observations in "
            f"{path.name}, e.g. id {unobserved[0]}; remove them from the catalogue"
        )
    return obs


def _drop_invalid_times(obs, filename):
    """Drop observations stamped with a non-positive MJD, warning with the count.

    Some CRTS rows carry a placeholder date (MJD -2409998.5, i.e. before the
    Julian epoch); kept, they would stretch a 3000-day baseline a thousandfold
    and wreck every period search.
    """
    bad = ~(obs["mjd"].to_numpy() > 0)
    if bad.any():
        stars = np.unique(obs["id"].to_numpy()[bad])
        warnings.warn(
            f"{filename}: dropped {bad.sum()} observation(s) with non-positive MJD "
            f"(placeholder dates) from {stars.size} star(s), e.g. id {stars[0]}",
            UserWarning,
            stacklevel=3,
        )
        obs = obs[~bad]
    return obs


def load_crts(path="../shared/crts", *, classes=None):
    """Load CRTS periodic variable stars from a ``catalog.csv`` + ``lightcurves.parquet`` folder.

    Parameters
    ----------
    path : str or path-like, default="../shared/crts"
        Folder holding ``catalog.csv`` (one row per star: id, name, ra, dec,
        period, mean_mag, n_obs, amplitude, class) and ``lightcurves.parquet``
        (one row per observation: id, mjd, mag, err). The default is where the
        development set sits relative to the project root.
    classes : str or sequence of str, optional
        Keep only stars of these classes.

    Returns
    -------
    X : LightCurves of length n_stars
        Curves in catalogue row order, every curve sorted by time; ``X.meta``
        holds the catalogue columns (id, name, ra, dec, period, mean_mag,
        n_obs, amplitude, class). ``n_obs`` is the catalogue's count and may
        differ from the number of points actually delivered (``X.lengths``).
    y : ndarray of str (object dtype), shape (n_stars,)
        The class labels (``X.meta['class']``).

    Raises
    ------
    FileNotFoundError
        If either file is missing.
    ValueError
        If a column is missing, a catalogued star has no observations, the
        observations name stars the catalogue lacks, or ``classes`` names an
        unknown class.

    Warns
    -----
    UserWarning
        When observations with a non-positive (placeholder) MJD are dropped,
        and, naming them, when stars are dropped because fewer than
        ``MIN_POINTS`` observations remain (every other star keeps its
        catalogue row: the loader checks each returned id against it).

    Notes
    -----
    The work is vectorised over all observations (one factorise and one
    lexsort inside :meth:`LightCurves.from_long`); the 6.7 million CRTS
    observations load in a few seconds.

    Examples
    --------
    >>> from vsaug.datasets import load_crts
    >>> X, y = load_crts("../shared/crts", classes=["DSct"])  # doctest: +SKIP
    >>> len(X), set(y)  # doctest: +SKIP
    (118, {'DSct'})
    """
    folder = Path(path)
    files = {name: folder / name for name in ("catalog.csv", "lightcurves.parquet")}
    for name, file in files.items():
        if not file.is_file():
            raise FileNotFoundError(
                f"no {name} in {folder.resolve()}: load_crts needs catalog.csv and "
                "lightcurves.parquet there"
            )
    catalog = _read_catalog(files["catalog.csv"], classes)
    obs = _read_observations(files["lightcurves.parquet"], catalog, classes is None)
    obs = _drop_invalid_times(obs, files["lightcurves.parquet"].name)
    catalog, obs = _drop_short_stars(catalog, obs)
    X = LightCurves.from_long(obs, meta=catalog)
    # from_long orders curves by first appearance; put them in catalogue order.
    position = pd.Index(X.meta["id"]).get_indexer(catalog["id"])
    if (position < 0).any():  # get_indexer's -1 would silently take the last star
        raise RuntimeError(f"load_crts lost star id {catalog['id'].iloc[np.argmin(position)]}")
    X = X.take(position)
    X.meta = X.meta.reset_index(drop=True)[list(catalog.columns)]
    if not np.array_equal(X.meta["id"].to_numpy(), catalog["id"].to_numpy()):
        raise RuntimeError("load_crts returned curves out of catalogue order; please report it")
    y = X.meta["class"].to_numpy(dtype=object)
    return X, y


def _drop_short_stars(catalog, obs):
    """Drop catalogued stars left with fewer than MIN_POINTS observations, naming them."""
    counts = obs["id"].value_counts().reindex(catalog["id"], fill_value=0).to_numpy()
    short = counts < MIN_POINTS
    if short.any():
        names = [f"id {i} ({n}, {c} point(s))" for i, n, c in
                 zip(catalog["id"][short], catalog["name"][short], counts[short])]
        warnings.warn(
            f"dropped {short.sum()} star(s) left with fewer than {MIN_POINTS} observations "
            f"after removing placeholder dates: {', '.join(names[:10])}"
            + (" ..." if len(names) > 10 else ""),
            UserWarning,
            stacklevel=3,
        )
        obs = obs[~obs["id"].isin(catalog["id"][short])]
        catalog = catalog[~short].reset_index(drop=True)
    return catalog, obs
