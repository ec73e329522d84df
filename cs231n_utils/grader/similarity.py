"""Code similarity per answer cell: pairs of students (and student-reference pairs) ranked by how
much of their code matches, starter code excluded. Instructor side only; nothing here changes a
grade. ``cs231n-kit similarity`` runs :func:`run`; :mod:`.similarity_report` writes the files.

What is compared
    Each code answer cell (nbgrader grade_id) of every student with the same cell of every other
    student, and with the reference solutions the instructor supplies: a notebook's cell of the
    same grade_id; a ``.py`` file, or a notebook without the assignment's grade_ids, against every
    cell (:mod:`.similarity_cells`). The released starter code of the cell is removed first, token
    run by token run, and the fingerprints of every code cell of the released notebook (starter,
    demonstrations, visible tests) never count as a match. The ``overall`` pair of two owners pools
    the cells both have compared.

The engine: copydetect (:mod:`.similarity_engine`)
    `copydetect <https://github.com/blingenf/copydetect>`_ (MIT, on PyPI, 0.5) implements MOSS's
    winnowing: Pygments tokenizes the code, identifiers become ``V``/``F``, strings ``S``, comments
    and whitespace go, and the k-grams of what is left are hashed into fingerprints. Renaming,
    reformatting and rewriting comments change no fingerprint; reordering statements or inlining a
    helper breaks only the k-grams across the seams. It takes code from memory
    (``CodeFingerprint(fp=...)``), compares two fingerprints (``compare_files``: each side's
    matched share and the matching regions, which the HTML page marks) and drops boilerplate
    fingerprints (``boilerplate=``). Alternatives looked at: ``pycode_similar`` (AST diff per
    function: needs code that parses, one function at a time, last release 2020), ``difflib``
    (a sequence diff: fooled by renaming, no fingerprints to reuse across pairs), JPlag (the
    other standard, token-based engine, but a Java program to install and drive through files)
    and MOSS itself (a web service: student code leaves the machine). copydetect is the one that
    is a maintained Python library doing MOSS's algorithm.

Similarity of a pair in one cell
    copydetect gives, for each side, the share of its code (after filtering) found in the
    other. ``similarity`` is the larger share (a copy padded with code of its own is still a copy);
    against a whole reference document, the student's share. ``overall`` is the larger of the two
    pooled shares (matched code over all code, summed over the cells both have compared).

Settings (:class:`~.similarity_engine.Settings`), calibrated on tests/test_similarity.py
    k (``noise``) = 30 characters of filtered code, about two short lines; every k-gram is kept
    (window 1: cells are short, winnowing would only add sampling noise). ``min_tokens`` = 80: a
    cell whose code, starter removed, has fewer Pygments tokens (comments and layout not counted,
    a string one token) is not compared. Short answers that start from the same starter look alike
    without any copying: the SVM score cell written plainly (``return X.dot(W) + b`` and the bias
    trick with ``np.hstack``/``np.vstack``) is 70-72 tokens, and eight students writing it alike
    would all be flagged at 1.0; a loss is 110-200 tokens, a training cell 100-185. ``threshold`` =
    0.6. On the proof class (the SVM catalog's independent right implementations and disguised
    copies of them) every copy ranks above every independent pair in its cell, by a margin of
    0.08 (naive loss: a copy with all three independent statement pairs of a 15-line loop swapped,
    0.52, against 0.44), 0.32 (vectorized loss), 0.47 (training) and 0.80 (tuning); at 0.6 no
    independent pair is flagged and every copy is but that reordered loop.

Common code: MOSS's ``-m`` (``max_shared``, ``--max-shared``)
    Code that the task pins down (the canonical double loop of a naive loss, the grid loop of a
    tuning cell, the functions the softmax notebook says to paste from the SVM one) is written
    alike by many students who copied nobody, and it inflates every pair that shares it. As MOSS
    does with ``-m``, a fingerprint found in more than ``max_shared`` of a cell's answers (each
    answer counted once, reference documents not counted) is common code: it joins the cell's
    boilerplate before any pair is compared, and so counts neither as a match nor in a share's
    code. The cost is MOSS's too: a group of more than ``max_shared`` students handing in one
    solution is common code as well, against the references too; raise ``--max-shared`` (the
    class size turns the rule off) to look for a widely copied public solution.

    Default ``max(10, ceil(0.1 * students))`` (:func:`~.similarity_engine.default_max_shared`):
    MOSS's 10 up to 100 students, a tenth of a larger class. Measured on the benchmark's
    synthetic class of 300 (benchmarks/run.py: each answer one of 16 catalog styles, groups of
    8 to 27 students writing the same one), in the three loop cells: with the rule off 3,578 /
    2,656 / 3,926 pairs are flagged, of which 2,298 / 2,224 / 2,300 write the same style and the
    rest are two styles that share their canonical lines; at the default (30) exactly the
    same-style pairs are flagged and no pair of two styles; MOSS's fixed 10 leaves 64 flagged
    pairs in those cells (128 in all, of 22,112): every group of 11 or more writing the same code,
    3.7% of the class, is treated as common code. The tuning cell, drawn from 4 styles (about 67
    students each), is all common code at 30. On the proof classes (25 students, each style
    written once) no fingerprint is in more than 10 answers and the default changes nothing: the
    softmax catalog's naive loss keeps its inversion there (two independent styles on the same
    loop skeleton at 0.69, a fully reordered copy at 0.56). The rule separates it once the
    skeleton, found in 5 to 8 of the 25 answers, is common: every copy ranks above every
    independent pair in every compared cell of both classes at ``max_shared`` 4, 5 or 6 (softmax
    naive margin +0.085 at 4, +0.014 at 5 and 6; and at 2), not at 3 (the SVM cell compares only
    12 answers and its reordered copy keeps only seams, -0.079) nor at 7 or more (softmax naive,
    -0.11 to -0.13).
    tests/test_similarity.py uses 4 and prints every margin.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .similarity_cells import (
    ANY_CELL,
    CellCode,
    Problem,
    read_class,
    read_references,
    read_starter,
)
from .similarity_engine import CellJob, CellResult, Settings, default_max_shared, listed, run_cells

#: The grade_id of the pairs that pool every cell.
OVERALL = "overall"


@dataclass(frozen=True)
class Pair:
    """Two owners' code in one cell (or ``overall``), how much of it matches, and where."""

    a: str  #: a student
    b: str  #: a student, or ``reference:<file>``
    cell: str  #: grade_id, or ``overall``
    similarity: float  #: in [0, 1]
    flagged: bool
    a_code: str  #: a's code, starter removed (every compared cell, for ``overall``)
    b_code: str
    a_share: float = 0.0  #: share of a's code found in b's
    b_share: float = 0.0  #: share of b's code found in a's (0 for a whole reference document)
    #: matching regions (start, end) in a_code and b_code (none for ``overall``)
    a_spans: tuple[tuple[int, int], ...] = ()
    b_spans: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict:
        """The pair as similarity.json holds it (the spans: optional keys the class report reads)."""
        return {"a": self.a, "b": self.b, "cell": self.cell, "similarity": round(self.similarity, 4),
                "flagged": bool(self.flagged), "a_code": self.a_code, "b_code": self.b_code,
                "a_spans": [list(s) for s in self.a_spans], "b_spans": [list(s) for s in self.b_spans]}


