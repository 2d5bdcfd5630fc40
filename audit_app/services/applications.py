"""The centre's application and its steps: apply, accept (plan) or decline, submit the
questionnaire, complete the document review.

Every step goes through the workflow table (:func:`audit_app.workflow.check_transition`)
and writes an event; the actor and the date are arguments. Functions flush, never commit.
E-mails to the centre are built here and sent by the caller *after* its commit
(:mod:`audit_app.services.notifications`): a mail must never announce what was rolled back.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (
    Assessment,
    Audit,
    AuditApplication,
    AuditMember,
    CatalogCriterion,
    CatalogStatus,
    CatalogVersion,
    Centre,
    EventAction,
    KeyFigureRecord,
    QuestionnaireAnswer,
    SelfAssessment,
    User,
    utcnow,
)
from ..workflow import (
    CENTRE_SIDE,
    Action,
    Actor,
    AuditKind,
    AuditStatus,
    Refusal,
    Role,
    TeamRole,
    check_transition,
)
from . import events
from .audits import _apply, team_problems
from .catalogs import domain_catalog
from .errors import TransitionRefused, ValidationFailed
from .inputs import InputError, clean_text

#: Statuses in which a centre has an application or audit under way (no second one then).
OPEN_STATUSES = tuple(s for s in AuditStatus if s not in (AuditStatus.DECIDED,
                                                          AuditStatus.DECLINED))


def actor_for(audit: Audit, user: User) -> Actor:
    """The workflow's view of ``user`` on ``audit`` (team role, contact of its centre)."""
    return Actor(user_id=user.id, roles=user.roles, team_role=audit.team_role_of(user.id),
                 centre_contact=user.centre_id is not None and user.centre_id == audit.centre_id)


def _refuse(outcome: Refusal) -> None:
    raise TransitionRefused(_l("This step is not possible now."), refusal_code=outcome.code,
                            details=outcome.details)


def active_catalog() -> CatalogVersion | None:
    """The catalogue version new applications use: the newest active one."""
    return db.session.scalar(
        sa.select(CatalogVersion).where(CatalogVersion.status == CatalogStatus.ACTIVE)
        .order_by(CatalogVersion.imported_at.desc(), CatalogVersion.id.desc()).limit(1))


def open_audit_of(centre: Centre) -> Audit | None:
    """The centre's application or audit still under way, if any."""
    return db.session.scalar(
        sa.select(Audit).where(Audit.centre_id == centre.id, Audit.status.in_(OPEN_STATUSES))
        .order_by(Audit.id.desc()).limit(1))


def application_problems(*, centre: Centre | None, kind: AuditKind | None,
                         preferred_from: date | None, preferred_until: date | None,
                         today: date) -> dict[str, str]:
    """Every problem with an application as ``{field: message}`` (empty: it can be made).

    The centre must be active and have nothing under way; the preferred period must not
    begin in the past and must not end before it begins.
    """
    fields: dict[str, str] = {}
    if centre is None:
        fields["centre"] = _l("Choose a centre.")
    elif not centre.active:
        fields["centre"] = _l("This centre is not active.")
    elif open_audit_of(centre) is not None:
        fields["centre"] = _l("An application or audit of this centre is already under way.")
    if kind is None:
        fields["kind"] = _l("Choose the kind of audit.")
    if preferred_from is None:
        fields["preferred_from"] = _l("Please enter a date as DD.MM.YYYY.")
    elif preferred_from < today:
        fields["preferred_from"] = _l("cannot be in the past")
    if preferred_until is None:
        fields["preferred_until"] = _l("Please enter a date as DD.MM.YYYY.")
    elif preferred_from is not None and preferred_until < preferred_from:
        fields["preferred_until"] = _l("cannot be before the start of the period")
    return fields


