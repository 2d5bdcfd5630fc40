"""Sign-in attempts, kept briefly so that repeated failures can be slowed down."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class LoginAttempt(Base):
    """One sign-in attempt: the normalised e-mail as typed (known or not) and the client address.

    Rows are short-lived: the throttle only looks at the last half hour and prunes rows
    older than a day. Passwords are never stored here.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (
        sa.Index("ix_login_attempts_email_attempted_at", "email", "attempted_at"),
        sa.Index("ix_login_attempts_address_attempted_at", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    #: ``request.remote_addr``: IPv4 or IPv6 (45 characters at most), "" when unknown.
    address: Mapped[str] = mapped_column(sa.String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    succeeded: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    def __repr__(self) -> str:
        outcome = "ok" if self.succeeded else "failed"
        return f"<LoginAttempt {self.id} {self.email} {outcome}>"


class UserSession(Base):
    """One signed-in browser: the server-side record behind its session cookie.

    The cookie carries a random session id (``sid``); only its SHA-256 is stored. A session is
    valid while it is not revoked, not expired, its ``generation`` equals the user's
    ``session_version`` and the user is active, so one UPDATE of the user (password change,
    reset, deactivation) ends all of them at once. With "stay signed in" it also has a
    remember-me token (hash only): using it replaces the session by a new one of the same
    ``family`` with a new token (rotation); signing out revokes the whole family.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: The sign-in this session descends from (shared by its remember-me rotations).
    family: Mapped[str] = mapped_column(sa.String(32), index=True)
    #: The user's ``session_version`` when the session began.
    generation: Mapped[int] = mapped_column()
    sid_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    remember_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Until when the remember-me token may renew the session (None: not remembered).
    remember_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: "signed_out", "rotated" (replaced through its remember-me token) or "reused".
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(20))

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id} family={self.family[:8]}>"
