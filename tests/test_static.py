"""Unit tests of the grader's static reading of a submission (no sandbox needed)."""

import os

import nbformat
import pytest

from cs231n_utils.grader.rebuild import read_submission
from cs231n_utils.grader.static import function_sources


def notebook(*answers: str) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_code_cell(src, metadata={"nbgrader": {"solution": True, "grade_id": f"a{i}"}})
             for i, src in enumerate(answers)]
    cells.append(nbformat.v4.new_code_cell("exec('f = g')", metadata={}))  # an instructor cell: trusted
    return nbformat.v4.new_notebook(cells=cells)


def checked(*answers: str) -> dict[str, bool]:
    return {name: src is not None for name, src in function_sources(notebook(*answers)).items()}


def test_plain_defs_keep_their_source():
    sources = function_sources(notebook("import numpy as np\n\ndef f(x):\n    return x\n",
                                        "%timeit 1\ndef g():\n    pass"))
    assert sources == {"f": "def f(x):\n    return x", "g": "def g():\n    pass"}


@pytest.mark.parametrize("answer", [
    "def f(x):\n    return x\n\nf = g",
    "def f(x):\n    return x\n\nfrom m import g as f",
    "def f(x):\n    return x\ndef f(x):\n    return 2 * x",
    "@decorate\ndef f(x):\n    return x",
    "def f(x):\n    return x\nf.__code__ = g.__code__",
    "def f(x):\n    return x\nfor f in [g]:\n    pass",
    "def f(x):\n    return x\nif True:\n    def f(x):\n        return 3",
    "def f(x):\n    return x\nclass f:\n    pass",
    "def f(x):\n    return x\ndef h():\n    global f\n    f = g",
    "def f(x, _=(f := g)):\n    return x",
])
def test_a_name_bound_any_other_way_has_no_source(answer):
    assert checked(answer)["f"] is False


@pytest.mark.parametrize("trick", ["exec('f = g')", "globals()['f'] = g", "setattr(mod, 'f', g)",
                                   "get_ipython().user_ns['f'] = g", "get_ipython().push({'f': g})",
                                   "%run other.py", "vars()['f'] = g", "sys.modules['__main__'].f = g"])
def test_dynamic_binding_anywhere_makes_every_source_unverifiable(trick):
    assert checked("def f(x):\n    return x\n", "def h():\n    return 1\n", trick) == {"f": False, "h": False}


def test_a_symbolic_link_is_not_followed(tmp_path):
    target = tmp_path / "real.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), target)
    link = tmp_path / "svm.ipynb"
    os.symlink(target, link)
    nb, problem = read_submission(link)
    assert nb is None and "symbolic link" in problem
    assert read_submission(target)[0] is not None
