"""cs231n_utils.selfcheck: the students' `cs231n-kit check`.

Fast tests judge hand-made executed notebooks (no kernel); two slow tests execute the SVM
student notebook on digits once each: with one bug (the catalog's "no regularization in the
loss") and blank, through the command line.
"""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from cs231n_utils import selfcheck
from cs231n_utils.submissions import build_submission

from .catalog.svm_wrong import CATALOG

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- hand-made notebooks


def answer(grade_id, source="def f():\n    pass\n", outputs=(), count=None):
    cell = new_code_cell(source, outputs=list(outputs), execution_count=count)
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": grade_id, "locked": False, "solution": True}
    return cell


def grade_cell(grade_id, points=2, source="assert f() is None\n", outputs=(), count=None):
    cell = new_code_cell(source, outputs=list(outputs), execution_count=count)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "locked": True, "points": points,
                                 "solution": False}
    return cell


def written(grade_id, source="YOUR ANSWER HERE", points=2):
    cell = new_markdown_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "locked": False, "points": points,
                                 "solution": True}
    return cell


def error(ename, evalue, traceback=()):
    return new_output("error", ename=ename, evalue=evalue, traceback=list(traceback))


def stderr(text):
    return new_output("stream", name="stderr", text=text)


def by_id(results):
    return {r.grade_id: r for r in results}


def test_passed_failed_hidden_and_written_cells_grouped_by_part():
    nb = new_notebook(cells=[
        new_markdown_cell("## Part A (3 points): scores"),
        answer("a"),
        grade_cell("test_a", 1, outputs=[new_output("stream", name="stdout", text="ok\n")]),
        grade_cell("test_a_hidden", 2, source="# Hidden tests for f (they run at grading).\n"),
        new_markdown_cell("## Part B (4 points): a loss"),
        answer("b"),
        grade_cell("test_b", 2, outputs=[error("AssertionError", "your loss ignores regularization: got 0")]),
        new_markdown_cell("### Inline question 1 (2 points): why"),
        written("q1"),
        written("q2", "Because the margin ..."),
    ])
    results = by_id(selfcheck.analyze(nb))
    assert results["test_a"].status == "passed" and results["test_a"].part.startswith("Part A")
    assert results["test_a_hidden"].kind == "hidden"
    assert results["test_b"].status == "failed" and results["test_b"].part.startswith("Part B")
    assert "ignores regularization" in results["test_b"].message and results["test_b"].hint == ""
    assert results["q1"].status == "not answered" and results["q1"].part.startswith("Part B")
    assert results["q2"].status == "answered"
    report = selfcheck.Report("nb.ipynb", list(results.values()), dataset="digits")
    assert not report.all_visible_passed
    assert report.summary() == ("1 of 3 visible-test points; hidden tests (2 points) run at grading; "
                                "written answers (4 points) are graded by hand")
    text = report.format()
    assert "test_a_hidden (2 points): runs at grading" in text and "Hidden tests for f" not in text


def test_not_attempted_when_the_answer_cell_still_raises():
    tb = ["\x1b[0;31mNotImplementedError\x1b[0m",
          "Cell \x1b[0;32mIn[3], line 4\x1b[0m, in \x1b[0;36mf\x1b[0;34m()",
          "      2 def f():", "      3     # YOUR CODE HERE", "----> 4     raise NotImplementedError()"]
    nb = new_notebook(cells=[
        new_markdown_cell("## Part A (2 points): f"),
        answer("f_cell", count=3),
        grade_cell("test_f", outputs=[error("NotImplementedError", "", tb)], count=4),
        new_markdown_cell("## Part B (2 points): tuning"),
        answer("tuning", outputs=[error("NotImplementedError", "")], count=5),
        grade_cell("test_tuning", outputs=[error("NameError", "name 'best_W' is not defined")], count=6),
    ])
    results = by_id(selfcheck.analyze(nb))
    assert results["test_f"].status == "not attempted"
    assert "'f_cell' still raises NotImplementedError (line 4)" in results["test_f"].message
    assert results["test_tuning"].status == "not attempted"
    assert "'tuning'" in results["test_tuning"].message


