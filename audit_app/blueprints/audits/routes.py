"""Audits: list, planning, the audit page, the checklist, evidence, review and decision."""
from __future__ import annotations

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
from flask_babel import ngettext
from flask_login import current_user, login_required

from ...extensions import db
from ...labels import LABELS, refusal_message
from ...models import Audit, DocumentKind, DocumentState
from ...permissions import (
    can_edit_assessments,
    can_plan_audits,
    can_review,
    sees_everything,
)
from ...services import access, documents
from ...services import applications as application_service
from ...services import audits as audit_service
from ...services import catalogs as catalog_service
from ...services import certificates as certificate_service
from ...services import checklist as checklist_service
from ...services import evidence as evidence_service
from ...services import reports as report_service
from ...services.audit_actions import available_actions, team_guidance
from ...services.errors import StorageFailed, TransitionRefused, ValidationFailed, VersionConflict
from ...services.inputs import parse_page
from ...services.reports import ReportRenderFailed
from ...storage.http import send_download
from ...templating import localtime
from ...workflow import Action, AuditStatus, Decision, RefusalCode
from . import bp
from .forms import (
    AnswerForm,
    AuditFilterForm,
    CarryForm,
    DecisionForm,
    EvidenceForm,
    NoteForm,
    PlanAuditForm,
    ReviewForm,
)
from ..applications.view_helpers import centre_card
from .view_helpers import field_label


def _load(audit_id: int) -> Audit:
    """The audit with its team, or 404 when missing or not visible to the user."""
    return access.visible_audit(audit_id, current_user)


def document_lines(audit: Audit) -> list:
    """The audit's documents not stored yet, each with a sentence saying so."""
    words = {DocumentKind.CERTIFICATE: _("Certificate"), DocumentKind.REPORT: _("Audit report")}
    languages = {"de": _("German"), "en": _("English")}
    lines = []
    for d in documents.open_documents(audit):
        what = f"{words[d.kind]} ({languages.get(d.lang, d.lang)})"
        if d.state is DocumentState.FAILED:
            text = _("%(document)s: could not be created (%(attempts)s attempts). It is created "
                     "again at the next download.", document=what, attempts=d.attempts)
        else:
            text = _("%(document)s: being created.", document=what)
        lines.append({"state": d.state, "text": text})
    return lines


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


@bp.route("/")
@login_required
def index():
    """Audits the user may see: search, filters (status, year, auditor), sorting, paging."""
    form = AuditFilterForm(request.args, years=audit_service.audit_years(current_user),
                           people=(audit_service.team_people(current_user)
                                   if sees_everything(current_user) else []))
    filters, sort = form.filters()
    page = audit_service.list_audits(
        current_user, filters, parse_page(request.args.get("page")),
        current_app.config["PAGE_SIZE"], sort=sort)
    return render_template("audits/index.html", page=page, form=form, filters=filters,
                           sort=sort, title=_("Audits"))


def _plan_form(previous=None) -> PlanAuditForm:
    choices = audit_service.planning_choices()
    for c in choices.catalogs:
        c.title_label = f"{c.title(current_lang_code())} ({c.label})"
    if request.method == "GET" and previous is not None:
        return PlanAuditForm(formdata=None, centres=choices.centres, catalogs=choices.catalogs,
                             auditors=choices.auditors, guests=choices.auditors,
                             kind_labels=LABELS, previous=previous)
    return PlanAuditForm(centres=choices.centres, catalogs=choices.catalogs,
                         auditors=choices.auditors, guests=choices.auditors, kind_labels=LABELS,
                         previous=previous)


def _previous_from_query():
    """The decided audit named by ``?previous=`` (a renewal starts from it), if visible."""
    from ...services.inputs import parse_id
    from ...services.errors import NotFound

    audit_id = parse_id(request.args.get("previous"))
    if audit_id is None:
        return None
    try:
        audit = access.visible_audit(audit_id, current_user)
    except NotFound:
        return None
    return audit if audit.status is AuditStatus.DECIDED else None


