"""The centre's area of an audit: the application, the lead's answer, the questionnaire, the
self-assessment and the documents with the team's marks."""
from __future__ import annotations

from datetime import date

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...extensions import db
from ...labels import LABELS, refusal_message
from ...models import Centre
from ...permissions import (
    can_answer_application,
    can_apply,
    can_complete_document_review,
    can_edit_questionnaire,
    can_hand_in_documents,
    can_review_documents,
    can_submit_questionnaire,
    sees_everything,
)
from ...services import access
from ...services import applications as application_service
from ...services import audits as audit_service
from ...services import centre_side
from ...services import notifications
from ...services.inputs import parse_page
from ...services.errors import StorageFailed, TransitionRefused, ValidationFailed, VersionConflict
from ...storage.http import send_download
from ...templating import current_lang, localtime
from ...workflow import RefusalCode
from . import bp
from .view_helpers import input_value
from .forms import (
    AcceptForm,
    AnswerForm,
    ApplyForm,
    DeclineForm,
    DocumentForm,
    DocumentReviewForm,
    SelfAssessmentForm,
)


def _today() -> date:
    return date.today()


def _load(application_id: int):
    """The application's audit, or 404 when missing or not visible to the user."""
    return access.visible_application(application_id, current_user)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _notify(audit, sheet=None) -> None:
    """After the step's commit: the e-mail to the centre, recorded when sent."""
    notice = notifications.notice_for(audit, base_url=current_app.config["BASE_URL"],
                                      association=current_app.config["ASSOCIATION_NAME"],
                                      sheet=sheet)
    if notifications.deliver(notice, current_app.config):
        db.session.commit()


def _refused(exc: TransitionRefused, audit) -> str:
    if exc.refusal_code == RefusalCode.QUESTIONNAIRE_INCOMPLETE:
        sheet = centre_side.centre_sheet(audit)
        return _("The questionnaire is not complete yet. Missing answers: %(keys)s.",
                 keys="; ".join(sheet.title_of(k, current_lang()) for k in exc.details))
    if exc.refusal_code == RefusalCode.DOCUMENTS_UNREVIEWED:
        sheet = centre_side.centre_sheet(audit)
        return _("Not every required document has been marked yet: %(keys)s.",
                 keys="; ".join(sheet.title_of(k, current_lang()) for k in exc.details))
    return refusal_message(exc.refusal_code, exc.details)


# --- the application ------------------------------------------------------------------------


def _apply_form() -> ApplyForm:
    if sees_everything(current_user):
        from ...services.audits import planning_choices

        centres = planning_choices().centres
    else:
        centre = db.session.get(Centre, current_user.centre_id)
        centres = [centre] if centre is not None and centre.active else []
    return ApplyForm(centres=centres, kind_labels=LABELS)