def test_hints_for_common_failures():
    tb = ["Cell In[2], line 3, in f(X)", "      1 def f(X):", "----> 3     return X @ X",
          "ValueError: matmul: Input operand 1 has a mismatch in its core dimension 0"]
    nb = new_notebook(cells=[
        new_markdown_cell("## Part A (8 points): everything that goes wrong"),
        answer("f_cell", count=2),
        grade_cell("shape", outputs=[error("ValueError", "matmul: Input operand 1 has a mismatch in its core "
                                          "dimension 0", tb)], count=3),
        grade_cell("name", outputs=[error("NameError", "name 'svm_loss_naive' is not defined")]),
        grade_cell("slow", outputs=[error("KeyboardInterrupt", "")]),
        grade_cell("warning", outputs=[new_output("stream", name="stdout", text="all checks pass\n"),
                                      stderr("/tmp/ipykernel_1/2.py:3: RuntimeWarning: overflow encountered "
                                             "in exp\n  return np.exp(s)\n")]),
    ])
    results = by_id(selfcheck.analyze(nb, timeout=30))
    assert "shape mismatch" in results["shape"].hint
    assert "in your answer cell 'f_cell', line 3: return X @ X" in results["shape"].message
    assert "`svm_loss_naive` was never defined" in results["name"].hint
    assert "rename" in results["name"].hint
    assert "stopped after 30 s" in results["slow"].hint
    warning = results["warning"]
    assert warning.status == "failed" and warning.score == 0
    assert "overflow encountered in exp" in warning.message and "stderr" in warning.hint


def test_a_renamed_function_is_pointed_out():
    nb = new_notebook(cells=[
        new_markdown_cell("## Part C (2 points): vectorized"),
        answer("vec", "def svm_loss_vec(W, X, y, reg):\n    return 0.0, W\n"),
        grade_cell("test_vec", outputs=[error("NameError", "name 'svm_loss_vectorized' is not defined")]),
    ])
    hint = selfcheck.analyze(nb)[0].hint
    assert "did you rename it?" in hint and "'vec' defines svm_loss_vec, not svm_loss_vectorized" in hint


def test_an_answer_cell_that_fails_is_named_as_the_cause():
    nb = new_notebook(cells=[
        new_markdown_cell("## Part A (2 points): f"),
        answer("f_cell", outputs=[error("SyntaxError", "invalid syntax (1930187443.py, line 2)")]),
        grade_cell("test_f", outputs=[error("NameError", "name 'f' is not defined")]),
    ])
    result = selfcheck.analyze(nb)[0]
    assert result.status == "failed"
    assert "'f_cell' itself raised SyntaxError" in result.hint and "does not parse" in result.hint


def test_scores_follow_nbgrader():
    # nothing, stdout, stderr (a warning), an error, a partial-credit value, a non-numeric value
    cases = [([], 2.0), ([new_output("stream", name="stdout", text="ok")], 2.0), ([stderr("warning")], 0.0),
             ([error("AssertionError", "no")], 0.0),
             ([new_output("execute_result", data={"text/plain": "0.5"}, execution_count=1)], 0.5),
             ([new_output("execute_result", data={"text/plain": "'text'"}, execution_count=1)], 2.0)]
    for outs, expected in cases:
        assert selfcheck._nbgrader_score(grade_cell("t", 2, outputs=outs), 2) == expected, outs


def test_panel_shows_the_command_and_a_button_without_running_anything(monkeypatch, capsys):
    monkeypatch.delenv(selfcheck.SELFCHECK_ENV_VAR, raising=False)
    monkeypatch.setattr(selfcheck, "check_notebook", lambda *a, **k: pytest.fail("must not run"))
    assert selfcheck.panel("svm.ipynb") is None
    captured = capsys.readouterr()
    assert "cs231n-kit check svm.ipynb" in captured.out and captured.err == ""
    box = selfcheck.build_panel("svm.ipynb")
    assert "Check the saved svm.ipynb" in box.children[0].description
    monkeypatch.setenv(selfcheck.SELFCHECK_ENV_VAR, "1")
    selfcheck.panel("svm.ipynb")
    assert capsys.readouterr().out == ""


