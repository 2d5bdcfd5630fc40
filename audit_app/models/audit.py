"""Audits, their team, the assessments per criterion and the evidence files."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..scoring import Severity
from ..workflow import AuditKind, AuditStatus, Decision, TeamRole
from ._types import enum_column_type
from .base import Base, UTCDateTime, utcnow
from .catalog import CatalogCriterion, CatalogVersion

if TYPE_CHECKING:
    from .centre import Centre
    from .certificate import Certificate
    from .user import User


class Audit(Base):
    __tablename__ = "audits"
    __table_args__ = (
        sa.Index("ix_audits_centre_id_id", "centre_id", "id"),
        sa.CheckConstraint(
            "(decision IS NULL) = (decided_at IS NULL)", name="decision_with_time"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id", ondelete="RESTRICT"))
    catalog_id: Mapped[int] = mapped_column(
        sa.ForeignKey("catalogs.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[AuditKind] = mapped_column(enum_column_type(AuditKind, "audit_kind"))
    status: Mapped[AuditStatus] = mapped_column(
        enum_column_type(AuditStatus, "audit_status"), default=AuditStatus.PLANNED, index=True
    )
    planned_on: Mapped[date]
    visit_on: Mapped[date | None]
    due_on: Mapped[date | None]
    reviewer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    decision: Mapped[Decision | None] = mapped_column(enum_column_type(Decision, "decision"))
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    #: Set when the decision differs from the computed outcome: the written justification.
    override_reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    #: A renewal's previous cycle: the centre's earlier decided audit it starts from.
    previous_audit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("audits.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    centre: Mapped[Centre] = relationship(back_populates="audits")
    catalog: Mapped[CatalogVersion] = relationship()
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    previous_audit: Mapped[Audit | None] = relationship(
        remote_side=[id], foreign_keys=[previous_audit_id])
    members: Mapped[list[AuditMember]] = relationship(
        back_populates="audit", cascade="all, delete-orphan", order_by="AuditMember.position"
    )
    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="audit", cascade="all, delete-orphan"
    )
    #: The certificates issued from this audit's decisions, newest first (read-only).
    certificates: Mapped[list[Certificate]] = relationship(
        viewonly=True, order_by="desc(Certificate.id)",
        primaryjoin="Certificate.audit_id == Audit.id",
    )

    @property
    def number(self) -> str:
        """The audit's human-readable number, e.g. ``A-2026-0017``."""
        return f"A-{self.planned_on.year}-{self.id:04d}"

    @property
    def lead_auditor(self) -> User | None:
        return next((m.user for m in self.members if m.team_role is TeamRole.LEAD_AUDITOR), None)

    def team_role_of(self, user_id: int) -> TeamRole | None:
        return next((m.team_role for m in self.members if m.user_id == user_id), None)

    def __repr__(self) -> str:
        return f"<Audit {self.id} {self.status}>"


class AuditMember(Base):
    __tablename__ = "audit_members"

    audit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    team_role: Mapped[TeamRole] = mapped_column(enum_column_type(TeamRole, "team_role"))
    position: Mapped[int] = mapped_column(default=0)

    audit: Mapped[Audit] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Assessment(Base):
    """One criterion of one audit: the auditor's answer and the reviewer's adjustment.

    ``version`` is SQLAlchemy's version counter: every UPDATE checks and increments it,
    so a save based on a stale version fails instead of overwriting someone's work.
    """

    __tablename__ = "assessments"
    __table_args__ = (
        sa.UniqueConstraint("audit_id", "criterion_id"),
        sa.CheckConstraint("points IS NULL OR points BETWEEN 0 AND 3", name="points_0_3"),
        sa.CheckConstraint(
            "adjusted_points IS NULL OR adjusted_points BETWEEN 0 AND 3",
            name="adjusted_points_0_3",
        ),
        sa.CheckConstraint(
            "NOT not_applicable OR (points IS NULL AND value IS NULL)", name="na_has_no_score"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("catalog_criteria.id", ondelete="RESTRICT"), index=True
    )
    points: Mapped[int | None]
    value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    not_applicable: Mapped[bool] = mapped_column(default=False)
    na_reason: Mapped[str] = mapped_column(sa.Text, default="")
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    finding: Mapped[str] = mapped_column(sa.Text, default="")
    finding_severity: Mapped[Severity | None] = mapped_column(
        enum_column_type(Severity, "finding_severity")
    )
    adjusted_points: Mapped[int | None]
    adjusted_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    adjustment_reason: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    audit: Mapped[Audit] = relationship(back_populates="assessments")
    criterion: Mapped[CatalogCriterion] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="assessment",
        primaryjoin="and_(Evidence.assessment_id == Assessment.id, Evidence.removed_at.is_(None))",
        order_by="Evidence.uploaded_at",
        viewonly=True,
    )

    @property
    def answered(self) -> bool:
        return self.not_applicable or self.points is not None or self.value is not None


class Evidence(Base):
    """An uploaded file; its bytes are in the file store (:mod:`audit_app.storage`) by SHA-256."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(sa.String(100))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(200))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    #: The date the document itself bears (optional; not the upload time).
    document_date: Mapped[date | None]
    #: Until when the document is valid (optional): past it the file counts as expired.
    valid_until: Mapped[date | None]
    #: The previous cycle's file this one was carried forward from („noch gültig“ confirmed
    #: by ``uploaded_by`` at ``uploaded_at``); None for an upload.
    carried_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("evidence.id", ondelete="RESTRICT"), index=True)

    assessment: Mapped[Assessment] = relationship(back_populates="evidence")
    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])
    carried_from: Mapped[Evidence | None] = relationship(
        remote_side=[id], foreign_keys=[carried_from_id])

    def expired(self, today: date) -> bool:
        """Whether the document's validity ended before ``today``."""
        return self.valid_until is not None and self.valid_until < today
