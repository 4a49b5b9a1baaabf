"""vsaug on a dask.distributed cluster: streamed prediction and joblib's Dask backend."""

import numpy as np
import pandas as pd
import pytest
from joblib import parallel_config
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline, make_pipeline

from vsaug import BaggingAugmentedEnsemble, GPLightCurveAugmenter, LightCurveCleaner, PeriodicFeatures
from vsaug.datasets import make_light_curves
from vsaug.streaming import predict_catalog, read_predictions

distributed = pytest.importorskip("distributed")

CLASSES = ["Ecl", "RRab", "DSct"]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None)
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


def ensemble(augmenter):
    member = make_pipeline(PeriodicFeatures(), HistGradientBoostingClassifier(max_iter=10))
    return BaggingAugmentedEnsemble(member, augmenter=augmenter, n_estimators=2,
                                    samples_per_class=40, random_state=0)


def test_streamed_prediction_on_a_cluster_equals_one_process(client, tmp_path):
    X, y = make_light_curves(120, classes=CLASSES, n_points=(30, 70), random_state=0)
    model = Pipeline([("clean", LightCurveCleaner()), ("ensemble", ensemble("duplicate"))])
    model.fit(X[:60], y[:60])
    test = X[60:]
    rows = np.repeat(test.meta["id"].to_numpy(), test.lengths)
    period = np.repeat(test.meta["period"].to_numpy(), test.lengths)
    period[rows == test.meta["id"].iloc[0]] = np.nan  # one period searched on a worker
    pd.DataFrame({"id": rows, "mjd": test.time, "mag": test.mag, "err": test.err,
                  "period": period}).to_parquet(tmp_path / "obs.parquet", row_group_size=900)
    kwargs = dict(period="period", chunk_stars=12, verbose=0)
    here = predict_catalog(model, tmp_path / "obs.parquet", tmp_path / "here", **kwargs)
    with distributed.get_task_stream(client) as tasks:
        there = predict_catalog(model, tmp_path / "obs.parquet", tmp_path / "there",
                                client=client, **kwargs)
    assert here["n_chunks"] == there["n_chunks"] == there["chunks_run"] == 5
    assert len({t["worker"] for t in tasks.data}) == 2  # both workers classified chunks
    a, b = read_predictions(tmp_path / "here"), read_predictions(tmp_path / "there")
    pd.testing.assert_frame_equal(a, b)  # the probabilities exactly, and every other column
    assert a["period_source"].tolist().count("search") == 1


def test_gp_fits_and_bag_members_run_through_joblibs_dask_backend(client):
    X, y = make_light_curves(80, classes=CLASSES, n_points=(30, 60), random_state=0)
    expected = ensemble(GPLightCurveAugmenter()).fit(X, y).predict_proba(X)
    with distributed.get_task_stream(client) as tasks:
        with parallel_config(backend="dask", n_jobs=-1):
            fitted = ensemble(GPLightCurveAugmenter()).fit(X, y)
    names = {str(t["key"]) for t in tasks.data}
    assert any("_fit_chunk" in n for n in names)  # GP fits (vsaug.gp.fit_curves)
    assert any("_fit_member" in n for n in names)  # bag members
    np.testing.assert_array_equal(fitted.predict_proba(X), expected)