@dataclass(frozen=True)
class CellSummary:
    """What happened in one cell: how many answers, how many compared, how many pairs."""

    cell: str
    answers: int  #: students with this cell
    short: int  #: of them, too short to compare
    pairs: int  #: pairs compared (students and references)
    flagged: int
    common: int = 0  #: fingerprints ignored as common code (found in more than max_shared answers)


@dataclass
class SimilarityReport:
    """The ranked pairs of an assignment, and what was and was not compared."""

    assignment: str
    settings: Settings  #: as used: ``max_shared`` is a number
    pairs: list[Pair]  #: listed pairs: per cell in notebook order, then overall; each by similarity
    cells: list[CellSummary]
    problems: list[Problem] = field(default_factory=list)

    @property
    def threshold(self) -> float:
        return self.settings.threshold

    def flagged(self) -> list[Pair]:
        return [p for p in self.pairs if p.flagged]

    @property
    def max_shared(self) -> int:
        """Code found in more of a cell's answers than this was ignored as common code."""
        return int(self.settings.max_shared or 0)

    def to_dict(self) -> dict:
        """similarity.json: ``{"assignment", "threshold", "pairs": [...], "max_shared"}``."""
        return {"assignment": self.assignment, "threshold": self.threshold,
                "pairs": [p.to_dict() for p in self.pairs], "max_shared": self.max_shared}


