"""API endpoints: load or 404 → check permission (permissions.py) → validate → one service →
commit → JSON. The shapes are described in :mod:`audit_app.api.openapi`."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from .. import permissions as perm
from ..errors import ApiError
from ..extensions import db
from ..labels import refusal_message
from ..models import FEDERAL_STATES, Audit, CatalogVersion, Centre, PublicStatus, User
from ..responses import pdf_response
from ..services import access, documents
from ..services import audits as audit_service
from ..services import catalogs as catalog_service
from ..services import centres as centre_service
from ..services import certificates as certificate_service
from ..services import checklist as checklist_service
from ..services import users as user_service
from ..services.errors import TransitionRefused, ValidationFailed, VersionConflict
from ..services.scoring import score_audit, score_audits
from ..storage.http import send_download
from ..templating import current_lang
from ..workflow import AuditStatus, RefusalCode, Role
from . import bp, responses, schemas
from .auth import public
from .helpers import (
    api_user,
    json_body,
    page_args,
    query_choice,
    query_int,
    query_text,
    require,
    respond,
)
from .schemas import parse_body

#: Id converter; ids beyond MAX_ID are answered 404 by the loaders (a converter limit would
#: make werkzeug answer 405 for the method-less path).
ID = "int"


def _plain(value: str, max_length: int) -> str:
    """A path segment that can name a stored object (no NUL, not too long), else 404."""
    if len(value) > max_length or "\x00" in value or not value.isprintable():
        raise ApiError(404)
    return value


def _validation(exc: ValidationFailed, rename: dict | None = None):
    rename = rename or {}
    return ApiError(422, "validation_failed", str(exc.message),
                    fields={rename.get(k, k): v for k, v in exc.fields.items()})


# --- public ---------------------------------------------------------------------------------

@bp.route("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 description of this API."""
    from .openapi import spec

    return respond(responses.OpenApiDocument.model_validate(spec()))


@bp.route("/docs")
@public
def docs():
    """The API description as a readable page (rendered on the server, no JavaScript)."""
    from .docs import doc_sections
    from .openapi import spec

    return render_template("api/docs.html", spec=spec(), sections=doc_sections(spec()),
                           title=_("API documentation"))


@bp.route("/register")
@public
def register():
    """Centres holding the label today (public), by federal state and name."""
    page, per_page = page_args()
    result = certificate_service.register_page(certificate_service.today_in_berlin(), page,
                                               per_page)
    return respond(responses.RegisterPage(items=result.items, page=page, per_page=per_page,
                                          total=result.total))


@bp.route("/verify/<number>")
@public
def verify(number: str):
    """A certificate's public status: the same record as /verify/<number>.json."""
    info = certificate_service.verification(number, certificate_service.today_in_berlin())
    if info is None:
        raise ApiError(404, "not_found", _("No certificate with this number exists."))
    status = 410 if info["status"] == PublicStatus.WITHDRAWN else 200  # Open Badges: gone
    return respond(responses.Verification.of(certificate_service.verification_record(info)),
                   status)


# --- people and catalogues ------------------------------------------------------------------

@bp.route("/me")
def me():
    """The token's user."""
    return respond(responses.Me.of(api_user()))


@bp.route("/users")
def users():
    """Users with their roles, for composing audit teams (working-group leads and admins)."""
    user = api_user()
    require(perm.sees_everything(user))
    role = query_choice("role", [r.value for r in Role])
    page, per_page = page_args()
    result = user_service.list_users(role=Role(role) if role else None, page=page,
                                     per_page=per_page)
    return respond(responses.UserPage(items=[responses.User.of(u) for u in result.users],
                                      page=result.page, per_page=per_page, total=result.total))


@bp.route("/catalogs")
def catalogs():
    """Every catalogue version (key, version, titles, status)."""
    page, per_page = page_args()
    result = catalog_service.catalog_page(page, per_page)
    return respond(responses.CatalogPage(
        items=[responses.CatalogSummary.of(c) for c in result.items], page=page,
        per_page=per_page, total=result.total))


