"""Ragged light curves stored flat: the data model every vsaug estimator takes.

A set of ``n`` light curves is held as three flat arrays (``time``, ``mag``,
``err``) of all points concatenated, ``offsets`` (``n + 1`` integers marking
where each curve starts and ends) and a per-curve table ``meta``. The
container is indexable the way scikit-learn indexes samples, so
``train_test_split``, ``cross_validate`` and ``GridSearchCV`` pass it through
unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
import pandas as pd

from . import _astropy
from ._ragged import gather_segments, lengths_to_offsets, segment_ids, segment_sort

__all__ = ["MIN_POINTS", "LightCurve", "LightCurves", "as_light_curves"]

#: The fewest points a light curve may have: fewer cannot be folded, smoothed
#: or fitted meaningfully.
MIN_POINTS = 5


@dataclass
class LightCurve:
    """One light curve: observation times, magnitudes, errors and scalars.

    Attributes
    ----------
    time : ndarray of shape (n_points,)
        Observation times (days; MJD for CRTS).
    mag : ndarray of shape (n_points,)
        Magnitudes.
    err : ndarray of shape (n_points,)
        One-sigma magnitude uncertainties.
    meta : pandas.Series
        The curve's scalars (``period``, ``amplitude``, ``id``, ...).

    Examples
    --------
    >>> from vsaug import as_light_curves
    >>> X = as_light_curves([([0.0, 1, 2, 3, 4], [10.0, 10.2, 10.1, 9.9, 10.0],
    ...                       [0.05] * 5)])
    >>> X[0].mag.size
    5
    """

    time: np.ndarray
    mag: np.ndarray
    err: np.ndarray
    meta: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))

    def __len__(self):
        return self.time.size


class LightCurves:
    """A set of ragged light curves stored as flat arrays plus offsets.

    Parameters
    ----------
    time, mag, err : array-like of shape (n_points,)
        All observations of all curves concatenated, curve after curve.
    offsets : array-like of int, shape (n_curves + 1,)
        Curve ``i`` is ``time[offsets[i]:offsets[i + 1]]``; ``offsets[0]`` is
        0 and ``offsets[-1]`` is ``n_points``.
    meta : pandas.DataFrame, optional
        One row per curve of scalar features (``period``, ``amplitude``,
        ``id``, ...). Its index is replaced by ``0 .. n_curves - 1``.
    validate : bool, default=True
        Check the values (finite, positive errors, at least ``MIN_POINTS``
        points per curve). Internal code that builds a container from
        already-valid pieces turns this off.
    copy : bool, default=True
        Copy the arrays so that the caller's input is never shared.

    Attributes
    ----------
    shape : tuple
        ``(n_curves,)``, so scikit-learn counts samples correctly.
    lengths : ndarray of shape (n_curves,)
        Number of points of every curve.

    Examples
    --------
    >>> import numpy as np
    >>> from vsaug import LightCurves
    >>> t = np.arange(12.0)
    >>> X = LightCurves(t, np.sin(t), np.full(12, 0.1), [0, 5, 12])
    >>> len(X), X.shape, X.lengths.tolist()
    (2, (2,), [5, 7])
    >>> X[[1, 0]].lengths.tolist()
    [7, 5]
    """

    def __init__(self, time, mag, err, offsets, meta=None, *, validate=True, copy=True):
        self.time = _number_array(time, "time", np.float64, copy)
        self.mag = _number_array(mag, "mag", np.float64, copy)
        self.err = _number_array(err, "err", np.float64, copy)
        self.offsets = _number_array(offsets, "offsets", np.int64, copy)
        n_curves = self.offsets.size - 1
        if meta is None:
            meta = pd.DataFrame(index=pd.RangeIndex(max(n_curves, 0)))
        elif not isinstance(meta, pd.DataFrame):
            raise TypeError(f"meta must be a pandas DataFrame, got {type(meta).__name__}")
        else:
            meta = meta.reset_index(drop=True)
            if copy:
                meta = meta.copy()
        self.meta = meta
        self._check_structure()
        if validate:
            self.validate()

    # ------------------------------------------------------------------ checks
    def _check_structure(self):
        for name in ("time", "mag", "err", "offsets"):
            if getattr(self, name).ndim != 1:
                raise ValueError(f"{name} must be one-dimensional")
        n_points = self.time.size
        if self.mag.size != n_points or self.err.size != n_points:
            raise ValueError(
                f"time, mag and err must have the same length; got {n_points}, "
                f"{self.mag.size} and {self.err.size}"
            )
        if self.offsets.size < 1 or self.offsets[0] != 0 or self.offsets[-1] != n_points:
            raise ValueError(
                f"offsets must start at 0 and end at the number of points ({n_points})"
            )
        if np.any(np.diff(self.offsets) < 0):
            raise ValueError("offsets must be non-decreasing")
        if len(self.meta) != len(self):
            raise ValueError(
                f"meta has {len(self.meta)} rows but there are {len(self)} light curves"
            )

    def star_name(self, i):
        """Describe curve ``i`` for error messages: its position and id if known."""
        for column in ("id", "name"):
            if column in self.meta.columns:
                value = self.meta[column].iloc[i]
                value = value.item() if hasattr(value, "item") else value
                return f"star {i} ({column}={value!r})"
        return f"star {i}"

    def _fail(self, bad_points, problem, hint):
        """Raise a ValueError naming the first curve that holds a bad point."""
        curve = int(self.curve_index[np.flatnonzero(bad_points)[0]])
        raise ValueError(f"{self.star_name(curve)}: {problem}; {hint}")

    def validate(self):
        """Check every curve; raise ``ValueError`` naming the first bad one.

        The arrays are checked with one reduction each (a sum is finite only
        if every value is; the smallest error is positive only if all are),
        and only a failing check looks for the first bad point, so this costs
        well under a millisecond per thousand curves.

        Returns
        -------
        self : LightCurves
        """
        self._check_structure()
        if len(self) and self.lengths.min() < MIN_POINTS:
            i = int(np.flatnonzero(self.lengths < MIN_POINTS)[0])
            raise ValueError(
                f"{self.star_name(i)} has {self.lengths[i]} points, fewer than the "
                f"minimum of {MIN_POINTS}; drop it before building LightCurves"
            )
        for name in ("time", "mag", "err"):
            values = getattr(self, name)
            # A sum of huge finite values may overflow: then look point by point.
            with np.errstate(over="ignore", invalid="ignore"):
                total = values.sum()
            if not np.isfinite(total):
                bad = ~np.isfinite(values)
                if bad.any():
                    self._fail(bad, f"non-finite {name} value", "remove or fix those points")
        if self.n_points and not self.err.min() > 0:
            self._fail(self.err <= 0, "error <= 0", "every point needs a positive uncertainty")
        return self

    def require(self, column):
        """Return ``meta[column]`` as floats, checking it is present, finite and > 0.

        Raises
        ------
        ValueError
            Naming the first curve whose value is missing or not positive.
        """
        if column not in self.meta.columns:
            hint = " (run PeriodFinder first)" if column == "period" else ""
            raise ValueError(f"the light curves have no '{column}' in meta{hint}")
        values = self.meta[column].to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.flatnonzero(~(np.isfinite(values) & (values > 0)))
        if bad.size:
            i = int(bad[0])
            raise ValueError(
                f"{self.star_name(i)} has {column}={float(values[i])!r}; it must be finite and > 0"
            )
        return values

    # -------------------------------------------------------------- structure
    def __len__(self):
        return self.offsets.size - 1

    @property
    def shape(self):
        """``(n_curves,)``: one sample per light curve."""
        return (len(self),)

    @property
    def n_points(self):
        """Total number of observations over all curves."""
        return int(self.time.size)

    @property
    def lengths(self):
        """Number of points in every curve, ndarray of shape (n_curves,)."""
        return np.diff(self.offsets)

    @property
    def curve_index(self):
        """For every point, the index of the curve it belongs to."""
        cached = self.__dict__.get("_curve_index")
        if cached is None or cached.size != self.n_points:
            cached = segment_ids(self.offsets)
            self.__dict__["_curve_index"] = cached
        return cached

    def __repr__(self):
        columns = ", ".join(map(str, self.meta.columns))
        return (
            f"LightCurves(n_curves={len(self)}, n_points={self.n_points}, "
            f"meta=[{columns}])"
        )

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # --------------------------------------------------------------- indexing
    def __getitem__(self, key):
        if isinstance(key, tuple):
            if len(key) == 2 and key[1] is Ellipsis:
                key = key[0]
            else:
                raise IndexError("LightCurves takes one index (optionally followed by ...)")
        if isinstance(key, (bool, np.bool_)):
            raise TypeError(
                f"cannot index LightCurves with the bool {key!r}; use an int, a slice, an "
                "integer array or a boolean mask with one value per curve"
            )
        if isinstance(key, Integral):
            return self._curve(int(key))
        return self.take(self._key_to_indices(key))

    def _key_to_indices(self, key):
        n = len(self)
        if isinstance(key, slice):
            return np.arange(n)[key]
        key = np.asarray(key)
        if key.dtype == bool:
            if key.ndim == 0:
                raise TypeError(f"cannot index LightCurves with the bool {key.item()!r}")
            if key.shape != (n,):
                raise IndexError(f"boolean index has shape {key.shape}, expected ({n},)")
            return np.flatnonzero(key)
        if key.size == 0:
            return np.zeros(0, dtype=np.int64)
        if not np.issubdtype(key.dtype, np.integer):
            raise IndexError(f"cannot index LightCurves with {key.dtype} values")
        key = key.ravel().astype(np.int64)
        if key.min() < -n or key.max() >= n:
            raise IndexError(f"index out of range for {n} light curves")
        return np.where(key < 0, key + n, key)

    def _curve(self, i):
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"index {i} out of range for {n} light curves")
        i %= n
        lo, hi = self.offsets[i], self.offsets[i + 1]
        return LightCurve(
            self.time[lo:hi].copy(),
            self.mag[lo:hi].copy(),
            self.err[lo:hi].copy(),
            self.meta.iloc[i].copy(),
        )

    def take(self, indices):
        """Return the curves at ``indices`` (repeats allowed) as a new container."""
        indices = np.asarray(indices, dtype=np.int64)
        flat, offsets = gather_segments(self.offsets, indices)
        return LightCurves(
            self.time[flat],
            self.mag[flat],
            self.err[flat],
            offsets,
            self.meta.iloc[indices],
            validate=False,
            copy=False,
        )

    # ------------------------------------------------------------ derivation
    def with_points(self, time=None, mag=None, err=None, meta=None, *, validate=None):
        """Return a copy with some per-point arrays (same offsets) or meta replaced.

        Parameters
        ----------
        time, mag, err : array-like of shape (n_points,), optional
        meta : pandas.DataFrame, optional
        validate : bool, optional
            Check the values (:meth:`validate`); by default whenever a
            per-point array is replaced.

        Examples
        --------
        >>> import numpy as np
        >>> from vsaug import LightCurves
        >>> X = LightCurves(np.arange(5.0), np.zeros(5), np.ones(5), [0, 5])
        >>> X.with_points(err=np.zeros(5))
        Traceback (most recent call last):
        ...
        ValueError: star 0: error <= 0; every point needs a positive uncertainty
        """
        if validate is None:
            validate = time is not None or mag is not None or err is not None
        return LightCurves(
            self.time if time is None else time,
            self.mag if mag is None else mag,
            self.err if err is None else err,
            self.offsets,
            self.meta if meta is None else meta,
            validate=validate,
        )

    def select_points(self, keep, *, validate=True):
        """Return a copy holding only the points where ``keep`` is true.

        Parameters
        ----------
        keep : ndarray of bool, shape (n_points,)
        validate : bool, default=True
            Check that every curve keeps at least ``MIN_POINTS`` points.
        """
        keep = np.asarray(keep, dtype=bool)
        if keep.shape != (self.n_points,):
            raise ValueError(f"keep has shape {keep.shape}, expected ({self.n_points},)")
        lengths = np.bincount(self.curve_index[keep], minlength=len(self))
        return LightCurves(
            self.time[keep],
            self.mag[keep],
            self.err[keep],
            lengths_to_offsets(lengths),
            self.meta,
            validate=validate,
            copy=False,
        )

    def reorder_points(self, order):
        """Return a copy with points permuted by ``order`` (which must keep curves together)."""
        return LightCurves(
            self.time[order], self.mag[order], self.err[order], self.offsets, self.meta,
            validate=False, copy=False,
        )

    def sort_by_time(self):
        """Return a copy with every curve's points in increasing time."""
        return self.reorder_points(segment_sort(self.time, self.offsets))

    def copy(self):
        """Deep copy."""
        return LightCurves(self.time, self.mag, self.err, self.offsets, self.meta, validate=False)

    @classmethod
    def concatenate(cls, parts):
        """Join several containers, curves of ``parts[0]`` first.

        Meta columns missing from some parts are filled with NaN.

        Examples
        --------
        >>> import numpy as np
        >>> from vsaug import LightCurves
        >>> a = LightCurves(np.arange(5.0), np.zeros(5), np.ones(5), [0, 5])
        >>> len(LightCurves.concatenate([a, a, a]))
        3
        """
        parts = [as_light_curves(p) for p in parts]
        if not parts:
            raise ValueError("need at least one LightCurves to concatenate")
        lengths = np.concatenate([p.lengths for p in parts])
        meta = pd.concat([p.meta for p in parts], ignore_index=True, sort=False)
        return cls(
            np.concatenate([p.time for p in parts]),
            np.concatenate([p.mag for p in parts]),
            np.concatenate([p.err for p in parts]),
            lengths_to_offsets(lengths),
            meta,
            validate=False,
            copy=False,
        )

    # ---------------------------------------------------------- construction
    @classmethod
    def from_long(cls, df, id="id", time="mjd", mag="mag", err="err", meta=None, sort=True):
        """Build from a long table: one row per observation.

        Parameters
        ----------
        df : pandas.DataFrame or astropy Table
            The observations; rows of one star need not be contiguous.
        id, time, mag, err : str
            Column names of the star identifier, time, magnitude and error.
            Times are days (MJD): a ``datetime64`` column, an astropy
            ``Time`` column or a time ``Quantity`` is converted to MJD/days;
            magnitude ``Quantity`` columns must be in mag (fluxes are
            refused with a message saying how to convert them).
        meta : pandas.DataFrame, optional
            Per-star scalars indexed by star id (or with an ``id`` column);
            joined onto the curves. Stars absent from ``meta`` get NaN. A
            period given as a time ``Quantity`` is converted to days.
        sort : bool, default=True
            Sort each curve's points by time.

        Returns
        -------
        LightCurves
            One curve per distinct id, in order of first appearance; the ids
            are in ``meta[id]``.

        Examples
        --------
        >>> import pandas as pd
        >>> from vsaug import LightCurves
        >>> df = pd.DataFrame({"id": [7] * 5 + [3] * 5, "mjd": range(10),
        ...                    "mag": [15.0] * 10, "err": [0.1] * 10})
        >>> X = LightCurves.from_long(df)
        >>> X.meta["id"].tolist(), X.lengths.tolist()
        ([7, 3], [5, 5])
        """
        df = _astropy.observation_table(df, time=time, mag=mag, err=err)
        missing = [c for c in (id, time, mag, err) if c not in df.columns]
        if missing:
            raise ValueError(
                f"the table has no column(s) {missing}; name the right ones with "
                f"id=, time=, mag=, err= (columns present: {list(df.columns)})"
            )
        codes, uniques = pd.factorize(df[id], sort=False)
        t = _astropy.time_values(df[time], time)  # datetimes to MJD, never nanoseconds
        keys = (t, codes) if sort else (np.arange(codes.size), codes)
        order = np.lexsort(keys)
        lengths = np.bincount(codes, minlength=uniques.size)
        table = pd.DataFrame({id: np.asarray(uniques)})
        if meta is not None:
            meta = _astropy.plain_meta(meta)
            per_star = meta.set_index(id) if id in meta.columns else meta
            table = table.join(per_star, on=id)
        return cls(
            t[order],
            _astropy.magnitude_values(df[mag], mag)[order],
            _astropy.magnitude_values(df[err], err)[order],
            lengths_to_offsets(lengths),
            table,
            copy=False,
        )

    # -------------------------------------------------- astropy and long tables
    @classmethod
    def from_timeseries(cls, series, *, mag="mag", err="err", meta=None):
        """Build from an astropy ``TimeSeries`` or a list of them, one curve each.

        Parameters
        ----------
        series : astropy.timeseries.TimeSeries or list of them
            Each holds one star: its ``time`` (any ``Time`` format; MJD is
            taken in the series' own time scale) and magnitude columns.
        mag, err : str
            Column names of the magnitudes and their errors: plain numbers
            or a ``Quantity`` in mag (a flux is refused with a message that
            says how to convert it).
        meta : pandas.DataFrame, optional
            Per-curve scalars; default the scalar entries of every series'
            ``meta`` (a ``period`` Quantity converted to days).

        Returns
        -------
        LightCurves

        See Also
        --------
        to_timeseries : The inverse.

        Examples
        --------
        >>> import astropy.units as u
        >>> from astropy.time import Time
        >>> from astropy.timeseries import TimeSeries
        >>> from vsaug import LightCurves
        >>> ts = TimeSeries(time=Time("2020-01-01") + [0, 1, 2, 3, 4] * u.day,
        ...                 data={"mag": [15.0, 15.2, 15.1, 14.9, 15.0] * u.mag,
        ...                       "err": [0.05] * 5 * u.mag})
        >>> ts.meta["period"] = 12 * u.hour
        >>> X = LightCurves.from_timeseries([ts, ts])
        >>> X.time[:2], X.meta["period"].tolist()
        (array([58849., 58850.]), [0.5, 0.5])
        """
        return _astropy.from_timeseries(series, mag=mag, err=err, meta=meta)

    def to_timeseries(self, index=None, *, time_scale="utc"):
        """The curves as astropy ``TimeSeries``: MJD times, ``mag`` and ``err`` in mag.

        Parameters
        ----------
        index : int, optional
            Return only this curve's series.
        time_scale : str, default="utc"
            The time scale the MJDs are in.

        Returns
        -------
        astropy.timeseries.TimeSeries or list of them
            The curve's scalars are in each series' ``meta``, ``period`` as a
            Quantity in days.

        Examples
        --------
        >>> from vsaug.datasets import make_light_curves
        >>> X, _ = make_light_curves(11, random_state=0)
        >>> ts = X.to_timeseries(0)
        >>> ts.colnames, str(ts["mag"].unit), ts.meta["period"].unit
        (['time', 'mag', 'err'], 'mag', Unit("d"))
        >>> LightCurves.from_timeseries(X.to_timeseries()).lengths.tolist() == X.lengths.tolist()
        True
        """
        return _astropy.to_timeseries(self, index, time_scale=time_scale)

    def to_long(self, id="id", time="mjd", mag="mag", err="err"):
        """The observations as a long table, one row per point: the inverse of :meth:`from_long`.

        Parameters
        ----------
        id, time, mag, err : str
            Column names. The star ids are ``meta[id]`` when present (they
            must then be unique), else the curve positions ``0 .. n - 1``.

        Returns
        -------
        pandas.DataFrame
            Columns ``id, time, mag, err``, curve after curve. The per-star
            table to pass back as ``from_long(..., meta=)`` is ``self.meta``.

        Examples
        --------
        >>> from vsaug import LightCurves
        >>> from vsaug.datasets import make_light_curves
        >>> X, _ = make_light_curves(11, random_state=0)
        >>> long = X.to_long()
        >>> back = LightCurves.from_long(long, meta=X.meta, sort=False)
        >>> bool((back.mag == X.mag).all()), back.meta.equals(X.meta)
        (True, True)
        """
        ids = self._unique_ids(id)
        return pd.DataFrame({id: np.repeat(ids, self.lengths), time: self.time,
                             mag: self.mag, err: self.err})

    def _unique_ids(self, id):
        if id not in self.meta.columns:
            return np.arange(len(self))
        ids = self.meta[id].to_numpy()
        repeated = pd.Index(ids).duplicated()
        if repeated.any():
            i = int(np.flatnonzero(repeated)[0])
            raise ValueError(f"{self.star_name(i)} shares its {id} with an earlier curve; a "
                             f"long table needs unique ids: set meta[{id!r}] to unique values")
        return ids

    def to_parquet(self, path, *, meta_path=None, id="id", time="mjd", mag="mag", err="err"):
        """Write the observations (and optionally the per-star table) as Parquet.

        Parameters
        ----------
        path : str or path-like
            The long table of :meth:`to_long`.
        meta_path : str or path-like, optional
            Also write ``meta`` here (with the ``id`` column).
        id, time, mag, err : str
            Column names, as for :meth:`to_long`.

        Returns
        -------
        pathlib.Path
            ``path``.

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> import pandas as pd
        >>> from vsaug import LightCurves
        >>> from vsaug.datasets import make_light_curves
        >>> X, _ = make_light_curves(11, random_state=0)
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = X.to_parquet(folder / "obs.parquet", meta_path=folder / "stars.parquet")
        >>> Y = LightCurves.from_long(pd.read_parquet(folder / "obs.parquet"),
        ...                           meta=pd.read_parquet(folder / "stars.parquet"))
        >>> bool((Y.time == X.time).all()), Y.meta.equals(X.meta)
        (True, True)
        """
        from ._atomic import atomic_write

        long = self.to_long(id=id, time=time, mag=mag, err=err)
        written = atomic_write(path, lambda p: long.to_parquet(p, index=False))
        if meta_path is not None:
            table = self.meta if id in self.meta.columns else \
                self.meta.assign(**{id: np.arange(len(self))})
            atomic_write(meta_path, lambda p: table.to_parquet(p, index=False))
        return written

    def _repr_html_(self):
        """A notebook summary: counts, the distribution of lengths, the meta columns."""
        from html import escape

        n, lengths = len(self), self.lengths
        rows = [("curves", f"{n:,}"), ("points", f"{self.n_points:,}")]
        if n:
            q = np.percentile(lengths, [0, 25, 50, 75, 100]).astype(int)
            rows.append(("points per curve", f"min {q[0]}, quartiles {q[1]} / {q[2]} / {q[3]}, "
                                             f"max {q[4]}"))
            span = np.maximum.reduceat(self.time, self.offsets[:-1]) - \
                np.minimum.reduceat(self.time, self.offsets[:-1]) if self.n_points and \
                lengths.min() > 0 else None
            if span is not None:
                rows.append(("time span (days)", f"median {np.median(span):.1f}, "
                                                 f"max {span.max():.1f}"))
        if "class" in self.meta.columns and n:
            counts = self.meta["class"].value_counts()
            rows.append(("classes", ", ".join(f"{escape(str(k))} {v}"
                                              for k, v in counts.items())))
        columns = ", ".join(f"{escape(str(c))} <small>({escape(str(t))})</small>"
                            for c, t in self.meta.dtypes.items())
        rows.append(("meta", columns or "<i>none</i>"))
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>"
                       f"{v}</td></tr>" for k, v in rows)
        return f"<div><b>LightCurves</b><table>{body}</table></div>"


