"""Every catalog bundle graded twice gets the same verdict, requirement by requirement.

A verdict must be a function of the submission's code: not of the order jobs run in, the number
of workers, the grading process's random state or the randomness a submission draws for itself
(a student who seeds NumPy, or draws weights, in a cell the tests also run). Each assignment's
catalog (its wrong and right bundles, the entries right but for one requirement, the reference and
the blank version: every submission tests/test_catalogs.py grades) is graded twice, the second time
with one worker instead of two (another order), and every requirement of every test cell must come
out the same: passed or not, and its share.

Grading every catalog twice costs as much as the catalogs themselves, more than the README's test
command can spend (it keeps to about 12 minutes on 2 cores), so this module is a step of its own in
``.ci/run``: set ``CS231N_CATALOG_TWICE=1`` to run it.
"""

from __future__ import annotations

import os

import pytest

from cs231n_utils.grader.batch import grade_class

from .catalog.harness import REFERENCE, grade_written, write_course
from .catalog.specs import BLANK, SPECS, CatalogSpec
from .test_catalogs import blank_entry

pytestmark = pytest.mark.skipif(os.environ.get("CS231N_CATALOG_TWICE") != "1",
                                reason="grades every catalog twice (a step of its own in .ci/run): "
                                       "set CS231N_CATALOG_TWICE=1")


def _verdicts(graded) -> dict[str, dict[str, list]]:
    """Student -> test cell -> [score, [(requirement, share, passed), ...]]; and its review flag."""
    out = {}
    for student, report in graded.items():
        out[student] = {"needs_review": report.needs_review,
                        **{t.grade_id: [t.score, [(q.what, q.share, q.passed) for q in t.requirements]]
                           for t in report.tests}}
    return out


@pytest.mark.parametrize("spec", list(SPECS.values()), ids=lambda s: s.assignment)
def test_grading_the_catalog_again_gives_the_same_verdicts(spec: CatalogSpec, tmp_path):
    root = write_course(spec.assignment, [*spec.submissions(quick=True), blank_entry(spec)], tmp_path)
    first = _verdicts(grade_written(root, spec.assignment, workers=2))
    again = grade_class(root, spec.assignment, workers=1, progress=False, dataset="digits", fresh=True,
                        record=False)
    second = _verdicts({r.student: r for r in again})
    assert set(first) == set(second)
    differ = {student: {test: (first[student][test], second[student].get(test))
                        for test in first[student] if first[student][test] != second[student].get(test)}
              for student in first if first[student] != second[student]}
    assert not differ, f"{spec.assignment}: verdicts that changed on a second grading: {differ}"
    # Both gradings graded: the solution keeps every requirement, the blank version earns nothing.
    for run in (first, second):
        tests = {k: v for k, v in run[REFERENCE].items() if k != "needs_review"}
        assert tests and all(passed for _, reqs in tests.values() for _, _, passed in reqs)
        assert sum(v[0] for k, v in run[BLANK].items() if k != "needs_review") == 0
