from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...extensions import db
from ...labels import label
from ...permissions import is_lead
from ...responses import pdf_response
from ...services import access, documents
from ...services import certificates as service
from ...services.errors import RenderFailed, ServiceError
from ...storage.http import send_download
from . import bp
from .forms import StatusChangeForm


def _load(number: str):
    """The certificate, if the user may view its audit; 404 otherwise (no probing)."""
    return access.visible_certificate(number, current_user)


@bp.route("/<number>.pdf")
@login_required
def download(number: str):
    """The stored PDF, byte for byte as issued: German, or English with ``?lang=en``."""
    certificate = _load(number)
    lang = request.args.get("lang", "de")
    if lang not in service.LANGUAGES:
        abort(404)
    name = "Urkunde" if lang == "de" else "Certificate"
    today = service.today_in_berlin()
    # A suspended, withdrawn or invalidated certificate downloads as a marked copy; the
    # original stays byte-identical in storage (its hash is what verification shows).
    marked = service.marked_copy(certificate, lang, today)
    if marked is not None:
        status = label(service.public_status(certificate, today))
        return pdf_response(marked, f"{name}-{status.upper().replace(' ', '-')}-{certificate.number}.pdf")
    name = f"{name}-{certificate.number}.pdf"
    download = service.open_pdf(certificate, lang)
    if download is not None:  # the stored original, streamed as issued
        return send_download(download, mimetype="application/pdf", filename=name)
    try:  # a document still pending (or failed) is rendered now
        data = documents.certificate_pdf(certificate, lang, current_user)
    except RenderFailed as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("audits.detail", audit_id=certificate.audit_id))
    if data is None:
        abort(404)
    return pdf_response(data, name)


@bp.route("/<number>/<any(suspend, withdraw, reinstate):action>", methods=["POST"])
@login_required
def change_status(number: str, action: str):
    """Suspend, withdraw or reinstate a certificate (working-group leads only)."""
    certificate = _load(number)
    if not is_lead(current_user):
        abort(403)
    form = StatusChangeForm()
    target = url_for("audits.detail", audit_id=certificate.audit_id)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(target)
    try:
        service.change_status(certificate, action, current_user, form.reason.data)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(target)
    db.session.commit()
    flash(_("Certificate %(number)s: %(status)s.", number=certificate.number,
            status=label(certificate.status)), "success")
    return redirect(target)


@bp.app_template_global("certificate_panel")
def certificate_panel(audit) -> list[dict]:
    """Plain values for templates/certificates/_panel.html: the audit's certificates.

    Registered as a template global so the audit page needs only an include; the audit
    page's view may pass it instead once it loads certificates itself.
    """
    from ...labels import suspension_reason
    from ...services.conditions import reinstate_blocked

    today = service.today_in_berlin()
    return [
        {
            "number": c.number,
            "public_reason": suspension_reason(c.suspension_cause)
            if c.status.value == "suspended" else None,
            "reinstate_blocked": c.status.value == "suspended" and reinstate_blocked(c),
            "status": service.public_status(c, today),
            "status_words": label(service.public_status(c, today)),
            "status_reason": c.status_reason,
            "valid_from": c.valid_from,
            "valid_until": c.valid_until,
            "has_pdf": bool(c.pdf_storage_key),
            "can_suspend": c.status.value == "valid",
            "can_withdraw": c.status.value in ("valid", "suspended"),
            "can_reinstate": c.status.value == "suspended" and not reinstate_blocked(c),
        }
        for c in service.for_audit(audit)
    ]
