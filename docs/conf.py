"""Sphinx configuration of the vsaug documentation.

Build it from the repository root with warnings as errors::

    python -m pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

``-D plot_gallery=0`` skips running the gallery's examples (CI does: the test
suite already runs them).
"""

import importlib
import os
import re
import sys
from pathlib import Path

import vsaug

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))  # for _gallery_order, named by its import path below

project = "vsaug"
author = "the vsaug authors"
copyright = "the vsaug authors, MIT licence"
release = version = vsaug.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "**/*.json",
    # The CRTS run reports link to benchmark notes outside docs/: they are
    # read on GitHub, not pages of the site.
    "results",
]

# -- API reference: autosummary pages from the docstrings ------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"          # numpydoc sections already give the types
numpydoc_show_class_members = False  # the class template lists members itself
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
add_module_names = False

# -- Markdown pages (user guide, data model, results) ----------------------
myst_heading_anchors = 3             # GitHub-style #1-light-curves links keep working
myst_enable_extensions = ["colon_fence", "dollarmath"]

# -- Gallery from examples/ -------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(DOCS.parent / "examples"),
    "gallery_dirs": str(DOCS / "auto_examples"),
    # plot_*.py run in the build; the others (the Keras one) are shown only.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "_gallery_order.TutorialOrder",  # reading order, not names
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 1,
    "capture_repr": (),   # no "<Axes ...>" lines under the figures
    # "Examples using X" on every API page.
    "doc_module": ("vsaug",),
    "backreferences_dir": str(DOCS / "generated" / "backreferences"),
    "reference_url": {"vsaug": None},
}
# Examples run on one thread each (HistGradientBoosting's OpenMP threads
# spin-wait on a busy machine) and TensorFlow keeps its start-up lines to itself.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# -- HTML -------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"vsaug {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"index": []}


# -- The reference must list every public name ------------------------------
# Modules whose __all__ the reference pages must cover, each name once.
DOCUMENTED_MODULES = (
    "vsaug", "vsaug.lightcurves", "vsaug.datasets", "vsaug.folding", "vsaug.cleaning",
    "vsaug.periods", "vsaug.features", "vsaug.fold_residuals", "vsaug.stacking", "vsaug.gp", "vsaug.sampling", "vsaug.synthesis",
    "vsaug.augmentation", "vsaug.survey_noise", "vsaug.ensemble", "vsaug.sequences",
    "vsaug.rnn", "vsaug.compound", "vsaug.images", "vsaug.metrics", "vsaug.plotting",
    "vsaug.persistence", "vsaug.streaming", "vsaug.experiments",
    "vsaug.utils.estimator_checks", "vsaug.demo", "vsaug.cli",
)


def listed_names():
    """Every ``vsaug.x.name`` an autosummary table in docs/reference names."""
    names = set()
    for page in (DOCS / "reference").glob("*.rst"):
        module = None
        for line in page.read_text().splitlines():
            found = re.match(r"\.\. currentmodule:: (\S+)", line)
            if found:
                module = found[1]
            elif module and re.match(r"   [A-Za-z_][\w.]*$", line):
                names.add(f"{module}.{line.strip()}")
    return names


def missing_from_reference():
    """Public names (module ``__all__``) that no reference page lists.

    A name counts as listed when the same object is listed under the same
    name in any module, so a re-export (``vsaug.LightCurves`` of
    ``vsaug.lightcurves``) needs one entry, not one per module.
    """
    listed = set()
    for dotted in listed_names():
        module, _, name = dotted.rpartition(".")
        listed.add((name, id(getattr(importlib.import_module(module), name))))
    missing = []
    for module_name in DOCUMENTED_MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            if (name, id(getattr(module, name))) not in listed:
                missing.append(f"{module_name}.{name}")
    return missing


def check_reference(app):
    from sphinx.util import logging

    for name in missing_from_reference():
        logging.getLogger(__name__).warning(
            "%s is public (in __all__) but no page of docs/reference lists it", name)


def setup(app):
    app.connect("builder-inited", check_reference)
