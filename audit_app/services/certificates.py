"""Issuing certificates from awarding decisions; suspending, withdrawing, reinstating them.

Every function flushes, never commits: the view or command owning the request commits once,
so a certificate exists exactly when its decision does.
"""
from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from .. import storage
from ..extensions import db
from ..models import (
    Audit,
    Certificate,
    CertificateStatus,
    Event,
    EventAction,
    PublicStatus,
    User,
    utcnow,
)
from ..scoring import Severity
from ..workflow import Decision
from . import events
from .errors import RenderFailed, ServiceError, ValidationFailed
from .inputs import InputError, clean_text

log = logging.getLogger(__name__)

BERLIN = ZoneInfo("Europe/Berlin")
AWARDING = (Decision.AWARD, Decision.AWARD_WITH_CONDITIONS)


class CertificateRenderFailed(RenderFailed):
    """The certificate's PDF could not be rendered (the decision stands; it is retried)."""


def decision_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in Berlin (a naive moment counts as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BERLIN).date()


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (31 May + 1 → 30 June)."""
    import calendar

    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February becomes 28 February in a common year."""
    return add_months(day, 12 * years)


def next_number(year: int) -> str:
    """Take the next number ``AIZ-<year>-<nnnn>``; concurrent callers never get the same one.

    The row of ``year`` in ``certificate_sequences`` is created if missing (ON CONFLICT DO
    NOTHING absorbs the insert race on PostgreSQL) and incremented with UPDATE ... RETURNING,
    which locks the row until the transaction ends (SQLite writers are serialised anyway).
    A new year starts after the highest number already issued for it.
    """
    prefix = f"AIZ-{year}-"
    existing = db.session.scalars(
        sa.select(Certificate.number).where(Certificate.number.like(prefix + "%"))
    ).all()
    start = max((int(n[len(prefix):]) for n in existing if n[len(prefix):].isdigit()), default=0)
    db.session.execute(
        sa.text("INSERT INTO certificate_sequences (year, last) VALUES (:year, :start) "
                "ON CONFLICT (year) DO NOTHING"),
        {"year": year, "start": start},
    )
    last = db.session.execute(
        sa.text("UPDATE certificate_sequences SET last = last + 1 WHERE year = :year "
                "RETURNING last"),
        {"year": year},
    ).scalar_one()
    return f"{prefix}{last:04d}"


def _conditions(audit: Audit, day: date, months: int) -> list[dict]:
    """The conditions of an award with conditions: one per criterion with minor findings (the
    rule's sentence, then the auditor's own words), each with the deadline ``months`` after
    ``day``; a minor finding without a criterion is a condition of its own."""
    from .scoring import score_audit

    deadline = add_months(day, months).isoformat()
    grouped: dict[object, list] = {}
    for index, f in enumerate(score_audit(audit).findings):
        if f.severity == Severity.MINOR:
            grouped.setdefault(f.criterion_code or ("finding", index), []).append(f)
    conditions = []
    for findings in grouped.values():
        findings.sort(key=lambda f: f.manual)  # the rule's sentence first
        conditions.append({
            "criterion": findings[0].criterion_code,
            "text_de": " ".join(f.text("de") for f in findings),
            "text_en": " ".join(f.text("en") for f in findings),
            "deadline": deadline,
        })
    return conditions


def store_pdf(data: bytes, folder: str = "certificates") -> tuple[str, str]:
    """Store PDF bytes of kind ``folder`` ("certificates", "reports"): (sha256, storage key).

    Content-addressed (see :mod:`audit_app.storage`): the same bytes are stored once.
    """
    stored = storage.current().put(data, folder)
    return stored.sha256, stored.key


def open_stored(key: str, sha256: str, what: str) -> storage.Download | None:
    """The file stored under ``key``, ready to stream, if it still matches ``sha256``.

    A missing file gives None; so does one whose hash no longer matches (logged, naming
    ``what``): such bytes are never served.
    """
    try:
        return storage.current().download(key, sha256)
    except storage.FileMissing:
        return None
    except storage.CorruptFile:
        log.error("stored PDF of %s does not match its SHA-256", what)
        return None


#: Languages a certificate is issued in; German is the original shown on verification.
LANGUAGES = ("de", "en")


