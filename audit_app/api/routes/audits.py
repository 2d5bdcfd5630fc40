"""Audits: list, plan, one audit, answers, reviews, workflow steps, score, trail, report."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from ... import permissions as perm
from ...errors import ApiError
from ...extensions import db
from ...labels import refusal_message
from ...models import Audit, Centre
from ...services import access
from ...services import audits as audit_service
from ...services import checklist as checklist_service
from ...services.errors import TransitionRefused, ValidationFailed, VersionConflict
from ...services.scoring import score_audit, score_audits
from ...storage.http import send_download
from ...templating import current_lang
from ...workflow import AuditKind, AuditStatus, RefusalCode
from .. import bp, responses, schemas
from ..helpers import (
    ID,
    api_user,
    json_body,
    page_args,
    path_segment,
    query_choice,
    query_int,
    require,
    respond,
    validation_error,
)
from ..schemas import parse_body


def _audit_or_404(audit_id: int) -> Audit:
    """The audit with centre, catalogue and team, if the user may see it (same rule as pages)."""
    return access.visible_audit(audit_id, api_user())


def _detail(audit: Audit) -> responses.AuditDetail:
    return responses.AuditDetail.of(audit, checklist_service.audit_sheet(audit), api_user())


@bp.route("/audits")
def audits():
    """The audits the user may see, newest first; filters ``centre_id`` and ``status``."""
    centre_id = query_int("centre_id")
    status = query_choice("status", [s.value for s in AuditStatus])
    page, per_page = page_args()
    result = audit_service.list_audits(
        api_user(), audit_service.AuditFilters(status=AuditStatus(status) if status else None,
                                               centre_id=centre_id),
        page, per_page, clamp=False)
    scores = score_audits(result.items)
    return respond(responses.AuditPage(
        items=[responses.AuditSummary.of(a, scores[a.id]) for a in result.items], page=page,
        per_page=per_page, total=result.total))



@bp.route("/audits", methods=["POST"])
def plan_audit():
    """Plan an audit (working-group leads): centre, catalogue version, kind, dates, team."""
    user = api_user()
    require(perm.can_plan_audits(user))
    body = parse_body(schemas.PlanAudit, json_body())
    return _plan(user, body, db.session.get(Centre, body.centre_id), body.kind)


@bp.route(f"/audits/<{ID}:audit_id>/renewals", methods=["POST"])
def plan_renewal(audit_id: int):
    """Plan the renewal audit of a decided audit (working-group leads): it starts from it."""
    user = api_user()
    previous = _audit_or_404(audit_id)
    require(perm.is_lead(user))
    if not perm.can_plan_renewal(user, previous):
        raise ApiError(409, "not_decided", _("Only a decided audit can be renewed."))
    body = parse_body(schemas.PlanRenewal, json_body())
    return _plan(user, body, previous.centre, AuditKind.RENEWAL, previous=previous)


def _plan(user, body, centre, kind, previous=None):
    """Check the ids of a planning body, plan through the service, answer 201."""
    rename = {"team": "auditor_ids", "auditors": "auditor_ids", "guest": "guest_auditor_id",
              "lead_auditor": "lead_auditor_id", "centre": "centre_id",
              "catalog": "catalog_version"}
    try:
        catalog, team = audit_service.find_planning(
            centre=centre, catalog_key=body.catalog_key, catalog_version=body.catalog_version,
            lead_auditor_id=body.lead_auditor_id, auditor_ids=body.auditor_ids,
            guest_id=body.guest_auditor_id)
        audit = audit_service.plan_audit(
            centre=centre, catalog=catalog, kind=kind, planned_on=body.planned_on,
            visit_on=body.visit_on, due_on=body.due_on, lead_auditor=team.lead_auditor,
            auditors=team.auditors, guest=team.guest, actor=user, previous=previous,
        )
    except ValidationFailed as exc:
        raise validation_error(exc, rename) from None
    db.session.commit()
    return respond(_detail(_audit_or_404(audit.id)), 201,
                   location=url_for("api.audit", audit_id=audit.id))


@bp.route(f"/audits/<{ID}:audit_id>")
def audit(audit_id: int):
    """One audit: status, team, dates, every assessment with its version, the score, actions."""
    return respond(_detail(_audit_or_404(audit_id)))



@bp.route(f"/audits/<{ID}:audit_id>/assessments/<code>", methods=["PUT"])
def save_assessment(audit_id: int, code: str):
    """Store the team's answer for one criterion; 409 with the stored one when ``version`` is stale."""
    user = api_user()
    audit = _audit_or_404(audit_id)
    if audit.team_role_of(user.id) is None:
        raise ApiError(403)
    if not perm.can_edit_assessments(user, audit):
        raise ApiError(409, "not_editable", _("This audit cannot be edited in its current status."))
    assessment = audit_service.get_assessment(audit, path_segment(code, 10))
    if assessment is None:
        raise ApiError(404)
    body = parse_body(schemas.AssessmentInput, json_body())
    answer = audit_service.AnswerInput(
        points=body.points, value=body.value, not_applicable=body.not_applicable,
        na_reason=body.reason, comment=body.comment, finding=body.finding,
        finding_severity=body.finding_severity.value if body.finding_severity else None,
    )
    version = body.version
    try:
        saved = audit_service.save_assessment(audit, code, answer, expected_version=version,
                                              actor=user)
    except VersionConflict as exc:
        raise ApiError(409, "version_conflict", str(exc.message),
                       extra={"current": responses.Assessment.of(code, exc.current)}) from None
    except ValidationFailed as exc:
        raise validation_error(exc, {"na_reason": "reason"}) from None
    db.session.commit()
    return respond(responses.Assessment.of(code, saved))



