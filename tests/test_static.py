"""Unit tests of the grader's static reading of a submission (no sandbox needed)."""

import os
from pathlib import Path

import nbformat
import pytest

from cs231n_utils.grader.rebuild import read_submission
from cs231n_utils.grader.static import dynamic_binding, function_sources, read_sources
from cs231n_utils.grading import assert_no_calls, assert_no_python_loops, find_python_loops


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


# -- dynamic binding: what a cell does, resolved by scope, never a name ---------------------------

SIGMOID_WITH_EX = ("def sigmoid(z):\n    ex = np.exp(-np.abs(z))\n"
                   "    return np.where(z >= 0, 1 / (1 + ex), ex / (1 + ex))\n")


@pytest.mark.parametrize("answer", [
    SIGMOID_WITH_EX,  # a local named ex (IPython's shell has an ex method)
    "ex = np.exp(-1.0)\ndef f(x):\n    return x * ex\n",  # a notebook variable named ex
    "def ex(x):\n    return x\ny = ex(2)\n",  # ex(...) of something the student bound
    "def f(x, vars=None):\n    return x if vars is None else vars\n",  # a parameter named vars
    "def f(x):\n    vars = x.var(axis=0)\n    return vars\n",  # a local named vars
    "compile = 3\ndef f(x):\n    return x + compile\n",
    "import re\nPATTERN = re.compile('a+')\ndef f(x):\n    return x\n",  # an attribute named compile
    "def f(model):\n    model.eval()\n    return model.modules\n",  # attributes named eval, modules
    "class Stack:\n    def push(self, x):\n        self.items.append(x)\ndef f(s):\n    s.push(1)\n",
    "modules, push, locals_, ev = [], [], 1, 2\ndef f(x):\n    return x\n",
    "def f(exec):\n    return exec(1)\n",  # a parameter named exec: not the built-in
    "exec = print\ndef f(x):\n    exec('hello')\n    return x\n",  # rebound before the def
    "def f(self):\n    return {k: v for k, v in vars(self).items()}\n",  # vars() read
    "def f(x):\n    return globals().get('W', x), 'W' in globals(), len(locals())\n",
    "def f(x):\n    y = 2\n    return '{x} {y}'.format(**locals())\n",
    "class A:\n    def __init__(self, **kw):\n        for k, v in kw.items():\n"
    "            setattr(self, k, v)\ndef f(x):\n    return x\n",  # setattr on a method's self
    "class B:\n    def __init__(self, **kw):\n        self.__dict__.update(kw)\n"
    "        vars(self).update(kw)\ndef f(x):\n    return x\n",  # an object's own attributes
    "import matplotlib.pyplot as plt\nplt.rcParams['figure.figsize'] = (6, 4)\ndef f(x):\n    return x\n",
    "import sys\nsys.path.append('..')\nok = 'scipy' in sys.modules\ndef f(x):\n    return x\n",
    "%timeit -n 10 -r 2 np.sum(1)\nnp.sum?\n%matplotlib inline\ndef f(x):\n    return x\n",
    "from numpy import *\ndef f(x):\n    return x\n",
])
def test_ordinary_names_are_not_dynamic_binding(answer):
    nb = notebook(answer, "def h():\n    return 1\n")
    assert dynamic_binding(nb) == []
    assert all(checked(answer, "def h():\n    return 1\n").values())


