from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ...extensions import db
from ...models import utcnow
from ...services import users
from . import bp
from .forms import EmptyForm, LoginForm


def safe_next(target: str | None) -> str:
    """Only local paths are followed after sign-in; anything else goes to the start page."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") and "\\" not in target:
            return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = users.find_by_email(form.email.data)
        if user is None or not user.active or not user.check_password(form.password.data):
            # The same message whether or not the e-mail exists.
            flash(_("E-mail or password is wrong."), "error")
        else:
            login_user(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, title=_("Sign in"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out (POST with CSRF token)."""
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("You have been signed out."), "info")
    return redirect(url_for("auth.login"))
