"""The throwaway PostgreSQL cluster of the tests is stopped even when the run is killed."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pg_cluster import _bin_dir

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import signal
from tests.pg_cluster import throwaway_cluster
with throwaway_cluster() as url:
    print(url, flush=True)
    signal.pause()  # until the test's SIGTERM arrives
"""


@pytest.mark.postgresql
@pytest.mark.skipif(_bin_dir() is None, reason="PostgreSQL is not installed")
def test_sigterm_stops_and_removes_the_cluster():
    child = subprocess.Popen([sys.executable, "-c", SCRIPT], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env={**os.environ})
    try:
        url = child.stdout.readline().strip()
        assert url.startswith("postgresql+psycopg://"), child.stderr.read()
        port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # the server is up
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
    # The child exits only after `pg_ctl stop -w` returned, i.e. after the server is gone.
    assert child.returncode is not None
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        pass
    else:
        pytest.fail(f"PostgreSQL still listens on port {port} after SIGTERM")
