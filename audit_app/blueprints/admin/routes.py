"""Administration: user accounts and criteria catalogues (administrators only, else 404)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...catalog import CatalogError, Problem, parse_catalog
from ...extensions import db
from ...models import CatalogStatus, CatalogVersion, User, utcnow
from ...permissions import can_manage_catalogs, can_manage_users
from ...services import catalogs as catalog_service
from ...services import tokens as token_service
from ...services import users as user_service
from ...services.errors import ValidationFailed
from ...services.inputs import parse_page
from ..auth.forms import EmptyForm, apply_service_errors, service_message
from . import bp
from .forms import (
    CatalogUploadForm,
    PasswordResetForm,
    TokenCreateForm,
    UserCreateForm,
    UserFilterForm,
    UserForm,
)


def _require(predicate) -> None:
    if not predicate(current_user):
        abort(404)


def _get_user_or_404(user_id: int) -> User:
    _require(can_manage_users)
    return db.get_or_404(User, user_id)


def _shown_once(template: str, **context):
    """A page with a generated password: rendered directly (never flashed into the session
    cookie, never redirected to) and not to be cached anywhere."""
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Users -----------------------------------------------------------------------------------

@bp.route("/")
@login_required
def index():
    """The administration's start: the user list."""
    _require(can_manage_users)
    return redirect(url_for("admin.users"))


