"""Page data for the checklist, review and audit pages: a constant number of queries.

Catalogue texts come from the cached pure catalogue; assessments, their evidence and the
people involved are loaded in one query each, whatever the number of criteria.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..catalog import Catalog, Category, Criterion
from ..extensions import db
from ..models import Assessment, Audit, AuditMember, CatalogCriterion, Event, Evidence
from ..scoring import ScoreResult, score
from .catalogs import domain_catalog
from .scoring import _manual_findings, answer_of


@dataclass
class Item:
    """One criterion on a page: the catalogue's definition and the stored assessment."""

    criterion: Criterion
    assessment: Assessment
    evidence: list[Evidence] = field(default_factory=list)
    #: A renewal's previous cycle for this criterion (None: not a renewal with a previous
    #: audit); see :mod:`audit_app.services.renewal`.
    previous: object = None

    @property
    def carried(self) -> set[int]:
        """Ids of the previous cycle's files already carried forward onto this criterion."""
        return {ev.carried_from_id for ev in self.evidence if ev.carried_from_id}


@dataclass
class Section:
    category: Category
    items: list[Item]
    answered: int
    result: object  # CategoryResult


@dataclass
class AuditSheet:
    audit: Audit
    catalog: Catalog
    sections: list[Section]
    items: dict[str, Item]
    result: ScoreResult
    #: The previous cycle of a renewal (:class:`audit_app.services.renewal.PreviousCycle`).
    previous: object = None


def load_audit(audit_id: int) -> Audit | None:
    """The audit with centre, catalogue and team (users) loaded in a fixed number of queries."""
    return db.session.scalar(
        sa.select(Audit)
        .where(Audit.id == audit_id)
        .options(
            joinedload(Audit.centre),
            joinedload(Audit.catalog),
            selectinload(Audit.members).joinedload(AuditMember.user),
        )
    )


def audit_sheet(audit: Audit) -> AuditSheet:
    """Everything the checklist and review pages show for ``audit``, scored."""
    catalog = domain_catalog(audit.catalog_id, checksum=audit.catalog.checksum)
    rows = db.session.execute(
        sa.select(CatalogCriterion.code, Assessment)
        .join(Assessment, Assessment.criterion_id == CatalogCriterion.id)
        .where(Assessment.audit_id == audit.id)
        .options(joinedload(Assessment.updated_by), joinedload(Assessment.reviewed_by))
    ).all()
    by_code = {code: a for code, a in rows}
    evidence: dict[int, list[Evidence]] = {}
    for ev in db.session.scalars(
        sa.select(Evidence)
        .join(Assessment, Evidence.assessment_id == Assessment.id)
        .where(Assessment.audit_id == audit.id, Evidence.removed_at.is_(None))
        .options(joinedload(Evidence.uploaded_by))
        .order_by(Evidence.uploaded_at, Evidence.id)
    ):
        evidence.setdefault(ev.assessment_id, []).append(ev)
    result = score(
        catalog,
        {code: answer_of(a) for code, a in by_code.items()},
        _manual_findings(rows),
    )
    from .renewal import previous_cycle

    cycle = previous_cycle(audit) if audit.previous_audit_id is not None else None
    items = {
        c.code: Item(c, by_code[c.code], evidence.get(by_code[c.code].id, []),
                     cycle.by_code.get(c.code) if cycle is not None else None)
        for c in catalog.criteria
        if c.code in by_code
    }
    sections = [
        Section(
            category=cat,
            items=[items[c.code] for c in cat.criteria if c.code in items],
            answered=sum(1 for c in cat.criteria if c.code in items and items[c.code].assessment.answered),
            result=result.category(cat.code),
        )
        for cat in catalog.categories
    ]
    return AuditSheet(audit=audit, catalog=catalog, sections=sections, items=items, result=result,
                      previous=cycle)


def _timeline_query(audit: Audit) -> sa.Select:
    return (sa.select(Event).where(Event.audit_id == audit.id).options(joinedload(Event.actor))
            .order_by(Event.id.desc()))


def timeline_page(audit: Audit, page: int, per_page: int):
    """One page of the audit's events, newest first (paged in SQL; empty past the end)."""
    from .paging import page_of

    return page_of(_timeline_query(audit), page, per_page, clamp=False)


def timeline(audit: Audit) -> list[Event]:
    """The audit's events, newest first, with their actors (one query)."""
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.audit_id == audit.id)
            .options(joinedload(Event.actor))
            .order_by(Event.id.desc())
        )
    )


@dataclass(frozen=True)
class ReviewProgress:
    """How far the review is: criteria agreed with or adjusted, and the open ones (codes)."""

    reviewed: int
    total: int
    open_codes: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.open_codes


def review_progress(sheet: AuditSheet) -> ReviewProgress:
    """The review's progress from an already loaded sheet (no query)."""
    codes = [c.code for c in sheet.catalog.criteria if c.code in sheet.items]
    open_codes = tuple(code for code in codes if sheet.items[code].assessment.reviewed_at is None)
    return ReviewProgress(reviewed=len(codes) - len(open_codes), total=len(codes),
                          open_codes=open_codes)


@dataclass
class TrailEntry:
    """One line of the audit trail: an event, or several of one kind by one person at once
    (e.g. "agreed with 39 criteria") folded together."""

    event: Event
    count: int = 1
    codes: list[str] = field(default_factory=list)


def trail(audit: Audit, group: str | None = None) -> list[TrailEntry]:
    """The audit's trail, newest first, optionally only one group of events (see
    ``labels.EVENT_GROUPS``); a run of agreements by one reviewer becomes one entry. One query.
    """
    from ..labels import EVENT_GROUPS
    from ..models import EventAction

    stmt = (sa.select(Event).where(Event.audit_id == audit.id)
            .options(joinedload(Event.actor)).order_by(Event.id.desc()))
    if group:
        actions = [a.value for a, g in EVENT_GROUPS.items() if g == group]
        stmt = stmt.where(Event.action.in_(actions))
    entries: list[TrailEntry] = []
    for event in db.session.scalars(stmt):
        last = entries[-1] if entries else None
        if (last is not None and event.action == EventAction.ASSESSMENT_AGREED
                and last.event.action == event.action and last.event.actor_id == event.actor_id
                and not _changed(event) and not _changed(last.event)):
            last.count += 1
            last.codes.append(event.note)
            continue
        entries.append(TrailEntry(event, 1, [event.note] if event.note else []))
    for entry in entries:
        entry.codes.reverse()  # catalogue order (they were read newest first)
    return entries


def _changed(event: Event) -> bool:
    """Whether an agreement discarded an adjustment (then it stays an entry of its own)."""
    old = event.old if isinstance(event.old, dict) else {}
    new = event.new if isinstance(event.new, dict) else {}
    return any(old.get(k) != new.get(k) for k in set(old) | set(new))