def category_chart(sheet, lang: str) -> dict:
    """The category chart of the audit page (the same macro the PDF report uses)."""
    from ...charts import chart_for_result

    return chart_for_result(sheet.result, sheet.catalog, lang,
                            title=_("Category results with the pass line"),
                            pass_text=_("pass line"), below_text=_("(below minimum)"),
                            dropped_text=_("not rated"))


def current_lang_code() -> str:
    from ...templating import current_lang

    return current_lang()


@bp.route("/new", methods=["GET", "POST"])
@login_required
def plan():
    """A working-group lead plans an audit: centre, catalogue, kind, dates, team."""
    if not can_plan_audits(current_user):
        abort(404)
    previous = _previous_from_query()
    form = _plan_form(previous)
    if form.validate_on_submit():
        try:
            audit = audit_service.plan_audit(
                centre=form.centre(form.centre_id.data),
                catalog=catalog_service.get_catalog(form.catalog_id.data),
                kind=audit_service.AuditKind(form.kind.data),
                planned_on=form.planned_on.data,
                visit_on=form.visit_on.data,
                due_on=form.due_on.data,
                lead_auditor=form.person(form.lead_auditor_id.data),
                auditors=[form.person(i) for i in form.auditor_ids.data],
                guest=form.person(form.guest_id.data) if form.guest_id.data else None,
                actor=current_user,
                previous=form.previous(form.previous_audit_id.data),
            )
        except ValidationFailed as exc:
            db.session.rollback()
            for message in form.add_service_errors(exc.fields, form.FIELD_NAMES):
                flash(message, "error")
        else:
            db.session.commit()
            flash(_("Audit %(number)s has been planned.", number=audit.number), "success")
            return redirect(url_for("audits.detail", audit_id=audit.id))
    return render_template("audits/plan.html", form=form, previous=previous,
                           title=_("Plan an audit"))


@bp.route("/<int:audit_id>")
@login_required
def detail(audit_id: int):
    """The audit page: status steps, team, dates, allowed actions, score and timeline."""
    from ...labels import TRAIL_GROUPS

    from ...services import conditions as condition_service

    trail_group = request.args.get("trail") if request.args.get("trail") in TRAIL_GROUPS else None
    audit = _load(audit_id)
    sheet = checklist_service.audit_sheet(audit)
    return render_template(
        "audits/detail.html", audit=audit, sheet=sheet,
        conditions=condition_service.for_audit(audit),
        today=certificate_service.today_in_berlin(),
        chart=category_chart(sheet, current_lang_code()),
        actions=available_actions(audit, current_user, sheet.result),
        guidance=team_guidance(audit, current_user),
        trail=checklist_service.trail(audit, trail_group), trail_group=trail_group,
        note_form=NoteForm(), application=application_service.is_application(audit),
        documents=document_lines(audit), title=_("Audit %(number)s", number=audit.number),
    )


@bp.route("/<int:audit_id>/report.pdf")
@login_required
def report(audit_id: int):
    """The audit report as PDF (?lang=de|en): stored once decided, a draft before."""
    audit = _load(audit_id)
    lang = "en" if request.args.get("lang") == "en" else "de"
    try:
        download = report_service.open_report(audit, lang, actor=current_user)
    except ReportRenderFailed as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("audits.detail", audit_id=audit.id))
    db.session.commit()  # a decided audit's first download stores its report
    name = ("Auditbericht" if lang == "de" else "Audit-report") + f"-{audit.number}.pdf"
    return send_download(download, mimetype="application/pdf", filename=name)


