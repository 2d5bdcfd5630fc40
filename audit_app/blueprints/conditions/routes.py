"""Conditions: the list, one condition, the centre's answer and proofs, a lead's check."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...extensions import db
from ...labels import label
from ...permissions import can_answer_condition, can_check_condition, sees_conditions
from ...services import access
from ...services import conditions as service
from ...services.certificates import today_in_berlin
from ...services.errors import ServiceError, StorageFailed, ValidationFailed
from ...services.evidence import open_evidence
from ...services.inputs import parse_page
from ...storage.http import send_download
from . import bp
from .forms import AcceptForm, ProofForm, RejectForm, ResponseForm


def _load(condition_id: int):
    """The condition, if the user may see its audit; 404 otherwise (no probing)."""
    return access.visible_condition(condition_id, current_user)


def _flash_problems(exc: ServiceError) -> None:
    for message in exc.fields.values() or [exc.message]:
        text = str(message)
        flash(text[:1].upper() + text[1:], "error")


@bp.route("/")
@login_required
def index():
    """The conditions the user may see: a centre's own, an auditor's audits', all for leads."""
    if not sees_conditions(current_user):
        abort(404)
    state = request.args.get("state", "active")
    if state not in service.STATE_FILTERS:
        state = "active"
    today = today_in_berlin()
    page = service.list_conditions(current_user, today, parse_page(request.args.get("page")),
                                   current_app.config["PAGE_SIZE"], state=state)
    return render_template("conditions/index.html", page=page, state=state, today=today,
                           states=service.STATE_FILTERS, title=_("Conditions"))


def _detail(condition, *, status: int = 200, response_form=None, proof_form=None,
            accept_form=None, reject_form=None):
    today = today_in_berlin()
    return render_template(
        "conditions/detail.html", condition=condition, today=today,
        state=service.state_of(condition, today),
        pending=service.pending_response(condition),
        response_form=response_form or ResponseForm(formdata=None),
        proof_form=proof_form or ProofForm(formdata=None),
        accept_form=accept_form or AcceptForm(formdata=None),
        reject_form=reject_form or RejectForm(formdata=None),
        title=_("Condition %(code)s · %(centre)s", code=condition.criterion_code or "–",
                centre=condition.centre.name)), status


@bp.route("/<int:condition_id>")
@login_required
def detail(condition_id: int):
    """One condition: deadline, state, the answers with their proofs and checks, the forms."""
    return _detail(_load(condition_id))


@bp.route("/<int:condition_id>/respond", methods=["POST"])
@login_required
def respond(condition_id: int):
    """The centre's contact answers: cause, measure and proof files."""
    condition = _load(condition_id)
    if not can_answer_condition(current_user, condition):
        abort(403)
    form = ResponseForm()
    if not form.validate_on_submit():
        return _detail(condition, status=422, response_form=form)
    uploads = [service.ProofUpload(f.filename or "", f.read())
               for f in (form.proofs.data or []) if f and f.filename]
    try:
        service.respond(condition, current_user, cause=form.cause.data or "",
                        measure=form.measure.data or "", proofs=uploads,
                        max_bytes=current_app.config["EVIDENCE_MAX_BYTES"])
    except service.ConditionRefused as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("conditions.detail", condition_id=condition.id))
    except (ValidationFailed, StorageFailed) as exc:
        db.session.rollback()
        form.add_service_errors(exc.fields, {"proofs": "proofs"})
        if not exc.fields:
            flash(str(exc.message), "error")
        return _detail(condition, status=422, response_form=form)
    db.session.commit()
    flash(_("Your answer has been sent. It is checked by the working group."), "success")
    return redirect(url_for("conditions.detail", condition_id=condition.id))


@bp.route("/<int:condition_id>/proofs", methods=["POST"])
@login_required
def add_proof(condition_id: int):
    """One more proof file for the answer that waits for its check."""
    condition = _load(condition_id)
    if not can_answer_condition(current_user, condition):
        abort(403)
    form = ProofForm()
    if not form.validate_on_submit():
        return _detail(condition, status=422, proof_form=form)
    upload = form.file.data
    try:
        service.add_proof(condition, current_user,
                          service.ProofUpload(upload.filename or "", upload.read()),
                          max_bytes=current_app.config["EVIDENCE_MAX_BYTES"])
    except service.ConditionRefused as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("conditions.detail", condition_id=condition.id))
    except (ValidationFailed, StorageFailed) as exc:
        db.session.rollback()
        form.add_service_errors(exc.fields, {"proofs": "file"})
        return _detail(condition, status=422, proof_form=form)
    db.session.commit()
    flash(_("The proof has been attached."), "success")
    return redirect(url_for("conditions.detail", condition_id=condition.id))


