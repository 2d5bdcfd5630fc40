"""Conditions (Auflagen) of an award with conditions: deadlines, the centre's answers, proofs.

A condition is created for each minor finding when a working-group lead decides „award with
conditions“ (``services.conditions.create_for``). The centre's contact answers it with the
cause found, the measure taken and proof files (:class:`ConditionResponse`); a lead or the
lead auditor accepts the answer (the condition is closed) or rejects it with a reason (open
again, the deadline unchanged or extended with a reason). Overdue is worked out from the
deadline and the day, never stored.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ._types import enum_column_type
from .base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .audit import Audit
    from .certificate import Certificate
    from .centre import Centre
    from .user import User


class ConditionStatus(StrEnum):
    """The stored state. "overdue" follows from the deadline and is never stored."""

    OPEN = "open"  # waiting for the centre's answer (again, after a rejection)
    ANSWERED = "answered"  # the centre answered; waiting for a lead's check
    CLOSED = "closed"  # the answer was accepted: the condition is fulfilled
    #: No longer to be fulfilled: its certificate was superseded by a renewal, withdrawn, or
    #: invalidated when the audit was reopened.
    CANCELLED = "cancelled"


class ConditionState(StrEnum):
    """A condition's state as people read it on a given day (see ``services.conditions``)."""

    OPEN = "open"
    OVERDUE = "overdue"  # open and past its deadline
    ANSWERED = "answered"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ResponseOutcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Condition(Base):
    __tablename__ = "conditions"
    __table_args__ = (
        sa.Index("ix_conditions_audit_id_position", "audit_id", "position"),
        sa.Index("ix_conditions_status_deadline", "status", "deadline"),
        sa.CheckConstraint("deadline >= original_deadline", name="deadline_not_earlier"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The audit whose decision set the condition (its timeline shows every step).
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="RESTRICT"))
    #: The certificate issued with the condition (its status follows the conditions).
    certificate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="RESTRICT"), index=True)
    #: The responsible centre.
    centre_id: Mapped[int] = mapped_column(
        sa.ForeignKey("centres.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    criterion_code: Mapped[str | None] = mapped_column(sa.String(10))
    text_de: Mapped[str] = mapped_column(sa.Text)
    text_en: Mapped[str] = mapped_column(sa.Text)
    original_deadline: Mapped[date]
    deadline: Mapped[date]
    status: Mapped[ConditionStatus] = mapped_column(
        enum_column_type(ConditionStatus, "condition_status"), default=ConditionStatus.OPEN)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    audit: Mapped[Audit] = relationship()
    certificate: Mapped[Certificate | None] = relationship()
    centre: Mapped[Centre] = relationship()
    responses: Mapped[list[ConditionResponse]] = relationship(
        back_populates="condition", cascade="all, delete-orphan",
        order_by="ConditionResponse.id")

    def text(self, lang: str) -> str:
        return self.text_en if lang == "en" else self.text_de

    def __repr__(self) -> str:
        return f"<Condition {self.id} {self.criterion_code} {self.status}>"


class ConditionResponse(Base):
    """One answer of the centre to a condition, and a lead's check of it."""

    __tablename__ = "condition_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    condition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conditions.id", ondelete="CASCADE"), index=True)
    cause: Mapped[str] = mapped_column(sa.Text)
    measure: Mapped[str] = mapped_column(sa.Text)
    responded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    responded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    outcome: Mapped[ResponseOutcome | None] = mapped_column(
        enum_column_type(ResponseOutcome, "response_outcome"))
    checked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The reason of a rejection, or a note to an acceptance.
    check_note: Mapped[str] = mapped_column(sa.Text, default="")

    condition: Mapped[Condition] = relationship(back_populates="responses")
    responded_by: Mapped[User] = relationship(foreign_keys=[responded_by_id])
    checked_by: Mapped[User | None] = relationship(foreign_keys=[checked_by_id])
    proofs: Mapped[list[ConditionProof]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="ConditionProof.id")


class ConditionProof(Base):
    """A proof file of an answer; its bytes are in the file store by SHA-256."""

    __tablename__ = "condition_proofs"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("condition_responses.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(sa.String(100))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(200))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    response: Mapped[ConditionResponse] = relationship(back_populates="proofs")


class ConditionReminderSent(Base):
    """A deadline reminder of ``stage`` (days before the deadline) for a condition, claimed
    for sending. The unique pair is the claim (as in :class:`ReminderSent`): when the daily
    command runs on two servers at once, each reminder goes out once."""

    __tablename__ = "condition_reminders_sent"
    __table_args__ = (sa.UniqueConstraint("condition_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    condition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conditions.id", ondelete="CASCADE"))
    stage: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
