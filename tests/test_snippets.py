"""Every ```python block of the README, the user guide and the docs front page runs.

The blocks of one document build on one another (the guide says: run them
in order in one session), so each document's blocks run in order in one
namespace, in a scratch folder; block ``i``'s test first runs the blocks
before it that have not run yet. What a block needs decides what happens:

- ``<!-- not run: REASON -->`` on the line before a block: skipped with that
  reason (a cluster address, a package vsaug does not install);
- a block that reads ``../shared/crts``: skipped when that folder is absent;
- every other block runs **scaled down**: before it runs, the sizes that set
  its cost are capped by the substitutions in :data:`SHRINK` (fewer stars,
  one epoch, two bags (one for ensembles of networks), 15 curves per
  class), and the networks' default
  ``pad_multiple`` becomes 512 so that every batch has one padded length
  (each new length costs TensorFlow a retrace of seconds). The README's
  ``# vsaug-snippet: tiny`` comment marks the block that relies on this
  most; the code and the calls are the ones printed, only those numbers
  change.

Shell blocks (```bash) are not Python and are not run here.
"""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ("README.md", "docs/user_guide.md", "docs/index.md")
CRTS = ROOT.parent / "shared" / "crts"

#: (pattern, replacement) applied to every block before it runs: cap the
#: sizes that make a block slow, keep everything else as printed.
SHRINK = (
    (r"make_light_curves\((\d+)", lambda m: f"make_light_curves({min(int(m[1]), 220)}"),
    (r"\bepochs=\d+", lambda m: "epochs=1"),
    (r"\b(n_estimators|n_bags)=(\d+)", lambda m: f"{m[1]}={min(int(m[2]), 2)}"),
    (r"\bsamples_per_class=(\d+)", lambda m: f"samples_per_class={min(int(m[1]), 15)}"),
    (r"\bMultiInputRNNClassifier\((?!\()", lambda m: "MultiInputRNNClassifier((8, 8), "),
)
_BLOCK = re.compile(r"(?:<!--\s*not run:\s*(?P<reason>.*?)\s*-->\s*\n)?^```python\n(?P<code>.*?)^```",
                    re.MULTILINE | re.DOTALL)


def shrink(code):
    """The block with its costly sizes capped (see :data:`SHRINK`).

    Ensembles of Keras networks keep one bag: a network costs seconds
    where a gradient-boosting member costs milliseconds.
    """
    for pattern, replacement in SHRINK:
        code = re.sub(pattern, replacement, code)
    if "RNNClassifier(" in code or "RNNCNNClassifier(" in code:
        code = re.sub(r"\bn_estimators=\d+", "n_estimators=1", code)
    return code.replace("MultiInputRNNClassifier((8, 8), )", "MultiInputRNNClassifier((8, 8))")


def blocks(document):
    """``(line, code, skip reason or None)`` of every python block, in order."""
    text = (ROOT / document).read_text()
    found = []
    for match in _BLOCK.finditer(text):
        line = text.count("\n", 0, match.start("code")) + 1
        reason = match["reason"] and f"{document}:{line} is marked not run: {match['reason']}"
        # only code that reads the data, not a comment that mentions it
        code = "\n".join(row.split("#", 1)[0] for row in match["code"].splitlines())
        if reason is None and "../shared/crts" in code and not CRTS.is_dir():
            reason = f"{document}:{line} reads ../shared/crts, which is absent"
        found.append((line, match["code"], reason))
    return found


CASES = [(doc, i) for doc in DOCUMENTS for i in range(len(blocks(doc)))]


class Session:
    """One document's shared namespace, run block by block in a scratch folder."""

    def __init__(self, document, folder):
        self.document, self.folder = document, folder
        self.blocks = blocks(document)
        self.namespace = {"__name__": "__main__"}
        self.done = 0
        self.failed = None

    def run_until(self, index):
        """Run the blocks up to ``index`` (included) that have not run yet."""
        while self.done <= index:
            line, code, reason = self.blocks[self.done]
            self.done += 1
            if reason:
                continue
            if self.failed:
                pytest.skip(f"an earlier block failed: {self.failed}")
            self._run(line, code)

    def _run(self, line, code):
        where = f"{self.document}:{line}"
        cwd = os.getcwd()
        os.chdir(self.folder)
        try:
            exec(compile(shrink(code), where, "exec"), self.namespace)
        except BaseException:
            self.failed = where
            raise
        finally:
            os.chdir(cwd)


def _registries():
    """Every registry the documents' examples may add to."""
    from vsaug.datasets import SURVEY_READERS
    from vsaug.experiments import MODELS
    from vsaug.periods import _METHODS
    from vsaug.synthesis import CADENCE_SUBSETS, ERROR_MODELS

    return [MODELS, ERROR_MODELS, CADENCE_SUBSETS, SURVEY_READERS, _METHODS]


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    from vsaug.compound import CompoundRNNCNNClassifier
    from vsaug.rnn import MultiInputRNNClassifier

    made = {}
    patch = pytest.MonkeyPatch()
    for network in (MultiInputRNNClassifier, CompoundRNNCNNClassifier):
        defaults = dict(network.__init__.__kwdefaults__, pad_multiple=512)
        patch.setattr(network.__init__, "__kwdefaults__", defaults)

    def get(document):
        if document not in made:
            # The blocks write files to their folder and read ../shared/crts
            # from it, as they would from the repository root.
            scratch = tmp_path_factory.mktemp(Path(document).stem)
            (scratch / "shared").symlink_to(ROOT.parent / "shared", target_is_directory=True)
            (scratch / "repo").mkdir()
            made[document] = Session(document, scratch / "repo")
        return made[document]

    # The guide's extension examples register new kinds; keep them out of later tests.
    registries = _registries()
    saved = [dict(r) for r in registries]
    yield get
    patch.undo()
    for registry, before in zip(registries, saved):
        registry.clear()
        registry.update(before)
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("document, index", CASES,
                         ids=[f"{doc}:{blocks(doc)[i][0]}" for doc, i in CASES])
def test_snippet_runs(sessions, document, index):
    reason = blocks(document)[index][2]
    if reason:
        pytest.skip(reason)
    sessions(document).run_until(index)


def test_every_document_has_blocks_and_the_tiny_marker_is_honoured():
    assert all(blocks(doc) for doc in DOCUMENTS)
    tiny = [code for _, code, _ in blocks("README.md") if "vsaug-snippet: tiny" in code]
    assert len(tiny) == 1
    scaled = shrink(tiny[0])
    assert "epochs=1" in scaled and "n_estimators=1" in scaled
    assert "samples_per_class=15" in scaled and "1875" not in scaled


def test_shrink_caps_sizes_and_keeps_the_rest():
    code = ("X, y = make_light_curves(2000, random_state=0)\n"
            "m = MultiInputRNNClassifier(epochs=10)\n"
            "e = BaggingAugmentedEnsemble(m, n_estimators=10, samples_per_class=8)\n"
            "r = MultiInputRNNClassifier((4, 4), epochs=3)\n")
    assert shrink(code) == (
        "X, y = make_light_curves(220, random_state=0)\n"
        "m = MultiInputRNNClassifier((8, 8), epochs=1)\n"
        "e = BaggingAugmentedEnsemble(m, n_estimators=1, samples_per_class=8)\n"
        "r = MultiInputRNNClassifier((4, 4), epochs=1)\n")