@bp.route(f"/audits/<{ID}:audit_id>/assessments/<code>/carried-evidence", methods=["POST"])
def carry_evidence(audit_id: int, code: str):
    """Carry a file of the previous cycle forward onto a criterion of a renewal audit, with
    the explicit „noch gültig“ confirmation (an expired file needs a new ``valid_until``)."""
    from ...services import renewal as renewal_service
    from ...services.certificates import today_in_berlin

    user = api_user()
    audit = _audit_or_404(audit_id)
    if audit.team_role_of(user.id) is None:
        raise ApiError(403)
    if not perm.can_carry_evidence(user, audit):
        raise ApiError(409, "not_editable",
                       _("Files can be carried forward only onto an open renewal audit."))
    if audit_service.get_assessment(audit, path_segment(code, 10)) is None:
        raise ApiError(404)
    body = parse_body(schemas.CarryEvidenceInput, json_body())
    today = today_in_berlin()
    try:
        evidence = renewal_service.carry_forward(
            audit, code, body.evidence_id, actor=user, still_valid=body.still_valid,
            valid_until=body.valid_until, today=today)
    except ValidationFailed as exc:
        raise validation_error(exc) from None
    db.session.commit()
    return respond(responses.EvidenceFile.of(evidence, today), 201)


@bp.route(f"/audits/<{ID}:audit_id>/reviews/<code>", methods=["POST"])
def review(audit_id: int, code: str):
    """A working-group lead's review of one criterion: agree, or adjust with a reason."""
    user = api_user()
    audit = _audit_or_404(audit_id)
    if not perm.is_lead(user):
        raise ApiError(403)
    if audit.team_role_of(user.id) is not None:
        raise ApiError(403, RefusalCode.FOUR_EYES, refusal_message(RefusalCode.FOUR_EYES))
    if not perm.can_review(user, audit):
        raise ApiError(409, "not_under_review", _("This audit is not under review."))
    if audit_service.get_assessment(audit, path_segment(code, 10)) is None:
        raise ApiError(404)
    body = parse_body(schemas.ReviewInput, json_body())
    points, value, reason, agree = body.points, body.value, body.reason, body.agree
    try:
        saved = audit_service.adjust_assessment(audit, code, actor=user, points=points,
                                                value=value, reason=reason, agree=agree)
    except ValidationFailed as exc:
        raise validation_error(exc) from None
    db.session.commit()
    return respond(responses.Assessment.of(code, saved))


