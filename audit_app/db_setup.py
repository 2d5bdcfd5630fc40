"""Engine settings per database (SQLite: WAL, foreign keys, a busy timeout, ``BEGIN IMMEDIATE``
for writing requests), and :func:`write_aside` for bookkeeping that a reading request does."""
from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, request
from sqlalchemy.orm import Session

from .extensions import db

log = logging.getLogger(__name__)

#: Connection option that makes a SQLite transaction take the write lock at BEGIN.
_IMMEDIATE = "audit_app_immediate"


def request_writes() -> bool:
    """Whether the current request may write (anything but GET, HEAD, OPTIONS): such a
    request's transaction is a writer from its start (``BEGIN IMMEDIATE`` on SQLite)."""
    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")


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
        # Forgiving search (services/folding.py): the same folding as PostgreSQL's SQL.
        from .services.folding import search_key

        dbapi_conn.create_function("aiz_search_key", 1, search_key, deterministic=True)
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
        # A reading request's transaction never writes; see write_aside().
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # no transaction (a migration's autocommit block: PRAGMA foreign_keys)
        writes = request_writes() or options.get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def write_aside(work: Callable[[Session], None], *, timeout_ms: int) -> bool:
    """Run ``work(session)`` in a short write transaction of its own and commit it at once;
    True when committed, False (nothing written, logged) when the database stayed busy for
    ``timeout_ms``.

    For the bookkeeping a *reading* request does (an API token's ``last_used_at``, a
    session restored from a remember-me cookie): it must not write in the request's own
    transaction, which on SQLite is a deferred reader that cannot become a writer once
    another connection has committed ("database is locked", answered 503). Here the write
    gets its own connection and transaction (SQLite: ``BEGIN IMMEDIATE`` with a busy
    timeout of ``timeout_ms``; PostgreSQL: ``lock_timeout``), so a busy database costs the
    request at most ``timeout_ms`` and never its answer. A *writing* request already holds
    the write lock, so there ``work`` runs in the request's session and is committed at
    once (a second connection would wait for that very lock).
    """
    if request_writes():
        work(db.session)
        db.session.commit()
        return True
    engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        conn.execution_options(**{_IMMEDIATE: True})
        driver = conn.connection.driver_connection if sqlite else None
        if sqlite:
            driver.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
        try:
            with Session(bind=conn) as session:
                if not sqlite:
                    session.execute(sa.text(f"SET LOCAL lock_timeout = '{int(timeout_ms)}ms'"))
                work(session)
                session.commit()
            return True
        except sa.exc.OperationalError as exc:
            log.info("bookkeeping write skipped, database busy: %s", type(exc.orig).__name__)
            return False
        finally:
            if sqlite:
                driver.execute(
                    f"PRAGMA busy_timeout = {int(current_app.config['SQLITE_BUSY_TIMEOUT_MS'])}")
