"""Self-check for students: run one notebook's visible tests in a fresh kernel, say what failed.

``cs231n-kit check svm.ipynb`` (or :func:`check_notebook`) executes the student's own copy
top to bottom in a new kernel, as nbgrader will, continuing after errors, then reports every
task's visible test cells as passed or with a hint: the message the test raised and what
that kind of failure usually means. Hidden tests are stripped from a student's notebook at
release, so they are only counted ("N points run at grading"), never run or shown.

Scores follow nbgrader's rule for test cells: an error *or any text on stderr* (a warning)
earns 0 points. Written answers are graded by hand and only listed as answered or not.
:func:`panel` is the notebook's last cell: it shows the command and a button, and never
re-runs the notebook by itself, so autograding the notebook does not start a self-check.
"""

from __future__ import annotations

import os
import re
import subprocess
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import config
from .grading import cell_score, failed_requirements
from .outcomes import TestOutcome
from .submissions import HIDDEN_BEGIN, nbgrader_meta

if TYPE_CHECKING:  # nbformat is imported where it is used, so that the notebook's panel stays light
    from nbformat import NotebookNode

#: Set in the kernel a self-check starts, so that the notebook's panel stays inert there.
SELFCHECK_ENV_VAR = config.SELFCHECK
#: Seconds a cell may run before the self-check interrupts it (nbgrader_config.py allows 600).
DEFAULT_TIMEOUT = 600.0

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FRAME = re.compile(r"Cell In\[(\d+)\], line (\d+)")
_ARROW = re.compile(r"^-+>\s*(\d+)\s(.*)$")
_DEF = re.compile(r"^def (\w+)\(", re.MULTILINE)
_SHAPE_WORDS = re.compile(r"shape|broadcast|dimension|aligned|size|axis", re.IGNORECASE)
_HEADING = re.compile(r"^#+\s*(.*\(\s*\d[^)]*points?\).*)$", re.MULTILINE)
_LABELS = {"failed": "FAILED", "partial": "PARTIAL", "not attempted": "NOT ATTEMPTED"}
_NOTES = {
    "hidden": "runs at grading",
    "answered": "graded by hand",
    "not answered": "written answer still empty",
    "not attempted": "not attempted yet",
}


@dataclass
class TaskResult(TestOutcome):
    """The outcome of one graded cell of the notebook: a test outcome, and where and what it is.

    ``kind`` is ``"test"`` (a visible test cell), ``"hidden"`` (a test cell whose tests were
    stripped at release) or ``"written"`` (an answer graded by hand). ``status`` is one of
    ``"passed"``, ``"partial"``, ``"failed"``, ``"not attempted"``, ``"hidden"``,
    ``"answered"`` and ``"not answered"``.
    """

    part: str = ""
    kind: str = "test"
    status: str = ""
    hint: str = ""


@dataclass
class Report:
    """Every graded cell of one executed notebook, grouped by the part it belongs to."""

    notebook: str
    results: list[TaskResult] = field(default_factory=list)
    seconds: float = 0.0
    dataset: str = ""
    note: str = ""

    def _points(self, kind: str, attr: str = "points") -> float:
        return sum(getattr(r, attr) for r in self.results if r.kind == kind)

    @property
    def visible_score(self) -> float:
        """Points earned by the visible test cells."""
        return self._points("test", "score")

    @property
    def visible_max(self) -> float:
        """Points the visible test cells are worth."""
        return self._points("test")

    @property
    def all_visible_passed(self) -> bool:
        """True when every visible test cell earned its points."""
        return all(r.status == "passed" for r in self.results if r.kind == "test")

    def summary(self) -> str:
        """One line: the visible points, and what is decided later."""
        text = f"{self.visible_score:g} of {self.visible_max:g} visible-test points"
        hidden, written = self._points("hidden"), self._points("written")
        if hidden:
            text += f"; hidden tests ({hidden:g} points) run at grading"
        if written:
            text += f"; written answers ({written:g} points) are graded by hand"
        return text

    def format(self) -> str:
        """The report as text, one block per part."""
        lines = [f"Self-check of {self.notebook} (fresh kernel, dataset {self.dataset}, "
                 f"{self.seconds:.0f} s)"]
        if self.note:
            lines.append(self.note)
        part = None
        for r in self.results:
            if r.part != part:
                part = r.part
                lines += ["", part]
            pts = f"{r.points:g} point{'s' if r.points != 1 else ''}"
            label = _LABELS.get(r.status, r.status)
            if r.status == "partial":
                pts += f", {r.score:g} earned"
            head = f"  {label:<14} {r.grade_id} ({pts})"
            lines.append(head + (f": {_NOTES[r.status]}" if r.status in _NOTES else ""))
            for text in (r.message, r.hint and f"what it usually means: {r.hint}"):
                if text:
                    lines += textwrap.wrap(text, 100, initial_indent=" " * 6, subsequent_indent=" " * 6)
        lines += ["", self.summary() + "."]
        return "\n".join(lines)


