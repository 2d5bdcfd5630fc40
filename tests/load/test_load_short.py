"""The short form of the load test L1 (benchmarks/load.py; `make load` runs the full one).

gunicorn with 2 workers on 127.0.0.1, 16 clients, a few seconds of the realistic mix on
each database: no 5xx, no transport error, no lost update, and the racing saves really
raced (some got 409). The mix reads through the API with never-used tokens while others
save (the first use of a token writes ``last_used_at``; it once made reads answer 503).
"""
from __future__ import annotations

import pytest

from benchmarks import load

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_short_load_run_has_no_errors_and_no_lost_updates(backend, tmp_path):
    if backend == "postgresql":
        # The load instance gets a cluster of its own (about 1.5 s): its gunicorn workers
        # must not share the test session's database.
        from tests.pg_cluster import throwaway_cluster

        with throwaway_cluster() as url:
            result = load.run_backend(backend, url, tmp_path, duration=4, clients=16,
                                      max_requests=5000)
    else:
        result = load.run_backend(backend, "", tmp_path, duration=4, clients=16,
                                  max_requests=5000)
    print(load.format_row(result))
    assert result["server_errors_5xx"] == 0, result["error_samples"]
    assert result["errors"] == 0, result["error_samples"]
    assert result["lost_updates"] == 0, result["lost_update_samples"]
    assert result["requests"] > 16 and result["saves_acknowledged"] > 0
    assert result["fresh_token_reads"] > 16 and result["token_reads"] >= result["fresh_token_reads"]
    assert result["hello_rps"] > 0