def test_panel_button_explains_a_notebook_it_cannot_see(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    box = selfcheck.build_panel("svm.ipynb")
    box.children[0].click()  # no svm.ipynb in tmp_path: nothing runs, the reason is shown
    assert not box.children[0].disabled


def test_the_panel_cell_imports_no_notebook_machinery():
    """Every notebook ends with the panel cell, so it stays light: nbformat (a second and a half
    to import, with jsonschema's format checkers) and nbclient load only when the button runs a check."""
    code = ("import sys\nfrom cs231n_utils import selfcheck\nselfcheck.panel('svm.ipynb')\n"
            "heavy = sorted(m for m in sys.modules\n"
            "               if m.split('.')[0] in ('nbformat', 'nbclient', 'jsonschema'))\n"
            "assert not heavy, heavy\n")
    env = {k: v for k, v in os.environ.items() if k != selfcheck.SELFCHECK_ENV_VAR}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0 and "cs231n-kit check svm.ipynb" in out.stdout, out.stderr[-2000:]


def test_cli_refuses_a_missing_notebook(tmp_path):
    out = subprocess.run([sys.executable, "-m", "cs231n_utils.cli", "check", str(tmp_path / "nope.ipynb")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "no notebook at" in out.stderr


# --------------------------------------------------------------------------- executing the SVM notebook


@pytest.fixture
def svm_notebooks():
    student = nbformat.read(REPO / "assignments" / "svm" / "svm.ipynb", as_version=4)
    solution = nbformat.read(REPO / "solutions" / "svm" / "svm.ipynb", as_version=4)
    return student, solution


@pytest.mark.slow
def test_wrong_notebook_names_the_failing_task_with_its_hint(svm_notebooks, tmp_path, monkeypatch):
    """Part A solved, svm_loss_naive without regularization in the loss, the rest untouched."""
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    bug = next(e for e in CATALOG if e.name == "naive_no_reg_in_loss")
    nb = build_submission(*svm_notebooks, fill=["score_function"], overrides=bug.overrides)
    path = tmp_path / "svm.ipynb"
    nbformat.write(nb, path)
    before = path.read_bytes()
    report = selfcheck.check_notebook(path, timeout=120, dataset="digits")
    results = by_id(report.results)
    text = report.format()
    print(text)
    assert results["test_score_function"].status == "passed", text
    naive = results["test_svm_loss_naive"]
    # Partial credit: only the requirement the bug breaks is lost, and the message names it.
    assert naive.status == "partial" and "your loss ignores regularization" in naive.message, text
    assert 0 < naive.score < naive.points, text
    assert naive.part.startswith("Part B")
    for grade_id in ("test_svm_loss_vectorized", "test_train_predict", "test_tuning"):
        assert results[grade_id].status == "not attempted", text
    assert results["test_svm_loss_naive_hidden"].kind == "hidden"
    assert not report.all_visible_passed
    earned = results["test_score_function"].points + naive.score
    assert report.summary().startswith(f"{earned:g} of {report.visible_max:g} visible-test points; hidden")
    assert "BEGIN HIDDEN" not in text and "_reference_svm_loss" not in text
    assert path.read_bytes() == before  # the student's file is not written


@pytest.mark.slow
def test_cli_on_the_blank_notebook_says_not_attempted(svm_notebooks, tmp_path):
    student, _ = svm_notebooks
    path = tmp_path / "svm.ipynb"
    nbformat.write(student, path)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "cs231n_utils.cli", "check", str(path), "--dataset", "digits",
           "--timeout", "120"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "NOT ATTEMPTED  test_score_function (1 point)" in out.stdout
    assert "  passed " not in out.stdout
    assert "0 of " in out.stdout and "hidden tests" in out.stdout