@pytest.mark.parametrize("trick", [
    "eval('f')", "run = exec\nrun('f = g')", "compile('f = g', 'x', 'exec')", "__import__('os')",
    "globals().update(f=g)", "globals().setdefault('f', g)", "ns = globals()\nns['f'] = g",
    "locals()['f'] = g", "del globals()['f']",
    "import sys\nsetattr(sys.modules[__name__], 'f', g)", "import numpy\nsetattr(numpy, 'dot', g)",
    "delattr(mod, 'f')", "import numpy\nnumpy.dot = g", "np.linalg.inv = g",
    "import builtins\nbuiltins.exec('f = g')", "import builtins\nbuiltins.len = g",
    "__builtins__.exec('f = g')",
    "import builtins\nrun = getattr(builtins, 'ex' + 'ec')", "run = getattr(obj, 'exec')",
    "import builtins\nrun = vars(builtins)['exec']", "import __main__\n__main__.f = g",
    "import __main__\n__main__.__dict__['f'] = g", "m.__dict__.update(f=g)", "f.__code__ = g.__code__",
    "import sys\nm = sys.modules['__main__']", "from sys import modules",
    "import importlib\nm = importlib.import_module('__main__')",
    "ip = get_ipython()\nip.push({'f': g})", "get_ipython().ex('f = g')", "get_ipython().ev('f')",
    "get_ipython().run_cell('f = g')", "get_ipython().user_global_ns['f'] = g", "shell = get_ipython",
    "%store -r f", "%%bash_or_anything\nf = g", "from helpers import *",
    "def h2():\n    exec('f = g')",  # inside a function: as soon as it is called
    "def h2(x):\n    return x\nexec = h2\nexec('f = g')\ndel exec\nexec('f = g')",  # the built-in again
])
def test_real_dynamic_binding_is_still_caught(trick):
    nb = notebook("def f(x):\n    return x\n", "def h():\n    return 1\n", trick)
    assert dynamic_binding(nb), trick
    assert function_sources(nb) == {"f": None, "h": None} or not any(function_sources(nb).values())


def test_dynamic_binding_is_reported_with_its_cell_and_line():
    reading = read_sources(notebook("def f(x):\n    return x\n", "y = 1\nexec('f = g')"))
    assert reading.dynamic == ["exec(...) (a1, line 2)"]
    assert "exec(...) (a1, line 2)" in reading.why["f"]


def test_a_variable_named_ex_leaves_every_function_readable():
    """Issue 22: one local ``ex`` made the whole notebook unreadable (-2.25 over six cells)."""
    answers = [SIGMOID_WITH_EX + "\n\ndef log_sigmoid(z):\n    return -np.logaddexp(0, -z)\n",
               "def bce_loss(w, X, y, reg):\n    p = sigmoid(X @ w)\n"
               "    return float(np.mean(p)), X.T @ (p - y)\n",
               "def bce_hessian(w, X, reg):\n    p = sigmoid(X @ w)\n"
               "    return (X * (p * (1 - p))[:, None]).T @ X\n"
               "\n\ndef newton_step(w, grad, hess):\n    return w - np.linalg.solve(hess, grad)\n"]
    sources = function_sources(notebook(*answers))
    assert all(sources.values()) and len(sources) == 5
    functions = graded_functions(notebook(*answers))
    for name in ("sigmoid", "log_sigmoid", "bce_loss", "bce_hessian"):
        assert_no_python_loops(functions[name])
    assert_no_calls(functions["newton_step"], {"inv", "pinv"}, "Solve instead.")


def test_a_def_inside_a_cell_magic_costs_only_that_function():
    """%%time runs its body in the notebook: its def is not a plain one, the other cells are."""
    nb = notebook("%%time\ndef f(x):\n    return x\n", "def g(x):\n    return x\n")
    assert dynamic_binding(nb) == []
    assert function_sources(nb) == {"g": "def g(x):\n    return x"}
    nb = notebook("%time f = g\ndef h(x):\n    return x\n", "def f(x):\n    return x\n")
    assert function_sources(nb) == {"h": "def h(x):\n    return x", "f": None}


# -- aliases --------------------------------------------------------------------------------------

def test_an_alias_has_the_source_of_the_function_it_names():
    sigmoid = "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))"
    sources = function_sources(notebook(sigmoid + "\n", "sigmoid_forward = sigmoid\n",
                                        "forward = sigmoid_forward\nsquash = lambda z: np.tanh(z)\n"))
    assert sources == {"sigmoid": sigmoid, "sigmoid_forward": sigmoid, "forward": sigmoid,
                       "squash": "lambda z: np.tanh(z)"}


