"""Public endpoints (no token): the description, its /docs page, the register, verification."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from ...errors import ApiError
from ...models import PublicStatus
from ...services import certificates as certificate_service
from .. import bp, responses
from ..auth import public
from ..helpers import page_args, respond


@bp.route("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 description of this API."""
    from ..openapi import spec

    return respond(responses.OpenApiDocument.model_validate(spec()))


@bp.route("/docs")
@public
def docs():
    """The API description as a readable page (rendered on the server, no JavaScript)."""
    from ..docs import doc_sections
    from ..openapi import spec

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
