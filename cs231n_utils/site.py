"""Build the walkthrough site: the solution notebooks, executed, plus derivation pages, as HTML.

For self-learners. ``build_site`` copies ``solutions/<a>/<a>.ipynb`` into a Jupyter Book
(1.x) source folder, removes the hidden tests the way nbgrader does (the text between
``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``; a cell left with comments only is
dropped), keeps the solutions (without their ``### BEGIN/END SOLUTION`` marker lines),
executes each notebook with nbclient on the chosen dataset (``CS231N_DATASET``), replaces
widgets by a note (a static page has no kernel; figures stay), adds the
derivation pages shipped in ``cs231n_utils/site_pages/`` and a front page, and runs
``jupyter-book build``. Layout of the output folder ``out``::

    out/book/    the book source (_config.yml, _toc.yml, index.md, derivations/, notebooks/)
    out/html/    the site; open out/html/index.html

``cs231n-kit site`` is the command-line entry point.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import nbformat

from . import config
from .course import source_assignments
from .submissions import HIDDEN_BEGIN, HIDDEN_END, SOLUTION_BEGIN, SOLUTION_END

#: Derivation pages (file stem in site_pages/, title on the front page), in reading order.
DERIVATIONS = (
    ("backprop", "Backpropagation: the chain rule on a graph, with f = (x + y)z worked through"),
    ("svm_gradient", "The multiclass SVM loss and its gradient, step by step"),
    ("softmax_gradient", "The softmax loss, its gradient P - Y and the max-subtraction trick"),
)



class SiteError(RuntimeError):
    """The site could not be built (a notebook failed, the builder failed, bad input)."""


# --------------------------------------------------------------------------- notebooks


def strip_hidden_tests(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` without hidden tests, as nbgrader's ClearHiddenTests would.

    The lines from ``### BEGIN HIDDEN TESTS`` to ``### END HIDDEN TESTS`` (inclusive) are
    removed from every cell. A cell that held hidden tests and is left with nothing but
    comments and blank lines is dropped entirely.

    Raises
    ------
    ValueError
        A cell opens hidden tests without closing them (or closes without opening).
    """
    out = nbformat.from_dict(nb)
    kept = []
    for index, cell in enumerate(out.cells):
        if HIDDEN_BEGIN not in cell.source and HIDDEN_END not in cell.source:
            kept.append(cell)
            continue
        lines, inside = [], False
        for line in cell.source.splitlines():
            if HIDDEN_BEGIN in line:
                if inside:
                    raise ValueError(f"cell {index}: a second '{HIDDEN_BEGIN}' before '{HIDDEN_END}'")
                inside = True
            elif HIDDEN_END in line:
                if not inside:
                    raise ValueError(f"cell {index}: '{HIDDEN_END}' without '{HIDDEN_BEGIN}' before it")
                inside = False
            elif not inside:
                lines.append(line)
        if inside:
            raise ValueError(f"cell {index}: '{HIDDEN_BEGIN}' is never closed by '{HIDDEN_END}'")
        if any(line.strip() and not line.lstrip().startswith("#") for line in lines):
            cell.source = "\n".join(lines)
            kept.append(cell)
    out.cells = kept
    return out