# --------------------------------------------------------------------------- analysis


def _is_code(source: str) -> bool:
    """True if ``source`` holds a statement (not only comments and blank lines)."""
    return any(ln.strip() and not ln.strip().startswith("#") for ln in source.splitlines())


def _nbgrader_score(cell: NotebookNode, points: float) -> float:
    """nbgrader's score of an executed test cell (an error or stderr output gives 0).

    :func:`~cs231n_utils.grading.cell_score` follows nbgrader's rule without importing
    nbgrader, which a hosted notebook's install leaves out.
    """
    try:
        return cell_score(cell.get("outputs", []), points)
    except ValueError:  # a result above the cell's points: nbgrader refuses it
        return 0.0


def _error(cell: NotebookNode) -> NotebookNode | None:
    return next((o for o in cell.get("outputs", []) if o.output_type == "error"), None)


def _stderr(cell: NotebookNode) -> str:
    return "".join(o.text for o in cell.get("outputs", [])
                   if o.output_type == "stream" and o.name == "stderr")


def usual_meaning(ename: str, evalue: str, timeout: float = DEFAULT_TIMEOUT) -> str:
    """What an error of type ``ename`` usually means in these notebooks ("" for assertions)."""
    if ename == "NotImplementedError":
        return "not attempted yet: the answer cell still raises NotImplementedError; replace it with code"
    if ename == "NameError":
        found = re.search(r"name '(\w+)' is not defined", evalue)
        name = f"`{found.group(1)}`" if found else "a name"
        return (f"{name} was never defined: the self-check runs every cell from the top, so the cell "
                "that defines it failed or was not run, or did you rename it?")
    if ename == "KeyboardInterrupt":
        return (f"stopped after {timeout:g} s: an endless loop, or a Python loop over every example "
                "where the task asks for array operations")
    if ename in ("ValueError", "IndexError") and _SHAPE_WORDS.search(evalue):
        return ("a shape mismatch: print the shapes where it fails (X (N, D), W (D, C), y (N,)) and "
                "check each product, reshape and broadcast")
    if ename == "TypeError" and "argument" in evalue:
        return "a call with the wrong arguments: keep the function's name and parameters as given"
    if ename in ("ModuleNotFoundError", "ImportError"):
        return "a package is missing from the Python that runs the notebook: install the kit there"
    if ename == "MemoryError":
        return "out of memory: an array far larger than needed, such as (N, N) or (N, D, C)?"
    if ename in ("SyntaxError", "IndentationError"):
        return "the cell does not parse: fix the syntax at the line shown"
    if ename == "AssertionError":
        return "" if evalue.strip() else "a visible check failed; the assert's line is in the notebook"
    return f"your code raised {ename} while the test ran it"


def _where(error: NotebookNode, cells_by_count: dict[int, NotebookNode]) -> tuple[str, str, str] | None:
    """(grade_id, line, code) of the innermost traceback frame that lies in an answer cell."""
    lines = _ANSI.sub("", "\n".join(error.get("traceback", []))).splitlines()
    for i in range(len(lines) - 1, -1, -1):
        found = _FRAME.search(lines[i])
        cell = cells_by_count.get(int(found.group(1))) if found else None
        if cell is None or not nbgrader_meta(cell).get("solution"):
            continue
        arrow = (_ARROW.match(ln) for ln in lines[i + 1:])
        code = next((m.group(2).strip() for m in arrow if m and m.group(1) == found.group(2)), "")
        return nbgrader_meta(cell)["grade_id"], found.group(2), code
    return None


