"""Reading centres for lists and overviews."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Audit, Centre
from ..permissions import audit_filter, centre_filter
from ..scoring import ScoreResult
from .scoring import score_audits


@dataclass(frozen=True)
class CentreRow:
    """One line of the start page: a centre, its latest visible audit and that audit's score."""

    centre: Centre
    audit: Audit | None
    result: ScoreResult | None


@dataclass(frozen=True)
class Page:
    rows: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def overview(user, *, page: int = 1, per_page: int = 50) -> Page:
    """Centres the user may see, by name, each with its latest visible audit scored.

    A constant number of queries whatever the page size: centres, count, latest audits,
    their assessments (and the catalogue checksum lookup).
    """
    page = max(1, page)
    where = sa.and_(centre_filter(user), Centre.active.is_(True))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Centre).where(where))
    centres = list(
        db.session.scalars(
            sa.select(Centre)
            .where(where)
            .order_by(Centre.name, Centre.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    latest_ids = (
        sa.select(sa.func.max(Audit.id))
        .where(Audit.centre_id.in_([c.id for c in centres]), audit_filter(user))
        .group_by(Audit.centre_id)
    )
    audits = {
        a.centre_id: a
        for a in db.session.scalars(
            sa.select(Audit).where(Audit.id.in_(latest_ids)).options(selectinload(Audit.catalog))
        )
    } if centres else {}
    results = score_audits(audits.values())
    rows = [
        CentreRow(c, audits.get(c.id), results.get(audits[c.id].id) if c.id in audits else None)
        for c in centres
    ]
    return Page(rows=rows, page=page, per_page=per_page, total=total)
