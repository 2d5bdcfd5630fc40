"""Centres: the list the user may see, one centre, create and change (leads, admins)."""
from __future__ import annotations

from datetime import date

from flask import url_for

from ... import permissions as perm
from ...extensions import db
from ...models import FEDERAL_STATES, Centre
from ...services import access
from ...services import centres as centre_service
from ...services.errors import ValidationFailed
from ...services.inputs import LIMITS
from .. import bp, responses, schemas
from ..helpers import (
    ID,
    api_user,
    json_body,
    page_args,
    query_choice,
    query_text,
    require,
    respond,
    validation_error,
)
from ..schemas import parse_body


def _centre_or_404(centre_id: int) -> Centre:
    return access.visible_centre(centre_id, api_user())


@bp.route("/centres")
def centres():
    """The centres the user may see: search ``q`` (name, city), ``state``, ``label_status``."""
    q = query_text("q", max_length=LIMITS["search.q"])
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
        raise validation_error(exc) from None
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
        raise validation_error(exc) from None
    db.session.commit()
    return respond(responses.Centre.of(centre))