@bp.route(f"/audits/<{ID}:audit_id>/reviews/agree-remaining", methods=["POST"])
def agree_remaining(audit_id: int):
    """A working-group lead agrees with every criterion not reviewed yet (adjustments stay)."""
    user = api_user()
    audit = _audit_or_404(audit_id)
    if not perm.is_lead(user):
        raise ApiError(403)
    if audit.team_role_of(user.id) is not None:
        raise ApiError(403, RefusalCode.FOUR_EYES, refusal_message(RefusalCode.FOUR_EYES))
    if not perm.can_review(user, audit):
        raise ApiError(409, "not_under_review", _("This audit is not under review."))
    audit_service.agree_with_remaining(audit, actor=user)
    db.session.commit()
    return respond(_detail(audit))


#: Refusal codes of the workflow → (HTTP status, the field a missing input belongs to).
REFUSALS = {
    RefusalCode.NOT_ALLOWED_FROM_STATUS: (409, None),
    RefusalCode.FORBIDDEN: (403, None),
    RefusalCode.FOUR_EYES: (403, None),
    RefusalCode.INCOMPLETE: (422, "missing_criteria"),
    RefusalCode.UNREVIEWED: (422, "unreviewed_criteria"),
    RefusalCode.REASON_REQUIRED: (422, "note"),
}


@bp.route(f"/audits/<{ID}:audit_id>/transitions", methods=["POST"])
def transition(audit_id: int):
    """Apply a workflow action: start, submit, begin_review, request_changes, resume, decide, reopen."""
    user = api_user()
    audit = _audit_or_404(audit_id)
    body = parse_body(schemas.TransitionInput, json_body())
    try:
        audit_service.transition(audit, body.action, user, note=body.note,
                                 decision=body.decision, override_reason=body.override_reason)
    except TransitionRefused as exc:
        status, field = REFUSALS.get(exc.refusal_code, (409, None))
        message = refusal_message(exc.refusal_code, exc.details)
        fields = {field: message} if field else {}
        raise ApiError(status, exc.refusal_code, message, fields=fields,
                       details=list(exc.details)) from None
    except ValidationFailed as exc:
        raise validation_error(exc) from None
    db.session.commit()
    return respond(_detail(audit))


@bp.route(f"/audits/<{ID}:audit_id>/score")
def score(audit_id: int):
    """The audit's score from the scoring engine (percents rounded down to one decimal)."""
    audit = _audit_or_404(audit_id)
    return respond(responses.Score.of(score_audit(audit)))


@bp.route(f"/audits/<{ID}:audit_id>/events")
def events(audit_id: int):
    """The audit trail, newest first."""
    audit = _audit_or_404(audit_id)
    page, per_page = page_args()
    result = checklist_service.timeline_page(audit, page, per_page)
    return respond(responses.EventPage(items=[responses.Event.of(e) for e in result.items],
                                       page=page, per_page=per_page, total=result.total))


@bp.route(f"/audits/<{ID}:audit_id>/report.pdf")
def report(audit_id: int):
    """The audit report as PDF in the request's language: stored once decided, a draft before."""
    from ...services import reports as report_service

    audit = _audit_or_404(audit_id)
    lang = current_lang()
    download = report_service.open_report(audit, lang, actor=api_user())  # RenderFailed: 503
    db.session.commit()  # a decided audit's first download stores its report
    name = ("Auditbericht" if lang == "de" else "Audit-report") + f"-{audit.number}.pdf"
    return send_download(download, mimetype="application/pdf", filename=name)
