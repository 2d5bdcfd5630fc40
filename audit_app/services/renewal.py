"""Renewal audits: the previous cycle beside every criterion, carried-forward evidence, and the
comparison of the two cycles for the report.

A renewal audit names the centre's earlier decided audit it starts from
(``Audit.previous_audit_id``, set when it is planned). Which previous criteria belong to a
criterion follows the catalogue versions' mappings (:mod:`audit_app.catalog.lineage`): the
same code within one version, or the chain of ``predecessor`` mappings from the new version
back to the old one. Without such a chain (another key, or a version the new one does not
descend from) criteria are matched by their code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..catalog import Catalog, Criterion, LineageKind, Text
from ..catalog.lineage import compose, identity, kinds
from ..extensions import db
from ..models import (
    Assessment,
    Audit,
    CatalogCriterion,
    CatalogVersion,
    Condition,
    ConditionState,
    EventAction,
    Evidence,
    User,
    utcnow,
)
from ..scoring import ScoreResult, score
from ..workflow import EDITABLE_BY_TEAM, AuditStatus, Decision
from . import events
from .catalogs import domain_catalog
from .errors import ValidationFailed

#: How many catalogue versions a chain of predecessors may span before it is given up.
MAX_CHAIN = 20


@dataclass
class PreviousEntry:
    """One criterion of the previous cycle: its final values, files and conditions."""

    code: str
    criterion: Criterion
    points: int | None  # final points (the reviewer's adjustment wins), None for N/A or none
    value: object  # the final raw value of a number criterion (Decimal) or None
    not_applicable: bool
    na_reason: str
    comment: str
    finding: str
    finding_severity: object
    adjusted: bool
    evidence: list[Evidence] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)


@dataclass
class Previous:
    """What the previous cycle says about one criterion of the new audit."""

    kind: LineageKind
    entries: list[PreviousEntry]


@dataclass
class PreviousCycle:
    """The previous cycle of a renewal audit, mapped onto the new audit's criteria."""

    audit: Audit
    year: int
    decided_on: date | None
    catalog: Catalog
    result: ScoreResult
    by_code: dict[str, Previous]
    conditions: list[Condition]
    #: True when a catalogue mapping connects the versions (False: matched by code).
    mapped: bool


def sources_between(new: CatalogVersion, old: CatalogVersion) -> tuple[dict[str, tuple[str, ...]], bool]:
    """``{new code: (old codes, ...)}`` from ``new``'s predecessor chain back to ``old``, and
    whether such a chain exists (else the codes are matched as they are)."""
    new_catalog = domain_catalog(new.id, checksum=new.checksum)
    old_catalog = domain_catalog(old.id, checksum=old.checksum)
    new_codes = [c.code for c in new_catalog.criteria]
    old_codes = [c.code for c in old_catalog.criteria]
    if new.id == old.id:
        return identity(new_codes, old_codes), True
    mapping = None
    current = new
    for _hop in range(MAX_CHAIN):
        predecessor = current.predecessor
        if not predecessor:
            break
        step = {k: tuple(v) for k, v in predecessor["sources"].items()}
        mapping = step if mapping is None else compose(mapping, step)
        older = db.session.scalar(sa.select(CatalogVersion).where(
            CatalogVersion.key == current.key,
            CatalogVersion.version == predecessor["version"]))
        if older is None:
            break
        if older.id == old.id:
            return {code: mapping.get(code, ()) for code in new_codes}, True
        current = older
    return identity(new_codes, old_codes), False


def decision_year(audit: Audit) -> int:
    from .certificates import decision_day

    return decision_day(audit.decided_at).year if audit.decided_at else audit.planned_on.year