@bp.route("/users")
@login_required
def users():
    """All users with their roles, centre and last sign-in; filter by role and status."""
    _require(can_manage_users)
    filters = UserFilterForm(request.args)
    filters.validate()
    page = user_service.list_users(
        role=filters.selected_role,
        active=filters.selected_active,
        page=parse_page(request.args.get("page")),
        per_page=current_app.config["PAGE_SIZE"],
    )
    return render_template(
        "admin/users.html", filters=filters, page=page, button_form=EmptyForm(), title=_("Users")
    )


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def user_new():
    """Create a user; a generated initial password is shown once on the next page."""
    _require(can_manage_users)
    form = UserCreateForm(centres=user_service.centre_choices(), actor=current_user)
    if form.validate_on_submit():
        password = form.password.data or user_service.generate_password()
        try:
            user = user_service.create_user(
                email=form.email.data, name=form.name.data, password=password,
                roles=form.roles.data, centre_id=form.centre_id_value,
                language=form.language.data, actor=current_user,
            )
        except ValidationFailed as exc:
            db.session.rollback()
            apply_service_errors(form, exc)
        else:
            db.session.commit()
            if form.password.data:
                flash(_("User %(name)s created.", name=user.name), "success")
                return redirect(url_for("admin.users"))
            return _shown_once("admin/password_shown.html", user=user, password=password,
                               created=True, title=_("User created"))
    return render_template("admin/user_form.html", form=form, user=None, title=_("New user"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user_edit(user_id: int):
    """Edit a user's name, e-mail, roles, centre and language; account actions below."""
    user = _get_user_or_404(user_id)
    form = UserForm(
        centres=user_service.centre_choices(),
        user=user,
        actor=current_user,
        data={
            "name": user.name, "email": user.email,
            "roles": [r.value for r in sorted(user.roles)],
            "centre_id": str(user.centre_id) if user.centre_id else "",
            "language": user.language,
        },
    )
    if form.validate_on_submit():
        try:
            user_service.update_user(
                user, email=form.email.data, name=form.name.data, roles=form.roles.data,
                centre_id=form.centre_id_value, language=form.language.data, actor=current_user,
            )
        except ValidationFailed as exc:
            db.session.rollback()
            apply_service_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Changes to %(name)s saved.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, user=user, button_form=EmptyForm(),
        is_self=user.id == current_user.id, title=_("Edit user"),
    )


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@login_required
def user_deactivate(user_id: int):
    """Deactivate an account: no more sign-ins, open sessions end."""
    return _set_active(user_id, False)


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@login_required
def user_reactivate(user_id: int):
    """Reactivate a deactivated account."""
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    user = _get_user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        user_service.set_active(user, active, actor=current_user, now=utcnow())
    except ValidationFailed as exc:
        db.session.rollback()
        for message in exc.fields.values():
            flash(service_message(message), "error")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    db.session.commit()
    if active:
        flash(_("%(name)s can sign in again.", name=user.name), "success")
    else:
        flash(_("%(name)s has been deactivated and can no longer sign in.", name=user.name),
              "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@login_required
def user_password(user_id: int):
    """Reset a user's password: a typed one, or a generated one shown once."""
    user = _get_user_or_404(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            password = user_service.reset_password(
                user, form.password.data, actor=current_user,
                revoke_tokens=form.revoke_tokens.data, now=utcnow())
        except ValidationFailed as exc:
            db.session.rollback()
            apply_service_errors(form, exc)
        else:
            db.session.commit()
            if form.password.data:
                flash(_("The password of %(name)s has been changed.", name=user.name), "success")
                return redirect(url_for("admin.user_edit", user_id=user.id))
            return _shown_once("admin/password_shown.html", user=user, password=password,
                               created=False, title=_("New password"))
    return render_template("admin/user_password.html", form=form, user=user,
                           active_tokens=token_service.active_count(user),
                           title=_("Reset password"))


# --- API tokens ------------------------------------------------------------------------------

def _token_form(formdata=None) -> TokenCreateForm:
    users = user_service.active_users()
    return TokenCreateForm(formdata, users=users) if formdata is not None else TokenCreateForm(
        users=users)


def _render_tokens(form: TokenCreateForm, status: int = 200):
    from ...services import tokens as token_service

    return render_template("admin/tokens.html", tokens=token_service.list_tokens(), form=form,
                           button_form=EmptyForm(), title=_("API tokens")), status


@bp.route("/tokens")
@login_required
def tokens():
    """Every API token: user, label, prefix, created, last used, status; a form for a new one."""
    _require(can_manage_users)
    return _render_tokens(_token_form())


@bp.route("/tokens", methods=["POST"])
@login_required
def token_create():
    """Create a token for a user; the token is shown once on the result page."""
    from ...services import tokens as token_service

    _require(can_manage_users)
    form = _token_form(request.form)
    if not form.validate():
        return _render_tokens(form, 422)
    user = db.get_or_404(User, form.user_id.data)
    try:
        token, plain = token_service.create_token(user, label=form.label.data or "",
                                                  actor=current_user)
    except ValidationFailed as exc:
        db.session.rollback()
        apply_service_errors(form, exc, {"user": "user_id"})
        return _render_tokens(form, 422)
    db.session.commit()
    return _shown_once("admin/token_shown.html", token=token, plain=plain, user=user,
                       title=_("New API token"))


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def token_revoke(token_id: int):
    """Revoke a token: requests with it are refused from now on."""
    from ...services import tokens as token_service

    _require(can_manage_users)
    token = token_service.get_token(token_id)
    if token is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if token_service.revoke_token(token, actor=current_user):
        db.session.commit()
        flash(_("The token %(prefix)s… has been revoked.", prefix=token.prefix), "success")
    return redirect(url_for("admin.tokens"))


# --- Catalogues ------------------------------------------------------------------------------

@dataclass(frozen=True)
class CatalogRow:
    """One line of the catalogue list, with what may be done to it."""

    catalog: CatalogVersion
    criteria_count: int
    can_activate: bool
    can_retire: bool


def _catalog_rows() -> list[CatalogRow]:
    """Every stored version with its number of criteria, in one query."""
    rows = catalog_service.versions_with_counts()
    return [
        CatalogRow(
            catalog=row,
            criteria_count=count,
            can_activate=row.status is not CatalogStatus.ACTIVE,
            can_retire=row.status is CatalogStatus.ACTIVE,
        )
        for row, count in rows
    ]


def _render_catalogs(form: CatalogUploadForm, problems=()):
    return render_template(
        "admin/catalogs.html", rows=_catalog_rows(), form=form, problems=list(problems),
        button_form=EmptyForm(), title=_("Catalogues"),
    )


@bp.route("/catalogs")
@login_required
def catalogs():
    """The stored catalogue versions and the upload of a new one."""
    _require(can_manage_catalogs)
    return _render_catalogs(CatalogUploadForm())


@bp.route("/catalogs", methods=["POST"])
@login_required
def catalog_upload():
    """Validate an uploaded catalogue file; import it as a draft when it has no errors."""
    _require(can_manage_catalogs)
    form = CatalogUploadForm()
    if not form.validate_on_submit():
        return _render_catalogs(form)
    upload = form.file.data
    source = Path((upload.filename or "catalogue.yaml").replace("\\", "/")).name[:255]
    data = upload.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problem = Problem(source, line, "", f"not UTF-8 text: byte 0x{data[exc.start]:02x} "
                                            f"cannot be decoded")
        return _render_catalogs(form, [problem])
    try:
        parsed = parse_catalog(text, source=source, checksum=hashlib.sha256(data).hexdigest())
        result = catalog_service.import_catalog(parsed, actor=current_user)
    except CatalogError as exc:
        db.session.rollback()
        return _render_catalogs(form, exc.problems)
    except catalog_service.PredecessorMissing as exc:
        db.session.rollback()
        form.file.errors = [_(
            "Catalogue %(key)s version %(version)s continues version %(older)s, which is not "
            "imported yet. Import version %(older)s first.", key=parsed.key,
            version=parsed.version, older=exc.version)]
        return _render_catalogs(form)
    except catalog_service.CatalogImportError:
        db.session.rollback()
        form.file.errors = [_(
            "Catalogue %(key)s version %(version)s exists already with different content. "
            "Give the changed file a new version.", key=parsed.key, version=parsed.version,
        )]
        return _render_catalogs(form)
    db.session.commit()
    if result.created:
        flash(_("Catalogue %(key)s version %(version)s imported as a draft. Activate it to use "
                "it for new audits.", key=parsed.key, version=parsed.version), "success")
    else:
        flash(_("Catalogue %(key)s version %(version)s was imported before with exactly this "
                "content; nothing changed.", key=parsed.key, version=parsed.version), "info")
    return redirect(url_for("admin.catalogs"))


@bp.route("/catalogs/<int:catalog_id>/activate", methods=["POST"])
@login_required
def catalog_activate(catalog_id: int):
    """Make a catalogue version active (offered for new audits)."""
    return _set_catalog_status(catalog_id, CatalogStatus.ACTIVE)


@bp.route("/catalogs/<int:catalog_id>/retire", methods=["POST"])
@login_required
def catalog_retire(catalog_id: int):
    """Retire a catalogue version (no longer offered; existing audits keep it)."""
    return _set_catalog_status(catalog_id, CatalogStatus.RETIRED)


def _set_catalog_status(catalog_id: int, status: CatalogStatus):
    _require(can_manage_catalogs)
    row = db.get_or_404(CatalogVersion, catalog_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    catalog_service.set_status(row, status, actor=current_user)
    db.session.commit()
    if status is CatalogStatus.ACTIVE:
        flash(_("Catalogue %(key)s version %(version)s is active.", key=row.key,
                version=row.version), "success")
    else:
        flash(_("Catalogue %(key)s version %(version)s is retired.", key=row.key,
                version=row.version), "success")
    return redirect(url_for("admin.catalogs"))