# -- the class ------------------------------------------------------------------------------------

def compare(assignment: str, students: Iterable[CellCode], references: Iterable[CellCode],
            starter: dict[str, str], settings: Settings | None = None,
            problems: Iterable[Problem] = (), given: Sequence[str] = ()) -> SimilarityReport:
    """Rank the pairs of every answer cell of ``starter`` and overall.

    Parameters
    ----------
    assignment : str
        Its name, for the report.
    students, references : iterable of CellCode
        The class's answer cells and the reference documents, starter code removed
        (:mod:`.similarity_cells`).
    starter : dict grade_id -> str
        The released answer cells, in notebook order: the cells compared and the boilerplate.
    settings : Settings, optional
        Its ``max_shared`` None: :func:`~.similarity_engine.default_max_shared` of the number of
        students (the report's settings hold the number used).
    problems : iterable of Problem
        What could not be read, carried into the report.
    given : sequence of str
        Further code the notebook gives (its other code cells): boilerplate too.
    """
    settings = settings or Settings()
    students, references = list(students), list(references)
    if settings.max_shared is None:
        settings = replace(settings, max_shared=default_max_shared(len({c.owner for c in students})))
    by_cell: dict[str, dict[str, CellCode]] = {g: {} for g in starter}
    for c in students:
        if c.grade_id not in by_cell:
            raise ValueError(f"expected student cells among {list(starter)}, got {c.grade_id!r} of {c.owner}")
        by_cell[c.grade_id][c.owner] = c
    jobs, summaries_short = [], {}
    for g, owners in by_cell.items():
        long = {s: c.code for s, c in sorted(owners.items()) if c.size() >= settings.min_tokens}
        summaries_short[g] = len(owners) - len(long)
        refs = tuple((c.owner, c.code, c.grade_id == ANY_CELL) for c in references
                     if c.grade_id in (g, ANY_CELL) and c.size() >= settings.min_tokens)
        boilerplate = tuple(dict.fromkeys([*starter.values(), *given]))
        jobs.append(CellJob(g, tuple(long), tuple(long.values()), refs, boilerplate, settings))
    results = run_cells(jobs, settings.workers)

    pairs: list[Pair] = []
    cells: list[CellSummary] = []
    for g, job, res in zip(starter, jobs, results):
        ranked = _cell_pairs(job, res, settings)
        n, r = len(job.students), len(job.refs)
        compared = n * (n - 1) // 2 + n * r
        cells.append(CellSummary(g, len(by_cell[g]), summaries_short[g], compared,
                                 sum(p.flagged for p in ranked), res.common))
        pairs += ranked
    overall = _overall_pairs(jobs, results, settings)
    owners = len({c.owner for c in students})
    cells.append(CellSummary(OVERALL, owners, 0, 0, sum(p.flagged for p in overall)))
    return SimilarityReport(assignment, settings, pairs + overall, cells, list(problems))


def _cell_pairs(job: CellJob, res: CellResult, settings: Settings) -> list[Pair]:
    """The listed pairs of one cell, ranked."""
    out = []
    for key, (a_spans, b_spans) in res.spans.items():
        i, j = key
        if isinstance(j, str):  # a reference
            k = int(j[1:])
            owner, code, _ = job.refs[k]
            a_share, b_share = res.ref_share[i, k], res.ref_back[i, k]
        else:
            owner, code = job.students[j], job.codes[j]
            a_share, b_share = res.share[i, j], res.share[j, i]
        sim = float(max(a_share, b_share))
        out.append(Pair(job.students[i], owner, job.cell, sim, bool(sim >= settings.threshold), job.codes[i],
                        code,
                        float(a_share), float(b_share), a_spans, b_spans))
    return sorted(out, key=lambda p: (-p.similarity, p.a, p.b))


