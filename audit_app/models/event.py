"""The append-only event log: every change worth auditing, who did it and when.

There is no code path that updates or deletes an event: the ORM refuses both.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .user import User


class EventAction(StrEnum):
    """Every kind of event the log knows; each has a label in both languages
    (:data:`audit_app.labels.EVENT_LABELS`, a test checks that none is missing)."""

    AUDIT_PLANNED = "audit_planned"
    AUDIT_START = "audit_start"
    AUDIT_SUBMIT = "audit_submit"
    AUDIT_BEGIN_REVIEW = "audit_begin_review"
    AUDIT_REQUEST_CHANGES = "audit_request_changes"
    AUDIT_RESUME = "audit_resume"
    AUDIT_DECIDE = "audit_decide"
    AUDIT_REOPEN = "audit_reopen"
    AUDIT_DECISION = "audit_decision"
    ASSESSMENT_SAVED = "assessment_saved"
    ASSESSMENT_ADJUSTED = "assessment_adjusted"
    ASSESSMENT_AGREED = "assessment_agreed"
    EVIDENCE_ADDED = "evidence_added"
    EVIDENCE_REMOVED = "evidence_removed"
    CERTIFICATE_ISSUED = "certificate_issued"
    CERTIFICATE_PDF_STORED = "certificate_pdf_stored"
    CERTIFICATE_SUPERSEDED = "certificate_superseded"
    CERTIFICATE_INVALIDATED = "certificate_invalidated"
    CERTIFICATE_SUSPEND = "certificate_suspend"
    CERTIFICATE_WITHDRAW = "certificate_withdraw"
    CERTIFICATE_REINSTATE = "certificate_reinstate"
    REPORT_PDF_STORED = "report_pdf_stored"
    DOCUMENT_RENDER_FAILED = "document_render_failed"
    CENTRE_CREATED = "centre_created"
    CENTRE_UPDATED = "centre_updated"
    CATALOG_IMPORTED = "catalog_imported"
    CATALOG_STATUS = "catalog_status"
    USER_CREATED = "user_created"
    USER_UPDATED = "user_updated"
    USER_DEACTIVATED = "user_deactivated"
    USER_REACTIVATED = "user_reactivated"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    API_TOKEN_CREATED = "api_token_created"
    API_TOKEN_REVOKED = "api_token_revoked"
    REMINDER_SENT = "reminder_sent"
    # The centre's side (issue 15): application, questionnaire, documents, self-assessment.
    AUDIT_APPLIED = "audit_applied"
    AUDIT_ACCEPT = "audit_accept"
    AUDIT_DECLINE = "audit_decline"
    AUDIT_SUBMIT_QUESTIONNAIRE = "audit_submit_questionnaire"
    AUDIT_COMPLETE_DOCUMENT_REVIEW = "audit_complete_document_review"
    ANSWER_SAVED = "answer_saved"
    SELF_ASSESSMENT_SAVED = "self_assessment_saved"
    CENTRE_DOCUMENT_ADDED = "centre_document_added"
    CENTRE_DOCUMENT_REMOVED = "centre_document_removed"
    DOCUMENT_REVIEWED = "document_reviewed"
    KEY_FIGURES_UPDATED = "key_figures_updated"
    APPLICATION_MAIL_SENT = "application_mail_sent"
    CONDITION_SET = "condition_set"
    CONDITION_RESPONDED = "condition_responded"
    CONDITION_ACCEPTED = "condition_accepted"
    CONDITION_REJECTED = "condition_rejected"
    CONDITION_EXTENDED = "condition_extended"
    CONDITION_REMINDER_SENT = "condition_reminder_sent"
    CONDITION_PROOF_ADDED = "condition_proof_added"
    CONDITION_CANCELLED = "condition_cancelled"
    EVIDENCE_CARRIED_FORWARD = "evidence_carried_forward"


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
