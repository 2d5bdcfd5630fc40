"""Server-side sign-in sessions and rotating remember-me tokens, stored in the database.

A signed cookie alone cannot be taken back: a copied session cookie used to work after
sign-out, and the remember-me cookie was the same on every sign-in and survived sign-out.
Now every sign-in creates a :class:`~audit_app.models.UserSession` row and the cookies carry
only random secrets whose SHA-256 the row holds:

* the **session id** (in the session cookie) is checked on every request together with the
  user in one query (:func:`user_for`): not revoked, not expired, the user active, and the
  row's ``generation`` equal to the user's ``session_version``;
* **sign-in** creates a new row and a new id (rotation; a new remember-me token with "stay
  signed in");
* **sign-out** revokes the row and every row of its family (:func:`end`);
* **password change, password reset and deactivation** raise the user's
  ``session_version`` (:meth:`User.end_all_sessions`): every session and remember-me token
  of that user ends at once, and stays ended after a reactivation;
* a **remember-me token** renews an ended session (browser restarted, session expired) in
  :func:`restore`: the row is replaced by a new one with a new session id and a new token,
  valid until the same ``remember_until`` (rotation). The replaced token still works for
  :data:`REMEMBER_GRACE` (a restored browser sends several requests at once); presented
  later, it means two browsers hold it, so the whole family is revoked.

Nothing lives in a process: several app servers share the rows. Functions take ``now``
and a database session (the request's, or the short one of
:func:`audit_app.db_setup.write_aside`); they flush, never commit.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, joinedload

from ..extensions import db
from ..models import User, UserSession, utcnow

log = logging.getLogger(__name__)

#: A replaced remember-me token is still accepted this long (parallel requests).
REMEMBER_GRACE = timedelta(minutes=1)
SIGNED_OUT, ROTATED, REUSED = "signed_out", "rotated", "reused"


def clock() -> datetime:
    """The current time (UTC). Views read the time here, so tests can replace it."""
    return utcnow()


@dataclass(frozen=True)
class Lifetimes:
    """How long a session lasts, and how long "stay signed in" renews it."""

    session: timedelta
    remember: timedelta

    @classmethod
    def from_config(cls) -> Lifetimes:
        config = current_app.config
        return cls(session=timedelta(hours=config["SESSION_LIFETIME_HOURS"]),
                   remember=timedelta(days=config["REMEMBER_DAYS"]))


@dataclass(frozen=True)
class Issued:
    """The secrets for the cookies of a new session (shown once, only hashes are stored)."""

    user_id: int
    sid: str
    remember: str | None
    remember_until: datetime | None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_row(session: Session, *, user_id: int, family: str, generation: int, now: datetime,
             lifetime: timedelta, remember_until: datetime | None) -> Issued:
    sid = secrets.token_urlsafe(32)
    remember = secrets.token_urlsafe(32) if remember_until is not None else None
    session.add(UserSession(
        user_id=user_id, family=family, generation=generation, sid_hash=hash_secret(sid),
        remember_hash=hash_secret(remember) if remember else None, created_at=now,
        expires_at=now + lifetime, remember_until=remember_until,
    ))
    session.flush()
    return Issued(user_id=user_id, sid=sid, remember=remember, remember_until=remember_until)


def start(user: User, *, now: datetime, remember: bool, lifetimes: Lifetimes | None = None,
          session: Session | None = None) -> Issued:
    """A new session for ``user`` (a sign-in): a new family, id and, with ``remember``, a
    remember-me token valid for ``lifetimes.remember``. Also deletes rows that can no
    longer be used. Flushes."""
    session = session or db.session
    lifetimes = lifetimes or Lifetimes.from_config()
    prune(now, session=session)
    return _new_row(session, user_id=user.id, family=secrets.token_hex(16),
                    generation=user.session_version or 0, now=now, lifetime=lifetimes.session,
                    remember_until=now + lifetimes.remember if remember else None)


def user_for(sid: str | None, user_id: int, *, now: datetime) -> User | None:
    """The user of a valid session ``sid`` (with roles), else None. One query."""
    if not sid or not isinstance(sid, str) or len(sid) > 100:
        return None
    return db.session.scalars(
        sa.select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.sid_hash == hash_secret(sid), User.id == user_id,
               UserSession.revoked_at.is_(None), UserSession.expires_at > now,
               UserSession.generation == User.session_version, User.active.is_(True))
        .options(joinedload(User.role_rows))
    ).unique().first()


def restore(token: str | None, *, now: datetime, lifetimes: Lifetimes | None = None,
            session: Session | None = None) -> Issued | None:
    """Renew a session from a remember-me token, rotating it; None if the token is no good.

    A token replaced less than :data:`REMEMBER_GRACE` ago still works (a restored browser's
    parallel requests); one replaced earlier has been copied: its family is revoked.
    Flushes.
    """
    if not token or not isinstance(token, str) or len(token) > 100:
        return None
    session = session or db.session
    lifetimes = lifetimes or Lifetimes.from_config()
    found = session.execute(
        sa.select(UserSession, User.session_version, User.active)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.remember_hash == hash_secret(token))
    ).first()
    if found is None:
        return None
    row, version, active = found
    if (row.remember_until is None or row.remember_until <= now or row.generation != version
            or not active):
        return None
    if row.revoked_at is not None:
        if row.revoked_reason != ROTATED:
            return None
        if now - row.revoked_at > REMEMBER_GRACE:
            log.warning("a replaced remember-me token was used again; its sessions end "
                        "(user %s)", row.user_id)
            _revoke_family(session, row.family, now=now, reason=REUSED)
            return None
    else:
        row.revoked_at, row.revoked_reason = now, ROTATED
    return _new_row(session, user_id=row.user_id, family=row.family, generation=row.generation,
                    now=now, lifetime=lifetimes.session, remember_until=row.remember_until)


def end(sid: str | None, *, now: datetime, session: Session | None = None) -> bool:
    """Sign-out: revoke the session ``sid`` and every session of its family (its remember-me
    rotations, so the remember-me cookie ends too). False when there was none. Flushes."""
    if not sid or not isinstance(sid, str):
        return False
    session = session or db.session
    family = session.scalar(sa.select(UserSession.family)
                            .where(UserSession.sid_hash == hash_secret(sid)))
    if family is None:
        return False
    _revoke_family(session, family, now=now, reason=SIGNED_OUT)
    return True


def _revoke_family(session: Session, family: str, *, now: datetime, reason: str) -> None:
    # Rotated rows too: their grace period must not outlive a sign-out.
    session.execute(
        sa.update(UserSession)
        .where(UserSession.family == family,
               sa.or_(UserSession.revoked_at.is_(None), UserSession.revoked_reason == ROTATED))
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    session.flush()


def prune(now: datetime, *, session: Session | None = None) -> int:
    """Delete sessions that can never be used again (expired, and their remember-me token
    too); returns how many."""
    session = session or db.session
    result = session.execute(
        sa.delete(UserSession)
        .where(UserSession.expires_at < now,
               sa.or_(UserSession.remember_until.is_(None), UserSession.remember_until < now))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
