"""Atomic file writes: a file is either the old one, the new one whole, or absent.

Every file vsaug writes (models, run stages, reports, predictions) goes
through :func:`atomic_write`: the content is written to a temporary file in
the target folder and renamed into place with :func:`os.replace`, which is
atomic on POSIX and Windows, so a kill or a full disk never leaves a
truncated file where a good one was.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["atomic_write"]


def atomic_write(path, write):
    """Write ``path`` through ``write(tmp_path)``, then rename it into place.

    Parameters
    ----------
    path : str or path-like
        The file to (over)write. Its folder is created if needed.
    write : callable
        Called with the temporary path (in the same folder, so the rename
        stays on one file system); it must write the whole content there.

    Returns
    -------
    path : pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> target = Path(tempfile.mkdtemp()) / "note.txt"
    >>> _ = atomic_write(target, lambda p: Path(p).write_text("hello"))
    >>> target.read_text()
    'hello'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
