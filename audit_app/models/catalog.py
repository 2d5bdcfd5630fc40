"""Catalogue versions as imported from the YAML files in ``criteria/``.

A catalogue version is immutable once an audit uses it (``locked``): its content
columns, categories and criteria refuse every update; only its status may change.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.model import ScoringType
from ._types import enum_column_type
from .base import Base, UTCDateTime, utcnow


class CatalogStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"


class CatalogLockedError(RuntimeError):
    """Raised when something tries to change a catalogue version that audits already use."""


class CatalogVersion(Base):
    __tablename__ = "catalogs"
    __table_args__ = (sa.UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(50))
    version: Mapped[str] = mapped_column(sa.String(50))
    title_de: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    checksum: Mapped[str] = mapped_column(sa.String(64))
    source_name: Mapped[str] = mapped_column(sa.String(255), default="")
    #: The catalogue's rules block (thresholds, validity, report bands) as plain JSON.
    rules: Mapped[dict] = mapped_column(sa.JSON)
    #: The older version this one continues and its checked criteria mapping:
    #: ``{"version": "2026", "sources": {"B8": ["B2"], "C8": [], ...}}`` (None: no predecessor).
    predecessor: Mapped[dict | None] = mapped_column(sa.JSON)
    status: Mapped[CatalogStatus] = mapped_column(
        enum_column_type(CatalogStatus, "catalog_status"), default=CatalogStatus.DRAFT, index=True
    )
    locked: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    categories: Mapped[list[CatalogCategory]] = relationship(
        back_populates="catalog",
        order_by="CatalogCategory.position",
        cascade="all, delete-orphan",
    )
    criteria: Mapped[list[CatalogCriterion]] = relationship(
        back_populates="catalog", order_by="CatalogCriterion.position", viewonly=True
    )

    @property
    def label(self) -> str:
        return f"{self.key}-{self.version}"

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_de

    def __repr__(self) -> str:
        return f"<CatalogVersion {self.key} {self.version}>"


class CatalogCategory(Base):
    __tablename__ = "catalog_categories"
    __table_args__ = (sa.UniqueConstraint("catalog_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    catalog_id: Mapped[int] = mapped_column(sa.ForeignKey("catalogs.id", ondelete="CASCADE"))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(sa.String(10))
    title_de: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    weight: Mapped[int]

    catalog: Mapped[CatalogVersion] = relationship(back_populates="categories")
    criteria: Mapped[list[CatalogCriterion]] = relationship(
        back_populates="category",
        order_by="CatalogCriterion.position",
        cascade="all, delete-orphan",
    )


class CatalogCriterion(Base):
    __tablename__ = "catalog_criteria"
    __table_args__ = (
        sa.UniqueConstraint("catalog_id", "code"),
        sa.CheckConstraint("weight IN (1, 2, 3)", name="weight_1_2_3"),
        sa.CheckConstraint("NOT (knockout AND na_allowed)", name="knockout_no_na"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Denormalised from the category so that pages can join criteria to a catalogue directly.
    catalog_id: Mapped[int] = mapped_column(sa.ForeignKey("catalogs.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("catalog_categories.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]  # across the whole catalogue, in file order
    code: Mapped[str] = mapped_column(sa.String(10))
    title_de: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str] = mapped_column(sa.String(300))
    guidance_de: Mapped[str] = mapped_column(sa.Text, default="")
    guidance_en: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_de: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_en: Mapped[str] = mapped_column(sa.Text, default="")
    scoring_type: Mapped[ScoringType] = mapped_column(enum_column_type(ScoringType, "scoring_type"))
    weight: Mapped[int]
    knockout: Mapped[bool] = mapped_column(default=False)
    na_allowed: Mapped[bool] = mapped_column(default=False)
    #: Number criteria: [{"start": "1000", "points": 2}, ...] (decimal strings).
    bands: Mapped[list] = mapped_column(sa.JSON, default=list)
    unit: Mapped[str | None] = mapped_column(sa.String(20))
    minimum: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    maximum: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))

    catalog: Mapped[CatalogVersion] = relationship(back_populates="criteria", viewonly=True)
    category: Mapped[CatalogCategory] = relationship(back_populates="criteria")


_CATALOG_CONTENT = ("key", "version", "title_de", "title_en", "checksum", "rules", "predecessor")


@sa.event.listens_for(CatalogVersion, "before_update")
def _refuse_change_of_locked_catalog(mapper, connection, target: CatalogVersion) -> None:
    state = sa.inspect(target)
    if state.committed_state.get("locked", target.locked) and any(
        state.attrs[name].history.has_changes() for name in _CATALOG_CONTENT
    ):
        raise CatalogLockedError(f"catalogue {target.label} is used by audits and cannot change")


@sa.event.listens_for(CatalogCategory, "before_update")
@sa.event.listens_for(CatalogCategory, "before_delete")
@sa.event.listens_for(CatalogCriterion, "before_update")
@sa.event.listens_for(CatalogCriterion, "before_delete")
def _refuse_change_of_locked_content(mapper, connection, target) -> None:
    locked = connection.scalar(
        sa.select(CatalogVersion.locked).where(CatalogVersion.id == target.catalog_id)
    )
    if locked:
        raise CatalogLockedError("this catalogue version is used by audits and cannot change")
