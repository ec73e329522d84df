"""The test suite's own machinery: the xdist groups the expensive fixtures rely on hold."""

from __future__ import annotations

import os

import pytest


@pytest.mark.xdist_group("suite-probe")
def test_xdist_groups_take_effect(request):
    """Under ``--dist loadgroup`` a grouped test's id carries its group (how xdist keeps a group
    on one worker); with pytest 9.2 and xdist 3.8 it does not, and every group is split."""
    if not os.environ.get("PYTEST_XDIST_WORKER") or not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run by pytest-xdist with --dist loadgroup")
    assert request.node.nodeid.endswith("@suite-probe"), (
        f"{request.node.nodeid}: pytest-xdist did not tag the test with its group, so groups are split "
        "across workers (see the pytest pin in pyproject.toml)")


@pytest.mark.parametrize(("cores", "workers", "expected"),
                         [(2, "2", 1), (8, "2", 4), (3, "2", 1), (1, "4", 1), (4, None, 4)])
def test_grading_takes_the_workers_share_of_the_cores(monkeypatch, cores, workers, expected):
    """A test grades as many submissions at once as its xdist worker's share of the cores (at least one)."""
    from . import conftest

    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cores)), raising=False)
    if workers is None:
        monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT", raising=False)
    else:
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", workers)
    assert conftest._cores_per_worker() == expected


@pytest.mark.parametrize("spare", [False, True])
def test_grade_alongside_runs_both_and_shares_the_cores(monkeypatch, spare):
    """Without a spare core the other task runs after the batch, which takes every core; with cores
    to spare it runs meanwhile, and the batch leaves it one."""
    from . import conftest

    monkeypatch.setattr(conftest, "GRADING_WORKERS", 3 if spare else 1)
    order = []
    graded, other = conftest.grade_alongside(lambda w: order.append(("grade", w)) or w,
                                             lambda: order.append(("other",)) or "plain")
    assert other == "plain"
    assert graded == (2 if spare else 1)
    if not spare:
        assert order == [("grade", 1), ("other",)]
    else:
        assert sorted(order) == [("grade", 2), ("other",)]
