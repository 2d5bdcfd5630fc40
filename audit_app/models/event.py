"""The append-only event log: every change worth auditing, who did it and when.

There is no code path that updates or deletes an event: the ORM refuses both.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .user import User


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete an event."""


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        sa.Index("ix_events_audit_id_id", "audit_id", "id"),
        sa.Index("ix_events_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    #: What the event is about, e.g. ("assessment", 17), ("centre", 3), ("catalog", 1).
    subject_type: Mapped[str] = mapped_column(sa.String(30))
    subject_id: Mapped[int | None]
    #: The audit it belongs to, for the audit's timeline (None for events outside audits).
    audit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("audits.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(sa.String(50))
    old: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    new: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    actor: Mapped[User | None] = relationship()


@sa.event.listens_for(Event, "before_update")
@sa.event.listens_for(Event, "before_delete")
def _refuse_change(mapper, connection, target: Event) -> None:
    raise AppendOnlyError("events are append-only")
