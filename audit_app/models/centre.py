"""Member centres and their key figures."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .audit import Audit
    from .certificate import Certificate
    from .user import User

#: The 16 German federal states by their official two-letter codes.
FEDERAL_STATES: dict[str, str] = {
    "BW": "Baden-Württemberg",
    "BY": "Bayern",
    "BE": "Berlin",
    "BB": "Brandenburg",
    "HB": "Bremen",
    "HH": "Hamburg",
    "HE": "Hessen",
    "MV": "Mecklenburg-Vorpommern",
    "NI": "Niedersachsen",
    "NW": "Nordrhein-Westfalen",
    "RP": "Rheinland-Pfalz",
    "SL": "Saarland",
    "SN": "Sachsen",
    "ST": "Sachsen-Anhalt",
    "SH": "Schleswig-Holstein",
    "TH": "Thüringen",
}


class Centre(Base):
    __tablename__ = "centres"
    __table_args__ = (
        sa.CheckConstraint(
            "occupancy_percent IS NULL OR (occupancy_percent >= 0 AND occupancy_percent <= 100)",
            name="occupancy_range",
        ),
        sa.CheckConstraint("space_m2 IS NULL OR space_m2 >= 0", name="space_positive"),
        sa.CheckConstraint("tenant_count IS NULL OR tenant_count >= 0", name="tenants_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    operating_company: Mapped[str] = mapped_column(sa.String(200), default="")
    street: Mapped[str] = mapped_column(sa.String(200), default="")
    postcode: Mapped[str] = mapped_column(sa.String(10), default="")
    city: Mapped[str] = mapped_column(sa.String(120), index=True, default="")
    federal_state: Mapped[str] = mapped_column(sa.String(2), index=True)
    founded_year: Mapped[int | None]
    space_m2: Mapped[int | None]
    tenant_count: Mapped[int | None]
    occupancy_percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 1))
    staff_count: Mapped[int | None]
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(50), default="")
    member_since: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    audits: Mapped[list[Audit]] = relationship(back_populates="centre")
    certificates: Mapped[list[Certificate]] = relationship(back_populates="centre")
    contacts: Mapped[list[User]] = relationship(back_populates="centre")

    @property
    def federal_state_name(self) -> str:
        return FEDERAL_STATES.get(self.federal_state, self.federal_state)

    def __repr__(self) -> str:
        return f"<Centre {self.id} {self.name!r}>"
