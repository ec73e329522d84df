"""The walkthrough site (cs231n_utils/site.py, ``cs231n-kit site``).

Fast tests check how hidden tests and solution markers are stripped. The slow tests build the
site once on digits with the real command and check what a self-learner gets: every page,
the plots, the formulas, the links to the student notebooks, and no trace of a hidden test.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest

from cs231n_utils.site import (
    DERIVATIONS,
    HIDDEN_BEGIN,
    WIDGET_VIEW,
    assignment_names,
    freeze_widgets,
    strip_hidden_tests,
    strip_solution_markers,
)

from .conftest import once_for_all_workers

#: One worker runs the whole module, so its module fixture is built once (not once per worker).
pytestmark = pytest.mark.xdist_group("site")

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = assignment_names(REPO)

#: Names defined only inside hidden tests (checked below to really be there and only there).
HIDDEN_ONLY_NAMES = ("_reference_svm_loss", "_reference_softmax_loss", "_reference_softmax", "_reference_hog",
                     "_reference_kmeans")

#: Formulas each derivation page must carry, as LaTeX source (MathJax typesets it in the browser).
KEY_FORMULAS = {
    "backprop": [r"f(x, y, z) = (x + y)\,z", r"q = x + y = -2 + 5 = 3",
                 r"f = q\,z = 3 \cdot (-4) = -12", r"\frac{\partial f}{\partial z} = q = 3",
                 r"= -4 \cdot 1 = -4", r"\left(X^\top G\right)_{dc}"],
    "svm_gradient": [r"L_i = \sum_{j \ne y_i} \max\bigl(0,\; s_j - s_{y_i} + \Delta\bigr)",
                     r"\nabla_{w_j} L_i = \mathbb{1}\bigl(s_j - s_{y_i} + \Delta > 0\bigr)\; x_i",
                     r"\nabla_{w_{y_i}} L_i = -\Bigl(\sum_{j \ne y_i}",
                     r"\nabla_W L = \frac{1}{N} X^\top G + 2\lambda W"],
    "softmax_gradient": [r"p_j = \frac{e^{s_j}}{\sum_{k=1}^{C} e^{s_k}}",
                         r"\frac{\partial L_i}{\partial s_j} = p_j - \mathbb{1}(j = y_i)",
                         r"\nabla_W L = \frac{1}{N} X^\top (P - Y) \;+\; 2\lambda W",
                         r"L_i = -(s_{y_i} - m) + \log \sum_k e^{s_k - m}"],
}


def _hidden_cell(visible: str, hidden: str) -> nbformat.NotebookNode:
    source = f"{visible}### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS"
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "grade_id": "t", "locked": True, "points": 1, "schema_version": 3,
        "solution": False, "task": False}})


def _notebook(*cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


# --------------------------------------------------------------------------- stripping


def test_a_cell_of_comments_and_hidden_tests_is_dropped():
    nb = _notebook(nbformat.v4.new_markdown_cell("# Title"),
                   _hidden_cell("# Hidden tests for f (they run at grading).\n", "assert f(1) == 2"),
                   nbformat.v4.new_code_cell("x = 1"))
    out = strip_hidden_tests(nb)
    assert [c.source for c in out.cells] == ["# Title", "x = 1"]
    assert len(nb.cells) == 3, "the input notebook must not be changed"


def test_the_visible_part_of_a_mixed_cell_is_kept():
    out = strip_hidden_tests(_notebook(_hidden_cell("assert f(0) == 0\n", "assert f(9) == 81")))
    assert [c.source for c in out.cells] == ["assert f(0) == 0"]


@pytest.mark.parametrize("source", [
    "### BEGIN HIDDEN TESTS\nassert secret\n",
    "assert visible\n### END HIDDEN TESTS\n",
    "### BEGIN HIDDEN TESTS\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\n",
])
def test_unbalanced_markers_are_an_error(source):
    with pytest.raises(ValueError, match="HIDDEN TESTS"):
        strip_hidden_tests(_notebook(nbformat.v4.new_code_cell(source)))


def test_solutions_stay_and_only_their_markers_go():
    cell = nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return x * x\n"
                                     "    ### END SOLUTION")
    out = strip_solution_markers(_notebook(cell))
    assert out.cells[0].source == "def f(x):\n    return x * x"


def test_widgets_become_a_note_and_figures_stay():
    cell = nbformat.v4.new_code_cell("demo()")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBOR", "text/plain": "fig"}),
                    nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "m"},
                                                                 "text/plain": "HBox(...)"})]
    nb = _notebook(cell)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    freeze_widgets(nb)
    assert "widgets" not in nb.metadata
    assert cell.outputs[0].data["image/png"] == "iVBOR"
    assert WIDGET_VIEW not in cell.outputs[1].data and "JupyterLab" in cell.outputs[1].data["text/html"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_hidden_test_survives_in_the_solution_notebooks(assignment):
    nb = nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    assert any(HIDDEN_BEGIN in c.source for c in nb.cells), "expected hidden tests to strip"
    out = strip_solution_markers(strip_hidden_tests(nb))
    text = "\n".join(c.source for c in out.cells)
    assert "HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
    for name in HIDDEN_ONLY_NAMES:
        assert name not in text
    assert len(out.cells) < len(nb.cells)


# --------------------------------------------------------------------------- the built site


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict:
    """Build the site once (shared by the xdist workers) with the real command, on digits."""

    def build(folder: Path) -> dict:
        out = folder / "site"
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "cs231n_utils.cli", "site", "--dataset", "digits",
                               "--out", str(out)], capture_output=True, text=True, timeout=1200,
                              env=dict(os.environ, OPENBLAS_NUM_THREADS="1"), cwd=REPO)
        return {"returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr,
                "out": str(out), "seconds": time.perf_counter() - start}

    built = once_for_all_workers(tmp_path_factory, "site_build", build)
    assert built["returncode"] == 0, built["stdout"][-2000:] + built["stderr"][-3000:]
    built["html"] = Path(built["out"]) / "html"
    return built


def _text(page: Path) -> str:
    """The visible text of an HTML page (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


@pytest.mark.slow
def test_the_command_reports_the_index(site):
    index = site["html"] / "index.html"
    assert index.is_file()
    assert str(index) in site["stdout"], site["stdout"]
    text = _text(index)
    assert "How to work on this yourself" in text
    assert "cs231n-kit site --dataset" in text


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_page_is_executed_with_plots(site, assignment):
    page = site["html"] / "notebooks" / f"{assignment}.html"
    assert page.is_file(), sorted(p.name for p in (site["html"] / "notebooks").iterdir())
    source = page.read_text()
    pngs = [src for src in re.findall(r'<img[^>]+src="([^"]+)"', source) if src.endswith(".png")
            or src.startswith("data:image/png")]
    assert pngs, f"no PNG plot on the {assignment} page"
    for src in pngs:
        if not src.startswith("data:"):
            image = (page.parent / unquote(src)).resolve()
            assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", image
    executed = nbformat.read(Path(site["out"]) / "book" / "notebooks" / f"{assignment}.ipynb", as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert outputs and not [o for o in outputs if o.output_type == "error"]
    assert "digits" in _text(page)  # the dataset summary printed by the load_data cell


@pytest.mark.slow
def test_solutions_are_shown_without_their_markers(site):
    text = _text(site["html"] / "notebooks" / "svm.html")
    assert "coeff[rows, y] = -coeff.sum(axis=1)" in text  # from svm_loss_vectorized's solution
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text


@pytest.mark.slow
@pytest.mark.parametrize("stem", [stem for stem, _ in DERIVATIONS])
def test_derivation_pages_carry_the_formulas(site, stem):
    page = site["html"] / "derivations" / f"{stem}.html"
    assert page.is_file()
    text = _text(page)
    missing = [f for f in KEY_FORMULAS[stem] if f not in text]
    assert not missing, f"{stem}: formulas missing from the page: {missing}"
    assert f"derivations/{stem}.html" in (site["html"] / "index.html").read_text()


@pytest.mark.slow
def test_the_site_works_offline(site):
    """MathJax is served from the site itself and no page loads a script or style from a CDN."""
    assert (site["html"] / "_static" / "mathjax" / "tex-chtml.js").is_file()
    page = (site["html"] / "derivations" / "backprop.html").read_text()
    scripts = re.findall(r'<script[^>]+src="([^"]*mathjax[^"]*)"', page)
    assert scripts and all(not s.startswith("http") for s in scripts), scripts
    for page in site["html"].rglob("*.html"):
        remote = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?:[^"]+)"', page.read_text())
        assert not remote, f"{page} loads {remote}"


@pytest.mark.slow
def test_no_hidden_test_appears_anywhere_on_the_site(site):
    notebooks = [nbformat.read(REPO / "solutions" / a / f"{a}.ipynb", as_version=4) for a in ASSIGNMENTS]
    visible = "\n".join(c.source for nb in notebooks for c in strip_hidden_tests(nb).cells)
    hidden_lines = set()  # lines of 30+ characters that only the hidden tests contain
    for nb in notebooks:
        for block in re.findall(r"BEGIN HIDDEN TESTS(.*?)END HIDDEN TESTS",
                                "\n".join(c.source for c in nb.cells), flags=re.S):
            hidden_lines |= {line.strip() for line in block.splitlines()
                             if len(line.strip()) >= 30 and line.strip() not in visible}
    solutions = "".join((REPO / "solutions" / a / f"{a}.ipynb").read_text() for a in ASSIGNMENTS)
    for name in HIDDEN_ONLY_NAMES:
        assert name in solutions, f"{name} no longer appears in the hidden tests: update this test"
    assert len(hidden_lines) > 50
    for path in site["html"].rglob("*"):
        if path.suffix not in (".html", ".txt", ".ipynb", ".md", ".json") or "mathjax" in path.parts:
            continue
        text = path.read_text(errors="replace")
        plain = html.unescape(re.sub(r"<[^>]+>", "", text)) if path.suffix == ".html" else text
        assert "HIDDEN TESTS" not in text, path
        for name in HIDDEN_ONLY_NAMES:
            assert name not in text, f"{name} in {path}"
        leaked = [line for line in hidden_lines if line in plain]
        assert not leaked, f"{path} shows hidden test lines: {leaked[:3]}"


@pytest.mark.slow
def test_pages_link_to_the_student_notebooks(site):
    html_dir = site["html"]
    for page in [html_dir / "index.html", *(html_dir / "notebooks" / f"{a}.html" for a in ASSIGNMENTS)]:
        hrefs = re.findall(r'<a class="student-notebook" href="([^"]+)"', page.read_text())
        targets = {(page.parent / unquote(h)).resolve() for h in hrefs}
        linked = ASSIGNMENTS if page.name == "index.html" else [page.stem]
        expected = {REPO / "assignments" / a / f"{a}.ipynb" for a in linked}
        assert targets == expected, (page, hrefs)
        assert all(t.is_file() for t in targets)
    for assignment in ASSIGNMENTS:
        downloads = list((html_dir / "_downloads").rglob(f"{assignment}.ipynb"))
        assert len(downloads) == 1, downloads
        student = REPO / "assignments" / assignment / f"{assignment}.ipynb"
        assert downloads[0].read_bytes() == student.read_bytes()
        page = (html_dir / "notebooks" / f"{assignment}.html").read_text()
        assert downloads[0].relative_to(html_dir).as_posix() in page