def _pdf_fields(lang: str) -> tuple[str, str]:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown certificate language: {lang!r}")
    return ("pdf_sha256", "pdf_storage_key") if lang == "de" else (
        "pdf_en_sha256", "pdf_en_storage_key")


def open_pdf(certificate: Certificate, lang: str = "de") -> storage.Download | None:
    """The issued PDF in ``lang``, ready to stream, checked against the stored SHA-256;
    None when missing."""
    sha_field, key_field = _pdf_fields(lang)
    key = getattr(certificate, key_field)
    if not key:
        return None
    return open_stored(key, getattr(certificate, sha_field),
                       f"certificate {certificate.number} ({lang})")


def stored_pdf(certificate: Certificate, lang: str = "de") -> bytes | None:
    """The issued PDF's bytes in ``lang``, checked against the stored SHA-256; None when missing."""
    download = open_pdf(certificate, lang)
    return None if download is None else download.read_all()


def render_and_store(certificate: Certificate, lang: str, actor: User | None) -> bytes:
    """Render the certificate in ``lang``, store it, set its hash and key, record the event.

    Called by :mod:`audit_app.services.documents` after the decision has committed; raises
    :class:`CertificateRenderFailed` when the renderer fails (nothing is stored then).
    """
    from ..pdf.certificate import certificate_context, render_certificate

    try:
        data = render_certificate(certificate_context(certificate, lang))
    except Exception as exc:
        log.exception("certificate PDF (%s) for audit %s failed to render",
                      lang, certificate.audit_id)
        failure = CertificateRenderFailed(
            _l("The certificate PDF could not be created yet. The decision is saved; please "
               "try again later or tell the association office.")
        )
        failure.detail = f"{type(exc).__name__}: {exc}"
        raise failure from None
    sha_field, key_field = _pdf_fields(lang)
    digest, key = store_pdf(data)
    setattr(certificate, sha_field, digest)
    setattr(certificate, key_field, key)
    events.record(
        EventAction.CERTIFICATE_PDF_STORED, actor=actor, subject_type="certificate",
        subject_id=certificate.id, audit_id=certificate.audit_id,
        new={"sha256": digest, "size": len(data), "lang": lang},
    )
    return data


def issue_for(audit: Audit, actor: User, now: datetime | None = None) -> Certificate:
    """Issue the certificate of an awarding decision in the caller's transaction.

    Reserves its number; valid_from is the decision day in Berlin, valid_until that day plus
    the catalogue's validity years; conditions are the minor findings with their deadline. A
    still-valid earlier certificate of the centre becomes SUPERSEDED. The PDFs are not
    rendered here but after the decision commits (:mod:`audit_app.services.documents`).
    """
    rules = audit.catalog.rules or {}
    validity = int(rules.get("validity_years", 5))
    deadline_months = int(rules.get("condition_deadline_months", 3))
    day = decision_day(now or audit.decided_at or utcnow())
    certificate = Certificate(
        number=next_number(day.year),
        audit=audit,
        centre_id=audit.centre_id,
        catalog_id=audit.catalog_id,
        issued_at=now or utcnow(),
        valid_from=day,
        valid_until=add_years(day, validity),
        status=CertificateStatus.VALID,
        conditions=(_conditions(audit, day, deadline_months)
                    if audit.decision is Decision.AWARD_WITH_CONDITIONS else []),
    )
    db.session.add(certificate)
    db.session.flush()
    from .conditions import cancel_for_certificate, create_for

    events.record(
        EventAction.CERTIFICATE_ISSUED, actor=actor, subject_type="certificate", subject_id=certificate.id,
        audit_id=audit.id,
        new={"number": certificate.number, "valid_from": day.isoformat(),
             "valid_until": certificate.valid_until.isoformat(),
             "conditions": len(certificate.conditions)},
    )
    create_for(audit, certificate, certificate.conditions, actor)
    # A renewal decided while the previous label still runs (valid or suspended) supersedes
    # it from the decision day; its conditions still open are cancelled (the renewal audit
    # checked them). After a gap (the previous certificate expired) nothing is superseded:
    # the new certificate starts a new validity.
    previous = db.session.scalars(
        sa.select(Certificate).where(
            Certificate.centre_id == audit.centre_id,
            Certificate.id != certificate.id,
            Certificate.status.in_((CertificateStatus.VALID, CertificateStatus.SUSPENDED)),
            Certificate.valid_until >= day,
        )
    ).all()
    for old in previous:
        old_status = old.status
        old.status = CertificateStatus.SUPERSEDED
        old.superseded_by_id = certificate.id
        old.suspension_cause = None
        events.record(
            EventAction.CERTIFICATE_SUPERSEDED, actor=actor, subject_type="certificate", subject_id=old.id,
            audit_id=old.audit_id, old=old_status.value,
            new=CertificateStatus.SUPERSEDED.value, note=f"{old.number} → {certificate.number}",
        )
        cancel_for_certificate(old, actor, f"{old.number} → {certificate.number}")
    db.session.flush()
    return certificate


