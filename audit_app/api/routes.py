"""API endpoints: load or 404 → check permission (permissions.py) → validate → one service →
commit → JSON. The shapes are described in :mod:`audit_app.api.openapi`."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import jsonify, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from .. import permissions as perm
from ..errors import ApiError
from ..extensions import db
from ..labels import refusal_message
from ..models import (
    FEDERAL_STATES,
    Audit,
    AuditMember,
    CatalogVersion,
    Centre,
    Event,
    User,
)
from ..services import audits as audit_service
from ..services import catalogs as catalog_service
from ..services import centres as centre_service
from ..services import certificates as certificate_service
from ..services import checklist as checklist_service
from ..services import users as user_service
from ..services.errors import TransitionRefused, ValidationFailed, VersionConflict
from ..services.scoring import score_audit, score_audits
from ..storage.http import send_download
from ..templating import current_lang
from ..workflow import Action, AuditKind, AuditStatus, Decision, Role
from . import bp
from . import serializers as out
from .auth import public
from .helpers import (
    MAX_ID,
    Fields,
    api_user,
    json_body,
    page_args,
    paginated,
    query_choice,
    query_int,
    query_text,
    require,
)

#: Id converter; ids beyond MAX_ID are answered 404 by the loaders (a converter limit would
#: make werkzeug answer 405 for the method-less path).
ID = "int"


def _plain(value: str, max_length: int) -> str:
    """A path segment that can name a stored object (no NUL, not too long), else 404."""
    if len(value) > max_length or "\x00" in value or not value.isprintable():
        raise ApiError(404)
    return value


def _validation(exc: ValidationFailed, rename: dict | None = None):
    rename = rename or {}
    return ApiError(422, "validation_failed", str(exc.message),
                    fields={rename.get(k, k): v for k, v in exc.fields.items()})


def _created(body: dict, location: str):
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


# --- public ---------------------------------------------------------------------------------

@bp.route("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 description of this API."""
    from .openapi import spec

    return jsonify(spec())


@bp.route("/docs")
@public
def docs():
    """The API description as a readable page (rendered on the server, no JavaScript)."""
    from .openapi import doc_sections, spec

    return render_template("api/docs.html", spec=spec(), sections=doc_sections(spec()),
                           title=_("API documentation"))


@bp.route("/register")
@public
def register():
    """Centres holding the label today (public), by federal state and name."""
    page, per_page = page_args()
    rows = [
        {"name": r["name"], "city": r["city"], "federal_state": state, "number": r["number"],
         "valid_until": r["valid_until"].isoformat()}
        for state, group in certificate_service.register(certificate_service.today_in_berlin())
        for r in group
    ]
    start = (page - 1) * per_page
    return jsonify(paginated(rows[start:start + per_page], page=page, per_page=per_page,
                             total=len(rows)))


@bp.route("/verify/<number>")
@public
def verify(number: str):
    """A certificate's public status: the same record as /verify/<number>.json."""
    from ..blueprints.verify.routes import _json as verification_response

    info = certificate_service.verification(number, certificate_service.today_in_berlin())
    return verification_response(number, info)


# --- people and catalogues ------------------------------------------------------------------

@bp.route("/me")
def me():
    """The token's user."""
    return jsonify(out.me(api_user()))


@bp.route("/users")
def users():
    """Users with their roles, for composing audit teams (working-group leads and admins)."""
    user = api_user()
    require(perm.sees_everything(user))
    role = query_choice("role", [r.value for r in Role])
    page, per_page = page_args()
    result = user_service.list_users(role=Role(role) if role else None, page=page,
                                     per_page=per_page)
    return jsonify(paginated([out.user(u) for u in result.users], page=result.page,
                             per_page=per_page, total=result.total))


@bp.route("/catalogs")
def catalogs():
    """Every catalogue version (key, version, titles, status)."""
    page, per_page = page_args()
    rows = catalog_service.list_catalogs()
    start = (page - 1) * per_page
    return jsonify(paginated([out.catalog_summary(c) for c in rows[start:start + per_page]],
                             page=page, per_page=per_page, total=len(rows)))