@bp.route("/catalogs/<key>/<version>")
def catalog(key: str, version: str):
    """One catalogue version with categories, criteria, scoring types, bands and pass rules."""
    row = access.catalog_version(key, version)
    catalog = catalog_service.domain_catalog(row.id, checksum=row.checksum)
    return respond(responses.CatalogDetail.of(row, catalog))


# --- centres --------------------------------------------------------------------------------

def _centre_or_404(centre_id: int) -> Centre:
    return access.visible_centre(centre_id, api_user())


@bp.route("/centres")
def centres():
    """The centres the user may see: search ``q`` (name, city), ``state``, ``label_status``."""
    q = query_text("q")
    state = query_choice("state", list(FEDERAL_STATES))
    label_status = query_choice("label_status", [s.value for s in centre_service.LabelStatus])
    page, per_page = page_args()
    result = centre_service.search_centres(api_user(), q=q, state=state,
                                           label_status=label_status, page=page,
                                           per_page=per_page, today=date.today())
    items = [responses.Centre.of(r.centre, label_status=r.label_status,
                                 label_until=r.label_until) for r in result.rows]
    return respond(responses.CentrePage(items=items, page=result.page, per_page=per_page,
                                        total=result.total))


def _centre_data(partial: bool) -> dict:
    """The centre body as sent (typed values or text): checked against the model, converted
    and checked again by the service's rules."""
    body = json_body()
    parse_body(schemas.CentrePatch if partial else schemas.CentreInput, body)
    return body


@bp.route("/centres", methods=["POST"])
def create_centre():
    """Create a centre (working-group leads and admins); the same checks as the form."""
    user = api_user()
    require(perm.can_manage_centres(user))
    data = _centre_data(partial=False)
    try:
        centre = centre_service.create_centre(data, user, today=date.today(), note="api")
    except ValidationFailed as exc:
        raise _validation(exc) from None
    db.session.commit()
    return respond(responses.Centre.of(centre), 201,
                   location=url_for("api.centre", centre_id=centre.id))


@bp.route(f"/centres/<{ID}:centre_id>")
def centre(centre_id: int):
    """One centre with its label status, the audits the user may see and its certificates."""
    user = api_user()
    detail = centre_service.centre_detail(user, _centre_or_404(centre_id), today=date.today())
    return respond(responses.CentreDetail.of(detail))


@bp.route(f"/centres/<{ID}:centre_id>", methods=["PATCH"])
def update_centre(centre_id: int):
    """Change some fields of a centre; the whole centre is checked as by the form."""
    user = api_user()
    centre = _centre_or_404(centre_id)
    require(perm.can_manage_centres(user))
    data = {**centre_service.stored_values(centre), **_centre_data(partial=True)}
    try:
        centre_service.update_centre(centre, data, user, today=date.today())
    except ValidationFailed as exc:
        raise _validation(exc) from None
    db.session.commit()
    return respond(responses.Centre.of(centre))


