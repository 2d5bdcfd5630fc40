"""The browser's identity: session cookie and remember-me cookie over server-side sessions.

The web side of :mod:`audit_app.services.sessions`. The signed session cookie carries the
user id (Flask-Login's ``_user_id``) and the server-side session id (``_sid``); the
remember-me cookie (:data:`REMEMBER_COOKIE`) carries a rotating token. Flask-Login's own
remember-me cookie is never set (its value would be the same on every sign-in); an old one
is ignored.

* :func:`load_user` is Flask-Login's user loader: the session id must name a valid session
  of that user (one query);
* :func:`check_session` runs before every request: it forgets a session the loader refused
  and renews an ended one from the remember-me cookie;
* :func:`sign_in` and :func:`sign_out` are what the views call; :func:`write_remember_cookie`
  puts the decided remember-me cookie on the response.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app, g, request, session
from flask_login import current_user, login_user, logout_user

from ...db_setup import write_aside
from ...extensions import db
from ...models import User
from ...services import sessions

#: The remember-me cookie (Flask-Login's "remember_token" is not used).
REMEMBER_COOKIE = "aiz_remember"
#: Where the session cookie keeps the server-side session id.
SID_KEY = "_sid"
#: How long renewing a session from the remember-me cookie may wait for a busy database.
RESTORE_TIMEOUT_MS = 2000
#: Requests that never look at the user (no query, no cookie change).
_SKIPPED_ENDPOINTS = ("static", "ops.healthz")


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user of the session's valid server-side session."""
    if not user_id.isdigit():
        return None
    return sessions.user_for(session.get(SID_KEY), int(user_id), now=sessions.clock())


def sign_in(user: User, *, remember: bool, now: datetime) -> None:
    """Start a new server-side session for ``user`` in this browser (new id; a new
    remember-me token with ``remember``, else the cookie is removed). The view commits."""
    issued = sessions.start(user, now=now, remember=remember)
    login_user(user, remember=False, fresh=True)
    session[SID_KEY] = issued.sid
    _send_remember_cookie(issued, now)


def sign_out(*, now: datetime) -> None:
    """End this browser's session and its remember-me token on the server, then forget
    both cookies. The view commits."""
    sessions.end(session.get(SID_KEY), now=now)
    logout_user()
    session.pop(SID_KEY, None)
    _send_remember_cookie(None, now)


def remembered() -> bool:
    """Whether this browser holds a remember-me cookie (kept across a password change)."""
    return REMEMBER_COOKIE in request.cookies


def check_session() -> None:
    """Before every request: forget a refused session; renew an ended one when the
    browser has a valid remember-me token (rotating it)."""
    if request.endpoint in _SKIPPED_ENDPOINTS or request.path.startswith("/api/"):
        return  # the API authenticates by token only; static files need no user
    if current_user.is_authenticated:
        return
    if "_user_id" in session or SID_KEY in session:
        # Revoked, expired, deactivated or from before server-side sessions: forget it.
        logout_user()
        session.pop(SID_KEY, None)
    token = request.cookies.get(REMEMBER_COOKIE)
    if not token:
        return
    now = sessions.clock()
    issued: list[sessions.Issued | None] = []
    # Usually a GET: the renewal is written in a short transaction of its own.
    if not write_aside(lambda s: issued.append(sessions.restore(token, now=now, session=s)),
                       timeout_ms=RESTORE_TIMEOUT_MS):
        return  # the database is busy: anonymous this time, the cookie stays for the next
    renewed = issued[0] if issued else None
    if renewed is None:
        _send_remember_cookie(None, now)
        return
    db.session.rollback()  # a new read transaction sees the row just committed
    user = sessions.user_for(renewed.sid, renewed.user_id, now=now)
    if user is None:
        return
    login_user(user, remember=False, fresh=False)
    session[SID_KEY] = renewed.sid
    _send_remember_cookie(renewed, now)


def _send_remember_cookie(issued: sessions.Issued | None, now: datetime) -> None:
    """Have :func:`write_remember_cookie` set ``issued``'s token, or delete the cookie (the
    last decision of the request wins)."""
    g._aiz_remember = (issued, now)


def write_remember_cookie(response):
    """After every request: set or delete the remember-me cookie as decided, if at all."""
    decided = g.pop("_aiz_remember", None)
    if decided is None:
        return response
    issued, now = decided
    config = current_app.config
    options = {"path": "/", "httponly": True, "secure": bool(config["REMEMBER_COOKIE_SECURE"]),
               "samesite": config["REMEMBER_COOKIE_SAMESITE"]}
    if issued is not None and issued.remember:
        max_age = max(0, int((issued.remember_until - now).total_seconds()))
        response.set_cookie(REMEMBER_COOKIE, issued.remember, max_age=max_age, **options)
    elif REMEMBER_COOKIE in request.cookies:
        response.delete_cookie(REMEMBER_COOKIE, **options)
    return response
