"""API tokens: create (the secret is returned once), list, revoke, and look up a bearer.

Only the SHA-256 of a token is stored; the plain token exists in the return value of
:func:`create_token` and nowhere else (not in events, not in logs). Functions flush, never
commit: the view or command owning the request commits once.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ApiToken, EventAction, User, utcnow
from . import events, inputs
from .errors import ValidationFailed

#: Every token starts with this, so a leaked one is recognisable (e.g. by secret scanners).
TOKEN_PREFIX = "aiz_"
#: Characters of the token kept in clear as ``prefix`` (the "aiz_" and 8 random ones).
SHOWN_CHARS = 12
#: ``last_used_at`` is written at most this often per token (one UPDATE, not one per request).
LAST_USED_GRANULARITY = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user: User, *, label: str = "", actor=None) -> tuple[ApiToken, str]:
    """Create a token acting for ``user``: ``(row, plain token)``; the plain token is shown once.

    Refuses (ValidationFailed) a deactivated user and a label longer than 100 characters.
    """
    fields = {}
    try:
        label = inputs.clean_text(label, "token.label", one_line=True)
    except inputs.InputError as exc:
        fields["label"] = exc.message
    if not user.active:
        fields["user"] = _l("this user is deactivated")
    if fields:
        raise ValidationFailed(_l("the token was not created"), fields=fields)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, label=label, prefix=plain[:SHOWN_CHARS],
                     token_hash=hash_token(plain), created_by_id=getattr(actor, "id", actor))
    db.session.add(token)
    db.session.flush()
    events.record(EventAction.API_TOKEN_CREATED, actor=actor, subject_type="api_token", subject_id=token.id,
                  new={"user_id": user.id, "label": label, "prefix": token.prefix})
    return token, plain


def list_tokens(*, user: User | None = None) -> list[ApiToken]:
    """Tokens, newest first, with their users (two queries whatever their number)."""
    query = (
        sa.select(ApiToken)
        .options(joinedload(ApiToken.user), joinedload(ApiToken.created_by))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(db.session.scalars(query))


def get_token(token_id: int) -> ApiToken | None:
    return db.session.get(ApiToken, token_id)


def revoke_token(token: ApiToken, *, actor=None, now: datetime | None = None) -> bool:
    """Revoke a token; False when it already was (nothing changes then)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    db.session.flush()
    events.record(EventAction.API_TOKEN_REVOKED, actor=actor, subject_type="api_token", subject_id=token.id,
                  old={"user_id": token.user_id, "prefix": token.prefix})
    return True


def active_count(user: User) -> int:
    """How many unrevoked tokens act for ``user``."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ) or 0


def revoke_all_for(user: User, *, actor=None, now: datetime) -> int:
    """Revoke every unrevoked token of ``user`` (one event each); returns how many.

    Called by a deactivation always, and by a password change or reset when asked for.
    """
    tokens = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id)
    ).all()
    for token in tokens:
        revoke_token(token, actor=actor, now=now)
    return len(tokens)


def authenticate(plain: str, *, now: datetime | None = None) -> User | None:
    """The active user of an unrevoked token, or None; notes the use at most once a minute.

    One query (token with its user and roles) plus, at most once a minute per token, a
    short write of ``last_used_at`` that can neither fail nor hold up the request (see
    :func:`note_use`).
    """
    if not plain or not plain.isascii() or len(plain) > 200:
        return None
    token = db.session.scalar(
        sa.select(ApiToken)
        .where(ApiToken.token_hash == hash_token(plain))
        .options(joinedload(ApiToken.user).selectinload(User.role_rows))
    )
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = now or utcnow()
    last = token.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last >= LAST_USED_GRANULARITY:
        note_use(token.id, now=now)
    return token.user


#: How long noting a token's use may wait for a busy database before it is skipped.
NOTE_USE_TIMEOUT_MS = 250


def note_use(token_id: int, *, now: datetime) -> bool:
    """Record ``last_used_at = now`` for a token, outside a reading request's transaction.

    A token sign-in usually happens in a GET, whose transaction only reads; writing there
    made read-only API calls answer 503 on SQLite while others wrote. The write runs in its
    own short transaction (:func:`audit_app.db_setup.write_aside`) and is skipped when the
    database stays busy for :data:`NOTE_USE_TIMEOUT_MS` (the next request tries again).
    Concurrent requests with the same token write once: only an older value is replaced.
    Returns whether it was written.
    """
    from ..db_setup import write_aside

    def work(session) -> None:
        session.execute(
            sa.update(ApiToken)
            .where(ApiToken.id == token_id,
                   sa.or_(ApiToken.last_used_at.is_(None),
                          ApiToken.last_used_at <= now - LAST_USED_GRANULARITY))
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )

    return write_aside(work, timeout_ms=NOTE_USE_TIMEOUT_MS)