# --- audits ---------------------------------------------------------------------------------

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
    centre_id, key, version = body.centre_id, body.catalog_key, body.catalog_version
    lead_id, auditor_ids, guest_id = body.lead_auditor_id, body.auditor_ids, body.guest_auditor_id
    errors = {}
    centre = db.session.get(Centre, centre_id)
    if centre is None:
        errors["centre_id"] = _("unknown centre")
    catalog_row = db.session.scalar(
        sa.select(CatalogVersion).where(CatalogVersion.key == key, CatalogVersion.version == version))
    if catalog_row is None:
        errors["catalog_version"] = _("unknown catalogue version")
    people = {u.id: u for u in db.session.scalars(
        sa.select(User).where(User.id.in_([lead_id, *auditor_ids, *([guest_id] if guest_id else [])]))
        .options(selectinload(User.role_rows))
    )}
    if lead_id not in people:
        errors["lead_auditor_id"] = _("unknown user")
    if any(i not in people for i in auditor_ids):
        errors["auditor_ids"] = _("unknown user")
    if guest_id and guest_id not in people:
        errors["guest_auditor_id"] = _("unknown user")
    if errors:
        raise ApiError(422, "validation_failed", None, fields=errors)
    try:
        audit = audit_service.plan_audit(
            centre=centre, catalog=catalog_row, kind=body.kind, planned_on=body.planned_on,
            visit_on=body.visit_on, due_on=body.due_on, lead_auditor=people[lead_id],
            auditors=[people[i] for i in auditor_ids],
            guest=people[guest_id] if guest_id else None, actor=user,
        )
    except ValidationFailed as exc:
        raise _validation(exc, {"team": "auditor_ids", "auditors": "auditor_ids",
                                "guest": "guest_auditor_id",
                                "catalog": "catalog_version"}) from None
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
    assessment = audit_service.get_assessment(audit, _plain(code, 10))
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
        raise _validation(exc, {"na_reason": "reason"}) from None
    db.session.commit()
    return respond(responses.Assessment.of(code, saved))



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
    if audit_service.get_assessment(audit, _plain(code, 10)) is None:
        raise ApiError(404)
    body = parse_body(schemas.ReviewInput, json_body())
    points, value, reason, agree = body.points, body.value, body.reason, body.agree
    try:
        saved = audit_service.adjust_assessment(audit, code, actor=user, points=points,
                                                value=value, reason=reason, agree=agree)
    except ValidationFailed as exc:
        raise _validation(exc) from None
    db.session.commit()
    return respond(responses.Assessment.of(code, saved))


#: Refusal codes of the workflow → (HTTP status, the field a missing input belongs to).
REFUSALS = {
    RefusalCode.NOT_ALLOWED_FROM_STATUS: (409, None),
    RefusalCode.FORBIDDEN: (403, None),
    RefusalCode.FOUR_EYES: (403, None),
    RefusalCode.INCOMPLETE: (422, "missing_criteria"),
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
        raise _validation(exc) from None
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
    from ..services import reports as report_service

    audit = _audit_or_404(audit_id)
    lang = current_lang()
    download = report_service.open_report(audit, lang, actor=api_user())  # RenderFailed: 503
    db.session.commit()  # a decided audit's first download stores its report
    name = ("Auditbericht" if lang == "de" else "Audit-report") + f"-{audit.number}.pdf"
    return send_download(download, mimetype="application/pdf", filename=name)


# --- certificates ---------------------------------------------------------------------------

def _certificate_or_404(number: str):
    return access.visible_certificate(number, api_user())


@bp.route("/certificates/<number>")
def certificate(number: str):
    """A certificate the user may see (via its audit): status, validity, conditions."""
    c = _certificate_or_404(number)
    return respond(responses.Certificate.of(
        c, certificate_service.public_status(c, certificate_service.today_in_berlin())))


@bp.route("/certificates/<number>.pdf")
def certificate_pdf(number: str):
    """The certificate's stored PDF, byte for byte as issued."""
    c = _certificate_or_404(number)
    name = f"Urkunde-{c.number}.pdf"
    download = certificate_service.open_pdf(c)
    if download is None:
        data = documents.certificate_pdf(c, "de", api_user())  # rendered now if still due
        if data is None:
            raise ApiError(404)
        return pdf_response(data, name)
    return send_download(download, mimetype="application/pdf", filename=name)


@bp.route(f"/certificates/<number>/<any({', '.join(certificate_service.STATUS_ACTIONS)}):action>",
          methods=["POST"])
def certificate_status(number: str, action: str):
    """Suspend, withdraw or reinstate a certificate with a reason (working-group leads)."""
    user = api_user()
    c = _certificate_or_404(number)
    require(perm.is_lead(user))
    body = parse_body(schemas.StatusChange, json_body())
    try:
        certificate_service.change_status(c, action, user, body.reason)
    except certificate_service.StatusChangeRefused as exc:
        raise ApiError(409, "status_change_refused", str(exc.message)) from None
    except ValidationFailed as exc:
        raise _validation(exc) from None
    db.session.commit()
    return respond(responses.Certificate.of(
        c, certificate_service.public_status(c, certificate_service.today_in_berlin())))
