"""The register of member centres: lists with the label status, detail, create and edit,
CSV import (with a preview) and CSV export.

Every function takes the user and, where dates matter, ``today`` as arguments; nothing here
commits (the view or command does).
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import FEDERAL_STATES, Audit, Centre, Certificate, CertificateStatus, EventAction
from ..permissions import audit_filter, centre_filter
from ..scoring import ScoreResult
from . import events, inputs
from .errors import ServiceError, ValidationFailed
from .paging import Page, paginate
from .scoring import score_audits

# --------------------------------------------------------------------------------------------
# Label status


class LabelStatus(StrEnum):
    """Whether a centre holds the label today, derived from its certificates (never stored)."""

    VALID = "valid"  # a current certificate, valid for more than another 12 months
    EXPIRING = "expiring"  # a current certificate that ends within the next 12 months
    EXPIRED = "expired"  # had certificates, none current (expired, suspended, withdrawn ...)
    NEVER = "never"  # no certificate at all


#: Sort rank of the statuses: holders first, then those about to lose it, then the rest.
_LABEL_RANK = {LabelStatus.VALID: 0, LabelStatus.EXPIRING: 1, LabelStatus.EXPIRED: 2,
               LabelStatus.NEVER: 3}


def label_horizon(today: date) -> date:
    """The end of the 12-month window in which a label counts as expiring (29 Feb → 28 Feb)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def label_status_of(certificates: Iterable[Certificate], today: date) -> LabelStatus:
    """The label status from a centre's certificates, in Python (the SQL below is the same rule).

    A certificate is *current* when its stored status is VALID and
    ``valid_from <= today <= valid_until``. With a current certificate the status is VALID if
    the latest current ``valid_until`` lies after ``today`` + 12 months, else EXPIRING; with
    certificates but none current it is EXPIRED; without any it is NEVER.
    """
    certificates = list(certificates)
    current = [c.valid_until for c in certificates if c.status is CertificateStatus.VALID
               and c.valid_from <= today <= c.valid_until]
    if current:
        return LabelStatus.VALID if max(current) > label_horizon(today) else LabelStatus.EXPIRING
    return LabelStatus.EXPIRED if certificates else LabelStatus.NEVER


def _certificate_summary(today: date):
    """Per centre: the latest end date among current certificates and the number of certificates."""
    current = sa.and_(
        Certificate.status == CertificateStatus.VALID,
        Certificate.valid_from <= today,
        Certificate.valid_until >= today,
    )
    return (
        sa.select(
            Certificate.centre_id.label("centre_id"),
            sa.func.max(sa.case((current, Certificate.valid_until))).label("current_until"),
            sa.func.count(Certificate.id).label("certificates"),
        )
        .group_by(Certificate.centre_id)
        .subquery("label_summary")
    )


def _label_status_column(summary, today: date):
    """The label status as a SQL expression over :func:`_certificate_summary` (outer-joined)."""
    return sa.case(
        (summary.c.current_until > label_horizon(today), LabelStatus.VALID.value),
        (summary.c.current_until.is_not(None), LabelStatus.EXPIRING.value),
        (summary.c.certificates > 0, LabelStatus.EXPIRED.value),
        else_=LabelStatus.NEVER.value,
    )


# --------------------------------------------------------------------------------------------
# Case-insensitive matching that also folds umlauts, on SQLite and PostgreSQL

#: Upper-case forms that ``str.upper()`` does not give as one character.
_EXTRA_UPPER = {"ß": "ẞ"}


def _case_variants(ch: str) -> str:
    """``ch`` and its single-character upper case, for characters SQL ``lower()`` may not fold.

    ASCII letters need no variants: ``lower()`` folds them on every backend. SQLite's
    ``lower()`` leaves every other character alone (and PostgreSQL's does too under the C
    locale), so for those the pattern lists both cases explicitly.
    """
    if ch.isascii():
        return ch
    upper = _EXTRA_UPPER.get(ch, ch.upper())
    return ch + upper if len(upper) == 1 and upper != ch else ch


def folded_match(column, term: str, *, whole: bool = False) -> sa.ColumnElement[bool]:
    """``column`` contains ``term`` (or equals it when ``whole``), ignoring case, umlauts included.

    ``lower(column)`` folds ASCII; every other letter of the lowered term becomes a character
    class of its cases (``göttingen`` → ``g[öÖ]ttingen``), matched with ``GLOB`` on SQLite and
    a case-sensitive regular expression on PostgreSQL. The same rows match on both backends
    whatever the database locale, and the condition stays in SQL (so paging works).
    """
    term = term.lower()
    dialect = db.session.get_bind().dialect.name
    lowered = sa.func.lower(column)
    if dialect == "sqlite":
        parts = []
        for ch in term:
            variants = _case_variants(ch)
            if len(variants) > 1 or ch in "*?[":
                parts.append(f"[{variants}]")
            else:
                parts.append(ch)
        pattern = "".join(parts)
        return lowered.op("GLOB")(pattern if whole else f"*{pattern}*")
    if dialect == "postgresql":
        parts = []
        for ch in term:
            variants = _case_variants(ch)
            if len(variants) > 1:
                parts.append(f"[{variants}]")
            elif not ch.isalnum():
                parts.append("\\" + ch)
            else:
                parts.append(ch)
        pattern = "".join(parts)
        return lowered.op("~")(f"^{pattern}$" if whole else pattern)
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(escaped if whole else f"%{escaped}%", escape="\\")