def _number_array(values, name, dtype, copy):
    """``values`` as an array of ``dtype``, or a TypeError naming the array."""
    try:
        return np.array(values, dtype=dtype, copy=copy)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must hold numbers, but it cannot be converted to "
                        f"{np.dtype(dtype).name} ({exc}); convert it first") from None


def _from_sequences(triples, meta):
    triples = list(triples)
    arrays = []
    for i, item in enumerate(triples):
        if len(item) != 3:
            raise ValueError(f"star {i}: expected a (time, mag, err) triple, got {len(item)} items")
        t = _astropy.time_values(item[0], f"star {i}: time")
        m = _astropy.magnitude_values(item[1], f"star {i}: mag")
        e = _astropy.magnitude_values(item[2], f"star {i}: err")
        if not t.size == m.size == e.size:
            raise ValueError(
                f"star {i}: time, mag and err have different lengths "
                f"({t.size}, {m.size}, {e.size})"
            )
        arrays.append((t, m, e))
    if not arrays:
        raise ValueError("no light curves given")
    lengths = [a[0].size for a in arrays]
    return LightCurves(
        np.concatenate([a[0] for a in arrays]),
        np.concatenate([a[1] for a in arrays]),
        np.concatenate([a[2] for a in arrays]),
        lengths_to_offsets(lengths),
        meta,
        copy=False,
    )


