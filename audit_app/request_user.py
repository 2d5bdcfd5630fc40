"""The request's user as Flask-Login keeps it: the one module that touches where.

Flask-Login (0.6) keeps the request's user in ``flask.g._login_user``: ``current_user``
returns it, and loads it from the session (or the remember-me cookie) on first access when
it is not set yet. Pages sign in through the session (``blueprints/auth/identity.py``); the
API authenticates each request by its bearer token and must neither read nor write the
session, so it sets the user here instead. Flask-Login has no public setter for this (its
``login_user`` writes the session, its ``request_loader`` runs only after the session found
no user, so a cookie would win over the token); these three functions are the only code
that knows the attribute, and ``tests/api/test_auth_and_errors.py`` checks that
``current_user`` still reads it.
"""
from __future__ import annotations

from flask import current_app, g
from flask_login import user_loaded_from_request

#: Where Flask-Login keeps the request's user (``flask_login.utils._get_user``).
_ATTRIBUTE = "_login_user"


def set_request_user(user) -> None:
    """Make ``user`` the request's ``current_user`` without a session (API tokens).

    Permissions, templates and the locale selection then see ``user``; the session is
    neither read nor written. Sends Flask-Login's ``user_loaded_from_request`` signal, as
    its own request loader would.
    """
    setattr(g, _ATTRIBUTE, user)
    user_loaded_from_request.send(current_app._get_current_object(), user=user)


def loaded_request_user():
    """The request's user if it was loaded already, else None (never loads it)."""
    return g.get(_ATTRIBUTE)


def forget_unloaded_user() -> None:
    """Make the request anonymous unless its user was loaded (e.g. when loading failed
    because the database is down: the error page must not try again)."""
    if g.get(_ATTRIBUTE) is None:
        setattr(g, _ATTRIBUTE, current_app.login_manager.anonymous_user())
