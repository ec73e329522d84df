"""Execute a rebuilt notebook so that no code the student wrote decides its score.

* answer cells and the other ungraded cells run in the sandbox (:mod:`.client`);
* cells tagged ``setup`` (imports, seed, data) run in the sandbox and here;
* test cells run here, in this clean process: the submission's functions are proxies that
  run in the sandbox and hand back plain arrays, which the tests compare.

So a submission can neither rewrite the tests nor reach the process that judges them; at
worst it returns wrong numbers. A test cell is scored by nbgrader's rule
(:func:`~cs231n_utils.grading.cell_score`), partial credit included.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import math
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
from nbformat import NotebookNode

from ..grading import Rubric, cell_score, failed_requirements, recording_rubrics
from ..outcomes import RequirementOutcome, TestOutcome
from ..submissions import is_test_cell, nbgrader_meta
from . import isolation
from .client import RemoteError, RemoteFunction, SandboxClient, SandboxFailure, clean_text
from .protocol import OUTPUT_CAP
from .rebuild import read_submission, rebuild
from .records import Flag, FlagKind, Scored
from .sandbox import Limits
from .static import function_sources, referenced_globals, to_python

SETUP_TAG = "setup"


@dataclass
class SubmissionResult(Scored):
    """The executed notebook, its test outcomes and what a human should know about it."""

    notebook: NotebookNode
    tests: list[TestOutcome] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    isolation: str = ""
    #: Plain numbers the test cells read from the submission (name -> value), e.g. ``best_val``.
    values: dict[str, float] = field(default_factory=dict)


def _requirements(rubrics: list[Rubric], points: float, score: float) -> list[RequirementOutcome]:
    """The requirements of the rubrics a test cell scored, when their shares make up the cell's
    points and what they earned is its score; else none (the cell then counts as a whole)."""
    reqs = [r for rubric in rubrics for r in rubric.outcomes()]
    if (not reqs or abs(sum(r.share for r in reqs) - points) > 1e-6
            or abs(sum(r.score for r in reqs) - score) > 1e-6):
        return []
    return reqs


class _GraderShell:
    """What ``get_ipython()`` returns to setup and test cells run here: only harmless magics."""

    HARMLESS = frozenset({"matplotlib", "config", "load_ext", "autoreload"})

    def run_line_magic(self, name: str, line: str, *args: Any) -> None:
        if name not in self.HARMLESS:
            raise RuntimeError(f"%{name} is not available in a test cell run by the grader")

    def run_cell_magic(self, name: str, line: str, cell: str) -> None:
        raise RuntimeError(f"%%{name} is not available in a test cell run by the grader")


def _stream(name: str, text: str) -> NotebookNode:
    return nbformat.v4.new_output("stream", name=name, text=clean_text(text))


def _error(ename: str, evalue: str, tb: str = "") -> NotebookNode:
    ename, evalue = clean_text(ename), clean_text(evalue)
    lines = [line for line in clean_text(tb).splitlines() if line] if tb else []
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue,
                                  traceback=lines + [f"{ename}: {evalue}"])


def _split_last_expression(source: str, index: int) -> tuple[Any, Any]:
    """``source`` compiled as (statements, final expression or None), as IPython runs a cell."""
    tree = ast.parse(source, f"<cell {index}>")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = compile(ast.Expression(tree.body.pop().value), f"<cell {index}>", "eval")
    return compile(tree, f"<cell {index}>", "exec"), last


def _cap(text: str) -> str:
    return text if len(text) <= OUTPUT_CAP else text[:OUTPUT_CAP] + "\n[... output truncated]\n"


class NotebookRunner:
    """Runs a rebuilt notebook: sandboxed cells remotely, test cells here."""

    def __init__(self, nb: NotebookNode, workdir: Path, limits: Limits, slot: int = 0,
                 readonly: list[Path] | None = None, isolation: str = "auto", expected: str = ""):
        self.nb = nb
        self.sources = function_sources(nb)
        self.client: SandboxClient | None = None
        self.failure: str | None = None
        self.setup_failure: str | None = None
        self.local: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins,
                                      "get_ipython": lambda: _GraderShell()}
        self.remote_names: dict[str, Any] = {}  # name -> the value last imported from the sandbox
        self.functions: dict[str, RemoteFunction] = {}
        self.flags: list[Flag] = []
        self.isolation = "none"
        self._start(workdir, limits, slot, readonly, isolation, expected)
        for name in self.sources:  # so that static checks can follow calls between them
            self._function(name)

    def _start(self, workdir: Path, limits: Limits, slot: int, readonly: list[Path] | None,
               requested: str, expected: str) -> None:
        """Start the sandbox in the batch's mode (``expected``), or under ``auto`` in the strongest
        weaker one that starts here; a job graded with less isolation than expected is flagged."""
        probed_here = not expected and requested == "auto"
        if probed_here:  # a cluster's job: the batch could not probe where it runs
            try:
                expected = isolation.choose("auto", limits, readonly).mode
            except isolation.IsolationUnavailable as exc:
                self.failure = f"the sandbox could not start: {exc}"
                return
        problems = []
        for mode in isolation.job_modes(requested, expected):
            try:
                self.client = SandboxClient(workdir, limits, slot=slot, readonly=readonly, mode=mode)
            except (SandboxFailure, OSError) as exc:
                problems.append(f"{mode}: {exc}")
                continue
            self.isolation = mode
            if mode != expected:
                self.flags.append(Flag(FlagKind.ISOLATION, (
                    f"graded under {mode} isolation, weaker than the {expected} the batch found "
                    f"({'; '.join(problems)})")))
            elif mode == "limits" and probed_here:
                self.flags.append(Flag(FlagKind.ISOLATION, (
                    "graded with limits only (no isolation could start where this job ran): the "
                    "submission could read and write the grader's files and use the network")))
            return
        self.failure = f"the sandbox could not start: {'; '.join(problems)}"

    def close(self) -> None:
        if self.client is not None:
            self.client.close()

    def plain_values(self) -> dict[str, float]:
        """The finite plain numbers the test cells imported from the sandbox (name -> value)."""
        return {name: float(v) for name, v in self.remote_names.items()
                if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                and math.isfinite(float(v))}

    def run(self) -> list[TestOutcome]:
        outcomes = []
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type != "code":
                continue
            meta = nbgrader_meta(cell)
            if is_test_cell(cell):
                points = float(meta.get("points", 0))
                with recording_rubrics() as rubrics:
                    ok, message = self.run_local(cell, index)
                try:
                    score = cell_score(cell.outputs, points) if ok else 0.0
                except ValueError as exc:  # the test's own result is out of range
                    score, message = 0.0, str(exc)
                if score < points:
                    message = message or failed_requirements(cell.outputs)
                    if self.setup_failure:  # the real cause, before what it led to
                        message = f"{self.setup_failure} (then: {message})"
                outcomes.append(TestOutcome(meta["grade_id"], points, score, message,
                                            _requirements(rubrics, points, score)))
                continue
            if is_setup_cell(cell):
                ok, message = self.run_local(cell, index)
                if not ok and self.setup_failure is None:
                    self.setup_failure = (f"the notebook's setup cell {index} failed in the grader's "
                                          f"process: {message}")
            self.run_remote(cell)
            if is_setup_cell(cell) and self.setup_failure is None and not self.failure:
                error = next((o for o in cell.outputs if o.get("output_type") == "error"), None)
                if error is not None:
                    self.setup_failure = (f"the notebook's setup cell {index} (imports and data) failed "
                                          f"in the submission's sandbox: {error.ename}: {error.evalue}")
        if self.setup_failure:
            self.flags.append(Flag(FlagKind.SETUP_FAILED, self.setup_failure))
        return outcomes

    def run_remote(self, cell: NotebookNode) -> None:
        if self.client is None or self.failure:
            cell.outputs = [_error("SandboxStopped", self.failure or "the sandbox is not running")]
            return
        try:
            reply = self.client.run_cell(cell.source)
        except SandboxFailure as exc:
            self.failure = f"{exc.kind}: {exc}"
            cell.outputs = [_error("SandboxStopped", f"this cell stopped the submission's process "
                                                     f"({exc.kind}): {exc}")]
            return
        outputs = []
        if reply.get("stdout"):
            outputs.append(_stream("stdout", reply["stdout"]))
        if reply.get("stderr"):
            outputs.append(_stream("stderr", reply["stderr"]))
        if not reply.get("ok"):
            outputs.append(_error(str(reply.get("ename", "Error")), str(reply.get("evalue", "")),
                                  str(reply.get("traceback", ""))))
        cell.outputs = outputs

    def _function(self, name: str) -> RemoteFunction:
        if name not in self.functions:
            self.functions[name] = RemoteFunction(self.client, name, self.sources.get(name),
                                                  self.functions)
        return self.functions[name]

    def _import_remote_names(self, source: str) -> None:
        for name in sorted(referenced_globals(source)):
            # A name the grader's side bound itself (or rebound after importing it) stays its own.
            if name in self.local and (name not in self.remote_names
                                       or self.local[name] is not self.remote_names[name]):
                continue
            if hasattr(builtins, name):  # a student's def abs() must not reach the tests
                continue
            if self.client is None or self.failure:
                continue
            try:
                value = self.client.get(name, self.sources, self.functions)
            except RemoteError:
                continue  # not defined there either: the test will raise NameError itself
            if isinstance(value, RemoteFunction):
                value = self._function(name)
            self.local[name] = value
            self.remote_names[name] = value

    def run_local(self, cell: NotebookNode, index: int) -> tuple[bool, str]:
        out, err = io.StringIO(), io.StringIO()
        ok, message, error_output, result_output = True, "", None, None
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                self._import_remote_names(cell.source)
                np.random.seed(index)  # noqa: NPY002 (tests that use the legacy global RNG)
                body, last = _split_last_expression(to_python(cell.source), index)
                exec(body, self.local)  # noqa: S102 (instructor's test code, in this process)
                if last is not None:  # as a kernel does: the value of a final expression is the result
                    value = eval(last, self.local)  # noqa: S307
                    if value is not None:
                        result_output = nbformat.v4.new_output(
                            "execute_result", data={"text/plain": clean_text(repr(value))},
                            execution_count=None)
        except SandboxFailure as exc:
            self.failure = self.failure or f"{exc.kind}: {exc}"
            ok, message = False, f"the submission's process stopped ({exc.kind}): {exc}"
            error_output = _error("SandboxStopped", message)
        except RemoteError as exc:
            ok, message = False, f"{exc.ename}: {exc.evalue}"
            error_output = _error(exc.ename, exc.evalue, exc.remote_traceback)
        except BaseException as exc:  # noqa: BLE001 (a failed test is an outcome, not a crash)
            ok, message = False, f"{type(exc).__name__}: {exc}"
            tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
            error_output = _error(type(exc).__name__, str(exc), "".join(tb[1:]))
        outputs = []
        if out.getvalue():
            outputs.append(_stream("stdout", _cap(out.getvalue())))
        if err.getvalue():
            outputs.append(_stream("stderr", _cap(err.getvalue())))
            if ok:
                ok, message = False, "the test wrote to stderr: " + err.getvalue().strip()[:300]
        if error_output is not None:
            outputs.append(error_output)
        elif result_output is not None:
            outputs.append(result_output)
        cell.outputs = outputs
        return ok, message


def is_setup_cell(cell: NotebookNode) -> bool:
    """A code cell tagged ``setup`` (imports, seed, data): run in the sandbox and here."""
    return cell.cell_type == "code" and SETUP_TAG in cell.get("metadata", {}).get("tags", [])


def local_imports(nb: NotebookNode) -> list[str]:
    """The modules the grader's side of ``nb`` imports: the top-level imports of its test and
    ``setup`` cells (the cells :class:`NotebookRunner` runs here), in order, each once.

    A backend that forks its jobs from a preloaded process imports these there once.
    """
    names: list[str] = []
    for cell in nb.cells:
        if not (is_test_cell(cell) or is_setup_cell(cell)):
            continue
        try:
            tree = ast.parse(to_python(cell.source))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
    return list(dict.fromkeys(names))


def grade_submission(source_nb: NotebookNode, release_nb: NotebookNode, submission_path: Path,
                     workdir: Path, limits: Limits | None = None, slot: int = 0,
                     readonly: list[Path] | None = None, isolation: str = "auto", expected: str = "",
                     problem: str | None = None) -> SubmissionResult:
    """Grade one submitted notebook; never raises for anything the submission does.

    ``isolation`` is the mode asked for (``auto`` or one of :data:`.sandbox.MODES`) and
    ``expected`` the mode the batch's probe found (a job that must use a weaker one is flagged).
    ``problem``, when given, is a reason found before grading (e.g. the folder is a symbolic
    link) not to read the submission at all: every test fails with it and a human should look.
    """
    limits = limits or Limits()
    submission, problem = (None, problem) if problem else read_submission(submission_path)
    nb, flags = rebuild(source_nb, release_nb, submission)
    result = SubmissionResult(nb, flags=flags)
    if submission is None:
        result.flags.insert(0, Flag(FlagKind.UNREADABLE, problem or "unreadable"))
        for cell in filter(is_test_cell, nb.cells):
            meta = nbgrader_meta(cell)
            cell.outputs = [_error("InvalidSubmission", problem or "unreadable")]
            result.tests.append(TestOutcome(meta["grade_id"], float(meta.get("points", 0)), 0.0,
                                            problem or "unreadable"))
        return result
    runner = NotebookRunner(nb, workdir, limits, slot=slot, readonly=readonly, isolation=isolation,
                            expected=expected)
    try:
        result.tests = runner.run()
    finally:
        runner.close()
    result.isolation = runner.isolation
    result.flags += runner.flags
    result.values = runner.plain_values()
    if runner.failure:
        result.flags.append(Flag(FlagKind.STOPPED,
                                 f"the submission's process was stopped: {runner.failure}"))
    return result
