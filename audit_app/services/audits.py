"""Planning audits, saving assessments and moving audits through the workflow."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..catalog import Criterion, ScoringType
from ..extensions import db
from ..models import (
    Assessment,
    Audit,
    AuditMember,
    CatalogCriterion,
    CatalogStatus,
    CatalogVersion,
    Centre,
    Certificate,
    CertificateStatus,
    User,
    utcnow,
)
from ..scoring import Outcome, Severity
from ..workflow import (
    Action,
    Actor,
    AuditKind,
    AuditStatus,
    Decision,
    Refusal,
    Role,
    TeamRole,
    check_transition,
)
from . import events
from .catalogs import domain_catalog
from .errors import TransitionRefused, ValidationFailed, VersionConflict
from .scoring import score_audit


def plan_audit(
    *,
    centre: Centre,
    catalog: CatalogVersion,
    kind: AuditKind,
    planned_on: date,
    lead_auditor: User,
    auditors: list[User],
    guest: User | None = None,
    due_on: date | None = None,
    visit_on: date | None = None,
    actor=None,
) -> Audit:
    """Create an audit with its team and one empty assessment per criterion.

    Refuses (ValidationFailed) a catalogue that is not active, a team without an
    auditor besides the lead, a person twice on the team, a team member who is not an
    auditor, and any team member who is a contact of the audited centre.
    """
    fields: dict[str, str] = {}
    if catalog.status is not CatalogStatus.ACTIVE:
        fields["catalog"] = _l("only an active catalogue version can be used")
    team = [(lead_auditor, TeamRole.LEAD_AUDITOR)] + [(u, TeamRole.AUDITOR) for u in auditors]
    if guest is not None:
        team.append((guest, TeamRole.GUEST))
    if not auditors:
        fields["auditors"] = _l("at least one auditor besides the lead auditor is required")
    ids = [u.id for u, _ in team]
    if len(ids) != len(set(ids)):
        fields["team"] = _l("a person can be on the team only once")
    for user, role in team:
        if user.centre_id is not None and user.centre_id == centre.id:
            fields["team"] = _l("%(name)s is a contact of this centre and cannot audit it", name=user.name)
        elif role is not TeamRole.GUEST and not user.has_role(Role.AUDITOR, Role.LEAD):
            fields["team"] = _l("%(name)s is not an auditor", name=user.name)
        elif not user.active:
            fields["team"] = _l("%(name)s is deactivated", name=user.name)
    if due_on and due_on < planned_on:
        fields["due_on"] = _l("cannot be before the planned date")
    if fields:
        raise ValidationFailed(_l("the audit was not planned"), fields=fields)

    audit = Audit(
        centre=centre,
        catalog=catalog,
        kind=kind,
        planned_on=planned_on,
        visit_on=visit_on,
        due_on=due_on,
        status=AuditStatus.PLANNED,
    )
    audit.members = [
        AuditMember(user=u, team_role=role, position=i) for i, (u, role) in enumerate(team)
    ]
    db.session.add(audit)
    if not catalog.locked:
        catalog.locked = True  # from now on this catalogue version never changes
    db.session.flush()
    criterion_ids = db.session.scalars(
        sa.select(CatalogCriterion.id).where(CatalogCriterion.catalog_id == catalog.id)
    ).all()
    db.session.add_all(Assessment(audit_id=audit.id, criterion_id=cid) for cid in criterion_ids)
    db.session.flush()
    events.record(
        "audit_planned",
        actor=actor,
        subject_type="audit",
        subject_id=audit.id,
        audit_id=audit.id,
        new={
            "centre_id": centre.id,
            "catalog": catalog.label,
            "kind": kind.value,
            "planned_on": planned_on.isoformat(),
            "team": [{"user_id": u.id, "role": r.value} for u, r in team],
        },
    )
    return audit


@dataclass(frozen=True)
class AnswerInput:
    """What an auditor sends for one criterion (already parsed from form or JSON)."""

    points: int | None = None
    value: str | Decimal | None = None
    not_applicable: bool = False
    na_reason: str = ""
    comment: str = ""
    finding: str = ""
    finding_severity: str | None = None


def _snapshot(a: Assessment) -> dict:
    return {
        "points": a.points,
        "value": None if a.value is None else str(a.value),
        "not_applicable": a.not_applicable,
        "na_reason": a.na_reason,
        "comment": a.comment,
        "finding": a.finding,
        "finding_severity": a.finding_severity.value if a.finding_severity else None,
    }


def _same_answer(clean: dict, a: Assessment) -> bool:
    """Whether the cleaned answer ``clean`` is exactly the stored one (numbers by value)."""
    return (clean["points"] == a.points
            and (clean["value"] is None) == (a.value is None)
            and (clean["value"] is None or Decimal(clean["value"]) == Decimal(a.value))
            and clean["not_applicable"] == a.not_applicable
            and clean["na_reason"] == a.na_reason and clean["comment"] == a.comment
            and clean["finding"] == a.finding
            and clean["finding_severity"] == a.finding_severity)


def validate_answer(criterion: Criterion, data: AnswerInput) -> tuple[dict, dict[str, str]]:
    """Check one answer against its criterion: the cleaned values and the field errors."""
    fields: dict[str, str] = {}
    clean = {
        "points": None,
        "value": None,
        "not_applicable": bool(data.not_applicable),
        "na_reason": (data.na_reason or "").strip(),
        "comment": (data.comment or "").strip(),
        "finding": (data.finding or "").strip(),
        "finding_severity": None,
    }
    if clean["not_applicable"]:
        if not criterion.na_allowed:
            fields["not_applicable"] = (
                _l("a knock-out criterion cannot be N/A")
                if criterion.knockout
                else _l("N/A is not allowed for this criterion")
            )
        if not clean["na_reason"]:
            fields["na_reason"] = _l("N/A needs a written reason")
        if data.points is not None or data.value not in (None, ""):
            fields["points"] = _l("an N/A criterion has no points")
    elif criterion.type is ScoringType.NUMBER:
        if data.points is not None:
            fields["points"] = _l("this criterion takes a number, not points")
        if data.value not in (None, ""):
            try:
                value = Decimal(str(data.value).replace(",", ".").strip())
                if not value.is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                fields["value"] = _l("must be a number")
            else:
                if not criterion.value_in_range(value):
                    fields["value"] = _l("is outside the allowed range")
                elif value != value.quantize(Decimal("0.01")):
                    fields["value"] = _l("at most two decimal places")
                else:
                    clean["value"] = value
    else:
        if data.value not in (None, ""):
            fields["value"] = _l("this criterion takes points, not a number")
        if data.points is not None:
            if data.points not in criterion.allowed_points:
                allowed = ", ".join(str(p) for p in criterion.allowed_points)
                fields["points"] = _l("must be one of %(allowed)s", allowed=allowed)
            else:
                clean["points"] = data.points
    if data.finding_severity:
        try:
            clean["finding_severity"] = Severity(data.finding_severity)
        except ValueError:
            fields["finding_severity"] = _l("unknown severity")
    if clean["finding"] and clean["finding_severity"] is None and "finding_severity" not in fields:
        fields["finding_severity"] = _l("a finding needs a severity")
    for key, limit in (("comment", 5000), ("na_reason", 2000), ("finding", 2000)):
        if len(clean[key]) > limit:
            fields[key] = _l("must be at most %(limit)s characters", limit=limit)
    return clean, fields


def get_assessment(audit: Audit, code: str) -> Assessment | None:
    return db.session.scalar(
        sa.select(Assessment)
        .join(CatalogCriterion, Assessment.criterion_id == CatalogCriterion.id)
        .where(Assessment.audit_id == audit.id, CatalogCriterion.code == code)
    )


def save_assessment(
    audit: Audit, code: str, data: AnswerInput, *, expected_version: int, actor: User
) -> Assessment:
    """Store an auditor's answer for one criterion, or refuse it and change nothing.

    Raises ValidationFailed (bad input, or the audit is not open for editing),
    VersionConflict (someone saved since ``expected_version`` was read; carries their
    stored assessment). Writes an event with the old and new values.
    """
    if audit.status not in (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS):
        raise ValidationFailed(_l("this audit cannot be edited in its current status"))
    assessment = get_assessment(audit, code)
    catalog = domain_catalog(audit.catalog_id, checksum=audit.catalog.checksum)
    if assessment is None or not catalog.has_criterion(code):
        raise ValidationFailed(_l("unknown criterion"), fields={"code": _l("no criterion %(code)s", code=code)})
    clean, fields = validate_answer(catalog.criterion(code), data)
    if fields:
        raise ValidationFailed(_l("the answer was not saved"), fields=fields)
    if assessment.version != expected_version:
        if _same_answer(clean, assessment):
            # Exactly what is stored already (typically a resend whose answer was lost on
            # the way back): nothing would be overwritten, so it is no conflict.
            return assessment
        raise VersionConflict(_l("someone else saved this criterion meanwhile"), current=assessment)
    actor_id = actor.id
    old = _snapshot(assessment)
    # One UPDATE per save (one version step): nothing may autoflush half of the change.
    with db.session.no_autoflush:
        for key, value in clean.items():
            setattr(assessment, key, value)
        new = _snapshot(assessment)
        if new == old:
            return assessment
        assessment.updated_by_id = actor_id
        assessment.updated_at = utcnow()
    if audit.status is AuditStatus.PLANNED:
        _apply(audit, AuditStatus.IN_PROGRESS, Action.START, actor, "first answer saved")
    try:
        db.session.flush()  # the version check happens here
    except sa.orm.exc.StaleDataError:
        # Another transaction saved the same version first (PostgreSQL: our UPDATE waited
        # for its commit and then matched no row). The caller rolls back.
        raise VersionConflict(_l("someone else saved this criterion meanwhile"),
                              current=assessment) from None
    events.record(
        "assessment_saved",
        actor=actor,
        subject_type="assessment",
        subject_id=assessment.id,
        audit_id=audit.id,
        old={k: v for k, v in old.items() if v != new[k]},
        new={k: v for k, v in new.items() if v != old[k]},
        note=code,
    )
    return assessment


def _actor(audit: Audit, user: User) -> Actor:
    return Actor(user_id=user.id, roles=user.roles, team_role=audit.team_role_of(user.id))


def _apply(audit: Audit, target: AuditStatus, action: Action, user: User, note: str,
           at: datetime | None = None) -> None:
    old = audit.status
    audit.status = target
    events.record(
        f"audit_{action.value}",
        actor=user,
        subject_type="audit",
        subject_id=audit.id,
        audit_id=audit.id,
        old=old.value,
        new=target.value,
        note=note,
        at=at,
    )


def transition(
    audit: Audit,
    action: Action,
    actor: User,
    *,
    note: str = "",
    decision: Decision | None = None,
    override_reason: str = "",
    now: datetime | None = None,
) -> AuditStatus:
    """Apply a workflow action after the table, role, four-eyes and precondition checks.

    Deciding stores the decision, its note, who and when; a decision that differs from
    the computed outcome needs ``override_reason``. Raises TransitionRefused.
    """
    result = score_audit(audit) if action in (Action.SUBMIT, Action.DECIDE) else None
    outcome = check_transition(
        audit.status,
        action,
        _actor(audit, actor),
        missing_criteria=result.missing if result else (),
        note=note,
    )
    if isinstance(outcome, Refusal):
        raise TransitionRefused(
            _l("This step is not possible now."),
            refusal_code=outcome.code,
            details=outcome.details,
        )
    if action is Action.DECIDE:
        if decision is None:
            raise ValidationFailed(_l("a decision is required"), fields={"decision": _l("required")})
        computed = result.outcome
        if computed is Outcome.INCOMPLETE:
            raise TransitionRefused(_l("the audit is incomplete"), refusal_code="incomplete",
                                    details=result.missing)
        if decision.value != computed.value and not override_reason.strip():
            raise ValidationFailed(
                _l("the decision differs from the computed outcome"),
                fields={"override_reason": _l("a written justification is required")},
            )
        audit.decision = decision
        audit.decision_note = note.strip()
        audit.override_reason = override_reason.strip() if decision.value != computed.value else ""
        audit.decided_at = now or utcnow()
        audit.decided_by_id = actor.id
        audit.reviewer_id = actor.id
    if action is Action.BEGIN_REVIEW:
        audit.reviewer_id = actor.id
    if action is Action.REOPEN:
        audit.decision = None
        audit.decided_at = None
        audit.decided_by_id = None
        audit.override_reason = ""
        _invalidate_certificates(audit, actor, note)
        from .reports import invalidate_for

        invalidate_for(audit)
    _apply(audit, outcome, action, actor, note.strip(), at=now)
    if action is Action.DECIDE:
        events.record(
            "audit_decision",
            actor=actor,
            subject_type="audit",
            subject_id=audit.id,
            audit_id=audit.id,
            new={
                "decision": decision.value,
                "computed": result.outcome.value,
                "override": bool(audit.override_reason),
            },
            note=audit.override_reason,
            at=now,
        )
        if decision in (Decision.AWARD, Decision.AWARD_WITH_CONDITIONS):
            from .certificates import issue_for  # same transaction: no decision without it

            issue_for(audit, actor, audit.decided_at)
        from .reports import store_for_decision  # same transaction: no decision without it

        store_for_decision(audit, actor)
    db.session.flush()
    return outcome


def _invalidate_certificates(audit: Audit, actor: User, note: str) -> None:
    """A reopened audit's certificates lose their validity (the decision they rest on is open)."""
    certificates = db.session.scalars(
        sa.select(Certificate).where(
            Certificate.audit_id == audit.id,
            Certificate.status.in_((CertificateStatus.VALID, CertificateStatus.SUSPENDED)),
        )
    ).all()
    for certificate in certificates:
        old = certificate.status
        certificate.status = CertificateStatus.INVALIDATED
        certificate.status_reason = note.strip()
        events.record(
            "certificate_invalidated", actor=actor, subject_type="certificate",
            subject_id=certificate.id, audit_id=audit.id, old=old.value,
            new=CertificateStatus.INVALIDATED.value, note=certificate.number,
        )


