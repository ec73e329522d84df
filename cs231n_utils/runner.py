"""Grade one submission notebook so that no code the student wrote decides its score.

The notebook that runs is rebuilt from the instructor's source: every cell comes from
``solutions/``, except the answer cells, whose text is taken from the submission by grade_id.
Then:

* answer cells and the other ungraded cells run in the sandbox (:mod:`cs231n_utils.remote`);
* cells tagged ``setup`` (imports, seed, data) run in the sandbox and here;
* test cells run here, in this clean process: the submission's functions are proxies that
  run in the sandbox and hand back plain arrays, which the tests compare.

So a submission can neither rewrite the tests nor reach the process that judges them; at
worst it returns wrong numbers. Problems with the submission itself (unreadable JSON,
duplicated or deleted answer cells, edited read-only cells, changed points) are recorded as
flags for a human, never as a crash.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import json
import symtable
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
from nbformat import NotebookNode

from .grading import cell_score
from .remote import RemoteError, RemoteFunction, SandboxClient, SandboxFailure, clean_text
from .sandbox import Limits
from .submissions import nbgrader_meta

SETUP_TAG = "setup"
OUTPUT_CAP = 64 * 1024


@dataclass
class CellOutcome:
    """What happened to one graded test cell."""

    grade_id: str
    points: float
    passed: bool
    message: str = ""
    score: float = 0.0  #: points earned: ``points`` when passed, a share with partial credit


@dataclass
class SubmissionResult:
    """The executed notebook and what a human should know about it."""

    notebook: NotebookNode
    tests: list[CellOutcome] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    needs_review: bool = False
    isolation: str = ""

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tests)


# -- reading and rebuilding ---------------------------------------------------------------------

def read_submission(path: Path) -> tuple[NotebookNode | None, str | None]:
    """Parse a submitted notebook without trusting it. Returns (notebook, problem)."""
    if Path(path).is_symlink():
        return None, f"{Path(path).name} is a symbolic link (not followed): submit the notebook itself"
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return None, f"cannot read {Path(path).name}: {exc.strerror}"
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return None, f"{Path(path).name} is not valid notebook JSON ({exc})"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return None, f"{Path(path).name} has no list of cells"
    cells = [c for c in data["cells"] if isinstance(c, dict)]
    for c in cells:
        src = c.get("source", "")
        c["source"] = "".join(src) if isinstance(src, list) else str(src)
        if not isinstance(c.get("metadata"), dict):
            c["metadata"] = {}
    return nbformat.from_dict({"cells": cells}), None


def rebuild(source_nb: NotebookNode, release_nb: NotebookNode,
            submission: NotebookNode | None) -> tuple[NotebookNode, list[str]]:
    """The notebook to grade: the source notebook with the submission's answers.

    Returns the notebook and the flags raised while matching cells.
    """
    flags: list[str] = []
    nb = nbformat.from_dict(source_nb)
    stubs = {nbgrader_meta(c).get("grade_id"): c.source for c in release_nb.cells
             if nbgrader_meta(c).get("solution")}
    released = {nbgrader_meta(c).get("grade_id"): c for c in release_nb.cells
                if nbgrader_meta(c).get("grade_id")}
    answers: dict[str, str] = {}
    if submission is not None:
        seen: dict[str, int] = {}
        for cell in submission.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            gid = meta.get("grade_id") if isinstance(meta, dict) else None
            if not isinstance(gid, str):
                continue
            seen[gid] = seen.get(gid, 0) + 1
            trusted = released.get(gid)
            if trusted is None:
                flags.append(f"unknown cell id {gid!r} in the submission (ignored)")
                continue
            if nbgrader_meta(trusted).get("solution"):
                if seen[gid] == 1:
                    answers[gid] = str(cell.get("source", ""))
            else:
                if str(cell.get("source", "")) != trusted.source:
                    flags.append(f"read-only cell {gid!r} was edited (the original was graded)")
                if meta.get("points", nbgrader_meta(trusted).get("points")) != nbgrader_meta(trusted).get(
                        "points"):
                    flags.append(f"points of {gid!r} were changed (the original points count)")
        for gid, n in seen.items():
            if n > 1:
                flags.append(f"cell {gid!r} appears {n} times (the first copy was graded)")
        for gid in stubs:
            if gid not in answers:
                flags.append(f"answer cell {gid!r} is missing from the submission")
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            gid = meta["grade_id"]
            cell.source = answers.get(gid, stubs.get(gid, cell.source))
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb, flags


#: Calls and attributes through which a cell can bind names without a statement that says so.
DYNAMIC_BINDING = frozenset({"exec", "eval", "compile", "globals", "vars", "locals", "setattr",
                             "__import__", "__dict__", "__code__", "user_ns", "user_global_ns",
                             "modules", "push", "run_cell", "run_cell_magic", "ex", "ev"})
#: Line magics that cannot bind names in the notebook (others, such as %run, can).
HARMLESS_MAGICS = frozenset({"timeit", "time", "matplotlib", "prun", "config", "load_ext",
                             "autoreload", "pip", "who", "whos"})


def _bound_names(node: ast.AST) -> set[str]:
    """Names a top-level statement binds in the notebook's namespace (not counting a plain def)."""
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            names.add(sub.id)
        elif isinstance(sub, ast.Attribute | ast.Subscript) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            base = sub.value
            while isinstance(base, ast.Attribute | ast.Subscript):
                base = base.value
            if isinstance(base, ast.Name):  # f.__code__ = ..., f.__wrapped__ = ...
                names.add(base.id)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in sub.names)
        elif isinstance(sub, ast.Global):
            names.update(sub.names)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub is not node:
            names.add(sub.name)
        elif isinstance(sub, ast.MatchAs | ast.MatchStar) and sub.name:
            names.add(sub.name)
    return names


