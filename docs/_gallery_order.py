"""The gallery's reading order (sphinx-gallery's ``within_subsection_order``).

sphinx-gallery sorts by file name by default; this puts the examples in the
order a new user needs them: first run, augmentation, periods, own models,
the networks. Files not listed follow, by name.
"""

from pathlib import Path

#: Example files in reading order.
ORDER = (
    "plot_quickstart.py",
    "plot_gp_augmentation.py",
    "plot_period_search.py",
    "plot_custom_classifier.py",
    "rnn_ensemble.py",
)


class TutorialOrder:
    """Sort key: a file's place in :data:`ORDER`, unlisted files after, by name.

    Parameters
    ----------
    src_dir : str
        The gallery folder (sphinx-gallery passes it; unused).
    """

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = Path(filename).name
        return (ORDER.index(name), "") if name in ORDER else (len(ORDER), name)

    def __repr__(self):
        # sphinx-gallery folds the key's repr into its cache checks; keep it stable.
        return "TutorialOrder"