@bp.route("/")
@login_required
def index():
    """The applications the user may see, newest first (a centre's contacts their own)."""
    page = application_service.visible_applications(
        current_user, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    # A contact applies again only when the centre has no audit under way (as on the home page).
    centre = current_user.centre if current_user.has_role("contact") else None
    may_apply = can_apply(current_user) and (centre is None or (
        can_apply(current_user, centre) and application_service.open_audit_of(centre) is None))
    return render_template("applications/index.html", page=page, may_apply=may_apply,
                           title=_("Applications"))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def apply():
    """A centre applies for an audit (its contact; the office on its behalf)."""
    if not can_apply(current_user):
        abort(404)
    form = _apply_form()
    if form.validate_on_submit():
        try:
            audit = application_service.apply(
                centre=form.centre(), kind=form.kind_value(),
                preferred_from=form.preferred_from.data, preferred_until=form.preferred_until.data,
                message=form.message.data or "", actor=current_user, today=_today())
        except ValidationFailed as exc:
            db.session.rollback()
            for message in form.add_service_errors(exc.fields, form.FIELD_NAMES):
                flash(message, "error")
        else:
            db.session.commit()
            _notify(audit)
            flash(_("Your application %(number)s has been sent. You can fill in the "
                    "questionnaire and the self-assessment now.", number=audit.number), "success")
            return redirect(url_for("applications.detail", application_id=audit.id))
    return render_template("applications/apply.html", form=form, title=_("Apply for an audit"))


@bp.route("/<int:application_id>")
@login_required
def detail(application_id: int):
    """The application: its steps, the centre's area (questionnaire, self-assessment,
    documents) with what is still missing, and the next step for this user."""
    audit = _load(application_id)
    sheet = centre_side.centre_sheet(audit)
    selfs = centre_side.self_sheet(audit)
    return render_template(
        "applications/detail.html", audit=audit, sheet=sheet, selfs=selfs,
        trail=centre_side.application_trail(audit), decline_form=DeclineForm(),
        blockers=selfs.blockers(current_lang()), today=_today(),
        title=_("Application %(number)s", number=audit.number))


@bp.route("/<int:application_id>/accept", methods=["GET", "POST"])
@login_required
def accept(application_id: int):
    """A working-group lead accepts the application by planning the audit."""
    audit = _load(application_id)
    if not can_answer_application(current_user, audit):
        abort(403)
    choices = audit_service.planning_choices()
    form = AcceptForm(centre=audit.centre, auditors=choices.auditors)
    if request.method == "GET":
        form.planned_on.data = form.planned_on.data or audit.application.preferred_from
    if form.validate_on_submit():
        try:
            application_service.accept(
                audit, actor=current_user, planned_on=form.planned_on.data,
                visit_on=form.visit_on.data, due_on=form.due_on.data, **form.team())
        except ValidationFailed as exc:
            db.session.rollback()
            for message in form.add_service_errors(exc.fields, form.FIELD_NAMES):
                flash(message, "error")
        except TransitionRefused as exc:
            db.session.rollback()
            flash(_refused(exc, audit), "error")
        else:
            db.session.commit()
            _notify(audit)
            flash(_("Application accepted: audit %(number)s is planned; the centre's "
                    "questionnaire is open.", number=audit.number), "success")
            return redirect(url_for("applications.detail", application_id=audit.id))
    return render_template("applications/accept.html", audit=audit, form=form,
                           title=_("Accept application %(number)s", number=audit.number))


@bp.route("/<int:application_id>/decline", methods=["POST"])
@login_required
def decline(application_id: int):
    """A working-group lead declines the application with a reason."""
    audit = _load(application_id)
    if not can_answer_application(current_user, audit):
        abort(403)
    form = DeclineForm()
    if not form.validate_on_submit():
        for message in [str(m) for ms in form.errors.values() for m in ms]:
            flash(message, "error")
        return redirect(url_for("applications.detail", application_id=audit.id))
    try:
        application_service.decline(audit, actor=current_user, reason=form.reason.data)
    except (ValidationFailed, TransitionRefused) as exc:
        db.session.rollback()
        flash(_refused(exc, audit) if isinstance(exc, TransitionRefused)
              else str(next(iter(exc.fields.values()), exc.message)), "error")
    else:
        db.session.commit()
        _notify(audit)
        flash(_("The application has been declined."), "success")
    return redirect(url_for("applications.detail", application_id=audit.id))


# --- the questionnaire ------------------------------------------------------------------------


def _questionnaire_page(audit, *, overrides=None, status=200):
    sheet = centre_side.centre_sheet(audit)
    html = render_template(
        "applications/questionnaire.html", audit=audit, sheet=sheet, overrides=overrides or {},
        editable=can_edit_questionnaire(current_user, audit),
        can_submit=can_submit_questionnaire(current_user, audit),
        upload_allowed=can_edit_questionnaire(current_user, audit),
        document_form=DocumentForm(), title=_("Questionnaire %(number)s", number=audit.number))
    return make_response(html, status)


@bp.route("/<int:application_id>/questionnaire")
@login_required
def questionnaire(application_id: int):
    """The questionnaire: every question saves itself; progress and what is missing."""
    audit = _load(application_id)
    overrides = {}
    if request.args.get("missing") == "1":
        sheet = centre_side.centre_sheet(audit)
        overrides = {key: {"missing": True} for key in sheet.missing}
    return _questionnaire_page(audit, overrides=overrides)


def _progress_fragment(audit) -> str:
    sheet = centre_side.centre_sheet(audit)
    return render_template("applications/_progress.html", audit=audit, sheet=sheet,
                           can_submit=can_submit_questionnaire(current_user, audit))


@bp.route("/<int:application_id>/questionnaire/<question_key>", methods=["POST"])
@login_required
def save_answer(application_id: int, question_key: str):
    """Save one answer; 422 with the message next to the field, 409 on a conflict."""
    audit = _load(application_id)
    if not can_edit_questionnaire(current_user, audit):
        abort(403)
    raw, version, errors = AnswerForm(request.form).answer()
    try:
        if errors:
            raise ValidationFailed(_("The answer was not saved."), fields=errors)
        answer = centre_side.save_answer(audit, question_key, raw, expected_version=version,
                                         actor=current_user)
    except VersionConflict as exc:
        db.session.rollback()
        current = exc.current
        if _wants_json():
            question = centre_side.centre_sheet(audit).questionnaire.question(question_key)
            return make_response(jsonify({
                "status": "conflict", "version": current.version,
                "current": input_value(question, current)}), 409)
        flash(_("Someone else has saved this answer in the meantime. Please check it and "
                "save again."), "error")
        return _questionnaire_page(audit, status=409, overrides={
            question_key: {"typed": raw, "errors": {"value": _("saved meanwhile by someone "
                                                                 "else")}}})
    except ValidationFailed as exc:
        db.session.rollback()
        message = str(next(iter(exc.fields.values()), exc.message))
        if _wants_json():
            return make_response(jsonify({"status": "invalid", "errors": {"value": message}}),
                                 422)
        return _questionnaire_page(audit, status=422, overrides={
            question_key: {"typed": raw, "errors": {"value": message}}})
    db.session.commit()
    if _wants_json():
        return jsonify({"status": "saved", "version": answer.version,
                        "saved_at": localtime(answer.updated_at) if answer.updated_at else "",
                        "fragments": {"progress": _progress_fragment(audit)}})
    flash(_("Answer saved."), "success")
    return redirect(url_for("applications.questionnaire", application_id=audit.id,
                            _anchor=f"q-{question_key}"))


@bp.route("/<int:application_id>/submit", methods=["POST"])
@login_required
def submit(application_id: int):
    """The centre submits the questionnaire (refused with the missing answers listed)."""
    audit = _load(application_id)
    if not can_submit_questionnaire(current_user, audit):
        abort(403)
    try:
        application_service.submit_questionnaire(audit, actor=current_user, today=_today())
    except TransitionRefused as exc:
        db.session.rollback()
        flash(_refused(exc, audit), "error")
        return redirect(url_for("applications.questionnaire", application_id=audit.id,
                                missing=1))
    db.session.commit()
    flash(_("The questionnaire has been submitted. The audit team now reviews your "
            "documents."), "success")
    return redirect(url_for("applications.detail", application_id=audit.id))


# --- the self-assessment ---------------------------------------------------------------------


def _self_page(audit, *, overrides=None, status=200):
    selfs = centre_side.self_sheet(audit)
    html = render_template(
        "applications/self_assessment.html", audit=audit, selfs=selfs,
        blockers=selfs.blockers(current_lang()), overrides=overrides or {},
        editable=can_edit_questionnaire(current_user, audit),
        title=_("Self-assessment %(number)s", number=audit.number))
    return make_response(html, status)


@bp.route("/<int:application_id>/self-assessment")
@login_required
def self_assessment(application_id: int):
    """The centre scores itself on every criterion and sees live where it stands."""
    return _self_page(_load(application_id))


@bp.route("/<int:application_id>/self-assessment/<code>", methods=["POST"])
@login_required
def save_self_assessment(application_id: int, code: str):
    """Save one criterion of the self-assessment (422 / 409 like the checklist)."""
    audit = _load(application_id)
    if not can_edit_questionnaire(current_user, audit):
        abort(403)
    data, version, errors = SelfAssessmentForm(request.form).answer()
    typed = request.form.to_dict()
    try:
        if errors:
            raise ValidationFailed(_("The answer was not saved."), fields=errors)
        row = centre_side.save_self_assessment(audit, code, data, expected_version=version,
                                               actor=current_user)
    except VersionConflict as exc:
        db.session.rollback()
        if _wants_json():
            return make_response(jsonify({"status": "conflict", "version": exc.current.version,
                                          "current": ""}), 409)
        return _self_page(audit, status=409, overrides={code: {"typed": typed, "errors": {
            "points": _("saved meanwhile by someone else")}}})
    except ValidationFailed as exc:
        db.session.rollback()
        fields = {k: str(v) for k, v in exc.fields.items()} or {"points": str(exc.message)}
        if _wants_json():
            return make_response(jsonify({"status": "invalid", "errors": fields}), 422)
        return _self_page(audit, status=422, overrides={code: {"typed": typed,
                                                               "errors": fields}})
    db.session.commit()
    if _wants_json():
        selfs = centre_side.self_sheet(audit)
        blockers = selfs.blockers(current_lang())
        fragments = {name: render_template(f"applications/_{name.replace('-', '_')}.html",
                                           audit=audit, selfs=selfs, blockers=blockers)
                     for name in ("self-summary", "self-bar")}
        return jsonify({"status": "saved", "version": row.version,
                        "saved_at": localtime(row.updated_at) if row.updated_at else "",
                        "fragments": fragments})
    flash(_("%(code)s saved.", code=code), "success")
    return redirect(url_for("applications.self_assessment", application_id=audit.id,
                            _anchor=f"sa-{code}"))


# --- documents ----------------------------------------------------------------------------------


@bp.route("/<int:application_id>/documents")
@login_required
def documents(application_id: int):
    """The required documents: files handed in, the team's marks, what is requested."""
    audit = _load(application_id)
    sheet = centre_side.centre_sheet(audit)
    today = _today()
    allowed = can_hand_in_documents(current_user, audit, today)
    return render_template(
        "applications/documents.html", audit=audit, sheet=sheet, today=today,
        upload_allowed=allowed,
        uploadable={d.document.key for d in sheet.documents if allowed and
                    centre_side.upload_problem(audit, d.document.key, sheet, today) is None},
        removable=can_edit_questionnaire(current_user, audit),
        reviewing=can_review_documents(current_user, audit),
        can_complete=can_complete_document_review(current_user, audit),
        document_form=DocumentForm(), visit_day=centre_side.visit_day(audit),
        title=_("Documents %(number)s", number=audit.number))


def _back(audit, key: str):
    sheet_questionnaire = centre_side.centre_sheet(audit).questionnaire
    if sheet_questionnaire.has_question(key):
        return redirect(url_for("applications.questionnaire", application_id=audit.id,
                                _anchor=f"q-{key}"))
    return redirect(url_for("applications.documents", application_id=audit.id,
                            _anchor=f"doc-{key}"))


@bp.route("/<int:application_id>/documents/<document_key>/files", methods=["POST"])
@login_required
def upload(application_id: int, document_key: str):
    """Hand in a file for a required document or a file question."""
    audit = _load(application_id)
    today = _today()
    if not can_hand_in_documents(current_user, audit, today):
        abort(403)
    form = DocumentForm()
    if not form.validate_on_submit():
        flash("; ".join(str(e) for e in form.file.errors)
              or _("The form has expired. Please try again."), "error")
        return _back(audit, document_key)
    upload_file = form.file.data
    try:
        centre_side.add_document(
            audit, document_key, filename=upload_file.filename or "", data=upload_file.read(),
            actor=current_user, max_bytes=current_app.config["EVIDENCE_MAX_BYTES"], today=today)
    except (ValidationFailed, StorageFailed) as exc:
        db.session.rollback()
        reason = str(next(iter(exc.fields.values()), exc.message))
        flash(_("“%(name)s” was not stored: %(reason)s",
                name=upload_file.filename or "–", reason=reason[:1].upper() + reason[1:]),
              "error")
    else:
        db.session.commit()
        flash(_("The file has been handed in."), "success")
    return _back(audit, document_key)


@bp.route("/<int:application_id>/files/<int:file_id>")
@login_required
def download(application_id: int, file_id: int):
    """Download a handed-in file, always as an attachment under its original name."""
    audit = _load(application_id)
    document = centre_side.visible_document(audit, file_id)
    stream = centre_side.open_document(document)
    if stream is None:
        abort(404)
    return send_download(stream, mimetype=document.media_type, filename=document.original_name)


@bp.route("/<int:application_id>/files/<int:file_id>/remove", methods=["POST"])
@login_required
def remove_file(application_id: int, file_id: int):
    """Take a file back before the questionnaire is submitted (it stays in the trail)."""
    audit = _load(application_id)
    if not can_edit_questionnaire(current_user, audit):
        abort(403)
    document = centre_side.visible_document(audit, file_id)
    centre_side.remove_document(audit, document, actor=current_user)
    db.session.commit()
    flash(_("The file has been removed."), "success")
    return _back(audit, document.document_key)


@bp.route("/<int:application_id>/documents/<document_key>/review", methods=["POST"])
@login_required
def review_document(application_id: int, document_key: str):
    """The team marks a document present, incomplete or missing, with a note."""
    audit = _load(application_id)
    if not can_review_documents(current_user, audit):
        abort(403)
    form = DocumentReviewForm(request.form)
    form.validate()
    problem = "; ".join(str(e) for f in form._fields.values() for e in f.errors)
    if not problem:
        try:
            centre_side.review_document(audit, document_key, status=form.status.data,
                                        note=form.note.data, actor=current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            problem = "; ".join(str(v) for v in exc.fields.values()) or str(exc.message)
        else:
            db.session.commit()
    flash(problem or _("The mark has been saved."), "error" if problem else "success")
    return redirect(url_for("applications.documents", application_id=audit.id,
                            _anchor=f"doc-{document_key}"))


@bp.route("/<int:application_id>/documents/complete", methods=["POST"])
@login_required
def complete_review(application_id: int):
    """The lead auditor completes the document review: the audit is ready for the visit."""
    audit = _load(application_id)
    if not can_complete_document_review(current_user, audit):
        abort(403)
    try:
        application_service.complete_document_review(audit, actor=current_user)
    except TransitionRefused as exc:
        db.session.rollback()
        flash(_refused(exc, audit), "error")
        return redirect(url_for("applications.documents", application_id=audit.id))
    db.session.commit()
    _notify(audit, centre_side.centre_sheet(audit))
    flash(_("Document review completed: the audit is ready for the site visit."), "success")
    return redirect(url_for("applications.detail", application_id=audit.id))
