"""Planning audits, saving assessments and moving audits through the workflow."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

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
    EventAction,
    User,
    utcnow,
)
from ..permissions import audit_filter
from ..scoring import Outcome, Severity
from ..workflow import (
    Action,
    Actor,
    AuditKind,
    AuditStatus,
    CENTRE_ACTIONS,
    EDITABLE_BY_TEAM,
    Decision,
    Refusal,
    RefusalCode,
    Role,
    TeamRole,
    check_transition,
)
from . import events
from .catalogs import domain_catalog
from .errors import TransitionRefused, ValidationFailed, VersionConflict
from .inputs import InputError, clean_text, parse_decimal, parse_points
from .paging import Page, page_of
from .scoring import score_audit


def team_problems(centre: Centre | None, lead_auditor: User | None, auditors: list[User],
                  guest: User | None = None) -> dict[str, str]:
    """Every problem with an audit team as ``{field: message}`` (empty: the team is fine).

    The team rules, in one place for the planning form, the API and :func:`plan_audit`:
    at least one auditor besides the lead auditor; nobody twice; every member (the guest
    too) an active auditor or working-group lead; nobody who is a contact of the audited
    centre. Fields: ``auditors`` (the number of auditors, repetitions), ``team`` (a member
    who may not audit) and ``guest`` (the guest auditor).
    """
    fields: dict[str, str] = {}
    if not auditors:
        fields["auditors"] = _l("Choose at least one auditor besides the lead auditor.")
    elif lead_auditor is not None and lead_auditor.id in {u.id for u in auditors}:
        fields["auditors"] = _l("The lead auditor is already on the team.")
    elif len({u.id for u in auditors}) != len(auditors):
        fields["auditors"] = _l("a person can be on the team only once")
    if guest is not None and guest.id in {u.id for u in [*auditors, lead_auditor] if u}:
        fields["guest"] = _l("a person can be on the team only once")
    members = [("team", lead_auditor)] + [("team", u) for u in auditors] + [("guest", guest)]
    for key, user in members:
        if user is None or key in fields:
            continue
        if centre is not None and user.centre_id is not None and user.centre_id == centre.id:
            fields[key] = _l("%(name)s is a contact of this centre and cannot audit it",
                             name=user.name)
        elif not user.has_role(Role.AUDITOR, Role.LEAD):
            fields[key] = _l("%(name)s is not an auditor", name=user.name)
        elif not user.active:
            fields[key] = _l("%(name)s is deactivated", name=user.name)
    return fields


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
    previous: Audit | None = None,
) -> Audit:
    """Create an audit with its team and one empty assessment per criterion.

    A renewal starts from the previous cycle: ``previous`` (a decided audit of the same
    centre), else the centre's latest decided audit (an awarding one first), if any; its
    values, files and conditions are then shown beside every criterion.

    Refuses (ValidationFailed) a catalogue that is not active, a due date before the
    planned date, a previous audit for an initial audit or one that is not a decided audit
    of this centre, and every team problem of :func:`team_problems` (the guest included).
    """
    from .renewal import latest_decided, previous_problems

    fields: dict[str, str] = {}
    if catalog.status is not CatalogStatus.ACTIVE:
        fields["catalog"] = _l("only an active catalogue version can be used")
    if previous is not None and kind is not AuditKind.RENEWAL:
        fields["kind"] = _l("an audit that starts from a previous one is a renewal audit")
    fields.update(previous_problems(centre, previous))
    if kind is AuditKind.RENEWAL and previous is None and not fields.get("kind"):
        previous = latest_decided(centre.id)
    fields.update(team_problems(centre, lead_auditor, auditors, guest))
    team = [(lead_auditor, TeamRole.LEAD_AUDITOR)] + [(u, TeamRole.AUDITOR) for u in auditors]
    if guest is not None:
        team.append((guest, TeamRole.GUEST))
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
        previous_audit_id=previous.id if previous is not None else None,
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
        EventAction.AUDIT_PLANNED,
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
            **({"previous_audit": previous.number} if previous is not None else {}),
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
    """Check one answer against its criterion: the cleaned values and the field errors.

    Texts go through :func:`~audit_app.services.inputs.clean_text` (NFC, limits of
    ``answer.*``), points and values through the input module's parsers (ASCII digits,
    values within ``NUMERIC(14,2)``), then the criterion's own rules apply.
    """
    fields: dict[str, str] = {}
    clean = {
        "points": None,
        "value": None,
        "not_applicable": bool(data.not_applicable),
        "na_reason": "",
        "comment": "",
        "finding": "",
        "finding_severity": None,
    }
    for key in ("na_reason", "comment", "finding"):
        try:
            clean[key] = clean_text(getattr(data, key), f"answer.{key}")
        except InputError as exc:
            fields[key] = exc.message
    try:
        points = parse_points(data.points)
    except InputError as exc:
        fields["points"], points = exc.message, None
    try:
        value = parse_decimal(data.value)
    except InputError as exc:
        fields["value"], value = exc.message, None
    if clean["not_applicable"]:
        if not criterion.na_allowed:
            fields["not_applicable"] = (
                _l("a knock-out criterion cannot be N/A")
                if criterion.knockout
                else _l("N/A is not allowed for this criterion")
            )
        if not clean["na_reason"] and "na_reason" not in fields:
            fields["na_reason"] = _l("N/A needs a written reason")
        if points is not None or value is not None:
            fields["points"] = _l("an N/A criterion has no points")
    elif criterion.type is ScoringType.NUMBER:
        if points is not None:
            fields["points"] = _l("this criterion takes a number, not points")
        if value is not None:
            if not criterion.value_in_range(value):
                fields["value"] = _l("is outside the allowed range")
            else:
                clean["value"] = value
    else:
        if value is not None:
            fields["value"] = _l("this criterion takes points, not a number")
        if points is not None:
            if points not in criterion.allowed_points:
                allowed = ", ".join(str(p) for p in criterion.allowed_points)
                fields["points"] = _l("must be one of %(allowed)s", allowed=allowed)
            else:
                clean["points"] = points
    if data.finding_severity:
        try:
            clean["finding_severity"] = Severity(data.finding_severity)
        except ValueError:
            fields["finding_severity"] = _l("unknown severity")
    if clean["finding"] and clean["finding_severity"] is None and "finding_severity" not in fields:
        fields["finding_severity"] = _l("a finding needs a severity")
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
    if audit.status not in EDITABLE_BY_TEAM:
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
    if audit.status in (AuditStatus.PLANNED, AuditStatus.DOCUMENTS_REVIEWED):
        _apply(audit, AuditStatus.IN_PROGRESS, Action.START, actor, "first answer saved")
    try:
        db.session.flush()  # the version check happens here
    except sa.orm.exc.StaleDataError:
        # Another transaction saved the same version first (PostgreSQL: our UPDATE waited
        # for its commit and then matched no row). The caller rolls back.
        raise VersionConflict(_l("someone else saved this criterion meanwhile"),
                              current=assessment) from None
    events.record(
        EventAction.ASSESSMENT_SAVED,
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
        EventAction(f"audit_{action.value}"),
        actor=user,
        subject_type="audit",
        subject_id=audit.id,
        audit_id=audit.id,
        old=old.value,
        new=target.value,
        note=note,
        at=at,
    )


def unreviewed_codes(audit: Audit) -> tuple[str, ...]:
    """The criteria a reviewer has neither agreed with nor adjusted, in catalogue order."""
    return tuple(db.session.scalars(
        sa.select(CatalogCriterion.code)
        .join(Assessment, Assessment.criterion_id == CatalogCriterion.id)
        .where(Assessment.audit_id == audit.id, Assessment.reviewed_at.is_(None))
        .order_by(CatalogCriterion.position)
    ))


def agree_with_remaining(audit: Audit, *, actor: User) -> list[str]:
    """The reviewer agrees with every criterion not reviewed yet (adjustments stay).

    Same rules as :func:`adjust_assessment` (under review, four-eyes); one event per
    criterion, as if each had been agreed with on its own. Returns the codes agreed with,
    in catalogue order. Two queries whatever the number of criteria.
    """
    if audit.status not in (AuditStatus.SUBMITTED, AuditStatus.IN_REVIEW):
        raise ValidationFailed(_l("this audit is not under review"))
    if audit.team_role_of(actor.id) is not None or not actor.has_role(Role.LEAD):
        raise TransitionRefused(_l("four-eyes: reviewers must not be on the team"),
                                refusal_code=RefusalCode.FOUR_EYES)
    rows = db.session.execute(
        sa.select(CatalogCriterion.code, Assessment)
        .join(Assessment, Assessment.criterion_id == CatalogCriterion.id)
        .where(Assessment.audit_id == audit.id, Assessment.reviewed_at.is_(None))
        .order_by(CatalogCriterion.position)
    ).all()
    now = utcnow()
    for code, assessment in rows:
        assessment.reviewed_by_id = actor.id
        assessment.reviewed_at = now
        events.record(
            EventAction.ASSESSMENT_AGREED, actor=actor, subject_type="assessment",
            subject_id=assessment.id, audit_id=audit.id,
            old={"adjusted_points": None, "adjusted_value": None, "adjustment_reason": ""},
            new={"adjusted_points": None, "adjusted_value": None, "adjustment_reason": ""},
            note=code,
        )
    db.session.flush()
    return [code for code, _a in rows]


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
    the computed outcome needs ``override_reason``. An award reserves the certificate's
    number; the certificate and report PDFs are queued and rendered after this transaction
    commits (:mod:`audit_app.services.documents`), never inside it. Raises
    TransitionRefused or ValidationFailed.
    """
    texts: dict[str, str] = {}
    for key, raw in (("note", note), ("override_reason", override_reason)):
        try:
            texts[key] = clean_text(raw, f"transition.{key}")
        except InputError as exc:
            texts[key] = ""
            problems = {key: exc.message}
            raise ValidationFailed(_l("This step is not possible now."), fields=problems) from None
    note, override_reason = texts["note"], texts["override_reason"]
    if action in CENTRE_ACTIONS:
        # The centre's steps carry more than a note (a team, the questionnaire): they go
        # through services/applications.py and its own endpoints.
        raise TransitionRefused(_l("This step is not possible now."),
                                refusal_code=RefusalCode.NOT_ALLOWED_FROM_STATUS,
                                details=(audit.status.value, action.value))
    result = score_audit(audit) if action in (Action.SUBMIT, Action.DECIDE) else None
    outcome = check_transition(
        audit.status,
        action,
        _actor(audit, actor),
        missing_criteria=result.missing if result else (),
        unreviewed_criteria=unreviewed_codes(audit) if action is Action.DECIDE else (),
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
            raise TransitionRefused(_l("the audit is incomplete"), refusal_code=RefusalCode.INCOMPLETE,
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
        from .documents import withdraw_pending
        from .reports import invalidate_for

        invalidate_for(audit)
        withdraw_pending(audit)
    _apply(audit, outcome, action, actor, note.strip(), at=now)
    if action is Action.DECIDE:
        events.record(
            EventAction.AUDIT_DECISION,
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
        certificate = None
        if decision in (Decision.AWARD, Decision.AWARD_WITH_CONDITIONS):
            from .certificates import issue_for  # the number: same transaction as the decision

            certificate = issue_for(audit, actor, audit.decided_at)
        from .documents import queue_for_decision  # the PDFs: right after its commit

        queue_for_decision(audit, certificate, actor)
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
    from .conditions import cancel_for_certificate

    for certificate in certificates:
        old = certificate.status
        certificate.status = CertificateStatus.INVALIDATED
        certificate.status_reason = note.strip()
        certificate.suspension_cause = None
        events.record(
            EventAction.CERTIFICATE_INVALIDATED, actor=actor, subject_type="certificate",
            subject_id=certificate.id, audit_id=audit.id, old=old.value,
            new=CertificateStatus.INVALIDATED.value, note=certificate.number,
        )
        cancel_for_certificate(certificate, actor, note.strip())


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
                                refusal_code=RefusalCode.FOUR_EYES)
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
        try:
            reason = clean_text(reason, "review.reason")
        except InputError as exc:
            fields["reason"] = exc.message
        else:
            if not reason:
                fields["reason"] = _l("an adjustment needs a written reason")
        if fields:
            raise ValidationFailed(_l("the adjustment was not saved"), fields=fields)
        assessment.adjusted_points = clean["points"]
        assessment.adjusted_value = clean["value"]
        assessment.adjustment_reason = reason
    assessment.reviewed_by_id = actor_id
    assessment.reviewed_at = utcnow()
    db.session.flush()
    events.record(
        EventAction.ASSESSMENT_AGREED if agree else "assessment_adjusted",
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


#: The orders a list of audits can take (``sort`` values), the first being the default.
AUDIT_SORTS = ("planned_desc", "planned_asc", "due", "centre", "status")


@dataclass(frozen=True)
class AuditFilters:
    """What a list of audits is narrowed to (every field optional).

    ``q`` finds an audit by number ("A-2026-0017", "2026-17") or its centre by name or city
    (the centre search's forgiving match); ``year`` is the planned start's year;
    ``auditor_id`` keeps the audits with that person on the team.
    """

    status: AuditStatus | None = None
    centre_id: int | None = None
    year: int | None = None
    auditor_id: int | None = None
    q: str = ""

    @property
    def active(self) -> int:
        """How many filters narrow the list (for "reset filters")."""
        return sum(1 for v in (self.status, self.centre_id, self.year, self.auditor_id,
                               self.q.strip() or None) if v is not None)


def _audit_number(q: str) -> int | None:
    """The audit id in a typed audit number ("A-2026-0017", "a 2026 17", "2026-0017")."""
    import re

    match = re.fullmatch(r"\s*(?:A[\s-]*)?(\d{4})[\s-]+0*(\d{1,9})\s*", q, flags=re.I)
    return int(match.group(2)) if match else None


def list_audits(actor, filters: AuditFilters = AuditFilters(), page: int = 1,
                per_page: int = 50, *, clamp: bool = True, sort: str = "planned_desc") -> Page:
    """The audits ``actor`` may see, one page counted and sliced in SQL, in ``sort`` order.

    Centre, catalogue and team come with the audits (a fixed number of queries per page).
    ``clamp``: a page past the end gives the last page (pages), else an empty one (API).
    """
    from .folding import search_key, search_match, sort_key

    conditions = [audit_filter(actor)]
    if filters.centre_id is not None:
        conditions.append(Audit.centre_id == filters.centre_id)
    if filters.status is not None:
        conditions.append(Audit.status == filters.status)
    if filters.year is not None:
        conditions.append(Audit.planned_on.between(date(filters.year, 1, 1),
                                                   date(filters.year, 12, 31)))
    if filters.auditor_id is not None:
        conditions.append(Audit.id.in_(
            sa.select(AuditMember.audit_id).where(AuditMember.user_id == filters.auditor_id)))
    q = " ".join(filters.q.split())
    if q:
        number = _audit_number(q)
        matches = []
        if number is not None:
            matches.append(Audit.id == number)
        if search_key(q):
            matches += [search_match(Centre.name, q), search_match(Centre.city, q),
                        search_match(Centre.name + " " + Centre.city, q)]
        conditions.append(sa.or_(*matches) if matches else sa.false())
    orders = {
        "planned_desc": (Audit.planned_on.desc(), Audit.id.desc()),
        "planned_asc": (Audit.planned_on.asc(), Audit.id.asc()),
        "due": (Audit.due_on.is_(None), Audit.due_on.asc(), Audit.id.asc()),
        "centre": (sort_key(Centre.name), Audit.planned_on.desc(), Audit.id.desc()),
        "status": (Audit.status, Audit.planned_on.desc(), Audit.id.desc()),
    }
    stmt = (
        sa.select(Audit).join(Centre, Centre.id == Audit.centre_id).where(*conditions)
        .options(sa.orm.contains_eager(Audit.centre), sa.orm.joinedload(Audit.catalog),
                 sa.orm.selectinload(Audit.members).joinedload(AuditMember.user),
                 sa.orm.selectinload(Audit.certificates))
        .order_by(*orders.get(sort, orders["planned_desc"]))
    )
    return page_of(stmt, page, per_page, clamp=clamp)


def audit_years(actor) -> list[int]:
    """The years in which the audits ``actor`` may see were planned, newest first (one query)."""
    year = sa.extract("year", Audit.planned_on)
    return sorted({int(y) for y in db.session.scalars(
        sa.select(year).where(audit_filter(actor)).distinct()) if y is not None}, reverse=True)


def team_people(actor) -> list[User]:
    """Everyone on a team of an audit ``actor`` may see, by name (the auditor filter's choices)."""
    return list(db.session.scalars(
        sa.select(User).where(User.id.in_(
            sa.select(AuditMember.user_id).join(Audit, Audit.id == AuditMember.audit_id)
            .where(audit_filter(actor))))
        .order_by(User.name)))


@dataclass(frozen=True)
class PlanningChoices:
    """What the planning form offers: active centres, active catalogues, active auditors."""

    centres: list[Centre]
    catalogs: list[CatalogVersion]
    auditors: list[User]


@dataclass(frozen=True)
class PlannedTeam:
    """The people of a team named by id (API bodies), found in one query."""

    lead_auditor: User
    auditors: list[User]
    guest: User | None


def find_team(lead_auditor_id: int, auditor_ids: list[int], guest_id: int | None) -> PlannedTeam:
    """The team a request names by id (one query). Refuses (ValidationFailed, fields
    ``lead_auditor``, ``auditors``, ``guest``) unknown ids; whether these people may audit
    is :func:`plan_audit`'s check."""
    ids = [lead_auditor_id, *auditor_ids, *([guest_id] if guest_id else [])]
    people = {u.id: u for u in db.session.scalars(
        sa.select(User).where(User.id.in_(ids)).options(sa.orm.selectinload(User.role_rows)))}
    fields: dict[str, str] = {}
    if lead_auditor_id not in people:
        fields["lead_auditor"] = _l("unknown user")
    if any(i not in people for i in auditor_ids):
        fields["auditors"] = _l("unknown user")
    if guest_id and guest_id not in people:
        fields["guest"] = _l("unknown user")
    if fields:
        raise ValidationFailed(_l("the audit was not planned"), fields=fields)
    return PlannedTeam(people[lead_auditor_id], [people[i] for i in auditor_ids],
                       people[guest_id] if guest_id else None)


def find_planning(*, centre: Centre | None, catalog_key: str, catalog_version: str,
                  lead_auditor_id: int, auditor_ids: list[int], guest_id: int | None,
                  ) -> tuple[CatalogVersion, PlannedTeam]:
    """The catalogue version and the team a planning request names by key and id (two
    queries). Refuses (ValidationFailed) every unknown one at once: fields ``centre``,
    ``catalog`` and those of :func:`find_team`."""
    fields: dict[str, str] = {}
    if centre is None:
        fields["centre"] = _l("unknown centre")
    catalog = db.session.scalar(sa.select(CatalogVersion).where(
        CatalogVersion.key == catalog_key, CatalogVersion.version == catalog_version))
    if catalog is None:
        fields["catalog"] = _l("unknown catalogue version")
    team = None
    try:
        team = find_team(lead_auditor_id, auditor_ids, guest_id)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    if fields or team is None or catalog is None:
        raise ValidationFailed(_l("the audit was not planned"), fields=fields)
    return catalog, team


def planning_choices() -> PlanningChoices:
    """The planning form's choices, by name (three queries)."""
    from .catalogs import active_catalogs

    centres = list(db.session.scalars(
        sa.select(Centre).where(Centre.active.is_(True)).order_by(Centre.name)))
    people = db.session.scalars(
        sa.select(User).where(User.active.is_(True)).order_by(User.name)
        .options(sa.orm.selectinload(User.role_rows))).all()
    return PlanningChoices(centres, active_catalogs(),
                           [u for u in people if u.has_role(Role.AUDITOR)])