def _overall_pairs(jobs: Sequence[CellJob], results: Sequence[CellResult], settings: Settings) -> list[Pair]:
    """Pairs over every cell both owners have compared: the pooled matched share, ranked."""
    students = sorted({s for job in jobs for s in job.students})
    refs = sorted({owner for job in jobs for owner, _, _ in job.refs})
    where = {s: i for i, s in enumerate(students)}
    ref_at = {o: k for k, o in enumerate(refs)}
    n, r = len(students), len(refs)
    # matched[i, j]: i's code found in j's, total[i, j]: i's code, over the cells both have compared
    matched, total = np.zeros((n, n)), np.zeros((n, n))
    r_matched, r_total = np.zeros((n, r)), np.zeros((n, r))
    rb_matched = np.zeros((n, r))  # the reference's own share (cell-matched references only)
    r_own = np.zeros((n, r))
    codes: dict[str, list[str]] = {o: [] for o in students + refs}
    for job, res in zip(jobs, results):
        idx = np.array([where[s] for s in job.students], dtype=int)
        cov = res.coverage
        both = np.ix_(idx, idx)
        matched[both] += res.share * cov[:, None]
        total[both] += np.broadcast_to(cov[:, None], res.share.shape)
        for s, code in zip(job.students, job.codes):
            codes[s].append(f"# --- {job.cell}\n{code}")
        for k, (owner, code, whole) in enumerate(job.refs):
            col = ref_at[owner]
            r_matched[idx, col] += res.ref_share[:, k] * cov
            r_total[idx, col] += cov
            if not whole:
                rb_matched[idx, col] += res.ref_back[:, k]  # unweighted: a reference's coverage is not kept
                r_own[idx, col] += 1
                codes[owner].append(f"# --- {job.cell}\n{code}")
            elif not codes[owner]:
                codes[owner].append(code)
    np.fill_diagonal(total, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, matched / total, 0.0)
        r_share = np.where(r_total > 0, r_matched / r_total, 0.0)
        r_back = np.where(r_own > 0, rb_matched / np.maximum(r_own, 1), 0.0)
    sim = np.triu(np.maximum(share, share.T), 1)
    out = []
    for flat in listed(sim, settings):
        i, j = divmod(int(flat), n)
        out.append(Pair(students[i], students[j], OVERALL, float(sim[i, j]),
                        bool(sim[i, j] >= settings.threshold),
                        "\n".join(codes[students[i]]), "\n".join(codes[students[j]]),
                        float(share[i, j]), float(share[j, i])))
    rsim = np.maximum(r_share, r_back)
    for flat in listed(rsim, settings) if r else []:
        i, k = divmod(int(flat), r)
        out.append(Pair(students[i], refs[k], OVERALL, float(rsim[i, k]),
                        bool(rsim[i, k] >= settings.threshold),
                        "\n".join(codes[students[i]]), "\n".join(codes[refs[k]]),
                        float(r_share[i, k]), float(r_back[i, k])))
    return sorted(out, key=lambda p: (-p.similarity, p.a, p.b))


def run(course_root: Path, assignment: str, reference: Path | None = None,
        settings: Settings | None = None) -> SimilarityReport:
    """Compare the class's submissions of ``assignment`` (and the references in ``reference``).

    Reads ``assignments/<assignment>/*.ipynb`` (the starter code) and
    ``submitted/<student>/<assignment>/``; writes nothing (:mod:`.similarity_report` does).

    Raises
    ------
    ValueError
        When the assignment is not released, nobody submitted it, or ``reference`` holds no
        reference solution.
    """
    course_root = Path(course_root)
    release = course_root / "assignments" / assignment
    if not release.is_dir():
        raise ValueError(f"expected the released notebooks in {release}: run "
                         f"`cs231n-kit release {assignment}`")
    starter = read_starter(release)
    students, problems = read_class(course_root, assignment, starter)
    if not students and not problems:
        raise ValueError(f"nothing to compare: no submitted/<student>/{assignment}/ folder in {course_root}")
    references, more = read_references(Path(reference), starter) if reference is not None else ([], [])
    return compare(assignment, students, references, dict(starter.cells), settings, problems + more,
                   starter.given)
