"""astropy-native input and output, datetimes, long tables and the notebook summary."""

import astropy.units as u
import numpy as np
import pandas as pd
import pytest
from astropy.table import QTable
from astropy.time import Time
from astropy.timeseries import TimeSeries

from vsaug import LightCurves, as_light_curves
from vsaug.datasets import make_light_curves


@pytest.fixture(scope="module")
def curves():
    X, _ = make_light_curves(30, random_state=4)
    return X


def _series(n=6, start="2021-03-04T00:00:00", **meta):
    ts = TimeSeries(time=Time(start, scale="utc") + np.arange(n) * 0.37 * u.day,
                    data={"mag": (15 + 0.1 * np.sin(np.arange(n))) * u.mag,
                          "err": np.full(n, 0.02) * u.mag})
    ts.meta.update(meta)
    return ts


# ----------------------------------------------------------------- TimeSeries
def test_timeseries_round_trip_keeps_points_units_and_meta(curves):
    series = curves.to_timeseries()
    assert len(series) == len(curves)
    assert series[0]["mag"].unit == u.mag and series[0].meta["period"].unit == u.day
    back = LightCurves.from_timeseries(series)
    np.testing.assert_allclose(back.time, curves.time, rtol=0, atol=1e-7)  # MJD via Time
    np.testing.assert_array_equal(back.mag, curves.mag)
    np.testing.assert_array_equal(back.err, curves.err)
    np.testing.assert_array_equal(back.offsets, curves.offsets)
    np.testing.assert_allclose(back.meta["period"], curves.meta["period"])
    assert back.meta["class"].tolist() == curves.meta["class"].tolist()


def test_timeseries_time_becomes_mjd_and_period_in_hours_becomes_days():
    X = as_light_curves(_series(period=6 * u.hour, id="V1"))
    assert X.time[0] == pytest.approx(Time("2021-03-04T00:00:00").mjd)
    assert X.time[1] - X.time[0] == pytest.approx(0.37)
    assert X.meta["period"].tolist() == [0.25] and X.meta["id"].tolist() == ["V1"]
    listed = as_light_curves([_series(), _series(8)])  # a list of TimeSeries
    assert listed.lengths.tolist() == [6, 8]


def test_flux_timeseries_is_refused_with_a_conversion_hint():
    ts = _series()
    ts["flux"] = np.ones(len(ts)) * u.Jy
    with pytest.raises(ValueError, match=r"star 0: flux is in Jy .*not magnitudes.*Magnitude"):
        LightCurves.from_timeseries(ts, mag="flux")
    with pytest.raises(ValueError, match=r"no column\(s\) \['V'\]"):
        LightCurves.from_timeseries(ts, mag="V")


def test_magnitude_quantities_ab_and_logarithmic_units_are_accepted():
    t = np.arange(6.0)
    ab = np.full(6, 17.0) * u.ABmag
    X = as_light_curves([(t, ab, np.full(6, 0.1) * u.mag)])
    assert X.mag.tolist() == [17.0] * 6
    with pytest.raises(ValueError, match=r"star 0: err is in .*not magnitudes"):
        as_light_curves([(t, ab, np.full(6, 0.1) * u.erg / u.s / u.cm**2)])


# ------------------------------------------------------------- time inputs
def test_time_and_quantity_in_triples_convert_to_days():
    start = Time(59000.0, format="mjd")
    X = as_light_curves([(start + np.arange(5) * u.hour, np.ones(5), np.full(5, 0.1)),
                         (np.arange(5) * u.hour, np.ones(5), np.full(5, 0.1))])
    np.testing.assert_allclose(X[0].time, 59000 + np.arange(5) / 24)
    np.testing.assert_allclose(X[1].time, np.arange(5) / 24)
    with pytest.raises(ValueError, match=r"star 0: time is a Quantity in m, not a time"):
        as_light_curves([(np.arange(5) * u.m, np.ones(5), np.full(5, 0.1))])


