"""astropy and datetime input and output for :class:`~vsaug.LightCurves`.

Conversions to the container's plain units: times to days (MJD for
absolute times), magnitudes and errors to mag, periods to days. Units are
checked, not assumed: an astropy ``Time`` becomes its MJD, a ``datetime64``
column is converted to MJD (never read as nanoseconds), a time ``Quantity``
is converted to days, a magnitude ``Quantity`` must be in mag, and fluxes
are refused with a message that says how to convert them. astropy is
imported only when an astropy object is met.
"""

from __future__ import annotations

import sys
from numbers import Number

import numpy as np
import pandas as pd

__all__ = [
    "is_quantity",
    "time_values",
    "magnitude_values",
    "scalar_value",
    "plain_meta",
    "from_timeseries",
    "to_timeseries",
]

_MJD_EPOCH = np.datetime64("1858-11-17T00:00:00", "ns")
_NS_PER_DAY = 86_400e9

_FLUX_HINT = (
    "vsaug works in magnitudes: convert first, e.g. mag = u.Magnitude(flux).value "
    "(or -2.5 * log10(flux / zero_point)) and err = 2.5 / ln(10) * flux_err / flux"
)


def _astropy_loaded():
    return "astropy" in sys.modules


def is_quantity(value):
    """Whether ``value`` is an astropy ``Quantity`` (without importing astropy)."""
    if not _astropy_loaded():
        return False
    from astropy.units import Quantity

    return isinstance(value, Quantity)


def _is_time(value):
    if not _astropy_loaded():
        return False
    from astropy.time import Time

    return isinstance(value, Time)


def _unit_of(values):
    """The unit of a Quantity, or of an object array/Series holding Quantity scalars."""
    if is_quantity(values):
        return values
    array = np.asarray(values, dtype=object) if isinstance(values, (list, tuple)) else values
    if getattr(array, "dtype", None) == object and len(array) and is_quantity(_first(array)):
        from astropy.units import Quantity

        return Quantity(list(array))
    return None


def _first(array):
    return array.iloc[0] if isinstance(array, pd.Series) else array.ravel()[0]


def time_values(values, name="time"):
    """Times as float days: MJD for ``Time`` and datetimes, days for durations.

    Parameters
    ----------
    values : array-like, astropy Time, time Quantity, datetime64 or timedelta64
        Plain numbers are taken as days already.
    name : str, default="time"
        The column's name, for error messages.

    Returns
    -------
    ndarray of float64
        Days: MJD for absolute times, the length for durations.

    Examples
    --------
    >>> import numpy as np
    >>> from vsaug._astropy import time_values
    >>> time_values(np.array(["2000-01-01T12:00"], dtype="datetime64[s]"))
    array([51544.5])
    """
    if _is_time(values):
        return np.asarray(values.mjd, dtype=np.float64).ravel()
    quantity = _unit_of(values)
    if quantity is not None:
        from astropy import units as u

        if not quantity.unit.is_equivalent(u.day):
            raise ValueError(f"{name} is a Quantity in {quantity.unit}, not a time; give days, "
                             "a time unit or an astropy Time")
        return np.asarray(quantity.to_value(u.day), dtype=np.float64).ravel()
    series = values if isinstance(values, pd.Series) else None
    if series is not None and isinstance(series.dtype, pd.DatetimeTZDtype):
        values = series.dt.tz_convert("UTC").dt.tz_localize(None)
    array = np.asarray(values)
    if array.dtype == object and array.size and _is_datetime_like(array.ravel()[0]):
        array = pd.to_datetime(pd.Series(array.ravel()), utc=True).dt.tz_localize(None).to_numpy()
    if np.issubdtype(array.dtype, np.datetime64):
        days = (array.astype("datetime64[ns]") - _MJD_EPOCH).astype(np.float64) / _NS_PER_DAY
        return np.where(np.isnat(array), np.nan, days).ravel()
    if np.issubdtype(array.dtype, np.timedelta64):
        days = array.astype("timedelta64[ns]").astype(np.float64) / _NS_PER_DAY
        return np.where(np.isnat(array), np.nan, days).ravel()
    try:
        return np.asarray(array, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"{name} holds {array.dtype} values that are neither numbers (days) "
                         "nor datetimes; convert it to MJD") from None


def _is_datetime_like(value):
    import datetime

    return isinstance(value, (datetime.datetime, datetime.date, pd.Timestamp, np.datetime64))


def magnitude_values(values, name="mag"):
    """Magnitudes (or magnitude errors) as float, checking a Quantity's unit.

    Parameters
    ----------
    values : array-like or Quantity
        A Quantity must be in mag (``u.mag``, ``u.ABmag``, ``u.Magnitude``);
        a flux is refused with a message that says how to convert it.
    name : str, default="mag"
        The column's name, for error messages.

    Returns
    -------
    ndarray of float64
        The values in magnitudes (a Quantity's unit dropped).

    Examples
    --------
    >>> import astropy.units as u
    >>> from vsaug._astropy import magnitude_values
    >>> magnitude_values([15.2, 15.4] * u.mag)
    array([15.2, 15.4])
    >>> magnitude_values([1.0, 2.0] * u.Jy)
    Traceback (most recent call last):
    ...
    ValueError: mag is in Jy (spectral flux density), not magnitudes; vsaug works in ...
    """
    quantity = _unit_of(values)
    if quantity is None:
        return np.asarray(values, dtype=np.float64).ravel()
    if _in_magnitudes(quantity):
        return np.asarray(quantity.value, dtype=np.float64).ravel()
    kind = quantity.unit.physical_type
    raise ValueError(f"{name} is in {quantity.unit} ({kind}), not magnitudes; {_FLUX_HINT}")