def analyze(nb: NotebookNode, timeout: float = DEFAULT_TIMEOUT) -> list[TaskResult]:
    """Turn an executed notebook into one :class:`TaskResult` per graded cell, in order.

    Parameters
    ----------
    nb : NotebookNode
        A student notebook after execution (outputs present).
    timeout : float
        The per-cell timeout it ran with, quoted in the hint of a cell that was stopped.
    """
    cells_by_count = {c.execution_count: c for c in nb.cells
                      if c.cell_type == "code" and c.get("execution_count")}
    part, answer_errors, results = "(before the first part)", {}, []
    defined: dict[str, list[str]] = {}  # answer cell grade_id -> functions it defines, this part
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "markdown" and not meta.get("solution"):
            heading = _HEADING.search(cell.source)
            if heading and ("Part" in heading.group(1) or part.startswith("(")):
                part, answer_errors, defined = heading.group(1).replace("$", "").strip(), {}, {}
            continue
        if meta.get("solution") and cell.cell_type == "code":
            defined[meta["grade_id"]] = _DEF.findall(cell.source)
            if _error(cell) is not None:
                answer_errors[meta["grade_id"]] = _error(cell)
        if not meta.get("grade"):
            continue
        points = float(meta.get("points", 0))
        result = TaskResult(meta["grade_id"], points, part=part)
        if cell.cell_type == "markdown":
            answered = cell.source.strip() not in ("", "YOUR ANSWER HERE")
            result.kind, result.status = "written", "answered" if answered else "not answered"
        elif not _is_code(cell.source) or HIDDEN_BEGIN in cell.source:
            result.kind, result.status = "hidden", "hidden"
        else:
            _judge(cell, result, answer_errors, cells_by_count, timeout)
            _note_renamed(result, cell, defined)
        results.append(result)
    return results


def _judge(cell: NotebookNode, result: TaskResult, answer_errors: dict[str, NotebookNode],
           cells_by_count: dict[int, NotebookNode], timeout: float) -> None:
    """Fill in the status, message and hint of one executed visible test cell."""
    result.score = _nbgrader_score(cell, result.points)
    error, stderr = _error(cell), _stderr(cell)
    if result.score >= result.points and error is None and not stderr:
        result.status = "passed"
        return
    if error is None and stderr:
        lines = stderr.strip().splitlines() or ["(blank lines)"]
        first = next((ln for ln in lines if "Warning" in ln), lines[0]).strip()
        result.status, result.message = "failed", f"the cell wrote to stderr: {first[:300]}"
        result.hint = ("nbgrader gives 0 points to a test cell that writes to stderr, even when every "
                       "check passes: remove prints to sys.stderr, or fix what causes the warning "
                       "(often overflow in exp, or 0/0)")
        return
    if error is None:
        result.status = "partial"
        result.message = failed_requirements(cell.get("outputs", []))
        if result.score == 0 and "not attempted yet" in result.message:
            result.status = "not attempted"
        return
    ename, evalue = error.ename, error.evalue.strip()
    where = _where(error, cells_by_count)
    root = next(iter(answer_errors.items()), None)  # the part's first answer cell that failed
    if ename == "NotImplementedError" or (root and root[1].ename == "NotImplementedError"):
        grade_id = where[0] if where and ename == "NotImplementedError" else root[0] if root else "?"
        line = f" (line {where[1]})" if where and where[0] == grade_id else ""
        result.status = "not attempted"
        result.message = (f"the answer cell '{grade_id}' still raises NotImplementedError{line}: "
                          "replace that line with your code")
        return
    result.status = "failed"
    result.message = f"{ename}: {evalue[:600]}"
    if where:
        result.message += f" (in your answer cell '{where[0]}', line {where[1]}" + (
            f": {where[2]})" if where[2] else ")")
    if root is not None:
        grade_id, answer_error = root
        result.hint = (f"your answer cell '{grade_id}' itself raised {answer_error.ename}: "
                       f"{answer_error.evalue.strip()[:300]}; "
                       f"{usual_meaning(answer_error.ename, answer_error.evalue, timeout)}").rstrip("; ")
    else:
        result.hint = usual_meaning(ename, evalue, timeout)


