"""The code a similarity check compares: answer cells by grade_id, less the released starter code.

Read by :mod:`.similarity`. Three sources, each turned into :class:`CellCode` records:

- the released starter code (``assignments/<assignment>/*.ipynb``, the student version): the
  source of every *code* answer cell (nbgrader ``solution`` cell) by grade_id
  (:func:`read_starter`); written answers (markdown) are not compared;
- the submissions ``submitted/<student>/<assignment>/<notebook>.ipynb``, parsed without trusting
  them as the grader does (:func:`~.rebuild.read_submission`), their answer cells matched by
  grade_id, the first copy of a duplicated cell counting (:func:`read_class`);
- a folder of reference solutions (:func:`read_references`): a notebook's answer cells are
  matched by grade_id; a ``.py`` file, or a notebook with none of the assignment's grade_ids (a
  solution found on GitHub, say), is one document compared with *every* answer cell.

Starter code is removed before anything is compared (:func:`remove_starter`): the runs of
tokens (Pygments', layout and comments ignored) that the cell shares, in order, with its released
version (the signature, the docstring, ``raise NotImplementedError()``, the given
``results = {}``) are cut out, wherever the student's line breaks fall, and so are the
starter's comment lines (``# YOUR CODE HERE``). What is left is shown in the reports as the
student's code. Whatever starter code survives (a docstring rewritten) is still discounted by the
engine, which ignores the fingerprints of every code cell of the released notebook
(:mod:`.similarity_engine`).

Whatever cannot be read is not an error for the class: it becomes a :class:`Problem` naming the
student, the notebook or cell, and what was expected, and the rest is compared.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..submissions import nbgrader_meta, strip_solution_markers
from .collect import find_submissions
from .rebuild import read_submission

#: The owner of a reference document: ``reference:<its path inside the reference folder>``.
REFERENCE_PREFIX = "reference:"
#: The grade_id of a document compared with every answer cell (a reference ``.py`` file).
ANY_CELL = ""


@dataclass(frozen=True)
class CellCode:
    """One answer cell of one owner, starter code removed."""

    owner: str  #: student id, or ``reference:<file>``
    grade_id: str  #: the answer cell's grade_id (ANY_CELL: a whole reference document)
    code: str  #: the source, starter code removed
    notebook: str = ""  #: the file it was read from (name inside the submission or reference folder)
    tokens: int = -1  #: significant tokens of ``code`` (-1: not counted yet, see :meth:`size`)

    def size(self) -> int:
        """The significant tokens of the code (:func:`count_tokens`), counted once."""
        return self.tokens if self.tokens >= 0 else count_tokens(self.code)


@dataclass(frozen=True)
class Problem:
    """Something of a submission or reference that could not be compared, and why."""

    owner: str
    message: str

    def __str__(self) -> str:
        return f"{self.owner}: {self.message}"


@dataclass(frozen=True)
class Starter:
    """The released starter code of an assignment's code answer cells."""

    cells: Mapping[str, str]  #: grade_id -> the released source of the cell
    notebooks: Mapping[str, tuple[str, ...]]  #: notebook file name -> its code answer cells' grade_ids
    #: every code cell of the released notebooks (demonstrations, visible tests): code students may
    #: take from the notebook itself, whose fingerprints never count as a match
    given: tuple[str, ...] = ()

    def sources(self, grade_id: str) -> list[str]:
        """The starter of cell ``grade_id``; of every cell for ANY_CELL (a whole reference document)."""
        return list(self.cells.values()) if grade_id == ANY_CELL else [self.cells[grade_id]]


@dataclass(frozen=True)
class Token:
    """A significant token of Python code, and where it is in the text."""

    start: int
    end: int
    text: str


def tokens(code: str) -> list[Token]:
    """The tokens of ``code`` as Pygments reads Python: no whitespace or comment, a string one token.

    Pygments reads any text (a cell that does not parse, a line cut out of a statement), which
    is what student code after starter removal can be.
    """
    from pygments.lexers import PythonLexer
    from pygments.token import Comment, String, Text

    out: list[Token] = []
    in_string = False
    for index, kind, value in PythonLexer().get_tokens_unprocessed(code):
        if kind in Text or kind in Comment or not value.strip():
            continue
        if kind in String and in_string:  # the pieces of one string literal
            out[-1] = Token(out[-1].start, index + len(value), out[-1].text + value)
        else:
            out.append(Token(index, index + len(value), value))
        in_string = kind in String
    return out


