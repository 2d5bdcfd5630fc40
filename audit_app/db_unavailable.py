"""A database that cannot be reached answers 503 (page or JSON), not a 500 with a trace.

Registered for SQLAlchemy's OperationalError, InterfaceError and DBAPIError. Only errors
that mean "the server is gone or refuses connections" become 503; anything else (a bad
query, a constraint) keeps the generic 500 path of ``errors.py``. The pool (with
``pool_pre_ping`` on PostgreSQL) reconnects by itself once the server is back.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, make_response, request

from . import errors
from .extensions import db

log = logging.getLogger(__name__)

#: SQLSTATE classes meaning "connection" (08), "operator intervention" (57: shutdown,
#: cannot connect now) and "insufficient resources" (53: too many connections).
_UNAVAILABLE_SQLSTATE = ("08", "57", "53")
#: SQLite messages meaning the file is busy or unreachable, not that the query is wrong.
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk i/o error",
                       "database or disk is full", "readonly database")


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database cannot be reached (rather than a bad query)."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, sa.exc.InterfaceError):
        return True
    if not isinstance(exc, sa.exc.OperationalError):
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if sqlstate:
        return str(sqlstate).startswith(_UNAVAILABLE_SQLSTATE)
    message = str(exc.orig).lower()
    if "sqlite" in type(exc.orig).__module__:
        return any(m in message for m in _SQLITE_UNAVAILABLE)
    # psycopg raises OperationalError without SQLSTATE when it cannot connect at all.
    return True


def _rollback() -> None:
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:  # the connection is gone: drop the session's state
        db.session.close()


def _forget_user() -> None:
    """Treat the request as anonymous if its user could not be loaded.

    Rendering the error page asks for the user's language; without this Flask-Login would
    try to load the user again from the database that just failed.
    """
    from .request_user import forget_unloaded_user

    forget_unloaded_user()


def handle_database_error(exc: sa.exc.DBAPIError):
    """503 for an unreachable database, the generic 500 for any other database error."""
    _rollback()
    _forget_user()
    if not is_unavailable(exc):
        log.exception("unhandled database error on %s %s", request.method, request.path)
        return errors.render_error(500)
    log.error("database unavailable on %s %s: %s", request.method, request.path,
              type(exc.orig or exc).__name__)
    response = make_response(errors.render_error(503))
    response.headers["Retry-After"] = "5"
    return response


def init_app(app: Flask) -> None:
    for exc_class in (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.DBAPIError):
        app.register_error_handler(exc_class, handle_database_error)