@bp.route("/catalogs/<key>/<version>")
def catalog(key: str, version: str):
    """One catalogue version with categories, criteria, scoring types, bands and pass rules."""
    row = db.session.scalar(
        sa.select(CatalogVersion).where(CatalogVersion.key == _plain(key, 50),
                                        CatalogVersion.version == _plain(version, 50))
    )
    if row is None:
        raise ApiError(404)
    return jsonify(out.catalog_detail(row, catalog_service.domain_catalog(row.id,
                                                                          checksum=row.checksum)))


# --- centres --------------------------------------------------------------------------------

def _centre_or_404(centre_id: int) -> Centre:
    centre = db.session.get(Centre, centre_id) if centre_id <= MAX_ID else None
    if centre is None or not perm.can_view_centre(api_user(), centre):
        raise ApiError(404)
    return centre


@bp.route("/centres")
def centres():
    """The centres the user may see: search ``q`` (name, city), ``state``, ``label_status``."""
    q = query_text("q")
    state = query_choice("state", list(FEDERAL_STATES))
    label_status = query_choice("label_status", [s.value for s in centre_service.LabelStatus])
    page, per_page = page_args()
    result = centre_service.search_centres(api_user(), q=q, state=state,
                                           label_status=label_status, page=page,
                                           per_page=per_page, today=date.today())
    items = [out.centre(r.centre, label_status=r.label_status, label_until=r.label_until)
             for r in result.rows]
    return jsonify(paginated(items, page=result.page, per_page=per_page, total=result.total))


_CENTRE_TYPES = {
    "founded_year": (int, str), "space_m2": (int, str), "tenant_count": (int, str),
    "staff_count": (int, str), "occupancy_percent": (int, float, str), "active": (bool, str),
}


def _centre_data(partial: bool) -> dict:
    body = json_body(allowed=out.CENTRE_FIELDS)
    errors = {}
    for key, value in body.items():
        allowed = _CENTRE_TYPES.get(key, (str,))
        if value is not None and not isinstance(value, allowed):
            errors[key] = _("invalid value")
        elif isinstance(value, str) and len(value) > 1000:
            errors[key] = _("Please enter at most %(max)s characters.", max=1000)
    if not partial and "name" not in body:
        errors.setdefault("name", _("This field is required."))
    if errors:
        raise ApiError(422, "validation_failed", None, fields=errors)
    return body


@bp.route("/centres", methods=["POST"])
def create_centre():
    """Create a centre (working-group leads and admins); the same checks as the form."""
    user = api_user()
    require(perm.can_manage_centres(user))
    data = _centre_data(partial=False)
    try:
        centre = centre_service.create_centre(data, user, today=date.today(), note="api")
    except ValidationFailed as exc:
        raise _validation(exc) from None
    db.session.commit()
    return _created(out.centre(centre), url_for("api.centre", centre_id=centre.id))


@bp.route(f"/centres/<{ID}:centre_id>")
def centre(centre_id: int):
    """One centre with its label status, the audits the user may see and its certificates."""
    user = api_user()
    detail = centre_service.centre_detail(user, _centre_or_404(centre_id), today=date.today())
    results = {line.audit.id: line.result for line in detail.audits}
    body = out.centre(detail.centre, label_status=detail.label_status,
                      label_until=detail.label_until)
    body["audits"] = [
        {"id": line.audit.id, "number": line.audit.number, "status": line.audit.status.value,
         "kind": line.audit.kind.value, "planned_on": line.audit.planned_on.isoformat(),
         "overall_percent": out.pct(results[line.audit.id].overall_percent),
         "outcome": results[line.audit.id].outcome.value}
        for line in detail.audits
    ]
    body["certificates"] = [
        {"number": line.certificate.number, "status": line.status,
         "valid_from": line.certificate.valid_from.isoformat(),
         "valid_until": line.certificate.valid_until.isoformat()}
        for line in detail.certificates
    ]
    return jsonify(body)


@bp.route(f"/centres/<{ID}:centre_id>", methods=["PATCH"])
def update_centre(centre_id: int):
    """Change some fields of a centre; the whole centre is checked as by the form."""
    user = api_user()
    centre = _centre_or_404(centre_id)
    require(perm.can_manage_centres(user))
    data = {**out.centre_input(centre), **_centre_data(partial=True)}
    try:
        centre_service.update_centre(centre, data, user, today=date.today())
    except ValidationFailed as exc:
        raise _validation(exc) from None
    db.session.commit()
    return jsonify(out.centre(centre))