def continuity(certificate: Certificate) -> dict | None:
    """How a certificate's validity relates to the centre's previous one (plain values):
    ``{"kind": "continued", "previous": number, "since": day}`` when it superseded a
    running label from its decision day, ``{"kind": "new", "previous": number,
    "gap_from": day}`` when the previous label had expired before (a new validity after a
    gap); None for a centre's first certificate."""
    superseded = db.session.scalar(
        sa.select(Certificate).where(Certificate.superseded_by_id == certificate.id)
        .order_by(Certificate.valid_until.desc()).limit(1))
    if superseded is not None:
        return {"kind": "continued", "previous": superseded.number,
                "since": certificate.valid_from}
    earlier = db.session.scalar(
        sa.select(Certificate).where(
            Certificate.centre_id == certificate.centre_id, Certificate.id != certificate.id,
            Certificate.valid_from < certificate.valid_from,
            Certificate.status.not_in((CertificateStatus.INVALIDATED,)))
        .order_by(Certificate.valid_until.desc()).limit(1))
    if earlier is None:
        return None
    return {"kind": "new", "previous": earlier.number,
            "gap_from": earlier.valid_until + timedelta(days=1)}


# --- status changes by a working-group lead ---------------------------------------------------

#: action → (statuses it applies to, resulting status)
STATUS_ACTIONS: dict[str, tuple[tuple[CertificateStatus, ...], CertificateStatus]] = {
    "suspend": ((CertificateStatus.VALID,), CertificateStatus.SUSPENDED),
    "withdraw": ((CertificateStatus.VALID, CertificateStatus.SUSPENDED),
                 CertificateStatus.WITHDRAWN),
    "reinstate": ((CertificateStatus.SUSPENDED,), CertificateStatus.VALID),
}


class StatusChangeRefused(ServiceError):
    """The action does not apply to the certificate's current status."""


def change_status(certificate: Certificate, action: str, actor: User, reason: str) -> None:
    """Suspend, withdraw or reinstate a certificate; a written reason is required.

    A certificate the daily command suspended for overdue conditions is reinstated only once
    every one of its conditions is closed. Withdrawing cancels the conditions still open.
    """
    if action not in STATUS_ACTIONS:
        raise ValidationFailed(_l("unknown action"))
    try:
        reason = clean_text(reason, "certificate.reason")
    except InputError as exc:
        raise ValidationFailed(_l("the reason is too long"), fields={"reason": exc.message}) from None
    if not reason:
        raise ValidationFailed(_l("a reason is required"), fields={"reason": _l("required")})
    sources, target = STATUS_ACTIONS[action]
    if certificate.status not in sources:
        raise StatusChangeRefused(_l("This step is not possible for this certificate now."))
    from .conditions import cancel_for_certificate, reinstate_blocked

    if action == "reinstate" and reinstate_blocked(certificate):
        raise StatusChangeRefused(_l("The certificate was suspended because a condition was not "
                                     "fulfilled in time. It can be reinstated once every "
                                     "condition is closed."))
    old = certificate.status
    certificate.status = target
    certificate.status_reason = reason
    certificate.suspension_cause = None
    if action == "withdraw":
        cancel_for_certificate(certificate, actor, reason)
    events.record(
        EventAction(f"certificate_{action}"), actor=actor, subject_type="certificate",
        subject_id=certificate.id, audit_id=certificate.audit_id, old=old.value,
        new=target.value, note=reason,
    )
    db.session.flush()


