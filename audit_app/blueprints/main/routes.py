from datetime import date

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...extensions import db
from ...permissions import sees_everything
from ...services import applications, centres, dashboard
from ...services.inputs import parse_page
from ...templating import current_lang
from ...workflow import Role
from ..auth.forms import EmptyForm
from ..auth.routes import safe_next
from . import bp


@bp.route("/")
@login_required
def index():
    """Home: what needs the user now, by role; leads and admins also see all centres."""
    from ...services import conditions as condition_service
    from ...services.certificates import today_in_berlin

    today = date.today()
    day = today_in_berlin()
    context = {"title": _("Home"), "day": day}
    if sees_everything(current_user):
        context["lead"] = dashboard.lead_dashboard(today)
        context["applications"] = applications.pending_applications()
        context["condition_overview"] = condition_service.overview(day)
        page = parse_page(request.args.get("page"))
        context["overview"] = centres.overview(
            current_user, page=page, per_page=current_app.config["PAGE_SIZE"]
        )
    if current_user.has_role(Role.AUDITOR):
        context["mine"] = dashboard.auditor_home(current_user)
    if current_user.has_role(Role.CONTACT):
        context["own_centre"], context["own_audits"], context["own_certificates"] = (
            dashboard.contact_home(current_user)
        )
        if context["own_centre"] is not None:
            context["own_applications"] = applications.centre_audits(current_user.centre_id)
            context["may_apply"] = (context["own_centre"].active and
                                    applications.open_audit_of(context["own_centre"]) is None)
        context["own_conditions"] = condition_service.list_conditions(
            current_user, day, 1, 50, state="active",
            centre_id=current_user.centre_id or 0).items
    if "overview" not in context and not current_user.has_role(Role.CONTACT):
        context["overview"] = centres.overview(
            current_user, page=1, per_page=current_app.config["PAGE_SIZE"]
        )
    return render_template("main/index.html", today=today, **context)


@bp.route("/language/<lang>", methods=["POST"])
def set_language(lang: str):
    """Switch the interface language (stored on the user when signed in)."""
    form = EmptyForm()
    if form.validate_on_submit() and lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.language = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.route("/hello")
@login_required
def hello():
    """A constant short text behind sign-in: the floor the benchmarks measure pages against."""
    return "hello"


@bp.route("/sw.js")
def service_worker():
    """The service worker, served from the root so that its scope covers the audit pages."""
    response = current_app.send_static_file("js/sw.js")
    response.headers["Content-Type"] = "application/javascript; charset=utf-8"
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    """The web app manifest: the app can be installed on a tablet's home screen."""
    body = {
        "name": _("Recognised Innovation Centre"),
        "short_name": "AIZ",
        "description": _("Audits and certificates"),
        "lang": current_lang(),
        "start_url": url_for("main.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5c8e",
        "icons": [
            {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192",
             "type": "image/png"},
            {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512",
             "type": "image/png"},
            {"src": url_for("static", filename="favicon.svg"), "sizes": "any",
             "type": "image/svg+xml"},
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response
