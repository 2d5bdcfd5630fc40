"""Conditions (Auflagen): list, one condition, the centre's answer and proofs, a lead's check."""
from __future__ import annotations

from flask import current_app, url_for

from ... import permissions as perm
from ...errors import ApiError
from ...extensions import db
from ...services import access
from ...services import conditions as service
from ...services.certificates import today_in_berlin
from ...services.errors import ValidationFailed
from ...services.evidence import open_evidence
from ...storage.http import send_download
from .. import bp, responses, schemas
from ..helpers import (
    ID,
    api_user,
    json_body,
    page_args,
    query_choice,
    query_int,
    require,
    respond,
    uploaded_file,
    validation_error,
)
from ..schemas import parse_body


def _condition_or_404(condition_id: int):
    return access.visible_condition(condition_id, api_user())


def _detail(condition_id: int, status: int = 200, **kw):
    db.session.expire_all()
    condition = _condition_or_404(condition_id)
    return respond(responses.ConditionDetail.of(condition, today_in_berlin()), status, **kw)


def _refused(exc: service.ConditionRefused) -> ApiError:
    return ApiError(409, "condition_refused", str(exc.message))


@bp.route("/conditions")
def conditions():
    """The conditions the user may see, by deadline; ``state`` narrows them (default: still
    to be fulfilled), ``centre_id`` and ``audit_id`` too."""
    state = query_choice("state", service.STATE_FILTERS) or "active"
    centre_id = query_int("centre_id")
    audit_id = query_int("audit_id")
    page, per_page = page_args()
    today = today_in_berlin()
    result = service.list_conditions(api_user(), today, page, per_page, state=state,
                                     centre_id=centre_id, audit_id=audit_id, clamp=False)
    return respond(responses.ConditionPage(
        items=[responses.ConditionSummary.of(c, today) for c in result.items], page=page,
        per_page=per_page, total=result.total))


@bp.route(f"/conditions/<{ID}:condition_id>")
def condition(condition_id: int):
    """One condition with its answers, proofs and checks."""
    return respond(responses.ConditionDetail.of(_condition_or_404(condition_id),
                                                today_in_berlin()))


@bp.route(f"/conditions/<{ID}:condition_id>/responses", methods=["POST"])
def respond_condition(condition_id: int):
    """The centre's contact answers an open condition: cause and measure (proofs follow)."""
    user = api_user()
    condition = _condition_or_404(condition_id)
    require(perm.can_answer_condition(user, condition))
    body = parse_body(schemas.ConditionResponseInput, json_body())
    try:
        service.respond(condition, user, cause=body.cause, measure=body.measure,
                        max_bytes=current_app.config["EVIDENCE_MAX_BYTES"])
    except service.ConditionRefused as exc:
        raise _refused(exc) from None
    except ValidationFailed as exc:
        raise validation_error(exc) from None
    db.session.commit()
    return _detail(condition_id, 201,
                   location=url_for("api.condition", condition_id=condition_id))


@bp.route(f"/conditions/<{ID}:condition_id>/proofs", methods=["POST"])
def add_condition_proof(condition_id: int):
    """A proof file for the answer that waits for its check (see :func:`uploaded_file` for
    the two forms; the type is checked from the content)."""
    user = api_user()
    condition = _condition_or_404(condition_id)
    require(perm.can_answer_condition(user, condition))
    upload = uploaded_file()
    max_bytes = current_app.config["EVIDENCE_MAX_BYTES"]
    try:
        service.add_proof(condition, user, service.ProofUpload(upload.name, upload.data),
                          max_bytes=max_bytes)
    except service.ConditionRefused as exc:
        raise _refused(exc) from None
    except ValidationFailed as exc:
        raise validation_error(exc, {"proofs": "body"}) from None
    db.session.commit()
    return _detail(condition_id, 201)


@bp.route(f"/conditions/<{ID}:condition_id>/accept", methods=["POST"])
def accept_condition(condition_id: int):
    """A working-group lead or the lead auditor accepts the answer: fulfilled."""
    user = api_user()
    condition = _condition_or_404(condition_id)
    require(perm.can_check_condition(user, condition))
    body = parse_body(schemas.ConditionAcceptInput, json_body())
    try:
        service.accept(condition, user, note=body.note)
    except service.ConditionRefused as exc:
        raise _refused(exc) from None
    except ValidationFailed as exc:
        raise validation_error(exc) from None
    db.session.commit()
    return _detail(condition_id)


@bp.route(f"/conditions/<{ID}:condition_id>/reject", methods=["POST"])
def reject_condition(condition_id: int):
    """A working-group lead or the lead auditor rejects the answer with a reason; the
    deadline stays or is extended (with a reason, never into the past)."""
    user = api_user()
    condition = _condition_or_404(condition_id)
    require(perm.can_check_condition(user, condition))
    body = parse_body(schemas.ConditionRejectInput, json_body())
    try:
        service.reject(condition, user, reason=body.reason, today=today_in_berlin(),
                       new_deadline=body.new_deadline, extension_reason=body.extension_reason)
    except service.ConditionRefused as exc:
        raise _refused(exc) from None
    except ValidationFailed as exc:
        raise validation_error(exc) from None
    db.session.commit()
    return _detail(condition_id)


@bp.route(f"/conditions/<{ID}:condition_id>/proofs/<{ID}:proof_id>")
def condition_proof(condition_id: int, proof_id: int):
    """A proof file, byte for byte as uploaded."""
    condition = _condition_or_404(condition_id)
    proof = access.visible_proof(condition, proof_id)
    download = open_evidence(proof)
    if download is None:
        raise ApiError(404)
    return send_download(download, mimetype=proof.media_type, filename=proof.original_name)
