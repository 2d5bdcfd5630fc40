"""Certificates (Urkunden) issued from decided audits."""
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
    from .catalog import CatalogVersion
    from .centre import Centre


class CertificateStatus(StrEnum):
    """The stored status. "expired" and "expiring" follow from the dates and are not stored."""

    VALID = "valid"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"
    INVALIDATED = "invalidated"  # its audit was reopened


class PublicStatus(StrEnum):
    """A certificate's status as the public sees it: the stored one, or what its dates say.

    Worked out by ``services.certificates.public_status``; never stored.
    """

    VALID = "valid"
    EXPIRING = "expiring"  # valid, ends within the next 12 months
    EXPIRED = "expired"  # valid as stored, past its end date
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"
    INVALID = "invalid"  # stored as invalidated (its audit was reopened)


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        sa.CheckConstraint("valid_until > valid_from", name="validity_order"),
        sa.Index("ix_certificates_centre_id_valid_until", "centre_id", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="RESTRICT"), index=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id", ondelete="RESTRICT"))
    catalog_id: Mapped[int] = mapped_column(sa.ForeignKey("catalogs.id", ondelete="RESTRICT"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    status: Mapped[CertificateStatus] = mapped_column(
        enum_column_type(CertificateStatus, "certificate_status"),
        default=CertificateStatus.VALID,
        index=True,
    )
    status_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: Why a suspended certificate was suspended when the app did it by a rule
    #: (:data:`SUSPENDED_FOR_CONDITIONS`); None for a lead's own suspension.
    suspension_cause: Mapped[str | None] = mapped_column(sa.String(20))
    conditions: Mapped[list] = mapped_column(sa.JSON, default=list)
    superseded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="SET NULL")
    )
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    pdf_storage_key: Mapped[str | None] = mapped_column(sa.String(200))
    #: The English rendering, made at issuing next to the German original.
    pdf_en_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    pdf_en_storage_key: Mapped[str | None] = mapped_column(sa.String(200))

    audit: Mapped[Audit] = relationship()
    centre: Mapped[Centre] = relationship(back_populates="certificates")
    catalog: Mapped[CatalogVersion] = relationship()
    superseded_by: Mapped[Certificate | None] = relationship(remote_side=[id])

    def effective_status(self, today: date) -> str:
        """The status as the public sees it: the stored one, or "expired" past its date."""
        if self.status is CertificateStatus.VALID and today > self.valid_until:
            return "expired"
        return self.status.value


#: ``suspension_cause`` of a certificate suspended because a condition was not fulfilled in time.
SUSPENDED_FOR_CONDITIONS = "conditions"


class CertificateSequence(Base):
    """The last certificate number handed out per decision year (see services.certificates)."""

    __tablename__ = "certificate_sequences"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0, server_default="0")
