"""Fixtures shared by the test files."""

import pytest
from threadpoolctl import threadpool_limits

from vsaug.datasets import make_light_curves

#: Classes of the network tests' data (test_rnn, test_compound).
NETWORK_CLASSES = ("RRab", "Ecl", "EA", "LPV")


@pytest.fixture(autouse=True)
def one_openmp_thread():
    # Gradient boosting's OpenMP threads spin against each other on a busy
    # 2-core machine (ten times slower); tests use one thread.
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


@pytest.fixture(scope="session")
def network_curves():
    """Make balanced curves of :data:`NETWORK_CLASSES`: ``make(n, seed, n_points)``."""

    def make(n, seed, n_points=(40, 60)):
        return make_light_curves(n, classes=NETWORK_CLASSES, weights="balanced",
                                 n_points=n_points, random_state=seed)

    return make


@pytest.fixture(scope="session")
def network_data(network_curves):
    """Train, validation and test curves the network tests share."""
    return {"train": network_curves(256, 0), "val": network_curves(128, 2),
            "test": network_curves(200, 1)}


@pytest.fixture(scope="session")
def small_catalogue():
    """Make 100 curves of Ecl, RRab and DSct, 6:2:1 (CLI and runner tests): ``make(seed)``."""

    def make(seed):
        return make_light_curves(100, classes=["Ecl", "RRab", "DSct"],
                                 weights={"Ecl": 6, "RRab": 2, "DSct": 1}, random_state=seed)

    return make


@pytest.fixture(scope="session")
def crts_folder(small_catalogue, tmp_path_factory):
    """Write ``small_catalogue(seed)`` as a CRTS-layout folder: ``write(seed)`` -> its path."""
    from vsaug.datasets import write_crts_folder

    def write(seed):
        return write_crts_folder(*small_catalogue(seed), tmp_path_factory.mktemp("crts"))

    return write
