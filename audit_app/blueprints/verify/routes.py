from flask import jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...labels import label, public_status_explained, suspension_reason
from ...services import certificates as service
from ...templating import localdate
from . import bp


@bp.route("/verify/")
def form():
    """Type a certificate number; a submitted number redirects to its page."""
    number = service.normalise_number(request.args.get("number") or "")
    if number:
        return redirect(url_for("verify.show", number=number, lang=request.args.get("lang")))
    return render_template("verify/form.html", title=_("Check a certificate"))


@bp.route("/verify/<number>")
def show(number: str):
    """A certificate's public status, as HTML or (``<number>.json``) as JSON."""
    as_json = number.endswith(".json")
    if as_json:
        number = number[: -len(".json")]
    info = service.verification(number, service.today_in_berlin())
    if as_json:
        return _json(number, info)
    if info is None:
        return render_template("verify/unknown.html", number=number,
                               title=_("Certificate not found")), 404
    info["status_words"] = label(info["status"])
    info["status_explained"] = public_status_explained(info["status"])
    info["valid_from_text"] = localdate(info["valid_from"])
    info["valid_until_text"] = localdate(info["valid_until"])
    info["status_since_text"] = localdate(info["status_since"]) if info["status_since"] else ""
    info["public_reason"] = suspension_reason(info["suspension_cause"])
    return render_template("verify/show.html", c=info,
                           title=_("Certificate %(number)s", number=info["number"]))


def _json(number: str, info: dict | None):
    """The public record as JSON; 404 when unknown, 410 (Open Badges) when withdrawn."""
    if info is None:
        return jsonify(error={"code": "not_found",
                              "message": _("No certificate with this number exists."),
                              "fields": {}}), 404
    return jsonify(service.verification_record(info)), 410 if info["status"] == "withdrawn" else 200


verification_response = _json


@bp.route("/register")
def register():
    """Every centre currently holding the label, by federal state."""
    groups = service.register(service.today_in_berlin())
    return render_template("verify/register.html", groups=groups,
                           count=sum(len(rows) for _, rows in groups),
                           title=_("Register of recognised innovation centres"))