def apply(*, centre: Centre | None, kind: AuditKind | None, preferred_from: date | None,
          preferred_until: date | None, message: str, actor: User, today: date,
          now: datetime | None = None) -> Audit:
    """A centre applies for an audit: the audit is created in status *applied* on the newest
    active catalogue, with an empty answer per question and an empty self-assessment and
    assessment per criterion. ``actor`` is the centre's contact or the office on its behalf
    (the caller checks who may). Raises ValidationFailed with every problem at once.
    """
    fields = application_problems(centre=centre, kind=kind, preferred_from=preferred_from,
                                  preferred_until=preferred_until, today=today)
    try:
        message = clean_text(message, "application.message")
    except InputError as exc:
        fields["message"] = exc.message
    catalog = active_catalog()
    if catalog is None:
        fields["catalog"] = _l("There is no active criteria catalogue.")
    if fields:
        raise ValidationFailed(_l("The application was not sent."), fields=fields)
    audit = Audit(centre=centre, catalog=catalog, kind=kind, planned_on=preferred_from,
                  status=AuditStatus.APPLIED)
    db.session.add(audit)
    if not catalog.locked:
        catalog.locked = True  # from now on this catalogue version never changes
    db.session.flush()
    db.session.add(AuditApplication(
        audit_id=audit.id, preferred_from=preferred_from, preferred_until=preferred_until,
        message=message, applied_by_id=actor.id, applied_at=now or utcnow()))
    criterion_ids = db.session.scalars(
        sa.select(CatalogCriterion.id).where(CatalogCriterion.catalog_id == catalog.id)).all()
    db.session.add_all(Assessment(audit_id=audit.id, criterion_id=cid) for cid in criterion_ids)
    db.session.add_all(SelfAssessment(audit_id=audit.id, criterion_id=cid)
                       for cid in criterion_ids)
    questionnaire = domain_catalog(catalog.id, checksum=catalog.checksum).questionnaire
    db.session.add_all(QuestionnaireAnswer(audit_id=audit.id, question_key=q.key)
                       for q in questionnaire.questions if q.type.value != "file")
    db.session.flush()
    events.record(EventAction.AUDIT_APPLIED, actor=actor, subject_type="audit",
                  subject_id=audit.id, audit_id=audit.id, new={
                      "centre_id": centre.id, "catalog": catalog.label, "kind": kind.value,
                      "preferred_from": preferred_from.isoformat(),
                      "preferred_until": preferred_until.isoformat()},
                  note=message, at=now)
    return audit


def accept(audit: Audit, *, actor: User, planned_on: date | None, visit_on: date | None,
           due_on: date | None, lead_auditor: User | None, auditors: list[User],
           guest: User | None = None, now: datetime | None = None) -> Audit:
    """A working-group lead accepts an application by planning the audit: dates and team
    (the rules of :func:`audits.team_problems`). The questionnaire is then open."""
    outcome = check_transition(audit.status, Action.ACCEPT, actor_for(audit, actor))
    if isinstance(outcome, Refusal):
        _refuse(outcome)
    fields = team_problems(audit.centre, lead_auditor, auditors, guest)
    if lead_auditor is None:
        fields.setdefault("lead_auditor", _l("Choose the lead auditor."))
    if planned_on is None:
        fields["planned_on"] = _l("Please enter a date as DD.MM.YYYY.")
    else:
        if due_on and due_on < planned_on:
            fields["due_on"] = _l("cannot be before the planned date")
        if visit_on and visit_on < planned_on:
            fields["visit_on"] = _l("cannot be before the planned date")
    if fields:
        raise ValidationFailed(_l("the audit was not planned"), fields=fields)
    team = [(lead_auditor, TeamRole.LEAD_AUDITOR)] + [(u, TeamRole.AUDITOR) for u in auditors]
    if guest is not None:
        team.append((guest, TeamRole.GUEST))
    audit.members = [AuditMember(user=u, team_role=role, position=i)
                     for i, (u, role) in enumerate(team)]
    audit.planned_on, audit.visit_on, audit.due_on = planned_on, visit_on, due_on
    application = _application(audit)
    application.answered_by_id = actor.id
    application.answered_at = now or utcnow()
    _apply(audit, outcome, Action.ACCEPT, actor, "", at=now)
    db.session.flush()
    events.record(EventAction.AUDIT_PLANNED, actor=actor, subject_type="audit",
                  subject_id=audit.id, audit_id=audit.id, new={
                      "centre_id": audit.centre_id, "catalog": audit.catalog.label,
                      "kind": audit.kind.value, "planned_on": planned_on.isoformat(),
                      "team": [{"user_id": u.id, "role": r.value} for u, r in team]}, at=now)
    return audit


def decline(audit: Audit, *, actor: User, reason: str, now: datetime | None = None) -> Audit:
    """A working-group lead declines an application with a written reason (final)."""
    try:
        reason = clean_text(reason, "transition.note")
    except InputError as exc:
        raise ValidationFailed(_l("This step is not possible now."),
                               fields={"reason": exc.message}) from None
    outcome = check_transition(audit.status, Action.DECLINE, actor_for(audit, actor), note=reason)
    if isinstance(outcome, Refusal):
        _refuse(outcome)
    application = _application(audit)
    application.answered_by_id = actor.id
    application.answered_at = now or utcnow()
    application.decline_reason = reason
    _apply(audit, outcome, Action.DECLINE, actor, reason, at=now)
    db.session.flush()
    return audit


def _application(audit: Audit) -> AuditApplication:
    application = audit.application
    if application is None:  # pragma: no cover - the loaders only hand out applications
        raise ValidationFailed(_l("This audit did not begin with an application."))
    return application


