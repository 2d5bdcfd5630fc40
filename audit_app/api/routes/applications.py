"""The centre's side: applications, the lead's answer, questionnaire answers, the
self-assessment, documents and the team's marks on them."""
from __future__ import annotations

from datetime import date

from flask import current_app, url_for
from flask_babel import gettext as _

from ... import permissions as perm
from ...errors import ApiError
from ...extensions import db
from ...labels import refusal_message
from ...models import Audit, Centre
from ...services import access, centre_side, notifications
from ...services import applications as application_service
from ...services import audits as audit_service
from ...services.errors import (
    NotFound,
    StorageFailed,
    TransitionRefused,
    ValidationFailed,
    VersionConflict,
)
from ...storage.http import send_download
from ...workflow import DOCUMENT_REVIEW, EDITABLE_BY_CENTRE, RefusalCode
from .. import bp, responses, schemas
from ..helpers import (
    ID,
    api_user,
    json_body,
    page_args,
    path_segment,
    require,
    respond,
    uploaded_file,
    validation_error,
)
from ..schemas import parse_body
from .audits import REFUSALS


def _today() -> date:
    return date.today()


def _application_or_404(application_id: int) -> Audit:
    """The application's audit, if the user may see the centre's side (same rule as pages)."""
    return access.visible_application(application_id, api_user())


def _detail(audit: Audit) -> responses.ApplicationDetail:
    return responses.ApplicationDetail.of(audit, centre_side.centre_sheet(audit),
                                          centre_side.self_sheet(audit))


def _refusal(exc: TransitionRefused) -> ApiError:
    if exc.refusal_code == RefusalCode.QUESTIONNAIRE_INCOMPLETE:
        status, field = 422, "missing_answers"
    elif exc.refusal_code == RefusalCode.DOCUMENTS_UNREVIEWED:
        status, field = 422, "unreviewed_documents"
    else:
        status, field = REFUSALS.get(exc.refusal_code, (409, None))
    message = refusal_message(exc.refusal_code, exc.details)
    return ApiError(status, exc.refusal_code, message, fields={field: message} if field else {},
                    details=list(exc.details))


def _not_now() -> ApiError:
    return ApiError(409, "not_editable", _("This cannot be changed in the application's "
                                           "current status."))


def _notify(audit: Audit, sheet=None) -> None:
    notice = notifications.notice_for(audit, base_url=current_app.config["BASE_URL"],
                                      association=current_app.config["ASSOCIATION_NAME"],
                                      sheet=sheet)
    if notifications.deliver(notice, current_app.config):
        db.session.commit()


@bp.route("/applications")
def applications():
    """The applications the user may see (the centre's contacts their own), newest first."""
    user = api_user()
    page, per_page = page_args()
    result = application_service.visible_applications(user, page, per_page, clamp=False)
    return respond(responses.ApplicationPage(
        items=[responses.ApplicationSummary.of(a) for a in result.items], page=page,
        per_page=per_page, total=result.total))


@bp.route("/applications", methods=["POST"])
def apply():
    """A centre applies for an audit: its contact for the own centre, the office on its behalf."""
    user = api_user()
    require(perm.can_apply(user))
    body = parse_body(schemas.ApplicationInput, json_body())
    centre = db.session.get(Centre, body.centre_id)
    if centre is None or not perm.can_apply(user, centre):
        raise ApiError(422, "validation_failed", None,
                       fields={"centre_id": _("unknown centre")})
    try:
        audit = application_service.apply(
            centre=centre, kind=body.kind, preferred_from=body.preferred_from,
            preferred_until=body.preferred_until, message=body.message, actor=user,
            today=_today())
    except ValidationFailed as exc:
        raise validation_error(exc, {"centre": "centre_id", "catalog": "centre_id"}) from None
    db.session.commit()
    audit = _application_or_404(audit.id)
    _notify(audit)
    return respond(_detail(audit), 201, location=url_for("api.application", application_id=audit.id))


@bp.route(f"/applications/<{ID}:application_id>")
def application(application_id: int):
    """One application with the centre's answers, documents and self-assessment."""
    return respond(_detail(_application_or_404(application_id)))