def _dynamic(tree: ast.AST) -> bool:
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Name) and sub.id in DYNAMIC_BINDING:
            return True
        if isinstance(sub, ast.Attribute) and sub.attr in DYNAMIC_BINDING:
            return True
        if (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute)
                and sub.func.attr == "run_line_magic"):
            magic = sub.args[0] if sub.args else None
            if not (isinstance(magic, ast.Constant) and magic.value in HARMLESS_MAGICS):
                return True
    return False


def function_sources(nb: NotebookNode) -> dict[str, str | None]:
    """Source of every top-level ``def`` in the answer cells, read here (not reported by the
    sandbox), for static checks.

    A name gets its source only when the notebook can bind it in no other way: a function that
    is decorated, defined twice, also assigned, imported or bound in a nested block, or that
    lives beside code binding names dynamically (``exec``, ``globals()``, ``setattr``, ...),
    maps to None, which the checks treat as unverifiable.
    """
    out: dict[str, str | None] = {}
    tainted: set[str] = set()
    dynamic = False
    for cell in nb.cells:
        if cell.cell_type != "code" or not nbgrader_meta(cell).get("solution"):
            continue
        try:
            source = to_python(cell.source)
            tree = ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError):  # what the parser may raise
            continue
        try:
            dynamic = dynamic or _dynamic(tree)
        except RecursionError:
            dynamic = True
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.name in out or node.decorator_list:
                    tainted.add(node.name)
                out[node.name] = ast.get_source_segment(source, node) or ""
                # Names bound inside the def are local, but its defaults and decorators run here.
                for expr in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
                    if expr is not None:
                        tainted.update(_bound_names(expr))
                for sub in ast.walk(node):  # a ``global`` inside lets it rebind notebook names
                    if isinstance(sub, ast.Global):
                        tainted.update(sub.names)
            else:
                tainted.update(_bound_names(node))
                if isinstance(node, ast.ClassDef):
                    tainted.add(node.name)
    if dynamic:
        return dict.fromkeys(out)
    return {name: (None if name in tainted else src) for name, src in out.items()}


def referenced_globals(source: str) -> set[str]:
    """Global names a cell reads (module level and inside its functions)."""
    try:
        top = symtable.symtable(source, "<cell>", "exec")
    except SyntaxError:
        return set()
    names: set[str] = set()
    stack = [top]
    while stack:
        table = stack.pop()
        for sym in table.get_symbols():
            if sym.is_referenced() and (table is top or sym.is_global()):
                names.add(sym.get_name())
        stack.extend(table.get_children())
    return names


# -- execution ----------------------------------------------------------------------------------