def _note_renamed(result: TaskResult, cell: NotebookNode, defined: dict[str, list[str]]) -> None:
    """Add to a NameError's hint which functions the part's answer cells define instead."""
    error = _error(cell)
    found = re.search(r"name '(\w+)' is not defined", error.evalue) if error is not None else None
    if found is None or result.status != "failed":
        return
    for grade_id, names in defined.items():
        if names and found.group(1) not in names:
            result.hint += (f" (your answer cell '{grade_id}' defines {', '.join(names)}, "
                            f"not {found.group(1)})")


# --------------------------------------------------------------------------- execution


def execute(nb: NotebookNode, cwd: Path, timeout: float = DEFAULT_TIMEOUT,
            dataset: str | None = None) -> tuple[NotebookNode, str]:
    """Run a copy of ``nb`` top to bottom in a fresh kernel, continuing after errors.

    A cell running longer than ``timeout`` seconds is interrupted (it ends in
    ``KeyboardInterrupt``) and the next cell runs. Returns the executed copy and a note
    that is empty unless the kernel died.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    nb = nbformat.from_dict(nb)  # never touch the caller's notebook
    env = dict(os.environ, **{SELFCHECK_ENV_VAR: "1"})
    if dataset:
        env[config.DATASET] = dataset
    # shutdown_kernel: the outputs are in once the last cell has run; asking the kernel to exit
    # waits a second or more, killing it does not.
    client = NotebookClient(nb, timeout=timeout, allow_errors=True, interrupt_on_timeout=True,
                            shutdown_kernel="immediate",
                            kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
                            resources={"metadata": {"path": str(cwd)}})
    note = ""
    try:
        client.execute(env=env, stderr=subprocess.DEVNULL)
    except DeadKernelError:
        note = "The kernel died (out of memory?): cells after that point did not run."
    return nb, note


def check_notebook(path: str | Path, timeout: float = DEFAULT_TIMEOUT,
                   dataset: str | None = None) -> Report:
    """Execute the notebook at ``path`` in a fresh kernel and report its visible tests.

    Parameters
    ----------
    path : str or Path
        The student's notebook; it is read, never written.
    timeout : float
        Seconds each cell may run.
    dataset : str, optional
        Sets ``CS231N_DATASET`` for the run (e.g. ``"digits"`` for a quick check).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {path.resolve()}: save it first, or give its path")
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several types for a damaged file
        raise ValueError(f"{path} is not a readable notebook ({type(exc).__name__}: {exc})") from exc
    start = time.perf_counter()
    executed, note = execute(nb, path.resolve().parent, timeout, dataset)
    name = dataset or os.environ.get(config.DATASET) or "cifar10 (default)"
    return Report(path.name, analyze(executed, timeout), time.perf_counter() - start, name, note)


# --------------------------------------------------------------------------- notebook panel


def panel(filename: str) -> None:
    """The notebook's last cell: print how to run the self-check and show a button that runs it.

    Nothing runs until the button is pressed, so executing the notebook (nbgrader, ``nbgrader
    validate``, a self-check) never starts a nested self-check. Inert inside a self-check's kernel.
    """
    if os.environ.get(SELFCHECK_ENV_VAR):
        return
    from IPython.display import display

    print(f"Save the notebook (Ctrl+S), then press the button or run in a terminal, in this "
          f"notebook's folder:\n    cs231n-kit check {filename}\n"
          "It runs every cell in a fresh kernel (a minute or more) and lists each task's visible "
          "tests; hidden tests run only at grading.")
    display(build_panel(filename))


def build_panel(filename: str) -> object:
    """A button that checks the *saved* ``filename`` in a fresh kernel, and its output area."""
    import ipywidgets as widgets

    button = widgets.Button(description=f"Check the saved {filename}", layout={"width": "auto"})
    output = widgets.Output()

    def on_click(_button: object) -> None:
        output.clear_output()
        with output:
            if not Path(filename).is_file():
                print(f"{filename} is not in this kernel's folder ({Path.cwd()}). In a hosted "
                      f"notebook, download it (File > Download .ipynb) and run "
                      f"`cs231n-kit check {filename}` where the kit is installed.")
                return
            button.disabled, button.description = True, "Checking ..."
            try:
                print(check_notebook(filename).format())
            finally:
                button.disabled, button.description = False, f"Check the saved {filename}"

    button.on_click(on_click)
    return widgets.VBox([button, output])