@pytest.mark.parametrize("answers", [
    ("def g(z):\n    return z\n", "f = g\nf = g\n"),  # bound twice
    ("def g(z):\n    return z\n", "f = g\n\ndef f(z):\n    return 2 * z\n"),  # also defined
    ("def g(z):\n    return z\n", "if True:\n    f = g\n"),  # in a branch
    ("def g(z):\n    return z\n", "f = g\nfor f in [g]:\n    pass\n"),
    ("f = g\n", "def g(z):\n    return z\n"),  # before the function it names
    ("def g(z):\n    return z\n", "f = g\n", "def g(z):\n    return 3\n"),  # its target bound twice
    ("def g(z):\n    return z\n", "f = g\ng = len\n"),  # its target rebound
    ("f = lambda z: z\nf = lambda z: 2 * z\n",),
    ("f = g\ng = f\n",),  # a cycle
])
def test_an_ambiguous_alias_stays_unreadable(answers):
    sources = function_sources(notebook(*answers))
    assert sources.get("f") is None, sources


def test_an_alias_of_something_else_is_no_function():
    assert function_sources(notebook("from scipy.special import expit\nsigmoid = expit\nW = W0\n")) == {}


# -- the checks, on the sources the grader reads ----------------------------------------------------

class _Function:
    """A notebook function as the sandboxed grader hands it to a test: its name and the source read."""

    def __init__(self, name: str, source: str | None, namespace: dict):
        self.__name__, self.__kit_source__, self.__kit_namespace__ = name, source, namespace
        self.__module__ = "__main__"

    def __call__(self, *args):
        raise NotImplementedError


def graded_functions(nb: nbformat.NotebookNode) -> dict[str, _Function]:
    namespace: dict[str, _Function] = {}
    namespace.update({name: _Function(name, src, namespace) for name, src in function_sources(nb).items()})
    return namespace


def test_an_alias_is_checked_as_the_function_it_names():
    functions = graded_functions(notebook(
        SIGMOID_WITH_EX, "sigmoid_forward = sigmoid\n\n\ndef sigmoid_backward(x, dout):\n"
        "    q = sigmoid_forward(x)\n    return dout * q * (1 - q)\n"))
    assert_no_python_loops(functions["sigmoid_forward"])
    assert_no_python_loops(functions["sigmoid_backward"])
    looped = graded_functions(notebook(
        "def sigmoid(z):\n    return np.array([1 / (1 + np.exp(-v)) for v in z])\n",
        "sigmoid_forward = sigmoid\n"))
    with pytest.raises(AssertionError, match=r"list comprehension \(sigmoid_forward, line 2\)"):
        assert_no_python_loops(looped["sigmoid_forward"])


def test_an_unreadable_source_costs_its_own_check_once_and_says_what_to_change():
    functions = graded_functions(notebook("@cache\ndef f(x):\n    return x\n",
                                          "def g(x):\n    return f(x) + f(2 * x)\n",
                                          "def h(x):\n    return x\n"))
    assert_no_python_loops(functions["h"])  # the other functions keep their checks
    with pytest.raises(AssertionError) as failed:
        assert_no_python_loops(functions["f"])
    message = str(failed.value)
    assert message.count("Unreadable source of f") == 1 and "plain def f(...)" in message
    assert "fully vectorized" not in message  # no loop was found: none is claimed
    with pytest.raises(AssertionError, match="Unreadable source of f"):
        assert_no_calls(functions["g"], {"inv"}, "Solve instead.")  # g calls f: f may hide a use


# -- allowed loops, declared by what they go over ---------------------------------------------------

CLUSTERS = {"iterations": "iters", "clusters": "k"}
KMEANS_HEAD = ("def kmeans(points, k, iters, rng=None):\n    rng = np.random.default_rng(rng)\n"
               "    centres = points[rng.choice(len(points), size=k, replace=False)].astype(np.float64)\n")


def kmeans_with(*body: str) -> _Function:
    source = KMEANS_HEAD + "".join(f"    {line}\n" for line in body) + "    return centres\n"
    return graded_functions(notebook(source))["kmeans"]


@pytest.mark.parametrize("loop", [
    "for j in range(k):", "for j in range(int(k)):", "for j in range(0, k):",
    "for j in range(centres.shape[0]):", "for j in range(len(centres)):",
    "for j in range(np.shape(centres)[0]):", "for c in centres:", "for j, c in enumerate(centres):",
    "for c, n in zip(centres, counts):", "for j in reversed(range(k)):",
    "for j in range(K):",  # K, D = centres.shape
    "for j in range(len(new)):",  # new = centres.copy(), rebound as centres
])
def test_a_loop_over_the_clusters_is_allowed_however_it_is_spelled(loop):
    kmeans = kmeans_with("K, D = centres.shape", "for _ in range(iters):",
                         "    labels = ((points[:, None] - centres[None]) ** 2).sum(axis=2).argmin(axis=1)",
                         "    counts = np.bincount(labels, minlength=k)",
                         "    new = centres.copy()", f"    {loop}", "        pass", "    centres = new")
    assert find_python_loops(kmeans, allowed_loops=CLUSTERS) == []
    assert_no_python_loops(kmeans, allowed_loops=CLUSTERS)