def not_renewed() -> sa.ColumnElement[bool]:
    """SQL condition on ``Certificate``: no later valid certificate of the same centre exists.

    A centre's label expires when its latest valid certificate does; lists and reminders
    must not announce the expiry of a certificate that a renewal already replaced.
    """
    later = sa.orm.aliased(Certificate)
    return ~(
        sa.select(later.id)
        .where(later.centre_id == Certificate.centre_id, later.status == CertificateStatus.VALID,
               later.valid_until > Certificate.valid_until)
        .exists()
    )


def get_by_number(number: str) -> Certificate | None:
    return db.session.scalar(sa.select(Certificate).where(Certificate.number == number))


def for_audit(audit: Audit) -> list[Certificate]:
    """The audit's certificates, newest first."""
    return list(db.session.scalars(
        sa.select(Certificate).where(Certificate.audit_id == audit.id)
        .order_by(Certificate.id.desc())
    ))


# --- public verification --------------------------------------------------------------------

NUMBER_PATTERN = r"AIZ-\d{4}-\d{4,6}"


def today_in_berlin() -> date:
    """Today's date for validity checks (VERIFY_TODAY fixes it in tests)."""
    fixed = current_app.config.get("VERIFY_TODAY")
    if fixed:
        return fixed if isinstance(fixed, date) else date.fromisoformat(str(fixed))
    return datetime.now(BERLIN).date()


def public_status(certificate: Certificate, today: date) -> PublicStatus:
    """The status as the public sees it on ``today`` (see :class:`PublicStatus`)."""
    status = certificate.effective_status(today)
    if status == CertificateStatus.VALID.value and certificate.valid_until <= add_years(today, 1):
        return PublicStatus.EXPIRING  # still valid, ends within the next 12 months
    if status == CertificateStatus.INVALIDATED.value:
        return PublicStatus.INVALID
    return PublicStatus(status)


#: Status changes whose date the public page and the marked copies name.
_STATUS_EVENTS = (EventAction.CERTIFICATE_SUSPEND, EventAction.CERTIFICATE_WITHDRAW,
                  EventAction.CERTIFICATE_INVALIDATED)


def status_since(certificate: Certificate) -> date | None:
    """The Berlin day of the certificate's last suspension, withdrawal or invalidation."""
    at = db.session.scalar(
        sa.select(Event.occurred_at)
        .where(Event.subject_type == "certificate", Event.subject_id == certificate.id,
               Event.action.in_(_STATUS_EVENTS))
        .order_by(Event.id.desc()).limit(1)
    )
    return at.astimezone(BERLIN).date() if at is not None else None


def marked_copy(certificate: Certificate, lang: str, today: date) -> bytes | None:
    """A freshly rendered copy with the status printed across it, for a suspended, withdrawn
    or invalidated certificate; None for every other status (download the original).

    The stored original is never changed: its SHA-256 is what the public page verifies.
    """
    from ..pdf.certificate import certificate_context, render_certificate, status_mark

    status = public_status(certificate, today)
    mark = status_mark(status, status_since(certificate), lang)
    if mark is None:
        return None
    context = certificate_context(certificate, lang)
    context["status_mark"] = mark
    return render_certificate(context)


def normalise_number(text: str) -> str:
    """A certificate number as people type it, in the printed form: "aiz 2026 0001",
    "AIZ–2026–0001" and "AIZ20260001" all become "AIZ-2026-0001". Anything that does not
    look like a number comes back upper-cased and trimmed (and then matches nothing)."""
    import re

    compact = re.sub(r"[^0-9A-Za-z]+", "", (text or "").strip()).upper()
    match = re.fullmatch(r"AIZ(\d{4})(\d{4,6})", compact)
    if match:
        return f"AIZ-{match.group(1)}-{match.group(2)}"
    return (text or "").strip().upper()[:40]


