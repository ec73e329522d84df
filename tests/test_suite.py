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