def strip_solution_markers(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` with the solution marker lines removed and the solutions kept."""
    out = nbformat.from_dict(nb)
    for cell in out.cells:
        if SOLUTION_BEGIN in cell.source:
            cell.source = "\n".join(line for line in cell.source.splitlines()
                                    if line.strip() not in (SOLUTION_BEGIN, SOLUTION_END))
    return out


def execute_notebook(nb: nbformat.NotebookNode, workdir: Path, dataset: str,
                     timeout: float = 600, kernel_log: Path | None = None) -> nbformat.NotebookNode:
    """Run every cell of ``nb`` in a fresh kernel with ``CS231N_DATASET=dataset``, in ``workdir``.

    Returns the notebook with its outputs (``nb`` itself, executed in place). The kernel's own
    stderr goes to ``kernel_log`` when given. Raises SiteError naming the failing cell.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    env = dict(os.environ, **{config.DATASET: dataset})
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", shutdown_kernel="immediate",
                            resources={"metadata": {"path": str(workdir)}})
    with open(kernel_log or os.devnull, "w") as stderr:
        try:
            client.execute(env=env, stderr=stderr)
        except CellExecutionError as exc:
            raise SiteError(f"a cell failed on the {dataset!r} dataset:\n{str(exc)[-3000:]}") from exc
    return nb


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ("<p><em>(An interactive widget is shown here when the notebook runs in "
               "JupyterLab; a static page has no kernel to drive it.)</em></p>")


def freeze_widgets(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Replace widget outputs with a short note and drop the saved widget state, in place.

    On a static page a widget cannot work (no kernel), and rendering its saved state would
    load JavaScript from a CDN; figures a cell displays next to its widget are kept.
    """
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for i, output in enumerate(cell.outputs):
            if WIDGET_VIEW in output.get("data", {}):
                cell.outputs[i] = nbformat.v4.new_output("display_data", data={"text/html": WIDGET_NOTE})
    nb.metadata.pop("widgets", None)
    return nb


def _walkthrough_banner(name: str, repo_link: str, download: str, dataset: str) -> nbformat.NotebookNode:
    """The note placed under a notebook's title: this is the solution; where the exercise is."""
    text = f"""\
:::{{admonition}} Work on this yourself
:class: tip

This page is the **solution** of the `{name}` assignment, executed on the `{dataset}` dataset,
with the graded hidden tests left out. To do the exercise yourself, open the student notebook
<a class="student-notebook" href="{repo_link}"><code>assignments/{name}/{name}.ipynb</code></a>
in your checkout of the kit (or {{download}}`download it <{download}>`) in JupyterLab, fill in
the cells marked `YOUR CODE HERE`, and come back here when you are stuck.
:::"""
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": ["walkthrough-banner"]})


# --------------------------------------------------------------------------- book


def assignment_names(repo: Path) -> list[str]:
    """Assignments with a solution notebook ``solutions/<a>/<a>.ipynb``, in course order."""
    return [a for a in source_assignments(repo) if (repo / "solutions" / a / f"{a}.ipynb").is_file()]


def _rel(target: Path, page_dir: Path) -> str:
    """A relative URL from an HTML page in ``page_dir`` to ``target`` (forward slashes)."""
    return Path(os.path.relpath(target.resolve(), page_dir.resolve())).as_posix()


def _index_page(repo: Path, html: Path, names: list[str], dataset: str) -> str:
    rows = "\n".join(
        f"| [{name}](notebooks/{name}.ipynb) | "
        f'<a class="student-notebook" href="{_rel(repo / "assignments" / name / f"{name}.ipynb", html)}">'
        f"<code>assignments/{name}/{name}.ipynb</code></a> |"
        for name in names
    )
    derivations = "\n".join(f"- [{title}](derivations/{stem}.md)" for stem, title in DERIVATIONS)
    return f"""\
# Linear classifiers, worked through

A walkthrough of the kit's assignments on linear image classification: the multiclass SVM
and softmax losses, their gradients, gradient checking and stochastic gradient descent, and
the image features (hue histograms, HOG, a bag of visual words) that a linear classifier uses.
Each assignment page is the instructor's solution notebook, run from top to bottom on the
`{dataset}` dataset, with its printed results and plots; the graded hidden tests are left
out. The derivation pages write out, step by step, the calculus behind the code.

## Derivations

{derivations}

## Assignments

| walkthrough (solution, executed) | student notebook in the repository |
|---|---|
{rows}

## How to work on this yourself

Try each assignment before reading its walkthrough. In a checkout of the kit, install it
(`python3 -m venv .venv && .venv/bin/pip install -e ".[dev]"`), start JupyterLab with
`.venv/bin/cs231n-kit lab`, and open the student notebook linked above. Fill in the cells
marked `YOUR CODE HERE` or `YOUR ANSWER HERE`, run the check cell after each task, then the
visible test cell below it; `.venv/bin/cs231n-kit check assignments/svm/svm.ipynb` runs every
visible test in a fresh kernel and says what to fix. `export CS231N_DATASET=digits` (before
starting JupyterLab) makes everything small, fast and offline; the default is CIFAR-10,
downloaded once. When a test fails or a plot looks wrong, compare with the walkthrough page
and the derivations. The hidden tests that grade a submission are not published here: code
that passes the visible tests can still be wrong on other shapes and edge cases.

This site was built with `cs231n-kit site --dataset {dataset}`; `cs231n-kit site --dataset
cifar10` rebuilds it on CIFAR-10 when the dataset is available (slower; numbers and plots
change).
"""


def _config_yml() -> str:
    return """\
title: Linear classifiers, worked through
author: linear-classifiers-kit
copyright: ""
only_build_toc_files: true
execute:
  execute_notebooks: "off"
parse:
  myst_enable_extensions:
    - colon_fence
    - dollarmath
    - amsmath
html:
  use_repository_button: false
  use_issues_button: false
  use_edit_page_button: false
  home_page_in_navbar: true
launch_buttons:
  notebook_interface: classic
  binderhub_url: ""
  thebe: false
sphinx:
  extra_extensions:
    - sphinx-mathjax-offline
  config:
    html_show_copyright: false
    nb_merge_streams: true
"""


def _toc_yml(names: list[str]) -> str:
    derivations = "".join(f"      - file: derivations/{stem}\n" for stem, _ in DERIVATIONS)
    notebooks = "".join(f"      - file: notebooks/{name}\n" for name in names)
    return ("format: jb-book\nroot: index\nparts:\n"
            "  - caption: Derivations\n    chapters:\n" + derivations +
            "  - caption: Assignments (solutions, executed)\n    chapters:\n" + notebooks)


def write_book(repo: Path, book: Path, html: Path, dataset: str, names: list[str],
               timeout: float = 600, log: Callable[[str], None] = print) -> None:
    """Write the Jupyter Book source into ``book``: config, pages and executed notebooks."""
    if book.exists():
        shutil.rmtree(book)
    (book / "notebooks").mkdir(parents=True)
    (book / "derivations").mkdir()
    (book / "downloads").mkdir()
    (book / "_config.yml").write_text(_config_yml())
    (book / "_toc.yml").write_text(_toc_yml(names))
    (book / "index.md").write_text(_index_page(repo, html, names, dataset))
    pages = resources.files("cs231n_utils") / "site_pages"
    for stem, _ in DERIVATIONS:
        (book / "derivations" / f"{stem}.md").write_text((pages / f"{stem}.md").read_text())
    for name in names:
        student = repo / "assignments" / name / f"{name}.ipynb"
        if not student.is_file():
            raise SiteError(f"no student notebook {student}: run `cs231n-kit release {name}` first")
        shutil.copy2(student, book / "downloads" / f"{name}.ipynb")
        nb = nbformat.read(repo / "solutions" / name / f"{name}.ipynb", as_version=4)
        nb = strip_solution_markers(strip_hidden_tests(nb))
        banner = _walkthrough_banner(name, _rel(student, html / "notebooks"),
                                     f"../downloads/{name}.ipynb", dataset)
        nb.cells.insert(1, banner)
        start = time.perf_counter()
        log(f"executing {name} on {dataset} ...")
        try:
            execute_notebook(nb, book / "notebooks", dataset, timeout=timeout,
                             kernel_log=book.parent / f"kernel-{name}.log")
        except SiteError as exc:
            raise SiteError(f"solutions/{name}/{name}.ipynb: {exc}") from exc
        log(f"  {name} ran in {time.perf_counter() - start:.0f} s")
        nbformat.write(freeze_widgets(nb), book / "notebooks" / f"{name}.ipynb")


def check_builder() -> None:
    """Raise SiteError, saying what to install, unless Jupyter Book and offline MathJax are there."""
    missing = [m for m in ("jupyter_book", "sphinx-mathjax-offline") if importlib.util.find_spec(m) is None]
    if missing:
        raise SiteError(f"the site builder needs {' and '.join(missing)}, not installed here: "
                        'pip install -e ".[site]" (or ".[dev]")')


def run_builder(book: Path, html: Path, verbose: bool = False) -> None:
    """Run ``jupyter-book build`` on ``book`` and move the HTML to ``html`` (its log if verbose)."""
    check_builder()
    scratch = book.parent / ".jupyter-book"
    shutil.rmtree(scratch, ignore_errors=True)
    cmd = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()",
           "build", str(book), "--path-output", str(scratch), "--builder", "html"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if verbose:
        print(proc.stdout + proc.stderr, end="")
    if proc.returncode != 0 or not (scratch / "_build" / "html" / "index.html").is_file():
        raise SiteError(f"jupyter-book build failed (exit {proc.returncode}):\n"
                        f"{(proc.stdout + proc.stderr)[-4000:]}")
    shutil.rmtree(html, ignore_errors=True)
    shutil.move(str(scratch / "_build" / "html"), str(html))
    shutil.rmtree(scratch, ignore_errors=True)
    _prune_mathjax(html / "_static" / "mathjax")


def _prune_mathjax(mathjax: Path) -> None:
    """Delete the MathJax bundles the site does not load (it loads tex-chtml.js): about 13 MB."""
    if not (mathjax / "tex-chtml.js").is_file():
        return
    for bundle in mathjax.glob("*.js"):
        if bundle.name not in ("tex-chtml.js", "core.js", "loader.js", "startup.js", "latest.js"):
            bundle.unlink()
    shutil.rmtree(mathjax / "output" / "svg", ignore_errors=True)
    (mathjax / "output" / "svg.js").unlink(missing_ok=True)


def build_site(repo: Path, out: Path, dataset: str = "digits", assignments: list[str] | None = None,
               timeout: float = 600, log: Callable[[str], None] = print, verbose: bool = False) -> Path:
    """Build the walkthrough site into ``out`` and return the path of its ``index.html``.

    Parameters
    ----------
    repo : Path
        The kit's checkout (it holds ``solutions/`` and ``assignments/``).
    out : Path
        Output folder; ``out/book`` (source) and ``out/html`` (site) are replaced.
    dataset : str
        Value of ``CS231N_DATASET`` the notebooks run on: ``"digits"`` (fast, offline),
        ``"cifar10"`` or ``"cifar10-subset"``.
    assignments : list of str, optional
        Assignment names (default: every folder of ``solutions/``), in course order.
    timeout : float
        Seconds allowed per cell.
    log : callable
        Receives one progress line at a time.
    verbose : bool
        Print Jupyter Book's own log too.
    """
    check_builder()
    repo, out = Path(repo).resolve(), Path(out).resolve()
    available = assignment_names(repo)
    names = available if not assignments else [a for a in available if a in assignments]
    unknown = sorted(set(assignments or ()) - set(available))
    if unknown or not names:
        raise SiteError(f"unknown assignment(s) {unknown}; expected some of {available}")
    html = out / "html"
    write_book(repo, out / "book", html, dataset, names, timeout=timeout, log=log)
    log("running jupyter-book ...")
    run_builder(out / "book", html, verbose=verbose)
    return html / "index.html"
