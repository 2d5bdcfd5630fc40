"""The serial xdist group really groups: slow tests run one after another on one worker.

pytest-xdist's ``--dist loadgroup`` only groups when the ``xdist_group`` marks exist
before its own collection hook runs and when it can append the group to the node id
(pytest 9.2 stopped that: pytest-dev/pytest-xdist#1386). Either failing, the tests that
start servers and clusters silently run in parallel and compete for the two cores.
"""
from __future__ import annotations

import pytest


@pytest.mark.slow
def test_a_slow_test_runs_in_the_serial_group(request):
    if not getattr(request.config.option, "loadgroup", False):
        return  # not under `pytest -n … --dist loadgroup` (e.g. `-n 0`): nothing to group
    assert request.node.nodeid.endswith("@serial"), request.node.nodeid
