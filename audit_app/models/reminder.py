"""Renewal reminders already sent: one row per certificate and stage, unique."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class ReminderSent(Base):
    """A reminder of ``stage`` (days before expiry) for a certificate, claimed for sending.

    The unique pair is the claim: when the reminders command runs on two servers at once,
    the second INSERT of a pair waits for the first transaction and then finds the row, so
    each reminder goes out once (see ``services.reminders.claim``).
    """

    __tablename__ = "reminders_sent"
    __table_args__ = (sa.UniqueConstraint("certificate_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="CASCADE"))
    stage: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