def _lead_answers(audit: Audit) -> None:
    user = api_user()
    require(perm.is_lead(user))
    if not perm.can_answer_application(user, audit):
        raise ApiError(409, RefusalCode.NOT_ALLOWED_FROM_STATUS,
                       refusal_message(RefusalCode.NOT_ALLOWED_FROM_STATUS))


@bp.route(f"/applications/<{ID}:application_id>/accept", methods=["POST"])
def accept_application(application_id: int):
    """A working-group lead accepts the application by planning the audit (dates, team)."""
    user = api_user()
    audit = _application_or_404(application_id)
    _lead_answers(audit)
    body = parse_body(schemas.AcceptApplication, json_body())
    try:
        team = audit_service.find_team(body.lead_auditor_id, body.auditor_ids,
                                       body.guest_auditor_id)
        application_service.accept(
            audit, actor=user, planned_on=body.planned_on, visit_on=body.visit_on,
            due_on=body.due_on, lead_auditor=team.lead_auditor, auditors=team.auditors,
            guest=team.guest)
    except TransitionRefused as exc:
        raise _refusal(exc) from None
    except ValidationFailed as exc:
        raise validation_error(exc, {"team": "auditor_ids", "auditors": "auditor_ids",
                                     "guest": "guest_auditor_id",
                                     "lead_auditor": "lead_auditor_id"}) from None
    db.session.commit()
    _notify(audit)
    return respond(_detail(audit))


@bp.route(f"/applications/<{ID}:application_id>/decline", methods=["POST"])
def decline_application(application_id: int):
    """A working-group lead declines the application with a reason (final)."""
    user = api_user()
    audit = _application_or_404(application_id)
    _lead_answers(audit)
    body = parse_body(schemas.DeclineApplication, json_body())
    try:
        application_service.decline(audit, actor=user, reason=body.reason)
    except TransitionRefused as exc:
        raise _refusal(exc) from None
    except ValidationFailed as exc:
        raise validation_error(exc) from None
    db.session.commit()
    _notify(audit)
    return respond(_detail(audit))


def _centre_edits(audit: Audit) -> None:
    user = api_user()
    require(perm.is_centre_contact(user, audit))
    if audit.status not in EDITABLE_BY_CENTRE:
        raise _not_now()


@bp.route(f"/applications/<{ID}:application_id>/answers/<question_key>", methods=["PUT"])
def save_answer(application_id: int, question_key: str):
    """Store the centre's answer to one question; 409 with the stored one when ``version``
    is stale."""
    user = api_user()
    audit = _application_or_404(application_id)
    _centre_edits(audit)
    key = path_segment(question_key, 50)
    questionnaire = centre_side.centre_sheet(audit).questionnaire
    if not questionnaire.has_question(key) or questionnaire.question(key).type.value == "file":
        raise ApiError(404)
    body = parse_body(schemas.QuestionnaireAnswerInput, json_body())
    try:
        answer = centre_side.save_answer(audit, key, body.value, expected_version=body.version,
                                         actor=user)
    except VersionConflict as exc:
        raise ApiError(409, "version_conflict", str(exc.message), extra={
            "current": responses.QuestionnaireAnswer.of(questionnaire.question(key).type,
                                                        exc.current)}) from None
    except ValidationFailed as exc:
        raise validation_error(exc) from None
    db.session.commit()
    return respond(responses.QuestionnaireAnswer.of(questionnaire.question(key).type, answer))


@bp.route(f"/applications/<{ID}:application_id>/submit", methods=["POST"])
def submit_questionnaire(application_id: int):
    """The centre submits its questionnaire (422 ``questionnaire_incomplete`` names the
    missing questions in ``details``)."""
    user = api_user()
    audit = _application_or_404(application_id)
    require(perm.is_centre_contact(user, audit))
    try:
        application_service.submit_questionnaire(audit, actor=user, today=_today())
    except TransitionRefused as exc:
        raise _refusal(exc) from None
    db.session.commit()
    return respond(_detail(audit))