@bp.route("/<int:audit_id>/transition/<action>", methods=["POST"])
@login_required
def transition(audit_id: int, action: str):
    """Apply one workflow action (start, submit, request changes, resume, reopen, decide)."""
    audit = _load(audit_id)
    try:
        action_enum = Action(action)
    except ValueError:
        abort(404)
    form = DecisionForm() if action_enum is Action.DECIDE else NoteForm()
    if action_enum is Action.DECIDE:
        form.decision.choices = [(d.value, d.value) for d in Decision]
    if not form.validate_on_submit():
        problems = [str(m) for messages in form.errors.values() for m in messages]
        for message in problems or [_("Please check the form.")]:
            flash(message, "error")
        return redirect(url_for("audits.detail", audit_id=audit.id))
    kwargs = {"note": form.note.data or ""}
    if action_enum is Action.DECIDE:
        kwargs.update(decision=Decision(form.decision.data),
                      override_reason=form.override_reason.data or "")
    try:
        audit_service.transition(audit, action_enum, current_user, **kwargs)
    except TransitionRefused as exc:
        db.session.rollback()
        if exc.refusal_code in (RefusalCode.FORBIDDEN, RefusalCode.FOUR_EYES):
            abort(403)
        flash(refusal_message(exc.refusal_code, exc.details), "error")
        target = "audits.review" if action_enum is Action.DECIDE else "audits.detail"
        return redirect(url_for(target, audit_id=audit.id))
    except ValidationFailed as exc:
        db.session.rollback()
        for message in exc.fields.values() or [exc.message]:
            flash(str(message), "error")
        return redirect(url_for("audits.review" if action_enum is Action.DECIDE else "audits.detail",
                                audit_id=audit.id))
    db.session.commit()  # a decision's PDFs are rendered right after this commit
    if action_enum is Action.DECIDE:
        issued = certificate_service.for_audit(audit)
        if issued:
            flash(_("Decided: %(decision)s. Certificate %(number)s has been issued; the "
                    "certificate and the report are ready below.",
                    decision=LABELS[audit.decision], number=issued[0].number), "success")
        else:
            flash(_("Decided: %(decision)s. The report is ready below.",
                    decision=LABELS[audit.decision]), "success")
    else:
        flash(_("Status: %(status)s.", status=LABELS[audit.status]), "success")
    if action_enum is Action.DECIDE and any(
            d.state is DocumentState.FAILED for d in documents.open_documents(audit)):
        flash(_("The decision is saved, but a PDF could not be created yet. It is created "
                "again at the next download; the audit page shows which one."), "error")
    if action_enum is Action.RESUME and request.form.get("next") == "checklist":
        return redirect(url_for("audits.checklist", audit_id=audit.id))
    return redirect(url_for("audits.detail", audit_id=audit.id))


@bp.route("/<int:audit_id>/checklist")
@login_required
def checklist(audit_id: int):
    """The auditor's checklist: every criterion as a card, saved one by one."""
    audit = _load(audit_id)
    sheet = checklist_service.audit_sheet(audit)
    only_open = request.args.get("open") == "1"
    return render_template(
        "audits/checklist.html", audit=audit, sheet=sheet, only_open=only_open,
        editable=can_edit_assessments(current_user, audit), overrides={},
        guidance=team_guidance(audit, current_user),
        evidence_form=EvidenceForm(), title=_("Checklist %(number)s", number=audit.number),
    )


def _wants_json() -> bool:
    """The checklist's autosave asks for JSON: it updates the card in place, never replacing
    what the auditor is typing (static/js/checklist.js)."""
    return request.accept_mimetypes.best == "application/json"


