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
