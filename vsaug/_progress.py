"""Progress reports for long work: a tqdm bar on a terminal, plain lines elsewhere.

Every long loop in vsaug (GP fits, bags, epochs, cleaning, period search,
prediction chunks) reports through :func:`progress_bar`. On a terminal it
is a ``tqdm`` bar on stderr with the rate and the ETA; when stderr is a
file or a pipe (a batch job, a CI log) it writes one line when the stage
ends and, for long stages, one line a minute, so a log never fills with
carriage returns and a job that runs for an hour still says what it does.
"""

from __future__ import annotations

import sys
import time

__all__ = ["progress_bar", "epoch_progress"]

_LINE_INTERVAL = 60.0  # seconds between interim lines when stderr is not a terminal


def progress_bar(total=None, *, desc, unit="it", verbose=1, file=None, leave=True):
    """Return a progress reporter with tqdm's ``update``/``close`` interface.

    Parameters
    ----------
    total : int, optional
        Expected number of units (enables the ETA).
    desc : str
        What is being done, e.g. ``"GP fits"``.
    unit : str, default="it"
        Name of one unit, e.g. ``"curve"``.
    verbose : int or bool, default=1
        Falsy: report nothing.
    file : file-like, optional
        Where to write (default ``sys.stderr``).
    leave : bool, default=True
        Keep the finished bar on a terminal.

    Returns
    -------
    reporter : tqdm.tqdm or LineProgress
        Use as a context manager, or call ``update(n)`` and ``close()``.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with progress_bar(3, desc="demo", unit="curve", file=out) as bar:
    ...     bar.update(3)
    >>> "demo: 3/3 curve" in out.getvalue()
    True
    """
    file = sys.stderr if file is None else file
    if not verbose:
        return LineProgress(total, desc=desc, unit=unit, file=None)
    if getattr(file, "isatty", lambda: False)():
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, unit=unit, file=file, leave=leave,
                    dynamic_ncols=True)
    return LineProgress(total, desc=desc, unit=unit, file=file)


class LineProgress:
    """A quiet stand-in for a tqdm bar: one line at the end (and one a minute).

    Parameters
    ----------
    total : int or None
        Expected number of units.
    desc, unit : str
        As for :func:`progress_bar`.
    file : file-like or None
        Where to write; ``None`` writes nothing.
    """

    def __init__(self, total, *, desc, unit="it", file=None):
        self.total, self.desc, self.unit, self.file = total, desc, unit, file
        self.n = 0
        self._start = self._last = time.perf_counter()
        self._closed = False

    def update(self, n=1):
        """Count ``n`` more finished units."""
        self.n += n
        now = time.perf_counter()
        finished = self.total is not None and self.n >= self.total  # close() says it
        if self.file is not None and not finished and now - self._last >= _LINE_INTERVAL:
            self._last = now
            self._write(now, done=False)

    def set_postfix_str(self, text, refresh=True):
        """Accepted for tqdm compatibility; the final line does not show it."""

    def _write(self, now, *, done):
        elapsed = max(now - self._start, 1e-9)
        of = f"/{self.total}" if self.total is not None else ""
        rate = self.n / elapsed
        # slow units (bags, epochs) read better as seconds per unit
        speed = (f"{rate:,.1f} {self.unit}/s" if rate >= 1 or self.n == 0
                 else f"{1 / rate:,.1f} s/{self.unit}")
        line = f"{self.desc}: {self.n}{of} {self.unit} in {elapsed:.1f} s ({speed})"
        if not done and self.total:
            remaining = (self.total - self.n) / rate if rate > 0 else float("nan")
            line += f", about {remaining:.0f} s left"
        print(line, file=self.file, flush=True)

    def close(self):
        """Write the final line (once)."""
        if not self._closed and self.file is not None:
            self._write(time.perf_counter(), done=True)
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def epoch_progress(epochs, *, verbose=1, file=None):
    """Return a Keras callback that shows a bar over each epoch's batches.

    The networks run their own loop over length-grouped batches
    (``train_on_batch``), so they call the callback's hooks themselves; it
    works the same under ``model.fit``. Each epoch gets a
    :func:`progress_bar` over its batches with the running loss (a tqdm bar
    on a terminal, one line when the epoch ends elsewhere), then one line
    with the epoch's loss and validation scores when there are any.

    Parameters
    ----------
    epochs : int
        Number of epochs (shown as ``epoch 3/10``).
    verbose : int or bool, default=1
        Falsy: report nothing.
    file : file-like, optional
        Where to write (default ``sys.stderr``).

    Returns
    -------
    keras.callbacks.Callback

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = epoch_progress(2, file=out)
    >>> bar.params = {"steps": 3}
    >>> for epoch in range(2):
    ...     bar.on_epoch_begin(epoch)
    ...     for step in range(3):
    ...         bar.on_train_batch_end(step, {"loss": 0.5})
    ...     bar.on_epoch_end(epoch, {"loss": 0.5, "val_balanced_accuracy": 0.75})
    >>> print(out.getvalue().count("epoch 2/2: 3/3 batch"))
    1
    >>> "epoch 2/2: loss 0.5000, val_balanced_accuracy 0.7500" in out.getvalue()
    True
    """
    return _epoch_progress_class()(epochs, verbose=verbose, file=file)


_EPOCH_PROGRESS = None


def _epoch_progress_class():
    """The callback class, defined on first use so that this module never imports Keras."""
    global _EPOCH_PROGRESS
    if _EPOCH_PROGRESS is not None:
        return _EPOCH_PROGRESS
    from keras.callbacks import Callback

    class EpochProgress(Callback):
        """Keras callback: a :func:`progress_bar` over every epoch's batches."""

        def __init__(self, epochs, *, verbose=1, file=None):
            super().__init__()
            self.epochs, self.verbose, self.file = int(epochs), verbose, file
            self._bar = None

        def on_epoch_begin(self, epoch, logs=None):
            steps = (self.params or {}).get("steps")
            self._bar = progress_bar(steps, desc=f"epoch {epoch + 1}/{self.epochs}",
                                     unit="batch", verbose=self.verbose, file=self.file)

        def on_train_batch_end(self, batch, logs=None):
            if self._bar is None:
                return
            self._bar.update(1)
            if logs and "loss" in logs:
                self._bar.set_postfix_str(f"loss={float(logs['loss']):.4f}", refresh=False)

        def on_epoch_end(self, epoch, logs=None):
            if self._bar is not None:
                self._bar.close()
                self._bar = None
            scores = {k: float(v) for k, v in (logs or {}).items()
                      if k == "loss" or k.startswith("val_")}
            if self.verbose and any(k.startswith("val_") for k in scores):
                text = ", ".join(f"{k} {v:.4f}" for k, v in scores.items())
                print(f"epoch {epoch + 1}/{self.epochs}: {text}",
                      file=sys.stderr if self.file is None else self.file, flush=True)

        def on_train_end(self, logs=None):
            if self._bar is not None:  # training stopped inside an epoch
                self._bar.close()
                self._bar = None

    _EPOCH_PROGRESS = EpochProgress
    return EpochProgress