#: German alphabetical order (DIN 5007-1: ä = a, ß = ss), identical on both backends.
_SORT_FOLDS = (("ä", "a"), ("Ä", "a"), ("ö", "o"), ("Ö", "o"), ("ü", "u"), ("Ü", "u"),
               ("ß", "ss"), ("ẞ", "ss"))


def _sort_key(column):
    expr = sa.func.lower(column)
    for old, new in _SORT_FOLDS:
        expr = sa.func.replace(expr, old, new)
    return expr


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
    """The latest audit the user may see of each centre (one query)."""
    if not centre_ids:
        return {}
    latest_ids = (
        sa.select(sa.func.max(Audit.id))
        .where(Audit.centre_id.in_(centre_ids), audit_filter(user))
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
    summary = _certificate_summary(today)
    status = _label_status_column(summary, today)
    conditions = [centre_filter(user)]
    if not include_inactive:
        conditions.append(Centre.active.is_(True))
    q = " ".join((q or "").split())
    if q:
        conditions.append(sa.or_(folded_match(Centre.name, q), folded_match(Centre.city, q)))
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
        order = [_sort_key(Centre.city)]
    elif key == "state":
        order = [sa.case(_STATE_RANK, value=Centre.federal_state, else_=99)]
    elif key == "member_since":
        order = [Centre.member_since]
    else:
        order = [_sort_key(Centre.name)]
    order = [o.desc() if descending else o.asc() for o in order]
    if key == "member_since":
        # Centres without a date last in either direction.
        order.insert(0, Centre.member_since.is_(None))
    order += [_sort_key(Centre.name), Centre.id]
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


# --------------------------------------------------------------------------------------------
# CSV: columns, import with preview, export

#: CSV columns: field → (German header, English header). The export writes the headers of the
#: user's language; the import accepts either (and the aliases below), in any order.
CSV_COLUMNS: dict[str, tuple[str, str]] = {
    "name": ("Name", "name"),
    "operating_company": ("Betreibergesellschaft", "operating_company"),
    "street": ("Straße", "street"),
    "postcode": ("PLZ", "postcode"),
    "city": ("Ort", "city"),
    "federal_state": ("Bundesland", "federal_state"),
    "founded_year": ("Gründungsjahr", "founded_year"),
    "space_m2": ("Fläche_m2", "space_m2"),
    "tenant_count": ("Mieter", "tenant_count"),
    "occupancy_percent": ("Auslastung_Prozent", "occupancy_percent"),
    "staff_count": ("Mitarbeitende", "staff_count"),
    "website": ("Website", "website"),
    "contact_name": ("Kontakt", "contact_name"),
    "contact_email": ("E-Mail", "contact_email"),
    "contact_phone": ("Telefon", "contact_phone"),
    "member_since": ("Mitglied_seit", "member_since"),
    "active": ("Aktiv", "active"),
}
REQUIRED_COLUMNS = ("name", "city", "federal_state")
_HEADER_ALIASES = {
    "zentrum": "name", "betreiber": "operating_company", "strasse": "street", "postleitzahl":
    "postcode", "stadt": "city", "land": "federal_state", "state": "federal_state", "gruendung":
    "founded_year", "flaeche": "space_m2", "flaeche_m²": "space_m2", "tenants": "tenant_count",
    "auslastung": "occupancy_percent", "staff": "staff_count", "mitarbeiter": "staff_count",
    "webseite": "website", "ansprechpartner": "contact_name", "email": "contact_email",
    "e_mail_adresse": "contact_email", "phone": "contact_phone", "mitglied": "member_since",
}

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 2000
#: Largest sealed preview carried in the confirm form (Flask refuses form fields > 500 kB).
MAX_SEALED_CHARS = inputs.LIMITS["import.sealed"]
IMPORT_MAX_AGE_SECONDS = 2 * 3600
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _normalise_header(header: str) -> str:
    text = header.strip().lstrip("\ufeff").casefold()
    for old, new in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("²", "2")):
        text = text.replace(old, new)
    return re.sub(r"[\s\-./]+", "_", text).strip("_")


