"""Certificates: one certificate, its PDF as issued, suspend / withdraw / reinstate."""
from __future__ import annotations

from ... import permissions as perm
from ...errors import ApiError
from ...extensions import db
from ...responses import pdf_response
from ...services import access, documents
from ...services import certificates as certificate_service
from ...services.errors import ValidationFailed
from ...storage.http import send_download
from .. import bp, responses, schemas
from ..helpers import api_user, json_body, require, respond, validation_error
from ..schemas import parse_body


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
        raise validation_error(exc) from None
    db.session.commit()
    return respond(responses.Certificate.of(
        c, certificate_service.public_status(c, certificate_service.today_in_berlin())))
