"""Engine settings per database: SQLite gets WAL, foreign keys and a busy timeout."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, has_request_context, request

from .extensions import db


def configure_engine(app: Flask) -> None:
    """Attach the per-connection settings to the app's engine (SQLite only; PostgreSQL needs none)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    busy_ms = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record) -> None:
        # Let SQLAlchemy, not the driver, issue BEGIN, so transactions behave as written.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cur.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _sqlite_begin(conn) -> None:
        # A request that may write takes the write lock up front: a deferred transaction
        # that read first could not upgrade to a writer after another commit (WAL
        # snapshot) and would fail with "database is locked" instead of waiting.
        writes = has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