def submit_questionnaire(audit: Audit, *, actor: User, today: date,
                         now: datetime | None = None) -> Audit:
    """The centre's contact submits the questionnaire once every required question is
    answered (TransitionRefused ``questionnaire_incomplete`` names the missing keys).

    The answers become the "Selbstauskunft" of ``today``: number answers that feed a
    criterion prefill it on the checklist, and answers marked ``centre_field`` update the
    centre's key figures, each change kept in :class:`KeyFigureRecord` and the trail.
    """
    from .centre_side import centre_sheet

    sheet = centre_sheet(audit)
    outcome = check_transition(audit.status, Action.SUBMIT_QUESTIONNAIRE, actor_for(audit, actor),
                               missing_answers=sheet.missing)
    if isinstance(outcome, Refusal):
        _refuse(outcome)
    application = sheet.application
    application.submitted_by_id = actor.id
    application.submitted_at = now or utcnow()
    _apply(audit, outcome, Action.SUBMIT_QUESTIONNAIRE, actor, "", at=now)
    _update_key_figures(audit, sheet, actor, today)
    db.session.flush()
    return audit


def _figure_json(value) -> object:
    return str(value) if isinstance(value, Decimal) else value


def _update_key_figures(audit: Audit, sheet, actor: User, today: date) -> None:
    centre = audit.centre
    old, new = {}, {}
    for question in sheet.questionnaire.questions:
        answer = sheet.answers.get(question.key)
        if question.centre_field is None or answer is None or answer.number_value is None:
            continue
        value = answer.number_value
        stored = (Decimal(value).quantize(Decimal("0.1"))
                  if question.centre_field == "occupancy_percent" else int(value))
        before = getattr(centre, question.centre_field)
        if before is not None and Decimal(before) == Decimal(stored):
            continue
        old[question.centre_field] = _figure_json(before)
        new[question.centre_field] = _figure_json(stored)
        setattr(centre, question.centre_field, stored)
    if not new:
        return
    record = KeyFigureRecord(centre_id=centre.id, audit_id=audit.id, recorded_on=today,
                             old=old, new=new, recorded_by_id=actor.id)
    db.session.add(record)
    db.session.flush()
    events.record(EventAction.KEY_FIGURES_UPDATED, actor=actor, subject_type="centre",
                  subject_id=centre.id, audit_id=audit.id, old=old, new=new)


def complete_document_review(audit: Audit, *, actor: User, now: datetime | None = None) -> Audit:
    """The lead auditor (or a lead) completes the document review once every required
    document is marked (present / incomplete / missing); the audit is then ready for the
    visit. TransitionRefused ``documents_unreviewed`` names the unmarked documents."""
    from .centre_side import centre_sheet

    sheet = centre_sheet(audit)
    outcome = check_transition(audit.status, Action.COMPLETE_DOCUMENT_REVIEW,
                               actor_for(audit, actor),
                               unreviewed_documents=sheet.unreviewed_documents)
    if isinstance(outcome, Refusal):
        _refuse(outcome)
    _apply(audit, outcome, Action.COMPLETE_DOCUMENT_REVIEW, actor, "", at=now)
    db.session.flush()
    return audit


def is_application(audit: Audit) -> bool:
    """Whether ``audit`` began with the centre's application."""
    return audit.application is not None


def pending_applications(*, limit: int = 20) -> list[Audit]:
    """Applications waiting for a working-group lead's answer, oldest first (one query)."""
    return list(db.session.scalars(
        sa.select(Audit).join(AuditApplication, AuditApplication.audit_id == Audit.id)
        .where(Audit.status == AuditStatus.APPLIED)
        .options(sa.orm.joinedload(Audit.centre))
        .order_by(AuditApplication.applied_at, Audit.id).limit(limit)))


def visible_applications(user, page: int, per_page: int, *, clamp: bool = True):
    """The applications ``user`` may see (a centre's contacts their own centre's), newest
    first, one page (:class:`~audit_app.services.paging.Page`; centre, catalogue and
    application loaded with the rows)."""
    from ..permissions import application_filter
    from .paging import page_of

    return page_of(
        sa.select(Audit).join(AuditApplication, AuditApplication.audit_id == Audit.id)
        .where(application_filter(user))
        .options(sa.orm.joinedload(Audit.centre), sa.orm.joinedload(Audit.catalog),
                 sa.orm.joinedload(Audit.application))
        .order_by(AuditApplication.applied_at.desc(), Audit.id.desc()),
        page, per_page, clamp=clamp)


def centre_audits(centre_id: int) -> list[Audit]:
    """A centre's applications and audits under way or declined, newest first (for its
    contacts' home page; decided audits are listed there already)."""
    return list(db.session.scalars(
        sa.select(Audit).join(AuditApplication, AuditApplication.audit_id == Audit.id)
        .where(Audit.centre_id == centre_id, Audit.status != AuditStatus.DECIDED)
        .order_by(Audit.id.desc())))


__all__ = ["CENTRE_SIDE", "Role", "accept", "actor_for", "apply", "complete_document_review",
           "decline", "submit_questionnaire"]