# --- audits ---------------------------------------------------------------------------------

def _audit_or_404(audit_id: int) -> Audit:
    """The audit with centre, catalogue and team, if the user may see it (same rule as pages)."""
    audit = checklist_service.load_audit(audit_id) if audit_id <= MAX_ID else None
    if audit is None or not perm.can_view_audit(api_user(), audit):
        raise ApiError(404)
    return audit


def _detail(audit: Audit) -> dict:
    return out.audit_detail(audit, checklist_service.audit_sheet(audit), api_user())


@bp.route("/audits")
def audits():
    """The audits the user may see, newest first; filters ``centre_id`` and ``status``."""
    centre_id = query_int("centre_id")
    status = query_choice("status", [s.value for s in AuditStatus])
    page, per_page = page_args()
    conditions = [perm.audit_filter(api_user())]
    if centre_id is not None:
        conditions.append(Audit.centre_id == centre_id)
    if status:
        conditions.append(Audit.status == AuditStatus(status))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Audit).where(*conditions))
    rows = list(db.session.scalars(
        sa.select(Audit).where(*conditions)
        .options(joinedload(Audit.centre), joinedload(Audit.catalog),
                 selectinload(Audit.members).joinedload(AuditMember.user))
        .order_by(Audit.planned_on.desc(), Audit.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ))
    results = score_audits(rows)
    return jsonify(paginated([out.audit_summary(a, results[a.id]) for a in rows], page=page,
                             per_page=per_page, total=total))


PLAN_FIELDS = ("centre_id", "catalog_key", "catalog_version", "kind", "planned_on", "visit_on",
               "due_on", "lead_auditor_id", "auditor_ids", "guest_auditor_id")


@bp.route("/audits", methods=["POST"])
def plan_audit():
    """Plan an audit (working-group leads): centre, catalogue version, kind, dates, team."""
    user = api_user()
    require(perm.can_plan_audits(user))
    f = Fields(json_body(allowed=PLAN_FIELDS))
    centre_id = f.identifier("centre_id", required=True)
    key = f.text("catalog_key", required=True, max_length=50)
    version = f.text("catalog_version", required=True, max_length=50)
    kind = f.choice("kind", [k.value for k in AuditKind], required=True)
    planned_on = f.day("planned_on", required=True)
    visit_on, due_on = f.day("visit_on"), f.day("due_on")
    lead_id = f.identifier("lead_auditor_id", required=True)
    auditor_ids = f.identifiers("auditor_ids", required=True)
    guest_id = f.identifier("guest_auditor_id")
    f.check()
    errors = {}
    centre = db.session.get(Centre, centre_id)
    if centre is None:
        errors["centre_id"] = _("unknown centre")
    catalog_row = db.session.scalar(
        sa.select(CatalogVersion).where(CatalogVersion.key == key, CatalogVersion.version == version))
    if catalog_row is None:
        errors["catalog_version"] = _("unknown catalogue version")
    people = {u.id: u for u in db.session.scalars(
        sa.select(User).where(User.id.in_([lead_id, *auditor_ids, *([guest_id] if guest_id else [])]))
        .options(selectinload(User.role_rows))
    )}
    if lead_id not in people:
        errors["lead_auditor_id"] = _("unknown user")
    if any(i not in people for i in auditor_ids):
        errors["auditor_ids"] = _("unknown user")
    if guest_id and guest_id not in people:
        errors["guest_auditor_id"] = _("unknown user")
    if errors:
        raise ApiError(422, "validation_failed", None, fields=errors)
    try:
        audit = audit_service.plan_audit(
            centre=centre, catalog=catalog_row, kind=AuditKind(kind), planned_on=planned_on,
            visit_on=visit_on, due_on=due_on, lead_auditor=people[lead_id],
            auditors=[people[i] for i in auditor_ids],
            guest=people[guest_id] if guest_id else None, actor=user,
        )
    except ValidationFailed as exc:
        raise _validation(exc, {"team": "auditor_ids", "auditors": "auditor_ids",
                                "catalog": "catalog_version"}) from None
    db.session.commit()
    return _created(_detail(_audit_or_404(audit.id)), url_for("api.audit", audit_id=audit.id))


@bp.route(f"/audits/<{ID}:audit_id>")
def audit(audit_id: int):
    """One audit: status, team, dates, every assessment with its version, the score, actions."""
    return jsonify(_detail(_audit_or_404(audit_id)))


ANSWER_FIELDS = ("points", "value", "not_applicable", "reason", "comment", "finding",
                 "finding_severity", "version")


@bp.route(f"/audits/<{ID}:audit_id>/assessments/<code>", methods=["PUT"])
def save_assessment(audit_id: int, code: str):
    """Store the team's answer for one criterion; 409 with the stored one when ``version`` is stale."""
    user = api_user()
    audit = _audit_or_404(audit_id)
    if audit.team_role_of(user.id) is None:
        raise ApiError(403)
    if not perm.can_edit_assessments(user, audit):
        raise ApiError(409, "not_editable", _("This audit cannot be edited in its current status."))
    assessment = audit_service.get_assessment(audit, _plain(code, 10))
    if assessment is None:
        raise ApiError(404)
    f = Fields(json_body(allowed=ANSWER_FIELDS))
    answer = audit_service.AnswerInput(
        points=f.integer("points"), value=f.number("value"),
        not_applicable=f.boolean("not_applicable"),
        na_reason=f.text("reason", max_length=2000), comment=f.text("comment"),
        finding=f.text("finding", max_length=2000),
        finding_severity=f.text("finding_severity", max_length=20) or None,
    )
    version = f.integer("version", required=True, nullable=False, low=0, high=MAX_ID)
    f.check()
    try:
        saved = audit_service.save_assessment(audit, code, answer, expected_version=version,
                                              actor=user)
    except VersionConflict as exc:
        current = out.assessment(code, exc.current)
        raise ApiError(409, "version_conflict", str(exc.message),
                       extra={"current": current}) from None
    except ValidationFailed as exc:
        raise _validation(exc, {"na_reason": "reason"}) from None
    db.session.commit()
    return jsonify(out.assessment(code, saved))


REVIEW_FIELDS = ("points", "value", "reason", "agree")


@bp.route(f"/audits/<{ID}:audit_id>/reviews/<code>", methods=["POST"])
def review(audit_id: int, code: str):
    """A working-group lead's review of one criterion: agree, or adjust with a reason."""
    user = api_user()
    audit = _audit_or_404(audit_id)
    if not perm.is_lead(user):
        raise ApiError(403)
    if audit.team_role_of(user.id) is not None:
        raise ApiError(403, "four_eyes", refusal_message("four_eyes"))
    if not perm.can_review(user, audit):
        raise ApiError(409, "not_under_review", _("This audit is not under review."))
    if audit_service.get_assessment(audit, _plain(code, 10)) is None:
        raise ApiError(404)
    f = Fields(json_body(allowed=REVIEW_FIELDS))
    points, value = f.integer("points"), f.number("value")
    reason, agree = f.text("reason", max_length=5000), f.boolean("agree")
    f.check()
    try:
        saved = audit_service.adjust_assessment(audit, code, actor=user, points=points,
                                                value=value, reason=reason, agree=agree)
    except ValidationFailed as exc:
        raise _validation(exc) from None
    db.session.commit()
    return jsonify(out.assessment(code, saved))


#: Refusal codes of the workflow → (HTTP status, the field a missing input belongs to).
REFUSALS = {
    "not_allowed_from_status": (409, None),
    "forbidden": (403, None),
    "four_eyes": (403, None),
    "incomplete": (422, "missing_criteria"),
    "reason_required": (422, "note"),
}
TRANSITION_FIELDS = ("action", "note", "decision", "override_reason")


@bp.route(f"/audits/<{ID}:audit_id>/transitions", methods=["POST"])
def transition(audit_id: int):
    """Apply a workflow action: start, submit, begin_review, request_changes, resume, decide, reopen."""
    user = api_user()
    audit = _audit_or_404(audit_id)
    f = Fields(json_body(allowed=TRANSITION_FIELDS))
    action = f.choice("action", [a.value for a in Action], required=True)
    note = f.text("note")
    decision = f.choice("decision", [d.value for d in Decision])
    override_reason = f.text("override_reason")
    f.check()
    try:
        audit_service.transition(audit, Action(action), user, note=note,
                                 decision=Decision(decision) if decision else None,
                                 override_reason=override_reason)
    except TransitionRefused as exc:
        status, field = REFUSALS.get(exc.refusal_code, (409, None))
        message = refusal_message(exc.refusal_code, exc.details)
        fields = {field: message} if field else {}
        raise ApiError(status, exc.refusal_code, message, fields=fields,
                       details=list(exc.details)) from None
    except ValidationFailed as exc:
        if type(exc).__name__.endswith("RenderFailed"):  # the certificate or report PDF
            raise ApiError(503, "render_failed", str(exc.message)) from None
        raise _validation(exc) from None
    db.session.commit()
    return jsonify(_detail(audit))


@bp.route(f"/audits/<{ID}:audit_id>/score")
def score(audit_id: int):
    """The audit's score from the scoring engine (percents rounded down to one decimal)."""
    audit = _audit_or_404(audit_id)
    return jsonify(out.score(score_audit(audit)))


@bp.route(f"/audits/<{ID}:audit_id>/events")
def events(audit_id: int):
    """The audit trail, newest first."""
    audit = _audit_or_404(audit_id)
    page, per_page = page_args()
    where = Event.audit_id == audit.id
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(where))
    rows = db.session.scalars(
        sa.select(Event).where(where).options(joinedload(Event.actor))
        .order_by(Event.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return jsonify(paginated([out.event(e) for e in rows], page=page, per_page=per_page,
                             total=total))


@bp.route(f"/audits/<{ID}:audit_id>/report.pdf")
def report(audit_id: int):
    """The audit report as PDF in the request's language: stored once decided, a draft before."""
    from ..services import reports as report_service

    audit = _audit_or_404(audit_id)
    lang = current_lang()
    try:
        download = report_service.open_report(audit, lang, actor=api_user())
    except ValidationFailed as exc:  # ReportRenderFailed
        raise ApiError(503, "report_unavailable", str(exc.message)) from None
    db.session.commit()  # a decided audit's first download stores its report
    name = ("Auditbericht" if lang == "de" else "Audit-report") + f"-{audit.number}.pdf"
    return send_download(download, mimetype="application/pdf", filename=name)


# --- certificates ---------------------------------------------------------------------------

def _certificate_or_404(number: str):
    certificate = certificate_service.get_by_number(_plain(number, 20))
    if certificate is None or not perm.can_view_audit(api_user(), certificate.audit):
        raise ApiError(404)
    return certificate


@bp.route("/certificates/<number>")
def certificate(number: str):
    """A certificate the user may see (via its audit): status, validity, conditions."""
    c = _certificate_or_404(number)
    return jsonify(out.certificate(
        c, certificate_service.public_status(c, certificate_service.today_in_berlin())))


@bp.route("/certificates/<number>.pdf")
def certificate_pdf(number: str):
    """The certificate's stored PDF, byte for byte as issued."""
    c = _certificate_or_404(number)
    download = certificate_service.open_pdf(c)
    if download is None:
        raise ApiError(404)
    return send_download(download, mimetype="application/pdf", filename=f"Urkunde-{c.number}.pdf")


@bp.route("/certificates/<number>/<any(suspend, withdraw, reinstate):action>", methods=["POST"])
def certificate_status(number: str, action: str):
    """Suspend, withdraw or reinstate a certificate with a reason (working-group leads)."""
    user = api_user()
    c = _certificate_or_404(number)
    require(perm.is_lead(user))
    f = Fields(json_body(allowed=("reason",)))
    reason = f.text("reason", required=True, max_length=5000)
    f.check()
    try:
        certificate_service.change_status(c, action, user, reason)
    except certificate_service.StatusChangeRefused as exc:
        raise ApiError(409, "status_change_refused", str(exc.message)) from None
    except ValidationFailed as exc:
        raise _validation(exc) from None
    db.session.commit()
    return jsonify(out.certificate(
        c, certificate_service.public_status(c, certificate_service.today_in_berlin())))