def _header_lookup() -> dict[str, str]:
    lookup = {_normalise_header(alias): key for alias, key in _HEADER_ALIASES.items()}
    for key, (german, english) in CSV_COLUMNS.items():
        lookup[_normalise_header(german)] = key
        lookup[_normalise_header(english)] = key
        lookup[key] = key
    return lookup


def neutralise_formula(cell: str) -> str:
    """Prefix ``'`` to a cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _restore_formula(cell: str) -> str:
    """Undo :func:`neutralise_formula`, so an export imports back to the same values."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell


@dataclass
class ImportRow:
    """One data row of an import file: its line, the cells, the converted values, the problems."""

    line: int
    cells: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportPreview:
    """A parsed import file: file-level problems, or every row with its own problems."""

    text: str = ""
    delimiter: str = ";"
    #: The file's header for each field, to name columns in messages as the file does.
    headers: dict[str, str] = field(default_factory=dict)
    rows: list[ImportRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def rows_with_errors(self) -> list[ImportRow]:
        return [r for r in self.rows if r.errors]

    @property
    def importable(self) -> bool:
        """True only when the file and every row are fine: one bad row imports nothing."""
        return bool(self.rows) and not self.file_errors and not self.rows_with_errors


def _sniff_delimiter(header_line: str) -> str:
    """The delimiter of the header line: the most frequent of ``;``, ``,`` and tab."""
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def parse_centre_csv(data: bytes, *, today: date | None = None) -> ImportPreview:
    """Read an import file into a preview, checking every row as :func:`create_centre` would.

    UTF-8 with or without BOM; ``;``, ``,`` or tab as delimiter (taken from the header line);
    a header row naming the columns (:data:`CSV_COLUMNS`, German or English, any order; name,
    city and federal state are required). Empty lines are skipped. A name that already exists
    in the register or repeats an earlier row is an error: the import only creates centres.
    Nothing is stored.
    """
    today = today or date.today()
    preview = ImportPreview()
    if len(data) > MAX_IMPORT_BYTES:
        preview.file_errors.append(_("The file is larger than %(size)s MB. Please split it.",
                                     size=MAX_IMPORT_BYTES // (1024 * 1024)))
        return preview
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        preview.file_errors.append(_(
            "The file is not UTF-8 encoded. In Excel, save it as „CSV UTF-8 (Comma delimited)“."
        ))
        return preview
    if "\x00" in text:
        preview.file_errors.append(_("This is not a CSV text file."))
        return preview
    preview.text = text
    if not text.strip():
        preview.file_errors.append(_("The file is empty."))
        return preview
    preview.delimiter = _sniff_delimiter(text.lstrip().splitlines()[0])
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=preview.delimiter))
    except csv.Error as exc:
        preview.file_errors.append(_("The file cannot be read as CSV: %(error)s", error=str(exc)))
        return preview
    numbered = [(i + 1, r) for i, r in enumerate(records) if any(c.strip() for c in r)]
    header = numbered[0][1]
    columns = _map_header(header, preview)
    if preview.file_errors:
        return preview
    data_rows = numbered[1:]
    if not data_rows:
        preview.file_errors.append(_("The file contains no centres, only the header row."))
        return preview
    if len(data_rows) > MAX_IMPORT_ROWS:
        preview.file_errors.append(_(
            "The file has %(rows)s rows; at most %(max)s can be imported at once. Please split it.",
            rows=_number(len(data_rows)), max=_number(MAX_IMPORT_ROWS),
        ))
        return preview
    existing = {name.lower(): name for name in db.session.scalars(sa.select(Centre.name))}
    seen: dict[str, int] = {}
    for line, record in data_rows:
        row = _parse_row(line, record, columns, today)
        name_key = row.values.get("name", "").lower()
        if "name" not in row.errors and name_key:
            if name_key in existing:
                row.errors["name"] = _duplicate_message(existing[name_key])
            elif name_key in seen:
                row.errors["name"] = _("The same name as in line %(line)s.", line=seen[name_key])
            else:
                seen[name_key] = line
        preview.rows.append(row)
    return preview


def _map_header(header: list[str], preview: ImportPreview) -> list[str | None]:
    """The field of each column; file-level errors for unknown, repeated or missing columns."""
    lookup = _header_lookup()
    columns: list[str | None] = []
    unknown = []
    for cell in header:
        if not cell.strip():
            columns.append(None)
            continue
        key = lookup.get(_normalise_header(cell))
        if key is None:
            unknown.append(cell.strip())
        elif key in preview.headers:
            preview.file_errors.append(_("The column „%(column)s“ appears twice.",
                                         column=cell.strip()))
        else:
            preview.headers[key] = cell.strip()
        columns.append(key)
    if unknown:
        preview.file_errors.append(_(
            "Unknown columns: %(columns)s. The column names are listed below the upload field.",
            columns=", ".join(f"„{u}“" for u in unknown),
        ))
    missing = [CSV_COLUMNS[k][0] for k in REQUIRED_COLUMNS if k not in preview.headers]
    if missing:
        preview.file_errors.append(_("Required columns are missing: %(columns)s.",
                                     columns=", ".join(f"„{m}“" for m in missing)))
    return columns


def _parse_row(line: int, record: list[str], columns: list[str | None], today: date) -> ImportRow:
    cells: dict[str, str] = {}
    extra = False
    for index, raw in enumerate(record):
        key = columns[index] if index < len(columns) else None
        if key is None:
            extra = extra or (index >= len(columns) and bool(raw.strip()))
            continue
        cells[key] = _restore_formula(raw.strip())
    row = ImportRow(line=line, cells=cells)
    row.values, row.errors = clean_centre_data(cells, today=today)
    if extra:
        row.errors["_row"] = _("This line has more cells than the header row.")
    return row


def seal_import(preview: ImportPreview, filename: str, user) -> str:
    """The file's text signed (and compressed) for the confirm form, bound to the user.

    The confirm step re-reads and re-checks the text with :func:`open_sealed_import`, so a
    tampered, foreign or stale preview can never be imported. Raises ServiceError when the
    sealed text would be too large to post back.
    """
    token = _serializer().dumps({"u": user.id, "f": filename, "t": preview.text})
    if len(token) > MAX_SEALED_CHARS:
        raise ServiceError(_("The file is too large to import in one go. Please split it."))
    return token


def open_sealed_import(token: str, user) -> tuple[str, str]:
    """The ``(text, filename)`` sealed by :func:`seal_import` for this user, at most 2 hours old."""
    try:
        payload = _serializer().loads(token, max_age=IMPORT_MAX_AGE_SECONDS)
    except SignatureExpired:
        raise ServiceError(_("The preview has expired. Please upload the file again.")) from None
    except BadSignature:
        raise ServiceError(_("The preview could not be verified. Please upload the file again.")) from None
    if not isinstance(payload, dict) or payload.get("u") != user.id:
        raise ServiceError(_("The preview could not be verified. Please upload the file again."))
    return str(payload.get("t", "")), str(payload.get("f", ""))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="centres-csv-import")


