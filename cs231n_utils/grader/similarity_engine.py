"""The similarity engine: copydetect's fingerprints of one answer cell's code, every pair compared.

The worker side of :mod:`.similarity`: a :class:`CellJob` (the codes of one cell, starter code
already removed, and the notebook's own code, whose fingerprints never count) in, a
:class:`CellResult` (the shares of matching code of every pair, and the matching regions of the
pairs worth listing) out. Each code is fingerprinted once; the starter's fingerprints, then those
found in more than ``max_shared`` of the cell's answers (MOSS's ``-m``: common code, see
:mod:`.similarity`), are dropped; and each pair is compared with ``copydetect.compare_files``;
pairs that share no fingerprint are skipped without a call.

copydetect hashes k-grams with Python's ``hash()``, which is seeded per process; with a winnowing
window wider than 1 (``guarantee > noise``) which fingerprints are kept, and so the scores, would
change from run to run (by up to 0.024 on the test class). :func:`run_cells` therefore
runs the jobs in fresh Python processes started with ``PYTHONHASHSEED=0``: the same class gives
the same scores every time, and the workers use the machine's cores (one cell per job). The
workers read student code as text; they never run it. This module imports neither nbformat nor
the rest of the grader, so a worker starts in the time copydetect takes to import.
"""

from __future__ import annotations

import copy
import io
import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Settings:
    """How code is compared and what is flagged."""

    threshold: float = 0.6  #: a pair at or above this similarity is flagged
    min_tokens: int = 80  #: a cell with fewer tokens (starter removed) is not compared
    noise: int = 30  #: shortest match counted, in characters of copydetect's filtered code (its k)
    #: a match this long is always found; the winnowing window is guarantee - noise + 1 (1: every k-gram)
    guarantee: int = 30
    top: int = 20  #: unflagged pairs listed per cell besides the flagged ones (the rest are counted)
    workers: int = 2  #: processes comparing cells at once
    #: MOSS's ``-m``: a fingerprint found in more of a cell's submissions than this is common code,
    #: ignored like the starter; None: :func:`default_max_shared` of the class size
    max_shared: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"the threshold is a share of code in (0, 1], got {self.threshold}")
        if self.guarantee < self.noise or self.noise < 1:
            raise ValueError(f"expected 1 <= noise <= guarantee, got noise={self.noise}, "
                             f"guarantee={self.guarantee}")
        if self.min_tokens < 0 or self.top < 0 or self.workers < 1:
            raise ValueError(f"expected min_tokens >= 0, top >= 0 and workers >= 1, got {self.min_tokens}, "
                             f"{self.top} and {self.workers}")
        if self.max_shared is not None and self.max_shared < 2:
            raise ValueError(f"expected max_shared >= 2 (code in more submissions than this is ignored; "
                             f"1 would ignore every match), got {self.max_shared}")


#: MOSS's default ``-m``: code in more than 10 submissions is common code.
MOSS_MAX_SHARED = 10
#: ... and, in a large class, code in more than this share of the submissions.
SHARED_SHARE = 0.1


def default_max_shared(students: int) -> int:
    """``max(10, ceil(0.1 * students))``: the ``max_shared`` of a class of ``students``.

    MOSS's 10 in a class of up to 100; in a larger one, a tenth of the class, so that a group
    of 11 students handing in one solution (of a class of 300) is still compared, not ignored
    (:mod:`.similarity` gives the measurements).
    """
    if students < 0:
        raise ValueError(f"expected a number of students >= 0, got {students}")
    return max(MOSS_MAX_SHARED, math.ceil(SHARED_SHARE * students))

@dataclass(frozen=True)
class CellJob:
    """One answer cell of the class to compare."""

    cell: str  #: grade_id
    students: tuple[str, ...]  #: the students compared in this cell
    codes: tuple[str, ...]  #: their code, starter removed, in the same order
    refs: tuple[tuple[str, str, bool], ...]  #: (owner, code, is a whole document) of each reference
    boilerplate: tuple[str, ...]  #: starter sources whose fingerprints never count
    settings: Settings  #: its ``max_shared`` set (a number, not None)


