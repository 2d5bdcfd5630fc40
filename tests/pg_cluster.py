"""A throwaway PostgreSQL cluster for the test session (no init system needed).

initdb into a temporary folder owned by the ``postgres`` user, start it on a free port on
127.0.0.1 with fsync off, create a role and a database, and remove everything at the end.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from contextlib import contextmanager


def _bin_dir() -> str | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(candidate, "initdb")):
            return candidate
    initdb = shutil.which("initdb")
    return os.path.dirname(os.path.realpath(initdb)) if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


@contextmanager
def throwaway_cluster():
    """Yield a SQLAlchemy URL of a fresh database; stop and delete the cluster afterwards."""
    bindir = _bin_dir()
    if bindir is None:
        raise RuntimeError(
            "PostgreSQL is not installed (no initdb). Run `make test`, which installs it, or "
            "set AUDIT_APP_TEST_POSTGRES_URL to an existing server."
        )
    folder = tempfile.mkdtemp(prefix="audit-app-pg-")
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(folder, pw.pw_uid, pw.pw_gid)
    os.chmod(folder, 0o700)
    data = os.path.join(folder, "data")
    port = _free_port()
    started = False
    previous = _stop_on_sigterm()
    try:
        _as_postgres([f"{bindir}/initdb", "-D", data, "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8", "-U", "postgres"])
        _as_postgres([
            f"{bindir}/pg_ctl", "-D", data, "-w", "-l", os.path.join(folder, "log"), "start",
            "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
        ])
        started = True
        psql = [f"{bindir}/psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                "-v", "ON_ERROR_STOP=1", "-q", "-c"]
        _as_postgres([*psql, "CREATE ROLE app LOGIN CREATEDB PASSWORD 'app'"])
        _as_postgres([*psql, "CREATE DATABASE app_test OWNER app ENCODING 'UTF8'"])
        yield f"postgresql+psycopg://app:app@127.0.0.1:{port}/app_test"
    finally:
        if started:
            try:
                _as_postgres([f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"])
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(folder, ignore_errors=True)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _stop_on_sigterm():
    """Turn SIGTERM (a CI timeout, ``kill``) into KeyboardInterrupt while a cluster runs, so
    pytest unwinds and the ``finally`` above stops the server instead of leaving it behind.
    Returns the previous handler (None outside the main thread, where signals cannot be set).
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    return signal.signal(signal.SIGTERM, interrupt)
