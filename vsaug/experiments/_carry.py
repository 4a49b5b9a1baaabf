"""Copy the part of a run directory that it needs to resume elsewhere."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

__all__ = ["carry_run"]

#: Files of the run's top folder that are carried (the rest is recomputed).
_TOP_FILES = ("manifest.json", "progress.log", "timings.json", "split.npz", "report.md",
              "metrics.json", "test_predictions.npz")


def _experiments(run):
    """The experiments the run's sessions asked for (from its manifest)."""
    manifest = json.loads((run / "manifest.json").read_text())
    return {name for session in manifest.get("sessions", [])
            for name in session.get("experiments") or []}


def _needed_members(run, experiments):
    """Member files a bag without predictions still needs.

    A member whose predictions are not written yet, and the RNN of every
    bag whose compound member has no predictions (stage one of that bag).
    """
    needed = []
    for member in run.glob("*/bag*.vsaug"):
        name, bag = member.parent.name, member.stem[len("bag"):]
        if not (member.parent / f"bag{bag}.npz").exists():
            needed.append(member)
        elif name == "rnn" and "compound" in experiments \
                and not (run / "compound" / f"bag{bag}.npz").exists():
            needed.append(member)
    return needed


def carry_run(run_dir, dest):
    """Copy what a run needs to resume or report into ``dest`` (replacing it).

    Carried: ``manifest.json``, ``progress.log``, ``timings.json``, the
    split, the report files, every bag's predictions (``bag<k>.npz``), the
    epoch backups of bags in training (``bag<k>.backup/``) and the member
    files a bag without predictions still needs (the compound's RNN of its
    bag). Left out: the shared stages that a resumed run recomputes from the
    data in a few minutes (cleaning, GP fits, augmented validation set), the
    member files no later bag needs and the ensemble files. The copy resumes
    with ``vsaug reproduce --out`` on it (or on a copy of it) with the same
    arguments, retraining no finished bag, and reports the same figures;
    its ensembles are not written again (their members are left out).

    Parameters
    ----------
    run_dir : str or path-like
        A run directory of :class:`ExperimentRun`.
    dest : str or path-like
        The folder to write; an existing one is replaced whole, once the
        new copy is complete.

    Returns
    -------
    list of str
        The carried files, relative to ``dest``.

    Examples
    --------
    >>> from vsaug.experiments import carry_run
    >>> carry_run("runs/paper", "docs/results/paper/run")  # doctest: +SKIP
    ['manifest.json', 'progress.log', ...]
    """
    run, dest = Path(run_dir), Path(dest)
    if not (run / "manifest.json").is_file():
        raise ValueError(f"{run} is not a run directory (it has no manifest.json)")
    if dest.resolve() == run.resolve():
        raise ValueError("dest must differ from run_dir")
    files = [run / name for name in _TOP_FILES if (run / name).is_file()]
    files += sorted(run.glob("figures/*.png"))
    files += sorted(run.glob("*/bag*.npz"))
    files += sorted(p for p in run.glob("*/bag*.backup/*") if p.is_file())
    files += sorted(_needed_members(run, _experiments(run)))
    staging = dest.with_name(f".{dest.name}.carrying")
    if staging.exists():
        shutil.rmtree(staging)
    for path in files:
        target = staging / path.relative_to(run)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    if dest.exists():
        shutil.rmtree(dest)
    staging.rename(dest)
    return [str(p.relative_to(run)) for p in files]