@dataclass(frozen=True)
class CellResult:
    """The shares of matching code of every pair of one cell, and where the listed pairs match."""

    cell: str
    share: np.ndarray  #: (n, n): share[i, j] of student i's code found in student j's
    coverage: np.ndarray  #: (n,): each student's fingerprinted code (copydetect's token_coverage)
    ref_share: np.ndarray  #: (n, R): student i's share found in reference r
    ref_back: np.ndarray  #: (n, R): reference r's share found in student i (0 for a whole document)
    #: (i, j) or (i, "r<k>") of the pairs to list -> (spans in i's code, spans in the other's)
    spans: dict
    common: int = 0  #: fingerprints ignored as common code (in more than max_shared submissions)

def _fingerprint(code: str, settings: Settings, window: int | None = None):
    """copydetect's fingerprint of ``code``: every k-gram hash and where it starts, nothing removed."""
    from copydetect import CodeFingerprint

    window = settings.guarantee - settings.noise + 1 if window is None else window
    return CodeFingerprint("cell.py", settings.noise, window, fp=io.StringIO(code), language="python")


def _without(fp, ignored: set):
    """``fp`` without the fingerprints in ``ignored``: as copydetect's ``boilerplate=`` would leave it.

    copydetect drops boilerplate after winnowing and counts only the code the remaining
    fingerprints cover (``token_coverage``), so a share is of the code that is neither starter nor
    common. Done here rather than through ``boilerplate=`` for two reasons: the fingerprints are
    computed once (Pygments is most of their cost) and filtered twice, by the starter and then by
    what the class has in common; and copydetect 0.5 matches boilerplate with
    ``np.intersect1d(..., assume_unique=True)`` on a hash list that repeats a k-gram written twice,
    which drops one occurrence of every repeated k-gram even when it is no boilerplate.
    """
    from copydetect.utils import get_token_coverage

    kept = fp.hashes - ignored
    if len(kept) == len(fp.hashes):
        return fp
    out = copy.copy(fp)
    out.hashes = kept
    out.hash_idx = {h: fp.hash_idx[h] for h in kept}
    out.token_coverage = get_token_coverage(out.hash_idx, fp.k, len(fp.filtered_code))
    return out


def common_fingerprints(prints: Sequence, max_shared: int) -> set:
    """The hashes found in more than ``max_shared`` of ``prints`` (each print counted once)."""
    counts = Counter(h for p in prints for h in p.hashes)
    return {h for h, n in counts.items() if n > max_shared}


def _spans(slices: np.ndarray, length: int) -> tuple[tuple[int, int], ...]:
    """copydetect's slices (2, M) as (start, end) pairs within a text of ``length`` characters."""
    if np.size(slices) == 0:
        return ()
    return tuple((int(s), min(int(e), length)) for s, e in zip(slices[0], slices[1]) if int(s) < length)


def listed(sim: np.ndarray, settings: Settings) -> np.ndarray:
    """Flat indices of ``sim`` to list: every flagged one, and the ``top`` highest (above 0)."""
    flat = sim.ravel()
    order = np.argsort(-flat, kind="stable")
    keep = [i for i in order[: settings.top] if flat[i] > 0]
    keep += [i for i in order[settings.top:] if flat[i] >= settings.threshold]
    return np.array(keep, dtype=int)