@bp.route(f"/applications/<{ID}:application_id>/self-assessment/<code>", methods=["PUT"])
def save_self_assessment(application_id: int, code: str):
    """Store the centre's own score of one criterion; 409 with the stored one when stale."""
    user = api_user()
    audit = _application_or_404(application_id)
    _centre_edits(audit)
    code = path_segment(code, 10)
    body = parse_body(schemas.SelfAssessmentInput, json_body())
    data = centre_side.SelfInput(points=body.points, value=body.value,
                                 not_applicable=body.not_applicable, comment=body.comment)
    try:
        row = centre_side.save_self_assessment(audit, code, data, expected_version=body.version,
                                               actor=user)
    except NotFound:
        raise ApiError(404) from None
    except VersionConflict as exc:
        raise ApiError(409, "version_conflict", str(exc.message),
                       extra={"current": responses.SelfScore.of(code, exc.current)}) from None
    except ValidationFailed as exc:
        raise validation_error(exc) from None
    db.session.commit()
    return respond(responses.SelfScore.of(code, row))


@bp.route(f"/applications/<{ID}:application_id>/documents/<document_key>/files",
          methods=["POST"])
def upload_document(application_id: int, document_key: str):
    """Hand in a file for a required document or a file question (see
    :func:`uploaded_file` for the two forms); the same checks and file store as evidence."""
    user = api_user()
    audit = _application_or_404(application_id)
    require(perm.is_centre_contact(user, audit))
    key = path_segment(document_key, 50)
    sheet = centre_side.centre_sheet(audit)
    questionnaire = sheet.questionnaire
    if not (questionnaire.has_document(key) or (questionnaire.has_question(key) and
                                                 questionnaire.question(key).type.value == "file")):
        raise ApiError(404)
    today = _today()
    if centre_side.upload_problem(audit, key, sheet, today) is not None:
        raise _not_now()
    upload = uploaded_file()
    try:
        document = centre_side.add_document(
            audit, key, filename=upload.name, data=upload.data, actor=user,
            max_bytes=current_app.config["EVIDENCE_MAX_BYTES"], today=today)
    except ValidationFailed as exc:
        raise validation_error(exc) from None
    except StorageFailed as exc:
        raise ApiError(503, "storage_failed", str(exc.message)) from None
    db.session.commit()
    return respond(responses.HandedInFile.of(document), 201,
                   location=url_for("api.document_file", application_id=audit.id,
                                    file_id=document.id))


@bp.route(f"/applications/<{ID}:application_id>/files/<{ID}:file_id>")
def document_file(application_id: int, file_id: int):
    """A handed-in file, as handed in (checked against its SHA-256)."""
    audit = _application_or_404(application_id)
    try:
        document = centre_side.visible_document(audit, file_id)
    except NotFound:
        raise ApiError(404) from None
    stream = centre_side.open_document(document)
    if stream is None:
        raise ApiError(404)
    return send_download(stream, mimetype=document.media_type, filename=document.original_name)


@bp.route(f"/applications/<{ID}:application_id>/documents/<document_key>/review",
          methods=["PUT"])
def review_document(application_id: int, document_key: str):
    """The audit team marks a required document present, incomplete or missing."""
    user = api_user()
    audit = _application_or_404(application_id)
    require(audit.team_role_of(user.id) is not None)
    if audit.status not in DOCUMENT_REVIEW:
        raise _not_now()
    key = path_segment(document_key, 50)
    body = parse_body(schemas.DocumentReviewInput, json_body())
    try:
        centre_side.review_document(audit, key, status=body.status.value, note=body.note,
                                    actor=user)
    except NotFound:
        raise ApiError(404) from None
    except ValidationFailed as exc:
        raise validation_error(exc) from None
    db.session.commit()
    line = next(d for d in centre_side.centre_sheet(audit).documents if d.document.key == key)
    return respond(responses.RequiredDocumentState.of(line))


@bp.route(f"/applications/<{ID}:application_id>/complete-document-review", methods=["POST"])
def complete_document_review(application_id: int):
    """The lead auditor (or a working-group lead) completes the document review (422
    ``documents_unreviewed`` names the unmarked documents)."""
    user = api_user()
    audit = _application_or_404(application_id)
    require(audit.team_role_of(user.id) is not None or perm.is_lead(user))
    try:
        application_service.complete_document_review(audit, actor=user)
    except TransitionRefused as exc:
        raise _refusal(exc) from None
    db.session.commit()
    sheet = centre_side.centre_sheet(audit)
    _notify(audit, sheet)
    return respond(_detail(audit))