def _autosave_response(audit, sheet, code, *, status, state, overrides):
    """JSON for the autosave: the new version and state, the summary and the progress bar;
    the whole card only for a conflict (it asks the auditor to choose)."""
    editable = can_edit_assessments(current_user, audit)
    item = sheet.items[code]
    body = {"status": state, "code": code, "version": item.assessment.version}
    if state == "saved":
        body["saved_at"] = localtime(item.assessment.updated_at)
        body["answered"] = item.assessment.answered
        section = next(s for s in sheet.sections if item in s.items)
        body["category"] = {"code": section.category.code,
                            "text": _("%(answered)s of %(total)s answered",
                                      answered=section.answered, total=len(section.items))}
        body["summary"] = render_template("audits/_summary.html", audit=audit, sheet=sheet,
                                          oob=False)
        body["progress"] = render_template("audits/_progress.html", audit=audit, sheet=sheet,
                                           oob=False)
        side = render_template("audits/_centre_side.html", audit=audit, sheet=sheet, item=item,
                               c=item.criterion, x=centre_card(audit, code))
        if side.strip():  # the centre's side of the criterion: confirmed or corrected now
            body["side"] = side
        if request.headers.get("X-Want-Card"):  # a conflict was resolved: a fresh card
            body["card"] = render_template(
                "audits/_card.html", audit=audit, sheet=sheet, item=item, editable=editable,
                overrides={}, evidence_form=EvidenceForm())
    elif state == "invalid":
        body["errors"] = {key: f"{field_label(key)}: {message}"
                          for key, message in overrides.get("errors", {}).items()}
    else:  # conflict
        body["card"] = render_template(
            "audits/_card.html", audit=audit, sheet=sheet, item=item, editable=editable,
            overrides={code: {"state": state, **overrides}}, evidence_form=EvidenceForm())
    return make_response(jsonify(body), status)


def _card_response(audit, sheet, code, *, status=200, state=None, overrides=None):
    """The card (and, out of band, the summary) for htmx, or the whole page without it."""
    if _wants_json() and state in ("saved", "invalid", "conflict"):
        return _autosave_response(audit, sheet, code, status=status, state=state,
                                  overrides=overrides or {})
    editable = can_edit_assessments(current_user, audit)
    overrides = {code: {"state": state, **(overrides or {})}}
    if _is_htmx():
        html = render_template("audits/_card_response.html", audit=audit, sheet=sheet,
                               item=sheet.items[code], editable=editable, overrides=overrides,
                               evidence_form=EvidenceForm())
        return make_response(html, status)
    html = render_template("audits/checklist.html", audit=audit, sheet=sheet, only_open=False,
                           editable=editable, overrides=overrides, evidence_form=EvidenceForm(),
                           guidance=team_guidance(audit, current_user),
                           title=_("Checklist %(number)s", number=audit.number))
    return make_response(html, status)


@bp.route("/<int:audit_id>/checklist/<code>", methods=["POST"])
@login_required
def save_criterion(audit_id: int, code: str):
    """Save one criterion; 422 with the errors, 409 with both values on a conflict."""
    audit = _load(audit_id)
    if not can_edit_assessments(current_user, audit):
        abort(403)
    answer, version, parse_errors = AnswerForm(request.form).answer()
    typed = {"typed": request.form.to_dict()}
    try:
        if parse_errors:
            raise ValidationFailed(_("The answer was not saved."), fields=parse_errors)
        audit_service.save_assessment(audit, code, answer, expected_version=version,
                                      actor=current_user)
    except VersionConflict:
        db.session.rollback()
        sheet = checklist_service.audit_sheet(audit)
        if code not in sheet.items:
            abort(404)
        return _card_response(audit, sheet, code, status=409, state="conflict", overrides=typed)
    except ValidationFailed as exc:
        db.session.rollback()
        sheet = checklist_service.audit_sheet(audit)
        if code not in sheet.items:
            abort(404)
        return _card_response(audit, sheet, code, status=422, state="invalid",
                              overrides={**typed, "errors": {k: str(v) for k, v in exc.fields.items()}})
    if not (_is_htmx() or _wants_json()):
        db.session.commit()
        flash(_("%(code)s saved.", code=code), "success")
        return redirect(url_for("audits.checklist", audit_id=audit.id, _anchor=f"crit-{code}"))
    # Read the new state inside the same transaction, then commit, then render: the write
    # lock is not held while the response is rendered.
    sheet = checklist_service.audit_sheet(audit)
    db.session.commit()
    return _card_response(audit, sheet, code, state="saved")


@bp.route("/<int:audit_id>/checklist/<code>/card")
@login_required
def card(audit_id: int, code: str):
    """The current stored state of one card (used to discard one's own conflicting input)."""
    audit = _load(audit_id)
    sheet = checklist_service.audit_sheet(audit)
    if code not in sheet.items:
        abort(404)
    return _card_response(audit, sheet, code)


