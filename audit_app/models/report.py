"""Audit reports stored as PDF once the audit is decided (one per language and decision)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .audit import Audit


class AuditReport(Base):
    """The archived report of a decided audit in one language.

    Rows are kept when an audit is reopened (``current`` becomes false), so the report that
    a decision rested on stays retrievable. The bytes are in the file store by SHA-256.
    """

    __tablename__ = "audit_reports"
    __table_args__ = (sa.Index("ix_audit_reports_audit_id_lang", "audit_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="RESTRICT"))
    lang: Mapped[str] = mapped_column(sa.String(5))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    current: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    audit: Mapped[Audit] = relationship()

    def __repr__(self) -> str:
        return f"<AuditReport {self.id} audit={self.audit_id} {self.lang}>"
