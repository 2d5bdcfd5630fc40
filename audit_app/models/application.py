"""The centre's side of an audit: the application, the questionnaire's answers, the centre's
self-assessment, the documents it hands in with the team's review of them, the history of
the centre's key figures, and the questionnaire stored with each catalogue version.

An audit that begins with an application has exactly one :class:`AuditApplication`
(``audit.application``); the questionnaire it answers is that of the audit's catalogue
version (:class:`CatalogQuestionnaire`, as immutable as the rest of the version).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ._types import enum_column_type
from .base import Base, UTCDateTime, utcnow
from .catalog import CatalogCriterion, CatalogLockedError, CatalogVersion

if TYPE_CHECKING:
    from .audit import Audit
    from .centre import Centre
    from .user import User


class DocumentReviewStatus(StrEnum):
    """The team's verdict on a required document before the visit."""

    PRESENT = "present"
    INCOMPLETE = "incomplete"
    MISSING = "missing"


class AuditApplication(Base):
    """A centre's application for an audit (initial or renewal, a preferred period), the
    lead's answer to it, and when the centre submitted its questionnaire."""

    __tablename__ = "audit_applications"
    __table_args__ = (
        sa.CheckConstraint("preferred_until >= preferred_from", name="period_in_order"),
    )

    audit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True)
    preferred_from: Mapped[date]
    preferred_until: Mapped[date]
    message: Mapped[str] = mapped_column(sa.Text, default="")
    applied_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    #: When the questionnaire was submitted (its answers are "Selbstauskunft vom ..." then).
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    audit: Mapped[Audit] = relationship(
        backref=backref("application", uselist=False, lazy="select", viewonly=True))
    applied_by: Mapped[User] = relationship(foreign_keys=[applied_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])


class QuestionnaireAnswer(Base):
    """The centre's answer to one question (file questions are answered by uploads).

    ``version`` is SQLAlchemy's version counter, as for assessments: a save based on a
    stale version is refused instead of overwriting someone's answer.
    """

    __tablename__ = "questionnaire_answers"
    __table_args__ = (sa.UniqueConstraint("audit_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(sa.String(50))
    text_value: Mapped[str | None] = mapped_column(sa.Text)
    number_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    bool_value: Mapped[bool | None]
    date_value: Mapped[date | None]
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    updated_by: Mapped[User | None] = relationship()

    @property
    def value(self) -> Any:
        """The stored answer, whichever kind it is (None when unanswered)."""
        for value in (self.text_value, self.number_value, self.bool_value, self.date_value):
            if value is not None:
                return value
        return None

    @property
    def answered(self) -> bool:
        return self.value is not None


class SelfAssessment(Base):
    """The centre's own score of one criterion (same scale as the auditors'), with a comment."""

    __tablename__ = "self_assessments"
    __table_args__ = (
        sa.UniqueConstraint("audit_id", "criterion_id"),
        sa.CheckConstraint("points IS NULL OR points BETWEEN 0 AND 3", name="points_0_3"),
        sa.CheckConstraint("NOT not_applicable OR (points IS NULL AND value IS NULL)",
                           name="na_has_no_score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("catalog_criteria.id", ondelete="RESTRICT"), index=True)
    points: Mapped[int | None]
    value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    not_applicable: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    criterion: Mapped[CatalogCriterion] = relationship()

    @property
    def answered(self) -> bool:
        return self.not_applicable or self.points is not None or self.value is not None


class CentreDocument(Base):
    """A file the centre handed in for a required document or a file question; its bytes are
    in the file store (:mod:`audit_app.storage`) by SHA-256, like evidence."""

    __tablename__ = "centre_documents"
    __table_args__ = (sa.Index("ix_centre_documents_audit_id_key", "audit_id", "document_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"))
    #: The required document's or the file question's key.
    document_key: Mapped[str] = mapped_column(sa.String(50))
    original_name: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(sa.String(100))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(200))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))

    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])


class DocumentReview(Base):
    """The team's mark on one required document: present, incomplete or missing, a note."""

    __tablename__ = "document_reviews"
    __table_args__ = (sa.UniqueConstraint("audit_id", "document_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"))
    document_key: Mapped[str] = mapped_column(sa.String(50))
    status: Mapped[DocumentReviewStatus] = mapped_column(
        enum_column_type(DocumentReviewStatus, "document_review_status"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    reviewed_by: Mapped[User] = relationship()


class KeyFigureRecord(Base):
    """One change of a centre's key figures, e.g. from a submitted questionnaire: the values
    before and after (``{"space_m2": 8400, ...}``, numbers as text where decimal)."""

    __tablename__ = "key_figure_records"
    __table_args__ = (sa.Index("ix_key_figure_records_centre_id_id", "centre_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id", ondelete="CASCADE"))
    audit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("audits.id", ondelete="SET NULL"))
    recorded_on: Mapped[date]
    old: Mapped[dict] = mapped_column(sa.JSON)
    new: Mapped[dict] = mapped_column(sa.JSON)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    centre: Mapped[Centre] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class CatalogQuestionnaire(Base):
    """A catalogue version's questionnaire and required documents as imported (plain JSON,
    :meth:`audit_app.catalog.questionnaire.Questionnaire.to_json`); locked with its version."""

    __tablename__ = "catalog_questionnaires"

    catalog_id: Mapped[int] = mapped_column(
        sa.ForeignKey("catalogs.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[dict] = mapped_column(sa.JSON)


@sa.event.listens_for(CatalogQuestionnaire, "before_update")
@sa.event.listens_for(CatalogQuestionnaire, "before_delete")
def _refuse_change_of_locked_questionnaire(mapper, connection, target) -> None:
    locked = connection.scalar(
        sa.select(CatalogVersion.locked).where(CatalogVersion.id == target.catalog_id))
    if locked:
        raise CatalogLockedError("this catalogue version is used by audits and cannot change")
