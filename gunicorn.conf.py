"""Gunicorn settings for production: ``gunicorn -c gunicorn.conf.py`` (or ``make serve``).

The app reads its own configuration as always (instance/config.py, AUDIT_APP_* variables);
this file only says how to serve it. Every setting can be overridden by an environment
variable (GUNICORN_BIND, WEB_CONCURRENCY, ...) or on the command line.
"""
from __future__ import annotations

import json
import multiprocessing
import os
from datetime import UTC, datetime

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


wsgi_app = "audit_app:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: the requests are short and CPU-bound (pages, PDFs), the database does the
# waiting. 2 per core plus one, capped so a big host does not exhaust database connections.
workers = _int("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 8))
worker_class = "sync"
threads = 1

# A backstop against slow memory growth (e.g. in PDF libraries): a worker is replaced
# after this many requests; the jitter keeps the workers from restarting all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# The longest request (the audit report PDF) takes well under a second; a worker silent
# for `timeout` seconds is killed and replaced. `graceful_timeout` lets running requests
# finish on a restart; `keepalive` suits a reverse proxy on the same host.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# The heartbeat files live in memory, so a slow disk cannot make workers look dead.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Load the app once in the master: configuration errors stop the start at once and workers
# share the imported code. Safe because no database connection is opened while loading,
# and post_fork disposes of the engine's pool anyway (connections must never cross a fork).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"

# Only trust X-Forwarded-* (for gunicorn's own scheme detection) from the local proxy;
# the app's ProxyFix settings (PROXY_FIX_X_FOR, ...) decide what the app believes.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")  # "-" = stdout
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")  # "-" = stderr
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


class JsonAccessLogger(Logger):
    """One JSON line per request; health checks that pass are not logged.

    Only the path is logged, never the query string, headers or body (they may carry
    tokens or personal data). ``request_id`` is the app's ``X-Request-ID`` response header.
    """

    def access(self, resp, req, environ, request_time):
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.logconfig_dict
                or self.cfg.syslog):
            return
        status = int(str(resp.status).split()[0]) if resp.status else 0
        if req.path == "/healthz" and status == 200:
            return
        headers = {name.lower(): value for name, value in resp.headers}
        line = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "type": "access",
            "remote_addr": environ.get("REMOTE_ADDR", "-"),
            "method": req.method,
            "path": req.path,
            "status": status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "request_id": headers.get("x-request-id", "-"),
            "pid": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:  # noqa: BLE001 -- logging must never fail a request
            self.exception("access log failed")


logger_class = JsonAccessLogger


def post_fork(server, worker):
    """Drop any database connection inherited from the master (never share across a fork)."""
    app = worker.app.wsgi() if preload_app else None
    if app is None:
        return
    from audit_app.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