def count_tokens(code: str) -> int:
    """How many significant tokens :func:`tokens` finds in ``code``."""
    return len(tokens(code))


def _line_key(line: str) -> str:
    """A line as compared with the starter's comment lines: spaces ignored."""
    return re.sub(r"\s+", "", line)


#: Tokens of the starter found in a row (in order) in a student's code are removed; a shorter run
#: (a lone ``)`` or ``X``) is left, since it may as well be the student's.
MIN_RUN = 3


@functools.lru_cache(maxsize=256)
def _starter_texts(starter: str) -> tuple[str, ...]:
    """The token texts of a starter cell: the same few cells are matched with every submission."""
    return tuple(t.text for t in tokens(starter))


def remove_starter(source: str, starters: Iterable[str]) -> str:
    """``source`` without the code it shares with the starter, nbgrader's markers and blank runs.

    Each starter is matched with the tokens of ``source`` still left, in order (difflib's
    longest matching blocks over the token texts): every run of at least :data:`MIN_RUN` tokens in
    common is cut out, wherever the student's line breaks fall (a signature re-wrapped, a
    docstring moved). Lines left blank, and comment lines of the starter (``# YOUR CODE HERE``),
    are dropped.

    Parameters
    ----------
    source : str
        An answer cell as submitted (or a reference document).
    starters : iterable of str
        The released cell(s) whose code is not the student's (:meth:`Starter.sources`).

    Returns
    -------
    str
        What the student wrote, in order, one blank line at most between lines of code.
    """
    return _strip(source, starters)[0]


def _strip(source: str, starters: Iterable[str]) -> tuple[str, int]:
    """:func:`remove_starter`'s text, and how many tokens it kept."""
    from difflib import SequenceMatcher

    starters = list(starters)
    text = strip_solution_markers(source)
    toks = tokens(text)
    kept = [True] * len(toks)
    for starter in starters:
        left = [i for i, k in enumerate(kept) if k]
        matcher = SequenceMatcher(None, [toks[i].text for i in left], _starter_texts(starter), autojunk=False)
        for block in matcher.get_matching_blocks():
            if block.size >= MIN_RUN:
                for i in left[block.a: block.a + block.size]:
                    kept[i] = False
    pieces, pos = [], 0
    cut_lines, kept_lines = set(), set()  # lines where a token was cut, where one was kept
    for tok, keep in zip(toks, kept):
        line = text.count("\n", 0, tok.start)
        (kept_lines if keep else cut_lines).add(line)
        if not keep:
            pieces.append(text[pos: tok.start] + "\n" * tok.text.count("\n"))  # lines stay where they were
            pos = tok.end
    pieces.append(text[pos:])
    starter_comments = {_line_key(line) for s in starters for line in s.splitlines()
                        if line.strip().startswith("#")}
    out: list[str] = []
    for number, line in enumerate("".join(pieces).splitlines()):
        if number in cut_lines - kept_lines:
            continue  # starter code, and the comment after it
        if line.strip() and _line_key(line) in starter_comments:
            continue
        if not line.strip() and (not out or not out[-1].strip()):
            continue  # no leading blank line, no two in a row
        out.append(line.rstrip())
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out) + ("\n" if out else ""), sum(kept)


def _cell(owner: str, grade_id: str, source: str, starters: Iterable[str], notebook: str = "") -> CellCode:
    code, kept = _strip(source, starters)
    return CellCode(owner, grade_id, code, notebook, kept)


def read_starter(release_dir: Path) -> Starter:
    """The code answer cells of the released notebooks in ``release_dir``.

    Raises
    ------
    ValueError
        When the folder holds no notebook, or its notebooks no code answer cell.
    """
    import nbformat

    release_dir = Path(release_dir)
    paths = sorted(release_dir.glob("*.ipynb"))
    if not paths:
        raise ValueError(f"expected the released notebooks in {release_dir}, found no .ipynb there")
    cells: dict[str, str] = {}
    notebooks: dict[str, tuple[str, ...]] = {}
    given: list[str] = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        ids = []
        given += [c.source for c in nb.cells if c.cell_type == "code"]
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            if cell.cell_type == "code" and meta.get("solution") and meta.get("grade_id"):
                cells[meta["grade_id"]] = cell.source
                ids.append(meta["grade_id"])
        notebooks[path.name] = tuple(ids)
    if not cells:
        raise ValueError(f"expected nbgrader answer cells (solution: true) in {release_dir}, found none")
    return Starter(cells, notebooks, tuple(given))