def test_what_the_function_binds_elsewhere_does_not_blur_the_counts():
    """A comprehension's own k is not the count k; a reduction along the last axis keeps the rows."""
    kmeans = kmeans_with("sizes = [len(c) for k, c in enumerate(centres)]",
                         "norms = (centres ** 2).sum(axis=-1)",
                         "for j in range(k):", "    pass", "for j in range(len(norms)):", "    pass")
    assert find_python_loops(kmeans, allowed_loops=CLUSTERS) == []
    shadowed = kmeans_with("def helper(centres):", "    for c in centres:", "        pass", "helper(points)")
    assert find_python_loops(shadowed, allowed_loops=CLUSTERS) == ["for loop (kmeans, line 5)"]


def test_a_comprehension_over_the_clusters_is_allowed():
    kmeans = kmeans_with("for it in range(iters + 1):",
                         "    labels = np.linalg.norm(points[:, None] - centres, axis=-1).argmin(axis=1)",
                         "    centres = np.array([points[labels == j].mean(axis=0) if np.any(labels == j) "
                         "else centres[j] for j in range(k)])")
    assert_no_python_loops(kmeans, allowed_loops=CLUSTERS)


@pytest.mark.parametrize("loop", [
    "for p in points:", "for i in range(len(points)):", "for i in range(points.shape[0]):",
    "for i, p in enumerate(points):", "for row in dists:",  # dists: (M, k), though it holds a k-term
    "for row in sq[:, None] + dists:", "for i in range(M):", "for i in range(k * M):",
    "for j in range(n):",  # n = len(points), rebound under another name
])
def test_a_loop_over_the_points_is_still_flagged(loop):
    kmeans = kmeans_with("M = points.shape[0]", "n = len(points)", "sq = np.sum(centres ** 2, axis=1)",
                         "for _ in range(iters):",
                         "    dists = np.sum(points ** 2, axis=1)[:, None] - 2 * points @ centres.T + sq",
                         f"    {loop}", "        pass")
    assert len(find_python_loops(kmeans, allowed_loops=CLUSTERS)) == 1
    with pytest.raises(AssertionError) as failed:
        assert_no_python_loops(kmeans, allowed_loops=CLUSTERS)
    message = str(failed.value)
    assert "apart from loops over the iterations (iters) and the clusters (k)" in message
    assert "range(len(a))" in message and "for loop (kmeans, line 9)" in message


def test_a_count_rebound_to_the_data_no_longer_counts():
    kmeans = kmeans_with("k = len(points)", "for j in range(k):", "    pass")
    assert find_python_loops(kmeans, allowed_loops=CLUSTERS) == ["for loop (kmeans, line 5)"]
    while_loop = kmeans_with("it = 0", "while it < iters:", "    it += 1")
    assert find_python_loops(while_loop, allowed_loops=CLUSTERS) == ["while loop (kmeans, line 5)"]


def test_allowed_ranges_still_declares_the_counts():
    kmeans = kmeans_with("for _ in range(iters):", "    for c in centres:", "        pass")
    assert find_python_loops(kmeans, allowed_ranges=("iters", "k")) == []
    assert find_python_loops(kmeans, allowed_ranges=("iters",)) == ["for loop (kmeans, line 5)"]
    assert len(find_python_loops(kmeans)) == 2


def test_the_features_notebook_declares_its_loops_by_meaning():
    from cs231n_utils import course

    nb = course.read_notebook(Path(__file__).resolve().parents[1] / "solutions/features/features.ipynb")
    (test,) = [c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_kmeans"]
    assert 'allowed_loops={"iterations": "iters", "clusters": "k"}' in test and "allowed_ranges" not in test