def adjust_assessment(
    audit: Audit,
    code: str,
    *,
    actor: User,
    points: int | None = None,
    value: str | Decimal | None = None,
    reason: str = "",
    agree: bool = False,
) -> Assessment:
    """A reviewer agrees with or adjusts one criterion; an adjustment needs a reason."""
    if audit.status not in (AuditStatus.SUBMITTED, AuditStatus.IN_REVIEW):
        raise ValidationFailed(_l("this audit is not under review"))
    if audit.team_role_of(actor.id) is not None or not actor.has_role(Role.LEAD):
        raise TransitionRefused(_l("four-eyes: reviewers must not be on the team"),
                                refusal_code="four_eyes")
    assessment = get_assessment(audit, code)
    catalog = domain_catalog(audit.catalog_id, checksum=audit.catalog.checksum)
    if assessment is None:
        raise ValidationFailed(_l("unknown criterion"), fields={"code": _l("no criterion %(code)s", code=code)})
    criterion = catalog.criterion(code)
    old = {
        "adjusted_points": assessment.adjusted_points,
        "adjusted_value": None if assessment.adjusted_value is None else str(assessment.adjusted_value),
        "adjustment_reason": assessment.adjustment_reason,
    }
    actor_id = actor.id
    if agree:
        assessment.adjusted_points = None
        assessment.adjusted_value = None
        assessment.adjustment_reason = ""
    else:
        clean, fields = validate_answer(criterion, AnswerInput(points=points, value=value))
        if clean["points"] is None and clean["value"] is None and not fields:
            fields["points"] = _l("an adjustment needs points or a value")
        if not reason.strip():
            fields["reason"] = _l("an adjustment needs a written reason")
        if fields:
            raise ValidationFailed(_l("the adjustment was not saved"), fields=fields)
        assessment.adjusted_points = clean["points"]
        assessment.adjusted_value = clean["value"]
        assessment.adjustment_reason = reason.strip()
    assessment.reviewed_by_id = actor_id
    assessment.reviewed_at = utcnow()
    db.session.flush()
    events.record(
        "assessment_agreed" if agree else "assessment_adjusted",
        actor=actor,
        subject_type="assessment",
        subject_id=assessment.id,
        audit_id=audit.id,
        old=old,
        new={
            "adjusted_points": assessment.adjusted_points,
            "adjusted_value": None if assessment.adjusted_value is None else str(assessment.adjusted_value),
            "adjustment_reason": assessment.adjustment_reason,
        },
        note=code,
    )
    return assessment