def import_centres(preview_rows: list[ImportRow], actor, *, filename: str = "") -> list[Centre]:
    """Create a centre for every row of a checked preview, or none if any row has an error.

    Records one ``centre_created`` event per centre, noting the file.
    """
    if not preview_rows or any(row.errors for row in preview_rows):
        raise ValidationFailed(_("Nothing was imported: the file has errors."))
    centres = [Centre(**row.values) for row in preview_rows]
    db.session.add_all(centres)
    db.session.flush()
    note = f"CSV import: {filename}" if filename else "CSV import"
    for centre, row in zip(centres, preview_rows):
        events.record(EventAction.CENTRE_CREATED, actor=actor, subject_type="centre", subject_id=centre.id,
                      new={k: _json_value(v) for k, v in row.values.items()}, note=note)
    db.session.flush()
    return centres


def _export_cells(centre: Centre, lang: str) -> list[str]:
    def integer(value: int | None) -> str:
        return "" if value is None else str(value)

    occupancy = "" if centre.occupancy_percent is None else (
        format(centre.occupancy_percent, "f").replace(".", ",")
    )
    since = centre.member_since.strftime("%d.%m.%Y") if centre.member_since else ""
    yes, no = ("ja", "nein") if lang == "de" else ("yes", "no")
    values = {
        "name": centre.name, "operating_company": centre.operating_company,
        "street": centre.street, "postcode": centre.postcode, "city": centre.city,
        "federal_state": centre.federal_state_name,
        "founded_year": integer(centre.founded_year), "space_m2": integer(centre.space_m2),
        "tenant_count": integer(centre.tenant_count), "occupancy_percent": occupancy,
        "staff_count": integer(centre.staff_count), "website": centre.website,
        "contact_name": centre.contact_name, "contact_email": centre.contact_email,
        "contact_phone": centre.contact_phone, "member_since": since,
        "active": yes if centre.active else no,
    }
    return [neutralise_formula(values[key] or "") for key in CSV_COLUMNS]


def export_centres_csv(rows: Iterable[Centre], *, lang: str = "de") -> bytes:
    """The centres as CSV for German Excel: UTF-8 with BOM, ``;``, CRLF, decimal comma.

    The columns are the import's (:data:`CSV_COLUMNS`, headers in ``lang``), so an export can
    be imported again; dates as DD.MM.YYYY, the federal state by name, ``active`` as ja/nein
    (yes/no in English). Cells that a spreadsheet would run as a formula get a leading ``'``.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([german if lang == "de" else english for german, english in CSV_COLUMNS.values()])
    for centre in rows:
        writer.writerow(_export_cells(centre, lang))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
