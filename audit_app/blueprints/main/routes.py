from flask import current_app, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...extensions import db
from ...services import centres
from ..auth.forms import EmptyForm
from ..auth.routes import safe_next
from . import bp


@bp.route("/")
@login_required
def index():
    """Start page: the centres with their latest audit's percent and outcome."""
    page = request.args.get("page", 1, type=int) or 1
    overview = centres.overview(current_user, page=page, per_page=current_app.config["PAGE_SIZE"])
    return render_template("main/index.html", overview=overview, title=_("Centres"))


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
def hello():
    """A constant short text: the floor the benchmarks measure pages against."""
    return "hello"
