"""The one-line progress reporter used when stderr is not a terminal."""

import io

from vsaug import _progress
from vsaug._progress import LineProgress


def test_one_final_line_and_slow_units_in_seconds_each(monkeypatch):
    clock = iter([0.0, 100.0, 200.0, 300.0, 300.0])
    monkeypatch.setattr(_progress.time, "perf_counter", lambda: next(clock))
    out = io.StringIO()
    bar = LineProgress(3, desc="bags", unit="bag", file=out)
    bar.update()  # t=100: a minute has passed, an intermediate line with the time left
    bar.update()  # t=200
    bar.update()  # t=300: finished, no intermediate line: close() writes the last one
    bar.close()
    bar.close()  # once only
    lines = out.getvalue().splitlines()
    assert lines == ["bags: 1/3 bag in 100.0 s (100.0 s/bag), about 200 s left",
                     "bags: 2/3 bag in 200.0 s (100.0 s/bag), about 100 s left",
                     "bags: 3/3 bag in 300.0 s (100.0 s/bag)"]


def test_fast_units_in_units_per_second(monkeypatch):
    clock = iter([0.0, 2.0])
    monkeypatch.setattr(_progress.time, "perf_counter", lambda: next(clock))
    out = io.StringIO()
    bar = LineProgress(None, desc="curves", unit="curve", file=out)
    bar.n = 5000
    bar.close()
    assert out.getvalue().strip() == "curves: 5000 curve in 2.0 s (2,500.0 curve/s)"