def verification(number: str, today: date) -> dict | None:
    """What the public may know about a certificate, as plain values; None when unknown.

    Exactly what the certificate itself shows, plus its status and the PDF's SHA-256.
    """
    import re

    number = normalise_number(number)
    if not re.fullmatch(NUMBER_PATTERN, number):
        return None
    row = db.session.execute(
        sa.select(Certificate, Audit.kind)
        .join(Audit, Audit.id == Certificate.audit_id)
        .where(Certificate.number == number)
        .options(joinedload(Certificate.centre), joinedload(Certificate.catalog),
                 joinedload(Certificate.superseded_by))
    ).first()
    if row is None:
        return None
    certificate, kind = row
    return {
        "number": certificate.number,
        "status": public_status(certificate, today),
        "centre": {"name": certificate.centre.name, "city": certificate.centre.city},
        "operating_company": certificate.centre.operating_company,
        "label": "Anerkanntes Innovationszentrum",
        "valid_from": certificate.valid_from,
        "valid_until": certificate.valid_until,
        "catalog": {"key": certificate.catalog.key, "version": certificate.catalog.version,
                    "title_de": certificate.catalog.title_de,
                    "title_en": certificate.catalog.title_en},
        "pdf_sha256": certificate.pdf_sha256,
        "pdf_sha256_en": certificate.pdf_en_sha256,
        "superseded_by": certificate.superseded_by.number if certificate.superseded_by else None,
        "kind": kind.value,
        "status_since": status_since(certificate)
        if certificate.status.value in ("suspended", "withdrawn", "invalidated") else None,
        # Only a suspension the app applied by its rule has a public reason (a fixed text);
        # a lead's own reasons stay internal.
        "suspension_cause": certificate.suspension_cause
        if certificate.status is CertificateStatus.SUSPENDED else None,
    }


def _register_query(today: date) -> sa.Select:
    """Name, city, state code, number and end of every current certificate, ordered by the
    federal state's name, then the centre's name."""
    from ..models import FEDERAL_STATES, Centre

    by_name = {code: rank for rank, code in
               enumerate(sorted(FEDERAL_STATES, key=lambda c: FEDERAL_STATES[c]))}
    return (
        sa.select(Centre.name, Centre.city, Centre.federal_state, Certificate.number,
                  Certificate.valid_until)
        .join(Centre, Centre.id == Certificate.centre_id)
        .where(Certificate.status == CertificateStatus.VALID,
               Certificate.valid_from <= today, Certificate.valid_until >= today)
        .order_by(sa.case(by_name, value=Centre.federal_state, else_=99), Centre.name,
                  Certificate.id)
    )


def register_page(today: date, page: int, per_page: int):
    """One page of the register (plain dicts), by federal-state code and name, paged in SQL."""
    from .paging import Page, paginate

    rows, page, total = paginate(_register_query(today), page, per_page, clamp=False,
                                 scalars=False)
    from ..models import FEDERAL_STATES

    items = [{"name": name, "city": city, "federal_state": FEDERAL_STATES.get(state, state),
              "number": number, "valid_until": valid_until}
             for name, city, state, number, valid_until in rows]
    return Page(items=items, page=page, per_page=per_page, total=total)


def register(today: date) -> list[tuple[str, list[dict]]]:
    """Centres holding a valid label on ``today``, grouped by federal state (one query)."""
    from ..models import FEDERAL_STATES

    rows = db.session.execute(_register_query(today)).all()
    groups: dict[str, list[dict]] = {}
    for name, city, state, number, valid_until in rows:
        groups.setdefault(FEDERAL_STATES.get(state, state), []).append(
            {"name": name, "city": city, "number": number, "valid_until": valid_until})
    return sorted(groups.items())


def verification_record(info: dict) -> dict:
    """The machine-readable record of :func:`verification` (``/verify/<number>.json`` and the
    API's ``/verify/<number>``): JSON values only. ``status_reason`` (in the request's
    language) only for a suspension the app applied because a condition was not fulfilled."""
    from ..labels import suspension_reason

    reason = suspension_reason(info.get("suspension_cause"))
    return {
        **({"status_reason": reason} if reason else {}),
        "number": info["number"],
        "status": info["status"],
        "centre": info["centre"],
        "label": info["label"],
        "valid_from": info["valid_from"].isoformat(),
        "valid_until": info["valid_until"].isoformat(),
        "catalog": {"key": info["catalog"]["key"], "version": info["catalog"]["version"]},
        "pdf_sha256": info["pdf_sha256"],
        "pdf_sha256_en": info["pdf_sha256_en"],
        "superseded_by": info["superseded_by"],
    }
