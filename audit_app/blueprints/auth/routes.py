from math import ceil
from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ...extensions import db
from ...services import sessions, throttle, tokens, users
from ...services.errors import ValidationFailed
from . import bp, identity
from .forms import EmptyForm, LoginForm, PasswordChangeForm, apply_service_errors


def safe_next(target: str | None) -> str:
    """Only local paths are followed after sign-in; anything else goes to the start page."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") and "\\" not in target:
            return target
    return url_for("main.index")


bp.before_app_request(identity.check_session)
bp.after_app_request(identity.write_remember_cookie)


def _refused(refusal: throttle.Refusal, now, locked_message: str) -> dict:
    """Flash why a password check was refused (the same words whether or not the e-mail
    exists; the password was not checked) and return the Retry-After header."""
    seconds = max(1, ceil((refusal.until - now).total_seconds()))
    if refusal.locked:
        flash(locked_message, "error")
    else:
        flash(ngettext(
            "Too many failed attempts for this account. Please wait %(num)s second and try again.",
            "Too many failed attempts for this account. Please wait %(num)s seconds and try again.",
            seconds,
        ), "error")
    return {"Retry-After": str(seconds)}


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with e-mail and password; repeated failures lock or slow down (services/throttle.py)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        now = throttle.clock()
        result = users.authenticate(
            form.email.data, form.password.data, address=request.remote_addr or "", now=now
        )
        if result.refused is not None:
            minutes = current_app.config["LOGIN_LOCK_MINUTES"]
            status, headers = 429, _refused(result.refused, now, ngettext(
                "Too many failed sign-in attempts. Please try again in %(num)s minute.",
                "Too many failed sign-in attempts. Please try again in %(num)s minutes.",
                minutes,
            ))
        elif result.user is None:
            db.session.commit()  # the failed attempt counts towards the lock
            # The same message whether or not the e-mail exists.
            flash(_("E-mail or password is wrong."), "error")
        else:
            identity.sign_in(result.user, remember=form.remember.data, now=sessions.clock())
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
    page = render_template("auth/login.html", form=form, title=_("Sign in"))
    return make_response(page, status, headers)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out (POST with CSRF token): the session and its remember-me token end on the server."""
    form = EmptyForm()
    if form.validate_on_submit():
        identity.sign_out(now=sessions.clock())
        db.session.commit()
        flash(_("You have been signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password (the current one is asked for, throttled like a sign-in);
    optionally revoke one's API tokens."""
    user = current_user._get_current_object()
    address, now = request.remote_addr or "", throttle.clock()
    form = PasswordChangeForm(user=user, check_current=lambda typed: users.check_current_password(
        user, typed, address=address, now=now))
    status, headers = 200, {}
    refusal = None
    if form.is_submitted():
        refusal = throttle.check(users.normalise_email(user.email), address, now=now)
    if refusal is not None:
        minutes = current_app.config["LOGIN_LOCK_MINUTES"]
        status, headers = 429, _refused(refusal, now, ngettext(
            "Too many wrong passwords. Please try again in %(num)s minute.",
            "Too many wrong passwords. Please try again in %(num)s minutes.",
            minutes,
        ))
    elif form.validate_on_submit():
        try:
            users.change_password(user, form.current_password.data, form.new_password.data,
                                  revoke_tokens=form.revoke_tokens.data, now=sessions.clock())
        except ValidationFailed as exc:
            db.session.rollback()
            apply_service_errors(form, exc)
        else:
            # Every session of the user has ended; this browser continues in a new one.
            identity.sign_in(user, remember=identity.remembered(), now=sessions.clock())
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.index"))
    elif form.is_submitted():
        db.session.commit()  # a wrong current password counts towards the locks
    page = render_template("auth/password.html", form=form, title=_("Change password"),
                           active_tokens=tokens.active_count(user))
    return make_response(page, status, headers)