def previous_cycle(audit: Audit) -> PreviousCycle | None:
    """The previous cycle of ``audit`` mapped onto its criteria; None without one.

    A fixed number of queries: the previous audit, its assessments, its files, its
    conditions, and the catalogue versions of the mapping chain.
    """
    if audit.previous_audit_id is None:
        return None
    from .scoring import _manual_findings, answer_of

    previous = db.session.scalar(
        sa.select(Audit).where(Audit.id == audit.previous_audit_id)
        .options(joinedload(Audit.catalog)))
    if previous is None:
        return None
    old_catalog = domain_catalog(previous.catalog_id, checksum=previous.catalog.checksum)
    rows = db.session.execute(
        sa.select(CatalogCriterion.code, Assessment)
        .join(Assessment, Assessment.criterion_id == CatalogCriterion.id)
        .where(Assessment.audit_id == previous.id)
    ).all()
    by_old = {code: a for code, a in rows}
    files: dict[int, list[Evidence]] = {}
    for ev in db.session.scalars(
        sa.select(Evidence).join(Assessment, Evidence.assessment_id == Assessment.id)
        .where(Assessment.audit_id == previous.id, Evidence.removed_at.is_(None))
        .options(joinedload(Evidence.uploaded_by))
        .order_by(Evidence.uploaded_at, Evidence.id)
    ):
        files.setdefault(ev.assessment_id, []).append(ev)
    conditions = list(db.session.scalars(
        sa.select(Condition).where(Condition.audit_id == previous.id)
        .order_by(Condition.position, Condition.id)))
    by_criterion: dict[str, list[Condition]] = {}
    for condition in conditions:
        by_criterion.setdefault(condition.criterion_code or "", []).append(condition)
    result = score(old_catalog, {code: answer_of(a) for code, a in by_old.items()},
                   _manual_findings(rows))
    mapping, mapped = sources_between(audit.catalog, previous.catalog)
    kind_of = kinds(mapping)
    entries: dict[str, PreviousEntry] = {}
    for code, assessment in by_old.items():
        if not old_catalog.has_criterion(code):
            continue
        final = result.criteria.get(code)
        entries[code] = PreviousEntry(
            code=code, criterion=old_catalog.criterion(code),
            points=final.points if final else None,
            value=(assessment.adjusted_value if assessment.adjusted_value is not None
                   else assessment.value),
            not_applicable=assessment.not_applicable and assessment.adjusted_points is None
            and assessment.adjusted_value is None,
            na_reason=assessment.na_reason, comment=assessment.comment,
            finding=assessment.finding, finding_severity=assessment.finding_severity,
            adjusted=assessment.adjusted_points is not None
            or assessment.adjusted_value is not None,
            evidence=files.get(assessment.id, []),
            conditions=by_criterion.get(code, []),
        )
    by_code = {code: Previous(kind_of[code], [entries[o] for o in olds if o in entries])
               for code, olds in mapping.items()}
    from .certificates import decision_day

    return PreviousCycle(
        audit=previous, year=decision_year(previous),
        decided_on=decision_day(previous.decided_at) if previous.decided_at else None,
        catalog=old_catalog, result=result, by_code=by_code, conditions=conditions,
        mapped=mapped)


# --- planning a renewal ---------------------------------------------------------------------

AWARDING = (Decision.AWARD, Decision.AWARD_WITH_CONDITIONS)


def latest_decided(centre_id: int) -> Audit | None:
    """The centre's latest decided audit, an awarding one first (the cycle a renewal
    continues); a refused one only when nothing was ever awarded."""
    for condition in (Audit.decision.in_(AWARDING), Audit.decision.is_not(None)):
        audit = db.session.scalar(
            sa.select(Audit).where(Audit.centre_id == centre_id, Audit.status == AuditStatus.DECIDED,
                                   condition)
            .order_by(Audit.decided_at.desc(), Audit.id.desc()).limit(1))
        if audit is not None:
            return audit
    return None


def previous_problems(centre, previous: Audit | None) -> dict[str, str]:
    """Why ``previous`` cannot be the cycle a renewal of ``centre`` starts from ({} if it can)."""
    if previous is None:
        return {}
    if centre is not None and previous.centre_id != centre.id:
        return {"previous_audit": _l("the previous audit is of another centre")}
    if previous.status is not AuditStatus.DECIDED:
        return {"previous_audit": _l("the previous audit has not been decided")}
    return {}


# --- carrying evidence forward --------------------------------------------------------------


def previous_files(cycle: PreviousCycle | None, code: str) -> list[Evidence]:
    """The previous cycle's files shown beside criterion ``code`` (through the mapping)."""
    if cycle is None or code not in cycle.by_code:
        return []
    return [ev for entry in cycle.by_code[code].entries for ev in entry.evidence]


def carried_ids(assessment: Assessment) -> set[int]:
    """Ids of the previous files already carried forward onto ``assessment`` (not removed)."""
    return set(db.session.scalars(
        sa.select(Evidence.carried_from_id).where(
            Evidence.assessment_id == assessment.id, Evidence.removed_at.is_(None),
            Evidence.carried_from_id.is_not(None))))