@bp.route("/<int:audit_id>/checklist/<code>/evidence", methods=["POST"])
@login_required
def upload_evidence(audit_id: int, code: str):
    """Attach a file to one criterion."""
    audit = _load(audit_id)
    if not can_edit_assessments(current_user, audit):
        abort(403)
    assessment = audit_service.get_assessment(audit, code)
    if assessment is None:
        abort(404)
    form = EvidenceForm()
    problem = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            evidence_service.add_evidence(
                audit, assessment, filename=upload.filename or "", data=upload.read(),
                actor=current_user, max_bytes=current_app.config["EVIDENCE_MAX_BYTES"],
                document_date=form.document_date.data, valid_until=form.valid_until.data,
            )
        except (ValidationFailed, StorageFailed) as exc:
            db.session.rollback()
            reason = str(next(iter(exc.fields.values()), exc.message))
            problem = _("“%(name)s” was not stored: %(reason)s",
                        name=evidence_service.clean_filename(upload.filename or "") or "–",
                        reason=reason[:1].upper() + reason[1:])
        else:
            db.session.commit()
    else:
        problem = "; ".join(str(e) for name in ("file", "document_date", "valid_until")
                            for e in form[name].errors) or _(
            "The form has expired. Please try again.")
    if _is_htmx():
        sheet = checklist_service.audit_sheet(audit)
        html = render_template("audits/_evidence.html", audit=audit, item=sheet.items[code],
                               editable=True, evidence_form=EvidenceForm(), problem=problem)
        return make_response(html, 422 if problem else 200)
    flash(problem or _("The file has been attached."), "error" if problem else "success")
    return redirect(url_for("audits.checklist", audit_id=audit.id, _anchor=f"crit-{code}"))


@bp.route("/<int:audit_id>/evidence/<int:evidence_id>")
@login_required
def download_evidence(audit_id: int, evidence_id: int):
    """Download an evidence file, always as an attachment under its original name."""
    audit = _load(audit_id)
    evidence = access.visible_evidence(audit, evidence_id)
    download = evidence_service.open_evidence(evidence)
    if download is None:
        abort(404)
    return send_download(download, mimetype=evidence.media_type, filename=evidence.original_name)


@bp.route("/<int:audit_id>/evidence/<int:evidence_id>/remove", methods=["POST"])
@login_required
def remove_evidence(audit_id: int, evidence_id: int):
    """Remove an evidence file from a criterion (it stays in the audit trail)."""
    audit = _load(audit_id)
    if not can_edit_assessments(current_user, audit):
        abort(403)
    evidence = access.visible_evidence(audit, evidence_id)
    if evidence.removed_at is None:
        evidence_service.remove_evidence(audit, evidence, actor=current_user)
        db.session.commit()
    code = evidence.assessment.criterion.code
    if _is_htmx():
        sheet = checklist_service.audit_sheet(audit)
        return render_template("audits/_evidence.html", audit=audit, item=sheet.items[code],
                               editable=True, evidence_form=EvidenceForm(), problem=None)
    flash(_("The file has been removed."), "success")
    return redirect(url_for("audits.checklist", audit_id=audit.id, _anchor=f"crit-{code}"))