def compare_cell(job: CellJob) -> CellResult:
    from copydetect import compare_files

    settings = job.settings
    starter: set = set()
    for src in job.boilerplate:  # every k-gram of the starter (window 1), as copydetect's detector does
        starter |= _fingerprint(src, settings, window=1).hashes
    prints = [_without(_fingerprint(c, settings), starter) for c in job.codes]
    refs = [_without(_fingerprint(code, settings), starter) for _, code, _ in job.refs]
    # MOSS's -m: what more than max_shared of the class wrote is common code (references not counted)
    common = common_fingerprints(prints, settings.max_shared or default_max_shared(len(prints)))
    if common:
        prints = [_without(p, common) for p in prints]
        refs = [_without(p, common) for p in refs]
    n, r = len(prints), len(refs)
    share = np.zeros((n, n))
    ref_share, ref_back = np.zeros((n, r)), np.zeros((n, r))
    slices: dict = {}
    for i in range(n):
        for j in range(i + 1, n):
            if prints[i].hashes.isdisjoint(prints[j].hashes):
                continue
            _, (share[i, j], share[j, i]), slices[i, j] = compare_files(prints[i], prints[j])
        for k, (ref, (_, _, whole)) in enumerate(zip(refs, job.refs)):
            if prints[i].hashes.isdisjoint(ref.hashes):
                continue
            _, (ref_share[i, k], back), slices[i, f"r{k}"] = compare_files(prints[i], ref)
            ref_back[i, k] = 0.0 if whole else back
    sim = np.triu(np.maximum(share, share.T), 1)
    spans = {}
    for flat in listed(sim, settings):
        i, j = divmod(int(flat), n)
        a, b = slices[i, j]
        spans[i, j] = (_spans(a, len(job.codes[i])), _spans(b, len(job.codes[j])))
    for flat in listed(np.maximum(ref_share, ref_back), settings):
        i, k = divmod(int(flat), r)
        a, b = slices[i, f"r{k}"]
        spans[i, f"r{k}"] = (_spans(a, len(job.codes[i])), _spans(b, len(job.refs[k][1])))
    coverage = np.array([p.token_coverage for p in prints], dtype=float)
    return CellResult(job.cell, share, coverage, ref_share, ref_back, spans, len(common))


#: What a worker process runs: pickled jobs on stdin, pickled results on stdout (it reads student
#: code as text, never runs it). copydetect imports matplotlib.pyplot for its own HTML report, a
#: second of start-up the comparison never uses: the worker gives it an empty module instead.
_WORKER = ("import pickle, sys, types; sys.modules.setdefault('matplotlib.pyplot', types.ModuleType('plt')); "
           "from cs231n_utils.grader.similarity_engine import compare_cell; "
           "jobs = pickle.load(sys.stdin.buffer); "
           "pickle.dump([compare_cell(j) for j in jobs], sys.stdout.buffer)")
#: Below this many pairs in all, one worker does everything: a second costs more to start than it saves.
ONE_WORKER_PAIRS = 20_000


def _groups(jobs: Sequence[CellJob], workers: int) -> list[list[int]]:
    """Job indices split into at most ``workers`` groups of about equal work (pairs to compare)."""
    cost = [len(j.codes) * (len(j.codes) + len(j.refs)) + 1 for j in jobs]
    if sum(cost) < 2 * ONE_WORKER_PAIRS:
        workers = 1
    groups: list[list[int]] = [[] for _ in range(min(workers, len(jobs)))]
    load = [0] * len(groups)
    for i in sorted(range(len(jobs)), key=lambda i: -cost[i]):  # the biggest first, to the least loaded
        k = load.index(min(load))
        groups[k].append(i)
        load[k] += cost[i]
    return [g for g in groups if g]


def run_cells(jobs: Sequence[CellJob], workers: int) -> list[CellResult]:
    """The cells compared in ``workers`` fresh Python processes, results in job order.

    Fresh processes with ``PYTHONHASHSEED=0``: copydetect's ``hash()`` is then the same in every
    worker and every run, so the scores are reproducible.
    """
    import pickle
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    if not jobs:
        return []
    env = {**os.environ, "PYTHONHASHSEED": "0"}

    def work(group: list[int]) -> list[CellResult]:
        proc = subprocess.run([sys.executable, "-c", _WORKER], input=pickle.dumps([jobs[i] for i in group]),
                              capture_output=True, env=env, check=False)
        if proc.returncode != 0:
            tail = proc.stderr.decode(errors="replace").strip()[-2000:]
            raise RuntimeError(f"the similarity worker exited with code {proc.returncode}: {tail}")
        return pickle.loads(proc.stdout)

    groups = _groups(jobs, workers)
    results: list[CellResult | None] = [None] * len(jobs)
    with ThreadPoolExecutor(len(groups)) as pool:
        for group, out in zip(groups, pool.map(work, groups)):
            for i, res in zip(group, out):
                results[i] = res
    return results  # type: ignore[return-value]