def carry_forward(audit: Audit, code: str, evidence_id: int, *, actor: User, still_valid: bool,
                  today: date, valid_until: date | None = None,
                  now: datetime | None = None) -> Evidence:
    """Carry one file of the previous cycle onto criterion ``code``, confirmed „noch gültig“.

    Never silently: ``still_valid`` must be True. A file whose „gültig bis“ lies before
    ``today`` (expired) needs a new ``valid_until`` as the new confirmation; a given
    ``valid_until`` cannot be in the past. The new row names the same stored bytes (files are
    content-addressed), the person who confirmed it and when, and the file it came from.
    Refuses (ValidationFailed) an audit that cannot be edited, a file that is not the
    previous cycle's for this criterion, and one carried forward already.
    """
    from .audits import get_assessment

    if audit.status not in EDITABLE_BY_TEAM:
        raise ValidationFailed(_l("this audit cannot be edited in its current status"))
    assessment = get_assessment(audit, code)
    cycle = previous_cycle(audit)
    if assessment is None:
        raise ValidationFailed(_l("unknown criterion"),
                               fields={"code": _l("no criterion %(code)s", code=code)})
    old = next((ev for ev in previous_files(cycle, code) if ev.id == evidence_id), None)
    if old is None:
        raise ValidationFailed(_l("the file was not carried forward"), fields={
            "evidence_id": _l("not a file of the previous cycle for this criterion")})
    fields: dict[str, str] = {}
    if not still_valid:
        fields["still_valid"] = _l("Confirm that the file is still valid („noch gültig“).")
    if valid_until is not None and valid_until < today:
        fields["valid_until"] = _l("cannot be in the past")
    elif valid_until is None and old.expired(today):
        fields["valid_until"] = _l(
            "The file's validity ended on %(day)s: give a new „valid until“ date to confirm it.",
            day=old.valid_until.strftime("%d.%m.%Y"))
    if old.id in carried_ids(assessment):
        fields["evidence_id"] = _l("this file has been carried forward already")
    if fields:
        raise ValidationFailed(_l("the file was not carried forward"), fields=fields)
    now = now or utcnow()
    evidence = Evidence(
        assessment_id=assessment.id, original_name=old.original_name, size=old.size,
        media_type=old.media_type, sha256=old.sha256, storage_key=old.storage_key,
        uploaded_by_id=actor.id, uploaded_at=now, document_date=old.document_date,
        valid_until=valid_until or old.valid_until, carried_from_id=old.id,
    )
    db.session.add(evidence)
    db.session.flush()
    events.record(EventAction.EVIDENCE_CARRIED_FORWARD, actor=actor, subject_type="evidence",
                  subject_id=evidence.id, audit_id=audit.id, at=now, note=code,
                  new={"name": old.original_name, "sha256": old.sha256,
                       "from_audit": cycle.audit.number,
                       "valid_until": evidence.valid_until.isoformat()
                       if evidence.valid_until else None})
    return evidence


# --- the report's comparison ----------------------------------------------------------------


@dataclass(frozen=True)
class CategoryComparison:
    code: str
    title: Text
    previous: Fraction | None
    current: Fraction | None
    previous_dropped: bool
    current_dropped: bool


@dataclass(frozen=True)
class CriterionChange:
    code: str
    title: Text
    previous_code: str
    previous_points: int
    current_points: int


@dataclass(frozen=True)
class PreviousCondition:
    criterion_code: str | None
    text: Text
    deadline: date
    state: ConditionState
    closed_on: date | None
    #: The criterion of the new audit it belongs to now (through the mapping), if any.
    current_code: str | None


@dataclass(frozen=True)
class RenewalComparison:
    """The report's renewal section: both cycles side by side (plain values)."""

    previous_number: str
    previous_year: int
    previous_decided_on: date | None
    previous_catalog: Text
    previous_version: str
    previous_overall: Fraction | None
    current_overall: Fraction | None
    categories: tuple[CategoryComparison, ...]
    improved: tuple[CriterionChange, ...]
    declined: tuple[CriterionChange, ...]
    conditions: tuple[PreviousCondition, ...]


def comparison(cycle: PreviousCycle, catalog: Catalog, result: ScoreResult,
               today: date) -> RenewalComparison:
    """Per category the previous and current percent; the criteria that improved or declined
    (one previous criterion each, points on both sides); the previous conditions with their
    outcome on ``today``."""
    from .certificates import decision_day
    from .conditions import state_of

    categories = []
    for category in catalog.categories:
        current = result.category(category.code)
        try:
            before = cycle.result.category(category.code)
        except KeyError:
            before = None
        categories.append(CategoryComparison(
            code=category.code, title=category.title,
            previous=before.percent if before is not None and not before.dropped else None,
            current=current.percent if not current.dropped else None,
            previous_dropped=bool(before is not None and before.dropped),
            current_dropped=current.dropped))
    improved, declined = [], []
    for criterion in catalog.criteria:
        previous = cycle.by_code.get(criterion.code)
        now = result.criteria.get(criterion.code)
        if previous is None or len(previous.entries) != 1 or now is None or now.points is None:
            continue
        entry = previous.entries[0]
        if entry.points is None:
            continue
        change = CriterionChange(criterion.code, criterion.title, entry.code, entry.points,
                                 now.points)
        if now.points > entry.points:
            improved.append(change)
        elif now.points < entry.points:
            declined.append(change)
    owner = {e.code: code for code, prev in cycle.by_code.items() for e in prev.entries}
    conditions = tuple(
        PreviousCondition(
            criterion_code=c.criterion_code, text=Text(c.text_de, c.text_en),
            deadline=c.deadline, state=state_of(c, today),
            closed_on=decision_day(c.closed_at) if c.closed_at else None,
            current_code=owner.get(c.criterion_code or ""))
        for c in cycle.conditions)
    number = cycle.audit.number
    return RenewalComparison(
        previous_number=number, previous_year=cycle.year,
        previous_decided_on=cycle.decided_on,
        previous_catalog=cycle.catalog.title, previous_version=cycle.catalog.version,
        previous_overall=cycle.result.overall_percent, current_overall=result.overall_percent,
        categories=tuple(categories), improved=tuple(improved), declined=tuple(declined),
        conditions=conditions)