@bp.route("/<int:audit_id>/checklist/<code>/carry", methods=["POST"])
@login_required
def carry_evidence(audit_id: int, code: str):
    """Carry a file of the previous cycle forward onto this criterion („noch gültig“)."""
    from ...permissions import can_carry_evidence
    from ...services import renewal as renewal_service
    from ...services.inputs import parse_id

    audit = _load(audit_id)
    if not can_carry_evidence(current_user, audit):
        abort(403)
    form = CarryForm()
    problem = None
    if not form.validate_on_submit():
        problem = "; ".join(str(e) for f in form for e in f.errors) or _(
            "The form has expired. Please try again.")
    else:
        try:
            renewal_service.carry_forward(
                audit, code, parse_id(form.evidence_id.data) or 0, actor=current_user,
                still_valid=bool(form.still_valid.data), valid_until=form.valid_until.data,
                today=certificate_service.today_in_berlin())
        except ValidationFailed as exc:
            db.session.rollback()
            problem = "; ".join(str(m) for m in exc.fields.values()) or str(exc.message)
        else:
            db.session.commit()
    sheet = checklist_service.audit_sheet(audit)
    if code not in sheet.items:
        abort(404)
    if _is_htmx():
        html = render_template("audits/_carry_response.html", audit=audit, item=sheet.items[code],
                               sheet=sheet, editable=True, evidence_form=EvidenceForm(),
                               problem=problem)
        return make_response(html, 422 if problem else 200)
    flash(problem[:1].upper() + problem[1:] if problem else
          _("The file has been carried forward as still valid."), "error" if problem else "success")
    return redirect(url_for("audits.checklist", audit_id=audit.id, _anchor=f"crit-{code}"))


@bp.route("/<int:audit_id>/review")
@login_required
def review(audit_id: int):
    """The working-group lead's review: every criterion, agree or adjust, then decide."""
    audit = _load(audit_id)
    sheet = checklist_service.audit_sheet(audit)
    form = DecisionForm()
    form.decision.choices = [(d.value, LABELS[d]) for d in Decision]
    computed = sheet.result.outcome.value
    if computed in {d.value for d in Decision} and not form.decision.data:
        form.decision.data = computed
    return render_template(
        "audits/review.html", audit=audit, sheet=sheet, decision_form=form, note_form=NoteForm(),
        reviewable=can_review(current_user, audit), progress=checklist_service.review_progress(sheet),
        actions=available_actions(audit, current_user, sheet.result),
        title=_("Review %(number)s", number=audit.number),
    )


@bp.route("/<int:audit_id>/review/agree-remaining", methods=["POST"])
@login_required
def agree_remaining(audit_id: int):
    """Agree with every criterion not reviewed yet (adjustments stay as they are)."""
    audit = _load(audit_id)
    if not can_review(current_user, audit):
        abort(403)
    if not NoteForm().validate_on_submit():
        abort(400)
    codes = audit_service.agree_with_remaining(audit, actor=current_user)
    db.session.commit()
    flash(ngettext("Agreed with %(num)s remaining criterion.",
                   "Agreed with %(num)s remaining criteria.", len(codes)), "success")
    return redirect(url_for("audits.review", audit_id=audit.id, _anchor="decision-panel"))


@bp.route("/<int:audit_id>/review/<code>", methods=["POST"])
@login_required
def review_criterion(audit_id: int, code: str):
    """Agree with a criterion or adjust it with a reason."""
    audit = _load(audit_id)
    if not can_review(current_user, audit):
        abort(403)
    form = ReviewForm(request.form)
    problem = None
    try:
        if not form.validate():
            raise ValidationFailed(_("The adjustment was not saved."), fields={
                name: field.errors[0] for name, field in form._fields.items() if field.errors})
        audit_service.adjust_assessment(audit, code, actor=current_user, **form.adjustment())
    except (ValidationFailed, TransitionRefused) as exc:
        db.session.rollback()
        fields = getattr(exc, "fields", {}) or {}
        problem = "; ".join(str(v) for v in fields.values()) or str(exc.message)
    else:
        db.session.commit()
    sheet = checklist_service.audit_sheet(audit)
    if code not in sheet.items:
        abort(404)
    if _is_htmx():
        html = render_template("audits/_review_response.html", audit=audit, sheet=sheet,
                               item=sheet.items[code], reviewable=True, problem=problem,
                               typed=request.form.to_dict() if problem else {})
        return make_response(html, 422 if problem else 200)
    flash(problem or _("%(code)s reviewed.", code=code), "error" if problem else "success")
    return redirect(url_for("audits.review", audit_id=audit.id, _anchor=f"rev-{code}"))
