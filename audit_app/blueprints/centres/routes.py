from datetime import date

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from ...extensions import db
from ...models import Centre
from ...permissions import can_manage_centres
from ...services import access, centres
from ...services.centres import CSV_COLUMNS, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from ...services.errors import ServiceError, ValidationFailed
from ...services.inputs import parse_page
from ...templating import current_lang
from . import bp
from .forms import CentreFilterForm, CentreFilters, CentreForm, ImportConfirmForm, ImportUploadForm

#: What each CSV column holds, for the import page.
CSV_COLUMN_HINTS = {
    "name": _l("required; at most 200 characters; must not exist yet"),
    "operating_company": _l("text"),
    "street": _l("text"),
    "postcode": _l("five digits"),
    "city": _l("required; at most 120 characters"),
    "federal_state": _l("required; code (NI) or name (Niedersachsen)"),
    "founded_year": _l("year, 1950 to this year"),
    "space_m2": _l("whole number, 0 to 1,000,000"),
    "tenant_count": _l("whole number, 0 to 10,000"),
    "occupancy_percent": _l("0 to 100, one decimal, e.g. 87,5 or 87.5"),
    "staff_count": _l("whole number, 0 to 1,000"),
    "website": _l("address starting with https:// or http://"),
    "contact_name": _l("text"),
    "contact_email": _l("e-mail address"),
    "contact_phone": _l("digits, spaces and + - / ( )"),
    "member_since": _l("date, DD.MM.YYYY or YYYY-MM-DD"),
    "active": _l("ja/nein or yes/no; empty means yes"),
}


def _get_centre_or_404(centre_id: int) -> Centre:
    """A centre the user may see; 404 for missing and for foreign ones alike."""
    return access.visible_centre(centre_id, current_user)


def _require_manager() -> None:
    """Only leads and admins create, edit and import; others get 404 (nothing to probe)."""
    if not can_manage_centres(current_user):
        abort(404)


@bp.route("/")
@login_required
def index():
    """The register of member centres: search, filters, sorting, pages."""
    filters = CentreFilters.from_args(request.args)
    result = centres.search_centres(
        current_user, **filters.service_kwargs(), page=parse_page(request.args.get("page")),
        per_page=current_app.config["PAGE_SIZE"], today=date.today(),
    )
    return render_template("centres/index.html", result=result, filters=filters,
                           filter_form=CentreFilterForm(request.args), title=_("Centres"))


@bp.route("/export.csv")
@login_required
def export_csv():
    """The centres of the list with its current filters as CSV for Excel."""
    filters = CentreFilters.from_args(request.args)
    rows = centres.centres_for_export(current_user, **filters.service_kwargs(), today=date.today())
    return Response(
        centres.export_centres_csv(rows, lang=current_lang()),
        mimetype="text/csv",
        headers={"Content-Disposition":
                 f'attachment; filename="zentren-{date.today().isoformat()}.csv"'},
    )


@bp.route("/<int:centre_id>")
@login_required
def detail(centre_id: int):
    """One centre: key figures, audit history and certificates."""
    centre = _get_centre_or_404(centre_id)
    detail = centres.centre_detail(current_user, centre, today=date.today())
    from ...services.centre_side import key_figure_history

    return render_template("centres/detail.html", detail=detail, centre=centre, title=centre.name,
                           figure_history=key_figure_history(centre.id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    """Add a centre to the register (leads and admins)."""
    _require_manager()
    form = CentreForm()
    if form.validate_on_submit():
        try:
            centre = centres.create_centre(form.centre_data(), actor=current_user)
        except ValidationFailed as exc:
            form.add_errors(exc.fields)
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("The centre „%(name)s“ has been added.", name=centre.name), "success")
            return redirect(url_for("centres.detail", centre_id=centre.id))
    return render_template("centres/form.html", form=form, centre=None, title=_("New centre"))


@bp.route("/<int:centre_id>/edit", methods=["GET", "POST"])
@login_required
def edit(centre_id: int):
    """Change a centre's data (leads and admins)."""
    centre = _get_centre_or_404(centre_id)
    _require_manager()
    form = CentreForm(data=CentreForm.values_of(centre))
    if form.validate_on_submit():
        try:
            changes = centres.update_centre(centre, form.centre_data(), actor=current_user)
        except ValidationFailed as exc:
            form.add_errors(exc.fields)
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("The changes have been saved.") if changes else _("Nothing was changed."),
                  "success" if changes else "info")
            return redirect(url_for("centres.detail", centre_id=centre.id))
    return render_template("centres/form.html", form=form, centre=centre,
                           title=_("Edit %(name)s", name=centre.name))


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_csv():
    """CSV import in two steps: upload → preview with every row's errors → confirm → import."""
    _require_manager()
    if "sealed" in request.form:
        return _confirm_import()
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        preview = centres.parse_centre_csv(upload.read(MAX_IMPORT_BYTES + 1), today=date.today())
        if not preview.file_errors:
            try:
                sealed = centres.seal_import(preview, upload.filename or "", current_user)
            except ServiceError as exc:
                preview.file_errors.append(exc.message)
            else:
                return _render_preview(preview, upload.filename, ImportConfirmForm(sealed=sealed))
        for message in preview.file_errors:
            form.file.errors.append(message)
    return _render_upload(form)


def _confirm_import():
    """The confirm step: re-read and re-check the sealed file; import only if all rows are fine."""
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        text, filename = centres.open_sealed_import(form.sealed.data, current_user)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("centres.import_csv"))
    preview = centres.parse_centre_csv(text.encode("utf-8"), today=date.today())
    try:
        created = centres.import_centres(preview.rows, actor=current_user, filename=filename)
    except ValidationFailed:
        flash(_("Nothing was imported: the file has errors (the register may have changed since "
                "the preview)."), "error")
        return _render_preview(preview, filename, form)
    db.session.commit()
    flash(ngettext("%(num)s centre has been imported.", "%(num)s centres have been imported.",
                   len(created)), "success")
    return redirect(url_for("centres.index"))


def _render_upload(form: ImportUploadForm):
    return render_template(
        "centres/import.html", form=form, columns=CSV_COLUMNS, hints=CSV_COLUMN_HINTS,
        max_mb=MAX_IMPORT_BYTES // (1024 * 1024), max_rows=MAX_IMPORT_ROWS,
        title=_("Import centres"),
    )


def _render_preview(preview, filename: str, confirm_form: ImportConfirmForm):
    return render_template(
        "centres/import_preview.html", preview=preview, filename=filename, form=confirm_form,
        columns=CSV_COLUMNS, title=_("Import centres: preview"),
    )