def _in_magnitudes(quantity):
    """Whether a Quantity is in plain magnitudes (``u.mag`` or a ``Magnitude``)."""
    from astropy import units as u

    return isinstance(quantity, u.Magnitude) or quantity.unit == u.mag


def scalar_value(value, name):
    """One per-star scalar in vsaug's units: a time Quantity in days, a magnitude in mag.

    Other Quantities keep their value in their own unit; non-Quantities pass.
    """
    if not is_quantity(value):
        return value
    from astropy import units as u

    if value.unit.is_equivalent(u.day):
        return float(value.to_value(u.day))
    if _in_magnitudes(value) or value.unit == u.dimensionless_unscaled:
        return float(value.value)
    raise ValueError(f"{name} is a Quantity in {value.unit}; vsaug's per-star values are "
                     "plain numbers (periods in days, amplitudes in mag): convert it first")


def plain_meta(meta):
    """A per-star table with Quantity columns converted (periods to days).

    Parameters
    ----------
    meta : pandas.DataFrame, dict, astropy Table or None

    Returns
    -------
    pandas.DataFrame or None
    """
    if meta is None:
        return None
    if _astropy_loaded():
        from astropy.table import Table

        if isinstance(meta, Table):
            meta = {name: meta[name] for name in meta.colnames}
    if isinstance(meta, dict):
        return pd.DataFrame({k: _plain_column(v, k) for k, v in meta.items()})
    if not isinstance(meta, pd.DataFrame):
        meta = pd.DataFrame(meta)
    converted = {c: _plain_column(meta[c], c) for c in meta.columns if meta[c].dtype == object}
    return meta.assign(**converted) if converted else meta


def _plain_column(values, name):
    if _is_time(values):
        return time_values(values, name)
    if is_quantity(values) and np.ndim(values) == 0:
        return scalar_value(values, name)
    quantity = _unit_of(values)
    if quantity is None:
        return values
    from astropy import units as u

    if quantity.unit.is_equivalent(u.day):
        return quantity.to_value(u.day)
    return np.asarray([scalar_value(q, name) for q in quantity.ravel()])


# --------------------------------------------------------------- TimeSeries
def from_timeseries(series, *, mag="mag", err="err", meta=None):
    """Light curves from one astropy ``TimeSeries`` or a list of them (one curve each).

    Every series' ``time`` becomes MJD, its ``mag`` and ``err`` columns are
    checked to be magnitudes, and its scalar ``meta`` entries (a ``period``
    Quantity in days, an id, ...) become the curve's row of ``meta``.
    """
    from astropy.timeseries import TimeSeries

    from .lightcurves import _from_sequences

    one = isinstance(series, TimeSeries)
    series = [series] if one else list(series)
    triples, rows = [], []
    for i, ts in enumerate(series):
        if not isinstance(ts, TimeSeries):
            raise TypeError(f"star {i}: expected an astropy TimeSeries, got {type(ts).__name__}")
        missing = [c for c in (mag, err) if c not in ts.colnames]
        if missing:
            raise ValueError(f"star {i}: the TimeSeries has no column(s) {missing}; name them "
                             f"with mag=, err= (columns: {ts.colnames})")
        triples.append((time_values(ts.time, f"star {i}: time"),
                        magnitude_values(ts[mag], f"star {i}: {mag}"),
                        magnitude_values(ts[err], f"star {i}: {err}")))
        rows.append({k: scalar_value(v, f"star {i}: meta[{k!r}]") for k, v in ts.meta.items()
                     if _is_scalar(v)})
    if meta is None and any(rows):
        meta = pd.DataFrame(rows)
    return _from_sequences(triples, plain_meta(meta))


def _is_scalar(value):
    return isinstance(value, (Number, str, np.generic)) or (is_quantity(value)
                                                            and np.ndim(value) == 0)


def to_timeseries(X, index=None, *, time_scale="utc"):
    """One ``TimeSeries`` per curve (or the one at ``index``): MJD times, mag columns.

    The curve's scalars go into the series' ``meta``, ``period`` as a
    Quantity in days.
    """
    from astropy import units as u
    from astropy.time import Time
    from astropy.timeseries import TimeSeries

    def one(i):
        lo, hi = X.offsets[i], X.offsets[i + 1]
        ts = TimeSeries(time=Time(X.time[lo:hi], format="mjd", scale=time_scale),
                        data={"mag": X.mag[lo:hi] * u.mag, "err": X.err[lo:hi] * u.mag})
        for key, value in X.meta.iloc[i].items():
            value = value.item() if isinstance(value, np.generic) else value
            ts.meta[str(key)] = value * u.day if key == "period" else value
        return ts

    if index is not None:
        return one(int(np.arange(len(X))[index]))
    return [one(i) for i in range(len(X))]


def observation_table(table, *, time, mag, err):
    """A long table as a DataFrame; an astropy Table's time, mag and err columns converted.

    A pandas DataFrame passes unchanged (:func:`time_values` and
    :func:`magnitude_values` then check its columns).
    """
    if isinstance(table, pd.DataFrame) or not _astropy_loaded():
        return table
    from astropy.table import Table

    if not isinstance(table, Table):
        return table
    convert = {time: time_values, mag: magnitude_values, err: magnitude_values}
    columns = {}
    for name in table.colnames:
        column = table[name]
        if name in convert:
            columns[name] = convert[name](column, name)
        elif _is_time(column):
            columns[name] = time_values(column, name)
        else:
            columns[name] = np.asarray(column)
    return pd.DataFrame(columns)