@bp.route("/<int:condition_id>/accept", methods=["POST"])
@login_required
def accept(condition_id: int):
    """A lead or the lead auditor accepts the answer: the condition is fulfilled."""
    condition = _load(condition_id)
    if not can_check_condition(current_user, condition):
        abort(403)
    form = AcceptForm()
    if not form.validate_on_submit():
        return _detail(condition, status=422, accept_form=form)
    try:
        service.accept(condition, current_user, note=form.note.data or "")
    except service.ConditionRefused as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("conditions.detail", condition_id=condition.id))
    except ValidationFailed as exc:
        db.session.rollback()
        form.add_service_errors(exc.fields)
        return _detail(condition, status=422, accept_form=form)
    db.session.commit()
    flash(_("Condition %(code)s is fulfilled.", code=condition.criterion_code or "–"), "success")
    return redirect(url_for("conditions.detail", condition_id=condition.id))


@bp.route("/<int:condition_id>/reject", methods=["POST"])
@login_required
def reject(condition_id: int):
    """A lead or the lead auditor rejects the answer with a reason; it is open again."""
    condition = _load(condition_id)
    if not can_check_condition(current_user, condition):
        abort(403)
    form = RejectForm()
    if not form.validate_on_submit():
        return _detail(condition, status=422, reject_form=form)
    try:
        service.reject(condition, current_user, reason=form.reason.data or "",
                       today=today_in_berlin(), new_deadline=form.new_deadline.data,
                       extension_reason=form.extension_reason.data or "")
    except service.ConditionRefused as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("conditions.detail", condition_id=condition.id))
    except ValidationFailed as exc:
        db.session.rollback()
        form.add_service_errors(exc.fields)
        return _detail(condition, status=422, reject_form=form)
    db.session.commit()
    flash(_("The answer was rejected; the condition is %(state)s again.",
            state=label(service.state_of(condition, today_in_berlin()))), "success")
    return redirect(url_for("conditions.detail", condition_id=condition.id))


@bp.route("/<int:condition_id>/proofs/<int:proof_id>")
@login_required
def download_proof(condition_id: int, proof_id: int):
    """A proof file, always as an attachment under its original name."""
    condition = _load(condition_id)
    proof = access.visible_proof(condition, proof_id)
    download = open_evidence(proof)
    if download is None:
        abort(404)
    return send_download(download, mimetype=proof.media_type, filename=proof.original_name)


@bp.app_template_global("condition_view")
def condition_view(condition, today) -> dict:
    """Plain values for a condition in lists and on its page: state in words, the deadline
    and how far it is, whether it was extended (templates hold no date arithmetic)."""
    from flask_babel import ngettext

    from ...labels import CONDITION_STATE_WORDS
    from ...models import ConditionState
    from ...templating import localdate, tr

    state = service.state_of(condition, today)
    days = (condition.deadline - today).days
    if state is ConditionState.OVERDUE:
        due = ngettext("%(num)s day overdue", "%(num)s days overdue", -days)
    elif state is ConditionState.OPEN:
        due = (_("due today") if days == 0
               else ngettext("%(num)s day left", "%(num)s days left", days))
    elif state is ConditionState.CLOSED and condition.closed_at:
        due = _("fulfilled on %(day)s", day=localdate(condition.closed_at))
    else:
        due = ""
    words = CONDITION_STATE_WORDS[state]
    return {
        "id": condition.id, "code": condition.criterion_code or "–",
        "text": tr(condition.text_de, condition.text_en),
        "state": state.value, "state_words": str(words.short), "state_long": str(words.long),
        "deadline": condition.deadline, "original_deadline": condition.original_deadline,
        "extended": condition.deadline != condition.original_deadline, "due": due,
        "url": url_for("conditions.detail", condition_id=condition.id),
    }


@bp.app_template_global("state_filter_label")
def state_filter_label(key: str) -> str:
    from ...labels import CONDITION_FILTER_LABELS

    return str(CONDITION_FILTER_LABELS.get(key, key))
