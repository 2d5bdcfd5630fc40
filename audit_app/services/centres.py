"""The register of member centres: lists with the label status, detail, create and edit.

The label status rule lives in :mod:`.label_status`, umlaut-safe matching in
:mod:`.folding`, the CSV import and export in :mod:`.centre_csv` (re-exported here).

Every function takes the user and, where dates matter, ``today`` as arguments; nothing here
commits (the view or command does).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import FEDERAL_STATES, Audit, Centre, Certificate, CertificateStatus, EventAction
from ..permissions import audit_filter, centre_filter
from ..scoring import ScoreResult
from ..workflow import CENTRE_SIDE
from . import events, inputs
from .errors import ValidationFailed
from .folding import folded_match, search_key, search_match, sort_key
from .label_status import (
    _LABEL_RANK,
    LabelStatus,
    certificate_summary,
    label_status_column,
    label_status_of,
)
from .paging import Page, paginate
from .scoring import score_audits

_STATE_RANK = {code: rank for rank, code in
               enumerate(sorted(FEDERAL_STATES, key=lambda c: FEDERAL_STATES[c]))}


# --------------------------------------------------------------------------------------------
# Lists


@dataclass(frozen=True)
class CentreRow:
    """One line of a centre list: the centre, its latest visible audit, that audit's score and
    (in the register) the label status with the end of the current certificate."""

    centre: Centre
    audit: Audit | None
    result: ScoreResult | None
    label_status: LabelStatus | None = None
    label_until: date | None = None


#: Sort keys of the register; a leading "-" sorts descending.
SORTS = ("name", "city", "state", "member_since", "label")


def _latest_audits(user, centre_ids: list[int]) -> dict[int, Audit]:
    """The latest audit the user may see of each centre (one query). Applications before
    the visit (the centre's side) have no result yet: the list keeps the audit before them."""
    if not centre_ids:
        return {}
    latest_ids = (
        sa.select(sa.func.max(Audit.id))
        .where(Audit.centre_id.in_(centre_ids), audit_filter(user),
               Audit.status.not_in(CENTRE_SIDE))
        .group_by(Audit.centre_id)
    )
    return {
        a.centre_id: a
        for a in db.session.scalars(
            sa.select(Audit).where(Audit.id.in_(latest_ids)).options(selectinload(Audit.catalog))
        )
    }


def _rows(user, centres: list[Centre], labels: dict[int, tuple] | None = None) -> list[CentreRow]:
    audits = _latest_audits(user, [c.id for c in centres])
    results = score_audits(audits.values())
    labels = labels or {}
    rows = []
    for c in centres:
        audit = audits.get(c.id)
        status, until = labels.get(c.id, (None, None))
        rows.append(CentreRow(c, audit, results.get(audit.id) if audit else None, status, until))
    return rows


def overview(user, *, page: int = 1, per_page: int = 50) -> Page:
    """Active centres the user may see, by name, each with its latest visible audit scored.

    A constant number of queries whatever the page size: centres, count, latest audits,
    their assessments (and the catalogue checksum lookup).
    """
    where = sa.and_(centre_filter(user), Centre.active.is_(True))
    centres, page, total = paginate(sa.select(Centre).where(where).order_by(Centre.name, Centre.id),
                                    page, per_page)
    return Page(items=_rows(user, centres), page=page, per_page=per_page, total=total)


def _register_query(user, *, q: str, state: str | None, label_status: str | None, sort: str,
                    include_inactive: bool, today: date):
    """The register's SELECT (centre, label status, end of current certificate), filtered and sorted."""
    summary = certificate_summary(today)
    status = label_status_column(summary, today)
    conditions = [centre_filter(user)]
    if not include_inactive:
        conditions.append(Centre.active.is_(True))
    q = " ".join((q or "").split())
    if q:
        # Exact text (wildcards as text, case and umlaut case folded) or the forgiving search
        # key ("Gottingen", "Goettingen" → Göttingen; "halle saale" → Halle (Saale)).
        forgiving = ([search_match(Centre.name, q), search_match(Centre.city, q),
                      search_match(Centre.name + " " + Centre.city, q)]
                     if search_key(q) else [])
        conditions.append(sa.or_(folded_match(Centre.name, q), folded_match(Centre.city, q),
                                 *forgiving))
    if state:
        if state not in FEDERAL_STATES:
            raise ValueError(f"unknown federal state {state!r}")
        conditions.append(Centre.federal_state == state)
    if label_status:
        conditions.append(status == LabelStatus(label_status).value)
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    if key == "label":
        rank = sa.case(*((status == s.value, r) for s, r in _LABEL_RANK.items()), else_=9)
        order = [rank, summary.c.current_until]
    elif key == "city":
        order = [sort_key(Centre.city)]
    elif key == "state":
        order = [sa.case(_STATE_RANK, value=Centre.federal_state, else_=99)]
    elif key == "member_since":
        order = [Centre.member_since]
    else:
        order = [sort_key(Centre.name)]
    order = [o.desc() if descending else o.asc() for o in order]
    if key == "member_since":
        # Centres without a date last in either direction.
        order.insert(0, Centre.member_since.is_(None))
    order += [sort_key(Centre.name), Centre.id]
    return (
        sa.select(Centre, status.label("label_status"), summary.c.current_until)
        .outerjoin(summary, summary.c.centre_id == Centre.id)
        .where(*conditions)
        .order_by(*order)
    )


def search_centres(
    user,
    q: str = "",
    state: str | None = None,
    label_status: str | None = None,
    sort: str = "name",
    page: int = 1,
    per_page: int = 50,
    today: date | None = None,
    *,
    include_inactive: bool = False,
) -> Page:
    """One page of the register: centres the user may see, searched, filtered and sorted.

    ``q`` matches name or city (case and umlauts ignored); ``state`` is a federal-state code;
    ``label_status`` one of :class:`LabelStatus`; ``sort`` one of :data:`SORTS`, "-" prefixed
    for descending. A ``page`` past the end gives the last page. Each row carries the label
    status, the latest visible audit and its score; the number of queries does not depend
    on the number of centres.
    """
    today = today or date.today()
    stmt = _register_query(user, q=q, state=state, label_status=label_status, sort=sort,
                           include_inactive=include_inactive, today=today)
    result, page, total = paginate(stmt, page, per_page, scalars=False)
    centres = [r[0] for r in result]
    labels = {r[0].id: (LabelStatus(r[1]), r[2]) for r in result}
    return Page(items=_rows(user, centres, labels), page=page, per_page=per_page, total=total)


def centres_for_export(
    user,
    q: str = "",
    state: str | None = None,
    label_status: str | None = None,
    sort: str = "name",
    today: date | None = None,
    *,
    include_inactive: bool = False,
) -> list[Centre]:
    """Every centre matching the register's filters (no paging), for :func:`export_centres_csv`."""
    stmt = _register_query(user, q=q, state=state, label_status=label_status, sort=sort,
                           include_inactive=include_inactive, today=today or date.today())
    return [r[0] for r in db.session.execute(stmt)]


# --------------------------------------------------------------------------------------------
# Detail


@dataclass(frozen=True)
class AuditLine:
    audit: Audit
    result: ScoreResult


@dataclass(frozen=True)
class CertificateLine:
    certificate: Certificate
    #: The status as the public sees it: the stored one, or "expired" past its end date.
    status: str


@dataclass(frozen=True)
class CentreDetail:
    """Everything the detail page shows, loaded with a fixed number of queries."""

    centre: Centre
    label_status: LabelStatus
    label_until: date | None
    audits: list[AuditLine]
    certificates: list[CertificateLine]
    website_url: str | None


def safe_web_url(url: str) -> str | None:
    """The URL if it is an absolute http(s) address (safe to link), else None."""
    parts = urlsplit((url or "").strip())
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


def centre_detail(user, centre: Centre, today: date | None = None) -> CentreDetail:
    """The centre's label status, the audits the user may see (scored) and its certificates.

    Newest first. Queries: certificates, audits, their assessments (constant in the number
    of audits).
    """
    today = today or date.today()
    certificates = list(db.session.scalars(
        sa.select(Certificate).where(Certificate.centre_id == centre.id)
        .order_by(Certificate.valid_from.desc(), Certificate.id.desc())
    ))
    audits = list(db.session.scalars(
        sa.select(Audit).where(Audit.centre_id == centre.id, audit_filter(user))
        .order_by(Audit.planned_on.desc(), Audit.id.desc())
    ))
    results = score_audits(audits)
    current = [c.valid_until for c in certificates
               if c.status is CertificateStatus.VALID and c.valid_from <= today <= c.valid_until]
    return CentreDetail(
        centre=centre,
        label_status=label_status_of(certificates, today),
        label_until=max(current) if current else None,
        audits=[AuditLine(a, results[a.id]) for a in audits],
        certificates=[CertificateLine(c, c.effective_status(today)) for c in certificates],
        website_url=safe_web_url(centre.website),
    )


# --------------------------------------------------------------------------------------------
# Validation shared by the form, the service calls and the CSV import

#: The editable fields, in form and CSV column order.
FIELDS = (
    "name", "operating_company", "street", "postcode", "city", "federal_state", "founded_year",
    "space_m2", "tenant_count", "occupancy_percent", "staff_count", "website", "contact_name",
    "contact_email", "contact_phone", "member_since", "active",
)


def stored_values(centre: Centre) -> dict[str, Any]:
    """The centre's stored values by field name, typed as stored (int, Decimal, date, bool)."""
    return {key: getattr(centre, key) for key in FIELDS}


FIRST_FOUNDING_YEAR = 1950
#: The text fields with their limit in :data:`audit_app.services.inputs.LIMITS`.
TEXT_FIELDS = ("name", "operating_company", "street", "city", "contact_name", "contact_email",
               "contact_phone", "website")
#: Numbers and dates, typed as text in forms and CSV cells.
NUMBER_FIELDS = ("founded_year", "space_m2", "tenant_count", "occupancy_percent", "staff_count",
                 "member_since")
#: Text fields that name someone or something: invisible and text-direction characters are
#: refused there (they make one name look like another).
NAME_FIELDS = ("name", "operating_company", "city", "contact_name")
_INT_RANGES = {"space_m2": (0, 1_000_000), "tenant_count": (0, 10_000), "staff_count": (0, 1000)}
_POSTCODE = re.compile(r"^[0-9]{5}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE = re.compile(r"^\+?[0-9 ()/.\-]+$")
_DECIMAL = re.compile(r"^[+-]?[0-9]+(?:[.,][0-9]+)?$")
_TRUE = {"1", "ja", "j", "yes", "y", "true", "wahr", "x", "aktiv", "active"}
_FALSE = {"0", "nein", "n", "no", "false", "falsch", "inaktiv", "inactive"}


def _text(value: Any) -> str:
    return "" if value is None else inputs.normalise(str(value)).strip()


def _one_line(value: Any) -> str:
    return " ".join(_text(value).split())


def _number(value: int) -> str:
    return format_decimal(value, format="#,##0")


def _parse_int(raw: Any, low: int, high: int, *, year: bool = False) -> tuple[int | None, str | None]:
    """A whole number in ``low..high`` from an int or text ("8400", "8.400"; years ungrouped).

    ASCII digits only (:func:`audit_app.services.inputs.parse_whole`).
    """
    try:
        value = inputs.parse_whole(raw, grouping=not year, message=_("Please enter a whole number."))
    except inputs.InputError as exc:
        if exc.message is not inputs.MSG_TOO_LARGE:
            return None, str(exc.message)
        value = high + 1  # a number, only far too large: say so with the range
    if value is None:
        return None, None
    if not low <= value <= high:
        if year:
            return None, _("Please enter a year between %(low)s and %(high)s.", low=low, high=high)
        return None, _("Please enter a number between %(low)s and %(high)s.",
                       low=_number(low), high=_number(high))
    return value, None


def _parse_occupancy(raw: Any) -> tuple[Decimal | None, str | None]:
    if raw is None or raw == "":
        return None, None
    if isinstance(raw, bool):
        return None, _("Please enter a percentage such as 87.5.")
    if isinstance(raw, (Decimal, int)):
        value = Decimal(raw)
    else:
        text = _text(raw).removesuffix("%").strip()
        if not text:
            return None, None
        if isinstance(raw, float):
            text = repr(raw)
        if len(text) > 20 or not _DECIMAL.match(text):
            return None, _("Please enter a percentage such as 87.5.")
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return None, _("Please enter a percentage such as 87.5.")
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        return None, _("Please enter a percentage between 0 and 100.")
    if value != value.quantize(Decimal("0.1")):
        return None, _("Please enter at most one decimal place.")
    return value.quantize(Decimal("0.1")), None


def _parse_date(raw: Any, today: date) -> tuple[date | None, str | None]:
    try:
        value = inputs.parse_day(raw if isinstance(raw, date) else _text(raw))
    except inputs.InputError as exc:
        return None, str(exc.message)
    if value is None:
        return None, None
    if value > today:
        return None, _("The date cannot lie in the future.")
    if value.year < FIRST_FOUNDING_YEAR:
        return None, _("Please enter a date from %(year)s on.", year=FIRST_FOUNDING_YEAR)
    return value, None


def _parse_bool(raw: Any) -> tuple[bool | None, str | None]:
    if raw is None or isinstance(raw, bool):
        return (True if raw is None else raw), None
    text = _text(raw).casefold()
    if not text or text in _TRUE:
        return True, None
    if text in _FALSE:
        return False, None
    return None, _("Please enter yes or no.")


def parse_federal_state(raw: Any) -> str | None:
    """A federal-state code from a code ("NI") or a name ("Niedersachsen"), any case; else None."""
    text = _one_line(raw)
    if text.upper() in FEDERAL_STATES:
        return text.upper()
    folded = text.casefold()
    return next((code for code, name in FEDERAL_STATES.items() if name.casefold() == folded), None)


def clean_centre_data(data: Mapping[str, Any], *, today: date) -> tuple[dict[str, Any], dict[str, str]]:
    """Check and convert every field: returns ``(values, errors)``, errors keyed by field.

    Accepts typed values (int, Decimal, date, bool) or text as typed in a form or a CSV
    cell: "87,5" or "87.5" for occupancy, "01.03.1992" or "1992-03-01" for dates, "ja"/"nein"
    (or yes/no, 1/0) for ``active``. Missing keys count as empty (``active`` as yes). Does not
    check the name for duplicates (see :func:`name_taken`).
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in TEXT_FIELDS:
        raw = data.get(key)
        try:
            values[key] = inputs.clean_text(None if raw is None else str(raw), f"centre.{key}",
                                            one_line=True, name=key in NAME_FIELDS)
        except inputs.InputError as exc:
            values[key], errors[key] = "", str(exc.message)
    for key in ("name", "city"):
        if not values[key] and key not in errors:
            errors[key] = _("This field is required.")

    # Their one limit first, then their format.
    limits = {"postcode": "centre.postcode", "federal_state": "centre.federal_state",
              **{key: "centre.number" for key in NUMBER_FIELDS}}
    for key, limit_key in limits.items():
        raw = data.get(key)
        if isinstance(raw, str):
            try:
                inputs.clean_text(raw, limit_key, one_line=True)
            except inputs.InputError as exc:
                errors[key] = str(exc.message)
    values["postcode"] = _text(data.get("postcode"))
    if values["postcode"] and not _POSTCODE.match(values["postcode"]):
        errors.setdefault("postcode", _("A German postcode has five digits."))
        values["postcode"] = ""

    raw_state = _text(data.get("federal_state"))
    values["federal_state"] = parse_federal_state(raw_state)
    if "federal_state" in errors:
        pass
    elif not raw_state:
        errors["federal_state"] = _("Please choose a federal state.")
    elif values["federal_state"] is None:
        errors["federal_state"] = _(
            "Unknown federal state: use a code such as NI or a name such as Niedersachsen."
        )

    values["founded_year"], problem = _parse_int(data.get("founded_year"), FIRST_FOUNDING_YEAR,
                                                 today.year, year=True)
    if problem:
        errors.setdefault("founded_year", problem)
    for key, (low, high) in _INT_RANGES.items():
        values[key], problem = _parse_int(data.get(key), low, high)
        if problem:
            errors.setdefault(key, problem)
    values["occupancy_percent"], problem = _parse_occupancy(data.get("occupancy_percent"))
    if problem:
        errors.setdefault("occupancy_percent", problem)
    values["member_since"], problem = _parse_date(data.get("member_since"), today)
    if problem:
        errors.setdefault("member_since", problem)
    values["active"], problem = _parse_bool(data.get("active"))
    if problem:
        errors["active"] = problem

    if "website" not in errors and values["website"] and (
        safe_web_url(values["website"]) is None or " " in values["website"]
    ):
        errors["website"] = _("Please enter a web address starting with http:// or https://.")
    if "contact_email" not in errors and values["contact_email"] and not _EMAIL.match(
        values["contact_email"]
    ):
        errors["contact_email"] = _("Please enter a valid e-mail address.")
    if "contact_phone" not in errors and values["contact_phone"] and not (
        _PHONE.match(values["contact_phone"]) and any(c.isdigit() for c in values["contact_phone"])
    ):
        errors["contact_phone"] = _("Please enter a phone number (digits, spaces and + - / ( ) only).")
    return values, errors


def name_taken(name: str, *, exclude_id: int | None = None) -> Centre | None:
    """The centre already called ``name`` (case and umlauts ignored), if any."""
    stmt = sa.select(Centre).where(folded_match(Centre.name, name, whole=True))
    if exclude_id is not None:
        stmt = stmt.where(Centre.id != exclude_id)
    return db.session.scalars(stmt.limit(1)).first()


def _duplicate_message(existing: str) -> str:
    return _("A centre named „%(name)s“ already exists.", name=existing)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _validated(data: Mapping[str, Any], *, today: date | None, exclude_id: int | None) -> dict:
    values, errors = clean_centre_data(data, today=today or date.today())
    if "name" not in errors and (existing := name_taken(values["name"], exclude_id=exclude_id)):
        errors["name"] = _duplicate_message(existing.name)
    if errors:
        raise ValidationFailed(_("The centre was not saved. Please correct the marked fields."),
                               fields=errors)
    return values


def create_centre(data: Mapping[str, Any], actor, *, today: date | None = None,
                  note: str = "") -> Centre:
    """Create a centre after checking every field; raises ValidationFailed (nothing stored)."""
    values = _validated(data, today=today, exclude_id=None)
    centre = Centre(**values)
    db.session.add(centre)
    db.session.flush()
    events.record(EventAction.CENTRE_CREATED, actor=actor, subject_type="centre", subject_id=centre.id,
                  new={k: _json_value(v) for k, v in values.items()}, note=note)
    return centre


def update_centre(centre: Centre, data: Mapping[str, Any], actor, *,
                  today: date | None = None) -> dict[str, tuple[Any, Any]]:
    """Change a centre after checking every field; returns the changes as ``{field: (old, new)}``.

    Raises ValidationFailed and leaves the centre untouched when any field is wrong. Records
    one event with the changed fields only, and none when nothing changed.
    """
    values = _validated(data, today=today, exclude_id=centre.id)
    changes = {k: (getattr(centre, k), v) for k, v in values.items() if getattr(centre, k) != v}
    if not changes:
        return {}
    for key, (_old, new) in changes.items():
        setattr(centre, key, new)
    db.session.flush()
    events.record(
        EventAction.CENTRE_UPDATED, actor=actor, subject_type="centre", subject_id=centre.id,
        old={k: _json_value(old) for k, (old, _new) in changes.items()},
        new={k: _json_value(new) for k, (_old, new) in changes.items()},
    )
    return changes


# Moved to their own modules; the register's callers keep finding them here.
from .centre_csv import (  # noqa: F401
    CSV_COLUMNS,
    IMPORT_MAX_AGE_SECONDS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    MAX_SEALED_CHARS,
    REQUIRED_COLUMNS,
    ImportPreview,
    ImportRow,
    export_centres_csv,
    import_centres,
    neutralise_formula,
    open_sealed_import,
    parse_centre_csv,
    seal_import,
)
from .label_status import label_horizon  # noqa: F401
