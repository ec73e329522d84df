"""The grader's float32 tolerance separates right from wrong implementations, with margin.

Every catalogued right loss implementation (tests/catalog/*_right.py) differs from the float64
reference by rounding only: at least ten times below the limit on float32 CIFAR-10-sized data.
Every wrong one whose values differ at all differs by at least ten times the limit. The
figures are the ones benchmarks/tolerances.py tabulates.
"""

import pytest

from benchmarks.tolerances import LOSSES, catalogs, dev_data, measure
from cs231n_utils.grading import tolerance_for


@pytest.fixture(scope="module")
def measured():
    X, y = dev_data(n=200)
    return X, [r for a, entries in catalogs().items() for r in measure(a, entries, X, y)]


@pytest.mark.parametrize("assignment", sorted(LOSSES))
def test_right_implementations_are_far_below_the_limit(measured, assignment):
    X, rows = measured
    right = [r for r in rows if r.assignment == assignment and r.right]
    assert len(right) >= 15, f"{assignment}: only {len(right)} right loss implementations measured"
    limit = tolerance_for(X)
    worst = max(right, key=lambda r: r.error)
    assert worst.error < limit / 10, (
        f"{worst.entry} ({worst.function}) is {worst.error:.2e} from the reference, "
        f"within 10x of {limit:.1e}")


@pytest.mark.parametrize("assignment", sorted(LOSSES))
def test_wrong_values_are_far_above_the_limit(measured, assignment):
    X, rows = measured
    limit = tolerance_for(X)
    for r in rows:
        if r.assignment == assignment and not r.right and r.error > limit:
            assert r.error > 10 * limit, f"{r.entry} ({r.function}) is only {r.error:.2e} from the reference"