def as_light_curves(obj, meta=None, *, time="time", mag="mag", err="err"):
    """Convert what a user has into :class:`LightCurves`.

    Parameters
    ----------
    obj : LightCurves, LightCurve, list of (time, mag, err) tuples, DataFrame or TimeSeries
        A per-star DataFrame holds array-valued columns ``time``, ``mag`` and
        ``err`` (names changeable) and scalar columns that go into ``meta``.
        An astropy ``TimeSeries`` (or a list of them) goes through
        :meth:`LightCurves.from_timeseries`. Times may be astropy ``Time``,
        ``datetime64`` (converted to MJD) or a time ``Quantity`` (to days);
        magnitudes and errors a ``Quantity`` in mag.
    meta : pandas.DataFrame or dict, optional
        Per-curve scalars; replaces any meta that ``obj`` carries. A period
        given as a time ``Quantity`` is converted to days.
    time, mag, err : str
        Column names, for a DataFrame input.

    Returns
    -------
    LightCurves
        ``obj`` itself when it is already a ``LightCurves`` and ``meta`` is None.

    Raises
    ------
    ValueError
        Naming the first bad curve: fewer than ``MIN_POINTS`` points, a
        non-finite value or an error <= 0. A ``LightCurves`` is checked again
        here (vectorised, microseconds per thousand curves), so arrays edited
        in place or built with ``validate=False`` cannot reach an estimator
        unchecked.
    TypeError
        For an object that is not light curves.

    Examples
    --------
    >>> from vsaug import as_light_curves
    >>> X = as_light_curves([([0.0, 1, 2, 3, 4], [1.0, 2, 1, 2, 1], [0.1] * 5)])
    >>> X
    LightCurves(n_curves=1, n_points=5, meta=[])
    """
    if meta is not None and not isinstance(meta, pd.DataFrame):
        meta = _astropy.plain_meta(meta)
    if isinstance(obj, LightCurves):
        obj.validate()
        return obj if meta is None else obj.with_points(meta=meta)
    meta = _astropy.plain_meta(meta)  # Quantity periods to days
    if _is_timeseries(obj):
        return LightCurves.from_timeseries(obj, meta=meta)
    if isinstance(obj, LightCurve):
        own = pd.DataFrame([obj.meta]) if len(obj.meta) else None
        return _from_sequences([(obj.time, obj.mag, obj.err)], meta if meta is not None else own)
    if isinstance(obj, pd.DataFrame):
        missing = [c for c in (time, mag, err) if c not in obj.columns]
        if missing:
            raise ValueError(
                f"a per-star DataFrame needs array-valued columns {missing}; "
                "for one row per observation use LightCurves.from_long"
            )
        scalars = obj.drop(columns=[time, mag, err]).reset_index(drop=True)
        triples = zip(obj[time], obj[mag], obj[err])
        return _from_sequences(triples, meta if meta is not None else _astropy.plain_meta(scalars))
    if isinstance(obj, (list, tuple)):
        if obj and all(_is_timeseries(o) for o in obj):
            return LightCurves.from_timeseries(obj, meta=meta)
        return _from_sequences(obj, meta)
    raise TypeError(
        f"cannot make light curves from {type(obj).__name__}; pass LightCurves, a list "
        "of (time, mag, err) tuples, a per-star DataFrame, an astropy TimeSeries, or use "
        "LightCurves.from_long"
    )


def _is_timeseries(obj):
    """Whether ``obj`` is an astropy TimeSeries (without importing astropy)."""
    return any(cls.__name__ == "TimeSeries" and cls.__module__.startswith("astropy.")
               for cls in type(obj).__mro__)