def test_from_long_converts_datetime64_to_mjd_not_nanoseconds():
    stamps = pd.date_range("2000-01-01T12:00", periods=10, freq="6h")
    df = pd.DataFrame({"id": [1] * 5 + [2] * 5, "mjd": stamps, "mag": 15.0, "err": 0.1})
    X = LightCurves.from_long(df)
    assert X.time[0] == pytest.approx(51544.5)  # MJD of 2000-01-01T12:00
    assert np.diff(X[0].time) == pytest.approx([0.25] * 4)
    aware = df.assign(mjd=stamps.tz_localize("Europe/Berlin"))  # UTC+1 in January
    assert LightCurves.from_long(aware).time[0] == pytest.approx(51544.5 - 1 / 24)


def test_from_long_reads_an_astropy_table_and_quantity_periods():
    table = QTable({"star": [3] * 5 + [4] * 5,
                    "t": Time(58000.0, format="mjd") + np.arange(10) * u.day,
                    "V": np.linspace(14, 15, 10) * u.mag, "dV": np.full(10, 0.03) * u.mag})
    catalog = pd.DataFrame({"star": [3, 4], "period": [2 * u.hour, 1.5 * u.day]})
    X = LightCurves.from_long(table, id="star", time="t", mag="V", err="dV", meta=catalog)
    assert X.time[:2].tolist() == [58000.0, 58001.0]
    np.testing.assert_allclose(X.meta["period"], [2 / 24, 1.5])
    with pytest.raises(ValueError, match=r"meta\['period'\]|period is a Quantity in m"):
        LightCurves.from_long(table, id="star", time="t", mag="V", err="dV",
                              meta=pd.DataFrame({"star": [3, 4], "period": [1 * u.m, 2 * u.m]}))


def test_meta_dict_with_quantity_periods_is_converted():
    t = np.arange(5.0)
    X = as_light_curves([(t, np.ones(5), np.full(5, 0.1))] * 2,
                        meta={"period": [3, 36] * u.hour})
    np.testing.assert_allclose(X.meta["period"], [0.125, 1.5])


# ------------------------------------------------------------ long tables
def test_to_long_and_parquet_invert_from_long(curves, tmp_path):
    long = curves.to_long()
    assert list(long.columns) == ["id", "mjd", "mag", "err"] and len(long) == curves.n_points
    back = LightCurves.from_long(long, meta=curves.meta)
    np.testing.assert_array_equal(back.time, curves.time)
    np.testing.assert_array_equal(back.offsets, curves.offsets)
    pd.testing.assert_frame_equal(back.meta, curves.meta)

    obs, stars = tmp_path / "obs.parquet", tmp_path / "stars.parquet"
    assert curves.to_parquet(obs, meta_path=stars) == obs
    again = LightCurves.from_long(pd.read_parquet(obs), meta=pd.read_parquet(stars))
    np.testing.assert_array_equal(again.mag, curves.mag)
    np.testing.assert_array_equal(again.err, curves.err)
    pd.testing.assert_frame_equal(again.meta, curves.meta)


def test_to_long_without_ids_and_with_repeated_ids(curves):
    plain = curves.with_points(meta=curves.meta.drop(columns="id"))
    assert plain.to_long()["id"].unique().tolist() == list(range(len(curves)))
    with pytest.raises(ValueError, match=r"star 1 \(id=0\) shares its id .*unique"):
        curves[[0, 0]].to_long()


# --------------------------------------------------------------- notebook
def test_repr_html_shows_counts_lengths_and_meta(curves):
    html = curves._repr_html_()
    assert f"<td style='text-align:left'>{len(curves)}</td>" in html
    lo, hi = curves.lengths.min(), curves.lengths.max()
    assert f"min {lo}," in html and f"max {hi}<" in html
    assert "period <small>(float64)</small>" in html and "Ecl" in html