class _GraderShell:
    """What ``get_ipython()`` returns to setup and test cells run here: only harmless magics."""

    HARMLESS = frozenset({"matplotlib", "config", "load_ext", "autoreload"})

    def run_line_magic(self, name: str, line: str, *args: Any) -> None:
        if name not in self.HARMLESS:
            raise RuntimeError(f"%{name} is not available in a test cell run by the grader")

    def run_cell_magic(self, name: str, line: str, cell: str) -> None:
        raise RuntimeError(f"%%{name} is not available in a test cell run by the grader")


def to_python(source: str) -> str:
    """IPython syntax (magics) turned into plain Python, as the kernel would."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


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


def _rubric_failures(outputs: list[NotebookNode]) -> str:
    """The ``FAILED ...`` lines a :class:`~cs231n_utils.grading.Rubric` printed, as one message."""
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    return " | ".join(line[len("FAILED "):] for line in text.splitlines() if line.startswith("FAILED "))


def _cap(text: str) -> str:
    return text if len(text) <= OUTPUT_CAP else text[:OUTPUT_CAP] + "\n[... output truncated]\n"


class NotebookRunner:
    """Runs a rebuilt notebook: sandboxed cells remotely, test cells here."""

    def __init__(self, nb: NotebookNode, workdir: Path, limits: Limits, slot: int = 0,
                 readonly: list[Path] | None = None, isolate: bool = True):
        self.nb = nb
        self.sources = function_sources(nb)
        self.client: SandboxClient | None = None
        self.failure: str | None = None
        self.local: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins,
                                      "get_ipython": lambda: _GraderShell()}
        self.remote_names: dict[str, Any] = {}  # name -> the value last imported from the sandbox
        self.functions: dict[str, RemoteFunction] = {}
        try:
            self.client = SandboxClient(workdir, limits, slot=slot, readonly=readonly,
                                        isolate=isolate)
        except SandboxFailure as exc:
            self.failure = f"the sandbox could not start: {exc}"
        except OSError as exc:
            self.failure = f"the sandbox could not start: {exc}"
        self.isolation = self.client.mode if self.client else "none"
        for name in self.sources:  # so that static checks can follow calls between them
            self._function(name)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()

    def run(self) -> list[CellOutcome]:
        outcomes = []
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type != "code":
                continue
            meta = nbgrader_meta(cell)
            is_test = bool(meta.get("grade")) and not meta.get("solution")
            if is_test:
                points = float(meta.get("points", 0))
                ok, message = self.run_local(cell, index)
                try:
                    score = cell_score(cell.outputs, points)
                except ValueError as exc:  # the test's own result is out of range
                    score, message = 0.0, str(exc)
                if ok and score < points:
                    message = message or _rubric_failures(cell.outputs)
                outcomes.append(CellOutcome(meta["grade_id"], points, ok and score >= points, message,
                                            score if ok else 0.0))
                continue
            if SETUP_TAG in cell.get("metadata", {}).get("tags", []):
                self.run_local(cell, index)
            self.run_remote(cell)
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


def grade_submission(source_nb: NotebookNode, release_nb: NotebookNode, submission_path: Path,
                     workdir: Path, limits: Limits | None = None, slot: int = 0,
                     readonly: list[Path] | None = None, isolate: bool = True,
                     problem: str | None = None) -> SubmissionResult:
    """Grade one submitted notebook; never raises for anything the submission does.

    ``problem``, when given, is a reason found before grading (e.g. the folder is a symbolic
    link) not to read the submission at all: every test fails with it and a human should look.
    """
    limits = limits or Limits()
    submission, problem = (None, problem) if problem else read_submission(submission_path)
    nb, flags = rebuild(source_nb, release_nb, submission)
    if problem:
        flags.insert(0, problem)
    result = SubmissionResult(nb, flags=flags)
    if submission is None:
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                cell.outputs = [_error("InvalidSubmission", problem or "unreadable")]
                result.tests.append(CellOutcome(meta["grade_id"], float(meta.get("points", 0)),
                                                False, problem or "unreadable"))
        result.needs_review = True
        return result
    runner = NotebookRunner(nb, workdir, limits, slot=slot, readonly=readonly, isolate=isolate)
    try:
        result.tests = runner.run()
    finally:
        runner.close()
    result.isolation = runner.isolation
    if runner.failure:
        result.flags.append(f"the submission's process was stopped: {runner.failure}")
    result.needs_review = bool(runner.failure) or any(
        "missing" in f or "appears" in f or "edited" in f or "changed" in f for f in result.flags)
    return result