def answer_sources(nb, wanted: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """(grade_id -> source of the first cell with that id, messages) for the ``wanted`` ids of ``nb``.

    ``nb`` is a notebook as :func:`~.rebuild.read_submission` returns it (untrusted: any cell may
    lack metadata). The messages say which wanted cells are missing and which appear twice.
    """
    wanted = list(wanted)
    found: dict[str, str] = {}
    twice: set[str] = set()
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if gid not in wanted:
            continue
        if gid in found:
            twice.add(gid)
            continue
        found[gid] = str(cell.get("source", ""))
    messages = [f"answer cell {g!r} is missing (expected a cell with nbgrader grade_id {g!r})"
                for g in wanted if g not in found]
    messages += [f"answer cell {g!r} appears more than once (the first copy is compared)"
                 for g in sorted(twice)]
    return found, messages


def read_class(course_root: Path, assignment: str, starter: Starter) -> tuple[list[CellCode], list[Problem]]:
    """Every student's code answer cells of ``assignment``, starter code removed.

    A student's notebook that is missing, unreadable or lacks a cell is reported as a
    :class:`Problem` and the rest of the student's cells are still compared.
    """
    cells: list[CellCode] = []
    problems: list[Problem] = []
    for student, folder in find_submissions(course_root, assignment):
        for name, ids in starter.notebooks.items():
            path = folder / name
            if not path.exists():
                problems.append(Problem(student, f"{name} is missing from submitted/{student}/{assignment}/ "
                                                 f"(its cells {', '.join(ids)} are not compared)"))
                continue
            nb, problem = read_submission(path)
            if nb is None:
                problems.append(Problem(student, f"{problem} (its cells are not compared)"))
                continue
            found, messages = answer_sources(nb, ids)
            problems += [Problem(student, f"{name}: {m}") for m in messages]
            cells += [_cell(student, g, src, starter.sources(g), name) for g, src in found.items()]
    return cells, problems


def read_references(folder: Path, starter: Starter) -> tuple[list[CellCode], list[Problem]]:
    """The reference solutions in ``folder`` (searched recursively), starter code removed.

    A notebook's answer cells are matched by grade_id (missing ones are simply not there: a
    reference may solve part of the assignment); a notebook with none of the assignment's
    grade_ids becomes one document of all its code cells, and a ``.py`` file one document, each
    compared with every answer cell (grade_id :data:`ANY_CELL`).

    Raises
    ------
    ValueError
        When ``folder`` is not a folder, or holds no ``.ipynb`` or ``.py`` file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"expected a folder of reference solutions (.ipynb, .py), got {folder}")
    paths = sorted(p for p in folder.rglob("*") if p.suffix in (".ipynb", ".py") and p.is_file()
                   and ".ipynb_checkpoints" not in p.parts)
    if not paths:
        raise ValueError(f"expected .ipynb or .py reference solutions in {folder}, found none")
    everything = starter.sources(ANY_CELL)
    cells: list[CellCode] = []
    problems: list[Problem] = []
    for path in paths:
        rel = path.relative_to(folder).as_posix()
        owner = REFERENCE_PREFIX + rel
        if path.suffix == ".py":
            cells.append(_cell(owner, ANY_CELL, path.read_text(errors="replace"), everything, rel))
            continue
        nb, problem = read_submission(path)
        if nb is None:
            problems.append(Problem(owner, f"{problem} (not compared)"))
            continue
        found, _ = answer_sources(nb, starter.cells)
        if found:
            cells += [_cell(owner, g, src, starter.sources(g), rel) for g, src in found.items()]
        else:
            code = "\n\n".join(c.source for c in nb.cells if c.get("cell_type") == "code")
            cells.append(_cell(owner, ANY_CELL, code, everything, rel))
    return cells, problems


def notebook_cells(source: Mapping[str, str], owner: str, starter: Starter) -> list[CellCode]:
    """CellCode records of answer sources given directly (grade_id -> source), starter removed."""
    unknown = sorted(set(source) - set(starter.cells))
    if unknown:
        raise ValueError(f"expected answer cells among {sorted(starter.cells)}, got {unknown}")
    return [_cell(owner, g, src, starter.sources(g)) for g, src in source.items()]
