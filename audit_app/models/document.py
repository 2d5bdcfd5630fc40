"""The render state of a decided audit's documents (certificate and report, per language).

A decision commits without rendering: its transaction reserves the certificate number and
adds one row per document, ``pending``. The PDFs are rendered right after the commit, each
in a transaction of its own; a failure leaves the row ``failed`` with the reason, visible on
the audit page, and the document is rendered again on its next download or by
``flask --app audit_app documents render-pending``.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ._types import enum_column_type
from .base import Base, UTCDateTime, utcnow


class DocumentKind(StrEnum):
    CERTIFICATE = "certificate"
    REPORT = "report"


class DocumentState(StrEnum):
    PENDING = "pending"  # waiting for its first render (right after the decision's commit)
    FAILED = "failed"  # rendering failed; retried on download or by the command
    DONE = "done"  # rendered and stored
    OBSOLETE = "obsolete"  # the audit was reopened before the document was rendered


class DocumentJob(Base):
    __tablename__ = "document_jobs"
    __table_args__ = (
        sa.Index("ix_document_jobs_state", "state"),
        sa.Index("ix_document_jobs_audit_id", "audit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"))
    certificate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="CASCADE"))
    kind: Mapped[DocumentKind] = mapped_column(enum_column_type(DocumentKind, "document_kind"))
    lang: Mapped[str] = mapped_column(sa.String(5))
    state: Mapped[DocumentState] = mapped_column(
        enum_column_type(DocumentState, "document_state"), default=DocumentState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    #: Who decided: the stored PDFs' events name them.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<DocumentJob {self.id} {self.kind} {self.lang} {self.state}>"
